"""Experiment configuration: TOML files validated by pydantic.

Every field has a default, so a config names only what it changes. Unknown keys, wrong
types and out-of-range values stop the run with one message per problem, naming the field
and what is allowed (see ``ConfigError``). Defaults that the source reports give no figure
for (budgets, tenures, trust rates) are modelling assumptions; docs/model.md lists them.

Validation is strict because a silently coerced value gives a wrong result without a word:
no text read as a number or a bool (``steps = "5"``, ``moore = "no"``), no bool read as a
number (``steps = true``), finite numbers only (NaN and infinity propagate through the model
unseen), magnitudes bounded by ``LARGE``, and sizes bounded by what this machine can hold
(``sim.sizes.check_size``), all before any work starts.
"""

import functools
import re
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from . import strategies

ORG_TYPES = ("acute", "mental_health", "community", "ccg", "council")
STRATEGY_NAMES = strategies.NAMES  # the registry (sim/strategies.py) is the one list of strategies

# No modelled quantity comes near 1e12 but "never" (validation's leaders who never leave
# have a 1e12-month tenure; an acute trust's monthly budget is 100); bounding magnitudes
# there keeps every sum and product in a run finite.
LARGE = 1e12
SMALL = 1e-6  # scales divided by (budget size, pressure scale, thresholds) stay above it
MAX_INT = 2**63 - 1  # stored in 64-bit Parquet columns

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Number = Annotated[float, Field(ge=-LARGE, le=LARGE)]
NonNegative = Annotated[float, Field(ge=0.0, le=LARGE)]
Positive = Annotated[float, Field(gt=0.0, le=LARGE)]
Scale = Annotated[float, Field(ge=SMALL, le=LARGE)]  # divided by: kept away from zero
Count = Annotated[int, Field(ge=0, le=MAX_INT)]
Months = Annotated[int, Field(ge=1, le=MAX_INT)]

_SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}")


def _check(ok, message: str):
    """An AfterValidator that refuses a value for which ``ok(value)`` is false."""
    def check(value):
        if not ok(value):
            raise ValueError(message)
        return value
    return AfterValidator(check)


SafeName = Annotated[str, _check(_SAFE_NAME.fullmatch, "must be a folder name of 1-100 letters, digits, '-', "
                                                      "'_' or '.', not starting with '.'")]
PathText = Annotated[str, Field(max_length=4096), _check(lambda v: "\0" not in v, "must not contain a NUL character")]


class ConfigError(ValueError):
    """A config that cannot be run; the message says which field and what is allowed."""


class Section(BaseModel):
    # strict: no "5" -> 5, no "no" -> False, no true -> 1 (a whole number still counts as a
    # float); allow_inf_nan=False: finite numbers only.
    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True, allow_inf_nan=False)


def _per_type(**values: float):
    return Field(default_factory=lambda: dict(values))


class ExperimentConfig(Section):
    name: SafeName = "experiment"  # results go in <output dir>/<name>/seed-<seed>
    description: Annotated[str, Field(max_length=10_000)] = ""
    steps: Months = 120
    seed: Count = 1


class NetworkConfig(Section):
    """The collaboration network (MODEL.md section 1)."""

    kind: Literal["footprint", "lattice", "scale_free", "regular", "random", "complete", "file"] = "footprint"
    n_orgs: Annotated[int, Field(ge=2, le=MAX_INT)] = 24
    footprints: Months = 1
    mean_degree: Positive = 6.0
    moore: bool = True  # lattice: 8 neighbours (Moore) or 4 (von Neumann)
    path: PathText = ""  # kind = "file": GraphML/GML with a `type` node attribute, or an edge list
    node_types: PathText = ""  # edge lists: CSV of `node,type` rows
    type_mix: dict[str, NonNegative] = _per_type(
        acute=0.2, mental_health=0.1, community=0.1, ccg=0.3, council=0.3
    )
    foundation_share: Probability = 0.6  # share of acute trusts with foundation-trust status

    @model_validator(mode="after")
    def _check(self):
        _check_types("network.type_mix", self.type_mix)
        if sum(self.type_mix.values()) <= 0:
            raise ValueError("network.type_mix: at least one share must be positive")
        if self.kind == "file" and not self.path:
            raise ValueError("network.path: required when network.kind = 'file'")
        return self


class GameConfig(Section):
    """The stage game: PD with R, S, T, P, or hawk-dove with V, C (MODEL.md section 2)."""

    kind: Literal["pd", "hawk_dove"] = "pd"
    R: Number = 3.0
    S: Number = 0.0
    T: Number = 5.0
    P: Number = 1.0
    V: Scale = 2.0
    C: Scale = 3.0
    noise: Probability = 0.01  # execution error: the chosen move is flipped
    shift: NonNegative = 0.1  # money a defector shifts onto a cooperating partner per step
    surplus: NonNegative = 0.2  # money mutual cooperation creates per edge per step
    self_interaction: bool = False  # each node also plays itself (Nowak & May 1992)

    def payoffs(self) -> tuple[float, float, float, float]:
        """R, S, T, P; hawk-dove maps dove = cooperate, hawk = defect."""
        if self.kind == "hawk_dove":
            return self.V / 2, 0.0, self.V, (self.V - self.C) / 2
        return self.R, self.S, self.T, self.P


class StrategyConfig(Section):
    """Initial strategy mix and the parameters of the decision rules (MODEL.md section 4)."""

    mix: dict[str, NonNegative] = Field(default_factory=lambda: {"trust": 1.0})
    generosity: Probability = 1 / 3  # GTFT: chance of forgiving a defection
    beta: NonNegative = 10.0  # trust rule: how sharply cooperation responds to trust
    incentive_weight: NonNegative = 0.25  # trust rule: weight of the payoff advantage of cooperating
    money_weight: NonNegative = 10.0  # payoff units a leader gives one unit of money that policy makes count
    foundation_independence: NonNegative = 0.1  # trust rule: foundation trusts value independence (KF L1896)
    defection_shock: list[Months] = Field(default_factory=list, max_length=2)  # [first, last] month
    shock_share: Probability = 0.5  # share of organisations forced to break ranks during the shock

    @model_validator(mode="after")
    def _check(self):
        bad = sorted(set(self.mix) - set(STRATEGY_NAMES))
        if bad:
            raise ValueError(f"strategies.mix: unknown strategy {bad[0]!r}; allowed: {', '.join(STRATEGY_NAMES)}")
        if sum(self.mix.values()) <= 0:
            raise ValueError("strategies.mix: at least one share must be positive")
        if self.defection_shock and (len(self.defection_shock) != 2 or self.defection_shock[0] > self.defection_shock[1]):
            raise ValueError("strategies.defection_shock: give [first month, last month] with first <= last")
        return self


class TrustConfig(Section):
    """Directed trust (MODEL.md section 2.3): slow to build, quick to lose."""

    initial: Probability = 0.5  # a new footprint: relationships "still new" (NT L455-462, L551-554)
    stranger: Probability = 0.3  # trust between a new leader and partners they have not worked with
    gain: Probability = 0.1  # share of the gap to 1 closed after the partner cooperates
    loss: Probability = 0.2  # share of trust lost after the partner defects


class InformationConfig(Section):
    """What organisations see of each other's moves (MODEL.md section 7). Off by default:
    every move is seen as it was made."""

    misread: Probability = 0.0  # chance a side misreads its partner's move (sees the opposite)
    shared_information: Probability = 0.0  # share of misreading a shared framework removes (IHM L104-121, NT)
    pledges: bool = False  # moves are private behind public pledges to collaborate (IHM L266-271, KF L2288-2297)
    detection: Probability = 0.5  # chance a broken pledge is found out
    breach_loss: Probability = 0.6  # share of trust lost when a broken pledge is found out


class CapacityConfig(Section):
    """Management capacity for partnership work (MODEL.md section 7). Off by default."""

    relationships: NonNegative = 0.0  # collaborations an organisation's managers can carry a month; 0 = no limit


class BudgetConfig(Section):
    """Money and financial pressure (MODEL.md section 2.4). Units: money per month, with an
    acute trust's monthly budget as 100 (an assumption; the reports give no figures)."""

    size: dict[str, Scale] = _per_type(acute=100.0, mental_health=30.0, community=25.0, ccg=60.0, council=40.0)
    # The monthly gap (costs growing beyond income, share of size): with gap_source = "demand"
    # it comes from the reports' figures (sim/policies/demand.py), (demand_growth -
    # funding_growth - efficiency x efficiency_delivered) / 12, plus structural_gap; with
    # gap_source = "constant" it is structural_gap alone (an unsourced constant; 0.003 in
    # earlier versions' default world).
    structural_gap: NonNegative = 0.0  # an extra gap on top of the reports' (a squeeze, a scenario)
    gap_source: Literal["constant", "demand"] = "demand"  # the default world: the reports' figures
    demand_growth: Annotated[float, Field(ge=-1.0, le=1.0)] = 0.027  # a year: NT L156-158 (2.7%, 2009-10 to 2014-15)
    funding_growth: Annotated[float, Field(ge=-1.0, le=1.0)] = 0.0  # a year, real terms (A: the reports give no figure)
    efficiency: dict[str, Probability] = _per_type(
        acute=0.02, mental_health=0.02, community=0.02, ccg=0.01, council=0.02
    )  # required a year: providers 2% (tariff), commissioners 1% (NT L287-290); councils A
    efficiency_delivered: Probability = 0.75  # share of the requirement plans deliver (A; NT L287-288, L629-630)
    pressure_scale: Scale = 0.1  # deficit (share of size) at which pressure reaches 1
    distress_cost: NonNegative = 0.01  # monthly cost of distress at full pressure, share of size (IHM L791)
    pressure_temptation: NonNegative = 2.0  # added to T at full pressure ("hunker down", KF L209)
    pressure_dd_cost: NonNegative = 4.0  # taken from P at full pressure, times joint accountability
    joint_accountability: Probability = 0.0  # how far the cost of mutual defection is shared (KF L1582)

    @model_validator(mode="after")
    def _check(self):
        _check_types("budget.size", self.size, complete=True)
        _check_types("budget.efficiency", self.efficiency, complete=True)
        return self


class LeadershipConfig(Section):
    """Leader turnover (MODEL.md section 2.6)."""

    mean_tenure: dict[str, Annotated[float, Field(ge=1.0, le=LARGE)]] = _per_type(
        acute=36.0, mental_health=42.0, community=42.0, ccg=42.0, council=72.0
    )  # months, at least 1 (the monthly hazard is 1 / tenure); NHS leaders turn over faster than council ones (KF L1797, L1869)
    trust_loss: Probability = 0.7  # share of a predecessor's relationship lost on succession
    internal_succession: Probability = 0.3  # chance the successor comes from inside
    internal_keep: Probability = 0.5  # an internal successor loses only this share of trust_loss
    disposition_mean: Number = 0.25
    disposition_sd: NonNegative = 0.15
    reorganisations: list[Months] = Field(default_factory=list, max_length=10_000)  # months of mass turnover
    reorganisation_share: Probability = 0.6  # chance each leader leaves in a reorganisation (KF L2311)
    election_every: Count = 0  # months between council elections; 0 = no electoral clock
    election_window: Months = 3  # months before one when councils hold back (IHM L289-291)

    @model_validator(mode="after")
    def _check(self):
        _check_types("leadership.mean_tenure", self.mean_tenure, complete=True)
        if self.election_every and self.election_window >= self.election_every:
            raise ValueError(f"leadership.election_window: must be less than election_every "
                             f"({self.election_every} months); got {self.election_window}")
        return self


class RegulationConfig(Section):
    """Regulation regime (MODEL.md section 3): who is judged, and how the regulator acts."""

    regime: Literal["none", "organisational", "system"] = "none"
    detection: Probability = 0.5  # chance per month that a breach is detected
    fine: NonNegative = 0.02  # money fine per month a breach is detected, as a share of monthly budget
    intervention_threshold: Scale = 0.3  # deficit (share of monthly budget) that triggers special measures
    special_measures_months: Months = 12
    replace_leader: Probability = 0.2  # chance special measures replaces the leader


class IncentivesConfig(Section):
    """Payment regime and funding levers (MODEL.md section 3)."""

    # The default world pays acute trusts by results: they are "reluctant to abandon" it (NT L595-596).
    payment: Literal["block_contract", "payment_by_results", "pooled_budget"] = "payment_by_results"
    pooling_share: Probability = 0.5  # pooled_budget: share of each payoff pooled across the footprint
    # payment_by_results: tariff income an acute trust loses per relationship-month in which it
    # shares activity with a (non-commissioner) partner, money (acute monthly budget = 100; A)
    tariff: NonNegative = 0.15
    foundation_floor: Probability = 0.0  # foundation trusts' income may not fall below this share of contract (KF L1904-1907); 0 = none
    transitional_funding: NonNegative = 0.0  # money per month, as a share of monthly budget
    transitional_months: Count = 24
    membership_fee: NonNegative = 0.0  # "skin in the game" (KF L1469): share of monthly budget paid in


class GovernanceConfig(Section):
    """How system plans are agreed (MODEL.md section 3)."""

    decision: Literal["none", "majority", "veto"] = "none"
    plan_every: Months = 12  # months between plan rounds
    forum_size: Count = 0  # members (largest budgets first); 0 = every organisation
    workable_forum: Months = 12  # larger forums stall (KF L1961: 27 in the room)
    voice: Literal["size", "equal"] = "size"  # majority vote weighted by budget (IHM L392-408) or not
    plan_dividend: NonNegative = 0.5  # extra share of the cooperation surplus while a plan is in force
    optimism_bias: NonNegative = 0.0  # plans promise achievable savings x (1 + bias) (IHM L829-836)
    promises_in_budgets: bool = False  # budgets book plans' promises; the shortfall is charged at term end


class StakeholdersConfig(Section):
    """Clinicians, staff and the public can block a system plan (a service change), less
    often when engaged (MODEL.md section 7; IHM L432-438, L486-490; NT L560-575). Off by
    default; acts only where governance votes on plans."""

    block: Probability = 0.0  # chance an agreed plan is blocked without engagement
    engagement: NonNegative = 0.0  # money a month on engagement, as a share of each monthly budget
    engagement_halving: Scale = 0.002  # engagement spend (share of budget) that halves the chance of a block


class LossAversionConfig(Section):
    """Loss aversion of the "just about managing" (MODEL.md section 7; IHM L51-70). On in the
    default world (factor 2: the size is from outside the reports, Tversky and Kahneman 1992,
    about 2.25); factor 1 turns it off."""

    factor: Annotated[float, Field(ge=1.0, le=LARGE)] = 2.0  # the sucker's loss weighs this many times; 1 = off
    margin: NonNegative = 0.05  # balance (share of monthly budget) below which an organisation has little to spare
    crisis: Probability = 0.5  # pressure from which crisis, not loss aversion, drives the leader (IHM L51-55)


class DevelopmentConfig(Section):
    """Organisational development: money spent to build trust (MODEL.md section 7; IHM L207-214,
    KF L2054-2056). Off by default."""

    spend: NonNegative = 0.0  # money a month, as a share of each organisation's monthly budget
    months: Count = 0  # months the programme runs; 0 = the whole run
    efficacy: NonNegative = 0.5  # trust gap closed per unit of money spent per relationship (small spends)


class InvestmentConfig(Section):
    """Invest here, benefit there (MODEL.md sections 1 and 7; sim/policies/investment.py). Off
    by default (``amount`` = 0)."""

    investors: list[str] = Field(default_factory=lambda: ["council", "community", "mental_health"], max_length=5)
    beneficiaries: list[str] = Field(default_factory=lambda: ["acute"], max_length=5)
    amount: NonNegative = 0.0  # share of the investor's monthly budget put in per relationship a month; 0 = off
    lag: Annotated[int, Field(ge=1, le=600)] = 24  # months until the benefit lands (KF L708-712, NT L556)
    multiple: NonNegative = 2.0  # benefit as a multiple of the money invested (assumption)
    own_share: Probability = 0.0  # share of the benefit that falls in the investor's own sector
    shared_savings: Probability = 0.0  # share of the beneficiary's saving returned to the investor (KF L1848)
    withdraw_at: Probability = 0.0  # pressure at which councils stop investing (NT L511-512); 0 = never

    @model_validator(mode="after")
    def _check(self):
        for field in ("investors", "beneficiaries"):
            values = getattr(self, field)
            bad = sorted(set(values) - set(ORG_TYPES))
            if bad:
                raise ValueError(f"investment.{field}: unknown organisation type {bad[0]!r}; allowed: "
                                 f"{', '.join(ORG_TYPES)}")
        both = sorted(set(self.investors) & set(self.beneficiaries))
        if both:
            raise ValueError(f"investment.beneficiaries: {both[0]!r} is also an investor; a type can be one or "
                             "the other")
        return self


class LearningConfig(Section):
    """Social learning of strategies (MODEL.md section 2.7; rules defined in sim/learning.py)."""

    rule: Literal["none", "fermi", "best", "proportional", "death_birth", "birth_death", "imitation"] = "none"
    schedule: Literal["synchronous", "asynchronous"] = "synchronous"  # all at once, or N random updates a step
    rate: Probability = 0.05  # chance per step (per update, asynchronous) that an organisation reconsiders
    selection: NonNegative = 1.0  # selection intensity: Fermi's, and w of the fitness map
    fitness: Literal["linear", "exponential"] = "linear"  # death_birth/birth_death/imitation: 1 - w + w p or exp(w p)
    mutation: Probability = 0.0  # chance per step of adopting a strategy drawn from the mix (by its weights)
    payoff_basis: Literal["total", "mean"] = "total"  # fitness: summed or per-game payoff

    @model_validator(mode="after")
    def _check(self):
        if self.rule == "birth_death" and self.schedule != "asynchronous":
            raise ValueError("learning.schedule: birth_death needs 'asynchronous' (a parent is chosen from the "
                             "whole population, one update at a time)")
        return self


class OutputConfig(Section):
    dir: Annotated[PathText, Field(min_length=1)] = "results"
    agent_every: Count = 0  # record agent data every N steps; 0 = never (opt-in)
    stable_window: Months = 24  # steps a regime must last to count as stable


class Config(Section):
    experiment: ExperimentConfig = Field(default_factory=ExperimentConfig)
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    game: GameConfig = Field(default_factory=GameConfig)
    strategies: StrategyConfig = Field(default_factory=StrategyConfig)
    trust: TrustConfig = Field(default_factory=TrustConfig)
    information: InformationConfig = Field(default_factory=InformationConfig)
    capacity: CapacityConfig = Field(default_factory=CapacityConfig)
    budget: BudgetConfig = Field(default_factory=BudgetConfig)
    leadership: LeadershipConfig = Field(default_factory=LeadershipConfig)
    regulation: RegulationConfig = Field(default_factory=RegulationConfig)
    incentives: IncentivesConfig = Field(default_factory=IncentivesConfig)
    governance: GovernanceConfig = Field(default_factory=GovernanceConfig)
    development: DevelopmentConfig = Field(default_factory=DevelopmentConfig)
    loss_aversion: LossAversionConfig = Field(default_factory=LossAversionConfig)
    stakeholders: StakeholdersConfig = Field(default_factory=StakeholdersConfig)
    investment: InvestmentConfig = Field(default_factory=InvestmentConfig)
    learning: LearningConfig = Field(default_factory=LearningConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)


def _check_types(field: str, values: dict, complete: bool = False) -> None:
    bad = sorted(set(values) - set(ORG_TYPES))
    if bad:
        raise ValueError(f"{field}: unknown organisation type {bad[0]!r}; allowed: {', '.join(ORG_TYPES)}")
    missing = [t for t in ORG_TYPES if t not in values]
    if complete and missing:
        raise ValueError(f"{field}: missing organisation type {missing[0]!r}; give all of: {', '.join(ORG_TYPES)}")


def _printable(text: str, limit: int = 80) -> str:
    """``text`` on one line (control characters escaped, long text cut), as messages are."""
    out = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return out if len(out) <= limit else out[: limit - 3] + "..."


def _fields_at(model: type[BaseModel] | None, loc: tuple) -> list[str]:
    """The keys allowed where ``loc`` points inside ``model`` (for "unknown key" lines)."""
    for part in loc:
        if model is None or part not in model.model_fields:
            return []
        ann = model.model_fields[part].annotation
        model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
    return list(model.model_fields) if model is not None else []


def describe_errors(exc: ValidationError, prefix: str = "", model: type[BaseModel] | None = None) -> list[str]:
    """One line per pydantic error: the dotted field (after ``prefix``), what is wrong and
    the value given; an unknown key lists the keys allowed there (read from ``model``).
    The one formatter for run configs, [sweep] and [compare] tables."""
    lines = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        field = _printable(prefix + ".".join(str(p) for p in loc), 200)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            allowed = _fields_at(model, loc[:-1])
            lines.append(f"{field}: unknown key" + (f"; allowed: {', '.join(allowed)}" if allowed else ""))
            continue
        if not field or msg.startswith((f"{field}:", f"{field}.")):
            lines.append(_printable(msg, 400))
            continue
        if err["type"] in ("model_type", "model_attributes_type", "dict_type"):
            msg = "must be a table of keys (a [section] or {key = value, ...})"
        got = err.get("input")
        shown = f" (got {_printable(repr(got))})" if got is not None and not isinstance(got, dict) else ""
        lines.append(f"{field}: {_printable(msg, 300)}{shown}")
    return lines


def validate(data: dict, source: str = "config") -> Config:
    """Build a Config from plain data, or raise ConfigError listing every problem."""
    if not isinstance(data, dict):
        raise ConfigError(f"invalid {source}: expected a table of sections, got {type(data).__name__}")
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"invalid {source}:\n  " + "\n  ".join(describe_errors(exc, model=Config))) from None


def set_path(data: dict, dotted: str, value) -> None:
    """Set ``section.key`` in nested plain data (for CLI overrides and sweeps)."""
    *parents, key = dotted.split(".")
    node = data
    for p in parents:
        node = node.setdefault(p, {})
        if not isinstance(node, dict):
            raise ConfigError(f"{dotted}: {p!r} is not a section")
    node[key] = value


def copy_data(data):
    """A copy of plain config data (dicts, lists, scalars), nothing shared: what
    copy.deepcopy gives for such data, four times faster (a sweep copies its base config for
    every point)."""
    if type(data) is dict:
        return {k: copy_data(v) for k, v in data.items()}
    if type(data) is list:
        return [copy_data(v) for v in data]
    return data


def with_values(data: dict, values: dict) -> dict:
    """``data`` with each ``section.key`` of ``values`` set to a copy of its value, sharing
    every section it does not touch with ``data``: a sweep's worker builds each point's
    config from the sweep's one base config this way, copying the few tables a point sets
    rather than the whole config (a tenth of the time). Read the result (validate it);
    ``copy_data`` it before editing it in place."""
    out = dict(data)
    for dotted, value in values.items():
        *parents, key = dotted.split(".")
        node = out
        for p in parents:
            child = node.get(p, {})
            if not isinstance(child, dict):
                raise ConfigError(f"{dotted}: {p!r} is not a section")
            node[p] = node = dict(child)  # copied along the path, so ``data`` is never edited
        node[key] = copy_data(value)  # a later "a.b" must not edit an earlier "a"'s value
    return out


def get_path(data, dotted: str):
    """The value at ``section.key`` (a table's entry too: ``leadership.mean_tenure.acute``)
    of nested plain data or of a Config."""
    return path_getter(dotted)(data)


@functools.lru_cache(maxsize=1024)
def path_getter(dotted: str):
    """``get_path(data, dotted)`` as a function of ``data``, the path split once (a batch
    reads every PER_REPLICATE field of every world's config)."""
    parts = tuple(dotted.split("."))

    def get(data):
        node = data
        for part in parts:
            node = node[part] if isinstance(node, dict) else getattr(node, part)
        return node
    return get


MAX_CONFIG_BYTES = 10 * 2**20  # a config is a few kilobytes; anything this large is not one


def read_toml(path: str | Path) -> dict:
    """The plain data of a UTF-8 TOML file, or a ConfigError saying in one line why it
    cannot be read."""
    path = Path(path)
    try:
        if path.is_dir():
            raise ConfigError(f"{path}: is a folder; give a TOML config file, e.g. experiments/baseline.toml")
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: too large for a config file (limit {MAX_CONFIG_BYTES:,} bytes)")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (OSError, ValueError) as exc:  # permissions, a NUL byte or an over-long name
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"{_printable(str(path), 200)}: cannot read the config file: {why}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at position {exc.start}); "
                          "save the config as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {_printable(str(exc), 300)}") from None


# Read by `collabsim compare` / `sweep` / `fixation` / `robust`; a single run ignores them.
ANNEX_TABLES = ("compare", "sweep", "fixation", "uncertainties", "robust")


def load(path: str | Path, overrides: dict | None = None, allow_large: bool = False) -> Config:
    """Read a TOML experiment file, apply ``{"section.key": value}`` overrides, validate and
    check that the run fits in memory (``check_size``). The [compare] and [sweep] tables
    describe many runs and are not part of one run's config."""
    data = read_toml(path)
    for table in ANNEX_TABLES:
        data.pop(table, None)
    for dotted, value in (overrides or {}).items():
        set_path(data, dotted, value)
    cfg = validate(data, source=str(path))
    from .sizes import check_size

    check_size(cfg, allow_large, source=str(path))
    return cfg
