"""What makes a comparison's results self-describing: the caption that says what produced
them, the same facts in every CSV, and one plain sentence per outcome.

Why: a table or a CSV that travels into a policy paper without its settings cannot be
checked or rerun. Each result therefore names every regime's lever changes, the seeds
actually compared (after a cancel, only those every regime finished), months, organisations
and the collabsim version.
"""

from functools import cache
from importlib import metadata

import pandas as pd

from . import labels
from .batch import Comparison
from .levers import DEFAULTS, HORIZON, LEVER_BY_KEY

FOOTPRINT = (HORIZON, "network.n_orgs", "experiment.seed")  # set by compare mode itself, not by a regime


@cache
def version() -> str:
    try:
        return metadata.version("collabsim")
    except metadata.PackageNotFoundError:
        return "unknown"


def _shown(key: str, v) -> str:
    lever = LEVER_BY_KEY[key]
    if lever.is_select:
        return labels.choice(v)
    return f"{v:g}" if isinstance(v, float) else str(v)


def changes(values: dict) -> dict[str, str]:
    """A regime's lever changes from the defaults: lever label -> value as shown."""
    return {LEVER_BY_KEY[k].label: _shown(k, v) for k, v in values.items()
            if k in LEVER_BY_KEY and k not in FOOTPRINT and v != DEFAULTS.get(k)}


def describe_changes(values: dict) -> str:
    found = changes(values)
    return "; ".join(f"{k}: {v}" for k, v in found.items()) if found else "the defaults"


def _footprint(c: Comparison) -> tuple[int, int]:
    first = next(iter(c.arms.values()))
    return int(first.get(HORIZON, DEFAULTS[HORIZON])), int(first.get("network.n_orgs", DEFAULTS["network.n_orgs"]))


def seeds_line(c: Comparison) -> str:
    n, total = len(c.common_seeds), len(c.seeds)
    if c.cancelled:
        return (f"stopped early: {n} of {total} seeds finished in every regime and only those {n} are compared "
                f"({len(c.runs)} of {len(c.arms) * total} runs had finished)")
    return f"{n} seeds (seeds {c.seeds[0]} to {c.seeds[-1]}), each regime on the same seeds"


def caption(c: Comparison) -> dict[str, str]:
    """The facts under every result, as label -> text (the page escapes them)."""
    months, orgs = _footprint(c)
    out = {f"Regime {i}: {arm}" + (" (reference)" if arm == c.reference else ""): describe_changes(values)
           for i, (arm, values) in enumerate(c.arms.items(), 1)}
    out["Seeds compared"] = seeds_line(c)
    out["Each run"] = f"{months} months, {orgs} organisations"
    out["Model"] = f"collabsim {version()}"
    return out


def _metadata(c: Comparison) -> pd.DataFrame:
    """Per regime: the run's footprint, version and every lever value, one column each."""
    months, orgs = _footprint(c)
    rows = []
    for arm, values in c.arms.items():
        rows.append({"arm": arm, "reference": arm == c.reference, "months": months, "organisations": orgs,
                     "seeds_compared": len(c.common_seeds), "seeds_requested": len(c.seeds),
                     "stopped_early": c.cancelled, "collabsim_version": version(),
                     "lever_changes": describe_changes(values),
                     **{f"lever:{k}": values.get(k, DEFAULTS[k]) for k in LEVER_BY_KEY if k not in FOOTPRINT}})
    return pd.DataFrame(rows)


def runs_csv(c: Comparison) -> str:
    """Every finished run (its seed included), with the settings that produced it, and
    whether it is among the compared seeds."""
    runs = c.runs.assign(compared=c.runs["seed"].isin(c.common_seeds))
    return runs.merge(_metadata(c), on="arm", how="left").to_csv(index=False)


def summary_csv(c: Comparison) -> str:
    return c.summary().merge(_metadata(c), on="arm", how="left").to_csv(index=False)


def answers(c: Comparison, outcomes: list[str]) -> list[str]:
    """One sentence per outcome and regime other than the reference."""
    table = c.summary()
    out = []
    for outcome in outcomes:
        rows = table[(table["outcome"] == outcome) & (table["arm"] != c.reference)]
        for _, r in rows.iterrows():
            if "difference" in r and r["difference"] == r["difference"]:
                out.append(labels.answer(outcome, r["arm"], c.reference, r["difference"], r["ci_low"], r["ci_high"],
                                         int(r["seeds"])))
    return out

