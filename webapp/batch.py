"""Compare mode's runs: every regime over the same seeds, off the page's thread, on the
project's one engine for many runs (``sim.engine``, as ``collabsim compare``).

Runs go to worker processes (``spawn``: forking a server that runs threads can deadlock),
so the web server keeps its own core and the page stays responsive while a batch runs;
``workers=0`` runs them in the calling thread instead (tests, scripts). Each seed gives a
matched pair across regimes (same network, same first draws), which is what the paired
statistics in ``webapp.stats`` need.
"""

import os
import threading
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from sim import engine
from sim.sweep.executors import SerialExecutor, process_pool

from .labels import OUTCOME_LABELS
from .levers import HORIZON, to_config
from .stats import mean_ci, paired_difference

OUTCOMES = OUTCOME_LABELS  # the same table: a headline outcome added to the registry shows here too
MIN_SEEDS = 5  # fewer gives confidence intervals too wide to read (two seeds: a share's CI past 0 and 1)
SERIES = ("cooperation", "mean_trust", "hawk_share", "system_balance")


@dataclass
class Comparison:
    arms: dict[str, dict]  # regime name -> app settings
    seeds: list[int]
    reference: str
    runs: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per (arm, seed)
    series: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # arm -> name -> (common seeds, months)
    cancelled: bool = False

    @property
    def complete(self) -> bool:
        return not self.cancelled and len(self.runs) == len(self.arms) * len(self.seeds)

    @property
    def common_seeds(self) -> list[int]:
        """Seeds every regime finished: after a cancel, the only ones compared, so that every
        mean and every difference rests on the same matched runs."""
        done = self.runs.groupby("arm")["seed"].apply(set) if len(self.runs) else {}
        if any(arm not in done for arm in self.arms):
            return []
        return sorted(set.intersection(*(done[arm] for arm in self.arms)))

    @property
    def compared(self) -> pd.DataFrame:
        """The runs the statistics and figures use: those at the common seeds."""
        return self.runs[self.runs["seed"].isin(self.common_seeds)]

    def summary(self) -> pd.DataFrame:
        """Per outcome and regime: mean with 95% CI, and the paired difference from the
        reference regime with its 95% CI and p-value, all over the common seeds."""
        rows = []
        runs = self.compared
        for outcome, label in OUTCOMES.items():
            wide = runs.pivot(index="seed", columns="arm", values=outcome)
            for arm in self.arms:
                if arm not in wide:
                    continue
                m, lo, hi = mean_ci(wide[arm].dropna())
                row = {"outcome": outcome, "label": label, "arm": arm, "mean": m, "mean_ci_low": lo, "mean_ci_high": hi}
                if arm != self.reference and self.reference in wide:
                    both = wide[[self.reference, arm]].dropna()
                    if len(both):
                        row.update(paired_difference(both[self.reference], both[arm]))
                row["seeds"] = len(wide)
                rows.append(row)
        return pd.DataFrame(rows)


_POOLS: dict[int, object] = {}
_WARM_UP = to_config({HORIZON: 1})  # a one-month run of the defaults
_POOLS_LOCK = threading.Lock()


def worker_pool(workers: int):
    """The server's pool of ``workers`` processes, started on first use and kept: starting
    spawned workers (imports, numba's cached kernels) costs seconds, a batch of runs
    milliseconds. A cancelled comparison stops reading; a batch still in a worker finishes
    there, unread."""
    with _POOLS_LOCK:
        pool = _POOLS.get(workers)
        if pool is None or getattr(pool, "_broken", False) or getattr(pool, "_shutdown_thread", False):
            pool = _POOLS[workers] = process_pool(workers)
        return pool


def warm(workers: int | None = None) -> None:
    """Start the worker pool and have each worker import the model and load its kernels, so
    that the first comparison a room asks for is as quick as the next (called when the
    Compare page opens; returns at once)."""
    n = default_workers() if workers is None else workers
    if n:
        pool = worker_pool(n)
        for _ in range(n):
            pool.submit(engine.run_batch, [engine.Job(None, _WARM_UP, [0])])


def default_workers() -> int:
    """Worker processes: leave one core to the web server, but use at least one."""
    return max(1, (os.cpu_count() or 1) - 1)


def run_comparison(arms: dict[str, dict], seeds: list[int], reference: str | None = None, workers: int | None = None,
                   progress: Callable[[int, int], None] | None = None,
                   cancel: threading.Event | None = None, max_batch: int = 5) -> Comparison:
    """Run every arm at every seed; ``progress(done, total)`` after each run. Setting
    ``cancel`` stops the batch early and returns what finished (``cancelled`` set).
    ``max_batch``: runs per model at most (1: progress and cancel run by run; the default
    keeps the progress bar moving and a cancel prompt, at little cost in speed)."""
    if len(arms) < 2:
        raise ValueError("pick at least two regimes to compare")
    if len(set(seeds)) < MIN_SEEDS:
        raise ValueError(f"seeds: at least {MIN_SEEDS} seeds per regime are needed, got {len(set(seeds))}")
    for values in arms.values():  # fail fast, in this thread, on settings that cannot run
        to_config(values)
    cancel = cancel or threading.Event()
    jobs = [engine.Job(arm, to_config(values), list(seeds)) for arm, values in arms.items()]
    total = len(jobs) * len(seeds)
    result = Comparison(dict(arms), list(seeds), reference or next(iter(arms)))
    rows, collected = [], {arm: {} for arm in arms}
    workers = default_workers() if workers is None else workers
    # Runs go to worker processes ("spawn": forking a server that runs threads can
    # deadlock), or, with workers = 0, run in this thread.
    executor = SerialExecutor() if workers == 0 else worker_pool(workers)
    for run in engine.run_many(jobs, executor=executor, series=SERIES, progress=progress, cancel=cancel,
                               max_batch=max_batch):
        rows.append({"arm": run.key, "seed": run.seed, **{k: float(run.outcomes[k]) for k in OUTCOMES}})
        collected[run.key][run.seed] = run.series
    result.cancelled = cancel.is_set() and len(rows) < total
    result.runs = pd.DataFrame(rows, columns=["arm", "seed", *OUTCOMES]).sort_values(["arm", "seed"], kind="stable")
    common = result.common_seeds
    result.series = {arm: {k: np.vstack([by_seed[s][k] for s in common]) for k in SERIES}
                     for arm, by_seed in collected.items() if common}
    return result
