"""The learning phase (sim/learning.py) and self-interaction (sim/selfplay.py): the defects
of issue 15, each pinned by a regression test, and the new rules and schedules in a model."""

import numpy as np
import pytest

from sim import kernels, learning, selfplay
from sim.config import ConfigError
from sim.model import CollabModel
from sim.strategies import CODES

from helpers import make_config, plain_config

PD = (3.0, 0.0, 5.0, 1.0)
SNOWDRIFT = (0.7, 0.4, 1.0, 0.0)  # b = 1, c = 0.6: R = b - c/2, S = b - c, T = b, P = 0 (S > P)
HAWK_DOVE = (1.0, 0.0, 2.0, -0.5)  # V = 2, C = 3: R = V/2, S = 0, T = V, P = (V - C)/2


class Draws:
    """A stand-in for the learning component's random stream that hands out fixed uniforms."""

    def __init__(self, u):
        self.u = np.asarray(u, dtype=np.float64)

    def uniform(self, shape, bounds):
        assert self.u.shape == tuple(shape), (self.u.shape, shape)
        return self.u.copy()


# -- defect 1: the proportional rule's normalisation -------------------------------------
@pytest.mark.parametrize("payoffs, largest", [(PD, 5.0), (SNOWDRIFT, 1.0), (HAWK_DOVE, 2.5)])
def test_largest_payoff_difference_is_exact_for_each_game(payoffs, largest):
    # PD: T - S; snowdrift (S > P): T - P; hawk-dove with C > V: V - (V - C)/2 = (V + C)/2.
    assert learning.largest_difference(payoffs) == pytest.approx(largest)


@pytest.mark.parametrize("payoffs", [PD, SNOWDRIFT, HAWK_DOVE])
def test_proportional_probability_reaches_but_never_exceeds_one(payoffs):
    # Two nodes joined by one edge (degree 1): node 1 earned the game's best payoff, node 0
    # its worst, the largest difference there is. The copy probability is exactly 1: node 0
    # copies on a draw just below 1, and no draw makes a smaller difference certain.
    R, S, T, P = payoffs
    spread = learning.largest_difference(payoffs)
    indptr, indices = np.array([0, 1, 2], np.int64), np.array([1, 0], np.int64)
    strategy = np.array([0, 1], np.int8)
    top, bottom = max(payoffs), min(payoffs)
    out = np.zeros(2, np.int8)
    u = np.array([[0.0, 0.0, np.nextafter(1.0, 0.0)], [1.0, 0.0, 0.0]])
    kernels.update_synchronous(kernels.PROPORTIONAL, indptr, indices, strategy, np.array([bottom, top]),
                               np.ones(2), 1.0, 1.0, spread, True, u, out)
    assert out[0] == 1
    half = np.array([bottom, bottom + spread / 2])
    u = np.array([[0.0, 0.0, 0.5], [1.0, 0.0, 0.0]])  # p = 1/2 exactly: a draw of 1/2 does not copy
    kernels.update_synchronous(kernels.PROPORTIONAL, indptr, indices, strategy, half, np.ones(2), 1.0, 1.0, spread,
                               True, u, out)
    assert out[0] == 0
    assert spread >= max(abs(a - b) for a in payoffs for b in payoffs)


def test_model_uses_the_largest_difference_of_its_game():
    for game, largest in (({"game.kind": "hawk_dove", "game.V": 2.0, "game.C": 3.0}, 2.5),
                          ({"game.R": 0.7, "game.S": 0.4, "game.T": 1.0, "game.P": 0.0}, 1.0)):
        model = CollabModel(make_config(**game, **{"learning.rule": "proportional"}), seed=1)
        assert model.learning.rule.spread(model) == pytest.approx(largest)  # no pressure at the start


# -- defect 3: mean payoffs are not divided by the degree again ----------------------------
def star_model(basis, rule="proportional", schedule="synchronous", **extra):
    """A complete network of 5 with one allc among alld, learning every step."""
    cfg = make_config(**{"network.kind": "complete", "network.n_orgs": 5, "strategies.mix": {"alld": 1.0},
                         "learning.rule": rule, "learning.rate": 1.0, "learning.payoff_basis": basis,
                         "learning.schedule": schedule, "game.kind": "pd", **extra})
    model = CollabModel(cfg, seed=1)
    model.strategy[:] = CODES["alld"]
    model.strategy[4] = CODES["allc"]
    return model


@pytest.mark.parametrize("basis", ["total", "mean"])
def test_proportional_rule_with_mean_payoffs_is_not_slowed_by_the_degree(basis):
    model = star_model(basis)
    spread = model.learning.rule.spread(model)
    # Node 4 (allc) gets a per-game advantage of half the largest difference over the others
    # (scores set directly; the mean basis divides them by the degree, 4). Nodes 0-3 each look
    # at their last-listed neighbour (draw 0.99), node 4, and copy with probability
    # advantage / norm. Mean basis: norm = spread, p = 1/2 (the old code also divided by the
    # degree: p = 1/8). Total basis: the total advantage spread/2 over norm 4 spread, p = 1/8.
    # A copy draw of 0.3 separates the two.
    score = np.zeros(5)
    score[4] = spread / 2 * (4 if basis == "mean" else 1)  # mean basis divides the total by degree 4
    model.score[:] = score
    draw = 0.3  # below 1/2 but above 1/8
    u = np.zeros((5, 5))
    u[:, 0] = 0.0  # everyone revises
    u[:, 1] = 0.99
    u[:, 2] = draw
    u[:, 3] = 1.0  # no mutation
    model.learning.rule.step(model, Draws(u))
    copied = int(np.sum(model.strategy[:4] == CODES["allc"]))
    assert copied == (4 if basis == "mean" else 0)


# -- minor: mutation follows the mix weights ------------------------------------------------
def test_mutation_draws_strategies_in_proportion_to_the_mix():
    cfg = make_config(**{"network.kind": "complete", "network.n_orgs": 2000,
                         "strategies.mix": {"allc": 0.9, "alld": 0.1}, "learning.mutation": 1.0,
                         "experiment.steps": 1})
    model = CollabModel(cfg, seed=2)
    model.learning.learn()
    share = float(np.mean(model.strategy == CODES["allc"]))
    # Binomial(2000, 0.9): sd 0.0067; 5 sd band. The old uniform pick gave 0.5.
    assert share == pytest.approx(0.9, abs=0.034)


def test_birth_death_must_be_asynchronous():
    with pytest.raises(ConfigError, match="learning.schedule"):
        make_config(**{"learning.rule": "birth_death"})
    make_config(**{"learning.rule": "birth_death", "learning.schedule": "asynchronous"})


@pytest.mark.parametrize("rule", ["death_birth", "birth_death", "imitation", "fermi", "proportional", "best"])
def test_every_rule_runs_asynchronously_in_the_model_and_spreads_a_better_strategy(rule):
    # Prisoner's dilemma with noise off on a complete graph: alld earns more than allc
    # against everyone, so under any rule the defectors can only grow.
    cfg = make_config(**{"network.kind": "complete", "network.n_orgs": 30, "strategies.mix": {"allc": 0.5, "alld": 0.5},
                         "learning.rule": rule, "learning.schedule": "asynchronous", "learning.rate": 1.0,
                         "learning.selection": 0.1, "game.noise": 0.0, "experiment.steps": 30})
    model = CollabModel(cfg, seed=4)
    before = int(np.sum(model.strategy == CODES["alld"]))
    model.run()
    after = int(np.sum(model.strategy == CODES["alld"]))
    assert after > before


# -- defect 2: self-interaction pays what a copy of oneself would give ----------------------
def test_memory_one_self_play_closed_forms():
    R, S, T, P = PD
    row = np.array([PD])
    eps = 0.05
    mean4 = (R + S + T + P) / 4

    def pay(name, noise):
        return selfplay.expected_payoff(np.array([CODES[name]], np.int8), row, noise, 1 / 3, 5.0, np.zeros(1),
                                        np.full(1, 0.5))[0]

    assert pay("random", 0.0) == pytest.approx(mean4)
    assert pay("random", eps) == pytest.approx(mean4)
    assert pay("tft", 0.0) == R
    assert pay("tft", eps) == pytest.approx(mean4)  # TFT echoes: every outcome equally often
    assert pay("alld", 0.0) == P
    q = eps  # ALLD cooperates only by mistake
    assert pay("alld", eps) == pytest.approx(q * q * R + q * (1 - q) * (S + T) + (1 - q) ** 2 * P)
    assert pay("grudger", eps) == pytest.approx(pay("alld", eps))  # a mistake, then grudges for ever
    assert pay("grudger", 0.0) == R
    assert pay("alternator", 0.0) == pytest.approx((R + P) / 2)  # CC, DD, CC, ...
    assert pay("stft", 0.0) == P  # D first, then copies D
    assert pay("wsls", 0.0) == R
    # WSLS with noise: stationary chain solved exactly; it recovers from mistakes (mostly CC).
    assert R - 0.5 < pay("wsls", eps) < R
    # Short-memory rules without noise: tf2t and soft majority cooperate, prober and hard
    # majority end in mutual defection.
    assert pay("tf2t", 0.0) == R and pay("soft_majority", 0.0) == R
    assert pay("prober", 0.0) == P and pay("hard_majority", 0.0) == P


def test_trust_rule_self_play_uses_its_own_trust_and_noise():
    R, S, T, P = PD
    code = np.array([CODES["trust"]] * 3, np.int8)
    trust, bias, beta, eps = np.array([0.2, 0.5, 0.9]), np.array([0.0, 0.1, -0.2]), 4.0, 0.02
    got = selfplay.expected_payoff(code, np.tile(PD, (3, 1)), eps, 1 / 3, beta, bias, trust)
    q = 1 / (1 + np.exp(-beta * (trust - 0.5 + bias)))
    q = q * (1 - eps) + (1 - q) * eps
    expected = q * q * R + q * (1 - q) * (S + T) + (1 - q) ** 2 * P
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_model_adds_the_self_play_payoff():
    # Pure game, coin-flippers: self-interaction draws nothing, so runs with and without it
    # stay in step, and each node's score differs by exactly the mean of R, S, T, P.
    base = {"network.kind": "complete", "network.n_orgs": 6, "strategies.mix": {"random": 1.0},
            "game.noise": 0.1, "experiment.steps": 1}
    on = CollabModel(plain_config(**base, **{"game.self_interaction": True}), seed=3)
    off = CollabModel(plain_config(**base), seed=3)
    on.step()
    off.step()
    np.testing.assert_allclose(on.score - off.score, sum(PD) / 4, rtol=1e-12)
