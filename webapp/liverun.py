"""One live model run behind the network view: rebuild on a lever change, step, snapshot.

Kept free of Solara so it can be tested and timed on its own. Stepping (from the play
thread) and snapshots (from any render) share one lock, so a frame never shows a
half-finished month.
"""

import threading
import time
from typing import Any

import networkx as nx
import numpy as np

from sim.config import ORG_TYPES
from sim.model import CollabModel
from sim.strategies import NAMES

from .levers import DEFAULTS, HORIZON, to_config
from .svg import TYPE_LABELS

SERIES = ("cooperation", "hawk_share", "mean_trust", "system_balance", "turnover_total", "in_deficit",
          "special_measures")
_layouts: dict[tuple, np.ndarray] = {}
_layouts_lock = threading.Lock()


def layout(model) -> np.ndarray:
    """Node positions; the same network always gets the same picture, so changing a lever
    that leaves the network alone (same seed, same size) keeps every node in its place."""
    key = (model.src.tobytes(), model.dst.tobytes(), len(model.types))
    with _layouts_lock:
        if key not in _layouts:
            g = model.network.to_networkx()
            pos = nx.kamada_kawai_layout(g) if nx.is_connected(g) else nx.spring_layout(g, seed=1)
            _layouts[key] = np.array([pos[i] for i in range(len(model.types))])
            if len(_layouts) > 64:
                _layouts.pop(next(iter(_layouts)))
        return _layouts[key]


def node_names(types: np.ndarray) -> list[str]:
    """"Acute trust 1", "CCG 3", ...: numbered within each type, in node order."""
    seen: dict[int, int] = {}
    names = []
    for t in types:
        seen[t] = seen.get(t, 0) + 1
        names.append(f"{TYPE_LABELS[ORG_TYPES[t]]} {seen[t]}")
    return names


class LiveRun:
    """The model a live view shows, with the settings it was built from."""

    def __init__(self, values: dict[str, Any] | None = None):
        self.lock = threading.RLock()
        self.values: dict[str, Any] = {}
        self.previous: dict[str, list] = {}  # the run before the last lever change, for comparison
        self.frames = 0
        self.rate = (0.0, 0.0)  # (steps/s, frames/s) measured while playing
        self.rebuild(values or DEFAULTS)

    def rebuild(self, values: dict[str, Any]) -> None:
        """Start again at month 0 from these settings (raises ConfigError if invalid). When
        the settings changed, the run so far is kept as ``previous`` to compare against."""
        values = {**DEFAULTS, **values}
        config = to_config(values)
        model = CollabModel(config)
        pos = layout(model)
        with self.lock:
            if getattr(self, "model", None) is not None and self.model.steps > 0 and values != self.values:
                self.previous = self.series()
            self.model, self.pos, self.values = model, pos, values
            self.names = node_names(model.types)

    @property
    def month(self) -> int:
        return int(self.model.steps)

    @property
    def horizon(self) -> int:
        return int(self.values.get(HORIZON, DEFAULTS[HORIZON]))

    @property
    def finished(self) -> bool:
        return self.month >= self.horizon

    def step(self, k: int = 1) -> int:
        """Advance up to ``k`` months (never past the horizon); returns how many ran."""
        with self.lock:
            n = max(0, min(k, self.horizon - self.month))
            for _ in range(n):
                self.model.step()
            return n

    def series(self) -> dict[str, list]:
        with self.lock:
            cols = self.model.recorder.columns()
            out = {name: cols[name].tolist() for name in SERIES}
            out["month"] = cols["step"].tolist()
            return out

    def snapshot(self) -> dict[str, Any]:
        """Everything a frame draws, copied under the lock."""
        with self.lock:
            m = self.model
            n = len(m.types)
            played = m.steps > 0
            coop = m.node_cooperation()
            trust_out, trust_in = m.node_trust()
            return {
                "month": int(m.steps),
                "pos": self.pos,
                "names": self.names,
                "types": m.types.tolist(),
                "edges": list(zip(m.src.tolist(), m.dst.tolist())),
                "edge_trust": m.trust.tolist(),
                "cooperation": (coop if played else np.ones(n)).tolist(),
                "trust_out": trust_out.tolist(),
                "trust_in": trust_in.tolist(),
                "budget": m.size.tolist(),
                "balance": m.balance.tolist(),
                "special_measures": m.special_measures.tolist(),
                "strategy": [NAMES[s] for s in m.strategy],
                "tenure": [org.leader.tenure for org in m.organisations],
                "series": self.series(),
                "previous": self.previous,
            }


class Pacer:
    """Keeps a play loop at ``speed`` months per second: when drawing a frame takes longer
    than a month's share of a second, the next frame runs several months, so simulated
    time keeps pace and the page stays responsive instead of falling behind."""

    def __init__(self, speed: float, max_batch: int = 20):
        self.speed = float(speed)
        self.max_batch = max_batch
        self.start = time.perf_counter()
        self.done = 0
        self.frames = 0

    def due(self) -> int:
        """Months to run before the next frame (at least 1)."""
        behind = int((time.perf_counter() - self.start) * self.speed) + 1 - self.done
        if behind > self.max_batch:  # far behind (e.g. the machine was busy): do not try to catch up
            self.start = time.perf_counter() - self.done / self.speed
            behind = self.max_batch
        return max(1, behind)

    def ran(self, months: int) -> float:
        """Record a frame of ``months``; returns the seconds to wait before the next one."""
        self.done += months
        self.frames += 1
        return max(0.0, self.start + self.done / self.speed - time.perf_counter())

    def rates(self) -> tuple[float, float]:
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        return self.done / elapsed, self.frames / elapsed
