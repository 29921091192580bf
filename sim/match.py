"""Iterated two-player matches and round-robin tournaments on the model's own kernels.

Used by the workshop mode, the validation against the Axelrod library and the strategy
tests: a match is a footprint of two organisations joined by one edge, so it exercises
exactly the code a full run does.
"""

from dataclasses import dataclass

import numpy as np

from . import kernels
from .strategies import ALLC, CODES, COOPERATE, DEFECT


@dataclass(frozen=True)
class Scripted:
    """A scripted player: plays ``moves`` ("C"/"D" letters) in order, cycling when the match
    is longer -- the Axelrod library's test opponent, so a rule can be pinned by the moves it
    answers a known sequence with. Its moves are played as written (no execution noise)."""

    moves: str

    def __post_init__(self):
        if not self.moves or set(self.moves) - {"C", "D"}:
            raise ValueError(f"a script is a non-empty string of C and D (got {self.moves!r})")

    def move(self, t: int) -> int:
        return COOPERATE if self.moves[t % len(self.moves)] == "C" else DEFECT


class Games:
    """Repeated stage games on the edges (``src``, ``dst``) between players with strategy
    codes ``strategy``: the engine's decide -> play -> observe loop, on its own kernels,
    outside the health economy. Matches, tournaments and the workshop's games all play
    through it, so the strategies they meet are the model's rules.

    Every move is seen as made (no misreading, no pledges). ``round`` takes one row of four
    uniforms per edge: the two sides' decision draws, then their execution-error draws.
    """

    def __init__(self, strategy, src, dst, payoffs, noise: float = 0.0, generosity: float = 1 / 3,
                 beta: float = 5.0, trust0: float = 0.5, trust_gain: float = 0.1, trust_loss: float = 0.3,
                 bias=None):
        self.strategy = np.asarray(strategy, dtype=np.int8)
        self.src, self.dst = np.asarray(src, np.int64), np.asarray(dst, np.int64)
        e = len(self.src)
        self.noise, self.generosity, self.beta = float(noise), float(generosity), float(beta)
        self.gain, self.loss = float(trust_gain), float(trust_loss)
        self.last = np.full((e, 2), -1, dtype=np.int8)
        self.seen = np.full((e, 2), -1, dtype=np.int8)
        self.grudge = np.zeros((e, 2), dtype=np.bool_)
        self.memory = kernels.new_memory(e)
        self.trust = np.full((e, 2), float(trust0))
        self.bias = np.zeros(len(self.strategy)) if bias is None else np.asarray(bias, dtype=np.float64)
        self.set_payoffs(payoffs)
        self.intended = np.zeros((e, 2), dtype=np.int8)
        self.moves = np.zeros((e, 2), dtype=np.int8)
        self.score = np.zeros(len(self.strategy))
        self._money = np.zeros(len(self.strategy))
        self._mutual = np.zeros(len(self.src), dtype=np.bool_)

    def set_payoffs(self, payoffs) -> None:
        """The stage game (R, S, T, P) from the next round on."""
        self.table = np.tile(np.asarray(payoffs, dtype=np.float64), (len(self.strategy), 1))

    def round(self, u: np.ndarray, fixed: dict | None = None, exempt=()) -> np.ndarray:
        """Play one round; returns each player's payoff this round (``self.moves`` holds
        what was played, ``self.intended`` what was meant). ``fixed``: {(edge, side): move}
        for sides whose move is set from outside (a script, a person) instead of by their
        rule; a mistake flips a side's intended move with probability ``noise``, except on
        sides in ``exempt`` (a script plays as written)."""
        kernels.decide(self.strategy, self.src, self.dst, self.last, self.seen, self.grudge, self.trust, self.bias,
                       self.generosity, self.beta, 0.0, u, self.intended, self.memory)
        for (e, side), move in (fixed or {}).items():
            self.intended[e, side] = move
        np.copyto(self.moves, np.where(u[:, 2:] < self.noise, 1 - self.intended, self.intended))
        for e, side in exempt:
            self.moves[e, side] = self.intended[e, side]
        kernels.play(self.moves, self.src, self.dst, self.table, 0.0, 0.0, self.score, self._money,
                     kernels.EVERY_DEAL, self._mutual)
        see_all(self.moves, self.seen, self.trust, self.last, self.grudge, self.gain, self.loss)
        return self.score


def see_all(moves, seen, trust, last, grudge, gain: float, loss: float) -> None:
    """After a round: every move seen as made (no misreading, no pledges); trust, grudges and
    memories follow, through the model's own kernels."""
    found_out = np.zeros(moves.shape, dtype=np.bool_)
    kernels.observe(moves, 0.0, False, 0.0, np.empty((0, 2)), seen, found_out, kernels.EVERY_DEAL)
    kernels.update_relationships(moves, seen, found_out, trust, last, grudge, gain, loss, 0.0, kernels.EVERY_DEAL)


@dataclass(frozen=True)
class MatchResult:
    moves: np.ndarray  # (rounds, 2) of 1 = cooperate, 0 = defect
    payoffs: np.ndarray  # (rounds, 2) per-round payoffs

    @property
    def scores(self) -> tuple[float, float]:
        total = self.payoffs.sum(axis=0)
        return float(total[0]), float(total[1])


def play_match(
    first: "str | Scripted",
    second: "str | Scripted",
    rounds: int = 200,
    payoffs: tuple[float, float, float, float] = (3.0, 0.0, 5.0, 1.0),
    noise: float = 0.0,
    generosity: float = 1 / 3,
    beta: float = 5.0,
    trust0: float = 0.5,
    trust_gain: float = 0.1,
    trust_loss: float = 0.3,
    bias: tuple[float, float] = (0.0, 0.0),
    seed: int = 0,
) -> MatchResult:
    """Play ``rounds`` rounds of the stage game (R, S, T, P) between two named strategies (or
    a ``Scripted`` player). The draws per round are one row of four uniforms from
    ``numpy.random.default_rng(seed)``: the two sides' decision draws, then their
    execution-error draws; a scripted side's draws are drawn and ignored."""
    players = (first, second)
    for p in players:
        if not isinstance(p, Scripted) and p not in CODES:
            raise ValueError(f"unknown strategy {p!r}; allowed: {', '.join(CODES)}")
    rng = np.random.default_rng(seed)
    strategy = [ALLC if isinstance(p, Scripted) else CODES[p] for p in players]
    scripts = [(s, p) for s, p in enumerate(players) if isinstance(p, Scripted)]
    games = Games(strategy, [0], [1], payoffs, noise, generosity, beta, trust0, trust_gain, trust_loss, bias)
    exempt = [(0, side) for side, _ in scripts]
    all_moves = np.zeros((rounds, 2), dtype=np.int8)
    all_pay = np.zeros((rounds, 2))
    for t in range(rounds):
        all_pay[t] = games.round(rng.random((1, 4)), {(0, side): script.move(t) for side, script in scripts}, exempt)
        all_moves[t] = games.moves[0]
    return MatchResult(all_moves, all_pay)


def pair_seed(seed: int, a: int, b: int, repetition: int) -> int:
    """An independent seed for each pair and repetition of a tournament."""
    return int(np.random.SeedSequence([seed, a, b, repetition]).generate_state(1)[0])


def tournament(strategies: list[str], rounds: int = 200, repetitions: int = 1, self_play: bool = False,
               **match_kwargs):
    """Round robin (each pair once per repetition; with ``self_play`` each strategy also meets
    a copy of itself, scored as the mean of its two sides and never a win): mean score per
    match for each strategy, best first, as a list of (name, mean score, wins)."""
    totals = {s: 0.0 for s in strategies}
    wins = {s: 0 for s in strategies}
    matches = {s: 0 for s in strategies}
    seed = match_kwargs.pop("seed", 0)
    for a in range(len(strategies)):
        for b in range(a if self_play else a + 1, len(strategies)):
            for r in range(repetitions):
                res = play_match(strategies[a], strategies[b], rounds, seed=pair_seed(seed, a, b, r), **match_kwargs)
                sa, sb = res.scores
                if a == b:
                    totals[strategies[a]] += (sa + sb) / 2
                    matches[strategies[a]] += 1
                    continue
                for name, mine, theirs in ((strategies[a], sa, sb), (strategies[b], sb, sa)):
                    totals[name] += mine
                    matches[name] += 1
                    wins[name] += mine > theirs
    table = [(s, totals[s] / max(matches[s], 1), wins[s]) for s in strategies]
    return sorted(table, key=lambda row: -row[1])
