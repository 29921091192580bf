"""Plain-Python references for the numba kernels, written from the rules in MODEL.md and
the literature rather than from the kernels: one function per kernel, loops over plain
lists, textbook definitions. The tests check the kernels agree with these exactly."""

import math

C, D = 1, 0
ALLC, ALLD, TFT, GTFT, GRUDGER, WSLS, RANDOM, TRUST = range(8)


def node_of(edge_src, edge_dst, side):
    return edge_src if side == 0 else edge_dst


def choose(rule, mine_before, theirs_before, betrayed, trust, bias, generosity, beta, draw):
    """The move a rule intends, given this relationship's history."""
    first_round = mine_before == -1
    if rule == ALLC:
        return C
    if rule == ALLD:
        return D
    if rule == TFT:  # start nice, then mirror the partner
        return C if first_round or theirs_before == C else D
    if rule == GTFT:  # mirror, but forgive a defection with probability `generosity`
        if first_round or theirs_before == C:
            return C
        return C if draw < generosity else D
    if rule == GRUDGER:  # nice until the partner's first defection, then never again
        return D if betrayed else C
    if rule == WSLS:  # Pavlov: keep the move after R or T, switch after S or P
        if first_round:
            return C
        won = theirs_before == C  # R (C,C) or T (D,C)
        return mine_before if won else 1 - mine_before
    if rule == RANDOM:
        return C if draw < 0.5 else D
    if rule == TRUST:
        p = 1 / (1 + math.exp(-beta * (trust - 0.5 + bias)))
        return C if draw < p else D
    raise ValueError(rule)


def decide(strategy, src, dst, last, grudge, trust, bias, generosity, beta, noise, u):
    moves = [[0, 0] for _ in src]
    for e in range(len(src)):
        for side in (0, 1):
            node = node_of(src[e], dst[e], side)
            move = choose(int(strategy[node]), int(last[e][side]), int(last[e][1 - side]), bool(grudge[e][side]),
                          float(trust[e][side]), float(bias[node]), generosity, beta, float(u[e][side]))
            if u[e][2 + side] < noise:  # a mistake flips the move
                move = 1 - move
            moves[e][side] = move
    return moves


def payoff(table_row, mine, theirs):
    R, S, T, P = table_row
    return {(C, C): R, (C, D): S, (D, C): T, (D, D): P}[(mine, theirs)]


def play(moves, src, dst, table, shift, surplus, n):
    score = [0.0] * n
    money = [0.0] * n
    mutual = 0
    for e in range(len(src)):
        a, b = moves[e]
        i, j = src[e], dst[e]
        score[i] += payoff(table[i], a, b)
        score[j] += payoff(table[j], b, a)
        if a == C and b == C:
            money[i] += surplus / 2
            money[j] += surplus / 2
            mutual += 1
        elif a == C and b == D:  # j shifts cost onto i
            money[i] -= shift
            money[j] += shift
        elif a == D and b == C:
            money[i] += shift
            money[j] -= shift
    return score, money, mutual


def update_relationships(moves, trust, last, grudge, gain, loss):
    trust = [list(row) for row in trust]
    last = [list(row) for row in last]
    grudge = [list(row) for row in grudge]
    for e in range(len(moves)):
        for side in (0, 1):
            partner = moves[e][1 - side]
            if partner == C:
                trust[e][side] = trust[e][side] + gain * (1 - trust[e][side])
            else:
                trust[e][side] = trust[e][side] - loss * trust[e][side]
                grudge[e][side] = True
            last[e][side] = moves[e][side]
    return trust, last, grudge


def succession(leaving, keep, src, dst, trust, grudge, stranger):
    trust = [list(row) for row in trust]
    grudge = [list(row) for row in grudge]
    for e in range(len(src)):
        for side in (0, 1):
            node = node_of(src[e], dst[e], side)
            if leaving[node]:
                k = keep[node]
                for s in (0, 1):  # both directions of the relationship move toward strangers
                    trust[e][s] = k * trust[e][s] + (1 - k) * stranger
                grudge[e][side] = False
    return trust, grudge


def neighbours(indptr, indices, i):
    return [int(j) for j in indices[indptr[i]:indptr[i + 1]]]


def imitate_fermi(indptr, indices, strategy, fitness, rate, selection, u):
    new = [int(s) for s in strategy]
    for i in range(len(strategy)):
        nbrs = neighbours(indptr, indices, i)
        if not nbrs or u[i][0] >= rate:
            continue
        j = nbrs[int(u[i][1] * len(nbrs))]
        if u[i][2] < 1 / (1 + math.exp(-selection * (fitness[j] - fitness[i]))):
            new[i] = int(strategy[j])
    return new


def imitate_best(indptr, indices, strategy, fitness, rate, u):
    new = [int(s) for s in strategy]
    for i in range(len(strategy)):
        if u[i][0] >= rate:
            continue
        best = i
        for j in neighbours(indptr, indices, i):
            if fitness[j] > fitness[best]:
                best = j
        new[i] = int(strategy[best])
    return new


def imitate_proportional(indptr, indices, strategy, fitness, rate, spread, u):
    new = [int(s) for s in strategy]
    for i in range(len(strategy)):
        nbrs = neighbours(indptr, indices, i)
        if not nbrs or u[i][0] >= rate:
            continue
        j = nbrs[int(u[i][1] * len(nbrs))]
        gap = fitness[j] - fitness[i]
        if gap <= 0:
            continue
        k = max(len(nbrs), len(neighbours(indptr, indices, j)))
        if u[i][2] < gap / (k * spread):
            new[i] = int(strategy[j])
    return new
