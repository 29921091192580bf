"""Each decision rule pinned by exact move sequences derived by hand (R,S,T,P = 3,0,5,1)."""

import numpy as np
import pytest

from sim.match import play_match, tournament

C, D = 1, 0


def moves(res, side):
    return res.moves[:, side].tolist()


def test_tft_vs_alld_scores_199_vs_204():
    res = play_match("tft", "alld", rounds=200)
    assert moves(res, 0) == [C] + [D] * 199  # nice first, then mirrors the defector
    assert res.scores == (199.0, 204.0)  # S + 199 P  vs  T + 199 P


@pytest.mark.parametrize("nice", ["allc", "tft", "gtft", "grudger", "wsls"])
def test_nice_rules_cooperate_with_each_other_throughout(nice):
    for partner in ("allc", "tft", "grudger", "wsls"):
        res = play_match(nice, partner, rounds=200)
        assert res.scores == (600.0, 600.0), (nice, partner)


def test_allc_is_exploited_by_alld():
    res = play_match("allc", "alld", rounds=200)
    assert res.scores == (0.0, 1000.0)


def test_grudger_never_forgives():
    res = play_match("grudger", "alld", rounds=50)
    assert moves(res, 0) == [C] + [D] * 49


def test_wsls_against_alld_alternates():
    # C meets D: sucker's payoff, a loss, so switch to D; D meets D: P, a loss, switch back to C.
    res = play_match("wsls", "alld", rounds=200)
    assert moves(res, 0) == [C, D] * 100
    assert res.scores == (100 * 0 + 100 * 1, 100 * 5 + 100 * 1)


def test_gtft_limits():
    assert play_match("gtft", "alld", rounds=200, generosity=0.0).scores == (199.0, 204.0)  # = TFT
    assert play_match("gtft", "alld", rounds=200, generosity=1.0).scores == (0.0, 1000.0)  # = ALLC


def test_gtft_forgives_at_its_generosity():
    # After round 1, each of 199 rounds is a forgiveness with probability g = 1/3:
    # Binomial(199 x 20 matches, 1/3): mean 1326.7, sd 29.7; allow 5 sd.
    forgiven = sum(sum(moves(play_match("gtft", "alld", rounds=200, seed=s), 0)[1:]) for s in range(20))
    assert abs(forgiven - 199 * 20 / 3) < 5 * np.sqrt(199 * 20 * 2 / 9)


def test_random_cooperates_half_the_time():
    res = play_match("random", "allc", rounds=4000, seed=3)
    coop = sum(moves(res, 0))
    assert abs(coop - 2000) < 5 * np.sqrt(4000 / 4)  # Binomial(4000, 1/2): sd 31.6


def test_trust_rule_follows_its_bias():
    assert sum(moves(play_match("trust", "alld", rounds=100, beta=1e3, bias=(10.0, 0.0)), 0)) == 100
    assert sum(moves(play_match("trust", "allc", rounds=100, beta=1e3, bias=(-10.0, 0.0)), 0)) == 0


def test_trust_rule_withdraws_after_betrayal():
    # Neutral bias: trust starts at 1/2; each defection by the partner cuts it by 30%, so the
    # chance of cooperating sigma(beta (trust - 1/2)) falls toward sigma(-beta / 2).
    res = play_match("trust", "alld", rounds=100, beta=20.0, trust0=0.5, trust_loss=0.3, seed=1)
    assert sum(moves(res, 0)[10:]) == 0


def test_noise_one_turns_doves_into_hawks():
    res = play_match("allc", "allc", rounds=200, noise=1.0)
    assert res.moves.sum() == 0 and res.scores == (200.0, 200.0)


def test_tournament_ranks_by_mean_score():
    table = tournament(["allc", "alld", "tft"], rounds=200)
    # allc: (0 + 600) / 2; alld: (1000 + 204) / 2; tft: (600 + 199) / 2
    assert [(name, score) for name, score, _ in table] == [("alld", 602.0), ("tft", 399.5), ("allc", 300.0)]
    assert dict((name, wins) for name, _, wins in table) == {"alld": 2, "tft": 0, "allc": 0}


def test_unknown_strategy_is_named():
    with pytest.raises(ValueError, match="unknown strategy 'titfortat'; allowed: allc, alld, tft"):
        play_match("titfortat", "alld")
