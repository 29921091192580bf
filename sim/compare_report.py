"""The compare report: the answer first, then time series and distributions per arm.

Written as Markdown with PNG figures and CSV data under
``results/<experiment>/compare/``, replaced whole (see ``output.replace_dir``).
"""

from pathlib import Path

import numpy as np
import pandas as pd

from .compare import SERIES, Results, differences, event_times, mean_ci
from .metrics import label
from .output import replace_dir



def _fmt(x: float) -> str:
    if not np.isfinite(x):
        return "inf" if x > 0 else "-inf" if x < 0 else "nan"
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def plain_label(text: str) -> str:
    """User text (an arm name) as a matplotlib label shown as typed: a '$' would otherwise
    start mathtext, and an unbalanced or invalid formula breaks the whole figure."""
    return str(text).replace("$", r"\$")


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def answer_lines(diff: pd.DataFrame, reference: str) -> list[str]:
    """One sentence per (arm, outcome) that a policy analyst can quote."""
    lines = []
    for _, r in diff[diff["arm"] != reference].iterrows():
        direction = "higher" if r["difference"] > 0 else "lower" if r["difference"] < 0 else "no different"
        verdict = "" if r["p_value"] < 0.05 else " (not distinguishable from no difference at the 5% level)"
        lines.append(
            f"- **{r['arm']}** vs **{reference}**: {label(r['outcome'])} {direction} by {_fmt(abs(r['difference']))} "
            f"(95% CI {_fmt(r['ci_low'])} to {_fmt(r['ci_high'])}; p {_p(r['p_value'])}; "
            f"d_z = {_fmt(r['effect_size'])}){verdict}"
        )
    return lines


def write(res: Results, base: str | Path = "results") -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    exp = res.experiment
    ref = exp.reference
    diff = differences(res)
    target = Path(base) / exp.name / "compare"
    desc = exp.arms[ref].experiment.description
    with replace_dir(target) as tmp:
        res.runs.to_csv(tmp / "runs.csv", index=False)
        diff.to_csv(tmp / "differences.csv", index=False)
        _timeseries(plt, res, tmp / "timeseries.png")
        _distributions(plt, res, tmp / "distributions.png")
        table = ["| outcome | arm | mean [95% CI] | difference vs " + ref + " [95% CI] | d_z | p |",
                 "|---|---|---|---|---|---|"]
        for _, r in diff.iterrows():
            if r["arm"] == ref:
                d = "reference"
                extra = "| | |"
            else:
                d = f"{_fmt(r['difference'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]"
                extra = f"| {_fmt(r['effect_size'])} | {_p(r['p_value'])} |"
            table.append(f"| {label(r['outcome'])} | {r['arm']} | {_fmt(r['mean'])} "
                         f"[{_fmt(r['mean_ci_low'])}, {_fmt(r['mean_ci_high'])}] | {d} {extra}")
        events = event_times(res)
        events.to_csv(tmp / "events.csv", index=False)
        steps = exp.arms[ref].experiment.steps
        event_table = ["| event | arm | runs that reached it | median month (Kaplan-Meier) |", "|---|---|---|---|"]
        for _, r in events.iterrows():
            median = f"{r['median']:.0f}" if np.isfinite(r["median"]) else f"not reached (fewer than half by month {steps})"
            event_table.append(f"| {label(r['event'])} | {r['arm']} | {r['reached']} of {r['runs']} | {median} |")
        n = exp.spec.seeds
        text = [
            f"# {exp.name}: comparison of {len(exp.arms)} arms",
            "",
            f"*Question:* {desc}" if desc else "",
            "",
            f"## Answer ({n} seeds per arm; every arm runs the same seeds, compared with a paired t-test "
            "on per-seed differences; d_z = mean difference / sd of differences)",
            "",
            *answer_lines(diff, ref),
            "",
            "These confidence intervals cover seed noise only, in one world of assumed constants; for the share "
            f"of plausible worlds in which each answer holds and where it flips, run `collabsim robust {exp.source}` "
            "(report: [../robust/report.md](../robust/report.md)).",
            "",
            *table,
            "",
            "## Times to an event (censored at the end of the run)",
            "",
            *event_table,
            "",
            "## Over time (mean and 95% confidence band across seeds)",
            "",
            "![time series](timeseries.png)",
            "",
            "## End-of-run distributions",
            "",
            "![distributions](distributions.png)",
            "",
            f"Data: `runs.csv` (one row per arm and seed), `differences.csv`, `events.csv`. Source: `{exp.source}`.",
        ]
        (tmp / "report.md").write_text("\n".join(text) + "\n")
    return target


def _timeseries(plt, res: Results, path: Path) -> None:
    cols = list(SERIES)
    fig, axes = plt.subplots(2, 4, figsize=(16, 7), constrained_layout=True)
    for ax, col in zip(axes.ravel(), cols):
        for arm, data in res.series.items():
            x = np.arange(1, data[col].shape[1] + 1)
            m = data[col].mean(axis=0)
            if data[col].shape[0] > 1:
                from scipy import stats

                half = stats.t.ppf(0.975, data[col].shape[0] - 1) * data[col].std(axis=0, ddof=1) / np.sqrt(data[col].shape[0])
            else:
                half = np.zeros_like(m)
            ax.plot(x, m, label=plain_label(arm))
            ax.fill_between(x, m - half, m + half, alpha=0.25)
        ax.set_title(label(col), fontsize=9)
        ax.set_xlabel("month")
    axes.ravel()[0].legend()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _distributions(plt, res: Results, path: Path) -> None:
    outcomes = res.experiment.outcomes
    fig, axes = plt.subplots(1, len(outcomes), figsize=(4 * len(outcomes), 4), constrained_layout=True, squeeze=False)
    arms = list(res.experiment.arms)
    for ax, outcome in zip(axes[0], outcomes):
        data = [res.runs[res.runs["arm"] == a][outcome].dropna().to_numpy() for a in arms]
        ax.boxplot(data, showmeans=True)
        ax.set_xticks(range(1, len(arms) + 1), [plain_label(a) for a in arms], rotation=20)
        for i, d in enumerate(data, 1):
            m, lo, hi = mean_ci(d) if len(d) else (np.nan,) * 3
            ax.errorbar([i + 0.25], [m], yerr=[[m - lo], [hi - m]], fmt="o", color="black", capsize=4)
        ax.set_title(label(outcome), fontsize=9)
    fig.savefig(path, dpi=90)
    plt.close(fig)
