"""The ``sweep``, ``summarise`` and ``sensitivity`` commands (wired up in ``sim.cli``)."""

import sys
from pathlib import Path

import pandas as pd


def sweep(args) -> int:
    from .executors import open_executor
    from .runner import SweepError, check_folder, run
    from .spec import load
    from . import store

    plan = load(args.config)
    target = Path(args.out or plan.base["output"]["dir"]) / plan.name
    folder = store.Folder(target)
    check_folder(plan, folder, args.resume)  # before starting any workers
    done = sum(1 for _ in folder.run_names()) if args.resume else 0
    where = _where(args.workers, args.dask)
    print(f"{plan.name}: {plan.spec.method}, {len(plan.points)} points x {plan.seeds} seeds = {plan.n_runs} runs"
          + (f" ({done} already done)" if done else "") + f", {where}; results: {target}", file=sys.stderr)
    try:
        with open_executor(args.workers, args.dask) as (executor, capacity):
            counts = run(plan, target, executor, capacity, resume=args.resume, retry_errors=args.retry_errors)
    except SweepError as exc:
        print(f"collabsim: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"collabsim: interrupted; finished runs are kept in {target}; run the same command with --resume "
              "to finish the sweep", file=sys.stderr)
        return 130
    if len(plan.points) <= 40:
        _print_points(target)
    else:
        print(f"per-point outcomes: collabsim summarise {target}")
    if counts["error"]:
        print(f"collabsim: {counts['error']} of {counts['runs']} runs raised an error; see {target / 'errors'} "
              "(run them again with --resume --retry-errors)", file=sys.stderr)
        return 1
    return 0


def _where(workers: int | None, dask: str | None) -> str:
    import os

    if dask == "local":
        return f"Dask LocalCluster of {workers or os.cpu_count()} workers"
    if dask:
        return f"Dask scheduler {dask}"
    n = workers or os.cpu_count() or 1
    return "in this process" if n == 1 else f"{n} worker processes"


def summarise(args) -> int:
    _print_points(args.dir, args.outcomes)
    return 0


def _print_points(path, outcomes: list[str] | None = None) -> None:
    from ..results import by_point, open_sweep

    _, manifest = open_sweep(path)
    table = by_point(path, outcomes)
    ok, failed = int(table["runs"].sum()), int(table["errors"].sum())
    print(f"{manifest['experiment']}: {manifest['method']} sweep, {len(table)} points x {manifest['spec']['seeds']} "
          f"seeds; {ok} of {manifest['runs']} runs finished" + (f", {failed} failed" if failed else "")
          + f" ({manifest['status']})")
    print("outcomes: means over each point's finished runs")
    print()
    with pd.option_context("display.width", 200, "display.max_columns", 50, "display.max_rows", 500):
        print(table.to_string(float_format=lambda x: f"{x:.3f}"))


def sensitivity(args) -> int:
    from .sensitivity import analyse

    for outcome in args.outcome or ["mean_cooperation"]:
        for combo, table in analyse(args.dir, outcome):
            label = ", ".join(f"{k}={v!r}" for k, v in combo.items())
            print(f"Sobol indices of {outcome}" + (f" at {label}" if label else "")
                  + " (S1: first order, ST: total; _conf: 95% half-width)")
            print(table.to_string(float_format=lambda x: f"{x:.3f}"))
            print()
    return 0
