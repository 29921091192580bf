"""Regimes a user builds on the live view's levers and saves by name, so that compare mode
can run them beside the presets. Kept per browser session (a Solara reactive), never on disk.
"""

from typing import Any

import solara

from sim.config import ConfigError

from .levers import DEFAULTS, HORIZON, LEVER_BY_KEY, PRESET_BY_NAME, preset_values, to_config

SAVED: solara.Reactive[dict[str, dict[str, Any]]] = solara.reactive({})


def save(name: str, values: dict[str, Any]) -> str:
    """Save ``values`` as the regime ``name`` (replacing one of the same name); returns the
    cleaned name. A blank name, a preset's name or settings that do not validate are refused."""
    name = name.strip()
    if not name:
        raise ConfigError("regime name: give the settings a name")
    if name in PRESET_BY_NAME:
        raise ConfigError(f"regime name: {name!r} is a preset's name; choose another")
    to_config(values)
    SAVED.set({**SAVED.value, name: dict(values)})
    return name


def regime_values(name: str) -> dict[str, Any]:
    """App settings for a preset or a saved regime."""
    return dict(SAVED.value[name]) if name in SAVED.value else preset_values(name)


def regime_names() -> list[str]:
    return [*PRESET_BY_NAME, *SAVED.value]


def describe(name: str) -> str:
    """One line for compare mode: a preset's notice, or what a saved regime changes."""
    if name not in SAVED.value:
        return PRESET_BY_NAME[name].notice
    changed = [f"{LEVER_BY_KEY[k].label} {v}" for k, v in SAVED.value[name].items()
               if k in LEVER_BY_KEY and k not in (HORIZON, "network.n_orgs", "experiment.seed")
               and v != DEFAULTS.get(k)]
    return "your settings: " + ("; ".join(changed) if changed else "the defaults")
