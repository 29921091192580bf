"""The plan of a robust run: worlds x arms x seeds, as a sweep plan for ``sim.sweep``.

An experiment file for ``collabsim robust`` is a compare experiment (its ``[compare]``
table names the arms, the reference and the headline outcomes) with two optional tables:

    [uncertainties]             # ranges of the assumed constants (sim/uncertainties.py)
    "trust.stranger" = {low = 0.1, high = 0.8, basis = "assumption"}

    [robust]
    worlds = 64                 # worlds drawn by Latin hypercube (--worlds)
    seeds = 4                   # seeds per arm in each world (--seeds)
    seed = 1                    # seed of the design and of the runs (default: experiment.seed)
    [[robust.claims]]           # optional: statements to test in every world
    fact = "2. System regulation sustains more cooperation"
    arm = "system"
    than = "organisational"     # default: the compare reference
    outcome = "mean_cooperation"
    holds = "higher"            # arm's outcome higher (or "lower") than factor x than's than_outcome
    # than_outcome = "..."      # default: outcome; factor = 1.0

Each world is one point of the design per arm: the arm's overrides plus the world's drawn
values. Every arm in a world gets the same seeds (common random numbers: same networks and
first draws, so differences between arms are not seed noise), and each world its own seeds,
so the worlds also differ in the footprint drawn. An arm that sets a sampled field keeps
its own value there (the arm's value is the question asked, e.g. a deeper structural gap);
a range that every arm sets is not sampled.
"""

import copy
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .. import compare
from .. import config as cfgmod
from .. import uncertainties as unc
from ..config import ConfigError
from ..sweep.spec import Range, Sweep, SweepSpec, _field

WINDOW_OUTCOMES = {"window_cooperation": "cooperation", "window_trust": "mean_trust"}


class ClaimSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fact: str
    arm: str
    than: str = ""
    outcome: str
    than_outcome: str = ""
    factor: float = 1.0
    holds: Literal["higher", "lower"]


class RobustSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    worlds: Annotated[int, Field(ge=2)] = 64
    seeds: Annotated[int, Field(ge=1)] = 4
    seed: Annotated[int, Field(ge=0)] | None = None
    claims: list[ClaimSpec] = Field(default_factory=list)


@dataclass(kw_only=True)
class Robust(Sweep):
    """A sweep whose points are (world, arm) pairs, point = world x arms + arm, with seeds
    shared by the arms of a world."""

    arms: list[str]
    reference: str
    outcomes: list[str]
    window: list[int]
    uncertainties: dict[str, unc.Uncertainty]  # the sampled ones
    held: list[str]  # ranges not sampled because every arm sets the field
    set_by: dict[str, list[str]]  # sampled ranges that some arms set: those arms keep their own value
    worlds: list[dict]  # the drawn values of each world
    claims: list[ClaimSpec]

    def arm_of(self, point: int) -> str:
        return self.arms[point % len(self.arms)]

    def world_of(self, point: int) -> int:
        return point // len(self.arms)

    def seed_key(self, point: int, replicate: int) -> tuple:
        return (self.world_of(point), replicate)  # every arm of a world: the same seeds

    def runs(self):
        """Every (point, replicate), arm by arm (an arm's worlds in world order): the runner
        puts an arm's worlds in one model (``sim.sweep.runner.batched``), and a batch goes to
        a worker as soon as it fills, while the next arm's runs are being planned."""
        for arm in range(len(self.arms)):
            for point in range(arm, len(self.points), len(self.arms)):
                for rep in range(self.spec.seeds):
                    yield point, rep

    def jobs(self) -> list:
        """The runs as the engine's jobs (``sim.engine``), world by world: a job per point
        (keyed by the point), with its world's seeds."""
        from ..engine import Job

        return [Job(p, self.config(p), [self.seed(p, r) for r in range(self.seeds)]) for p in range(len(self.points))]

    def fingerprint(self, before_2026_12: bool = False) -> str:
        extra = {"sweep": super().fingerprint(before_2026_12), "seeding": "per world, shared by arms", "arms": self.arms}
        return hashlib.sha256(json.dumps(extra, sort_keys=True).encode()).hexdigest()

    def record(self) -> dict:
        """What robust.json holds: enough to analyse the folder without the config."""
        return {
            "format": 1, "experiment": self.name, "source": self.source, "arms": self.arms,
            "reference": self.reference, "outcomes": self.outcomes, "window": self.window,
            "worlds": len(self.worlds), "seeds": self.seeds, "master_seed": self.master_seed,
            "uncertainties": [vars(u) for u in self.uncertainties.values()], "held": self.held, "set_by": self.set_by,
            "design": self.worlds, "claims": [c.model_dump() for c in self.claims],
        }


def arm_paths(overrides: dict) -> dict:
    """An arm's overrides as {dotted path: value} (as ``compare._merge`` applies them)."""
    out = {}
    for key, value in overrides.items():
        if "." not in key and isinstance(value, dict):
            out.update({f"{key}.{name}": v for name, v in value.items()})
        else:
            out[key] = value
    return out


def _overlaps(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def load(path: str | Path, worlds: int | None = None, seeds: int | None = None) -> Robust:
    """Read a compare experiment with optional [uncertainties] and [robust] tables and plan
    its worlds; every problem is reported (ConfigError) before anything runs."""
    path = Path(path)
    exp = compare.load(path)
    data = cfgmod.read_toml(path)
    raw_unc = data.get("uncertainties")
    raw_robust = data.get("robust", {})
    for table in cfgmod.ANNEX_TABLES:
        data.pop(table, None)
    base = cfgmod.validate(data, source=str(path)).model_dump(mode="json")
    problems = []
    if raw_unc is not None and not isinstance(raw_unc, dict):
        raise ConfigError(f"invalid {path}:\n  uncertainties: must be a table of ranges")
    try:
        spec = RobustSpec.model_validate(raw_robust)
    except ValidationError as exc:
        lines = []
        for e in exc.errors():
            field = "robust." + ".".join(map(str, e["loc"]))
            if e["type"] == "extra_forbidden":
                keys = ClaimSpec.model_fields if "claims" in e["loc"] else RobustSpec.model_fields
                lines.append(f"{field}: unknown key; allowed: {', '.join(keys)}")
            else:
                got = e.get("input")
                lines.append(f"{field}: {e['msg']}" + ("" if isinstance(got, dict) else f" (got {got!r})"))
        raise ConfigError(f"invalid {path}:\n  " + "\n  ".join(lines)) from None
    if worlds is not None:
        spec.worlds = worlds
    if seeds is not None:
        spec.seeds = seeds
    ranges = unc.resolve(raw_unc, base)
    problems += _claim_problems(spec, exp)
    if problems:
        raise ConfigError(f"invalid {path}:\n  " + "\n  ".join(problems))
    master = exp.arms[exp.reference].experiment.seed if spec.seed is None else spec.seed
    return plan_worlds(exp.name, str(path), base, {name: arm_paths(exp.spec.arms[name]) for name in exp.arms},
                       exp.reference, list(exp.spec.outcomes), list(exp.spec.window), ranges, spec, master)


def plan_worlds(name: str, source: str, base: dict, overrides: dict[str, dict], reference: str, outcomes: list[str],
                window: list[int], ranges: dict[str, unc.Uncertainty], spec: RobustSpec, master: int) -> Robust:
    """The worlds of arms given in memory: ``overrides`` is each arm's {dotted path: value}
    on the plain config data ``base``; ``ranges`` the uncertainties (``unc.resolve``).
    ``load`` calls it for an experiment file; the app's compare mode for its regimes, so both
    plan worlds, seeds and held ranges the same way."""
    arms = list(overrides)
    touched = list(dict.fromkeys(p for o in overrides.values() for p in o))
    set_by = {p: [a for a in arms if any(_overlaps(p, t) for t in overrides[a])] for p in ranges}
    held = [p for p in ranges if len(set_by[p]) == len(arms)]
    sampled = {p: u for p, u in ranges.items() if p not in held}
    effective = {}
    for arm in arms:
        data = copy.deepcopy(base)
        compare._merge(data, overrides[arm])
        effective[arm] = cfgmod.validate(data, source=f"{source} ({arm})").model_dump(mode="json")
    design = latin(list(sampled.values()), spec.worlds, master)
    points, samples = [], []
    for w, drawn in enumerate(design):
        for arm in arms:
            point = {p: copy.deepcopy(overrides[arm].get(p, cfgmod.get_path(base, p))) for p in touched if p not in sampled}
            for p in sampled:  # an arm that sets a sampled field keeps its own value
                point[p] = cfgmod.get_path(effective[arm], p) if arm in set_by[p] else drawn[p]
            points.append(point)
            samples.append(w)
    parameters = {p: list({json.dumps(pt[p], sort_keys=True): pt[p] for pt in points[:len(arms)]}.values())
                  for p in touched if p not in sampled}
    parameters.update({p: Range(low=u.low, high=u.high) for p, u in sampled.items()})
    problem = {"num_vars": len(sampled), "names": list(sampled), "bounds": [[u.low, u.high] for u in sampled.values()]}
    sweep_spec = SweepSpec(method="latin", seeds=spec.seeds, samples=spec.worlds, seed=master)
    plan = Robust(name=name, source=source, base=base, spec=sweep_spec, parameters=parameters,
                  points=points, samples=samples, master_seed=master, problem=problem, arms=arms,
                  reference=reference, outcomes=list(outcomes), window=list(window),
                  uncertainties=sampled, held=held, set_by={p: set_by[p] for p in sampled if set_by[p]},
                  worlds=design, claims=spec.claims)
    _check_outcomes(plan, source)
    return plan


def latin(ranges: list[unc.Uncertainty], n: int, seed: int) -> list[dict]:
    """``n`` worlds by Latin hypercube: each range cut into n equal slices and each slice
    drawn once (a whole-number field is rounded); a range with low = high is that value."""
    from scipy.stats import qmc

    if not ranges:
        return [{} for _ in range(n)]
    unit = qmc.LatinHypercube(d=len(ranges), seed=np.random.default_rng(seed)).random(n)
    worlds = []
    for row in unit:
        world = {}
        for u, x in zip(ranges, row):
            value = u.low + x * (u.high - u.low)
            world[u.path] = int(round(value)) if _field(u.path)[1] is int else float(value)
        worlds.append(world)
    return worlds


def _claim_problems(spec: RobustSpec, exp: compare.Experiment) -> list[str]:
    out = []
    for i, claim in enumerate(spec.claims):
        for key in ("arm", "than"):
            name = getattr(claim, key)
            if name and name not in exp.arms:
                out.append(f"robust.claims.{i}.{key}: {name!r} is not an arm; arms: {', '.join(exp.arms)}")
        claim.than = claim.than or exp.reference
        claim.than_outcome = claim.than_outcome or claim.outcome
    return out


def _check_outcomes(plan: Robust, path: str) -> None:
    """Headline and claim outcomes must be outcomes the arms report (the outcome registry
    says which, before anything runs; window outcomes are computed from the series)."""
    from .. import config as cfgmod
    from ..metrics import summary_names

    names = {}
    for point, arm in enumerate(plan.arms):
        cfg = cfgmod.validate(plan.config_data(point, 0))
        names[arm] = set(summary_names(cfg)) | (set(WINDOW_OUTCOMES) if plan.window else set())
    problems = []
    for outcome in plan.outcomes:
        missing = [a for a in plan.arms if outcome not in names[a]]
        if missing:
            problems.append(f"compare.outcomes: {outcome!r} is not an outcome of arm {missing[0]!r}; allowed: "
                            + ", ".join(sorted(names[missing[0]])))
    for i, c in enumerate(plan.claims):
        for key, arm, outcome in (("outcome", c.arm, c.outcome), ("than_outcome", c.than, c.than_outcome)):
            if outcome not in names[arm]:
                problems.append(f"robust.claims.{i}.{key}: {outcome!r} is not an outcome of arm {arm!r}; allowed: "
                                + ", ".join(sorted(names[arm])))
    if problems:
        raise ConfigError(f"invalid {path}:\n  " + "\n  ".join(problems))
