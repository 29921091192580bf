"""Compare mode's "Robustness" section: does the answer hold across the assumptions?

Why a section of its own: the comparison above it answers over seeds of one set of assumed
constants, so its intervals cover seed noise only. This section runs the chosen regimes in
sampled worlds (``webapp.robustness``, the analysis of ``collabsim robust``) and shows, for
each regime against the reference and each chosen outcome, the share of worlds in which it is
better (95% CI), the median difference and its spread across worlds, and the assumption
ranges in which the answer flips (PRIM box; feature scores). Regime names are the user's
text: escaped.
"""

import threading
from html import escape

import numpy as np
import solara

from sim import uncertainties
from sim.robust.report import flip_text, top_scores

from . import batch, labels
from .robustness import SEEDS, WORLDS, Robustness, run_robustness
from .widgets import Slider

N_ASSUMPTIONS = len(uncertainties.SHIPPED)


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{100 * x:.0f}%"


def _difference(outcome: str, x: float) -> str:
    return labels.amount(outcome, x, signed=True) if np.isfinite(x) else "n/a"


def answer_html(r: Robustness, outcomes: list[str]) -> str:
    """One row per chosen outcome and regime other than the reference."""
    a = r.answer
    ref = escape(r.reference)
    out = ['<table class="ranking robust-answer"><tr><th>Outcome</th><th>Regime</th>'
           f"<th>Better than {ref} in (95% CI)</th><th>Median difference [middle half of worlds]</th>"
           "<th>90% of worlds</th><th>Answer flips where (PRIM box)</th>"
           "<th>Assumptions that matter most (feature score)</th></tr>"]
    comp = a["comparisons"]
    for outcome in outcomes:
        for _, row in comp[comp["outcome"] == outcome].iterrows():
            what = f"{row['arm']} vs {row['reference']}: {outcome}"

            def amt(x: float) -> str:
                return _difference(outcome, x)

            out.append(
                f"<tr><td>{escape(labels.title(outcome))} ({row['better_is']} is better)</td>"
                f"<td>{escape(row['arm'])}</td>"
                f"<td>{_pct(row['share_better'])} ({_pct(row['share_better_ci_low'])} to "
                f"{_pct(row['share_better_ci_high'])}; {row['better']} of {row['worlds']} worlds)</td>"
                f"<td>{escape(amt(row['median_difference']))} "
                f"[{escape(amt(row['q25']))}, {escape(amt(row['q75']))}]</td>"
                f"<td>{escape(amt(row['q05']))} to {escape(amt(row['q95']))}</td>"
                f"<td>{escape(flip_text(a['boxes'], 'comparison', what))}</td>"
                f"<td>{escape(top_scores(a['scores'], 'comparison', what))}</td></tr>")
    return "".join(out) + "</table>"


def caption_html(r: Robustness, months: int, orgs: int) -> str:
    plan = r.plan
    done = r.worlds_done
    worlds = (f"stopped early: {done} of {len(plan.worlds)} worlds finished in every regime, and the answer covers "
              f"only those" if r.cancelled else f"{done} worlds")
    rows = {
        "Worlds": worlds,
        "Each world": f"{len(plan.uncertainties)} assumptions drawn from their ranges (Latin hypercube, design seed "
                      f"{plan.master_seed}); every regime on the world's {plan.seeds} seeds; a world's value is the "
                      "mean over them",
        "Reference": r.reference,
        "Each run": f"{months} months, {orgs} organisations",
    }
    if plan.set_by:
        rows["Kept by a regime"] = "; ".join(f"{p}: {', '.join(arms)} keep their own value"
                                             for p, arms in plan.set_by.items())
    if plan.held:
        rows["Not sampled (every regime sets it)"] = ", ".join(plan.held)
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows.items())
    ranges = "".join(f"<tr><td>{escape(u.path)}</td><td>{u.low:g}</td><td>{u.high:g}</td>"
                     f"<td>{escape(u.basis)}</td></tr>" for u in plan.uncertainties.values())
    return (f'<table class="caption">{body}</table><details class="robust-assumptions"><summary>The '
            f"{len(plan.uncertainties)} assumptions sampled</summary><table class=\"ranking\"><tr><th>field</th>"
            f"<th>low</th><th>high</th><th>basis</th></tr>{ranges}</table></details>")


@solara.component
def RobustResults(r: Robustness, outcomes: list[str], months: int, orgs: int, stale: list[str]):
    with solara.Div(classes=["robust-results", *(["stale"] if stale else [])]):
        if stale:
            solara.Warning("This robustness answer is for earlier settings (" + ", ".join(stale) + " changed since): "
                           "press Robustness to update it.", classes=["robust-stale-note"])
        if r.cancelled:
            solara.Warning(f"Stopped early: {r.worlds_done} of {len(r.plan.worlds)} worlds finished in every "
                           "regime; the answer covers only those.", classes=["robust-cancel-note"])
        if r.answer is None:
            solara.Error("Fewer than two worlds finished in every regime: too few to say how robust the answer is.")
            return
        missing = [labels.title(o) for o in outcomes if o not in r.plan.outcomes]
        if missing:
            solara.Info("Not in this answer (press Robustness to add): " + "; ".join(missing) + ".")
        solara.HTML(unsafe_innerHTML=answer_html(r, [o for o in outcomes if o in r.plan.outcomes]),
                    classes=["robust-answer-box"])
        solara.HTML(unsafe_innerHTML=caption_html(r, months, orgs), classes=["robust-caption"])


@solara.component
def RobustSection(arms: dict[str, dict], reference: str, outcomes: list[str], settings: dict, stale_reasons):
    """``arms``: the chosen regimes' app settings; ``settings``: what the page would run now
    (for greying out an answer made with others)."""
    from . import session

    worlds = session.use_kept("compare.robust_worlds", WORLDS)
    seeds = session.use_kept("compare.robust_seeds", SEEDS)
    result = session.use_kept("compare.robust_result", None)  # (Robustness, the settings it ran with)
    progress = solara.use_reactive((0, 0))
    error = solara.use_reactive(None)
    cancel = solara.use_ref(threading.Event())
    now = {**settings, "outcomes": list(outcomes), "worlds": worlds.value, "robust_seeds": seeds.value}

    def work():
        cancel.current = threading.Event()
        error.set(None)
        ran = dict(now)
        progress.set((0, len(arms) * ran["worlds"] * ran["robust_seeds"]))
        try:
            r = run_robustness(arms, reference, ran["outcomes"], ran["worlds"], ran["robust_seeds"],
                               progress=lambda d, t: progress.set((d, t)), cancel=cancel.current)
            result.set((r, ran))
        except ValueError as exc:  # ConfigError is a ValueError
            error.set(str(exc))

    task = solara.lab.use_task(work, dependencies=None)

    solara.HTML("h3", "Robustness across assumptions")
    solara.Text(
        "The intervals of a comparison (Run, above) cover seed noise only: every run shares one set of assumed "
        "constants (how much a "
        "leader weighs money, how far a new leader is trusted, pressure and distress sizes, ...). The robustness "
        f"check runs each regime in many plausible worlds, each drawing the {N_ASSUMPTIONS} named assumptions "
        "from their ranges, with every regime on the same seeds within a world, and says in what share of worlds "
        "each regime beats the reference and which assumption ranges flip the answer. Its answer covers those "
        "named assumptions; it is the analysis `collabsim robust` reports.", classes=["robust-intro"])
    with solara.Columns([1, 1]):
        Slider("Worlds", worlds, 8, 128, 8)
        Slider("Seeds per world (each regime)", seeds, 2, 10)
    done, total = progress.value
    with solara.Row(style={"align-items": "center", "gap": "1em"}):
        solara.Button("Robustness", on_click=task, color="primary", disabled=task.pending or len(arms) < 2
                      or not outcomes,
                      classes=["run-robust"])
        solara.Button("Cancel robustness", on_click=lambda: cancel.current.set(), disabled=not task.pending,
                      classes=["cancel-robust"])
        if task.pending:
            what = "analysing the worlds…" if total and done >= total else "the page stays usable."
            solara.Text(f"{done} / {total} runs ({worlds.value} worlds x {len(arms)} regimes x {seeds.value} seeds, "
                        f"{batch.default_workers()} worker process(es)); {what}", classes=["robust-progress"])
    solara.ProgressLinear(100 * done / max(total, 1) if task.pending else False)
    with solara.Column():
        if error.value:
            solara.Error(error.value)
        if result.value is not None and outcomes:
            r, ran = result.value
            RobustResults(r, outcomes, ran["months"], ran["orgs"], stale_reasons(ran, now))
