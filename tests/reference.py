"""Plain-Python reference implementations of the kernels in ``sim/kernels.py``.

Written from the model's rules (MODEL.md section 2-4, docs/model.md 3.3), not from the
kernels: one loop per rule, Python floats and lists, no numba and no vectorisation. The
agreement tests (tests/test_kernels.py) compare the jitted kernels with these EXACTLY, so
where floating-point order matters the reference fixes an order and says so:

- sums per node accumulate in edge order, starting from 0.0;
- a probability p is turned into an event by "draw < p" (the draw is uniform on [0, 1));
- a random neighbour is the floor(draw * degree)-th entry of the node's neighbour list;
- when several leaders of one relationship leave in the same month, their successions are
  applied one after the other in increasing node order.

Each function takes plain sequences (numpy arrays are fine: they are only indexed) and
returns fresh Python lists instead of writing into output arrays.
"""

import math

# Moves and strategy codes, restated from the model description (sim/strategies.py must agree;
# tests/test_kernels.py checks that it does).
DEFECT, COOPERATE = 0, 1
NO_MOVE = -1  # "last move" before the first round on an edge
ALLC, ALLD, TFT, GTFT, GRUDGER, WSLS, RANDOM, TRUST = range(8)

# Where each outcome's payoff sits in a node's table [R, S, T, P]: (own move, partner's move).
PAYOFF_INDEX = {
    (COOPERATE, COOPERATE): 0,  # R, reward for mutual cooperation
    (COOPERATE, DEFECT): 1,  # S, sucker's payoff
    (DEFECT, COOPERATE): 2,  # T, temptation
    (DEFECT, DEFECT): 3,  # P, punishment for mutual defection
}


def logistic(x):
    """sigma(x) = 1 / (1 + e^-x), with e^-x allowed to overflow to infinity (sigma = 0)."""
    try:
        tail = math.exp(-x)
    except OverflowError:
        return 0.0
    return 1.0 / (1.0 + tail)


def happens(draw, probability):
    """An event of the given probability, decided by one uniform draw in [0, 1)."""
    return draw < probability


def flip(move):
    return COOPERATE if move == DEFECT else DEFECT


def intended_move(code, my_last, their_last, partner_ever_defected, trust, bias, generosity, beta, draw):
    """The move a decision rule wants to make on one edge, before any execution error."""
    first_round = my_last == NO_MOVE or their_last == NO_MOVE
    if code == ALLC:  # dove
        return COOPERATE
    if code == ALLD:  # hawk
        return DEFECT
    if code == TFT:  # nice first, then do what the partner did last time
        return COOPERATE if first_round else their_last
    if code == GTFT:  # TFT, but a defection is forgiven with probability `generosity`
        if first_round or their_last == COOPERATE:
            return COOPERATE
        return COOPERATE if happens(draw, generosity) else DEFECT
    if code == GRUDGER:  # grim trigger: one defection by the partner and never again
        return DEFECT if partner_ever_defected else COOPERATE
    if code == WSLS:  # Pavlov: after R or T (a win) repeat the own move, after S or P switch
        if first_round:
            return COOPERATE
        won = PAYOFF_INDEX[(my_last, their_last)] in (0, 2)
        return my_last if won else flip(my_last)
    if code == RANDOM:
        return COOPERATE if happens(draw, 0.5) else DEFECT
    if code == TRUST:  # cooperate with probability sigma(beta (tau - 1/2 + bias))
        return COOPERATE if happens(draw, logistic(beta * (trust - 0.5 + bias))) else DEFECT
    raise ValueError(f"unknown strategy code {code}")


def decide(strategy, src, dst, last, seen, grudge, trust, bias, generosity, beta, noise, u):
    """Moves (E rows of [side 0, side 1]) for one step.

    Side 0 of edge e is node src[e], side 1 is node dst[e]. A side's rule looks at its own
    last move (``last``) and at its partner's last move as the side saw it (``seen``). u[e]
    holds four uniforms: the decision draws of side 0 and side 1, then their execution-error
    draws; a side makes a mistake (plays the opposite of what it intended) with probability
    ``noise``.
    """
    moves = []
    for e in range(len(src)):
        row = []
        for side, node in ((0, src[e]), (1, dst[e])):
            move = intended_move(
                int(strategy[node]), int(last[e][side]), int(seen[e][side]), bool(grudge[e][side]),
                float(trust[e][side]), float(bias[node]), generosity, beta, float(u[e][side]),
            )
            if happens(float(u[e][2 + side]), noise):
                move = flip(move)
            row.append(move)
        moves.append(row)
    return moves


def play(moves, src, dst, payoff, shift, surplus, n_nodes):
    """(score, money, number of mutually cooperating edges) for one step.

    score[i]: the sum of node i's own payoffs over its games; money[i]: its net money flow.
    Mutual cooperation creates ``surplus``, half to each side; a defector facing a cooperator
    takes ``shift`` from it; mutual defection moves no money.
    """
    score = [0.0] * n_nodes
    money = [0.0] * n_nodes
    mutual = 0
    for e in range(len(src)):
        i, j = int(src[e]), int(dst[e])
        a, b = int(moves[e][0]), int(moves[e][1])
        score[i] += float(payoff[i][PAYOFF_INDEX[(a, b)]])
        score[j] += float(payoff[j][PAYOFF_INDEX[(b, a)]])
        if a == COOPERATE and b == COOPERATE:
            money[i] += surplus / 2
            money[j] += surplus / 2
            mutual += 1
        elif a == DEFECT and b == COOPERATE:  # i exploits j
            money[i] += shift
            money[j] -= shift
        elif a == COOPERATE and b == DEFECT:  # j exploits i
            money[j] += shift
            money[i] -= shift
    return score, money, mutual


def observe(moves, misread, pledged, detection, u):
    """(seen, found_out): what each side sees of its partner's move this step, as lists of
    [side 0, side 1].

    Public moves (``pledged`` false): the side sees its partner's move, or the opposite when
    its draw u[e][side] < ``misread``. Pledged moves: a partner's cooperation is seen as
    such (misread with probability ``misread``); its defection is found out when the draw
    < ``detection`` and otherwise taken for the cooperation it pledged.
    """
    seen, found_out = [], []
    for e in range(len(moves)):
        s_row, f_row = [], []
        for side in (0, 1):
            theirs = int(moves[e][1 - side])
            found = False
            if pledged and theirs == DEFECT:
                found = happens(float(u[e][side]), detection)
                sees = DEFECT if found else COOPERATE
            elif misread > 0.0 and happens(float(u[e][side]), misread):
                sees = flip(theirs)
            else:
                sees = theirs
            s_row.append(sees)
            f_row.append(found)
        seen.append(s_row)
        found_out.append(f_row)
    return seen, found_out


def update_relationships(moves, seen, found_out, trust, last, grudge, gain, loss, breach_loss):
    """(trust, last, grudge) after a step's games, each as lists of [side 0, side 1].

    From what each side saw of its partner: trust closes ``gain`` of the gap to 1 when the
    partner was seen to cooperate, and loses ``loss`` of its level when it was seen to defect
    (``breach_loss`` when that was a broken pledge found out); a seen defection is remembered
    for good (grudge); each side's last move becomes its own move this step.
    """
    new_trust, new_last, new_grudge = [], [], []
    for e in range(len(moves)):
        t_row, l_row, g_row = [], [], []
        for side in (0, 1):
            tau = float(trust[e][side])
            held = bool(grudge[e][side])
            if int(seen[e][side]) == COOPERATE:
                tau = tau + gain * (1.0 - tau)
            else:
                tau = tau - (breach_loss if found_out[e][side] else loss) * tau
                held = True
            t_row.append(tau)
            l_row.append(int(moves[e][side]))
            g_row.append(held)
        new_trust.append(t_row)
        new_last.append(l_row)
        new_grudge.append(g_row)
    return new_trust, new_last, new_grudge


def succession(leaving, keep, src, dst, trust, grudge, trust0):
    """(trust, grudge) after leaders leave.

    A successor at node i keeps a share keep[i] of each of i's relationships: trust in both
    directions on every edge of i moves to keep[i] * trust + (1 - keep[i]) * trust0 (a
    stranger's trust), and i's own grudges are forgotten (the partner's are not). Leavers are
    applied in increasing node order.
    """
    trust = [[float(t) for t in row] for row in trust]
    grudge = [[bool(g) for g in row] for row in grudge]
    for node in range(len(leaving)):
        if not leaving[node]:
            continue
        k = float(keep[node])
        for e in range(len(src)):
            ends = (int(src[e]), int(dst[e]))
            if node not in ends:
                continue
            trust[e] = [k * t + (1.0 - k) * trust0 for t in trust[e]]
            grudge[e][ends.index(node)] = False
    return trust, grudge


def neighbours(indptr, indices, i):
    """Node i's neighbour list in a CSR adjacency."""
    return [int(indices[k]) for k in range(indptr[i], indptr[i + 1])]


def pick(items, draw):
    """The item a uniform draw in [0, 1) selects from a list, each equally likely."""
    return items[math.floor(draw * len(items))]


def imitate_fermi(indptr, indices, strategy, fitness, rate, selection, u):
    """Synchronous pairwise comparison: with probability ``rate`` node i compares itself with
    one random neighbour j and takes j's strategy with probability
    sigma(selection * (fitness[j] - fitness[i])). u[i] = (revise?, which neighbour, copy?)."""
    new = [int(s) for s in strategy]
    for i in range(len(strategy)):
        around = neighbours(indptr, indices, i)
        if not around or not happens(u[i][0], rate):
            continue
        j = pick(around, u[i][1])
        if happens(u[i][2], logistic(selection * (fitness[j] - fitness[i]))):
            new[i] = int(strategy[j])
    return new


def imitate_best(indptr, indices, strategy, fitness, rate, u):
    """Synchronous best-takes-over: with probability ``rate`` node i takes the strategy of the
    fittest node among itself and its neighbours; it keeps its own if nobody does strictly
    better, and the first listed of several equally fit best neighbours wins."""
    new = [int(s) for s in strategy]
    for i in range(len(strategy)):
        if not happens(u[i][0], rate):
            continue
        around = neighbours(indptr, indices, i)
        best = max([fitness[i]] + [fitness[j] for j in around])
        if fitness[i] == best:
            continue
        winner = next(j for j in around if fitness[j] == best)
        new[i] = int(strategy[winner])
    return new


def imitate_proportional(indptr, indices, strategy, fitness, rate, spread, u):
    """Synchronous Santos-Pacheco rule: with probability ``rate`` node i looks at one random
    neighbour j; if j is strictly fitter, i copies it with probability
    (fitness[j] - fitness[i]) / (max(k_i, k_j) * spread)."""
    new = [int(s) for s in strategy]
    for i in range(len(strategy)):
        around = neighbours(indptr, indices, i)
        if not around or not happens(u[i][0], rate):
            continue
        j = pick(around, u[i][1])
        advantage = fitness[j] - fitness[i]
        if advantage <= 0:
            continue
        k_i, k_j = len(around), len(neighbours(indptr, indices, j))
        if happens(u[i][2], advantage / (max(k_i, k_j) * spread)):
            new[i] = int(strategy[j])
    return new
