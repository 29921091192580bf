"""Regulation regimes (``[regulation]``; MODEL.md section 3; KF L1543-1561, L2001-2006; NT).

- ``none``: the regulator watches and never acts (the component is left out).
- ``organisational``: each body is judged on its own balance. A leader therefore weighs the
  money each game moves to or from its own books, so being exploited hurts more and
  exploiting pays more; a detected deficit is fined.
- ``system``: the footprint is judged as a whole on shared outcomes. Transfers inside it
  cancel out, so only the surplus of mutual cooperation counts, and the cost of mutual
  defection under pressure is shared (joint accountability, KF L1582-1593); the regulator
  "backs off" a footprint that balances (NT): no fine falls on it.

How the regime reaches a leader's decision (MODEL.md section 2): only through the fine a
leader can expect. A detected breach costs ``fine`` x the monthly budget; a leader reads it
as a cost per unit of shortfall on the books it is judged on, spread over the deficit at
which pressure is full (``budget.pressure_scale`` x budget): expected fine per unit of
judged money ``k = detection x fine / pressure_scale``. Each game outcome's money on the
judged books (own books: the surplus share, the shift lost or taken; the footprint's books:
only the shared surplus) is weighed at ``money_weight x k`` payoff units. Under ``system``
the expected fine also makes the cost of mutual defection under pressure shared
(``accountability = min(1, money_weight x k)``): full once a unit of shortfall costs the
leader a payoff unit. With ``fine = 0`` or ``detection = 0`` the regime changes no
decision; it then acts only through special measures (support and replaced leaders), and
with an unreachable ``intervention_threshold`` not at all (tests/test_lever_consequence.py).

Both acting regimes put an organisation whose deficit passes ``intervention_threshold``
(as a share of its monthly budget) into special measures: turnaround support clears the
deficit and the leader may be replaced. Under ``system`` this happens only where the
footprint as a whole is in deficit. Fines are paid to the centre: they leave the balance and
are kept in ``fines_paid``, a transfer, not a cost; support is kept in ``bailouts``, apart
from what the organisation earned.
"""

import numpy as np

from .. import kernels
from ..pipeline import Component


class Regulation(Component):
    name = "regulation"
    section = "regulation"
    writes = ("balance", "fines_paid", "bailouts", "special_measures",
              "trust", "grudge", "disposition", "appointed", "internal")  # the last five through succession

    @classmethod
    def wanted(cls, config) -> bool:
        return config.regulation.regime != "none"

    def __init__(self, model):
        super().__init__(model)
        self.system = self.cfg.regime == "system"
        weight = model.param("strategies.money_weight")
        expected_fine = self.cfg.detection * self.cfg.fine / model.param("budget.pressure_scale")  # per unit of shortfall
        self.accountability = np.minimum(1.0, weight * expected_fine) if self.system else 0.0
        # Money per game outcome (R, S, T, P columns) that the regime judges a body on (per
        # organisation where the replicates' constants differ).
        surplus, shift = model.param("game.surplus"), model.param("game.shift")
        zero = np.zeros_like(surplus)
        judged = [surplus, zero, zero, zero] if self.system else [surplus / 2, -shift, shift, zero]
        self.judged = np.expand_dims(weight * expected_fine, -1) * np.stack(judged, axis=-1)
        self.months_left = np.zeros(len(model.types), dtype=np.int64)
        fp = model.network.footprint
        self._first = np.unique(fp, return_index=True)[1]  # one member per footprint
        self._sums = np.zeros(len(self._first))  # each footprint's balance (kernels.regulate)
        self._replaced = np.zeros(len(model.types), dtype=bool)  # leaders the regulator replaces this month

    def perceive(self, table):
        table += self.judged

    def review(self):
        m, cfg = self.model, self.cfg
        u = self.stream.uniform((len(m.types), 3), m.node_bounds)
        if kernels.regulate(self.system, cfg.fine, cfg.detection, cfg.intervention_threshold,
                            cfg.special_measures_months, cfg.replace_leader, self._first, m.network.footprint, m.size,
                            u, m.balance, m.fines_paid, m.bailouts, self.months_left, m.special_measures, self._sums,
                            self._replaced):
            m.leadership.succeed(self._replaced, np.zeros(len(m.types), bool), u[:, 2])
