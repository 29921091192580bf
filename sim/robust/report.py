"""The robust report: ``<out>/<experiment>/robust/report.md`` with figures and tables.

The answer comes first (for each arm vs the reference and each headline outcome: the share
of worlds in which it is better, the median difference and its spread, regret), then the
claims an experiment states (e.g. the stylised facts), then where each answer flips (PRIM
boxes, feature scores), then the assumptions sampled. Every file is written whole or not at
all (``store.write_atomic``) beside the runs, which stay for ``--resume`` and for queries.
"""

from concurrent.futures import as_completed
from pathlib import Path

import numpy as np
import pandas as pd

from ..sweep import store
from . import analysis
from .plan import Robust


def _fmt(x: float) -> str:
    if x is None or not np.isfinite(x):
        return "n/a"
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def _signed(x: float) -> str:
    return ("+" if x > 0 else "") + _fmt(x)


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{100 * x:.0f}%"


def _write_text(path: Path, text: str) -> None:
    def write(tmp):
        with open(tmp, "w") as fh:
            fh.write(text)

    store.write_atomic(path, write)


def _write_csv(path: Path, df: pd.DataFrame) -> None:
    store.write_atomic(path, lambda tmp: df.to_csv(tmp, index=False, float_format="%.6g"))


def analyse(plan: Robust, folder, executor=None, progress: bool = False) -> dict:
    """Everything the report says, as tables (also used by tests and other front ends)."""
    return answer(plan, analysis.load_worlds(plan, folder), executor, progress)


def answer(plan: Robust, worlds: analysis.Worlds, executor=None, progress: bool = False) -> dict:
    """The report's tables from worlds already in memory (``analysis.worlds_of``): the app's
    compare mode shows these, so it gives the same answer as ``collabsim robust``.

    Scenario discovery (a PRIM box and feature scores for every comparison, claim and fact)
    is most of the time: about a second a question on one core, for ten to forty questions.
    The questions are independent, so with an ``executor`` (the one the runs went to) they
    go to its workers, and the answer is the same (``analysis.discover``); ``progress``
    shows a bar as they come back."""
    comp, diffs = analysis.comparisons(plan, worlds)
    reg = analysis.regret(plan, worlds)
    claim_table, claim_data = analysis.claims(plan, worlds)
    questions = []  # (kind, what, interest_is, x, interest, values)

    def ask(kind: str, label: str, interest: pd.Series, values: pd.Series, interest_is: str) -> None:
        idx = worlds.x.index.intersection(interest.index).intersection(values.dropna().index)
        questions.append((kind, label, interest_is, worlds.x.loc[idx], interest.loc[idx].astype(bool).to_numpy(),
                          values.loc[idx]))

    for _, r in comp.iterrows():
        d = diffs[(r["outcome"], r["arm"])]
        better = analysis.better_sign(r["outcome"]) * d > 0
        mostly = r["share_better"] >= 0.5
        flipped = ~better if mostly else better
        what = f"{r['arm']} vs {r['reference']}: {r['outcome']}"
        ask("comparison", what, flipped, d, "not better" if mostly else "better")
    for i, c in enumerate(plan.claims):
        ask("claim", f"{c.fact}: {analysis.describe_claim(c)}", ~claim_data["holds"][i],
            claim_data["values"][i], "fails")
    for fact, held in claim_data["holds"].items():
        if isinstance(fact, str):
            ask("fact", fact, ~held, held.astype(float), "fails")
    boxes, scores = [], []
    found = _discover_all(questions, executor, progress)
    for (kind, label, interest_is, _, interest, _), (box, fs) in zip(questions, found):
        boxes.append({"kind": kind, "what": label, "worlds_of_interest": int(interest.sum()), "interest": interest_is,
                      "box": box.describe() if box else "", "coverage": box.coverage if box else np.nan,
                      "density": box.density if box else np.nan, "worlds_in_box": box.inside if box else np.nan})
        scores.extend({"kind": kind, "what": label, "uncertainty": u, "score": s} for u, s in fs.items())
    return {"worlds": worlds, "comparisons": comp, "differences": diffs, "regret": reg, "claims": claim_table,
            "boxes": pd.DataFrame(boxes), "scores": pd.DataFrame(scores, columns=["kind", "what", "uncertainty", "score"])}


def _discover_all(questions: list, executor, progress: bool) -> list:
    """``analysis.discover`` of each question, in order: here, or on ``executor``'s workers."""
    from tqdm import tqdm

    with tqdm(total=len(questions), unit="question", desc="scenario discovery", disable=not progress,
              mininterval=0.5, dynamic_ncols=True) as bar:
        if executor is None:
            found = []
            for *_, x, i, v in questions:
                found.append(analysis.discover(x, i, v))
                bar.update()
            return found
        futures = [executor.submit(analysis.discover, x, i, v) for *_, x, i, v in questions]
        for future in as_completed(futures):
            future.result()  # a question that raised stops the report here
            bar.update()
        return [f.result() for f in futures]


def write(plan: Robust, folder: str | Path, executor=None, progress: bool = False) -> Path:
    """Analyse the runs in ``folder`` and write the report there (scenario discovery on
    ``executor``'s workers, if given: ``answer``); returns report.md's path."""
    folder = Path(folder)
    a = analyse(plan, folder, executor, progress)
    worlds = a["worlds"]
    _write_csv(folder / "comparisons.csv", a["comparisons"])
    _write_csv(folder / "regret.csv", a["regret"])
    _write_csv(folder / "claims.csv", a["claims"])
    _write_csv(folder / "boxes.csv", a["boxes"])
    _write_csv(folder / "feature_scores.csv", a["scores"])
    long = pd.concat({o: m for o, m in worlds.means.items()}, names=["outcome"]).stack().rename("value").reset_index()
    table = long.pivot_table(index=["world", "arm"], columns="outcome", values="value").reset_index()
    table = table.join(worlds.x, on="world")
    store.write_atomic(folder / "worlds.parquet", lambda tmp: table.to_parquet(tmp, index=False))
    _differences_figure(plan, a, folder / "differences.png")
    text = _markdown(plan, a)
    _write_text(folder / "report.md", text)
    return folder / "report.md"


def answer_lines(plan: Robust, a: dict) -> list[str]:
    lines = []
    for _, r in a["comparisons"].iterrows():
        lines.append(
            f"- **{r['arm']}** vs **{r['reference']}**, {r['outcome']} ({r['better_is']} is better): better in "
            f"{_pct(r['share_better'])} of worlds (95% CI {_pct(r['share_better_ci_low'])} to "
            f"{_pct(r['share_better_ci_high'])}; {r['better']} of {r['worlds']}); median difference "
            f"{_signed(r['median_difference'])} (middle half {_fmt(r['q25'])} to {_fmt(r['q75'])}, 90% of worlds "
            f"{_fmt(r['q05'])} to {_fmt(r['q95'])})")
    return lines


def top_scores(scores: pd.DataFrame, kind: str, what: str, k: int = 3) -> str:
    """The ``k`` assumptions that explain an answer most, with their feature scores."""
    s = scores[(scores["kind"] == kind) & (scores["what"] == what)].head(k)
    return ", ".join(f"{u} {v:.2f}" for u, v in zip(s["uncertainty"], s["score"])) or "n/a"


def flip_text(boxes: pd.DataFrame, kind: str, what: str) -> str:
    """Where an answer flips, in words: its PRIM box with coverage and density, or why none."""
    b = boxes[(boxes["kind"] == kind) & (boxes["what"] == what)].iloc[0]
    if not b["box"]:
        k = b["worlds_of_interest"]
        if k == 0:
            return "never"
        why = "too few to describe" if k == 1 else "scattered: no range of the assumptions holds most of them"
        return f"{k} world{'' if k == 1 else 's'} {b['interest']}: {why}"
    return (f"{b['box']} (coverage {_fmt(b['coverage'])}, density {_fmt(b['density'])}; "
            f"{int(b['worlds_in_box'])} worlds in the box, {b['worlds_of_interest']} {b['interest']} in all)")


def _markdown(plan: Robust, a: dict) -> str:
    worlds = a["worlds"]
    n_worlds = len(worlds.x)
    desc = plan.base["experiment"].get("description", "")
    boxes = a["boxes"]
    scores = a["scores"]

    text = [
        f"# {plan.name}: {len(plan.arms)} arms across {n_worlds} plausible worlds",
        "",
        *([f"*Question:* {desc}", ""] if desc else []),
        f"Each world draws the {len(plan.uncertainties)} assumptions listed at the end from their ranges (Latin "
        f"hypercube, design seed {plan.master_seed}); every arm runs in every world with the same {plan.seeds} "
        f"seeds (common random numbers), and a world's value is the mean over its seeds. Reference: "
        f"**{plan.reference}**. {worlds.runs} runs"
        + (f"; {len(worlds.dropped)} worlds left out because a run failed or is missing: {worlds.dropped}"
           if worlds.dropped else "") + ".",
        "",
        "The share's confidence interval (Wilson) is about how many worlds were drawn; the spread of the "
        "differences across worlds is how much the answer rests on the assumptions. A single-world "
        "`collabsim compare` interval covers seed noise only.",
        "",
        "## Answer",
        "",
        *answer_lines(plan, a),
        "",
        "| outcome | arm | better in (95% CI) | median difference [25%, 75%] | 5% to 95% | answer flips where (PRIM) |",
        "|---|---|---|---|---|---|",
    ]
    for _, r in a["comparisons"].iterrows():
        what = f"{r['arm']} vs {r['reference']}: {r['outcome']}"
        text.append(f"| {r['outcome']} ({r['better_is']} is better) | {r['arm']} | {_pct(r['share_better'])} "
                    f"({_pct(r['share_better_ci_low'])} to {_pct(r['share_better_ci_high'])}) | "
                    f"{_signed(r['median_difference'])} [{_fmt(r['q25'])}, {_fmt(r['q75'])}] | "
                    f"{_fmt(r['q05'])} to {_fmt(r['q95'])} | {flip_text(boxes, 'comparison', what)} |")
    text += ["", "![per-world differences](differences.png)", "",
             "## Regret", "",
             "In each world an arm's regret is how far it falls short of the best arm in that world (outcome "
             "units; 0 when it is the best). The minimax-regret arm has the smallest worst case.", "",
             "| outcome | arm | best in | median regret | max regret | minimax regret |", "|---|---|---|---|---|---|"]
    for _, r in a["regret"].iterrows():
        text.append(f"| {r['outcome']} | {r['arm']} | {_pct(r['share_best'])} | {_fmt(r['median_regret'])} | "
                    f"{_fmt(r['max_regret'])} | {'yes' if r['minimax_regret'] else ''} |")
    if len(a["claims"]):
        text += ["", "## Claims", "",
                 "Each claim is tested in every world on the means over its seeds; a fact with several claims "
                 "holds in a world when all of them do.", "",
                 "| fact | claim | holds in (95% CI) | fails where (PRIM) | assumptions that matter most |",
                 "|---|---|---|---|---|"]
        claim_rows = {analysis.describe_claim(c): c for c in plan.claims}
        for _, r in a["claims"].iterrows():
            c = claim_rows.get(r["claim"])
            kind, what = ("claim", f"{r['fact']}: {r['claim']}") if c else ("fact", r["fact"])
            text.append(f"| {r['fact']} | {r['claim']} | {_pct(r['share'])} ({_pct(r['ci_low'])} to "
                        f"{_pct(r['ci_high'])}; {r['holds_in']} of {r['worlds']}) | {flip_text(boxes, kind, what)} | "
                        f"{top_scores(scores, kind, what)} |")
    text += ["", "## Where each answer depends on the assumptions", "",
             "Worlds of interest: those where the answer differs from most worlds' (or where a claim fails). "
             "PRIM box: the densest box on PRIM's peeling trajectory that still covers at least half of them, "
             "keeping only restrictions with a quasi-p-value below 0.05 (coverage: share of them inside; density: "
             "share of the box's worlds that are of interest). With few seeds per world, worlds where an effect is "
             "small can flip by seed noise; such flips are scattered and give no box. Feature "
             "scores (extra trees, summing to 1): how much each assumption explains the per-world difference.", "",
             "| answer | assumptions that matter most (feature score) |", "|---|---|"]
    for _, r in a["comparisons"].iterrows():
        what = f"{r['arm']} vs {r['reference']}: {r['outcome']}"
        text.append(f"| {what} | {top_scores(scores, 'comparison', what, 5)} |")
    text += ["", f"## Assumptions sampled ({len(plan.uncertainties)})", "",
             "| field | low | high | basis |", "|---|---|---|---|"]
    for u in plan.uncertainties.values():
        text.append(f"| `{u.path}` | {u.low:g} | {u.high:g} | {u.basis} |")
    if plan.set_by:
        text += ["", "Set by some arms, which keep their own value: "
                 + "; ".join(f"`{p}` ({', '.join(arms)})" for p, arms in plan.set_by.items()) + "."]
    if plan.held:
        text += ["", "Set by every arm, so not sampled: " + ", ".join(f"`{p}`" for p in plan.held) + "."]
    text += ["", "Data: `comparisons.csv`, `regret.csv`, `claims.csv`, `boxes.csv`, `feature_scores.csv`, "
             "`worlds.parquet` (one row per world and arm: means over seeds and the drawn assumptions); the runs "
             f"are in `runs/` (a sweep folder: `collabsim summarise`). Source: `{plan.source}`."]
    return "\n".join(text) + "\n"


def _differences_figure(plan: Robust, a: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    others = [arm for arm in plan.arms if arm != plan.reference]
    n = len(plan.outcomes)
    fig, axes = plt.subplots(1, n, figsize=(4.5 * n, 4), constrained_layout=True, squeeze=False)
    for ax, outcome in zip(axes[0], plan.outcomes):
        data = [a["differences"][(outcome, arm)].to_numpy() for arm in others]
        ax.boxplot(data, showmeans=True)
        for i, d in enumerate(data, 1):
            ax.plot(np.full(len(d), i) + np.linspace(-0.15, 0.15, len(d)), d, ".", alpha=0.4, color="C0")
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xticks(range(1, len(others) + 1), others, rotation=20)
        better = "lower" if analysis.better_sign(outcome) < 0 else "higher"
        ax.set_title(f"{outcome}\nminus {plan.reference} ({better} is better)", fontsize=9)
    fig.savefig(path, dpi=90)
    plt.close(fig)
