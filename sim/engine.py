"""One engine for many runs: ``collabsim compare``, ``robust``, sweeps and the app's compare
mode all run their seeds here.

A job is one config and the seeds to run it with. The engine cuts the jobs' seeds into
batches and runs a batch as one model with a replicate axis (``sim.model``), so Python's
per-month cost is paid once per batch instead of once per run. Jobs whose configs differ only
in assumed constants a model's replicates may hold apart (``sim.model.PER_REPLICATE``: the
worlds of a robustness check) share batches. Every run still draws from its own streams and
reads its own config, so its results are exactly those of the run made alone, whatever the
batch or executor (tests/test_engine.py). Batches go to any executor of ``sim.sweep.executors``:
this process, a process pool, or Dask. Results come back as each batch finishes, with
progress counted in runs; a ``cancel`` event stops the work between batches.
"""

import collections
import ctypes
import gc
import itertools
import math
import platform
import threading
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass, field
from typing import Callable, Hashable, Iterator

import numpy as np

from . import metrics
from .config import Config

# Batches a worker gets, about: enough for balance, progress and a quick cancel, few enough
# to be large (robustness runs on 2 workers went 1,450-1,770 runs/s cut four a worker and
# 1,920-2,080 cut three: benchmarks/README.md).
PER_WORKER = 3
MAX_BATCH = 256  # runs per model: past this Python's per-month cost is already spread thin
# (ms per run by batch size: benchmarks/README.md, from benchmarks/footprint.py)


@dataclass
class Job:
    """One config to run with each of ``seeds``; ``key`` names it in the results (an arm, a
    sweep point, a world)."""

    key: Hashable
    config: Config
    seeds: list[int]


@dataclass
class Run:
    """One finished run: its summary outcomes and the monthly series asked for."""

    key: Hashable
    seed: int
    outcomes: dict
    series: dict[str, np.ndarray] = field(default_factory=dict)


def run_batch(jobs: list[Job], series: tuple[str, ...] | None = (),
              window: tuple[int, int] | None = None) -> list[Run]:
    """Run every seed of ``jobs`` in one model: their configs may differ only in the fields
    a model's replicates may hold apart (``sim.model.PER_REPLICATE``: the worlds of a
    robustness check), as ``batches`` groups them. ``series``: the monthly series to keep
    (None: all of them); ``window``: also report cooperation and trust means over those
    months (inclusive)."""
    from .model import CollabModel

    settle()
    keys = [job.key for job in jobs for _ in job.seeds]
    configs = [job.config for job in jobs for _ in job.seeds]
    seeds = [s for job in jobs for s in job.seeds]
    model = CollabModel(seeds=seeds, configs=configs) if len(jobs) > 1 else CollabModel(jobs[0].config, seeds=seeds)
    model.run()
    by_run = model.recorder.by_run()
    summaries = metrics.summarise_runs(by_run, model.config)
    if window:
        part = (by_run["step"][0] >= window[0]) & (by_run["step"][0] <= window[-1])
        # Rows made contiguous: a row's mean then adds in the same order alone or in a batch.
        coop, trust = (np.ascontiguousarray(by_run[k][:, part]).mean(axis=1) for k in ("cooperation", "mean_trust"))
        for r, outcomes in enumerate(summaries):
            outcomes["window_cooperation"], outcomes["window_trust"] = float(coop[r]), float(trust[r])
    runs = []
    for r, (key, seed, outcomes) in enumerate(zip(keys, model.seeds, summaries)):
        cols = model.recorder.columns(r) if series is None or series else {}
        kept = cols if series is None else {k: cols[k] for k in series}
        runs.append(Run(key, seed, outcomes, {k: np.array(v) for k, v in kept.items()}))
    return runs


_batches_begun = 0


def settle() -> None:
    """Called as a process begins each batch: what pays off in a process that runs batch
    after batch (a pool's worker, a Dask worker, the command line's own process).

    On the first batch, keep freed memory for the next one (``_keep_memory``). On the
    second, once the first has run (every module it needs imported, numba's functions
    loaded: some 220,000 objects), move what is alive to the garbage collector's permanent
    generation (``gc.freeze``), which its collections no longer walk; garbage is collected
    first, so none is kept for good. Else each full collection walks them all: 0.2 s of
    full collections in 36 batches of a robust run, whose batches took 3-4% less time
    frozen (``benchmarks/footprint.py --frozen``)."""
    global _batches_begun
    _batches_begun += 1
    if _batches_begun == 1:
        _keep_memory()
    elif _batches_begun == 2:
        gc.collect()
        gc.freeze()


def _keep_memory() -> None:
    """A batch's largest arrays (a 256-run batch's monthly record and its table, some 20 MB
    each) are made again by the next batch. Left to the defaults, the memory is handed back
    to the system and the next batch faults it in again, page by page, on a virtual machine
    a costly trap each: numpy asks for transparent huge pages, which the kernel zeroes (and
    may compact memory for) at the fault; glibc gives large blocks back (mmap and trim) and
    Arrow's mimalloc purges freed pages. So: no huge pages for numpy; glibc keeps blocks
    below 32 MB (the most it allows) on its heap and does not trim it; Arrow allocates
    through glibc. The process's memory stays at its peak batch's instead of shrinking
    between batches. 22 batches of a robust run, in a fresh process after its first, took
    5.1-5.2 s instead of 5.3-5.4 s, 0.08-0.16 s of it in the kernel instead of 0.22-0.38
    (``benchmarks/footprint.py --memory``). Each step is skipped where the platform lacks it."""
    set_hugepage = getattr(getattr(np, "_core", None), "multiarray", None)
    set_hugepage = getattr(set_hugepage, "_set_madvise_hugepage", None)
    if set_hugepage is not None:
        set_hugepage(False)
    if platform.libc_ver()[0] == "glibc":
        try:
            libc = ctypes.CDLL("libc.so.6")
        except OSError:
            libc = None
        if libc is not None:
            libc.mallopt(M_MMAP_THRESHOLD, 32 << 20)  # set: no longer lowered back by glibc as blocks are freed
            libc.mallopt(M_TRIM_THRESHOLD, 1 << 30)
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)


def batches(jobs: list[Job], workers: int = 1, max_batch: int = MAX_BATCH, by: str = "seed") -> list[list[Job]]:
    """Cut the jobs' seeds into batches, each a list of jobs (a job's config and some of its
    seeds) that can share a model: large enough to amortise Python's cost, small enough
    that every worker gets several (for balance, progress and a quick cancel). Jobs whose
    configs differ only in ``PER_REPLICATE`` fields (the worlds of one regime, regimes that
    differ only in tenure) share batches. Runs are taken ``by`` seed (each job's first seed,
    then each job's second, ...: work stopped early has run the same seeds in every job, the
    matched pairs of a comparison) or ``by`` job (job after job in the order given: a
    robustness check's jobs listed world by world finish whole worlds first), and a batch goes
    out as it fills."""
    from .model import batch_key

    total = sum(len(j.seeds) for j in jobs)
    size = max(1, min(max_batch, math.ceil(total / (PER_WORKER * max(1, workers)))))
    keys = [batch_key(job.config) for job in jobs]
    if by == "seed":
        order = [(i, s) for turn in itertools.zip_longest(*(job.seeds for job in jobs))
                 for i, s in enumerate(turn) if s is not None]
    elif by == "job":
        order = [(i, s) for i, job in enumerate(jobs) for s in job.seeds]
    else:
        raise ValueError(f"by: 'seed' or 'job' (got {by!r})")
    sizes = _sizes(collections.Counter(keys[i] for i, _ in order if keys[i] is not None), size, workers)
    filling: dict = {}
    out = []
    for i, seed in order:
        group = ("alone", i) if keys[i] is None else keys[i]  # a config that cannot batch runs a seed a model
        runs = filling.setdefault(group, [])
        runs.append((jobs[i], seed))
        if keys[i] is None or len(runs) == sizes[group][-1]:
            out.append(_jobs(filling.pop(group)))
            if keys[i] is not None:
                sizes[group].pop()
    return out + [_jobs(runs) for runs in filling.values()]


def _sizes(counts: dict, size: int, workers: int) -> dict[object, list[int]]:
    """The sizes of each batch key's batches, last first (a stack): as few as batches of at
    most ``size`` allow, as even as can be (a key's 256 runs in batches of at most 96 go as
    86, 85, 85, not 96, 96, 64: a small batch pays Python's per-month cost for few runs); and
    on more than one worker, cut further, where there are runs enough, until every worker
    gets as many batches (9 even batches on 2 workers keep one waiting for the ninth; split
    into 10, they end together)."""
    parts = {k: -(-n // size) for k, n in counts.items()}
    if workers > 1:
        while sum(parts.values()) % workers:
            splittable = [k for k in parts if counts[k] > parts[k]]
            if not splittable:
                break
            widest = max(splittable, key=lambda k: counts[k] / parts[k])
            parts[widest] += 1
    return {k: [counts[k] // p + (i < counts[k] % p) for i in range(p)][::-1] for k, p in parts.items()}


def _jobs(runs: list[tuple[Job, int]]) -> list[Job]:
    """(job, seed) pairs as jobs, a job's consecutive seeds together."""
    out: list[Job] = []
    for job, seed in runs:
        if out and out[-1].key == job.key and out[-1].config is job.config:
            out[-1].seeds.append(seed)
        else:
            out.append(Job(job.key, job.config, [seed]))
    return out


def run_many(jobs: list[Job], workers: int | None = 1, dask: str | None = None, executor=None,
             series: tuple[str, ...] | None = (), window=None, progress: Callable | None = None,
             cancel: threading.Event | None = None, max_batch: int = MAX_BATCH, by: str = "seed") -> Iterator[Run]:
    """Run every job's seeds; yields each ``Run`` as its batch finishes (order not fixed).
    ``executor``: an executor made elsewhere (else one is opened from ``workers``/``dask``);
    ``progress(done, total)`` counts runs; setting ``cancel`` stops between batches; ``by``:
    the order runs are taken in (``batches``)."""
    from .sweep.executors import capacity_of, open_executor

    total = sum(len(j.seeds) for j in jobs)
    if executor is None:
        with open_executor(workers, dask) as (ex, capacity):
            yield from _drive(ex, capacity(), jobs, total, series, window, progress, cancel, max_batch, by)
    else:
        yield from _drive(executor, capacity_of(executor)(), jobs, total, series, window, progress, cancel,
                          max_batch, by)


def _drive(ex, slots, jobs, total, series, window, progress, cancel, max_batch, by):
    from .sweep.executors import SerialExecutor

    todo = batches(jobs, slots, max_batch, by)
    todo.reverse()
    # Keep workers fed with about twice as many batches as they can run; this process runs
    # a batch as it is submitted, so there one at a time (a cancel then stops at once).
    ahead = 1 if isinstance(ex, SerialExecutor) else 2 * slots
    running, done = set(), 0
    try:
        while todo or running:
            while todo and len(running) < ahead and not (cancel and cancel.is_set()):
                running.add(ex.submit(run_batch, todo.pop(), series, window))
            if cancel and cancel.is_set():
                break
            finished, running = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in finished:
                for run in future.result():
                    done += 1
                    yield run
                if progress:
                    progress(done, total)
    finally:
        for future in running:
            future.cancel()
