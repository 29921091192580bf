"""Governance of system plans (MODEL.md section 3; KF L1961; IHM L392-408).

Every ``plan_every`` months each footprint's forum votes on a system plan. A member
supports it if it collaborated in most of its games that month. Under ``veto`` one
objection blocks the plan; under ``majority`` more than half the voice must support it,
voice weighted by budget (acute trusts dominate) or equal. Large forums stall: a forum of
more than ``workable_forum`` members reaches a decision only with probability
workable_forum / size ("27 people in the room ... nothing was achieved", KF L1961). While
an agreed plan is in force its transformation adds ``plan_dividend`` to the surplus of
mutual cooperation in that footprint.

A plan promises the savings it would achieve if the month's collaboration held for its
whole term, times 1 + ``optimism_bias``: "extreme optimism bias of the financial plans ...
Many of the savings plans will fall short" (IHM L829-836). When a plan's term ends, what it
promised and what it delivered are added to ``savings_planned`` and ``savings_realised``.
"""

import numpy as np

from ..payoffs import R
from ..pipeline import Component


class Governance(Component):
    name = "governance"
    section = "governance"
    writes = ("money",)

    @classmethod
    def wanted(cls, config) -> bool:
        return config.governance.decision != "none"

    def __init__(self, model):
        super().__init__(model)
        cfg = self.cfg
        footprint = self.footprint = model.network.footprint
        n_fp = int(footprint.max()) + 1
        self.in_force = np.zeros(n_fp, dtype=bool)
        self.promised = np.zeros(n_fp)  # savings each plan in force promised over its term
        self.delivered = np.zeros(n_fp)  # plan dividends paid so far in the term
        self.savings_planned = np.zeros(n_fp)  # totals over plans whose term has ended
        self.savings_realised = np.zeros(n_fp)
        self.dividend = cfg.plan_dividend * model.config.game.surplus / 2
        self.forum = np.zeros(len(footprint), dtype=bool)
        size = model.size
        for f in range(n_fp):
            members = np.flatnonzero(footprint == f)
            if cfg.forum_size:
                members = members[np.argsort(-size[members], kind="stable")[: cfg.forum_size]]
            self.forum[members] = True

    def perceive(self, table):
        table[:, R] += self.model.config.strategies.money_weight * self.dividend * self.in_force[self.footprint]

    def settle(self):
        if not self.in_force.any():
            return
        paid = self._dividends() * self.in_force[self.footprint]
        self.model.money += paid
        self.delivered += np.bincount(self.footprint, paid, len(self.in_force))

    def review(self):
        cfg, m = self.cfg, self.model
        if m.steps % cfg.plan_every:
            return
        fp = self.footprint
        n_fp = len(self.in_force)
        support = m.node_cooperation() >= 0.5
        voice = m.size if cfg.voice == "size" else np.ones(len(fp))
        members = np.bincount(fp, self.forum, n_fp)
        if cfg.decision == "veto":
            agreed = np.bincount(fp, self.forum & ~support, n_fp) == 0
        else:
            yes = np.bincount(fp, voice * (self.forum & support), n_fp)
            agreed = yes > 0.5 * np.bincount(fp, voice * self.forum, n_fp)
        u = self.stream.uniform(self.in_force.shape, m.footprint_bounds)
        decides = u < np.minimum(1.0, cfg.workable_forum / np.maximum(members, 1))
        self.savings_planned += np.where(self.in_force, self.promised, 0.0)
        self.savings_realised += np.where(self.in_force, self.delivered, 0.0)
        self.in_force = agreed & decides
        achievable = np.bincount(fp, self._dividends(), n_fp) * cfg.plan_every
        self.promised = np.where(self.in_force, achievable * (1.0 + cfg.optimism_bias), 0.0)
        self.delivered[:] = 0.0

    def _dividends(self) -> np.ndarray:
        """Per organisation: the plan dividend this month's mutual cooperation would earn."""
        m = self.model
        both = m.mutual.astype(np.float64)
        n = len(m.money)
        return self.dividend * (np.bincount(m.src, both, n) + np.bincount(m.dst, both, n))
