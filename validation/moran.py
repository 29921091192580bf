"""Fixation checks: the engine's update rules (sim.kernels, run by sim.fixation) against the
closed forms of evolutionary graph theory.

- Moran (1958): one mutant of constant relative fitness r among N - 1 residents, birth-death
  on the complete graph, fixes with probability rho = (1 - 1/r) / (1 - 1/r^N) (1/N at r = 1).
- Isothermal theorem (Lieberman, Hauert & Nowak 2005, Nature 433:312): under birth-death the
  same rho holds on every regular graph; checked on a cycle and a random regular graph.
- Neutral drift: with equal fitness a single mutant fixes with probability 1/N under
  death-birth, birth-death, imitation and Fermi comparison on a regular graph (every node is
  equally likely to be the ancestor of the final population). The proportional and
  best-takes-over rules move only towards strictly better payoffs, so under neutrality nothing
  ever changes; the check confirms that instead.

A check passes when the exact value lies in the estimate's 99.9% Wilson interval: with about
a dozen checks, a 95% interval would fail one of them by chance half the time.
"""

from dataclasses import dataclass

import networkx as nx
import numpy as np

from sim import config as config_mod
from sim import fixation

Z_CHECK = 3.2905  # two-sided 99.9%


@dataclass
class Estimate:
    label: str
    n: int
    expected: float
    summary: dict

    @property
    def interval(self) -> tuple[float, float]:
        return fixation.wilson(self.summary["fixed"], self.summary["trials"], z=Z_CHECK)

    @property
    def passed(self) -> bool:
        lo, hi = self.interval
        return lo <= self.expected <= hi and self.summary["capped"] == 0


def cycle(n: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR adjacency of the n-cycle."""
    indptr = np.arange(0, 2 * n + 1, 2, dtype=np.int64)
    indices = np.array([[(i - 1) % n, (i + 1) % n] for i in range(n)], dtype=np.int64).ravel()
    return indptr, indices


def complete(n: int) -> tuple[np.ndarray, np.ndarray]:
    indptr = np.arange(0, n * (n - 1) + 1, n - 1, dtype=np.int64)
    indices = np.array([j for i in range(n) for j in range(n) if j != i], dtype=np.int64)
    return indptr, indices


def random_regular(n: int, k: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    g = nx.random_regular_graph(k, n, seed=seed)
    assert nx.is_connected(g), "a disconnected graph has no fixation"
    indptr = np.zeros(n + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([g.degree(i) for i in range(n)])
    indices = np.array([j for i in range(n) for j in sorted(g.neighbors(i))], dtype=np.int64)
    return indptr, indices


def constant_fitness(graph, r: float, rule: str, trials: int, seed: int, mutants: int = 1) -> dict:
    """Fixation of ``mutants`` random mutants of constant fitness r against residents of
    fitness 1: the mutant's payoff is r and the resident's 1 whoever they meet, per game
    (``payoff_basis = "mean"``), and fitness = payoff (linear map at w = 1)."""
    cfg = config_mod.validate({"learning": {"rule": rule, "schedule": "asynchronous", "selection": 1.0,
                                            "fitness": "linear", "payoff_basis": "mean"}})
    spec = fixation.FixationSpec(matrix=[[1.0, 1.0], [r, r]], mutants=mutants, trials=trials)
    setup = fixation.setup_from(spec, cfg, *graph)
    assert not fixation.check(setup)
    return fixation.estimate(setup, trials, seed=seed, workers=1)


def moran(n: int, r: float, trials: int, seed: int = 0) -> Estimate:
    return Estimate(f"Moran, birth-death, complete graph N={n}, r={r:g}", n, fixation.moran_rho(r, n),
                    constant_fitness(complete(n), r, "birth_death", trials, seed))


def isothermal(r: float, trials: int, seed: int = 0) -> list[Estimate]:
    out = []
    for label, graph in (("cycle N=10", cycle(10)), ("random 4-regular N=20", random_regular(20, 4))):
        n = len(graph[0]) - 1
        out.append(Estimate(f"Isothermal theorem, birth-death, {label}, r={r:g}", n, fixation.moran_rho(r, n),
                            constant_fitness(graph, r, "birth_death", trials, seed)))
    return out


NEUTRAL_RULES = ("death_birth", "birth_death", "imitation", "fermi")
FROZEN_RULES = ("proportional", "best")


def neutral(trials: int, seed: int = 0) -> list[Estimate]:
    graph = random_regular(20, 4)
    return [Estimate(f"Neutral drift, {rule}, random 4-regular N=20", 20, 1 / 20,
                     constant_fitness(graph, 1.0, rule, trials, seed)) for rule in NEUTRAL_RULES]


def frozen_under_neutrality(rule: str, steps: int = 2000) -> bool:
    """Under equal payoffs the rule never changes a strategy: every trial runs to its cap."""
    cfg = config_mod.validate({"learning": {"rule": rule, "schedule": "asynchronous", "payoff_basis": "mean"}})
    spec = fixation.FixationSpec(matrix=[[1.0, 1.0], [1.0, 1.0]], max_steps=steps)
    setup = fixation.setup_from(spec, cfg, *random_regular(20, 4))
    summary = fixation.estimate(setup, 20, seed=0, workers=1)
    return summary["capped"] == 20
