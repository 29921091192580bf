"""The collabsim model: a health economy of organisations playing a repeated game.

A month (MODEL.md section 2) reads as its phases in ``CollabModel.step``: perceive, decide,
constrain, play, settle, observe, account, review, turnover, learn, record. The model owns
every per-node and per-edge quantity as arrays, updated by the kernels in ``sim.kernels``;
levers and mechanisms are components (``sim.pipeline``, ``sim.policies``) that hook into
phases, each with its own random stream. Mesa agents (``sim.agents``) are the readable face
of the arrays, made when first asked for.

One model can hold many runs of one config along a replicate axis: ``CollabModel(config,
seeds=[...])``. Replicates are disjoint copies of the network, laid one after another in
every array; each draws from its own streams, so its results are exactly those of the run
alone (``sim.engine`` batches runs this way, paying Python's per-month cost once a batch).
"""

import functools
import pickle

import numpy as np
from mesa import Model

from . import kernels, metrics, network, streams
from .config import ORG_TYPES, Config, path_getter
from .pipeline import PHASES, guarded
from .policies import COMPONENTS, demand
from .strategies import CODES


class CollabModel(Model):
    """Footprints of organisations; fully determined by ``config`` and the seed(s).

    ``seed`` runs one replicate (default: the config's seed); ``seeds`` runs one replicate per
    seed in a single model; ``configs`` gives each of those replicates its own config, equal
    but for ``PER_REPLICATE`` fields (the worlds of a robustness check; ``batch_key``).
    ``keyed``: the caller has worked out that ``configs`` share a ``batch_key`` (a sweep's
    worker groups a batch by it), so it is not worked out again (about 35 us a config).
    ``check_writes`` makes every component's undeclared writes fail (for tests)."""

    def __init__(self, config: Config | None = None, seed: int | None = None, *, seeds=None, configs=None,
                 keyed: bool = False, check_writes: bool = False):
        if configs is not None:  # a config per replicate, differing only in PER_REPLICATE fields
            configs = list(configs)
            config = configs[0]
            if seeds is None or len(seeds) != len(configs):
                raise ValueError("configs: give one config per seed")
            key = None if keyed else batch_key(config)
            others = {id(c): c for c in configs[1:]}.values()
            if not keyed and (key is None or any(batch_key(c) != key for c in others)):
                raise ValueError("configs: a batch's configs may differ only in " + ", ".join(PER_REPLICATE))
        config = config or Config()
        if seeds is None:
            seeds = [config.experiment.seed if seed is None else int(seed)]
        if len(seeds) > 1 and not batchable(config):
            raise ValueError("learning.rule = 'proportional' or learning.schedule = 'asynchronous' looks across the "
                             "whole model; run such a config one seed per model")
        self.seeds = [int(s) for s in seeds]
        super().__init__(rng=self.seeds[0])
        self.config = config
        self.configs = configs or [config] * len(self.seeds)  # each replicate's config
        self.seed = self.seeds[0]
        self.replicates = len(self.seeds)
        self._streams: dict[str, streams.Stream] = {}

        nets, net = network.batch(config.network, self.seeds)
        self.network = net
        self.src, self.dst = net.src, net.dst
        self.types = net.types
        self.degree = net.degree()
        self.node_bounds = _bounds([x.n_nodes for x in nets])
        self.edge_bounds = _bounds([x.n_edges for x in nets])
        self.footprint_bounds = _bounds([int(x.footprint.max()) + 1 for x in nets])
        self.node_replicate = np.repeat(np.arange(self.replicates), np.diff(self.node_bounds))
        self.edge_replicate = np.repeat(np.arange(self.replicates), np.diff(self.edge_bounds))
        n, e = net.n_nodes, net.n_edges

        self._params = _params(self.configs)
        self._expanded = {}

        # Organisations (node state).
        sizes = np.array([config.budget.size[t] for t in ORG_TYPES])
        self.size = sizes[self.types]
        self.gap = self.by_type(lambda c: demand.monthly_gap(c.budget))  # monthly structural gap, share of size
        self.balance = np.zeros(n)  # cumulative surplus (+) or deficit (-), money as booked
        self.pressure = np.zeros(n)
        self.special_measures = np.zeros(n, dtype=np.bool_)
        # Cumulative money to and from the centre, kept apart from what organisations earn.
        self.fines_paid = np.zeros(n)  # fines: a transfer to the centre, not a cost
        self.bailouts = np.zeros(n)  # special-measures support that cleared a deficit
        self.funding = np.zeros(n)  # transitional funding received
        self.strategy = self._initial_strategies(config.strategies.mix)
        self.score = np.zeros(n)  # this month's summed game payoff (utility; drives learning)
        self.money = np.zeros(n)  # this month's money flow from games and levers
        # Leaders (one per organisation): disposition, month appointed, promoted from inside.
        lead = config.leadership
        self.disposition = self.stream("leadership").normal(self.param("leadership.disposition_mean", "replicate"),
                                                            lead.disposition_sd, self.node_bounds)
        self.appointed = np.zeros(n, dtype=np.int64)
        self.internal = np.zeros(n, dtype=np.bool_)

        # Relationships (edge state; side 0 = src's view, side 1 = dst's view).
        self.moves = np.zeros((e, 2), dtype=np.int8)
        self.last = np.full((e, 2), -1, dtype=np.int8)
        self.seen = np.full((e, 2), -1, dtype=np.int8)
        self.grudge = np.zeros((e, 2), dtype=np.bool_)
        self.trust = np.empty((e, 2))
        self.trust[:] = np.reshape(self.param("trust.initial", "edge"), (-1, 1))
        # Short-memory rules' counters (tf2t, prober, majorities); none when no such rule is in
        # the mix (learning and mutation draw only from the mix, so none can appear later).
        mix = config.strategies.mix
        self.memory = kernels.new_memory(e if kernels.needs_memory([CODES[s] for s in mix if mix[s] > 0]) else 0)
        self.mutual = np.zeros(e, dtype=np.bool_)  # both sides cooperated this month

        self.base_payoffs = np.array(config.game.payoffs(), dtype=np.float64)
        self.table = np.empty((n, 4))  # this month's expected payoffs per organisation
        self._node_cache = -1

        self.components = [cls(self) for cls in COMPONENTS if cls.wanted(config)]
        for c in self.components:
            setattr(self, c.name, c)
        # Whether each edge's game takes place this month: only components that can stall a
        # relationship ("no deal", not a defection) declare it; otherwise every edge plays.
        self.deal = np.ones(e, dtype=np.bool_) if any("deal" in c.writes for c in self.components) \
            else kernels.EVERY_DEAL
        # Per node where the replicates' accountability differs (regulation's follows money_weight).
        self.accountability = functools.reduce(np.maximum, [c.accountability for c in self.components],
                                               config.budget.joint_accountability)
        self.hooks = {p: [guarded(self, c, getattr(c, p)) if check_writes else getattr(c, p)
                          for c in self.components if p in c.phases()] for p in PHASES}
        self._organisations = None
        self.recorder = metrics.Recorder(self)

    # -- one month ----------------------------------------------------------------------
    def step(self) -> None:
        self.perceive()   # what each leader expects from each outcome this month
        self.decide()     # every side's move, from its rule and what it has seen
        self.constrain()  # moves that cannot happen as meant (stalls, a squeeze)
        self.play()       # the stage game on every edge: scores and money
        self.settle()     # levers that move money after the games (pooling, funding, dividends)
        self.observe()    # what each side saw; trust, grudges and memories follow
        self.account()    # budgets carry over; deficits build pressure
        self.review()     # the regulator and the forums act
        self.turnover()   # leaders leave; successors inherit part of the relationships
        self.learn()      # strategies spread
        self.recorder.record()

    def run(self, steps: int | None = None, progress=None) -> None:
        """Run ``steps`` months (default: the config's); ``progress(i, steps)`` after each."""
        steps = self.config.experiment.steps if steps is None else steps
        for i in range(steps):
            self.step()
            if progress is not None:
                progress(i + 1, steps)

    def _run_hooks(self, phase: str, *args) -> None:
        for hook in self.hooks[phase]:
            hook(*args)

    def perceive(self) -> None:
        """Base payoffs, then pressure: it raises the temptation to defect ("hunker down", KF
        L209) and, as far as accountability is joint, the cost of mutual defection (KF
        L1582-1593, L1783-1793); in a crisis mutual defection means "insolvency or clinical
        failure" (IHM L51-68). Then every component's view of the lever it stands for."""
        self._run_hooks("perceive", self.payoff_table(out=self.table))

    def payoff_table(self, out: np.ndarray | None = None) -> np.ndarray:
        """(N, 4) payoffs before levers: the base game under this month's pressure."""
        b = self.config.budget
        table = np.empty((len(self.types), 4)) if out is None else out
        kernels.pressured_payoffs(self.base_payoffs, self.param("budget.pressure_temptation"),
                                  self.param("budget.pressure_dd_cost") * self.accountability, self.pressure, table)
        return table

    def decide(self) -> None:
        st = self.config.strategies
        u = self.stream("decide").uniform((len(self.src), 4), self.edge_bounds)
        kernels.decide(self.strategy, self.src, self.dst, self.last, self.seen, self.grudge, self.trust,
                       self.decision_bias(), st.generosity, self.param("strategies.beta", "edge"),
                       self.param("game.noise", "edge"), u, self.moves, self.memory)

    def decision_bias(self, table: np.ndarray | None = None) -> np.ndarray:
        """Per-organisation term of the trust rule: the leader's disposition plus the payoff
        advantage of cooperating, averaged over the partner's two moves and scaled by the
        base game's payoff spread (so a richer temptation makes a trust-based leader warier),
        less the value a foundation trust places on its independence (KF L1896-1907)."""
        t = self.table if table is None else table
        R0, S0, T0, P0 = self.base_payoffs
        spread = max(abs(T0 - S0), 1e-12)
        out = np.empty(len(self.types))
        kernels.decision_bias(t, 2 * spread, self.disposition, self.param("strategies.incentive_weight"),
                              self.param("strategies.foundation_independence"), self.network.foundation, out)
        return out

    def constrain(self) -> None:
        self.deal.fill(True)
        self._run_hooks("constrain", self.moves)

    def play(self) -> None:
        kernels.play(self.moves, self.src, self.dst, self.table, self.param("game.shift", "edge"),
                     self.param("game.surplus", "edge"), self.score, self.money, self.deal, self.mutual)
        self._node_cache = -1

    def settle(self) -> None:
        self._run_hooks("settle")

    def observe(self) -> None:
        self._run_hooks("observe")
        self._node_cache = -1  # per-node views computed before the trust update are stale

    def account(self) -> None:
        """Costs grow by the structural gap (``sim.policies.demand``), and an organisation in distress pays extra
        (agency staff, emergency borrowing): left alone it goes "down a slide" (KF L2001-2006)."""
        kernels.account(self.balance, self.money, self.gap, self.param("budget.distress_cost"), self.size,
                        self.param("budget.pressure_scale"), self.pressure)

    def review(self) -> None:
        self._run_hooks("review")

    def turnover(self) -> None:
        self._run_hooks("turnover")

    def learn(self) -> None:
        self._run_hooks("learn")

    # -- shared services ----------------------------------------------------------------
    def stream(self, name: str) -> streams.Stream:
        """The random stream of component ``name`` (one generator per replicate)."""
        s = self._streams.get(name)
        if s is None:
            s = self._streams[name] = streams.Stream(self.seeds, name)
        return s

    def param(self, path: str, on: str = "node"):
        """Config field ``path`` (one of ``PER_REPLICATE``) as this model's replicates hold
        it: the number itself where they share it (always, in a batch of one config), else
        one value per node, edge, footprint or replicate (``on``), each its replicate's. The
        kernels take either (``kernels.at``)."""
        value = self._params[path]
        if type(value) is not np.ndarray or on == "replicate":  # (np.ndim would cost a microsecond a call)
            return value
        out = self._expanded.get((path, on))
        if out is None:
            out = self._expanded[(path, on)] = np.repeat(value, np.diff(self._bounds(on)))
        return out

    def by_type(self, table) -> np.ndarray:
        """Per node: ``table(config)`` (one value per organisation type, ``ORG_TYPES`` order) at
        the node's type, read from its replicate's config."""
        tables = {id(c): np.asarray(table(c), dtype=np.float64) for c in self.configs}
        if len(tables) == 1:
            return next(iter(tables.values()))[self.types]
        rows = np.stack([tables[id(c)] for c in self.configs])
        return rows[self.node_replicate, self.types]

    def state_arrays(self) -> dict[str, np.ndarray]:
        """Every array of model state, by name (what components may declare in ``writes``;
        the payoff table is not state: every ``perceive`` hook may change it)."""
        names = ("balance", "pressure", "special_measures", "fines_paid", "bailouts", "funding", "strategy", "score",
                 "money", "disposition", "appointed", "internal", "moves", "last", "seen", "grudge", "trust", "deal")
        return {k: getattr(self, k) for k in names}

    def per_replicate(self, values: np.ndarray, on: str = "node") -> np.ndarray:
        """Sum of per-node (or per-edge, per-footprint: ``on``) ``values`` within each
        replicate, in index order, so a replicate's sum is the same alone or in a batch."""
        out = np.empty(self.replicates)
        kernels.segment_sums(self._bounds(on), np.asarray(values), out)
        return out

    def _bounds(self, on: str) -> np.ndarray:
        """Where each replicate's nodes, edges or footprints (``on``) start and end."""
        return {"node": self.node_bounds, "edge": self.edge_bounds, "footprint": self.footprint_bounds}[on]

    def side_sum(self, src_side, dst_side) -> np.ndarray:
        """Each organisation's sum over its relationships of a per-side value: ``src_side[e]``
        counts for ``src[e]`` (side 0), ``dst_side[e]`` for ``dst[e]`` (side 1)."""
        n = len(self.types)
        by_src, by_dst = np.empty(n), np.empty(n)
        kernels.side_sums(self.src, self.dst, np.asarray(src_side), np.asarray(dst_side), by_src, by_dst)
        return by_src + by_dst

    def _initial_strategies(self, mix: dict[str, float]) -> np.ndarray:
        names = [s for s in mix if mix[s] > 0]
        p = np.array([mix[s] for s in names])
        codes = np.array([CODES[s] for s in names], dtype=np.int8)
        # What Generator.choice(len(names), size, p=p / p.sum()) draws for each replicate (its
        # cumulative sum, normalised, searched with one uniform per node), for all at once.
        cdf = (p / p.sum()).cumsum()
        cdf /= cdf[-1]
        u = self.stream("strategies").uniform((len(self.types),), self.node_bounds)
        return codes[cdf.searchsorted(u, side="right")]

    # -- per-node views (cached until the moves or trust change) -------------------------
    def _per_node(self):
        if self._node_cache != self.steps:
            deg = np.maximum(self.degree, 1)
            coop = self.side_sum(self.moves[:, 0], self.moves[:, 1])
            out = self.side_sum(self.trust[:, 0], self.trust[:, 1])
            inn = self.side_sum(self.trust[:, 1], self.trust[:, 0])
            self._node_values = (coop / deg, out / deg, inn / deg)
            self._node_cache = self.steps
        return self._node_values

    def node_cooperation(self) -> np.ndarray:
        """Share of this month's games in which each organisation cooperated."""
        return self._per_node()[0]

    def node_trust(self) -> tuple[np.ndarray, np.ndarray]:
        """(trust each node places in its partners, trust its partners place in it), means."""
        return self._per_node()[1], self._per_node()[2]

    # -- the readable face ----------------------------------------------------------------
    @property
    def organisations(self):
        """The organisations as Mesa agents (made on first use: batch runs never need them)."""
        if self._organisations is None:
            from .agents import make_agents

            self._organisations = make_agents(self)
        return self._organisations


def batchable(config: Config) -> bool:
    """Whether runs of ``config`` can share a model along the replicate axis. Two learning
    set-ups cannot: the proportional rule scales by the largest payoff difference over every
    node, and an asynchronous schedule picks nodes from the whole model."""
    return config.learning.rule != "proportional" and config.learning.schedule != "asynchronous"


# Config fields the replicates of one model may differ in (the worlds of a robustness check,
# sim.robust, differ in these): the model and its components read them with
# ``CollabModel.param`` (or ``by_type``), never straight from ``config``, so each replicate
# gets its own value (tests/test_engine.py runs mixed batches against runs alone). Every
# other field is the whole batch's. A component that needs one value of some of these across
# the batch names them in ``Component.whole``.
PER_REPLICATE = (
    "strategies.money_weight", "strategies.incentive_weight", "strategies.beta", "strategies.foundation_independence",
    "trust.initial", "trust.stranger", "trust.gain", "trust.loss",
    "game.surplus", "game.shift", "game.noise",
    "budget.demand_growth", "budget.funding_growth", "budget.efficiency_delivered", "budget.pressure_scale",
    "budget.distress_cost", "budget.pressure_temptation", "budget.pressure_dd_cost", "budget.structural_gap",
    "leadership.mean_tenure.acute", "leadership.mean_tenure.ccg", "leadership.mean_tenure.council",
    "leadership.mean_tenure.community", "leadership.mean_tenure.mental_health",
    "leadership.trust_loss", "leadership.internal_succession", "leadership.disposition_mean",
    "development.efficacy", "loss_aversion.factor", "loss_aversion.margin", "loss_aversion.crisis",
    "stakeholders.block", "stakeholders.engagement_halving",
    "investment.lag", "investment.multiple", "investment.own_share",
)


def _params(configs: list[Config]) -> dict:
    """Each PER_REPLICATE field: its value where every config shares it, else an array of
    the replicates' values."""
    distinct = list({id(c): c for c in configs}.values())
    place = {id(c): i for i, c in enumerate(distinct)}
    which = np.array([place[id(c)] for c in configs])  # each replicate's config among the distinct ones
    out = {}
    for path in PER_REPLICATE:
        get = path_getter(path)
        values = [get(c) for c in distinct]
        out[path] = values[0] if all(v == values[0] for v in values) else np.array(values)[which]
    return out


def batch_key(config: Config) -> bytes | None:
    """Configs with the same key can run as the replicates of one model (``configs=``): they
    differ only in PER_REPLICATE fields (and the seed), not in which components take part or
    in a field a taking-part component needs whole. None: the config runs one seed a model.
    The key is the rest of the config, pickled (in field order; a table such as the mix is
    taken in the order it was given): a tenth of the time JSON took, and a robust run works
    out a key for every world's config (once: a worker groups a batch by it, and hands the
    model the group with ``keyed=True``)."""
    if not batchable(config):
        return None
    wanted = [cls for cls in COMPONENTS if cls.wanted(config)]
    data = config.model_dump(mode="json", exclude=_apart(frozenset(p for cls in wanted for p in cls.whole)))
    return pickle.dumps([data, [cls.name for cls in wanted]], protocol=pickle.HIGHEST_PROTOCOL)


@functools.lru_cache(maxsize=None)
def _apart(whole: frozenset) -> dict:
    """pydantic's ``exclude`` of ``batch_key``: the seed and the PER_REPLICATE fields but
    ``whole``, as nested {section: {field: True}}. Left out by pydantic as it dumps the
    config, rather than popped from the dump: a third less time."""
    out: dict = {}
    for path in (*PER_REPLICATE, "experiment.seed"):
        if path not in whole:
            *sections, name = path.split(".")
            node = out
            for section in sections:
                node = node.setdefault(section, {})
            node[name] = True
    return out


def _bounds(sizes) -> np.ndarray:
    out = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=out[1:])
    return out
