"""Leaders: chief executives and accountable officers, replaced on turnover (a rare event)."""

import mesa


class Leader(mesa.Agent):
    """The leader of one organisation.

    ``disposition`` (prior propensity to collaborate, the dove-ness of MODEL.md section 1)
    lives in the model's array so kernels can read it; ``internal`` says whether the leader
    was promoted from inside, which keeps more of the predecessor's relationships.
    """

    def __init__(self, model, organisation, disposition: float, internal: bool = False):
        super().__init__(model)
        self.organisation = organisation
        self.appointed = model.steps
        self.internal = internal
        model.disposition[organisation.index] = disposition

    @property
    def disposition(self) -> float:
        return float(self.model.disposition[self.organisation.index])

    @property
    def tenure(self) -> int:
        """Months in post."""
        return self.model.steps - self.appointed
