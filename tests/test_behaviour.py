"""Behavioural mechanisms of the reports (issue 14) and governance acting through its own
parameters (issue 13 item 2), each pinned on small hand-computed cases."""

import numpy as np
import pytest

from sim import kernels
from sim.config import ORG_TYPES
from sim.model import CollabModel

from helpers import make_config

STILL = {"leadership.mean_tenure": {t: 1e9 for t in ORG_TYPES}}
DOVES = {"strategies.mix": {"allc": 1.0}, "game.noise": 0.0, "network.n_orgs": 12, **STILL}


def model(seed=1, **overrides):
    return CollabModel(make_config(**overrides), seed=seed)


def run(seed=3, steps=60, **overrides):
    m = model(seed, **{"experiment.steps": steps, **overrides})
    m.run()
    return m


def assert_same_decisions(a, b):
    for name in ("moves", "trust", "strategy", "balance"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


# -- governance acts only through the plan dividend at stake ---------------------------------
PLANS = {"governance.decision": "majority", "governance.plan_every": 6}


def test_a_plan_with_no_dividend_changes_no_decision():
    off = run()
    zero = model(3, **{"experiment.steps": 60, **PLANS, "governance.plan_dividend": 0.0,
                       "governance.optimism_bias": 0.5, "governance.promises_in_budgets": True})
    agreed = 0
    for _ in range(60):
        zero.step()
        agreed += int(zero.governance.in_force.sum())
    assert agreed > 0  # plans were in force, with nothing at stake
    assert_same_decisions(zero, off)
    # ... while a dividend at stake does change decisions (the test can fail).
    paid = run(**PLANS, **{"governance.plan_dividend": 0.5})
    assert not np.array_equal(paid.trust, off.trust)


def test_the_dividend_at_stake_is_what_a_leader_adds_to_mutual_cooperation():
    m = model(**{**DOVES, **PLANS, "governance.plan_every": 1, "governance.plan_dividend": 0.5})
    m.step()
    assert m.governance.in_force.all()
    table = m.payoff_table()
    m.governance.perceive(table)
    # R + money_weight x plan_dividend x surplus / 2 = 3 + 10 x 0.5 x 0.2 / 2
    np.testing.assert_allclose(table[:, 0], 3.5)
    np.testing.assert_allclose(table[:, 1:], [[0.0, 5.0, 1.0]] * len(table))


# -- optimism bias that acts: promises booked into budgets -----------------------------------
def test_budgets_book_the_promise_and_the_shortfall_arrives_at_the_term_end():
    kw = {**DOVES, **PLANS, "governance.plan_every": 3, "governance.optimism_bias": 0.5,
          "budget.structural_gap": 0.0}
    booked, plain = model(**{**kw, "governance.promises_in_budgets": True}), model(**kw)
    d = 0.5 * 0.2 / 2 * booked.degree  # each organisation's plan dividend a month: every edge collaborates
    for month in range(1, 7):
        booked.step(), plain.step()
        assert np.array_equal(booked.moves, plain.moves)
        # Plan agreed at the end of month 3; months 4 and 5 book 1.5 d instead of d; month 6
        # books 1.5 d and is charged the shortfall 3 x 1.5 d - 3 d.
        ahead = {4: 0.5 * d, 5: 1.0 * d, 6: 0.0 * d}.get(month, 0.0 * d)
        np.testing.assert_allclose(booked.balance - plain.balance, ahead, atol=1e-12, err_msg=f"month {month}")
    np.testing.assert_allclose(booked.governance.shortfall_charged, 1.5 * d)
    assert booked.governance.savings_planned.sum() == pytest.approx(1.5 * booked.governance.savings_realised.sum())


def test_without_bias_and_with_steady_collaboration_booking_changes_nothing():
    kw = {**DOVES, **PLANS, "governance.plan_every": 3, "experiment.steps": 12}
    booked, plain = run(**{**kw, "governance.promises_in_budgets": True}), run(**kw)
    np.testing.assert_allclose(booked.balance, plain.balance)
    np.testing.assert_allclose(booked.governance.shortfall_charged, 0.0, atol=1e-12)


# -- organisational development ------------------------------------------------------------
def test_development_spends_its_share_and_closes_the_trust_gap_as_the_formula_says():
    kw = {**DOVES, "budget.structural_gap": 0.0, "budget.distress_cost": 0.0}  # money moves only by the spend
    od = model(**{**kw, "development.spend": 0.01, "development.efficacy": 2.0, "development.months": 2})
    plain = model(**kw)
    cost = 0.01 * od.size
    g = 1 - np.exp(-2.0 * cost / od.degree)  # share of the gap closed a month, per organisation
    g_side = np.stack([g[od.src], g[od.dst]], axis=1)
    expected = od.trust.copy()
    for month in (1, 2, 3):
        od.step(), plain.step()
        assert np.array_equal(od.moves, plain.moves)  # doves: every move is cooperation anyway
        expected = expected + 0.1 * (1 - expected)  # the partner cooperated: trust.gain
        if month <= 2:  # the programme runs two months
            expected = expected + g_side * (1 - expected)
        np.testing.assert_allclose(od.trust, expected, rtol=1e-12)
    np.testing.assert_allclose(od.balance - plain.balance, -2 * cost)
    np.testing.assert_allclose(od.development.spent, 2 * cost)
    assert (g_side > 0).all() and (g_side < 1).all()


def test_development_returns_diminish_with_the_spend():
    gains = []
    for spend in (0.001, 0.002, 0.004, 0.008):
        m = model(**{"development.spend": spend})
        gains.append(m.development.gain[0, 0])
    assert all(b > a for a, b in zip(gains, gains[1:]))
    assert all(b < 2 * a for a, b in zip(gains, gains[1:]))  # doubling the money less than doubles the gain


def test_development_raises_trust_and_cooperation_of_trust_based_leaders():
    od = run(**{"development.spend": 0.005})
    plain = run()
    assert od.trust.mean() > plain.trust.mean() and od.moves.mean() > plain.moves.mean()


def test_development_with_nothing_spent_changes_no_decision():
    plain = run()
    none = run(**{"development.spend": 0.0, "development.efficacy": 5.0})
    assert not hasattr(none, "development")
    assert_same_decisions(none, plain)


# -- loss aversion of the just about managing --------------------------------------------
def test_only_the_just_about_managing_weigh_the_sucker_s_loss_more():
    m = model(**{"loss_aversion.factor": 2.0, "loss_aversion.margin": 0.05, "loss_aversion.crisis": 0.5})
    n = len(m.size)
    # Balances as shares of monthly budget: comfortable (+10%), just about (+1%, 0, -2%: pressure 0.2),
    # in crisis (-8%: pressure 0.8).
    shares = np.resize([0.10, 0.01, 0.0, -0.02, -0.08], n)
    m.balance[:] = shares * m.size
    kernels.account(m.balance, np.zeros(n), np.zeros(n), 0.0, m.size, m.config.budget.pressure_scale, m.pressure)
    table = m.payoff_table()
    plain = table.copy()
    m.loss_aversion.perceive(table)
    managing = np.isin(shares, [0.01, 0.0, -0.02])
    assert np.array_equal(m.loss_aversion.managing(), managing)
    # S = P - 2 (P - S) = 1 - 2 x (1 - 0) = -1 for those managing; the rest as the base game.
    np.testing.assert_allclose(table[managing, 1], -1.0)
    np.testing.assert_allclose(table[~managing, 1], 0.0)
    np.testing.assert_array_equal(np.delete(table, 1, axis=1), np.delete(plain, 1, axis=1))


def test_no_loss_to_weigh_when_the_sucker_does_better_than_mutual_defection():
    m = model(**{"loss_aversion.factor": 3.0, "game.kind": "hawk_dove", "game.V": 4.0, "game.C": 2.0})
    table = m.payoff_table()  # V > C: P = (V - C) / 2 = 1 > S = 0, a loss; make it a gain instead
    table[:, 1] = 2.0
    m.loss_aversion.perceive(table)
    np.testing.assert_allclose(table[:, 1], 2.0)


def test_loss_aversion_lowers_the_cooperation_of_trust_based_leaders():
    averse = run(**{"loss_aversion.factor": 2.0})
    plain = run(**{"loss_aversion.factor": 1.0})
    assert averse.moves.mean() < plain.moves.mean()


@pytest.mark.parametrize("setting", [{"loss_aversion.factor": 1.0, "loss_aversion.margin": 10.0},
                                     {"loss_aversion.factor": 3.0, "loss_aversion.crisis": 0.0}])
def test_loss_aversion_with_nothing_to_weigh_changes_no_decision(setting):
    """Factor 1 (no aversion) with everyone in the band, or no organisation in the band
    (crisis at pressure 0): the same decisions as with the component left out."""
    off = run(**{"loss_aversion.factor": 1.0})
    assert_same_decisions(run(**setting), off)


# -- stakeholder veto ----------------------------------------------------------------------
VOTES = {**DOVES, "governance.decision": "majority", "governance.plan_every": 1}


def test_a_certain_block_stops_every_plan():
    m = model(**{**VOTES, "stakeholders.block": 1.0})
    for _ in range(3):
        m.step()
        assert not m.governance.in_force.any()
    assert m.stakeholders.blocked.sum() == 3


def test_engagement_halves_the_chance_of_a_block_per_halving_spent():
    kw = {**VOTES, "stakeholders.block": 0.8, "stakeholders.engagement": 0.004,
          "stakeholders.engagement_halving": 0.002}
    runs = [model(seed=s, **kw) for s in range(300)]
    assert runs[0].stakeholders.chance == pytest.approx(0.8 * 0.25)
    for m in runs:
        m.step()  # every forum agrees (doves): only stakeholders can stop the plan
    rate = np.mean([m.stakeholders.blocked[0] for m in runs])
    assert rate == pytest.approx(0.2, abs=0.07)  # binomial sd at n = 300 is 0.023


def test_engagement_is_a_cost_of_its_share_of_each_budget():
    kw = {**VOTES, "budget.structural_gap": 0.0, "budget.distress_cost": 0.0}
    engaged = model(**{**kw, "stakeholders.engagement": 0.003})
    plain = model(**kw)
    for _ in range(4):
        engaged.step(), plain.step()
    np.testing.assert_allclose(engaged.balance - plain.balance, -4 * 0.003 * engaged.size)
    np.testing.assert_allclose(engaged.stakeholders.spent, 4 * 0.003 * engaged.size)


def test_a_block_with_no_dividend_at_stake_changes_no_decision():
    base = {**PLANS, "governance.plan_dividend": 0.0}
    assert_same_decisions(run(**{**base, "stakeholders.block": 0.7}), run(**base))
    # ... while with a dividend at stake, blocking plans does change decisions.
    paid = {**PLANS, "governance.plan_dividend": 0.5}
    assert not np.array_equal(run(**{**paid, "stakeholders.block": 1.0}).trust, run(**paid).trust)
