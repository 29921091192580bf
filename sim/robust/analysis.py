"""From a robust run's files to the answer: per-world differences, the share of worlds in
which each arm is better than the reference, regret, and where the answer flips.

A world's value of an outcome for an arm is its mean over the world's seeds; the arms of a
world share those seeds, so a world's difference is a paired difference. "Better" follows
the outcome's direction in the outcome registry (``sim.metrics``; outcomes it does not list,
such as window means, are better higher). The
share of worlds comes with a Wilson 95% interval: the worlds are a sample from the
uncertainty ranges, so the interval is about how many worlds were drawn, and the spread of
the differences across worlds is the answer's dependence on the assumptions.

Scenario discovery uses ema-workbench's analysis functions on the table of drawn values:
PRIM (Friedman & Fisher 1999, as in Kwakkel's workbench) finds a box of assumption ranges
where the flipped answer concentrates, reported with its coverage (share of the flipped
worlds inside the box) and density (share of the worlds in the box that flipped); extra-trees
feature scoring ranks the assumptions by how much they explain the per-world difference.
"""

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import results
from ..metrics import SUMMARY_BY_NAME
from .plan import WINDOW_OUTCOMES, Robust

LOWER_IS_BETTER_TOO = {"trust_drop", "trust_rebuild_time"}  # the defection shock's outcomes

MIN_COVERAGE = 0.5  # a PRIM box must hold at least half of the worlds of interest


def better_sign(outcome: str) -> int:
    summary = SUMMARY_BY_NAME.get(outcome)
    lower = summary.better == "lower" if summary else outcome in LOWER_IS_BETTER_TOO
    return -1 if lower else 1


def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson 95% interval of a share k / n."""
    from scipy.stats import binomtest

    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=0.95, method="wilson")
    return float(ci.low), float(ci.high)


@dataclass
class Worlds:
    """Per-world values: ``x`` the drawn assumptions (one row per complete world), ``means``
    outcome -> DataFrame (worlds x arms) of means over the world's seeds."""

    x: pd.DataFrame
    means: dict[str, pd.DataFrame]
    runs: int  # finished runs used
    dropped: list[int]  # worlds left out because a run of theirs failed or is missing


def load_worlds(plan: Robust, folder) -> Worlds:
    """The worlds of a robust run's folder (the sweep's run files)."""
    runs = results.load(folder)
    ok = runs[runs["status"] == "ok"].copy()
    if plan.window:
        lo, hi = plan.window[0], plan.window[-1]
        series = results.load_series(folder, columns=["point", "replicate", "step", *WINDOW_OUTCOMES.values()])
        part = series[(series["step"] >= lo) & (series["step"] <= hi)]
        window = part.groupby(["point", "replicate"])[list(WINDOW_OUTCOMES.values())].mean()
        window.columns = list(WINDOW_OUTCOMES)
        ok = ok.join(window, on=["point", "replicate"])
    return worlds_of(plan, ok)


def worlds_of(plan: Robust, ok: pd.DataFrame) -> Worlds:
    """The worlds of finished runs held in memory: one row per run with its ``point`` and
    the outcomes (window outcomes already computed); the app's compare mode passes the runs
    it made, ``load_worlds`` those read from a folder. A world with a run missing is left out."""
    ok = ok.copy()
    ok["arm"] = [plan.arm_of(p) for p in ok["point"]]
    ok["world"] = [plan.world_of(p) for p in ok["point"]]
    counts = ok.groupby("world").size()
    full = len(plan.arms) * plan.seeds
    complete = sorted(int(w) for w, c in counts.items() if c == full)
    dropped = sorted(set(range(len(plan.worlds))) - set(complete))
    ok = ok[ok["world"].isin(complete)]
    wanted = dict.fromkeys([*plan.outcomes, *(c.outcome for c in plan.claims), *(c.than_outcome for c in plan.claims)])
    grouped = ok.groupby(["world", "arm"])
    means = {o: grouped[o].mean().unstack("arm").reindex(columns=plan.arms) for o in wanted}
    x = pd.DataFrame([plan.worlds[w] for w in complete], index=pd.Index(complete, name="world"))
    return Worlds(x, means, len(ok), dropped)


def comparisons(plan: Robust, worlds: Worlds) -> tuple[pd.DataFrame, dict]:
    """One row per (outcome, arm other than the reference), and the per-world differences
    {(outcome, arm): Series}."""
    rows, diffs = [], {}
    for outcome in plan.outcomes:
        sign = better_sign(outcome)
        m = worlds.means[outcome]
        for arm in plan.arms:
            if arm == plan.reference:
                continue
            d = (m[arm] - m[plan.reference]).dropna()
            diffs[(outcome, arm)] = d
            n = len(d)
            better, worse = int((sign * d > 0).sum()), int((sign * d < 0).sum())
            lo, hi = wilson(better, n) if n else (np.nan, np.nan)
            q = d.quantile([0.05, 0.25, 0.5, 0.75, 0.95]) if n else pd.Series(np.nan, index=[0.05, 0.25, 0.5, 0.75, 0.95])
            rows.append({"outcome": outcome, "better_is": "lower" if sign < 0 else "higher", "arm": arm,
                         "reference": plan.reference, "worlds": n, "better": better, "worse": worse,
                         "share_better": better / n if n else np.nan, "share_better_ci_low": lo,
                         "share_better_ci_high": hi, "median_difference": q[0.5], "q25": q[0.25], "q75": q[0.75],
                         "q05": q[0.05], "q95": q[0.95]})
    return pd.DataFrame(rows), diffs


def regret(plan: Robust, worlds: Worlds) -> pd.DataFrame:
    """Regret of each arm on each outcome: in each world, how far it falls short of the best
    arm in that world (in the outcome's units; 0 for the best). The arm with the least
    maximum regret is the minimax-regret choice (Savage)."""
    rows = []
    for outcome in plan.outcomes:
        sign = better_sign(outcome)
        v = sign * worlds.means[outcome].dropna()
        r = v.max(axis=1).to_numpy()[:, None] - v.to_numpy()
        best_max = r.max(axis=0).min() if len(r) else np.nan
        for j, arm in enumerate(v.columns):
            col = r[:, j]
            rows.append({"outcome": outcome, "arm": arm, "median_regret": float(np.median(col)) if len(col) else np.nan,
                         "max_regret": float(col.max()) if len(col) else np.nan,
                         "share_best": float((col == 0).mean()) if len(col) else np.nan,
                         "minimax_regret": bool(len(col) and col.max() == best_max)})
    return pd.DataFrame(rows)


def claims(plan: Robust, worlds: Worlds) -> tuple[pd.DataFrame, dict]:
    """Each claim's per-world value (arm's outcome minus factor x than's than_outcome, in the
    claimed direction) and the share of worlds in which it holds; a fact holds in a world
    when all its claims do."""
    rows, values, holds = [], {}, {}
    for fact in dict.fromkeys(c.fact for c in plan.claims):
        members = []
        for i, c in enumerate(plan.claims):
            if c.fact != fact:
                continue
            a = worlds.means[c.outcome][c.arm]
            b = worlds.means[c.than_outcome][c.than]
            v = (a - c.factor * b).dropna()
            ok = v > 0 if c.holds == "higher" else v < 0
            values[i], holds[i] = v, ok
            members.append(ok)
            rows.append(_share_row({"fact": fact, "claim": describe_claim(c)}, ok)
                        | {"median": float(v.median()), "q05": float(v.quantile(0.05)), "q95": float(v.quantile(0.95))})
        if len(members) > 1:
            all_hold = pd.concat(members, axis=1).dropna().all(axis=1)
            holds[fact] = all_hold
            rows.append(_share_row({"fact": fact, "claim": "all of the above"}, all_hold))
    return pd.DataFrame(rows), {"values": values, "holds": holds}


def _share_row(row: dict, ok: pd.Series) -> dict:
    n, k = len(ok), int(ok.sum())
    lo, hi = wilson(k, n) if n else (np.nan, np.nan)
    return row | {"worlds": n, "holds_in": k, "share": k / n if n else np.nan, "ci_low": lo, "ci_high": hi}


def describe_claim(c) -> str:
    rhs = c.than_outcome if c.than == c.arm else f"{c.than}'s {c.than_outcome}"
    factor = "" if c.factor == 1 else f"{c.factor:g} x "
    return f"{c.arm}'s {c.outcome} {c.holds} than {factor}{rhs}"


# -- scenario discovery -----------------------------------------------------------------------
@dataclass
class Box:
    """A PRIM box: the restricted ranges {path: (low, high)} (None where unbounded on that
    side), and how well it describes the worlds of interest."""

    limits: dict
    coverage: float  # share of the worlds of interest inside the box
    density: float  # share of the box's worlds that are of interest
    mass: float  # share of all worlds inside the box
    inside: int  # worlds in the box
    of_interest: int  # worlds of interest in total

    def describe(self, digits: int = 3) -> str:
        parts = []
        for path, (lo, hi) in self.limits.items():
            if lo is not None and hi is not None:
                parts.append(f"{lo:.{digits}g} <= {path} <= {hi:.{digits}g}")
            elif lo is not None:
                parts.append(f"{path} >= {lo:.{digits}g}")
            else:
                parts.append(f"{path} <= {hi:.{digits}g}")
        return " and ".join(parts) or "anywhere (no restriction)"


def discover(x: pd.DataFrame, interest: np.ndarray, values: pd.Series) -> tuple["Box | None", pd.Series]:
    """Scenario discovery for one question: the PRIM box of the worlds of ``interest`` and
    the feature scores of ``values``. A pure function of its inputs (extra-trees' seed is
    fixed), so the report's questions may go to any executor's workers."""
    return prim_box(x, interest), feature_scores(x, values)


def prim_box(x: pd.DataFrame, interest: np.ndarray, significance: float = 0.05) -> Box | None:
    """The box of assumption ranges where ``interest`` (a boolean per world) concentrates.

    From PRIM's peeling trajectory, the densest box that still covers at least half of the
    worlds of interest (ties: the one covering more); then restrictions that do not matter
    are dropped, the least significant first, until every one left has a quasi-p-value
    below ``significance`` (Bryant & Lempert 2010: a one-sided binomial test of the box's
    density against the density of the box without that restriction). None if fewer than
    two worlds are of interest, all are, or no restriction is significant (the worlds of
    interest are scattered, not in a corner of the assumptions)."""
    interest = np.asarray(interest, bool)
    if interest.sum() < 2 or interest.all() or x.shape[1] == 0:
        return None
    prim = _workbench().prim

    logging.getLogger("EMA").setLevel(logging.WARNING)
    x = x.reset_index(drop=True).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        finder = prim.Prim(x, interest, mass_min=max(0.05, 2 / len(x)))
        box = finder.find_box()
    trajectory = box.peeling_trajectory
    ok = trajectory[trajectory["coverage"] >= MIN_COVERAGE]
    best = ok.sort_values(["density", "coverage"], ascending=False, kind="stable").index[0]
    chosen, init = box.box_lims[best], finder.box_init
    limits = {}
    for col in x.columns:
        lo, hi = float(chosen[col].iloc[0]), float(chosen[col].iloc[1])
        lo0, hi0 = float(init[col].iloc[0]), float(init[col].iloc[1])
        if lo > lo0 or hi < hi0:
            limits[col] = (lo if lo > lo0 else None, hi if hi < hi0 else None)
    while limits:
        p = {col: _quasi_p(x, interest, limits, col) for col in limits}
        worst = max(p, key=p.get)
        if p[worst] < significance:
            break
        del limits[worst]
    if not limits:
        return None
    inside = _inside(x, limits)
    k, n = int(interest[inside].sum()), int(inside.sum())
    return Box(limits, k / interest.sum(), k / n, n / len(x), n, int(interest.sum()))


def _inside(x: pd.DataFrame, limits: dict) -> np.ndarray:
    inside = np.ones(len(x), bool)
    for col, (lo, hi) in limits.items():
        if lo is not None:
            inside &= x[col].to_numpy() >= lo
        if hi is not None:
            inside &= x[col].to_numpy() <= hi
    return inside


def _quasi_p(x: pd.DataFrame, interest: np.ndarray, limits: dict, col: str) -> float:
    """P(at least the box's count of worlds of interest | the density without ``col``'s
    restriction): small when the restriction picks out worlds of interest."""
    from scipy.stats import binom

    inside = _inside(x, limits)
    without = _inside(x, {c: v for c, v in limits.items() if c != col})
    k, n = int(interest[inside].sum()), int(inside.sum())
    base = interest[without].mean()
    return float(binom.sf(k - 1, n, base)) if n else 1.0


def feature_scores(x: pd.DataFrame, y: pd.Series) -> pd.Series:
    """How much each assumption explains ``y`` across worlds (extra-trees feature scores,
    summing to 1; random_state fixed so the ranking is reproducible)."""
    if x.shape[1] == 0 or len(x) < 4 or np.allclose(y, y.iloc[0]):
        return pd.Series(dtype=float)
    wb = _workbench()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores, _ = wb.get_ex_feature_scores(x.reset_index(drop=True).astype(float), np.asarray(y, float),
                                             mode=wb.RuleInductionType.REGRESSION, nr_trees=200, random_state=0)
    return scores.iloc[:, 0].sort_values(ascending=False, kind="stable")


def _workbench():
    """ema_workbench.analysis, imported quietly (it warns about optional parallel back ends
    that its analysis functions do not use)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import analysis as wb
    return wb
