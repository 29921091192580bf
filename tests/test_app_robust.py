"""Compare mode's robustness check gives the answer of `collabsim robust`: the same worlds,
seeds and runs for the same regimes, and the same shares, differences, PRIM boxes and
feature scores from them; a cancel leaves whole worlds."""

import threading

import pandas as pd
import pytest

from sim.robust import report
from sim.robust.plan import load
from sim.sweep import runner
from sim.sweep.executors import SerialExecutor
from webapp.levers import HORIZON, TENURE, preset_values
from webapp.robust_view import answer_html
from webapp.robustness import plan_for, run_robustness

REF, OTHER = "Organisational regulation", "Crisis, judged together"
OUTCOMES = ["mean_cooperation", "public_cost"]


def _arms(*names, months=12, orgs=10):
    return {n: {**preset_values(n), HORIZON: months, "network.n_orgs": orgs} for n in names}


# The same two regimes as an experiment file for `collabsim robust` (the presets' overrides:
# webapp/levers.py PRESETS), with the app's design seed and the shipped uncertainties.
EXPERIMENT = f"""
[experiment]
name = "app_equivalent"
steps = 12

[network]
n_orgs = 10

[compare]
reference = "{REF}"
outcomes = {OUTCOMES!r}

[compare.arms."{REF}"]
regulation.regime = "organisational"

[compare.arms."{OTHER}"]
regulation.regime = "system"
budget.structural_gap = 0.01

[robust]
worlds = 6
seeds = 2
seed = 1
"""


def test_the_apps_robustness_numbers_are_those_of_collabsim_robust(tmp_path):
    app = run_robustness(_arms(REF, OTHER), REF, OUTCOMES, worlds=6, seeds=2, workers=0)
    path = tmp_path / "robust.toml"
    path.write_text(EXPERIMENT)
    plan = load(path)
    # the same plan: worlds, points, seeds (the squeeze is not a sampled assumption: no regime
    # keeps a sampled field of its own here; tests below cover one that does)
    assert plan.worlds == app.plan.worlds and plan.points == app.plan.points
    assert plan.set_by == app.plan.set_by == {}
    assert [plan.seed(p, r) for p, r in plan.runs()] == [app.plan.seed(p, r) for p, r in app.plan.runs()]
    runner.run(plan, tmp_path / "out", SerialExecutor(), progress=False)
    cli = report.analyse(plan, tmp_path / "out", progress=True)  # in this process, with the command's progress bar
    assert not app.cancelled and len(app.runs) == 24 and app.worlds_done == 6
    pd.testing.assert_frame_equal(app.answer["comparisons"], cli["comparisons"])
    pd.testing.assert_frame_equal(app.answer["boxes"], cli["boxes"])
    pd.testing.assert_frame_equal(app.answer["scores"], cli["scores"])
    for outcome in OUTCOMES:
        pd.testing.assert_frame_equal(app.answer["worlds"].means[outcome], cli["worlds"].means[outcome])
    # and the page shows those numbers: the share for cooperation, and its flip text
    row = cli["comparisons"].set_index("outcome").loc["mean_cooperation"]
    html = answer_html(app, ["mean_cooperation"])
    assert f"{100 * row['share_better']:.0f}% ({100 * row['share_better_ci_low']:.0f}% to " in html
    assert f"{row['better']} of 6 worlds" in html and "Better than Organisational regulation in" in html
    assert report.flip_text(cli["boxes"], "comparison", f"{OTHER} vs {REF}: mean_cooperation") in html


def test_a_regime_is_its_lever_changes_on_the_defaults():
    plan = plan_for(_arms("Baseline", "Organisational regulation", "High churn"), "Baseline", OUTCOMES, worlds=4,
                    seeds=1)
    fixed = [{k: v for k, v in p.items() if k not in plan.uncertainties} for p in plan.points[:3]]
    assert fixed[0] == {"regulation.regime": "none", "leadership.mean_tenure": plan.base["leadership"]["mean_tenure"]}
    assert fixed[1]["regulation.regime"] == "organisational" and fixed[2]["regulation.regime"] == "none"
    churn = plan.points[2]["leadership.mean_tenure"]
    assert churn["acute"] == pytest.approx(preset_values("High churn")[TENURE])
    # High churn sets the tenure table, so it keeps its tenures; the others draw theirs
    assert plan.set_by == {f"leadership.mean_tenure.{t}": ["High churn"] for t in ("acute", "ccg", "council")}
    assert plan.points[3]["leadership.mean_tenure.acute"] == plan.worlds[1]["leadership.mean_tenure.acute"]
    assert plan.points[5]["leadership.mean_tenure.acute"] == churn["acute"]
    assert not plan.held and plan.base["experiment"]["steps"] == 12


def test_a_cancelled_check_answers_over_the_worlds_every_regime_finished():
    cancel = threading.Event()
    # 24 runs in batches of 6 (a quarter each): a regime's worlds 0-2, the other's 0-2, then
    # worlds 3-5 likewise; cancelled after the second batch, worlds 0-2 are whole
    app = run_robustness(_arms(REF, OTHER), REF, OUTCOMES, worlds=6, seeds=2, workers=0, cancel=cancel,
                         progress=lambda d, t: cancel.set() if d >= 10 else None)
    assert app.cancelled and len(app.runs) == 12 and app.worlds_done == 3
    assert list(app.answer["worlds"].x.index) == [0, 1, 2]
    assert (app.answer["comparisons"]["worlds"] == 3).all()


def test_the_check_needs_two_regimes_a_chosen_reference_and_headline_outcomes():
    with pytest.raises(ValueError, match="at least two regimes"):
        run_robustness(_arms(REF), REF, OUTCOMES, workers=0)
    with pytest.raises(ValueError, match="reference"):
        run_robustness(_arms(REF, OTHER), "Baseline", OUTCOMES, workers=0)
    with pytest.raises(ValueError, match="outcomes: choose from mean_cooperation.*got 'trust_drop'"):
        run_robustness(_arms(REF, OTHER), REF, ["trust_drop"], workers=0)
