"""Runs per second by number of cores (issue 12): footprint runs (experiments/baseline.toml,
24 organisations, 120 months, every model-level outcome every month) through the engine
that `collabsim compare`, robustness runs and the app use (batched along the replicate axis,
on a warm process pool), and through a sweep that writes every run's series to disk.

    .venv/bin/python benchmarks/cores.py                     # 1, 2, 4, ... up to all cores
    .venv/bin/python benchmarks/cores.py --workers 1,2 --json out.json

Each pool is started and warmed (its workers' imports and numba's cached kernels loaded)
before it is timed. Every worker count gets the same work per worker (``--per-worker`` runs),
so perfect scaling keeps the time constant and multiplies runs per second by the workers.
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from sim import config, engine  # noqa: E402
from sim.sweep import runner, spec  # noqa: E402
from sim.sweep.executors import SerialExecutor, process_pool  # noqa: E402

BASELINE = HERE.parent / "experiments" / "baseline.toml"


def engine_rate(cfg, executor, runs: int) -> float:
    t = time.perf_counter()
    n = sum(1 for _ in engine.run_many([engine.Job("b", cfg, list(range(runs)))], executor=executor))
    return n / (time.perf_counter() - t)


def sweep_rate(executor, capacity: int, runs: int, folder: Path) -> float:
    text = BASELINE.read_text() + f'\n[sweep]\nmethod = "grid"\nseeds = {runs // 2}\n' \
        '[sweep.parameters]\n"leadership.trust_loss" = [0.3, 0.6]\n'
    path = folder / "sweep.toml"
    path.write_text(text)
    plan = spec.load(path)
    t = time.perf_counter()
    counts = runner.run(plan, folder / "out", executor=executor, capacity=lambda: capacity, progress=False)
    rate = counts["ran"] / (time.perf_counter() - t)
    assert counts["ok"] == plan.n_runs, counts
    return rate


def measure(workers: list[int], per_worker: int) -> dict:
    cfg = config.load(BASELINE)
    engine.run_batch([engine.Job(None, cfg, [1, 2])])  # this process's kernels compiled (or loaded) first
    rows = []
    for w in workers:
        with tempfile.TemporaryDirectory() as tmp:
            if w == 1:
                ex = SerialExecutor()
            else:
                ex = process_pool(w)
                engine_rate(cfg, ex, 8 * w)  # start and warm every worker
            try:
                runs = per_worker * w
                rate = engine_rate(cfg, ex, runs)
                swept = sweep_rate(ex, w, runs, Path(tmp))
            finally:
                if w > 1:
                    ex.shutdown()
        rows.append({"workers": w, "runs": runs, "engine_rps": rate, "sweep_rps": swept})
        print(f"{w:>3} workers: engine {rate:8,.0f} runs/s, sweep {swept:8,.0f} runs/s", flush=True)
    return {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                       f"Python {platform.python_version()}, {platform.system()}",
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "per_worker": per_worker, "rows": rows}


def report(r: dict) -> str:
    one = r["rows"][0]
    lines = [f"Machine: {r['machine']}. Run: {r['date']}; {r['per_worker']} runs per worker.", "",
             "| workers | engine runs/s | per worker | vs 1 | sweep runs/s (series to disk) | per worker | vs 1 |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for row in r["rows"]:
        w = row["workers"]
        lines.append(f"| {w} | {row['engine_rps']:,.0f} | {row['engine_rps'] / w:,.0f} | "
                     f"{row['engine_rps'] / one['engine_rps']:.1f}x | {row['sweep_rps']:,.0f} | "
                     f"{row['sweep_rps'] / w:,.0f} | {row['sweep_rps'] / one['sweep_rps']:.1f}x |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cores = os.cpu_count() or 1
    default = sorted({min(2 ** k, cores) for k in range(cores.bit_length() + 1)})
    ap.add_argument("--workers", default=",".join(map(str, default)), help="worker counts, e.g. 1,2,4")
    ap.add_argument("--per-worker", type=int, default=2048, help="runs per worker in each measurement")
    ap.add_argument("--json", help="also write the numbers to this file")
    args = ap.parse_args()
    result = measure([int(w) for w in args.workers.split(",")], args.per_worker)
    print()
    print(report(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
