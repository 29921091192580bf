"""Outcomes every run reports (MODEL.md section 5).

``Recorder`` computes the step's model-level outcomes once, with whole-array numpy
operations, and hands them to Mesa's DataCollector; ``summarise`` turns a finished run's
table into the numbers users quote (end values, time to stable cooperation or collapse).
"""

import numpy as np
import pandas as pd

from .config import ORG_TYPES
from .strategies import NAMES

AGENT_REPORTERS = {
    "index": "index",
    "type": "kind",
    "footprint": "footprint",
    "strategy": "strategy",
    "cooperation": "cooperation",
    "trust_out": "trust_out",
    "trust_in": "trust_in",
    "balance": "balance",
    "pressure": "pressure",
    "special_measures": "special_measures",
    "leader_tenure": "leader_tenure",
}

STABLE_COOPERATION = 0.8  # cooperation at or above this, to the end of the run, is stable
COLLAPSE = 0.2  # cooperation at or below this, to the end of the run, is collapse


class Recorder:
    """Per-step model outcomes, computed once and read by the DataCollector's reporters."""

    def __init__(self, model):
        self.model = model
        t = len(ORG_TYPES)
        src_t, dst_t = model.types[model.src], model.types[model.dst]
        # Directed type pair of each side's move: "how type a treats type b".
        self.pair_code = np.stack([src_t * t + dst_t, dst_t * t + src_t], axis=1).astype(np.int64).ravel()
        self.pair_games = np.bincount(self.pair_code, minlength=t * t)
        self.pairs = [(a, b) for a in ORG_TYPES for b in ORG_TYPES]
        self.values: dict[str, float] = {}

    def names(self) -> list[str]:
        base = [
            "cooperation", "mutual_cooperation", "mean_trust", "hawk_share", "system_balance",
            "balance_dispersion", "in_deficit", "special_measures", "turnover", "turnover_total",
            "patient_benefit", "patient_benefit_total", "deficit_total", "fines_total", "intervention_cost_total",
            "plans_in_force", "savings_planned", "savings_realised", "stalled",
        ]
        shares = [f"share_{s}" for s in NAMES]
        pairs = [f"coop_{a}_to_{b}" for (a, b), n in zip(self.pairs, self.pair_games) if n > 0]
        return base + shares + pairs

    def model_reporters(self) -> dict:
        return {name: (lambda m, k=name: m.recorder.values[k]) for name in self.names()}

    def update(self) -> None:
        m = self.model
        v = self.values
        moves = m.moves
        n_edges = len(moves)
        v["cooperation"] = float(moves.mean()) if n_edges else float("nan")
        v["mutual_cooperation"] = m.n_mutual / n_edges if n_edges else float("nan")
        v["mean_trust"] = float(m.trust.mean()) if n_edges else float("nan")
        playing = m.degree > 0
        v["hawk_share"] = float((m.node_cooperation()[playing] < 0.5).mean())
        v["system_balance"] = float(m.balance.sum())
        v["balance_dispersion"] = float((m.balance / m.size).std())
        v["in_deficit"] = int((m.balance < 0).sum())
        v["deficit_total"] = float(-m.balance[m.balance < 0].sum())
        v["special_measures"] = int(m.special_measures.sum())
        v["turnover"] = m.turnover
        v["turnover_total"] = m.turnover_total
        v["patient_benefit"] = m.n_mutual
        v["patient_benefit_total"] = m.patient_benefit_total
        v["fines_total"] = m.fines_total
        v["intervention_cost_total"] = m.intervention_cost_total
        v["plans_in_force"] = float(m.governance.in_force.mean())
        v["savings_planned"] = m.governance.savings_planned
        v["savings_realised"] = m.governance.savings_realised
        v["stalled"] = m.capacity.stalled / (2 * n_edges) if n_edges else float("nan")
        shares = np.bincount(m.strategy, minlength=len(NAMES)) / len(m.strategy)
        for name, share in zip(NAMES, shares):
            v[f"share_{name}"] = float(share)
        coop = np.bincount(self.pair_code, moves.ravel(), minlength=len(self.pair_games))
        for (a, b), c, g in zip(self.pairs, coop, self.pair_games):
            if g > 0:
                v[f"coop_{a}_to_{b}"] = float(c / g)


def first_lasting(series: np.ndarray, ok: np.ndarray, window: int) -> int | None:
    """First step from which ``ok`` holds to the end of the run, provided that stretch is
    at least ``window`` steps long; None if there is none."""
    if len(ok) == 0 or not ok[-1]:
        return None
    bad = np.flatnonzero(~ok)
    start = 0 if len(bad) == 0 else bad[-1] + 1
    if len(ok) - start < window:
        return None
    return int(series[start])


def summarise(model_df: pd.DataFrame, cfg) -> dict:
    """End-of-run outcomes, means over the run, time to stable cooperation/collapse, and,
    when the config has a defection shock, how fast trust fell and came back."""
    steps = model_df["step"].to_numpy()
    coop = model_df["cooperation"].to_numpy()
    last = model_df.iloc[-1]
    window = cfg.output.stable_window
    out = {
        "steps": int(steps[-1]),
        "final_cooperation": float(last["cooperation"]),
        "final_mutual_cooperation": float(last["mutual_cooperation"]),
        "final_mean_trust": float(last["mean_trust"]),
        "final_hawk_share": float(last["hawk_share"]),
        "final_system_balance": float(last["system_balance"]),
        "final_balance_dispersion": float(last["balance_dispersion"]),
        "final_in_deficit": int(last["in_deficit"]),
        "final_deficit_total": float(last["deficit_total"]),
        "turnover_total": int(last["turnover_total"]),
        "patient_benefit_total": float(last["patient_benefit_total"]),
        "fines_total": float(last["fines_total"]),
        "intervention_cost_total": float(last["intervention_cost_total"]),
        # What the centre must find to bring every organisation back to balance: support
        # already paid plus deficits still outstanding.
        "public_cost": float(last["intervention_cost_total"] + last["deficit_total"]),
        # Plans whose term has ended: savings promised and delivered (optimism bias).
        "savings_planned": float(last["savings_planned"]),
        "savings_realised": float(last["savings_realised"]),
        "savings_shortfall": float(last["savings_planned"] - last["savings_realised"]),
        "mean_cooperation": float(coop.mean()),
        "mean_trust": float(model_df["mean_trust"].mean()),
        "mean_hawk_share": float(model_df["hawk_share"].mean()),
        "mean_stalled": float(model_df["stalled"].mean()),  # share of moves stalled for want of managers
        "time_to_stable_cooperation": first_lasting(steps, coop >= STABLE_COOPERATION, window),
        "time_to_collapse": first_lasting(steps, coop <= COLLAPSE, window),
    }
    shock = cfg.strategies.defection_shock
    if shock:
        out.update(trust_response(steps, model_df["mean_trust"].to_numpy(), shock[0], shock[1]))
    return out


def trust_response(steps: np.ndarray, trust: np.ndarray, start: int, end: int) -> dict:
    """Months for mean trust to lose half its fall after a shock begins, and to win back
    half of it after the shock ends (MODEL.md 6.6). A rebuild not finished by the end of
    the run is reported as the months observed (a lower bound) and flagged."""
    before = trust[(steps >= start - 12) & (steps < start)]
    pre = float(before.mean()) if len(before) else float(trust[0])
    after = steps >= start
    trough_idx = int(np.argmin(np.where(after, trust, np.inf)))
    trough = float(trust[trough_idx])
    half_down = pre - (pre - trough) / 2
    half_up = trough + (pre - trough) / 2
    fell = np.flatnonzero(after & (trust <= half_down))
    rose = np.flatnonzero((steps > max(end, steps[trough_idx])) & (trust >= half_up))
    collapse = float(steps[fell[0]] - start + 1) if len(fell) else float("nan")
    censored = len(rose) == 0
    rebuild = float((steps[-1] if censored else steps[rose[0]]) - end)
    return {"trust_drop": pre - trough, "trust_collapse_time": collapse,
            "trust_rebuild_time": rebuild, "trust_rebuild_censored": censored}
