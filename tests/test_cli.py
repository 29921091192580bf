"""The command line: results written whole, bad input refused cleanly."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from sim.cli import main

CONFIG = """
[experiment]
name = "cli-test"
steps = 15
seed = 4

[network]
n_orgs = 12

[output]
agent_every = 1  # agent data is opt-in
"""


@pytest.fixture
def cfg(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text(CONFIG)
    return path


def test_run_writes_parquet_and_manifest(cfg, tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["run", str(cfg), "--out", str(out)]) == 0
    run_dir = out / "cli-test" / "seed-4"
    model = pd.read_parquet(run_dir / "model.parquet")
    agents = pd.read_parquet(run_dir / "agents.parquet")
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert len(model) == 15 and model["step"].iloc[-1] == 15
    assert len(agents) == 15 * 12 and {"type", "balance", "strategy", "leader_tenure"} <= set(agents.columns)
    assert manifest["seed"] == 4 and manifest["config"]["experiment"]["steps"] == 15
    assert manifest["versions"]["mesa"].startswith("3.") and manifest["git_revision"]
    assert manifest["summary"]["final_cooperation"] == pytest.approx(model["cooperation"].iloc[-1])
    printed = capsys.readouterr().out
    assert "cooperation" in printed and "mean_trust" in printed and str(run_dir) in printed


def test_seed_and_steps_override_and_reproduce(cfg, tmp_path):
    for out in ("a", "b"):
        assert main(["run", str(cfg), "--seed", "11", "--steps", "7", "--out", str(tmp_path / out)]) == 0
    a = pd.read_parquet(tmp_path / "a" / "cli-test" / "seed-11" / "model.parquet")
    b = pd.read_parquet(tmp_path / "b" / "cli-test" / "seed-11" / "model.parquet")
    assert len(a) == 7
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_bad_config_names_field_and_leaves_results_untouched(cfg, tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["run", str(cfg), "--out", str(out)]) == 0
    before = (out / "cli-test" / "seed-4" / "model.parquet").read_bytes()
    cfg.write_text(CONFIG.replace("seed = 4", "seed = 4\nsteps_per_year = 12"))
    assert main(["run", str(cfg), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "experiment.steps_per_year: unknown key" in err and "Traceback" not in err
    assert (out / "cli-test" / "seed-4" / "model.parquet").read_bytes() == before
    assert sorted(p.name for p in (out / "cli-test").iterdir()) == ["seed-4"]


def test_out_of_range_value_exits_2_without_traceback(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[game]\nnoise = 2.0\n[trust]\ninitial = -0.1\n")
    proc = subprocess.run([sys.executable, "-m", "sim", "run", str(path), "--out", str(tmp_path / "r")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "game.noise" in proc.stderr and "trust.initial" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "r").exists()


def test_a_failing_run_leaves_no_partial_folder(cfg, tmp_path, monkeypatch):
    import sim.output

    def broken(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(sim.output.pd.DataFrame, "to_parquet", broken)
    with pytest.raises(OSError):
        main(["run", str(cfg), "--out", str(tmp_path / "res")])
    assert list((tmp_path / "res" / "cli-test").iterdir()) == []
