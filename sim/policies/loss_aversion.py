"""Loss aversion of the "just about managing" (``[loss_aversion]``; MODEL.md section 7;
IHM L51-70).

"Some of the most fraught discussions have been in areas where everyone is just about
managing - inspection results are acceptable and financial targets are largely being hit.
For these organisations, there is a fear that even modest service changes could destabilise
their precarious balance" (IHM L51-62); crisis, by contrast, "focusses minds on the
necessity of change" (IHM L51-55), which the model's pressure already represents
(sim/model.py ``payoff_table``).

An organisation is just about managing when it is not in crisis (its pressure is below
``crisis``) but has little to spare (its balance is below ``margin`` x its monthly budget,
surplus or small deficit alike). Such a leader holds on to what it has: measured from the
status quo of mutual defection P, the loss of collaborating with a partner who does not
(P - S, the sucker's loss) weighs ``factor`` times as much, so its S becomes
P - factor x (P - S). Gains are not scaled, and where S is not below P there is no loss to
weigh.

How it reaches a decision: the lower S lowers the trust rule's payoff advantage of
cooperating (sim/model.py ``decision_bias``) for the organisations in the band, and only
for them. With ``factor`` = 1 there is no loss aversion (the component is left out); with
no organisation in the band, nothing changes.
"""

import numpy as np

from .. import kernels
from ..pipeline import Component


class LossAversion(Component):
    name = "loss_aversion"
    section = "loss_aversion"
    writes = ()

    @classmethod
    def wanted(cls, config) -> bool:
        return config.loss_aversion.factor != 1.0

    def managing(self) -> np.ndarray:
        """Per organisation: just about managing (not in crisis, little to spare); the
        condition ``kernels.loss_averse`` applies."""
        m = self.model
        return (m.pressure < m.param("loss_aversion.crisis")) & (m.balance < m.param("loss_aversion.margin") * m.size)

    def perceive(self, table):
        m = self.model
        kernels.loss_averse(table, m.param("loss_aversion.factor"), m.param("loss_aversion.crisis"),
                            m.param("loss_aversion.margin"), m.pressure, m.balance, m.size)
