"""Batch parameter sweeps: ``collabsim sweep CONFIG``.

``spec`` reads the ``[sweep]`` table and plans the points and seeds, ``worker`` runs one
(point, replicate) and writes its file, ``store`` owns the folder layout and atomic writes,
``executors`` gives serial, process-pool and Dask executors behind one interface, ``runner``
streams runs through an executor with resume, and ``sensitivity`` does the Sobol analysis.
Kept light on import: submodules load when first used.
"""

__all__ = ["load", "run", "rerun"]


def __getattr__(name):
    if name == "load":
        from .spec import load

        return load
    if name == "run":
        from .runner import run

        return run
    if name == "rerun":
        from .worker import rerun

        return rerun
    raise AttributeError(f"module 'sim.sweep' has no attribute {name!r}")
