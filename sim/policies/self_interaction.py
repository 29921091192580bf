"""Self-interaction (``game.self_interaction``): each organisation also plays a copy of
itself every month, as in Nowak & May's (1992) spatial games, where it makes a lattice of
cooperators viable."""

import numpy as np

from ..pipeline import Component
from ..strategies import self_play_payoff


class SelfInteraction(Component):
    name = "self_interaction"
    section = "game"
    writes = ("score",)

    @classmethod
    def wanted(cls, config) -> bool:
        return config.game.self_interaction

    def settle(self):
        m = self.model
        m.score += self_play_payoff(m.strategy, m.table, m.config.game.noise)
