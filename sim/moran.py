"""Numba kernels of pure evolutionary runs (``sim.fixation``): a two-type population on a
fixed graph, one elementary update after another, each node's payoff kept up to date from
its count of mutant neighbours. The update itself is the learning phase's own
(``sim.kernels.elementary``), so a fixation experiment runs exactly the rules a model run
does; tests/reference.py recomputes every payoff from scratch instead.
"""

import numpy as np
from numba import njit

from .kernels import LINEAR, elementary


@njit(cache=True)
def _moran_node(i, indptr, strategy, mutant_nbrs, matrix, mean, kind, w, payoff, fitness):
    """Payoff and fitness of node i from its count of mutant neighbours: each neighbour is one
    game with ``matrix[own type, neighbour type]`` (type 1 = mutant), summed or averaged."""
    deg = indptr[i + 1] - indptr[i]
    s = 1 if strategy[i] == 1 else 0
    p = matrix[s, 1] * mutant_nbrs[i] + matrix[s, 0] * (deg - mutant_nbrs[i])
    if mean and deg > 0:
        p /= deg
    payoff[i] = p
    fitness[i] = max(0.0, 1.0 - w + w * p) if kind == LINEAR else np.exp(w * p)


@njit(cache=True)
def moran_start(indptr, indices, strategy, matrix, mean, kind, w, mutant_nbrs, payoff, fitness):
    """Fill the per-node state of a pure run (types 0 = resident, 1 = mutant in ``strategy``)."""
    n = strategy.shape[0]
    for i in range(n):
        mutant_nbrs[i] = 0
        for k in range(indptr[i], indptr[i + 1]):
            mutant_nbrs[i] += strategy[indices[k]]
    for i in range(n):
        _moran_node(i, indptr, strategy, mutant_nbrs, matrix, mean, kind, w, payoff, fitness)


@njit(cache=True)
def moran_steps(rule, indptr, indices, strategy, matrix, mean, kind, w, spread, mutant_nbrs, payoff, fitness, u):
    """Elementary updates of a two-type population, one per row of ``u`` (3 draws, as in
    ``elementary``), payoffs and fitness brought up to date after each change; stops when
    one type is gone. Returns (updates done, number of mutants)."""
    n = strategy.shape[0]
    mutants = 0
    for i in range(n):
        mutants += strategy[i]
    for t in range(u.shape[0]):
        if mutants == 0 or mutants == n:
            return t, mutants
        node, new = elementary(rule, indptr, indices, strategy, payoff, fitness, w, spread, not mean,
                                u[t, 0], u[t, 1], u[t, 2])
        if node < 0 or strategy[node] == new:
            continue
        strategy[node] = new
        step = 1 if new == 1 else -1
        mutants += step
        for k in range(indptr[node], indptr[node + 1]):
            j = indices[k]
            mutant_nbrs[j] += step
            _moran_node(j, indptr, strategy, mutant_nbrs, matrix, mean, kind, w, payoff, fitness)
        _moran_node(node, indptr, strategy, mutant_nbrs, matrix, mean, kind, w, payoff, fitness)
    return u.shape[0], mutants


@njit(cache=True)
def moran_trials(rule, indptr, indices, matrix, mean, kind, w, spread, start, mutants, max_steps, seed, result, steps):
    """``result.shape[0]`` independent trials of ``moran_steps`` from one seed, for speed (no
    Python between trials): each starts with the mutants on ``start`` (node list) or, if it is
    empty, on ``mutants`` distinct random nodes, and runs until absorption or ``max_steps``
    updates. result[t]: 1 fixed, 0 lost, -1 cut short; steps[t]: updates done. The uniforms
    come from numba's own generator seeded with ``seed`` (not numpy's): the same seed gives the
    same trials on every machine."""
    np.random.seed(seed)
    n = indptr.shape[0] - 1
    strategy = np.zeros(n, dtype=np.int8)
    order = np.arange(n)
    nbrs = np.zeros(n, dtype=np.int64)
    payoff = np.zeros(n)
    fitness = np.zeros(n)
    for t in range(result.shape[0]):
        strategy[:] = 0
        if start.shape[0] > 0:
            for v in start:
                strategy[v] = 1
        else:  # partial Fisher-Yates shuffle: the first ``mutants`` entries of a random order
            for k in range(mutants):
                j = k + int(np.random.random() * (n - k))
                order[k], order[j] = order[j], order[k]
                strategy[order[k]] = 1
        moran_start(indptr, indices, strategy, matrix, mean, kind, w, nbrs, payoff, fitness)
        done, block, outcome = 0, 16 * n, -1
        while done < max_steps:
            u = np.random.random((min(block, max_steps - done), 3))
            k, m = moran_steps(rule, indptr, indices, strategy, matrix, mean, kind, w, spread, nbrs, payoff, fitness, u)
            done += k
            if m == 0 or m == n:
                outcome = 1 if m == n else 0
                break
            block *= 2
        result[t] = outcome
        steps[t] = done
