"""Fuzzing the command line with mutated configs (issue 17).

Hypothesis takes valid run, sweep and compare configs and mutates them: wrong types,
NaN and infinity, huge, tiny and negative numbers, unknown keys, strange names, bad
encodings, bad output folders. Every case must end in one of two ways:

- exit 0 with a valid result (strict-JSON manifest, a table of the right length), or
- exit 2 with one line per problem, each naming a field ("section.key: ...", "--out: ...",
  or the file), no traceback, nothing written, and no earlier result changed;

and within ``CASE_SECONDS``. Cases run the CLI's ``main()`` in this process (fast); a
few run ``python -m sim`` as a user would. COLLABSIM_FUZZ_SCALE multiplies the number of
cases (the closing note of issue 17 used 20); COLLABSIM_FUZZ_REPORT names a JSON file that
receives the tally: cases tried, refused, accepted, tracebacks and hangs.
"""

import atexit
import collections
import contextlib
import hashlib
import io
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from sim.cli import main
from sim.config import ORG_TYPES, Config

ROOT = Path(__file__).resolve().parents[1]
SCALE = float(os.environ.get("COLLABSIM_FUZZ_SCALE", "1"))
CASE_SECONDS = 120
# Accepted runs stay small, so each case is quick; the size check is tested against it.
MEMORY_LIMIT_MB = "64"
TALLY = collections.Counter()

BASE = {
    "experiment": {"name": "fuzz", "steps": 4, "seed": 3},
    "network": {"n_orgs": 8, "mean_degree": 3.0},
    "output": {"agent_every": 2},
}
SWEEP = {"seeds": 1, "parameters": {"game.noise": [0.0, 0.1]}}
COMPARE = {"seeds": 2, "outcomes": ["mean_cooperation"],
           "arms": {"a": {"regulation": {"regime": "none"}}, "b": {"regulation": {"regime": "system"}}}}


def _leaves(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every settable dotted key of the config (per-type tables by type)."""
    out = []
    for name, info in model.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out += _leaves(ann, f"{prefix}{name}.")
        elif name in ("type_mix", "size", "mean_tenure"):
            out += [f"{prefix}{name}.{t}" for t in ORG_TYPES]
        else:
            out.append(prefix + name)
    return out


LEAVES = _leaves(Config)
SECTIONS = list(Config.model_fields)
SWEEP_KEYS = ["sweep.method", "sweep.seeds", "sweep.samples", "sweep.seed", "sweep.second_order",
              "sweep.paired_seeds", "sweep.parameters", "sweep.parameters.game.noise", "sweep.parameters.trust.gain"]
COMPARE_KEYS = ["compare.seeds", "compare.reference", "compare.outcomes", "compare.window", "compare.arms",
                "compare.arms.a", "compare.arms.b.game", "compare.arms.b.game.R", "compare.arms.a.experiment.steps"]

numbers = st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 1e-320, 5e-324, 0.0, -0.0, -1.0, 0.5,
                           1.0, 2.5, 1e9, 1e13, 1e300])
whole = st.sampled_from([-(2**63), -1, 0, 1, 2, 3, 16, 100, 2**31, 2**40, 2**63 - 1, 10**30])
texts = st.sampled_from(["", ".", "..", "../../escaped", "/tmp/fuzz-abs", "a/b", "5", "0.1", "true", "no", "nan",
                         "x" * 300, "caf\u00e9", "$x^$", "a\u0000b", "line\nbreak", "pd", "trust", "grid", "sobol",
                         "file", "complete", "lattice", "random", "mean_cooperation", "a", "b"])
scalars = st.one_of(numbers, whole, texts, st.booleans())
values = st.one_of(scalars, st.lists(scalars, max_size=4), st.dictionaries(texts, scalars, max_size=3),
                   st.just({"low": 0.0, "high": math.inf}), st.just({"low": 1.0, "high": 0.0}))


def _set(data: dict, dotted: str, value) -> None:
    parts = dotted.split(".")
    if parts[0] in ("sweep", "compare") and len(parts) > 2 and parts[1] == "parameters":
        parts = parts[:2] + [".".join(parts[2:])]  # sweep parameters are quoted dotted keys
    node = data
    for p in parts[:-1]:
        if not isinstance(node.get(p), dict):
            node[p] = {}
        node = node[p]
    node[parts[-1]] = value


def _default(dotted: str, data=Config().model_dump(mode="json")):
    for part in dotted.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def plausible(key: str):
    """Values a user might well mean for ``key``: its default, scaled or nudged."""
    value = _default(key)
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.sampled_from([value, value + 1, max(0, value - 1), value * 2])
    if isinstance(value, float):
        return st.sampled_from([value, value / 2, min(value * 2, 1.0) if value <= 1 else value * 2, 0.0])
    return st.just(value) if value is not None else values


@st.composite
def mutations(draw, extra_keys: list[str]):
    """(dotted key, value) pairs: known keys, the table's own keys, and unknown ones; a
    third of the values are plausible ones, so that many cases are accepted."""
    leaves = st.sampled_from(LEAVES)
    odd = st.sampled_from(SECTIONS + ["experiment.nmae", "gmae", "game.nosie", "network.type_mix.hospital",
                                      "strategies.mix.titfortat"])
    keys = st.one_of(leaves, leaves, leaves, leaves, st.sampled_from(extra_keys or LEAVES), odd)
    changes = []
    for _ in range(draw(st.integers(1, 3))):
        key = draw(keys)
        changes.append((key, draw(st.one_of(plausible(key), values, plausible(key), plausible(key)))))
    return changes


# TOML text of plain data, with NaN and infinity as TOML writes them.
def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(x)}" for k, x in v.items()) + "}"


def to_toml(data: dict, path: tuple = ()) -> str:
    lines = [f"{json.dumps(k)} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for k, v in data.items():
        if isinstance(v, dict):
            lines.append("[" + ".".join(json.dumps(p) for p in (*path, k)) + "]")
            lines.append(to_toml(v, (*path, k)))
    return "\n".join(lines)


def encode(text: str, how: str) -> bytes:
    if how == "utf-16":
        return text.encode("utf-16")
    if how == "latin-1":
        return (text + '\n# caf\u00e9\n').encode("latin-1", errors="replace")
    if how == "truncated":
        return text.encode()[: len(text) // 2]
    if how == "binary":
        return bytes(range(256)) + text.encode()
    return text.encode()


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(folder.rglob("*"))}


class Hang(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: int):
    def alarm(signum, frame):
        raise Hang(f"case took over {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# "collabsim: invalid PATH:" then "  field: ...", or one "collabsim: field: ..." line.
_LINE = re.compile(r"^(collabsim: )?\s*([^\s:][^:]*): \S")


def check_refusal(err: str, touched: list[str]) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, "exit 2 without a message"
    assert "Traceback" not in err
    for line in lines:
        if line.startswith("usage:"):  # argparse: usage, then one "error:" line
            continue
        assert _LINE.match(line) or line.rstrip().endswith(":"), f"not 'field: problem': {line!r}"
    if len(touched) == 1:  # the one key changed is named (its section, at least)
        section = touched[0].split(".")[0]
        assert section in err or "--" in err or "TOML" in err or "UTF-8" in err, (touched, err)


def run_case(kind: str, data: dict, touched: list[str], encoding: str, out_kind: str, earlier: Path | None,
             tmp: Path) -> None:
    config = tmp / "case.toml"
    config.write_bytes(encode(to_toml(data), encoding))
    out = tmp / "out"
    if earlier is not None:
        shutil.copytree(earlier, out)
    if out_kind == "file":
        target = tmp / "a_file"
        target.write_text("x")
    elif out_kind == "under a file":
        (tmp / "a_file").write_text("x")
        target = tmp / "a_file" / "sub"
    elif out_kind == "long name":
        target = out / ("y" * 300)
    else:
        target = out
    before = snapshot(tmp)
    argv = [kind, str(config), "--out", str(target)] + ([] if kind == "run" else ["--workers", "1"])
    err_buf, out_buf = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    try:
        with time_limit(CASE_SECONDS), contextlib.redirect_stderr(err_buf), contextlib.redirect_stdout(out_buf):
            try:
                rc = main(argv)
            except SystemExit as exc:  # argparse
                rc = exc.code
    except Hang:
        TALLY["hangs"] += 1
        raise
    except Exception:
        TALLY["tracebacks"] += 1
        raise
    took = time.perf_counter() - started
    TALLY["cases"] += 1
    TALLY[f"{kind} cases"] += 1
    TALLY["seconds"] += took
    TALLY["slowest case (s)"] = max(TALLY["slowest case (s)"], round(took, 2))
    err = err_buf.getvalue()
    assert rc in (0, 2), (rc, err)
    assert "Traceback" not in err
    if rc == 2:
        TALLY["refused"] += 1
        check_refusal(err, touched if encoding == "utf-8" else [])
        assert snapshot(tmp) == before, "a refused case wrote or changed files"
        return
    TALLY["accepted"] += 1
    check_result(kind, target, before, tmp)


def check_result(kind: str, target: Path, before: dict, tmp: Path) -> None:
    after = snapshot(tmp)
    changed = {k for k in before if after.get(k) != before[k]}
    if kind == "run":
        manifests = [tmp / k for k in after if k.endswith("manifest.json") and after[k] != before.get(k)]
        assert len(manifests) == 1
        manifest = json.loads(manifests[0].read_text(), parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
        series = pd.read_parquet(manifests[0].parent / "model.parquet")
        assert len(series) == manifest["steps"] == manifest["config"]["experiment"]["steps"]
        old = before.get(str(manifests[0].relative_to(tmp)))
        if old is not None:  # replaced an earlier run: only of the same config
            assert manifest["config_hash"] == EARLIER_HASH["run"]
        changed -= {str(p.relative_to(tmp)) for p in manifests[0].parent.iterdir()}
    elif kind == "sweep":
        summaries = [tmp / k for k in after if k.endswith("summary.parquet") and k not in before]
        assert len(summaries) == 1
        manifest = json.loads((summaries[0].parent / "sweep.json").read_text(),
                              parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
        assert len(pd.read_parquet(summaries[0])) == manifest["runs"]
    else:
        reports = [tmp / k for k in after if k.endswith("report.md") and after[k] != before.get(k)]
        assert len(reports) == 1 and (reports[0].parent / "runs.csv").exists()
        changed -= {str(p.relative_to(tmp)) for p in reports[0].parent.iterdir()}
    assert not {k for k in changed if after.get(k) != "dir"}, f"earlier results changed: {changed}"


EARLIER_HASH: dict[str, str] = {}


@pytest.fixture(scope="module")
def earlier(tmp_path_factory):
    """An earlier result of each base config, copied under every case's output folder."""
    os.environ["COLLABSIM_MEMORY_LIMIT_MB"] = MEMORY_LIMIT_MB
    folders = {}
    for kind, table in (("run", None), ("sweep", SWEEP), ("compare", COMPARE)):
        root = tmp_path_factory.mktemp(f"earlier-{kind}")
        data = json.loads(json.dumps(BASE))
        if table:
            data[kind] = json.loads(json.dumps(table))
        (root / "base.toml").write_text(to_toml(data))
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            assert main([kind, str(root / "base.toml"), "--out", str(root / "out")]
                        + ([] if kind == "run" else ["--workers", "1"])) == 0
        if kind == "run":
            EARLIER_HASH["run"] = json.loads((root / "out" / "fuzz" / "seed-3" / "manifest.json").read_text())[
                "config_hash"]
        folders[kind] = root / "out"
    yield folders
    os.environ.pop("COLLABSIM_MEMORY_LIMIT_MB", None)


def fuzz_settings(examples: int):
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


case_parts = dict(
    with_earlier=st.booleans(),
    encoding=st.sampled_from(["utf-8"] * 12 + ["utf-16", "latin-1", "truncated", "binary"]),
    out_kind=st.sampled_from(["fresh"] * 12 + ["file", "under a file", "long name"]),
)


def _case(kind: str, table: dict | None, changes, with_earlier, encoding, out_kind, earlier):
    data = json.loads(json.dumps(BASE))
    if table:
        data[kind] = json.loads(json.dumps(table))
    for key, value in changes:
        _set(data, key, json.loads(json.dumps(value)) if isinstance(value, (dict, list)) else value)
    with tempfile.TemporaryDirectory() as tmp:
        run_case(kind, data, [k for k, _ in changes], encoding, out_kind, earlier[kind] if with_earlier else None,
                 Path(tmp))


@fuzz_settings(240)
@given(changes=mutations([]), **case_parts)
def test_fuzz_run(earlier, changes, with_earlier, encoding, out_kind):
    _case("run", None, changes, with_earlier, encoding, out_kind, earlier)


@fuzz_settings(60)
@given(changes=mutations(SWEEP_KEYS), **case_parts)
def test_fuzz_sweep(earlier, changes, with_earlier, encoding, out_kind):
    _case("sweep", SWEEP, changes, with_earlier, encoding, out_kind, earlier)


@fuzz_settings(30)
@given(changes=mutations(COMPARE_KEYS), **case_parts)
def test_fuzz_compare(earlier, changes, with_earlier, encoding, out_kind):
    _case("compare", COMPARE, changes, with_earlier, encoding, out_kind, earlier)


@pytest.mark.parametrize("changes", [
    [("game.R", math.nan)], [("experiment.steps", "5")], [("experiment.name", "../../escaped")],
    [("network.type_mix.acute", math.inf)], [("game.noise", 0.05)],
])
def test_fuzz_cases_as_a_user_runs_them(tmp_path, changes):
    """A few cases through ``python -m sim``, as a user would: exit 0 or 2, no traceback."""
    data = json.loads(json.dumps(BASE))
    for key, value in changes:
        _set(data, key, value)
    config = tmp_path / "case.toml"
    config.write_text(to_toml(data))
    proc = subprocess.run([sys.executable, "-m", "sim", "run", str(config), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={**os.environ, "COLLABSIM_MEMORY_LIMIT_MB": MEMORY_LIMIT_MB})
    assert "Traceback" not in proc.stderr
    if changes == [("game.noise", 0.05)]:
        assert proc.returncode == 0
    else:
        assert proc.returncode == 2
        check_refusal(proc.stderr, [k for k, _ in changes])
        assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.toml"] + (["out"] if proc.returncode == 0 else [])


def _write_tally():
    path = os.environ.get("COLLABSIM_FUZZ_REPORT")
    if path and TALLY:
        Path(path).write_text(json.dumps(dict(TALLY), indent=2))


atexit.register(_write_tally)
