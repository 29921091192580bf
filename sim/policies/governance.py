"""Governance of system plans (MODEL.md section 3; KF L1961; IHM L392-408, L829-836).

Every ``plan_every`` months each footprint's forum votes on a system plan. A member
supports it if it collaborated in most of its games that month. Under ``veto`` one
objection blocks the plan; under ``majority`` more than half the voice must support it,
voice weighted by budget (acute trusts dominate) or equal. Large forums stall: a forum of
more than ``workable_forum`` members reaches a decision only with probability
workable_forum / size ("27 people in the room ... nothing was achieved", KF L1961). While
an agreed plan is in force its transformation adds ``plan_dividend`` to the surplus of
mutual cooperation in that footprint.

How governance reaches a leader's decision (MODEL.md section 2; issue 13). The only
consequence a leader can expect from governance is the plan dividend at stake: while its
footprint has a plan in force, each relationship in which both sides collaborate pays each
of them ``plan_dividend`` x ``game.surplus`` / 2 more money (``settle``), so the leader adds
``money_weight`` x that dividend to R, the payoff of mutual cooperation (``perceive``); the
trust rule's payoff advantage of cooperating rises with it and so does the chance to
cooperate (sim/model.py ``decision_bias``; rules that ignore payoffs, such as tit-for-tat,
are unmoved). ``decision``, ``forum_size``,
``workable_forum`` and ``voice``, and a block by stakeholders (sim/policies/stakeholders.py),
act only through whether a plan is in force, that is whether the dividend is at stake; a plan whose dividend is 0 changes no decision (tested).
Optimism bias never enters the payoff table: it moves money only when budgets count
plans' promises (``promises_in_budgets``), and money reaches decisions only through
pressure (the temptation of sim/model.py ``payoff_table``).

Optimism bias (IHM L829-836: "extreme optimism bias of the financial plans ... Many of the
savings plans will fall short"; NT "balanced on paper"). A plan promises the savings it
would achieve if the month's collaboration held for its whole term, times 1 +
``optimism_bias``. When a plan's term ends, what it promised and what it delivered are added
to ``savings_planned`` and ``savings_realised``. With ``promises_in_budgets`` the promise
also sets the budgets: during the term each organisation books its promised dividend every
month instead of what it delivers, and in the term's last month the shortfall (promised less
delivered) arrives as a cost. Over a term the money is the same; what changes is when it
arrives: budgets look better while the plan runs, and the gap lands at once.
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
        n = len(footprint)
        self.in_force = np.zeros(n_fp, dtype=bool)
        self.promised = np.zeros(n_fp)  # savings each plan in force promised over its term
        self.delivered = np.zeros(n_fp)  # plan dividends paid so far in the term
        self.savings_planned = np.zeros(n_fp)  # totals over plans whose term has ended
        self.savings_realised = np.zeros(n_fp)
        self.booked = np.zeros(n)  # per organisation: promised dividend booked each month of the term
        self.node_delivered = np.zeros(n)  # per organisation: dividends delivered so far in the term
        self.shortfall_charged = np.zeros(n)  # per organisation: shortfalls charged at term ends, in total
        self.dividend = cfg.plan_dividend * model.param("game.surplus") / 2  # per organisation
        self.pays = bool(np.any(self.dividend))
        self.forum = np.zeros(n, dtype=bool)
        size = model.size
        for f in range(n_fp):
            members = np.flatnonzero(footprint == f)
            if cfg.forum_size:
                members = members[np.argsort(-size[members], kind="stable")[: cfg.forum_size]]
            self.forum[members] = True

    def perceive(self, table):
        if self.pays:
            table[:, R] += self.model.param("strategies.money_weight") * self.dividend * self.in_force[self.footprint]

    def settle(self):
        if not self.in_force.any():
            return
        m = self.model
        paid = self._dividends() * self.in_force[self.footprint]
        self.delivered += np.bincount(self.footprint, paid, len(self.in_force))
        if not self.cfg.promises_in_budgets:
            m.money += paid
            return
        self.node_delivered += paid
        m.money += self.booked
        if m.steps % self.cfg.plan_every == 0:  # the term's last month: the gap arrives
            shortfall = self.booked * self.cfg.plan_every - self.node_delivered
            m.money -= shortfall
            self.shortfall_charged += shortfall

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
        stakeholders = getattr(m, "stakeholders", None)
        if stakeholders is not None:  # clinicians, staff or the public may block the change
            self.in_force &= ~stakeholders.blocks(self.in_force)
        dividends = self._dividends()
        achievable = np.bincount(fp, dividends, n_fp) * cfg.plan_every
        self.promised = np.where(self.in_force, achievable * (1.0 + cfg.optimism_bias), 0.0)
        self.delivered[:] = 0.0
        self.booked = dividends * (1.0 + cfg.optimism_bias) * self.in_force[fp]
        self.node_delivered[:] = 0.0

    def _dividends(self) -> np.ndarray:
        """Per organisation: the plan dividend this month's mutual cooperation would earn."""
        both = self.model.mutual.astype(np.float64)
        return self.dividend * self.model.side_sum(both, both)
