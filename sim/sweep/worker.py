"""One run of a sweep, as executed in a worker: simulate, summarise, write its own file.

The worker returns only a few numbers to the parent (status, time taken), never the time
series, so the parent's memory does not grow with the number of runs. A run whose
simulation raises is written as an error record and the sweep goes on; a failure to write
the result is not a property of the run, so it propagates and stops the sweep (finished
runs stay on disk and ``--resume`` carries on).
"""

import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from ..config import ORG_TYPES
from . import store

PAIR_COLUMNS = [f"coop_{a}_to_{b}" for a in ORG_TYPES for b in ORG_TYPES]


@dataclass(frozen=True)
class Task:
    """Everything a worker needs for one run; small and picklable."""

    folder: str
    point: int
    replicate: int
    run: int
    seed: int
    params: dict
    config: dict  # plain config data of the point, with experiment.seed = seed

    @property
    def name(self) -> str:
        return store.run_name(self.point, self.replicate)


def simulate(config_data: dict, seed: int):
    """Run one model; returns (series, outcomes). ``config_data`` is plain data."""
    return simulate_batch(config_data, [seed])[0]


def simulate_batch(config_data: dict, seeds: list[int]) -> list:
    """Run ``seeds`` of one config in one model (the replicate axis; each run's results are
    those of the run alone); returns (series, outcomes) per seed."""
    from .. import config as cfgmod
    from ..metrics import summarise
    from ..model import CollabModel, batchable
    from ..output import model_table

    cfg = cfgmod.validate(config_data, source="sweep run")
    models = [CollabModel(cfg, seeds=seeds)] if batchable(cfg) else [CollabModel(cfg, seed=s) for s in seeds]
    for model in models:
        model.run()
    out = []
    for r in range(len(seeds)):
        # The same columns in every run (type pairs a network lacks are NaN), so the runs/
        # folder reads as one table.
        series = model_table(models[0], r) if len(models) == 1 else model_table(models[r])
        series = series.reindex(columns=[c for c in series.columns if not c.startswith("coop_")] + PAIR_COLUMNS)
        out.append((series, summarise(series, cfg)))
    return out


def run_task(task: Task) -> dict:
    """Simulate one run and write its file; returns {name, status, elapsed_s}."""
    return run_tasks([task])[0]


def run_tasks(tasks: list[Task]) -> list[dict]:
    """Simulate runs of one point (configs equal but for the seed) in one model and write
    each run's file; returns {name, status, elapsed_s} per run. If the batch raises, each run
    is tried alone, so every failing run gets its own error record."""
    started = time.perf_counter()
    folder = store.Folder(tasks[0].folder)
    try:
        results = simulate_batch(tasks[0].config, [t.seed for t in tasks])
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
    elapsed = (time.perf_counter() - started) / len(tasks)
    for task, (series, outcomes) in zip(tasks, results):
        ids = _ids(task)
        front = {**ids, **{k: store.cell(v) for k, v in task.params.items()}}
        for i, (column, value) in enumerate(front.items()):
            series.insert(i, column, value)
        store.write_run(folder, task.name, series, {**ids, "params": task.params, "status": "ok",
                                                    "elapsed_s": elapsed, "finished": store.now(),
                                                    "outcomes": outcomes})
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
