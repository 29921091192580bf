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

The month's uniforms are drawn by a compiled loop over every replicate at once
(``_fill_uniform``): numpy's PCG64, step for step (its 128-bit state starts where numpy's
PCG64 would, and is handed to numpy's generator when set-up draws need one), so the numbers
are numpy's own, bit for bit (tests/test_engine.py), without a Python call per replicate and
month.
"""

import zlib

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic
from numpy.random.bit_generator import ISeedSequence


def generator(seed: int, name: str) -> np.random.Generator:
    """The generator of component ``name`` in the run with ``seed``."""
    key = zlib.crc32(name.encode())
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=(key,))))


def generators(seeds, name: str) -> list[np.random.Generator]:
    """``generator(seed, name)`` for each of ``seeds``, the same generators made about ten
    times faster: a batch makes one per run and component, and numpy's SeedSequence costs
    about 20-30 microseconds each. Seeds below 2**64 (one or two entropy words: a sweep's
    seeds have 63 bits) have their PCG64 seed words worked out for all runs at once
    (``_seed_words``); others take numpy's way."""
    seeds = [int(s) for s in seeds]
    words = _words_at_once(seeds, name)
    if words is None:
        return [generator(s, name) for s in seeds]
    return [np.random.Generator(np.random.PCG64(_Words(w))) for w in words]


def _words_at_once(seeds: list[int], name: str) -> np.ndarray | None:
    """``_seed_words`` of ``seeds`` for component ``name``; None where there are none or a
    seed is not below 2**64 (numpy's own SeedSequence then)."""
    if not seeds or not all(0 <= s < 2**64 for s in seeds):
        return None
    return _seed_words(np.array(seeds, dtype=np.uint64), zlib.crc32(name.encode()))


class _Words(ISeedSequence):
    """A seed sequence whose state is already worked out (PCG64 asks it for 4 words)."""

    def __init__(self, words: np.ndarray):
        self.words = words

    def generate_state(self, n_words, dtype=np.uint32):
        if n_words != len(self.words) or np.dtype(dtype) != self.words.dtype:
            raise ValueError(f"seed words: {len(self.words)} {self.words.dtype} worked out, {n_words} {dtype} asked")
        return self.words


# numpy's SeedSequence (numpy/random/bit_generator.pyx), vectorised over many sequences of
# the same length: mix_entropy into a pool of 4 words, then generate_state. tests/test_engine.py
# and tests/test_sweep.py check it against numpy's own.
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R, _MASK = 0xCA01F9DD, 0x4973F715, 0xFFFFFFFF


def sequence_state(entropy: list[np.ndarray], n_words: int) -> np.ndarray:
    """(N, n_words) uint32: what SeedSequence.generate_state(n_words, uint32) gives for N
    sequences whose assembled entropy (run entropy as 32-bit words, low first, padded with
    zeros to 4 words where there is a spawn key, then the spawn key's words) is ``entropy``:
    one uint32 array of N words per position."""
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

    zero = np.zeros_like(entropy[0])
    pool = [hashmix(entropy[i] if i < len(entropy) else zero) for i in range(4)]
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hashmix(pool[i_src]))
    for i_src in range(4, len(entropy)):
        for i_dst in range(4):
            pool[i_dst] = mix(pool[i_dst], hashmix(entropy[i_src]))
    const = _INIT_B
    state = np.empty((len(zero), n_words), dtype=np.uint32)
    for i in range(n_words):
        value = pool[i % 4] ^ np.uint32(const)
        const = (const * _MULT_B) & _MASK
        value = value * np.uint32(const)
        state[:, i] = value ^ (value >> np.uint32(16))
    return state


def seed_entropy(seeds: np.ndarray) -> list[np.ndarray]:
    """The run entropy of seeds below 2**64 (uint64), padded to 4 words as SeedSequence pads
    it before a spawn key (a seed below 2**32 is one word; the padding's zero high word gives
    the same pool)."""
    low = (seeds & np.uint64(_MASK)).astype(np.uint32)
    high = (seeds >> np.uint64(32)).astype(np.uint32)
    zero = np.zeros_like(low)
    return [low, high, zero, zero]


def _seed_words(seeds: np.ndarray, key: int) -> np.ndarray:
    """(R, 4) uint64: what SeedSequence(seed, spawn_key=(key,)).generate_state(4, uint64)
    gives for each seed (uint64)."""
    entropy = [*seed_entropy(seeds), np.full(len(seeds), key, dtype=np.uint32)]
    return sequence_state(entropy, 8).astype("<u4").view("<u8").astype(np.uint64)


class Stream:
    """One component's draws for every replicate of a batch.

    ``uniform`` hands out the next array of uniforms of a shape (once a month, say), filled
    by ``_fill_uniform`` from each replicate's PCG64 state; ``generators`` hands numpy's
    generators back, at the point the stream has reached, for other kinds of draws (set-up).
    """

    def __init__(self, seeds, name: str):
        self.name, self._seeds = name, [int(s) for s in seeds]
        self._generators = None  # numpy's, made when asked for (``generators``)
        # (R, 4) uint64 PCG64 states while uniforms are drawn here; worked out from the seed
        # words for all runs at once (``_start_states``) where the seeds allow, which spares
        # a numpy Generator per run and component (about 15 us each) in streams that only
        # ever draw uniforms.
        words = _words_at_once(self._seeds, name)
        self._state = None if words is None else _start_states(words)
        self._out: dict[tuple, tuple] = {}  # shape -> the arrays ``uniform`` fills

    @property
    def generators(self) -> list[np.random.Generator]:
        """Each replicate's numpy generator, where the stream has got to."""
        if self._generators is None:
            self._generators = generators(self._seeds, self.name)
        if self._state is not None:
            for g, (hi, lo, inc_hi, inc_lo) in zip(self._generators, self._state.tolist()):
                state = g.bit_generator.state
                state["state"] = {"state": hi << 64 | lo, "inc": inc_hi << 64 | inc_lo}
                g.bit_generator.state = state
            self._state = None
        return self._generators

    def uniform(self, shape: tuple, bounds: np.ndarray) -> np.ndarray:
        """The next uniforms on [0, 1) in an array of ``shape``: rows bounds[r]:bounds[r + 1]
        from replicate r's generator, in the order ``Generator.random`` would fill them.
        Returns an array the stream keeps, valid until the next call with this shape."""
        if self._state is None:
            self._state = np.array([_words(g) for g in self.generators], dtype=np.uint64).reshape(-1, 4)
        arrays = self._out.get(shape)
        if arrays is None:  # the array handed out, and the (rows, k) view the kernel fills
            out = np.empty(shape)
            arrays = self._out[shape] = (out, out.reshape(shape[0], int(np.prod(shape[1:]))))
        _fill_uniform(self._state, np.asarray(bounds, dtype=np.int64), arrays[1])
        return arrays[0]

    def normal(self, mean, sd: float, bounds: np.ndarray) -> np.ndarray:
        """Normal draws, one per row, from each replicate's generator (for set-up); ``mean``:
        one for all, or each replicate's."""
        means = np.broadcast_to(mean, (len(bounds) - 1,))
        return np.concatenate([g.normal(mu, sd, b - a)
                               for g, mu, a, b in zip(self.generators, means.tolist(), bounds[:-1], bounds[1:])])


# -- numpy's PCG64, compiled ------------------------------------------------------------------
# numpy (numpy/random/src/pcg64): the state s is 128 bits; each draw steps s = s * MULT + inc
# (mod 2**128), then outputs the 64 bits (hi ^ lo) rotated right by hi >> 58; a double is
# the top 53 bits times 2**-53.
_MULT = 0x2360ED051FC65DA44385DF649FCCF645
_MASK64 = (1 << 64) - 1


def _words(g: np.random.Generator) -> list[int]:
    """A PCG64 generator's state as four 64-bit words: state hi, lo, increment hi, lo."""
    s = g.bit_generator.state["state"]
    return [s["state"] >> 64, s["state"] & _MASK64, s["inc"] >> 64, s["inc"] & _MASK64]


@intrinsic
def _lcg_step(typingctx, hi, lo, inc_hi, inc_lo):
    """(hi:lo) * MULT + (inc_hi:inc_lo) mod 2**128, as (hi, lo): one 128-bit multiply."""
    sig = types.UniTuple(types.uint64, 2)(types.uint64, types.uint64, types.uint64, types.uint64)

    def codegen(context, builder, signature, args):
        i64, i128 = ir.IntType(64), ir.IntType(128)

        def join(h, low):
            return builder.or_(builder.shl(builder.zext(h, i128), ir.Constant(i128, 64)), builder.zext(low, i128))

        s = builder.add(builder.mul(join(args[0], args[1]), ir.Constant(i128, _MULT)), join(args[2], args[3]))
        new_hi = builder.trunc(builder.lshr(s, ir.Constant(i128, 64)), i64)
        return context.make_tuple(builder, signature.return_type, (new_hi, builder.trunc(s, i64)))

    return sig, codegen


_S58, _S11, _S63, _S64 = np.uint64(58), np.uint64(11), np.uint64(63), np.uint64(64)


@njit(cache=True)
def _start_states(words):
    """(R, 4) uint64 PCG64 states (hi, lo, inc_hi, inc_lo) as numpy's PCG64 sets them from
    its seed sequence's four words (``_seed_words``): initstate = words[0]:words[1], initseq
    = words[2]:words[3]; inc = 2 * initseq + 1, then state = 0, one step, state +=
    initstate, one step (pcg64_set_seed, pcg_setseq_128_srandom_r)."""
    out = np.empty((words.shape[0], 4), dtype=np.uint64)
    one = np.uint64(1)
    for r in range(words.shape[0]):
        inc_hi = (words[r, 2] << one) | (words[r, 3] >> _S63)
        inc_lo = (words[r, 3] << one) | one
        hi, lo = _lcg_step(np.uint64(0), np.uint64(0), inc_hi, inc_lo)
        low = lo + words[r, 1]
        hi = hi + words[r, 0] + (one if low < lo else np.uint64(0))
        hi, lo = _lcg_step(hi, low, inc_hi, inc_lo)
        out[r, 0], out[r, 1], out[r, 2], out[r, 3] = hi, lo, inc_hi, inc_lo
    return out


@njit(cache=True, inline="always")
def _double(hi, lo):
    """PCG64's output for the state hi:lo (the halves xor-ed, rotated right by the top six
    bits of hi) as numpy's double in [0, 1): its top 53 bits times 2**-53."""
    v = hi ^ lo
    rot = hi >> _S58
    x = (v >> rot) | (v << ((_S64 - rot) & _S63))
    return (x >> _S11) * (1.0 / 9007199254740992.0)


@njit(cache=True, inline="always")
def _fill_run(state, r, flat, start, end):
    """flat[start:end] from replicate r's PCG64 state, which is advanced."""
    hi, lo, inc_hi, inc_lo = state[r, 0], state[r, 1], state[r, 2], state[r, 3]
    for j in range(start, end):
        hi, lo = _lcg_step(hi, lo, inc_hi, inc_lo)
        flat[j] = _double(hi, lo)
    state[r, 0], state[r, 1] = hi, lo


@njit(cache=True)
def _fill_uniform(state, bounds, out):
    """Fill ``out`` (rows, k) with uniforms, rows bounds[r]:bounds[r + 1] from the PCG64
    state ``state[r]`` (hi, lo, inc_hi, inc_lo), which is advanced. Four replicates at a
    time, their steps side by side: each step waits on its last (a 128-bit multiply), and
    four such chains at once keep the core busier (a 256-run batch's draws took 10-12% less
    time: ``benchmarks/footprint.py --uniforms``). Each replicate's values are the same, in
    the same places, as drawn one replicate after another."""
    flat = out.reshape(-1)  # replicate r's rows are flat[bounds[r] * k : bounds[r + 1] * k]
    k = out.shape[1]
    r = 0
    while r + 4 < bounds.shape[0]:
        a0, a1, a2, a3, a4 = bounds[r] * k, bounds[r + 1] * k, bounds[r + 2] * k, bounds[r + 3] * k, bounds[r + 4] * k
        h0, l0, h1, l1, h2, l2, h3, l3 = (state[r, 0], state[r, 1], state[r + 1, 0], state[r + 1, 1],
                                          state[r + 2, 0], state[r + 2, 1], state[r + 3, 0], state[r + 3, 1])
        n = min(a1 - a0, a2 - a1, a3 - a2, a4 - a3)
        for j in range(n):  # as far as all four go
            h0, l0 = _lcg_step(h0, l0, state[r, 2], state[r, 3])
            h1, l1 = _lcg_step(h1, l1, state[r + 1, 2], state[r + 1, 3])
            h2, l2 = _lcg_step(h2, l2, state[r + 2, 2], state[r + 2, 3])
            h3, l3 = _lcg_step(h3, l3, state[r + 3, 2], state[r + 3, 3])
            flat[a0 + j] = _double(h0, l0)
            flat[a1 + j] = _double(h1, l1)
            flat[a2 + j] = _double(h2, l2)
            flat[a3 + j] = _double(h3, l3)
        state[r, 0], state[r, 1], state[r + 1, 0], state[r + 1, 1] = h0, l0, h1, l1
        state[r + 2, 0], state[r + 2, 1], state[r + 3, 0], state[r + 3, 1] = h2, l2, h3, l3
        _fill_run(state, r, flat, a0 + n, a1)  # then each on its own
        _fill_run(state, r + 1, flat, a1 + n, a2)
        _fill_run(state, r + 2, flat, a2 + n, a3)
        _fill_run(state, r + 3, flat, a3 + n, a4)
        r += 4
    while r + 1 < bounds.shape[0]:
        _fill_run(state, r, flat, bounds[r] * k, bounds[r + 1] * k)
        r += 1
