"""A batch of a sweep's runs, as executed in a worker: simulate, summarise, write one file.

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

from ..metrics import PAIR_COLUMNS, SERIES_NAMES, SHARE_COLUMNS, summarise_runs
from . import store
from .spec import seed_of


@dataclass(frozen=True)
class Task:
    """Everything a worker needs for one run; small and picklable. The run's seed is worked
    out where it runs (``seed``): a SeedSequence costs tens of microseconds, which the parent
    of many workers would otherwise pay for every run."""

    folder: str
    point: int
    replicate: int
    run: int
    params: dict
    config: dict  # plain config data of the point (shared by its runs); experiment.seed set where it runs
    master_seed: int
    seed_key: tuple  # Sweep.seed_key of the run

    @property
    def name(self) -> str:
        return store.run_name(self.point, self.replicate)

    @cached_property
    def seed(self) -> int:
        return seed_of(self.master_seed, self.seed_key)


def simulate_batch(config_data: dict, seeds: list[int]) -> list:
    """Run ``seeds`` of one config in one model (the replicate axis; each run's results are
    those of the run alone); returns (model, replicate) per seed."""
    from .. import config as cfgmod
    from ..model import CollabModel, batchable

    cfg = cfgmod.validate(config_data, source="sweep run")
    if batchable(cfg):
        models = [CollabModel(cfg, seeds=seeds)]
        runs = [(models[0], r) for r in range(len(seeds))]
    else:
        models = [CollabModel(cfg, seed=s) for s in seeds]
        runs = [(m, 0) for m in models]
    for model in models:
        model.run()
    return runs


def run_table(runs: list, tasks: list[Task]) -> tuple[pa.Table, list[dict]]:
    """A batch file's contents: every run's monthly series as rows (its ids and parameters
    first, then step and every outcome; the same columns in every run, type pairs a network
    lacks as NaN, so the runs/ folder reads as one table), and each run's summary outcomes."""
    outcomes, blocks, months = [], [], []
    pairs = len(SERIES_NAMES) + len(SHARE_COLUMNS)
    for model in dict.fromkeys(model for model, _ in runs):  # the models, in run order
        rec = model.recorder
        block = rec.by_outcome()  # (outcome, run, month)
        outcomes += summarise_runs(rec.by_run(block), model.config)
        block[pairs:] = np.where((rec.pair_games == 0).T[:, :, None], np.nan, block[pairs:])
        blocks.append(block.reshape(len(block), -1))
        months += [rec.n] * model.replicates
    values = np.concatenate(blocks, axis=1)  # a row per outcome: every run's months, run after run
    rows = values.shape[1]
    columns = {k: np.repeat([_ids(t)[k] for t in tasks], months) for k in ("run", "point", "replicate", "seed")}
    columns.update({p: pa.repeat(pa.scalar(store.cell(v)), rows) for p, v in tasks[0].params.items()})
    columns["step"] = np.concatenate([np.arange(1, n + 1) for n in months])
    columns.update(zip((*SERIES_NAMES, *SHARE_COLUMNS, *PAIR_COLUMNS), values))
    return pa.table(columns), outcomes


def run_tasks(tasks: list[Task]) -> list[dict]:
    """Simulate runs of one point (configs equal but for the seed; consecutive replicates)
    in one model and write them as one file; returns {name, status, elapsed_s} per run. If
    the batch raises, each run is tried alone, so every failing run gets its own error
    record (and every other run its own file)."""
    started = time.perf_counter()
    folder = store.Folder(tasks[0].folder)
    first = tasks[0]
    data = {**first.config, "experiment": {**first.config["experiment"], "seed": first.seed}}  # reproduces run 1 alone
    try:
        runs = simulate_batch(data, [t.seed for t in tasks])
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
    table, outcomes = run_table(runs, tasks)
    elapsed = (time.perf_counter() - started) / len(tasks)
    finished = store.now()
    store.write_runs(folder, table, [{**_ids(t), "params": t.params, "status": "ok", "elapsed_s": elapsed,
                                      "finished": finished, "outcomes": o} for t, o in zip(tasks, outcomes)])
    return [{"name": t.name, "status": "ok", "elapsed_s": elapsed} for t in tasks]


def _ids(task: Task) -> dict:
    return {"run": task.run, "point": task.point, "replicate": task.replicate, "seed": task.seed}


def rerun(folder: str | Path, point: int, replicate: int):
    """Run one run of a finished sweep again, alone, from its manifest; returns the model.
    Its model table equals the series stored in the run's file."""
    from .. import config as cfgmod
    from ..model import CollabModel
    from .spec import derive_seed

    manifest = store.Folder(folder).read_manifest()
    if manifest is None:
        raise FileNotFoundError(f"{folder}: no {store.MANIFEST}; not a sweep folder")
    data = manifest["config"]
    for path, value in manifest["points"][point].items():
        cfgmod.set_path(data, path, value)
    seed = derive_seed(manifest["master_seed"], point, replicate, manifest["spec"]["paired_seeds"])
    model = CollabModel(cfgmod.validate(data), seed=seed)
    model.run()
    return model
