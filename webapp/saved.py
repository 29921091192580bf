"""Regimes a user builds on the live view's levers and saves by name, so that compare mode
can run them beside the presets. Kept per browser session (``webapp.session``: every tab of
the browser sees them), never on disk.
"""

from typing import Any

import solara

from sim.config import ConfigError

from . import session
from .levers import PRESET_BY_NAME, preset_values, to_config
from .results import describe_changes

# Bumped on every save, so that a page showing saved regimes redraws; the regimes themselves
# are in the session's store.
CHANGED: solara.Reactive[int] = solara.reactive(0)


def saved() -> dict[str, dict[str, Any]]:
    """This browser session's saved regimes, name -> app settings."""
    CHANGED.get()
    return session.kept("saved regimes", dict)


def save(name: str, values: dict[str, Any]) -> str:
    """Save ``values`` as the regime ``name`` (replacing one of the same name); returns the
    cleaned name. A blank name, a preset's name or settings that do not validate are refused."""
    name = name.strip()
    if not name:
        raise ConfigError("regime name: give the settings a name")
    if name in PRESET_BY_NAME:
        raise ConfigError(f"regime name: {name!r} is a preset's name; choose another")
    to_config(values)
    saved()[name] = dict(values)
    CHANGED.value += 1
    return name


def regime_values(name: str) -> dict[str, Any]:
    """App settings for a preset or a saved regime."""
    mine = saved()
    return dict(mine[name]) if name in mine else preset_values(name)


def regime_names() -> list[str]:
    return [*PRESET_BY_NAME, *saved()]


def describe(name: str) -> str:
    """One line for compare mode: a preset's notice, or what a saved regime changes."""
    mine = saved()
    if name not in mine:
        return PRESET_BY_NAME[name].notice
    return "your settings: " + describe_changes(mine[name])
