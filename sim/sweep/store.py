"""The on-disk layout of a sweep, written so that a kill at any moment loses nothing.

    <folder>/sweep.json          manifest: base config, parameters, points, seeds, versions
    <folder>/runs/pNNNNNN-rAAA-BBB.parquet   finished runs AAA to BBB of point NNNNNN (one
                                          batch; pNNNNNN-rAAA.parquet for a batch of one;
                                          pNNNNNN-rAAA-BBB+SxK.parquet: the same runs of K
                                          points NNNNNN, NNNNNN + S, ..., such as the worlds of
                                          one arm of a robust run): their time series (one row
                                          per run and step, with the run's ids), and their
                                          ids, status and end-of-run outcomes in the file's
                                          footer (key ``collabsim.run``, the run records as
                                          columns, ``read_run_columns``; a run's parameters are
                                          its point's, in the manifest)
    <folder>/errors/pNNNNNN-rRRR.json    one run that raised: its parameters and the error
    <folder>/summary.parquet      one row per run (written when the sweep finishes)
    <folder>/.lock                held (flock) by the one sweep writing the folder

A batch of runs (consecutive replicates of one point, or of points that can share a model,
run as one model; ``sim.engine``) is written as one file, or a few where its points do not
step evenly: one Parquet write and one flush to disk for hundreds of runs, which is
what lets a sweep keep up with the model (a file per run cost more than the run itself).
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

import pyarrow as pa
import pyarrow.parquet as pq
import pydantic_core

RUN_KEY = b"collabsim.run"
RUN_SHA_KEY = b"collabsim.run.sha256"
MANIFEST = "sweep.json"
SUMMARY = "summary.parquet"
LOCK = ".lock"
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def run_name(point: int, replicate: int) -> str:
    return f"p{point:06d}-r{replicate:03d}"


def batch_name(point: int, first: int, last: int, step: int = 1, count: int = 1) -> str:
    """The file name (without suffix) of runs ``first``..``last`` (inclusive) of ``point``
    and, with ``count`` > 1, of the points ``point + step``, ... (``count`` in all)."""
    name = run_name(point, first) if first == last else f"{run_name(point, first)}-{last:03d}"
    return name if count == 1 else f"{name}+{step}x{count}"


def batch_runs(name: str) -> tuple[range, int, int]:
    """(points, first, last) of a batch file's name (a run's name too: its point and
    replicate); ValueError if it is not one."""
    head, plus, spread = name.partition("+")
    point, _, reps = head.partition("-r")
    first, _, last = reps.partition("-")
    step, _, count = spread.partition("x")
    if (not point.startswith("p") or not point[1:].isdigit() or not first.isdigit() or (last and not last.isdigit())
            or (plus and not (step.isdigit() and count.isdigit() and int(step) > 0 and int(count) > 1))):
        raise ValueError(name)
    start, step, count = int(point[1:]), int(step or 1), int(count or 1)
    return range(start, start + step * count, step), int(first), int(last or first)


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


def write_json(path: Path, data: dict, encoded: dict | None = None) -> None:
    """``data`` as JSON (``to_json``), a line per top-level key, each value compact.
    ``encoded``: {key: (value, its JSON)} kept from an earlier write of the same keys, so a
    value that is the very same object is not encoded again (the manifest's plan, most of
    it, at the end of a sweep); values written are added to it."""
    encoded = {} if encoded is None else encoded
    lines = []
    for key, value in data.items():
        if key not in encoded or encoded[key][0] is not value:
            encoded[key] = value, to_json(value)
        lines.append(b"  " + to_json(key) + b": " + encoded[key][1])
    text = b"{\n" + b",\n".join(lines) + b"\n}\n" if lines else b"{}\n"
    write_atomic(path, lambda tmp: _write_bytes(tmp, text))


def to_json(value) -> bytes:
    """``value`` as compact JSON, ASCII as Python's json writes it (other characters
    escaped): pydantic's encoder, six times as fast as the standard library's on a robust
    run's plan (1.4 MB of points: 5 ms against 24, at the start of every sweep). numpy's
    numbers are written as plain numbers, NaN as NaN."""
    return pydantic_core.to_json(value, ensure_ascii=True, fallback=_json_default)


def from_json(data: bytes | str):
    """JSON (NaN and Infinity allowed, as ``to_json`` and Python's json write them) as
    Python values: pydantic's parser, about three times as fast as the standard library's
    on run records."""
    return pydantic_core.from_json(data, allow_inf_nan=True)


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
        self._index = None  # point -> [(first, last, batch)]: see run_path
        self._failed = None  # names of the runs with an error record: see state
        self._last_hit = None  # (point, first, last, path) of the file run_path found last

    def create(self) -> None:
        self.runs.mkdir(parents=True, exist_ok=True)
        self.errors.mkdir(exist_ok=True)

    def read_manifest(self) -> dict | None:
        """The manifest, None when there is none, or a ConfigError when it is damaged."""
        from ..config import ConfigError

        try:
            data = from_json(self.manifest.read_bytes())
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

    def batch_path(self, batch: str) -> str:
        return os.path.join(self._runs, f"{batch}.parquet")

    def error_path(self, name: str) -> str:
        return os.path.join(self._errors, f"{name}.json")

    def batches(self):
        """Names of the run files (batches), streamed from the folder."""
        for batch in _names(self.runs, ".parquet"):
            try:
                batch_runs(batch)
            except ValueError:
                continue  # not a run file of ours
            yield batch

    def run_names(self):
        """Names of the finished runs, streamed from the folder (no list is built)."""
        for batch in self.batches():
            points, first, last = batch_runs(batch)
            for point in points:
                for rep in range(first, last + 1):
                    yield run_name(point, rep)

    def error_names(self):
        """Names of the runs that raised and have not since finished."""
        self.refresh()
        return (n for n in _names(self.errors, ".json") if self.run_path(n) is None)

    def finished(self) -> set[str]:
        return set(self.run_names())

    def refresh(self) -> None:
        """Forget the index of run files and error records: the folder changed."""
        self._index = self._failed = self._last_hit = None

    def run_path(self, name: str) -> str | None:
        """The file that holds finished run ``name``, or None. Looked up in an index of the
        batch files (one entry per file, built on first use; ``refresh`` after writing)."""
        points, rep, _ = batch_runs(name)
        return self._path_of(points[0], rep)

    def _path_of(self, point: int, rep: int) -> str | None:
        """``run_path`` of the run (point, rep)."""
        hit = self._last_hit  # runs are mostly asked for in order: try the last file first
        if hit and hit[0] == point and hit[1] <= rep <= hit[2]:
            return hit[3]
        for first, last, batch in self._files().get(point, ()):
            if first <= rep <= last:
                self._last_hit = (point, first, last, self.batch_path(batch))
                return self._last_hit[3]
        return None

    def _files(self) -> dict:
        """point -> [(first, last, batch)]: the run files, indexed once (``refresh`` after writing)."""
        if self._index is None:
            self._index = {}
            for batch in self.batches():
                points, first, last = batch_runs(batch)
                for point in points:
                    self._index.setdefault(point, []).append((first, last, batch))
        return self._index

    def holders(self, points, replicates: int) -> dict[str, list[tuple[int, int]]]:
        """Which file holds each finished run of ``points`` (replicates below
        ``replicates``), as ``run_path`` finds it: {batch: [(point, replicate), ...]}, the
        files in the order their first run comes, their runs in run order."""
        out: dict[str, list[tuple[int, int]]] = {}
        for point in points:
            found = set()
            for first, last, batch in self._files().get(point, ()):
                runs = [(point, r) for r in range(first, min(last + 1, replicates)) if r not in found]
                if runs:
                    found.update(r for _, r in runs)
                    out.setdefault(batch, []).extend(runs)
        return out

    def failed(self) -> set[str]:
        """Names of the runs with an error record (listed once, like the run files' index)."""
        if self._failed is None:
            self._failed = set(_names(self.errors, ".json"))
        return self._failed

    def state(self, name: str) -> str | None:
        """"ok", "error" or None (not run yet) for one run."""
        points, rep, _ = batch_runs(name)
        return self.state_at(points[0], rep)

    def state_at(self, point: int, replicate: int) -> str | None:
        """``state`` of the run (point, replicate), without its name where no error record
        needs it (a sweep asks it of every run as it plans them)."""
        if self._path_of(point, replicate) is not None:
            return "ok"
        failed = self.failed()
        return "error" if failed and run_name(point, replicate) in failed else None

    def run_info(self, name: str) -> dict:
        """Finished run ``name``'s record (ids, seed, status, outcomes), from its file's
        footer (the run table reads whole files: ``sim.results``)."""
        path = self.run_path(name)
        if path is None:
            raise DamagedRun("no file holds it")
        points, rep, _ = batch_runs(name)
        for info in read_run_info(path):
            if (info.get("point"), info.get("replicate")) == (points[0], rep):
                return info
        raise DamagedRun("its file's record does not list it")

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
        flipped); their runs will be run again. Returns the files' names."""
        bad = []
        for batch in list(self.batches()):
            if check_run(self.batch_path(batch), full=True):
                os.unlink(self.batch_path(batch))
                bad.append(batch)
        self.refresh()
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


def write_runs(folder: Folder, table: pa.Table, infos: list[dict]) -> None:
    """Finished runs: the same consecutive replicates of each of points that step evenly
    (``batch_name``); their series as rows of ``table`` and ``infos`` (a record per run: ids,
    parameters, outcomes) in the footer."""
    points = list(dict.fromkeys(info["point"] for info in infos))
    reps = [info["replicate"] for info in infos if info["point"] == points[0]]
    step = points[1] - points[0] if len(points) > 1 else 1
    expect = [(p, r) for p in range(points[0], points[0] + step * len(points), step) for r in reps] if step > 0 else []
    if reps != list(range(reps[0], reps[0] + len(reps))) or [(i["point"], i["replicate"]) for i in infos] != expect:
        raise ValueError("a run file holds the same consecutive replicates of evenly stepped points (got "
                         f"{[(i['point'], i['replicate']) for i in infos]})")
    record = to_json({"columns": _columns(infos)})
    path = folder.batch_path(batch_name(points[0], reps[0], reps[-1], step, len(points)))
    # Dictionary encoding only where values repeat (ids, step, text): tried on the monthly
    # outcomes it is given up column by column, and the write took 1.5x as long.
    repeating = [f.name for f in table.schema if not pa.types.is_floating(f.type)]
    # Encoded in memory and written in one call: the same bytes, without Arrow's many small
    # writes to the file (timed on a batch of 256 runs: as fast or faster, never slower).
    # The run records go in the footer's key-value metadata once: Arrow's own copy of the
    # schema (store_schema) would hold them a second time, base64-encoded, and reading the
    # footer took seven times as long. Every column's type is a plain Parquet type, so the
    # table reads back the same without it.
    # Min/max statistics for the ids, parameters and step (what a query filters on, and
    # what tells DuckDB which files to skip), not for the outcomes that follow them; and
    # version 2 data pages (read by Arrow, DuckDB, Spark and polars alike). A 256-run file
    # of a robust run encoded in 23 ms instead of 28 (benchmarks/README.md).
    names = table.column_names
    described = names[: names.index("step") + 1] if "step" in names else names
    encoded = pa.BufferOutputStream()
    with pq.ParquetWriter(encoded, table.schema.remove_metadata(), write_page_checksum=True,
                          use_dictionary=repeating, store_schema=False, write_statistics=described,
                          data_page_version="2.0") as writer:
        writer.write_table(table)
        writer.add_key_value_metadata(footer(record))
    write_atomic(path, lambda tmp: _write_bytes(tmp, encoded.getvalue()))
    failed = folder.failed()  # listed once: a try per run cost more than the listing
    for name in (run_name(info["point"], info["replicate"]) for info in infos):
        if name in failed:  # an earlier failure, now retried
            with suppress(FileNotFoundError):
                os.unlink(folder.error_path(name))


def footer(record: bytes) -> dict[bytes, bytes]:
    """The key-value metadata a run file's footer holds: the run records (JSON) and their
    SHA-256, which ``read_run_columns`` checks."""
    return {RUN_KEY: record, RUN_SHA_KEY: hashlib.sha256(record).hexdigest().encode()}


def _write_bytes(path: str, data) -> None:
    with open(path, "wb") as fh:
        fh.write(memoryview(data))


def write_error(folder: Folder, name: str, info: dict) -> None:
    write_json(folder.error_path(name), info)


def _columns(infos: list[dict]) -> dict:
    """Run records as columns: a list per key, and the outcomes as a list per outcome (the
    records of one file share their keys). JSON reads them back in about half the time it
    took for records one by one, and the summary takes each column whole."""
    columns = {k: [info[k] for info in infos] for k in infos[0] if k != "outcomes"}
    if "outcomes" in infos[0]:
        columns["outcomes"] = {name: [info["outcomes"][name] for info in infos] for name in infos[0]["outcomes"]}
    return columns


def read_run_info(path: str) -> list[dict]:
    """The run records in a run file's footer, one per run it holds (``read_run_columns``
    as records)."""
    columns = read_run_columns(path)
    try:
        outcomes = columns.pop("outcomes", None)
        infos = [dict(zip(columns, row)) for row in zip(*columns.values())]
        if outcomes is not None:
            rows = zip(*outcomes.values()) if outcomes else [()] * len(infos)
            for info, row in zip(infos, rows, strict=True):
                info["outcomes"] = dict(zip(outcomes, row))
    except (AttributeError, TypeError, ValueError):
        raise DamagedRun("run record is not a table of runs") from None
    return infos


def read_run_columns(path: str) -> dict:
    """The run records in a run file's footer as columns (``_columns``: a list per key, the
    outcomes a list per outcome); DamagedRun if they are missing or do not match their
    checksum. (Files written before this held a list of records, and before runs were
    batched one record: both read as columns.)"""
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
        data = from_json(record)
    except ValueError:
        raise DamagedRun("run record is not valid JSON") from None
    if isinstance(data, dict) and isinstance(data.get("columns"), dict):
        columns, outcomes = data["columns"], data["columns"].get("outcomes", {})
        lists = [v for k, v in columns.items() if k != "outcomes"]
        lists += list(outcomes.values()) if isinstance(outcomes, dict) else [None]
        if not all(isinstance(v, list) for v in lists) or len({len(v) for v in lists}) != 1:
            raise DamagedRun("run record is not a table of runs")
        return columns
    infos = data if isinstance(data, list) else [data]  # earlier files: records one by one
    try:
        return _columns(infos)
    except (IndexError, KeyError, TypeError, AttributeError):
        raise DamagedRun("run record is not a table of runs") from None


class DamagedRun(ValueError):
    """A run file that cannot be trusted; the message says why."""


def check_run(path: str, full: bool = False) -> str | None:
    """Why the run file at ``path`` cannot be trusted, or None when it is sound: its footer
    and run record (checksummed), and with ``full`` every page of its series (Parquet page
    checksums) and its row count."""
    try:
        columns = read_run_columns(path)
        if full:
            table = pq.read_table(path, page_checksum_verification=True)
            steps = sum(s or 0 for s in columns.get("outcomes", {}).get("steps", []))
            if table.num_rows != steps:
                return f"{table.num_rows} rows where the run records say {steps} steps"
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
