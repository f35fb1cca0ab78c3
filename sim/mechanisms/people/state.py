"""The people side's state beyond the person-level columns (docs/ODD.md §2): what the
people side's rules write each month. The staff and users themselves are the model's
columns (``model.staff``, ``model.users``, sim/population.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.mechanisms.people.membership import Rules

SERVICE_REFERENCE = 0.65  # shape: the former constant organisation.service_quality


@dataclass
class People:
    """Created in ``MutualModel.__init__`` as ``model.people``; filled at month 0 by
    ``participation.start_informal_voice``, ``users.start`` and ``service.setup``."""

    staff_rules: Rules              # membership rules per constituency (timed 'switch' events)
    user_rules: Rules
    # informal voice per constituency (participation.py, ODD §12.1)
    informal_voice: dict[str, float] = field(default_factory=dict)
    # what the staff make (service.py, ODD §13); the reference until month 0 sets it
    service_quality: float = SERVICE_REFERENCE
    innovation: float = 0.0
    reputation: float = 0.0
    # users and the surplus shares that reach people (users.py, ODD §12.3)
    charge_index: float = 1.0
    pay_bonus: float = 0.0          # staff's surplus share, as a share of a year's pay
    pay_bonus_months: int = 0
    community_fund: float = 0.0     # £ per user per year, for 12 months
    community_fund_months: int = 0
    pay_shares: list[float] = field(default_factory=list)  # share allocated to pay, per year
    users_at_start: int = 1
