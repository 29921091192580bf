"""Every word the app shows for a code name: strategies, lever choices, outcomes with their
units, and the reports a scenario cites.

Why one module: a room reads "Always defects", "Block contract" and "King's Fund report",
not ``alld``, ``block_contract`` and ``KF L1797``. Keeping the words here means each code
has one meaning on every page ("hawk" is only ever an organisation that defected in most of
its games this month; the strategy that always defects is "Always defects"). The strategy
table is the one the strategy registry (sim/strategies.py) will supply later: swap
``STRATEGIES`` for it and nothing else changes.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class StrategyText:
    short: str  # on buttons, tables and charts
    description: str  # one plain sentence
    colour: str  # Okabe-Ito based, the same on every chart


STRATEGIES: dict[str, StrategyText] = {
    "allc": StrategyText("Always collaborates", "Always collaborates, whatever you do", "#56B4E9"),
    "alld": StrategyText("Always defects", "Always protects its own budget (defects), whatever you do", "#D55E00"),
    "tft": StrategyText("Copycat", "Collaborates first, then does what you did last round (tit-for-tat)",
                        "#009E73"),
    "gtft": StrategyText("Forgiving copycat", "Like Copycat, but forgives about a third of your defections",
                         "#8fd175"),
    "grudger": StrategyText("Grudger", "Collaborates until you defect once, then never again", "#7a4f9a"),
    "wsls": StrategyText("Win-stay, lose-shift", "Repeats its last move if it did well, otherwise switches (Pavlov)",
                         "#E69F00"),
    "random": StrategyText("Coin-flipper", "Collaborates half the time, at random", "#999999"),
    "trust": StrategyText("Trust-based", "The more it trusts you, the likelier it collaborates", "#0072B2"),
}
SHORT = {name: s.short for name, s in STRATEGIES.items()}
DESCRIPTIONS = {name: s.description for name, s in STRATEGIES.items()}
COLOURS = {name: s.colour for name, s in STRATEGIES.items()}

# The value of a select lever -> what its dropdown shows.
CHOICES: dict[str, str] = {
    "none": "None",
    "organisational": "Organisational (each body on its own books)",
    "system": "System (the footprint as a whole)",
    "block_contract": "Block contract",
    "payment_by_results": "Payment by results",
    "pooled_budget": "Pooled budget",
    "constant": "A constant share of the budget",
    "demand": "Demand growth less the efficiency plans deliver",
    "majority": "Majority vote",
    "veto": "Any member can veto",
    "pd": "Prisoner's dilemma",
    "hawk_dove": "Hawk-dove (chicken)",
    "fermi": "Copy a better-off partner, sometimes (Fermi)",
    "best": "Copy the best-off partner",
    "proportional": "Copy partners in proportion to their payoff",
}


def choice(value) -> str:
    return CHOICES.get(value, str(value))


REPORTS = {
    "KF": "King's Fund report (The practice of system leadership)",
    "IHM": "IHM report (Swimming together or sinking alone)",
    "NT": "Nuffield Trust and HFMA paper on STPs",
}


def plain_source(source: str) -> str:
    """"KF L1797, L1869" -> "King's Fund report (...)": line numbers are for the code, not the room."""
    names = [REPORTS[k] for k in dict.fromkeys(re.findall(r"\b(KF|IHM|NT)\b", source))]
    return "; ".join(names) if names else source


# -- outcomes ------------------------------------------------------------------------------
MONEY = "budget units (100 = an acute trust's monthly budget)"


@dataclass(frozen=True)
class Unit:
    kind: str  # "share" (shown as %), "scale" (0 to 1), "money", "count"
    noun: str = ""  # counts: what is counted


UNITS: dict[str, Unit] = {
    "mean_cooperation": Unit("share"),
    "mean_trust": Unit("scale"),
    "mean_hawk_share": Unit("share"),
    "final_system_balance": Unit("money"),
    "final_in_deficit": Unit("count", "organisations"),
    "turnover_total": Unit("count", "leaders"),
    "public_cost": Unit("money"),
}
OUTCOME_LABELS = {
    "mean_cooperation": "Cooperation (share of games collaborated, mean over the run)",
    "mean_trust": "Trust (0 to 1, mean over the run)",
    "mean_hawk_share": "Hawks (share of organisations defecting in most games, mean over the run)",
    "final_system_balance": "System balance at the end",
    "final_in_deficit": "Organisations in deficit at the end",
    "turnover_total": "Leaders replaced",
    "public_cost": "Public cost (support paid + deficits left)",
}
SHORT_OUTCOME = {"mean_cooperation": "cooperation", "mean_trust": "trust", "mean_hawk_share": "the share of hawks",
                 "final_system_balance": "the system balance at the end",
                 "final_in_deficit": "organisations in deficit at the end", "turnover_total": "leaders replaced",
                 "public_cost": "the public cost"}



def _from_registry() -> None:
    """Every headline outcome of the registry (``sim.metrics``) that the tables above do not
    word by hand is shown too, with the registry's label and a unit read from its unit text:
    a new outcome is one registry entry."""
    from sim import metrics

    for s in metrics.SUMMARIES:
        if not s.headline or s.name in OUTCOME_LABELS:
            continue
        name = s.name
        unit = s.unit.split(" (")[0].split(":")[0]
        kind = ("share" if unit.startswith("share") else "money" if unit.startswith("money")
                else "scale" if unit == "0 to 1" else "count")
        UNITS[name] = Unit(kind, unit if kind == "count" else "")
        OUTCOME_LABELS[name] = f"{s.label} ({s.unit})"
        SHORT_OUTCOME[name] = s.label[0].lower() + s.label[1:]


_from_registry()


def unit_note(outcome: str) -> str:
    u = UNITS[outcome]
    return {"share": "%", "scale": "0 to 1", "money": MONEY, "count": u.noun}[u.kind]


def title(outcome: str) -> str:
    """"Cooperation (%)", "System balance at the end (budget units)": for tables and figure panels."""
    return f"{OUTCOME_LABELS[outcome].split(' (')[0]} ({unit_note(outcome).split(' (')[0]})"


def value(outcome: str, x: float) -> str:
    """A level: 57%, 0.62, +340 budget units, 3.2 organisations."""
    u = UNITS[outcome]
    if u.kind == "share":
        return f"{100 * x:.0f}%"
    if u.kind == "scale":
        return f"{x:.2f}"
    if u.kind == "money":
        return f"{x:+,.0f}"
    return f"{x:.1f}"


def amount(outcome: str, d: float, signed: bool = False) -> str:
    """A difference with its unit: 12 points, 0.05, 340 budget units, 1.5 leaders."""
    u = UNITS[outcome]
    sign = "+" if signed else ""
    if u.kind == "share":
        return f"{100 * d:{sign}.1f} points"
    if u.kind == "scale":
        return f"{d:{sign}.3f}"
    if u.kind == "money":
        return f"{d:{sign},.0f} budget units"
    return f"{d:{sign}.1f} {u.noun}"


def _bare(outcome: str, d: float) -> str:
    u = UNITS[outcome]
    return {"share": f"{100 * d:.1f}", "scale": f"{d:.3f}", "money": f"{d:,.0f}"}.get(u.kind, f"{d:.1f}")


def answer(outcome: str, arm: str, reference: str, diff: float, low: float, high: float, seeds: int) -> str:
    """One sentence with direction and units: "System regulation raises cooperation by 12.1
    points (95% CI 10.2 to 14.0) compared with Organisational regulation, over 20 seeds"."""
    what = SHORT_OUTCOME[outcome]
    ci = f"95% CI {_bare(outcome, low)} to {_bare(outcome, high)}"
    over = f"compared with {reference}, over {seeds} seeds paired by seed"
    if low <= 0 <= high:
        return (f"{arm} makes no clear difference to {what}: {amount(outcome, diff, signed=True)} "
                f"({ci}) {over}.")
    verb = "raises" if diff > 0 else "lowers"
    if diff < 0:  # "lowers ... by 12 points (95% CI 10 to 15)": the interval of the same magnitude
        ci = f"95% CI {_bare(outcome, -high)} to {_bare(outcome, -low)}"
    return f"{arm} {verb} {what} by {amount(outcome, abs(diff))} ({ci}) {over}."
