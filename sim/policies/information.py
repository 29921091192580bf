"""Shared information and pledges (MODEL.md section 7): what organisations see of each
other's moves, which is what their trust, grudges and rules respond to.

Misreading is the noise in what a leader perceives of a partner; a shared financial
framework, "one version of the truth" (IHM L104-121; NT), removes a share
``shared_information`` of it. With pledges, collaboration is promised in public and decided
in private: "in one room talking about how we are working collaboratively and then ...
a contract negotiation that almost tosses out what we've agreed" (KF L2288-2297). A broken
pledge is found out with probability ``detection`` and then costs ``breach_loss`` of the
victim's trust ("they will be found out", IHM L266-271); otherwise the pledge is believed.
"""

import numpy as np

from .. import kernels
from ..config import InformationConfig


class Information:
    """Perception on ``n_edges`` relationships; ``Information.public(n)`` is the default of
    every move seen as made (plain matches use it too)."""

    def __init__(self, cfg: InformationConfig, n_edges: int):
        self.cfg = cfg
        self.misread = cfg.misread * (1.0 - cfg.shared_information)
        self.active = self.misread > 0.0 or cfg.pledges
        # Draws are taken only when perception can differ from the moves, so runs without it
        # use the random stream exactly as before.
        self._draws = np.empty((n_edges if self.active else 0, 2))
        self.found_out = np.zeros((n_edges, 2), dtype=np.bool_)

    @classmethod
    def public(cls, n_edges: int) -> "Information":
        return cls(InformationConfig(), n_edges)

    def update(self, rng, moves, seen, trust, last, grudge, gain: float, loss: float) -> None:
        """After the games: fill ``seen`` with what each side saw of its partner, then update
        trust, grudges and last moves from it."""
        if self.active:
            rng.random(out=self._draws)
        kernels.observe(moves, self.misread, self.cfg.pledges, self.cfg.detection, self._draws, seen,
                        self.found_out)
        kernels.update_relationships(moves, seen, self.found_out, trust, last, grudge, gain, loss,
                                     self.cfg.breach_loss)
