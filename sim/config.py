"""Experiment configuration: TOML files validated by pydantic.

Every field has a default, so a config names only what it changes. Unknown keys, wrong
types and out-of-range values stop the run with one message per problem, naming the field
and what is allowed (see ``ConfigError``). Defaults that the source reports give no figure
for (budgets, tenures, trust rates) are modelling assumptions; docs/model.md lists them.
"""

import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

ORG_TYPES = ("acute", "mental_health", "community", "ccg", "council")
STRATEGY_NAMES = ("allc", "alld", "tft", "gtft", "grudger", "wsls", "random", "trust")

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]


class ConfigError(ValueError):
    """A config that cannot be run; the message says which field and what is allowed."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _per_type(**values: float):
    return Field(default_factory=lambda: dict(values))


class ExperimentConfig(Section):
    name: str = "experiment"
    description: str = ""
    steps: Annotated[int, Field(ge=1)] = 120
    seed: Annotated[int, Field(ge=0)] = 1


class NetworkConfig(Section):
    """The collaboration network (MODEL.md section 1)."""

    kind: Literal["footprint", "lattice", "scale_free", "regular", "random", "complete", "file"] = "footprint"
    n_orgs: Annotated[int, Field(ge=2)] = 24
    footprints: Annotated[int, Field(ge=1)] = 1
    mean_degree: Positive = 6.0
    moore: bool = True  # lattice: 8 neighbours (Moore) or 4 (von Neumann)
    path: str = ""  # kind = "file": GraphML/GML with a `type` node attribute, or an edge list
    node_types: str = ""  # edge lists: CSV of `node,type` rows
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
    R: float = 3.0
    S: float = 0.0
    T: float = 5.0
    P: float = 1.0
    V: Positive = 2.0
    C: Positive = 3.0
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
    defection_shock: list[Annotated[int, Field(ge=1)]] = Field(default_factory=list, max_length=2)  # [first, last] month
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

    initial: Probability = 0.8  # trust in the relationships a footprint starts with
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

    size: dict[str, Positive] = _per_type(acute=100.0, mental_health=30.0, community=25.0, ccg=60.0, council=40.0)
    structural_gap: NonNegative = 0.003  # monthly cost growth beyond income, as a share of size
    pressure_scale: Positive = 0.1  # deficit (share of size) at which pressure reaches 1
    distress_cost: NonNegative = 0.01  # monthly cost of distress at full pressure, share of size (IHM L791)
    pressure_temptation: NonNegative = 2.0  # added to T at full pressure ("hunker down", KF L209)
    pressure_dd_cost: NonNegative = 4.0  # taken from P at full pressure, times joint accountability
    joint_accountability: Probability = 0.0  # how far the cost of mutual defection is shared (KF L1582)

    @model_validator(mode="after")
    def _check(self):
        _check_types("budget.size", self.size, complete=True)
        return self


class LeadershipConfig(Section):
    """Leader turnover (MODEL.md section 2.6)."""

    mean_tenure: dict[str, Positive] = _per_type(
        acute=36.0, mental_health=42.0, community=42.0, ccg=42.0, council=72.0
    )  # months; NHS leaders turn over faster than council ones (KF L1797, L1869)
    trust_loss: Probability = 0.7  # share of a predecessor's relationship lost on succession
    internal_succession: Probability = 0.3  # chance the successor comes from inside
    internal_keep: Probability = 0.5  # an internal successor loses only this share of trust_loss
    disposition_mean: float = 0.25
    disposition_sd: NonNegative = 0.15
    reorganisations: list[Annotated[int, Field(ge=1)]] = Field(default_factory=list)  # months of mass turnover
    reorganisation_share: Probability = 0.6  # chance each leader leaves in a reorganisation (KF L2311)
    election_every: Annotated[int, Field(ge=0)] = 0  # months between council elections; 0 = no electoral clock
    election_window: Annotated[int, Field(ge=1)] = 3  # months before one when councils hold back (IHM L289-291)

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
    fine: NonNegative = 0.01  # money fine per detected breach, as a share of monthly budget
    intervention_threshold: Positive = 0.3  # deficit (share of monthly budget) that triggers special measures
    special_measures_months: Annotated[int, Field(ge=1)] = 12
    replace_leader: Probability = 0.2  # chance special measures replaces the leader


class IncentivesConfig(Section):
    """Payment regime and funding levers (MODEL.md section 3)."""

    payment: Literal["block_contract", "payment_by_results", "pooled_budget"] = "block_contract"
    pooling_share: Probability = 0.5  # pooled_budget: share of each payoff pooled across the footprint
    pbr_temptation: NonNegative = 1.5  # payment_by_results: added to an acute trust's T (activity income)
    transitional_funding: NonNegative = 0.0  # money per month, as a share of monthly budget
    transitional_months: Annotated[int, Field(ge=0)] = 24
    membership_fee: NonNegative = 0.0  # "skin in the game" (KF L1469): share of monthly budget paid in


class GovernanceConfig(Section):
    """How system plans are agreed (MODEL.md section 3)."""

    decision: Literal["none", "majority", "veto"] = "none"
    plan_every: Annotated[int, Field(ge=1)] = 12  # months between plan rounds
    forum_size: Annotated[int, Field(ge=0)] = 0  # members (largest budgets first); 0 = every organisation
    workable_forum: Annotated[int, Field(ge=1)] = 12  # larger forums stall (KF L1961: 27 in the room)
    voice: Literal["size", "equal"] = "size"  # majority vote weighted by budget (IHM L392-408) or not
    plan_dividend: NonNegative = 0.5  # extra share of the cooperation surplus while a plan is in force
    optimism_bias: NonNegative = 0.0  # plans promise achievable savings x (1 + bias) (IHM L829-836)


class LearningConfig(Section):
    """Social learning of strategies (MODEL.md section 2.7)."""

    rule: Literal["none", "fermi", "best", "proportional"] = "none"
    rate: Probability = 0.05  # chance per step that an organisation reconsiders
    selection: NonNegative = 1.0  # Fermi selection strength
    mutation: Probability = 0.0  # chance per step of adopting a random strategy from the mix
    payoff_basis: Literal["total", "mean"] = "total"  # fitness: summed or per-game payoff


class OutputConfig(Section):
    dir: str = "results"
    agent_every: Annotated[int, Field(ge=0)] = 1  # record agent data every N steps; 0 = never
    stable_window: Annotated[int, Field(ge=1)] = 24  # steps a regime must last to count as stable


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
    learning: LearningConfig = Field(default_factory=LearningConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)


def _check_types(field: str, values: dict, complete: bool = False) -> None:
    bad = sorted(set(values) - set(ORG_TYPES))
    if bad:
        raise ValueError(f"{field}: unknown organisation type {bad[0]!r}; allowed: {', '.join(ORG_TYPES)}")
    missing = [t for t in ORG_TYPES if t not in values]
    if complete and missing:
        raise ValueError(f"{field}: missing organisation type {missing[0]!r}; give all of: {', '.join(ORG_TYPES)}")


def _describe(error: dict) -> str:
    field = ".".join(str(p) for p in error["loc"])
    msg = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return f"{field}: unknown key"
    if msg.startswith(f"{field}:") or not field:
        return msg
    got = error.get("input")
    shown = f" (got {got!r})" if got is not None and not isinstance(got, dict) else ""
    return f"{field}: {msg}{shown}"


def _section_keys(section: str) -> str:
    fields = Config.model_fields[section].annotation.model_fields if section in Config.model_fields else Config.model_fields
    return ", ".join(fields)


def validate(data: dict, source: str = "config") -> Config:
    """Build a Config from plain data, or raise ConfigError listing every problem."""
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            line = _describe(err)
            if err["type"] == "extra_forbidden":
                loc = err["loc"]
                parent = loc[0] if len(loc) > 1 else None
                allowed = _section_keys(parent) if parent else ", ".join(Config.model_fields)
                line += f"; allowed: {allowed}"
            lines.append(line)
        raise ConfigError(f"invalid {source}:\n  " + "\n  ".join(lines)) from None


def set_path(data: dict, dotted: str, value) -> None:
    """Set ``section.key`` in nested plain data (for CLI overrides and sweeps)."""
    *parents, key = dotted.split(".")
    node = data
    for p in parents:
        node = node.setdefault(p, {})
        if not isinstance(node, dict):
            raise ConfigError(f"{dotted}: {p!r} is not a section")
    node[key] = value


def read_toml(path: str | Path) -> dict:
    """The plain data of a TOML file, or a ConfigError saying why it cannot be read."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


# Read by `collabsim compare` / `sweep` / `robust`; a single run ignores them.
ANNEX_TABLES = ("compare", "sweep", "uncertainties", "robust")


def load(path: str | Path, overrides: dict | None = None) -> Config:
    """Read a TOML experiment file, apply ``{"section.key": value}`` overrides, validate.
    The [compare] and [sweep] tables describe many runs and are not part of one run's config."""
    data = read_toml(path)
    for table in ANNEX_TABLES:
        data.pop(table, None)
    for dotted, value in (overrides or {}).items():
        set_path(data, dotted, value)
    return validate(data, source=str(path))
