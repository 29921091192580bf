"""Numba kernels: everything that touches every edge (or every node) every step.

Layout shared by all kernels (MODEL.md section 2):
- an undirected edge e joins ``src[e]`` and ``dst[e]``; side 0 of the edge is ``src``'s
  view of the relationship, side 1 is ``dst``'s view;
- per-side arrays have shape (E, 2): ``moves`` (this step), ``last`` (the side's own last
  move, -1 before the first round), ``seen`` (the partner's last move as the side saw it,
  -1 before the first round), ``grudge`` (the side has seen its partner defect), ``trust``
  (the side's trust in its partner, in [0, 1]);
- per-node ``payoff`` has shape (N, 4): the R, S, T, P that node receives, after policies.

Kernels are deterministic functions of their inputs: randomness arrives as arrays of
uniforms drawn from the model's one ``numpy.random.Generator``, so a run is fixed by its
seed and each kernel can be checked exactly against a plain-Python reference
(tests/reference.py). They run serially so results are bit-identical across machines.
"""

import numpy as np
from numba import njit

from .strategies import ALLC, ALLD, COOPERATE, DEFECT, GRUDGER, GTFT, RANDOM, TFT, TRUST, WSLS


@njit(cache=True)
def _intended_move(code, my_last, their_last, grudge, trust, bias, generosity, beta, u):
    if code == ALLC:
        return COOPERATE
    if code == ALLD:
        return DEFECT
    if code == TFT:
        return DEFECT if their_last == DEFECT else COOPERATE
    if code == GTFT:
        if their_last == DEFECT:
            return COOPERATE if u < generosity else DEFECT
        return COOPERATE
    if code == GRUDGER:
        return DEFECT if grudge else COOPERATE
    if code == WSLS:
        if my_last < 0:
            return COOPERATE
        return COOPERATE if my_last == their_last else DEFECT
    if code == RANDOM:
        return COOPERATE if u < 0.5 else DEFECT
    if code == TRUST:
        p = 1.0 / (1.0 + np.exp(-beta * (trust - 0.5 + bias)))
        return COOPERATE if u < p else DEFECT
    return DEFECT


@njit(cache=True)
def decide(strategy, src, dst, last, seen, grudge, trust, bias, generosity, beta, noise, u, moves):
    """Fill ``moves`` (E, 2) with every side's move this step, from what it has seen.

    ``u`` (E, 4): column s is the side's decision draw, column 2 + s its execution-error
    draw; with probability ``noise`` the intended move is flipped (a mistake).
    """
    for e in range(src.shape[0]):
        for s in range(2):
            node = src[e] if s == 0 else dst[e]
            move = _intended_move(
                strategy[node], last[e, s], seen[e, s], grudge[e, s], trust[e, s],
                bias[node], generosity, beta, u[e, s],
            )
            if u[e, 2 + s] < noise:
                move = 1 - move
            moves[e, s] = move


@njit(cache=True)
def play(moves, src, dst, payoff, shift, surplus, score, money):
    """Evaluate every edge's stage game; returns the number of mutually cooperating edges.

    ``score`` (N,) receives each node's summed game payoff (its utility, which drives
    learning); ``money`` (N,) its summed money flow. Money moves only between the two sides
    of an edge (a defector shifts ``shift`` of cost onto a cooperating partner: "there is
    only one sum of money", NT), except that mutual cooperation creates ``surplus``, split
    equally.
    """
    score[:] = 0.0
    money[:] = 0.0
    n_cc = 0
    for e in range(src.shape[0]):
        a = moves[e, 0]
        b = moves[e, 1]
        i = src[e]
        j = dst[e]
        score[i] += payoff[i, 2 * (1 - a) + (1 - b)]
        score[j] += payoff[j, 2 * (1 - b) + (1 - a)]
        if a == COOPERATE and b == COOPERATE:
            money[i] += 0.5 * surplus
            money[j] += 0.5 * surplus
            n_cc += 1
        elif a == COOPERATE:
            money[i] -= shift
            money[j] += shift
        elif b == COOPERATE:
            money[i] += shift
            money[j] -= shift
    return n_cc


@njit(cache=True)
def observe(moves, misread, pledged, detection, u, seen, found_out):
    """Fill ``seen`` (E, 2) with what each side sees of its partner's move this step.

    Moves are public by default: a side sees its partner's move, misreading it (seeing the
    opposite) with probability ``misread``. With ``pledged``, moves are private behind a
    public pledge to collaborate (IHM L266-271, KF L2288-2297): a partner's defection is
    found out with probability ``detection`` (``found_out``) and otherwise taken for the
    cooperation pledged. ``u`` (E, 2) holds each side's draw; it is read only when
    ``misread`` > 0 or ``pledged``, so it may be empty otherwise.
    """
    for e in range(moves.shape[0]):
        for s in range(2):
            theirs = moves[e, 1 - s]
            found_out[e, s] = False
            if pledged and theirs == DEFECT:
                found_out[e, s] = u[e, s] < detection
                seen[e, s] = DEFECT if found_out[e, s] else COOPERATE
            elif misread > 0.0 and u[e, s] < misread:
                seen[e, s] = 1 - theirs
            else:
                seen[e, s] = theirs


@njit(cache=True)
def update_relationships(moves, seen, found_out, trust, last, grudge, gain, loss, breach_loss):
    """After the game, from what each side saw: trust moves toward 1 after the partner
    cooperated (by ``gain`` of the gap) and toward 0 after it defected (by ``loss`` of the
    level, or ``breach_loss`` when a broken pledge was found out); with loss > gain betrayal
    weighs more than goodwill (KF L2295) and trust builds slowly (NT). A seen defection is
    remembered for good (grudge); each side's own move becomes its last move."""
    for e in range(moves.shape[0]):
        for s in range(2):
            if seen[e, s] == COOPERATE:
                trust[e, s] += gain * (1.0 - trust[e, s])
            else:
                trust[e, s] -= (breach_loss if found_out[e, s] else loss) * trust[e, s]
                grudge[e, s] = True
            last[e, s] = moves[e, s]


@njit(cache=True)
def succession(leaving, keep, src, dst, trust, grudge, trust0):
    """A new leader inherits only part of the predecessor's relationships (KF L2074, L2473).

    For each node with ``leaving[node]``, trust in both directions on its edges moves to
    ``keep[node] * trust + (1 - keep[node]) * trust0`` (a stranger's trust), and the node's
    own grudges are forgotten. Many leavers at once reset a partnership (KF L2311).
    """
    for e in range(src.shape[0]):
        for s in range(2):
            node = src[e] if s == 0 else dst[e]
            if leaving[node]:
                k = keep[node]
                trust[e, 0] = k * trust[e, 0] + (1.0 - k) * trust0
                trust[e, 1] = k * trust[e, 1] + (1.0 - k) * trust0
                grudge[e, s] = False


@njit(cache=True)
def imitate_fermi(indptr, indices, strategy, fitness, rate, selection, u, out):
    """Pairwise-comparison (Fermi) imitation, synchronous: with probability ``rate`` a node
    looks at one random neighbour j and copies its strategy with probability
    1 / (1 + exp(-selection * (fitness[j] - fitness[i]))). ``u`` is (N, 3)."""
    for i in range(strategy.shape[0]):
        out[i] = strategy[i]
        deg = indptr[i + 1] - indptr[i]
        if deg == 0 or u[i, 0] >= rate:
            continue
        j = indices[indptr[i] + int(u[i, 1] * deg)]
        p = 1.0 / (1.0 + np.exp(-selection * (fitness[j] - fitness[i])))
        if u[i, 2] < p:
            out[i] = strategy[j]


@njit(cache=True)
def imitate_best(indptr, indices, strategy, fitness, rate, u, out):
    """Best-takes-over (Nowak & May 1992), synchronous: with probability ``rate`` a node
    adopts the strategy of the fittest node in its closed neighbourhood; on a tie it keeps
    its own, and among tied neighbours the first listed wins. ``u`` is (N, 3)."""
    for i in range(strategy.shape[0]):
        out[i] = strategy[i]
        if u[i, 0] >= rate:
            continue
        best = i
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            if fitness[j] > fitness[best]:
                best = j
        out[i] = strategy[best]


@njit(cache=True)
def imitate_proportional(indptr, indices, strategy, fitness, rate, spread, u, out):
    """Santos & Pacheco (2005) rule, synchronous: with probability ``rate`` a node picks a
    random neighbour j and, if j did better, copies it with probability
    (fitness[j] - fitness[i]) / (max(k_i, k_j) * spread), where spread = T - S is the largest
    payoff difference per game. ``u`` is (N, 3)."""
    for i in range(strategy.shape[0]):
        out[i] = strategy[i]
        deg = indptr[i + 1] - indptr[i]
        if deg == 0 or u[i, 0] >= rate:
            continue
        j = indices[indptr[i] + int(u[i, 1] * deg)]
        diff = fitness[j] - fitness[i]
        if diff <= 0.0:
            continue
        kj = indptr[j + 1] - indptr[j]
        if u[i, 2] < diff / (max(deg, kj) * spread):
            out[i] = strategy[j]


@njit(cache=True)
def replicate_sums(node_bounds, edge_bounds, src, dst, moves, trust, degree, balance, size, bailouts, funding,
                   fines, special, coop_scratch, out):
    """Per replicate r (nodes node_bounds[r]:node_bounds[r + 1], edges likewise), the sums a
    month's outcomes are made of, into ``out`` (R, 13), in index order so a replicate's sums
    are the same alone or in a batch. Columns: 0 cooperative moves, 1 mutually cooperating
    edges, 2 trust (both sides), 3 balance, 4 balance less support (bailouts, funding), 5
    organisations in deficit, 6 deficits outstanding, 7 in special measures, 8 fines paid,
    9 bailouts, 10 funding, 11 sd of balance / size, 12 hawks (playing organisations that
    cooperated in under half their games). ``coop_scratch`` (N,) is overwritten."""
    for r in range(node_bounds.shape[0] - 1):
        for k in range(out.shape[1]):
            out[r, k] = 0.0
        a, b = node_bounds[r], node_bounds[r + 1]
        for i in range(a, b):
            coop_scratch[i] = 0.0
        for e in range(edge_bounds[r], edge_bounds[r + 1]):
            m0, m1 = moves[e, 0], moves[e, 1]
            out[r, 0] += m0 + m1
            out[r, 1] += m0 * m1
            out[r, 2] += trust[e, 0] + trust[e, 1]
            coop_scratch[src[e]] += m0
            coop_scratch[dst[e]] += m1
        mean = 0.0
        for i in range(a, b):
            out[r, 3] += balance[i]
            out[r, 4] += balance[i] - bailouts[i] - funding[i]
            if balance[i] < 0:
                out[r, 5] += 1.0
                out[r, 6] -= balance[i]
            out[r, 7] += special[i]
            out[r, 8] += fines[i]
            out[r, 9] += bailouts[i]
            out[r, 10] += funding[i]
            mean += balance[i] / size[i]
            if degree[i] > 0 and coop_scratch[i] < 0.5 * degree[i]:
                out[r, 12] += 1.0
        n = b - a
        mean /= max(n, 1)
        var = 0.0
        for i in range(a, b):
            d = balance[i] / size[i] - mean
            var += d * d
        out[r, 11] = np.sqrt(var / max(n, 1))


@njit(cache=True)
def component_labels(n, src, dst):
    """Connected components of the graph on nodes 0..n-1 with edges (src, dst): each node's
    component, numbered in order of the component's lowest node (union-find)."""
    parent = np.arange(n)
    for e in range(src.shape[0]):
        a, b = src[e], dst[e]
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        while parent[b] != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        if a != b:
            parent[max(a, b)] = min(a, b)
    label = np.empty(n, dtype=np.int64)
    count = 0
    for i in range(n):
        root = i
        while parent[root] != root:
            root = parent[root]
        if root == i:
            label[i] = count
            count += 1
        else:
            label[i] = label[root]
    return label
