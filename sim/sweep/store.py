"""The on-disk layout of a sweep, written so that a kill at any moment loses nothing.

    <folder>/sweep.json          manifest: base config, parameters, points, seeds, versions
    <folder>/runs/pNNNNNN-rRRR.parquet   one finished run: its time series (one row per step);
                                          its parameters and end-of-run outcomes are also in
                                          the file's footer (key ``collabsim.run``)
    <folder>/errors/pNNNNNN-rRRR.json    one run that raised: its parameters and the error
    <folder>/summary.parquet      one row per run (written when the sweep finishes)
    <folder>/.lock                held (flock) by the one sweep writing the folder

Every file is written to a hidden temporary name in its own folder, flushed to disk and
renamed into place, so a file either exists whole or not at all; what is done is read from
the files present, never from a log that a crash could leave behind. A file damaged later
(truncated by a full disk or a copy, bytes flipped on a bad disk) is caught by checksums:
Parquet's page checksums cover the series, and the footer's run record carries its own
SHA-256 (``check_run``); readers skip such files and say so, and ``--resume`` runs them
again.
"""

import hashlib
import json
import os
import tempfile
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

RUN_KEY = b"collabsim.run"
RUN_SHA_KEY = b"collabsim.run.sha256"
MANIFEST = "sweep.json"
SUMMARY = "summary.parquet"
LOCK = ".lock"
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def run_name(point: int, replicate: int) -> str:
    return f"p{point:06d}-r{replicate:03d}"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# Per-run paths are plain strings: on Python 3.12 every pathlib.Path interns its parts
# for good, so a Path per run would grow memory with the number of runs.


def write_atomic(path: str | Path, write) -> None:
    """Call ``write(tmp)`` on a hidden temporary file (a str path) beside ``path``, flush it
    to disk and rename it to ``path``; on any failure the temporary file is removed."""
    folder, name = os.path.split(os.fspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes files private; results are ordinary files
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(folder)


def _fsync_dir(folder: str) -> None:
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_json(path: Path, data: dict) -> None:
    text = json.dumps(data, indent=2, default=_json_default)

    def write(tmp: str) -> None:
        with open(tmp, "w") as fh:
            fh.write(text)

    write_atomic(path, write)


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class Folder:
    """Paths of one sweep's folder, and what its files say is done."""

    def __init__(self, root: str | Path):
        self.root = Path(root).absolute()
        self.runs = self.root / "runs"
        self.errors = self.root / "errors"
        self.manifest = self.root / MANIFEST
        self.summary = self.root / SUMMARY
        self._runs, self._errors = str(self.runs), str(self.errors)

    def create(self) -> None:
        self.runs.mkdir(parents=True, exist_ok=True)
        self.errors.mkdir(exist_ok=True)

    def read_manifest(self) -> dict | None:
        """The manifest, None when there is none, or a ConfigError when it is damaged."""
        from ..config import ConfigError

        try:
            data = json.loads(self.manifest.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{self.manifest}: damaged or unreadable ({type(exc).__name__}: "
                              f"{str(exc)[:100]}); the runs in {self.runs} are intact, but this folder can only "
                              "be resumed or read with its sweep.json; start the sweep again with another --out") from None
        if not isinstance(data, dict) or not {"points", "spec", "parameters"} <= set(data):
            raise ConfigError(f"{self.manifest}: not a collabsim sweep manifest; start the sweep with another --out")
        return data

    @contextmanager
    def lock(self):
        """Hold the folder's lock while writing to it: a second sweep into the same folder
        stops at once instead of mixing its runs with this one's. The lock is an flock, so
        a sweep killed with kill -9 releases it."""
        from ..config import ConfigError

        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            yield
            return
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK, os.O_RDWR | os.O_CREAT, 0o666 & ~_UMASK)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ConfigError(f"{self.root}: another collabsim sweep is writing to this folder; wait for it to "
                                  "finish, or give another --out (nothing was changed)") from None
            yield
        finally:
            os.close(fd)

    def run_path(self, name: str) -> str:
        return os.path.join(self._runs, f"{name}.parquet")

    def error_path(self, name: str) -> str:
        return os.path.join(self._errors, f"{name}.json")

    def run_names(self):
        """Names of the finished runs, streamed from the folder (no list is built)."""
        return _names(self.runs, ".parquet")

    def error_names(self):
        """Names of the runs that raised and have not since finished."""
        return (n for n in _names(self.errors, ".json") if not os.path.exists(self.run_path(n)))

    def finished(self) -> set[str]:
        return set(self.run_names())

    def state(self, name: str) -> str | None:
        """"ok", "error" or None (not run yet) for one run."""
        if os.path.exists(self.run_path(name)):
            return "ok"
        return "error" if os.path.exists(self.error_path(name)) else None

    def remove_temporary(self) -> int:
        """Delete temporary files left by writers that were killed mid-write."""
        count = 0
        for folder in (self.root, self.runs, self.errors):
            for p in folder.glob(".*.tmp") if folder.exists() else ():
                with suppress(FileNotFoundError):
                    p.unlink()
                    count += 1
        return count

    def drop_damaged(self) -> list[str]:
        """Remove run files that fail ``check_run`` in full (truncated, empty, bytes
        flipped); they will be run again. Returns their names."""
        bad = []
        for name in list(self.run_names()):
            if check_run(self.run_path(name), full=True):
                os.unlink(self.run_path(name))
                bad.append(name)
        return bad


def _names(folder: Path, suffix: str):
    if not folder.exists():
        return
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.endswith(suffix) and not entry.name.startswith("."):
                yield entry.name[: -len(suffix)]


def cell(value):
    """A parameter value as a table cell: lists and tables (e.g. a type mix) as JSON text."""
    return json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else value


def write_run(folder: Folder, name: str, series: pd.DataFrame, info: dict) -> None:
    """One finished run: its series as rows, ``info`` (ids, parameters, outcomes) in the footer."""
    table = pa.Table.from_pandas(series, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    record = json.dumps(info, default=_json_default).encode()
    meta[RUN_KEY] = record
    meta[RUN_SHA_KEY] = hashlib.sha256(record).hexdigest().encode()
    table = table.replace_schema_metadata(meta)
    write_atomic(folder.run_path(name), lambda tmp: pq.write_table(table, tmp, write_page_checksum=True))
    with suppress(FileNotFoundError):
        os.unlink(folder.error_path(name))  # an earlier failure of this run, now retried


def write_error(folder: Folder, name: str, info: dict) -> None:
    write_json(folder.error_path(name), info)


def read_run_info(path: str) -> dict:
    """The run record in a run file's footer; DamagedRun if it is missing or does not match
    its checksum."""
    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowException) as exc:
        raise DamagedRun(f"footer unreadable ({type(exc).__name__})") from None
    record = meta.get(RUN_KEY)
    if record is None:
        raise DamagedRun("no run record in its footer")
    expected = meta.get(RUN_SHA_KEY)
    if expected is not None and hashlib.sha256(record).hexdigest().encode() != expected:
        raise DamagedRun("run record does not match its checksum")
    try:
        return json.loads(record)
    except ValueError:
        raise DamagedRun("run record is not valid JSON") from None


class DamagedRun(ValueError):
    """A run file that cannot be trusted; the message says why."""


def check_run(path: str, full: bool = False) -> str | None:
    """Why the run file at ``path`` cannot be trusted, or None when it is sound: its footer
    and run record (checksummed), and with ``full`` every page of its series (Parquet page
    checksums) and its row count."""
    try:
        info = read_run_info(path)
        if full:
            table = pq.read_table(path, page_checksum_verification=True)
            steps = (info.get("outcomes") or {}).get("steps")
            if steps is not None and table.num_rows != steps:
                return f"{table.num_rows} rows where the run record says {steps} steps"
    except DamagedRun as exc:
        return str(exc)
    except (OSError, pa.ArrowException, ValueError) as exc:
        return f"series unreadable ({type(exc).__name__})"
    return None


def read_error_info(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        raise DamagedRun(f"error record unreadable ({type(exc).__name__})") from None
