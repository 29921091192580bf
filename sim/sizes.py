"""How much memory a run, a sweep plan or a compare will need, estimated from its config
before anything is built, and the limit it must stay under.

Without a limit a typing slip (``steps = 1000000000``, ``n_orgs = 10000000``, a 100^5 grid)
runs until the machine runs out of memory, minutes or hours later. The estimates are orders
of magnitude from measurement, not exact figures: enough to tell a run that fits from one
that cannot. ``--allow-large`` lets a run past the limit.
"""

import os

from .config import Config, ConfigError, NetworkConfig

# What a run holds in memory, roughly (measured orders of magnitude, not exact figures):
# each step's row of model outcomes as Python values and then a table; each recorded
# organisation-step of agent data; each organisation (a Mesa agent and its arrays); each
# edge (its arrays); each edge a networkx graph holds while a network is built.
BYTES_PER_STEP = 64 * 40
BYTES_PER_AGENT_RECORD = 600
BYTES_PER_NODE = 2_000
BYTES_PER_EDGE = 200
BYTES_PER_NX_EDGE = 1_000


def memory_limit() -> int:
    """What one run (or one sweep's plan) may ask for without --allow-large: half of this
    machine's memory, or COLLABSIM_MEMORY_LIMIT_MB where set (a shared machine, a test)."""
    text = os.environ.get("COLLABSIM_MEMORY_LIMIT_MB", "").strip()
    if text:
        try:
            return int(float(text) * 2**20)
        except ValueError:
            raise ConfigError(f"COLLABSIM_MEMORY_LIMIT_MB: give a number of megabytes (got {text!r})") from None
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        total = 8 * 2**30
    return total // 2


def _edges(cfg: NetworkConfig) -> tuple[int, int]:
    """(edges the network will have, edges a networkx graph holds while building it)."""
    n, k = cfg.n_orgs * cfg.footprints, cfg.mean_degree
    if cfg.kind == "footprint":
        per = cfg.n_orgs * min(k, cfg.n_orgs - 1) / 2
        return int(per * cfg.footprints) + cfg.footprints, int(per)
    if cfg.kind == "lattice":
        return n * (4 if cfg.moore else 2), 0
    if cfg.kind == "complete":
        return n * (n - 1) // 2, 0
    if cfg.kind == "random":
        return int(min(n * k / 2, n * (n - 1) / 2)), 0
    if cfg.kind == "scale_free":
        e = n * max(1, round(k / 2))
        return e, e
    if cfg.kind == "regular":
        e = n * round(k) // 2
        return e, e
    try:  # a file: networkx holds the whole graph, about an edge per line
        e = os.path.getsize(cfg.path) // 8
    except OSError:
        e = 0
    return e, e


def estimate_bytes(cfg: Config) -> dict[str, int]:
    """Memory one run of ``cfg`` needs, by part: series, agent data and network."""
    n = cfg.network.n_orgs * cfg.network.footprints
    edges, nx_edges = _edges(cfg.network)
    every = cfg.output.agent_every
    return {
        "series": cfg.experiment.steps * BYTES_PER_STEP,
        "agent data": (cfg.experiment.steps // every) * n * BYTES_PER_AGENT_RECORD if every else 0,
        "network": n * BYTES_PER_NODE + edges * BYTES_PER_EDGE + nx_edges * BYTES_PER_NX_EDGE,
    }


_PART_FIELDS = {"series": ("experiment.steps", ""),
                "agent data": ("experiment.steps", "; output.agent_every = 0 records none"),
                "network": ("network.n_orgs", "; network.footprints and network.mean_degree count too")}


def _size(n: float) -> str:
    for unit, scale in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n / 2**10:,.0f} kB"


def check_size(cfg: Config, allow_large: bool = False, source: str = "config") -> None:
    """Refuse, before anything is built, a run that would not fit in memory, naming the
    largest part, the estimate and the limit; ``allow_large`` (--allow-large) lets it run."""
    if allow_large:
        return
    parts = estimate_bytes(cfg)
    total, limit = sum(parts.values()), memory_limit()
    if total > limit:
        part = max(parts, key=parts.get)
        field, hint = _PART_FIELDS[part]
        raise ConfigError(
            f"invalid {source}:\n  {field}: the run would need about {_size(total)} of memory "
            f"({part}: {_size(parts[part])}{hint}), more than the limit of {_size(limit)} (half of this "
            "machine's, or COLLABSIM_MEMORY_LIMIT_MB); make it smaller, or pass --allow-large to run it anyway")


def check_count(field: str, count: int, bytes_each: int, allow_large: bool = False, source: str = "config") -> None:
    """Refuse a plan of ``count`` items (sweep points, runs) that would not fit in memory."""
    if allow_large or count * bytes_each <= memory_limit():
        return
    raise ConfigError(f"invalid {source}:\n  {field}: {count:,} would need about {_size(count * bytes_each)} of memory "
                      f"to plan, more than the limit of {_size(memory_limit())} (half of this machine's, or "
                      "COLLABSIM_MEMORY_LIMIT_MB); make it smaller, or pass --allow-large")


# A sweep run's part of its batch file: its series (a row per step, about 80 columns of 8
# bytes, less after compression) and its footer record; measured files are smaller (about
# 5 kB a run of 120 steps), so this errs on the safe side.
BYTES_PER_RUN_FILE = 8_000
BYTES_PER_RUN_STEP = 640


def check_disk(field: str, runs: int, steps: int, folder, allow_large: bool = False, source: str = "config") -> None:
    """Refuse a sweep whose run files would not fit on the disk that holds ``folder``."""
    import shutil
    from pathlib import Path

    need = runs * (BYTES_PER_RUN_FILE + steps * BYTES_PER_RUN_STEP)
    probe = Path(folder).absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = shutil.disk_usage(probe).free
    except OSError:
        return
    if allow_large or need <= free:
        return
    raise ConfigError(f"invalid {source}:\n  {field}: {runs:,} runs would write about {_size(need)}, more than "
                      f"the {_size(free)} free on the disk holding {probe}; make it smaller, or pass --allow-large")
