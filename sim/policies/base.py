"""The no-op policy every regime extends."""

import numpy as np


class Policy:
    name = "none"
    accountability = 0.0  # how far this regime makes the cost of mutual defection shared

    def perceive(self, model, table: np.ndarray) -> None:
        return None

    def settle(self, model) -> None:
        return None

    def review(self, model) -> None:
        return None


def footprint_mean(values: np.ndarray, footprint: np.ndarray) -> np.ndarray:
    """Each node's footprint mean of ``values`` (the "one sum of money" of a footprint)."""
    counts = np.bincount(footprint)
    return (np.bincount(footprint, values, len(counts)) / np.maximum(counts, 1))[footprint]
