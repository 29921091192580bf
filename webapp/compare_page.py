"""Compare mode for policy teams: pick two or more regimes, run at least five seeds of each in
the background, and read one sentence per outcome, a table of means and paired differences
with 95% confidence intervals, and figures; export the figures (PNG) and the runs and
summary (CSV); then check, across sampled worlds of the named assumptions, whether the
answer holds and where it flips (``webapp.robust_view``). Every result carries a caption
that says what produced it (``webapp.results``), and greys out when the settings above it
no longer match."""

import threading
from html import escape

import solara

from . import batch, figures, labels, results, session
from .robust_view import RobustSection
from .batch import MIN_SEEDS, OUTCOMES, default_workers, run_comparison
from .levers import HORIZON
from .saved import describe, regime_names, regime_values
from .widgets import Slider

BY_LABEL = {label: key for key, label in OUTCOMES.items()}
FIGURES = {
    "distributions": ("Figure: distributions", figures.distributions),
    "differences": ("Figure: differences", figures.differences),
    "cooperation_over_time": ("Figure: cooperation over time", lambda c, outcomes: figures.over_time(c, "cooperation")),
}


def arms_for(names: list[str], months: int, orgs: int) -> dict[str, dict]:
    """App settings for each chosen regime (preset or saved), at a common horizon and
    footprint size; the seed comes from the comparison, not the settings."""
    return {n: {**regime_values(n), HORIZON: months, "network.n_orgs": orgs} for n in names}


def summary_html(table, reference: str) -> str:
    """Per outcome: each regime's mean [95% CI], and its paired difference from the reference,
    in the outcome's units. Regime names are the user's text: escaped."""
    ref = escape(reference)
    out = ['<table class="ranking summary"><tr><th>Outcome</th><th>Regime</th><th>Mean [95% CI]</th>'
           f"<th>Difference from {ref} [95% CI]</th><th>p</th></tr>"]
    for _, r in table.iterrows():
        o = r["outcome"]
        diff, p = "reference", ""
        if r["arm"] != reference and "difference" in r and r["difference"] == r["difference"]:
            diff = (f"{labels.amount(o, r['difference'], signed=True)} "
                    f"[{labels.amount(o, r['ci_low'], signed=True)}, {labels.amount(o, r['ci_high'], signed=True)}]")
            p = f"{r['p_value']:.3f}" if r["p_value"] >= 0.001 else "&lt;0.001"
        out.append(f"<tr><td>{escape(labels.title(o))}</td><td>{escape(r['arm'])}</td>"
                   f"<td>{labels.value(o, r['mean'])} [{labels.value(o, r['mean_ci_low'])}, "
                   f"{labels.value(o, r['mean_ci_high'])}]</td><td>{escape(diff)}</td><td>{p}</td></tr>")
    return "".join(out) + "</table>"


def caption_html(c) -> str:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in results.caption(c).items())
    return f'<table class="caption">{rows}</table>'


def answers_html(c, outcomes: list[str]) -> str:
    items = "".join(f"<li>{escape(s)}</li>" for s in results.answers(c, outcomes))
    return f'<ul class="answers">{items}</ul>' if items else ""


def stale_reasons(ran: dict, now: dict) -> list[str]:
    """What changed since the result was run, in words."""
    names = {"regimes": "regimes", "reference": "reference", "seeds": "seeds", "months": "months",
             "orgs": "organisations", "regime_settings": "a saved regime's settings", "worlds": "worlds",
             "robust_seeds": "seeds per world"}
    return [names[k] for k in names if ran.get(k) != now.get(k)]


@solara.component
def Results(comparison, outcomes: list[str], stale: list[str]):
    c = comparison
    n = len(c.common_seeds)
    with solara.Div(classes=["compare-results", *(["stale"] if stale else [])]):
        if stale:
            solara.Warning("These results are for earlier settings (" + ", ".join(stale) + " changed since): "
                           "press Run to update them.", classes=["stale-note"])
        if c.cancelled:
            solara.Warning(results.seeds_line(c)[0].upper() + results.seeds_line(c)[1:] + ".",
                           classes=["cancel-note"])
        if n < 2:
            solara.Error(f"Only {n} seed(s) finished in every regime: too few to compare.")
            solara.HTML(unsafe_innerHTML=caption_html(c), classes=["compare-caption"])
            return
        solara.HTML(unsafe_innerHTML=answers_html(c, outcomes), classes=["compare-answers"])
        table = c.summary()
        table = table[table["outcome"].isin(outcomes)]
        solara.HTML(unsafe_innerHTML=summary_html(table, c.reference), classes=["compare-summary"])
        solara.Text("These 95% intervals cover seed noise only, in one set of assumed constants; the robustness "
                    "check below covers the named assumptions.", classes=["seed-noise-note"])
        solara.HTML(unsafe_innerHTML=caption_html(c), classes=["compare-caption"])
        Figures(c, outcomes)


@solara.component
def Figures(c, outcomes: list[str]):
    """The figures and downloads. Drawn in a background task, so the sentences and the table
    show at once (a cancel answers in well under a second) and the figures follow."""
    # Each figure is drawn to PNG once, then both shown and offered for download: matplotlib
    # must not draw one figure from two threads. The download data must also stay the same
    # objects across renders, or Solara drops a download in progress.
    task = solara.lab.use_task(lambda: {label: figures.png(make(c, outcomes)) for label, make in FIGURES.values()},
                               dependencies=[id(c), tuple(outcomes)])
    pngs = task.value if task.finished else None
    downloads = solara.use_memo(lambda: [
        ("Runs (CSV)", "collabsim_compare_runs.csv", "text/csv", lambda: results.runs_csv(c)),
        ("Summary (CSV)", "collabsim_compare_summary.csv", "text/csv", lambda: results.summary_csv(c)),
        *((f"{label} (PNG)", f"collabsim_{key}.png", "image/png", pngs[label])
          for key, (label, _) in FIGURES.items() if pngs),
    ], [id(c), id(pngs)])
    with solara.Row(style={"flex-wrap": "wrap", "gap": "0.5em"}):
        for label, filename, mime, data in downloads:
            solara.FileDownload(data, filename, label=label, mime_type=mime)
    if pngs is None:
        solara.Text("Drawing the figures…", classes=["figures-busy"])
        return
    for data in pngs.values():
        solara.Image(data, width="min(100%, 1100px)", classes=["compare-figure"])


@solara.component
def ComparePage():
    solara.Title("collabsim: compare regimes")
    chosen = session.use_kept("compare.chosen", ["Organisational regulation", "System regulation"])
    reference = session.use_kept("compare.reference", "Organisational regulation")
    seeds = session.use_kept("compare.seeds", 20)
    months = session.use_kept("compare.months", 120)
    orgs = session.use_kept("compare.orgs", 24)
    outcomes = session.use_kept("compare.outcomes", ["mean_cooperation", "mean_trust", "final_system_balance"])
    result = session.use_kept("compare.result", None)  # (Comparison, the settings it ran with)
    progress = solara.use_reactive((0, 0))
    error = solara.use_reactive(None)
    cancel = solara.use_ref(threading.Event())
    solara.use_effect(batch.warm, [])  # start the worker pool while the room reads the page
    names = regime_names()
    chosen_now = [n for n in chosen.value if n in names]
    ref = reference.value if reference.value in chosen_now else (chosen_now or [""])[0]
    settings = {"regimes": chosen_now, "reference": ref, "seeds": seeds.value, "months": months.value,
                "orgs": orgs.value, "regime_settings": [regime_values(n) for n in chosen_now]}

    def work():
        cancel.current = threading.Event()
        error.set(None)
        ran = dict(settings)
        progress.set((0, len(ran["regimes"]) * ran["seeds"]))
        try:
            c = run_comparison(arms_for(ran["regimes"], ran["months"], ran["orgs"]), list(range(1, ran["seeds"] + 1)),
                               ran["reference"], progress=lambda d, t: progress.set((d, t)), cancel=cancel.current)
            result.set((c, ran))
        except ValueError as exc:  # ConfigError is a ValueError
            error.set(str(exc))

    task = solara.lab.use_task(work, dependencies=None)

    solara.HTML("h2", "Compare regimes")
    solara.Text("Every regime runs the same seeds, so each seed is a matched pair (same footprint, same luck): "
                "differences are paired t-tests over seeds. Besides the presets, any settings saved on the "
                "Live footprint tab can be compared.")
    with solara.Columns([1, 1]):
        with solara.Column():
            solara.SelectMultiple("Regimes (two or more)", values=chosen_now, all_values=names, on_value=chosen.set)
            solara.Select("Compare against", values=chosen_now or [""], value=ref, on_value=reference.set)
            solara.SelectMultiple("Outcomes", values=[OUTCOMES[o] for o in outcomes.value], all_values=list(BY_LABEL),
                                  on_value=lambda chosen_labels: outcomes.set([BY_LABEL[x] for x in chosen_labels]))
        with solara.Column():
            Slider(f"Seeds per regime (at least {MIN_SEEDS})", seeds, MIN_SEEDS, 100)
            Slider("Months", months, 12, 240, 12)
            Slider("Organisations", orgs, 10, 40)
    for name in chosen_now:
        solara.Text(f"{name}: {describe(name)}", style={"font-size": "0.9em", "color": "#444"},
                    classes=["regime-line"])
    done, total = progress.value
    with solara.Row(style={"align-items": "center", "gap": "1em"}):
        solara.Button("Run", on_click=task, color="primary", disabled=task.pending or len(chosen_now) < 2
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
        if result.value is not None and len(result.value[0].runs) and outcomes.value:
            c, ran = result.value
            Results(c, list(outcomes.value), stale_reasons(ran, settings))
    RobustSection(arms_for(chosen_now, months.value, orgs.value), ref, list(outcomes.value),
                  {k: v for k, v in settings.items() if k != "seeds"}, stale_reasons)
