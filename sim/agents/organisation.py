"""Organisations of a health economy (MODEL.md section 1).

Each organisation is a Mesa agent whose state lives in the model's arrays at ``index``;
the properties below read those arrays, so agents and kernels never disagree. Agents own no
state of their own: the model keeps everything in arrays so that many replicates can run in
one model, and makes the agents only when something asks for them (the live app, agent
data, a reader of the code). What each type of organisation stands for is said here.
"""

import mesa

from ..config import ORG_TYPES
from ..strategies import NAMES
from .leader import Leader


class Organisation(mesa.Agent):
    kind = "organisation"

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index
        self.leader = Leader(model, self)

    @property
    def label(self):
        return self.model.network.labels[self.index]

    @property
    def footprint(self) -> int:
        return int(self.model.network.footprint[self.index])

    @property
    def strategy(self) -> str:
        return NAMES[self.model.strategy[self.index]]

    @property
    def balance(self) -> float:
        """Cumulative surplus (+) or deficit (-), in money units."""
        return float(self.model.balance[self.index])

    @property
    def size(self) -> float:
        return float(self.model.size[self.index])

    @property
    def pressure(self) -> float:
        """Financial pressure in [0, 1]: how deep the deficit is relative to size."""
        return float(self.model.pressure[self.index])

    @property
    def cooperation(self) -> float:
        """Share of this step's games in which the organisation cooperated."""
        return float(self.model.node_cooperation()[self.index])

    @property
    def trust_out(self) -> float:
        """Mean trust this organisation places in its partners."""
        return float(self.model.node_trust()[0][self.index])

    @property
    def trust_in(self) -> float:
        """Mean trust its partners place in this organisation."""
        return float(self.model.node_trust()[1][self.index])

    @property
    def replicate(self) -> int:
        """Which run of a batch this organisation belongs to."""
        return int(self.model.node_replicate[self.index])

    @property
    def special_measures(self) -> bool:
        return bool(self.model.special_measures[self.index])

    @property
    def leader_tenure(self) -> int:
        return self.leader.tenure


class AcuteTrust(Organisation):
    """Large budget, dominant voice; foundation trusts value independence (KF L1896-1907)."""

    kind = "acute"

    @property
    def foundation(self) -> bool:
        return bool(self.model.network.foundation[self.index])


class MentalHealthTrust(Organisation):
    """A smaller, often marginalised voice (IHM: the "distorting lens of acute services")."""

    kind = "mental_health"


class CommunityTrust(Organisation):
    """A smaller, often marginalised voice (IHM)."""

    kind = "community"


class CCG(Organisation):
    """Commissioner: holds and pays the budget; small, parochial, locally rooted (KF L1193, L1206)."""

    kind = "ccg"


class Council(Organisation):
    """Social care and public health; more stable leadership (KF L1869); an electoral clock (IHM)."""

    kind = "council"


ORGANISATION_CLASSES = {cls.kind: cls for cls in (AcuteTrust, MentalHealthTrust, CommunityTrust, CCG, Council)}


def make_agents(model) -> list[Organisation]:
    """One agent per organisation (and its leader) of ``model``, in index order; Mesa's
    ``model.agents`` holds them too, for AgentSet queries."""
    return [ORGANISATION_CLASSES[ORG_TYPES[t]](model, i) for i, t in enumerate(model.types)]
