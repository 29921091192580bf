"""`collabsim compare`: loading arms, paired statistics, the report."""

import math

import numpy as np
import pandas as pd
import pytest

from sim import compare, compare_report
from sim.cli import main
from sim.config import ConfigError

EXP = """
[experiment]
name = "cmp-test"
description = "Does system regulation help?"
steps = 12

[network]
n_orgs = 10

[compare]
seeds = 4
reference = "org"
outcomes = ["mean_cooperation", "public_cost"]
window = [6, 12]

[compare.arms.org]
regulation.regime = "organisational"

[compare.arms.sys]
regulation.regime = "system"
"""


def write(tmp_path, text):
    path = tmp_path / "exp.toml"
    path.write_text(text)
    return path


def test_paired_difference_matches_the_closed_form():
    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = a + np.array([1.0, 1.0, 2.0, 2.0])
    d = compare.paired_difference(a, b)
    sd = np.std([1, 1, 2, 2], ddof=1)
    half = 3.182446305284263 * sd / 2  # t(0.975, 3) * sd / sqrt(4)
    assert d["difference"] == pytest.approx(1.5)
    assert (d["ci_low"], d["ci_high"]) == pytest.approx((1.5 - half, 1.5 + half))
    assert d["effect_size"] == pytest.approx(1.5 / sd)
    # p-value of t = 1.5 / (sd / 2) with 3 degrees of freedom, from the t distribution's tail
    t = 1.5 / (sd / 2)
    assert d["p_value"] == pytest.approx(0.01385, abs=2e-4) and t == pytest.approx(5.196, abs=1e-3)


def test_arms_are_validated_with_their_name(tmp_path):
    bad = EXP.replace('regulation.regime = "system"', 'regulation.regime = "central"')
    with pytest.raises(ConfigError, match=r"(?s)compare.arms.sys.*regulation.regime: Input should be .none., .organisational. or .system."):
        compare.load(write(tmp_path, bad))
    with pytest.raises(ConfigError, match="not an arm; arms: org, sys"):
        compare.load(write(tmp_path, EXP.replace('reference = "org"', 'reference = "nope"')))
    with pytest.raises(ConfigError, match="compare.seeds"):
        compare.load(write(tmp_path, EXP.replace("seeds = 4", "seeds = 1")))
    with pytest.raises(ConfigError, match="no \\[compare\\] table"):
        compare.load(write(tmp_path, EXP.split("[compare]")[0]))


def test_arms_share_seeds_and_serial_equals_parallel(tmp_path):
    exp = compare.load(write(tmp_path, EXP))
    assert exp.arms["sys"].regulation.regime == "system" and exp.arms["org"].network.n_orgs == 10
    serial = compare.run(exp, workers=1)
    parallel = compare.run(exp, workers=2)
    pd.testing.assert_frame_equal(serial.runs.sort_values(["arm", "seed"]).reset_index(drop=True),
                                  parallel.runs.sort_values(["arm", "seed"]).reset_index(drop=True))
    assert sorted(serial.runs["seed"].unique()) == [1, 2, 3, 4]
    assert serial.series["sys"]["cooperation"].shape == (4, 12)
    assert {"window_cooperation", "window_trust"} <= set(serial.runs.columns)


def test_report_leads_with_the_answer(tmp_path, capsys):
    path = write(tmp_path, EXP)
    assert main(["compare", str(path), "--out", str(tmp_path / "res"), "--workers", "1"]) == 0
    folder = tmp_path / "res" / "cmp-test" / "compare"
    report = (folder / "report.md").read_text()
    head = report.split("## Over time")[0]
    assert "Does system regulation help?" in head and "**sys** vs **org**: Mean cooperation (share of moves)" in head
    assert "95% CI" in head
    for name in ("timeseries.png", "distributions.png", "runs.csv", "differences.csv"):
        assert (folder / name).stat().st_size > 0, name
    diffs = pd.read_csv(folder / "differences.csv")
    row = diffs[(diffs["arm"] == "sys") & (diffs["outcome"] == "mean_cooperation")].iloc[0]
    runs = pd.read_csv(folder / "runs.csv").sort_values("seed")
    by_hand = (runs[runs.arm == "sys"]["mean_cooperation"].to_numpy()
               - runs[runs.arm == "org"]["mean_cooperation"].to_numpy()).mean()
    assert math.isclose(row["difference"], by_hand, rel_tol=1e-12)
    assert "**sys** vs **org**" in capsys.readouterr().out


def test_unknown_outcome_is_named(tmp_path):
    path = write(tmp_path, EXP.replace('"public_cost"]', '"happiness"]'))
    with pytest.raises(ConfigError, match="unknown outcome 'happiness'; allowed: .*mean_cooperation"):
        compare.load(path)  # before any run


def test_run_ignores_the_compare_table(tmp_path):
    assert main(["run", str(write(tmp_path, EXP)), "--out", str(tmp_path / "r")]) == 0


def test_event_times_are_censored_at_the_end_of_the_run():
    from sim.compare import Experiment, Results, event_times

    nan = float("nan")
    runs = pd.DataFrame({"arm": ["a"] * 4 + ["b"] * 4, "seed": [1, 2, 3, 4] * 2,
                         "time_to_stable_cooperation": [30, nan, 10, 20, nan, nan, nan, 5],
                         "time_to_collapse": [nan] * 8})
    exp = Experiment("x", compare.CompareSpec(seeds=4), {"a": None, "b": None})
    ev = event_times(Results(exp, runs)).set_index(["event", "arm"])
    a = ev.loc[("time_to_stable_cooperation", "a")]
    assert (a["reached"], a["runs"], a["median"]) == (3, 4, 20)  # 2nd earliest of 10, 20, 30
    assert np.isnan(ev.loc[("time_to_stable_cooperation", "b"), "median"])  # 1 of 4: not reached
    assert ev.loc[("time_to_collapse", "a"), "reached"] == 0
