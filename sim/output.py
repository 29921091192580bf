"""Writing a finished run: Parquet tables plus a JSON manifest, all or nothing.

Files are written into a hidden temporary folder beside the target and moved into place
only when complete, so an interrupted or failed run never leaves a partial result; a
re-run swaps the new folder with the old in one atomic exchange (Linux ``renameat2``), so
a kill at any moment leaves either the old result or the new one at the target, and the
hidden folders a killed writer leaves are cleaned up by the next write. Where the target
goes is checked before the simulation starts (``check_target``): inside the output
folder, writable, and not holding a run of a different config unless ``--overwrite``.
"""

import ctypes
import functools
import hashlib
import json
import math
import os
import platform
import shutil
import subprocess
import tempfile
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import pandas as pd

from . import metrics
from .config import ConfigError

PACKAGES = ("collabsim", "mesa", "numpy", "numba", "networkx", "pandas", "pyarrow", "pydantic")


def model_table(model, replicate: int = 0) -> pd.DataFrame:
    """One run's monthly outcomes (``sim.metrics.SERIES``), a row per month."""
    return model.recorder.frame(replicate)


def agent_table(model, replicate: int = 0) -> pd.DataFrame:
    """One run's agent data, recorded every ``output.agent_every`` months (empty when 0)."""
    return model.recorder.agents(replicate)


@functools.cache
def _package_versions() -> tuple:
    """Looked up once a process: reading packages' metadata costs milliseconds a package."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return tuple(out.items())


def versions() -> dict[str, str]:
    return dict(_package_versions())


@functools.cache
def git_revision() -> str:
    """The source tree's commit, with '+dirty' if it had uncommitted changes, when first
    asked in this process (the code it runs was loaded then; two git calls take tens of ms)."""
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
    """Where a run's results go; ``name`` is a safe folder name (checked by the config)."""
    return Path(base) / name / f"seed-{seed}"


def config_hash(config) -> str:
    """Identifies what a run computes: its whole config except where results are written."""
    data = config.model_dump(mode="json")
    data["output"].pop("dir", None)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def check_writable(folder: str | Path, field: str) -> Path:
    """Refuse, before any work, an output folder that cannot be written: a NUL byte, a name
    the file system cannot hold, a file where a folder is needed, or no write permission.
    Nothing is created here; returns the folder as an absolute path."""
    text = os.fspath(folder)
    if "\0" in text:
        raise ConfigError(f"{field}: the folder name contains a NUL character")
    path = Path(os.path.abspath(text))
    for part in path.parts:
        if len(os.fsencode(part)) > 255:
            raise ConfigError(f"{field}: the name {part[:40]!r}... is {len(os.fsencode(part))} bytes long; "
                              "a file system allows at most 255")
    if len(os.fsencode(str(path))) > 4000:
        raise ConfigError(f"{field}: the folder path is too long for the file system")
    probe = path
    while not probe.exists():
        if probe.is_symlink():  # a dangling link
            raise ConfigError(f"{field}: {probe} is a broken link")
        probe = probe.parent
    if not probe.is_dir():
        raise ConfigError(f"{field}: {probe} is a file, not a folder; give a folder for the results")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ConfigError(f"{field}: cannot write to {probe} (permission denied); give a folder you can write to")
    return path


def check_target(base: str | Path, target: str | Path, config, overwrite: bool = False,
                 field: str = "--out") -> bool:
    """Check, before the simulation, that ``target`` lies inside ``base``, can be written,
    and does not hold a run of a different config (same name and seed) unless
    ``overwrite``; returns True when an earlier result of the same config will be replaced."""
    root = check_writable(base, field)
    path = Path(os.path.abspath(target))
    if path != root and root not in path.parents:
        raise ConfigError(f"experiment.name: results would be written outside {root}")
    check_writable(path, field)
    try:
        earlier = json.loads((path / "manifest.json").read_text())
    except (OSError, ValueError):
        return path.exists()
    if overwrite:
        return True
    recorded = earlier.get("config_hash") if isinstance(earlier, dict) else None
    if recorded is None and isinstance(earlier, dict) and isinstance(earlier.get("config"), dict):
        try:
            from .config import validate

            recorded = config_hash(validate(earlier["config"]))
        except ConfigError:
            recorded = None
    if recorded != config_hash(config):
        raise ConfigError(f"experiment.name: {path} holds a run of a different config with the same name and "
                          "seed; give the experiment another name, or pass --overwrite to replace it "
                          "(nothing was changed)")
    return True


def write_run(model, target: Path) -> dict:
    """Write model.parquet, agents.parquet and manifest.json to ``target`` atomically;
    returns the manifest."""
    model_df = model_table(model)
    summary = metrics.summarise(model_df, model.config)
    manifest = {
        "experiment": model.config.experiment.name,
        "seed": model.seed,
        "config_hash": config_hash(model.config),
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
        (tmp / "manifest.json").write_text(strict_json(manifest))
    return manifest


def strict_json(data) -> str:
    """JSON that strict readers accept: a value that is not a finite number (an outcome
    that never happened, say) is written as null, never as NaN or Infinity."""
    return json.dumps(_finite(data), indent=2, default=_json_default, allow_nan=False)


def _finite(value):
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@contextmanager
def replace_dir(target: str | Path):
    """Yield a hidden temporary folder beside ``target``; on success it takes ``target``'s
    place in one atomic step, on failure it is removed and ``target`` is left as it was."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-", dir=target.parent))
    try:
        yield tmp
        _move_into_place(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _move_into_place(new: Path, target: Path) -> None:
    if not target.exists():
        new.rename(target)
        return
    if _exchange(new, target):  # the old result is now at ``new``
        shutil.rmtree(new, ignore_errors=True)
        return
    # No atomic exchange on this system: two renames; a kill between them leaves the old
    # result at .NAME.old-PID, which the next write (clean_stale) puts back.
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where the system
    or file system cannot."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: not supported here
        return False
    raise OSError(err, os.strerror(err), str(b))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def clean_stale(target: str | Path) -> int:
    """Remove the hidden folders that writers of ``target`` left when they were killed
    (their process is gone); an old result left between two renames is put back first.
    Returns how many were removed."""
    target = Path(target)
    removed = 0
    if not target.parent.is_dir():
        return 0
    for entry in target.parent.iterdir():
        for kind in ("tmp", "old"):
            head = f".{target.name}.{kind}-"
            if not entry.name.startswith(head):
                continue
            pid = entry.name[len(head):].split("-")[0]
            if not pid.isdigit() or _alive(int(pid)):
                continue
            if kind == "old" and not target.exists():
                with suppress(OSError):
                    entry.rename(target)
                    continue
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
