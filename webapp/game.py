"""Workshop games on the engine's own kernels: a participant against a strategy, and the
evolution of a mixed population.

Both play through ``sim.match.Games``, as matches and tournaments do, so the strategy a participant meets, and the strategies that compete in the
evolution, are the model's rules and not a re-implementation of them.
"""

import inspect
from dataclasses import dataclass

import numpy as np

from sim.match import Games, pair_seed, play_match
from sim.strategies import ALLC, CODES, NAMES

# The participant's opponent uses the same settings as a match in the tournament.
MATCH = {k: p.default for k, p in inspect.signature(play_match).parameters.items()
         if p.default is not inspect.Parameter.empty}

@dataclass(frozen=True)
class Round:
    intended: tuple[int, int]  # (participant, opponent): what each meant to play
    moves: tuple[int, int]  # what was played (a mistake flips the intended move)
    payoffs: tuple[float, float]


class HumanMatch:
    """A one-edge match where side 0 is a person and side 1 a strategy of the engine.

    Each round the opponent decides before seeing this round's move (the kernel only reads
    last round's), with the same random draws ``sim.match.play_match`` would use, so a
    participant who always defects meets exactly what the strategy ``alld`` would.
    """

    def __init__(self, opponent: str, payoffs=(3.0, 0.0, 5.0, 1.0), noise: float = 0.0, seed: int = 0):
        if opponent not in CODES:
            raise ValueError(f"unknown strategy {opponent!r}; allowed: {', '.join(CODES)}")
        self.opponent = opponent
        self.payoffs = tuple(float(p) for p in payoffs)
        self.noise = float(noise)
        self.rng = np.random.default_rng(seed)
        # Side 0 is the person: its move is set each round, so its rule is never asked.
        self.games = Games([ALLC, CODES[opponent]], [0], [1], self.payoffs, self.noise, MATCH["generosity"],
                           MATCH["beta"], MATCH["trust0"], MATCH["trust_gain"], MATCH["trust_loss"], MATCH["bias"])
        self.rounds: list[Round] = []

    def play(self, move: int) -> Round:
        """The participant plays ``move`` (1 collaborate, 0 defect); returns the round."""
        g = self.games
        score = g.round(self.rng.random((1, 4)), {(0, 0): int(move)})
        r = Round((int(move), int(g.intended[0, 1])), (int(g.moves[0, 0]), int(g.moves[0, 1])),
                  (float(score[0]), float(score[1])))
        self.rounds.append(r)
        return r

    def set_payoffs(self, payoffs, noise: float) -> None:
        """New payoffs and mistake rate from the next round on; the rounds played keep theirs."""
        self.payoffs = tuple(float(p) for p in payoffs)
        self.noise = self.games.noise = float(noise)
        self.games.set_payoffs(self.payoffs)

    @property
    def totals(self) -> tuple[float, float]:
        return (sum(r.payoffs[0] for r in self.rounds), sum(r.payoffs[1] for r in self.rounds))


class Evolution:
    """A population that plays a round robin each generation, then the ``replace`` lowest
    scorers are replaced by copies of the ``replace`` highest (ties broken at random).

    Every pair plays ``rounds`` rounds of the stage game at once, as the edges of a complete
    graph on the model's kernels; memory (last moves, grudges) starts fresh each generation.
    """

    def __init__(self, counts: dict[str, int], rounds: int = 10, payoffs=(3.0, 0.0, 5.0, 1.0),
                 noise: float = 0.0, replace: int = 5, seed: int = 0):
        self.rng = np.random.default_rng(seed)
        self.strategy = np.repeat([CODES[s] for s in counts], [int(c) for c in counts.values()]).astype(np.int8)
        if len(self.strategy) < 2:
            raise ValueError("the population needs at least two members")
        self.names = [s for s in counts]
        self.rounds, self.noise = int(rounds), float(noise)
        self.replace = max(1, min(int(replace), len(self.strategy) // 2))
        self.payoffs = payoffs
        self.src, self.dst = (a.astype(np.int64) for a in np.triu_indices(len(self.strategy), 1))
        self.generation = 0
        self.scores = np.zeros(len(self.strategy))
        self.played = self.strategy.copy()
        self.history: list[dict[str, int]] = [self.counts()]

    def counts(self) -> dict[str, int]:
        c = np.bincount(self.strategy, minlength=len(NAMES))
        return {s: int(c[CODES[s]]) for s in self.names}

    def play_round_robin(self) -> np.ndarray:
        """Each member's total payoff over all its matches this generation."""
        games = Games(self.strategy, self.src, self.dst, self.payoffs, self.noise, MATCH["generosity"],
                      MATCH["beta"], MATCH["trust0"], MATCH["trust_gain"], MATCH["trust_loss"])
        total = np.zeros(len(self.strategy))
        for _ in range(self.rounds):
            total += games.round(self.rng.random((len(self.src), 4)))
        return total

    def step(self) -> None:
        """One generation: play, then the worst copy the best."""
        self.scores = self.play_round_robin()
        self.played = self.strategy.copy()
        order = np.lexsort((self.rng.random(len(self.scores)), -self.scores))  # best first
        best, worst = order[: self.replace], order[-self.replace:]
        self.strategy[worst] = self.strategy[best]
        self.generation += 1
        self.history.append(self.counts())

    def mean_score(self) -> dict[str, float]:
        """Mean payoff per match, by strategy, in the last generation played."""
        matches = max(len(self.strategy) - 1, 1)
        return {s: float(self.scores[self.played == CODES[s]].mean() / matches)
                for s in self.names if (self.played == CODES[s]).any()}


class HiddenPartners:
    """Story chapter 2: the participant meets partners one after another, each for a fixed
    number of rounds that the room is not told (so no one can plan the last round), and
    each partner's strategy is revealed when its match ends.

    As in "The Evolution of Trust", the line-up is fixed so that every room meets the same
    lessons: a copycat, one that always defects, one that always collaborates, a grudger.
    """

    LINEUP: tuple[tuple[str, int], ...] = (("tft", 6), ("alld", 5), ("allc", 4), ("grudger", 7))

    def __init__(self, payoffs=(3.0, 0.0, 5.0, 1.0), noise: float = 0.0, lineup=None):
        self.lineup = tuple(lineup or self.LINEUP)
        self.payoffs, self.noise = tuple(payoffs), float(noise)
        self.index = 0
        self.match = HumanMatch(self.lineup[0][0], self.payoffs, self.noise, seed=0)
        self.done: list[tuple[str, int, tuple[float, float]]] = []  # (strategy, rounds, totals) per finished match

    @property
    def opponent(self) -> str:
        return self.lineup[self.index][0]

    @property
    def length(self) -> int:
        return self.lineup[self.index][1]

    @property
    def over(self) -> bool:
        """This partner's match has reached its (hidden) length: time for the reveal."""
        return len(self.match.rounds) >= self.length

    @property
    def finished(self) -> bool:
        return self.over and self.index == len(self.lineup) - 1

    def play(self, move: int) -> Round | None:
        if self.over:
            return None
        r = self.match.play(move)
        if self.over:
            self.done.append((self.opponent, self.length, self.match.totals))
        return r

    def next_partner(self) -> None:
        if self.over and not self.finished:
            self.index += 1
            self.match = HumanMatch(self.opponent, self.payoffs, self.noise, seed=self.index)

    def set_payoffs(self, payoffs, noise: float) -> None:
        self.payoffs, self.noise = tuple(payoffs), float(noise)
        self.match.set_payoffs(payoffs, noise)


class RoundRobin:
    """Story chapter 3: a round-robin tournament played one match at a time, so a room can
    watch who beats whom. The final table is ``sim.match.tournament``'s (same matches, same
    seeds), which a test checks."""

    def __init__(self, strategies: list[str], rounds: int = 200, repetitions: int = 1,
                 payoffs=(3.0, 0.0, 5.0, 1.0), noise: float = 0.0):
        self.strategies = list(strategies)
        self.rounds, self.repetitions = int(rounds), int(repetitions)
        self.payoffs, self.noise = tuple(payoffs), float(noise)
        self.pairs = [(a, b) for i, a in enumerate(self.strategies) for b in self.strategies[i + 1:]]
        self.results: dict[tuple[str, str], tuple[float, float]] = {}  # mean scores of (a, b) over repetitions
        self.wins = {s: 0 for s in self.strategies}
        self.totals = {s: 0.0 for s in self.strategies}

    @property
    def finished(self) -> bool:
        return len(self.results) == len(self.pairs)

    def advance(self) -> tuple[str, str] | None:
        """Play the next pair's matches; returns the pair, or None when all have played."""
        if self.finished:
            return None
        a, b = self.pairs[len(self.results)]
        ia, ib = self.strategies.index(a), self.strategies.index(b)
        scores = [play_match(a, b, self.rounds, payoffs=self.payoffs, noise=self.noise,
                             seed=pair_seed(0, ia, ib, r)).scores for r in range(self.repetitions)]
        for sa, sb in scores:
            self.totals[a] += sa
            self.totals[b] += sb
            self.wins[a] += sa > sb
            self.wins[b] += sb > sa
        self.results[(a, b)] = (float(np.mean([x[0] for x in scores])), float(np.mean([x[1] for x in scores])))
        return a, b

    def table(self) -> list[tuple[str, float, int]]:
        """(strategy, mean score per match, matches won), best first: as ``sim.match.tournament``."""
        matches = max(1, (len(self.strategies) - 1) * self.repetitions)
        rows = [(s, self.totals[s] / matches, self.wins[s]) for s in self.strategies]
        return sorted(rows, key=lambda row: -row[1])

    def winner_is_nice(self) -> bool:
        """Is the top strategy one that is never the first to defect?"""
        return self.table()[0][0] in NICE


NICE = {"allc", "tft", "gtft", "grudger", "wsls"}  # never the first to defect (without mistakes)
