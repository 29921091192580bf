"""Compare mode's figures (matplotlib, so they can be exported as PNG for reports)."""

import io

import numpy as np
from matplotlib.figure import Figure

from . import labels
from .batch import Comparison
from .stats import mean_ci

WIDTH = 11.0  # inches: every figure the same width, so they show at one scale on the page

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#7a4f9a", "#999999")


def _colours(arms) -> dict[str, str]:
    return {arm: PALETTE[i % len(PALETTE)] for i, arm in enumerate(arms)}


def _scale(outcome: str) -> float:
    return 100.0 if labels.UNITS[outcome].kind == "share" else 1.0


def _title(outcome: str) -> str:
    return labels.title(outcome)


def _footer(fig: Figure, c: Comparison) -> None:
    """The caption's facts on the figure itself, so an exported PNG says what produced it."""
    from .results import caption

    facts = caption(c)
    text = f"{facts['Seeds compared']}; {facts['Each run']}; {facts['Model']}"
    fig.text(0.5, 0.002, text, ha="center", va="bottom", fontsize=7, color="#555", wrap=True)


def distributions(c: Comparison, outcomes: list[str]) -> Figure:
    """One panel per outcome: every compared seed's result per regime (dots), with the median
    (tick) and the middle half of the runs (band)."""
    runs = c.compared
    arms = [a for a in c.arms if a in set(runs["arm"])]
    colours = _colours(c.arms)
    fig = Figure(figsize=(WIDTH, 2.2 + 0.6 * len(arms)), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(outcomes)))
    rng = np.random.default_rng(0)
    for ax, outcome in zip(axes, outcomes):
        for i, arm in enumerate(arms):
            vals = runs.loc[runs["arm"] == arm, outcome].to_numpy() * _scale(outcome)
            q1, med, q3 = np.percentile(vals, [25, 50, 75])
            ax.hlines(i, q1, q3, lw=14, color=colours[arm], alpha=0.25)
            ax.vlines(med, i - 0.3, i + 0.3, color="black", lw=2)
            ax.scatter(vals, i + rng.uniform(-0.15, 0.15, len(vals)), s=16, color=colours[arm], alpha=0.8, zorder=3)
        ax.set_yticks(range(len(arms)), arms if ax is axes[0] else [""] * len(arms))
        ax.set_ylim(len(arms) - 0.5, -0.5)
        ax.set_title(_title(outcome), fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(f"Distributions over {len(c.common_seeds)} seeds (one dot per run; band = middle half, "
                 "tick = median)")
    _footer(fig, c)
    return fig


def differences(c: Comparison, outcomes: list[str]) -> Figure:
    """One panel per outcome: each regime minus the reference, paired by seed, with 95% CI."""
    summary = c.summary()
    others = [a for a in c.arms if a != c.reference]
    colours = _colours(c.arms)
    fig = Figure(figsize=(WIDTH, 2.0 + 0.5 * len(others)), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(outcomes)))
    for ax, outcome in zip(axes, outcomes):
        rows = summary[(summary["outcome"] == outcome) & (summary["arm"] != c.reference)].set_index("arm")
        for i, arm in enumerate(others):
            if arm not in rows.index or np.isnan(rows.loc[arm, "difference"]):
                continue
            k = _scale(outcome)
            d, lo, hi = (k * rows.loc[arm, col] for col in ("difference", "ci_low", "ci_high"))
            ax.errorbar(d, i, xerr=[[d - lo], [hi - d]], fmt="o", color=colours[arm], capsize=5, markersize=8)
        ax.axvline(0, color="#444", lw=1)
        ax.set_yticks(range(len(others)), others if ax is axes[0] else [""] * len(others))
        ax.set_ylim(len(others) - 0.5, -0.5)
        title = _title(outcome).replace("(%)", "(points)")
        ax.set_title(title, fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(f"Difference from {c.reference} (paired by seed, 95% CI)")
    _footer(fig, c)
    return fig


def over_time(c: Comparison, series: str = "cooperation") -> Figure:
    """Mean monthly path per regime with a 95% band across the compared seeds."""
    colours = _colours(c.arms)
    fig = Figure(figsize=(WIDTH, 3.4), layout="constrained")
    ax = fig.subplots()
    for arm, data in c.series.items():
        values = data[series] * (100.0 if series in ("cooperation", "hawk_share") else 1.0)
        months = np.arange(1, values.shape[1] + 1)
        stats = np.array([mean_ci(values[:, t]) for t in range(values.shape[1])])
        ax.plot(months, stats[:, 0], color=colours[arm], label=arm, lw=2)
        ax.fill_between(months, stats[:, 1], stats[:, 2], color=colours[arm], alpha=0.2)
    ax.set_xlabel("Month")
    ax.set_ylabel(series.replace("_", " ") + (" (%)" if series in ("cooperation", "hawk_share") else ""))
    ax.legend(loc="best", fontsize="small")
    ax.grid(alpha=0.3)
    ax.set_title(f"{series.replace('_', ' ').capitalize()} over time (mean and 95% CI across "
                 f"{len(c.common_seeds)} seeds)")
    _footer(fig, c)
    return fig


def png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150)
    return buf.getvalue()
