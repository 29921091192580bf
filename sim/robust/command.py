"""The ``robust`` command (wired up in ``sim.cli``): plan the worlds, run them on the sweep
engine (resume, process pool, Dask, progress bar), write the report (its scenario discovery
on the same workers)."""

import sys
from pathlib import Path


def robust(args) -> int:
    from ..sweep import store
    from ..sweep.commands import execute
    from . import report
    from .plan import load

    plan = load(args.config, worlds=args.worlds, seeds=args.seeds)
    target = Path(args.out or plan.base["output"]["dir"]) / plan.name / "robust"
    written = []
    counts = execute(plan, target, args, lambda done: (
        f"{plan.name}: {len(plan.worlds)} worlds x {len(plan.arms)} arms x {plan.seeds} seeds = {plan.n_runs} runs, "
        f"{len(plan.uncertainties)} assumptions sampled" + (f" ({done} already done)" if done else "")),
        before=lambda: store.write_json(target / "robust.json", plan.record()),
        after=lambda executor: written.append(report.write(plan, target, executor, progress=True)))
    if isinstance(counts, int):
        return counts
    [path] = written
    text = path.read_text()
    print(text.split("![per-world differences]")[0].rstrip())
    print(f"\nreport: {path}")
    if counts["error"]:
        print(f"collabsim: {counts['error']} of {counts['runs']} runs raised an error; see {target / 'errors'}; "
              "their worlds are left out of the report", file=sys.stderr)
        return 1
    return 0
