"""The model's assumptions named as uncertainties (MODEL.md section 8).

Every constant that is not a policy lever and that can move a policy answer gets a plausible
range and its basis: a figure from a report with its line (IHM, KF, NT as in MODEL.md), or
"assumption" where the reports give no figure. ``SHIPPED`` is the one list; an experiment's
``[uncertainties]`` table changes it:

    [uncertainties]
    "trust.stranger" = {low = 0.1, high = 0.8, basis = "my reading of KF L2499"}  # replace or add
    "game.noise" = false                                                         # hold at the config value
    shipped = false       # optional: start from no ranges, only those named here

A single run ignores the table (``config.ANNEX_TABLES``); ``collabsim robust`` samples worlds
from the ranges (``sim.robust``). Ranges are checked before anything runs: an unknown field,
low > high, a bound that is not a finite number or that the field does not allow each give
one line naming the field.
"""

import copy
import math
from dataclasses import dataclass

from . import config as cfgmod
from .config import ConfigError


@dataclass(frozen=True)
class Uncertainty:
    path: str  # dotted config field, e.g. "trust.stranger"
    low: float
    high: float
    basis: str  # a report's figure with its line, or "assumption"


def _u(path, low, high, basis):
    return Uncertainty(path, float(low), float(high), basis)


# Ranges are around the shipped defaults of sim/config.py; where a report gives a figure or
# a description, the range is read from it, otherwise it spans what a modeller could defend.
SHIPPED: tuple[Uncertainty, ...] = (
    _u("strategies.money_weight", 0.0, 20.0,
       "assumption: payoff units a leader gives one unit of money that policy makes count; no report gives an "
       "exchange rate between money and the game's payoffs"),
    _u("strategies.incentive_weight", 0.1, 0.5,
       "assumption: how far the payoff advantage of cooperating sways the trust rule"),
    _u("strategies.beta", 5.0, 20.0, "assumption: how sharply cooperation responds to trust"),
    _u("strategies.foundation_independence", 0.0, 0.2,
       "KF L1896-1907 (foundation trusts value independence); size assumption"),
    _u("trust.initial", 0.3, 0.9,
       "NT L553-554 (relationships 'still new' in some areas) vs KF L471 (some have worked together for five "
       "years); values assumption"),
    _u("trust.stranger", 0.1, 0.7,
       "KF L2499 (new leaders 'only 18 months in and still finding their feet'), KF L564 ('about three "
       "months to get to the same place'); values assumption"),
    _u("trust.gain", 0.05, 0.2, "NT L552-553 (trust cannot be 'telescoped into a shorter period'); size assumption"),
    _u("trust.loss", 0.1, 0.4, "KF L2295 ('partnership shafting': betrayal is remembered); size assumption"),
    _u("game.surplus", 0.1, 0.4, "assumption: money mutual cooperation creates per edge per month"),
    _u("game.shift", 0.05, 0.2, "assumption: money a defector shifts onto a cooperating partner"),
    _u("game.noise", 0.0, 0.05, "assumption: execution error"),
    _u("budget.demand_growth", 0.024, 0.044,
       "NT L156-158 (demand grew 2.7% a year 2009-10 to 2014-15; 2.4% for other and 4.4% for specialised "
       "services expected to 2020-21); acts where budget.gap_source = 'demand'"),
    _u("budget.funding_growth", 0.0, 0.02,
       "assumption: real growth of income a year, which the reports do not give; acts where "
       "budget.gap_source = 'demand'"),
    _u("budget.efficiency_delivered", 0.4, 1.0,
       "NT L287-288 (the 2% efficiency target is 'already greater than the historic rate'), NT L629-630 (plans "
       "'not sufficient to close the gap'); share assumption; acts where budget.gap_source = 'demand'"),
    _u("budget.pressure_scale", 0.05, 0.2, "assumption: deficit (share of monthly budget) at full pressure"),
    _u("budget.distress_cost", 0.0, 0.02,
       "IHM L791 ('rapidly worsening debt crisis'), KF L2001-2006 (the slide before intervention); size "
       "assumption"),
    _u("budget.pressure_temptation", 0.5, 4.0, "KF L209 ('hunker down'); size assumption"),
    _u("budget.pressure_dd_cost", 1.0, 6.0,
       "IHM L51-68 (under joint accountability mutual defection means 'insolvency or clinical failure'); "
       "size assumption"),
    _u("leadership.mean_tenure.acute", 24.0, 60.0,
       "KF L1797 (NHS leaders 'come and go so frequently'), KF L795 (10% of chief executive posts "
       "vacant); months assumption"),
    _u("leadership.mean_tenure.ccg", 18.0, 60.0,
       "KF L2499 (CCG leaders 'only 18 months in'); months assumption"),
    _u("leadership.mean_tenure.council", 48.0, 120.0,
       "KF L1869 ('local government changes less than the NHS'); months assumption"),
    _u("leadership.trust_loss", 0.4, 0.9, "KF L2473 (relationships are personal); size assumption"),
    _u("leadership.internal_succession", 0.1, 0.5, "KF L2074 (succession by the deputy); share assumption"),
    _u("leadership.disposition_mean", 0.0, 0.5,
       "KF L1866-1868 ('most colleagues ... do want collaboration'); size assumption"),
    _u("development.efficacy", 0.1, 2.0,
       "IHM L207-214 (OD 'is essential'), KF L2054-2056 (system-wide programmes: 'that's how they learnt to trust "
       "each other'); no report gives trust bought per pound: size assumption (acts only when development.spend > 0)"),
    _u("loss_aversion.factor", 1.0, 2.5,
       "IHM L51-62 (the 'just about managing' fear that 'even modest service changes could destabilise their "
       "precarious balance'); size from outside the reports: losses weigh about 2.25 times gains (Tversky and "
       "Kahneman 1992); 1 = none"),
    _u("loss_aversion.margin", 0.0, 0.1,
       "IHM L56-58 ('financial targets are largely being hit'): little to spare; share of monthly budget assumption"),
    _u("loss_aversion.crisis", 0.3, 0.8,
       "IHM L51-55 (crisis 'focusses minds'): pressure from which crisis takes over; assumption"),
    _u("stakeholders.block", 0.0, 0.6,
       "IHM L432-438 ('without their willing involvement the whole exercise will stall'), NT L560-575 ('an "
       "outraged local population'); chance assumption (acts only where plans are voted on)"),
    _u("stakeholders.engagement_halving", 0.0005, 0.01,
       "IHM L486-490 (staff engagement 'minimal to non-existent'); no report says what engagement buys: "
       "assumption"),
    _u("investment.lag", 12, 36,
       "KF L708-712 ('two and a half years' to get a significant change through), NT L556 ('the time required "
       "to implement has been underestimated'); months assumption"),
    _u("investment.multiple", 1.0, 4.0,
       "assumption: benefit per unit invested in social care or community services (IHM L80-82 names a "
       "'£20 million' investment but no return)"),
    _u("investment.own_share", 0.0, 0.3,
       "assumption: share of the benefit that falls in the investor's own sector; KF L1846-1848 ('How do you "
       "share the benefits?') has it mostly elsewhere"),
)

SETTINGS = ("shipped",)


def shipped() -> dict[str, Uncertainty]:
    return {u.path: u for u in SHIPPED}


def _flatten(raw: dict, prefix: str = "") -> dict:
    """``trust.stranger = {...}`` arrives from TOML as nested tables; a table holding
    ``low`` or ``high`` is a range, not a section."""
    out = {}
    for key, value in raw.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and not {"low", "high", "basis"} & set(value):
            out.update(_flatten(value, path + "."))
        else:
            out[path] = value
    return out


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def resolve(raw: dict | None, base: dict) -> dict[str, Uncertainty]:
    """The uncertainties of an experiment: the shipped ones changed by its
    ``[uncertainties]`` table ``raw``; ``base`` is the experiment's plain config data, used
    to check that each bound is a value its field allows. Raises ConfigError with one line
    per problem."""
    raw = dict(raw or {})
    use_shipped = raw.pop("shipped", True)
    problems = []
    if not isinstance(use_shipped, bool):
        problems.append(f"uncertainties.shipped: give true or false (got {use_shipped!r})")
        use_shipped = True
    out = shipped() if use_shipped else {}
    for path, value in _flatten(raw).items():
        name = f"uncertainties.{path}"
        why = field_problem(path)
        if why:
            problems.append(f"{name}: {why}")
            continue
        if value is False:
            out.pop(path, None)
            continue
        if not isinstance(value, dict):
            problems.append(f"{name}: give a range {{low = ..., high = ..., basis = \"...\"}} or false to hold "
                            f"the field at its config value (got {value!r})")
            continue
        extra = sorted(set(value) - {"low", "high", "basis"})
        if extra:
            problems.append(f"{name}: unknown key {extra[0]!r}; allowed: low, high, basis")
            continue
        old = out.get(path)
        low = _number(value.get("low", old.low if old else None))
        high = _number(value.get("high", old.high if old else None))
        if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
            problems.append(f"{name}: low and high must be finite numbers (got low={value.get('low')!r}, "
                            f"high={value.get('high')!r})")
            continue
        if low > high:
            problems.append(f"{name}: low must not be greater than high (got low={low}, high={high})")
            continue
        basis = value.get("basis", old.basis if old else "assumption")
        if not isinstance(basis, str) or not basis.strip():
            problems.append(f"{name}: basis must be text: a report's figure with its line, or \"assumption\"")
            continue
        out[path] = Uncertainty(path, low, high, basis)
    from .sweep.spec import _field

    for u in out.values():
        whole = _field(u.path)[1] is int  # a whole-number field is sampled rounded (sim.robust.plan)
        for bound in (u.low, u.high):
            bound = int(round(bound)) if whole else bound
            data = copy.deepcopy(base)
            cfgmod.set_path(data, u.path, bound)
            try:
                cfgmod.validate(data)
            except ConfigError as exc:
                lines = [line.strip().removeprefix(f"{u.path}: ") for line in str(exc).splitlines()[1:]]
                problems.append(f"uncertainties.{u.path}: {bound!r} is not allowed: {'; '.join(lines)}")
                break
    if problems:
        raise ConfigError("invalid [uncertainties]:\n  " + "\n  ".join(problems))
    return out


def field_problem(path: str) -> str | None:
    """None if ``path`` names a numeric config field a range can sample, else why not."""
    from .sweep.spec import _field

    why, kind = _field(path)
    if why:
        return why
    if kind is not float and kind is not int:
        return "not a numeric field; only numbers can be sampled"
    return None


def markdown() -> str:
    """The shipped ranges as the Markdown table in docs/model.md (``python -m sim.uncertainties``)."""
    lines = ["| field | low | high | basis |", "|---|---|---|---|"]
    lines += [f"| `{u.path}` | {u.low:g} | {u.high:g} | {u.basis} |" for u in SHIPPED]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
