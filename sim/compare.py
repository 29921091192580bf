"""Comparing the arms of an experiment over many seeds (``collabsim compare CONFIG``).

An experiment file may carry a ``[compare]`` table:

    [compare]
    seeds = 40                    # runs per arm; seeds experiment.seed .. + seeds - 1
    reference = "organisational"  # the arm the others are compared with (default: first)
    outcomes = ["mean_cooperation", "final_system_balance"]   # headline outcomes
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
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import config as cfgmod
from .config import Config, ConfigError

SERIES = ("cooperation", "mean_trust", "hawk_share", "system_balance", "turnover_total", "in_deficit",
          "intervention_cost_total", "deficit_total")


class CompareSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seeds: Annotated[int, Field(ge=2)] = 30
    reference: str = ""
    outcomes: list[str] = Field(default_factory=lambda: ["mean_cooperation", "final_system_balance"])
    window: list[Annotated[int, Field(ge=1)]] = Field(default_factory=list, max_length=2, min_length=0)
    arms: dict[str, dict] = Field(default_factory=dict)


@dataclass
class Experiment:
    name: str
    spec: CompareSpec
    arms: dict[str, Config]
    source: str = ""

    @property
    def reference(self) -> str:
        return self.spec.reference or next(iter(self.arms))


def _merge(data: dict, overrides: dict) -> None:
    """Apply an arm's table onto plain config data: ``regulation.regime = "system"`` inside
    the arm's table arrives from TOML as a nested section table; quoted dotted keys work too."""
    for key, value in overrides.items():
        if "." not in key and isinstance(value, dict):
            for name, v in value.items():
                cfgmod.set_path(data, f"{key}.{name}", v)
        else:
            cfgmod.set_path(data, key, value)


def load(path: str | Path) -> Experiment:
    """Read an experiment with a [compare] table; every arm is validated up front."""
    path = Path(path)
    data = cfgmod.read_toml(path)
    raw = data.pop("compare", None)
    for table in cfgmod.ANNEX_TABLES:  # [uncertainties], [robust]: read by `collabsim robust`
        data.pop(table, None)
    if raw is None:
        raise ConfigError(f"{path}: no [compare] table; `collabsim compare` needs arms to compare "
                          "(see experiments/regulation_regimes.toml)")
    try:
        spec = CompareSpec.model_validate(raw)
    except ValidationError as exc:
        lines = [f"compare.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise ConfigError(f"invalid {path}:\n  " + "\n  ".join(lines)) from None
    if len(spec.arms) < 2:
        raise ConfigError(f"{path}: compare.arms: give at least two arms (got {len(spec.arms)})")
    if spec.reference and spec.reference not in spec.arms:
        raise ConfigError(f"{path}: compare.reference: {spec.reference!r} is not an arm; arms: {', '.join(spec.arms)}")
    arms = {}
    for name, overrides in spec.arms.items():
        arm_data = copy.deepcopy(data)
        _merge(arm_data, overrides)
        arms[name] = cfgmod.validate(arm_data, source=f"{path} (compare.arms.{name})")
    base = cfgmod.validate(data, source=str(path))
    return Experiment(base.experiment.name, spec, arms, str(path))


def run_one(args: tuple) -> tuple[str, int, dict, dict]:
    """Run one arm at one seed; returns its outcomes and compact time series."""
    from .metrics import summarise
    from .model import CollabModel
    from .output import model_table

    arm, seed, cfg, window = args
    model = CollabModel(cfg, seed=seed)
    model.run()
    df = model_table(model)
    outcomes = summarise(df, cfg)
    if window:
        lo, hi = window[0], window[-1]
        part = df[(df["step"] >= lo) & (df["step"] <= hi)]
        outcomes["window_cooperation"] = float(part["cooperation"].mean())
        outcomes["window_trust"] = float(part["mean_trust"].mean())
    series = {c: df[c].to_numpy() for c in SERIES}
    return arm, seed, outcomes, series


@dataclass
class Results:
    experiment: Experiment
    runs: pd.DataFrame  # one row per (arm, seed): outcomes
    series: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # arm -> column -> (seeds, steps)


def run(exp: Experiment, workers: int | None = None, progress=None) -> Results:
    """Run every arm over the same seeds (in worker processes when ``workers`` > 1)."""
    first = exp.arms[exp.reference].experiment.seed
    seeds = range(first, first + exp.spec.seeds)
    jobs = [(arm, s, cfg, exp.spec.window) for arm, cfg in exp.arms.items() for s in seeds]
    workers = workers or os.cpu_count() or 1
    rows, collected = [], {arm: {c: [None] * len(seeds) for c in SERIES} for arm in exp.arms}
    if workers == 1:
        results = map(run_one, jobs)
    else:
        # "spawn": forking a process that already runs threads (numba, BLAS) can deadlock.
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        results = pool.map(run_one, jobs, chunksize=max(1, len(jobs) // (4 * workers)))
    try:
        for done, (arm, seed, outcomes, series) in enumerate(results, 1):
            rows.append({"arm": arm, "seed": seed, **outcomes})
            for c, values in series.items():
                collected[arm][c][seed - first] = values
            if progress:
                progress(done, len(jobs))
    finally:
        if workers != 1:
            pool.shutdown(cancel_futures=True)
    series = {arm: {c: np.vstack(v) for c, v in cols.items()} for arm, cols in collected.items()}
    return Results(exp, pd.DataFrame(rows), series)


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


def differences(res: Results) -> pd.DataFrame:
    """Each arm against the reference, for every headline outcome."""
    ref = res.experiment.reference
    runs = res.runs.sort_values("seed")
    rows = []
    for outcome in res.experiment.spec.outcomes:
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
