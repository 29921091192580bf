"""Pure-game configurations: the collabsim engine with everything but the game switched off.

No money pressure, no leader turnover (tenure far beyond any run), no regulation, no
incentives, no governance, no execution noise, and no per-agent recording (for speed).
Each builder returns a validated ``sim.config.Config``.
"""

from sim.config import ORG_TYPES, Config, validate

NEVER = 1e9  # months: a leader's mean tenure that no run comes near


def pure_game(**sections) -> Config:
    """The base pure-game config, with ``sections`` (``{"game": {...}, ...}``) merged in."""
    data = {
        "experiment": {"name": "validation", "steps": 100, "seed": 1},
        "game": {"noise": 0.0, "shift": 0.0, "surplus": 0.0},
        "budget": {"pressure_temptation": 0.0, "pressure_dd_cost": 0.0, "structural_gap": 0.0,
                   "distress_cost": 0.0},
        "leadership": {"mean_tenure": {t: NEVER for t in ORG_TYPES}, "reorganisations": []},
        "regulation": {"regime": "none"},
        "incentives": {"payment": "block_contract"},
        "governance": {"decision": "none"},
        "output": {"agent_every": 0},
    }
    for section, values in sections.items():
        data.setdefault(section, {}).update(values)
    return validate(data, source="validation config")


def hawk_dove(V: float, C: float, n_orgs: int = 100, steps: int = 200, rate: float = 0.5,
              selection: float = 5.0, hawk_share0: float = 0.5) -> Config:
    """Well-mixed hawk-dove: complete network, doves = allc, hawks = alld, Fermi imitation
    on mean payoff per game. The rest point does not depend on ``rate`` or ``selection``;
    a strong selection (5) and a high rate (0.5) shrink the stationary fluctuations about it
    (variance about 2 / (n selection C)) and shorten their correlation time, so a few
    seeds pin the mean down."""
    return pure_game(
        experiment={"steps": steps},
        network={"kind": "complete", "n_orgs": n_orgs},
        game={"kind": "hawk_dove", "V": V, "C": C},
        strategies={"mix": {"allc": 1.0 - hawk_share0, "alld": hawk_share0}},
        learning={"rule": "fermi", "rate": rate, "selection": selection, "payoff_basis": "mean"},
    )


def nowak_may(b: float, side: int = 99, steps: int = 200, cooperators0: float = 0.9) -> Config:
    """Nowak & May (1992): periodic lattice, Moore neighbourhood plus self-interaction,
    R = 1, T = b, S = P = 0, synchronous best-takes-over on total payoff."""
    return pure_game(
        experiment={"steps": steps},
        network={"kind": "lattice", "n_orgs": side * side, "moore": True},
        game={"kind": "pd", "R": 1.0, "S": 0.0, "T": b, "P": 0.0, "self_interaction": True},
        strategies={"mix": {"allc": cooperators0, "alld": 1.0 - cooperators0}},
        learning={"rule": "best", "rate": 1.0, "payoff_basis": "total"},
    )


def santos_pacheco(kind: str, b: float, n_orgs: int = 1000, steps: int = 1000,
                   mean_degree: float = 4.0) -> Config:
    """Santos & Pacheco (2005): Barabasi-Albert ("scale_free") or random regular
    ("regular") network of mean degree 4, R = 1, T = b, S = P = 0, half cooperators at
    random, synchronous proportional imitation on total payoff."""
    return pure_game(
        experiment={"steps": steps},
        network={"kind": kind, "n_orgs": n_orgs, "mean_degree": mean_degree},
        game={"kind": "pd", "R": 1.0, "S": 0.0, "T": b, "P": 0.0},
        strategies={"mix": {"allc": 0.5, "alld": 0.5}},
        learning={"rule": "proportional", "rate": 1.0, "payoff_basis": "total"},
    )
