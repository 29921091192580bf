"""The jitted kernels agree exactly with the plain-Python references on random inputs."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import kernel_reference as ref
from sim import kernels
from sim.network import Network

SETTINGS = settings(max_examples=150, deadline=None)


@st.composite
def worlds(draw):
    """A random small network with random per-edge and per-node state and draws."""
    n = draw(st.integers(2, 25))
    pairs = draw(st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] < p[1]),
                         max_size=60))
    pairs = sorted(pairs)
    e = len(pairs)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    src = np.array([p[0] for p in pairs], dtype=np.int64)
    dst = np.array([p[1] for p in pairs], dtype=np.int64)
    return {
        "n": n, "src": src, "dst": dst,
        "strategy": rng.integers(0, 8, n).astype(np.int8),
        # Both sides of a relationship have a history, or neither has (first round).
        "last": np.where(rng.random((e, 1)) < 0.2, -1, rng.integers(0, 2, (e, 2))).astype(np.int8),
        "grudge": rng.random((e, 2)) < 0.3,
        "trust": rng.random((e, 2)),
        "bias": rng.normal(0, 0.5, n),
        "u": rng.random((e, 4)),
        "moves": rng.integers(0, 2, (e, 2)).astype(np.int8),
        "table": rng.normal(0, 3, (n, 4)),
        "fitness": rng.normal(0, 5, n).round(draw(st.sampled_from([0, 1, 6]))),  # rounding makes ties
        "node_u": rng.random((n, 3)),
        "leaving": rng.random(n) < 0.3,
        "keep": rng.random(n),
    }


probability = st.floats(0, 1)


@SETTINGS
@given(worlds(), probability, st.floats(0, 30), probability)
def test_decide(w, generosity, beta, noise):
    moves = np.zeros((len(w["src"]), 2), dtype=np.int8)
    kernels.decide(w["strategy"], w["src"], w["dst"], w["last"], w["grudge"], w["trust"], w["bias"],
                   generosity, beta, noise, w["u"], moves)
    expected = ref.decide(w["strategy"], w["src"], w["dst"], w["last"], w["grudge"], w["trust"], w["bias"],
                          generosity, beta, noise, w["u"])
    assert np.array_equal(moves, np.array(expected, dtype=np.int8).reshape(-1, 2))


@SETTINGS
@given(worlds(), probability)
def test_noise_one_flips_every_move(w, generosity):
    args = (w["strategy"], w["src"], w["dst"], w["last"], w["grudge"], w["trust"], w["bias"], generosity, 5.0)
    clean, flipped = (np.zeros((len(w["src"]), 2), dtype=np.int8) for _ in range(2))
    kernels.decide(*args, 0.0, w["u"], clean)
    kernels.decide(*args, 1.0, w["u"], flipped)
    assert np.array_equal(flipped, 1 - clean)


@SETTINGS
@given(worlds(), st.floats(0, 10), st.floats(0, 10))
def test_play_and_money_conservation(w, shift, surplus):
    n = w["n"]
    score, money = np.zeros(n), np.zeros(n)
    mutual = kernels.play(w["moves"], w["src"], w["dst"], w["table"], shift, surplus, score, money)
    e_score, e_money, e_mutual = ref.play(w["moves"].tolist(), w["src"], w["dst"], w["table"].tolist(), shift, surplus, n)
    assert mutual == e_mutual
    assert np.array_equal(score, np.array(e_score)) and np.array_equal(money, np.array(e_money))
    # "There is only one sum of money": only mutual cooperation creates any.
    assert abs(money.sum() - surplus * mutual) <= 1e-9 * (1 + surplus * len(w["src"]) + shift * len(w["src"]))


@SETTINGS
@given(worlds(), probability, probability)
def test_update_relationships(w, gain, loss):
    trust, last, grudge = w["trust"].copy(), w["last"].copy(), w["grudge"].copy()
    kernels.update_relationships(w["moves"], trust, last, grudge, gain, loss)
    e_trust, e_last, e_grudge = ref.update_relationships(w["moves"].tolist(), w["trust"].tolist(),
                                                         w["last"].tolist(), w["grudge"].tolist(), gain, loss)
    assert np.array_equal(trust, np.array(e_trust).reshape(-1, 2))
    assert np.array_equal(last, np.array(e_last, dtype=np.int8).reshape(-1, 2))
    assert np.array_equal(grudge, np.array(e_grudge, dtype=bool).reshape(-1, 2))
    assert np.all((trust >= 0) & (trust <= 1))


@SETTINGS
@given(worlds(), probability)
def test_succession(w, stranger):
    trust, grudge = w["trust"].copy(), w["grudge"].copy()
    kernels.succession(w["leaving"], w["keep"], w["src"], w["dst"], trust, grudge, stranger)
    e_trust, e_grudge = ref.succession(w["leaving"], w["keep"], w["src"], w["dst"], w["trust"].tolist(),
                                       w["grudge"].tolist(), stranger)
    assert np.array_equal(trust, np.array(e_trust).reshape(-1, 2))
    assert np.array_equal(grudge, np.array(e_grudge, dtype=bool).reshape(-1, 2))


def csr(w):
    net = Network(w["src"], w["dst"], np.zeros(w["n"], np.int8), np.zeros(w["n"], np.int32), np.zeros(w["n"], bool))
    return net.indptr, net.indices


@SETTINGS
@given(worlds(), probability, st.floats(0, 20))
def test_imitate_fermi(w, rate, selection):
    indptr, indices = csr(w)
    out = np.zeros_like(w["strategy"])
    kernels.imitate_fermi(indptr, indices, w["strategy"], w["fitness"], rate, selection, w["node_u"], out)
    assert out.tolist() == ref.imitate_fermi(indptr, indices, w["strategy"], w["fitness"], rate, selection, w["node_u"])


@SETTINGS
@given(worlds(), probability)
def test_imitate_best(w, rate):
    indptr, indices = csr(w)
    out = np.zeros_like(w["strategy"])
    kernels.imitate_best(indptr, indices, w["strategy"], w["fitness"], rate, w["node_u"], out)
    assert out.tolist() == ref.imitate_best(indptr, indices, w["strategy"], w["fitness"], rate, w["node_u"])


@SETTINGS
@given(worlds(), probability, st.floats(0.1, 10))
def test_imitate_proportional(w, rate, spread):
    indptr, indices = csr(w)
    out = np.zeros_like(w["strategy"])
    kernels.imitate_proportional(indptr, indices, w["strategy"], w["fitness"], rate, spread, w["node_u"], out)
    assert out.tolist() == ref.imitate_proportional(indptr, indices, w["strategy"], w["fitness"], rate, spread, w["node_u"])
