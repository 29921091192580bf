"""Payment regimes and funding levers (``[incentives]``, MODEL.md section 3).

- ``block_contract``: fixed income; the game as it is.
- ``payment_by_results``: activity is paid at tariff, so an acute trust that shares activity
  with a partner loses the tariff income: the commissioner's purse (``sim.policies.purse``).
- ``pooled_budget``: a share alpha of every payoff and money flow is pooled and split
  equally across the footprint, the council's included: "there is only one sum of money"
  (NT L604-606); the CCG pays its providers a fixed (capitated) budget.
Transitional funding (money per month for the first months, kept in ``funding``: support,
not money earned) and a membership fee ("skin in the game", KF L1469: paid in by all,
returned to members who collaborated) apply under any payment regime.

Causal chain from each parameter to a leader's decision. Pooling: the share actually pooled,
``pooling_share`` alpha, is the share of the pair's joint result a leader shares in, so it
moves the sucker's payoff and the temptation a fraction alpha toward their mean (and makes
the cost of mutual defection under pressure joint by alpha); alpha = 0 changes nothing.
Membership fee: the fee at risk, ``membership_fee`` x budget spread over the organisation's
relationships, times ``strategies.money_weight``, is taken from the payoffs of defecting
(T and P), since an organisation that does not collaborate forfeits its rebate; a fee of 0
changes nothing. Payment by results acts through the tariff income at stake (see
``sim.policies.purse``). Transitional funding is paid whatever anyone does, so it enters no
decision directly; it changes decisions only through the pressure it relieves.
"""

import numpy as np

from ..payoffs import P, S, T
from ..pipeline import Component, footprint_mean


class Incentives(Component):
    name = "incentives"
    section = "incentives"
    writes = ("score", "money", "funding")

    @classmethod
    def wanted(cls, config) -> bool:
        c = config.incentives
        return c.payment == "pooled_budget" or c.transitional_funding > 0 or c.membership_fee > 0

    def __init__(self, model):
        super().__init__(model)
        self.alpha = self.cfg.pooling_share if self.cfg.payment == "pooled_budget" else 0.0
        self.accountability = self.alpha
        self.pooled = np.zeros(len(model.types)) if self.alpha else None  # money pooling moved this month

    def perceive(self, table):
        cfg, m = self.cfg, self.model
        if self.alpha:
            mixed = (table[:, S] + table[:, T]) / 2
            table[:, S] = (1 - self.alpha) * table[:, S] + self.alpha * mixed
            table[:, T] = (1 - self.alpha) * table[:, T] + self.alpha * mixed
        if cfg.membership_fee:
            # Defecting risks the rebate: the fee per relationship, in payoff units.
            forfeit = m.param("strategies.money_weight") * cfg.membership_fee * m.size / np.maximum(m.degree, 1)
            table[:, T] -= forfeit
            table[:, P] -= forfeit

    def settle(self):
        cfg, m = self.cfg, self.model
        fp = m.network.footprint
        if self.alpha:
            m.score[:] = (1 - self.alpha) * m.score + self.alpha * footprint_mean(m.score, fp)
            pooled = (1 - self.alpha) * m.money + self.alpha * footprint_mean(m.money, fp)
            np.subtract(pooled, m.money, out=self.pooled)
            m.money[:] = pooled
        if cfg.transitional_funding and m.steps <= cfg.transitional_months:
            paid = cfg.transitional_funding * m.size
            m.money += paid
            m.funding += paid
        if cfg.membership_fee:
            fee = cfg.membership_fee * m.size
            members = m.node_cooperation() >= 0.5
            pot = np.bincount(fp, fee)
            weight = m.size * members
            share = np.bincount(fp, weight, len(pot))
            # A footprint where no one collaborated gets its fees back pro rata.
            fallback = share == 0
            weight = np.where(fallback[fp], m.size, weight)
            share = np.bincount(fp, weight, len(pot))
            m.money += pot[fp] * weight / share[fp] - fee
