"""Invest here, benefit there (sim/policies/investment.py): hand-computed flows on one or two
relationships, the decision rule at its boundary, churn x patience, shared savings only when
the beneficiary keeps the agreement, councils withdrawing under pressure, and a benefit the
leader will never see changing nothing."""

import numpy as np
import pytest

from sim.config import ORG_TYPES, ConfigError
from sim.model import CollabModel
from sim.policies.investment import discount, seen_return

from helpers import make_config

COUNCIL, ACUTE, COMMUNITY = (ORG_TYPES.index(t) for t in ("council", "acute", "community"))
# A still world: unconditional moves, no mistakes, no cost growth or distress, trust that
# neither grows nor moves on succession; every change in money is the component's.
STILL = {"game.noise": 0.0, "budget.structural_gap": 0.0, "budget.distress_cost": 0.0, "trust.initial": 0.8,
         "trust.stranger": 0.8, "trust.gain": 0.0, "trust.loss": 0.0, "strategies.mix": {"allc": 1.0}}


def footprint(tmp_path, edges, types):
    (tmp_path / "edges.txt").write_text("\n".join(f"{a} {b}" for a, b in edges) + "\n")
    (tmp_path / "types.csv").write_text("\n".join(f"{k},{v}" for k, v in types.items()) + "\n")
    return {"network.kind": "file", "network.path": str(tmp_path / "edges.txt"),
            "network.node_types": str(tmp_path / "types.csv")}


def pair(tmp_path):
    return footprint(tmp_path, [("c", "a")], {"c": "council", "a": "acute"})


def run_pair(tmp_path, months, **overrides):
    """The same pair with the component off and on; their balances after each month."""
    out = []
    for amount in (0.0, overrides.pop("investment.amount", 0.01)):
        m = CollabModel(make_config(**{**STILL, **pair(tmp_path), **overrides, "investment.amount": amount}),
                        seed=3, check_writes=True)
        rows = []
        for _ in range(months):
            m.step()
            rows.append(m.balance.copy())
        out.append((m, np.array(rows)))
    return out


def test_discount_is_the_chance_the_leader_is_still_in_post():
    assert discount(72.0, 6) == pytest.approx((71 / 72) ** 6)
    assert discount(36.0, 24) == pytest.approx((35 / 36) ** 24)
    assert discount(1.0, 1) == 0.0  # a leader who leaves every month sees nothing
    assert seen_return(0.5, 3.0, 0.2, 0.5, 0.8) == pytest.approx(0.5 * 3.0 * (0.2 + 0.8 * 0.5 * 0.8))


def test_one_investment_with_lag_six_pays_what_the_formula_says(tmp_path):
    """Council (budget 40) invests 1% a month in the acute trust; benefit 3x after 6 months;
    half the acute trust's saving comes back. d = (71/72)^6 = 0.9197; the council expects
    0.9197 x 3 x 0.5 x 0.8 = 1.10 per unit, so it invests 0.4 every month."""
    (off, before), (on, after) = run_pair(tmp_path, 10, **{"investment.lag": 6, "investment.multiple": 3.0,
                                                          "investment.shared_savings": 0.5})
    c, a = int(np.flatnonzero(on.types == COUNCIL)[0]), int(np.flatnonzero(on.types == ACUTE)[0])
    assert on.investment.investing.all()
    months = np.arange(1, 11)
    landed = np.where(months > 6, 0.4, 0.0)  # what was invested 6 months before lands
    council = np.cumsum(-0.4 + 0.5 * 3.0 * landed)
    acute = np.cumsum((1 - 0.5) * 3.0 * landed)
    np.testing.assert_allclose(after[:, c] - before[:, c], council, atol=1e-12)
    np.testing.assert_allclose(after[:, a] - before[:, a], acute, atol=1e-12)
    # Money is conserved but for the benefit created: benefits landed less money invested.
    inv = on.investment
    assert inv.invested_total[0] == pytest.approx(4.0)
    assert inv.realised_total[0] == pytest.approx(3.0 * 0.4 * 4)
    assert inv.returned_total[0] == pytest.approx(0.5 * 3.0 * 0.4 * 4)
    assert (after[-1] - before[-1]).sum() == pytest.approx(inv.realised_total[0] - inv.invested_total[0])
    np.testing.assert_array_equal(on.moves, off.moves)
    # The outcomes registry reads the same totals month by month.
    cols = on.recorder.columns()
    np.testing.assert_allclose(cols["invested_total"], 0.4 * months)
    np.testing.assert_allclose(cols["benefits_total"], np.cumsum(3.0 * landed))
    np.testing.assert_allclose(cols["savings_returned_total"], np.cumsum(0.5 * 3.0 * landed))
    np.testing.assert_array_equal(cols["investing"], 1.0)


def test_a_footprint_without_investment_relationships_invests_nothing(tmp_path):
    net = footprint(tmp_path, [("a", "b")], {"a": "acute", "b": "ccg"})
    m = CollabModel(make_config(**{**STILL, **net, "investment.amount": 0.01, "investment.shared_savings": 1.0,
                                   "investment.multiple": 4.0, "experiment.steps": 3}), seed=1)
    m.run()
    cols = m.recorder.columns()
    assert len(m.investment.edges) == 0
    np.testing.assert_array_equal(cols["investing"], 0.0)
    np.testing.assert_array_equal(cols["invested_total"], 0.0)


def test_the_leader_invests_only_when_the_benefit_it_will_see_beats_the_cost(tmp_path):
    d = (71 / 72) ** 6
    threshold = 1.0 / (d * 0.5 * 0.8)  # multiple at which the council breaks even
    for factor, invests in ((1 + 1e-9, True), (1 - 1e-9, False)):
        (_, before), (on, after) = run_pair(tmp_path, 3, **{"investment.lag": 6, "investment.shared_savings": 0.5,
                                                           "investment.multiple": threshold * factor})
        assert on.investment.investing.all() == invests
        assert on.investment.invested_total[0] == pytest.approx(1.2 if invests else 0.0)


def test_churn_and_patience_interact(tmp_path):
    """The same investment, lag 24, benefit 3x, half the saving returned: a council leader
    expected to stay 144 months (d = 0.85) invests, one expected to stay 36 (d = 0.51)
    holds back; with lag 6 the short-stayer invests too (d = 0.85)."""
    def invests(tenure, lag):
        cfg = {"leadership.mean_tenure": {**{t: 1e9 for t in ORG_TYPES}, "council": tenure},
               "investment.lag": lag, "investment.multiple": 3.0, "investment.shared_savings": 0.5}
        (_, _), (on, _) = run_pair(tmp_path, 1, **cfg)
        return bool(on.investment.investing.all())

    assert 3.0 * 0.5 * 0.8 * (143 / 144) ** 24 > 1 > 3.0 * 0.5 * 0.8 * (35 / 36) ** 24
    assert invests(144.0, 24) and not invests(36.0, 24) and invests(36.0, 6)


def test_savings_come_back_only_when_the_beneficiary_keeps_the_agreement(tmp_path):
    """The acute trust defects on the relationship every month: the council, trusting it
    still (no trust loss), invests, but gets nothing back; the acute trust keeps the saving."""
    (_, before), (on, after) = run_pair(tmp_path, 8, **{"strategies.mix": {"alld": 1.0}, "investment.lag": 6,
                                                       "investment.multiple": 3.0,
                                                       "investment.shared_savings": 0.5})
    c, a = int(np.flatnonzero(on.types == COUNCIL)[0]), int(np.flatnonzero(on.types == ACUTE)[0])
    assert on.investment.returned_total[0] == 0.0
    np.testing.assert_allclose((after - before)[-1, [c, a]], [-0.4 * 8, 3.0 * 0.4 * 2], atol=1e-12)


def test_own_sector_share_is_paid_to_the_investor_and_counted_in_its_decision(tmp_path):
    """No shared savings, but 40% of the benefit falls in the council's own sector:
    (71/72)^6 x 3 x 0.4 = 1.10 > 1, so it invests; the acute trust gets the other 60%."""
    (_, before), (on, after) = run_pair(tmp_path, 7, **{"investment.lag": 6, "investment.multiple": 3.0,
                                                       "investment.own_share": 0.4})
    c, a = int(np.flatnonzero(on.types == COUNCIL)[0]), int(np.flatnonzero(on.types == ACUTE)[0])
    np.testing.assert_allclose((after - before)[-1, [c, a]], [-0.4 * 7 + 0.4 * 3.0 * 0.4, 0.6 * 3.0 * 0.4],
                               atol=1e-12)


@pytest.mark.parametrize("zero", [{"investment.multiple": 0.0, "investment.shared_savings": 1.0},
                                  {"investment.multiple": 4.0, "investment.shared_savings": 0.0}])
def test_a_benefit_the_leader_will_never_see_changes_no_decision(zero):
    """Zero benefit, or a benefit that all lands on the acute trust with nothing returned:
    on the default footprint, with trust-based leaders and pressure, the run is exactly the
    run without the component."""
    base = {"network.n_orgs": 20, "network.footprints": 2, "experiment.steps": 36, "budget.structural_gap": 0.01}
    off = CollabModel(make_config(**base), seed=4)
    on = CollabModel(make_config(**base, **{"investment.amount": 0.02, **zero}), seed=4, check_writes=True)
    off.run(), on.run()
    assert len(on.investment.edges) > 0 and on.investment.invested_total.sum() == 0.0
    for name in ("moves", "trust", "balance", "strategy", "appointed"):
        np.testing.assert_array_equal(getattr(on, name), getattr(off, name))


def test_councils_withdraw_under_pressure_and_others_do_not(tmp_path):
    """A council and a community service both invest in an acute trust; costs grow, so
    pressure builds. Each month the council invests exactly while last month's pressure is
    below withdraw_at; the community service goes on investing; benefits already paid for
    still land after the council stops."""
    net = footprint(tmp_path, [("c", "a"), ("m", "a")], {"c": "council", "a": "acute", "m": "community"})
    cfg = make_config(**{**STILL, **net, "budget.structural_gap": 0.01, "investment.amount": 0.01,
                         "investment.lag": 3, "investment.multiple": 4.0,
                         "investment.own_share": 0.5, "investment.withdraw_at": 0.5})
    m = CollabModel(cfg, seed=1, check_writes=True)
    inv = m.investment
    council = m.types[inv.investor] == COUNCIL
    assert council.sum() == 1 and (m.types[inv.investor] == COMMUNITY).sum() == 1
    seen = []
    for _ in range(12):
        pressure = m.pressure.copy()
        realised = inv.realised_total[0]
        m.step()
        withdrawn = council & (pressure[inv.investor] >= 0.5)
        np.testing.assert_array_equal(inv.withdrawn, withdrawn)
        np.testing.assert_array_equal(inv.investing, ~withdrawn)
        seen.append((withdrawn[council][0], inv.realised_total[0] - realised))
    stopped = [k for k, (w, _) in enumerate(seen) if w]
    assert stopped and stopped[0] >= 3, "the council should invest for a while, then withdraw"
    first = stopped[0]
    # In the first lag months after it stops, its earlier investments still land (4x the
    # council's 0.4 plus the community's 0.25).
    assert seen[first][1] == pytest.approx(4.0 * (0.4 + 0.25))


def test_bad_investment_settings_name_the_field():
    with pytest.raises(ConfigError, match="investment.investors: unknown organisation type 'hospice'"):
        make_config(**{"investment.investors": ["hospice"]})
    with pytest.raises(ConfigError, match="investment.beneficiaries: 'council' is also an investor"):
        make_config(**{"investment.beneficiaries": ["council"]})
    with pytest.raises(ConfigError, match="investment.lag"):
        make_config(**{"investment.lag": 0})
