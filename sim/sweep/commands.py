"""The ``sweep``, ``summarise`` and ``sensitivity`` commands (wired up in ``sim.cli``)."""

import sys
from pathlib import Path

import pandas as pd


def sweep(args) -> int:
    from .spec import load

    plan = load(args.config, allow_large=args.allow_large)
    target = Path(args.out or plan.base["output"]["dir"]) / plan.name
    counts = execute(plan, target, args, lambda done: (
        f"{plan.name}: {plan.spec.method}, {len(plan.points)} points x {plan.seeds} seeds = {plan.n_runs} runs"
        + (f" ({done} already done)" if done else "")), retry_errors=args.retry_errors)
    if isinstance(counts, int):
        return counts
    if len(plan.points) <= 40:
        _print_points(target)
    else:
        print(f"per-point outcomes: collabsim summarise {target}")
    if counts["error"]:
        print(f"collabsim: {counts['error']} of {counts['runs']} runs raised an error; see {target / 'errors'} "
              "(run them again with --resume --retry-errors)", file=sys.stderr)
        return 1
    return 0


def execute(plan, target: Path, args, headline, retry_errors: bool = False, before=None, after=None) -> dict | int:
    """Run a planned sweep (a sweep, or a robust run's worlds) into ``target`` as the command
    line does: check the output folder and the Dask target, hold the folder's lock, say what
    will run, run on the executor ``args`` ask for. Returns the counts, or the exit status
    when the sweep stopped (1: a run could not be carried out; 130: interrupted).
    ``headline(done)`` says what will run; ``before()`` is called once the folder is held,
    ``after(executor)`` once the runs are done, with the folder still held and the executor
    still open (a robust run's report goes to the same workers)."""
    from ..output import check_writable
    from ..sizes import check_disk
    from . import store
    from .executors import open_executor
    from .runner import SweepError, check_folder, prepared, run

    check_writable(target, "--out" if args.out else "output.dir")
    steps = max((point.get("experiment.steps", plan.base["experiment"]["steps"]) for point in plan.points),
                default=plan.base["experiment"]["steps"])
    check_disk("sweep.seeds" if plan.seeds > 1 else "sweep.parameters", plan.n_runs, steps, target,
               getattr(args, "allow_large", False), str(args.config))
    check_dask_target(args.dask, args.workers)
    check_folder(plan, store.Folder(target), args.resume)  # before anything is written
    try:
        with prepared(plan, target, args.resume, retry_errors) as ready:
            for note in ready.notes:
                print(f"collabsim: {note}", file=sys.stderr)
            print(f"{headline(ready.done)}, {_where(args.workers, args.dask)}; results: {target}", file=sys.stderr)
            if before:
                before()
            with open_executor(args.workers, args.dask) as (executor, capacity):
                counts = run(plan, target, executor, capacity, retry_errors=retry_errors, ready=ready)
                if after:
                    after(executor)
                return counts
    except SweepError as exc:
        print(f"collabsim: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"collabsim: interrupted; finished runs are kept in {target}; run the same command with --resume "
              "to finish", file=sys.stderr)
        return 130


def check_dask_target(dask: str | None, workers: int | None) -> None:
    """Refuse at once a --dask target that cannot work: a scheduler file that is missing or
    holds no address (Dask would wait for it to appear)."""
    from ..config import ConfigError

    if not dask or dask == "local":
        return
    if workers:
        raise ConfigError("--workers: not used with --dask ADDRESS (the cluster decides how many workers)")
    if dask.endswith(".json"):
        import json

        try:
            info = json.loads(Path(dask).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"--dask: scheduler file not found: {dask}") from None
        except (OSError, ValueError) as exc:
            raise ConfigError(f"--dask: cannot read the scheduler file {dask}: {type(exc).__name__}") from None
        if not isinstance(info, dict) or not isinstance(info.get("address"), str):
            raise ConfigError(f"--dask: {dask} is not a Dask scheduler file (no \"address\")")


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

    import warnings

    _, manifest = open_sweep(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # said once, below
        table = by_point(path, outcomes)
    damaged = table.attrs.get("damaged", [])
    if damaged:
        print(f"collabsim: {len(damaged)} damaged run file(s) skipped (first: {damaged[0]}); run the sweep "
              "again with --resume to run them again", file=sys.stderr)
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
