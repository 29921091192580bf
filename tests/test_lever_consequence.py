"""A lever changes decisions only through its own consequences (MODEL.md section 2; issue
13): with its consequence set to zero, every move of a run is what it is with the lever
off, and with a real consequence the moves differ (so the check can fail)."""

import numpy as np
import pytest

from sim.model import CollabModel

from helpers import move_history, plain_config

STEPS = 60
# A squeezed footprint, so that pressure, deficits and regulation all come into play.
WORLD = {"network.footprints": 4, "budget.structural_gap": 0.01}


def moves(**overrides) -> np.ndarray:
    return move_history(plain_config(**WORLD, **overrides), STEPS, [3])[0]


@pytest.mark.parametrize("regime", ["organisational", "system"])
@pytest.mark.parametrize("zero", [{"regulation.fine": 0.0}, {"regulation.detection": 0.0}])
def test_a_regulator_with_no_expected_fine_and_no_intervention_changes_no_decision(regime, zero):
    off = moves(**{"regulation.regime": "none"})
    unreachable = {"regulation.intervention_threshold": 1e9}
    assert np.array_equal(moves(**{"regulation.regime": regime, **unreachable, **zero}), off)
    assert not np.array_equal(moves(**{"regulation.regime": regime, **unreachable}), off)


def test_the_expected_fine_is_detection_times_fine_per_unit_of_shortfall():
    """The table a judged leader perceives moves by money_weight x detection x fine /
    pressure_scale times the money each outcome puts on the judged books."""
    base = CollabModel(plain_config(), seed=1)
    kw = {"regulation.detection": 0.4, "regulation.fine": 0.03, "budget.pressure_scale": 0.2,
          "strategies.money_weight": 5.0, "game.surplus": 0.2, "game.shift": 0.1}
    k = 5.0 * 0.4 * 0.03 / 0.2  # 0.3 payoff units per unit of money
    for regime, judged in (("organisational", [0.1, -0.1, 0.1, 0.0]), ("system", [0.2, 0.0, 0.0, 0.0])):
        m = CollabModel(plain_config(**kw, **{"regulation.regime": regime}), seed=1)
        plain = CollabModel(plain_config(**kw), seed=1)
        m.perceive(), plain.perceive()
        np.testing.assert_allclose(m.table - plain.table, np.tile(k * np.array(judged), (len(m.types), 1)))
    assert base.accountability == 0.0
    system = CollabModel(plain_config(**kw, **{"regulation.regime": "system"}), seed=1)
    assert system.accountability == pytest.approx(min(1.0, k))
