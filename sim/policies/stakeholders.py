"""Stakeholder veto (``[stakeholders]``; MODEL.md section 7; IHM L432-438, L486-490;
NT L560-575): clinicians, staff and the public can block a service change, less often
when they have been engaged.

"Without their willing involvement the whole exercise will stall" (clinicians, IHM
L432-438); "Staff engagement in STPs so far has been minimal to non-existent" (IHM
L486-490); "very little evidence of public consultation or engagement", with reconfiguration
met by "an outraged local population" (NT L560-575).

A service change is a system plan (sim/policies/governance.py). Each plan a forum agrees is
blocked by its stakeholders with probability ``block`` x 0.5 ^ (``engagement`` /
``engagement_halving``): every organisation spends ``engagement`` x its monthly budget a
month on engaging clinicians, staff and the public (a cost, kept in ``spent``), and each
``engagement_halving`` of it halves the chance of a block. A blocked plan is not in force
for its term.

How it reaches a decision: only through whether a plan is in force, that is whether the plan
dividend is at stake (governance's causal chain), and, as a cost, through the pressure the
engagement spend builds. With no dividend at stake a block changes no decision (tested).
The component takes part only where plans are voted on (``governance.decision`` not "none").
"""

import numpy as np

from ..pipeline import Component


class Stakeholders(Component):
    name = "stakeholders"
    section = "stakeholders"
    writes = ("money",)

    @classmethod
    def wanted(cls, config) -> bool:
        c = config.stakeholders
        return (c.block > 0 or c.engagement > 0) and config.governance.decision != "none"

    def __init__(self, model):
        super().__init__(model)
        cfg = self.cfg
        self.chance = model.param("stakeholders.block", "footprint") * 0.5 ** (
            cfg.engagement / model.param("stakeholders.engagement_halving", "footprint"))
        self.cost = cfg.engagement * model.size
        self.spent = np.zeros(len(model.size))  # engagement money spent in total
        self.blocked = np.zeros(int(model.network.footprint.max()) + 1)  # plans blocked per footprint

    def settle(self):
        if self.cfg.engagement:
            self.model.money -= self.cost
            self.spent += self.cost

    def blocks(self, agreed: np.ndarray) -> np.ndarray:
        """Per footprint: whether its stakeholders block the plan just ``agreed`` (a draw for
        every footprint each round, agreed or not, so the stream does not depend on votes)."""
        u = self.stream.uniform(agreed.shape, self.model.footprint_bounds)
        out = agreed & (u < self.chance)
        self.blocked += out
        return out
