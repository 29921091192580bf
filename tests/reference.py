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
(ALLC, ALLD, TFT, GTFT, GRUDGER, WSLS, RANDOM, TRUST, TF2T, STFT, PROBER, ALTERNATOR, SOFT_MAJORITY,
 HARD_MAJORITY, WSHLS, EXTORT2, ZDGTFT2) = range(17)

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


def intended_move(code, my_last, their_last, partner_ever_defected, trust, bias, generosity, beta, draw,
                  history=None):
    """The move a decision rule wants to make on one edge, before any execution error.

    ``history``: the partner's moves as this side saw them, oldest first (needed by the
    rules that look back more than one round)."""
    history = history or []
    first_round = my_last == NO_MOVE or their_last == NO_MOVE
    if code == ALLC:  # dove
        return COOPERATE
    if code == ALLD:  # hawk
        return DEFECT
    if code == TFT:  # nice first, then do what the partner did last time
        return COOPERATE if first_round else their_last
    if code == STFT:  # suspicious first, then do what the partner did last time
        return DEFECT if first_round else their_last
    if code == GTFT:  # TFT, but a defection is forgiven with probability `generosity`
        if first_round or their_last == COOPERATE:
            return COOPERATE
        return COOPERATE if happens(draw, generosity) else DEFECT
    if code == GRUDGER:  # grim trigger: one defection by the partner and never again
        return DEFECT if partner_ever_defected else COOPERATE
    if code in (WSLS, WSHLS):  # Pavlov: after R or T (a win) repeat the own move, after S or P switch
        if first_round:
            return COOPERATE if code == WSLS else DEFECT
        won = PAYOFF_INDEX[(my_last, their_last)] in (0, 2)
        stay = won if code == WSLS else not won  # win-shift lose-stay does the opposite
        return my_last if stay else flip(my_last)
    if code == ALTERNATOR:
        return COOPERATE if first_round else flip(my_last)
    if code == RANDOM:
        return COOPERATE if happens(draw, 0.5) else DEFECT
    if code == TRUST:  # cooperate with probability sigma(beta (tau - 1/2 + bias))
        return COOPERATE if happens(draw, logistic(beta * (trust - 0.5 + bias))) else DEFECT
    if code in (EXTORT2, ZDGTFT2):  # zero-determinant rules: fixed cooperation probabilities
        after = {EXTORT2: (8 / 9, 1 / 2, 1 / 3, 0.0), ZDGTFT2: (1.0, 1 / 8, 1.0, 1 / 4)}[code]
        p = 1.0 if first_round else after[PAYOFF_INDEX[(my_last, their_last)]]
        return COOPERATE if happens(draw, p) else DEFECT
    if code == TF2T:  # forgives a lone defection; answers two in a row
        return DEFECT if history[-2:] == [DEFECT, DEFECT] else COOPERATE
    if code == PROBER:  # D, C, C; exploit a partner that cooperated in rounds 2 and 3, else TFT
        if len(history) < 3:
            return [DEFECT, COOPERATE, COOPERATE][len(history)]
        if history[1:3] == [COOPERATE, COOPERATE]:
            return DEFECT
        return history[-1]
    if code in (SOFT_MAJORITY, HARD_MAJORITY):  # go by the partner's majority; ties: soft C, hard D
        c = history.count(COOPERATE)
        d = len(history) - c
        return COOPERATE if c > d or (c == d and code == SOFT_MAJORITY) else DEFECT
    raise ValueError(f"unknown strategy code {code}")


def decide(strategy, src, dst, last, seen, grudge, trust, bias, generosity, beta, noise, u, histories=None):
    """Moves (E rows of [side 0, side 1]) for one step.

    Side 0 of edge e is node src[e], side 1 is node dst[e]. A side's rule looks at its own
    last move (``last``), at its partner's last move as the side saw it (``seen``) and, for
    the rules that look further back, at ``histories[e][side]`` (the partner's moves it saw
    before last round, oldest first; ``seen`` is appended to it here when a round was played,
    and the updated histories are returned). u[e] holds four uniforms: the decision draws of
    side 0 and side 1, then their execution-error draws; a side makes a mistake (plays the
    opposite of what it intended) with probability ``noise``.
    """
    histories = [[list(h) for h in row] for row in histories] if histories else [[[], []] for _ in src]
    moves = []
    for e in range(len(src)):
        row = []
        for side, node in ((0, src[e]), (1, dst[e])):
            if int(seen[e][side]) != NO_MOVE:
                histories[e][side].append(int(seen[e][side]))
            move = intended_move(
                int(strategy[node]), int(last[e][side]), int(seen[e][side]), bool(grudge[e][side]),
                float(trust[e][side]), float(bias[node]), generosity, beta, float(u[e][side]), histories[e][side],
            )
            if happens(float(u[e][2 + side]), noise):
                move = flip(move)
            row.append(move)
        moves.append(row)
    return moves, histories


def play(moves, src, dst, payoff, shift, surplus, n_nodes, deal=()):
    """(score, money, number of mutually cooperating edges) for one step.

    score[i]: the sum of node i's own payoffs over its games; money[i]: its net money flow.
    Mutual cooperation creates ``surplus``, half to each side; a defector facing a cooperator
    takes ``shift`` from it; mutual defection moves no money. An edge whose ``deal`` is false
    (a stall: no deal) plays no game; an empty ``deal`` means every edge plays.
    """
    score = [0.0] * n_nodes
    money = [0.0] * n_nodes
    mutual = 0
    for e in range(len(src)):
        if len(deal) and not deal[e]:
            continue
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


def observe(moves, misread, pledged, detection, u, deal=(), seen_before=None):
    """(seen, found_out): what each side sees of its partner's move this step, as lists of
    [side 0, side 1]. Where there was no deal (``deal[e]`` false) nothing is seen: the side
    keeps ``seen_before[e]`` and finds nothing out.

    Public moves (``pledged`` false): the side sees its partner's move, or the opposite when
    its draw u[e][side] < ``misread``. Pledged moves: a partner's cooperation is seen as
    such (misread with probability ``misread``); its defection is found out when the draw
    < ``detection`` and otherwise taken for the cooperation it pledged.
    """
    seen, found_out = [], []
    for e in range(len(moves)):
        if len(deal) and not deal[e]:
            seen.append([int(seen_before[e][0]), int(seen_before[e][1])])
            found_out.append([False, False])
            continue
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


def update_relationships(moves, seen, found_out, trust, last, grudge, gain, loss, breach_loss, deal=()):
    """(trust, last, grudge) after a step's games, each as lists of [side 0, side 1]; an edge
    with no deal this month (``deal[e]`` false) keeps them as they were.

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
            if len(deal) and not deal[e]:  # no deal: as it was
                t_row.append(tau)
                l_row.append(int(last[e][side]))
                g_row.append(held)
                continue
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


def succession(leaving, internal_now, trust_loss, internal_keep, keep, appointed, internal, month, node_replicate,
               replicates, src, dst, trust, grudge, trust0):
    """(trust, grudge, keep, appointed, internal, left) after leaders leave.

    A successor at node i keeps a share keep[i] = 1 - trust_loss[i] * (internal_keep if
    promoted from inside, internal_now[i], else 1) of each of i's relationships: trust in
    both directions on every edge of i moves to keep[i] * trust + (1 - keep[i]) * trust0 (a
    stranger's trust), and i's own grudges are forgotten (the partner's are not). Leavers are
    applied in increasing node order. Each successor's month and way in are recorded, and
    ``left`` counts the leavers of each replicate.
    """
    trust = [[float(t) for t in row] for row in trust]
    grudge = [[bool(g) for g in row] for row in grudge]
    keep, appointed, internal = list(keep), list(appointed), list(internal)
    left = [0] * replicates
    for node in range(len(leaving)):
        if not leaving[node]:
            continue
        k = keep[node] = 1.0 - float(trust_loss[node]) * (internal_keep if internal_now[node] else 1.0)
        appointed[node], internal[node] = month, bool(internal_now[node])
        left[int(node_replicate[node])] += 1
        for e in range(len(src)):
            ends = (int(src[e]), int(dst[e]))
            if node not in ends:
                continue
            trust[e] = [k * t + (1.0 - k) * trust0 for t in trust[e]]
            grudge[e][ends.index(node)] = False
    return trust, grudge, keep, appointed, internal, left


def pressured_payoffs(base, temptation, dd_cost, pressure):
    """Each node's (R, S, T, P): pressure raises the temptation T and deepens the loss P of
    mutual defection, in proportion (MODEL.md section 2.1)."""
    r, s, t, p = (float(x) for x in base)
    return [[r, s, t + temptation * float(q), p - dd_cost * float(q)] for q in pressure]


def decision_bias(table, scale, disposition, incentive_weight, independence, foundation):
    """The trust rule's per-node bias: disposition, plus the payoff advantage of cooperating
    averaged over the partner's two moves, ((R - T) + (S - P)) / scale, weighted; less the
    independence a foundation trust values."""
    out = []
    for (r, s, t, p), d, f in zip(table, disposition, foundation):
        advantage = ((float(r) - float(t)) + (float(s) - float(p))) / scale
        out.append(float(d) + incentive_weight * advantage - independence * (1.0 if f else 0.0))
    return out


def account(balance, money, gap, distress, size, scale, pressure):
    """(balance, pressure) after a month: costs grow by each node's structural gap and, in distress,
    by the pressure; pressure is the deficit in units of scale * size, between 0 and 1."""
    new_balance = [float(b) + (float(m) - (float(g) + distress * float(p)) * float(s))
                   for b, m, g, p, s in zip(balance, money, gap, pressure, size)]
    new_pressure = [min(max(-b / (scale * float(s)), 0.0), 1.0) for b, s in zip(new_balance, size)]
    return new_balance, new_pressure


def purse_settle(src, dst, mutual, shares_src, shares_dst, tariff, pbr, floor, headroom, pooled, footprint, share,
                 contract, contracts_paid, lone, central_allocation, money, net, paid, received, central_paid,
                 central):
    """A month of the commissioner's purse (sim/policies/purse.py), as new lists (money, net,
    paid, received, central_paid, central): a provider's deviation from its contract is
    minus the tariff for each of its relationships that shares activity and on which both
    sides cooperated (with ``pbr``), then, with ``floor``, topped up by max(-headroom -
    (deviation + pooled), 0) as numpy's maximum gives it (NaN stays NaN, -0.0 becomes 0.0);
    a footprint's cost is its providers' deviations summed in node order; a CCG pays its
    ``share`` of its footprint's cost, and providers book their deviation less it; the
    centre pays and loses the cost of a footprint with no CCG (``lone``)."""
    n = len(money)
    shared = [0.0] * n
    if pbr:
        for e in range(len(src)):  # each side's relationships counted in edge order
            if mutual[e] and shares_src[e]:
                shared[src[e]] += 1.0
        by_dst = [0.0] * n
        for e in range(len(dst)):
            if mutual[e] and shares_dst[e]:
                by_dst[dst[e]] += 1.0
        shared = [a + b for a, b in zip(shared, by_dst)]
    deviation = []
    for i in range(n):
        d = 0.0 - tariff * shared[i] if pbr else 0.0
        if floor:
            v = -float(headroom[i]) - (d + float(pooled[i]))
            d = d + (v if v > 0.0 or math.isnan(v) else 0.0)
        deviation.append(d)
    cost = [0.0] * len(lone)
    for i in range(n):
        cost[footprint[i]] += deviation[i]
    commissioned = [float(share[i]) * cost[footprint[i]] for i in range(n)]
    booked = [deviation[i] - commissioned[i] for i in range(n)]
    return ([float(money[i]) + booked[i] for i in range(n)], [float(net[i]) + booked[i] for i in range(n)],
            [float(paid[i]) + (float(contracts_paid[i]) + commissioned[i]) for i in range(n)],
            [float(received[i]) + (float(contract[i]) + deviation[i]) for i in range(n)],
            [float(central_paid[f]) + (float(central_allocation[f]) + cost[f] if lone[f] else 0.0)
             for f in range(len(lone))],
            [float(central[f]) - (cost[f] if lone[f] else 0.0) for f in range(len(lone))])


def neighbours(indptr, indices, i):
    """Node i's neighbour list in a CSR adjacency."""
    return [int(indices[k]) for k in range(indptr[i], indptr[i + 1])]


def pick(items, draw):
    """The item a uniform draw in [0, 1) selects from a list, each equally likely."""
    return items[math.floor(draw * len(items))]


FERMI, BEST, PROPORTIONAL, DEATH_BIRTH, IMITATION, BIRTH_DEATH = range(6)
LINEAR, EXPONENTIAL = range(2)


def fitness_of(kind, w, payoff):
    """1 - w + w * payoff, floored at 0, or exp(w * payoff)."""
    if kind == LINEAR:
        return [max(0.0, 1.0 - w + w * float(p)) for p in payoff]
    return [math.exp(w * float(p)) for p in payoff]


def by_fitness(candidates, fitness, draw):
    """One of ``candidates`` with probability proportional to its fitness: the first whose
    running sum exceeds draw * total (in list order); all zero: each equally likely."""
    weights = [float(fitness[c]) for c in candidates]
    total = 0.0
    for w in weights:
        total += w
    if total <= 0.0:
        return pick(candidates, draw)
    running = 0.0
    for c, w in zip(candidates, weights):
        running += w
        if draw * total < running:
            return c
    return candidates[-1]


def revised(rule, i, indptr, indices, strategy, payoff, fitness, selection, spread, by_degree, a, b):
    """The strategy node i takes when it revises under a node-focused rule."""
    around = neighbours(indptr, indices, i)
    own = int(strategy[i])
    if rule == BEST:
        best = max([payoff[i]] + [payoff[j] for j in around])
        if payoff[i] == best:
            return own
        return int(strategy[next(j for j in around if payoff[j] == best)])
    if not around:
        return own
    if rule == DEATH_BIRTH:
        return int(strategy[by_fitness(around, fitness, a)])
    if rule == IMITATION:
        return int(strategy[by_fitness([i] + around, fitness, a)])
    j = pick(around, a)
    advantage = payoff[j] - payoff[i]
    if rule == FERMI:
        return int(strategy[j]) if happens(b, logistic(selection * advantage)) else own
    if advantage <= 0:
        return own
    norm = spread * (max(len(around), len(neighbours(indptr, indices, j))) if by_degree else 1)
    return int(strategy[j]) if happens(b, advantage / norm) else own


def update_synchronous(rule, indptr, indices, strategy, payoff, fitness, rate, selection, spread, by_degree, u):
    """Every node, with probability ``rate`` (u[i][0]), revises from the old strategies."""
    new = [int(s) for s in strategy]
    for i in range(len(strategy)):
        if happens(u[i][0], rate):
            new[i] = revised(rule, i, indptr, indices, strategy, payoff, fitness, selection, spread, by_degree,
                             u[i][1], u[i][2])
    return new


def elementary(rule, indptr, indices, strategy, payoff, fitness, selection, spread, by_degree, c, a, b):
    """(node, new strategy) of one elementary update, or None. Birth-death: a parent chosen by
    fitness from everyone (draw c) puts its strategy into a random neighbour (draw a); other
    rules: node floor(c * N) revises."""
    n = len(strategy)
    if rule == BIRTH_DEATH:
        parent = by_fitness(list(range(n)), fitness, c)
        around = neighbours(indptr, indices, parent)
        if not around:
            return None
        return pick(around, a), int(strategy[parent])
    i = math.floor(c * n)
    return i, revised(rule, i, indptr, indices, strategy, payoff, fitness, selection, spread, by_degree, a, b)


def update_asynchronous(rule, indptr, indices, strategy, payoff, fitness, rate, selection, spread, by_degree, u):
    """Random sequential updates, each taking effect at once; payoffs stay fixed."""
    new = [int(s) for s in strategy]
    for row in u:
        if not happens(row[0], rate):
            continue
        change = elementary(rule, indptr, indices, new, payoff, fitness, selection, spread, by_degree,
                            row[1], row[2], row[3])
        if change is not None:
            new[change[0]] = change[1]
    return new


def moran_payoffs(indptr, indices, types, matrix, mean, kind, w):
    """Each node's payoff (one game per neighbour with matrix[own type][neighbour's type],
    summed or averaged) and fitness, computed from scratch."""
    payoff = []
    for i in range(len(types)):
        around = neighbours(indptr, indices, i)
        p = 0.0
        for j in around:
            p += float(matrix[int(types[i])][int(types[j])])
        if mean and around:
            p /= len(around)
        payoff.append(p)
    return payoff, fitness_of(kind, w, payoff)


def moran_steps(rule, indptr, indices, types, matrix, mean, kind, w, spread, u):
    """Elementary updates of a two-type population until one type is gone or ``u`` (rows of
    three draws) runs out; payoffs recomputed from scratch before every update.
    Returns (updates done, final types)."""
    types = [int(t) for t in types]
    n = len(types)
    for t, row in enumerate(u):
        if sum(types) in (0, n):
            return t, types
        payoff, fitness = moran_payoffs(indptr, indices, types, matrix, mean, kind, w)
        change = elementary(rule, indptr, indices, types, payoff, fitness, w, spread, not mean, row[0], row[1], row[2])
        if change is not None:
            types[change[0]] = change[1]
    return len(u), types


def regulate(system, fine, detection, threshold, months, replace, footprint, size, u, balance, fines_paid, bailouts,
             months_left):
    """(balance, fines_paid, bailouts, months_left, special_measures, replaced) after a month
    of regulation (MODEL.md section 3).

    Judged on its own books (``system`` false), an organisation in deficit is fined ``fine``
    x its size when its draw u[i][0] is below ``detection``. Judged as a footprint, every
    member of a footprint in deficit is fined when the draw of the footprint's first member
    (lowest index) is below ``detection``. Then, where no special measures are running
    (months left, counted down first, reach 0) and the deficit is deeper than ``threshold``
    x size (and, judged as a footprint, the footprint is still in deficit after the fines),
    support clears the deficit, measures run for ``months`` months, and the leader is
    replaced when u[i][1] is below ``replace``. Footprint balances are summed in index
    order, starting from 0.0.
    """
    n = len(balance)
    balance, fines_paid, bailouts = [float(b) for b in balance], [float(f) for f in fines_paid], [float(b) for b in bailouts]
    months_left = [int(m) for m in months_left]

    def in_deficit(i):
        total = 0.0
        for j in range(n):
            if footprint[j] == footprint[i]:
                total += balance[j]
        return total < 0.0

    first = {}
    for i in range(n):
        first.setdefault(int(footprint[i]), i)
    fined = []
    for i in range(n):
        if system:
            fined.append(in_deficit(i) and u[first[int(footprint[i])]][0] < detection)
        else:
            fined.append(balance[i] < 0.0 and u[i][0] < detection)
    for i in range(n):
        if fined[i]:
            balance[i] -= fine * float(size[i])
            fines_paid[i] += fine * float(size[i])
    months_left = [max(m - 1, 0) for m in months_left]
    failing = [balance[i] < -threshold * float(size[i]) and months_left[i] == 0 and (not system or in_deficit(i))
               for i in range(n)]
    replaced = [failing[i] and u[i][1] < replace for i in range(n)]
    for i in range(n):
        if failing[i]:
            bailouts[i] -= balance[i]
            balance[i] = 0.0
            months_left[i] = months
    return balance, fines_paid, bailouts, months_left, [m > 0 for m in months_left], replaced
