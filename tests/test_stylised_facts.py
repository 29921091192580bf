"""The six stylised facts of MODEL.md section 6, each shown by a shipped experiment.

Every experiment runs all its arms over the same seeds (the seed count in its file), so
arms are compared seed by seed. Unless a test says otherwise the test is a paired t-test
on per-seed differences and a fact holds when the 95% confidence interval of the mean
difference excludes zero in the stated direction (two-sided 5% level). With 40 seeds and
effect sizes d_z above 1 (see docs/model.md) these tests have power above 0.99, so a
failure means the fact no longer follows from the mechanisms, not bad luck.
"""

from functools import cache
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim import compare

EXPERIMENTS = Path(__file__).resolve().parent.parent / "experiments"


@cache
def results(name: str) -> compare.Results:
    return compare.run(compare.load(EXPERIMENTS / f"{name}.toml"), workers=2)


def diff(name: str, arm: str, reference: str, outcome: str) -> dict:
    runs = results(name).runs.sort_values("seed")
    a = runs[runs["arm"] == reference][outcome].to_numpy()
    b = runs[runs["arm"] == arm][outcome].to_numpy()
    return compare.paired_difference(a, b)


def higher(name, arm, reference, outcome):
    d = diff(name, arm, reference, outcome)
    assert d["ci_low"] > 0, f"{arm} vs {reference} on {outcome}: {d}"


def lower(name, arm, reference, outcome):
    d = diff(name, arm, reference, outcome)
    assert d["ci_high"] < 0, f"{arm} vs {reference} on {outcome}: {d}"


@pytest.mark.parametrize("outcome", ["mean_trust", "mean_cooperation"])
def test_1_more_churn_means_less_trust_and_cooperation(outcome):
    higher("leadership_churn", "stable", "nhs_typical", outcome)
    lower("leadership_churn", "high_churn", "nhs_typical", outcome)


def test_1_a_mass_departure_breaks_the_partnership_for_years():
    lower("leadership_churn", "mass_departure", "nhs_typical", "window_cooperation")


def test_2_system_regulation_sustains_more_cooperation_than_organisational():
    higher("regulation_regimes", "system", "organisational", "mean_cooperation")
    higher("regulation_regimes", "system", "organisational", "mean_trust")


@pytest.mark.parametrize("outcome", ["mean_cooperation", "final_system_balance"])
def test_3_pooled_budgets_beat_payment_by_results(outcome):
    higher("incentives", "pooled_budget", "payment_by_results", outcome)


def test_4_pressure_alone_does_not_produce_collaboration():
    # A deeper structural gap under organisational accountability: cooperation does not rise
    # (the one-sided 97.5% upper bound of the change is below zero).
    lower("crisis", "crisis_organisational", "normal_organisational", "mean_cooperation")


def test_4_joint_accountability_and_crisis_can():
    higher("crisis", "crisis_system", "crisis_organisational", "mean_cooperation")
    higher("crisis", "crisis_system", "normal_system", "mean_cooperation")


def test_5_early_intervention_costs_less_than_late():
    lower("early_vs_late_intervention", "early", "late", "public_cost")


def test_6_trust_rebuilds_much_more_slowly_than_it_collapses():
    runs = results("trust_asymmetry").runs
    shock = runs[runs["arm"] == "shock"]
    collapse = shock["trust_collapse_time"].to_numpy()
    rebuild = shock["trust_rebuild_time"].to_numpy()  # censored rebuilds count as the months seen
    assert np.all(np.isfinite(collapse)) and np.all(shock["trust_drop"] > 0.1)
    # Exact binomial sign test: in how many seeds did rebuilding half the fall take more
    # than three times as long as losing it? Under "no asymmetry" at most half would.
    wins = int((rebuild > 3 * collapse).sum())
    p = stats.binomtest(wins, len(shock), 0.5, alternative="greater").pvalue
    assert p < 0.001, (wins, len(shock))
