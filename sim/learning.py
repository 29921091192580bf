"""Social learning of strategies (MODEL.md section 2.7)."""

import numpy as np

from . import kernels
from .config import LearningConfig
from .strategies import CODES


class Learning:
    """Organisations imitate better-performing partners, synchronously: Fermi pairwise
    comparison, best-takes-over (Nowak & May 1992) or the proportional rule of Santos &
    Pacheco (2005); with probability ``mutation`` one instead adopts a random strategy
    from the configured mix (exploration)."""

    def __init__(self, cfg: LearningConfig, mix: dict[str, float], spread: float):
        self.cfg = cfg
        self.pool = np.array(sorted(CODES[s] for s, w in mix.items() if w > 0), dtype=np.int8)
        self.spread = spread

    def step(self, model, stream) -> None:
        cfg = self.cfg
        if cfg.rule == "none" and cfg.mutation == 0:
            return
        n = len(model.strategy)
        u = stream.uniform((n, 5), model.node_bounds)
        fitness = model.score if cfg.payoff_basis == "total" else model.score / np.maximum(model.degree, 1)
        new = model.strategy.copy()
        net = model.network
        if cfg.rule == "fermi":
            kernels.imitate_fermi(net.indptr, net.indices, model.strategy, fitness, cfg.rate, cfg.selection, u, new)
        elif cfg.rule == "best":
            kernels.imitate_best(net.indptr, net.indices, model.strategy, fitness, cfg.rate, u, new)
        elif cfg.rule == "proportional":
            kernels.imitate_proportional(net.indptr, net.indices, model.strategy, fitness, cfg.rate, self.spread, u, new)
        mutate = u[:, 3] < cfg.mutation
        new[mutate] = self.pool[(u[mutate, 4] * len(self.pool)).astype(np.int64)]
        model.strategy[:] = new
