"""Shared test helpers (tests/ is on sys.path under pytest's default import mode)."""

import numpy as np

from sim import config


def make_config(**overrides):
    """A Config from ``{"section.key": value}`` overrides on the defaults."""
    data: dict = {}
    for dotted, value in overrides.items():
        config.set_path(data, dotted, value)
    return config.validate(data)


# The plain game world of hand-computed tests: the gap is the constant structural_gap, acute
# trusts are on block contracts, and no loss aversion edits the payoffs. The default world
# (the reports' gap, payment by results, loss aversion) is tested in its own tests.
PLAIN = {"budget.gap_source": "constant", "budget.structural_gap": 0.003, "incentives.payment": "block_contract",
         "loss_aversion.factor": 1.0}


def plain_config(**overrides):
    """A Config of the plain game world (``PLAIN``) with ``overrides``."""
    return make_config(**{**PLAIN, **overrides})


def move_history(cfg, steps: int, seeds):
    """Every month's moves of a model of ``cfg`` run ``steps`` months with ``seeds``
    ((steps, E, 2)), and the model: what the zero-consequence tests compare."""
    from sim.model import CollabModel

    m = CollabModel(cfg, seeds=seeds)
    history = []
    for _ in range(steps):
        m.step()
        history.append(m.moves.copy())
    return np.array(history), m
