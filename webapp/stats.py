"""The small statistics compare mode needs: a mean with its 95% confidence interval, and
the paired difference of two regimes over seed-matched runs (paired t-test).

Same definitions as the lead's ``sim/compare.py`` (mean of b - a over matched seeds, t
interval, paired effect size); kept here so the app does not depend on that module, and
meant to be unified with it.
"""

import math

import numpy as np
from scipy import stats


def mean_ci(x, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and its t confidence interval (the interval collapses to the mean for n < 2)."""
    x = np.asarray(x, float)
    m = float(x.mean())
    if len(x) < 2:
        return m, m, m
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return m, m - half, m + half


def paired_difference(reference, other, level: float = 0.95) -> dict:
    """Mean of ``other - reference`` over matched seeds, its confidence interval, the paired
    t-test p-value and the effect size d_z (mean difference / sd of differences)."""
    d = np.asarray(other, float) - np.asarray(reference, float)
    n = len(d)
    mean = float(d.mean())
    sd = float(d.std(ddof=1)) if n > 1 else 0.0
    if sd == 0.0:
        return {"difference": mean, "ci_low": mean, "ci_high": mean, "p_value": 1.0 if mean == 0 else 0.0,
                "effect_size": 0.0 if mean == 0 else math.copysign(math.inf, mean), "n": n}
    _, lo, hi = mean_ci(d, level)
    t = mean / (sd / math.sqrt(n))
    p = float(2 * stats.t.sf(abs(t), n - 1))
    return {"difference": mean, "ci_low": lo, "ci_high": hi, "p_value": p, "effect_size": mean / sd, "n": n}
