"""Collaboration networks: footprint generator, classic graphs, and user-supplied graphs.

A network is held as arrays (edge list and CSR adjacency) because the kernels need arrays
and a 1,000,000-edge networkx graph would not fit the memory budget; ``to_networkx``
builds a graph on demand for drawing and analysis.
"""

import csv
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import networkx as nx
import numpy as np

from . import kernels
from .config import ORG_TYPES, ConfigError, NetworkConfig

TYPE_CODES = {name: code for code, name in enumerate(ORG_TYPES)}

# Relative chance that two organisations of a footprint work together, by type pair (an
# assumption, in the spirit of the reports): commissioners (CCGs) contract with every
# provider and sit with councils; acute trusts share patient flows and delayed discharges
# with community services and councils; like-for-like providers meet less.
_AFFINITY = {
    ("acute", "acute"): 0.5, ("acute", "mental_health"): 0.4, ("acute", "community"): 0.8,
    ("acute", "ccg"): 1.0, ("acute", "council"): 0.6, ("mental_health", "mental_health"): 0.2,
    ("mental_health", "community"): 0.6, ("mental_health", "ccg"): 1.0, ("mental_health", "council"): 0.6,
    ("community", "community"): 0.3, ("community", "ccg"): 1.0, ("community", "council"): 0.8,
    ("ccg", "ccg"): 0.6, ("ccg", "council"): 1.0, ("council", "council"): 0.3,
}


def _affinity_matrix() -> np.ndarray:
    m = np.zeros((len(ORG_TYPES), len(ORG_TYPES)))
    for (a, b), w in _AFFINITY.items():
        m[TYPE_CODES[a], TYPE_CODES[b]] = m[TYPE_CODES[b], TYPE_CODES[a]] = w
    return m


@dataclass
class Network:
    src: np.ndarray  # (E,) int64, src < dst
    dst: np.ndarray
    types: np.ndarray  # (N,) int8 codes into ORG_TYPES
    footprint: np.ndarray  # (N,) int32
    foundation: np.ndarray  # (N,) bool: acute trusts with foundation-trust status
    labels: list = field(default_factory=list)  # original node names (for loaded graphs)
    _csr: tuple | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        if not self.labels:
            self.labels = list(range(len(self.types)))

    @property
    def indptr(self) -> np.ndarray:
        """CSR adjacency: node i's neighbours are ``indices[indptr[i]:indptr[i + 1]]``, sorted."""
        return self._adjacency()[0]

    @property
    def indices(self) -> np.ndarray:
        return self._adjacency()[1]

    def _adjacency(self) -> tuple[np.ndarray, np.ndarray]:
        # Made on first use: a batch's per-run networks are only laid side by side (``union``).
        if self._csr is None:
            n = len(self.types)
            heads = np.concatenate([self.src, self.dst])
            tails = np.concatenate([self.dst, self.src])
            order = np.lexsort((tails, heads))
            indptr = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(np.bincount(heads, minlength=n), out=indptr[1:])
            self._csr = (indptr, tails[order].astype(np.int64))
        return self._csr

    @property
    def n_nodes(self) -> int:
        return len(self.types)

    @property
    def n_edges(self) -> int:
        return len(self.src)

    def degree(self) -> np.ndarray:
        return np.diff(self.indptr)

    def to_networkx(self) -> nx.Graph:
        g = nx.Graph()
        for i in range(self.n_nodes):
            g.add_node(i, type=ORG_TYPES[self.types[i]], footprint=int(self.footprint[i]), label=str(self.labels[i]))
        g.add_edges_from(zip(self.src.tolist(), self.dst.tolist()))
        return g


def build(cfg: NetworkConfig, rng: np.random.Generator) -> Network:
    """Make the network a config asks for, drawing all randomness from ``rng``."""
    if cfg.kind == "file":
        return load(cfg.path, cfg.node_types, cfg.foundation_share, rng)
    if cfg.kind == "footprint":
        return footprints(cfg, rng)
    n = cfg.n_orgs * cfg.footprints
    k = cfg.mean_degree
    seed = int(rng.integers(2**31))
    if cfg.kind == "lattice":
        src, dst = lattice(n, cfg.moore)
    elif cfg.kind == "complete":
        src, dst = np.triu_indices(n, 1)
    elif cfg.kind == "random":
        src, dst = random_edges(n, int(round(n * k / 2)), rng)
    elif cfg.kind == "scale_free":
        m = max(1, int(round(k / 2)))
        if m >= n:
            raise ConfigError(f"network.mean_degree: scale_free needs mean_degree/2 < n_orgs (got {k})")
        src, dst = _edges(nx.barabasi_albert_graph(n, m, seed=seed))
    else:  # regular
        d = int(round(k))
        if d >= n or (n * d) % 2:
            raise ConfigError(f"network.mean_degree: a regular graph needs degree < n_orgs and n_orgs*degree even (got {d})")
        src, dst = _edges(nx.random_regular_graph(d, n, seed=seed))
    if len(src) == 0:
        raise ConfigError(f"network.mean_degree: a {cfg.kind} network of {n} organisations with mean_degree {k} "
                          "has no links; raise mean_degree")
    types = _draw_types(cfg.type_mix, n, rng)
    return Network(np.asarray(src, np.int64), np.asarray(dst, np.int64), types,
                   np.zeros(n, np.int32), _foundation(types, cfg.foundation_share, rng))


def build_many(cfg: NetworkConfig, seeds) -> list[Network]:
    """``build`` with each seed's "network" stream (``sim.streams``), for a batch of runs.

    A single footprint whose pairs are drawn in one chunk (any footprint of a few hundred
    organisations) takes, in ``build``, one uniform per pair for its links and then, if they
    leave it in one piece, one per organisation for foundation status, and no other draw.
    Here those draws are made for every seed at once and the footprints checked for
    connectedness together; a footprint left in pieces is built by ``build`` from its own
    generator, as alone. Either way the networks are ``build``'s (tests/test_network.py)."""
    from .streams import Stream, generator, generators

    fp = None
    if cfg.kind == "footprint" and cfg.footprints == 1:
        fp = _footprint_types(cfg.n_orgs, tuple(cfg.type_mix.get(t, 0.0) for t in ORG_TYPES), cfg.mean_degree)
    if fp is None or fp[2] is None:
        return [build(cfg, g) for g in generators(seeds, "network")]
    base_types, _, (threshold, first, second) = fp
    n, pairs, runs = cfg.n_orgs, len(fp[2][0]), len(seeds)
    u = Stream(seeds, "network").uniform((runs * (pairs + n),), np.arange(runs + 1) * (pairs + n))
    u = u.reshape(runs, pairs + n)
    rows, hits = np.nonzero(u[:, :pairs] < threshold)  # row by row, pairs in order: as drawn alone
    label = kernels.component_labels(runs * n, first[hits] + rows * n, second[hits] + rows * n).reshape(runs, n)
    whole = (label == label[:, :1]).all(axis=1)
    foundation = (base_types == TYPE_CODES["acute"]) & (u[:, pairs:] < cfg.foundation_share)
    ends = np.searchsorted(rows, np.arange(1, runs + 1))
    out = []
    for r, seed in enumerate(seeds):
        if whole[r]:
            links = hits[ends[r - 1] if r else 0:ends[r]]
            out.append(Network(first[links], second[links], base_types.copy(), np.zeros(n, np.int32), foundation[r]))
        else:
            out.append(build(cfg, generator(seed, "network")))
    return out


def batch(cfg: NetworkConfig, seeds) -> tuple[list[Network], Network]:
    """``build_many(cfg, seeds)`` and their ``union``: the networks of a batch of runs, and
    side by side; kept for this process's next batch with the same config and seeds. The
    arms of a robustness check or a comparison run the same seeds (common random numbers),
    an arm a batch, so a worker builds a batch's networks once rather than once an arm (6.4
    ms of a 256-run batch's 240 or so). A network is read, never written, by the model and
    its components (tests/test_engine.py runs every component and checks). Generated
    networks only (a file may change between batches), of up to ``KEEP_EDGES`` edges in
    all, the last ``KEEP`` batches."""
    if cfg.kind == "file":
        nets = build_many(cfg, seeds)
        return nets, union(nets)
    key = (cfg.model_dump_json(), tuple(seeds))
    with _keeping:  # the app may run batches in more than one thread
        made = _kept.pop(key, None)
    if made is None:
        nets = build_many(cfg, seeds)
        made = nets, union(nets)
        if made[1].n_edges > KEEP_EDGES:
            return made
    with _keeping:
        _kept[key] = made  # the newest last
        while len(_kept) > KEEP:
            del _kept[next(iter(_kept))]
    return made


KEEP, KEEP_EDGES = 2, 200_000
_kept: dict[tuple, tuple[list[Network], Network]] = {}
_keeping = threading.Lock()


def union(nets: list[Network]) -> Network:
    """Disjoint copies of ``nets`` laid one after another (node ids and footprint numbers
    offset), as one network: the replicate axis of a batch of runs (``sim.model``)."""
    if len(nets) == 1:
        return nets[0]
    node_off = np.cumsum([0] + [x.n_nodes for x in nets[:-1]])
    fp_off = np.cumsum([0] + [int(x.footprint.max()) + 1 for x in nets[:-1]])
    return Network(np.concatenate([x.src + o for x, o in zip(nets, node_off)]),
                   np.concatenate([x.dst + o for x, o in zip(nets, node_off)]),
                   np.concatenate([x.types for x in nets]),
                   np.concatenate([x.footprint + o for x, o in zip(nets, fp_off)]).astype(np.int32),
                   np.concatenate([x.foundation for x in nets]),
                   [label for x in nets for label in x.labels])


def _edges(g: nx.Graph) -> tuple[np.ndarray, np.ndarray]:
    e = np.array(sorted((min(u, v), max(u, v)) for u, v in g.edges() if u != v), dtype=np.int64).reshape(-1, 2)
    return e[:, 0], e[:, 1]


def random_edges(n: int, m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """m distinct edges drawn uniformly (an Erdos-Renyi G(n, m) graph), in numpy: networkx's
    generator takes minutes and gigabytes at a million edges."""
    m = min(m, n * (n - 1) // 2)
    keys = np.empty(0, dtype=np.int64)
    while len(keys) < m:
        a = rng.integers(0, n, 2 * (m - len(keys)) + 16)
        b = rng.integers(0, n, len(a))
        fresh = np.minimum(a, b) * n + np.maximum(a, b)
        fresh = fresh[a != b]
        both = np.concatenate([keys, fresh])
        _, first = np.unique(both, return_index=True)
        keys = both[np.sort(first)][:m]  # distinct pairs, in the order they were drawn
    keys = np.sort(keys)
    return keys // n, keys % n


def lattice(n: int, moore: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Periodic square lattice (torus) with Moore (8) or von Neumann (4) neighbourhoods."""
    side = int(round(np.sqrt(n)))
    if side * side != n or side < 3:
        raise ConfigError(f"network.n_orgs: a lattice needs a square number of at least 9 organisations (got {n})")
    r, c = np.divmod(np.arange(n), side)
    offsets = [(0, 1), (1, 0)] + ([(1, 1), (1, -1)] if moore else [])
    src = np.concatenate([np.arange(n)] * len(offsets))
    dst = np.concatenate([((r + dr) % side) * side + (c + dc) % side for dr, dc in offsets])
    lo, hi = np.minimum(src, dst), np.maximum(src, dst)
    pairs = np.unique(np.stack([lo, hi], axis=1), axis=0)
    return pairs[:, 0], pairs[:, 1]


def _draw_types(mix: dict[str, float], n: int, rng: np.random.Generator) -> np.ndarray:
    p = np.array([mix.get(t, 0.0) for t in ORG_TYPES])
    return rng.choice(len(ORG_TYPES), size=n, p=p / p.sum()).astype(np.int8)


def _type_counts(mix: dict[str, float], n: int) -> np.ndarray:
    """Largest-remainder apportionment of n organisations to types; every type with a
    positive share gets at least one organisation when n allows."""
    p = np.array([mix.get(t, 0.0) for t in ORG_TYPES])
    p = p / p.sum()
    counts = np.floor(p * n).astype(int)
    present = p > 0
    if n >= present.sum():
        counts[present & (counts == 0)] = 1
    while counts.sum() > n:
        counts[np.argmax(counts)] -= 1
    rema = p * n - counts
    while counts.sum() < n:
        i = int(np.argmax(rema))
        counts[i] += 1
        rema[i] = -1
    return counts


def _foundation(types: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    return (types == TYPE_CODES["acute"]) & (rng.random(len(types)) < share)


@lru_cache(maxsize=32)
def _footprint_types(n: int, mix: tuple, mean_degree: float) -> tuple:
    """A footprint's organisation types, the link probability by type pair and the pairs'
    thresholds (``_pair_thresholds``): they depend on the config only, so a batch of runs
    works them out once."""
    counts = _type_counts(dict(zip(ORG_TYPES, mix)), n)
    base_types = np.repeat(np.arange(len(ORG_TYPES)), counts).astype(np.int8)
    prob = _link_probability(counts, min(mean_degree, n - 1) * n / 2)
    base_types.flags.writeable = prob.flags.writeable = False
    return base_types, prob, _pair_thresholds(prob, base_types)


def _pair_thresholds(prob: np.ndarray, types: np.ndarray):
    """(thresholds, i, j) of every pair i < j in row order, when ``_draw_links`` draws them
    all in one chunk (then a footprint's links are one draw and a comparison); else None."""
    n = len(types)
    if n < 2 or LINK_CHUNK // (n - 1) < n - 1:
        return None
    i, j = np.triu_indices(n, 1)
    pairs = (prob[types[i], types[j]], i.astype(np.int64), j.astype(np.int64))
    for a in pairs:
        a.flags.writeable = False
    return pairs


def footprints(cfg: NetworkConfig, rng: np.random.Generator) -> Network:
    """``cfg.footprints`` health economies of ``cfg.n_orgs`` organisations each.

    Inside a footprint, organisations of types a, b are linked with probability
    min(1, c * affinity[a, b]), c chosen so the expected mean degree is ``mean_degree``;
    isolated parts are then joined to the rest. Neighbouring footprints (in a ring) are
    joined by one edge between acute trusts, standing for cross-boundary patient flows.
    """
    n = cfg.n_orgs
    base_types, prob, pairs = _footprint_types(n, tuple(cfg.type_mix.get(t, 0.0) for t in ORG_TYPES),
                                               cfg.mean_degree)
    srcs, dsts, types = [], [], []
    for f in range(cfg.footprints):
        offset = f * n
        if pairs is None:
            links = _draw_links(prob, base_types, rng)
        else:  # the same draws as _draw_links (one chunk), with the pair layout worked out once
            hits = np.flatnonzero(rng.random(len(pairs[0])) < pairs[0])
            links = pairs[1][hits], pairs[2][hits]
        s, d = _connect(n, *links, rng)
        srcs.append(s + offset)
        dsts.append(d + offset)
        types.append(base_types)
    types = np.concatenate(types)
    if cfg.footprints > 1:
        acute = np.flatnonzero(base_types == TYPE_CODES["acute"])
        pool = acute if len(acute) else np.arange(n)
        ring = range(cfg.footprints) if cfg.footprints > 2 else range(1)
        for f in ring:
            g = (f + 1) % cfg.footprints
            a, b = f * n + rng.choice(pool), g * n + rng.choice(pool)
            srcs.append(np.array([min(a, b)]))
            dsts.append(np.array([max(a, b)]))
    src = np.concatenate(srcs).astype(np.int64)
    dst = np.concatenate(dsts).astype(np.int64)
    footprint = np.repeat(np.arange(cfg.footprints, dtype=np.int32), n)
    return Network(src, dst, types, footprint, _foundation(types, cfg.foundation_share, rng))


def _link_probability(counts: np.ndarray, target: float) -> np.ndarray:
    """Link probability by type pair, min(1, c * affinity), with c found by bisection so
    that the expected number of links is ``target``. Pairs are counted by type, so this
    takes memory for the 5 x 5 types, not for the n^2 / 2 pairs."""
    aff = _affinity_matrix()
    pairs = np.outer(counts, counts).astype(float)
    np.fill_diagonal(pairs, counts * (counts - 1) / 2)
    pairs = np.triu(pairs)
    present = (pairs > 0) & (aff > 0)
    lo, hi = 0.0, 1.0 / max(aff[present].min(), 1e-9) if present.any() else 1.0
    for _ in range(60):  # bisection for the scale c
        c = (lo + hi) / 2
        lo, hi = (c, hi) if (np.minimum(1.0, c * aff) * pairs).sum() < target else (lo, c)
    return np.minimum(1.0, hi * aff)


LINK_CHUNK = 1 << 20  # candidate pairs drawn at once: memory stays flat however large n is


def _draw_links(prob: np.ndarray, types: np.ndarray, rng: np.random.Generator):
    """Each pair i < j (in row order) is linked with probability prob[type i, type j]: one
    uniform draw per pair, drawn a chunk of rows at a time, so memory grows with the links
    made, not with the n^2 / 2 pairs (the draws are the same as drawing them all at once)."""
    n = len(types)
    by_type = prob[:, types]  # row i's thresholds are by_type[types[i], i + 1:]
    src, dst = [], []
    first = 0
    while first < n - 1:
        last = first + max(1, LINK_CHUNK // (n - 1 - first))
        rows = np.arange(first, min(last, n - 1))
        thresholds = np.concatenate([by_type[types[i], i + 1:] for i in rows])
        hits = np.flatnonzero(rng.random(len(thresholds)) < thresholds)
        lengths = n - 1 - rows
        starts = np.cumsum(lengths) - lengths
        row = np.searchsorted(starts, hits, side="right") - 1
        src.append(rows[row])
        dst.append(rows[row] + 1 + hits - starts[row])
        first = rows[-1] + 1
    if not src:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(src).astype(np.int64), np.concatenate(dst).astype(np.int64)


def _connect(n: int, src: np.ndarray, dst: np.ndarray, rng: np.random.Generator):
    """Join every component to the largest one (ties: the one with the lowest member) by an
    edge from a random member of it to a random member of the largest."""
    label = kernels.component_labels(n, src, dst)
    members = [np.flatnonzero(label == c) for c in range(label.max() + 1)]  # each sorted, in order of first member
    members.sort(key=lambda c: -len(c))  # stable: ties keep the lowest first member first
    main = members[0]
    extra = []
    for comp in members[1:]:
        a = int(rng.choice(comp))
        b = int(rng.choice(main))
        extra.append((min(a, b), max(a, b)))
    if extra:
        e = np.array(extra, dtype=np.int64)
        src, dst = np.concatenate([src, e[:, 0]]), np.concatenate([dst, e[:, 1]])
    order = np.lexsort((dst, src))
    return src[order], dst[order]


def load(path: str, node_types: str = "", foundation_share: float = 0.6, rng=None) -> Network:
    """Read a user-supplied footprint: GraphML or GML with a ``type`` node attribute, or a
    whitespace edge list (``u v`` per line) plus ``node_types``, a CSV of ``node,type``.
    Optional node attributes: ``footprint`` (int), ``foundation`` (bool)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"network.path: file not found: {path}")
    try:
        if p.suffix.lower() == ".graphml":
            g = nx.read_graphml(p)
        elif p.suffix.lower() == ".gml":
            g = nx.read_gml(p)
        else:
            g = nx.read_edgelist(p, comments="#", data=False)
            if not node_types:
                raise ConfigError(
                    "network.node_types: an edge list needs a CSV of node,type rows "
                    f"(types: {', '.join(ORG_TYPES)}); or use GraphML/GML with a `type` node attribute"
                )
            listed = _read_types(node_types)
            absent = [node for node in listed if node not in g]
            if absent:
                raise ConfigError(f"network.node_types: node {_short(absent[0])} ({len(absent)} in all) is not in the "
                                  f"edge list {path}; an organisation needs at least one link")
            for node, kind in listed.items():
                g.nodes[node]["type"] = kind
    except ConfigError:
        raise
    except Exception as exc:  # networkx raises many kinds for malformed files
        raise ConfigError(f"network.path: could not read {path}: {exc}") from None
    return from_networkx(g, foundation_share, rng or np.random.default_rng(0))


def _read_types(path: str) -> dict[str, str]:
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"network.node_types: file not found: {path}")
    try:
        with p.open(newline="", encoding="utf-8") as fh:
            rows = [r for r in csv.reader(fh) if r and not r[0].startswith("#")]
    except (UnicodeDecodeError, csv.Error, OSError) as exc:
        raise ConfigError(f"network.node_types: cannot read {path} as UTF-8 CSV: {exc}") from None
    if rows and rows[0][:2] == ["node", "type"]:
        rows = rows[1:]
    return {r[0].strip(): r[1].strip() for r in rows if len(r) >= 2}


def from_networkx(g: nx.Graph, foundation_share: float, rng: np.random.Generator) -> Network:
    """Arrays from a networkx graph whose nodes carry a ``type`` attribute."""
    nodes = list(g.nodes())
    if len(nodes) < 2:
        raise ConfigError("network.path: the graph needs at least 2 organisations")
    missing = [str(v) for v in nodes if "type" not in g.nodes[v]]
    if missing:
        raise ConfigError(
            f"network.path: {len(missing)} node(s) have no `type` attribute (first: {missing[0]!r}); "
            f"allowed types: {', '.join(ORG_TYPES)}"
        )
    bad = [(v, g.nodes[v]["type"]) for v in nodes if g.nodes[v]["type"] not in TYPE_CODES]
    if bad:
        raise ConfigError(f"network.path: node {bad[0][0]!r} has unknown type {bad[0][1]!r}; allowed: {', '.join(ORG_TYPES)}")
    index = {v: i for i, v in enumerate(nodes)}
    types = np.array([TYPE_CODES[g.nodes[v]["type"]] for v in nodes], dtype=np.int8)
    pairs = sorted({(min(index[u], index[v]), max(index[u], index[v])) for u, v in g.edges() if u != v})
    if not pairs:
        raise ConfigError("network.path: the graph has no links between organisations; give at least one edge")
    e = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    footprint = np.array([_footprint_attr(v, g.nodes[v].get("footprint", 0)) for v in nodes], dtype=np.int32)
    foundation = _foundation(types, foundation_share, rng)
    for i, v in enumerate(nodes):
        if "foundation" in g.nodes[v]:
            foundation[i] = _foundation_attr(v, g.nodes[v]["foundation"]) and types[i] == TYPE_CODES["acute"]
    return Network(e[:, 0], e[:, 1], types, footprint, foundation, labels=nodes)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


MAX_FOOTPRINT = 2**31 - 1  # stored as int32


def _footprint_attr(node, value) -> int:
    """A node's ``footprint`` attribute: a whole number 0 .. 2^31 - 1 (GraphML may give it
    as a number or as text)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FOOTPRINT:
        raise ConfigError(f"network.path: node {_short(node)} has footprint {_short(value)}; a footprint is a whole "
                          f"number from 0 to {MAX_FOOTPRINT}")
    return value


_BOOL_TEXT = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


def _foundation_attr(node, value) -> bool:
    """A node's ``foundation`` attribute: a bool, 0/1, or the text true/false (GraphML
    attributes declared as strings arrive as text, and bool("false") would be True)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _BOOL_TEXT:
        return _BOOL_TEXT[value.strip().lower()]
    raise ConfigError(f"network.path: node {_short(node)} has foundation {_short(value)}; allowed: true or false")
