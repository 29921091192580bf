"""Social learning of strategies (``[learning]``, MODEL.md 2.7): the learning phase. The
update rules themselves live in ``sim.learning``."""

from .. import learning
from ..pipeline import Component


class Learning(Component):
    name = "learning"
    section = "learning"
    writes = ("strategy",)

    @classmethod
    def wanted(cls, config) -> bool:
        return config.learning.rule != "none" or config.learning.mutation > 0

    def __init__(self, model):
        super().__init__(model)
        self.rule = learning.Learning(self.cfg, model.config.strategies.mix)

    def learn(self):
        self.rule.step(self.model, self.stream)
