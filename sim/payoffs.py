"""The payoff table's named columns.

Every organisation weighs its own (N, 4) table of stage-game payoffs each month, one column
per outcome seen from its side: its move first, then its partner's. The kernels index the
table as ``2 * (1 - mine) + (1 - theirs)`` with COOPERATE = 1, which gives these columns.
"""

R = 0  # both cooperate: the reward
S = 1  # I cooperate, my partner defects: the sucker's payoff
T = 2  # I defect, my partner cooperates: the temptation
P = 3  # both defect: the punishment
