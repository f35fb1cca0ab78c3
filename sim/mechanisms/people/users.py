"""Users who live (docs/ODD.md §12.3; §2.2, §5.3, §5.4, Case 11).

- **Arrivals and departures.** Users (tenants, clients, library members) leave with a yearly
  hazard ``users.leave_per_year`` raised by dissatisfaction (× e^{k (0.5 − satisfaction)});
  the places they leave (voids, vacancies) are taken up again at ``users.intake_per_month``
  of the gap to ``organisation.users`` a month. Newcomers start on rung 0, not yet members,
  and aware that the organisation is a mutual with the starting awareness share.
- **Service experience.** Users' satisfaction target gains
  ``users.service_weight × (service quality − 0.65)``; service quality is read through
  :func:`service_quality` (the organisation's, made by the staff: people/service.py).
- **Rents and charges as income.** Rent income (``finance.rent_share``, Case 11 ~95 %) is
  paid by the users present: it scales with occupancy (users present over those present at
  month 0) and with the charge index (1 at the start). So users' satisfaction changes income.
- **Surplus shares that change things** (§5.3, Case 11). The staff's share of the surplus is
  paid as a one-off bonus: for the next 12 months staff satisfaction's pay term counts it
  (bonus per head over pay per head). The users' share lowers charges where the mutual has
  rents (``users.charge_share`` of it: the charge index falls by that amount over a year's
  rent; the rent foregone is the cost) and funds community projects with the rest (paid out;
  for a year users' satisfaction target gains ``users.community_fund_weight`` × fund per user
  / (fund per user + ``users.community_fund_half``)). Lower charges raise users' satisfaction
  (``users.charge_weight`` per unit of the charge index below 1).
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms.people import kernels
from sim.mechanisms.people.state import SERVICE_REFERENCE
from sim.parameter import param

# --- parameters (collected into the registry by sim/params.py) ------------------------

PARAMS = [
    # --- users who live (sim/mechanisms/people/users.py) ---------------------------------------
    param("users.leave_per_year", 0.08, "share per year", 0.0, 1.0,
          source="assumption: tenancies, clients and library members turn over slowly (about "
                 "an eighth a year at neutral satisfaction)",
          doc="Yearly chance that a user at neutral satisfaction (0.5) stops using the service."),
    param("users.dissatisfaction_leaving", 3.0, "log-hazard per unit", 0.0, 10.0,
          source="assumption (dissatisfied tenants and clients leave where they can)",
          doc="Leaving hazard × e^(this × (0.5 − satisfaction))."),
    param("users.intake_per_month", 0.15, "share of the gap per month", 0.0, 1.0,
          source="assumption: a void or place is taken up again within about half a year",
          doc="Share of the places left empty (organisation.users − users present) taken up by "
              "new users each month."),
    param("users.service_weight", 0.6, "satisfaction per unit of service quality", 0.0, 3.0,
          source="§5.3, §6 (users' satisfaction follows the service they get); assumption",
          doc="Users' satisfaction target gains this × (service quality − 0.65)."),
    param("users.charge_weight", 0.5, "satisfaction per unit of the charge index", 0.0, 3.0,
          source="§5.3 Case 11 (tenants want lower rents); assumption",
          doc="Users' satisfaction target gains this × (1 − charge index)."),
    param("users.charge_share", 0.5, "share", 0.0, 1.0,
          source="Table 5.1 Case 11 (members decide on about 30 community projects a year besides "
                 "rents); assumption for the split",
          doc="Share of the users' surplus share spent on lowering charges where the mutual "
              "earns rents; the rest goes to the community fund."),
    param("users.charge_floor", 0.7, "charge index", 0.1, 1.0,
          source="assumption: charges are not cut below 70 % of their starting level",
          doc="Lowest charge index the surplus can buy."),
    param("users.community_fund_weight", 0.1, "satisfaction at saturation", 0.0, 1.0,
          source="Table 5.1 Case 11 ('Members decide on allocation of funding for community "
                 "projects'); assumption",
          doc="Users' satisfaction gain for a year from a saturated community fund."),
    param("users.community_fund_half", 20.0, "£ per user per year", 0.1, 10_000.0,
          source="assumption",
          doc="Community fund per user at which its satisfaction effect is half its maximum."),
]

def service_quality(model) -> float:
    """The organisation's service quality as users experience it: what the staff make
    (``model.people.service_quality``, people/service.py, ODD §13.1); the reference
    (``state.SERVICE_REFERENCE``) until month 0's is set."""
    return float(model.people.service_quality)


def start(model) -> None:
    """Month 0: the users present (charges and surplus effects start at their defaults,
    sim/mechanisms/people/state.py)."""
    model.people.users_at_start = max(1, model.users.count())


def occupancy(model) -> float:
    """Users present relative to month 0 (1 with no users)."""
    if model.params.organisation.users == 0:
        return 1.0
    return model.users.count() / model.people.users_at_start


def income_factor(model, kind: str) -> float:
    """What a rent line earns this month relative to its value at month 0."""
    if kind != "rent":
        return 1.0
    return occupancy(model) * model.people.charge_index


def satisfaction_extra(model) -> float:
    """Users' satisfaction target beyond voice and grievance: service, charges, community fund."""
    p = model.params
    extra = p.users.service_weight * (service_quality(model) - SERVICE_REFERENCE)
    extra -= p.users.charge_weight * (model.people.charge_index - 1.0)
    if model.people.community_fund_months > 0:
        f = model.people.community_fund
        extra += p.users.community_fund_weight * f / (f + p.users.community_fund_half)
    return extra


def staff_pay_extra(model) -> float:
    """The surplus bonus's weight in staff satisfaction (a share of a year's pay)."""
    if model.people.pay_bonus_months <= 0:
        return 0.0
    return model.params.satisfaction.pay_weight * model.people.pay_bonus


def monthly(model) -> None:
    """Departures, arrivals and the countdown of the year's surplus effects."""
    p, u, rng = model.params, model.users, model.rng
    model.people.pay_bonus_months = max(0, model.people.pay_bonus_months - 1)
    model.people.community_fund_months = max(0, model.people.community_fund_months - 1)
    if p.organisation.users == 0:
        return
    base = 1.0 - (1.0 - p.users.leave_per_year) ** (1 / 12)
    if kernels.ENABLED:  # the same arithmetic, numpy's exp between two passes (kernels.py)
        e = np.empty(u.size)
        kernels.leaving_argument(u.satisfaction, float(p.users.dissatisfaction_leaving), e)
        np.exp(e, out=e)
        leaving = kernels.leavers(u.alive, rng.random(u.size), e, float(base))
    else:
        hazard = base * np.exp(p.users.dissatisfaction_leaving * (0.5 - u.satisfaction))
        leaving = u.alive & (rng.random(u.size) < hazard)
    n_out = len(leaving) if leaving.dtype != bool else int(np.count_nonzero(leaving))
    if n_out:
        u.remove_agents(leaving)
        u.leave(leaving)
        u.member[leaving] = False
        u.engagement[leaving] = 0
    gap = max(0, p.organisation.users - u.count())
    n_in = int(rng.binomial(gap, p.users.intake_per_month)) if gap else 0
    if n_in:
        model.add_users(n_in)
    model.month_counts.update(user_arrivals=n_in, user_departures=n_out)


def annual_rent(model) -> float:
    """£ a year the rent lines earn now."""
    m = model.funding.market
    return sum(x.value for x in m.lines if x.kind == "rent") * income_factor(model, "rent") / 100


def staff_share_paid(model, pence: int, year_pay: float) -> None:
    """The staff's share (``pence``, against a year's pay bill in pence), paid as a bonus:
    counted in satisfaction for a year. Called by the funding side's books."""
    model.people.pay_bonus = pence / year_pay if year_pay > 0 else 0.0
    model.people.pay_bonus_months = 12


def spend_users_share(model, pounds: float, pay_out) -> None:
    """Lower charges where there are rents; the rest to the community fund, paid out by
    ``pay_out(pounds) -> pence`` (the funding side's books)."""
    p = model.params
    rent = annual_rent(model)
    to_charges = p.users.charge_share * pounds if rent > 0 else 0.0
    if to_charges > 0:
        floor = p.users.charge_floor
        new_index = max(floor, model.people.charge_index * (1.0 - to_charges / rent))
        to_charges = rent * (model.people.charge_index - new_index) / model.people.charge_index
        model.people.charge_index = new_index
    paid = pay_out(pounds - to_charges)
    n = max(1, model.users.count())
    model.people.community_fund = paid / 100 / n
    model.people.community_fund_months = 12 if paid > 0 else 0
    if to_charges > 0:
        model.log("users", f"charges lowered by {100 * to_charges / rent:.1f} % "
                           f"(£{to_charges:,.0f} a year of rent foregone); £{paid / 100:,.0f} "
                           "to the community fund.")
