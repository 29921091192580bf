"""The strategy registry (sim/strategies.py) and the rules added to it, each pinned by the
moves it answers a scripted opponent with (sim.match.Scripted, the Axelrod library's
versus_test); the tournament's seeds and self-play. Conventions as in test_strategies.py."""

import numpy as np
import pytest
from test_strategies import C, D, P, match_draws, seq

from sim import config, kernels, selfplay, strategies
from sim.match import Scripted, pair_seed, play_match, tournament
from sim.strategies import NAMES, Strategy


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
        # Self-interaction knows it too: a pair of copies cooperates for ever without noise.
        own = selfplay.expected_payoff(np.array([code], np.int8), np.array([[3.0, 0.0, 5.0, 1.0]]), 0.0, 1 / 3, 1.0,
                                       np.zeros(1), np.zeros(1))
        assert own.tolist() == [3.0]
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
