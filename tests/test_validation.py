"""The game engine against published results (MODEL.md section 6, "Classic results").

The engine is run as a pure game (validation/configs.py: no money pressure, no leader
turnover, no policies, no execution noise) at CI sizes (validation.checks.CI). Each test
states its tolerance and why; all are loose enough for seed-to-seed variation and tight
enough that a mis-wired payoff, update rule or network would fail them (see the notes).
"""

import math

import numpy as np
import pytest

from validation import checks, moran, report
from validation.checks import CI


# -- 1. Axelrod library, 200 rounds, (R, S, T, P) = (3, 0, 5, 1), no noise ---------------
DETERMINISTIC = ("allc", "alld", "tft", "grudger", "wsls", "tf2t", "stft", "prober", "alternator", "soft_majority",
                 "hard_majority", "wshls")


def test_fixture_covers_every_pair_of_the_deterministic_strategies():
    fx = checks.load_fixture()
    assert fx["rounds"] == 200 and fx["noise"] == 0.0 and fx["payoffs_RSTP"] == [3.0, 0.0, 5.0, 1.0]
    pairs = {(m["first"], m["second"]) for m in fx["matches"]}
    assert {name for pair in pairs for name in pair} == set(DETERMINISTIC)
    assert len(pairs) == 78  # 12 self-plays + 66 distinct pairs


@pytest.mark.parametrize("row", checks.axelrod_matches(), ids=lambda r: f"{r['first']}-{r['second']}")
def test_match_scores_equal_the_axelrod_library_exactly(row):
    # Deterministic strategies without noise: scores are integers, so exact equality.
    assert row["engine"] == row["reference"]
    assert row["moves_match"]


# -- 2. Hawk-dove, well mixed: hawks settle at V/C when V < C ---------------------------
@pytest.mark.parametrize("V, C", [(2.0, 3.0), (1.0, 4.0), (3.0, 2.0), (4.0, 1.0)])
def test_replicator_equation_converges_to_v_over_c_or_all_hawks(V, C):
    # Deterministic ODE integration (rtol 1e-10) from five starts in (0, 1): the interior
    # rest point V/C is globally stable for V < C; for V > C hawks are dominant (x -> 1).
    expected = V / C if V < C else 1.0
    for limit in checks.replicator_limits(V, C):
        assert limit == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("V, C", [(2.0, 3.0), (1.0, 4.0)])
def test_engine_hawk_share_settles_at_v_over_c(V, C):
    # Fermi imitation on a complete network of n = 100 has the rest point of the replicator
    # equation shifted by the finite population: f_H = f_D at a hawk share V/C + 1/n
    # (checks.hawk_dove_rest_point). Stationary fluctuations about it have variance about
    # 2/(n * selection * C) (linear noise approximation) = 0.0013 (sd 0.037) for C = 3, with
    # a correlation time of a few steps; averaging 150 steps per seed and 8 seeds gives a
    # standard error of about 0.002 (observed 0.0013-0.0018). Tolerance 0.01 (> 5 SE) about
    # the rest point; V/C itself is within 1/n + 0.01. A wrong payoff mapping moves the
    # rest point by far more (e.g. swapping hawk and dove gives 1 - V/C).
    runs = checks.hawk_dove_engine(V, C, CI)
    assert len(runs.values) == CI.hd_seeds
    assert runs.mean == pytest.approx(checks.hawk_dove_rest_point(V, C, CI.hd_n), abs=0.01)
    assert abs(runs.mean - V / C) <= 1 / CI.hd_n + 0.01
    assert runs.se < 0.005  # the averaging worked as argued above


def test_engine_hawks_take_over_when_the_prize_exceeds_the_cost():
    # V > C: hawk is the dominant strategy, so imitation fixes it; the time series must end
    # above 0.95 hawks (in practice at 1.0) in every seed-mean.
    runs = checks.hawk_dove_engine(3.0, 2.0, CI, seeds=4)
    assert runs.series[-1] > 0.95


# -- 3. Nowak & May (1992): spatial PD, Moore + self, best-takes-over -----------------------
# With R = 1, T = b, S = P = 0 and 9-cell neighbourhoods, the regimes change at b = 9/5 and
# b = 2. On a 99 x 99 torus the time-averaged cooperator share varies by < 0.01 between
# seeds (observed 0.312-0.318 at b = 1.9), so two seeds suffice.
def test_nowak_may_chaotic_regime_settles_near_12_ln2_minus_8():
    # Reported long-run share 12 ln 2 - 8 = 0.318 for 9/5 < b < 2 on large lattices.
    # Tolerance 0.02: finite lattice and 100 averaged generations; neighbouring regimes are
    # far away (b = 1.7 gives ~0.71, b = 2.1 gives ~0.03).
    runs = checks.nowak_may(1.9, CI)
    assert runs.mean == pytest.approx(12 * math.log(2) - 8, abs=0.02)


@pytest.mark.parametrize("b", [1.5, 1.7])
def test_nowak_may_cooperators_keep_a_large_majority_below_nine_fifths(b):
    # b < 9/5: cooperator clusters cannot be invaded at their straight edges; starting from
    # 90% cooperators, they stay well above the chaotic-regime share (0.318); >= 0.6.
    runs = checks.nowak_may(b, CI)
    assert min(runs.values) > 0.6


def test_nowak_may_defectors_dominate_above_two():
    # b > 2: defectors invade cooperator clusters; only a few C remain (< 0.1).
    runs = checks.nowak_may(2.1, CI)
    assert max(runs.values) < 0.1


# -- 4. Santos & Pacheco (2005): scale-free networks favour cooperation -------------------
@pytest.mark.parametrize("b", CI.sp_b)
def test_scale_free_networks_sustain_more_cooperation_than_regular_ones(b):
    # N = 1000, mean degree 4, 1000 generations, last 200 averaged, 3 paired seeds. The
    # published effect is large (BA near full cooperation, random regular near none for
    # these b); we require every paired seed to show it and the mean gap to exceed 0.3
    # (observed 0.7-0.95; seed-to-seed sd about 0.05 on SF, smaller on regular).
    runs = checks.santos_pacheco(b, CI)
    sf, rr = np.array(runs["scale_free"].values), np.array(runs["regular"].values)
    assert (sf > rr).all()
    assert sf.mean() - rr.mean() > 0.3


# -- 5. Fixation: Moran closed form, isothermal theorem, neutral drift ---------------------
# Each estimate: CI.fx_trials = 4000 trials; it passes when the exact value lies in the 99.9%
# Wilson interval (half-width about 0.025 at rho = 1/3, 0.01 at 1/20). That is tight enough to
# tell r = 1.1 from r = 1 (0.148 vs 0.1 at N = 10) and a rule that ignored fitness from one
# that did not.
@pytest.mark.parametrize("n", [10, 20])
@pytest.mark.parametrize("r", [1.0, 1.1, 1.5])
def test_moran_fixation_probability_on_the_complete_graph(n, r):
    est = moran.moran(n, r, CI.fx_trials)
    assert est.passed, (est.summary, est.interval, est.expected)


def test_moran_fixation_tells_weak_selection_from_neutral():
    # At N = 10 the two closed forms (0.148 and 0.1) lie outside each other's intervals.
    weak, drift = moran.moran(10, 1.1, CI.fx_trials), moran.moran(10, 1.0, CI.fx_trials)
    assert weak.interval[0] > drift.expected and drift.interval[1] < weak.expected


def test_isothermal_theorem_on_a_cycle_and_a_random_regular_graph():
    for est in moran.isothermal(1.5, CI.fx_trials):
        assert est.passed, (est.label, est.summary, est.interval, est.expected)


def test_neutral_drift_is_one_over_n_under_every_moving_rule():
    for est in moran.neutral(CI.fx_trials):
        assert est.passed, (est.label, est.summary, est.interval, est.expected)


@pytest.mark.parametrize("rule", moran.FROZEN_RULES)
def test_rules_that_need_a_strict_advantage_never_move_under_neutrality(rule):
    assert moran.frozen_under_neutrality(rule)


# -- 6. The report (python -m validation) ---------------------------------------------
def test_report_writes_a_table_row_per_check_and_the_figure(tmp_path):
    # A tiny scale, for the plumbing only: its numbers are not meant to pass the checks.
    tiny = checks.Scale("tiny", hd_n=20, hd_steps=30, hd_burn=10, hd_seeds=2, nm_side=15, nm_steps=20,
                        nm_burn=10, nm_seeds=2, nm_grid=(1.5, 1.9), sp_n=60, sp_steps=20, sp_window=10,
                        sp_seeds=2, sp_b=(1.5,), sp_grid=(1.2, 1.5), fx_trials=50)
    result = report.run_all(tiny, progress=lambda *_: None)
    report.write_markdown(result, tmp_path / "validation.md")
    report.write_figure(result, tmp_path / "validation.png")
    text = (tmp_path / "validation.md").read_text()
    assert len(result["rows"]) == 1 + 3 + 2 + 1 + 4 + 1 + 6 + 2 + 4 + 2  # ..., SP, Moran, isothermal, neutral, frozen
    assert "| Axelrod match scores" in text and "78/78 pairs identical" in text
    assert text.count("| Nowak-May") == 4 and "12 ln 2 - 8 = 0.318" in text
    assert text.count("| Moran, birth-death") == 6 and text.count("| Neutral drift") == 4
    assert (tmp_path / "validation.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
