"""Management capacity (MODEL.md section 7): partnership work competes with the day job for
a limited number of managers. "Virtually every part of the country has serious concerns
about whether they have the management capacity ... STPs have been run on goodwill and long
hours" (IHM L676-682); NT: "limited managerial bandwidth".

An organisation can carry ``relationships`` collaborations a month. One that means to
collaborate on more (a CCG or council with many partners, a body in several footprints)
delivers each of them with probability relationships / collaborations intended; the rest
stall, and its partners see a defection.
"""

import numpy as np

from ..config import CapacityConfig
from ..strategies import COOPERATE, DEFECT


class Capacity:
    def __init__(self, cfg: CapacityConfig, src: np.ndarray, dst: np.ndarray):
        self.limit = cfg.relationships
        self.active = self.limit > 0
        # Draws and side-to-organisation map exist only with a limit, so runs without one
        # use the random stream exactly as before.
        self._sides = np.stack([src, dst], axis=1) if self.active else np.empty((0, 2), dtype=np.int64)
        self._draws = np.empty(self._sides.shape)
        self.stalled = 0  # cooperative moves that stalled this month

    def apply(self, model) -> None:
        """Turn the collaborations an organisation cannot staff this month into stalls."""
        if not self.active:
            return
        moves = model.moves
        n = len(model.types)
        intended = np.bincount(model.src, moves[:, 0], n) + np.bincount(model.dst, moves[:, 1], n)
        deliver = np.minimum(1.0, self.limit / np.maximum(intended, 1.0))
        model.rng.random(out=self._draws)
        stall = (moves == COOPERATE) & (self._draws >= deliver[self._sides])
        moves[stall] = DEFECT
        self.stalled = int(stall.sum())
