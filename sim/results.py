"""Reading a sweep's results (the folder ``collabsim sweep`` writes) into pandas.

``load(dir)``: one row per run (ids, parameters, status, end-of-run outcomes), read from the
run files' footers and the error records, so it works while a sweep is still running or
after it was killed. ``load_series(dir)``: the runs' time series, one row per run and step.
``by_point(dir)``: the mean outcomes of each parameter point over its seeds.

A run file that is damaged (truncated, emptied, bytes flipped; see ``store.check_run``)
is skipped with a warning naming it, and listed in the table's ``attrs["damaged"]``;
``collabsim sweep --resume`` runs it again.

The same files read directly in DuckDB:
``SELECT * FROM 'DIR/summary.parquet'`` and ``SELECT * FROM 'DIR/runs/*.parquet'``.
"""

import itertools
import warnings
from collections import deque
from pathlib import Path

import numpy as np
import pandas as pd

from .config import ConfigError
from .sweep import store
from .sweep.executors import SerialExecutor

IDS = ["run", "point", "replicate", "seed"]
MAIN_OUTCOMES = ["mean_cooperation", "final_cooperation", "final_mean_trust", "final_hawk_share",
                 "final_system_balance", "turnover_total"]


def open_sweep(path: str | Path) -> tuple[store.Folder, dict]:
    """The sweep folder at ``path`` and its manifest, or a ConfigError saying what it is not."""
    folder = store.Folder(path)
    manifest = folder.read_manifest()
    if manifest is None:
        what = "does not exist" if not folder.root.exists() else f"has no {store.MANIFEST}"
        raise ConfigError(f"{path}: not a sweep folder ({what}); give the folder `collabsim sweep` wrote, "
                          "e.g. results/<experiment name>")
    return folder, manifest


def load(path: str | Path) -> pd.DataFrame:
    """One row per finished or failed run, in run order."""
    folder, manifest = open_sweep(path)
    damaged: list[str] = []
    frame = _runs(folder, list(manifest["parameters"]), manifest["points"], 0, manifest["spec"]["seeds"], damaged)
    _report(frame, damaged)
    return frame


def _report(frame: pd.DataFrame, damaged: list[str]) -> None:
    frame.attrs["damaged"] = damaged
    if damaged:
        warnings.warn(f"{len(damaged)} damaged run file(s) skipped (first: {damaged[0]}); run the sweep again "
                      "with --resume to run them again", stacklevel=3)


def write_summary(path: str | Path, target: str | Path, chunk: int = 1000, executor=None, window: int = 2,
                  manifest: dict | None = None) -> None:
    """Write ``load(path)`` to a Parquet file a chunk of runs (whole points: ``summary_chunks``)
    at a time, so that the memory it takes does not grow with the number of runs: a first
    pass reads the run records into a table per chunk, kept in temporary Arrow files, and
    settles each column's type over all chunks; the second writes them (so the run records,
    most of the cost, are read once). A chunk's files are read in parts of about ``chunk``
    runs, more where there are fewer chunks than ``window // 2`` (a sweep's window is twice
    its workers), on ``executor`` (a sweep's workers; default this process), ``window``
    parts at a time, taken in order and put in run order a chunk at a time. Read here after a sweep on
    many cores, the run records took as long as a sixth of the runs; read as one part, a
    robust run's one chunk kept one worker busy while the others waited. ``manifest``: the
    folder's, where the caller holds it (a sweep that just wrote it)."""
    import tempfile

    import pyarrow as pa
    import pyarrow.parquet as pq

    folder, manifest = (store.Folder(path), manifest) if manifest is not None else open_sweep(path)
    points, seeds, params = manifest["points"], manifest["spec"]["seeds"], list(manifest["parameters"])
    spans = [(r[0], r[-1]) for r in (store.batch_runs(b)[0] for b in folder.batches())]
    cuts = summary_chunks(len(points), spans, max(1, chunk // seeds))
    spread = -(-(window // 2) // max(len(cuts), 1))  # parts a chunk, at least, for every worker to get one
    parts, owner = [], []  # the parts read, and the chunk each belongs to
    for k, (first, end) in enumerate(cuts):
        holders = folder.holders(range(first, end), seeds)
        count = -(-max(round(sum(map(len, holders.values())) / chunk), 1) // spread) * spread  # a multiple of it
        for i, batches in enumerate(_file_groups(holders, count)):
            parts.append((str(path), params, points[first:end], first, seeds, {b: holders[b] for b in batches}, i == 0))
            owner.append(k)
    made = _in_order(executor or SerialExecutor(), _summary_part, parts, window)

    def chunks():  # each chunk's parts as one table, in run order, as the parts come in
        for _, part in itertools.groupby(zip(owner, made), key=lambda kt: kt[0]):
            tables = [t for _, t in part if t is not None]
            if tables:
                whole = pa.concat_tables(tables, promote_options="permissive")
                if len(tables) > 1:  # each in run order
                    whole = whole.sort_by([("point", "ascending"), ("replicate", "ascending")])
                yield _typed(whole, params)

    with tempfile.TemporaryDirectory(prefix="collabsim-summary-") as spill:
        spilled, schemas = [], []
        for i, t in enumerate(chunks()):
            spilled.append(Path(spill) / f"{i}.arrow")
            with pa.ipc.new_file(spilled[-1], t.schema) as sink:
                sink.write_table(t)
            schemas.append(t.schema)
        if not spilled:
            schemas.append(pa.Table.from_pandas(_frame({}, params), preserve_index=False).schema)
        schema = pa.unify_schemas(schemas, promote_options="permissive").remove_metadata()
        # Dictionary encoding for the whole numbers, flags and text (ids, status, some parameters),
        # not for floats (outcomes, most parameters): hashing floats took half the time of
        # writing a robust run's summary of 3,072 runs (6.6 ms instead of 12.5, 7% larger).
        repeating = [f.name for f in schema if not pa.types.is_floating(f.type)]
        with pq.ParquetWriter(target, schema, use_dictionary=repeating) as writer:
            for name in spilled:
                with pa.memory_map(str(name)) as source:
                    t = pa.ipc.open_file(source).read_all()
                columns = [t[f.name] if f.name in t.column_names else pa.nulls(len(t), f.type) for f in schema]
                writer.write_table(pa.Table.from_arrays(columns, schema=schema))


def _file_groups(holders: dict[str, list], count: int) -> list[list[str]]:
    """The files of a chunk (``Folder.holders``: file -> its runs there), in order, in
    ``count`` groups of about as many runs (fewer where there are fewer files); one group,
    maybe empty, at least (it reads the error records)."""
    total = sum(len(runs) for runs in holders.values())
    count = max(1, min(len(holders), count))
    groups: list[list[str]] = [[] for _ in range(count)]
    before = 0
    for batch, runs in holders.items():  # a file goes where its middle run falls
        groups[(2 * before + len(runs)) * count // (2 * total)].append(batch)
        before += len(runs)
    return [g for g in groups if g] or [[]]


def summary_chunks(n_points: int, spans, size: int, most: int = 8) -> list[tuple[int, int]]:
    """The summary's chunks of points, [first, end): ``size`` points or more, cut only
    where no run file's points (``spans``: each file's first and last point) lie on both
    sides, unless that would take more than ``most * size`` points. A file is read by every
    chunk its points fall in, and a file of evenly stepped points (an arm's worlds in a
    robust run, every 12th point) spans the whole sweep: cut in fixed steps, a robust run's
    summary read each file four times, and took twice as long (benchmarks/README.md)."""
    reach = np.full(n_points + 1, -1)  # reach[p]: the last point of the files that start at p
    for first, last in spans:
        if first < n_points:
            reach[first] = max(reach[first], last)
    reach = np.maximum.accumulate(reach)  # the last point of the files that start at or before p
    clean = np.flatnonzero(reach[:-1] < np.arange(1, n_points + 1)) + 1  # cuts no file spans: before point q
    out, first = [], 0
    while first < n_points:
        end = min(first + size, n_points)
        at = np.searchsorted(clean, end)  # the first clean cut at or after end
        most_end = min(first + most * size, n_points)
        end = int(clean[at]) if at < len(clean) and clean[at] <= first + most * size else most_end
        out.append((first, end))
        first = end
    return out


def _summary_part(path: str, params: list[str], points: list[dict], first: int, seeds: int,
                  batches: dict[str, list] | None = None, errors: bool = True):
    """The run table of ``points`` (the manifest's, from point ``first`` on) as an Arrow
    table (``_arrow``: typed once its chunk is whole), from the files ``batches`` (each
    file's runs, as ``Folder.holders`` gives them; default: all) and, with ``errors``, the
    error records; None if it has no rows. Given the points, not the manifest, which holds
    every point of the sweep."""
    data = _run_data(store.Folder(path), params, points, first, seeds, [], batches, errors)
    return _arrow(data, params) if data else None


def _in_order(executor, fn, items, window: int):
    """``fn(*item)`` for each item on ``executor``, at most ``window`` submitted at once, the
    results yielded in the items' order (so memory holds ``window`` results at most)."""
    pending = deque()
    for item in items:
        if len(pending) >= window:
            yield pending.popleft().result()
        pending.append(executor.submit(fn, *item))
    while pending:
        yield pending.popleft().result()


def _runs(folder: store.Folder, params: list[str], points: list[dict], first: int, seeds: int,
          damaged: list[str], batches: dict[str, list] | None = None, errors: bool = True) -> pd.DataFrame:
    """A row per finished or failed run of ``points`` (the manifest's, from point ``first``
    on), in run order (``_run_data``, as a DataFrame)."""
    return _frame(_run_data(folder, params, points, first, seeds, damaged, batches, errors), params)


def _run_data(folder: store.Folder, params: list[str], points: list[dict], first: int, seeds: int,
              damaged: list[str], batches: dict[str, list] | None = None, errors: bool = True) -> dict[str, list]:
    """The columns of a row per finished or failed run of ``points`` (the manifest's, from
    point ``first`` on), in run order: ids, parameters (``store.cell``), status, error, time
    taken and outcomes; {} if there are none. Read a file at a time: each run file's records
    as columns (``store.read_run_columns``), with a Python step per file and per column
    rather than a record per run (a robust run's summary: 78 -> 62 us a run). A damaged
    file's runs are left out and its name added to ``damaged`` (once, however many runs it
    holds). Only the files ``batches`` ({file: its runs}, ``Folder.holders``; default: all)
    and, with ``errors``, the error records (``write_summary`` reads a chunk's files in
    parts, each part told its files' runs rather than working out every file's again)."""
    span = range(first, first + len(points))
    pieces = []  # (columns, outcomes) of the runs read
    for batch, runs in (folder.holders(span, seeds) if batches is None else batches).items():
        try:
            columns = store.read_run_columns(folder.batch_path(batch))
            where = {run: i for i, run in enumerate(zip(columns["point"], columns["replicate"]))}
            take = [where[run] for run in runs if run in where]
            if len(take) < len(runs):
                damaged.append(batch)  # its record does not list every run its name says it holds
            piece = {k: [columns[k][i] for i in take] for k in (*IDS, "status")}
            piece.update(error=[None] * len(take), elapsed_s=[columns["elapsed_s"][i] for i in take])
            outcomes = {k: [v[i] for i in take] for k, v in columns.get("outcomes", {}).items()}
        except (store.DamagedRun, KeyError, TypeError, IndexError):
            if batch not in damaged:
                damaged.append(batch)
            continue
        if take:
            pieces.append((piece, outcomes))
    failed = folder.failed() if errors else set()
    unheld = []
    if failed:  # a run with a file (even a damaged one) is not read from an error record
        held = {run for runs in folder.holders(span, seeds).values() for run in runs}
        unheld = [store.run_name(p, r) for p in span for r in range(seeds) if (p, r) not in held]
    for name in (n for n in unheld if n in failed):
        try:
            info = store.read_error_info(folder.error_path(name))
            piece = {k: [info[k]] for k in (*IDS, "status", "elapsed_s")}
            pieces.append(({**piece, "error": [info.get("error")]},
                           {k: [v] for k, v in (info.get("outcomes") or {}).items()}))
        except (store.DamagedRun, KeyError, TypeError):
            if name not in damaged:
                damaged.append(name)
    if not pieces:
        return {}
    # Every piece's columns, in run order; a key a piece lacks is None (NaN) in its rows.
    n = [len(piece["run"]) for piece, _ in pieces]
    points_of = np.array([p for piece, _ in pieces for p in piece["point"]], dtype=np.int64)
    order = np.lexsort((np.array([r for piece, _ in pieces for r in piece["replicate"]]), points_of))
    in_order = bool((order == np.arange(len(order))).all())  # one file's runs, say: nothing to reorder
    names = [*IDS, "status", "error", "elapsed_s", *dict.fromkeys(k for _, o in pieces for k in o)]
    data = {}
    for name in names:
        values = list(itertools.chain.from_iterable(piece.get(name, outcomes.get(name, [None] * size))
                                                    for (piece, outcomes), size in zip(pieces, n)))
        if not in_order:
            column = np.empty(sum(n), dtype=object)
            column[:] = values
            values = column[order].tolist()
        data[name] = values
    # A point's parameter cells, made once a point: a robust run's points hold tables
    # (tenures by type), and writing them as text run by run was most of the summary's time.
    used, at = np.unique(points_of[order] - first, return_inverse=True)  # the points with rows here
    for p in params:
        values = [points[i][p] for i in used.tolist()]
        if {type(v) for v in values} & {dict, list}:
            values = [store.cell(v) for v in values]
        cells = np.empty(len(values), dtype=object)
        cells[:] = values
        data[p] = cells[at].tolist()
    return data


def _frame(data: dict[str, list], params: list[str]) -> pd.DataFrame:
    columns = [*IDS, *params, "status", "error", "elapsed_s"]
    df = pd.DataFrame(data)
    df = df.reindex(columns=columns + [c for c in df.columns if c not in columns])
    for c in df.columns[len(columns):]:  # outcomes: None (e.g. never stable) as NaN
        if df[c].dtype == object:
            try:
                df[c] = pd.to_numeric(df[c])
            except (TypeError, ValueError):
                pass
    return df


def _table(data: dict[str, list], params: list[str]):
    """``_frame(data, params)`` as an Arrow table, made without pandas (which took half a
    summary part's time) but typed as pandas types it (``_typed``)."""
    return _typed(_arrow(data, params), params)


def _arrow(data: dict[str, list], params: list[str]):
    """The columns of ``_run_data`` as an Arrow table, each typed as Arrow types its values
    (a NaN as a null): the parts of a chunk then concatenate with
    ``promote_options="permissive"``, whatever gaps each holds, and are typed once whole."""
    import pyarrow as pa

    fixed = [*IDS, *params, "status", "error", "elapsed_s"]
    names = [*fixed, *(c for c in data if c not in fixed)]
    return pa.Table.from_arrays([pa.array(data[name], from_pandas=True) for name in names], names=names)


def _typed(table, params: list[str]):
    """An ``_arrow`` table of a whole chunk, typed as pandas types it (the summary's columns
    are what they were when it was written through pandas; tests/test_sweep.py compares it
    with ``load``): whole numbers with a gap as floats, text as large strings, an outcome
    that is never defined or a flag with a gap as a float column. Typed part by part, a
    flag with a gap in one part and none in another made a float and a bool column, which
    do not concatenate."""
    import pyarrow as pa

    fixed = {*IDS, *params, "status", "error", "elapsed_s"}
    arrays = []
    for name in table.column_names:
        array = table[name]
        if pa.types.is_integer(array.type) and array.null_count:
            array = array.cast(pa.float64())
        elif pa.types.is_string(array.type):
            array = array.cast(pa.large_string())
        elif name not in fixed and (pa.types.is_null(array.type) or pa.types.is_boolean(array.type)
                                    and array.null_count):  # pandas.to_numeric of Nones, flags with gaps
            array = array.cast(pa.float64())
        arrays.append(array)
    return pa.Table.from_arrays(arrays, names=table.column_names)


def load_series(path: str | Path, columns: list[str] | None = None, filters=None) -> pd.DataFrame:
    """The finished runs' time series (ids, parameters, step, the outcomes the sweep kept:
    ``sweep.series``); ``columns`` and ``filters`` (pyarrow syntax, e.g. [("point", "==",
    3)]) read only what is asked for."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder, manifest = open_sweep(path)
    kept = manifest["spec"].get("series")
    if kept is not None and columns:
        from .metrics import COLUMNS

        dropped = [c for c in columns if c in COLUMNS and c not in kept]
        if dropped:
            raise ConfigError(f"columns: {dropped[0]!r} is not in this sweep's run files (it kept sweep.series = "
                              f"{kept}); run the sweep again with it in sweep.series")
    tables, damaged = [], []
    for batch in sorted(folder.batches(), key=lambda b: (store.batch_runs(b)[0].start, store.batch_runs(b)[1])):
        path = folder.batch_path(batch)
        try:
            store.read_run_info(path)
            table = pq.read_table(path, columns=columns, filters=filters, page_checksum_verification=True)
        except (store.DamagedRun, OSError, pa.ArrowException):
            damaged.append(batch)
            continue
        tables.append(table.replace_schema_metadata(None))
    if not tables:
        frame = pd.DataFrame(columns=columns or [*IDS, "step"])
    else:
        frame = pa.concat_tables(tables, promote_options="permissive").to_pandas()
    _report(frame, damaged)
    return frame


def by_point(path: str | Path, outcomes: list[str] | None = None) -> pd.DataFrame:
    """Per parameter point: its parameters, runs finished and failed, and the mean of each
    outcome over its finished runs."""
    _, manifest = open_sweep(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reported once, below
        runs = load(path)
    outcomes = outcomes or MAIN_OUTCOMES
    known = [c for c in runs.columns if c not in (*IDS, *manifest["parameters"], "status", "error")]
    unknown = [o for o in outcomes if o not in known]
    if unknown and (runs["status"] == "ok").any():
        raise ConfigError(f"--outcomes: unknown outcome {unknown[0]!r}; allowed: {', '.join(known)}")
    params = pd.DataFrame([{p: store.cell(v) for p, v in pt.items()} for pt in manifest["points"]])
    params.index.name = "point"
    ok = runs[runs["status"] == "ok"]
    table = params.assign(
        runs=ok.groupby("point").size().reindex(params.index, fill_value=0),
        errors=(runs["status"] == "error").groupby(runs["point"]).sum().reindex(params.index, fill_value=0),
    )
    if len(ok):
        means = ok.groupby("point")[[o for o in outcomes if o in ok]].mean()
        table = table.join(means)
    _report(table, runs.attrs["damaged"])
    return table
