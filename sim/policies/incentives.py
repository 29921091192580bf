"""Payment regimes and funding levers (``[incentives]``, MODEL.md section 3).

- ``block_contract``: fixed income; the game as it is.
- ``payment_by_results``: activity income raises an acute trust's temptation to keep
  activity rather than share it (``pbr_temptation`` added to its T).
- ``pooled_budget``: a share alpha of every payoff and money flow is pooled and split
  equally across the footprint: "there is only one sum of money" (NT). A leader then weighs
  a share alpha of the pair's joint result, which turns the sucker's loss and the
  temptation toward their average; the cost of shared deficits is shared too.
Transitional funding (money per month for the first months, kept in ``funding``: support,
not money earned) and a membership fee ("skin in the game", KF L1469: paid in by all,
returned to members who collaborated) apply under any payment regime.
"""

import numpy as np

from ..config import ORG_TYPES
from ..payoffs import P, S, T
from ..pipeline import Component, footprint_mean

ACUTE = ORG_TYPES.index("acute")


class Incentives(Component):
    name = "incentives"
    section = "incentives"
    writes = ("score", "money", "funding")

    @classmethod
    def wanted(cls, config) -> bool:
        c = config.incentives
        return c.payment != "block_contract" or c.transitional_funding > 0 or c.membership_fee > 0

    def __init__(self, model):
        super().__init__(model)
        self.alpha = self.cfg.pooling_share if self.cfg.payment == "pooled_budget" else 0.0
        self.accountability = self.alpha
        self.acute = model.types == ACUTE

    def perceive(self, table):
        cfg, m = self.cfg, self.model
        if cfg.payment == "payment_by_results":
            table[self.acute, T] += cfg.pbr_temptation
        if self.alpha:
            mixed = (table[:, S] + table[:, T]) / 2
            table[:, S] = (1 - self.alpha) * table[:, S] + self.alpha * mixed
            table[:, T] = (1 - self.alpha) * table[:, T] + self.alpha * mixed
        if cfg.membership_fee:
            # Defecting risks the rebate: the fee per relationship, in payoff units.
            forfeit = m.config.strategies.money_weight * cfg.membership_fee * m.size / np.maximum(m.degree, 1)
            table[:, T] -= forfeit
            table[:, P] -= forfeit

    def settle(self):
        cfg, m = self.cfg, self.model
        fp = m.network.footprint
        if self.alpha:
            for values in (m.score, m.money):
                values[:] = (1 - self.alpha) * values + self.alpha * footprint_mean(values, fp)
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
