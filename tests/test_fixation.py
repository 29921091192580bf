"""Fixation experiments (sim/fixation.py) and ``collabsim fixation``: placement, caps, the
interval, the closed forms, and bad input refused before any work."""

import json
import math

import numpy as np
import pytest

from sim import config as config_mod
from sim import fixation
from sim.cli import main
from validation import moran

CONFIG = """
[experiment]
name = "fx-test"
seed = 2

[network]
kind = "complete"
n_orgs = 8

[learning]
rule = "birth_death"
schedule = "asynchronous"
payoff_basis = "mean"

[fixation]
resident = "allc"
mutant = "alld"
trials = 400
"""


def setup_for(graph, rule="birth_death", matrix=((1.0, 1.0), (1.0, 1.0)), **spec):
    cfg = config_mod.validate({"learning": {"rule": rule, "schedule": "asynchronous", "payoff_basis": "mean"}})
    return fixation.setup_from(fixation.FixationSpec(matrix=[list(r) for r in matrix], **spec), cfg, *graph)


def star(n):
    """Hub 0 joined to leaves 1..n-1, as CSR."""
    indptr = np.concatenate([[0, n - 1], np.arange(n, 2 * n - 1)]).astype(np.int64)
    indices = np.concatenate([np.arange(1, n), np.zeros(n - 1)]).astype(np.int64)
    return indptr, indices


# -- closed forms and the interval -----------------------------------------------------------
def test_moran_rho_closed_form():
    assert fixation.moran_rho(1.0, 7) == pytest.approx(1 / 7)
    assert fixation.moran_rho(2.0, 2) == pytest.approx(2 / 3)  # (1 - 1/2) / (1 - 1/4)
    assert fixation.moran_rho(1.000001, 10) == pytest.approx(0.1, rel=1e-4)  # continuous at r = 1
    assert fixation.moran_rho(1e6, 10) == pytest.approx(1.0, abs=1e-5)


def test_wilson_interval_known_values():
    # 0 of 10: the upper bound is z^2 / (n + z^2) = 3.8415 / 13.8415.
    assert fixation.wilson(0, 10) == pytest.approx((0.0, 3.8415 / 13.8415), abs=1e-4)
    lo, hi = fixation.wilson(50, 100)
    assert (lo + hi) / 2 == pytest.approx(0.5) and hi - lo == pytest.approx(2 * 1.96 * math.sqrt(0.25 / 103.84), rel=1e-3)


def test_pair_matrix_of_allc_and_alld_is_the_stage_game():
    cfg = config_mod.validate({"game": {"noise": 0.0}})
    m = fixation.pair_matrix(fixation.FixationSpec(resident="allc", mutant="alld", rounds=1), cfg)
    R, S, T, P = cfg.game.payoffs()
    assert m.tolist() == [[R, S], [T, P]]
    # Repeated game: TFT against ALLD over 10 rounds loses only the first round.
    m = fixation.pair_matrix(fixation.FixationSpec(resident="tft", mutant="alld", rounds=10), cfg)
    assert m[0, 1] == pytest.approx((S + 9 * P) / 10) and m[1, 0] == pytest.approx((T + 9 * P) / 10)


# -- placement and stopping ------------------------------------------------------------------
def test_highest_degree_placement_puts_the_mutant_on_the_hub():
    setup = setup_for(star(6), placement="highest_degree")
    assert fixation.start_nodes(setup).tolist() == [0]
    # On the hub, a neutral mutant under birth-death is replaced almost at once: a leaf is
    # chosen to reproduce 5 times in 6 and can only replace the hub (fixation 1/(N(N-1)) x ...
    # small); a mutant on a leaf fixes more often (Lieberman et al. 2005: the star amplifies).
    hub = fixation.estimate(setup, 3000, seed=1, workers=1)["rho"]
    leaf = fixation.estimate(setup_for(star(6), placement="nodes", nodes=[3]), 3000, seed=1, workers=1)["rho"]
    assert hub < leaf


def test_named_nodes_and_k_random_mutants():
    setup = setup_for(moran.cycle(10), placement="nodes", mutants=2, nodes=[3, 7])
    assert fixation.start_nodes(setup).tolist() == [3, 7]
    assert fixation.start_nodes(setup_for(moran.cycle(10), mutants=4)).tolist() == []  # drawn per trial


def test_k_mutants_fix_more_often():
    # Neutral drift: k mutants fix with probability k/N (each of N equally likely ancestors).
    est = moran.constant_fitness(moran.complete(10), 1.0, "birth_death", 3000, seed=1, mutants=3)
    lo, hi = fixation.wilson(est["fixed"], est["trials"], z=3.29)
    assert lo <= 0.3 <= hi


def test_step_cap_cuts_a_trial_short():
    # Proportional imitation never moves under equal payoffs: every trial hits the cap.
    setup = setup_for(moran.cycle(8), rule="proportional", max_steps=50)
    summary = fixation.estimate(setup, 5, seed=0, workers=1)
    assert summary["capped"] == 5 and summary["fixed"] == 0 and math.isnan(summary["mean_absorption_steps"])


def test_estimate_is_reproducible_and_counts_every_trial():
    setup = setup_for(moran.complete(6), matrix=((1.0, 1.0), (1.5, 1.5)))
    a = fixation.estimate(setup, 300, seed=4, workers=1, chunks=7)
    b = fixation.estimate(setup, 300, seed=4, workers=1, chunks=7)
    assert {k: a[k] for k in ("fixed", "lost", "capped")} == {k: b[k] for k in ("fixed", "lost", "capped")}
    assert a["fixed"] + a["lost"] + a["capped"] == a["trials"] == 300


def test_a_dominant_mutant_fixes_and_a_dominated_one_dies_out():
    setup = setup_for(moran.complete(10), matrix=((1.0, 1.0), (50.0, 50.0)))
    assert fixation.estimate(setup, 200, seed=1, workers=1)["rho"] > 0.9
    setup = setup_for(moran.complete(10), matrix=((50.0, 50.0), (1.0, 1.0)))
    assert fixation.estimate(setup, 200, seed=1, workers=1)["fixed"] == 0


def test_negative_linear_fitness_is_a_problem_not_a_silent_floor():
    cfg = config_mod.validate({"learning": {"rule": "death_birth", "selection": 1.0}, "network": {"kind": "complete",
                                                                                                 "n_orgs": 5}})
    setup = fixation.setup_from(fixation.FixationSpec(matrix=[[1.0, -3.0], [0.0, 1.0]]), cfg)
    assert any("learning.selection" in p for p in fixation.check(setup))


# -- the command line ------------------------------------------------------------------------
def test_cli_writes_a_report_compared_with_one_over_n(tmp_path, capsys):
    path = tmp_path / "fx.toml"
    path.write_text(CONFIG)
    assert main(["fixation", str(path), "--trials", "200", "--workers", "1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "neutral drift 1/N     0.1250" in out and "fixation probability" in out
    summary = json.loads((tmp_path / "fx-test" / "fixation.json").read_text())
    assert summary["trials"] == 200 and summary["n"] == 8
    assert (tmp_path / "fx-test" / "fixation.md").read_text().startswith("# Fixation: alld")


@pytest.mark.parametrize("table, message", [
    ('mutant = "tit-for-tat"', "fixation.mutant: unknown strategy 'tit-for-tat'; allowed: allc"),
    ("mutants = 0", "fixation.mutants: Input should be greater than or equal to 1 (got 0)"),
    ("colour = 1", "fixation.colour: unknown key; allowed: resident, mutant, mutants"),
    ('placement = "nodes"\nnodes = [1, 2]', "fixation.nodes: placement = 'nodes' needs one node per mutant (1)"),
    ("matrix = [[1, 2]]", "fixation.matrix"),
])
def test_cli_refuses_bad_fixation_tables_with_exit_2(tmp_path, capsys, table, message):
    path = tmp_path / "fx.toml"
    path.write_text(CONFIG.replace('mutant = "alld"', 'mutant = "alld"\n' + table) if "mutant =" not in table
                    else CONFIG.replace('mutant = "alld"', table))
    assert main(["fixation", str(path), "--workers", "1", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert not (tmp_path / "fx-test").exists()


def test_cli_refuses_a_config_without_an_update_rule(tmp_path, capsys):
    path = tmp_path / "fx.toml"
    path.write_text(CONFIG.replace('rule = "birth_death"\nschedule = "asynchronous"', 'rule = "none"'))
    assert main(["fixation", str(path), "--workers", "1"]) == 2
    assert "learning.rule: a fixation run needs an update rule" in capsys.readouterr().err


def test_cli_refuses_too_many_mutants(tmp_path, capsys):
    path = tmp_path / "fx.toml"
    path.write_text(CONFIG.replace("trials = 400", "trials = 400\nmutants = 8"))
    assert main(["fixation", str(path), "--workers", "1"]) == 2
    assert "fixation.mutants: must be less than the population (8)" in capsys.readouterr().err


def test_shipped_fixation_experiment_is_valid():
    spec, cfg = fixation.load("experiments/fixation_moran.toml")
    setup = fixation.setup_from(spec, cfg)
    assert not fixation.check(setup) and setup.n == 20
