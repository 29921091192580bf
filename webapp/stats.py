"""The statistics compare mode shows: the same definitions the `collabsim compare` report
uses (mean with its 95% t interval; paired difference over seed-matched runs)."""

from sim.compare import mean_ci, paired_difference

__all__ = ["mean_ci", "paired_difference"]
