"""Numba kernels: everything that touches every edge (or every node) every step.

Layout shared by all kernels (MODEL.md section 2):
- an undirected edge e joins ``src[e]`` and ``dst[e]``; side 0 of the edge is ``src``'s
  view of the relationship, side 1 is ``dst``'s view;
- per-side arrays have shape (E, 2): ``moves`` (this step), ``last`` (the side's own last
  move, -1 before the first round), ``seen`` (the partner's last move as the side saw it,
  -1 before the first round), ``grudge`` (the side has seen its partner defect), ``trust``
  (the side's trust in its partner, in [0, 1]);
- per-edge ``deal`` (E,) bool: whether the edge's game takes place this month. A stall or a
  side holding back is "no deal" (issue 14): no payoff, no money, nothing seen, trust as it
  was. An empty ``deal`` means every edge plays (runs in which nothing stalls).
- per-node ``payoff`` has shape (N, 4): the R, S, T, P that node receives, after policies.

Kernels are deterministic functions of their inputs: randomness arrives as arrays of
uniforms drawn from the model's one ``numpy.random.Generator``, so a run is fixed by its
seed and each kernel can be checked exactly against a plain-Python reference
(tests/reference.py). They run serially so results are bit-identical across machines.
"""

import numpy as np
from numba import njit, types
from numba.extending import overload

from . import strategies as registry
from .strategies import (COOPERATE, DEFECT, GRUDGE, MAJORITY_HARD, MAJORITY_SOFT, MEMORY_ONE, PROBE, TRUST_RULE,
                         TWO_TATS)

# Per-side ``memory`` (E, 2, MEMORY) int32 of the short-memory rules, updated by ``decide``
# itself: each call first folds in the partner's move seen last round (``seen``), so decide
# must run exactly once per round, as it does in the model and in sim.match.
ROUNDS, PARTNER_C, SEEN_1, SEEN_2, PROBE_EXPLOIT = range(5)
MEMORY = 5  # rounds played; partner cooperations seen; partner's move seen 1 and 2 rounds ago; prober verdict


def at(x, i):
    """A parameter of a kernel, read for row ``i``: ``x`` itself when it is one number for
    every row, ``x[i]`` when it is one per row. A batch whose replicates hold different
    values of a config field (the worlds of a robustness check, ``CollabModel.param``) passes
    an array; a batch of one config passes the number, and the kernel compiled for a number
    is the one it always was."""
    return x[i] if np.ndim(x) else x


@overload(at, inline="always")
def _at(x, i):
    if isinstance(x, types.Array):
        return lambda x, i: x[i]
    return lambda x, i: x


def needs_memory(codes) -> bool:
    """Whether any of the strategy ``codes`` is a short-memory rule (tf2t, prober, majorities)."""
    kinds = np.array([registry.REGISTRY[c].kind for c in codes], dtype=np.int64)
    return bool(np.any(kinds >= TWO_TATS))


def new_memory(n_edges: int) -> np.ndarray:
    """Blank short-memory state for ``n_edges`` edges (nothing played yet)."""
    memory = np.zeros((n_edges, 2, MEMORY), dtype=np.int32)
    memory[:, :, SEEN_1] = memory[:, :, SEEN_2] = -1
    return memory


NO_MEMORY = new_memory(0)
EVERY_DEAL = np.ones(0, dtype=np.bool_)  # ``deal`` for runs in which nothing stalls


# -- the trust rule's decision, mostly without exp() -------------------------------------------
# A side on the trust rule cooperates when its draw u < 1 / (1 + exp(x)), x = -beta (trust -
# 1/2 + bias): exactly when x < logit bound L(u) = log((1 - u) / u). An exp() is the dearest
# thing in a month (about 6 ns a side), so the decision is first read off a table: for u in
# cell j = [j / CELLS, (j + 1) / CELLS), L(u) lies between L((j + 1) / CELLS) and L(j / CELLS),
# so x below the first (less a margin) cooperates for sure and x above the second (plus the
# margin) defects for sure. Only the few sides between them (about 0.3%) compute the
# probability as before. The margin (1e-6 in x) is a billion times the rounding of
# 1 / (1 + exp(x)) (a few ulps), so a decision read off the table is the one the exact
# arithmetic makes, bit for bit (tests/test_kernels.py checks it where they part closest).
TRUST_CELLS = 512
TRUST_MARGIN = 1e-6


def _trust_bounds(cells: int, margin: float) -> np.ndarray:
    """(cells, 2): per cell of u, below which x cooperates for sure, above which it defects."""
    v = np.arange(cells + 1) / cells
    with np.errstate(divide="ignore"):
        bound = np.log((1.0 - v) / v)  # +inf at u = 0, -inf at u = 1
    return np.stack([bound[1:] - margin, bound[:-1] + margin], axis=1)


TRUST_BOUNDS = _trust_bounds(TRUST_CELLS, TRUST_MARGIN)  # a constant of the compiled kernels


@njit(cache=True, inline="always")
def _trust_sure(x, u):
    """(sure, cooperates) of a trust-rule side from the table, without branches; a draw
    outside [0, 1) (or NaN) is never sure."""
    ok = (u >= 0.0) & (u < 1.0)
    j = int(u * TRUST_CELLS) if ok else 0
    below = x < TRUST_BOUNDS[j, 0]
    return ok & (below | (x > TRUST_BOUNDS[j, 1])), below


@njit(cache=True, inline="always")
def _trust_exact(x, u):
    """Whether a trust-rule side cooperates, from its probability 1 / (1 + exp(x))."""
    return u < 1.0 / (1.0 + np.exp(x))


@njit(cache=True, inline="always")  # inlined: no call or array-view reference counting per side
def _intended_move(kind, probs, code, my_last, their_last, grudge, memory, e, s, trust, bias, beta, u):
    # Whole arrays and indices, not row views: views cost reference counting per side.
    if kind == MEMORY_ONE:
        if my_last < 0 or their_last < 0:
            p = probs[code, 0]
        else:
            p = probs[code, 1 + 2 * (1 - my_last) + (1 - their_last)]
        return COOPERATE if u < p else DEFECT
    if kind == GRUDGE:
        return DEFECT if grudge else COOPERATE
    if kind == TRUST_RULE:
        x = -beta * (trust - 0.5 + bias)
        sure, cooperates = _trust_sure(x, u)
        return COOPERATE if (cooperates if sure else _trust_exact(x, u)) else DEFECT
    if kind == TWO_TATS:
        return DEFECT if memory[e, s, SEEN_1] == DEFECT and memory[e, s, SEEN_2] == DEFECT else COOPERATE
    if kind == PROBE:
        r = memory[e, s, ROUNDS]
        if r == 0:
            return DEFECT
        if r < 3:
            return COOPERATE
        if r == 3:
            memory[e, s, PROBE_EXPLOIT] = 1 if memory[e, s, SEEN_2] == COOPERATE and memory[e, s, SEEN_1] == COOPERATE else 0
        if memory[e, s, PROBE_EXPLOIT] == 1:
            return DEFECT
        return DEFECT if memory[e, s, SEEN_1] == DEFECT else COOPERATE
    defections = memory[e, s, ROUNDS] - memory[e, s, PARTNER_C]
    if kind == MAJORITY_SOFT:
        return COOPERATE if memory[e, s, PARTNER_C] >= defections else DEFECT
    if kind == MAJORITY_HARD:
        return COOPERATE if memory[e, s, PARTNER_C] > defections else DEFECT
    return DEFECT


@njit(cache=True)
def decide_rules(strategy, kinds, probs, src, dst, last, seen, grudge, memory, trust, bias, beta, noise, u, moves):
    """Fill ``moves`` (E, 2) with every side's move this step, from what it has seen.

    ``kinds`` (K,) and ``probs`` (K, 5) come from ``sim.strategies.rule_table``: a memory-one
    rule cooperates with probability probs[code, 0] in the first round and
    probs[code, 1 + outcome] after outcome (CC, CD, DC, DD) of the last round as this side saw
    it. ``memory`` (E, 2, MEMORY) is updated in place; an empty one (0, 2, MEMORY) keeps no
    memory, for runs in which no short-memory rule can play (it saves the per-side updates). ``u`` (E, 4): column s is the side's
    decision draw, column 2 + s its execution-error draw; with probability ``noise`` the
    intended move is flipped (a mistake).
    """
    track = memory.shape[0] > 0  # an empty memory: no short-memory rule can play
    blank = np.zeros((1, 2, MEMORY), dtype=np.int32)
    for e in range(src.shape[0]):
        for s in range(2):
            if track and seen[e, s] >= 0:  # fold last round's seen move into the short memory
                memory[e, s, ROUNDS] += 1
                memory[e, s, PARTNER_C] += seen[e, s]
                memory[e, s, SEEN_2] = memory[e, s, SEEN_1]
                memory[e, s, SEEN_1] = seen[e, s]
            node = src[e] if s == 0 else dst[e]
            code = strategy[node]
            move = _intended_move(kinds[code], probs, code, last[e, s], seen[e, s], grudge[e, s],
                                  memory if track else blank, e if track else 0, s, trust[e, s], bias[node],
                                  at(beta, e), u[e, s])
            if u[e, 2 + s] < at(noise, e):
                move = 1 - move
            moves[e, s] = move


@njit(cache=True)
def kinds_present(strategy, kinds):
    """Bit mask of the rule kinds played: bit k set when some node plays a rule of kind k."""
    mask = 0
    for i in range(strategy.shape[0]):
        mask |= 1 << kinds[strategy[i]]
    return mask


@njit(cache=True)
def decide_trust(src, dst, trust, bias, beta, noise, u, moves):
    """``decide_rules`` when every side plays the trust rule (the default world): the same
    decisions, without the per-side look-ups and dispatch. Sides are decided off the table
    in one pass with no call in it; the few it cannot call are decided exactly after."""
    unsure = np.empty(2 * src.shape[0], dtype=np.int64)
    n = 0
    for e in range(src.shape[0]):
        for s in range(2):
            node = src[e] if s == 0 else dst[e]
            sure, cooperates = _trust_sure(-at(beta, e) * (trust[e, s] - 0.5 + bias[node]), u[e, s])
            move = COOPERATE if cooperates else DEFECT
            if u[e, 2 + s] < at(noise, e):
                move = 1 - move
            moves[e, s] = move
            if not sure:
                unsure[n] = 2 * e + s
                n += 1
    for k in range(n):
        e, s = unsure[k] // 2, unsure[k] % 2
        node = src[e] if s == 0 else dst[e]
        move = COOPERATE if _trust_exact(-at(beta, e) * (trust[e, s] - 0.5 + bias[node]), u[e, s]) else DEFECT
        if u[e, 2 + s] < at(noise, e):
            move = 1 - move
        moves[e, s] = move


@njit(cache=True)
def decide_memory_one(strategy, probs, src, dst, last, seen, noise, u, moves):
    """``decide_rules`` when every side plays a memory-one rule (a row of ``probs``)."""
    for e in range(src.shape[0]):
        for s in range(2):
            code = strategy[src[e] if s == 0 else dst[e]]
            if last[e, s] < 0 or seen[e, s] < 0:
                p = probs[code, 0]
            else:
                p = probs[code, 1 + 2 * (1 - last[e, s]) + (1 - seen[e, s])]
            move = COOPERATE if u[e, s] < p else DEFECT
            if u[e, 2 + s] < at(noise, e):
                move = 1 - move
            moves[e, s] = move


def decide(strategy, src, dst, last, seen, grudge, trust, bias, generosity, beta, noise, u, moves, memory=None):
    """``decide_rules`` with the registry's table for this ``generosity``. ``memory`` (from
    ``new_memory``) is needed only when a short-memory rule (tf2t, prober, the majority
    rules) plays; without it those rules would forget each round, so that is refused.

    Without memory, a run in which every side plays the trust rule, or every side a
    memory-one rule, takes a kernel made for it (same results; tests/test_kernels.py): the
    dispatch by kind costs about as much as the rule itself. With memory, every side's
    counters must be kept whatever it plays now (mutation can bring a short-memory rule
    back), so the general kernel runs."""
    kinds, probs = registry.rule_table(float(generosity))
    if memory is None or memory.shape[0] < src.shape[0]:
        present = kinds_present(strategy, kinds) if src.shape[0] else 0
        if present == 1 << TRUST_RULE:
            decide_trust(src, dst, trust, bias, beta, noise, u, moves)
            return
        if present == 1 << MEMORY_ONE:
            decide_memory_one(strategy, probs, src, dst, last, seen, noise, u, moves)
            return
        if present >> TWO_TATS:
            raise ValueError("decide: short-memory strategies need memory=kernels.new_memory(n_edges)")
        memory = NO_MEMORY
    decide_rules(strategy, kinds, probs, src, dst, last, seen, grudge, memory, trust, bias, beta, noise, u, moves)


@njit(cache=True)
def play(moves, src, dst, payoff, shift, surplus, score, money, deal, mutual):
    """Evaluate every edge's stage game; returns the number of mutually cooperating edges.

    ``score`` (N,) receives each node's summed game payoff (its utility, which drives
    learning); ``money`` (N,) its summed money flow; ``mutual`` (E,) whether both sides
    cooperated (whether or not the game took place). Money moves only between the two sides
    of an edge (a defector shifts ``shift`` of cost onto a cooperating partner: "there is
    only one sum of money", NT), except that mutual cooperation creates ``surplus``, split
    equally. An edge with no deal (``deal[e]`` false) plays no game.
    """
    score[:] = 0.0
    money[:] = 0.0
    n_cc = 0
    every = deal.shape[0] == 0
    for e in range(src.shape[0]):
        mutual[e] = (moves[e, 0] & moves[e, 1]) != 0  # moves are 0 or 1; no branch to mispredict
    for e in range(src.shape[0]):
        if not every and not deal[e]:
            continue
        a = moves[e, 0]
        b = moves[e, 1]
        i = src[e]
        j = dst[e]
        score[i] += payoff[i, 2 * (1 - a) + (1 - b)]
        score[j] += payoff[j, 2 * (1 - b) + (1 - a)]
        if a == COOPERATE and b == COOPERATE:
            money[i] += 0.5 * at(surplus, e)
            money[j] += 0.5 * at(surplus, e)
            n_cc += 1
        elif a == COOPERATE:
            money[i] -= at(shift, e)
            money[j] += at(shift, e)
        elif b == COOPERATE:
            money[i] += at(shift, e)
            money[j] -= at(shift, e)
    return n_cc


@njit(cache=True)
def observe(moves, misread, pledged, detection, u, seen, found_out, deal):
    """Fill ``seen`` (E, 2) with what each side sees of its partner's move this step.

    Moves are public by default: a side sees its partner's move, misreading it (seeing the
    opposite) with probability ``misread``. With ``pledged``, moves are private behind a
    public pledge to collaborate (IHM L266-271, KF L2288-2297): a partner's defection is
    found out with probability ``detection`` (``found_out``) and otherwise taken for the
    cooperation pledged. ``u`` (E, 2) holds each side's draw; it is read only when
    ``misread`` > 0 or ``pledged``, so it may be empty otherwise. Where there was no deal
    (``deal[e]`` false) nothing is seen: ``seen`` keeps the last game's.
    """
    every = deal.shape[0] == 0
    if every and not pledged and misread <= 0.0:  # every move seen as made: two plain copies
        for e in range(moves.shape[0]):
            seen[e, 0] = moves[e, 1]
            seen[e, 1] = moves[e, 0]
        for e in range(moves.shape[0]):
            found_out[e, 0] = found_out[e, 1] = False
        return
    for e in range(moves.shape[0]):
        if not every and not deal[e]:
            found_out[e, 0] = found_out[e, 1] = False
            continue
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
def update_relationships(moves, seen, found_out, trust, last, grudge, gain, loss, breach_loss, deal):
    """After the game, from what each side saw: trust moves toward 1 after the partner
    cooperated (by ``gain`` of the gap) and toward 0 after it defected (by ``loss`` of the
    level, or ``breach_loss`` when a broken pledge was found out); with loss > gain betrayal
    weighs more than goodwill (KF L2295) and trust builds slowly (NT). A seen defection is
    remembered for good (grudge); each side's own move becomes its last move. An edge with
    no deal this month (``deal[e]`` false) is left as it was."""
    every = deal.shape[0] == 0
    for e in range(moves.shape[0]):
        if not every and not deal[e]:
            continue
        for s in range(2):
            if seen[e, s] == COOPERATE:
                trust[e, s] += at(gain, e) * (1.0 - trust[e, s])
            else:
                trust[e, s] -= (breach_loss if found_out[e, s] else at(loss, e)) * trust[e, s]
                grudge[e, s] = True
    # The last moves in a loop of their own: stored in the loop above, these one-byte writes
    # might alias the one-byte arrays read there, which made the whole pass about 1.7x slower.
    for e in range(moves.shape[0]):
        if every or deal[e]:
            last[e, 0] = moves[e, 0]
            last[e, 1] = moves[e, 1]


# -- per-node terms of the month (sim.model; one pass instead of a few numpy calls each) --
@njit(cache=True)
def segment_sums(bounds, values, out):
    """``out[r]`` = the sum of values[bounds[r]:bounds[r + 1]], added in index order (as
    ``np.bincount`` adds: the same sums to the last bit)."""
    for r in range(bounds.shape[0] - 1):
        total = 0.0
        for i in range(bounds[r], bounds[r + 1]):
            total += values[i]
        out[r] = total


@njit(cache=True)
def side_sums(src, dst, src_side, dst_side, by_src, by_dst):
    """``by_src`` (N,) = the sum of ``src_side[e]`` over the edges of which each node is the
    src, and ``by_dst`` likewise from ``dst_side`` (``CollabModel.side_sum`` adds the two):
    in edge order, as ``np.bincount`` adds, so the sums are bincount's to the last bit."""
    by_src[:] = 0.0
    by_dst[:] = 0.0
    for e in range(src.shape[0]):
        by_src[src[e]] += src_side[e]
    for e in range(dst.shape[0]):
        by_dst[dst[e]] += dst_side[e]


@njit(cache=True)
def purse_settle(src, dst, mutual, shares_src, shares_dst, tariff, pbr, floor, headroom, pooled, footprint, share,
                 contract, contracts_paid, lone, central_allocation, deviation, cost, money, net, paid, received,
                 central_paid, central):
    """A month of the commissioner's purse where it moves money (``sim.policies.purse``,
    ``Purse.settle``): each provider's payment less its contract (``deviation``, (N,)): the
    tariff lost on each relationship where it shares activity (``pbr``), then the foundation
    floor's top-up (``floor``: up to ``headroom`` below its contract, counting what pooling
    moved, ``pooled``); what each footprint's commissioner paid beyond the contracts
    (``cost``, (F,)), shared among its CCGs by ``share``; and the accounts. The numpy it
    replaced, step for step and in the same order, so the same numbers to the last bit
    (tests/test_kernels.py checks both that and the plain-Python reference), in one pass
    over the nodes instead of a dozen array operations."""
    n = deviation.shape[0]
    by_src = np.zeros(n)
    by_dst = np.zeros(n)
    if pbr:  # tariff income lost where a relationship shares activity and both sides cooperated
        for e in range(src.shape[0]):  # no branch: whether both cooperated changes every month
            by_src[src[e]] += np.float64(mutual[e] & shares_src[e])
        for e in range(dst.shape[0]):
            by_dst[dst[e]] += np.float64(mutual[e] & shares_dst[e])
    cost[:] = 0.0
    for i in range(n):
        d = 0.0
        if pbr:
            d = d - tariff * (by_src[i] + by_dst[i])
        if floor:  # np.maximum(v, 0.0): NaN stays NaN, -0.0 becomes 0.0
            v = -headroom[i] - (d + pooled[i])
            d += v if (v > 0.0 or v != v) else 0.0
        deviation[i] = d
        cost[footprint[i]] += d
    for i in range(n):
        commissioned = share[i] * cost[footprint[i]]
        booked = deviation[i] - commissioned
        money[i] += booked
        net[i] += booked
        paid[i] += contracts_paid[i] + commissioned
        received[i] += contract[i] + deviation[i]
    for f in range(lone.shape[0]):
        central_paid[f] += central_allocation[f] + cost[f] if lone[f] else 0.0
        central[f] -= cost[f] if lone[f] else 0.0


@njit(cache=True)
def pressured_payoffs(base, temptation, dd_cost, pressure, table):
    """``table`` (N, 4) = the base (R, S, T, P), with T raised by temptation * pressure and P
    lowered by dd_cost * pressure (``CollabModel.payoff_table``)."""
    for i in range(table.shape[0]):
        table[i, 0] = base[0]
        table[i, 1] = base[1]
        table[i, 2] = base[2] + at(temptation, i) * pressure[i]
        table[i, 3] = base[3] - at(dd_cost, i) * pressure[i]


@njit(cache=True)
def loss_averse(table, factor, crisis, margin, pressure, balance, size):
    """``sim.policies.loss_aversion``: where an organisation is just about managing
    (pressure < crisis and balance < margin * size), S -= (factor - 1) * max(P - S, 0)."""
    for i in range(table.shape[0]):
        if pressure[i] < at(crisis, i) and balance[i] < at(margin, i) * size[i]:
            table[i, 1] -= (at(factor, i) - 1.0) * max(table[i, 3] - table[i, 1], 0.0)


@njit(cache=True)
def decision_bias(table, scale, disposition, incentive_weight, independence, foundation, out):
    """``out`` (N,) = disposition + incentive_weight * ((R - T) + (S - P)) / scale -
    independence * foundation, from each node's payoffs (``CollabModel.decision_bias``)."""
    for i in range(out.shape[0]):
        advantage = ((table[i, 0] - table[i, 2]) + (table[i, 1] - table[i, 3])) / scale
        out[i] = disposition[i] + at(incentive_weight, i) * advantage - at(independence, i) * foundation[i]


@njit(cache=True)
def account(balance, money, gap, distress, size, scale, pressure):
    """A month's budgets (``CollabModel.account``): balance += money - (gap + distress *
    pressure) * size, with each node's monthly ``gap`` (N,); then pressure = -balance /
    (scale * size), clipped to [0, 1] as numpy's clip does (a -0.0 stays -0.0, NaN stays NaN)."""
    for i in range(balance.shape[0]):
        balance[i] += money[i] - (gap[i] + at(distress, i) * pressure[i]) * size[i]
        x = -balance[i] / (at(scale, i) * size[i])
        if x < 0.0:
            x = 0.0
        if x > 1.0:
            x = 1.0
        pressure[i] = x


@njit(cache=True)
def regulate(system, fine, detection, threshold, months, replace, first, footprint, size, u, balance, fines_paid,
             bailouts, months_left, special_measures, sums, replaced):
    """A month of regulation (``Regulation.review``; MODEL.md section 3) in one pass over the
    organisations instead of a chain of array calls. Fines: an organisation judged in
    breach (its balance below zero; under ``system`` its footprint's balance, ``footprint``
    (N,) ids 0..F-1) and detected (``u[:, 0]`` below ``detection``; under ``system`` the
    draw of its footprint's first member, ``first`` (F,)) pays ``fine`` x size to the
    centre. Then special measures: where no measures are running (``months_left``, counted
    down) and the deficit passes ``threshold`` x size (under ``system`` in a footprint in
    deficit after the fines), support clears the deficit into ``bailouts``, measures run
    for ``months``, and ``replaced`` marks where the leader goes (``u[:, 1]`` below
    ``replace``). Footprint balances (``sums``, (F,)) add up in index order, as
    numpy's bincount does. Returns whether any organisation went into special measures."""
    n = balance.shape[0]
    if system:
        sums[:] = 0.0
        for i in range(n):
            sums[footprint[i]] += balance[i]
    for i in range(n):
        if system:
            fined = sums[footprint[i]] < 0.0 and u[first[footprint[i]], 0] < detection
        else:
            fined = balance[i] < 0.0 and u[i, 0] < detection
        if fined:
            f = fine * size[i]
            balance[i] -= f
            fines_paid[i] += f
    if system:
        sums[:] = 0.0
        for i in range(n):
            sums[footprint[i]] += balance[i]
    any_failing = False
    for i in range(n):
        months_left[i] = max(months_left[i] - 1, 0)
        failing = balance[i] < -threshold * size[i] and months_left[i] == 0
        if system:
            failing = failing and sums[footprint[i]] < 0.0
        replaced[i] = failing and u[i, 1] < replace
        if failing:
            any_failing = True
            bailouts[i] -= balance[i]
            balance[i] = 0.0
            months_left[i] = months
        special_measures[i] = months_left[i] > 0
    return any_failing


@njit(cache=True)
def succession(leaving, internal_now, trust_loss, internal_keep, keep, appointed, internal, month, node_replicate,
               left, src, dst, trust, grudge, trust0):
    """New leaders where ``leaving`` (N,); a successor inherits only part of the
    predecessor's relationships (KF L2074, L2473), more when promoted from inside
    (``internal_now``; KF L2074).

    Each successor keeps ``keep = 1 - trust_loss * (internal_keep if promoted from inside
    else 1)`` of its relationships: trust in both directions on its edges moves to ``keep *
    trust + (1 - keep) * trust0`` (a stranger's trust), and its own grudges are forgotten.
    Many leavers at once reset a partnership (KF L2311). ``appointed`` and ``internal``
    record the month and the way each successor came; ``left`` (R,) receives how many
    leaders left in each replicate (``node_replicate``). One pass over the nodes and one over
    the edges, instead of a chain of array calls on the few who leave in a month.
    """
    left[:] = 0
    for i in range(leaving.shape[0]):
        if leaving[i]:
            keep[i] = 1.0 - at(trust_loss, i) * (internal_keep if internal_now[i] else 1.0)
            appointed[i] = month
            internal[i] = internal_now[i]
            left[node_replicate[i]] += 1
    for e in range(src.shape[0]):
        if not (leaving[src[e]] or leaving[dst[e]]):
            continue
        for s in range(2):
            node = src[e] if s == 0 else dst[e]
            if leaving[node]:
                k = keep[node]
                trust[e, 0] = k * trust[e, 0] + (1.0 - k) * at(trust0, e)
                trust[e, 1] = k * trust[e, 1] + (1.0 - k) * at(trust0, e)
                grudge[e, s] = False


# -- strategy updates (MODEL.md section 2.7) ---------------------------------------------
# Rules, as codes the kernels understand (sim.learning maps names to them). Fermi,
# best-takes-over and proportional compare raw payoffs; death-birth, birth-death and imitation
# choose in proportion to fitness (``fitness_of``), as in Ohtsuki et al. (2006).
FERMI, BEST, PROPORTIONAL, DEATH_BIRTH, IMITATION, BIRTH_DEATH = range(6)
LINEAR, EXPONENTIAL = range(2)  # fitness 1 - w + w * payoff, or exp(w * payoff)


@njit(cache=True)
def fitness_of(kind, w, payoff, out):
    """Fitness from payoff at selection intensity ``w``: 1 - w + w * payoff (weak selection
    for small w; Nowak et al. 2004), floored at 0 (a node cannot reproduce less than never),
    or exp(w * payoff) (Traulsen et al. 2008), positive for any payoff."""
    for i in range(payoff.shape[0]):
        if kind == LINEAR:
            out[i] = max(0.0, 1.0 - w + w * payoff[i])
        else:
            out[i] = np.exp(w * payoff[i])


@njit(cache=True)
def _roulette(indptr, indices, fitness, i, with_self, a):
    """One of i's neighbours (and i itself if ``with_self``), chosen with probability
    proportional to fitness by the draw ``a``: the first whose running fitness sum exceeds
    a * total, in list order (i first). All zero: each equally likely."""
    lo, hi = indptr[i], indptr[i + 1]
    total = fitness[i] if with_self else 0.0
    for k in range(lo, hi):
        total += fitness[indices[k]]
    if total <= 0.0:
        m = hi - lo + (1 if with_self else 0)
        pick = int(a * m)
        if with_self:
            if pick == 0:
                return i
            pick -= 1
        return indices[lo + pick]
    r = a * total
    cum = 0.0
    if with_self:
        cum = fitness[i]
        if r < cum:
            return i
    for k in range(lo, hi):
        cum += fitness[indices[k]]
        if r < cum:
            return indices[k]
    return indices[hi - 1]  # rounding: r can reach the last partial sum


@njit(cache=True)
def _global_roulette(fitness, a):
    """A node chosen with probability proportional to fitness (uniformly if all are zero)."""
    n = fitness.shape[0]
    total = 0.0
    for i in range(n):
        total += fitness[i]
    if total <= 0.0:
        return int(a * n)
    r = a * total
    cum = 0.0
    for i in range(n):
        cum += fitness[i]
        if r < cum:
            return i
    return n - 1


@njit(cache=True)
def elementary(rule, indptr, indices, strategy, payoff, fitness, selection, spread, by_degree, c, a, b):
    """One elementary update from three draws; returns (node, its new strategy), or (-1, 0)
    when nothing can change. ``c`` picks the focal node (birth-death: the parent, in
    proportion to fitness), ``a`` a neighbour, ``b`` decides whether to copy it."""
    n = strategy.shape[0]
    if rule == BIRTH_DEATH:
        parent = _global_roulette(fitness, c)
        deg = indptr[parent + 1] - indptr[parent]
        if deg == 0:
            return -1, 0
        return indices[indptr[parent] + int(a * deg)], strategy[parent]
    i = int(c * n)
    return i, _revised(rule, i, indptr, indices, strategy, payoff, fitness, selection, spread, by_degree, a, b)


@njit(cache=True)
def _revised(rule, i, indptr, indices, strategy, payoff, fitness, selection, spread, by_degree, a, b):
    """The strategy node i takes when it revises (node-focused rules), from draws a and b."""
    deg = indptr[i + 1] - indptr[i]
    if rule == BEST:  # fittest of the closed neighbourhood; ties keep the own, then the first listed
        best = i
        for k in range(indptr[i], indptr[i + 1]):
            if payoff[indices[k]] > payoff[best]:
                best = indices[k]
        return strategy[best]
    if deg == 0:
        return strategy[i]
    if rule == DEATH_BIRTH:  # i dies; a neighbour, chosen by fitness, fills the place
        return strategy[_roulette(indptr, indices, fitness, i, False, a)]
    if rule == IMITATION:  # i keeps or copies, by fitness among itself and its neighbours
        return strategy[_roulette(indptr, indices, fitness, i, True, a)]
    j = indices[indptr[i] + int(a * deg)]
    diff = payoff[j] - payoff[i]
    if rule == FERMI:
        p = 1.0 / (1.0 + np.exp(-selection * diff))
        return strategy[j] if b < p else strategy[i]
    # PROPORTIONAL (Santos & Pacheco 2005): copy a fitter j with probability diff / norm, where
    # norm bounds diff: spread = the largest payoff difference of one game, times the larger
    # degree when payoffs are summed over games.
    if diff <= 0.0:
        return strategy[i]
    norm = spread
    if by_degree:
        norm *= max(deg, indptr[j + 1] - indptr[j])
    return strategy[j] if b < diff / norm else strategy[i]


@njit(cache=True)
def update_synchronous(rule, indptr, indices, strategy, payoff, fitness, rate, selection, spread, by_degree, u, out):
    """Every node revises at once from the old strategies: with probability ``rate``
    (u[i, 0]) node i takes ``_revised`` with draws u[i, 1], u[i, 2]. Birth-death has no
    synchronous form (a parent is chosen from the whole population, one at a time)."""
    if rule == BIRTH_DEATH:
        raise ValueError("birth-death updating is asynchronous only")
    for i in range(strategy.shape[0]):
        out[i] = strategy[i]
        if u[i, 0] >= rate:
            continue
        out[i] = _revised(rule, i, indptr, indices, strategy, payoff, fitness, selection, spread, by_degree,
                          u[i, 1], u[i, 2])


@njit(cache=True)
def update_asynchronous(rule, indptr, indices, strategy, payoff, fitness, rate, selection, spread, by_degree, u):
    """Random sequential updating, in place: for each of the rows of ``u`` (N of them per
    step), with probability ``rate`` (u[t, 0]) one elementary update (``elementary`` with
    u[t, 1], u[t, 2], u[t, 3]) takes effect at once; payoffs stay those of this step's game."""
    for t in range(u.shape[0]):
        if u[t, 0] >= rate:
            continue
        node, new = elementary(rule, indptr, indices, strategy, payoff, fitness, selection, spread, by_degree,
                                u[t, 1], u[t, 2], u[t, 3])
        if node >= 0:
            strategy[node] = new


@njit(cache=True)
def replicate_sums(node_bounds, edge_bounds, src, dst, moves, trust, degree, balance, size, bailouts, funding,
                   fines, special, strategy, pair_code, coop_scratch, out, pair_coop, strategy_count):
    """Per replicate r (nodes node_bounds[r]:node_bounds[r + 1], edges likewise), the sums a
    month's outcomes are made of, into ``out`` (R, 13), in index order so a replicate's sums
    are the same alone or in a batch. Columns: 0 cooperative moves, 1 mutually cooperating
    edges, 2 trust (both sides), 3 balance, 4 balance less support (bailouts, funding), 5
    organisations in deficit, 6 deficits outstanding, 7 in special measures, 8 fines paid,
    9 bailouts, 10 funding, 11 sd of balance / size, 12 hawks (playing organisations that
    cooperated in under half their games). Also ``pair_coop`` (P,): cooperative moves by
    ``pair_code`` (2E,), the code of side s of edge e at 2e + s (a directed type pair and
    replicate); ``strategy_count`` (R, K): organisations playing each strategy.
    ``coop_scratch`` (N,) is overwritten. One pass, with the sums kept in registers: this
    is most of the cost of recording a month."""
    pair_coop[:] = 0.0
    strategy_count[:] = 0.0
    for r in range(node_bounds.shape[0] - 1):
        a, b = node_bounds[r], node_bounds[r + 1]
        for i in range(a, b):
            coop_scratch[i] = 0.0
        coop = mutual = tr = 0.0
        for e in range(edge_bounds[r], edge_bounds[r + 1]):
            m0, m1 = moves[e, 0], moves[e, 1]
            coop += m0 + m1
            mutual += m0 * m1
            tr += trust[e, 0] + trust[e, 1]
            coop_scratch[src[e]] += m0
            coop_scratch[dst[e]] += m1
            pair_coop[pair_code[2 * e]] += m0
            pair_coop[pair_code[2 * e + 1]] += m1
        bal = earned = in_deficit = deficits = spec = fin = bail = fund = hawks = mean = 0.0
        for i in range(a, b):
            x = balance[i]
            bal += x
            earned += x - bailouts[i] - funding[i]
            if x < 0:
                in_deficit += 1.0
                deficits -= x
            spec += special[i]
            fin += fines[i]
            bail += bailouts[i]
            fund += funding[i]
            mean += x / size[i]
            if degree[i] > 0 and coop_scratch[i] < 0.5 * degree[i]:
                hawks += 1.0
            strategy_count[r, strategy[i]] += 1.0
        n = b - a
        mean /= max(n, 1)
        var = 0.0
        for i in range(a, b):
            d = balance[i] / size[i] - mean
            var += d * d
        out[r, 0] = coop
        out[r, 1] = mutual
        out[r, 2] = tr
        out[r, 3] = bal
        out[r, 4] = earned
        out[r, 5] = in_deficit
        out[r, 6] = deficits
        out[r, 7] = spec
        out[r, 8] = fin
        out[r, 9] = bail
        out[r, 10] = fund
        out[r, 11] = np.sqrt(var / max(n, 1))
        out[r, 12] = hawks


@njit(cache=True)
def month_row(sums, summed_at, summed_from, scale, strategy_count, shares_at, inv_nodes, pair_coop, pairs_at,
              inv_games, row):
    """A month's recorded row (R, columns) from ``replicate_sums``' output, in one pass: the
    outcomes read off the sums, ``row[r, summed_at[j]] = sums[r, summed_from[j]] *
    scale[r, j]``; from column ``shares_at`` the share of organisations playing each of the
    first ``pairs_at - shares_at`` strategies, ``strategy_count[r, s] * inv_nodes[r]``; from
    column ``pairs_at`` the cooperation by type pair, ``pair_coop[r * P + p] * inv_games[r, p]``
    (P pairs per replicate; NaN where the replicate has no such games). The products numpy's
    indexing made, without its temporaries (they were a third of the cost of recording)."""
    K, P = pairs_at - shares_at, inv_games.shape[1]
    for r in range(row.shape[0]):
        for j in range(summed_at.shape[0]):
            row[r, summed_at[j]] = sums[r, summed_from[j]] * scale[r, j]
        for s in range(K):
            row[r, shares_at + s] = strategy_count[r, s] * inv_nodes[r]
        for p in range(P):
            row[r, pairs_at + p] = pair_coop[r * P + p] * inv_games[r, p]


@njit(cache=True)
def months_last(data, n, columns, out):
    """``out[k, r, t] = data[t, r, k]`` for the first ``n`` months and ``columns`` columns of
    a recorder's (months, runs, columns) array: each outcome's months of each run made
    contiguous (a run file's column). Copied eight months at a time, so that every cache line
    written is filled at once: about twice numpy's copy of the transposed view."""
    for t0 in range(0, n, 8):
        t1 = min(n, t0 + 8)
        for r in range(data.shape[1]):
            for k in range(columns):
                for t in range(t0, t1):
                    out[k, r, t] = data[t, r, k]


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

