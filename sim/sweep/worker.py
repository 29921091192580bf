"""A batch of a sweep's runs, as executed in a worker: simulate, summarise, write its files
(one for each run of evenly stepped points, ``files_of``).

The worker returns only a few numbers to the parent (status, time taken), never the time
series, so the parent's memory does not grow with the number of runs. A run whose
simulation raises is written as an error record and the sweep goes on; a failure to write
the result is not a property of the run, so it propagates and stops the sweep (finished
runs stay on disk and ``--resume`` carries on).
"""

import time
import traceback
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..config import with_values
from ..engine import settle
from ..metrics import COLUMNS, summarise_runs
from . import store
from .spec import seed_of, seeds_of


@dataclass(frozen=True)
class Task:
    """Everything a worker needs for one run; small and picklable. The run's seed is worked
    out where it runs (``seed``): a SeedSequence costs tens of microseconds, which the parent
    of many workers would otherwise pay for every run."""

    folder: str
    point: int
    replicate: int
    run: int
    params: dict  # the point's values, {dotted path: value}
    base: dict  # the sweep's plain base config data: one object shared by every task
    master_seed: int
    seed_key: tuple  # Sweep.seed_key of the run
    series: list | None = None  # monthly series its file keeps (sweep.series); None: every one

    @property
    def name(self) -> str:
        return store.run_name(self.point, self.replicate)

    @cached_property
    def seed(self) -> int:
        return seed_of(self.master_seed, self.seed_key)


def seed_tasks(tasks: list[Task]) -> None:
    """Work out the seeds of a batch's tasks at once (``spec.seeds_of``: a tenth of the time
    run by run) and keep each where ``Task.seed`` keeps it."""
    if len({t.master_seed for t in tasks}) == 1:
        for t, seed in zip(tasks, seeds_of(tasks[0].master_seed, [t.seed_key for t in tasks])):
            t.__dict__["seed"] = seed  # cached_property's own place: the same value it would work out


def simulate_batch(config_data: list[dict], seeds: list[int]) -> list:
    """Run ``seeds``, each with its config data (``config_data[i]``; runs of a point share
    one dict), in as few models as their configs allow: configs with the same
    ``sim.model.batch_key`` share one, along its replicate axis, and a config that cannot
    batch runs a seed a model. Each run's results are those of the run alone. Returns
    (model, replicate) per seed, in the order given."""
    from .. import config as cfgmod
    from ..model import CollabModel, batch_key, batchable

    made = {}
    configs = [made.get(id(d)) or made.setdefault(id(d), cfgmod.validate(d, source="sweep run")) for d in config_data]
    if len(made) == 1:  # one config: no key needed
        keys = {id(configs[0]): "" if batchable(configs[0]) else None}
    else:
        keys = {id(c): batch_key(c) for c in made.values()}
    groups: dict = {}  # the seeds' places, by the model they share
    for i, c in enumerate(configs):
        k = keys[id(c)]
        groups.setdefault(("alone", i) if k is None else k, []).append(i)
    runs: list = [None] * len(seeds)
    for places in groups.values():
        group = [configs[i] for i in places]
        chosen = [seeds[i] for i in places]
        one = all(c is group[0] for c in group)
        model = CollabModel(group[0], seeds=chosen) if one else CollabModel(seeds=chosen, configs=group, keyed=True)
        model.run()
        for r, i in enumerate(places):
            runs[i] = (model, r)
    return runs


def run_tables(runs: list, tasks: list[Task]) -> list[tuple[pa.Table, list[Task], list[dict]]]:
    """A batch's files (``files_of``): every run's monthly series as rows (its ids and
    parameters first, then step and every outcome the sweep keeps, ``Task.series``; the
    same columns in every run, type pairs a network lacks as NaN, so the runs/ folder reads
    as one table; no rows where it keeps none), the file's tasks, and each run's summary
    outcomes."""
    made = {}  # model: its (outcome, run, month) block and its runs' summary outcomes
    for model in dict.fromkeys(model for model, _ in runs):
        rec = model.recorder
        block = rec.by_outcome()  # type pairs a replicate lacks are NaN
        made[model] = block, summarise_runs(rec.by_run(block), model.config)
    outcomes = [made[model][1][r] for model, r in runs]
    months = [made[model][0].shape[2] for model, _ in runs]
    # A row per outcome: every run's months, run after run (a model's block as it is where
    # its runs come in its order, one after another).
    if runs == [(model, r) for model in made for r in range(model.replicates)]:
        blocks = [block.reshape(len(block), -1) for block, _ in made.values()]
    else:
        blocks = [made[model][0][:, r] for model, r in runs]
    values = blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=1)
    ends = np.concatenate([[0], np.cumsum(months)])
    point_runs, files = _point_runs(tasks), []
    chosen = tasks[0].series
    kept = [(k, name) for k, name in enumerate(COLUMNS) if chosen is None or name in chosen]
    for first, last in files_of(tasks):  # in point runs
        a, b = point_runs[first][0], point_runs[last - 1][1]
        part = tasks[a:b]
        columns = {k: np.repeat([_ids(t)[k] for t in part], months[a:b]) for k in ("run", "point", "replicate", "seed")}
        # A point's parameters on each of its rows: one value per point, repeated.
        points = [tasks[i] for i, _ in point_runs[first:last]]
        rows = [ends[j] - ends[i] for i, j in point_runs[first:last]]
        columns.update({p: _repeated([store.cell(t.params[p]) for t in points], rows) for p in points[0].params})
        columns["step"] = np.concatenate([np.arange(1, n + 1) for n in months[a:b]])
        columns.update((name, values[k, ends[a]:ends[b]]) for k, name in kept)
        table = _table(columns)
        files.append((table if kept else table.slice(0, 0), part, outcomes[a:b]))
    return files


def _repeated(values: list, rows: list[int]) -> pa.Array:
    """``values[i]`` on ``rows[i]`` rows each, typed as Arrow types the values. Numbers or
    flags of one kind are repeated by numpy (an Arrow take per parameter was about a quarter
    of building a robust run's tables); anything else (text, None) goes through Arrow's take."""
    kind = type(values[0])
    if kind in (float, int, bool) and all(type(v) is kind for v in values):
        array = np.array(values)
        if array.dtype in (np.float64, np.int64, np.bool_):  # as Arrow would type them
            return pa.array(np.repeat(array, rows))
    return pa.array(values).take(pa.array(np.repeat(np.arange(len(values)), rows)))


def _table(columns: dict) -> pa.Table:
    """The columns as a table whose ids, step and outcomes are declared non-null (they never
    hold a null; an outcome that is not defined is NaN), so that Parquet writes no null
    flags for them: a third of the cost of encoding a batch's file. Parameters may be null."""
    arrays = [pa.array(v) if isinstance(v, np.ndarray) else v for v in columns.values()]
    return pa.Table.from_arrays(arrays, schema=pa.schema(
        [pa.field(k, a.type, nullable=not isinstance(v, np.ndarray)) for (k, v), a in zip(columns.items(), arrays)]))


def _point_runs(tasks: list[Task]) -> list[tuple[int, int]]:
    """(start, end) in ``tasks`` of each point's runs (they come together)."""
    starts = [i for i, t in enumerate(tasks) if i == 0 or t.point != tasks[i - 1].point]
    return list(zip(starts, starts[1:] + [len(tasks)]))


def files_of(tasks: list[Task]) -> list[tuple[int, int]]:
    """How a batch's points go into files (``store.batch_name``), as (first, end) in its list
    of points: one file for as many points in a row as hold the same replicates and step
    evenly (the worlds of one arm of a robust run: a file for the whole batch)."""
    runs = _point_runs(tasks)
    reps = [(tasks[a].replicate, tasks[b - 1].replicate) for a, b in runs]
    points = [tasks[a].point for a, _ in runs]
    out, first = [], 0
    for k in range(1, len(runs) + 1):
        even = k < len(runs) and reps[k] == reps[first] and points[k] > points[k - 1] and (
            k == first + 1 or points[k] - points[k - 1] == points[first + 1] - points[first])
        if not even:
            out.append((first, k))
            first = k
    return out


def run_tasks(tasks: list[Task]) -> list[dict]:
    """Simulate a batch of runs (``sim.sweep.runner.batched``: consecutive replicates of a
    point, and of other points that can share its model) in one model and write a file per
    point; returns {name, status, elapsed_s} per run. If the batch raises, each run is tried
    alone, so every failing run gets its own error record (and every other run its own file)."""
    settle()
    started = time.perf_counter()
    folder = store.Folder(tasks[0].folder)
    seed_tasks(tasks)
    data = {}
    for t in tasks:  # a point's config data, with the seed of its first run: reproduces that run alone
        if t.point not in data:  # (a sweep keeps model-level series only: no agent data)
            data[t.point] = with_values(t.base, {**t.params, "output.agent_every": 0, "experiment.seed": t.seed})
    try:
        runs = simulate_batch([data[t.point] for t in tasks], [t.seed for t in tasks])
    except Exception as exc:
        if len(tasks) > 1:
            return [r for t in tasks for r in run_tasks([t])]
        task = tasks[0]
        elapsed = time.perf_counter() - started
        error = f"{type(exc).__name__}: {exc}"
        store.write_error(folder, task.name, {**_ids(task), "params": task.params, "status": "error", "error": error,
                                              "traceback": traceback.format_exc(), "elapsed_s": elapsed,
                                              "finished": store.now()})
        return [{"name": task.name, "status": "error", "error": error, "elapsed_s": elapsed}]
    files = run_tables(runs, tasks)
    elapsed = (time.perf_counter() - started) / len(tasks)
    finished = store.now()
    for table, part, outcomes in files:
        store.write_runs(folder, table, [{**_ids(t), "status": "ok", "elapsed_s": elapsed,
                                          "finished": finished, "outcomes": o} for t, o in zip(part, outcomes)])
    return [{"name": t.name, "status": "ok", "elapsed_s": elapsed} for t in tasks]


def _ids(task: Task) -> dict:
    return {"run": task.run, "point": task.point, "replicate": task.replicate, "seed": task.seed}


def rerun(folder: str | Path, point: int, replicate: int):
    """Run one run of a sweep's folder again, alone, from its manifest and the seed it was
    run with (its record, in its run file or error record: a robust folder keys seeds by
    world, a plain sweep by point); returns the model. Its model table equals the series
    stored in the run's file."""
    from .. import config as cfgmod
    from ..model import CollabModel

    where = store.Folder(folder)
    manifest = where.read_manifest()
    if manifest is None:
        raise FileNotFoundError(f"{folder}: no {store.MANIFEST}; not a sweep folder")
    name = store.run_name(point, replicate)
    state = where.state(name)
    if state is None:
        raise FileNotFoundError(f"{folder}: run {name} has neither finished nor failed; nothing to run again")
    info = where.run_info(name) if state == "ok" else store.read_error_info(where.error_path(name))
    seed = info["seed"]
    data = with_values(manifest["config"], {**manifest["points"][point], "experiment.seed": seed})
    model = CollabModel(cfgmod.validate(data), seed=seed)
    model.run()
    return model
