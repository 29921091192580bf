"""The fastest game step we can hand-write in numba over collabsim's arrays: one fused
pass per edge doing the engine kernels' work (decide both sides with the trust rule, pay
off from each side's payoff row, move money, update trust, last and seen moves and
grudges), with no strategy dispatch, no misreading and no policies. The limit the engine's
kernels are measured against."""

import numpy as np
from numba import njit


@njit(cache=True)
def fused_step(src, dst, trust, last, seen, grudge, bias, payoff, beta, noise, gain, loss, shift, surplus, u,
               score, money):
    score[:] = 0.0
    money[:] = 0.0
    for e in range(src.shape[0]):
        i = src[e]
        j = dst[e]
        a = 1 if u[e, 0] < 1.0 / (1.0 + np.exp(-beta * (trust[e, 0] - 0.5 + bias[i]))) else 0
        b = 1 if u[e, 1] < 1.0 / (1.0 + np.exp(-beta * (trust[e, 1] - 0.5 + bias[j]))) else 0
        if u[e, 2] < noise:
            a = 1 - a
        if u[e, 3] < noise:
            b = 1 - b
        score[i] += payoff[i, 2 * (1 - a) + (1 - b)]
        score[j] += payoff[j, 2 * (1 - b) + (1 - a)]
        if a and b:
            money[i] += 0.5 * surplus
            money[j] += 0.5 * surplus
        elif a:  # j defected on a cooperating i
            money[i] -= shift
            money[j] += shift
        elif b:
            money[i] += shift
            money[j] -= shift
        trust[e, 0] = trust[e, 0] + gain * (1.0 - trust[e, 0]) if b else trust[e, 0] - loss * trust[e, 0]
        trust[e, 1] = trust[e, 1] + gain * (1.0 - trust[e, 1]) if a else trust[e, 1] - loss * trust[e, 1]
        grudge[e, 0] |= b == 0
        grudge[e, 1] |= a == 0
        last[e, 0] = a
        last[e, 1] = b
        seen[e, 0] = b
        seen[e, 1] = a


@njit(cache=True)
def stream(x, y):
    """A pure streaming pass (read x, write y) to measure memory bandwidth."""
    for k in range(x.shape[0]):
        y[k] = x[k] * 1.0000001


@njit(cache=True)
def gather(values, index):
    """Dependent random reads (pointer chasing) to measure memory latency."""
    k = 0
    total = 0.0
    for _ in range(index.shape[0]):
        k = index[k]
        total += values[k]
    return total
