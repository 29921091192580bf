"""The live view: play/pause/step/reset, the network of the footprint, live time series, and
a control for every lever.

Mesa's SolaraViz was too narrow here: it rebuilds a model only from flat keyword arguments
on Reset (our levers are nested config fields, and presets must move the controls), it
renders every component in the stepping thread each step, and it lays out one model per
page. This keeps its play/pause/step/reset pattern and reads the model's Mesa
DataCollector, but paces play itself (``liverun.Pacer``) and draws inline SVG.
"""

import threading
from dataclasses import dataclass

import solara

from sim.config import ConfigError

from . import labels, session, svg
from .levers import DEFAULTS, GROUPS, LEVERS, PRESET_BY_NAME, PRESETS, is_dilemma, preset_values
from .liverun import LiveRun, Pacer
from .saved import save, saved
from .widgets import Slider

OPEN_GROUPS = ("Leadership", "Regulation", "Payment")
CHART_HEIGHT = 205


@dataclass
class Live:
    """A live run and the reactive state that drives its page."""

    run: LiveRun
    frame: solara.Reactive[int]  # bumped whenever the picture should be redrawn
    playing: solara.Reactive[bool]
    speed: solara.Reactive[int]  # months per second
    error: solara.Reactive[str | None]

    def redraw(self) -> None:
        self.frame.value += 1


def use_live(values: dict, key: str) -> Live:
    """A live run that rebuilds (month 0, same seed) whenever ``values`` change, and a play
    loop that runs while ``playing`` is set. The run is kept for the browser session under
    ``key``, so leaving the page and coming back finds it at the month it had reached."""
    run = session.kept(f"{key}.run", lambda: LiveRun(values))
    live = Live(run, solara.use_reactive(0), solara.use_reactive(False), solara.use_reactive(10),
                solara.use_reactive(None))

    def apply_values():
        if {**DEFAULTS, **values} == run.values:
            return
        try:
            run.rebuild(values)
        except ConfigError as exc:
            live.error.set(str(exc))
            return
        live.error.set(None)
        live.redraw()

    solara.use_effect(apply_values, [repr(sorted(values.items()))])

    def play(cancel: threading.Event):
        if not live.playing.value:
            return
        pacer = Pacer(live.speed.value)
        while not cancel.is_set():
            if run.finished:
                live.playing.set(False)
                return
            wait = pacer.ran(run.step(pacer.due()))
            run.rate = pacer.rates()
            live.redraw()
            cancel.wait(wait)

    solara.use_thread(play, dependencies=[live.playing.value, live.speed.value], intrusive_cancel=False)
    return live


@solara.component
def RunControls(live: Live):
    live.frame.get()  # redraw with every frame
    run, playing = live.run, live.playing.value

    def step():
        run.step(1)
        live.redraw()

    def reset():
        live.playing.set(False)
        run.rebuild(run.values)
        live.redraw()

    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "0.6em"}):
        solara.Button("❚❚ Pause" if playing else "▶ Play", on_click=lambda: live.playing.set(not playing),
                      color="primary", disabled=run.finished and not playing, classes=["play-button"])
        solara.Button("Step", on_click=step, disabled=playing or run.finished, outlined=True, classes=["step-button"])
        solara.Button("Reset", on_click=reset, outlined=True, classes=["reset-button"])
        with solara.Div(style={"min-width": "16em"}):
            Slider("Speed (months per second)", live.speed, 1, 30)
        solara.Text(f"Month {run.month} of {run.horizon}", style={"font-weight": "600", "font-size": "1.2em"})
        if playing:
            steps, frames = run.rate
            solara.Text(f"{steps:.1f} months/s, {frames:.1f} frames/s", style={"color": "#666"})


def _kpis(view: dict, compact: bool = False) -> str:
    s = view["series"]
    if not s["cooperation"]:
        items = [("Month", "0")]
    elif compact:  # one row on a projector; the month is beside the run controls
        items = [("Cooperation", f"{s['cooperation'][-1]:.0%}"), ("Hawks", f"{s['hawk_share'][-1]:.0%}"),
                 ("Trust", f"{s['mean_trust'][-1]:.2f}"), ("Balance", f"{s['system_balance'][-1]:+.0f}"),
                 ("In deficit", str(int(s["in_deficit"][-1])))]
    else:
        items = [("Month", str(view["month"])), ("Cooperation", f"{s['cooperation'][-1]:.0%}"),
                 ("Hawks (defected in most games)", f"{s['hawk_share'][-1]:.0%}"),
                 ("Mean trust (0 to 1)", f"{s['mean_trust'][-1]:.2f}"),
                 ("System balance (budget units)", f"{s['system_balance'][-1]:+.0f}"),
                 ("Leaders replaced", str(int(s["turnover_total"][-1]))),
                 ("In deficit", str(int(s["in_deficit"][-1])))]
    return '<div class="kpis">' + "".join(
        f'<div class="kpi"><div class="v">{v}</div><div class="l">{label}</div></div>' for label, v in items) + "</div>"


def charts(view: dict, horizon: int, width: int = 640) -> list[str]:
    """The live time series: cooperation, hawk share and trust; system balance; turnover."""
    s, before = view["series"], view["previous"]
    first = {"cooperation": (s["cooperation"], "#27ae60"), "hawks": (s["hawk_share"], "#c0392b"),
             "mean trust": (s["mean_trust"], "#2c3e50")}
    money = {"system balance": (s["system_balance"], "#0072B2")}
    if before:  # the run before the last lever change, dotted, for each line it can be set against
        first["cooperation before the change (dotted)"] = (before["cooperation"], "#27ae60", "3 4")
        first["trust before the change (dotted)"] = (before["mean_trust"], "#2c3e50", "3 4")
        money["balance before the change (dotted)"] = (before["system_balance"], "#0072B2", "3 4")
    return [
        svg.line_chart_svg("Cooperation, hawks and trust", first, horizon, (0.0, 1.0), height=CHART_HEIGHT,
                           width=width),
        svg.line_chart_svg("System balance (budget units)" if width < 640 else f"System balance ({labels.MONEY})",
                           money, horizon, zero_line=True, height=CHART_HEIGHT, width=width),
        svg.line_chart_svg("Leaders replaced (cumulative) and organisations in deficit",
                           {"leaders replaced": (s["turnover_total"], "#7a4f9a"),
                            "in deficit": (s["in_deficit"], "#c0392b")}, horizon, height=CHART_HEIGHT),
    ]


@solara.component
def Dashboard(live: Live, compact: bool = False):
    """Key numbers, the network and the time series of the live run. ``compact`` (the
    workshop story) fits a projector's 1280x720: smaller key numbers, two charts drawn
    narrower so their text reads larger."""
    live.frame.get()
    view = live.run.snapshot()
    solara.HTML(unsafe_innerHTML=_kpis(view, compact), classes=["kpi-row", *(["compact"] if compact else [])])
    with solara.Columns([11, 9], gutters_dense=True):
        with solara.Column(gap="4px"):
            solara.HTML(unsafe_innerHTML=svg.network_svg(view), classes=["network-panel"])
            solara.HTML(unsafe_innerHTML=svg.legend_html())
        with solara.Column(gap="4px"):
            for chart in charts(view, live.run.horizon, width=440 if compact else 640)[: 2 if compact else 3]:
                solara.HTML(unsafe_innerHTML=chart, classes=["chart-panel"])


@solara.component
def LeverInput(lever, value, on_value):
    if lever.is_select:
        shown = {labels.choice(c): c for c in lever.choices}
        solara.Select(lever.label, values=list(shown), value=labels.choice(value),
                      on_value=lambda label: on_value(shown[label]))
    else:
        value = int(value) if lever.integer else float(value)
        Slider(lever.label, value, lever.min, lever.max, lever.step, on_value=on_value, integer=lever.integer)
    if lever.help:
        solara.Text(lever.help, style={"font-size": "0.8em", "color": "#666"})


def _shown(lever, values: dict) -> bool:
    """Hide the payoffs of the game that is not being played."""
    kind = values.get("game.kind", "pd")
    if lever.key in ("game.V", "game.C"):
        return kind == "hawk_dove"
    if lever.key in ("game.R", "game.S", "game.T", "game.P"):
        return kind == "pd"
    return True


@solara.component
def LeverPanel(values: solara.Reactive[dict]):
    """Every lever, grouped; a change restarts the run from month 0 with the same seed."""
    current = values.value
    if current.get("game.kind", "pd") == "pd" and not is_dilemma(*(current[f"game.{k}"] for k in "RSTP")):
        solara.Warning("These payoffs are not a prisoner's dilemma (it needs T > R > P > S and 2R > T + S): "
                       "the model runs them, but the reports' dilemma is gone.", classes=["not-a-dilemma"])
    for group in GROUPS:
        with solara.Details(group, expand=group in OPEN_GROUPS):
            for lever in LEVERS:
                if lever.group == group and _shown(lever, current):
                    LeverInput(lever, current[lever.key],
                               lambda v, key=lever.key: values.set({**values.value, key: v}))


@solara.component
def Notice(text: str):
    solara.HTML(unsafe_innerHTML=text, classes=["notice"])


@solara.component
def PresetPicker(values: solara.Reactive[dict], preset: solara.Reactive[str]):
    def choose(name):
        preset.set(name)
        values.set(preset_values(name))

    solara.Select("Scenario from the reports", values=[p.name for p in PRESETS], value=preset.value, on_value=choose)
    p = PRESET_BY_NAME[preset.value]
    changed = {**DEFAULTS, **values.value} != preset_values(p.name)
    Notice(f"<b>Notice:</b> {p.notice}" + (" <i>(levers changed since)</i>" if changed else "")
           + f'<br><small style="color:#666">Source: {labels.plain_source(p.source)}</small>')


@solara.component
def SaveRegime(values: solara.Reactive[dict]):
    """Name the current lever settings and keep them for the Compare regimes tab."""
    name = solara.use_reactive("")
    message = solara.use_reactive("")

    def keep():
        try:
            message.set(f"Saved {save(name.value, values.value)!r}: pick it on the Compare regimes tab.")
        except ConfigError as exc:
            message.set(str(exc))

    with solara.Row(style={"align-items": "center"}):
        solara.InputText("Name these settings", value=name, continuous_update=True)
        solara.Button("Save for Compare", on_click=keep, disabled=not name.value.strip())
    if message.value:
        solara.Text(message.value, style={"font-size": "0.85em"})
    elif saved():
        solara.Text(f"Saved: {', '.join(saved())}", style={"font-size": "0.85em", "color": "#666"})


@solara.component
def LivePage():
    solara.Title("collabsim: live footprint")
    values = session.use_kept("live.values", preset_values(PRESETS[0].name))
    preset = session.use_kept("live.preset", PRESETS[0].name)
    live = use_live(values.value, "live")
    # The levers sit in a column of the page, not in Solara's sidebar: below about 1264 px
    # wide the sidebar becomes a drawer that opens over the run controls.
    with solara.Columns([4, 8], classes=["live-layout"]):
        with solara.Column(classes=["lever-column"]):
            PresetPicker(values, preset)
            solara.Text("Changing a lever restarts the run from month 0 with the same seed; dotted lines "
                        "show the run before the change.", style={"font-size": "0.85em"})
            LeverPanel(values)
            SaveRegime(values)
        with solara.Column():
            if live.error.value:
                solara.Error(live.error.value)
            RunControls(live)
            Dashboard(live)
