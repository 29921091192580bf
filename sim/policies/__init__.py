"""Policy levers (MODEL.md section 3), one module per family.

Every regime is an object with up to three hooks, called by ``CollabModel.step``:
- ``perceive(model, table)``: adjust the (N, 4) R, S, T, P each organisation weighs this
  step (how the regime changes what collaborating is worth to a leader);
- ``settle(model)``: adjust the realised ``model.score`` / ``model.money`` after the games;
- ``review(model)``: act after budgets are updated (fines, special measures, votes).
Regimes that a hook does not concern simply do nothing there.
"""

from .capacity import Capacity
from .governance import Governance, build_governance
from .incentives import build_incentives
from .information import Information
from .leadership import Leadership
from .regulation import build_regulation

__all__ = ["Capacity", "Governance", "Information", "Leadership", "build_governance", "build_incentives",
           "build_regulation"]
