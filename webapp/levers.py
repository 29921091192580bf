"""The levers the app exposes, the presets taken from the reports, and how both become a
``Config``.

The app keeps its settings as a flat dict of dotted config keys (``regulation.regime``),
the same form the lead's ``experiments/*.toml`` arms and the CLI overrides use, so a preset
is just a dict of overrides on the defaults. One key is the app's own: ``leadership.tenure``
(months an acute trust's chief executive stays), which scales every type's default mean
tenure together so that the NHS/council contrast of the defaults is kept (KF L1797, L1869).
"""

from dataclasses import dataclass, field
from typing import Any

from sim.config import Config, ConfigError, set_path, validate

TENURE = "leadership.tenure"
HORIZON = "app.months"  # how far the live view runs before it stops by itself
_DEFAULT = Config()
_BASE_TENURE = _DEFAULT.leadership.mean_tenure
_TENURE_UNIT = _BASE_TENURE["acute"]

STRATEGY_MIXES = {
    "Trust-based leaders": {"trust": 1.0},
    "Classic strategies": {"allc": 1.0, "alld": 1.0, "tft": 1.0, "grudger": 1.0, "wsls": 1.0, "gtft": 1.0},
    "Doves and hawks": {"allc": 1.0, "alld": 1.0},
    "Leaders and tit-for-tat": {"trust": 1.0, "tft": 1.0},
}


@dataclass(frozen=True)
class Lever:
    key: str
    label: str
    group: str
    min: float = 0.0
    max: float = 1.0
    step: float = 0.01
    choices: tuple = ()  # a select: the allowed values (labels are the values)
    integer: bool = False
    help: str = ""

    @property
    def is_select(self) -> bool:
        return bool(self.choices)


LEVERS: tuple[Lever, ...] = (
    Lever("network.n_orgs", "Organisations", "Footprint", 10, 40, 1, integer=True),
    Lever("experiment.seed", "Seed", "Footprint", 0, 99, 1, integer=True,
          help="Same seed, same footprint and same luck: a lever change shows its own effect"),
    Lever(HORIZON, "Months to run", "Footprint", 12, 480, 12, integer=True),
    Lever("strategies.mix", "Decision rules", "Footprint", choices=tuple(STRATEGY_MIXES)),
    Lever(TENURE, "Acute CEO tenure (months; other types scale with it)", "Leadership", 6, 180, 1, integer=True,
          help="NHS leaders stay about three years, council leaders longer (King's Fund report)"),
    Lever("leadership.trust_loss", "Trust lost when a leader leaves", "Leadership", 0, 1, 0.05),
    Lever("leadership.election_every", "Council elections every (months; 0 = none)", "Leadership", 0, 60, 12,
          integer=True, help="Councils hold back for the 3 months before each election (IHM report)"),
    Lever("leadership.internal_succession", "Chance the successor is internal", "Leadership", 0, 1, 0.05),
    Lever("regulation.regime", "Regulation regime", "Regulation", choices=("none", "organisational", "system")),
    Lever("regulation.detection", "Chance a breach is detected", "Regulation", 0, 1, 0.05),
    Lever("regulation.fine", "Fine (share of monthly budget)", "Regulation", 0, 0.1, 0.005),
    Lever("regulation.intervention_threshold", "Special measures at deficit (months of budget)", "Regulation",
          0.05, 1.0, 0.05),
    Lever("incentives.payment", "Payment regime", "Payment",
          choices=("block_contract", "payment_by_results", "pooled_budget")),
    Lever("incentives.pooling_share", "Pooling share (pooled budget)", "Payment", 0, 1, 0.05),
    Lever("incentives.tariff", "Tariff income an acute trust loses per shared relationship (payment by results)",
          "Payment", 0, 1, 0.05, help="Money a month, an acute trust's monthly budget = 100: what sharing "
          "activity with a partner costs it in activity income (Nuffield Trust report)"),
    Lever("incentives.foundation_floor", "Foundation trusts' income floor (share of contract)", "Payment",
          0, 1, 0.005, help="Under payment by results or pooling, a foundation trust's monthly income may not "
          "fall below this share of its contract; 0 = no floor (King's Fund report)"),
    Lever("incentives.transitional_funding", "Transitional funding (share of budget)", "Payment", 0, 0.02, 0.001),
    Lever("governance.decision", "System plan decisions", "Governance", choices=("none", "majority", "veto")),
    Lever("governance.optimism_bias", "Optimism bias of plans (share over-promised)", "Governance", 0, 1, 0.05,
          help="Plans promise more than they can deliver (IHM report)"),
    Lever("governance.promises_in_budgets", "Budgets count plans' promises", "Governance", choices=(False, True),
          help="The shortfall arrives as a cost when the plan's term ends (IHM report)"),
    Lever("stakeholders.block", "Chance clinicians, staff or the public block a plan", "Governance", 0, 1, 0.05,
          help="Without their willing involvement the whole exercise will stall (IHM report)"),
    Lever("stakeholders.engagement", "Engagement spend (share of budget a month)", "Governance", 0, 0.02, 0.001,
          help="Each 0.2% of budget spent on engagement halves the chance of a block"),
    Lever("development.spend", "Organisational development (share of budget a month)", "Leadership", 0, 0.02, 0.001,
          help="Money spent on system-wide leadership programmes builds trust (IHM and King's Fund reports)"),
    Lever("loss_aversion.factor", "Loss aversion of the just about managing (1 = none)", "Money", 1, 3, 0.05,
          help="Organisations with little to spare fear that a change destabilises them (IHM report)"),
    Lever("budget.structural_gap", "Extra structural gap (monthly, share of budget; on top of demand less efficiency)",
          "Money", 0, 0.02, 0.001),
    Lever("budget.gap_source", "Structural gap from", "Money", choices=("constant", "demand"),
          help="'demand': from demand growth, funding growth and the efficiency plans deliver (Nuffield Trust report)"),
    Lever("budget.demand_growth", "Demand growth a year (gap from demand)", "Money", 0, 0.06, 0.001),
    Lever("budget.funding_growth", "Real funding growth a year (gap from demand)", "Money", 0, 0.05, 0.001),
    Lever("budget.efficiency_delivered", "Share of the efficiency requirement plans deliver", "Money", 0, 1, 0.05),
    Lever("budget.joint_accountability", "Joint accountability", "Money", 0, 1, 0.05),
    Lever("game.kind", "Game", "Game", choices=("pd", "hawk_dove")),
    Lever("game.R", "R: both collaborate", "Game", -5, 10, 0.5),
    Lever("game.S", "S: you collaborate, they defect", "Game", -5, 10, 0.5),
    Lever("game.T", "T: you defect, they collaborate", "Game", -5, 10, 0.5),
    Lever("game.P", "P: both defect", "Game", -5, 10, 0.5),
    Lever("game.V", "V: prize (hawk-dove)", "Game", 0.5, 10, 0.5),
    Lever("game.C", "C: cost of a fight (hawk-dove)", "Game", 0.5, 10, 0.5),
    Lever("game.noise", "Mistake rate (a move is flipped by accident)", "Game", 0, 0.2, 0.005),
    Lever("trust.initial", "Trust the footprint starts with (0.5: a new footprint)", "Trust", 0, 1, 0.05,
          help="The reports' footprints are new: relationships 'still new' (NT report); 0.8 is an established one"),
    Lever("trust.gain", "Trust gained when a partner collaborates", "Trust", 0, 0.5, 0.01),
    Lever("trust.loss", "Trust lost when a partner defects", "Trust", 0, 0.8, 0.01),
    Lever("information.misread", "Chance a partner's move is misread", "Information", 0, 0.3, 0.01),
    Lever("information.shared_information", "Shared information (share of misreading removed)", "Information",
          0, 1, 0.05, help="A shared financial framework: \"one version of the truth\" (IHM report)"),
    Lever("capacity.relationships", "Collaborations managers can carry a month (0 = no limit)", "Leadership",
          0, 12, 1, help="Beyond it, collaborations stall (IHM report)"),
    Lever("investment.amount", "Invest here, benefit there (share of budget a month; 0 = none)", "Investment",
          0, 0.05, 0.005, help="Councils, community and mental-health services pay now; the acute trust's demand "
                              "falls years later (IHM and King's Fund reports)"),
    Lever("investment.shared_savings", "Share of the saving returned to the investor", "Investment", 0, 1, 0.05,
          help="A shared-savings agreement: \"How do you share the benefits?\" (King's Fund report)"),
    Lever("investment.withdraw_at", "Councils withdraw at pressure (0 = never)", "Investment", 0, 1, 0.05,
          help="Councils might retract support under pressure (Nuffield Trust paper)"),
    Lever("learning.rule", "Learning rule", "Learning", choices=("none", "fermi", "best", "proportional")),
    Lever("learning.rate", "Learning rate", "Learning", 0, 0.5, 0.01),
)
LEVER_BY_KEY = {lever.key: lever for lever in LEVERS}
GROUPS = tuple(dict.fromkeys(lever.group for lever in LEVERS))


def _default(key: str) -> Any:
    if key == TENURE:
        return int(_TENURE_UNIT)
    if key == HORIZON:
        return 120
    if key == "strategies.mix":
        return next(name for name, mix in STRATEGY_MIXES.items() if mix == _DEFAULT.strategies.mix)
    section, name = key.split(".")
    return getattr(getattr(_DEFAULT, section), name)


DEFAULTS: dict[str, Any] = {lever.key: _default(lever.key) for lever in LEVERS}


def is_dilemma(R: float, S: float, T: float, P: float) -> bool:
    """A prisoner's dilemma: temptation beats reward beats punishment beats the sucker's
    payoff, and taking turns to exploit pays less than collaborating (2R > T + S)."""
    return T > R > P > S and 2 * R > T + S


def tenure_table(months: float) -> dict[str, float]:
    """Every type's mean tenure, scaled so that an acute CEO stays ``months``."""
    return {t: v * months / _TENURE_UNIT for t, v in _BASE_TENURE.items()}


def to_config(values: dict[str, Any]) -> Config:
    """A validated Config from app settings (dotted keys; missing keys keep the defaults)."""
    data: dict = {}
    for key, value in values.items():
        if key == HORIZON:
            set_path(data, "experiment.steps", int(value))
        elif key == TENURE:
            set_path(data, "leadership.mean_tenure", tenure_table(float(value)))
        elif key == "strategies.mix" and isinstance(value, str):
            if value not in STRATEGY_MIXES:
                raise ConfigError(f"strategies.mix: unknown mix {value!r}; allowed: {', '.join(STRATEGY_MIXES)}")
            set_path(data, key, dict(STRATEGY_MIXES[value]))
        else:
            lever = LEVER_BY_KEY.get(key)
            if lever is not None and lever.integer and isinstance(value, float) and value.is_integer():
                value = int(value)  # a slider may hand back 24.0; the config takes whole numbers strictly
            set_path(data, key, value)
    return validate(data, source="app settings")


@dataclass(frozen=True)
class Preset:
    name: str
    overrides: dict = field(default_factory=dict)
    notice: str = ""  # one line: what the audience should notice
    source: str = ""


def _tenure(factor: float) -> int:
    return int(round(_TENURE_UNIT * factor))


# Each preset is a set of overrides on the defaults, the same as the arms of the lead's
# experiments/*.toml for the scenario; the line says what to watch, and the check in
# tests/test_app_logic.py runs each one to make sure the line is true of the model.
PRESETS: tuple[Preset, ...] = (
    Preset("Baseline", {}, "A new footprint with typical NHS turnover: partnerships mostly hold, but every new leader costs some trust.",
           "MODEL.md defaults"),
    Preset("Established footprint", {"trust.initial": 0.8},
           "Partners who have worked together for years start with trust 0.8, not 0.5: more of them collaborate "
           "from the first month.", "NT L455-462, L551-554; KF L471"),
    Preset("Stable leadership", {TENURE: _tenure(3)},
           "Leaders stay three times as long: trust (green edges) builds up and hawks become rare.", "KF L1797, L1869"),
    Preset("High churn", {TENURE: _tenure(1 / 3)},
           "Each new chief executive arrives as a stranger: edges keep fading, hawks spread and more organisations end in deficit.",
           "KF L1797, L2074"),
    Preset("Reorganisation at month 60", {"leadership.reorganisations": [60], "leadership.reorganisation_share": 0.9},
           "At month 60 nine in ten leaders leave at once: watch trust drop in one step and take about two years to "
           "come back.",
           "KF L2311"),
    Preset("Organisational regulation", {"regulation.regime": "organisational"},
           "Each body judged on its own books: watch for special measures (dashed outlines); cooperation ends "
           "well below system regulation.",
           "KF L1543-1561"),
    Preset("System regulation", {"regulation.regime": "system"},
           "The footprint judged as a whole: transfers cancel out, so collaborating pays and cooperation stays high.",
           "NT: regulators back off if the system balances"),
    Preset("Crisis, judged alone", {"regulation.regime": "organisational", "budget.structural_gap": 0.01},
           "A deep structural gap with organisational regulation: under pressure everyone hunkers down.",
           "KF L209, KF L1582-1593"),
    Preset("Crisis, judged together", {"regulation.regime": "system", "budget.structural_gap": 0.01},
           "The same crisis under system regulation: mutual defection is ruinous, so they pull together instead.",
           "IHM L51-68, KF L1783-1793"),
    Preset("Pooled budget", {"incentives.payment": "pooled_budget", "incentives.pooling_share": 0.5},
           "Half of every payoff goes into one pot (\"one sum of money\"): more cooperation and more money "
           "than payment by results.",
           "NT"),
    Preset("Payment by results", {"incentives.payment": "payment_by_results"},
           "Sharing activity costs the acute trusts (blue) tariff income: they collaborate less than under a "
           "block contract.", "NT L595-606"),
    Preset("Invest here, benefit there", {"investment.amount": 0.01, "investment.multiple": 3.0},
           "Councils and community services could pay now to cut the acute trust's demand later, but would see none "
           "of the saving: no one invests, and nothing changes.", "IHM L80-82, KF L1846-1848"),
    Preset("Shared savings", {"investment.amount": 0.01, "investment.multiple": 3.0,
                              "investment.shared_savings": 0.75},
           "Three quarters of the saving goes back to the investor: leaders who expect to stay invest, and the "
           "system ends with more money.", "KF L1846-1848, KF L708-712"),
)
PRESET_BY_NAME = {p.name: p for p in PRESETS}


def preset_values(name: str) -> dict[str, Any]:
    """App settings for a preset: the defaults with the preset's overrides."""
    return {**DEFAULTS, **PRESET_BY_NAME[name].overrides}
