"""The strategy registry: the one home of every decision rule (MODEL.md section 4).

Each ``Strategy`` entry holds a rule's name (used in configs and on the command line), its
integer code (what the kernels see: its position in ``REGISTRY``), a short label and a
plain-language description (for docs and the app), its classifier in the Axelrod library's
terms (memory depth, stochastic, nice) and its rule.

Most rules are *memory-one* and are plain data, as in the Axelrod library and in Press &
Dyson (2012): the probability of cooperating in the first round, then the probabilities of
cooperating after each outcome of the last round, ``(CC, CD, DC, DD)`` -- own move first,
then the partner's move as this side saw it. ``sim.kernels.decide`` reads them from a
(K, 5) table, so a new memory-one strategy is one entry below and nothing else. Rules that
need more than the last round have a ``kind`` that names a branch of the kernel: the
grudger (a per-edge grudge), the trust rule (per-edge trust) and a few short-memory rules
that read the per-edge ``memory`` counters (see ``sim.kernels``).

GTFT's forgiveness is the config's ``strategies.generosity``: a vector entry ``GENEROSITY``
stands for that parameter and is filled in when the table is built.
"""

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

DEFECT = 0
COOPERATE = 1
GENEROSITY = "generosity"  # a vector entry that stands for the strategies.generosity parameter

# Kernel branches (``Strategy.kind``). MEMORY_ONE reads the (K, 5) table; the others say why not.
MEMORY_ONE = 0
GRUDGE = 1  # defect for ever once the partner was seen to defect
TRUST_RULE = 2  # cooperate with probability sigma(beta (trust - 1/2 + bias))
TWO_TATS = 3  # defect only after two seen defections in a row
PROBE = 4  # D, C, C; then defect for ever if the partner cooperated in rounds 2 and 3, else TFT
MAJORITY_SOFT = 5  # cooperate while the partner's seen cooperations >= its defections
MAJORITY_HARD = 6  # cooperate while the partner's seen cooperations > its defections


@dataclass(frozen=True)
class Strategy:
    name: str
    label: str
    description: str
    kind: int = MEMORY_ONE
    vector: tuple = ()  # MEMORY_ONE: (first, CC, CD, DC, DD) cooperation probabilities
    memory_depth: float = 1
    stochastic: bool = False
    nice: bool = False  # never the first to defect
    source: str = ""

    @property
    def classifier(self) -> dict:
        return {"memory_depth": self.memory_depth, "stochastic": self.stochastic, "nice": self.nice}

    def probabilities(self, generosity: float) -> tuple[float, ...]:
        """A memory-one rule's (first, CC, CD, DC, DD), the generosity parameter filled in."""
        return tuple(generosity if p == GENEROSITY else float(p) for p in self.vector)


def _m1(name, label, description, vector, *, nice=False, source="", depth=1):
    stochastic = any(isinstance(p, str) or 0.0 < p < 1.0 for p in vector)
    return Strategy(name, label, description, MEMORY_ONE, tuple(vector), depth, stochastic, nice, source)


G = GENEROSITY
REGISTRY: list[Strategy] = [
    # The first eight keep their historical codes (results, configs and the app refer to them).
    _m1("allc", "Dove", "Always collaborates.", (1, 1, 1, 1, 1), nice=True, depth=0),
    _m1("alld", "Hawk", "Always protects its own budget (defects).", (0, 0, 0, 0, 0), depth=0),
    _m1("tft", "Copycat (tit for tat)", "Collaborates first, then does what the partner did last round.",
        (1, 1, 0, 1, 0), nice=True, source="Axelrod 1984"),
    _m1("gtft", "Forgiving copycat (generous TFT)",
        "Like tit for tat, but forgives a defection with probability `strategies.generosity`.",
        (1, 1, G, 1, G), nice=True, source="Nowak & Sigmund 1992"),
    Strategy("grudger", "Grudger", "Collaborates until the partner defects once, then never again.", GRUDGE,
             memory_depth=math.inf, nice=True, source="Axelrod 1984 (Friedman)"),
    _m1("wsls", "Pavlov (win-stay lose-shift)",
        "Repeats its last move after a good outcome (R or T), switches after a bad one (S or P).",
        (1, 1, 0, 0, 1), nice=True, source="Nowak & Sigmund 1993"),
    _m1("random", "Coin-flipper", "Collaborates half the time at random.", (0.5, 0.5, 0.5, 0.5, 0.5), depth=0),
    Strategy("trust", "Trust-based leader",
             "The more it trusts the partner, the likelier it collaborates: sigma(beta (trust - 1/2 + bias)).",
             TRUST_RULE, memory_depth=math.inf, stochastic=True, source="MODEL.md section 4"),
    # Classic memory-one and short-memory rules of the Axelrod library.
    Strategy("tf2t", "Tit for two tats", "Collaborates unless the partner defected in both of the last two rounds.",
             TWO_TATS, memory_depth=2, nice=True, source="Axelrod 1984"),
    _m1("stft", "Suspicious copycat", "Defects first, then does what the partner did last round.", (0, 1, 0, 1, 0),
        source="Beaufils et al. 1997"),
    Strategy("prober", "Prober",
             "Plays D, C, C; defects for ever if the partner collaborated in rounds 2 and 3, else plays tit for tat.",
             PROBE, memory_depth=math.inf, source="Mathieu & Delahaye (Axelrod library Prober)"),
    _m1("alternator", "Alternator", "Collaborates first, then alternates collaborating and defecting.",
        (1, 0, 0, 1, 1)),
    Strategy("soft_majority", "Soft majority",
             "Collaborates while the partner has collaborated at least as often as it defected.",
             MAJORITY_SOFT, memory_depth=math.inf, nice=True, source="Axelrod 1984 (Grisell); Mittal 2009"),
    Strategy("hard_majority", "Hard majority",
             "Defects first; collaborates only while the partner has collaborated more often than it defected.",
             MAJORITY_HARD, memory_depth=math.inf, source="Mittal 2009"),
    _m1("wshls", "Win-shift lose-stay",
        "Defects first; switches its move after a good outcome (R or T), repeats it after a bad one.",
        (0, 0, 1, 1, 0), source="Axelrod library WinShiftLoseStay"),
    _m1("extort2", "Extortioner (ZD, chi = 2)",
        "Zero-determinant extortioner of Press & Dyson (2012): its surplus over P is twice the partner's.",
        (1, 8 / 9, 1 / 2, 1 / 3, 0), source="Stewart & Plotkin 2012"),
    _m1("zdgtft2", "Generous ZD (ZDGTFT-2)",
        "Zero-determinant generous rule of Stewart & Plotkin (2013): the partner's shortfall below R is twice its own.",
        (1, 1, 1 / 8, 1, 1 / 4), nice=True, source="Stewart & Plotkin 2013"),
]

NAMES: tuple[str, ...] = ()
CODES: dict[str, int] = {}
BY_NAME: dict[str, Strategy] = {}


def _index() -> None:
    """Rebuild the look-ups; the dicts change in place, so modules that imported them see a
    registered strategy (``NAMES`` is a tuple: re-read it as ``strategies.NAMES``)."""
    global NAMES
    NAMES = tuple(s.name for s in REGISTRY)
    CODES.clear()
    CODES.update({name: code for code, name in enumerate(NAMES)})
    BY_NAME.clear()
    BY_NAME.update({s.name: s for s in REGISTRY})


_index()
ALLC, ALLD, TFT, GTFT, GRUDGER, WSLS, RANDOM, TRUST = (CODES[n] for n in NAMES[:8])


def register(strategy: Strategy) -> int:
    """Add a strategy (tests, extensions); returns its code. Configs name it like any other
    once ``sim.config`` is (re)imported; the decide table picks it up at once."""
    if strategy.name in CODES:
        raise ValueError(f"strategy {strategy.name!r} is already registered")
    if strategy.kind == MEMORY_ONE and len(strategy.vector) != 5:
        raise ValueError(f"{strategy.name}: a memory-one rule needs (first, CC, CD, DC, DD)")
    REGISTRY.append(strategy)
    _index()
    rule_table.cache_clear()
    return CODES[strategy.name]


def unregister(name: str) -> None:
    """Remove the most recently registered strategy (tests clean up after ``register``)."""
    if REGISTRY[-1].name != name:
        raise ValueError(f"only the last registered strategy can be removed, not {name!r}")
    REGISTRY.pop()
    _index()
    rule_table.cache_clear()


@lru_cache(maxsize=32)
def rule_table(generosity: float) -> tuple[np.ndarray, np.ndarray]:
    """(kinds (K,) int64, probabilities (K, 5) float64) for ``sim.kernels.decide``: row k is
    strategy k's (first, CC, CD, DC, DD) cooperation probabilities (zeros for rules of another
    kind). Read-only: the cached arrays are shared."""
    kinds = np.array([s.kind for s in REGISTRY], dtype=np.int64)
    probs = np.zeros((len(REGISTRY), 5))
    for k, s in enumerate(REGISTRY):
        if s.kind == MEMORY_ONE:
            probs[k] = s.probabilities(generosity)
    kinds.flags.writeable = probs.flags.writeable = False
    return kinds, probs


def outcome_index(own: int, partner: int) -> int:
    """Position of an outcome in (CC, CD, DC, DD) and in a payoff row (R, S, T, P)."""
    return 2 * (1 - own) + (1 - partner)
