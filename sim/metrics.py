"""Outcomes (MODEL.md section 5): one registry that every output reads.

``SERIES`` lists what is recorded every month, each with its label, unit and how it is
computed from the model (one value per replicate). ``SUMMARIES`` lists the numbers a run is
summarised by (end values, means over the run, totals, times to an event), each with its
label, unit, which direction is better, and whether it is a headline outcome: the CLI
summary, the compare report, the robustness report and the app show every headline outcome.
A new outcome is one entry here.

The ``Recorder`` writes each month's values into a preallocated (months, replicates,
outcomes) array: no per-value Python objects, so recording costs a few array operations a
month however many replicates a batch holds.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from . import kernels, strategies
from .config import ORG_TYPES
from .strategies import NAMES

STABLE_COOPERATION = 0.8  # cooperation at or above this, to the end of the run, is stable
COLLAPSE = 0.2  # cooperation at or below this, to the end of the run, is collapse


@dataclass(frozen=True)
class Series:
    """A monthly outcome, one value per replicate: either column ``sum`` of the month's
    per-replicate sums (``Recorder.sums``) divided by the recorder's ``per`` count (edges,
    sides, ...), or ``compute(model, recorder)``. ``needs``: a component without which the
    outcome is 0 every month."""

    name: str
    label: str
    unit: str
    compute: Callable | None = None
    sum: int = -1
    per: str = ""
    needs: str = ""


@dataclass(frozen=True)
class Summary:
    """A number a run is summarised by: ``compute(series, config)`` reads monthly series
    (a mapping of name to a (runs, months) array: a row per run) and returns one value per
    run, so a batch of runs is summarised at once. ``event``: the value is the month an
    event happened, a whole number; NaN (reported as None) where the run never reached it."""

    name: str
    label: str
    unit: str
    compute: Callable
    better: str = "higher"  # "higher", "lower" or "" (neither)
    headline: bool = False
    event: bool = False


def _capacity_stalled(m, rec):
    return m.per_replicate(m.capacity.stalled.sum(axis=1), "edge") / rec.sides


def _investment(m, rec, attr):
    return getattr(m.investment, attr).copy()


def _investment_share(m, rec, attr):
    """Share of a replicate's investment relationships; 0 where it has none (nothing invested)."""
    inv = m.investment
    return np.bincount(inv.rep, getattr(inv, attr), m.replicates) / np.maximum(inv.count, 1)


def _governance(m, rec, attr):
    return m.per_replicate(getattr(m.governance, attr), "footprint")


# Columns of ``Recorder.sums``: per-replicate sums of the month, from ``kernels.replicate_sums``.
(COOP, MUTUAL, TRUST, BALANCE, EARNED, IN_DEFICIT, DEFICITS, SPECIAL, FINES, BAILOUTS, FUNDING, DISPERSION,
 HAWKS) = range(13)


SERIES = (
    Series("cooperation", "Cooperation", "share of moves", sum=COOP, per="sides"),
    Series("mutual_cooperation", "Mutual cooperation", "share of relationships", sum=MUTUAL, per="edges"),
    Series("mean_trust", "Mean trust", "0 to 1", sum=TRUST, per="sides"),
    Series("hawk_share", "Hawk share", "share of organisations that defected in most games this month",
           sum=HAWKS, per="n_playing"),
    Series("system_balance", "System balance", "money, an acute trust's monthly budget = 100", sum=BALANCE),
    Series("earned_balance", "Balance earned", "money: the system balance less support received", sum=EARNED),
    Series("balance_dispersion", "Balance dispersion", "sd of balance / monthly budget", sum=DISPERSION),
    Series("in_deficit", "Organisations in deficit", "organisations", sum=IN_DEFICIT),
    Series("deficit_total", "Deficits outstanding", "money", sum=DEFICITS),
    Series("special_measures", "Organisations in special measures", "organisations", sum=SPECIAL),
    Series("turnover", "Leaders replaced this month", "leaders", lambda m, r: m.leadership.left),
    Series("turnover_total", "Leaders replaced", "leaders", lambda m, r: m.leadership.left_total),
    Series("patient_benefit", "Patient benefit this month", "mutually cooperating relationships", sum=MUTUAL),
    Series("patient_benefit_total", "Patient benefit",
           "relationship-months of mutual cooperation: days at home, KF L661",
           lambda m, r: r.cumulative("patient_benefit")),
    Series("fines_total", "Fines paid to the centre", "money, a transfer to the centre, not a cost", sum=FINES),
    Series("intervention_cost_total", "Special-measures support", "money", sum=BAILOUTS),
    Series("funding_total", "Transitional funding", "money", sum=FUNDING),
    Series("plans_in_force", "Footprints with a plan in force", "share of footprints",
           lambda m, r: _governance(m, r, "in_force") / r.footprints, needs="governance"),
    Series("savings_planned", "Savings promised", "money", lambda m, r: _governance(m, r, "savings_planned"),
           needs="governance"),
    Series("savings_realised", "Savings delivered", "money", lambda m, r: _governance(m, r, "savings_realised"),
           needs="governance"),
    Series("commissioner_balance", "Commissioner balance",
           "money: the CCGs' balances, and the centre's purse where a footprint has no CCG",
           lambda m, r: m.purse.commissioner_balance(), needs="purse"),
    Series("paid_to_providers_total", "Paid to providers", "money: contracts and tariff paid by commissioners",
           lambda m, r: m.per_replicate(m.purse.received), needs="purse"),
    Series("stalled", "Moves stalled", "share of moves stalled for want of managers", _capacity_stalled,
           needs="capacity"),
    Series("engagement_total", "Stakeholder engagement spent", "money, a cost to the organisations' budgets",
           lambda m, r: m.per_replicate(m.stakeholders.spent), needs="stakeholders"),
    Series("plans_blocked_total", "Plans blocked by stakeholders", "plans",
           lambda m, r: m.per_replicate(m.stakeholders.blocked, "footprint"),
           needs="stakeholders"),
    Series("development_total", "Organisational development spent", "money, a cost to the organisations' budgets",
           lambda m, r: m.per_replicate(m.development.spent), needs="development"),
    Series("investing", "Investment relationships investing", "share of investment relationships",
           lambda m, r: _investment_share(m, r, "investing"), needs="investment"),
    Series("investment_withdrawn", "Investment withdrawn under pressure", "share of investment relationships",
           lambda m, r: _investment_share(m, r, "withdrawn"), needs="investment"),
    Series("invested_total", "Money invested", "money paid in by investors",
           lambda m, r: _investment(m, r, "invested_total"), needs="investment"),
    Series("benefits_total", "Investment benefits realised", "money, benefits landed after the lag",
           lambda m, r: _investment(m, r, "realised_total"), needs="investment"),
    Series("savings_returned_total", "Shared savings returned", "money, beneficiaries to investors",
           lambda m, r: _investment(m, r, "returned_total"), needs="investment"),
)
SERIES_NAMES = tuple(s.name for s in SERIES)
SHARE_COLUMNS = tuple(f"share_{s}" for s in NAMES)
PAIRS = tuple((a, b) for a in ORG_TYPES for b in ORG_TYPES)
PAIR_COLUMNS = tuple(f"coop_{a}_to_{b}" for a, b in PAIRS)
COLUMNS = SERIES_NAMES + SHARE_COLUMNS + PAIR_COLUMNS  # every recorded monthly series, in the recorder's order


class Recorder:
    """Every month's outcomes of every replicate, in one growing array."""

    def __init__(self, model):
        m = self.model = model
        R = m.replicates
        t = len(ORG_TYPES)
        self.nodes = np.bincount(m.node_replicate, minlength=R).astype(np.float64)
        self.edges = np.bincount(m.edge_replicate, minlength=R).astype(np.float64)
        self.sides = 2 * self.edges
        self.playing = m.degree > 0
        self.n_playing = m.per_replicate(self.playing)
        self.footprints = np.diff(m.footprint_bounds).astype(np.float64)
        # Directed type pair of each side's move ("how type a treats type b"), per replicate.
        src_t, dst_t = m.types[m.src], m.types[m.dst]
        pair = np.stack([src_t * t + dst_t, dst_t * t + src_t], axis=1).astype(np.int64)
        self.pair_code = (pair + (m.edge_replicate * t * t)[:, None]).ravel()
        self.pair_games = np.bincount(self.pair_code, minlength=R * t * t).reshape(R, t * t)
        self.width = len(COLUMNS)
        # Not zeroed: ``record`` writes each month's row in full as it comes (zeroing a 256-run
        # batch's 18 MB up front took some 6 ms, a fortieth of the batch).
        self.data = np.empty((max(m.config.experiment.steps, 1), R, self.width))
        self.sums = np.zeros((R, 13))
        # Outcomes read off the sums in one step: their columns and reciprocal denominators
        # (computed once; a zero denominator gives NaN, as 0 / 0 would). Outcomes of absent
        # components are 0 (``_absent``); the rest are computed month by month.
        summed = [(k, s) for k, s in enumerate(SERIES) if s.sum >= 0]
        self._summed_at = np.array([k for k, _ in summed])
        self._summed_from = np.array([s.sum for _, s in summed])
        with np.errstate(divide="ignore", invalid="ignore"):
            self._scale = np.stack([1.0 / getattr(self, s.per) if s.per else np.ones(R) for _, s in summed], axis=1)
            self._inv_nodes = 1.0 / self.nodes
            self._inv_games = np.where(self.pair_games > 0, 1.0 / np.maximum(self.pair_games, 1), np.nan)
        self._scale[~np.isfinite(self._scale)] = np.nan
        self._computed = [(k, s.compute) for k, s in enumerate(SERIES)
                          if s.sum < 0 and (not s.needs or hasattr(m, s.needs))]
        self._absent = np.array([k for k, s in enumerate(SERIES) if s.needs and not hasattr(m, s.needs)], dtype=np.intp)
        self._scratch = np.zeros(len(m.types))
        self._pair_coop = np.zeros(self.pair_games.size)  # cooperative moves by type pair (flat)
        self._strategy_count = np.zeros((R, len(strategies.REGISTRY)))  # codes registered after import too
        self.n = 0
        self._index = {s.name: k for k, s in enumerate(SERIES)}
        self.agent_every = m.config.output.agent_every
        self.agent_frames: list[list[pd.DataFrame]] = [[] for _ in range(R)]  # per replicate

    def cumulative(self, name: str) -> np.ndarray:
        """This month's value of ``name`` (already recorded) plus its total before."""
        k = self._index[name]
        now = self.data[self.n, :, k]
        return now + (self.data[self.n - 1, :, self._index[name + "_total"]] if self.n else 0.0)

    def record(self) -> None:
        if self.n == len(self.data):
            self.data = np.concatenate([self.data, np.empty_like(self.data)])
        m, row = self.model, self.data[self.n]
        kernels.replicate_sums(m.node_bounds, m.edge_bounds, m.src, m.dst, m.moves, m.trust, m.degree, m.balance,
                               m.size, m.bailouts, m.funding, m.fines_paid, m.special_measures, m.strategy,
                               self.pair_code, self._scratch, self.sums, self._pair_coop, self._strategy_count)
        kernels.month_row(self.sums, self._summed_at, self._summed_from, self._scale, self._strategy_count,
                          len(SERIES), self._inv_nodes, self._pair_coop, len(SERIES) + len(NAMES), self._inv_games, row)
        for k, compute in self._computed:
            row[:, k] = compute(m, self)
        row[:, self._absent] = 0.0
        self.n += 1
        if self.agent_every and m.steps % self.agent_every == 0:
            for r, frames in enumerate(self.agent_frames):
                frames.append(agent_rows(m, r))

    def agents(self, r: int = 0) -> pd.DataFrame:
        """Replicate ``r``'s recorded agent data (empty unless ``output.agent_every``)."""
        if not self.agent_frames[r]:
            return pd.DataFrame(columns=["step", "agent_id", *AGENT_FIELDS])
        return pd.concat(self.agent_frames[r], ignore_index=True)

    def columns(self, r: int = 0) -> dict[str, np.ndarray]:
        """Replicate ``r``'s monthly series by name (views, no copies); type pairs that the
        replicate's network lacks are left out."""
        block = self.data[: self.n, r]
        out = {"step": np.arange(1, self.n + 1)}
        names = SERIES_NAMES + SHARE_COLUMNS
        for k, name in enumerate(names):
            out[name] = block[:, k]
        games = self.pair_games[r]
        for j, name in enumerate(PAIR_COLUMNS):
            if games[j] > 0:
                out[name] = block[:, len(names) + j]
        return out

    def by_outcome(self, columns: int | None = None) -> np.ndarray:
        """The first ``columns`` recorded columns (default: all) as one (column, run, month)
        array: each run's months contiguous."""
        columns = self.width if columns is None else columns
        out = np.empty((columns, self.data.shape[1], self.n))
        kernels.months_last(self.data, self.n, columns, out)
        return out

    def by_run(self, block: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Every run's monthly series (``SERIES``) as (runs, months) arrays, a row per run (the
        form ``summarise_runs`` reads); "step" as (1, months). ``block``: this recorder's
        ``by_outcome()`` when it is already made (views of it are returned)."""
        block = self.by_outcome(len(SERIES)) if block is None else block
        return {"step": np.arange(1, self.n + 1)[None, :], **dict(zip(SERIES_NAMES, block))}

    def frame(self, r: int = 0) -> pd.DataFrame:
        return pd.DataFrame(self.columns(r))


# -- summaries ----------------------------------------------------------------------------
def first_lasting(steps: np.ndarray, ok: np.ndarray, window: int) -> np.ndarray:
    """Per run (row of ``ok``, (runs, months)): the first of ``steps`` (months,) from which
    ``ok`` holds to the end of the run, provided that stretch is at least ``window`` steps
    long; NaN if there is none (not reached within the run)."""
    months = ok.shape[1]
    if months == 0:
        return np.full(ok.shape[0], np.nan)
    bad = ~ok
    start = np.where(bad.any(axis=1), months - np.argmax(bad[:, ::-1], axis=1), 0)  # after the last month not ok
    reached = ok[:, -1] & (months - start >= window)
    return np.where(reached, np.asarray(steps, dtype=np.float64)[np.minimum(start, months - 1)], np.nan)


def _last(name):
    return lambda s, cfg: s[name][:, -1]


def _mean(name):
    return lambda s, cfg: s[name].mean(axis=1)


def _time_to(test, threshold):
    return lambda s, cfg: first_lasting(s["step"][0], test(s["cooperation"], threshold), cfg.output.stable_window)


SUMMARIES = (
    Summary("mean_cooperation", "Mean cooperation", "share of moves", _mean("cooperation"), headline=True),
    Summary("mean_trust", "Mean trust", "0 to 1", _mean("mean_trust"), headline=True),
    Summary("mean_hawk_share", "Mean hawk share", "share of organisations", _mean("hawk_share"), "lower"),
    Summary("patient_benefit_total", "Patient benefit", "relationship-months of mutual cooperation",
            _last("patient_benefit_total"), headline=True),
    Summary("final_cooperation", "Cooperation at the end", "share of moves", _last("cooperation")),
    Summary("final_mutual_cooperation", "Mutual cooperation at the end", "share of relationships",
            _last("mutual_cooperation")),
    Summary("final_mean_trust", "Trust at the end", "0 to 1", _last("mean_trust")),
    Summary("final_hawk_share", "Hawk share at the end", "share of organisations", _last("hawk_share"), "lower"),
    Summary("final_system_balance", "System balance at the end", "money", _last("system_balance"), headline=True),
    Summary("final_earned_balance", "Balance earned by the end", "money, support received left out",
            _last("earned_balance"), headline=True),
    Summary("final_balance_dispersion", "Balance dispersion at the end", "sd of balance / budget",
            _last("balance_dispersion"), "lower"),
    Summary("final_in_deficit", "Organisations in deficit at the end", "organisations", _last("in_deficit"), "lower"),
    Summary("final_deficit_total", "Deficits outstanding at the end", "money", _last("deficit_total"), "lower"),
    Summary("turnover_total", "Leaders replaced", "leaders", _last("turnover_total"), "lower"),
    Summary("fines_total", "Fines paid to the centre", "money, a transfer to the centre, not a cost", _last("fines_total"), ""),
    Summary("intervention_cost_total", "Special-measures support", "money", _last("intervention_cost_total"), "lower"),
    Summary("funding_total", "Transitional funding", "money", _last("funding_total"), "lower"),
    # What the centre must find: support paid (special measures and transitional funding)
    # plus deficits still outstanding. Fines are transfers to the centre and are left out.
    Summary("public_cost", "Public cost", "money: support paid + deficits left",
            lambda s, cfg: s["intervention_cost_total"][:, -1] + s["funding_total"][:, -1] + s["deficit_total"][:, -1],
            "lower", headline=True),
    # Plans whose term has ended: savings promised and delivered (optimism bias).
    Summary("savings_planned", "Savings promised", "money", _last("savings_planned"), ""),
    Summary("savings_realised", "Savings delivered", "money", _last("savings_realised")),
    Summary("savings_shortfall", "Savings shortfall", "money",
            lambda s, cfg: s["savings_planned"][:, -1] - s["savings_realised"][:, -1], "lower"),
    Summary("final_commissioner_balance", "Commissioner balance at the end", "money: CCGs' balances",
            _last("commissioner_balance"), ""),
    Summary("paid_to_providers_total", "Paid to providers", "money", _last("paid_to_providers_total"), ""),
    Summary("mean_stalled", "Moves stalled", "share of moves", _mean("stalled"), "lower"),
    Summary("engagement_total", "Stakeholder engagement spent", "money", _last("engagement_total"), ""),
    Summary("plans_blocked_total", "Plans blocked by stakeholders", "plans", _last("plans_blocked_total"), "lower"),
    Summary("development_total", "Organisational development spent", "money", _last("development_total"), ""),
    Summary("mean_investing", "Investment relationships investing", "share of investment relationships",
            _mean("investing")),
    Summary("mean_investment_withdrawn", "Investment withdrawn under pressure", "share of investment relationships",
            _mean("investment_withdrawn"), ""),
    Summary("invested_total", "Money invested", "money", _last("invested_total"), ""),
    Summary("benefits_total", "Investment benefits realised", "money", _last("benefits_total")),
    Summary("savings_returned_total", "Shared savings returned", "money", _last("savings_returned_total"), ""),
    Summary("time_to_stable_cooperation", "Months to stable cooperation", "months; none if not reached",
            _time_to(np.greater_equal, STABLE_COOPERATION), "lower", event=True),
    Summary("time_to_collapse", "Months to collapse", "months; none if not reached",
            _time_to(np.less_equal, COLLAPSE), "", event=True),
)
SUMMARY_BY_NAME = {s.name: s for s in SUMMARIES}


def headline() -> list[str]:
    """The headline outcomes every report shows (read at call time, so an entry added to
    ``SUMMARIES`` shows up everywhere)."""
    return [s.name for s in SUMMARIES if s.headline]


def label(name: str) -> str:
    """A summary outcome's or monthly series' label, with its unit; the name itself if it
    is in neither registry (e.g. ``window_cooperation``)."""
    for s in (*SUMMARIES, *SERIES):
        if s.name == name:
            return f"{s.label} ({s.unit})"
    return name


TRUST_RESPONSE = ("trust_drop", "trust_collapse_time", "trust_rebuild_time", "trust_rebuild_censored")


def summary_names(cfg) -> list[str]:
    """The names ``summarise`` gives a run of ``cfg``, known before it runs."""
    return ["steps", *(s.name for s in SUMMARIES), *(TRUST_RESPONSE if cfg.strategies.defection_shock else ())]


def summarise(series, cfg) -> dict:
    """A run's summary numbers from its monthly series (a DataFrame or a mapping of arrays),
    and, when the config has a defection shock, how fast trust fell and came back."""
    return summarise_runs({k: np.asarray(series[k])[None, :] for k in series}, cfg)[0]


def summarise_runs(series: dict[str, np.ndarray], cfg) -> list[dict]:
    """``summarise`` for many runs of ``cfg`` at once: ``series`` maps each monthly series
    to a (runs, months) array, a row per run (rows contiguous: a mean over a row then adds
    in the same order alone or in a batch); one dict per run."""
    steps = series["step"][0]
    runs = next(len(v) for k, v in series.items() if k != "step")
    columns = [("steps", np.full(runs, steps[-1]), True)]
    for s in SUMMARIES:
        values = np.broadcast_to(np.asarray(s.compute(series, cfg), dtype=np.float64), (runs,))
        columns.append((s.name, values, s.event))
    names, whole = [c[0] for c in columns], [c[2] for c in columns]
    out = [{name: (None if np.isnan(v) else int(v)) if w else v for name, v, w in zip(names, row, whole)}
           for row in zip(*(c[1].tolist() for c in columns))]
    shock = cfg.strategies.defection_shock
    if shock:
        for r, run in enumerate(out):
            run.update(trust_response(steps, series["mean_trust"][r], shock[0], shock[1]))
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


# -- agent data (opt-in: output.agent_every) -------------------------------------------------
AGENT_FIELDS = ("type", "footprint", "strategy", "cooperation", "trust_out", "trust_in", "balance", "pressure",
                "special_measures", "leader_tenure")


def agent_rows(model, r: int = 0) -> pd.DataFrame:
    """This month's state of replicate ``r``'s organisations, one row each (what Mesa's
    agents show, read straight from the arrays)."""
    m = model
    a, b = m.node_bounds[r], m.node_bounds[r + 1]
    out_t, in_t = m.node_trust()
    return pd.DataFrame({
        "step": m.steps, "agent_id": np.arange(a, b) - a,
        "type": np.array(ORG_TYPES)[m.types[a:b]], "footprint": m.network.footprint[a:b] - m.network.footprint[a],
        "strategy": np.array(NAMES)[m.strategy[a:b]], "cooperation": m.node_cooperation()[a:b],
        "trust_out": out_t[a:b], "trust_in": in_t[a:b], "balance": m.balance[a:b], "pressure": m.pressure[a:b],
        "special_measures": m.special_measures[a:b], "leader_tenure": m.steps - m.appointed[a:b],
    })
