"""Streaming a sweep's runs through an executor, with resume.

The parent submits batches of runs lazily and keeps only about twice the executor's capacity
in flight; each worker writes its batch's files and returns a few numbers, so the parent's
memory stays flat however many runs there are. What is done is read from the files in the
sweep folder, so a sweep killed at any moment and started again with ``resume=True`` runs
exactly the runs that have no file yet.
"""

import functools
import pickle
import sys
import warnings
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..config import ConfigError
from . import store
from .executors import SerialExecutor, capacity_of
from .spec import Sweep
from .worker import Task, run_tasks


class SweepError(RuntimeError):
    """A run could not be carried out or written for a reason outside the model."""


def check_folder(sweep: Sweep, folder: store.Folder, resume: bool) -> dict | None:
    """The folder's manifest if this sweep may (re)start there, else a ConfigError."""
    manifest = folder.read_manifest()
    if manifest is None:
        return None
    if not resume:
        raise ConfigError(f"{folder.root} already holds a sweep; add --resume to finish it, "
                          "or give another --out (nothing was changed)")
    held = manifest.get("fingerprint")
    if held != sweep.fingerprint() and held != sweep.fingerprint(before_2026_12=True):
        raise ConfigError(f"{folder.root} holds a different sweep: the config or [sweep] table of {sweep.source} "
                          "changed since it started; resume with the config it was started with, or give "
                          "another --out (nothing was changed)")
    return manifest


@dataclass
class Prepared:
    """A sweep folder made ready to write: locked, temporary and damaged files removed."""

    folder: store.Folder
    previous: dict | None  # the manifest of the sweep being resumed
    done: int  # runs already finished (or failed, unless they are to be retried)
    notes: list[str] = field(default_factory=list)  # what the user should know before it starts


@contextmanager
def prepared(sweep: Sweep, out, resume: bool = False, retry_errors: bool = False):
    """Check the folder, hold its lock, and clear what a killed or damaged sweep left
    (temporary files, run files failing their checksums), so that what is counted as done
    is what will be kept."""
    folder = store.Folder(out)
    check_folder(sweep, folder, resume)
    with folder.lock():
        previous = check_folder(sweep, folder, resume)  # again, now that no one else can write
        folder.create()
        folder.remove_temporary()
        notes = []
        damaged = folder.drop_damaged()
        if damaged:
            notes.append(f"{len(damaged)} damaged run file(s) removed and to be run again (first: {damaged[0]})")
        if previous:
            notes += _version_change(previous)
        done = _count(folder.run_names()) + (0 if retry_errors else _count(folder.error_names()))
        yield Prepared(folder, previous, done, notes)


def _version_change(previous: dict) -> list[str]:
    from ..output import git_revision

    was = (previous.get("versions", {}).get("collabsim"), previous.get("git_revision"))
    now = (_versions().get("collabsim"), git_revision())
    if was == now:
        return []
    return [f"warning: this sweep was started with collabsim {was[0]} (git {was[1]}) and is resumed with "
            f"{now[0]} (git {now[1]}); runs from before and after may not be comparable"]


def _versions() -> dict:
    from ..output import versions

    return {**versions(), **dict(_sweep_packages())}


@functools.cache
def _sweep_packages() -> tuple:
    from importlib import metadata

    out = []
    for name in ("SALib", "tqdm", "dask", "distributed"):
        try:
            out.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            out.append((name, "not installed"))
    return tuple(out)


def manifest(sweep: Sweep, created: str, status: str, counts: dict) -> dict:
    from ..output import git_revision

    return {
        "format": 1,
        "experiment": sweep.name,
        "source": sweep.source,
        "fingerprint": sweep.fingerprint(),
        "created": created,
        "updated": store.now(),
        "status": status,
        "counts": counts,
        "git_revision": git_revision(),
        "versions": _versions(),
        "method": sweep.spec.method,
        "spec": sweep.spec.model_dump(mode="json"),
        "master_seed": sweep.master_seed,
        "parameters": {p: v if isinstance(v, list) else v.model_dump() for p, v in sweep.parameters.items()},
        "problem": sweep.problem,
        "runs": sweep.n_runs,
        "points": sweep.points,
        "samples": sweep.samples,
        "config": sweep.base,
    }


def tasks(sweep: Sweep, folder: store.Folder, retry_errors: bool = False):
    """The runs still to do, built one at a time as the executor has room for them; what
    is done is asked of the folder run by run, so nothing grows with the sweep. A task
    carries the point's parameters and the sweep's base config (one object, which a batch
    pickles once); its config is made where it runs (``sim.sweep.worker.run_tasks``)."""
    for point, rep in sweep.runs():
        state = folder.state_at(point, rep)
        if state == "ok" or (state == "error" and not retry_errors):
            continue
        yield Task(str(folder.root), point, rep, sweep.run_number(point, rep), sweep.points[point], sweep.base,
                   sweep.master_seed, sweep.seed_key(point, rep), sweep.spec.series)


OPEN = 64  # batches filling at once, at most (a robust run fills one per arm); the oldest goes first


def batched(tasks, size: int, key=lambda task: task.point):
    """Runs that can share a model, ``size`` at a time: consecutive replicates of a point,
    and of the points with the same ``key`` (``batch_key``: points whose parameters differ
    only where a model's replicates may, such as the worlds of one arm of a robust run). A
    worker runs each group along a model's replicate axis (``sim.engine``); one file holds
    each run of its evenly stepped points (``sim.sweep.worker.files_of``, ``store``)."""
    filling: dict = {}
    for task in tasks:
        k = key(task)
        group = filling.get(k)
        if group and group[-1].point == task.point and task.replicate != group[-1].replicate + 1:
            yield filling.pop(k)
            group = None
        if group is None:
            if len(filling) >= OPEN:
                yield filling.pop(next(iter(filling)))
            group = filling[k] = []
        group.append(task)
        if len(group) == size:  # full: it goes now (a robust run's first arm, before the next is planned)
            yield filling.pop(k)
    yield from filling.values()


def batch_key(sweep: Sweep):
    """``batched``'s key for ``sweep``'s tasks: a point's parameters other than those a
    model's replicates may hold apart (``sim.model.PER_REPLICATE``; the sampled constants of
    a robust run's worlds), so an arm's worlds share batches. It is worked out from the
    parameters alone, once a point (a point's runs come one after another): the parent
    validates no config. A worker runs a batch in as few models as its configs allow
    (``sim.sweep.worker.simulate_batch``), since a sampled constant can still set which
    components take part."""
    from ..model import PER_REPLICATE

    apart = set(PER_REPLICATE)
    last = [None, None]

    def key(task):
        if last[0] != task.point:
            last[:] = task.point, pickle.dumps([(p, v) for p, v in task.params.items() if p not in apart])
        return last[1]
    return key


def _count(names) -> int:
    return sum(1 for _ in names)


def batch_size(sweep: Sweep, slots: int) -> int:
    """Runs per model: large enough to pay Python's per-month cost once for
    many runs, small enough that every worker gets several batches."""
    from ..engine import MAX_BATCH, PER_WORKER

    size = max(1, min(MAX_BATCH, sweep.n_runs // (PER_WORKER * max(1, slots))))
    return size - size % sweep.seeds if size >= sweep.seeds else size  # whole points, so whole files


def run(sweep: Sweep, out, executor: Executor | None = None, capacity=None, resume: bool = False,
        retry_errors: bool = False, progress: bool = True, ready: Prepared | None = None) -> dict:
    """Run every run of ``sweep`` that the folder ``out`` does not hold yet, on ``executor``
    (any concurrent.futures.Executor; default: this process); returns counts {runs, ok,
    error, ran}. ``capacity()``: how many runs can go at once (default: asked of the
    executor). Runs that raise are recorded and the sweep goes on; with ``retry_errors``
    they are run again. ``ready``: the folder already prepared (and locked) by the caller."""
    if ready is None:
        with prepared(sweep, out, resume, retry_errors) as ready:
            for note in ready.notes:
                warnings.warn(note, stacklevel=2)
            return _run(sweep, ready, executor, capacity, retry_errors, progress)
    return _run(sweep, ready, executor, capacity, retry_errors, progress)


def _run(sweep: Sweep, ready: Prepared, executor, capacity, retry_errors: bool, progress: bool) -> dict:
    from tqdm import tqdm

    folder, previous, done = ready.folder, ready.previous, ready.done
    created = previous["created"] if previous else store.now()
    started = manifest(sweep, created, "running", {})  # the plan's part (points, fingerprint) made once
    encoded: dict = {}  # and encoded once
    store.write_json(folder.manifest, started, encoded)

    executor = executor or SerialExecutor()
    capacity = capacity or capacity_of(executor)
    pending: dict = {}
    ran = errors = 0
    interactive = sys.stderr.isatty()
    bar = tqdm(total=sweep.n_runs, initial=done, unit="run", desc=sweep.name, disable=not progress,
               mininterval=0.5 if interactive else 30, smoothing=0.05, dynamic_ncols=True)

    def collect() -> None:
        nonlocal ran, errors
        finished, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in finished:
            name = pending.pop(future)
            try:
                results = future.result()
            except Exception as exc:
                why = f"{type(exc).__name__}: {str(exc).rstrip('.')}"
                raise SweepError(f"run {name} could not be carried out: {why}. Finished runs are kept in "
                                 f"{folder.root}; run the same command with --resume to carry on") from exc
            ran += len(results)
            errors += sum(r["status"] == "error" for r in results)
            bar.update(len(results))
            if errors:
                bar.set_postfix(errors=errors)

    size = batch_size(sweep, capacity())
    try:
        for group in batched(tasks(sweep, folder, retry_errors), size, batch_key(sweep)):
            while len(pending) >= 2 * capacity():
                collect()
            pending[executor.submit(run_tasks, group)] = group[0].name
        while pending:
            collect()
    finally:
        for future in pending:
            future.cancel()
        bar.close()

    counts = {"runs": sweep.n_runs, "ok": _count(folder.run_names()), "error": _count(folder.error_names()), "ran": ran}
    from ..results import write_summary

    store.write_atomic(folder.summary, lambda tmp: write_summary(folder.root, tmp, executor=executor,
                                                                 window=2 * capacity(), manifest=started))
    status = "finished" if counts["ok"] + counts["error"] == sweep.n_runs else "incomplete"
    store.write_json(folder.manifest, {**started, "updated": store.now(), "status": status, "counts": counts}, encoded)
    return counts
