"""Mesa agents: the readable face of the model's arrays (MODEL.md section 1)."""

from .leader import Leader
from .organisation import (
    CCG,
    ORGANISATION_CLASSES,
    AcuteTrust,
    CommunityTrust,
    Council,
    MentalHealthTrust,
    Organisation,
    make_agents,
)

__all__ = [
    "CCG", "AcuteTrust", "CommunityTrust", "Council", "Leader", "MentalHealthTrust",
    "Organisation", "ORGANISATION_CLASSES", "make_agents",
]
