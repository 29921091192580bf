"""Compare mode for policy teams: pick two or more regimes, run N seeds of each in the
background, and see distributions and paired differences with 95% confidence intervals;
export the figures (PNG) and the runs and summary (CSV)."""

import threading

import solara

from sim.config import ConfigError

from . import figures
from .batch import OUTCOMES, default_workers, run_comparison
from .levers import HORIZON
from .saved import describe, regime_names, regime_values
from .widgets import Slider

BY_LABEL = {label: key for key, label in OUTCOMES.items()}
FIGURES = {
    "distributions": figures.distributions,
    "differences": figures.differences,
    "cooperation_over_time": lambda c, outcomes: figures.over_time(c, "cooperation"),
}


def arms_for(names: list[str], months: int, orgs: int) -> dict[str, dict]:
    """App settings for each chosen regime (preset or saved), at a common horizon and
    footprint size; the seed comes from the comparison, not the settings."""
    return {n: {**regime_values(n), HORIZON: months, "network.n_orgs": orgs} for n in names}


def summary_html(table, reference: str) -> str:
    """Per outcome: each regime's mean [95% CI], and its paired difference from the reference."""
    out = ['<table class="ranking summary"><tr><th>Outcome</th><th>Regime</th><th>Mean [95% CI]</th>'
           f"<th>Difference from {reference} [95% CI]</th><th>p</th></tr>"]
    for _, r in table.iterrows():
        diff, p = "reference", ""
        if r["arm"] != reference and "difference" in r and r["difference"] == r["difference"]:
            diff = f"{r['difference']:+.3g} [{r['ci_low']:+.3g}, {r['ci_high']:+.3g}]"
            p = f"{r['p_value']:.3f}" if r["p_value"] >= 0.001 else "&lt;0.001"
        out.append(f"<tr><td>{r['label']}</td><td>{r['arm']}</td><td>{r['mean']:.3g} "
                   f"[{r['mean_ci_low']:.3g}, {r['mean_ci_high']:.3g}]</td><td>{diff}</td><td>{p}</td></tr>")
    return "".join(out) + "</table>"


@solara.component
def Results(comparison, outcomes: list[str]):
    c = comparison
    if c.cancelled:
        solara.Warning(f"Stopped early: {len(c.runs)} of {len(c.arms) * len(c.seeds)} runs finished; "
                       "the statistics use the seeds every regime completed.")
    table = c.summary()
    table = table[table["outcome"].isin(outcomes)]
    solara.HTML(unsafe_innerHTML=summary_html(table, c.reference), classes=["compare-summary"])
    # Each figure is drawn to PNG once, then both shown and offered for download: matplotlib
    # must not draw one figure from two threads. The download data must also stay the same
    # objects across renders, or Solara drops a download in progress.
    pngs = solara.use_memo(lambda: {name: figures.png(make(c, outcomes)) for name, make in FIGURES.items()},
                           [id(c), tuple(outcomes)])
    downloads = solara.use_memo(lambda: [
        ("Runs (CSV)", "collabsim_compare_runs.csv", "text/csv", lambda: c.runs.to_csv(index=False)),
        ("Summary (CSV)", "collabsim_compare_summary.csv", "text/csv", lambda: c.summary().to_csv(index=False)),
        *((f"{name} (PNG)", f"collabsim_{name}.png", "image/png", data) for name, data in pngs.items()),
    ], [id(pngs)])
    with solara.Row(style={"flex-wrap": "wrap", "gap": "0.5em"}):
        for label, filename, mime, data in downloads:
            solara.FileDownload(data, filename, label=label, mime_type=mime)
    for data in pngs.values():
        solara.Image(data, width="100%", classes=["compare-figure"])


@solara.component
def ComparePage():
    solara.Title("collabsim: compare regimes")
    chosen = solara.use_reactive(["Organisational regulation", "System regulation"])
    reference = solara.use_reactive("Organisational regulation")
    seeds = solara.use_reactive(20)
    months = solara.use_reactive(120)
    orgs = solara.use_reactive(24)
    outcomes = solara.use_reactive(["mean_cooperation", "mean_trust", "final_system_balance"])
    progress = solara.use_reactive((0, 0))
    result = solara.use_reactive(None)
    error = solara.use_reactive(None)
    cancel = solara.use_ref(threading.Event())

    def work():
        cancel.current = threading.Event()
        error.set(None)
        progress.set((0, len(chosen.value) * seeds.value))
        try:
            ref = reference.value if reference.value in chosen.value else chosen.value[0]
            result.set(run_comparison(arms_for(chosen.value, months.value, orgs.value), list(range(1, seeds.value + 1)),
                                      ref, progress=lambda d, t: progress.set((d, t)), cancel=cancel.current))
        except (ConfigError, ValueError) as exc:
            error.set(str(exc))

    task = solara.lab.use_task(work, dependencies=None)

    solara.HTML("h2", "Compare regimes")
    solara.Text("Every regime runs the same seeds, so each seed is a matched pair (same footprint, same luck): "
                "differences are paired t-tests over seeds. Besides the presets, any settings saved on the "
                "Live footprint tab can be compared.")
    with solara.Columns([1, 1]):
        with solara.Column():
            solara.SelectMultiple("Regimes (two or more)", values=chosen, all_values=regime_names())
            solara.Select("Compare against", values=chosen.value or [""],
                          value=reference.value if reference.value in chosen.value else (chosen.value or [""])[0],
                          on_value=reference.set)
            solara.SelectMultiple("Outcomes", values=[OUTCOMES[o] for o in outcomes.value], all_values=list(BY_LABEL),
                                  on_value=lambda labels: outcomes.set([BY_LABEL[x] for x in labels]))
        with solara.Column():
            Slider("Seeds per regime", seeds, 2, 100)
            Slider("Months", months, 12, 240, 12)
            Slider("Organisations", orgs, 10, 40)
    for name in chosen.value:
        solara.Text(f"{name}: {describe(name)}", style={"font-size": "0.9em", "color": "#444"})
    done, total = progress.value
    with solara.Row(style={"align-items": "center", "gap": "1em"}):
        solara.Button("Run", on_click=task, color="primary", disabled=task.pending or len(chosen.value) < 2
                      or not outcomes.value, classes=["run-compare"])
        solara.Button("Cancel", on_click=lambda: cancel.current.set(), disabled=not task.pending)
        if task.pending:
            solara.Text(f"{done} / {total} runs ({default_workers()} worker process(es)); the page stays usable.",
                        classes=["compare-progress"])
    # Always present (hidden when idle), so the results below keep their place in the page
    # and are not rebuilt when the run ends.
    solara.ProgressLinear(100 * done / max(total, 1) if task.pending else False)
    with solara.Column():
        if error.value:
            solara.Error(error.value)
        if result.value is not None and len(result.value.runs) and outcomes.value:
            Results(result.value, list(outcomes.value))
