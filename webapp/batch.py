"""Compare mode's runs: every regime over the same seeds, off the page's thread.

Runs go to worker processes (``spawn``: forking a server that runs threads can deadlock),
so the web server keeps its own core and the page stays responsive while a batch runs;
``workers=0`` runs them in the calling thread instead (tests, scripts). Each seed gives a
matched pair across regimes (same network, same first draws), which is what the paired
statistics in ``webapp.stats`` need.
"""

import multiprocessing
import os
import threading
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from .levers import to_config
from .stats import mean_ci, paired_difference

OUTCOMES = {
    "mean_cooperation": "Mean cooperation",
    "mean_trust": "Mean trust",
    "mean_hawk_share": "Mean hawk share",
    "final_system_balance": "System balance at the end",
    "final_in_deficit": "Organisations in deficit at the end",
    "turnover_total": "Leaders replaced",
    "public_cost": "Public cost (support paid + deficits left)",
}
SERIES = ("cooperation", "mean_trust", "hawk_share", "system_balance")


def run_one(job: tuple[str, int, dict]) -> tuple[str, int, dict, dict]:
    """One regime at one seed, run as ``collabsim compare`` runs an arm: its outcomes and
    its monthly series."""
    from sim import compare

    arm, seed, values = job
    _, _, outcomes, series = compare.run_one((arm, seed, to_config(values), None))
    return arm, seed, {k: float(outcomes[k]) for k in OUTCOMES}, {k: series[k] for k in SERIES}


@dataclass
class Comparison:
    arms: dict[str, dict]  # regime name -> app settings
    seeds: list[int]
    reference: str
    runs: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per (arm, seed)
    series: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # arm -> name -> (seeds, months)
    cancelled: bool = False

    @property
    def complete(self) -> bool:
        return not self.cancelled and len(self.runs) == len(self.arms) * len(self.seeds)

    def summary(self) -> pd.DataFrame:
        """Per outcome and regime: mean with 95% CI, and the paired difference from the
        reference regime with its 95% CI and p-value (seeds both regimes completed)."""
        rows = []
        for outcome, label in OUTCOMES.items():
            wide = self.runs.pivot(index="seed", columns="arm", values=outcome)
            for arm in self.arms:
                if arm not in wide:
                    continue
                m, lo, hi = mean_ci(wide[arm].dropna())
                row = {"outcome": outcome, "label": label, "arm": arm, "mean": m, "mean_ci_low": lo, "mean_ci_high": hi}
                if arm != self.reference and self.reference in wide:
                    both = wide[[self.reference, arm]].dropna()
                    if len(both):
                        row.update(paired_difference(both[self.reference], both[arm]))
                rows.append(row)
        return pd.DataFrame(rows)


def default_workers() -> int:
    """Worker processes: leave one core to the web server, but use at least one."""
    return max(1, (os.cpu_count() or 1) - 1)


def run_comparison(arms: dict[str, dict], seeds: list[int], reference: str | None = None, workers: int | None = None,
                   progress: Callable[[int, int], None] | None = None,
                   cancel: threading.Event | None = None) -> Comparison:
    """Run every arm at every seed; ``progress(done, total)`` after each run. Setting
    ``cancel`` stops the batch early and returns what finished (``cancelled`` set)."""
    if len(arms) < 2:
        raise ValueError("pick at least two regimes to compare")
    for values in arms.values():  # fail fast, in this thread, on settings that cannot run
        to_config(values)
    cancel = cancel or threading.Event()
    jobs = [(arm, s, values) for s in seeds for arm, values in arms.items()]
    result = Comparison(dict(arms), list(seeds), reference or next(iter(arms)))
    rows, collected = [], {arm: {} for arm in arms}

    def collect(out):
        arm, seed, outcomes, series = out
        rows.append({"arm": arm, "seed": seed, **outcomes})
        collected[arm][seed] = series
        if progress:
            progress(len(rows), len(jobs))

    workers = default_workers() if workers is None else workers
    if workers == 0:
        for job in jobs:
            if cancel.is_set():
                break
            collect(run_one(job))
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            pending = {pool.submit(run_one, job) for job in jobs}
            while pending and not cancel.is_set():
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for fut in done:
                    collect(fut.result())
            for fut in pending:
                fut.cancel()
    result.cancelled = cancel.is_set() and len(rows) < len(jobs)
    result.runs = pd.DataFrame(rows, columns=["arm", "seed", *OUTCOMES]).sort_values(["arm", "seed"], kind="stable")
    result.series = {arm: {k: np.vstack([by_seed[s][k] for s in sorted(by_seed)]) for k in SERIES}
                     for arm, by_seed in collected.items() if by_seed}
    return result
