"""The ``robust`` command (wired up in ``sim.cli``): plan the worlds, run them on the sweep
engine (resume, process pool, Dask, progress bar), write the report."""

import sys
from pathlib import Path


def robust(args) -> int:
    from ..sweep import store
    from ..sweep.commands import _where
    from ..sweep.executors import open_executor
    from ..sweep.runner import SweepError, check_folder, run
    from . import report
    from .plan import load

    plan = load(args.config, worlds=args.worlds, seeds=args.seeds)
    target = Path(args.out or plan.base["output"]["dir"]) / plan.name / "robust"
    folder = store.Folder(target)
    check_folder(plan, folder, args.resume)  # before starting any workers
    done = sum(1 for _ in folder.run_names()) if args.resume else 0
    print(f"{plan.name}: {len(plan.worlds)} worlds x {len(plan.arms)} arms x {plan.seeds} seeds = {plan.n_runs} runs, "
          f"{len(plan.uncertainties)} assumptions sampled" + (f" ({done} already done)" if done else "")
          + f", {_where(args.workers, args.dask)}; results: {target}", file=sys.stderr)
    try:
        with open_executor(args.workers, args.dask) as (executor, capacity):
            folder.create()
            store.write_json(target / "robust.json", plan.record())
            counts = run(plan, target, executor, capacity, resume=args.resume)
    except SweepError as exc:
        print(f"collabsim: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"collabsim: interrupted; finished runs are kept in {target}; run the same command with --resume "
              "to finish", file=sys.stderr)
        return 130
    path = report.write(plan, target)
    text = path.read_text()
    print(text.split("![per-world differences]")[0].rstrip())
    print(f"\nreport: {path}")
    if counts["error"]:
        print(f"collabsim: {counts['error']} of {counts['runs']} runs raised an error; see {target / 'errors'}; "
              "their worlds are left out of the report", file=sys.stderr)
        return 1
    return 0
