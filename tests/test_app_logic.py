"""The web app's logic, without a browser: levers and presets, the workshop games, compare
mode's runs and statistics, the SVG views and the live run."""

import threading

import numpy as np
import pytest
from scipy import stats

from sim.config import Config, ConfigError
from sim.match import play_match, tournament
from sim.model import CollabModel
from sim.strategies import CODES
from webapp import assets, compare_page, labels, results, session, svg
from webapp.batch import MIN_SEEDS, OUTCOMES, Comparison, run_comparison
from webapp.game import Evolution, HiddenPartners, HumanMatch, RoundRobin
from webapp.levers import (DEFAULTS, HORIZON, LEVERS, PRESETS, TENURE, is_dilemma, preset_values, tenure_table,
                           to_config)
from webapp.liverun import LiveRun, Pacer
from webapp.saved import describe, regime_names, regime_values, save, saved
from webapp.serving import is_loopback, warn_if_exposed
from webapp.stats import mean_ci, paired_difference


# -- levers and presets ----------------------------------------------------------------
def test_default_settings_are_the_model_defaults():
    assert to_config(DEFAULTS).model_dump() == Config().model_dump()


@pytest.mark.parametrize("lever", LEVERS, ids=lambda lever: lever.key)
def test_every_lever_reaches_the_config_across_its_range(lever):
    for value in (lever.choices or (lever.min, lever.max)):
        if lever.integer:
            value = int(value)
        cfg = to_config({**DEFAULTS, lever.key: value})
        if lever.key == TENURE:
            assert cfg.leadership.mean_tenure == tenure_table(value)
        elif lever.key == HORIZON:
            assert cfg.experiment.steps == value
        elif lever.key != "strategies.mix":
            section, name = lever.key.split(".")
            assert getattr(getattr(cfg, section), name) == value


def test_tenure_lever_keeps_the_nhs_council_contrast():
    table = tenure_table(108)
    base = Config().leadership.mean_tenure
    assert table["acute"] == 108 and all(table[t] == pytest.approx(3 * base[t]) for t in base)


def test_bad_settings_are_reported_not_run():
    with pytest.raises(ConfigError, match="regulation.regime"):
        to_config({**DEFAULTS, "regulation.regime": "strict"})


def _preset_runs(name, seeds=range(1, 7)):
    out = []
    for seed in seeds:
        model = CollabModel(to_config(preset_values(name)), seed=seed)
        model.run()
        v = {k: np.asarray(x, float) for k, x in model.recorder.columns().items()}
        v["acute"] = np.mean([v[k].mean() for k in v if k.startswith("coop_acute_to_")])
        out.append(v)
    return out


def _mean(runs, key, how=np.mean):
    return float(np.mean([how(r[key]) for r in runs]))


def test_each_preset_shows_what_its_line_tells_the_audience():
    """The one line each preset shows is a claim about the model; check it over six seeds."""
    r = {p.name: _preset_runs(p.name) for p in PRESETS}
    last = lambda x: x[-1]  # noqa: E731
    base = r["Baseline"]
    assert _mean(base, "cooperation") > 0.5  # "partnerships mostly hold"; the cost of new leaders: next lines
    assert _mean(r["Established footprint"], "cooperation", lambda x: x[0]) > _mean(base, "cooperation", lambda x: x[0])
    stable, churn = r["Stable leadership"], r["High churn"]
    for key, sign in (("mean_trust", 1), ("hawk_share", -1)):  # stable: more trust, fewer hawks; churn: the reverse
        assert sign * (_mean(stable, key) - _mean(base, key)) > 0 > sign * (_mean(churn, key) - _mean(base, key))
    assert _mean(churn, "system_balance", last) < _mean(base, "system_balance", last)
    assert _mean(churn, "in_deficit", last) > _mean(base, "in_deficit", last)
    reorg = r["Reorganisation at month 60"]
    before, after, a_year = (_mean(reorg, "mean_trust", lambda x, m=m: x[m - 1]) for m in (59, 61, 72))
    assert before - after > 0.1 and a_year < before
    org, system = r["Organisational regulation"], r["System regulation"]
    assert all(run["special_measures"].max() > 0 for run in org)
    assert _mean(system, "cooperation") > _mean(org, "cooperation")
    alone, together = r["Crisis, judged alone"], r["Crisis, judged together"]
    assert _mean(alone, "cooperation") < _mean(org, "cooperation") < _mean(together, "cooperation")
    pooled, pbr = r["Pooled budget"], r["Payment by results"]
    assert _mean(pooled, "cooperation") > _mean(pbr, "cooperation")
    assert _mean(pooled, "system_balance", last) > _mean(pbr, "system_balance", last)
    assert _mean(pbr, "acute", float) < _mean(pooled, "acute", float)
    unshared, shared = r["Invest here, benefit there"], r["Shared savings"]
    assert all(run["investing"].max() == 0 for run in unshared)
    assert _mean(unshared, "system_balance", last) == _mean(base, "system_balance", last)
    assert _mean(shared, "investing") > 0.2
    assert _mean(shared, "system_balance", last) > _mean(base, "system_balance", last)


# -- workshop games ----------------------------------------------------------------------
@pytest.mark.parametrize("opponent", list(CODES))
def test_participant_meets_the_engines_own_strategy(opponent):
    """A participant who always defects meets exactly what the strategy alld meets in
    sim.match, mistakes included: the opponent is the engine's rule, not a copy of it."""
    match = HumanMatch(opponent, noise=0.1, seed=7)
    for _ in range(40):
        match.play(0)
    engine = play_match("alld", opponent, 40, noise=0.1, seed=7)
    assert np.array_equal([r.moves for r in match.rounds], engine.moves)
    assert match.totals == engine.scores


def test_tit_for_tat_copies_the_participant_and_payoffs_follow_the_matrix():
    match = HumanMatch("tft", payoffs=(3, 0, 5, 1))
    for move in (1, 0, 0, 1, 1):
        match.play(move)
    assert [r.moves for r in match.rounds] == [(1, 1), (0, 1), (0, 0), (1, 0), (1, 1)]
    assert [r.payoffs for r in match.rounds] == [(3, 3), (5, 0), (1, 1), (0, 5), (3, 3)]
    assert match.totals == (12, 12)


def test_mistakes_are_flagged_as_unintended_moves():
    match = HumanMatch("allc", noise=0.5, seed=3)
    rounds = [match.play(1) for _ in range(200)]
    slips = [r for r in rounds if r.moves != r.intended]
    assert 40 < len(slips) < 160 and all(r.intended == (1, 1) for r in rounds)


def test_evolution_teaches_the_classic_lessons():
    start = {"allc": 10, "alld": 5, "tft": 5}
    one_shot = Evolution(start, rounds=1, seed=1)
    repeated = Evolution(start, rounds=10, seed=1)
    for _ in range(20):
        one_shot.step()
        repeated.step()
    assert one_shot.history[-1] == {"allc": 0, "alld": 20, "tft": 0}  # one round: hawks win
    assert repeated.history[-1] == {"allc": 0, "alld": 0, "tft": 20}  # repeated: copycats win
    assert all(sum(h.values()) == 20 for h in repeated.history)


def test_evolution_scores_equal_the_engines_matches():
    evo = Evolution({"tft": 1, "alld": 1, "allc": 1}, rounds=12, seed=0)
    scores = evo.play_round_robin()
    tft_alld, tft_allc, alld_allc = (play_match(a, b, 12).scores for a, b in
                                     (("tft", "alld"), ("tft", "allc"), ("alld", "allc")))
    np.testing.assert_allclose(scores, [tft_alld[0] + tft_allc[0], tft_alld[1] + alld_allc[0],
                                        tft_allc[1] + alld_allc[1]])


def test_hidden_partners_end_each_match_at_its_fixed_length_and_reveal():
    hp = HiddenPartners(lineup=[("tft", 3), ("alld", 2)])
    for _ in range(3):
        assert not hp.over
        hp.play(1)
    assert hp.over and hp.opponent == "tft" and hp.play(1) is None  # no fourth round
    assert hp.done == [("tft", 3, (9.0, 9.0))]
    hp.next_partner()
    hp.play(1)
    hp.play(0)
    assert hp.finished and hp.done[-1] == ("alld", 2, (1.0, 6.0))


def test_payoffs_changed_mid_match_apply_from_the_next_round():
    match = HumanMatch("allc", payoffs=(3, 0, 5, 1))
    match.play(1)
    match.set_payoffs((4, 0, 6, 1), 0.0)
    match.play(1)
    assert [r.payoffs for r in match.rounds] == [(3, 3), (4, 4)]


def test_animated_round_robin_ends_with_the_engines_tournament_table():
    names = ["allc", "alld", "tft", "grudger", "wsls"]
    rr = RoundRobin(names, rounds=30, repetitions=2, noise=0.05)
    steps = 0
    while rr.advance() is not None:
        steps += 1
    assert steps == 10 and rr.finished
    expected = tournament(names, 30, 2, noise=0.05, seed=0)
    assert [(s, w) for s, _, w in rr.table()] == [(s, w) for s, _, w in expected]
    np.testing.assert_allclose([x for _, x, _ in rr.table()], [x for _, x, _ in expected])
    defector, copycat = rr.results[("alld", "tft")]
    assert defector > copycat  # always-defects beats copycat in their own match


def test_the_story_tournament_shows_what_its_notice_says():
    """Chapter 3's line is a claim about the engine: always-defects wins all its matches yet
    finishes below every strategy that collaborates first."""
    from webapp.workshop import STORY_TOURNAMENT

    rr = RoundRobin(STORY_TOURNAMENT, rounds=100)
    while rr.advance() is not None:
        pass
    ranks = {s: i for i, (s, _, _) in enumerate(rr.table())}
    assert rr.wins["alld"] == len(STORY_TOURNAMENT) - 1
    assert all(ranks["alld"] > ranks[s] for s in STORY_TOURNAMENT if s not in ("alld", "allc"))


def test_mistakes_set_two_copycats_punishing_each_other():
    """Chapter 5's line: after a mistake two copycats take turns to defect, and earn less."""
    clean = play_match("tft", "tft", 24)
    noisy = play_match("tft", "tft", 24, noise=0.1, seed=0)
    moves = np.asarray(noisy.moves)
    echo = [(tuple(moves[t]), tuple(moves[t + 1])) for t in range(23)]
    assert ((1, 0), (0, 1)) in echo or ((0, 1), (1, 0)) in echo
    assert sum(noisy.scores) < sum(clean.scores) == 2 * 3 * 24


def test_a_prisoners_dilemma_needs_the_payoff_order():
    assert is_dilemma(3, 0, 5, 1) and not is_dilemma(3, 10, 5, 1) and not is_dilemma(3, 0, 7, 1)


def test_plain_words_for_codes_and_sources():
    assert labels.plain_source("KF L1797, L1869") == "King's Fund report (The practice of system leadership)"
    assert labels.plain_source("IHM L51-68, KF L1783-1793").startswith("IHM report")
    for lever in LEVERS:
        for value in lever.choices:
            if lever.key != "strategies.mix":
                assert labels.choice(value) != value or value[0].isupper(), value
    assert "L1" not in "".join(lever.help for lever in LEVERS)


def test_session_state_is_kept_per_browser_session(monkeypatch):
    ids = iter(["browser-a", "browser-a", "browser-b", "browser-a"])
    monkeypatch.setattr(session, "_session_id", lambda: next(ids))
    session.kept("x", list).append(1)
    assert session.kept("x", list) == [1]  # the same browser, another page or tab
    assert session.kept("x", list) == []  # another browser
    assert session.kept("x", list) == [1]


def test_tournament_ranks_best_first():
    table = tournament(["allc", "alld", "tft", "grudger"], 50)
    assert [row[1] for row in table] == sorted((row[1] for row in table), reverse=True)


# -- compare mode ----------------------------------------------------------------------------
def test_paired_difference_is_a_paired_t_test():
    rng = np.random.default_rng(0)
    a = rng.normal(0, 1, 25)
    b = a + 0.3 + rng.normal(0, 0.5, 25)
    d = paired_difference(a, b)
    assert d["difference"] == pytest.approx((b - a).mean())
    assert d["p_value"] == pytest.approx(stats.ttest_rel(b, a).pvalue)
    half = stats.t.ppf(0.975, 24) * (b - a).std(ddof=1) / 5
    assert (d["ci_low"], d["ci_high"]) == pytest.approx(((b - a).mean() - half, (b - a).mean() + half))
    m, lo, hi = mean_ci(a)
    assert m == pytest.approx(a.mean()) and lo < m < hi


def _arms(*names, months=24):
    return {n: {**preset_values(n), HORIZON: months, "network.n_orgs": 12} for n in names}


def test_comparison_runs_every_regime_on_the_same_seeds():
    arms = _arms("Organisational regulation", "System regulation")
    seen = []
    c = run_comparison(arms, [1, 2, 3, 4, 5], workers=0, progress=lambda d, t: seen.append((d, t)))
    assert c.complete and seen[-1] == (10, 10) and [d for d, _ in seen] == sorted({d for d, _ in seen})
    assert sorted(c.runs.groupby("arm")["seed"].apply(list).tolist()) == [[1, 2, 3, 4, 5]] * 2
    assert c.series["System regulation"]["cooperation"].shape == (5, 24)
    # a run is the model itself at that seed
    own = CollabModel(to_config(arms["System regulation"]), seed=3)
    own.run()
    row = c.runs[(c.runs["arm"] == "System regulation") & (c.runs["seed"] == 3)].iloc[0]
    assert row["mean_cooperation"] == pytest.approx(np.mean(own.recorder.columns()["cooperation"]))
    summary = c.summary().set_index(["outcome", "arm"])
    wide = c.runs.pivot(index="seed", columns="arm", values="mean_trust")
    expected = paired_difference(wide["Organisational regulation"], wide["System regulation"])
    assert summary.loc[("mean_trust", "System regulation"), "difference"] == pytest.approx(expected["difference"])
    assert set(summary.index.get_level_values(0)) == set(OUTCOMES)


def test_a_cancelled_comparison_compares_only_seeds_every_regime_finished():
    cancel = threading.Event()
    c = run_comparison(_arms("Baseline", "High churn"), list(range(1, 11)), workers=0, cancel=cancel,
                       progress=lambda d, t: cancel.set() if d == 7 else None, max_batch=1)
    assert c.cancelled and not c.complete and len(c.runs) == 7
    assert c.common_seeds == [1, 2, 3]  # seed 4 finished in one regime only
    assert set(c.compared["seed"]) == {1, 2, 3} and len(c.compared) == 6
    summary = c.summary().set_index(["outcome", "arm"])
    assert (summary["seeds"] == 3).all()
    base = c.compared.loc[c.compared["arm"] == "Baseline", "mean_cooperation"]
    assert summary.loc[("mean_cooperation", "Baseline"), "mean"] == pytest.approx(base.mean())
    assert c.series["High churn"]["cooperation"].shape == (3, 24)
    line = results.seeds_line(c)
    assert "3 of 10 seeds finished in every regime" in line and "7 of 20 runs" in line


def test_a_caption_and_the_csvs_say_what_produced_the_results():
    arms = compare_page.arms_for(["Organisational regulation", "Crisis, judged together"], 12, 11)
    c = run_comparison(arms, list(range(1, 6)), workers=0)
    cap = results.caption(c)
    assert cap["Regime 1: Organisational regulation (reference)"] == (
        "Regulation regime: Organisational (each body on its own books)")
    assert ("Extra structural gap (monthly, share of budget; on top of demand less efficiency): 0.01"
            in cap["Regime 2: Crisis, judged together"])
    assert cap["Seeds compared"].startswith("5 seeds") and cap["Each run"] == "12 months, 11 organisations"
    assert cap["Model"] == f"collabsim {results.version()}"
    import io

    import pandas as pd
    runs = pd.read_csv(io.StringIO(results.runs_csv(c)))
    assert len(runs) == 10 and set(runs["seed"]) == {1, 2, 3, 4, 5} and runs["compared"].all()
    assert (runs["months"] == 12).all() and (runs["organisations"] == 11).all()
    crisis = runs[runs["arm"] == "Crisis, judged together"]
    assert (crisis["lever:regulation.regime"] == "system").all()
    assert (crisis["lever:budget.structural_gap"] == 0.01).all()
    summary = pd.read_csv(io.StringIO(results.summary_csv(c)))
    assert (summary["seeds_compared"] == 5).all() and summary["collabsim_version"].nunique() == 1


def test_answers_give_direction_units_and_interval():
    assert labels.answer("mean_cooperation", "System regulation", "Organisational regulation", 0.121, 0.102, 0.14,
                         20) == ("System regulation raises cooperation by 12.1 points (95% CI 10.2 to 14.0) "
                                 "compared with Organisational regulation, over 20 seeds paired by seed.")
    assert labels.answer("final_system_balance", "B", "A", -340.0, -400.0, -280.0, 5).startswith(
        "B lowers the system balance at the end by 340 budget units (95% CI 280 to 400)")
    assert labels.answer("turnover_total", "B", "A", 0.5, -1.0, 2.0, 5).startswith(
        "B makes no clear difference to leaders replaced: +0.5 leaders (95% CI -1.0 to 2.0)")
    assert set(labels.UNITS) == set(OUTCOMES) == set(labels.SHORT_OUTCOME)
    c = Comparison({"A": {}, "B": {}}, [1, 2, 3], "A")
    import pandas as pd
    c.runs = pd.DataFrame([{"arm": a, "seed": s, **{o: s * (1.0 if a == "A" else 2.0) for o in OUTCOMES}}
                           for a in "AB" for s in (1, 2, 3)])
    said = results.answers(c, ["mean_cooperation"])
    assert said == [labels.answer("mean_cooperation", "B", "A", 2.0, *c.summary().set_index(
        ["outcome", "arm"]).loc[("mean_cooperation", "B"), ["ci_low", "ci_high"]], 3)]
    assert "makes no clear difference to cooperation: +200.0 points" in said[0]  # differences 1, 2, 3: wide CI


def test_worker_processes_give_the_same_runs_as_in_process():
    arms = _arms("Baseline", "Pooled budget", months=6)
    seeds = list(range(1, MIN_SEEDS + 1))
    here = run_comparison(arms, seeds, workers=0).runs.reset_index(drop=True)
    there = run_comparison(arms, seeds, workers=1).runs.reset_index(drop=True)
    assert here.equals(there)


def test_a_comparison_needs_two_valid_regimes_and_five_seeds():
    with pytest.raises(ValueError, match="two"):
        run_comparison(_arms("Baseline"), [1, 2, 3, 4, 5], workers=0)
    with pytest.raises(ValueError, match="seeds: at least 5"):
        run_comparison(_arms("Baseline", "High churn"), [1, 2, 3, 4], workers=0)
    with pytest.raises(ConfigError):
        run_comparison({"a": DEFAULTS, "b": {**DEFAULTS, "game.noise": 2.0}}, [1, 2, 3, 4, 5], workers=0)


def test_regime_names_are_shown_as_text_not_run_as_html():
    name = """<img src=x onerror="document.title='INJECTED'">"""
    c = Comparison({"Baseline": {}, name: {}}, [1, 2, 3], "Baseline")
    import pandas as pd
    c.runs = pd.DataFrame([{"arm": a, "seed": s, **{o: float(s + i) for o in OUTCOMES}}
                           for i, a in enumerate(c.arms) for s in (1, 2, 3)])
    for out in (compare_page.summary_html(c.summary(), "Baseline"), compare_page.caption_html(c),
                compare_page.answers_html(c, list(OUTCOMES))):
        assert "<img" not in out and "&lt;img src=x" in out
    table = compare_page.summary_html(c.summary(), name)
    assert "<img" not in table


@pytest.fixture
def no_saved_regimes():
    session.clear()
    yield
    session.clear()


def test_saved_settings_become_a_regime_compare_mode_runs(no_saved_regimes):
    mine = {**DEFAULTS, "regulation.regime": "system", TENURE: 72}
    assert save("  Stable and system  ", mine) == "Stable and system"
    assert regime_names()[-1] == "Stable and system" and regime_names()[0] == PRESETS[0].name
    assert regime_values("Stable and system") == mine and regime_values("Baseline") == preset_values("Baseline")
    line = describe("Stable and system")
    assert "Regulation regime: System" in line and "tenure" in line and "noise" not in line
    c = run_comparison(compare_page.arms_for(["Baseline", "Stable and system"], 12, 12), [1, 2, 3, 4, 5], workers=0)
    cfg = to_config(compare_page.arms_for(["Stable and system"], 12, 12)["Stable and system"])
    own = CollabModel(cfg, seed=2)
    own.run()
    row = c.runs[(c.runs["arm"] == "Stable and system") & (c.runs["seed"] == 2)].iloc[0]
    assert cfg.regulation.regime == "system" and cfg.experiment.steps == 12
    assert row["mean_cooperation"] == pytest.approx(np.mean(own.recorder.columns()["cooperation"]))


@pytest.mark.parametrize("name, values, message", [
    ("", DEFAULTS, "give the settings a name"),
    ("High churn", DEFAULTS, "preset's name"),
    ("Broken", {**DEFAULTS, "game.noise": 2.0}, "game.noise"),
])
def test_bad_saves_are_refused_and_keep_what_was_saved(no_saved_regimes, name, values, message):
    save("Kept", DEFAULTS)
    with pytest.raises(ConfigError, match=message):
        save(name, values)
    assert list(saved()) == ["Kept"]


# -- live view ---------------------------------------------------------------------------------
def test_live_run_steps_to_its_horizon_and_keeps_the_run_before_a_change():
    run = LiveRun({**DEFAULTS, HORIZON: 12})
    assert run.step(5) == 5 and run.month == 5
    assert run.step(100) == 7 and run.finished
    coop = run.series()["cooperation"]
    run.rebuild({**run.values, "regulation.regime": "system"})
    assert run.month == 0 and run.previous["cooperation"] == coop
    run.rebuild(run.values)  # a plain reset keeps the comparison line
    assert run.previous["cooperation"] == coop


def test_snapshot_reads_the_models_arrays():
    run = LiveRun({**DEFAULTS, "network.n_orgs": 40})
    run.step(3)
    view, m = run.snapshot(), run.model
    assert len(view["pos"]) == 40 and len(view["edges"]) == len(m.src)
    i = 7
    mine = np.concatenate([m.moves[m.src == i, 0], m.moves[m.dst == i, 1]])
    assert view["cooperation"][i] == pytest.approx(mine.mean())
    assert view["series"]["month"] == [1, 2, 3]


def test_same_network_keeps_its_picture_when_a_lever_changes():
    run = LiveRun(DEFAULTS)
    pos = run.pos.copy()
    run.rebuild({**DEFAULTS, "incentives.payment": "pooled_budget"})
    assert np.array_equal(run.pos, pos)
    run.rebuild({**DEFAULTS, "experiment.seed": 2})
    assert not np.array_equal(run.pos, pos)


def test_pacer_runs_several_months_per_frame_when_drawing_falls_behind():
    pacer = Pacer(speed=10)
    assert pacer.due() == 1
    pacer.start -= 0.5  # half a second passed while one frame was drawn
    assert pacer.due() == 6
    pacer.ran(6)
    pacer.start -= 100  # far behind: catch up at most one batch, then reset the clock
    assert pacer.due() == pacer.max_batch


def test_network_view_draws_types_moves_budget_and_trust():
    run = LiveRun({**DEFAULTS, "strategies.mix": "Doves and hawks", "game.noise": 0.0})
    run.step(1)
    view = run.snapshot()
    out = svg.network_svg(view)
    hawks = sum(c < 0.5 for c in view["cooperation"])
    assert out.count('class="hawk"') == hawks > 0 and out.count('class="dove"') == 24 - hawks
    assert out.count("<line") == len(view["edges"])
    assert out.count(svg.TYPE_COLOURS["acute"]) >= list(view["types"]).count(0)
    assert f"balance {view['balance'][0]:+.1f}" in out
    assert svg.trust_colour(0) == "#c0392b" and svg.trust_colour(1) == "#27ae60"


def test_line_chart_draws_each_series():
    out = svg.line_chart_svg("Test", {"a": ([0.1, 0.5, 0.7], "#111"), "b": ([0.2] * 5, "#222", "3 4")}, 120, (0, 1))
    assert 'data-points="3"' in out and out.count("<polyline") == 2 and 'stroke-dasharray="3 4"' in out


# -- serving -----------------------------------------------------------------------------------
def test_only_loopback_hosts_count_as_private(capsys):
    assert all(is_loopback(h) for h in ("localhost", "127.0.0.1", "::1", "[::1]", "127.0.1.1"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.20", "::", "example.org"))
    assert warn_if_exposed("0.0.0.0") and "no log-in" in capsys.readouterr().err
    assert not warn_if_exposed("127.0.0.1")


def test_page_assets_match_the_installed_solara():
    needed = assets.required()
    assert any(p.startswith("@widgetti/solara-vuetify") for p in needed)
    assert any(p.startswith("requirejs@") for p in needed)


# -- the browser make test drives ----------------------------------------------------------------
def test_the_browser_is_the_one_named_or_a_clear_one_line_stop(monkeypatch, capsys):
    import sys

    import browser

    monkeypatch.setenv("COLLABSIM_CHROMIUM", sys.executable)
    assert browser.executable() == sys.executable
    monkeypatch.setenv("COLLABSIM_CHROMIUM", "/no/such/chromium")
    assert browser.executable() is None
    assert browser.main() == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "COLLABSIM_CHROMIUM" in err[0]
