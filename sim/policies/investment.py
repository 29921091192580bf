"""Invest here, benefit there (``[investment]``, MODEL.md sections 1 and 7).

A council, community or mental-health service can spend so that an acute trust's demand
falls: "my board will not thank me for saying 'I think we should invest £20 million in social
care to get everyone home earlier'" (IHM L80-82); "How do you jointly invest to deliver the
outcome? ... How do you share the benefits?" (KF L1846-1848). The cost lands now on one
organisation, the benefit later on another: getting a significant change through took "two
and a half years" (KF L708-712) and "the time required to implement has been underestimated"
(NT L556). Councils "might retract support for difficult decisions under pressure"
(NT L511-512).

An investment relationship is an edge between an ``investors`` type and a ``beneficiaries``
type. Each month the investor's leader invests ``amount`` x its monthly budget on each such
relationship, or holds back (no deal: no transfer, and not a defection in the game). Money
invested in month t is paid at once; in month t + ``lag`` the benefit, ``multiple`` x the
money, lands: a share ``own_share`` in the investor's own sector, the rest as the
beneficiary's saving, of which a share ``shared_savings`` goes back to the investor if the
beneficiary keeps the agreement (it cooperates on that relationship that month). The causal
chain from each parameter to the decision: the leader counts only what it will see while
still in post, so the benefit is discounted by d = (1 - 1 / tenure) ^ lag, the chance that a
leader with monthly hazard 1 / ``leadership.mean_tenure`` of its type is still there when the
benefit lands (a longer ``lag`` or a shorter tenure lowers d); the benefit it will see per
unit invested is d x ``multiple`` x (``own_share`` + (1 - ``own_share``) x ``shared_savings``
x trust), with the returned share counted as far as the leader trusts the beneficiary to pay
it; it invests when that exceeds the unit it pays now (``amount`` sets the stake, not the
decision). A council whose pressure has reached ``withdraw_at`` (when above 0) withdraws:
it makes no new investment whatever the return. So a benefit the leader will never see
(zero ``multiple``, or zero shares) changes no decision: nothing is invested and nothing
moves. Flows are booked after the payment regime's pooling (this component follows
``Incentives``), so a pooled budget does not share them.

Pending benefits are a ring buffer over the investment relationships of every replicate at
once, as long as the longest ``lag``; each relationship uses the slot its own lag gives (the
worlds of a robustness check may differ in it). There are no draws, so a run is the same
alone or batched.
"""

import numpy as np

from ..config import ORG_TYPES
from ..pipeline import Component, pick
from ..strategies import COOPERATE

COUNCIL = ORG_TYPES.index("council")


def discount(tenure, lag: int):
    """The chance a leader with mean tenure ``tenure`` months (monthly hazard 1 / tenure)
    is still in post ``lag`` months from now."""
    return (1.0 - 1.0 / np.asarray(tenure, dtype=np.float64)) ** lag


def seen_return(d, multiple: float, own_share: float, shared_savings: float, trust):
    """Benefit a leader expects to see per unit invested: discount x multiple x (own
    share + the share of the beneficiary's saving returned, as far as it is trusted)."""
    return d * multiple * (own_share + (1.0 - own_share) * shared_savings * np.asarray(trust))


class Investment(Component):
    name = "investment"
    section = "investment"
    writes = ("money",)

    @classmethod
    def wanted(cls, config) -> bool:
        return config.investment.amount > 0

    def __init__(self, model):
        super().__init__(model)
        cfg, m = self.cfg, model
        investor = np.isin(m.types, [ORG_TYPES.index(t) for t in cfg.investors])
        beneficiary = np.isin(m.types, [ORG_TYPES.index(t) for t in cfg.beneficiaries])
        forward = investor[m.src] & beneficiary[m.dst]  # src invests, dst benefits
        backward = beneficiary[m.src] & investor[m.dst]
        self.edges = np.flatnonzero(forward | backward)
        self.side = np.where(forward[self.edges], 0, 1)  # the investor's side of the edge
        ends = np.stack([m.src[self.edges], m.dst[self.edges]], axis=1)
        k = np.arange(len(self.edges))
        self.investor = ends[k, self.side]
        self.beneficiary = ends[k, 1 - self.side]
        # Per relationship where the replicates' constants differ, else one number each.
        self.lag = pick(m.param("investment.lag", "edge"), self.edges)
        self.multiple = pick(m.param("investment.multiple", "edge"), self.edges)
        self.own_share = pick(m.param("investment.own_share", "edge"), self.edges)
        tenure = m.by_type(lambda c: [c.leadership.mean_tenure[t] for t in ORG_TYPES])
        self.discount = discount(tenure[self.investor], self.lag)
        self.council = m.types[self.investor] == COUNCIL
        self.stake = cfg.amount * m.size[self.investor]  # money put in per relationship per month
        self.pending = np.zeros((int(np.max(self.lag, initial=1)), len(self.edges)))  # money invested, by month mod lag
        self.k = np.arange(len(self.edges))
        self.rep = m.edge_replicate[self.edges]
        self.count = np.bincount(self.rep, minlength=m.replicates).astype(np.float64)
        self.investing = np.zeros(len(self.edges), dtype=np.bool_)
        self.withdrawn = np.zeros(len(self.edges), dtype=np.bool_)
        # Per replicate: money invested, benefits landed and savings returned, in all so far.
        self.invested_total = np.zeros(m.replicates)
        self.realised_total = np.zeros(m.replicates)
        self.returned_total = np.zeros(m.replicates)

    def expected_return(self) -> np.ndarray:
        """Per relationship: the benefit its investor's leader expects to see per unit."""
        cfg, m = self.cfg, self.model
        trust = m.trust[self.edges, self.side]
        return seen_return(self.discount, self.multiple, self.own_share, cfg.shared_savings, trust)

    def settle(self):
        cfg, m = self.cfg, self.model
        n = len(m.money)
        slot = m.steps % self.lag
        # What was invested ``lag`` months ago lands now.
        landed = self.pending[slot, self.k]
        benefit = self.multiple * landed
        saving = (1.0 - self.own_share) * benefit
        honoured = m.moves[self.edges, 1 - self.side] == COOPERATE
        returned = cfg.shared_savings * saving * honoured
        m.money += np.bincount(self.beneficiary, saving - returned, n)
        m.money += np.bincount(self.investor, benefit - saving + returned, n)
        # This month's decisions: invest where the benefit the leader will see beats the cost.
        self.withdrawn[:] = self.council & (m.pressure[self.investor] >= cfg.withdraw_at) if cfg.withdraw_at > 0 else False
        np.logical_and(self.expected_return() > 1.0, ~self.withdrawn, out=self.investing)
        paid = self.stake * self.investing
        m.money -= np.bincount(self.investor, paid, n)
        self.pending[slot, self.k] = paid
        self.invested_total += np.bincount(self.rep, paid, m.replicates)
        self.realised_total += np.bincount(self.rep, benefit, m.replicates)
        self.returned_total += np.bincount(self.rep, returned, m.replicates)
