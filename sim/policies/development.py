"""Organisational development (``[development]``; MODEL.md section 7; IHM L207-214;
KF L2054-2056): a lever that spends money to build trust.

"Shutting a group of people in a room and expecting trust to develop ... will almost
certainly end in failure. STP leaders need to invest time and effort in their own
organisational development (OD)" (IHM L207-214); "All the leadership programmes were
system-wide and everyone then did things together in a similar way ... That's how they
learnt to trust each other" (KF L2054-2056).

Every month of the programme (the first ``months``, or the whole run if 0) each
organisation spends ``spend`` x its monthly budget: a cost, taken from its money and kept
in ``spent``. What it spends per relationship, x = spend x size / degree, closes a share
g = 1 - exp(-``efficacy`` x x) of the gap between its leader's trust in each partner and 1:
about ``efficacy`` x x for small spends, with diminishing returns as the spend grows, and
never more than the whole gap.

How it reaches a decision: through trust (the trust rule cooperates with probability
sigma(beta (trust - 1/2 + ...)); rules that ignore trust are unmoved) and, as a cost,
through the pressure a thinner budget builds. With ``spend`` = 0 nothing is spent and no
trust moves (the component is left out).
"""

import numpy as np

from ..pipeline import Component


class Development(Component):
    name = "development"
    section = "development"
    writes = ("money", "trust")

    @classmethod
    def wanted(cls, config) -> bool:
        return config.development.spend > 0

    def __init__(self, model):
        super().__init__(model)
        cfg = self.cfg
        self.cost = cfg.spend * model.size  # money a month per organisation
        per_relationship = self.cost / np.maximum(model.degree, 1)
        gain = -np.expm1(-model.param("development.efficacy") * per_relationship)  # 1 - exp(-efficacy x): exact for small x
        self.gain = np.stack([gain[model.src], gain[model.dst]], axis=1)  # per side: its own organisation's
        self.spent = np.zeros(len(model.size))  # money spent in total

    def _running(self) -> bool:
        return not self.cfg.months or self.model.steps <= self.cfg.months

    def settle(self):
        if self._running():
            self.model.money -= self.cost
            self.spent += self.cost

    def review(self):
        if self._running():
            trust = self.model.trust
            trust += self.gain * (1.0 - trust)
