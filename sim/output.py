"""Writing a finished run: Parquet tables plus a JSON manifest, all or nothing.

Files are written into a hidden temporary folder beside the target and moved into place
only when complete, so an interrupted or failed run never leaves a partial result and a
re-run replaces an earlier one in a single rename.
"""

import json
import os
import platform
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import pandas as pd

from . import metrics

PACKAGES = ("collabsim", "mesa", "numpy", "numba", "networkx", "pandas", "pyarrow", "pydantic")


def model_table(model, replicate: int = 0) -> pd.DataFrame:
    """One run's monthly outcomes (``sim.metrics.SERIES``), a row per month."""
    return model.recorder.frame(replicate)


def agent_table(model, replicate: int = 0) -> pd.DataFrame:
    """One run's agent data, recorded every ``output.agent_every`` months (empty when 0)."""
    return model.recorder.agents(replicate)


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_revision() -> str:
    """The source tree's commit, with '+dirty' if it has uncommitted changes."""
    here = Path(__file__).resolve().parent
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5)
        if rev.returncode != 0:
            return "unknown"
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "."], cwd=here.parent,
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return rev.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def run_dir(base: str | Path, name: str, seed: int) -> Path:
    return Path(base) / name / f"seed-{seed}"


def write_run(model, target: Path) -> dict:
    """Write model.parquet, agents.parquet and manifest.json to ``target`` atomically;
    returns the manifest."""
    model_df = model_table(model)
    summary = metrics.summarise(model_df, model.config)
    manifest = {
        "experiment": model.config.experiment.name,
        "seed": model.seed,
        "steps": int(model.steps),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git_revision": git_revision(),
        "versions": versions(),
        "network": {"organisations": model.network.n_nodes, "edges": model.network.n_edges},
        "summary": summary,
        "config": model.config.model_dump(mode="json"),
    }
    with replace_dir(target) as tmp:
        model_df.to_parquet(tmp / "model.parquet", index=False)
        agent_table(model).to_parquet(tmp / "agents.parquet", index=False)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=_json_default))
    return manifest


@contextmanager
def replace_dir(target: str | Path):
    """Yield a hidden temporary folder beside ``target``; on success it replaces ``target``
    in one rename, on failure it is removed and ``target`` is left as it was."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield tmp
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            target.rename(old)
        tmp.rename(target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
