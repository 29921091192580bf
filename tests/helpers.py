"""Shared test helpers (tests/ is on sys.path under pytest's default import mode)."""

from sim import config


def make_config(**overrides):
    """A Config from ``{"section.key": value}`` overrides on the defaults."""
    data: dict = {}
    for dotted, value in overrides.items():
        config.set_path(data, dotted, value)
    return config.validate(data)
