"""Comparing the arms of an experiment over many seeds (``collabsim compare CONFIG``).

An experiment file may carry a ``[compare]`` table:

    [compare]
    seeds = 40                    # runs per arm; seeds experiment.seed .. + seeds - 1
    reference = "organisational"  # the arm the others are compared with (default: first)
    outcomes = ["mean_cooperation", "final_system_balance"]   # its headline outcomes (then the registry's)
    window = [61, 84]             # optional: also report means over these steps
    [compare.arms.organisational]
    regulation.regime = "organisational"
    [compare.arms.system]
    regulation.regime = "system"

Every arm runs the same seeds, so each seed gives a matched pair (same network, same first
draws) and arms are compared with a paired t-test on the per-seed differences: the mean
difference, its 95% confidence interval, the p-value and the paired effect size
d_z = mean difference / sd of differences.
"""

import copy
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import config as cfgmod
from . import engine, metrics, sizes
from .config import Config, ConfigError

SERIES = ("cooperation", "mean_trust", "hawk_share", "system_balance", "turnover_total", "in_deficit",
          "intervention_cost_total", "deficit_total")


class CompareSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    seeds: Annotated[int, Field(ge=2, le=cfgmod.MAX_INT)] = 30
    reference: str = ""
    outcomes: list[str] = Field(default_factory=lambda: ["mean_cooperation", "final_system_balance"],
                                min_length=1, max_length=100)
    window: list[Annotated[int, Field(ge=1, le=cfgmod.MAX_INT)]] = Field(default_factory=list, max_length=2,
                                                                         min_length=0)
    arms: dict[Annotated[str, Field(min_length=1, max_length=100)], dict] = Field(default_factory=dict,
                                                                                  max_length=100)


def outcome_names(cfg: Config, window: list[int] | None = None) -> list[str]:
    """The outcomes a run of ``cfg`` reports, known before anything runs."""
    return metrics.summary_names(cfg) + (["window_cooperation", "window_trust"] if window else [])


# A compare run keeps its outcomes and its series in memory until the report is written.
BYTES_PER_COMPARE_STEP = len(SERIES) * 8


@dataclass
class Experiment:
    name: str
    spec: CompareSpec
    arms: dict[str, Config]
    source: str = ""

    @property
    def reference(self) -> str:
        return self.spec.reference or next(iter(self.arms))

    @property
    def outcomes(self) -> list[str]:
        """The experiment's own headline outcomes first, then every registry headline."""
        return list(dict.fromkeys([*self.spec.outcomes, *metrics.headline()]))


def _merge(data: dict, overrides: dict) -> None:
    """Apply an arm's table onto plain config data: ``regulation.regime = "system"`` inside
    the arm's table arrives from TOML as a nested section table; quoted dotted keys work too."""
    for key, value in overrides.items():
        if "." not in key and isinstance(value, dict):
            for name, v in value.items():
                cfgmod.set_path(data, f"{key}.{name}", v)
        else:
            cfgmod.set_path(data, key, value)


def load(path: str | Path, allow_large: bool = False) -> Experiment:
    """Read an experiment with a [compare] table; every arm is validated and its size and
    every outcome name checked up front, before any run."""
    path = Path(path)
    data = cfgmod.read_toml(path)
    raw = data.pop("compare", None)
    for table in cfgmod.ANNEX_TABLES:  # [uncertainties], [robust]: read by `collabsim robust`
        data.pop(table, None)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: no [compare] table; `collabsim compare` needs arms to compare "
                          "(see experiments/regulation_regimes.toml)")
    try:
        spec = CompareSpec.model_validate(raw)
    except ValidationError as exc:
        lines = cfgmod.describe_errors(exc, prefix="compare.", model=CompareSpec)
        raise ConfigError(f"invalid {path}:\n  " + "\n  ".join(lines)) from None
    if len(spec.arms) < 2:
        raise ConfigError(f"{path}: compare.arms: give at least two arms (got {len(spec.arms)})")
    if spec.reference and spec.reference not in spec.arms:
        raise ConfigError(f"{path}: compare.reference: {spec.reference!r} is not an arm; arms: {', '.join(spec.arms)}")
    if len(spec.window) == 2 and spec.window[0] > spec.window[1]:
        raise ConfigError(f"{path}: compare.window: give [first step, last step] with first <= last "
                          f"(got {spec.window})")
    arms, problems = {}, []
    for name, overrides in spec.arms.items():
        arm_data = copy.deepcopy(data)
        try:
            _merge(arm_data, overrides)
            arms[name] = cfgmod.validate(arm_data, source=f"{path} (compare.arms.{name})")
            sizes.check_size(arms[name], allow_large, source=f"{path} (compare.arms.{name})")
        except ConfigError as exc:
            problems += [f"compare.arms.{name}: {line.strip()}" for line in str(exc).splitlines()[1:]] or [str(exc)]
    if problems:
        raise ConfigError(f"invalid {path}:\n  " + "\n  ".join(problems))
    base = cfgmod.validate(data, source=str(path))
    steps = max(cfg.experiment.steps for cfg in arms.values())
    sizes.check_count("compare.seeds", len(arms) * spec.seeds, steps * BYTES_PER_COMPARE_STEP + 2_000,
                       allow_large, source=str(path))
    for name, cfg in arms.items():
        if spec.window and spec.window[-1] > cfg.experiment.steps:
            raise ConfigError(f"{path}: compare.window: step {spec.window[-1]} is after the last step of arm "
                              f"{name!r} ({cfg.experiment.steps})")
        known = outcome_names(cfg, spec.window)
        unknown = [o for o in spec.outcomes if o not in known]
        if unknown:
            raise ConfigError(f"{path}: compare.outcomes: unknown outcome {unknown[0]!r}; allowed: "
                              + ", ".join(known))
    return Experiment(base.experiment.name, spec, arms, str(path))


@dataclass
class Results:
    experiment: Experiment
    runs: pd.DataFrame  # one row per (arm, seed): outcomes
    series: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # arm -> column -> (seeds, steps)


def run(exp: Experiment, workers: int | None = None, progress=None, dask: str | None = None) -> Results:
    """Run every arm over the same seeds on the engine (``sim.engine``): in this process
    when ``workers`` is 1, else a process pool (default: all cores) or Dask."""
    first = exp.arms[exp.reference].experiment.seed
    seeds = list(range(first, first + exp.spec.seeds))
    jobs = [engine.Job(arm, cfg, seeds) for arm, cfg in exp.arms.items()]
    window = tuple(exp.spec.window) or None
    rows, collected = [], {arm: {c: [None] * len(seeds) for c in SERIES} for arm in exp.arms}
    for r in engine.run_many(jobs, workers=workers, dask=dask, series=SERIES, window=window, progress=progress):
        rows.append({"arm": r.key, "seed": r.seed, **r.outcomes})
        for c, values in r.series.items():
            collected[r.key][c][r.seed - first] = values
    runs = pd.DataFrame(rows).sort_values(["arm", "seed"], key=lambda col: col.map(list(exp.arms).index)
                                          if col.name == "arm" else col, kind="stable").reset_index(drop=True)
    series = {arm: {c: np.vstack(v) for c, v in cols.items()} for arm, cols in collected.items()}
    return Results(exp, runs, series)


def paired_difference(a: np.ndarray, b: np.ndarray) -> dict:
    """Mean of b - a over matched seeds, with a 95% CI and p-value from a paired t-test,
    and the paired effect size d_z."""
    from scipy import stats

    d = np.asarray(b, float) - np.asarray(a, float)
    n = len(d)
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    if sd == 0:
        return {"difference": mean, "ci_low": mean, "ci_high": mean, "p_value": 0.0 if mean else 1.0,
                "effect_size": math.copysign(math.inf, mean) if mean else 0.0, "n": n}
    half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    p = float(stats.ttest_rel(b, a).pvalue)
    return {"difference": mean, "ci_low": mean - half, "ci_high": mean + half, "p_value": p,
            "effect_size": mean / sd, "n": n}


def mean_ci(x: np.ndarray) -> tuple[float, float, float]:
    from scipy import stats

    x = np.asarray(x, float)
    m = float(x.mean())
    half = float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else 0.0
    return m, m - half, m + half


EVENTS = ("time_to_stable_cooperation", "time_to_collapse")


def event_times(res: Results) -> pd.DataFrame:
    """Per arm and event: how many runs reached it within the run, and the Kaplan-Meier
    median month. Every run not reached is censored at its end, all at the same month, so
    the estimate is the ceil(n/2)-th earliest event when at least half reached it, else
    "not reached" (NaN)."""
    rows = []
    for event in EVENTS:
        for arm in res.experiment.arms:
            times = res.runs[res.runs["arm"] == arm][event].to_numpy(dtype=float)
            reached = np.sort(times[np.isfinite(times)])
            n = len(times)
            k = math.ceil(n / 2)
            rows.append({"event": event, "arm": arm, "runs": n, "reached": len(reached),
                         "median": float(reached[k - 1]) if len(reached) >= k else float("nan")})
    return pd.DataFrame(rows)


def differences(res: Results) -> pd.DataFrame:
    """Each arm against the reference, for every headline outcome."""
    ref = res.experiment.reference
    runs = res.runs.sort_values("seed")
    rows = []
    for outcome in [o for o in res.experiment.outcomes if o not in EVENTS]:
        if outcome not in runs.columns:
            raise ConfigError(f"compare.outcomes: unknown outcome {outcome!r}; allowed: "
                              + ", ".join(c for c in runs.columns if c not in ("arm", "seed")))
        base = runs[runs["arm"] == ref][outcome].to_numpy()
        for arm in res.experiment.arms:
            vals = runs[runs["arm"] == arm][outcome].to_numpy()
            m, lo, hi = mean_ci(vals)
            row = {"outcome": outcome, "arm": arm, "mean": m, "mean_ci_low": lo, "mean_ci_high": hi}
            if arm != ref:
                row.update({f"{k}": v for k, v in paired_difference(base, vals).items()})
            rows.append(row)
    return pd.DataFrame(rows)
