"""Leaders: chief executives and accountable officers (MODEL.md section 1)."""

import mesa


class Leader(mesa.Agent):
    """The current leader of one organisation: a view of the model's leader arrays.

    ``disposition`` is the leader's prior propensity to collaborate (the dove-ness of
    MODEL.md section 1); ``internal`` says whether the leader was promoted from inside, which
    keeps more of the predecessor's relationships. A succession (``sim.policies.leadership``)
    rewrites these arrays, so the view always shows the leader in post.
    """

    def __init__(self, model, organisation):
        super().__init__(model)
        self.organisation = organisation

    @property
    def disposition(self) -> float:
        return float(self.model.disposition[self.organisation.index])

    @property
    def internal(self) -> bool:
        return bool(self.model.internal[self.organisation.index])

    @property
    def appointed(self) -> int:
        return int(self.model.appointed[self.organisation.index])

    @property
    def tenure(self) -> int:
        """Months in post."""
        return self.model.steps - self.appointed
