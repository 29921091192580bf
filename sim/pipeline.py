"""The month as a pipeline of components (MODEL.md section 2).

``CollabModel.step`` runs the phases below in order; in each phase every component that
takes part in it is called, in the order of ``sim.policies.COMPONENTS``. A component is one
mechanism or lever: one module, the config section it reads, its own random stream (named
after it, see ``sim.streams``) and a declared list of the model arrays it may change
(``writes``; ``CollabModel(check_writes=True)`` enforces it); the network
(``model.network``, ``model.src``, ``dst``, ``types``) it only reads, since a process keeps
it for its next batch with the same seeds (``network.batch``). It takes part in a phase by
defining the method of that name:

- ``perceive(table)``: change the (N, 4) payoffs each leader expects this month
  (``sim.payoffs`` names the columns);
- ``constrain(moves)``: turn moves that cannot happen (stalls, a squeeze) into what happens;
- ``settle()``: after the games, change what each organisation scored or earned
  (``model.score``, ``model.money``);
- ``observe()``: what each side saw of its partner, and trust, grudges and memories from it;
- ``review()``: after budgets are updated: fines, special measures, votes on plans;
- ``turnover()`` and ``learn()``: leaders leave and strategies spread.

The core phases (decide, play, account, record) are the model's own; components
hook in around them. A component that is switched off by its config is left out of the
pipeline (``wanted``), so it costs nothing and draws nothing.
"""

import numpy as np

PHASES = ("perceive", "constrain", "settle", "observe", "review", "turnover", "learn")


class Component:
    """Base of every component; see the module docstring for the contract."""

    name = ""  # names its random stream and appears in docs
    section = ""  # the config section it reads
    writes: tuple[str, ...] = ()  # model arrays it may change
    accountability = 0.0  # how far it makes the cost of mutual defection shared (KF L1582-1593)
    whole: tuple[str, ...] = ()  # PER_REPLICATE fields (sim.model) it needs one value of across a batch

    def __init__(self, model):
        self.model = model
        self.cfg = getattr(model.config, self.section) if self.section else None

    @classmethod
    def wanted(cls, config) -> bool:
        """Whether this component takes part in a run with ``config``."""
        return True

    @property
    def stream(self):
        """This component's random stream (made on first use)."""
        return self.model.stream(self.name)

    def phases(self) -> list[str]:
        """The phases this component takes part in: those it defines a method for."""
        return [p for p in PHASES if hasattr(self, p)]


def guarded(model, component, method):
    """Wrap ``method`` so that, while it runs, only the arrays ``component`` declares in
    ``writes`` can be written (numpy raises on any other write)."""
    def call(*args):
        frozen = [a for name, a in model.state_arrays().items() if name not in component.writes and a.flags.writeable]
        for a in frozen:
            a.flags.writeable = False
        try:
            return method(*args)
        finally:
            for a in frozen:
                a.flags.writeable = True
    return call


def pick(value, rows):
    """A parameter read with ``CollabModel.param`` at ``rows``: one number is every row's."""
    return value[rows] if type(value) is np.ndarray else value


def footprint_mean(values: np.ndarray, footprint: np.ndarray) -> np.ndarray:
    """Each node's footprint mean of ``values`` (the "one sum of money" of a footprint)."""
    counts = np.bincount(footprint)
    return (np.bincount(footprint, values, len(counts)) / np.maximum(counts, 1))[footprint]
