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

from . import kernels


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
    In a batch, each replicate's ``BLOCK`` calls' worth is drawn straight into a contiguous
    stretch of one buffer (no temporary array, no strided copy) and each call's rows are
    gathered from those stretches by one compiled copy (``kernels.gather_block``).
    """

    BLOCK = 12

    def __init__(self, seeds, name: str):
        self.name = name
        self.generators = [generator(s, name) for s in seeds]
        self._blocks: dict[tuple, list] = {}  # shape -> [buffer, next index, array handed out]

    def uniform(self, shape: tuple, bounds: np.ndarray) -> np.ndarray:
        """The next uniforms on [0, 1) in an array of ``shape``: rows bounds[r]:bounds[r + 1]
        from replicate r's generator. Returns a view into the stream's buffer, valid until
        the next call with this shape."""
        entry = self._blocks.get(shape)
        if entry is None or entry[1] == self.BLOCK:
            out = entry[2] if entry is not None else None
            entry = self._blocks[shape] = [self._fill(shape, bounds), 0, out]
        block, i, out = entry
        entry[1] += 1
        if len(self.generators) == 1:
            return block[i]
        if out is None:
            out = entry[2] = np.empty(shape)
        kernels.gather_block(block, bounds, i, self.BLOCK, out.reshape(-1))
        return out

    def _fill(self, shape: tuple, bounds: np.ndarray) -> np.ndarray:
        gens = self.generators
        if len(gens) == 1:
            block = np.empty((self.BLOCK, *shape))
            gens[0].random(out=block)
            return block
        width = int(np.prod(shape[1:], dtype=np.int64))
        block = np.empty(self.BLOCK * shape[0] * width)  # replicate r's draws at BLOCK * width * bounds[r]
        for g, a, b in zip(gens, bounds[:-1], bounds[1:]):
            g.random(out=block[self.BLOCK * width * a:self.BLOCK * width * b])
        return block

    def normal(self, mean: float, sd: float, bounds: np.ndarray) -> np.ndarray:
        """Normal draws, one per row, from each replicate's generator (for set-up)."""
        return np.concatenate([g.normal(mean, sd, b - a) for g, a, b in zip(self.generators, bounds[:-1], bounds[1:])])
