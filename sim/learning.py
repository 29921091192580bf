"""Social learning of strategies (MODEL.md section 2.7): the update rule of the learning phase.

Rules (``learning.rule``), each one kernel branch in ``sim.kernels``:

- ``fermi``: pairwise comparison; i copies a random neighbour j with probability
  1 / (1 + exp(-selection (payoff_j - payoff_i))) (Szabo & Toke 1998; Traulsen et al. 2006).
- ``best``: best-takes-over in the closed neighbourhood (Nowak & May 1992).
- ``proportional``: i copies a fitter random neighbour j with probability
  (payoff_j - payoff_i) / norm, norm the largest possible payoff difference (Santos & Pacheco
  2005): max(k_i, k_j) times the largest difference of one game when payoffs are summed, that
  difference alone when they are averaged (``payoff_basis = "mean"``).
- ``death_birth``: i dies and a neighbour, chosen in proportion to fitness, fills its place;
- ``birth_death``: a node chosen in proportion to fitness from the whole population
  reproduces into a random neighbour (asynchronous only);
- ``imitation``: i keeps its strategy or copies a neighbour's, in proportion to fitness among
  itself and its neighbours. These three are the Moran-type rules of Ohtsuki, Hauert,
  Lieberman & Nowak (2006, Nature 441:502); fitness is 1 - w + w * payoff (``fitness =
  "linear"``, weak selection for small w, Nowak et al. 2004) or exp(w * payoff)
  (``"exponential"``, Traulsen et al. 2008), with w = ``selection``.

Schedules: ``synchronous`` (every node revises at once with probability ``rate``, from the
old strategies) or ``asynchronous`` (N random elementary updates per step, each with
probability ``rate``, taking effect at once; the payoffs are this step's game throughout).
With probability ``mutation`` a node instead adopts a strategy drawn from the configured mix,
in proportion to its weights.

Draws per step, from the model's generator: (N, 5) synchronous -- revise?, which neighbour,
copy?, mutate?, which strategy; (N, 6) asynchronous -- revise?, which node (birth-death: which
parent), which neighbour, copy?, mutate?, which strategy.
"""

import numpy as np

from . import kernels
from .config import LearningConfig
from .strategies import CODES

RULES = {"fermi": kernels.FERMI, "best": kernels.BEST, "proportional": kernels.PROPORTIONAL,
         "death_birth": kernels.DEATH_BIRTH, "birth_death": kernels.BIRTH_DEATH, "imitation": kernels.IMITATION}
FITNESS = {"linear": kernels.LINEAR, "exponential": kernels.EXPONENTIAL}


def largest_difference(payoffs) -> float:
    """The largest payoff difference one game can make: max - min of R, S, T, P (T - S in the
    prisoner's dilemma, T - P in snowdrift, (V + C) / 2 in hawk-dove with C > V)."""
    table = np.asarray(payoffs, dtype=np.float64)
    return max(float(table.max() - table.min()), 1e-12)


class Learning:
    """The learning phase: one update rule, schedule and fitness map (see the module doc)."""

    def __init__(self, cfg: LearningConfig, mix: dict[str, float]):
        self.cfg = cfg
        names = sorted((s for s, w in mix.items() if w > 0), key=CODES.get)
        self.pool = np.array([CODES[s] for s in names], dtype=np.int8)
        weights = np.array([mix[s] for s in names], dtype=np.float64)
        self.cumulative = np.cumsum(weights / weights.sum())

    def spread(self, model) -> float:
        """Largest one-game payoff difference this step, over every node's table (financial
        pressure widens it). Policies that reshape payoffs after this table (payment by
        results, pooled budgets) are not in it: with those on, a copy probability can still
        reach 1 early, which the draw then treats as certain."""
        return largest_difference(model.payoff_table())

    def step(self, model, stream) -> None:
        cfg = self.cfg
        if cfg.rule == "none" and cfg.mutation == 0:
            return
        n = len(model.strategy)
        asynchronous = cfg.schedule == "asynchronous"
        u = stream.uniform((n, 6 if asynchronous else 5), model.node_bounds)
        payoff = model.score if cfg.payoff_basis == "total" else model.score / np.maximum(model.degree, 1)
        new = model.strategy.copy()
        if cfg.rule != "none":
            rule = RULES[cfg.rule]
            fitness = np.empty(n)
            kernels.fitness_of(FITNESS[cfg.fitness], cfg.selection, payoff, fitness)
            spread = self.spread(model) if cfg.rule == "proportional" else 1.0
            net = model.network
            args = (rule, net.indptr, net.indices)
            by_degree = cfg.payoff_basis == "total"
            if asynchronous:
                kernels.update_asynchronous(*args, new, payoff, fitness, cfg.rate, cfg.selection, spread, by_degree,
                                            u[:, :4])
            else:
                kernels.update_synchronous(*args, model.strategy, payoff, fitness, cfg.rate, cfg.selection, spread,
                                           by_degree, u[:, :3], new)
        mutate = u[:, -2] < cfg.mutation
        new[mutate] = self.pool[np.searchsorted(self.cumulative, u[mutate, -1], side="right").clip(0, len(self.pool) - 1)]
        model.strategy[:] = new
