"""Decision rules of MODEL.md section 4, as integer codes the kernels understand.

The kernels work on small integers; everything user-facing uses the names below.
"""

DEFECT = 0
COOPERATE = 1

ALLC = 0  # dove: always cooperate
ALLD = 1  # hawk: always defect
TFT = 2  # tit for tat: cooperate first, then copy the partner's last move
GTFT = 3  # generous TFT: like TFT, but forgive a defection with probability `generosity`
GRUDGER = 4  # grim trigger: cooperate until the partner defects once, then defect forever
WSLS = 5  # win-stay lose-shift (Pavlov): cooperate iff both made the same move last round
RANDOM = 6  # cooperate with probability 1/2
TRUST = 7  # cooperate with probability sigma(beta * (trust - 1/2 + bias))

NAMES = ("allc", "alld", "tft", "gtft", "grudger", "wsls", "random", "trust")
CODES = {name: code for code, name in enumerate(NAMES)}


def self_play_payoff(strategy, table, noise: float):
    """Each node's payoff from playing a copy of itself (``game.self_interaction``): nice rules
    cooperate with a copy of themselves (R), ALLD defects (P)."""
    import numpy as np

    own = np.where(strategy == ALLD, 3, 0)
    return table[np.arange(len(own)), own]
