"""Council electoral clock (``leadership.election_every``, ``election_window``; MODEL.md 7):
with elections every ``election_every`` months, councils hold back on all their edges in the
``election_window`` months before each one: "Councillors saying 'don't do anything until
after May' is a problem" (IHM L289-291). Holding back is "no deal", not a defection
(issue 14): the council's relationships play no game, move no money and keep their trust;
the council is counted as not collaborating. It changes no choice outside the window: it
overrides the council's moves in it, and its partners decide on what they last saw."""

import numpy as np

from ..config import ORG_TYPES
from ..pipeline import Component
from ..strategies import DEFECT


class ElectoralClock(Component):
    name = "electoral_clock"
    section = "leadership"
    writes = ("moves", "deal")

    @classmethod
    def wanted(cls, config) -> bool:
        return config.leadership.election_every > 0

    def __init__(self, model):
        super().__init__(model)
        council = model.types == ORG_TYPES.index("council")
        self.council_sides = council[np.stack([model.src, model.dst], axis=1)]
        self.council_edges = self.council_sides.any(axis=1)

    def pre_election(self, month: int) -> bool:
        """Whether ``month`` falls in the window before an election (elections at every
        multiple of ``election_every``)."""
        every = self.cfg.election_every
        return month % every >= every - self.cfg.election_window

    def constrain(self, moves):
        if self.pre_election(self.model.steps):
            moves[self.council_sides] = DEFECT
            self.model.deal[self.council_edges] = False
