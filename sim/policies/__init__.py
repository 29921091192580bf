"""Levers and mechanisms (MODEL.md sections 3 and 7), one module each, as components of
the month (``sim.pipeline``).

``COMPONENTS`` is the registry: the order here is the order in which components are called
within each phase. A new lever is a module with a ``Component`` subclass, its config section
(``sim.config``) and one line here.
"""

from .capacity import Capacity
from .development import Development
from .electoral_clock import ElectoralClock
from .governance import Governance
from .incentives import Incentives
from .information import Information
from .investment import Investment
from .leadership import Leadership
from .loss_aversion import LossAversion
from .learning import Learning
from .purse import Purse
from .regulation import Regulation
from .self_interaction import SelfInteraction
from .shock import DefectionShock
from .stakeholders import Stakeholders

COMPONENTS = (
    SelfInteraction,  # settle: each node also plays itself
    Regulation,  # perceive: what the regime judges; review: fines, special measures
    Incentives,  # perceive/settle: pooling, funding, membership fee
    Purse,  # perceive/settle: the commissioner pays providers under the payment regime (after pooling)
    Governance,  # perceive/settle/review: system plans and their dividend
    Stakeholders,  # settle: engagement spend; governance asks it whether a plan is blocked
    LossAversion,  # perceive: the just about managing weigh the sucker's loss more (after the levers' payoffs)
    Development,  # settle/review: organisational development spends money to build trust
    Investment,  # settle: invest here, benefit there, after a lag; councils withdraw under pressure
    DefectionShock,  # constrain: a squeeze in which some break ranks
    ElectoralClock,  # constrain: councils hold back before elections
    Capacity,  # constrain: collaborations beyond management capacity stall
    Information,  # observe: what each side saw; trust and memories from it
    Leadership,  # turnover: leaders leave, successors inherit part of the trust
    Learning,  # learn: strategies spread
)

__all__ = ["COMPONENTS", *(c.__name__ for c in COMPONENTS)]
