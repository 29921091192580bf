"""Random streams: one per component per run, so no component's draws depend on another's.

A run's randomness is fixed by its seed. Each component (network, strategies, decide,
leadership, regulation, ...) draws from its own generator, derived from the run's seed and
the component's name (``SeedSequence(seed, spawn_key=(crc32(name),))``): adding, removing or
enabling a component never shifts another component's draws, and the order in which
components are called does not matter either.

Many runs can share one model along a replicate axis (``sim.model``): node and edge arrays
hold the replicates one after another, and a stream keeps one generator per replicate,
filling each replicate's block of an array from that replicate's generator. A run's draws are
therefore the same whether it runs alone or in a batch of any size.
"""

import zlib

import numpy as np


def generator(seed: int, name: str) -> np.random.Generator:
    """The generator of component ``name`` in the run with ``seed``."""
    key = zlib.crc32(name.encode())
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=(key,))))


class Stream:
    """One component's draws for every replicate of a batch."""

    def __init__(self, seeds, name: str):
        self.name = name
        self.generators = [generator(s, name) for s in seeds]

    def uniform(self, out: np.ndarray, bounds: np.ndarray) -> np.ndarray:
        """Fill ``out`` with uniforms on [0, 1): rows bounds[r]:bounds[r + 1] from replicate
        r's generator. ``out`` must be C-contiguous float64 (rows are then contiguous too)."""
        gens = self.generators
        if len(gens) == 1:
            gens[0].random(out=out)
            return out
        for g, a, b in zip(gens, bounds[:-1], bounds[1:]):
            g.random(out=out[a:b])
        return out

    def normal(self, mean: float, sd: float, bounds: np.ndarray) -> np.ndarray:
        """Normal draws, one per row, from each replicate's generator."""
        return np.concatenate([g.normal(mean, sd, b - a) for g, a, b in zip(self.generators, bounds[:-1], bounds[1:])])
