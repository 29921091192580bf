"""The jitted kernels agree exactly with the plain-Python references (tests/reference.py) on
random small networks, and keep the model's invariants (money, trust, mistakes)."""

import math

import numpy as np
import reference as ref
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim import kernels, strategies

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- inputs -------------------------------------------------------------------------------
# Uniform draws in [0, 1), with the values where "<" and "<=" differ drawn on purpose.
DRAW = st.one_of(st.sampled_from([0.0, 0.5, 1 / 3]), st.floats(0.0, 1.0, exclude_max=True))
PROB = st.one_of(st.sampled_from([0.0, 0.5, 1.0, 1 / 3]), st.floats(0.0, 1.0))
UNIT = st.one_of(st.sampled_from([0.0, 0.5, 1.0]), st.floats(0.0, 1.0))
BIAS = st.one_of(st.just(0.0), st.floats(-1.0, 1.0))
STEEPNESS = st.one_of(st.sampled_from([0.0, 1.0, 10.0, 1e3, 1e6]), st.floats(0.0, 100.0))
FITNESS = st.one_of(st.sampled_from([0.0, 1.0, 2.0, -1.0]), st.floats(-100.0, 100.0))
PAYOFF = st.one_of(st.sampled_from([0.0, 1.0, 3.0, 5.0, -4.0]), st.floats(-10.0, 10.0))
AMOUNT = st.one_of(st.sampled_from([0.0, 0.1, 0.2]), st.floats(0.0, 5.0))


@st.composite
def graphs(draw, canonical=False):
    """(n, src, dst): 1-30 nodes, 0-60 distinct undirected edges, no self-loops; edges point
    either way unless ``canonical`` (src < dst, the invariant of sim.network.Network)."""
    n = draw(st.integers(1, 30))
    if n == 1:
        pairs = []
    else:
        pairs = draw(st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(1, n - 1)).map(lambda t: (t[0], (t[0] + t[1]) % n)),
            max_size=60, unique_by=lambda p: (min(p), max(p)),
        ))
    if canonical:
        pairs = [(min(p), max(p)) for p in pairs]
    src = np.array([p[0] for p in pairs], dtype=np.int64)
    dst = np.array([p[1] for p in pairs], dtype=np.int64)
    return n, src, dst


@st.composite
def csr_graphs(draw):
    """(n, indptr, indices): a graph's adjacency in CSR form, each neighbour list shuffled."""
    n, src, dst = draw(graphs())
    lists = [[] for _ in range(n)]
    for i, j in zip(src.tolist(), dst.tolist()):
        lists[i].append(j)
        lists[j].append(i)
    rnd = draw(st.randoms(use_true_random=False))
    for row in lists:
        rnd.shuffle(row)
    indptr = np.zeros(n + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(row) for row in lists])
    indices = np.array([j for row in lists for j in row], dtype=np.int64)
    return n, indptr, indices


def floats(draw, shape, elements):
    return draw(hnp.arrays(np.float64, shape, elements=elements))


def draws_with_ties(draw, shape, *thresholds):
    """Uniform draws, often exactly equal to one of the thresholds they are compared with."""
    ties = [t for t in thresholds if 0.0 <= t < 1.0]
    return floats(draw, shape, st.one_of(DRAW, st.sampled_from(ties)) if ties else DRAW)


def strategy_codes(draw, n, codes=len(strategies.NAMES)):
    return draw(hnp.arrays(np.int8, n, elements=st.integers(0, codes - 1)))


def moves_array(draw, e):
    return draw(hnp.arrays(np.int8, (e, 2), elements=st.sampled_from([0, 1])))


def reachable_memory(draw, e):
    """(last, seen) as they occur in a run: an edge has played (both sides remember a 0/1
    own move and a 0/1 seen move, which misreading may make differ from the partner's own)
    or not (all -1)."""
    played = draw(hnp.arrays(np.bool_, e))[:, None]
    last = np.where(played, moves_array(draw, e), np.int8(-1)).astype(np.int8)
    seen = np.where(played, moves_array(draw, e), np.int8(-1)).astype(np.int8)
    return last, seen


def as_array(rows, dtype, shape):
    return np.array(rows, dtype=dtype).reshape(shape)


# -- decide -------------------------------------------------------------------------------
@st.composite
def decide_inputs(draw):
    n, src, dst = draw(graphs())
    e = len(src)
    generosity, noise = draw(PROB), draw(PROB)
    last, seen = reachable_memory(draw, e)
    return dict(
        strategy=strategy_codes(draw, n), src=src, dst=dst, last=last, seen=seen,
        grudge=draw(hnp.arrays(np.bool_, (e, 2))), trust=floats(draw, (e, 2), UNIT),
        bias=floats(draw, n, BIAS), generosity=generosity, beta=draw(STEEPNESS),
        noise=noise, u=draws_with_ties(draw, (e, 4), generosity, noise),
    )


def run_decide(args, **override):
    args = {**args, **override}
    moves = np.full((len(args["src"]), 2), 7, dtype=np.int8)  # garbage: every entry must be written
    kernels.decide(args["strategy"], args["src"], args["dst"], args["last"], args["seen"], args["grudge"],
                   args["trust"], args["bias"], args["generosity"], args["beta"], args["noise"], args["u"], moves,
                   kernels.new_memory(len(args["src"])))
    return moves


def test_reference_uses_the_engine_codes():
    assert (strategies.DEFECT, strategies.COOPERATE) == (ref.DEFECT, ref.COOPERATE)
    names = ("allc", "alld", "tft", "gtft", "grudger", "wsls", "random", "trust", "tf2t", "stft", "prober",
             "alternator", "soft_majority", "hard_majority", "wshls", "extort2", "zdgtft2")
    assert strategies.NAMES == names
    assert [strategies.CODES[name] for name in names] == list(range(17))
    assert (ref.TRUST, ref.TF2T, ref.ZDGTFT2) == (7, 8, 16)


@SETTINGS
@given(decide_inputs())
def test_decide_matches_reference(args):
    before = {k: v.copy() for k, v in args.items() if isinstance(v, np.ndarray)}
    moves = run_decide(args)
    expected, _ = ref.decide(args["strategy"], args["src"], args["dst"], args["last"], args["seen"],
                             args["grudge"], args["trust"], args["bias"], args["generosity"], args["beta"],
                             args["noise"], args["u"])
    assert np.array_equal(moves, as_array(expected, np.int8, moves.shape))
    for k, v in before.items():  # decide reads its inputs only
        assert np.array_equal(args[k], v), k


MEMORY_ONE_CODES = [k for k, s in enumerate(strategies.REGISTRY) if s.kind == strategies.MEMORY_ONE]


@SETTINGS
@given(decide_inputs(), st.sampled_from(["trust", "memory-one"]), st.data())
def test_decide_fast_paths_match_reference(args, world, data):
    # Without memory, a world of trust-rule players only, or of memory-one players only,
    # takes a kernel of its own (kernels.decide_trust, decide_memory_one): same moves.
    n = len(args["strategy"])
    if world == "trust":
        strategy = np.full(n, strategies.TRUST, dtype=np.int8)
    else:
        strategy = data.draw(hnp.arrays(np.int8, n, elements=st.sampled_from(MEMORY_ONE_CODES)))
    args = {**args, "strategy": strategy}
    before = {k: v.copy() for k, v in args.items() if isinstance(v, np.ndarray)}
    moves = np.full((len(args["src"]), 2), 7, dtype=np.int8)
    kernels.decide(args["strategy"], args["src"], args["dst"], args["last"], args["seen"], args["grudge"],
                   args["trust"], args["bias"], args["generosity"], args["beta"], args["noise"], args["u"], moves)
    expected, _ = ref.decide(args["strategy"], args["src"], args["dst"], args["last"], args["seen"],
                             args["grudge"], args["trust"], args["bias"], args["generosity"], args["beta"],
                             args["noise"], args["u"])
    assert np.array_equal(moves, as_array(expected, np.int8, moves.shape))
    for k, v in before.items():
        assert np.array_equal(args[k], v), k


# Draws on and beside the table's cell edges, and spread over [0, 1).
EDGE_DRAWS = st.one_of(
    st.integers(0, kernels.TRUST_CELLS - 1).map(lambda j: j / kernels.TRUST_CELLS),
    st.integers(1, kernels.TRUST_CELLS - 1).map(lambda j: math.nextafter(j / kernels.TRUST_CELLS, 0.0)),
    st.sampled_from([0.0, 5e-324, 1e-300, 1e-9, math.nextafter(1.0, 0.0)]), st.floats(0.0, 1.0, exclude_max=True))
OFFSETS = st.one_of(st.sampled_from([0.0, 5e-324, -5e-324, 1e-15, -1e-15, 1e-9, -1e-9]),
                    st.sampled_from([1.0, -1.0]).map(lambda sign: sign * kernels.TRUST_MARGIN),
                    st.floats(-3 * kernels.TRUST_MARGIN, 3 * kernels.TRUST_MARGIN))


@SETTINGS
@given(st.lists(st.tuples(EDGE_DRAWS, OFFSETS, st.sampled_from([0, 1])), min_size=1, max_size=40),
       st.sampled_from([1.0, 3.0, 0.25]))
def test_the_trust_rule_decides_as_the_exact_arithmetic_where_it_is_closest_to_call(sides, beta):
    # The trust rule reads most decisions off a table of the logit bound log((1 - u) / u),
    # with a margin, and computes the rest exactly. Here every side's x = -beta (trust - 1/2)
    # lies within a few margins of its draw's bound, where the table must hand over to the
    # exact arithmetic: the moves must equal the plain-Python rule's, in the trust rule's
    # own kernel and in the general one (mixed with another rule).
    e = len(sides)
    u = np.zeros((e, 4))
    trust = np.zeros((e, 2))
    for k, (draw, offset, side) in enumerate(sides):
        bound = math.log((1.0 - draw) / draw) if draw > 0.0 else 700.0
        u[k, side] = u[k, 1 - side] = draw
        trust[k, :] = 0.5 - (bound + offset) / beta
    src, dst = np.arange(e, dtype=np.int64), np.arange(e, 2 * e, dtype=np.int64)
    last = seen = np.full((e, 2), -1, dtype=np.int8)
    grudge = np.zeros((e, 2), dtype=np.bool_)
    bias = np.zeros(2 * e)
    for mixed in (False, True):
        strategy = np.full(2 * e, strategies.TRUST, dtype=np.int8)
        if mixed:
            strategy[-1] = strategies.CODES["alld"]
        moves = np.full((e, 2), 7, dtype=np.int8)
        kernels.decide(strategy, src, dst, last, seen, grudge, trust, bias, 0.0, beta, 0.0, u, moves)
        expected, _ = ref.decide(strategy, src, dst, last, seen, grudge, trust, bias, 0.0, beta, 0.0, u)
        assert np.array_equal(moves, as_array(expected, np.int8, moves.shape)), mixed


def test_the_trust_table_bounds_the_logit_of_each_cell():
    # Cell j holds draws in [j / CELLS, (j + 1) / CELLS); below its first bound x cooperates
    # for every such draw, above its second it defects: the bounds bracket the logit bound.
    cells, b = kernels.TRUST_CELLS, kernels.TRUST_BOUNDS
    assert b.shape == (cells, 2) and b[0, 1] == math.inf and b[-1, 0] == -math.inf
    for j in range(1, cells - 1):
        lo, hi = j / cells, (j + 1) / cells
        assert b[j, 0] < math.log((1 - hi) / hi) < math.log((1 - lo) / lo) < b[j, 1]
    assert np.all(np.diff(b[:, 0]) < 0) and np.all(np.diff(b[:, 1]) < 0)


def test_decide_takes_the_fast_path_only_for_one_kind_without_memory(monkeypatch):
    # The general kernel must run whenever a short memory is kept or kinds are mixed;
    # each fast path only for its own world.
    called = []
    for name in ("decide_trust", "decide_memory_one", "decide_rules"):
        real = getattr(kernels, name)
        monkeypatch.setattr(kernels, name, lambda *a, _n=name, _f=real: called.append(_n) or _f(*a))
    src, dst = np.array([0]), np.array([1])
    def run(codes, memory=None):
        called.clear()
        kernels.decide(np.array(codes, dtype=np.int8), src, dst, np.full((1, 2), -1, np.int8),
                       np.full((1, 2), -1, np.int8), np.zeros((1, 2), bool), np.full((1, 2), 0.5), np.zeros(2),
                       1 / 3, 5.0, 0.0, np.full((1, 4), 0.5), np.zeros((1, 2), np.int8), memory)
        return called[0]
    T, A, G = strategies.TRUST, strategies.CODES["tft"], strategies.GRUDGER
    assert run([T, T]) == "decide_trust"
    assert run([A, strategies.ALLD]) == "decide_memory_one"
    assert run([T, A]) == run([G, G]) == "decide_rules"
    assert run([T, T], kernels.new_memory(1)) == run([A, A], kernels.new_memory(1)) == "decide_rules"


@st.composite
def rounds_inputs(draw):
    """A few rounds on a small network: per round the draws, and what each side saw of its
    partner (random: misreading can make it anything)."""
    args = draw(decide_inputs())
    e = len(args["src"])
    rounds = draw(st.integers(1, 8))
    args["rounds"] = [(floats(draw, (e, 4), DRAW), moves_array(draw, e)) for _ in range(rounds)]
    return args


@SETTINGS
@given(rounds_inputs())
def test_decide_over_several_rounds_matches_reference(args):
    # The short-memory rules (tf2t, prober, majorities) keep counters in ``memory``; the
    # reference keeps each side's whole seen history instead. Both play the same rounds.
    e = len(args["src"])
    memory = kernels.new_memory(e)
    last = np.full((e, 2), -1, dtype=np.int8)
    seen = np.full((e, 2), -1, dtype=np.int8)
    histories = None
    for u, saw in args["rounds"]:
        moves = np.full((e, 2), 7, dtype=np.int8)
        kernels.decide(args["strategy"], args["src"], args["dst"], last, seen, args["grudge"], args["trust"],
                       args["bias"], args["generosity"], args["beta"], args["noise"], u, moves, memory)
        expected, histories = ref.decide(args["strategy"], args["src"], args["dst"], last, seen, args["grudge"],
                                         args["trust"], args["bias"], args["generosity"], args["beta"],
                                         args["noise"], u, histories)
        assert np.array_equal(moves, as_array(expected, np.int8, moves.shape))
        last, seen = moves.copy(), saw


# -- play ---------------------------------------------------------------------------------
@st.composite
def play_inputs(draw, surplus=AMOUNT):
    n, src, dst = draw(graphs())
    return dict(moves=moves_array(draw, len(src)), src=src, dst=dst, payoff=floats(draw, (n, 4), PAYOFF),
                shift=draw(AMOUNT), surplus=draw(surplus), n=n, deal=deals(draw, len(src)))


def deals(draw, e):
    """Which edges play this month: all (empty) or a drawn mask (stalls are no deal)."""
    return draw(st.one_of(st.just(kernels.EVERY_DEAL), hnp.arrays(np.bool_, e)))


def run_play(args):
    score = np.full(args["n"], 123.0)  # garbage: play must start from zero
    money = np.full(args["n"], -45.0)
    mutual = np.zeros(len(args["moves"]), dtype=np.bool_)
    n_cc = kernels.play(args["moves"], args["src"], args["dst"], args["payoff"], args["shift"], args["surplus"],
                        score, money, args["deal"], mutual)
    assert mutual.tolist() == [a == 1 and b == 1 for a, b in args["moves"].tolist()]  # deal or not
    return score, money, n_cc


@SETTINGS
@given(play_inputs())
def test_play_matches_reference(args):
    score, money, n_cc = run_play(args)
    exp_score, exp_money, exp_cc = ref.play(args["moves"], args["src"], args["dst"], args["payoff"], args["shift"],
                                            args["surplus"], args["n"], args["deal"])
    assert np.array_equal(score, np.array(exp_score))
    assert np.array_equal(money, np.array(exp_money))
    played = args["deal"] if len(args["deal"]) else True
    assert n_cc == exp_cc == int(np.sum((args["moves"][:, 0] == 1) & (args["moves"][:, 1] == 1) & played))


@SETTINGS
@given(play_inputs())
def test_money_is_conserved_but_for_the_surplus(args):
    _, money, n_cc = run_play(args)
    expected = args["surplus"] * n_cc
    scale = 1.0 + len(args["src"]) * (args["shift"] + args["surplus"])  # rounding grows with the flows
    assert math.isclose(float(money.sum()), expected, rel_tol=1e-9, abs_tol=1e-12 * scale)


@SETTINGS
@given(play_inputs(surplus=st.just(0.0)))
def test_money_sums_to_zero_without_surplus(args):
    _, money, _ = run_play(args)
    scale = 1.0 + len(args["src"]) * args["shift"]
    assert abs(float(money.sum())) <= 1e-12 * scale


# -- observe ------------------------------------------------------------------------------
@st.composite
def observe_inputs(draw):
    e = draw(st.integers(0, 60))
    misread, detection = draw(PROB), draw(PROB)
    return dict(moves=moves_array(draw, e), misread=misread, pledged=draw(st.booleans()), detection=detection,
                u=draws_with_ties(draw, (e, 2), misread, detection), deal=deals(draw, e))


def run_observe(args, **override):
    args = {**args, **override}
    e = len(args["moves"])
    seen = np.full((e, 2), 7, dtype=np.int8)  # garbage: every entry of an edge that played must be written
    found_out = np.ones((e, 2), dtype=np.bool_)
    kernels.observe(args["moves"], args["misread"], args["pledged"], args["detection"], args["u"], seen, found_out,
                    args["deal"])
    return seen, found_out


@SETTINGS
@given(observe_inputs())
def test_observe_matches_reference(args):
    seen, found_out = run_observe(args)
    exp_seen, exp_found = ref.observe(args["moves"], args["misread"], args["pledged"], args["detection"], args["u"],
                                      args["deal"], np.full(seen.shape, 7))
    assert np.array_equal(seen, as_array(exp_seen, np.int8, seen.shape))
    assert np.array_equal(found_out, as_array(exp_found, np.bool_, found_out.shape))


@SETTINGS
@given(observe_inputs())
def test_public_moves_are_seen_as_made_or_all_misread(args):
    partner = args["moves"][:, ::-1]
    args["deal"] = kernels.EVERY_DEAL
    seen, found_out = run_observe(args, pledged=False, misread=0.0, u=np.empty((0, 2)))  # no draws needed
    assert np.array_equal(seen, partner) and not found_out.any()
    seen, _ = run_observe(args, pledged=False, misread=1.0)
    assert np.array_equal(seen, 1 - partner)


@SETTINGS
@given(observe_inputs())
def test_pledged_defections_are_found_out_or_believed(args):
    args["deal"] = kernels.EVERY_DEAL
    partner = args["moves"][:, ::-1]
    seen, found_out = run_observe(args, pledged=True, misread=0.0, detection=1.0)
    assert np.array_equal(seen, partner) and np.array_equal(found_out, partner == 0)
    seen, found_out = run_observe(args, pledged=True, misread=0.0, detection=0.0)
    assert (seen == 1).all() and not found_out.any()  # every pledge believed


# -- update_relationships -----------------------------------------------------------------
@st.composite
def update_inputs(draw):
    e = draw(st.integers(0, 60))
    last = draw(hnp.arrays(np.int8, (e, 2), elements=st.sampled_from([-1, 0, 1])))
    seen = moves_array(draw, e)
    found_out = draw(hnp.arrays(np.bool_, (e, 2))) & (seen == 0)  # only a seen defection is found out
    return dict(moves=moves_array(draw, e), seen=seen, found_out=found_out, trust=floats(draw, (e, 2), UNIT),
                last=last, grudge=draw(hnp.arrays(np.bool_, (e, 2))), gain=draw(UNIT), loss=draw(UNIT),
                breach_loss=draw(UNIT), deal=deals(draw, e))


def run_update(args, trust, last, grudge):
    kernels.update_relationships(args["moves"], args["seen"], args["found_out"], trust, last, grudge, args["gain"],
                                 args["loss"], args["breach_loss"], args["deal"])


@SETTINGS
@given(update_inputs())
def test_update_relationships_matches_reference(args):
    trust, last, grudge = args["trust"].copy(), args["last"].copy(), args["grudge"].copy()
    run_update(args, trust, last, grudge)
    exp_trust, exp_last, exp_grudge = ref.update_relationships(
        args["moves"], args["seen"], args["found_out"], args["trust"], args["last"], args["grudge"], args["gain"],
        args["loss"], args["breach_loss"], args["deal"])
    assert np.array_equal(trust, as_array(exp_trust, np.float64, trust.shape))
    assert np.array_equal(last, as_array(exp_last, np.int8, last.shape))
    assert np.array_equal(grudge, as_array(exp_grudge, np.bool_, grudge.shape))


@SETTINGS
@given(update_inputs(), st.integers(1, 30), st.randoms(use_true_random=False))
def test_trust_stays_in_unit_interval(args, steps, rnd):
    args["deal"] = kernels.EVERY_DEAL  # every edge plays (an edge with no deal is left as it was: reference test)
    trust, last, grudge = args["trust"].copy(), args["last"].copy(), args["grudge"].copy()
    e = len(trust)
    for _ in range(steps):
        seen = np.array([[rnd.randint(0, 1) for _ in range(2)] for _ in range(e)], dtype=np.int8).reshape(e, 2)
        found_out = (seen == 0) & np.array([[rnd.random() < 0.5 for _ in range(2)] for _ in range(e)],
                                           dtype=np.bool_).reshape(e, 2)
        before = trust.copy()
        run_update({**args, "seen": seen, "found_out": found_out}, trust, last, grudge)
        assert np.all((trust >= 0.0) & (trust <= 1.0))
        cooperated = seen == 1
        assert np.all(trust[cooperated] >= before[cooperated])  # goodwill never hurts
        assert np.all(trust[~cooperated] <= before[~cooperated])  # betrayal never helps
        assert np.all(grudge[~cooperated])


# -- per-node terms: payoffs under pressure, the trust rule's bias ---------------------------
@SETTINGS
@given(st.integers(0, 30), st.data())
def test_pressured_payoffs_and_decision_bias_match_reference(n, data):
    base = floats(data.draw, 4, PAYOFF)
    temptation, dd_cost = data.draw(AMOUNT), data.draw(AMOUNT)
    pressure = floats(data.draw, n, UNIT)
    table = np.full((n, 4), 7.0)  # garbage: every entry must be written
    kernels.pressured_payoffs(base, temptation, dd_cost, pressure, table)
    assert np.array_equal(table, as_array(ref.pressured_payoffs(base, temptation, dd_cost, pressure), np.float64,
                                          table.shape))
    disposition, foundation = floats(data.draw, n, BIAS), data.draw(hnp.arrays(np.bool_, n))
    scale, weight, independence = data.draw(st.floats(0.1, 10.0)), data.draw(AMOUNT), data.draw(AMOUNT)
    bias = np.full(n, 7.0)
    kernels.decision_bias(table, scale, disposition, weight, independence, foundation, bias)
    expected = ref.decision_bias(table, scale, disposition, weight, independence, foundation)
    assert np.array_equal(bias, np.array(expected, dtype=np.float64).reshape(n))


@SETTINGS
@given(st.integers(0, 30), st.data())
def test_account_matches_reference(n, data):
    balance, money = floats(data.draw, n, PAYOFF), floats(data.draw, n, PAYOFF)
    pressure, size = floats(data.draw, n, UNIT), floats(data.draw, n, st.floats(0.1, 10.0))
    gap, distress, scale = floats(data.draw, n, AMOUNT), data.draw(AMOUNT), data.draw(st.floats(0.1, 10.0))
    exp_balance, exp_pressure = ref.account(balance, money, gap, distress, size, scale, pressure)
    kernels.account(balance, money, gap, distress, size, scale, pressure)
    assert np.array_equal(balance, np.array(exp_balance, dtype=np.float64).reshape(n))
    assert np.array_equal(pressure, np.array(exp_pressure, dtype=np.float64).reshape(n))


def test_account_clips_pressure_as_numpy_does():
    # The model used np.clip; the kernel keeps its answers, down to the sign of zero and NaN.
    balance = np.array([0.0, -0.0, np.nan, 5.0, -5.0, -0.5, np.inf, -np.inf])
    pressure = np.zeros(len(balance))
    kernels.account(balance, np.zeros(len(balance)), np.zeros(len(balance)), 0.0, np.ones(len(balance)), 1.0, pressure)
    expected = np.clip(-balance / 1.0, 0.0, 1.0)
    assert np.signbit(expected[0])  # a zero balance gives a pressure of -0.0
    assert np.array_equal(pressure, expected, equal_nan=True)
    assert np.array_equal(np.signbit(pressure), np.signbit(expected))


# -- the commissioner's purse ----------------------------------------------------------------
def _purse_numpy(a):
    """Purse.settle as it was written in numpy before it was a kernel: the kernel must give
    its numbers to the last bit (a second reference, besides the plain-Python one)."""
    n = len(a["money"])
    deviation = np.zeros(n)
    if a["pbr"]:
        by_src, by_dst = np.zeros(n), np.zeros(n)
        kernels.side_sums(a["src"], a["dst"], a["mutual"] & a["shares_src"], a["mutual"] & a["shares_dst"], by_src,
                          by_dst)
        deviation -= a["tariff"] * (by_src + by_dst)
    if a["floor"]:
        deviation += np.maximum(-a["headroom"] - (deviation + a["pooled"]), 0.0)
    cost = np.bincount(a["footprint"], deviation, len(a["lone"]))
    commissioned = a["share"] * cost[a["footprint"]]
    booked = deviation - commissioned
    return (a["money"] + booked, a["net"] + booked, a["paid"] + (a["contracts_paid"] + commissioned),
            a["received"] + (a["contract"] + deviation),
            a["central_paid"] + np.where(a["lone"], a["central_allocation"] + cost, 0.0),
            a["central"] - np.where(a["lone"], cost, 0.0))


@st.composite
def purse_inputs(draw):
    n, src, dst = draw(graphs(canonical=True))
    e, f = len(src), draw(st.integers(1, 4))
    headroom = st.one_of(st.just(np.inf), st.sampled_from([0.0, -0.0, np.nan]), st.floats(-5.0, 5.0))
    return dict(src=src, dst=dst, mutual=draw(hnp.arrays(np.bool_, e)), shares_src=draw(hnp.arrays(np.bool_, e)),
                shares_dst=draw(hnp.arrays(np.bool_, e)), tariff=draw(AMOUNT), pbr=draw(st.booleans()),
                floor=draw(st.booleans()), headroom=floats(draw, n, headroom), pooled=floats(draw, n, PAYOFF),
                footprint=draw(hnp.arrays(np.int64, n, elements=st.integers(0, f - 1))),
                share=floats(draw, n, UNIT), contract=floats(draw, n, AMOUNT),
                contracts_paid=floats(draw, n, AMOUNT), lone=draw(hnp.arrays(np.bool_, f)),
                central_allocation=floats(draw, f, AMOUNT), money=floats(draw, n, PAYOFF),
                net=floats(draw, n, PAYOFF), paid=floats(draw, n, AMOUNT), received=floats(draw, n, AMOUNT),
                central_paid=floats(draw, f, AMOUNT), central=floats(draw, f, PAYOFF))


@SETTINGS
@given(purse_inputs())
def test_purse_settle_matches_reference_and_the_numpy_it_replaced(a):
    order = ("money", "net", "paid", "received", "central_paid", "central")
    expected = ref.purse_settle(**a)
    before = _purse_numpy(a)
    out = {k: a[k].copy() for k in order}
    deviation, cost = np.full(len(a["money"]), 7.0), np.full(len(a["lone"]), 7.0)  # garbage: overwritten
    kernels.purse_settle(a["src"], a["dst"], a["mutual"], a["shares_src"], a["shares_dst"], a["tariff"], a["pbr"],
                         a["floor"], a["headroom"], a["pooled"], a["footprint"], a["share"], a["contract"],
                         a["contracts_paid"], a["lone"], a["central_allocation"], deviation, cost, *out.values())
    for k, want, old in zip(order, expected, before):
        got = out[k]
        assert np.array_equal(got, np.array(want, dtype=np.float64).reshape(got.shape), equal_nan=True), k
        assert np.array_equal(got, old, equal_nan=True) and np.array_equal(np.signbit(got), np.signbit(old)), k


# -- succession ---------------------------------------------------------------------------
@st.composite
def succession_inputs(draw):
    n, src, dst = draw(graphs(canonical=True))
    e = len(src)
    replicates = draw(st.integers(1, 3))
    node_replicate = np.sort(draw(hnp.arrays(np.int64, n, elements=st.integers(0, replicates - 1))))
    return dict(leaving=draw(hnp.arrays(np.bool_, n)), internal_now=draw(hnp.arrays(np.bool_, n)),
                trust_loss=floats(draw, n, UNIT), internal_keep=draw(UNIT), keep=floats(draw, n, UNIT),
                appointed=draw(hnp.arrays(np.int64, n, elements=st.integers(0, 50))),
                internal=draw(hnp.arrays(np.bool_, n)), month=draw(st.integers(1, 120)),
                node_replicate=node_replicate, replicates=replicates, src=src, dst=dst,
                trust=floats(draw, (e, 2), UNIT), grudge=draw(hnp.arrays(np.bool_, (e, 2))), trust0=draw(UNIT))


@SETTINGS
@given(succession_inputs(), st.booleans())
def test_succession_matches_reference(args, one_loss):
    a = dict(args)
    loss = a["trust_loss"]
    if one_loss:  # one number for every node (a batch of one config), as the model passes it
        a["trust_loss"] = loss = float(loss[0]) if len(loss) else 0.3
    trust, grudge, keep = a["trust"].copy(), a["grudge"].copy(), a["keep"].copy()
    appointed, internal, left = a["appointed"].copy(), a["internal"].copy(), np.full(a["replicates"], -1)
    kernels.succession(a["leaving"], a["internal_now"], a["trust_loss"], a["internal_keep"], keep, appointed,
                       internal, a["month"], a["node_replicate"], left, a["src"], a["dst"], trust, grudge, a["trust0"])
    exp = ref.succession(a["leaving"], a["internal_now"], np.broadcast_to(loss, len(keep)), a["internal_keep"],
                         a["keep"], a["appointed"], a["internal"], a["month"], a["node_replicate"], a["replicates"],
                         a["src"], a["dst"], a["trust"], a["grudge"], a["trust0"])
    assert np.array_equal(trust, as_array(exp[0], np.float64, trust.shape))
    assert np.array_equal(grudge, as_array(exp[1], np.bool_, grudge.shape))
    assert keep.tolist() == exp[2] and appointed.tolist() == exp[3] and internal.tolist() == exp[4]
    assert left.tolist() == exp[5]
    assert np.all((trust >= 0.0) & (trust <= 1.0))
    untouched = ~(args["leaving"][args["src"]] | args["leaving"][args["dst"]])
    assert np.array_equal(trust[untouched], args["trust"][untouched])


# -- regulation ---------------------------------------------------------------------------
@st.composite
def regulation_inputs(draw):
    n = draw(st.integers(1, 30))
    footprints = draw(st.integers(1, n))
    footprint = draw(hnp.arrays(np.int64, n, elements=st.integers(0, footprints - 1)))
    footprint = np.unique(footprint, return_inverse=True)[1].astype(np.int64)  # ids 0..F-1, every one used
    detection, replace = draw(PROB), draw(PROB)
    balance = floats(draw, n, st.one_of(st.sampled_from([0.0, -1.0, -0.5]), st.floats(-5.0, 5.0)))
    return dict(system=draw(st.booleans()), fine=draw(st.sampled_from([0.0, 0.1, 0.5])), detection=detection,
                threshold=draw(st.sampled_from([0.0, 0.5, 1.0])), months=draw(st.integers(1, 6)), replace=replace,
                footprint=footprint, size=floats(draw, n, st.sampled_from([0.5, 1.0, 2.0])),
                u=draws_with_ties(draw, (n, 3), detection, replace), balance=balance,
                fines_paid=floats(draw, n, AMOUNT), bailouts=floats(draw, n, AMOUNT),
                months_left=draw(hnp.arrays(np.int64, n, elements=st.integers(0, 3))))


@SETTINGS
@given(regulation_inputs())
def test_regulate_matches_reference(a):
    n = len(a["balance"])
    balance, fines_paid, bailouts, months_left = (a[k].copy() for k in ("balance", "fines_paid", "bailouts", "months_left"))
    special, replaced = np.zeros(n, bool), np.zeros(n, bool)
    first = np.unique(a["footprint"], return_index=True)[1]
    went = kernels.regulate(a["system"], a["fine"], a["detection"], a["threshold"], a["months"], a["replace"], first,
                            a["footprint"], a["size"], a["u"], balance, fines_paid, bailouts, months_left, special,
                            np.zeros(len(first)), replaced)
    exp = ref.regulate(a["system"], a["fine"], a["detection"], a["threshold"], a["months"], a["replace"],
                       a["footprint"], a["size"], a["u"], a["balance"], a["fines_paid"], a["bailouts"], a["months_left"])
    assert balance.tolist() == exp[0] and fines_paid.tolist() == exp[1] and bailouts.tolist() == exp[2]
    assert months_left.tolist() == exp[3] and special.tolist() == exp[4] and replaced.tolist() == exp[5]
    assert went == (np.array(exp[3]) > np.maximum(a["months_left"] - 1, 0)).any()  # someone went into measures
    assert np.all(fines_paid >= a["fines_paid"]) and np.all(bailouts >= a["bailouts"])
