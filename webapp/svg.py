"""Inline SVG for the live views: the footprint network and line charts.

Why SVG strings rather than matplotlib: a frame costs about a millisecond instead of
~150 ms of PNG rendering, so the live view keeps up with 10 steps a second on a small
machine; the browser draws it crisply at any size (projectors); every node and edge
carries a native hover tooltip (``<title>``); and nothing is fetched from the internet,
so the app works in a workshop room without a connection.
"""

from html import escape

import numpy as np

from sim.config import ORG_TYPES

from .labels import SHORT

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
TYPE_COLOURS = {
    "acute": "#0072B2",
    "mental_health": "#CC79A7",
    "community": "#009E73",
    "ccg": "#E69F00",
    "council": "#56B4E9",
}
TYPE_LABELS = {
    "acute": "Acute trust",
    "mental_health": "Mental health trust",
    "community": "Community trust",
    "ccg": "CCG",
    "council": "Council",
}
_LOW, _MID, _HIGH = np.array([192, 57, 43]), np.array([243, 156, 18]), np.array([39, 174, 96])


def trust_colour(t: float) -> str:
    """Red (no trust) through amber to green (full trust)."""
    t = float(min(max(t, 0.0), 1.0))
    rgb = _LOW + (_MID - _LOW) * (t / 0.5) if t < 0.5 else _MID + (_HIGH - _MID) * ((t - 0.5) / 0.5)
    return "#%02x%02x%02x" % tuple(int(round(c)) for c in rgb)


def _marker(x: float, y: float, r: float, hawk: bool) -> tuple[str, dict]:
    """Dove: a circle. Hawk: a triangle pointing up (same area, so size still means budget)."""
    if not hawk:
        return "circle", {"cx": f"{x:.1f}", "cy": f"{y:.1f}", "r": f"{r:.1f}"}
    s = r * 1.55
    pts = f"{x:.1f},{y - s:.1f} {x + s * 0.866:.1f},{y + s * 0.5:.1f} {x - s * 0.866:.1f},{y + s * 0.5:.1f}"
    return "polygon", {"points": pts}


def _tag(name: str, attrs: dict, title: str = "") -> str:
    a = " ".join(f'{k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    if title:
        return f"<{name} {a}><title>{escape(title)}</title></{name}>"
    return f"<{name} {a}/>"


def network_svg(view: dict, width: int = 640, height: int = 520) -> str:
    """The footprint: node colour = organisation type, marker = this month's move (circle
    dove, triangle hawk), node area = monthly budget, red outline = in deficit, dashed =
    special measures; edge colour and width = mutual trust. ``view`` is a snapshot from
    ``webapp.live.snapshot``."""
    pos = np.asarray(view["pos"], float)
    pad = 34
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    span = np.where(hi - lo > 1e-9, hi - lo, 1.0)
    xy = pad + (pos - lo) / span * np.array([width - 2 * pad, height - 2 * pad])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'class="network-view" data-month="{view["month"]}" role="img" '
             f'aria-label="Network of {len(pos)} organisations at month {view["month"]}">',
             f'<rect width="{width}" height="{height}" fill="white"/>']
    for k, (i, j) in enumerate(view["edges"]):
        t_ij, t_ji = view["edge_trust"][k]
        t = (t_ij + t_ji) / 2
        (x1, y1), (x2, y2) = xy[i], xy[j]
        tip = (f"{view['names'][i]} trusts {view['names'][j]}: {t_ij:.2f}; "
               f"{view['names'][j]} trusts {view['names'][i]}: {t_ji:.2f}")
        parts.append(_tag("line", {"x1": f"{x1:.1f}", "y1": f"{y1:.1f}", "x2": f"{x2:.1f}", "y2": f"{y2:.1f}",
                                   "stroke": trust_colour(t), "stroke_width": f"{0.6 + 5.0 * t:.2f}",
                                   "stroke_linecap": "round", "opacity": "0.85"}, tip))
    size = np.asarray(view["budget"], float)
    radius = 6 + 12 * np.sqrt(size / size.max())
    for i in range(len(pos)):
        hawk = view["cooperation"][i] < 0.5
        kind = ORG_TYPES[view["types"][i]]
        name, attrs = _marker(xy[i, 0], xy[i, 1], radius[i], hawk)
        deficit = view["balance"][i] < 0
        attrs.update({"fill": TYPE_COLOURS[kind], "stroke": "#c0392b" if deficit else "#222",
                      "stroke_width": "3" if deficit else "1.2", "class": "hawk" if hawk else "dove"})
        if view["special_measures"][i]:
            attrs["stroke_dasharray"] = "4 3"
        tip = (f"{view['names'][i]} ({TYPE_LABELS[kind]})\n"
               f"{'Hawk' if hawk else 'Dove'} this month: collaborated in {view['cooperation'][i]:.0%} of its games\n"
               f"Decision rule: {SHORT.get(view['strategy'][i], view['strategy'][i])}\n"
               f"Budget {size[i]:.0f}/month; balance {view['balance'][i]:+.1f}\n"
               f"Trust in partners {view['trust_out'][i]:.2f}; partners' trust in it {view['trust_in'][i]:.2f}\n"
               f"Leader in post {view['tenure'][i]} months"
               + ("\nIn special measures" if view["special_measures"][i] else ""))
        parts.append(_tag(name, attrs, tip))
    parts.append("</svg>")
    return "".join(parts)


def legend_html() -> str:
    """Key to the network view, as HTML so it wraps on narrow screens."""
    sw = "display:inline-block;width:0.9em;height:0.9em;border-radius:50%;margin:0 0.3em 0 0.8em;"
    types = "".join(f'<span style="{sw}background:{c}"></span>{TYPE_LABELS[t]}' for t, c in TYPE_COLOURS.items())
    grad = ", ".join(trust_colour(t) for t in (0, 0.25, 0.5, 0.75, 1))
    return (f'<div class="legend">{types}<br>'
            '<span style="margin-left:0.8em">● dove: collaborated in most games this month &nbsp; ▲ hawk: defected in '
            'most games this month</span>'
            ' &nbsp; size = budget &nbsp; <span style="color:#c0392b">red outline = in deficit</span>'
            ' &nbsp; <span style="border:2px dashed #222;padding:0 0.3em">dashed outline</span> = special measures'
            f' &nbsp; trust: <span style="display:inline-block;width:5em;height:0.7em;'
            f'background:linear-gradient(to right, {grad})"></span> low → high</div>')


def _ticks(lo: float, hi: float, n: int = 4) -> np.ndarray:
    if hi - lo < 1e-12:
        lo, hi = lo - 1, hi + 1
    raw = (hi - lo) / n
    mag = 10 ** np.floor(np.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10 * mag)
    return np.arange(np.ceil(lo / step) * step, hi + step * 1e-9, step)


def _fmt(v: float) -> str:
    if abs(v) < 1e-9:
        return "0"
    if abs(v) >= 1000:
        return f"{v / 1000:.1f}k".replace(".0k", "k")
    return f"{v:.2f}".rstrip("0").rstrip(".") if abs(v) < 10 else f"{v:.0f}"


def line_chart_svg(title: str, series: dict[str, tuple], x_max: int, y_range: tuple[float, float] | None = None,
                   width: int = 640, height: int = 230, zero_line: bool = False, x_label: str = "month",
                   x_start: int = 1) -> str:
    """A line chart of monthly series: ``series`` maps a label to (values, colour) or
    (values, colour, dash pattern); value k is drawn at x = k + ``x_start`` (months count
    from 1, generations from 0). The x axis runs to ``x_max`` so the frame stays still while
    a run grows into it. The legend wraps onto as many rows as it needs."""
    left, right, bottom = 58, 14, 30
    rows, x = [[]], left
    for label in series:
        w = 28 + 6.6 * len(label)
        if rows[-1] and x + w > width - right:
            rows.append([])
            x = left
        rows[-1].append((label, x))
        x += w
    top = 26 + 16 * len(rows)
    height = height + 16 * (len(rows) - 1)
    ys = {label: np.asarray(spec[0], float) for label, spec in series.items()}
    finite = np.concatenate([y[np.isfinite(y)] for y in ys.values()] + [np.array([])])
    if y_range is None:
        lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
        if zero_line:
            lo, hi = min(lo, 0.0), max(hi, 0.0)
        pad = 0.08 * (hi - lo) if hi > lo else 1.0
        lo, hi = lo - pad, hi + pad
    else:
        lo, hi = y_range
    x0 = 0.0
    x1 = float(max(x_max, max((len(y) for y in ys.values()), default=1) - 1 + x_start, 1))
    pw, ph = width - left - right, height - top - bottom

    def px(v):
        return left + (v - x0) / (x1 - x0) * pw

    def py(v):
        return top + (1 - (v - lo) / (hi - lo)) * ph

    slug = "".join(c if c.isalnum() else "-" for c in title.lower())
    points = len(next(iter(ys.values()))) if ys else 0  # of the first series: the current run
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'class="line-chart" data-chart="{slug}" data-points="{points}" role="img" aria-label="{escape(title)}">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{left}" y="16" font-size="15" font-weight="600">{escape(title)}</text>']
    for t in _ticks(lo, hi):
        y = py(t)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="12" text-anchor="end">{_fmt(t)}</text>')
    if zero_line and lo < 0 < hi:
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{py(0):.1f}" y2="{py(0):.1f}" stroke="#888"/>')
    for t in _ticks(x0, x1, 6):
        if t == int(t):
            parts.append(f'<text x="{px(t):.1f}" y="{height - 10}" font-size="12" text-anchor="middle">{int(t)}</text>')
    parts.append(f'<text x="4" y="{height - 10}" font-size="11" fill="#666">{escape(x_label)} →</text>')
    place = {label: (x, 27 + 16 * r) for r, row in enumerate(rows) for label, x in row}
    for label, spec in series.items():
        colour, dash = spec[1], (spec[2] if len(spec) > 2 else "")
        legend_x, legend_y = place[label]
        y = ys[label]
        ok = np.isfinite(y)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if ok.any():
            xs = np.arange(x_start, len(y) + x_start)[ok]
            pts = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(xs, y[ok]))
            parts.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr} '
                         f'stroke-linejoin="round"><title>{escape(label)}</title></polyline>')
        parts.append(f'<line x1="{legend_x}" x2="{legend_x + 14}" y1="{legend_y}" y2="{legend_y}" stroke="{colour}" '
                     f'stroke-width="4"{dash_attr}/><text x="{legend_x + 18}" y="{legend_y + 4}" font-size="12">'
                     f'{escape(label)}</text>')
    parts.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart_svg(title: str, bars: list[tuple[str, float, str]], width: int = 640, bar_height: int = 30) -> str:
    """Horizontal bars, one per (label, value, colour), in the order given."""
    left, right, top = 170, 60, 34
    height = top + bar_height * len(bars) + 10
    vmax = max((v for _, v, _ in bars), default=1.0) or 1.0
    pw = width - left - right
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'class="bar-chart" role="img" aria-label="{escape(title)}">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="10" y="20" font-size="15" font-weight="600">{escape(title)}</text>']
    for i, (label, value, colour) in enumerate(bars):
        y = top + i * bar_height
        w = max(0.0, value) / vmax * pw
        parts.append(f'<text x="{left - 8}" y="{y + bar_height * 0.65:.1f}" font-size="14" text-anchor="end">'
                     f'{escape(label)}</text>'
                     f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{bar_height - 8}" fill="{colour}"/>'
                     f'<text x="{left + w + 6:.1f}" y="{y + bar_height * 0.65:.1f}" font-size="13">'
                     f'{_fmt(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def population_svg(colours: list[str], titles: list[str], size: int = 320) -> str:
    """A population as a ring of dots, one per member (the evolution game)."""
    n = len(colours)
    c, ring = size / 2, size / 2 - 22
    r = max(5.0, min(16.0, np.pi * ring / max(n, 1) * 0.8))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="100%" '
             f'class="population" data-members="{n}" role="img" aria-label="Population of {n}">']
    for k, (colour, title) in enumerate(zip(colours, titles)):
        a = 2 * np.pi * k / max(n, 1) - np.pi / 2
        parts.append(_tag("circle", {"cx": f"{c + ring * np.cos(a):.1f}", "cy": f"{c + ring * np.sin(a):.1f}",
                                     "r": f"{r:.1f}", "fill": colour, "stroke": "#222"}, title))
    parts.append("</svg>")
    return "".join(parts)
