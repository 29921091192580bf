"""Leadership stability: leader turnover and what a successor inherits (MODEL.md 2.6, 3)."""

import numpy as np

from .. import kernels
from ..config import ORG_TYPES, LeadershipConfig


class Leadership:
    """Leaders leave with a monthly hazard of 1 / mean tenure for their organisation type:
    NHS leaders "come and go so frequently" (KF L1797), council leaders stay longer (KF
    L1869). In a reorganisation month each leader leaves with ``reorganisation_share`` on
    top: many leaving at once can reset a partnership (KF L2311). A successor keeps only
    part of the predecessor's relationships (trust moves toward a stranger's), more when
    promoted from inside (KF L2074, L2473). With an electoral clock, councils withhold
    commitment in the months before each election ("Councillors saying 'don't do anything
    until after May'", IHM L289-291)."""

    def __init__(self, cfg: LeadershipConfig, types: np.ndarray, stranger_trust: float):
        self.cfg = cfg
        self.stranger_trust = stranger_trust
        tenure = np.array([cfg.mean_tenure[t] for t in ORG_TYPES])
        self.hazard = 1.0 / tenure[types]
        self.reorganisations = set(cfg.reorganisations)

    def pre_election(self, month: int) -> bool:
        """Whether ``month`` falls in the window before a council election (elections at
        every multiple of ``election_every``)."""
        every = self.cfg.election_every
        return bool(every) and month % every >= every - self.cfg.election_window

    def draw_disposition(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.normal(self.cfg.disposition_mean, self.cfg.disposition_sd, n)

    def turnover(self, model) -> int:
        """Replace the leaders who leave this step; returns how many left."""
        draws = model.rng.random((len(self.hazard), 3))
        leaving = draws[:, 0] < self.hazard
        if model.steps in self.reorganisations:
            leaving |= draws[:, 2] < self.cfg.reorganisation_share
        return self.replace(model, leaving, internal=draws[:, 1] < self.cfg.internal_succession)

    def replace(self, model, leaving: np.ndarray, internal: np.ndarray) -> int:
        """Appoint new leaders where ``leaving``; returns how many were replaced."""
        count = int(leaving.sum())
        if count == 0:
            return 0
        lost = self.cfg.trust_loss * np.where(internal, self.cfg.internal_keep, 1.0)
        kernels.succession(leaving, 1.0 - lost, model.src, model.dst, model.trust, model.grudge, self.stranger_trust)
        dispositions = self.draw_disposition(model.rng, count)
        for idx, disp in zip(np.flatnonzero(leaving), dispositions):
            model.replace_leader(int(idx), float(disp), bool(internal[idx]))
        return count
