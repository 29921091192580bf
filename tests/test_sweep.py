"""Parameter sweeps: plans, seeds, executors, streaming files, resume, errors, results."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import product
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from sim import results
from sim.cli import main
from sim.config import ConfigError
from sim.metrics import COLUMNS
from sim.model import CollabModel
from sim.output import model_table
from sim.sweep import runner, spec, store
from sim.sweep.executors import open_executor
from sim.sweep.worker import rerun, run_tasks

ROOT = Path(__file__).resolve().parents[1]

TINY = """
[experiment]
name = "tiny"
steps = 20
seed = 5

[network]
n_orgs = 10
mean_degree = 4

[sweep]
method = "grid"
seeds = 2

[sweep.parameters]
"game.noise" = [0.0, 0.1]
leadership.trust_loss = [0.2, 0.8]
"""


def write(tmp_path, text, name="sweep.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def sweep_at(tmp_path, text=TINY, out="out", **kw):
    plan = spec.load(write(tmp_path, text))
    counts = runner.run(plan, tmp_path / out, progress=False, **kw)
    return plan, tmp_path / out, counts


def comparable(df):
    return df.drop(columns=["elapsed_s"])


# -- planning ------------------------------------------------------------------------------
def test_grid_is_the_full_factorial_in_declaration_order(tmp_path):
    plan = spec.load(write(tmp_path, TINY))
    assert plan.points == [{"game.noise": a, "leadership.trust_loss": b} for a, b in product([0.0, 0.1], [0.2, 0.8])]
    assert plan.n_runs == 8 and list(plan.runs())[:3] == [(0, 0), (0, 1), (1, 0)]
    cfg = plan.config(3, 1)
    assert cfg.game.noise == 0.1 and cfg.leadership.trust_loss == 0.8 and cfg.network.n_orgs == 10
    assert cfg.experiment.seed == plan.seed(3, 1)


def test_latin_hypercube_stratifies_ranges_rounds_whole_numbers_and_crosses_lists(tmp_path):
    text = TINY.replace('method = "grid"', 'method = "latin"\nsamples = 6').split("[sweep.parameters]")[0]
    text += '[sweep.parameters]\n"trust.gain" = {low = 0.05, high = 0.2}\n"network.n_orgs" = {low = 8, high = 12}\n'
    text += '"game.kind" = ["pd", "hawk_dove"]\n'
    plan = spec.load(write(tmp_path, text))
    assert len(plan.points) == 12 and plan.samples == [i // 2 for i in range(12)]
    assert [p["game.kind"] for p in plan.points[:2]] == ["pd", "hawk_dove"]
    gains = np.array([p["trust.gain"] for p in plan.points[::2]])
    assert ((gains >= 0.05) & (gains <= 0.2)).all()
    # Latin hypercube: exactly one draw in each sixth of the range.
    assert sorted(((gains - 0.05) / 0.15 * 6).astype(int)) == list(range(6))
    sizes = [p["network.n_orgs"] for p in plan.points]
    assert all(isinstance(n, int) and 8 <= n <= 12 for n in sizes)
    assert plan.points == spec.load(write(tmp_path, text)).points  # the design is reproducible


@pytest.mark.parametrize("second_order, points", [(False, 4 * (2 + 2)), (True, 4 * (2 * 2 + 2))])
def test_sobol_design_has_saltelli_size(tmp_path, second_order, points):
    text = TINY.replace('method = "grid"', f'method = "sobol"\nsamples = 4\nsecond_order = {str(second_order).lower()}')
    text = text.split("[sweep.parameters]")[0]
    text += '[sweep.parameters]\n"trust.gain" = {low = 0.05, high = 0.2}\n"trust.loss" = {low = 0.1, high = 0.4}\n'
    plan = spec.load(write(tmp_path, text))
    assert len(plan.points) == points and plan.problem["names"] == ["trust.gain", "trust.loss"]
    loss = np.array([p["trust.loss"] for p in plan.points])
    assert ((loss >= 0.1) & (loss <= 0.4)).all()


def test_seeds_come_from_master_seed_point_and_replicate_only(tmp_path):
    plan = spec.load(write(tmp_path, TINY))
    seeds = [plan.seed(p, r) for p, r in plan.runs()]
    assert len(set(seeds)) == len(seeds)
    more = spec.load(write(tmp_path, TINY.replace("seeds = 2", "seeds = 3"), "more.toml"))
    assert [more.seed(p, r) for p, r in plan.runs()] == seeds  # adding replicates keeps the others
    other = spec.load(write(tmp_path, TINY.replace("seeds = 2", "seeds = 2\nseed = 6"), "other.toml"))
    assert not set(seeds) & {other.seed(p, r) for p, r in other.runs()}
    paired = spec.load(write(tmp_path, TINY.replace("seeds = 2", "seeds = 2\npaired_seeds = true"), "paired.toml"))
    assert {paired.seed(p, 0) for p in range(4)} == {paired.seed(0, 0)} != {paired.seed(0, 1)}


@pytest.mark.parametrize("master", [0, 7, 2**32 - 1, 2**32, 2**63 + 5, 2**64 - 1, 2**64])
def test_a_batch_of_seeds_worked_out_at_once_is_numpys_seed_sequence(master):
    """spec.seeds_of vectorises SeedSequence(master, spawn_key=key).generate_state(1, uint64);
    checked against numpy itself, not against seed_of (which is numpy's own)."""
    keys = [(p, r) for p in (0, 1, 99, 2**32 - 1) for r in (0, 3)] + [(2**31, 2**32 - 1)]
    expect = [int(np.random.SeedSequence(master, spawn_key=k).generate_state(1, np.uint64)[0] >> np.uint64(1))
              for k in keys]
    assert spec.seeds_of(master, keys) == expect
    assert spec.seeds_of(master, [(r,) for r in range(5)]) == [spec.seed_of(master, (r,)) for r in range(5)]
    assert spec.seeds_of(master, [(1, 2**32)]) == [spec.seed_of(master, (1, 2**32))]  # a two-word entry: numpy's way


BAD = [
    ('"game.nosie" = [0.1]', "sweep.parameters.game.nosie: unknown key 'nosie' in game; allowed: kind, R, S"),
    ('"game.noise" = [0.1, 2.0]', "sweep.parameters.game.noise: 2.0 is not allowed: Input should be less than or equal to 1"),
    ('"game.noise" = {low = 0.0, high = 0.1}', "sweep.parameters.game.noise: a range needs method = 'latin' or 'sobol'"),
    ('"game.noise" = 0.1', "sweep.parameters.game.noise: give a list of values or a range"),
    ('"game" = [1]', "sweep.parameters.game: game is a section; name one of its keys: kind, R"),
    ('"budget.size.acute" = [50, -1]', "sweep.parameters.budget.size.acute: -1 is not allowed"),
]


@pytest.mark.parametrize("line, message", BAD)
def test_bad_parameters_name_the_field_and_what_is_allowed(tmp_path, line, message):
    text = TINY.split("[sweep.parameters]")[0] + "[sweep.parameters]\n" + line + "\n"
    with pytest.raises(ConfigError) as err:
        spec.load(write(tmp_path, text))
    assert message in str(err.value)


@pytest.mark.parametrize("old, new, message", [
    ('method = "grid"', 'method = "lhs"', "sweep.method: Input should be 'grid', 'latin' or 'sobol' (got 'lhs')"),
    ("seeds = 2", "seeds = 0", "sweep.seeds: Input should be greater than or equal to 1"),
    ("seeds = 2", "seeds = 2\ncolour = 1", "sweep.colour: unknown key; allowed: method, seeds, samples"),
    ('method = "grid"', 'method = "sobol"\nsamples = 10', "sweep.samples: Sobol sampling needs a power of 2 (got 10; try 8 or 16)"),
    ('method = "grid"', 'method = "latin"', "method = 'latin' needs at least one range"),
    ("[sweep]\n", "[swept]\n", "swept: unknown key; allowed: experiment, network"),
])
def test_bad_sweep_table_names_the_field(tmp_path, old, new, message):
    with pytest.raises(ConfigError) as err:
        spec.load(write(tmp_path, TINY.replace(old, new)))
    assert message in str(err.value)


def test_cli_refuses_a_bad_sweep_with_exit_2_and_writes_nothing(tmp_path, capsys):
    path = write(tmp_path, TINY.replace("[0.0, 0.1]", "[0.0, 1.5]"))
    assert main(["sweep", str(path), "--out", str(tmp_path / "res"), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "sweep.parameters.game.noise: 1.5 is not allowed" in err and "Traceback" not in err
    assert not (tmp_path / "res").exists()
    no_table = write(tmp_path, TINY.split("[sweep]")[0], "plain.toml")
    assert main(["sweep", str(no_table), "--out", str(tmp_path / "res")]) == 2
    assert "no [sweep] table" in capsys.readouterr().err


# -- running -------------------------------------------------------------------------------
def test_files_hold_series_and_outcomes_and_a_run_reruns_alone(tmp_path):
    plan, out, counts = sweep_at(tmp_path)
    assert counts == {"runs": 8, "ok": 8, "error": 0, "ran": 8}
    names = sorted(p.name for p in (out / "runs").iterdir())
    assert names == [f"{store.batch_name(p, 0, 1)}.parquet" for p in range(4)]  # a file per batch (2 seeds)
    assert store.Folder(out).finished() == {store.run_name(p, r) for p, r in plan.runs()}
    runs = results.load(out)
    assert list(runs["run"]) == list(range(8)) and (runs["status"] == "ok").all()
    assert list(runs["seed"]) == [plan.seed(p, r) for p, r in plan.runs()]
    assert list(runs["game.noise"]) == [0.0] * 4 + [0.1] * 4
    pd.testing.assert_frame_equal(pd.read_parquet(out / "summary.parquet"), runs)
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["status"] == "finished" and manifest["counts"]["ok"] == 8 and manifest["versions"]["SALib"] != ""

    series = results.load_series(out, filters=[("point", "==", 2), ("replicate", "==", 1)])
    assert len(series) == 20 and set(series["run"]) == {5}
    assert runs.loc[5, "final_cooperation"] == pytest.approx(series["cooperation"].iloc[-1])
    alone = model_table(rerun(out, 2, 1))
    with pytest.raises(FileNotFoundError, match="p000002-r005 has neither finished nor failed"):
        rerun(out, 2, 5)
    stored = series[alone.columns.intersection(series.columns)].reset_index(drop=True)
    pd.testing.assert_frame_equal(stored, alone[stored.columns], check_exact=True)
    # ... and so does a plain CollabModel built from the point's config (its seed included).
    direct = model_table(_run(plan.config(2, 1)))
    pd.testing.assert_frame_equal(direct[stored.columns], stored, check_exact=True)



def test_a_batch_whose_points_switch_a_component_off_runs_each_point_as_it_runs_alone(tmp_path):
    """Points that differ only in per-replicate fields share a batch, but such a value can
    switch a component off (loss aversion at factor 1). The worker runs the batch in a model
    per batch key, the runs out of the models' order, and each run's file rows are the run's
    alone."""
    from sim.sweep import worker

    text = TINY.split("[sweep.parameters]")[0] + '[sweep.parameters]\n"loss_aversion.factor" = [2.0, 1.0, 3.0]\n'
    plan = spec.load(write(tmp_path, text))
    folder = store.Folder(tmp_path / "out")
    tasks = list(runner.tasks(plan, folder))
    key = runner.batch_key(plan)
    assert len({key(t) for t in tasks}) == 1  # the runner puts them in one batch
    runs = worker.simulate_batch([plan.config_data(t.point, t.replicate) for t in tasks], [t.seed for t in tasks])
    assert [runs.index(run) for run in runs] == list(range(6)) and len({id(m) for m, _ in runs}) == 2
    assert runs[2][0] is not runs[0][0] is runs[4][0]  # factor 1 in a model of its own, between the others
    os.makedirs(folder.runs), os.makedirs(folder.errors)
    assert [r["status"] for r in worker.run_tasks(tasks)] == ["ok"] * 6
    rows = pq.read_table(next(folder.runs.glob("*.parquet"))).to_pandas()
    for t in tasks:
        alone = _run(plan.config(t.point, t.replicate)).recorder.columns()
        got = rows[(rows["point"] == t.point) & (rows["replicate"] == t.replicate)]
        for name in ("cooperation", "mean_trust", "system_balance"):
            np.testing.assert_array_equal(got[name].to_numpy(), alone[name])


@pytest.mark.parametrize("kept", [["mean_trust", "cooperation", "coop_acute_to_ccg"], []])
def test_a_sweep_keeps_the_series_it_names_and_the_same_runs(tmp_path, kept):
    _, full, _ = sweep_at(tmp_path, out="full")
    _, some, _ = sweep_at(tmp_path, TINY.replace("seeds = 2", f"seeds = 2\nseries = {kept}"), out="some")
    pd.testing.assert_frame_equal(comparable(results.load(some)), comparable(results.load(full)))
    series, all_series = results.load_series(some), results.load_series(full)
    ids = ["run", "point", "replicate", "seed", "game.noise", "leadership.trust_loss", "step"]
    assert list(series.columns) == ids + [c for c in COLUMNS if c in kept]  # in the files' order
    if kept:
        pd.testing.assert_frame_equal(series, all_series[series.columns], check_exact=True)
    else:
        assert len(series) == 0 and len(all_series) == 8 * 20
    with pytest.raises(ConfigError, match="'hawk_share' is not in this sweep's run files"):
        results.load_series(some, columns=["run", "hawk_share"])


def test_a_folder_of_one_file_per_run_still_reads_and_resumes(tmp_path):
    # Sweeps written before runs were batched hold one file per run, its footer one record
    # (not a list); such a folder must read the same and resume without running them again.
    plan, out, _ = sweep_at(tmp_path)
    before = results.load(out)
    for batch in list(store.Folder(out).batches()):
        path = out / "runs" / f"{batch}.parquet"
        table, infos = pq.read_table(path), store.read_run_info(str(path))
        for info in infos:
            one = table.filter(pc.equal(table["replicate"], info["replicate"]))
            one = one.replace_schema_metadata(store.footer(json.dumps(info).encode()))
            pq.write_table(one, out / "runs" / f"{store.run_name(info['point'], info['replicate'])}.parquet")
        path.unlink()
    assert len(list((out / "runs").iterdir())) == 8
    pd.testing.assert_frame_equal(results.load(out), before)
    assert runner.run(plan, out, resume=True, progress=False)["ran"] == 0


def test_a_folder_of_records_one_by_one_still_reads_and_resumes(tmp_path):
    # Files written before the run records were stored as columns hold a list of records.
    plan, out, _ = sweep_at(tmp_path)
    before = results.load(out)
    for batch in list(store.Folder(out).batches()):
        path = out / "runs" / f"{batch}.parquet"
        table, infos = pq.read_table(path), store.read_run_info(str(path))
        assert [list(info) for info in infos] == [["run", "point", "replicate", "seed", "status", "elapsed_s",
                                                   "finished", "outcomes"]] * len(infos)
        pq.write_table(table.replace_schema_metadata(store.footer(json.dumps(infos).encode())), path)
        assert store.read_run_info(str(path)) == infos and store.check_run(str(path), full=True) is None
    pd.testing.assert_frame_equal(results.load(out), before)
    assert runner.run(plan, out, resume=True, progress=False)["ran"] == 0


def test_a_folder_written_with_the_older_fingerprint_and_json_still_resumes(tmp_path):
    # Folders written before December 2026: the plan's fingerprint hashed Python's json with
    # keys sorted, and the manifest and run records were written by Python's json. Such a
    # folder resumes (a changed plan is still refused) and reads the same.
    plan, out, _ = sweep_at(tmp_path)
    before = results.load(out)
    manifest = json.loads((out / store.MANIFEST).read_text())
    older = plan.fingerprint(before_2026_12=True)
    assert older != plan.fingerprint() and manifest["fingerprint"] == plan.fingerprint()
    (out / store.MANIFEST).write_text(json.dumps({**manifest, "fingerprint": older}, indent=1))
    for batch in list(store.Folder(out).batches()):
        path = out / "runs" / f"{batch}.parquet"
        table = pq.read_table(path)
        record = json.dumps({"columns": store.read_run_columns(str(path))}).encode()
        pq.write_table(table.replace_schema_metadata(store.footer(record)), path)
    (out / "runs" / f"{next(iter(store.Folder(out).batches()))}.parquet").unlink()
    changed = spec.load(write(tmp_path, TINY.replace("steps = 20", "steps = 21"), "changed.toml"))
    with pytest.raises(ConfigError, match="holds a different sweep"):
        runner.run(changed, out, resume=True, progress=False)
    assert runner.run(plan, out, resume=True, progress=False)["ran"] == 2
    pd.testing.assert_frame_equal(comparable(results.load(out)), comparable(before), check_exact=True)


def test_a_file_of_evenly_stepped_points_names_its_runs(tmp_path):
    # The worlds of one arm of a robust run (points 3, 15, 27, ...) in one file.
    name = store.batch_name(3, 0, 3, 12, 32)
    assert name == "p000003-r000-003+12x32"
    assert store.batch_runs(name) == (range(3, 3 + 12 * 32, 12), 0, 3)
    assert store.batch_runs("p000007-r002") == (range(7, 8), 2, 2)
    for bad in ("p000003-r000-003+0x4", "p000003-r000+2x1", "p00003x-r000", "p000003-r000-003+ax2", "q000001-r000"):
        with pytest.raises(ValueError):
            store.batch_runs(bad)
    folder = store.Folder(tmp_path)
    folder.create()
    table = pa.table({"run": [0]})
    uneven = [{"point": p, "replicate": r} for p, r in ((1, 0), (1, 1), (2, 0))]  # point 2 lacks replicate 1
    with pytest.raises(ValueError, match="the same consecutive replicates of evenly stepped points"):
        store.write_runs(folder, table, uneven)
    store.write_runs(folder, table, [{"point": p, "replicate": r} for p in (2, 5, 8) for r in (0, 1)])
    assert sorted(folder.run_names()) == [store.run_name(p, r) for p in (2, 5, 8) for r in (0, 1)]
    assert folder.state(store.run_name(5, 1)) == "ok" and folder.state(store.run_name(3, 0)) is None


def test_the_readme_duckdb_queries_read_the_same_results(tmp_path):
    _, out, _ = sweep_at(tmp_path)
    con = duckdb.connect()
    summary = con.sql(f"SELECT * FROM '{out}/summary.parquet' ORDER BY run").df()
    pd.testing.assert_frame_equal(summary, results.load(out), check_dtype=False)
    means = con.sql(f"SELECT point, step, avg(cooperation) AS cooperation FROM '{out}/runs/*.parquet' "
                    "GROUP BY ALL ORDER BY point, step").df()
    expected = (results.load_series(out).groupby(["point", "step"], as_index=False)["cooperation"].mean())
    assert len(means) == 4 * 20
    np.testing.assert_allclose(means["cooperation"], expected["cooperation"], rtol=1e-12)
    assert (means[["point", "step"]].to_numpy() == expected[["point", "step"]].to_numpy()).all()


def _run(cfg):
    model = CollabModel(cfg)
    model.run()
    return model


def test_serial_processes_and_dask_give_identical_results(tmp_path):
    plan = spec.load(write(tmp_path, TINY))
    folders = {}
    for label, kw in {"serial": {"workers": 1}, "processes": {"workers": 2}, "dask": {"workers": 2, "dask": "local"}}.items():
        with open_executor(**kw) as (executor, capacity):
            runner.run(plan, tmp_path / label, executor, capacity, progress=False)
        folders[label] = tmp_path / label
    base = results.load(folders["serial"])
    base_series = results.load_series(folders["serial"]).sort_values(["run", "step"], ignore_index=True)
    for label in ("processes", "dask"):
        pd.testing.assert_frame_equal(comparable(results.load(folders[label])), comparable(base), check_exact=True)
        series = results.load_series(folders[label]).sort_values(["run", "step"], ignore_index=True)
        pd.testing.assert_frame_equal(series, base_series, check_exact=True)


def test_runs_in_flight_are_bounded_and_workers_return_only_small_results(tmp_path):
    plan = spec.load(write(tmp_path, TINY.replace("seeds = 2", "seeds = 5")))
    outstanding, most, lock, returned = [0], [0], threading.Lock(), []

    class Counting(ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            with lock:
                outstanding[0] += 1
                most[0] = max(most[0], outstanding[0])
            future = super().submit(fn, *args, **kwargs)
            future.add_done_callback(lambda f: (returned.append((fn, f.result())), _done()))
            return future

    def _done():
        with lock:
            outstanding[0] -= 1

    with Counting(max_workers=2) as pool:
        counts = runner.run(plan, tmp_path / "out", pool, lambda: 2, progress=False)
    assert counts["ok"] == 20 and 2 < most[0] <= 4
    # Each task is a batch of runs of one point; a worker returns a small status per run.
    batches = [batch for fn, batch in returned if fn is run_tasks]
    assert all(set(r) == {"name", "status", "elapsed_s"} for batch in batches for r in batch)
    assert max(len(batch) for batch in batches) > 1 and sum(map(len, batches)) == 20
    # Then the summary's chunks: a row per run, no series.
    summaries = [table for fn, table in returned if fn is not run_tasks]
    assert sum(t.num_rows for t in summaries) == 20 and all("step" not in t.column_names for t in summaries)


def test_a_run_that_raises_is_recorded_and_the_sweep_goes_on(tmp_path, capsys):
    # A regular graph needs n_orgs * degree even: 11 organisations of degree 3 cannot be built.
    text = TINY.replace("mean_degree = 4", 'kind = "regular"\nmean_degree = 3').replace("n_orgs = 10\n", "")
    text = text.split("[sweep.parameters]")[0] + '[sweep.parameters]\n"network.n_orgs" = [10, 11, 12]\n'
    path = write(tmp_path, text)
    assert main(["sweep", str(path), "--out", str(tmp_path), "--workers", "1"]) == 1
    captured = capsys.readouterr()
    assert "2 of 6 runs raised an error" in captured.err and "Traceback" not in captured.err
    out = tmp_path / "tiny"
    runs = results.load(out)
    assert list(runs["status"]) == ["ok", "ok", "error", "error", "ok", "ok"]
    assert runs["error"].iloc[2].startswith("ConfigError: network.mean_degree")
    record = json.loads((out / "errors" / "p000001-r000.json").read_text())
    assert record["params"] == {"network.n_orgs": 11} and "Traceback" in record["traceback"]
    assert list(runs.loc[runs["status"] == "ok", "network.n_orgs"]) == [10, 10, 12, 12]
    # The summary file is written a few runs at a time; chunks with and without errors agree.
    results.write_summary(out, tmp_path / "chunked.parquet", chunk=3)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "chunked.parquet"), runs)
    with ThreadPoolExecutor(2) as pool:  # chunks read on an executor, a window at a time, kept in order
        results.write_summary(out, tmp_path / "pooled.parquet", chunk=1, executor=pool, window=2)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "pooled.parquet"), runs)
    with ThreadPoolExecutor(4) as pool:  # a chunk's files read in parts, put back in run order
        results.write_summary(out, tmp_path / "parts.parquet", chunk=6, executor=pool, window=8)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "parts.parquet"), runs)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "summary.parquet"), runs)
    # Resuming leaves recorded errors alone unless asked to retry them.
    plan = spec.load(path)
    assert runner.run(plan, out, resume=True, progress=False)["ran"] == 0
    assert runner.run(plan, out, resume=True, retry_errors=True, progress=False) == {"runs": 6, "ok": 4, "error": 2, "ran": 2}


def test_resume_runs_only_what_is_missing_and_keeps_the_rest(tmp_path):
    plan, out, _ = sweep_at(tmp_path)
    before = results.load(out)
    kept = {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    for name in ("p000000-r000-001", "p000003-r000-001"):  # two batches of two runs
        (out / "runs" / f"{name}.parquet").unlink()
        kept.pop(f"{name}.parquet")
    (out / "runs" / ".p000000-r001.parquet.abc.tmp").write_bytes(b"half a file")  # a writer killed mid-write
    with pytest.raises(ConfigError, match="already holds a sweep; add --resume"):
        runner.run(plan, out, progress=False)
    changed = spec.load(write(tmp_path, TINY.replace("steps = 20", "steps = 21"), "changed.toml"))
    with pytest.raises(ConfigError, match="holds a different sweep"):
        runner.run(changed, out, resume=True, progress=False)
    counts = runner.run(plan, out, resume=True, progress=False)
    assert counts == {"runs": 8, "ok": 8, "error": 0, "ran": 4}
    assert {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir() if p.name in kept} == kept
    assert not list(out.rglob("*.tmp"))
    pd.testing.assert_frame_equal(comparable(results.load(out)), comparable(before), check_exact=True)


def test_kill_9_mid_sweep_then_resume_finishes_exactly_the_planned_runs(tmp_path):
    # 32 runs of ~0.1 s each: long enough to be killed part-way through.
    text = TINY.replace("steps = 20", "steps = 800").replace("seeds = 2", "seeds = 8")
    path = write(tmp_path, text)
    cmd = [sys.executable, "-m", "sim", "sweep", str(path), "--out", str(tmp_path / "res"), "--workers", "2"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    out = tmp_path / "res" / "tiny"
    try:
        deadline = time.monotonic() + 120
        while len(list((out / "runs").glob("*.parquet"))) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        done_at_kill = len(list((out / "runs").glob("*.parquet")))
        assert 3 <= done_at_kill < 32, "the sweep must be killed part-way through"
        partial = results.load(out)  # readable while incomplete
        assert len(partial) >= 3 and (partial["status"] == "ok").all()
        for _ in range(100):  # the killed sweep's workers notice and exit
            if not _live_processes(proc.pid):
                break
            time.sleep(0.1)
        assert not _live_processes(proc.pid), "workers outlived the killed sweep"
        resumed = subprocess.run(cmd + ["--resume"], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert resumed.returncode == 0, resumed.stderr
        assert "already done" in resumed.stderr and "32/32" in resumed.stderr and "run/s" in resumed.stderr
    finally:
        try:  # workers orphaned by the kill finish their run and exit; make sure of it
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    plan, reference, _ = sweep_at(tmp_path, text, out="reference")
    assert store.Folder(out).finished() == store.Folder(reference).finished() == {store.run_name(p, r) for p, r in plan.runs()}
    assert not list(out.rglob("*.tmp")) and not list((out / "errors").iterdir())
    pd.testing.assert_frame_equal(comparable(results.load(out)), comparable(results.load(reference)), check_exact=True)
    pd.testing.assert_frame_equal(results.load_series(out).sort_values(["run", "step"], ignore_index=True),
                                  results.load_series(reference).sort_values(["run", "step"], ignore_index=True),
                                  check_exact=True)
    assert json.loads((out / "sweep.json").read_text())["status"] == "finished"


def _live_processes(group: int) -> list[int]:
    """Processes of a process group that are still running (not zombies), from /proc."""
    live = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            live.append(int(stat.parent.name))
    return live


def test_a_failed_write_leaves_no_file_and_stops_the_sweep_for_resume(tmp_path, monkeypatch):
    plan = spec.load(write(tmp_path, TINY))
    real = os.replace

    def flaky(src, dst):
        if str(dst).endswith("p000001-r000-001.parquet"):
            raise OSError("disk full")
        return real(src, dst)

    monkeypatch.setattr(store.os, "replace", flaky)
    with pytest.raises(runner.SweepError, match="run p000001-r000 could not be carried out.*--resume"):
        runner.run(plan, tmp_path / "out", progress=False)
    monkeypatch.setattr(store.os, "replace", real)
    out = tmp_path / "out"
    finished = store.Folder(out).finished()
    assert {"p000000-r000", "p000000-r001"} <= finished and not {"p000001-r000", "p000001-r001"} & finished
    assert not list(out.rglob("*.tmp")) and not list((out / "errors").iterdir())
    assert runner.run(plan, out, resume=True, progress=False) == {"runs": 8, "ok": 8, "error": 0, "ran": 8 - len(finished)}


def test_a_run_that_fails_and_then_succeeds_on_retry_loses_its_error_record(tmp_path, monkeypatch):
    from sim.sweep import worker

    plan = spec.load(write(tmp_path, TINY))
    unlucky = plan.seed(1, 0)
    real = worker.simulate_batch

    def flaky(data, seeds):
        if unlucky in seeds:
            raise RuntimeError("a passing fault")
        return real(data, seeds)

    monkeypatch.setattr(worker, "simulate_batch", flaky)
    out = tmp_path / "out"
    assert runner.run(plan, out, progress=False)["error"] == 1
    assert [p.name for p in (out / "errors").iterdir()] == ["p000001-r000.json"]
    monkeypatch.setattr(worker, "simulate_batch", real)
    assert runner.run(plan, out, resume=True, retry_errors=True, progress=False)["error"] == 0
    assert not list((out / "errors").iterdir()) and store.Folder(out).state("p000001-r000") == "ok"
    assert (results.load(out)["status"] == "ok").all()


# -- reading results -----------------------------------------------------------------------
def test_summarise_prints_each_point_and_refuses_other_folders(tmp_path, capsys):
    path = write(tmp_path, TINY)
    assert main(["sweep", str(path), "--out", str(tmp_path), "--workers", "1"]) == 0
    capsys.readouterr()
    assert main(["summarise", str(tmp_path / "tiny"), "--outcomes", "final_mean_trust,turnover_total"]) == 0
    printed = capsys.readouterr().out
    table = results.by_point(tmp_path / "tiny", ["final_mean_trust", "turnover_total"])
    assert "8 of 8 runs finished" in printed and "game.noise" in printed and "final_mean_trust" in printed
    assert list(table["runs"]) == [2] * 4
    expected = results.load(tmp_path / "tiny").groupby("point")["final_mean_trust"].mean()
    np.testing.assert_allclose(table["final_mean_trust"], expected)
    assert f"{expected.iloc[3]:.3f}" in printed
    assert main(["summarise", str(tmp_path / "nothing")]) == 2
    assert "not a sweep folder" in capsys.readouterr().err
    assert main(["summarise", str(tmp_path / "tiny"), "--outcomes", "happiness"]) == 2
    assert "unknown outcome 'happiness'; allowed:" in capsys.readouterr().err


def test_sobol_sensitivity_finds_the_parameter_that_drives_cooperation(tmp_path, capsys):
    # Disposition shifts every leader's cooperation directly; the surplus of mutual
    # cooperation only moves money, which reaches decisions only through financial pressure.
    text = TINY.replace('method = "grid"', 'method = "sobol"\nsamples = 8').replace("seeds = 2", "seeds = 1")
    text = text.split("[sweep.parameters]")[0] + (
        '[sweep.parameters]\n"leadership.disposition_mean" = {low = -1.0, high = 1.0}\n'
        '"game.surplus" = {low = 0.1, high = 0.3}\n')
    plan, out, counts = sweep_at(tmp_path, text)
    assert counts["ok"] == 32
    assert main(["sensitivity", str(out), "--outcome", "mean_cooperation"]) == 0
    printed = capsys.readouterr().out
    assert "Sobol indices of mean_cooperation" in printed and "leadership.disposition_mean" in printed
    from sim.sweep.sensitivity import analyse

    [(combo, table)] = analyse(out, "mean_cooperation")
    assert combo == {}
    st = table["ST"]
    assert st["game.surplus"] < 0.1 and st["leadership.disposition_mean"] > 10 * st["game.surplus"]
    grid_out = sweep_at(tmp_path, TINY, out="grid")[1]
    assert main(["sensitivity", str(grid_out)]) == 2
    assert "needs a sweep with method = 'sobol'" in capsys.readouterr().err


def test_the_summary_is_typed_as_pandas_types_the_run_table():
    """A summary part is made without pandas (results._table); its columns must be what
    pa.Table.from_pandas(results._frame(...)) gives, the way it was written before."""
    nan = float("nan")
    data = {"run": [0, 1, 2], "point": [0, 0, 1], "replicate": [0, 1, 0], "seed": [5, 6, 7],
            "a.int": [1, 2, 3], "a.gap": [1, None, 3], "a.flag": [True, None, False], "a.text": ["x", None, "y"],
            "a.none": [None, None, None], "a.mixed": [1, 2.5, 3], "a.bool": [True, False, True],
            "status": ["ok", "error", "ok"], "error": [None, "ValueError: x", None], "elapsed_s": [0.1, 0.2, nan],
            "steps": [120, 120, 120], "gap": [5, None, 7], "flag": [True, None, False], "flags": [True, False, True],
            "never": [None, None, None], "real": [0.5, nan, None], "mixed": [1, 2.5, None]}
    params = [k for k in data if k.startswith("a.")]
    expected = pa.Table.from_pandas(results._frame(data, params), preserve_index=False)
    made = results._table(data, params)
    assert made.schema.equals(expected.schema.remove_metadata()), (made.schema, expected.schema)
    assert made.equals(expected.replace_schema_metadata(None))
    # A chunk is read in parts: typed once it is whole, whatever gaps each part holds (a flag
    # with a gap in one part and none in the other).
    for cut in (1, 2):
        parts = [results._arrow({k: v[a:b] for k, v in data.items()}, params) for a, b in ((0, cut), (cut, 3))]
        whole = results._typed(pa.concat_tables(parts, promote_options="permissive"), params)
        assert whole.equals(made), cut


def test_summary_chunks_cut_where_no_run_file_spans_the_cut():
    """A file whose points step through the sweep (an arm's worlds in a robust run) is read
    once, by the one chunk that holds all its points, unless that chunk would grow too big."""
    from sim.results import summary_chunks as chunks

    assert chunks(10, [], 3) == [(0, 3), (3, 6), (6, 9), (9, 10)]
    arms = [(a, a + 12 * 63) for a in range(12)]  # 12 arms x 64 worlds, a file per arm
    assert chunks(768, arms, 250) == [(0, 768)]
    assert chunks(1536, arms + [(768 + a, 768 + a + 12 * 63) for a in range(12)], 250) == [(0, 768), (768, 1536)]
    assert chunks(10, [(0, 2), (1, 4), (6, 6)], 2) == [(0, 5), (5, 7), (7, 9), (9, 10)]
    assert chunks(10, [(0, 9)], 3, most=2) == [(0, 6), (6, 10)]  # no clean cut within twice the size
    assert chunks(0, [], 3) == []


def test_the_summary_spills_each_chunk_as_its_parts_come_in(tmp_path, monkeypatch):
    """The parent holds a window of parts, not the sweep: the first chunk goes to disk
    before the last part is read."""
    _, out, _ = sweep_at(tmp_path)
    events = []
    read, spill = results._summary_part, pa.ipc.new_file
    monkeypatch.setattr(results, "_summary_part", lambda *a: events.append("read") or read(*a))
    monkeypatch.setattr(pa.ipc, "new_file", lambda *a, **k: events.append("spill") or spill(*a, **k))
    results.write_summary(out, tmp_path / "s.parquet", chunk=2, window=2)
    assert events.count("read") == 4 and events.count("spill") == 4
    assert events.index("spill") < len(events) - 1 - events[::-1].index("read")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "s.parquet"), results.load(out))


def test_write_json_encodes_again_only_the_values_that_are_new_objects(tmp_path):
    """The manifest is written at a sweep's start and end; its plan (the same objects) is
    encoded once, and whatever changed is written as it now is."""
    points = [{"game.noise": 0.1}, {"game.noise": 0.2}]
    data = {"points": points, "status": "running", "counts": {}}
    encoded: dict = {}
    store.write_json(tmp_path / "a.json", data, encoded)
    assert json.loads((tmp_path / "a.json").read_text()) == data
    encoded["points"] = points, b'"kept"'  # stands in for the text of the first write
    later = {**data, "status": "finished", "counts": {"ok": 2}}
    store.write_json(tmp_path / "a.json", later, encoded)
    assert json.loads((tmp_path / "a.json").read_text()) == {**later, "points": "kept"}
    store.write_json(tmp_path / "a.json", {**later, "points": list(points)}, encoded)  # a new object: encoded
    assert json.loads((tmp_path / "a.json").read_text()) == later
