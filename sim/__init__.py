"""collabsim: collaboration and defection between health and care organisations.

Kept light on import: the model, kernels and I/O load when first used.
"""

__version__ = "0.1.0"

__all__ = ["CollabModel", "Config", "load_config"]


def __getattr__(name):
    if name == "CollabModel":
        from .model import CollabModel

        return CollabModel
    if name == "Config":
        from .config import Config

        return Config
    if name == "load_config":
        from .config import load

        return load
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
