"""Sweep throughput (runs per second) by executor, and the parent's memory as sweeps grow.

    .venv/bin/python benchmarks/sweep_throughput.py [--runs 160] [--steps 120] [--robust-worlds 64]

Runs the same sweep (the default footprint, 2 points x runs/2 seeds) in this process, on a
pool of 1, 2 and all cores, and on a Dask LocalCluster of all cores, then keeping only the
outcomes (``sweep.series = []``) in this process and on all cores, each into a fresh
folder, twice on the same executor: "cold" is end to end with the workers' start-up (what
a short sweep costs), "warm" the second time (the rate a long sweep settles at). Then runs
short sweeps of growing size on the process pool and reports the parent's peak Python
memory (tracemalloc), which should not grow with the number of runs. Last, ``collabsim
robust``'s runs (experiments/stylised_facts_robust.toml: 12 arms x ``--robust-worlds`` worlds
x 4 seeds, every run's series on disk) in this process and on a pool of all cores. Prints
Markdown for benchmarks/README.md; ratios are against the serial run measured in the same
session. The CPU this process spends per run is the whole run in this process, and the
parent's share (planning, collecting, the summary's bookkeeping) with workers.
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contextlib import contextmanager  # noqa: E402

from sim.robust import plan as robust_plan  # noqa: E402
from sim.sweep import runner, spec  # noqa: E402
from sim.sweep.executors import open_executor, process_pool  # noqa: E402

CONFIG = """
[experiment]
name = "bench"
steps = {steps}
seed = 1

[sweep]
seeds = {seeds}
{series}

[sweep.parameters]
"game.noise" = [0.01, 0.05]
"""


def plan(folder: Path, steps: int, runs: int, series: str = ""):
    """The benchmark's sweep; ``series``: a ``series = [...]`` line (default: every series kept)."""
    path = folder / f"bench-{steps}-{runs}{'-some' if series else ''}.toml"
    path.write_text(CONFIG.format(steps=steps, seeds=max(1, runs // 2), series=series))
    return spec.load(path)


@contextmanager
def one_process():
    """A pool of a single worker process (open_executor(workers=1) runs in this process)."""
    with process_pool(1) as pool:
        yield pool, lambda: 1


def timed(sweep, out: Path, setup=None, **executor) -> tuple[float, float, float]:
    """(cold, warm) seconds: the sweep on a new executor, then again on the same one; and
    the CPU seconds this process (the parent) spent in the warm pass."""
    times = []
    started = time.perf_counter()
    with (setup() if setup else open_executor(**executor)) as (ex, capacity):
        for i in range(2):
            cpu = time.process_time()
            counts = runner.run(sweep, out / str(i), ex, capacity, progress=False)
            assert counts["ok"] == sweep.n_runs, counts
            times.append(time.perf_counter() - started)
            started = time.perf_counter()
            cpu = time.process_time() - cpu
    return times[0], times[1], cpu


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=160, help="runs per throughput measurement")
    parser.add_argument("--steps", type=int, default=120, help="steps per run")
    parser.add_argument("--repeat", type=int, default=3, help="measurements per executor (the median is reported)")
    parser.add_argument("--robust-worlds", type=int, default=64, help="worlds of the robust run timed (0: none)")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    setups = [("serial (this process)", {"workers": 1}), ("process pool, 1 worker", {"setup": one_process}),
              ("process pool, 2 workers", {"workers": 2}), (f"process pool, all cores ({cores})", {"workers": cores}),
              (f"Dask LocalCluster, all cores ({cores})", {"workers": cores, "dask": "local"})]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sweep = plan(tmp, args.steps, args.runs)
        timed(sweep, tmp / "warm-up", workers=1)  # numba's cache and imports, once
        outcomes_only = plan(tmp, args.steps, args.runs, series="series = []")
        setups += [(f"{label}, outcomes only (`series = []`)", {**kw, "sweep": outcomes_only})
                   for label, kw in (setups[0], setups[3])]
        rows = []
        for i, (label, kw) in enumerate(setups):
            kw = dict(kw)
            which = kw.pop("sweep", sweep)
            times = [timed(which, tmp / f"run-{i}-{r}", **kw) for r in range(args.repeat)]
            cold, warm, cpu = (statistics.median(t[k] for t in times) for k in (0, 1, 2))
            rows.append((label, sweep.n_runs / cold, sweep.n_runs / warm, cpu / sweep.n_runs * 1e6))
            print(f"{label}: cold {cold:.2f}s, warm {warm:.2f}s (medians of {args.repeat})", file=sys.stderr)

        memory = []
        for n in (2000, 10000):
            small = plan(tmp, 5, n)
            tracemalloc.start()
            with open_executor(workers=2) as (ex, capacity):
                runner.run(small, tmp / f"mem-{n}", ex, capacity, progress=False)
            memory.append((small.n_runs, tracemalloc.get_traced_memory()[1] / 2**20))
            tracemalloc.stop()
            print(f"memory at {n} runs done", file=sys.stderr)

        robust = []
        if args.robust_worlds:
            worlds = robust_plan.load(Path(__file__).resolve().parents[1] / "experiments/stylised_facts_robust.toml",
                                      worlds=args.robust_worlds, seeds=4)
            for label, kw in (("serial (this process)", {"workers": 1}),
                              (f"process pool, all cores ({cores})", {"workers": cores})):
                cold, warm, cpu = timed(worlds, tmp / f"robust-{len(robust)}", **kw)
                robust.append((label, worlds.n_runs / cold, worlds.n_runs / warm, cpu / worlds.n_runs * 1e6))
                print(f"robust, {label}: cold {cold:.2f}s, warm {warm:.2f}s", file=sys.stderr)

    base = rows[0][2]  # serial, warm
    print(f"Machine: {cpu_name()}, {cores} cores (os.cpu_count), {platform.system()} {platform.release()}, "
          f"Python {platform.python_version()}; {time.strftime('%Y-%m-%d')}.\n")
    print(f"Sweep of {sweep.n_runs} runs x {args.steps} steps (default footprint: 24 organisations), every "
          f"monthly series kept unless the row says otherwise; runs per second, cold (with worker start-up) and "
          f"warm, medians of {args.repeat}:\n")
    print("| executor | cold runs/s | warm runs/s | warm vs serial | this process's CPU per run, warm (us) |")
    print("|---|---:|---:|---:|---:|")
    for label, cold, warm, cpu in rows:
        print(f"| {label} | {cold:.1f} | {warm:.1f} | {warm / base:.2f}x | {cpu:.0f} |")
    print("\nParent process peak Python memory (tracemalloc), process pool of 2, 5-step runs:\n")
    print("| runs | peak (MiB) |")
    print("|---:|---:|")
    for n, peak in memory:
        print(f"| {n} | {peak:.1f} |")
    if robust:
        print(f"\n`collabsim robust`'s runs (experiments/stylised_facts_robust.toml: 12 arms x {args.robust_worlds} "
              f"worlds x 4 seeds = {worlds.n_runs} runs, every run's series on disk), runs per second:\n")
        print("| executor | cold runs/s | warm runs/s | this process's CPU per run, warm (us) |")
        print("|---|---:|---:|---:|")
        for label, cold, warm, cpu in robust:
            print(f"| {label} | {cold:.1f} | {warm:.1f} | {cpu:.0f} |")


if __name__ == "__main__":
    main()
