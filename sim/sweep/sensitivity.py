"""Sobol sensitivity analysis of a finished ``method = "sobol"`` sweep (SALib).

Each point's outcome is its mean over the point's seeds, fed to SALib in the order of the
Saltelli design. When lists were crossed with the sampled ranges, each combination of list
values is a design of its own and is analysed separately.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import ConfigError
from ..results import load, open_sweep


def analyse(path: str | Path, outcome: str = "mean_cooperation",
            resamples: int = 200) -> list[tuple[dict, pd.DataFrame]]:
    """[(list values, table)]: one table per combination of list values, indexed by the
    sampled parameters, with S1, S1_conf, ST, ST_conf (and S2 columns when planned)."""
    from SALib.analyze import sobol

    _, manifest = open_sweep(path)
    if manifest["method"] != "sobol":
        raise ConfigError(f"{path}: sensitivity analysis needs a sweep with method = 'sobol' "
                          f"(this one has method = {manifest['method']!r})")
    runs = load(path)
    missing = manifest["runs"] - int((runs["status"] == "ok").sum()) if len(runs) else manifest["runs"]
    if missing:
        failed = int((runs["status"] == "error").sum()) if len(runs) else 0
        raise ConfigError(f"{path}: sensitivity analysis needs every run; {missing} of {manifest['runs']} have no "
                          f"result ({failed} raised an error); finish the sweep with --resume"
                          + (" --retry-errors" if failed else ""))
    outcomes = [c for c in runs.columns if pd.api.types.is_numeric_dtype(runs[c])
                and c not in ("run", "point", "replicate", "seed", "elapsed_s", *manifest["parameters"])]
    if outcome not in outcomes:
        raise ConfigError(f"--outcome: {outcome!r} is not a numeric outcome of this sweep; "
                          f"allowed: {', '.join(outcomes)}")
    y = runs.groupby("point")[outcome].mean().to_numpy()
    if np.isnan(y).any():
        raise ConfigError(f"--outcome: {outcome!r} is undefined in some runs (e.g. a time to an event that never "
                          "happened); choose another outcome")
    problem = manifest["problem"]
    lists = [p for p, v in manifest["parameters"].items() if isinstance(v, list)]
    second = manifest["spec"]["second_order"]
    groups: dict[str, list[int]] = {}
    for point, values in enumerate(manifest["points"]):
        groups.setdefault(json.dumps([values[p] for p in lists]), []).append(point)
    out = []
    for key, points in groups.items():
        points.sort(key=lambda p: manifest["samples"][p])
        res = sobol.analyze(problem, y[points], calc_second_order=second, num_resamples=resamples,
                            seed=manifest["master_seed"])
        table = pd.DataFrame({k: res[k] for k in ("S1", "S1_conf", "ST", "ST_conf")}, index=problem["names"])
        if second:
            for j, name in enumerate(problem["names"]):
                table[f"S2_{name}"] = res["S2"][:, j]
        table.index.name = "parameter"
        out.append((dict(zip(lists, json.loads(key))), table))
    return out
