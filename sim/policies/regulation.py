"""Regulation regimes (MODEL.md section 3; KF L1543-1561, L2001-2006; NT).

- ``none``: the regulator watches and never acts.
- ``organisational``: each body is judged on its own balance. A leader therefore weighs the
  money each game moves to or from its own books, so being exploited hurts more and
  exploiting pays more; a detected deficit is fined.
- ``system``: the footprint is judged as a whole on shared outcomes. Transfers inside it
  cancel out, so only the surplus of mutual cooperation counts, and the cost of mutual
  defection under pressure is shared (joint accountability, KF L1582-1593); the regulator
  "backs off" a footprint that balances (NT): no fine falls on it.

Both acting regimes put an organisation whose deficit passes ``intervention_threshold``
(as a share of its monthly budget) into special measures: turnaround support clears the
deficit (its cost is counted) and the leader may be replaced. Under ``system`` this happens
only where the footprint as a whole is in deficit.
"""

import numpy as np

from ..config import RegulationConfig
from .base import Policy


class NoRegulation(Policy):
    """No regulator action: organisations are never fined or put into special measures."""


class Regulation(Policy):
    def __init__(self, cfg: RegulationConfig, money_weight: float):
        self.cfg = cfg
        self.weight = cfg.detection * money_weight  # expected payoff units per unit of money judged
        self.months_left = None

    def _judged_money(self, model) -> np.ndarray:
        """Money per game outcome (CC, CD, DC, DD) that this regime judges a body on."""
        raise NotImplementedError

    def perceive(self, model, table):
        table += self.weight * self._judged_money(model)

    def _breached(self, model) -> np.ndarray:
        raise NotImplementedError

    def review(self, model):
        cfg = self.cfg
        n = len(model.balance)
        if self.months_left is None:
            self.months_left = np.zeros(n, dtype=np.int64)
        u = model.rng.random((n, 2))
        fined = self._breached(model) & (self._detection_draw(model, u[:, 0]) < cfg.detection)
        fines = cfg.fine * model.size * fined
        model.balance -= fines
        model.fines_total += float(fines.sum())

        self.months_left = np.maximum(self.months_left - 1, 0)
        failing = (model.balance < -cfg.intervention_threshold * model.size) & (self.months_left == 0)
        failing &= self._may_intervene(model)
        if failing.any():
            model.intervention_cost_total += float(-model.balance[failing].sum())
            model.balance[failing] = 0.0
            self.months_left[failing] = cfg.special_measures_months
            model.leadership.replace(model, failing & (u[:, 1] < cfg.replace_leader), internal=np.zeros(n, bool))
        model.special_measures[:] = self.months_left > 0

    def _detection_draw(self, model, draws):
        return draws

    def _may_intervene(self, model) -> np.ndarray:
        return np.ones(len(model.balance), dtype=bool)


class OrganisationalRegulation(Regulation):
    """Each body judged on its own balance and targets (KF L1543-1561)."""

    name = "organisational"

    def _judged_money(self, model):
        g = model.config.game
        return np.array([g.surplus / 2, -g.shift, g.shift, 0.0])

    def _breached(self, model):
        return model.balance < 0


class SystemRegulation(Regulation):
    """The footprint judged as a whole; regulators back off if the system balances (NT)."""

    name = "system"
    accountability = 1.0

    def _judged_money(self, model):
        return np.array([model.config.game.surplus, 0.0, 0.0, 0.0])

    def _footprint_deficit(self, model) -> np.ndarray:
        fp = model.network.footprint
        totals = np.bincount(fp, model.balance)
        return (totals < 0)[fp]

    def _breached(self, model):
        return self._footprint_deficit(model)

    def _detection_draw(self, model, draws):
        """One detection draw per footprint: the footprint is judged, and fined, as one."""
        fp = model.network.footprint
        first = np.unique(fp, return_index=True)[1]
        return draws[first][fp]

    def _may_intervene(self, model):
        return self._footprint_deficit(model)


def build_regulation(cfg: RegulationConfig, money_weight: float) -> Policy:
    if cfg.regime == "organisational":
        return OrganisationalRegulation(cfg, money_weight)
    if cfg.regime == "system":
        return SystemRegulation(cfg, money_weight)
    return NoRegulation()
