"""Mesa agents: the readable face of the model's arrays (MODEL.md section 1)."""

from .leader import Leader
from .organisation import (
    CCG,
    AcuteTrust,
    CommunityTrust,
    Council,
    MentalHealthTrust,
    Organisation,
    ORGANISATION_CLASSES,
)
from .regulator import Regulator

__all__ = [
    "CCG", "AcuteTrust", "CommunityTrust", "Council", "Leader", "MentalHealthTrust",
    "Organisation", "ORGANISATION_CLASSES", "Regulator",
]
