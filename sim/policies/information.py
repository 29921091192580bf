"""Shared information and pledges (``[information]``, MODEL.md section 7): what
organisations see of each other's moves, which is what their trust, grudges and rules
respond to.

Misreading is the noise in what a leader perceives of a partner; a shared financial
framework, "one version of the truth" (IHM L104-121; NT), removes a share
``shared_information`` of it. With pledges, collaboration is promised in public and decided
in private: "in one room talking about how we are working collaboratively and then ...
a contract negotiation that almost tosses out what we've agreed" (KF L2288-2297). A broken
pledge is found out with probability ``detection`` and then costs ``breach_loss`` of the
victim's trust ("they will be found out", IHM L266-271); otherwise the pledge is believed.
With neither, every move is seen as made and no draws are taken.

How it reaches a decision: only through what a side sees. A misread or believed move changes
trust, grudges and the last move a reactive rule answers; payoffs are untouched. With
``misread = 0`` and no pledges, or ``shared_information = 1``, every move is seen as made.
"""

import numpy as np

from .. import kernels
from ..pipeline import Component


class Information(Component):
    name = "information"
    section = "information"
    writes = ("seen", "trust", "last", "grudge")

    def __init__(self, model):
        super().__init__(model)
        cfg = self.cfg
        e = len(model.src)
        self.misread = cfg.misread * (1.0 - cfg.shared_information)
        self.active = self.misread > 0.0 or cfg.pledges
        self._none = np.empty((0, 2))  # the kernel reads no draws without misreading or pledges
        self.found_out = np.zeros((e, 2), dtype=np.bool_)

    def observe(self):
        m = self.model
        u = self.stream.uniform((len(m.src), 2), m.edge_bounds) if self.active else self._none
        kernels.observe(m.moves, self.misread, self.cfg.pledges, self.cfg.detection, u, m.seen,
                        self.found_out, m.deal)
        kernels.update_relationships(m.moves, m.seen, self.found_out, m.trust, m.last, m.grudge,
                                     m.param("trust.gain", "edge"), m.param("trust.loss", "edge"),
                                     self.cfg.breach_loss, m.deal)

