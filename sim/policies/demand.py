"""The structural gap from the reports' figures (``[budget]``, MODEL.md section 1).

Every month each budget loses a gap x its size: costs that grow faster than income. With
``gap_source = "demand"`` (the default world) it comes from named, sourced parameters, per
organisation type, plus ``structural_gap``, an extra gap for a squeeze or a scenario (0 by
default):

    monthly gap = (demand_growth - funding_growth - efficiency x efficiency_delivered) / 12
                  + structural_gap

With ``gap_source = "constant"`` the gap is ``structural_gap`` alone for every type, a
constant the reports give no figure for (0.003 in earlier versions' default world).

- ``demand_growth``: demand for health services grew 2.7% a year (NT L156-158; 2.4% for
  other and 4.4% for specialised services expected to 2020-21): costs rise with it.
- ``funding_growth``: real growth of income a year. The reports give no figure (A: 0, flat
  real income); it is a named uncertainty.
- ``efficiency``: the cost reduction each type is required to find a year: the tariff's 2%
  for providers, 1% for commissioners (NT L287-290; councils, for which the reports give no
  figure, are set like providers, A).
- ``efficiency_delivered``: the share of that requirement plans deliver. The 2% target "is
  already greater than the historic rate" (NT L287-288) and the plans are "not sufficient to
  close the gap" (NT L629-630): below 1 (A: 0.75).

The gap is one year's shortfall, met again each month of every year: allocations are taken
to be reset each year to last year's costs, so the gap does not compound (A). A negative gap
(income growing faster than costs) adds to the budget.
"""

import numpy as np

from ..config import ORG_TYPES


def monthly_gap(budget) -> np.ndarray:
    """Each organisation type's monthly gap, as a share of its monthly budget (in
    ``ORG_TYPES`` order)."""
    if budget.gap_source == "constant":
        return np.full(len(ORG_TYPES), budget.structural_gap)
    yearly = [budget.demand_growth - budget.funding_growth - budget.efficiency[t] * budget.efficiency_delivered
              for t in ORG_TYPES]
    return np.array(yearly) / 12.0 + budget.structural_gap
