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
    """One component's draws for every replicate of a batch.

    ``uniform`` hands out the same-shaped block of uniforms each time it is called (once a
    month, say). It draws ``BLOCK`` calls' worth at once, per replicate, which fills the same
    numbers in the same order as drawing call by call (a generator fills an array
    sequentially), so results do not depend on the block size; it only saves Python calls.
    """

    BLOCK = 12

    def __init__(self, seeds, name: str):
        self.name = name
        self.generators = [generator(s, name) for s in seeds]
        self._blocks: dict[tuple, list] = {}  # shape -> [buffer, next index]

    def uniform(self, shape: tuple, bounds: np.ndarray) -> np.ndarray:
        """The next uniforms on [0, 1) in an array of ``shape``: rows bounds[r]:bounds[r + 1]
        from replicate r's generator. Returns a view into the stream's buffer, valid until
        the next call with this shape."""
        entry = self._blocks.get(shape)
        if entry is None:
            entry = self._blocks[shape] = [self._fill(shape, bounds, np.empty((self.BLOCK, *shape))), 0]
        elif entry[1] == self.BLOCK:  # refilled in place: a fresh buffer can page-fault every time
            entry[0], entry[1] = self._fill(shape, bounds, entry[0]), 0
        block, i = entry
        entry[1] += 1
        return block[i]

    def _fill(self, shape: tuple, bounds: np.ndarray, block: np.ndarray) -> np.ndarray:
        gens = self.generators
        if len(gens) == 1:
            gens[0].random(out=block)
            return block
        for g, a, b in zip(gens, bounds[:-1], bounds[1:]):
            block[:, a:b] = g.random((self.BLOCK, b - a, *shape[1:]))
        return block

    def normal(self, mean: float, sd: float, bounds: np.ndarray) -> np.ndarray:
        """Normal draws, one per row, from each replicate's generator (for set-up)."""
        return np.concatenate([g.normal(mean, sd, b - a) for g, a, b in zip(self.generators, bounds[:-1], bounds[1:])])
