"""The commissioner's purse (``[incentives]``; MODEL.md section 1; KF L1193-1216; NT L595-606).

CCGs receive the allocation and pay providers under the payment regime. Each month a CCG
receives its own budget plus its share (by budget) of the contracts of the NHS providers in
its footprint (acute, mental-health and community trusts), and pays those contracts:

- ``block_contract`` and ``pooled_budget`` (a capitated budget, pooled with the council by
  ``sim.policies.incentives``): fixed payments, the contract, whatever the providers do;
- ``payment_by_results``: activity is paid at tariff. The contract pays for the activity an
  acute trust does itself; where it shares activity with a partner that is not a
  commissioner or another acute trust (community, mental-health and council services take
  it on: both sides collaborate on that relationship), the CCG no longer pays for it, and
  the acute trust's income falls by ``tariff`` per relationship-month. "Individual
  organisational accountability for financial performance means that acute trusts are
  reluctant to abandon the payment-by-results system" (NT L595-596); the money does not
  vanish, it moves to the commissioner: "there is only one sum of money" (NT L604-606).

A foundation trust's income may not fall below ``foundation_floor`` of its contract in a
month, under payment by results or pooling ("it needed to keep its income above a certain
level because of its FT status", KF L1904-1907): the commissioner makes up the difference
(a minimum-income guarantee in the contract, A).

Causal chain to a decision: under payment by results an acute trust's leader weighs the
tariff income it loses by sharing activity, tariff x the relationships on which it could
share x ``strategies.money_weight``, spread over its relationships and taken from the
reward of mutual collaboration (R); a foundation trust under a floor weighs no more than the
income the floor lets it lose ((1 - floor) x contract). So a tariff of 0, or no activity
relationships, changes no decision, and a floor of 0 changes nothing. Money flows only
between the commissioner and its providers (a provider's gain is its CCG's loss), so the
purse conserves money; under block contracts it moves none.

A footprint with no CCG (a classic graph, a file without commissioners) is commissioned by
the centre, as NHS England commissions specialised services directly (NT L156-158): its
purse (``central``) stands in for the CCG's, outside the footprint's organisations, and is
counted in the commissioner balance.
"""

import numpy as np

from .. import kernels
from ..config import ORG_TYPES
from ..payoffs import R
from ..pipeline import Component

ACUTE, CCG = ORG_TYPES.index("acute"), ORG_TYPES.index("ccg")
PROVIDERS = [ORG_TYPES.index(t) for t in ("acute", "mental_health", "community")]


class Purse(Component):
    name = "purse"
    section = "incentives"
    writes = ("money",)

    def __init__(self, model):
        super().__init__(model)
        m, cfg = model, self.cfg
        types, size = m.types, m.size
        fp = self.footprint = m.network.footprint
        n_fp = self.n_fp = int(fp.max()) + 1 if len(fp) else 0
        self.ccg = types == CCG
        self.contract = np.where(np.isin(types, PROVIDERS), size, 0.0)  # monthly contract (block, capitation)
        ccg_size = np.bincount(fp, size * self.ccg, n_fp)
        self.has_ccg = ccg_size > 0
        self.lone = ~self.has_ccg  # footprints the centre commissions
        self.any_lone = bool(self.lone.any())
        # Each CCG commissions its footprint's providers jointly with the others, by budget.
        self.share = np.where(self.ccg, size / np.maximum(ccg_size[fp], 1e-300), 0.0)
        contracts = np.bincount(fp, self.contract, n_fp)
        self.contracts_paid = self.share * contracts[fp]  # each CCG's share of the contracts, a month
        self.allocation = np.where(self.ccg, size + self.contracts_paid, 0.0)  # received a month
        self.central_allocation = np.where(self.has_ccg, 0.0, contracts)  # the centre's, where no CCG
        # Cumulative accounts: what each CCG received and paid, what each provider was paid,
        # the money the purse moved into each organisation's books, and the centre's purse.
        self.allocated = np.zeros(len(types))
        self.paid = np.zeros(len(types))
        self.received = np.zeros(len(types))
        self.net = np.zeros(len(types))
        self.central = np.zeros(n_fp)
        self.central_paid = np.zeros(n_fp)

        self.pbr = cfg.payment == "payment_by_results"
        src_t, dst_t = types[m.src], types[m.dst]
        takes = lambda t: (t != CCG) & (t != ACUTE)  # a partner that can take activity on
        self.shares_src = (src_t == ACUTE) & takes(dst_t)  # edge where src is the acute side
        self.shares_dst = (dst_t == ACUTE) & takes(src_t)
        self.activity_partners = m.side_sum(self.shares_src, self.shares_dst)
        self.floor = cfg.foundation_floor > 0 and cfg.payment != "block_contract"
        self.foundation = m.network.foundation & (types == ACUTE)
        # The most income a foundation trust may lose in a month (no limit for the others).
        self.headroom = np.where(self.foundation & self.floor, (1 - cfg.foundation_floor) * self.contract, np.inf)
        self.moves_money = self.pbr or self.floor
        self.deviation = np.zeros(len(types))  # this month's: each provider's payment less its contract
        self.cost = np.zeros(n_fp)  # this month's: what each footprint's commissioner paid beyond the contracts
        self._no_pooling = np.zeros(len(types))
        # What a leader weighs, per relationship: the same every month (tariff, partners,
        # floor and degree do not change in a run).
        at_stake = np.minimum(cfg.tariff * self.activity_partners, self.headroom)
        self.weighed = m.param("strategies.money_weight") * at_stake / np.maximum(m.degree, 1)

    def perceive(self, table):
        if self.pbr:
            table[:, R] -= self.weighed

    def settle(self):
        self.allocated += self.allocation
        if not self.moves_money:  # fixed payments: the contracts, nothing more
            self.paid += self.contracts_paid
            self.received += self.contract
            self.central_paid += self.central_allocation
            return
        # Each provider's payment this month less its contract: under payment by results the
        # tariff income lost where activity was shared; the floor's guarantee tops income
        # (payment and what pooling moved) up to the floor. What each footprint's
        # commissioner paid beyond the contracts is shared among its CCGs, and providers gain
        # what their CCGs lose (one kernel, ``kernels.purse_settle``).
        m = self.model
        pooled = getattr(getattr(m, "incentives", None), "pooled", None)
        kernels.purse_settle(m.src, m.dst, m.mutual, self.shares_src, self.shares_dst, self.cfg.tariff, self.pbr,
                             self.floor, self.headroom, self._no_pooling if pooled is None else pooled, self.footprint,
                             self.share, self.contract, self.contracts_paid, self.lone, self.central_allocation,
                             self.deviation, self.cost, m.money, self.net, self.paid, self.received, self.central_paid,
                             self.central)

    # -- outcomes (sim.metrics) -------------------------------------------------------------
    def commissioner_balance(self) -> np.ndarray:
        """Per replicate: the CCGs' balances plus the centre's purse where a footprint has no CCG."""
        m = self.model
        central = m.per_replicate(self.central, "footprint") if self.any_lone else 0.0  # else all zero
        return m.per_replicate(np.where(self.ccg, m.balance, 0.0)) + central
