"""The collabsim model: a health economy of organisations playing a repeated game.

One step follows MODEL.md section 2: decide, pay off, update trust, budgets and pressure,
regulate, leader turnover, learn, record. Every per-edge quantity lives in arrays owned
by this model and is updated by the kernels in ``sim.kernels``; Mesa agents
(``sim.agents``) are views onto those arrays plus the rare events (leader turnover,
regulator action).
"""

import numpy as np
from mesa import DataCollector, Model

from . import kernels, metrics, network, selfplay
from .agents import ORGANISATION_CLASSES, Leader, Organisation, Regulator
from .config import ORG_TYPES, Config
from .learning import Learning
from .policies import Capacity, Information, Leadership, build_governance, build_incentives, build_regulation
from .strategies import CODES, DEFECT


class CollabModel(Model):
    """A footprint (or many) of organisations; fully determined by ``config`` and ``seed``."""

    def __init__(self, config: Config | None = None, seed: int | None = None):
        config = config or Config()
        seed = config.experiment.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        self.config = config
        self.seed = seed
        game = config.game
        self.base_payoffs = np.array(game.payoffs(), dtype=np.float64)
        R, S, T, P = self.base_payoffs
        self.spread = max(abs(T - S), 1e-12)

        net = self.network = network.build(config.network, self.rng)
        self.src, self.dst = net.src, net.dst
        self.types = net.types
        n, e = net.n_nodes, net.n_edges
        self.degree = net.degree()

        # Node state.
        sizes = np.array([config.budget.size[t] for t in ORG_TYPES])
        self.size = sizes[self.types]
        self.balance = np.zeros(n)
        self.pressure = np.zeros(n)
        self.disposition = np.zeros(n)
        self.special_measures = np.zeros(n, dtype=np.bool_)
        mix = config.strategies.mix
        names = [s for s in mix if mix[s] > 0]
        p = np.array([mix[s] for s in names])
        self.strategy = np.array([CODES[s] for s in names], dtype=np.int8)[
            self.rng.choice(len(names), size=n, p=p / p.sum())
        ]
        self.score = np.zeros(n)
        self.money = np.zeros(n)

        # Edge state (side 0 = src's view, side 1 = dst's view).
        self.moves = np.zeros((e, 2), dtype=np.int8)
        self.last = np.full((e, 2), -1, dtype=np.int8)
        self.seen = np.full((e, 2), -1, dtype=np.int8)
        self.grudge = np.zeros((e, 2), dtype=np.bool_)
        self.trust = np.full((e, 2), config.trust.initial)
        self._draws = np.empty((e, 4))
        self.memory = kernels.new_memory(e)  # short-memory rules' counters (tf2t, prober, majorities)

        # Policies and agents.
        self.leadership = Leadership(config.leadership, self.types, config.trust.stranger)
        self.learning = Learning(config.learning, mix)
        self.information = Information(config.information, e)
        self.capacity = Capacity(config.capacity, self.src, self.dst)
        self.organisations: list[Organisation] = [
            ORGANISATION_CLASSES[ORG_TYPES[t]](self, i) for i, t in enumerate(self.types)
        ]
        for org, disp in zip(self.organisations, self.leadership.draw_disposition(self.rng, n)):
            org.leader = Leader(self, org, float(disp))
        weight = config.strategies.money_weight
        self.regulator = Regulator(self, build_regulation(config.regulation, weight))
        self.incentives = build_incentives(config.incentives, weight)
        self.governance = build_governance(config.governance, weight, net.footprint, self.size)
        self.policies = (self.regulator.regime, self.incentives, self.governance)

        self.turnover = 0
        self.turnover_total = 0
        self.fines_total = 0.0
        self.intervention_cost_total = 0.0
        self.n_mutual = 0
        self.patient_benefit_total = 0.0
        self._cache_step = -1
        shock = config.strategies.defection_shock
        self.forced = np.zeros((e, 2), dtype=np.bool_)
        if shock:
            breaking = self.rng.random(n) < config.strategies.shock_share
            self.forced = np.stack([breaking[self.src], breaking[self.dst]], axis=1)
        self.council_sides = (self.types == ORG_TYPES.index("council"))[np.stack([self.src, self.dst], axis=1)]
        self.recorder = metrics.Recorder(self)
        self.datacollector = DataCollector(model_reporters=self.recorder.model_reporters())
        self.agent_datacollector = DataCollector(agenttype_reporters={Organisation: metrics.AGENT_REPORTERS})

    # -- one step ---------------------------------------------------------------------
    def step(self) -> None:
        cfg = self.config
        payoff = self.payoff_table()
        for policy in self.policies:
            policy.perceive(self, payoff)
        bias = self.decision_bias(payoff)
        u = self.rng.random(out=self._draws)  # reused buffer: fresh pages cost more than the draws
        kernels.decide(self.strategy, self.src, self.dst, self.last, self.seen, self.grudge, self.trust, bias,
                       cfg.strategies.generosity, cfg.strategies.beta, cfg.game.noise, u, self.moves, self.memory)
        shock = cfg.strategies.defection_shock
        if shock and shock[0] <= self.steps <= shock[1]:
            self.moves[self.forced] = DEFECT  # a squeeze: these organisations break ranks
        if self.leadership.pre_election(self.steps):
            self.moves[self.council_sides] = DEFECT  # councils hold back until after the election
        self.capacity.apply(self)  # collaborations beyond management capacity stall
        self.n_mutual = kernels.play(self.moves, self.src, self.dst, payoff, cfg.game.shift, cfg.game.surplus,
                                     self.score, self.money)
        if cfg.game.self_interaction:
            self.score += selfplay.expected_payoff(self.strategy, payoff, cfg.game.noise, cfg.strategies.generosity,
                                                   cfg.strategies.beta, bias, self.node_trust()[0])
        for policy in self.policies:
            policy.settle(self)
        self.information.update(self.rng, self.moves, self.seen, self.trust, self.last, self.grudge,
                                cfg.trust.gain, cfg.trust.loss)  # what each side saw, and trust from that
        self._cache_step = -1  # per-node views computed before the trust update are stale
        # Costs grow by the structural gap, and an organisation in distress pays extra (agency
        # staff, emergency borrowing): left alone, it goes "down a slide" (KF L2001-2006).
        self.balance += self.money - (cfg.budget.structural_gap + cfg.budget.distress_cost * self.pressure) * self.size
        self.pressure = np.clip(-self.balance / (cfg.budget.pressure_scale * self.size), 0.0, 1.0)
        self.regulator.step()
        self.governance.review(self)
        self.turnover = self.leadership.turnover(self)
        self.turnover_total += self.turnover
        self.learning.step(self)
        self.patient_benefit_total += self.n_mutual
        self.recorder.update()
        self.datacollector.collect(self)
        every = cfg.output.agent_every
        if every and self.steps % every == 0:
            self.agent_datacollector.collect(self)

    def run(self, steps: int | None = None, progress=None) -> None:
        """Run ``steps`` steps (default: the config's); ``progress(i, steps)`` after each."""
        steps = self.config.experiment.steps if steps is None else steps
        for i in range(steps):
            self.step()
            if progress is not None:
                progress(i + 1, steps)

    # -- policy-shaped inputs to the kernels -----------------------------------------
    def payoff_table(self) -> np.ndarray:
        """(N, 4) R, S, T, P each organisation faces this step, before policies. Financial
        pressure raises the temptation to defect ("hunker down", KF L209) and, as far as
        accountability is joint, the cost of mutual defection (KF L1582-1593, L1783-1793):
        in a crisis, mutual defection means "insolvency or clinical failure" (IHM L51-68)."""
        b = self.config.budget
        table = np.tile(self.base_payoffs, (len(self.types), 1))
        table[:, 2] += b.pressure_temptation * self.pressure
        table[:, 3] -= b.pressure_dd_cost * self.joint_accountability() * self.pressure
        return table

    def joint_accountability(self) -> float:
        """How far the cost of failure is shared: the config's own level, raised by system
        regulation (judged together) or a pooled budget (one purse)."""
        return max(self.config.budget.joint_accountability, *(p.accountability for p in self.policies))

    def decision_bias(self, payoff: np.ndarray) -> np.ndarray:
        """Per-organisation term of the trust rule: the leader's disposition plus the payoff
        advantage of cooperating, averaged over the partner's two moves and scaled by the
        game's payoff spread (so a richer temptation makes a trust-based leader warier),
        less the value a foundation trust places on its independence (KF L1896-1907)."""
        R, S, T, P = payoff.T
        advantage = ((R - T) + (S - P)) / (2 * self.spread)
        st = self.config.strategies
        independence = st.foundation_independence * self.network.foundation
        return self.disposition + st.incentive_weight * advantage - independence

    # -- rare events --------------------------------------------------------------------
    def replace_leader(self, index: int, disposition: float, internal: bool) -> None:
        org = self.organisations[index]
        org.leader.remove()
        org.leader = Leader(self, org, disposition, internal)

    # -- per-node views (cached per step) -----------------------------------------------
    def _per_node(self):
        if self._cache_step != self.steps:
            n = len(self.types)
            deg = np.maximum(self.degree, 1)
            coop = np.bincount(self.src, self.moves[:, 0], n) + np.bincount(self.dst, self.moves[:, 1], n)
            out = np.bincount(self.src, self.trust[:, 0], n) + np.bincount(self.dst, self.trust[:, 1], n)
            inn = np.bincount(self.src, self.trust[:, 1], n) + np.bincount(self.dst, self.trust[:, 0], n)
            self._cache = (coop / deg, out / deg, inn / deg)
            self._cache_step = self.steps
        return self._cache

    def node_cooperation(self) -> np.ndarray:
        return self._per_node()[0]

    def node_trust(self) -> tuple[np.ndarray, np.ndarray]:
        """(trust each node places in its partners, trust its partners place in it), means."""
        return self._per_node()[1], self._per_node()[2]
