"""The funding side's state (docs/ODD.md §2): the market, the books and the seams it drives
(``workload``, ``pay_index``, ``staff_target``, ``surplus``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.mechanisms.funding.finance import Ledger
    from sim.mechanisms.funding.market import Market


@dataclass
class Funding:
    """Created in ``MutualModel.__init__`` as ``model.funding``; ``market.build`` and
    ``finance.open_books`` fill the market and the ledger at month 0."""

    workload: float                 # work per head relative to normal (read by people)
    pay_index: float                # pay relative to the sector (read by people)
    staff_target: int               # funded posts
    surplus: float                  # surplus to allocate at the year end, £ per year
    surplus_staff_months: int = 0   # months with staff beyond the funded posts
    market: Market | None = None
    ledger: Ledger | None = None
