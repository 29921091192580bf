"""The update-rule kernels of the learning phase (sim/kernels.py) and the pure-run kernels of
fixation experiments (sim/moran.py) agree exactly with the plain-Python references
(tests/reference.py) on random small networks."""

import numpy as np
import pytest
import reference as ref
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from test_kernels import DRAW, FITNESS, PAYOFF, PROB, SETTINGS, STEEPNESS, csr_graphs, draws_with_ties, floats, \
    strategy_codes

from sim import kernels, moran

# -- social learning ----------------------------------------------------------------------
RULES = (kernels.FERMI, kernels.BEST, kernels.PROPORTIONAL, kernels.DEATH_BIRTH, kernels.IMITATION)


def test_reference_uses_the_engine_rule_codes():
    assert (kernels.FERMI, kernels.BEST, kernels.PROPORTIONAL, kernels.DEATH_BIRTH, kernels.IMITATION,
            kernels.BIRTH_DEATH) == (ref.FERMI, ref.BEST, ref.PROPORTIONAL, ref.DEATH_BIRTH, ref.IMITATION,
                                     ref.BIRTH_DEATH)
    assert (kernels.LINEAR, kernels.EXPONENTIAL) == (ref.LINEAR, ref.EXPONENTIAL)


@st.composite
def learning_inputs(draw, rules=RULES):
    n, indptr, indices = draw(csr_graphs())
    # Payoffs from a few levels make ties (best-takes-over) and zero advantages common.
    payoff = floats(draw, n, draw(st.sampled_from([FITNESS, st.sampled_from([0.0, 1.0, 2.0])])))
    fitness = floats(draw, n, st.one_of(st.sampled_from([0.0, 1.0, 2.0]), st.floats(0.0, 50.0)))
    rate = draw(PROB)
    return dict(rule=draw(st.sampled_from(rules)), indptr=indptr, indices=indices, strategy=strategy_codes(draw, n),
                payoff=payoff, fitness=fitness, rate=rate, selection=draw(STEEPNESS),
                spread=draw(st.one_of(st.sampled_from([1.0, 5.0]), st.floats(0.1, 20.0))),
                by_degree=draw(st.booleans()),
                u=draws_with_ties(draw, (n, 4), rate, 0.5, 0.25, 0.2, 0.1))  # 1/(k spread), 2/(k spread)


def learning_args(args):
    return (args["rule"], args["indptr"], args["indices"], args["strategy"], args["payoff"], args["fitness"],
            args["rate"], args["selection"], args["spread"], args["by_degree"])


@SETTINGS
@given(learning_inputs())
def test_update_synchronous_matches_reference(args):
    before = args["strategy"].copy()
    out = np.full_like(args["strategy"], 99)  # garbage: every node must be written
    kernels.update_synchronous(*learning_args(args), args["u"][:, :3], out)
    expected = ref.update_synchronous(*learning_args(args), args["u"])
    assert np.array_equal(out, np.array(expected, dtype=np.int8))
    assert np.array_equal(args["strategy"], before)  # synchronous: the old strategies are left alone


@SETTINGS
@given(learning_inputs(rules=RULES + (kernels.BIRTH_DEATH,)))
def test_update_asynchronous_matches_reference(args):
    expected = ref.update_asynchronous(*learning_args(args), args["u"])
    strategy = args["strategy"].copy()
    kernels.update_asynchronous(args["rule"], args["indptr"], args["indices"], strategy, *learning_args(args)[4:],
                                args["u"])
    assert np.array_equal(strategy, np.array(expected, dtype=np.int8))


def test_birth_death_has_no_synchronous_form():
    with pytest.raises(ValueError, match="asynchronous"):
        kernels.update_synchronous(kernels.BIRTH_DEATH, np.zeros(2, np.int64), np.zeros(0, np.int64),
                                   np.zeros(1, np.int8), np.zeros(1), np.ones(1), 1.0, 1.0, 1.0, True,
                                   np.zeros((1, 3)), np.zeros(1, np.int8))


@SETTINGS
@given(st.sampled_from([kernels.LINEAR, kernels.EXPONENTIAL]), st.floats(0.0, 2.0),
       hnp.arrays(np.float64, st.integers(0, 20), elements=PAYOFF))
def test_fitness_of_matches_reference(kind, w, payoff):
    out = np.full(len(payoff), -7.0)
    kernels.fitness_of(kind, w, payoff, out)
    assert np.array_equal(out, np.array(ref.fitness_of(kind, w, payoff)))
    assert np.all(out >= 0.0)


def test_learning_draw_equal_to_probability_is_no_event():
    """Edge cases the random inputs rarely hit: a draw equal to its probability does not fire."""
    indptr, indices = np.array([0, 1, 2], dtype=np.int64), np.array([1, 0], dtype=np.int64)  # one edge 0-1
    strategy, payoff = np.array([0, 1], dtype=np.int8), np.array([0.0, 0.5])
    for u2, copied in ((0.5, False), (np.nextafter(0.5, 0.0), True)):
        u = np.array([[0.0, 0.0, u2], [0.0, 0.0, u2]])
        # proportional: 0.5 / (max(1, 1) * 1.0) = 0.5; fermi with selection 0: p = 1/2
        for rule, selection in ((kernels.PROPORTIONAL, 1.0), (kernels.FERMI, 0.0)):
            out = np.full(2, 99, dtype=np.int8)
            kernels.update_synchronous(rule, indptr, indices, strategy, payoff, payoff, 1.0, selection, 1.0, True,
                                       u, out)
            assert out[0] == (1 if copied else 0)
        assert out[1] == (0 if copied else 1)  # fermi: node 1 compares down with the same p = 1/2


# -- pure evolutionary runs ------------------------------------------------------------------
@st.composite
def moran_inputs(draw):
    n, indptr, indices = draw(csr_graphs())
    # Small integer payoffs: sums are exact in any order, so the incremental kernel and the
    # from-scratch reference agree bit for bit.
    matrix = draw(hnp.arrays(np.float64, (2, 2), elements=st.sampled_from([0.0, 1.0, 2.0, 3.0, 5.0, -1.0])))
    kind = draw(st.sampled_from([kernels.LINEAR, kernels.EXPONENTIAL]))
    return dict(rule=draw(st.sampled_from(RULES + (kernels.BIRTH_DEATH,))), indptr=indptr, indices=indices,
                types=draw(hnp.arrays(np.int8, n, elements=st.sampled_from([0, 1]))), matrix=matrix,
                mean=draw(st.booleans()), kind=kind, w=draw(st.sampled_from([0.0, 0.1, 0.5, 1.0])),
                spread=max(float(np.ptp(matrix)), 1e-12), u=floats(draw, (draw(st.integers(0, 40)), 3), DRAW))


@SETTINGS
@given(moran_inputs())
def test_moran_steps_match_reference(args):
    n = len(args["types"])
    strategy = args["types"].copy()
    nbrs, payoff, fitness = np.zeros(n, np.int64), np.zeros(n), np.zeros(n)
    common = (args["matrix"], args["mean"], args["kind"], args["w"])
    moran.moran_start(args["indptr"], args["indices"], strategy, *common, nbrs, payoff, fitness)
    exp_payoff, exp_fitness = ref.moran_payoffs(args["indptr"], args["indices"], args["types"], *common)
    assert np.array_equal(payoff, np.array(exp_payoff)) and np.array_equal(fitness, np.array(exp_fitness))
    done, mutants = moran.moran_steps(args["rule"], args["indptr"], args["indices"], strategy, *common,
                                        args["spread"], nbrs, payoff, fitness, args["u"])
    exp_done, exp_types = ref.moran_steps(args["rule"], args["indptr"], args["indices"], args["types"], *common,
                                          args["spread"], args["u"])
    assert (done, mutants) == (exp_done, sum(exp_types))
    assert np.array_equal(strategy, np.array(exp_types, dtype=np.int8))
    exp_payoff, exp_fitness = ref.moran_payoffs(args["indptr"], args["indices"], exp_types, *common)
    assert np.array_equal(payoff, np.array(exp_payoff))  # the incremental update kept the payoffs right
