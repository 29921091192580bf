"""What a node earns from playing itself (``game.self_interaction``, Nowak & May 1992).

A node "plays a copy of itself" once per step. Its payoff is the long-run mean payoff per
round of its rule against a copy of itself with the run's execution noise: the
distribution of the outcomes (CC, CD, DC, DD), seen from one side, times the node's payoff
row (R, S, T, P). Without noise a nice rule meets a nice copy and earns R, ALLD earns P, a
coin-flipper the mean of the four; with noise a tit-for-tat pair spends equal time in every
outcome (the classic echo), and a trust-based leader cooperates with its own probability
sigma(beta (trust - 1/2 + bias)) from its mean trust in its partners.

How each kind of rule is solved:
- memory-one rules: the 4-state Markov chain of a match between two copies; with noise every
  transition probability lies in (0, 1), the chain is irreducible and its stationary
  distribution is solved exactly; without noise the chain may be reducible or periodic, and
  the distribution is the Cesaro mean of the first 2 x 2520 rounds' outcome distributions from
  the first move, taken over the last 2520 (a multiple of every cycle length a 4-state chain
  can have);
- the grudger: a pair of grudgers cooperates for ever without noise; with noise a mistake
  comes eventually and both then intend to defect for ever, so each cooperates only by
  mistake (probability ``noise``);
- the trust rule: independent draws each round with the node's own probability;
- the short-memory rules (tf2t, prober, majorities): the outcome shares of one long self-play
  match on the engine's kernels (sim.match, fixed seed, rounds 2001-4000), cached per noise.
"""

from functools import lru_cache

import numpy as np

from . import strategies as registry

CESARO = 2520  # lcm(1..9): an average over this many rounds is exact for every cycle of a 4-state chain


def _move_probability(p: np.ndarray, noise: float) -> np.ndarray:
    return p * (1.0 - noise) + (1.0 - p) * noise


def memory_one_outcomes(vector, noise: float) -> np.ndarray:
    """Long-run shares of (CC, CD, DC, DD) when a memory-one rule (first, CC, CD, DC, DD)
    plays a copy of itself with execution noise ``noise``."""
    p = _move_probability(np.asarray(vector, dtype=np.float64), noise)
    first, q = p[0], p[1:]
    # From outcome (a, b) of side 0, side 0 uses q[(a, b)] and side 1 sees (b, a).
    swap = np.array([0, 2, 1, 3])
    mine, theirs = q, q[swap]
    coop = np.stack([mine * theirs, mine * (1 - theirs), (1 - mine) * theirs, (1 - mine) * (1 - theirs)], axis=1)
    if 0.0 < noise < 1.0 and np.all((q > 0) & (q < 1)):
        a = np.vstack([coop.T - np.eye(4), np.ones(4)])
        b = np.zeros(5)
        b[4] = 1.0
        return np.linalg.lstsq(a, b, rcond=None)[0]
    dist = np.array([first * first, first * (1 - first), (1 - first) * first, (1 - first) * (1 - first)])
    total = np.zeros(4)
    for t in range(2 * CESARO):
        if t >= CESARO:
            total += dist
        dist = dist @ coop
    return total / CESARO


def _independent(q: np.ndarray) -> np.ndarray:
    """(CC, CD, DC, DD) shares of two sides cooperating independently with probability q."""
    return np.stack([q * q, q * (1 - q), (1 - q) * q, (1 - q) * (1 - q)], axis=-1)


@lru_cache(maxsize=256)
def _short_memory_outcomes(name: str, noise: float) -> np.ndarray:
    from .match import play_match  # sim.match builds on the kernels; imported when needed

    moves = play_match(name, name, rounds=4000, noise=noise, seed=0).moves[2000:]
    idx = 2 * (1 - moves[:, 0]) + (1 - moves[:, 1])
    return np.bincount(idx, minlength=4) / len(idx)


@lru_cache(maxsize=256)
def outcome_shares(s: registry.Strategy, noise: float, generosity: float) -> np.ndarray | None:
    """(CC, CD, DC, DD) self-play shares of a registry entry, or None for the trust rule
    (whose shares depend on the node's trust and bias)."""
    if s.kind == registry.MEMORY_ONE:
        return memory_one_outcomes(s.probabilities(generosity), noise)
    if s.kind == registry.GRUDGE:
        return _independent(np.float64(noise)) if noise > 0 else np.array([1.0, 0.0, 0.0, 0.0])
    if s.kind == registry.TRUST_RULE:
        return None
    return _short_memory_outcomes(s.name, noise)


def expected_payoff(strategy, payoff, noise, generosity, beta, bias, trust) -> np.ndarray:
    """(N,) each node's expected payoff from one round against a copy of itself.

    ``strategy`` (N,) codes; ``payoff`` (N, 4) each node's R, S, T, P; ``bias`` (N,) the trust
    rule's per-node term and ``trust`` (N,) the node's mean trust in its partners (read only
    for trust-rule nodes)."""
    n = len(strategy)
    shares = np.empty((n, 4))
    for code in np.unique(strategy):
        nodes = strategy == code
        fixed = outcome_shares(registry.REGISTRY[code], float(noise), float(generosity))
        if fixed is None:
            q = 1.0 / (1.0 + np.exp(-beta * (trust[nodes] - 0.5 + bias[nodes])))
            shares[nodes] = _independent(_move_probability(q, noise))
        else:
            shares[nodes] = fixed
    return np.einsum("ij,ij->i", shares, payoff)
