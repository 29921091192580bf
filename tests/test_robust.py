"""`collabsim robust`: uncertainties, the Latin hypercube of worlds, common random numbers,
executors and resume on the sweep engine, the report's numbers, and scenario discovery."""

import math
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import compare, compare_report, results, uncertainties
from sim.cli import main
from sim.model import CollabModel
from sim.robust import analysis, report
from sim.robust.plan import ClaimSpec, load, latin
from sim.sweep import runner, store
from sim.sweep.spec import derive_seed
from sim.sweep.worker import rerun
from sim.sweep.executors import open_executor

ROOT = Path(__file__).resolve().parents[1]

TINY = """
[experiment]
name = "tiny"
steps = 20
seed = 5

[network]
n_orgs = 10
mean_degree = 4

[compare]
seeds = 2
reference = "organisational"
outcomes = ["mean_cooperation", "public_cost"]

[compare.arms.organisational]
regulation.regime = "organisational"

[compare.arms.system]
regulation.regime = "system"

[compare.arms.deep_gap]
regulation.regime = "organisational"
budget.structural_gap = 0.01

[uncertainties]
shipped = false
"trust.stranger" = {low = 0.1, high = 0.8, basis = "assumption"}
"strategies.money_weight" = {low = 0.0, high = 20.0}
"budget.structural_gap" = {low = 0.001, high = 0.005}

[robust]
worlds = 6
seeds = 2

[[robust.claims]]
fact = "regulation"
arm = "system"
outcome = "mean_cooperation"
holds = "higher"
[[robust.claims]]
fact = "regulation"
arm = "system"
outcome = "public_cost"
holds = "lower"
"""


def write(tmp_path, text, name="robust.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def run_plan(plan, out, **executor):
    with open_executor(**executor) as (ex, capacity):
        runner.run(plan, out, ex, capacity, progress=False)
        return report.write(plan, out, ex if capacity() > 1 else None)  # scenario discovery on the workers too


# -- uncertainties ----------------------------------------------------------------------------
def test_shipped_uncertainties_are_valid_fields_with_a_basis_and_hold_the_defaults():
    from sim.config import Config

    defaults = Config().model_dump()
    resolved = uncertainties.resolve(None, defaults)
    assert list(resolved) == [u.path for u in uncertainties.SHIPPED] and len(resolved) >= 15
    for u in uncertainties.SHIPPED:
        value = defaults
        for part in u.path.split("."):
            value = value[part]
        assert u.low <= value <= u.high, f"{u.path}: the default {value} is outside [{u.low}, {u.high}]"
        assert u.basis.startswith("assumption") or re.search(r"\b(KF|IHM|NT)\b", u.basis), u.path


def test_docs_list_every_shipped_uncertainty_with_its_range():
    text = (ROOT / "docs" / "model.md").read_text()
    for u in uncertainties.SHIPPED:
        assert f"| `{u.path}` | {u.low:g} | {u.high:g} |" in text, f"docs/model.md lacks {u.path}"


def test_a_table_replaces_adds_and_drops_ranges():
    from sim.config import Config

    base = Config().model_dump()
    out = uncertainties.resolve({"trust": {"stranger": {"low": 0.2, "high": 0.4}}, "game.noise": False,
                                 "learning.rate": {"low": 0.0, "high": 0.1, "basis": "assumption"}}, base)
    assert out["trust.stranger"].low == 0.2 and out["trust.stranger"].basis.startswith("KF")  # basis kept
    assert "game.noise" not in out and out["learning.rate"].high == 0.1
    assert list(uncertainties.resolve({"shipped": False}, base)) == []


BAD = [
    ('"trust.strangr" = {low = 0.1, high = 0.2}', "uncertainties.trust.strangr: unknown key 'strangr' in trust"),
    ('"trust.initial" = {low = 0.9, high = 0.2}', "uncertainties.trust.initial: low must not be greater than high"),
    ('"trust.initial" = {low = nan, high = 0.2}', "uncertainties.trust.initial: low and high must be finite numbers"),
    ('"trust.gain" = {low = 0.1, high = inf}', "uncertainties.trust.gain: low and high must be finite numbers"),
    ('"trust.initial" = {low = 0.1, high = 1.5}', "uncertainties.trust.initial: 1.5 is not allowed"),
    ('"regulation.regime" = {low = 0, high = 1}', "uncertainties.regulation.regime: not a numeric field"),
    ('"trust.initial" = {low = 0.1, high = 0.2, width = 3}', "uncertainties.trust.initial: unknown key 'width'"),
    ('"trust.initial" = 0.3', "uncertainties.trust.initial: give a range"),
]


@pytest.mark.parametrize("line, message", BAD)
def test_bad_uncertainties_exit_2_with_one_line_naming_the_field(tmp_path, capsys, line, message):
    text = TINY.replace('"budget.structural_gap" = {low = 0.001, high = 0.005}', line)
    assert main(["robust", str(write(tmp_path, text)), "--out", str(tmp_path / "res"), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    problems = [ln for ln in err.splitlines() if ln.startswith("  ")]
    assert len(problems) == 1 and message in problems[0], err
    assert "Traceback" not in err and not (tmp_path / "res").exists()


@pytest.mark.parametrize("old, new, message", [
    ('arm = "system"\noutcome = "public_cost"', 'arm = "central"\noutcome = "public_cost"',
     "robust.claims.1.arm: 'central' is not an arm; arms: organisational, system, deep_gap"),
    ('outcome = "public_cost"\nholds', 'outcome = "happiness"\nholds',
     "robust.claims.1.outcome: 'happiness' is not an outcome of arm 'system'; allowed:"),
    ("worlds = 6", "worlds = 1", "robust.worlds: Input should be greater than or equal to 2 (got 1)"),
    ('holds = "lower"', 'holds = "lower"\nweight = 2', "robust.claims.1.weight: unknown key; allowed: fact, arm, than"),
    ("seeds = 2\n\n[[", "seeds = 2\ncolour = 1\n\n[[", "robust.colour: unknown key; allowed: worlds, seeds, seed, claims"),
    ('outcomes = ["mean_cooperation", "public_cost"]', 'outcomes = ["mean_cooperation", "joy"]',
     "compare.outcomes: unknown outcome 'joy'"),
])
def test_bad_robust_tables_exit_2(tmp_path, capsys, old, new, message):
    assert old in TINY
    assert main(["robust", str(write(tmp_path, TINY.replace(old, new))), "--out", str(tmp_path / "res")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and not (tmp_path / "res").exists()


def test_a_single_run_and_compare_ignore_the_robust_tables(tmp_path):
    from sim import config

    path = write(tmp_path, TINY)
    assert config.load(path).trust.stranger == 0.3
    assert list(compare.load(path).arms) == ["organisational", "system", "deep_gap"]


# -- the plan -----------------------------------------------------------------------------------
def test_latin_hypercube_puts_one_world_in_each_slice_of_every_range():
    ranges = [uncertainties.Uncertainty("trust.stranger", 0.1, 0.7, "a"),
              uncertainties.Uncertainty("strategies.money_weight", 0.0, 20.0, "a"),
              uncertainties.Uncertainty("game.noise", 0.02, 0.02, "a")]
    worlds = latin(ranges, 10, seed=3)
    for u in ranges[:2]:
        x = np.array([w[u.path] for w in worlds])
        assert ((x >= u.low) & (x <= u.high)).all()
        assert sorted(((x - u.low) / (u.high - u.low) * 10).astype(int)) == list(range(10))
    assert all(w["game.noise"] == 0.02 for w in worlds)
    assert latin(ranges, 10, seed=3) == worlds and latin(ranges, 10, seed=4) != worlds


def test_worlds_share_seeds_across_arms_and_arms_keep_the_fields_they_set(tmp_path):
    plan = load(write(tmp_path, TINY))
    arms = len(plan.arms)
    assert plan.n_runs == 6 * 3 * 2 and plan.arms == ["organisational", "system", "deep_gap"]
    for world in range(6):
        seeds = {plan.seed(world * arms + a, r) for a in range(arms) for r in range(2)}
        assert len(seeds) == 2  # the same two seeds for every arm of the world
    all_seeds = [plan.seed(w * arms, r) for w in range(6) for r in range(2)]
    assert len(set(all_seeds)) == 12  # each world its own
    drawn = plan.worlds[4]
    org, sys_, deep = (plan.config(4 * arms + a, 1) for a in range(3))
    assert org.trust.stranger == sys_.trust.stranger == deep.trust.stranger == drawn["trust.stranger"]
    assert org.budget.structural_gap == drawn["budget.structural_gap"] and deep.budget.structural_gap == 0.01
    assert sys_.regulation.regime == "system" and org.experiment.seed == sys_.experiment.seed == deep.experiment.seed
    assert plan.set_by == {"budget.structural_gap": ["deep_gap"]}
    assert load(write(tmp_path, TINY), worlds=4, seeds=3).n_runs == 4 * 3 * 3


# -- the numbers ------------------------------------------------------------------------------
def _worlds(means: dict, x: pd.DataFrame) -> analysis.Worlds:
    return analysis.Worlds(x, {o: pd.DataFrame(v, index=x.index) for o, v in means.items()}, 0, [])


class _Plan:
    """The parts of a plan the analysis reads, for hand-made cases."""

    def __init__(self, arms, reference, outcomes, claims=()):
        self.arms, self.reference, self.outcomes, self.claims = arms, reference, outcomes, list(claims)


def test_shares_differences_and_regret_on_a_hand_computed_case():
    x = pd.DataFrame({"u": [0.1, 0.2, 0.3, 0.4, 0.5]}, index=pd.Index(range(5), name="world"))
    means = {"mean_cooperation": {"a": [0.5, 0.5, 0.5, 0.5, 0.5], "b": [0.6, 0.7, 0.4, 0.55, 0.9],
                                  "c": [0.7, 0.6, 0.6, 0.5, 0.5]},
             "public_cost": {"a": [10, 10, 10, 10, 10], "b": [8, 12, 9, 9, 10], "c": [11, 11, 11, 11, 11]}}
    plan = _Plan(["a", "b", "c"], "a", ["mean_cooperation", "public_cost"])
    comp, diffs = analysis.comparisons(plan, _worlds(means, x))
    row = comp[(comp["outcome"] == "mean_cooperation") & (comp["arm"] == "b")].iloc[0]
    # b - a: 0.1, 0.2, -0.1, 0.05, 0.4 -> better in 4 of 5, median 0.1
    assert (row["better"], row["worse"], row["worlds"]) == (4, 1, 5)
    assert row["share_better"] == 0.8 and row["median_difference"] == pytest.approx(0.1)
    # Wilson interval for 4 of 5: (p + z^2/2n -/+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)
    z, n, p = 1.959963984540054, 5, 0.8
    centre, half = (p + z * z / (2 * n)), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert row["share_better_ci_low"] == pytest.approx((centre - half) / (1 + z * z / n))
    assert row["share_better_ci_high"] == pytest.approx((centre + half) / (1 + z * z / n))
    cost = comp[(comp["outcome"] == "public_cost") & (comp["arm"] == "b")].iloc[0]
    assert (cost["better_is"], cost["better"], cost["worse"]) == ("lower", 3, 1)  # one tie
    reg = analysis.regret(plan, _worlds(means, x)).set_index(["outcome", "arm"])
    # best per world: 0.7, 0.7, 0.6, 0.55, 0.9; a's regret 0.2, 0.2, 0.1, 0.05, 0.4
    assert reg.loc[("mean_cooperation", "a"), "max_regret"] == pytest.approx(0.4)
    assert reg.loc[("mean_cooperation", "a"), "median_regret"] == pytest.approx(0.2)
    assert reg.loc[("mean_cooperation", "c"), "max_regret"] == pytest.approx(0.4)  # world 4: 0.9 - 0.5
    assert reg.loc[("mean_cooperation", "b"), "max_regret"] == pytest.approx(0.2)  # world 2: 0.6 - 0.4
    assert reg.loc[("mean_cooperation", "b"), "minimax_regret"] and not reg.loc[("mean_cooperation", "a"), "minimax_regret"]
    # public cost (lower is better): best 8, 10, 9, 9, 10; c's regret 3, 1, 2, 2, 1
    assert reg.loc[("public_cost", "c"), "max_regret"] == 3 and reg.loc[("public_cost", "c"), "median_regret"] == 2


def test_claims_with_a_factor_and_facts_made_of_several_claims():
    x = pd.DataFrame({"u": [0.1, 0.2, 0.3, 0.4]}, index=pd.Index(range(4), name="world"))
    means = {"rebuild": {"s": [10.0, 20.0, 5.0, 40.0]}, "collapse": {"s": [3.0, 4.0, 2.0, 5.0]},
             "coop": {"s": [0.5, 0.6, 0.7, 0.1]}}
    claims = [ClaimSpec(fact="six", arm="s", than="s", outcome="rebuild", than_outcome="collapse", factor=3,
                        holds="higher"),
              ClaimSpec(fact="six", arm="s", than="s", outcome="coop", than_outcome="coop", factor=0.0,
                        holds="higher")]
    table, data = analysis.claims(_Plan(["s"], "s", [], claims), _worlds(means, x))
    # rebuild - 3 collapse: 1, 8, -1, 25 -> holds in 3 of 4; coop > 0 everywhere
    assert list(table["holds_in"]) == [3, 4, 3] and list(table["claim"])[-1] == "all of the above"
    assert list(data["values"][0]) == [1.0, 8.0, -1.0, 25.0]


def test_prim_finds_a_planted_threshold_with_the_right_bounds():
    rng = np.random.default_rng(11)
    x = pd.DataFrame(rng.uniform(0, 1, size=(400, 4)), columns=["a", "b", "c", "d"])
    flips = (x["b"] > 0.7).to_numpy()
    box = analysis.prim_box(x, flips)
    assert list(box.limits) == ["b"] and box.limits["b"][1] is None
    assert box.limits["b"][0] == pytest.approx(0.7, abs=0.03)
    assert box.coverage >= 0.9 and box.density >= 0.9
    scores = analysis.feature_scores(x, pd.Series(np.where(flips, 1.0, 0.0) + 0.01 * x["a"]))
    assert scores.index[0] == "b" and scores["b"] > 0.5


def test_prim_finds_a_planted_corner_of_two_assumptions():
    rng = np.random.default_rng(5)
    x = pd.DataFrame(rng.uniform(0, 1, size=(600, 3)), columns=["money", "stranger", "noise"])
    flips = ((x["money"] < 0.4) & (x["stranger"] > 0.5)).to_numpy()
    box = analysis.prim_box(x, flips)
    assert set(box.limits) == {"money", "stranger"}
    assert box.limits["money"][0] is None and box.limits["money"][1] == pytest.approx(0.4, abs=0.05)
    assert box.limits["stranger"][1] is None and box.limits["stranger"][0] == pytest.approx(0.5, abs=0.05)
    assert box.coverage >= 0.8 and box.density >= 0.8
    assert "money <= 0.4" in box.describe(1) and "stranger >= 0.5" in box.describe(1)
    assert analysis.prim_box(x, np.zeros(600, bool)) is None


# -- running ----------------------------------------------------------------------------------
REPORT_FILES = ["report.md", "comparisons.csv", "regret.csv", "claims.csv", "boxes.csv", "feature_scores.csv"]


def test_serial_process_pool_and_dask_give_the_same_report(tmp_path):
    plan = load(write(tmp_path, TINY))
    outs = {}
    for label, kw in {"serial": {"workers": 1}, "processes": {"workers": 2},
                      "dask": {"workers": 2, "dask": "local"}}.items():
        run_plan(plan, tmp_path / label, **kw)
        outs[label] = tmp_path / label
    for name in REPORT_FILES:
        base = (outs["serial"] / name).read_text()
        for label in ("processes", "dask"):
            assert (outs[label] / name).read_text() == base, f"{label}: {name} differs"
    pd.testing.assert_frame_equal(pd.read_parquet(outs["serial"] / "worlds.parquet"),
                                  pd.read_parquet(outs["dask"] / "worlds.parquet"), check_exact=True)


def test_report_numbers_follow_from_the_runs(tmp_path):
    plan = load(write(tmp_path, TINY))
    path = run_plan(plan, tmp_path / "out", workers=1)
    runs = results.load(tmp_path / "out")
    assert len(runs) == plan.n_runs and (runs["status"] == "ok").all()
    # Plain pandas: world = point // 3, arm = point % 3; world value = mean over its two seeds.
    runs["world"], runs["arm"] = runs["point"] // 3, runs["point"] % 3
    for w, g in runs.groupby("world"):
        assert g.groupby("arm")["seed"].apply(sorted).map(tuple).nunique() == 1  # common random numbers
    coop = runs.pivot_table(index="world", columns="arm", values="mean_cooperation", aggfunc="mean")
    d = coop[1] - coop[0]
    comp = pd.read_csv(tmp_path / "out" / "comparisons.csv")
    row = comp[(comp["outcome"] == "mean_cooperation") & (comp["arm"] == "system")].iloc[0]
    assert row["better"] == int((d > 0).sum()) and row["median_difference"] == pytest.approx(d.median(), rel=1e-5)
    cost = runs.pivot_table(index="world", columns="arm", values="public_cost", aggfunc="mean")
    claims = pd.read_csv(tmp_path / "out" / "claims.csv")
    both = ((coop[1] > coop[0]) & (cost[1] < cost[0])).sum()
    assert list(claims["holds_in"]) == [int((d > 0).sum()), int((cost[1] < cost[0]).sum()), int(both)]
    text = path.read_text()
    share = f"better in {100 * (d > 0).mean():.0f}% of worlds"
    assert share in text and "## Claims" in text and "`trust.stranger` | 0.1 | 0.8 | assumption |" in text
    assert "Set by some arms, which keep their own value: `budget.structural_gap` (deep_gap)" in text
    worlds = pd.read_parquet(tmp_path / "out" / "worlds.parquet")
    assert len(worlds) == 18 and worlds["trust.stranger"].between(0.1, 0.8).all()


def test_an_arm_s_worlds_share_a_model_and_a_file_and_each_run_equals_the_run_alone(tmp_path):
    plan = load(write(tmp_path, TINY))
    run_plan(plan, tmp_path / "out", workers=1)
    files = [store.batch_runs(p.stem) for p in (tmp_path / "out" / "runs").glob("*.parquet")]
    assert max(len(points) for points, *_ in files) > 1  # worlds (and arms that differ only in the gap) together
    series = results.load_series(tmp_path / "out", columns=["point", "replicate", "cooperation", "system_balance"])
    for point, rep in [(0, 0), (4, 1), (17, 1)]:
        m = CollabModel(plan.config(point, rep))  # the run alone: its world's config and seed
        m.run()
        got = series[(series["point"] == point) & (series["replicate"] == rep)]
        for k in ("cooperation", "system_balance"):
            np.testing.assert_array_equal(got[k].to_numpy(), m.recorder.columns()[k])
        again = rerun(tmp_path / "out", point, rep)  # seeds are keyed by world here, not by point
        assert again.seed == plan.seed(point, rep)
        np.testing.assert_array_equal(got["cooperation"].to_numpy(), again.recorder.columns()["cooperation"])
    assert plan.seed(17, 1) != derive_seed(plan.master_seed, 17, 1)  # a plain sweep's seed would be wrong here
    # The summary reads each file once, in parts on the workers, and puts the runs back in order.
    runs = results.load(tmp_path / "out")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / "summary.parquet"), runs)
    with ThreadPoolExecutor(4) as pool:
        results.write_summary(tmp_path / "out", tmp_path / "parts.parquet", chunk=4, executor=pool, window=8)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "parts.parquet"), runs)


def test_kill_9_mid_run_then_resume_gives_the_same_report(tmp_path):
    text = TINY.replace("steps = 20", "steps = 600").replace("worlds = 6", "worlds = 8")  # 48 runs
    path = write(tmp_path, text)
    cmd = [sys.executable, "-m", "sim", "robust", str(path), "--out", str(tmp_path / "res"), "--workers", "2"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    out = tmp_path / "res" / "tiny" / "robust"
    try:
        deadline = time.monotonic() + 180
        while len(list((out / "runs").glob("*.parquet"))) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        done_at_kill = len(list((out / "runs").glob("*.parquet")))
        assert 3 <= done_at_kill < 48, "the run must be killed part-way through"
        assert not (out / "report.md").exists()
        time.sleep(1.5)  # the killed run's workers notice their parent is gone and exit
        resumed = subprocess.run(cmd + ["--resume"], cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert resumed.returncode == 0, resumed.stderr
        assert "already done" in resumed.stderr
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    plan = load(path)
    reference = tmp_path / "reference"
    run_plan(plan, reference, workers=1)
    for name in REPORT_FILES:
        assert (out / name).read_text() == (reference / name).read_text(), name
    assert store.Folder(out).read_manifest()["status"] == "finished"


def test_the_cli_prints_the_answer_and_refuses_a_used_folder(tmp_path, capsys):
    path = write(tmp_path, TINY)
    assert main(["robust", str(path), "--out", str(tmp_path), "--workers", "1", "--worlds", "3", "--seeds", "1"]) == 0
    printed = capsys.readouterr().out
    assert "## Answer" in printed and "**system** vs **organisational**" in printed and "report:" in printed
    assert main(["robust", str(path), "--out", str(tmp_path), "--workers", "1", "--worlds", "3", "--seeds", "1"]) == 2
    assert "already holds a sweep; add --resume" in capsys.readouterr().err
    assert main(["robust", str(path), "--out", str(tmp_path), "--workers", "1", "--worlds", "4", "--seeds", "1",
                 "--resume"]) == 2
    assert "holds a different sweep" in capsys.readouterr().err


def test_the_compare_report_says_its_interval_is_seed_noise_and_links_to_robust(tmp_path):
    exp = compare.load(write(tmp_path, TINY))
    exp.spec.seeds = 2
    target = compare_report.write(compare.run(exp, workers=1), tmp_path / "res")
    text = (target / "report.md").read_text()
    assert "cover seed noise only" in text and f"collabsim robust {exp.source}" in text
    assert "(../robust/report.md)" in text and (target.parent / "robust").name == "robust"


def test_the_shipped_stylised_facts_experiment_in_small(tmp_path):
    """The full run (docs/model.md section 6) is kept out of CI; three worlds of one seed
    check that every fact's claims are asked of every world."""
    path = ROOT / "experiments" / "stylised_facts_robust.toml"
    plan = load(path, worlds=3, seeds=1)
    assert len(plan.uncertainties) >= 15 and {c.fact[0] for c in plan.claims} == set("123456")
    fingerprint = plan.fingerprint()
    run_plan(plan, tmp_path / "facts", workers=2)
    assert plan.fingerprint() == fingerprint  # running leaves the plan as it was, so --resume finds it
    for point in (0, 1):  # the arms that do not set tenures draw them; high_churn keeps its own
        tenure = plan.config(point).leadership.mean_tenure
        assert tenure["acute"] == (plan.worlds[0]["leadership.mean_tenure.acute"] if point == 0 else 12.0)
        assert tenure["mental_health"] == (42.0 if point == 0 else 14.0)
    claims = pd.read_csv(tmp_path / "facts" / "claims.csv")
    assert len(claims) == len(plan.claims) + 4  # and one "all of the above" row for facts 1-4
    assert (claims["worlds"] == 3).all() and claims["share"].between(0, 1).all()
    runs = results.load(tmp_path / "facts")
    shock = runs[runs["point"] % len(plan.arms) == plan.arms.index("shock")].sort_values("point")
    value = shock["trust_rebuild_time"].to_numpy() - 3 * shock["trust_collapse_time"].to_numpy()
    six = claims[claims["fact"].str.startswith("6")].iloc[0]
    assert six["holds_in"] == int((value > 0).sum())
