"""Workforce: attrition, end of fixed-term contracts, recruitment, tenure (MODEL.md §3 step 5).

Recruitment fills a share of vacancies each month: mutuals struggle to recruit against NHS and
council pensions and terms (§3.5). Dissatisfied staff leave faster; transferred-in (TUPE) staff
start with lower mission affinity and so, through satisfaction, leave faster too (§5.4).
"""

from __future__ import annotations

import numpy as np


def monthly_hazard(per_year: float) -> float:
    """Convert an annual probability into the equivalent monthly one."""
    return 1.0 - (1.0 - per_year) ** (1.0 / 12.0)


def leavers(staff, p, rng: np.random.Generator) -> np.ndarray:
    """Rows of staff who leave this month: resignations, plus fixed-term contracts ending."""
    base = monthly_hazard(p["workforce.attrition_per_year"])
    hazard = base * np.exp(p["workforce.dissatisfaction_attrition"] * (0.5 - staff.satisfaction))
    resign = rng.random(staff.size) < hazard
    contract_ends = staff.fixed_term & (staff.tenure >= p["workforce.fixed_term_months"])
    return np.flatnonzero(staff.alive & (resign | contract_ends))


def hires_this_month(vacancies: int, p, rng: np.random.Generator) -> int:
    """How many vacancies are filled this month (§3.5: recruitment is slow)."""
    if vacancies <= 0:
        return 0
    return int(rng.binomial(vacancies, p["workforce.recruitment_fill_per_month"]))


def fixed_term_posts(model, hired: int) -> int:
    """How many of this month's hires fill fixed-term posts: fixed-term posts are re-advertised
    as fixed-term, so the workforce keeps its share of them."""
    staff = model.staff
    wanted = round(model.p["workforce.fixed_term_share"] * model.staff_target)
    have = int(np.count_nonzero(staff.alive & staff.fixed_term))
    return min(hired, max(0, wanted - have))


def turn_over(model) -> None:
    """Age everyone by a month, let people leave, and recruit into vacancies."""
    staff, p, rng = model.staff, model.p, model.rng
    staff.tenure[staff.alive] += 1
    gone = leavers(staff, p, rng)
    model.remove_staff(gone)
    hired = hires_this_month(model.staff_target - staff.count(), p, rng)
    if hired:
        model.add_staff(hired, tupe=False, fixed_term=fixed_term_posts(model, hired))
    model.month_counts["leavers"] = len(gone)
    model.month_counts["hires"] = hired
