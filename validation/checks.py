"""The validation checks: each runs the collabsim engine as a pure game and compares it
with a published result. Used by tests/test_validation.py (CI sizes) and by
``python -m validation [--full]`` (docs/validation.md, docs/validation.png).

Every check returns plain numbers; the tolerances and the reasoning behind them are in
``Scale`` below and in the tests.
"""

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp

from sim.match import play_match
from sim.model import CollabModel
from sim.output import model_table

from . import configs

FIXTURE = Path(__file__).with_name("axelrod_scores.json")
NOWAK_MAY_CHAOS = 12 * math.log(2) - 8  # ~0.318: long-run cooperator share for 9/5 < b < 2


@dataclass(frozen=True)
class Scale:
    """Sizes of the engine runs: ``ci`` (tests, the committed report) or ``full``."""

    name: str
    hd_n: int = 100  # hawk-dove: organisations on the complete network
    hd_steps: int = 200
    hd_burn: int = 50  # steps discarded before time-averaging
    hd_seeds: int = 8
    nm_side: int = 99  # Nowak-May: lattice side
    nm_steps: int = 200
    nm_burn: int = 100
    nm_seeds: int = 2
    nm_grid: tuple = (1.1, 1.3, 1.5, 1.6, 1.7, 1.75, 1.78, 1.82, 1.85, 1.9, 1.95, 1.98, 2.02, 2.1, 2.3)
    sp_n: int = 1000  # Santos-Pacheco: organisations
    sp_steps: int = 1000
    sp_window: int = 200  # final steps averaged
    sp_seeds: int = 3
    sp_b: tuple = (1.2, 1.5, 1.8)
    sp_grid: tuple = (1.1, 1.2, 1.35, 1.5, 1.65, 1.8, 1.95)
    fx_trials: int = 4000  # fixation trials per estimate (validation/moran.py)


CI = Scale("ci")
FULL = Scale("full", hd_n=400, hd_steps=500, hd_burn=100, hd_seeds=20,
             nm_side=199, nm_steps=1000, nm_burn=200, nm_seeds=3,
             sp_n=10_000, sp_steps=11_000, sp_window=1000, sp_seeds=5, fx_trials=100_000)


# -- 1. Axelrod match scores -----------------------------------------------------------
def load_fixture() -> dict:
    return json.loads(FIXTURE.read_text())


def axelrod_matches() -> list[dict]:
    """Every fixture pair replayed with ``sim.match.play_match``: reference and engine
    scores and move sequences."""
    fx = load_fixture()
    rows = []
    for m in fx["matches"]:
        res = play_match(m["first"], m["second"], rounds=fx["rounds"], payoffs=tuple(fx["payoffs_RSTP"]),
                         noise=fx["noise"])
        engine_moves = ["".join("C" if x else "D" for x in res.moves[:, s]) for s in range(2)]
        rows.append({"first": m["first"], "second": m["second"], "reference": tuple(m["scores"]),
                     "engine": res.scores, "moves_match": engine_moves == m["moves"]})
    return rows


# -- 2. Hawk-dove, well mixed --------------------------------------------------------------
def hawk_dove_fitness(x: float, V: float, C: float) -> tuple[float, float]:
    """Expected payoff of a hawk and of a dove when a share x of the population are hawks."""
    return x * (V - C) / 2 + (1 - x) * V, (1 - x) * V / 2


def replicator_limits(V: float, C: float, starts=(0.01, 0.2, 0.5, 0.8, 0.99), t_end: float = 200.0) -> list[float]:
    """Hawk share at ``t_end`` of x' = x (1 - x) (f_H - f_D) from each start."""
    def rhs(_t, y):
        f_h, f_d = hawk_dove_fitness(y[0], V, C)
        return [y[0] * (1 - y[0]) * (f_h - f_d)]

    return [float(solve_ivp(rhs, (0.0, t_end), [x0], rtol=1e-10, atol=1e-12).y[0, -1]) for x0 in starts]


@dataclass
class Runs:
    """Per-seed summaries plus the seed-mean time series of one engine setting."""

    values: list[float]
    series: np.ndarray = field(repr=False)

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def se(self) -> float:
        return float(np.std(self.values, ddof=1) / np.sqrt(len(self.values))) if len(self.values) > 1 else float("nan")


def _run(cfg, seed: int, column: str) -> np.ndarray:
    model = CollabModel(cfg, seed=seed)
    model.run()
    return model_table(model)[column].to_numpy()


def hawk_dove_engine(V: float, C: float, scale: Scale = CI, seeds: int | None = None) -> Runs:
    """Hawk share (share of ``alld``) time-averaged after the burn-in, one value per seed."""
    cfg = configs.hawk_dove(V, C, n_orgs=scale.hd_n, steps=scale.hd_steps)
    series = [_run(cfg, s, "share_alld") for s in range(seeds or scale.hd_seeds)]
    return Runs([float(x[scale.hd_burn:].mean()) for x in series], np.mean(series, axis=0))


def hawk_dove_rest_point(V: float, C: float, n: int) -> float:
    """Finite-population rest point: with fitness the mean payoff over the n - 1 others,
    f_H = f_D exactly when the number of hawks is n V / C + 1, a share V/C + 1/n."""
    return V / C + 1 / n


# -- 3. Nowak & May (1992) -------------------------------------------------------------
def nowak_may(b: float, scale: Scale = CI, seeds: int | None = None) -> Runs:
    """Cooperator share time-averaged after the burn-in, one value per seed."""
    cfg = configs.nowak_may(b, side=scale.nm_side, steps=scale.nm_steps)
    series = [_run(cfg, s, "share_allc") for s in range(seeds or scale.nm_seeds)]
    return Runs([float(x[scale.nm_burn:].mean()) for x in series], np.mean(series, axis=0))


# -- 4. Santos & Pacheco (2005) -------------------------------------------------------------
def santos_pacheco(b: float, scale: Scale = CI, seeds: int | None = None) -> dict[str, Runs]:
    """Cooperator share averaged over the final window, per seed, on scale-free and random
    regular networks; seed s is used for both kinds (paired)."""
    out = {}
    for kind in ("scale_free", "regular"):
        cfg = configs.santos_pacheco(kind, b, n_orgs=scale.sp_n, steps=scale.sp_steps)
        series = [_run(cfg, s, "share_allc") for s in range(seeds or scale.sp_seeds)]
        out[kind] = Runs([float(x[-scale.sp_window:].mean()) for x in series], np.mean(series, axis=0))
    return out
