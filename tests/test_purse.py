"""The commissioner's purse, payment by results through the income at stake, the foundation
trusts' income floor and the structural gap from the reports' figures, each on a small case
computed by hand (sim/policies/purse.py, sim/policies/demand.py)."""

import numpy as np
import pytest

from sim.model import CollabModel
from sim.policies import demand
from sim.strategies import CODES

from helpers import move_history, plain_config

QUIET = {"game.noise": 0.0, "budget.structural_gap": 0.0, "budget.distress_cost": 0.0,
         "leadership.mean_tenure": {t: 1e9 for t in ("acute", "mental_health", "community", "ccg", "council")}}


def tiny(tmp_path, edges, types, **overrides):
    """A model of a hand-drawn footprint: ``edges`` as name pairs, ``types`` name -> type;
    returns the model and each name's index."""
    (tmp_path / "edges.txt").write_text("\n".join(f"{a} {b}" for a, b in edges) + "\n")
    (tmp_path / "types.csv").write_text("node,type\n" + "\n".join(f"{k},{v}" for k, v in types.items()) + "\n")
    cfg = plain_config(**{"network.kind": "file", "network.path": str(tmp_path / "edges.txt"),
                         "network.node_types": str(tmp_path / "types.csv"), "network.foundation_share": 1.0,
                         "strategies.mix": {"allc": 1.0}, **QUIET, **overrides})
    m = CollabModel(cfg, seed=1, check_writes=True)
    return m, {label: i for i, label in enumerate(m.network.labels)}


FOOTPRINT = [("hospital", "community"), ("hospital", "ccg"), ("community", "council")]
TYPES = {"hospital": "acute", "community": "community", "ccg": "ccg", "council": "council"}


def test_payment_by_results_moves_tariff_income_from_the_acute_trust_to_its_ccg(tmp_path):
    """Everyone collaborates for one month. Each relationship's surplus 0.2 is split, so the
    hospital and the community trust earn 0.2 (two relationships), the CCG and the council 0.1.
    The hospital shares activity with the community trust: it loses the tariff 0.5, which
    its CCG no longer pays. The CCG received its own budget 60 plus the contracts 100 + 25,
    paid 125 - 0.5 and spent 60 on itself: 0.5 left over, booked to its balance."""
    m, at = tiny(tmp_path, FOOTPRINT, TYPES, **{"incentives.payment": "payment_by_results", "incentives.tariff": 0.5})
    m.step()
    h, c, ccg, council = at["hospital"], at["community"], at["ccg"], at["council"]
    assert m.moves.all()
    np.testing.assert_allclose(m.balance[[h, c, ccg, council]], [0.2 - 0.5, 0.2, 0.1 + 0.5, 0.1])
    p = m.purse
    assert p.allocated[ccg] == 185.0 and p.paid[ccg] == 124.5
    np.testing.assert_allclose(p.received[[h, c]], [99.5, 25.0])
    # Money in = money out for the CCG: allocation = paid to providers + its own budget + what it kept.
    assert p.allocated[ccg] == pytest.approx(p.paid[ccg] + m.size[ccg] + p.net[ccg])
    assert p.net[ccg] == pytest.approx(0.5) and p.net.sum() == pytest.approx(0.0)
    cols = m.recorder.columns()
    assert cols["commissioner_balance"][-1] == pytest.approx(0.6)
    assert cols["paid_to_providers_total"][-1] == pytest.approx(124.5)


def test_two_ccgs_share_the_commissioning_by_budget_and_each_balances(tmp_path):
    edges = FOOTPRINT + [("hospital", "ccg2")]
    m, at = tiny(tmp_path, edges, {**TYPES, "ccg2": "ccg"},
                 **{"incentives.payment": "payment_by_results", "incentives.tariff": 0.5})
    m.run(3)
    p = m.purse
    for name in ("ccg", "ccg2"):  # equal budgets: half the contracts each, half the saving each
        i = at[name]
        assert p.allocated[i] == pytest.approx(3 * (60 + 125 / 2))
        assert p.paid[i] == pytest.approx(3 * (125 - 0.5) / 2)
        assert p.allocated[i] == pytest.approx(p.paid[i] + 3 * m.size[i] + p.net[i])
        assert p.net[i] == pytest.approx(3 * 0.25)


def test_a_footprint_without_a_ccg_is_commissioned_by_the_centre(tmp_path):
    """No CCG: the tariff saved stays with the centre's purse, which counts as the
    commissioner balance; the organisations' money and the centre's together are conserved."""
    m, at = tiny(tmp_path, [("hospital", "community"), ("community", "council")],
                 {"hospital": "acute", "community": "community", "council": "council"},
                 **{"incentives.payment": "payment_by_results", "incentives.tariff": 0.5, "game.surplus": 0.0})
    m.run(2)
    np.testing.assert_allclose(m.balance[at["hospital"]], -1.0)
    np.testing.assert_allclose(m.purse.central, [1.0])
    assert m.balance.sum() + m.purse.central.sum() == pytest.approx(0.0)
    assert m.recorder.columns()["commissioner_balance"][-1] == pytest.approx(1.0)
    assert m.purse.central_paid[0] == pytest.approx(2 * 125 - 1.0)


def test_block_contracts_move_no_money_through_the_purse(tmp_path):
    m, at = tiny(tmp_path, FOOTPRINT, TYPES)
    m.run(4)
    np.testing.assert_allclose(m.balance[[at[k] for k in ("hospital", "community", "ccg", "council")]],
                               [0.8, 0.8, 0.4, 0.4])
    assert m.purse.paid[at["ccg"]] == 4 * 125.0 and not m.purse.net.any()


def test_an_acute_trust_weighs_the_tariff_income_at_stake(tmp_path):
    """The hospital has three relationships, two with partners that can take activity on:
    sharing on both would cost 2 x 0.15; spread over three relationships and weighed at
    money_weight 10, the reward of mutual collaboration falls by 1 (3 -> 2). No one else's
    payoffs move."""
    edges = [("hospital", "community"), ("hospital", "council"), ("hospital", "ccg"), ("ccg", "council")]
    m, at = tiny(tmp_path, edges, TYPES, **{"incentives.payment": "payment_by_results", "incentives.tariff": 0.15,
                                             "network.foundation_share": 0.0})
    table = m.payoff_table()
    m.purse.perceive(table)
    expected = np.tile([3.0, 0.0, 5.0, 1.0], (len(table), 1))
    expected[at["hospital"], 0] = 2.0
    np.testing.assert_allclose(table, expected)


def test_the_foundation_trust_floor_caps_what_sharing_costs_it(tmp_path):
    """A foundation trust shares activity with two partners at tariff 0.5 (1.0 of income),
    but under a floor of 99.8% of its contract (100) it may lose only 0.2 a month: its CCG
    tops it up by 0.8. It weighs no more than the 0.2 it can lose: R = 3 - 10 x 0.2 / 3."""
    edges = [("hospital", "community"), ("hospital", "council"), ("hospital", "ccg")]
    m, at = tiny(tmp_path, edges, TYPES, **{"incentives.payment": "payment_by_results", "incentives.tariff": 0.5,
                                             "incentives.foundation_floor": 0.998})
    h, ccg = at["hospital"], at["ccg"]
    table = m.payoff_table()
    m.purse.perceive(table)
    assert table[h, 0] == pytest.approx(3 - 10 * 0.2 / 3)
    m.step()
    # Game money: surplus 0.1 per relationship; purse: -0.2 for the hospital, +0.2 for the CCG.
    assert m.balance[h] == pytest.approx(0.3 - 0.2)
    assert m.balance[ccg] == pytest.approx(0.1 + 0.2)
    assert m.purse.received[h] == pytest.approx(99.8)


def test_the_foundation_trust_floor_under_pooling(tmp_path):
    """The hospital defects on a collaborating council and CCG: it takes 0.1 from each
    (money 0.2, they -0.1 each; mean 0). Full pooling would take all 0.2 from it; under a
    floor of 99.9% of its contract it may lose 0.1, and its CCG makes up the other 0.1."""
    edges = [("hospital", "council"), ("hospital", "ccg")]
    m, at = tiny(tmp_path, edges, {"hospital": "acute", "council": "council", "ccg": "ccg"},
                 **{"incentives.payment": "pooled_budget", "incentives.pooling_share": 1.0,
                    "incentives.foundation_floor": 0.999})
    h, council, ccg = at["hospital"], at["council"], at["ccg"]
    m.strategy[h] = CODES["alld"]
    m.step()
    np.testing.assert_allclose(m.balance[[h, council, ccg]], [0.1, 0.0, -0.1])
    assert m.balance.sum() == pytest.approx(0.0)
    np.testing.assert_allclose(m.incentives.pooled[[h, council, ccg]], [-0.2, 0.1, 0.1])


# -- a lever whose consequence is zero changes no decision ----------------------------------

def _moves(**overrides):
    return move_history(plain_config(**{"experiment.steps": 60, **overrides}), 60, [1, 2])


@pytest.mark.parametrize("on", [
    {"incentives.payment": "payment_by_results", "incentives.tariff": 0.0},
    {"incentives.payment": "pooled_budget", "incentives.pooling_share": 0.0},
], ids=["tariff_0", "pooling_share_0"])
def test_a_zero_sized_incentive_changes_no_decision(on):
    off, m_off = _moves()
    moves, m_on = _moves(**on)
    np.testing.assert_array_equal(moves, off)
    np.testing.assert_array_equal(m_on.balance, m_off.balance)


@pytest.mark.parametrize("fee", [0.0, 0.002])
def test_the_membership_fee_weighs_only_the_fee_at_risk(fee):
    """Defecting forfeits the rebate: T and P fall by money_weight x fee x budget spread over
    the organisation's relationships; a fee of 0 leaves every payoff as it was."""
    m = CollabModel(plain_config(**{"incentives.membership_fee": fee, "incentives.transitional_funding": 0.001}), seed=3)
    table = m.payoff_table()
    m.incentives.perceive(table)
    forfeit = 10.0 * fee * m.size / m.degree
    expected = np.tile([3.0, 0.0, 5.0, 1.0], (len(table), 1))
    expected[:, 2] -= forfeit
    expected[:, 3] -= forfeit
    np.testing.assert_allclose(table, expected)
    assert (m.degree > 0).all()


def test_a_floor_that_cannot_bind_changes_no_decision():
    """Under payment by results at tariff 0.15 a foundation trust can lose at most a few
    relationships' worth of income a month; a floor at half its contract never binds."""
    pbr = {"incentives.payment": "payment_by_results", "incentives.tariff": 0.15}
    without, m0 = _moves(**pbr)
    with_floor, m1 = _moves(**pbr, **{"incentives.foundation_floor": 0.5})
    np.testing.assert_array_equal(with_floor, without)
    np.testing.assert_array_equal(m1.balance, m0.balance)


def test_the_tariff_changes_decisions_when_it_is_not_zero():
    off, _ = _moves()
    on, _ = _moves(**{"incentives.payment": "payment_by_results", "incentives.tariff": 0.15})
    assert on.mean() < off.mean()


# -- the structural gap from the reports' figures ---------------------------------------------

def test_the_gap_from_demand_and_efficiency_is_the_reports_arithmetic():
    b = plain_config(**{"budget.gap_source": "demand", "budget.structural_gap": 0.0}).budget
    # (2.7% demand - 0 funding - 2% x 0.75 delivered) / 12 for providers; 1% for CCGs.
    np.testing.assert_allclose(demand.monthly_gap(b), [0.001, 0.001, 0.001, (0.027 - 0.0075) / 12, 0.001])
    assert (demand.monthly_gap(plain_config().budget) == 0.003).all()  # the plain world: the constant
    # An extra gap (a squeeze) adds to the reports' gap.
    squeezed = plain_config(**{"budget.gap_source": "demand", "budget.structural_gap": 0.01}).budget
    np.testing.assert_allclose(demand.monthly_gap(squeezed), demand.monthly_gap(b) + 0.01)


def test_each_budget_loses_its_type_s_gap_each_month(tmp_path):
    m, at = tiny(tmp_path, FOOTPRINT, TYPES, **{"budget.gap_source": "demand", "budget.structural_gap": 0.0,
                                                 "budget.funding_growth": 0.003, "budget.efficiency_delivered": 0.5,
                                                 "game.surplus": 0.0})
    m.step()
    # providers and council: (0.027 - 0.003 - 0.01) / 12; CCG: (0.027 - 0.003 - 0.005) / 12.
    expect = {"hospital": -100 * 0.014 / 12, "community": -25 * 0.014 / 12, "ccg": -60 * 0.019 / 12,
              "council": -40 * 0.014 / 12}
    for name, value in expect.items():
        assert m.balance[at[name]] == pytest.approx(value)
