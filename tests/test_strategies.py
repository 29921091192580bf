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

from sim import config, kernels, strategies
from sim.match import Scripted, pair_seed, play_match, tournament
from sim.strategies import NAMES, Strategy

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


# -- the registry -----------------------------------------------------------------------------
def test_registry_is_the_one_list_of_strategies():
    assert config.STRATEGY_NAMES == NAMES == tuple(s.name for s in strategies.REGISTRY)
    assert [strategies.CODES[n] for n in NAMES] == list(range(len(NAMES)))
    assert NAMES[:8] == ("allc", "alld", "tft", "gtft", "grudger", "wsls", "random", "trust")  # historical codes
    for s in strategies.REGISTRY:
        assert s.label and s.description.endswith(".")
        assert set(s.classifier) == {"memory_depth", "stochastic", "nice"}
        if s.kind == strategies.MEMORY_ONE:
            assert len(s.vector) == 5


@pytest.mark.parametrize("name", [s.name for s in strategies.REGISTRY if s.nice])
def test_nice_strategies_never_defect_first(name):
    # Against an unconditional cooperator a nice rule cooperates throughout (no noise).
    res = play_match(name, Scripted("C"), rounds=60, seed=3)
    assert seq(res, 0) == [C] * 60


@pytest.mark.parametrize("name", [s.name for s in strategies.REGISTRY if not s.stochastic and s.name != "trust"])
def test_deterministic_strategies_ignore_the_seed(name):
    script = Scripted("CCDCDDCCCDDDCD")
    assert seq(play_match(name, script, rounds=40, seed=1), 0) == seq(play_match(name, script, rounds=40, seed=99), 0)


def test_a_new_memory_one_strategy_is_one_registry_entry():
    # "Firm but fair" (Axelrod library FirmButFair): C first; C after CC, CD and DC with
    # probability 1, 0, 1 and after DD with probability 2/3. One entry, no kernel change.
    code = strategies.register(Strategy("firm_but_fair", "Firm but fair", "Forgives mutual defection.",
                                        vector=(1, 1, 0, 1, 2 / 3), stochastic=True, nice=True))
    try:
        assert strategies.CODES["firm_but_fair"] == code == len(NAMES)
        res = play_match("firm_but_fair", Scripted("DDCD"), rounds=40, seed=5)
        u = match_draws(40, 5)
        expected, mine = [], None
        script = "DDCD"
        for t in range(40):
            if t == 0:
                move = C
            else:
                theirs = C if script[(t - 1) % 4] == "C" else D
                p = {(C, C): 1, (C, D): 0, (D, C): 1, (D, D): 2 / 3}[(mine, theirs)]
                move = C if u[t, 0] < p else D
            expected.append(move)
            mine = move
        assert seq(res, 0) == expected
        assert D in expected[1:] and C in expected[1:]
    finally:
        strategies.unregister("firm_but_fair")
    assert "firm_but_fair" not in strategies.CODES


def test_registering_a_taken_name_or_a_short_vector_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        strategies.register(Strategy("tft", "x", "x.", vector=(1, 1, 0, 1, 0)))
    with pytest.raises(ValueError, match="memory-one"):
        strategies.register(Strategy("bad", "x", "x.", vector=(1, 1)))


def test_decide_refuses_short_memory_rules_without_memory():
    one = np.zeros(1, dtype=np.int64)
    with pytest.raises(ValueError, match="memory"):
        kernels.decide(np.array([strategies.CODES["tf2t"], 0], dtype=np.int8), one, one + 1,
                       np.full((1, 2), -1, np.int8), np.full((1, 2), -1, np.int8), np.zeros((1, 2), bool),
                       np.zeros((1, 2)), np.zeros(2), 0.3, 1.0, 0.0, np.zeros((1, 4)), np.zeros((1, 2), np.int8))


# -- play sequences against a scripted opponent (the Axelrod library's versus_test) --------------
SCRIPT = "CCDCDDCCCDDD"  # the opponent's moves; each row below derived by hand from the rule's definition
EXPECTED = {
    "allc": "CCCCCCCCCCCC",
    "alld": "DDDDDDDDDDDD",
    "tft": "CCCDCDDCCCDD",  # C, then the script shifted by one
    "stft": "DCCDCDDCCCDD",  # D, then the script shifted by one
    "grudger": "CCCDDDDDDDDD",  # the script's first D is in round 3
    "wsls": "CCCDDCDDDDCD",  # stay after R/T, shift after S/P
    "wshls": "DCDDCCCDCDDD",  # D first; shift after R/T, stay after S/P
    "tf2t": "CCCCCCDCCCCD",  # D only after the script's DD in rounds 5-6 and 10-11
    "prober": "DCCDCDDCCCDD",  # D, C, C; the script played C, D in rounds 2-3, so TFT from round 4
    "alternator": "CDCDCDCDCDCD",
    "soft_majority": "CCCCCCCCCCCC",  # the script's cooperations never fall behind its defections
    "hard_majority": "DCCCCCDCCCCC",  # D first and at the 3-3 tie before round 7
    "gtft": None, "random": None, "trust": None, "extort2": None, "zdgtft2": None,  # stochastic: below
}


def test_every_registered_strategy_has_a_play_sequence_test():
    assert set(EXPECTED) == set(NAMES)


@pytest.mark.parametrize("name", [n for n, moves in EXPECTED.items() if moves])
def test_play_sequence_against_a_script(name):
    res = play_match(name, Scripted(SCRIPT), rounds=len(SCRIPT))
    assert "".join("C" if m else "D" for m in seq(res, 0)) == EXPECTED[name]
    assert "".join("C" if m else "D" for m in seq(res, 1)) == SCRIPT  # the script plays as written


def test_prober_exploits_a_partner_that_cooperates_in_rounds_two_and_three():
    res = play_match("prober", Scripted("C"), rounds=20)
    assert seq(res, 0) == [D, C, C] + [D] * 17
    assert seq(play_match("prober", "tft", rounds=20), 0) == [D, C, C] + [C] * 17  # TFT answered the D


def test_tf2t_forgives_alternating_defections():
    res = play_match("tf2t", Scripted("CD"), rounds=30)
    assert seq(res, 0) == [C] * 30


def test_alternator_and_stft_pair():
    # STFT copies the alternator with a lag of one: D C D C ...; the alternator alternates C D C D.
    res = play_match("alternator", "stft", rounds=8)
    assert seq(res, 0) == [C, D] * 4 and seq(res, 1) == [D, C, D, C, D, C, D, C]


def memory_one_expected(vector, script, u):
    first, *after = vector
    out, mine = [], None
    for t in range(len(u)):
        if t == 0:
            p = first
        else:
            theirs = C if script[(t - 1) % len(script)] == "C" else D
            p = after[2 * (1 - mine) + (1 - theirs)]
        mine = C if u[t, 0] < p else D
        out.append(mine)
    return out


@pytest.mark.parametrize("name, vector", [
    ("extort2", (1, 8 / 9, 1 / 2, 1 / 3, 0)),  # Press & Dyson (2012) extortion factor 2 at (3, 0, 5, 1)
    ("zdgtft2", (1, 1, 1 / 8, 1, 1 / 4)),  # Stewart & Plotkin (2013)
    ("gtft", (1, 1, 0.25, 1, 0.25)),  # generosity 0.25
    ("random", (0.5, 0.5, 0.5, 0.5, 0.5)),
])
def test_stochastic_memory_one_rules_follow_their_vector_on_the_draws(name, vector):
    rounds, seed = 200, 4
    res = play_match(name, Scripted(SCRIPT), rounds=rounds, seed=seed, generosity=0.25)
    assert seq(res, 0) == memory_one_expected(vector, SCRIPT, match_draws(rounds, seed))


def test_extortioner_extorts():
    # Press & Dyson (2012): extort2's surplus over P is twice its partner's. Against ALLC its
    # long-run cooperation q solves q = 8/9 q + 1/3 (1 - q): q = 3/4, so per round it earns
    # 3/4 R + 1/4 T = 3.5 and ALLC 3/4 R + 1/4 S = 2.25, and 3.5 - P = 2 (2.25 - P). Over
    # 20 x 2000 rounds the means have sd about 0.0065 and 0.0097 (correlation time 2.25
    # rounds); tolerance 0.05 is over 5 sd.
    totals = np.array([play_match("extort2", "allc", rounds=2000, seed=s).scores for s in range(20)]) / 2000
    sx, sy = totals.mean(axis=0)
    assert sx == pytest.approx(3.5, abs=0.05) and sy == pytest.approx(2.25, abs=0.05)
    assert sx - P == pytest.approx(2 * (sy - P), abs=0.15)


def test_scripted_player_is_validated():
    with pytest.raises(ValueError, match="C and D"):
        Scripted("CXD")


# -- tournament ---------------------------------------------------------------------------------
def test_tournament_pairs_get_independent_seeds():
    seeds = {pair_seed(0, a, b, r) for a in range(4) for b in range(a + 1, 4) for r in range(3)}
    assert len(seeds) == 18  # the old code reused seed + r for every pair
    # Two coin-flippers in different pairs no longer replay the same moves.
    one = play_match("random", "allc", rounds=50, seed=pair_seed(0, 0, 1, 0)).moves[:, 0]
    two = play_match("random", "allc", rounds=50, seed=pair_seed(0, 0, 2, 0)).moves[:, 0]
    assert not np.array_equal(one, two)


def test_tournament_with_self_play():
    # tft-tft 600 each, alld-alld 200 each; cross 199/204. tft: (600 + 199)/2, alld: (200 + 204)/2.
    assert tournament(["tft", "alld"], rounds=200, self_play=True) == [("tft", 399.5, 0), ("alld", 202.0, 1)]


def test_short_memory_rules_keep_their_memory_in_the_model():
    # A full model (pure game) with tf2t and alld: on every tf2t-alld edge the tf2t side plays
    # C, C, then D for ever (two seen defections); tf2t pairs cooperate throughout.
    from sim.model import CollabModel

    from helpers import make_config

    cfg = make_config(**{"network.kind": "complete", "network.n_orgs": 6, "strategies.mix": {"tf2t": 0.5, "alld": 0.5},
                         "game.noise": 0.0, "experiment.steps": 6})
    model = CollabModel(cfg, seed=2)
    tf2t = model.strategy == strategies.CODES["tf2t"]
    assert 0 < tf2t.sum() < 6
    sides = np.stack([model.src, model.dst], axis=1)
    partner = sides[:, ::-1]
    facing_alld = tf2t[sides] & ~tf2t[partner]
    both = tf2t[sides] & tf2t[partner]
    for step, expected in enumerate([C, C, D, D, D, D]):
        model.step()
        assert np.all(model.moves[facing_alld] == expected), step
        assert np.all(model.moves[both] == C)
