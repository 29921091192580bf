"""The regulator: observes and sanctions, never plays the game (MODEL.md section 1)."""

import mesa


class Regulator(mesa.Agent):
    """Applies the regulation regime in force once a step (MODEL.md section 2.5)."""

    def __init__(self, model, regime):
        super().__init__(model)
        self.regime = regime

    def step(self) -> None:
        self.regime.review(self.model)
