"""Each policy regime's effect on payoffs and dynamics, checked directly (MODEL.md 3)."""

import numpy as np
import pytest

from sim.config import ORG_TYPES, ConfigError
from sim.model import CollabModel
from sim.streams import generator
from sim.output import model_table
from sim.pipeline import footprint_mean
from sim.strategies import CODES

from helpers import plain_config

ACUTE = ORG_TYPES.index("acute")
STILL = {"leadership.mean_tenure": {t: 1e9 for t in ORG_TYPES}}


def model(seed=1, **overrides):
    return CollabModel(plain_config(**overrides), seed=seed)


def test_pooled_budget_with_share_one_gives_everyone_the_footprint_mean():
    kw = {"network.footprints": 3, "network.n_orgs": 12, "strategies.mix": {"allc": 1, "alld": 1}}
    m = model(**kw, **{"incentives.payment": "pooled_budget", "incentives.pooling_share": 1.0})
    plain = model(**kw)
    m.step(), plain.step()
    fp = m.network.footprint
    assert np.array_equal(m.moves, plain.moves)  # unconditional rules: the same games are played
    # Before pooling, each side scores from the table it perceived (sucker and temptation
    # both at their mean under full pooling); a plain loop over the games.
    score = np.zeros(len(fp))
    for e, (i, j) in enumerate(zip(m.src, m.dst)):
        a, b = m.moves[e]
        score[i] += m.table[i, 2 * (1 - a) + (1 - b)]
        score[j] += m.table[j, 2 * (1 - b) + (1 - a)]
    for f in range(3):
        mine = fp == f
        np.testing.assert_allclose(m.score[mine], score[mine].mean())
        np.testing.assert_allclose(m.money[mine], plain.money[mine].mean())


def test_pooling_turns_sucker_and_temptation_toward_their_average():
    m = model(**{"incentives.payment": "pooled_budget", "incentives.pooling_share": 0.5})
    table = m.payoff_table()
    m.incentives.perceive(table)
    # S, T = 0, 5 -> (1 - a) * own + a * (S + T) / 2 with a = 0.5
    np.testing.assert_allclose(table[:, 1], 1.25)
    np.testing.assert_allclose(table[:, 2], 3.75)
    np.testing.assert_allclose(table[:, [0, 3]], [[3.0, 1.0]] * len(table))
    assert m.accountability == 0.5


def test_payment_by_results_weighs_on_acute_trusts_only():
    """Sharing activity costs an acute trust the tariff (0.15) on each relationship with a
    partner that can take it on (not a CCG, not another acute trust): the reward of mutual
    collaboration falls by money_weight x the income at stake per relationship."""
    m = model(**{"incentives.payment": "payment_by_results", "incentives.tariff": 0.15,
                 "network.foundation_share": 0.0})
    table = m.payoff_table()
    m.purse.perceive(table)
    acute = m.types == ACUTE
    assert acute.any() and (~acute).any()
    takers = np.zeros(len(acute))
    for i, j in zip(m.src, m.dst):  # a plain loop over the relationships
        for a, b in ((i, j), (j, i)):
            if acute[a] and ORG_TYPES[m.types[b]] not in ("acute", "ccg"):
                takers[a] += 1
    assert takers[acute].min() > 0
    np.testing.assert_allclose(table[acute, 0], 3.0 - 10 * 0.15 * takers[acute] / m.degree[acute])
    np.testing.assert_allclose(table[~acute, 0], 3.0)
    np.testing.assert_allclose(table[:, 1:], [[0.0, 5.0, 1.0]] * len(table))


def test_no_fine_falls_on_a_balanced_footprint_under_system_regulation():
    m = model(**{"regulation.regime": "system", "regulation.detection": 1.0, "regulation.fine": 0.05,
                 "network.footprints": 2, "network.n_orgs": 12})
    fp = m.network.footprint
    m.balance[:] = 1.0
    m.balance[0] = -5.0  # one organisation in deficit, its footprint still balances overall
    assert np.bincount(fp, m.balance)[fp[0]] > 0
    before = m.balance.copy()
    m.regulation.review()
    np.testing.assert_array_equal(m.balance, before)
    assert m.fines_paid.sum() == 0.0
    # Tip the whole of footprint 1 into deficit: all its members are fined, footprint 0 is not.
    m.balance[fp == 1] = -0.5
    m.regulation.review()
    fined = before.copy()
    fined[fp == 1] = -0.5 - 0.05 * m.size[fp == 1]
    np.testing.assert_allclose(m.balance, fined)


def test_organisational_regulation_fines_each_body_in_deficit():
    m = model(**{"regulation.regime": "organisational", "regulation.detection": 1.0, "regulation.fine": 0.05})
    m.balance[:] = 1.0
    m.balance[:3] = -0.5
    m.regulation.review()
    np.testing.assert_allclose(m.balance[:3], -0.5 - 0.05 * m.size[:3])
    np.testing.assert_allclose(m.balance[3:], 1.0)
    assert m.fines_paid.sum() == pytest.approx(0.05 * m.size[:3].sum())


def test_special_measures_clear_the_deficit_and_count_its_cost():
    m = model(**{"regulation.regime": "organisational", "regulation.detection": 0.0,
                 "regulation.intervention_threshold": 0.1, "regulation.replace_leader": 1.0,
                 "regulation.special_measures_months": 3})
    m.balance[:] = 0.0
    m.balance[0] = -0.2 * m.size[0]  # past the threshold
    m.balance[1] = -0.05 * m.size[1]  # not yet
    disposition = m.disposition[0]
    m.regulation.review()
    assert m.balance[0] == 0.0 and m.balance[1] < 0
    assert m.bailouts.sum() == pytest.approx(0.2 * m.size[0])
    assert m.special_measures[0] and not m.special_measures[1]
    assert m.disposition[0] != disposition  # replace_leader = 1: a new leader
    m.balance[0] = -m.size[0]  # protected while in special measures
    m.regulation.review()
    assert m.balance[0] == -m.size[0]
    m.regulation.review()
    assert m.balance[0] == -m.size[0]  # still protected in the third month
    m.regulation.review()  # out after 3 months, and at once caught again
    assert m.balance[0] == 0.0 and m.special_measures[0]
    assert m.bailouts.sum() == pytest.approx(1.2 * m.size[0])


def test_transitional_funding_pays_for_the_first_months_only():
    kw = {"incentives.transitional_funding": 0.01, "incentives.transitional_months": 3,
          "strategies.mix": {"alld": 1.0}, "game.noise": 0.0, "budget.structural_gap": 0.0,
          "budget.distress_cost": 0.0}
    m = model(**kw)
    for _ in range(5):
        m.step()
    np.testing.assert_allclose(m.balance, 0.03 * m.size)


def test_membership_fee_returns_the_pot_to_members_who_collaborated():
    m = model(**{"incentives.membership_fee": 0.01, "strategies.mix": {"allc": 1.0}, "game.noise": 0.0,
                 "budget.structural_gap": 0.0, "game.surplus": 0.0})
    m.strategy[:4] = CODES["alld"]
    m.step()
    coop = m.node_cooperation() >= 0.5
    assert m.money.sum() == pytest.approx(0.0)  # the fee moves money inside the footprint
    assert np.all(m.money[:4][~coop[:4]] < 0)  # hawks lose their fee (and gain shifted costs)
    pot = 0.01 * m.size.sum()
    members = coop
    expected_rebate = pot * m.size[members] / m.size[members].sum() - 0.01 * m.size[members]
    # members' money = rebate + game money (transfers from the hawks' shifting)
    plain = model(**{"strategies.mix": {"allc": 1.0}, "game.noise": 0.0, "budget.structural_gap": 0.0,
                     "game.surplus": 0.0})
    plain.strategy[:4] = CODES["alld"]
    plain.step()
    np.testing.assert_allclose(m.money[members] - plain.money[members], expected_rebate)


def vote_model(decision, **kw):
    return model(**{"governance.decision": decision, "governance.plan_every": 1, "game.noise": 0.0,
                    "strategies.mix": {"allc": 1.0}, "network.n_orgs": 10, **STILL, **kw})


def test_veto_is_blocked_by_one_objector_majority_is_not():
    for decision, expected in (("veto", False), ("majority", True)):
        m = vote_model(decision)
        m.strategy[int(np.argmin(m.size))] = CODES["alld"]  # the smallest body objects
        m.step()
        assert bool(m.governance.in_force[0]) is expected, decision


def test_majority_voice_weighted_by_size():
    m = vote_model("majority", **{"governance.voice": "size"})
    big = m.size >= np.sort(m.size)[-2]  # the two largest (acute trusts) object
    m.strategy[big] = CODES["alld"]
    m.step()
    share = m.size[~big].sum() / m.size.sum()
    assert bool(m.governance.in_force[0]) is bool(share > 0.5)
    equal = vote_model("majority", **{"governance.voice": "equal"})
    equal.strategy[big] = CODES["alld"]
    equal.step()
    assert equal.governance.in_force[0]  # 8 of 10 members support


def test_large_forums_stall():
    agreed = [vote_model("majority", **{"network.n_orgs": 36, "governance.workable_forum": 9}, seed=s)
              for s in range(200)]
    for m in agreed:
        m.step()
    rate = np.mean([m.governance.in_force[0] for m in agreed])
    assert rate == pytest.approx(9 / 36, abs=0.08)  # binomial sd at n=200 is 0.03


def test_a_plan_in_force_adds_its_dividend_to_the_surplus():
    m = vote_model("majority", **{"governance.plan_dividend": 0.5, "budget.structural_gap": 0.0})
    m.step()  # plan agreed at the end of month 1
    assert m.governance.in_force[0]
    before = m.balance.copy()
    m.step()
    s = m.config.game.surplus
    np.testing.assert_allclose(m.balance - before, 1.5 * s / 2 * m.degree)


def test_reorganisation_replaces_most_leaders_at_once():
    m = model(**{"leadership.reorganisations": [3], "leadership.reorganisation_share": 0.9,
                 "network.n_orgs": 40, **STILL})
    for _ in range(3):
        m.step()
    assert 28 <= m.leadership.left.sum() <= 40  # binomial(40, 0.9): mean 36, sd 1.9
    m.step()
    assert m.leadership.left.sum() == 0


def test_defection_shock_forces_the_chosen_organisations_to_defect():
    m = model(**{"strategies.defection_shock": [2, 3], "strategies.shock_share": 0.5,
                 "strategies.mix": {"allc": 1.0}, "game.noise": 0.0})
    m.step()
    assert m.moves.all()
    m.step()
    assert np.array_equal(m.moves == 0, m.defection_shock.forced) and m.defection_shock.forced.any()
    m.step(), m.step()
    assert m.moves.all()


def test_councils_hold_back_only_in_the_months_before_an_election():
    m = model(**{"leadership.election_every": 12, "leadership.election_window": 2,
                 "strategies.mix": {"allc": 1.0}, "game.noise": 0.0, "network.n_orgs": 30})
    council = ORG_TYPES.index("council")
    sides = np.stack([m.src, m.dst], axis=1)
    is_council = m.types[sides] == council
    assert is_council.any() and not is_council.all()
    held_back = []
    for _ in range(26):
        m.step()
        assert np.array_equal(m.moves == 0, is_council) or m.moves.all()
        if not m.moves.all():
            held_back.append(m.steps)
    assert held_back == [10, 11, 22, 23]  # elections at months 12 and 24


def test_holding_back_is_no_deal_not_a_defection():
    """In the window a council's relationships play no game: no payoff, no money, and
    trust and what each side last saw stay as they were (a stall is not a betrayal)."""
    m = model(**{"leadership.election_every": 12, "leadership.election_window": 2,
                 "strategies.mix": {"allc": 1.0}, "game.noise": 0.0, "network.n_orgs": 30, **STILL})
    council = m.types == ORG_TYPES.index("council")
    edges = council[m.src] | council[m.dst]
    m.run(9)
    trust, seen = m.trust.copy(), m.seen.copy()
    m.step()  # month 10: councils hold back
    assert not m.deal[edges].any() and m.deal[~edges].all()
    assert np.array_equal(m.trust[edges], trust[edges]) and np.array_equal(m.seen[edges], seen[edges])
    assert (m.trust[~edges] > trust[~edges]).all()  # the others cooperated and gained trust
    # Every other relationship cooperated: each node earns half the surplus per such edge.
    n = len(m.types)
    games = np.bincount(m.src[~edges], minlength=n) + np.bincount(m.dst[~edges], minlength=n)
    np.testing.assert_allclose(m.money, 0.5 * m.config.game.surplus * games)
    np.testing.assert_allclose(m.score, m.config.game.R * games)
    assert (m.money[council] == 0).all()


def test_an_election_window_as_long_as_the_cycle_is_refused():
    with pytest.raises(ConfigError, match="leadership.election_window: must be less than election_every"):
        plain_config(**{"leadership.election_every": 6, "leadership.election_window": 6})


def test_footprint_mean():
    values = np.array([1.0, 3.0, 10.0, 20.0, 30.0])
    np.testing.assert_allclose(footprint_mean(values, np.array([0, 0, 1, 1, 1])), [2, 2, 20, 20, 20])


# -- information: misreading, shared information, pledges ----------------------------------
def test_full_shared_information_removes_misreading_exactly():
    plain = model(seed=4, **{"experiment.steps": 30})
    shared = model(seed=4, **{"experiment.steps": 30, "information.misread": 0.3,
                              "information.shared_information": 1.0})
    plain.run(), shared.run()
    assert not shared.information.active
    assert np.array_equal(plain.trust, shared.trust) and np.array_equal(plain.balance, shared.balance)


def test_misreading_every_move_makes_doves_look_like_hawks():
    m = model(**{"strategies.mix": {"allc": 1.0}, "game.noise": 0.0, "information.misread": 1.0, **STILL})
    before = m.trust.copy()
    m.step()
    assert m.moves.all() and (m.seen == 0).all() and m.grudge.all()
    np.testing.assert_allclose(m.trust, before * (1 - m.config.trust.loss))


@pytest.mark.parametrize("detection", [0.0, 1.0])
def test_broken_pledges_are_believed_or_found_out_and_cut_trust_sharply(detection):
    kw = {"strategies.mix": {"alld": 1.0}, "game.noise": 0.0, "information.pledges": True,
          "information.detection": detection, "information.breach_loss": 0.5, **STILL}
    m = model(**kw)
    t0 = m.trust.copy()
    for _ in range(3):
        m.step()
    gain = m.config.trust.gain
    if detection == 0.0:  # every defection taken for the cooperation pledged
        np.testing.assert_allclose(m.trust, 1 - (1 - t0) * (1 - gain) ** 3)
        assert not m.grudge.any()
    else:
        np.testing.assert_allclose(m.trust, t0 * 0.5 ** 3)
        assert m.grudge.all()


@pytest.mark.parametrize("bias", [0.0, 0.5])
def test_plans_promise_what_steady_collaboration_delivers_times_the_optimism_bias(bias):
    m = model(**{"governance.decision": "majority", "governance.plan_every": 12, "governance.optimism_bias": bias,
                 "strategies.mix": {"allc": 1.0}, "game.noise": 0.0, "network.n_orgs": 12})
    for _ in range(36):
        m.step()
    g = m.governance
    assert g.in_force.all()
    # Two plans have run their term (agreed in months 12 and 24); every edge cooperated in
    # every month, so each delivered 12 months of the dividend on every edge.
    per_month = m.config.governance.plan_dividend * m.config.game.surplus * len(m.src)
    assert g.savings_realised.sum() == pytest.approx(2 * 12 * per_month)
    assert g.savings_planned.sum() == pytest.approx((1 + bias) * g.savings_realised.sum())


def test_plans_fall_short_when_collaboration_erodes():
    m = model(**{"governance.decision": "majority", "governance.plan_every": 12,
                 "strategies.defection_shock": [14, 30], "strategies.shock_share": 0.5,
                 "strategies.mix": {"allc": 1.0}, "game.noise": 0.0, "network.n_orgs": 12})
    m.run(24)
    assert 0 < m.governance.savings_realised.sum() < m.governance.savings_planned.sum()


# -- management capacity -----------------------------------------------------------------
def test_collaborations_beyond_capacity_stall_as_a_plain_loop_says():
    m = model(**{"capacity.relationships": 2.0, "network.n_orgs": 30})
    m.step()
    m.moves[:] = 1  # every side means to collaborate
    intended = m.moves.copy()
    draws = generator(m.seed, "capacity").random((2, len(m.src), 2))[1]  # its second month's draws
    m.capacity.constrain(m.moves)
    wanted = [0] * len(m.types)
    for e in range(len(m.src)):
        wanted[m.src[e]] += 1
        wanted[m.dst[e]] += 1
    stalls = 0
    for e in range(len(m.src)):
        for side, node in ((0, m.src[e]), (1, m.dst[e])):
            deliver = min(1.0, 2.0 / wanted[node])
            expected = 0 if draws[e, side] >= deliver else int(intended[e, side])
            assert m.moves[e, side] == expected
            stalls += expected == 0
    assert m.capacity.stalled.sum() == stalls > 0


def test_enough_managers_means_nothing_stalls():
    m = model(**{"capacity.relationships": 1000.0, "strategies.mix": {"allc": 1.0}, "game.noise": 0.0, **STILL})
    m.run(12)
    assert m.moves.all() and m.capacity.stalled.sum() == 0
    assert (model_table(m)["stalled"] == 0).all()


def test_fines_are_transfers_and_support_is_kept_apart_from_what_was_earned():
    """Hand-computed: one month, organisational regulation, every deficit detected."""
    from sim.metrics import summarise

    m = model(**{"regulation.regime": "organisational", "regulation.detection": 1.0, "regulation.fine": 0.05,
                 "regulation.intervention_threshold": 0.1, "regulation.replace_leader": 0.0})
    m.balance[:] = 1.0
    m.balance[0] = -0.5  # in deficit, not past the threshold: fined
    m.balance[1] = -0.2 * m.size[1]  # past it: fined, then bailed out
    m.regulation.review()
    fine0, fine1 = 0.05 * m.size[0], 0.05 * m.size[1]
    assert m.fines_paid.sum() == pytest.approx(fine0 + fine1)
    assert m.bailouts[1] == pytest.approx(0.2 * m.size[1] + fine1) and m.balance[1] == 0.0
    m.recorder.record()
    s = summarise(m.recorder.columns(), m.config)
    assert s["fines_total"] == pytest.approx(fine0 + fine1)
    # Public cost: support paid plus deficits left; the fines are not in it.
    assert s["public_cost"] == pytest.approx(m.bailouts[1] + 0.5 + fine0)
    assert s["final_earned_balance"] == pytest.approx(m.balance.sum() - m.bailouts[1])
