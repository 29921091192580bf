"""collabsim: run, compare and sweep experiments (also ``python -m sim``).

Bad input (a config or option that cannot be run) ends with one message naming the field
and what is allowed, exit status 2, and no traceback.
"""

import argparse
import sys
import time
from pathlib import Path

from .config import ConfigError


def _progress(label: str, unit: str = "step"):
    """A one-line progress indicator on stderr for work long enough to need one."""
    start = time.perf_counter()
    interactive = sys.stderr.isatty()

    def report(done: int, total: int) -> None:
        if not interactive or (done != total and done % max(1, total // 50)):
            return
        elapsed = time.perf_counter() - start
        left = elapsed / done * (total - done)
        end = "\n" if done == total else ""
        print(f"\r{label}: {unit} {done}/{total}  {elapsed:.1f}s elapsed, ~{left:.1f}s left", end=end, file=sys.stderr)

    return report


def cmd_run(args) -> int:
    from . import config as config_mod
    from .model import CollabModel
    from .output import check_target, run_dir, write_run
    from .report import print_summary

    overrides = {}
    if args.steps is not None:
        overrides["experiment.steps"] = args.steps
    if args.seed is not None:
        overrides["experiment.seed"] = args.seed
    cfg = config_mod.load(args.config, overrides, allow_large=args.allow_large)
    base = args.out or cfg.output.dir
    target = run_dir(base, cfg.experiment.name, cfg.experiment.seed)
    replacing = check_target(base, target, cfg, overwrite=args.overwrite,
                             field="--out" if args.out else "output.dir")
    model = CollabModel(cfg)
    started = time.perf_counter()
    model.run(progress=_progress(cfg.experiment.name))
    elapsed = time.perf_counter() - started
    manifest = write_run(model, target)
    if replacing:
        print(f"collabsim: replaced the earlier result in {target}", file=sys.stderr)
    print_summary(model, manifest, target, elapsed)
    return 0


def cmd_compare(args) -> int:
    from . import compare, compare_report
    from .output import check_writable

    exp = compare.load(args.config, allow_large=args.allow_large)
    if args.seeds is not None:
        exp.spec.seeds = args.seeds
    base = args.out or exp.arms[exp.reference].output.dir
    check_writable(Path(base) / exp.name / "compare", "--out" if args.out else "output.dir")
    runs = len(exp.arms) * exp.spec.seeds
    print(f"{exp.name}: {len(exp.arms)} arms x {exp.spec.seeds} seeds = {runs} runs", file=sys.stderr)
    res = compare.run(exp, workers=args.workers, progress=_progress(f"{exp.name} runs", unit="run"))
    target = compare_report.write(res, base)
    report = (target / "report.md").read_text()
    answer = report.split("## Over time")[0]
    print(answer.rstrip())
    print(f"\nreport: {target / 'report.md'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="collabsim", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    _add_sweep_commands(sub)
    run = sub.add_parser("run", help="run one experiment and write its results")
    run.add_argument("config", type=Path, help="experiment TOML file, e.g. experiments/baseline.toml")
    run.add_argument("--seed", type=_non_negative_int, help="override experiment.seed")
    run.add_argument("--steps", type=_positive_int, help="override experiment.steps")
    run.add_argument("--out", type=Path, help="results folder (default: output.dir, i.e. results/)")
    run.add_argument("--overwrite", action="store_true",
                     help="replace an earlier result of a different config with the same name and seed")
    _add_allow_large(run)
    run.set_defaults(func=cmd_run)

    comp = sub.add_parser("compare", help="run every arm of an experiment over many seeds and report differences")
    comp.add_argument("config", type=Path, help="experiment TOML file with a [compare] table")
    comp.add_argument("--seeds", type=_positive_int, help="override compare.seeds (runs per arm)")
    comp.add_argument("--workers", type=_workers, help="worker processes (default: all cores)")
    comp.add_argument("--out", type=Path, help="results folder (default: output.dir, i.e. results/)")
    _add_allow_large(comp)
    comp.set_defaults(func=cmd_compare)
    _add_fixation_command(sub)
    _add_robust_command(sub)
    return parser


def _add_allow_large(parser) -> None:
    parser.add_argument("--allow-large", action="store_true",
                        help="run even when the memory estimate is over half of this machine's memory")


def _whole(text: str, low: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < low or value > 2**63 - 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= {low} (got {text!r})")
    return value


def _add_fixation_command(sub) -> None:
    """Fixation experiments (implementation in ``sim.fixation``)."""
    fx = sub.add_parser("fixation", help="estimate a mutant's fixation probability (the config's [fixation] table)")
    fx.add_argument("config", type=Path, help="experiment TOML file with a [fixation] table, "
                    "e.g. experiments/fixation_moran.toml")
    fx.add_argument("--trials", type=_positive_int, help="override fixation.trials")
    fx.add_argument("--seed", type=_non_negative_int, help="override experiment.seed")
    fx.add_argument("--workers", type=_positive_int, help="worker processes (default: all cores; 1 = this process)")
    fx.add_argument("--dask", metavar="ADDRESS", help="run on Dask: 'local', a scheduler address or file")
    fx.add_argument("--out", type=Path, help="results folder (default: output.dir, i.e. results/)")
    fx.set_defaults(func=cmd_fixation)


def cmd_fixation(args) -> int:
    from . import fixation

    spec, cfg = fixation.load(args.config)
    trials = args.trials or spec.trials
    seed = cfg.experiment.seed if args.seed is None else args.seed
    setup = fixation.setup_from(spec, cfg)
    problems = fixation.check(setup)
    if problems:
        raise ConfigError(f"invalid {args.config}:\n  " + "\n  ".join(problems))
    print(f"{cfg.experiment.name}: {trials} fixation trials, N = {setup.n}", file=sys.stderr)
    summary = fixation.estimate(setup, trials, seed=seed, workers=args.workers, dask=args.dask,
                                progress=_progress(f"{cfg.experiment.name} trials", unit="chunk"))
    text = fixation.report(summary, spec, cfg, setup)
    target = fixation.write(summary, text, args.out or cfg.output.dir, cfg.experiment.name)
    print(text.rstrip())
    print(f"\nreport: {target / 'fixation.md'}")
    return 0


def _add_robust_command(sub) -> None:
    """Policy answers across sampled worlds (implementation in ``sim.robust``)."""
    rb = sub.add_parser("robust", help="run every arm of a [compare] table in worlds sampled from the uncertainties "
                        "and report where the answer holds")
    rb.add_argument("config", type=Path, help="experiment TOML file with a [compare] table, e.g. "
                    "experiments/stylised_facts_robust.toml")
    rb.add_argument("--worlds", type=_positive_int, help="worlds to draw (default: robust.worlds, else 64)")
    rb.add_argument("--seeds", type=_positive_int, help="seeds per arm in each world (default: robust.seeds, else 4)")
    rb.add_argument("--out", type=Path, help="results folder (default: output.dir); written to OUT/<experiment>/robust")
    rb.add_argument("--workers", type=_positive_int, help="worker processes (default: all cores; 1 = this process)")
    rb.add_argument("--dask", metavar="ADDRESS", help="run on Dask: 'local', a scheduler address or a scheduler file")
    rb.add_argument("--resume", action="store_true", help="finish a robust run that was stopped")
    rb.set_defaults(func=cmd_robust)


def cmd_robust(args) -> int:
    from .robust import command

    return command.robust(args)


def _positive_int(text: str) -> int:
    return _whole(text, 1)


def _workers(text: str) -> int:
    """Worker processes: at least 1, at most four per core (more only queue for the cores
    and each costs a Python interpreter's memory)."""
    import os

    value, most = _whole(text, 1), 4 * (os.cpu_count() or 1)
    if value > most:
        raise argparse.ArgumentTypeError(f"at most {most} (four per core of this machine; got {text})")
    return value


def _non_negative_int(text: str) -> int:
    return _whole(text, 0)


def _add_sweep_commands(sub) -> None:
    """Batch sweeps (implementation in ``sim.sweep``, imported when a command runs)."""
    sw = sub.add_parser("sweep", help="run a parameter sweep (the config's [sweep] table) and write its results")
    sw.add_argument("config", type=Path,
                    help="experiment TOML file with a [sweep] table, e.g. experiments/sweep_example.toml")
    sw.add_argument("--out", type=Path,
                    help="results folder (default: output.dir); the sweep goes in OUT/<experiment name>")
    sw.add_argument("--workers", type=_workers,
                    help="worker processes (default: all cores; 1 = run in this process)")
    sw.add_argument("--dask", metavar="ADDRESS", help="run on Dask: 'local' (a LocalCluster), a scheduler address "
                    "such as tcp://host:8786, or a scheduler file (.json)")
    sw.add_argument("--resume", action="store_true",
                    help="finish a sweep that was stopped; runs already written are kept")
    sw.add_argument("--retry-errors", action="store_true",
                    help="with --resume: run again the runs that raised an error")
    _add_allow_large(sw)
    sw.set_defaults(func=cmd_sweep)
    sm = sub.add_parser("summarise", help="print the main outcomes of each point of a sweep")
    sm.add_argument("dir", type=Path, help="sweep folder, e.g. results/sweep_example")
    sm.add_argument("--outcomes", type=lambda s: [x.strip() for x in s.split(",") if x.strip()],
                    help="comma-separated outcomes to show (default: the main ones)")
    sm.set_defaults(func=cmd_summarise)
    se = sub.add_parser("sensitivity", help="Sobol sensitivity indices of a finished method = 'sobol' sweep")
    se.add_argument("dir", type=Path, help="sweep folder, e.g. results/sensitivity_example")
    se.add_argument("--outcome", action="append", help="outcome to analyse (repeatable; default: mean_cooperation)")
    se.set_defaults(func=cmd_sensitivity)


def cmd_sweep(args) -> int:
    from .sweep import commands

    return commands.sweep(args)


def cmd_summarise(args) -> int:
    from .sweep import commands

    return commands.summarise(args)


def cmd_sensitivity(args) -> int:
    from .sweep import commands

    return commands.sensitivity(args)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"collabsim: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("collabsim: interrupted; nothing was written for the unfinished run", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
