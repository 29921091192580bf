"""Compare mode's robustness check: the chosen regimes across sampled worlds, with the answer
``collabsim robust`` gives.

Why: compare mode's intervals cover seed noise in one set of assumed constants (how much a
leader weighs money, how far a stranger is trusted, ...), and a policy answer can rest on
those. The check plans worlds with ``sim.robust.plan.plan_worlds`` (a Latin hypercube over
the shipped ranges of ``sim.uncertainties``; every regime in a world on the world's seeds;
a regime that sets a sampled field keeps its own value), runs them on the project's one
engine (``sim.engine``, the app's worker pool, with progress and cancel), and analyses them
with ``sim.robust.report.answer``: the same shares of worlds, differences, PRIM boxes and
feature scores as the robust report, from the runs in memory instead of a folder.
"""

import threading
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from sim import engine, uncertainties
from sim.robust import analysis, report
from sim.robust.plan import Robust, RobustSpec, plan_worlds
from sim.sweep.executors import SerialExecutor

from . import batch
from .labels import OUTCOME_LABELS
from .levers import HORIZON, to_config

WORLDS = 16  # a workshop's wait: 16 worlds x 4 seeds x 2 regimes = 128 runs
SEEDS = 4
DESIGN_SEED = 1  # the Latin hypercube's seed: the same worlds every time, so a rerun agrees
OUTCOMES = list(OUTCOME_LABELS)  # the headline outcomes a check may ask about
WORLDS_A_BATCH = 8  # a batch's worlds: Python's per-month cost spread over 8 x seeds runs, and
# every regime's first worlds done within a second or two, whatever is cancelled after


@dataclass
class Robustness:
    arms: dict[str, dict]  # regime name -> app settings
    reference: str
    plan: Robust
    runs: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per finished run: point, replicate, outcomes
    cancelled: bool = False
    answer: dict | None = None  # sim.robust.report.answer's tables; None when fewer than 2 worlds finished

    @property
    def worlds_done(self) -> int:
        return 0 if self.answer is None else len(self.answer["worlds"].x)


def overrides(base: dict, data: dict) -> dict:
    """A regime's config as {section.field: value} where it differs from ``base`` (a field
    that holds a table, such as the tenure table, is one override), leaving out the seed,
    which the plan sets per world."""
    return {f"{s}.{k}": v for s, section in data.items() for k, v in section.items()
            if base[s][k] != v and f"{s}.{k}" != "experiment.seed"}


def plan_for(arms: dict[str, dict], reference: str, outcomes: list[str], worlds: int = WORLDS,
             seeds: int = SEEDS) -> Robust:
    """The worlds for app regimes: each regime's settings as overrides on the defaults at the
    regimes' common months and organisations, sampled over the shipped uncertainties.
    ``outcomes``: those the page shows (scenario discovery costs seconds per outcome)."""
    first = next(iter(arms.values()))
    footprint = {k: first[k] for k in (HORIZON, "network.n_orgs") if k in first}
    base = to_config(footprint).model_dump(mode="json")
    regimes = {name: overrides(base, to_config(values).model_dump(mode="json")) for name, values in arms.items()}
    ranges = uncertainties.resolve(None, base)
    return plan_worlds("compare", "the app's compare mode", base, regimes, reference, outcomes, [], ranges,
                       RobustSpec(worlds=worlds, seeds=seeds), DESIGN_SEED)


def run_robustness(arms: dict[str, dict], reference: str, outcomes: list[str], worlds: int = WORLDS, seeds: int = SEEDS,
                   workers: int | None = None, progress: Callable[[int, int], None] | None = None,
                   cancel: threading.Event | None = None) -> Robustness:
    """Run every regime in every world; ``progress(done, total)`` counts runs. Setting
    ``cancel`` stops early: the answer then covers the worlds every regime finished."""
    if len(arms) < 2:
        raise ValueError("pick at least two regimes to compare")
    if reference not in arms:
        raise ValueError(f"reference: {reference!r} is not one of the chosen regimes")
    unknown = [o for o in outcomes if o not in OUTCOMES]
    if not outcomes or unknown:
        raise ValueError(f"outcomes: choose from {', '.join(OUTCOMES)}" + (f" (got {unknown[0]!r})" if unknown else ""))
    plan = plan_for(arms, reference, outcomes, worlds, seeds)
    jobs = plan.jobs()
    replicate = {(job.key, s): r for job in jobs for r, s in enumerate(job.seeds)}
    workers = batch.default_workers() if workers is None else workers
    executor = SerialExecutor() if workers == 0 else batch.worker_pool(workers)
    cancel = cancel or threading.Event()
    rows = []
    # A regime's worlds share batches (they differ only in assumed constants, which a model's
    # replicates may hold apart), up to WORLDS_A_BATCH worlds; runs are taken world by world
    # (jobs are in point order: a world's regimes together), so worlds finish about in order
    # and a cancel keeps whole worlds of every regime; a world with a run missing is left out.
    for run in engine.run_many(jobs, executor=executor, progress=progress, cancel=cancel,
                               max_batch=WORLDS_A_BATCH * plan.seeds, by="job"):
        rows.append({"point": run.key, "replicate": replicate[(run.key, run.seed)], "seed": run.seed,
                     **{k: float(run.outcomes[k]) for k in plan.outcomes}})
    result = Robustness(dict(arms), reference, plan, cancelled=cancel.is_set() and len(rows) < plan.n_runs)
    result.runs = pd.DataFrame(rows, columns=["point", "replicate", "seed", *plan.outcomes]).sort_values(
        ["point", "replicate"], kind="stable", ignore_index=True)
    if len(rows):
        finished = analysis.worlds_of(plan, result.runs)
        if len(finished.x) >= 2:
            result.answer = report.answer(plan, finished)
    return result
