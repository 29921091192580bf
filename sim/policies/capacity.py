"""Management capacity (``capacity.relationships``, MODEL.md section 7): partnership work
competes with the day job for a limited number of managers. "Virtually every part of the
country has serious concerns about whether they have the management capacity ... STPs have
been run on goodwill and long hours" (IHM L676-682); NT: "limited managerial bandwidth".

An organisation can carry ``relationships`` collaborations a month. One that means to
collaborate on more (a CCG or council with many partners, a body in several footprints)
delivers each of them with probability relationships / collaborations intended; the rest
stall. A stall is "no deal", not a defection (issue 14): that month the relationship plays
no game, moves no money and its trust stays as it was; the stalled side is counted as not
having collaborated.

How it reaches a decision: it does not change what a leader chooses, only whether a chosen
collaboration happens; partners then decide on what they last saw. With capacity at least
the collaborations intended nothing stalls.
"""

import numpy as np

from ..pipeline import Component
from ..strategies import COOPERATE, DEFECT


class Capacity(Component):
    name = "capacity"
    section = "capacity"
    writes = ("moves", "deal")

    @classmethod
    def wanted(cls, config) -> bool:
        return config.capacity.relationships > 0

    def __init__(self, model):
        super().__init__(model)
        self.sides = np.stack([model.src, model.dst], axis=1)
        self.stalled = np.zeros(self.sides.shape, dtype=np.bool_)  # cooperative moves that stalled this month

    def constrain(self, moves):
        m = self.model
        intended = m.side_sum(moves[:, 0], moves[:, 1])
        deliver = np.minimum(1.0, self.cfg.relationships / np.maximum(intended, 1.0))
        u = self.stream.uniform(self.sides.shape, m.edge_bounds)
        np.logical_and(moves == COOPERATE, u >= deliver[self.sides], out=self.stalled)
        moves[self.stalled] = DEFECT
        m.deal &= ~self.stalled.any(axis=1)
