"""Each decision rule pinned by move sequences derived by hand from the rules, played through
``sim.match.play_match`` (which runs the model's own kernels on a one-edge network).

Default stage game (R, S, T, P) = (3, 0, 5, 1). Where randomness matters, the expected moves
are derived from the match's uniform draws: play_match draws one row of four uniforms per
round from ``numpy.random.default_rng(seed)``: columns 0 and 1 are the two players' decision
draws, columns 2 and 3 their execution-error draws (a mistake iff draw < noise).
"""

import math

import numpy as np
import pytest

from sim.match import play_match, tournament
from sim.strategies import NAMES

C, D = 1, 0
R, S, T, P = 3.0, 0.0, 5.0, 1.0
SURE = 1e6  # a trust rule this steep is deterministic: sigma(1e6 x) is exactly 0 or 1 for |x| >= 0.001


def seq(res, side):
    return res.moves[:, side].tolist()


def match_draws(rounds, seed):
    rng = np.random.default_rng(seed)
    return np.array([rng.random((1, 4))[0] for _ in range(rounds)])


def lone_mistake(rounds, side, earliest=3, latest=None):
    """(seed, round, noise) such that exactly one execution error happens in the match, made
    by ``side`` at ``round``: noise lies between the smallest and second-smallest error draw."""
    latest = rounds - 10 if latest is None else latest
    for seed in range(1000):
        errors = match_draws(rounds, seed)[:, 2:4]
        t, s = np.unravel_index(np.argmin(errors), errors.shape)
        if s == side and earliest <= t <= latest:
            lowest, second = np.sort(errors.ravel())[:2]
            return seed, int(t), (lowest + second) / 2
    raise AssertionError("no suitable seed")


# -- deterministic rules --------------------------------------------------------------------
def test_tft_vs_alld():
    res = play_match("tft", "alld", rounds=200)
    assert seq(res, 0) == [C] + [D] * 199  # nice first, then copies the defection
    assert seq(res, 1) == [D] * 200
    assert res.payoffs[0].tolist() == [S, T]
    assert np.all(res.payoffs[1:] == P)
    assert res.scores == (199.0, 204.0)  # S + 199 P vs T + 199 P


def test_tft_vs_tft_cooperates_throughout():
    res = play_match("tft", "tft", rounds=200)
    assert seq(res, 0) == seq(res, 1) == [C] * 200
    assert res.scores == (600.0, 600.0)


def test_allc_vs_alld():
    res = play_match("allc", "alld", rounds=200)
    assert seq(res, 0) == [C] * 200 and seq(res, 1) == [D] * 200
    assert res.scores == (200 * S, 200 * T)


def test_payoff_table_is_used_as_given():
    # hawk-dove with prize V = 2 and cost C = 6: R = 1, S = 0, T = 2, P = -2
    res = play_match("tft", "alld", rounds=200, payoffs=(1.0, 0.0, 2.0, -2.0))
    assert res.scores == (0.0 + 199 * -2.0, 2.0 + 199 * -2.0)


@pytest.mark.parametrize("nice", ["allc", "tft", "grudger", "wsls"])
@pytest.mark.parametrize("partner", ["allc", "tft", "grudger", "wsls"])
def test_nice_rules_never_defect_first(nice, partner):
    res = play_match(nice, partner, rounds=100)
    assert seq(res, 0) == seq(res, 1) == [C] * 100
    assert res.scores == (300.0, 300.0)


def defects_once_partner(first, rounds, **kwargs):
    """``first`` against a steep trust rule set up to defect once, then test the reply.

    The trust rule (second player) starts at trust 0.5 with bias -0.01: 0.5 - 0.5 - 0.01 < 0,
    so it defects in round 1. If the first player cooperated, its trust rises to
    0.5 + 0.1 x 0.5 = 0.55 (0.55 - 0.5 - 0.01 > 0), so it cooperates in round 2; a defection
    in round 2 drops its trust to 0.55 x 0.7 = 0.385, and it defects in round 3.
    """
    return play_match(first, "trust", rounds=rounds, beta=SURE, trust0=0.5, trust_gain=0.1, trust_loss=0.3,
                      bias=(0.0, -0.01), **kwargs)


def test_grudger_never_forgives_a_single_defection():
    res = defects_once_partner("grudger", rounds=50)
    # Grudger: C, then D for ever after the round-1 defection, even though the partner
    # cooperated in round 2. The partner's trust then only falls: D from round 3 on.
    assert seq(res, 0) == [C] + [D] * 49
    assert seq(res, 1) == [D, C] + [D] * 48
    assert res.scores == (S + T + 48 * P, T + S + 48 * P)


def test_tft_forgives_where_grudger_does_not():
    res = defects_once_partner("tft", rounds=50)
    # TFT: C; copies D; copies the partner's round-2 C; then copies D for ever. The partner:
    # D; C (trust 0.55); D (0.385); D (0.385 + 0.1 x 0.615 = 0.4465 < 0.51); then its trust
    # only falls as TFT keeps defecting.
    assert seq(res, 0) == [C, D, C] + [D] * 47
    assert seq(res, 1) == [D, C] + [D] * 48


def test_wsls_vs_alld_alternates():
    res = play_match("wsls", "alld", rounds=200)
    # C meets D: S is a loss, shift to D; D meets D: P is a loss, shift back to C.
    assert seq(res, 0) == [C, D] * 100
    assert res.scores == (100 * S + 100 * P, 100 * T + 100 * P)


def test_wsls_stays_after_a_win():
    # Against ALLC, WSLS cooperates and wins R every round, so it stays with C.
    res = play_match("wsls", "allc", rounds=50)
    assert seq(res, 0) == [C] * 50


# -- one mistake ----------------------------------------------------------------------------
@pytest.mark.parametrize("side", [0, 1])
def test_wsls_vs_tft_never_recovers_from_one_mistake(side):
    rounds = 60
    seed, k, noise = lone_mistake(rounds, side)
    res = play_match("wsls", "tft", rounds=rounds, noise=noise, seed=seed)
    # WSLS errs at k: (D,C). k+1: WSLS won T, so it stays D; TFT copies D: (D,D).
    # k+2: WSLS lost with P: shifts to C; TFT copies D: (C,D). k+3: WSLS lost with S: shifts
    # to D; TFT copies C: (D,C), and the three-round cycle repeats.
    # TFT errs at k: (C,D). k+1: WSLS lost with S: D; TFT copies C: (D,C): the same cycle.
    cycle = [(D, C), (D, D), (C, D)] if side == 0 else [(C, D), (D, C), (D, D)]
    expected = [(C, C)] * k + [cycle[(t - k) % 3] for t in range(k, rounds)]
    assert [tuple(row) for row in res.moves.tolist()] == expected


def test_wsls_pair_recovers_from_one_mistake():
    rounds = 60
    seed, k, noise = lone_mistake(rounds, 0)
    res = play_match("wsls", "wsls", rounds=rounds, noise=noise, seed=seed)
    # k: (D,C). k+1: the erring side won T and stays D, the other lost S and shifts to D:
    # (D,D). k+2: both lost P and shift to C: (C,C) for good.
    expected = [(C, C)] * k + [(D, C), (D, D)] + [(C, C)] * (rounds - k - 2)
    assert [tuple(row) for row in res.moves.tolist()] == expected


def test_tft_pair_echoes_one_mistake_for_ever():
    rounds = 60
    seed, k, noise = lone_mistake(rounds, 1)
    res = play_match("tft", "tft", rounds=rounds, noise=noise, seed=seed)
    # k: (C,D); each then copies the other's last move, so the defection bounces back and forth.
    expected = [(C, C)] * k + [[(C, D), (D, C)][(t - k) % 2] for t in range(k, rounds)]
    assert [tuple(row) for row in res.moves.tolist()] == expected


def test_grudger_pair_defects_for_ever_after_one_mistake():
    rounds = 60
    seed, k, noise = lone_mistake(rounds, 0)
    res = play_match("grudger", "grudger", rounds=rounds, noise=noise, seed=seed)
    # k: (D,C); the wronged side defects from k+1 for ever, and from k+2 so does the erring
    # side (whose partner has now defected).
    expected = [(C, C)] * k + [(D, C), (C, D)] + [(D, D)] * (rounds - k - 2)
    assert [tuple(row) for row in res.moves.tolist()] == expected


# -- generous TFT -----------------------------------------------------------------------------
def test_gtft_without_generosity_is_tft():
    res = play_match("gtft", "alld", rounds=200, generosity=0.0)
    assert seq(res, 0) == [C] + [D] * 199
    assert res.scores == (199.0, 204.0)
    assert seq(defects_once_partner("gtft", 50, generosity=0.0), 0) == [C, D, C] + [D] * 47


def test_gtft_with_full_generosity_is_allc():
    res = play_match("gtft", "alld", rounds=200, generosity=1.0)
    assert seq(res, 0) == [C] * 200
    assert res.scores == (0.0, 1000.0)


def test_gtft_forgives_exactly_on_its_draws():
    rounds, seed, g = 200, 7, 1 / 3
    res = play_match("gtft", "alld", rounds=rounds, generosity=g, seed=seed)
    u = match_draws(rounds, seed)
    # Round 1: C. After each ALLD defection GTFT forgives (C) iff its decision draw < g.
    assert seq(res, 0) == [C] + [C if u[t, 0] < g else D for t in range(1, rounds)]


def test_gtft_forgiveness_rate():
    # 20 matches x 199 forgivable rounds, each forgiven with probability 1/3:
    # Binomial(3980, 1/3) has mean 1326.7 and sd 29.7; a 5 sd band fails by chance < 1e-6.
    n = 199 * 20
    forgiven = sum(sum(seq(play_match("gtft", "alld", rounds=200, seed=s), 0)[1:]) for s in range(20))
    assert abs(forgiven - n / 3) < 5 * math.sqrt(n * (1 / 3) * (2 / 3))


# -- random -----------------------------------------------------------------------------------
def test_random_cooperates_half_the_time():
    rounds = 10_000
    res = play_match("random", "allc", rounds=rounds, seed=11)
    # Binomial(10000, 1/2): mean 5000, sd 50; a 5 sd band fails by chance < 1e-6.
    assert abs(sum(seq(res, 0)) - rounds / 2) < 5 * 50
    # Two random players move independently: mutual cooperation a quarter of the time,
    # Binomial(10000, 1/4): sd 43.3.
    both = play_match("random", "random", rounds=rounds, seed=12).moves
    assert abs(int(np.sum(both[:, 0] & both[:, 1])) - rounds / 4) < 5 * math.sqrt(rounds * 0.25 * 0.75)


def test_random_follows_its_draws():
    rounds, seed = 100, 5
    res = play_match("alld", "random", rounds=rounds, seed=seed)
    u = match_draws(rounds, seed)
    assert seq(res, 1) == [C if u[t, 1] < 0.5 else D for t in range(rounds)]


# -- trust-based ------------------------------------------------------------------------------
def test_trust_with_strong_positive_bias_always_cooperates():
    res = play_match("trust", "alld", rounds=200, beta=SURE, bias=(10.0, 0.0))
    assert seq(res, 0) == [C] * 200  # sigma(beta (tau - 1/2 + 10)) = 1 whatever the trust


def test_trust_with_strong_negative_bias_always_defects():
    res = play_match("trust", "allc", rounds=200, beta=SURE, bias=(-10.0, 0.0))
    assert seq(res, 0) == [D] * 200


def test_trust_erodes_against_a_defector():
    # Trust 0.8, loss 0.3: 0.8 (C), 0.56 (C), 0.392 (D), then lower: threshold 1/2 at bias 0.
    res = play_match("trust", "alld", rounds=30, beta=SURE, trust0=0.8, trust_loss=0.3)
    assert seq(res, 0) == [C, C] + [D] * 28


def test_trust_builds_slowly_with_a_cooperator():
    # Trust 0.2, gain 0.1: 0.2, 0.28, 0.352, 0.4168, 0.47512 (all D), then 0.527608 (C) and up.
    res = play_match("trust", "allc", rounds=30, beta=SURE, trust0=0.2, trust_gain=0.1)
    assert seq(res, 0) == [D] * 5 + [C] * 25


def test_trust_without_steepness_is_a_coin():
    rounds, seed = 100, 3
    res = play_match("trust", "alld", rounds=rounds, beta=0.0, seed=seed)
    u = match_draws(rounds, seed)
    assert seq(res, 0) == [C if u[t, 0] < 0.5 else D for t in range(rounds)]  # sigma(0) = 1/2


# -- noise ------------------------------------------------------------------------------------
def test_noise_one_turns_allc_into_alld():
    res = play_match("allc", "alld", rounds=100, noise=1.0)
    assert seq(res, 0) == [D] * 100 and seq(res, 1) == [C] * 100  # every move is a mistake
    assert res.scores == (100 * T, 100 * S)
    assert play_match("allc", "allc", rounds=100, noise=1.0).scores == (100 * P, 100 * P)


# -- interface --------------------------------------------------------------------------------
@pytest.mark.parametrize("pair", [("tit-for-tat", "alld"), ("allc", "ALLD")])
def test_unknown_strategy_is_rejected_with_the_allowed_names(pair):
    with pytest.raises(ValueError) as err:
        play_match(*pair)
    message = str(err.value)
    assert "unknown strategy" in message
    for name in NAMES:
        assert name in message


def test_tournament_ranks_by_hand_computed_scores():
    rounds = 200
    # Per match (first, second): allc-alld 0/1000, allc-tft 600/600, alld-tft 204/199.
    # Means over each strategy's two matches: alld (1000+204)/2, tft (600+199)/2, allc (0+600)/2.
    assert tournament(["allc", "alld", "tft"], rounds=rounds) == [
        ("alld", 602.0, 2), ("tft", 399.5, 0), ("allc", 300.0, 0)]


def test_tournament_with_more_rules_and_repetitions():
    # Adding grudger (as TFT here) and wsls: alld-grudger 204/199, alld-wsls 600/100, every
    # other pair of nice rules 600/600. Means over four matches:
    # alld (1000+204+204+600)/4 = 502, tft = grudger = (600+199+600+600)/4 = 499.75,
    # wsls (600+100+600+600)/4 = 475, allc (0+600+600+600)/4 = 450. Only alld out-scores
    # anyone. Deterministic rules: repetitions change nothing; ties keep the listed order.
    table = tournament(["allc", "alld", "tft", "grudger", "wsls"], rounds=200, repetitions=3)
    assert table == [("alld", 502.0, 12), ("tft", 499.75, 0), ("grudger", 499.75, 0), ("wsls", 475.0, 0),
                     ("allc", 450.0, 0)]


@pytest.mark.parametrize("rounds", [10, 37])
def test_tournament_scales_with_rounds(rounds):
    # alld: (5 rounds + 5 + (rounds - 1)) / 2; tft: (3 rounds + rounds - 1) / 2; allc: 3 rounds / 2
    assert tournament(["tft", "allc", "alld"], rounds=rounds) == [
        ("alld", (6 * rounds + 4) / 2, 2), ("tft", (4 * rounds - 1) / 2, 0), ("allc", 3 * rounds / 2, 0)]
