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
from numpy.random.bit_generator import ISeedSequence


def generator(seed: int, name: str) -> np.random.Generator:
    """The generator of component ``name`` in the run with ``seed``."""
    key = zlib.crc32(name.encode())
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=(key,))))


def generators(seeds, name: str) -> list[np.random.Generator]:
    """``generator(seed, name)`` for each of ``seeds``, the same generators made about ten
    times faster: a batch makes one per run and component, and numpy's SeedSequence costs
    about 20 microseconds each. Seeds below 2**32 (one entropy word) have their PCG64 seed
    words worked out for all runs at once (``_seed_words``); others take numpy's way."""
    seeds = [int(s) for s in seeds]
    if not seeds or not all(0 <= s < 2**32 for s in seeds):
        return [generator(s, name) for s in seeds]
    words = _seed_words(np.array(seeds, dtype=np.uint32), zlib.crc32(name.encode()))
    return [np.random.Generator(np.random.PCG64(_Words(w))) for w in words]


class _Words(ISeedSequence):
    """A seed sequence whose state is already worked out (PCG64 asks it for 4 words)."""

    def __init__(self, words: np.ndarray):
        self.words = words

    def generate_state(self, n_words, dtype=np.uint32):
        if n_words != len(self.words) or np.dtype(dtype) != self.words.dtype:
            raise ValueError(f"seed words: {len(self.words)} {self.words.dtype} worked out, {n_words} {dtype} asked")
        return self.words


# numpy's SeedSequence (numpy/random/bit_generator.pyx), for an entropy of one 32-bit word
# and a spawn key of one word, vectorised over the entropy. tests/test_engine.py checks it
# against numpy's own.
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R, _MASK = 0xCA01F9DD, 0x4973F715, 0xFFFFFFFF


def _seed_words(seeds: np.ndarray, key: int) -> np.ndarray:
    """(R, 4) uint64: what SeedSequence(seed, spawn_key=(key,)).generate_state(4, uint64)
    gives for each seed (uint32)."""
    const = _INIT_A

    def hashmix(value):
        nonlocal const
        value = value ^ np.uint32(const)
        const = (const * _MULT_A) & _MASK
        value = value * np.uint32(const)
        return value ^ (value >> np.uint32(16))

    def mix(x, y):
        result = np.uint32(_MIX_L) * x - np.uint32(_MIX_R) * y
        return result ^ (result >> np.uint32(16))

    zero = np.zeros_like(seeds)
    entropy = [seeds, zero, zero, zero, zero + np.uint32(key)]  # run entropy padded to the pool size of 4
    pool = [hashmix(entropy[i]) for i in range(4)]
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hashmix(pool[i_src]))
    for i_dst in range(4):
        pool[i_dst] = mix(pool[i_dst], hashmix(entropy[4]))
    const = _INIT_B
    state = np.empty((len(seeds), 8), dtype=np.uint32)
    for i in range(8):
        value = pool[i % 4] ^ np.uint32(const)
        const = (const * _MULT_B) & _MASK
        value = value * np.uint32(const)
        state[:, i] = value ^ (value >> np.uint32(16))
    return state.astype("<u4").view("<u8").astype(np.uint64)


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
        self.generators = generators(seeds, name)
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
