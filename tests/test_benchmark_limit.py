"""The benchmarks' bare fused kernel, the limit the engine's kernels are measured against,
must do the same work: on the same draws it gives the same moves, scores, money, trust,
last and seen moves and grudges as decide + play + observe + update_relationships."""

import sys
from pathlib import Path

import numpy as np

from sim import kernels
from sim.match import see_all
from sim.model import CollabModel

from helpers import make_config

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bare_kernel import fused_step  # noqa: E402


def test_bare_fused_kernel_matches_the_engine_kernels_on_the_same_draws():
    m = CollabModel(make_config(**{"network.n_orgs": 60, "strategies.mix": {"trust": 1.0}}), seed=3)
    for _ in range(5):
        m.step()  # some trust lost, some grudges, a history of moves
    cfg = m.config
    payoff = m.payoff_table()
    bias = m.decision_bias(payoff)
    u = np.random.default_rng(7).random((len(m.src), 4))
    n = len(m.types)

    trust, last, seen, grudge, moves = m.trust.copy(), m.last.copy(), m.seen.copy(), m.grudge.copy(), m.moves.copy()
    score, money = np.zeros(n), np.zeros(n)
    kernels.decide(m.strategy, m.src, m.dst, last, seen, grudge, trust, bias, cfg.strategies.generosity,
                   cfg.strategies.beta, cfg.game.noise, u, moves)
    kernels.play(moves, m.src, m.dst, payoff, cfg.game.shift, cfg.game.surplus, score, money, kernels.EVERY_DEAL,
                 np.zeros(len(moves), dtype=np.bool_))
    see_all(moves, seen, trust, last, grudge, cfg.trust.gain, cfg.trust.loss)

    b_trust, b_last, b_seen, b_grudge = m.trust.copy(), m.last.copy(), m.seen.copy(), m.grudge.copy()
    b_score, b_money = np.zeros(n), np.zeros(n)
    fused_step(m.src, m.dst, b_trust, b_last, b_seen, b_grudge, bias, payoff, cfg.strategies.beta, cfg.game.noise,
               cfg.trust.gain, cfg.trust.loss, cfg.game.shift, cfg.game.surplus, u, b_score, b_money)

    assert 0 < moves.mean() < 1  # both moves occur
    np.testing.assert_array_equal(b_last, last)
    np.testing.assert_array_equal(b_seen, seen)
    np.testing.assert_array_equal(b_grudge, grudge)
    np.testing.assert_array_equal(b_trust, trust)
    np.testing.assert_allclose(b_score, score, rtol=0, atol=1e-12)
    np.testing.assert_allclose(b_money, money, rtol=0, atol=1e-12)
