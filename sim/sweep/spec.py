"""The ``[sweep]`` table of an experiment file, and the plan of runs it describes.

    [sweep]
    method = "grid"        # grid: every combination of the lists; latin / sobol: sample the ranges
    seeds = 3              # replicates per point
    samples = 16           # latin: points drawn; sobol: base sample N (a power of 2)
    seed = 7               # master seed (default: experiment.seed)
    second_order = false   # sobol: plan for second-order indices too
    paired_seeds = false   # true: replicate r gets the same seed at every point
    series = ["cooperation", "mean_trust"]   # monthly series kept (default: every one; [] none)
    [sweep.parameters]
    "leadership.trust_loss" = [0.1, 0.5, 0.9]   # a list: every value
    "trust.gain" = {low = 0.05, high = 0.2}     # a range: sampled (latin / sobol)

Lists are crossed with each other and with the sampled design, so a sampled design can be
run under each of a few categorical settings. Ranges over whole-number fields are sampled
uniformly over the whole numbers from low to high. Each run's seed comes from the master
seed and (point, replicate) through numpy's SeedSequence, so a run can be re-run alone.
"""

import copy
import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .. import config as cfgmod
from .. import sizes
from ..config import Config, ConfigError
from . import store


class Range(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    low: float
    high: float


class SweepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    method: Literal["grid", "latin", "sobol"] = "grid"
    seeds: Annotated[int, Field(ge=1, le=cfgmod.MAX_INT)] = 1
    samples: Annotated[int, Field(ge=1, le=cfgmod.MAX_INT)] | None = None
    seed: Annotated[int, Field(ge=0, le=cfgmod.MAX_INT)] | None = None
    second_order: bool = False
    paired_seeds: bool = False
    series: list[str] | None = None  # monthly series kept in the run files; None: every one
    parameters: dict[str, Any] = Field(default_factory=dict)


def derive_seed(master: int, point: int, replicate: int, paired: bool = False) -> int:
    """The seed of one run: a 63-bit integer drawn from SeedSequence(master) keyed by
    (point, replicate), or by replicate alone when seeds are paired across points."""
    return seed_of(master, (replicate,) if paired else (point, replicate))


def seed_of(master: int, key: tuple) -> int:
    """A 63-bit seed drawn from SeedSequence(master, spawn_key=key)."""
    state = np.random.SeedSequence(master, spawn_key=key).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))


def seeds_of(master: int, keys: list[tuple]) -> list[int]:
    """``seed_of(master, key)`` for each of ``keys``, worked out for all at once: a worker
    seeds a batch of runs this way (numpy's SeedSequence costs about 14 us a run). Keys of
    one length whose entries, and a master, below 2**32 and 2**64 (a sweep's) are
    vectorised (``sim.streams.sequence_state``); others take numpy's way."""
    from ..streams import seed_entropy, sequence_state

    if not keys or not 0 <= master < 2**64 or len({len(k) for k in keys}) > 1 \
            or not all(0 <= v < 2**32 for k in keys for v in k):
        return [seed_of(master, k) for k in keys]
    words = np.array(keys, dtype=np.uint32).reshape(len(keys), -1)
    entropy = [*seed_entropy(np.full(len(keys), master, dtype=np.uint64)), *words.T]
    state = sequence_state(entropy, 2).astype("<u4").view("<u8")[:, 0].astype(np.uint64)
    return (state >> np.uint64(1)).tolist()


@dataclass
class Sweep:
    """A planned sweep: the base config, the points, and how many seeds each gets."""

    name: str
    source: str
    base: dict  # the full base config as plain data (every default filled in)
    spec: SweepSpec
    parameters: dict[str, list | Range]
    points: list[dict]  # parameter values of each point, in declaration order
    samples: list[int | None]  # the design row each point came from (latin / sobol)
    master_seed: int
    problem: dict | None  # the SALib problem of the sampled ranges

    @property
    def seeds(self) -> int:
        return self.spec.seeds

    @property
    def n_runs(self) -> int:
        return len(self.points) * self.spec.seeds

    def runs(self):
        """Every (point, replicate), in run-number order."""
        for point in range(len(self.points)):
            for rep in range(self.spec.seeds):
                yield point, rep

    def run_number(self, point: int, replicate: int) -> int:
        return point * self.spec.seeds + replicate

    def seed_key(self, point: int, replicate: int) -> tuple:
        """What a run's seed is keyed by (``seed_of``): (point, replicate), or the replicate
        alone when seeds are paired across points."""
        return (replicate,) if self.spec.paired_seeds else (point, replicate)

    def seed(self, point: int, replicate: int) -> int:
        return seed_of(self.master_seed, self.seed_key(point, replicate))

    def config_data(self, point: int, replicate: int | None = None) -> dict:
        """Plain config data of a point; with a replicate, its seed is set as experiment.seed
        so the config alone reproduces the run."""
        data = cfgmod.copy_data(cfgmod.with_values(self.base, self.points[point]))
        if replicate is not None:
            data["experiment"]["seed"] = self.seed(point, replicate)
        return data

    def config(self, point: int, replicate: int | None = None) -> Config:
        return cfgmod.validate(self.config_data(point, replicate), source=f"sweep point {point}")

    def fingerprint(self, before_2026_12: bool = False) -> str:
        """Identifies the plan: resuming is allowed only into a folder with the same one.
        The plan as ``store.to_json`` writes it, keys in the order the plan holds them (a
        point's values are applied in that order): 5 ms for a robust run's plan. Folders
        written before December 2026 hold the same plan hashed as Python's json writes it
        with keys sorted (``before_2026_12``; 30 ms), which ``check_folder`` accepts too."""
        plan = {"config": self.base, "spec": self.spec.model_dump(mode="json"), "master_seed": self.master_seed,
                "points": self.points}
        if before_2026_12:
            return hashlib.sha256(json.dumps(plan, sort_keys=True, default=str).encode()).hexdigest()
        return hashlib.sha256(store.to_json(plan)).hexdigest()


# Planning holds each point's parameter values (a small dict) in memory.
BYTES_PER_POINT = 400
BYTES_PER_POINT_VALUE = 100


def load(path: str | Path, allow_large: bool = False) -> Sweep:
    """Read an experiment file with a [sweep] table and plan its runs; every problem with
    the table, its size or any point's config is reported before anything runs."""
    path = Path(path)
    data = cfgmod.read_toml(path)
    raw = data.pop("sweep", None)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: no [sweep] table; `collabsim sweep` needs parameters to vary "
                          "(see experiments/sweep_example.toml)")
    base_cfg = cfgmod.validate(data, source=str(path))
    base = base_cfg.model_dump(mode="json")
    try:
        spec = SweepSpec.model_validate(raw)
    except ValidationError as exc:
        _fail(path, cfgmod.describe_errors(exc, prefix="sweep.", model=SweepSpec))
    params, problems = _parameters(spec, base)
    if problems:
        _fail(path, problems)
    master = base_cfg.experiment.seed if spec.seed is None else spec.seed
    ranges = {p: r for p, r in params.items() if isinstance(r, Range)}
    integer = {p for p in ranges if _field(p)[1] is int}
    problem = _problem(ranges, integer) if ranges else None
    field, count = _point_count(spec, params, len(ranges))
    sizes.check_count(field, count, BYTES_PER_POINT + BYTES_PER_POINT_VALUE * len(params), allow_large, str(path))
    points, samples = _plan(spec, params, problem, integer, master)
    sweep = Sweep(base_cfg.experiment.name, str(path), base, spec, params, points, samples, master, problem)
    bad = []
    for point in range(len(points)):
        try:
            sizes.check_size(sweep.config(point), allow_large, source=f"sweep point {point}")
        except ConfigError as exc:
            label = ", ".join(f"{k}={v!r}" for k, v in points[point].items())
            bad.append(f"sweep point {point} ({label}): " + "; ".join(_lines(exc)))
            if len(bad) == 5:
                break
    if bad:
        _fail(path, bad)
    return sweep


def _point_count(spec: SweepSpec, params: dict, n_ranges: int) -> tuple[str, int]:
    """(the field that sets it, how many points the plan will have), counted before the
    plan is built, so that a plan too large to hold is refused without building it."""
    combos = 1
    for value in params.values():
        if isinstance(value, list):
            combos *= len(value)
    if not n_ranges:
        return "sweep.parameters", combos
    rows = spec.samples or 1
    if spec.method == "sobol":
        rows *= (2 * n_ranges + 2) if spec.second_order else (n_ranges + 2)
    return "sweep.samples", rows * combos


def _fail(path, problems: list[str]):
    raise ConfigError(f"invalid {path}:\n  " + "\n  ".join(problems)) from None


def _lines(exc: ConfigError) -> list[str]:
    return [line.strip() for line in str(exc).splitlines()[1:]] or [str(exc)]


def _flatten(raw: dict, prefix: str = "") -> dict[str, Any]:
    """``game.noise = [...]`` arrives from TOML as nested tables; a table holding ``low`` or
    ``high`` is a range, not a section."""
    out = {}
    for key, value in raw.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and not {"low", "high"} & set(value):
            out.update(_flatten(value, path + "."))
        else:
            out[path] = value
    return out


def _field(path: str) -> tuple[str | None, type | None]:
    """(problem, value type) of a dotted config path: problem is None when the path names a
    config value; the type is int/float/... with Annotated constraints stripped."""
    model, parts = Config, path.split(".")
    for i, part in enumerate(parts):
        where = ".".join(parts[:i])
        if part not in model.model_fields:
            scope = f" in {where}" if where else ""
            return f"unknown key {part!r}{scope}; allowed: {', '.join(model.model_fields)}", None
        ann, rest = model.model_fields[part].annotation, parts[i + 1:]
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            if not rest:
                return f"{path} is a section; name one of its keys: {', '.join(ann.model_fields)}", None
            model = ann
            continue
        if rest and get_origin(ann) is dict and len(rest) == 1:
            return None, _plain(get_args(ann)[1])
        if rest:
            return f"{'.'.join(parts[:i + 1])} is a value, not a section", None
        return None, _plain(ann)
    return f"{path}: not a config value", None


def _plain(tp):
    return get_args(tp)[0] if get_origin(tp) is Annotated else tp


def _parameters(spec: SweepSpec, base: dict) -> tuple[dict, list[str]]:
    params, problems = {}, []
    raw = _flatten(spec.parameters)
    if not raw:
        problems.append("sweep.parameters: name at least one parameter, e.g. \"game.noise\" = [0.0, 0.05]")
    for path, value in raw.items():
        name = f"sweep.parameters.{path}"
        problem, kind = _field(path)
        if problem:
            problems.append(f"{name}: {problem}")
            continue
        if isinstance(value, list):
            if not value:
                problems.append(f"{name}: give at least one value")
                continue
            checks = value
        elif isinstance(value, dict):
            try:
                value = Range.model_validate(value)
            except ValidationError as exc:
                problems += cfgmod.describe_errors(exc, prefix=f"{name}.", model=Range)
                continue
            if spec.method == "grid":
                problems.append(f"{name}: a range needs method = 'latin' or 'sobol'; with method = 'grid' "
                                "give a list of values")
                continue
            if kind not in (int, float):
                problems.append(f"{name}: a range needs a numeric field; give a list of values instead")
                continue
            if not value.high > value.low:
                problems.append(f"{name}: high must be greater than low (got low={value.low}, high={value.high})")
                continue
            checks = [int(value.low), int(value.high)] if kind is int else [value.low, value.high]
        else:
            problems.append(f"{name}: give a list of values or a range {{low = ..., high = ...}} (got {value!r})")
            continue
        for v in checks:
            data = copy.deepcopy(base)
            cfgmod.set_path(data, path, v)
            try:
                cfgmod.validate(data)
            except ConfigError as exc:
                why = "; ".join(line.removeprefix(f"{path}: ") for line in _lines(exc))
                problems.append(f"{name}: {v!r} is not allowed: {why}")
                break
        params[path] = value
    problems += _method_problems(spec, raw) + _series_problems(spec)
    return params, problems


def _series_problems(spec: SweepSpec) -> list[str]:
    if spec.series is None:
        return []
    from ..metrics import COLUMNS as known
    unknown = [name for name in spec.series if name not in known]
    twice = sorted({name for name in spec.series if spec.series.count(name) > 1})
    return ([f"sweep.series: unknown series {unknown[0]!r}; allowed: {', '.join(known)}"] if unknown else []) + \
           ([f"sweep.series: {twice[0]!r} is named twice; name each series once"] if twice else [])


def _method_problems(spec: SweepSpec, raw: dict) -> list[str]:
    sampled = any(isinstance(v, dict) for v in raw.values())
    if spec.method == "grid":
        out = [] if spec.samples is None else ["sweep.samples: only used with method = 'latin' or 'sobol'"]
        return out + (["sweep.second_order: only used with method = 'sobol'"] if spec.second_order else [])
    out = []
    if raw and not sampled:
        out.append(f"sweep.parameters: method = '{spec.method}' needs at least one range {{low = ..., high = ...}}")
    if spec.samples is None:
        what = "points to draw" if spec.method == "latin" else "base sample size N, a power of 2; runs N*(D+2) points"
        out.append(f"sweep.samples: required for method = '{spec.method}' ({what})")
    elif spec.method == "sobol" and spec.samples & (spec.samples - 1):
        lo = 1 << (spec.samples.bit_length() - 1)
        out.append(f"sweep.samples: Sobol sampling needs a power of 2 (got {spec.samples}; try {lo} or {2 * lo})")
    if spec.method == "latin" and spec.second_order:
        out.append("sweep.second_order: only used with method = 'sobol'")
    return out


def _problem(ranges: dict[str, Range], integer: set[str]) -> dict:
    """SALib's problem; a whole-number range is widened by a half at each end so that
    rounding gives every whole number from low to high the same chance."""
    bounds = [[r.low - 0.5, r.high + 0.5] if p in integer else [r.low, r.high] for p, r in ranges.items()]
    return {"num_vars": len(ranges), "names": list(ranges), "bounds": bounds}


def _plan(spec: SweepSpec, params: dict, problem: dict | None, integer: set[str], master: int):
    lists = {p: v for p, v in params.items() if isinstance(v, list)}
    combos = [dict(zip(lists, values)) for values in itertools.product(*lists.values())]
    if problem is None:
        return [{p: c[p] for p in params} for c in combos], [None] * len(combos)
    if spec.method == "latin":
        from SALib.sample import latin

        design = latin.sample(problem, spec.samples, seed=master)
    else:
        from SALib.sample import sobol

        design = sobol.sample(problem, spec.samples, calc_second_order=spec.second_order, seed=master)
    points, samples = [], []
    for row, values in enumerate(design):
        drawn = {}
        for p, x, (lo, hi) in zip(problem["names"], values, problem["bounds"]):
            drawn[p] = int(np.clip(np.rint(x), lo + 0.5, hi - 0.5)) if p in integer else float(x)
        for combo in combos:
            points.append({p: combo[p] if p in combo else drawn[p] for p in params})
            samples.append(row)
    return points, samples
