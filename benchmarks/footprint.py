"""Footprint-run benchmarks (issue 12): the size users run. A footprint of 24 organisations
(experiments/baseline.toml), 120 months, every model-level outcome recorded every month,
against the idiomatic Mesa baseline measured in the same process; runs per second on one
core one run at a time, batched along the replicate axis, and on a process pool; robustness
runs (regimes in sampled worlds, each world its own config); and the
app's compare (2 regimes x 20 seeds).

    .venv/bin/python benchmarks/footprint.py             # print the table
    .venv/bin/python benchmarks/footprint.py --profile   # where the time goes (pyinstrument)
    .venv/bin/python benchmarks/footprint.py --per-step  # one run alone, per month
    .venv/bin/python benchmarks/footprint.py --phases    # a batched run, per phase
    .venv/bin/python benchmarks/footprint.py --frozen    # a robust run's batches, gc.freeze or not
    .venv/bin/python benchmarks/footprint.py --memory    # ... in fresh processes, memory kept or not
    .venv/bin/python benchmarks/footprint.py --uniforms  # a batch's draws, four replicates at once or one
    .venv/bin/python benchmarks/footprint.py --ends      # a robust run's start and end on a pool of 2
    .venv/bin/python benchmarks/footprint.py --worker    # a robust run's batches in this process, step by step

``benchmarks/engine.py`` (``make bench``) runs this too and puts the table in README.md.
"""

import argparse
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from mesa_idiomatic import MesaGame  # noqa: E402

from sim import config, engine  # noqa: E402
from sim.model import CollabModel  # noqa: E402
from sim.robust import plan as robust_plan  # noqa: E402
from sim.sweep.executors import SerialExecutor, process_pool  # noqa: E402

BASELINE = HERE.parent / "experiments" / "baseline.toml"
ROBUST = HERE.parent / "experiments" / "regulation_regimes.toml"


def best(fn, repeat: int = 5) -> float:
    """Best of ``repeat``: the run least disturbed by other work on a shared machine."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def runs_per_second(jobs, executor, max_batch: int) -> float:
    n = sum(len(j.seeds) for j in jobs)
    t = time.perf_counter()
    for _ in engine.run_many(jobs, executor=executor, max_batch=max_batch):
        pass
    return n / (time.perf_counter() - t)


def measure(repeat: int = 15, runs: int = 256) -> dict:
    cfg = config.load(BASELINE)
    steps = cfg.experiment.steps
    CollabModel(cfg, seeds=[1, 2]).run()  # JIT and caches warm
    m = CollabModel(cfg, seed=1)

    def one():
        CollabModel(cfg, seed=1).run()

    def mesa():
        game = MesaGame(m.src, m.dst, m.decision_bias(m.payoff_table()))
        for _ in range(steps):
            game.step()

    out = {"organisations": m.network.n_nodes, "relationships": m.network.n_edges, "months": steps}
    out["collabsim_ms"] = best(one, repeat) * 1e3
    out["mesa_ms"] = best(mesa, repeat) * 1e3
    batch = engine.MAX_BATCH
    out["batch"] = batch
    out["batched_ms"] = best(lambda: engine.run_batch([engine.Job(None, cfg, list(range(batch)))]), 3) / batch * 1e3
    out["by_batch"] = {b: best(lambda b=b: engine.run_batch([engine.Job(None, cfg, list(range(b)))]), 3) / b * 1e3
                       for b in (1, 4, 16, 64, 256, 1024)}
    serial = SerialExecutor()
    out["serial_unbatched_rps"] = runs_per_second([engine.Job("b", cfg, list(range(runs // 4)))], serial, 1)
    # As many runs as one worker of the pool below gets, so serial and pool run the same
    # batches (the engine cuts a job into about engine.PER_WORKER batches per worker, at most MAX_BATCH).
    out["serial_batched_rps"] = runs_per_second([engine.Job("b", cfg, list(range(4 * engine.MAX_BATCH)))], serial,
                                                engine.MAX_BATCH)
    # Robustness runs: every regime of experiments/regulation_regimes.toml in 64 sampled
    # worlds x 4 seeds, each world its own config; a world's seeds in a model (as before this
    # round's last change), and a regime's worlds together (the engine's batches).
    plan = robust_plan.load(ROBUST, worlds=64, seeds=4)
    worlds = plan.jobs()
    out["robust_runs"] = plan.n_runs
    t = time.perf_counter()
    for job in worlds:
        engine.run_batch([job])
    out["robust_per_world_rps"] = plan.n_runs / (time.perf_counter() - t)
    out["robust_rps"] = runs_per_second(worlds, serial, engine.MAX_BATCH)
    cores = os.cpu_count() or 1
    pool = process_pool(cores)
    try:
        runs_per_second([engine.Job("warm", cfg, list(range(4 * cores)))], pool, 1)  # workers started and warm
        # Enough runs that every worker gets several full batches (the engine cuts a job into
        # about engine.PER_WORKER batches per worker, at most MAX_BATCH runs each).
        out["pool_batched_rps"] = runs_per_second([engine.Job("b", cfg, list(range(4 * engine.MAX_BATCH * cores)))],
                                                  pool, engine.MAX_BATCH)
        # The first pass loads the kernels' variants for per-world parameters (arrays, not
        # numbers) into each worker, as the one-core figure's earlier runs did in this process;
        # the second is the warm rate.
        out["robust_pool_first_rps"] = runs_per_second(worlds, pool, engine.MAX_BATCH)
        out["robust_pool_rps"] = runs_per_second(worlds, pool, engine.MAX_BATCH)
        regimes = [engine.Job(r, config.validate({"regulation": {"regime": r}}), list(range(1, 21)))
                   for r in ("organisational", "system")]
        t = time.perf_counter()
        list(engine.run_many(regimes, executor=pool, series=("cooperation", "mean_trust", "hawk_share",
                                                             "system_balance")))
        out["app_compare_s"] = time.perf_counter() - t
    finally:
        pool.shutdown()
    out["cores"] = cores
    return out


def report(r: dict) -> str:
    ratio = r["mesa_ms"] / r["collabsim_ms"]
    batched_ratio = r["mesa_ms"] / r["batched_ms"]
    per_core = r["pool_batched_rps"] / r["cores"]
    return "\n".join([
        f"### Footprint runs ({r['organisations']} organisations, {r['relationships']} relationships, "
        f"{r['months']} months, every model-level outcome every month)",
        "",
        "| | ms per run | vs idiomatic Mesa |",
        "|---|---:|---:|",
        f"| idiomatic Mesa (`mesa_idiomatic.py`: per-edge work only, no levers, no outcomes) | {r['mesa_ms']:.1f} "
        "| 1x |",
        f"| collabsim, one run alone | {r['collabsim_ms']:.2f} | {ratio:.1f}x faster |",
        f"| collabsim, batched ({r['batch']} runs in one model, each its own streams) | {r['batched_ms']:.3f} "
        f"| {batched_ratio:.0f}x faster |",
        "",
        "| runs in one model | " + " | ".join(str(b) for b in r["by_batch"]) + " |",
        "|---|" + "---:|" * len(r["by_batch"]),
        "| ms per run | " + " | ".join(f"{v:.2f}" for v in r["by_batch"].values()) + " |",
        "",
        "| runs per second | |",
        "|---|---:|",
        f"| one core, one run per model | {r['serial_unbatched_rps']:,.0f} |",
        f"| one core, batched | {r['serial_batched_rps']:,.0f} |",
        f"| process pool of {r['cores']} (warm), batched | {r['pool_batched_rps']:,.0f} "
        f"({per_core:,.0f} per core; {r['pool_batched_rps'] / r['serial_batched_rps']:.2f}x one core) |",
        f"| robustness runs ({r['robust_runs']:,}: 3 regimes x 64 worlds x 4 seeds), one core, a world's seeds per "
        f"model | {r['robust_per_world_rps']:,.0f} |",
        f"| robustness runs, one core, a regime's worlds in one model | {r['robust_rps']:,.0f} |",
        f"| robustness runs, process pool of {r['cores']} (warm: a second pass) | {r['robust_pool_rps']:,.0f} "
        f"({r['robust_pool_rps'] / r['cores']:,.0f} per core; the first pass, loading the kernels for per-world "
        f"parameters, {r['robust_pool_first_rps']:,.0f}) |",
        "",
        f"The app's compare (2 regimes x 20 seeds, warm pool of {r['cores']}): {r['app_compare_s']:.2f} s.",
    ])


def profile(batch: int) -> None:
    """pyinstrument's call tree (a sampling profiler: no per-call overhead to distort the
    many small calls) of 20 single runs, or of two batches of ``batch`` runs."""
    from pyinstrument import Profiler

    cfg = config.load(BASELINE)
    CollabModel(cfg, seeds=[1, 2]).run()
    prof = Profiler(interval=0.0005)
    prof.start()
    if batch == 1:
        for s in range(20):
            CollabModel(cfg, seed=s).run()
    else:
        for _ in range(2):
            CollabModel(cfg, seeds=list(range(batch))).run()
    prof.stop()
    print(prof.output_text(unicode=False, color=False))


def per_step() -> dict:
    """Microseconds per month of one run alone, default output, at 24 and 1,000 organisations
    (runs on any revision of the model: only ``sim.config`` and ``CollabModel`` are used)."""
    out = {}
    for label, data, steps in (("24 organisations", {}, 120),
                               ("1,000 organisations", {"network": {"n_orgs": 25, "footprints": 40}}, 60)):
        cfg = config.validate(data)
        CollabModel(cfg, seed=1).run(3)
        times = []
        for r in range(5):
            m = CollabModel(cfg, seed=r)
            t = time.perf_counter()
            m.run(steps)
            times.append((time.perf_counter() - t) / steps)
        out[label] = min(times) * 1e6
    return out


PHASES = ("perceive", "decide", "constrain", "play", "settle", "observe", "account", "review", "turnover", "learn")


def phases(batch: int = 256, repeat: int = 3) -> dict:
    """Microseconds per run of each part of a batched footprint run: set-up, each phase of
    the month, recording, and the summaries (runs on earlier revisions too: it calls the
    model's phase methods, and summarises run by run where ``summarise_runs`` is missing)."""
    from sim import metrics

    cfg = config.load(BASELINE)
    CollabModel(cfg, seeds=[1, 2]).run()
    seeds = list(range(batch))
    total = dict.fromkeys(("set-up", *PHASES, "record", "summaries"), 0.0)
    for _ in range(repeat):
        t = time.perf_counter()
        m = CollabModel(cfg, seeds=seeds)
        total["set-up"] += time.perf_counter() - t
        for _ in range(cfg.experiment.steps):
            m.steps += 1  # what Mesa's step wrapper does
            for name in PHASES:
                t = time.perf_counter()
                getattr(m, name)()
                total[name] += time.perf_counter() - t
            t = time.perf_counter()
            m.recorder.record()
            total["record"] += time.perf_counter() - t
        t = time.perf_counter()
        if hasattr(metrics, "summarise_runs"):
            metrics.summarise_runs(m.recorder.by_run(), cfg)
        else:
            for r in range(batch):
                metrics.summarise(m.recorder.columns(r), cfg)
        total["summaries"] += time.perf_counter() - t
    return {k: v / repeat / batch * 1e6 for k, v in total.items()}


STYLISED = HERE.parent / "experiments" / "stylised_facts_robust.toml"


@contextmanager
def robust_batches():
    """A robust run's batches as a worker gets them (experiments/stylised_facts_robust.toml:
    12 arms x 64 worlds x 4 seeds, ``engine.MAX_BATCH`` tasks a batch), writing into a
    temporary folder; for ``worker.run_tasks`` in this process."""
    import tempfile

    from sim.sweep import runner, store

    plan = robust_plan.load(STYLISED, worlds=64, seeds=4)
    with tempfile.TemporaryDirectory() as tmp:
        folder = store.Folder(tmp)
        folder.create()
        tasks = list(runner.tasks(plan, folder))
        yield [tasks[i:i + engine.MAX_BATCH] for i in range(0, len(tasks), engine.MAX_BATCH)]


def frozen(rounds: int = 2, runs: int = 3) -> dict[str, list[tuple[float, float, int, float]]]:
    """A robust run's batches (experiments/stylised_facts_robust.toml: 12 arms x 64 worlds x
    4 seeds, batches of 256 through the sweep's worker, in this process), ``runs`` times a
    pass, with what the process holds frozen out of the garbage collector's reach
    (``engine.settle``) and not, alternated ``rounds`` times (long passes, so that full
    collections come as often as in a sweep). Per pass: seconds, seconds of full
    collections, and the page faults and kernel seconds of this process (``getrusage``: a
    fresh process touches new memory for its first dozen batches or so)."""
    import gc
    import resource

    from sim.sweep import worker

    timer = [0.0, 0.0]  # when the full collection under way started; seconds in them this pass

    def watch(phase, info):
        if info["generation"] == 2:
            if phase == "start":
                timer[0] = time.perf_counter()
            else:
                timer[1] += time.perf_counter() - timer[0]

    out: dict[str, list[tuple[float, float, int, float]]] = {"frozen": [], "not frozen": []}
    with robust_batches() as groups:
        for group in groups[:2]:  # imports, numba's cache; the process settles as the second begins
            worker.run_tasks(group)
        print(f"objects frozen after the first batch: {gc.get_freeze_count():,}")
        gc.callbacks.append(watch)
        try:
            for _ in range(rounds):
                for label, times in out.items():
                    if label == "frozen":  # as engine.settle does
                        gc.collect()
                        gc.freeze()
                    else:
                        gc.unfreeze()
                    timer[1] = 0.0
                    before, t = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
                    for group in groups * runs:
                        worker.run_tasks(group)
                    after = resource.getrusage(resource.RUSAGE_SELF)
                    times.append((time.perf_counter() - t, timer[1], after.ru_minflt - before.ru_minflt,
                                  after.ru_stime - before.ru_stime))
        finally:
            gc.callbacks.remove(watch)
    return out


def memory_pass(keep: bool, runs: int = 2) -> tuple[float, int, float]:
    """In this (fresh) process: a robust run's batches (``robust_batches``) after a first one,
    ``runs`` times over, with the memory a batch frees kept for the next (``engine.settle``,
    the default) or left to the allocators' defaults. Seconds, page faults, kernel seconds."""
    import resource

    from sim.sweep import worker

    if not keep:
        engine._keep_memory = lambda: None
    with robust_batches() as groups:
        worker.run_tasks(groups[0])  # imports, numba's cache
        before, t = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        for group in groups[1:] * runs:
            worker.run_tasks(group)
        after = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter() - t, after.ru_minflt - before.ru_minflt, after.ru_stime - before.ru_stime


def memory(rounds: int = 3) -> dict[str, list[tuple[float, int, float]]]:
    """``memory_pass`` kept and not, each in a fresh process (glibc's settings hold for the
    life of a process), alternated ``rounds`` times."""
    import subprocess

    out: dict[str, list[tuple[float, int, float]]] = {"kept": [], "allocators' defaults": []}
    for _ in range(rounds):
        for label, times in out.items():
            flag = "keep" if label == "kept" else "default"
            line = subprocess.run([sys.executable, __file__, "--memory-pass", flag], check=True, capture_output=True,
                                  text=True).stdout.split()
            times.append((float(line[0]), int(line[1]), float(line[2])))
    return out


def uniforms(repeat: int = 2000) -> dict[str, float]:
    """Microseconds for a 256-run batch's uniforms (its decide draws: four a relationship;
    and one an organisation) from ``streams._fill_uniform`` (four replicates side by side)
    and from the same PCG64 steps one replicate after another."""
    from numba import njit

    from sim import streams

    @njit
    def one_at_a_time(state, bounds, out):
        flat = out.reshape(-1)
        for r in range(bounds.shape[0] - 1):
            streams._fill_run(state, r, flat, bounds[r] * out.shape[1], bounds[r + 1] * out.shape[1])

    model = CollabModel(config.load(BASELINE), seeds=list(range(256)))
    out = {}
    for what, bounds, width in (("relationships x 4", model.edge_bounds, 4), ("organisations", model.node_bounds, 1)):
        state = streams._start_states(np.arange(4 * 256, dtype=np.uint64).reshape(256, 4))
        values = np.empty((int(bounds[-1]), width))
        for label, fill in (("four at a time", streams._fill_uniform), ("one at a time", one_at_a_time)):
            fill(state, bounds, values)
            t = time.perf_counter()
            for _ in range(repeat):
                fill(state, bounds, values)
            out[f"{what}, {label}"] = (time.perf_counter() - t) / repeat * 1e6
    return out


def ends(passes: int = 3) -> list[tuple[float, float, float]]:
    """A robust run (as ``robust_batches``: 3,072 runs) on a warm process pool of 2, ``passes``
    times: seconds from ``runner.run``'s call to its first batch going out (planning the
    folder, the plan's fingerprint, the opening manifest), to the last batch's end, and to
    its return (the summary, read on the workers, and the closing manifest)."""
    import tempfile

    from sim.sweep import runner
    from sim.sweep.executors import open_executor

    plan = robust_plan.load(STYLISED, worlds=64, seeds=4)
    out = []
    with tempfile.TemporaryDirectory() as tmp, open_executor(workers=2) as (ex, capacity):
        runner.run(plan, Path(tmp) / "warm-up", ex, capacity, progress=False)
        submit = ex.submit
        for i in range(passes):
            marks: list[float] = []
            ended: list[float] = []

            def timed(fn, *args, **kwargs):
                future = submit(fn, *args, **kwargs)
                if fn.__name__ == "run_tasks":
                    marks.append(time.perf_counter())
                    future.add_done_callback(lambda _: ended.append(time.perf_counter()))
                return future

            ex.submit = timed
            t = time.perf_counter()
            runner.run(plan, Path(tmp) / str(i), ex, capacity, progress=False)
            done = time.perf_counter()
            ex.submit = submit
            out.append((marks[0] - t, max(ended) - t, done - t))
    return out


def worker_steps() -> dict[str, float]:
    """Microseconds per run of each step of a worker's batch (``worker.run_tasks``): a robust
    run's batches (``robust_batches``) in this process, after a first, each step timed where it is
    called (the steps nest: simulating holds setting up and running the models, writing holds
    encoding). Runs on earlier revisions too: steps a revision lacks are left out."""
    import pyarrow.parquet as pq

    from sim import metrics, model
    from sim.sweep import store, worker

    took: dict[str, float] = {}
    steps = [(worker, "simulate_batch", "simulating the batch"), (model.CollabModel, "__init__", "  setting up its models"),
             (model.CollabModel, "run", "  running them"), (worker, "with_values", "the points' config data"),
             (worker, "run_tables", "the file's tables and summaries"),
             (metrics.Recorder, "by_outcome", "  the record by outcome"), (worker, "summarise_runs", "  summaries"),
             (store, "write_runs", "writing the file"), (pq.ParquetWriter, "write_table", "  encoding it"),
             (store, "write_atomic", "  writing and flushing it")]
    saved = []
    for owner, name, label in steps:
        if not hasattr(owner, name):
            continue
        fn = getattr(owner, name)
        saved.append((owner, name, fn))

        def timed(*args, _fn=fn, _label=label, **kwargs):
            t = time.perf_counter()
            try:
                return _fn(*args, **kwargs)
            finally:
                took[_label] = took.get(_label, 0.0) + time.perf_counter() - t
        setattr(owner, name, timed)
    try:
        with robust_batches() as groups:
            worker.run_tasks(groups[0])  # imports, numba's cache
            took.clear()
            t = time.perf_counter()
            for group in groups[1:]:
                worker.run_tasks(group)
            total = time.perf_counter() - t
    finally:
        for owner, name, fn in saved:
            setattr(owner, name, fn)
    runs = sum(len(g) for g in groups[1:])
    return {"a batch in all": total / runs * 1e6, **{label: took[label] / runs * 1e6 for *_, label in steps
                                                     if label in took}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true", help="profile 20 single runs and two batches of 256 (pyinstrument)")
    parser.add_argument("--per-step", action="store_true", help="microseconds per month at 24 and 1,000 organisations")
    parser.add_argument("--phases", action="store_true", help="microseconds per run of each phase, in a batch of 256")
    parser.add_argument("--frozen", action="store_true", help="a robust run's batches with gc.freeze and without")
    parser.add_argument("--memory", action="store_true", help="a robust run's batches in fresh processes, memory kept or not")
    parser.add_argument("--memory-pass", choices=["keep", "default"], help=argparse.SUPPRESS)  # one of --memory's
    parser.add_argument("--uniforms", action="store_true", help="a batch's uniforms, four replicates at once or one")
    parser.add_argument("--ends", action="store_true", help="a robust run's start and end on a pool of 2")
    parser.add_argument("--worker", action="store_true", help="a robust run's batches in this process, step by step")
    args = parser.parse_args()
    if args.worker:
        for label, us in worker_steps().items():
            print(f"{label}: {us:.0f} us per run")
        return
    if args.ends:
        for first, last, done in ends():
            print(f"first batch out {first * 1e3:.0f} ms, last batch done {last:.3f} s, returned {done:.3f} s "
                  f"({(done - last) * 1e3:.0f} ms after the last batch)")
        return
    if args.memory_pass:
        print(*memory_pass(args.memory_pass == "keep"))
        return
    if args.memory:
        for label, times in memory().items():
            print(f"{label}: " + "; ".join(f"{t:.2f} s ({faults} page faults, {kernel:.2f} s in the kernel)"
                                           for t, faults, kernel in times))
        return
    if args.uniforms:
        for label, us in uniforms().items():
            print(f"{label}: {us:.1f} us")
        return
    if args.frozen:
        for label, times in frozen().items():
            print(f"{label}: " + "; ".join(f"{t:.2f} s ({full:.3f} s in full collections, {faults} page faults, "
                                           f"{kernel:.2f} s in the kernel)" for t, full, faults, kernel in times))
        return
    if args.phases:
        parts = phases()
        for name, us in parts.items():
            print(f"{name}: {us:.0f} us per run")
        print(f"total: {sum(parts.values()):.0f} us per run")
        return
    if args.per_step:
        for label, us in per_step().items():
            print(f"{label}: {us:.0f} us per month")
        return
    if args.profile:
        profile(1)
        profile(engine.MAX_BATCH)
        return
    print(report(measure()))


if __name__ == "__main__":
    main()
