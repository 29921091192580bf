"""Leadership stability (``[leadership]``, MODEL.md 2.6 and 3): leader turnover and what a
successor inherits.

Leaders leave with a monthly hazard of 1 / mean tenure for their organisation type: NHS
leaders "come and go so frequently" (KF L1797), council leaders stay longer (KF L1869). In a
reorganisation month each leader leaves with ``reorganisation_share`` on top: many leaving
at once can reset a partnership (KF L2311). A successor keeps only part of the
predecessor's relationships (trust moves toward a stranger's), more when promoted from
inside (KF L2074, L2473). ``succeed`` is the one way to replace leaders; the regulator uses
it too, with draws from its own stream.

How it reaches a decision: no payoff changes. Tenure sets how often a relationship's trust
is pulled toward a stranger's (``trust_loss``, ``internal_keep``, ``trust.stranger``), and
the trust rule's choice follows that trust; a successor's disposition is drawn afresh. With
``trust_loss = 0`` successions change no relationship, and leave decisions to the new
leader's disposition alone.
"""

import numpy as np
from scipy.special import ndtri

from .. import kernels
from ..config import ORG_TYPES
from ..pipeline import Component, pick


class Leadership(Component):
    name = "leadership"
    section = "leadership"
    writes = ("trust", "grudge", "disposition", "appointed", "internal")

    def __init__(self, model):
        super().__init__(model)
        self.hazard = 1.0 / model.by_type(lambda c: [c.leadership.mean_tenure[t] for t in ORG_TYPES])
        self.reorganisations = set(self.cfg.reorganisations)
        self.left = np.zeros(model.replicates, dtype=np.int64)  # leaders who left this month
        self.left_total = np.zeros(model.replicates, dtype=np.int64)
        self.keep = np.ones(len(model.types))  # share of its relationships a successor keeps (set as they arrive)

    def turnover(self):
        m, cfg = self.model, self.cfg
        u = self.stream.uniform((len(m.types), 4), m.node_bounds)
        leaving = u[:, 0] < self.hazard
        if m.steps in self.reorganisations:
            leaving |= u[:, 2] < cfg.reorganisation_share
        self.left[:] = self.succeed(leaving, u[:, 1] < m.param("leadership.internal_succession"), u[:, 3])
        self.left_total += self.left

    def succeed(self, leaving: np.ndarray, internal: np.ndarray, draws: np.ndarray) -> np.ndarray:
        """Appoint new leaders where ``leaving``, promoted from inside where ``internal``; a
        successor's disposition is the normal quantile of its uniform in ``draws``. Returns
        how many left, per replicate."""
        m, cfg = self.model, self.cfg
        left = np.empty(m.replicates, dtype=np.int64)
        kernels.succession(leaving, internal, m.param("leadership.trust_loss"), cfg.internal_keep, self.keep,
                           m.appointed, m.internal, m.steps, m.node_replicate, left, m.src, m.dst, m.trust, m.grudge,
                           m.param("trust.stranger", "edge"))
        who = np.flatnonzero(leaving)  # a few percent of a batch's leaders in a month
        if len(who):
            m.disposition[who] = (pick(m.param("leadership.disposition_mean"), who)
                                  + cfg.disposition_sd * ndtri(np.maximum(draws[who], 1e-300)))
        return left
