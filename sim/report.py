"""The short summary printed after a run: the main outcomes at the end and over time."""

from . import metrics
from .output import model_table


def print_summary(model, manifest: dict, target, elapsed: float) -> None:
    df = model_table(model)
    cols = ["cooperation", "mutual_cooperation", "mean_trust", "hawk_share", "system_balance",
            "in_deficit", "turnover_total", "patient_benefit_total"]
    n = len(df)
    rows = sorted({max(0, round(n * q) - 1) for q in (0.0, 0.25, 0.5, 0.75, 1.0)} | {0, n - 1})
    table = df.iloc[rows][["step", *cols]].set_index("step")
    net = manifest["network"]
    s = manifest["summary"]
    print(f"{manifest['experiment']}: seed {manifest['seed']}, {n} steps, "
          f"{net['organisations']} organisations, {net['edges']} relationships, ran in {elapsed:.2f}s")
    print()
    print(table.to_string(float_format=lambda x: f"{x:.3f}"))
    print()
    for name in metrics.headline():
        print(f"{metrics.label(name)}: {s[name]:.3f}")
    print(f"time to stable cooperation: {_when(s['time_to_stable_cooperation'])}   "
          f"time to collapse: {_when(s['time_to_collapse'])}")
    print(f"results: {target}")


def _when(step) -> str:
    return "never" if step is None else f"step {step}"
