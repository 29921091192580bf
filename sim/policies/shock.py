"""Defection shock (``strategies.defection_shock``, MODEL.md 6.6): during the given months a
share of organisations, drawn once, defect on every edge: a squeeze in which they break
ranks. Used to measure how fast trust collapses and how slowly it rebuilds (KF L2295, NT)."""

import numpy as np

from ..pipeline import Component
from ..strategies import DEFECT


class DefectionShock(Component):
    name = "defection_shock"
    section = "strategies"
    writes = ("moves",)

    @classmethod
    def wanted(cls, config) -> bool:
        return bool(config.strategies.defection_shock)

    def __init__(self, model):
        super().__init__(model)
        breaking = self.stream.uniform((len(model.types),), model.node_bounds) < self.cfg.shock_share
        self.forced = np.stack([breaking[model.src], breaking[model.dst]], axis=1)
        self.first, self.last = self.cfg.defection_shock

    def constrain(self, moves):
        if self.first <= self.model.steps <= self.last:
            moves[self.forced] = DEFECT
