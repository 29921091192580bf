"""Payment regimes and funding levers (MODEL.md section 3).

- ``block_contract``: fixed income; the game as it is.
- ``payment_by_results``: activity income raises an acute trust's temptation to keep
  activity rather than share it (``pbr_temptation`` added to its T).
- ``pooled_budget``: a share alpha of every payoff and money flow is pooled and split
  equally across the footprint: "there is only one sum of money" (NT). A leader then weighs
  a share alpha of the pair's joint result, which turns the sucker's loss and the
  temptation toward their average; the cost of shared deficits is shared too.
Transitional funding (money per month for the first months) and a membership fee ("skin in
the game", KF L1469: paid in by all, returned to members who collaborated) apply under any
payment regime.
"""

import numpy as np

from ..config import ORG_TYPES, IncentivesConfig
from .base import Policy, footprint_mean

ACUTE = ORG_TYPES.index("acute")


class Incentives(Policy):
    def __init__(self, cfg: IncentivesConfig, money_weight: float):
        self.cfg = cfg
        self.name = cfg.payment
        self.money_weight = money_weight
        self.alpha = cfg.pooling_share if cfg.payment == "pooled_budget" else 0.0
        self.accountability = self.alpha

    def perceive(self, model, table):
        cfg = self.cfg
        if cfg.payment == "payment_by_results":
            table[model.types == ACUTE, 2] += cfg.pbr_temptation
        if self.alpha:
            mixed = (table[:, 1] + table[:, 2]) / 2
            table[:, 1] = (1 - self.alpha) * table[:, 1] + self.alpha * mixed
            table[:, 2] = (1 - self.alpha) * table[:, 2] + self.alpha * mixed
        if cfg.membership_fee:
            # Defecting risks the rebate: the fee per relationship, in payoff units.
            forfeit = self.money_weight * cfg.membership_fee * model.size / np.maximum(model.degree, 1)
            table[:, 2] -= forfeit
            table[:, 3] -= forfeit

    def settle(self, model):
        cfg = self.cfg
        fp = model.network.footprint
        if self.alpha:
            for values in (model.score, model.money):
                values[:] = (1 - self.alpha) * values + self.alpha * footprint_mean(values, fp)
        if cfg.transitional_funding and model.steps <= cfg.transitional_months:
            model.money += cfg.transitional_funding * model.size
        if cfg.membership_fee:
            fee = cfg.membership_fee * model.size
            members = model.node_cooperation() >= 0.5
            pot = np.bincount(fp, fee)
            weight = model.size * members
            share = np.bincount(fp, weight, len(pot))
            # A footprint where no one collaborated gets its fees back pro rata.
            fallback = share == 0
            weight = np.where(fallback[fp], model.size, weight)
            share = np.bincount(fp, weight, len(pot))
            model.money += pot[fp] * weight / share[fp] - fee


def build_incentives(cfg: IncentivesConfig, money_weight: float) -> Incentives:
    return Incentives(cfg, money_weight)
