"""Self-interaction (``game.self_interaction``): each organisation also plays a copy of
itself every month, as in Nowak & May's (1992) spatial games, where it makes a lattice of
cooperators viable."""

from ..pipeline import Component
from .. import selfplay


class SelfInteraction(Component):
    name = "self_interaction"
    section = "game"
    whole = ("game.noise", "strategies.beta")  # selfplay reads one noise and one beta
    writes = ("score",)

    @classmethod
    def wanted(cls, config) -> bool:
        return config.game.self_interaction

    def settle(self):
        m = self.model
        st = m.config.strategies
        m.score += selfplay.expected_payoff(m.strategy, m.table, m.config.game.noise, st.generosity, st.beta,
                                            m.decision_bias(), m.node_trust()[0])
