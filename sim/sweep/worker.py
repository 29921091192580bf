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
    from .. import config as cfgmod
    from ..metrics import summarise
    from ..model import CollabModel
    from ..output import model_table

    cfg = cfgmod.validate(config_data, source="sweep run")
    model = CollabModel(cfg, seed=seed)
    model.run()
    series = model_table(model)
    # The same columns in every run (type pairs a network lacks are NaN), so the runs/
    # folder reads as one table.
    series = series.reindex(columns=[c for c in series.columns if not c.startswith("coop_")] + PAIR_COLUMNS)
    return series, summarise(series, cfg)


def run_task(task: Task) -> dict:
    """Simulate one run and write its file; returns {name, status, elapsed_s}."""
    started = time.perf_counter()
    ids = {"run": task.run, "point": task.point, "replicate": task.replicate, "seed": task.seed}
    folder = store.Folder(task.folder)
    try:
        series, outcomes = simulate(task.config, task.seed)
    except Exception as exc:
        elapsed = time.perf_counter() - started
        error = f"{type(exc).__name__}: {exc}"
        store.write_error(folder, task.name, {**ids, "params": task.params, "status": "error", "error": error,
                                              "traceback": traceback.format_exc(), "elapsed_s": elapsed,
                                              "finished": store.now()})
        return {"name": task.name, "status": "error", "error": error, "elapsed_s": elapsed}
    elapsed = time.perf_counter() - started
    front = {**ids, **{k: store.cell(v) for k, v in task.params.items()}}
    for i, (column, value) in enumerate(front.items()):
        series.insert(i, column, value)
    store.write_run(folder, task.name, series, {**ids, "params": task.params, "status": "ok", "elapsed_s": elapsed,
                                                "finished": store.now(), "outcomes": outcomes})
    return {"name": task.name, "status": "ok", "elapsed_s": elapsed}


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
