"""Fixation experiments: how often does a mutant strategy take over a resident population?

``collabsim fixation CONFIG --trials N`` places one (or k) mutants in a population of
residents on the config's network and lets an update rule of ``[learning]`` run until one
type is gone (absorption) or ``max_steps`` elementary updates have passed; over many trials
it estimates the fixation probability (with a 95% Wilson interval), compares it with 1/N
(neutral drift), and reports the mean absorption time.

Why a dedicated loop and not the model's month: evolutionary-dynamics studies run the Moran
process on the game's payoffs alone (Nowak 2006 ch. 6-8; Ohtsuki et al. 2006; the Axelrod
library's MoranProcess), and need 10^4-10^6 trials. A trial here is a two-type population on
a fixed graph; each node's payoff is the sum (or mean) over its neighbours of a 2 x 2 matrix
(``pair_matrix``: the mean per-round payoff of resident and mutant in repeated matches of
the engine's own rules, or a matrix the config gives), and one elementary update
(``sim.kernels.elementary``, the same code the learning phase uses) follows another, payoffs
brought up to date after each change (``sim.moran.moran_steps``). No money, trust or
leaders: for those, use the full model with ``learning.schedule = "asynchronous"``.

The config file holds the usual sections plus a ``[fixation]`` table (see ``FixationSpec``);
``experiments/fixation_moran.toml`` is an example.
"""

import json
import math
import time
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, ValidationError, model_validator

from . import config as config_mod
from . import kernels, moran, network
from .learning import FITNESS, RULES
from .strategies import CODES

MOVING_RULES = ("death_birth", "birth_death", "imitation", "fermi", "proportional", "best")


class FixationSpec(config_mod.Section):
    """The [fixation] table."""

    resident: str = "allc"
    mutant: str = "alld"
    mutants: Annotated[int, Field(ge=1)] = 1  # k mutants at the start
    placement: Literal["random", "highest_degree", "nodes"] = "random"
    nodes: list[Annotated[int, Field(ge=0)]] = Field(default_factory=list)  # placement = "nodes": where
    max_steps: Annotated[int, Field(ge=1)] = 1_000_000  # elementary updates before a trial is cut short
    trials: Annotated[int, Field(ge=1)] = 1000
    rounds: Annotated[int, Field(ge=1)] = 1  # rounds of each resident/mutant match behind the payoff matrix
    repetitions: Annotated[int, Field(ge=1)] = 20  # matches averaged when a rule or the noise is stochastic
    matrix: list[list[float]] = Field(default_factory=list)  # [[res-res, res-mut], [mut-res, mut-mut]]

    @model_validator(mode="after")
    def _check(self):
        for field in ("resident", "mutant"):
            if getattr(self, field) not in CODES:
                raise ValueError(f"fixation.{field}: unknown strategy {getattr(self, field)!r}; "
                                 f"allowed: {', '.join(CODES)}")
        if self.matrix and (len(self.matrix) != 2 or any(len(row) != 2 for row in self.matrix)):
            raise ValueError("fixation.matrix: give [[resident vs resident, resident vs mutant], "
                             "[mutant vs resident, mutant vs mutant]]")
        if self.placement == "nodes" and len(self.nodes) != self.mutants:
            raise ValueError(f"fixation.nodes: placement = 'nodes' needs one node per mutant ({self.mutants})")
        return self


@dataclass(frozen=True)
class Setup:
    """Everything a trial needs; plain arrays, so it pickles to worker processes."""

    indptr: np.ndarray
    indices: np.ndarray
    matrix: np.ndarray  # (2, 2): payoff to type row against type column; 0 = resident, 1 = mutant
    rule: int
    fitness: int
    selection: float
    mean: bool  # payoff per game (True) or summed over games
    spread: float  # largest one-game payoff difference (proportional rule)
    placement: str
    mutants: int
    nodes: tuple
    max_steps: int

    @property
    def n(self) -> int:
        return len(self.indptr) - 1


def pair_matrix(spec: FixationSpec, cfg: config_mod.Config) -> np.ndarray:
    """(2, 2) mean per-round payoffs of resident (0) and mutant (1) against each other: the
    config's ``matrix`` if given, else repeated matches of the engine's rules on the game's
    R, S, T, P with its noise (``rounds`` = 1 is the one-shot game of the first moves)."""
    if spec.matrix:
        return np.array(spec.matrix, dtype=np.float64)
    from .match import play_match

    names = (spec.resident, spec.mutant)
    out = np.zeros((2, 2))
    for a in range(2):
        for b in range(2):
            reps = [play_match(names[a], names[b], rounds=spec.rounds, payoffs=cfg.game.payoffs(),
                               noise=cfg.game.noise, generosity=cfg.strategies.generosity, beta=cfg.strategies.beta,
                               seed=r).scores[0] for r in range(spec.repetitions)]
            out[a, b] = np.mean(reps) / spec.rounds
    return out


def setup_from(spec: FixationSpec, cfg: config_mod.Config, indptr=None, indices=None) -> Setup:
    """A Setup from a config (its network built with the experiment seed, unless given)."""
    if indptr is None:
        net = network.build(cfg.network, np.random.default_rng(cfg.experiment.seed))
        indptr, indices = net.indptr, net.indices
    learning = cfg.learning
    matrix = pair_matrix(spec, cfg)
    return Setup(np.asarray(indptr, np.int64), np.asarray(indices, np.int64), matrix, RULES[learning.rule],
                 FITNESS[learning.fitness], float(learning.selection), learning.payoff_basis == "mean",
                 max(float(matrix.max() - matrix.min()), 1e-12), spec.placement, spec.mutants, tuple(spec.nodes),
                 spec.max_steps)


def check(setup: Setup) -> list[str]:
    """Problems that make a setup meaningless, one line each (empty if none)."""
    problems = []
    n = setup.n
    if setup.mutants >= n:
        problems.append(f"fixation.mutants: must be less than the population ({n}); got {setup.mutants}")
    if any(v >= n for v in setup.nodes):
        problems.append(f"fixation.nodes: nodes are numbered 0..{n - 1}; got {list(setup.nodes)}")
    if setup.fitness == kernels.LINEAR and setup.rule in (kernels.DEATH_BIRTH, kernels.BIRTH_DEATH, kernels.IMITATION):
        degree = np.diff(setup.indptr)
        lowest = setup.matrix.min() * (1 if setup.mean else degree.max())
        if 1 - setup.selection + setup.selection * lowest < 0:
            problems.append(f"learning.selection: fitness 1 - w + w * payoff is negative for the lowest payoff "
                            f"{lowest:g}; lower w or use learning.fitness = 'exponential'")
    if np.any(np.diff(setup.indptr) == 0):
        problems.append("network: every node needs a neighbour (isolated nodes never change)")
    return problems


def start_nodes(setup: Setup) -> np.ndarray:
    """Where the mutants start, when that is fixed: the highest-degree nodes (ties: lowest
    number first) or the named nodes; empty for random placement (drawn in each trial)."""
    if setup.placement == "highest_degree":
        return np.sort(np.argsort(-np.diff(setup.indptr), kind="stable")[: setup.mutants]).astype(np.int64)
    if setup.placement == "nodes":
        return np.array(setup.nodes, dtype=np.int64)
    return np.zeros(0, dtype=np.int64)


def run_chunk(setup: Setup, trials: int, seed: np.random.SeedSequence) -> dict:
    """``trials`` trials from one seed (sim.moran.moran_trials): counts and summed times."""
    result = np.zeros(trials, dtype=np.int64)
    steps = np.zeros(trials, dtype=np.int64)
    moran.moran_trials(setup.rule, setup.indptr, setup.indices, setup.matrix, setup.mean, setup.fitness,
                         setup.selection, setup.spread, start_nodes(setup), setup.mutants, setup.max_steps,
                         int(seed.generate_state(1)[0]), result, steps)
    absorbed = result >= 0
    return {"trials": trials, "fixed": int(np.sum(result == 1)), "lost": int(np.sum(result == 0)),
            "capped": int(np.sum(~absorbed)), "steps_absorbed": int(steps[absorbed].sum()),
            "steps_fixed": int(steps[result == 1].sum())}


def wilson(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """95% Wilson score interval for a binomial proportion (good near 0 and 1, unlike p +- 2 SE)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def moran_rho(r: float, n: int) -> float:
    """Fixation probability of one mutant of constant relative fitness r in a well-mixed
    population of n (Moran 1958; Nowak 2006 eq. 6.13): (1 - 1/r) / (1 - 1/r^n); 1/n at r = 1."""
    if r == 1.0:
        return 1.0 / n
    return (1 - 1 / r) / (1 - r ** -n)


def estimate(setup: Setup, trials: int, seed: int = 0, workers: int | None = 1, dask: str | None = None,
             chunks: int | None = None, progress=None) -> dict:
    """Run ``trials`` trials in chunks on an executor of sim.sweep (this process, a process
    pool, or Dask); the summary of all of them."""
    from .sweep.executors import open_executor

    chunks = chunks or max(1, min(trials, 64))
    sizes = [trials // chunks + (c < trials % chunks) for c in range(chunks)]
    seeds = np.random.SeedSequence(seed).spawn(chunks)
    total = {"trials": 0, "fixed": 0, "lost": 0, "capped": 0, "steps_absorbed": 0, "steps_fixed": 0}
    started = time.perf_counter()
    with open_executor(workers, dask) as (executor, _capacity):
        futures = [executor.submit(run_chunk, setup, size, s) for size, s in zip(sizes, seeds) if size]
        for done, future in enumerate(as_completed(futures), 1):
            for k, v in future.result().items():
                total[k] += v
            if progress is not None:
                progress(done, len(futures))
    seconds = time.perf_counter() - started
    return summarise(total, setup.n, seconds)


def summarise(total: dict, n: int, seconds: float) -> dict:
    trials, fixed = total["trials"], total["fixed"]
    absorbed = trials - total["capped"]
    lo, hi = wilson(fixed, trials)
    return {
        "n": n, "trials": trials, "fixed": fixed, "lost": total["lost"], "capped": total["capped"],
        "rho": fixed / trials, "ci": (lo, hi), "neutral": 1 / n, "rho_over_neutral": fixed / trials * n,
        "mean_absorption_steps": total["steps_absorbed"] / absorbed if absorbed else float("nan"),
        "mean_fixation_steps": total["steps_fixed"] / fixed if fixed else float("nan"),
        "seconds": seconds, "trials_per_second": trials / seconds if seconds > 0 else float("nan"),
    }


def load(path) -> tuple[FixationSpec, config_mod.Config]:
    """The [fixation] table and the run config of a TOML file; ConfigError lists the problems."""
    data = config_mod.read_toml(path)
    table = data.get("fixation", {})
    for annex in config_mod.ANNEX_TABLES:
        data.pop(annex, None)
    problems = []
    try:
        spec = FixationSpec.model_validate(table)
    except ValidationError as exc:
        spec = None
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = f"unknown key; allowed: {', '.join(FixationSpec.model_fields)}"
            elif err.get("input") is not None and not isinstance(err["input"], (dict, list)):
                msg += f" (got {err['input']!r})"
            problems.append(msg if msg.startswith("fixation.") or not field else f"fixation.{field}: {msg}")
    try:
        cfg = config_mod.validate(data, source=str(path))
    except config_mod.ConfigError as exc:
        problems += str(exc).splitlines()[1:]
        cfg = None
    if cfg is not None and cfg.learning.rule not in MOVING_RULES:
        problems.append(f"learning.rule: a fixation run needs an update rule; allowed: {', '.join(MOVING_RULES)}")
    if problems:
        raise config_mod.ConfigError(f"invalid {path}:\n  " + "\n  ".join(p.strip() for p in problems))
    return spec, cfg


def report(summary: dict, spec: FixationSpec, cfg: config_mod.Config, setup: Setup) -> str:
    s = summary
    lo, hi = s["ci"]
    m = setup.matrix
    lines = [
        f"# Fixation: {spec.mutant} ({spec.mutants} mutant{'s' if spec.mutants > 1 else ''}, {spec.placement}) "
        f"in {spec.resident}",
        "",
        f"network {cfg.network.kind}, N = {s['n']}; rule {cfg.learning.rule}, fitness {cfg.learning.fitness}, "
        f"w = {cfg.learning.selection:g}, payoff {cfg.learning.payoff_basis}",
        f"payoff matrix (row vs column; resident, mutant): [[{m[0, 0]:g}, {m[0, 1]:g}], [{m[1, 0]:g}, {m[1, 1]:g}]]",
        "",
        f"fixation probability  {s['rho']:.4f}  (95% CI {lo:.4f} - {hi:.4f}; {s['fixed']}/{s['trials']} trials)",
        f"neutral drift 1/N     {s['neutral']:.4f}  (rho x N = {s['rho_over_neutral']:.2f}: "
        + ("favoured by selection)" if lo > s["neutral"] else "opposed by selection)" if hi < s["neutral"]
           else "not distinguishable from neutral)"),
        f"mean absorption time  {s['mean_absorption_steps']:.1f} elementary updates "
        f"({s['mean_absorption_steps'] / s['n']:.1f} generations of N); given fixation "
        f"{s['mean_fixation_steps']:.1f}",
    ]
    if s["capped"]:
        lines.append(f"cut short at max_steps = {spec.max_steps}: {s['capped']} trials (counted as not fixed)")
    lines.append(f"{s['trials']} trials in {s['seconds']:.2f} s ({s['trials_per_second']:.0f} trials/s)")
    return "\n".join(lines) + "\n"


def write(summary: dict, text: str, out_dir, name: str) -> Path:
    target = Path(out_dir) / name
    target.mkdir(parents=True, exist_ok=True)
    (target / "fixation.md").write_text(text)
    (target / "fixation.json").write_text(json.dumps(summary, indent=1) + "\n")
    return target
