"""Workforce: attrition, end of fixed-term contracts, recruitment, tenure (docs/ODD.md §3 step 5).

Recruitment fills a share of vacancies each month: mutuals struggle to recruit against NHS and
council pensions and terms, and a good name as an employer eases it (§3.5; the rate is
``service.fill_rate``, docs/ODD.md §13), up to the recruiting its managers can run, which grows
with its headcount (``recruitment_capacity``, docs/ODD.md §13.8). Dissatisfied staff leave
faster and staff who feel ownership stay longer (§3.5, §5.5); transferred-in (TUPE) staff
start with lower mission affinity and so, through satisfaction and ownership, leave faster too
(§5.4).
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms.people import kernels, service
from sim.parameter import param

# --- parameters (collected into the registry by sim/params.py) ------------------------

PARAMS = [
    # --- workforce ---------------------------------------------------------------------
    param("workforce.attrition_per_year", 0.14, "share per year", 0.0, 0.6,
          source="assumption: UK health and social care staff turnover of roughly 10–20 % a year; "
                 "§3.5 (recruiting and retaining staff a 'major challenge')",
          doc="Baseline voluntary leaving rate of satisfied staff (before dissatisfaction)."),
    param("workforce.dissatisfaction_attrition", 2.5, "log-hazard per unit", 0.0, 8.0,
          source="assumption: dissatisfied staff leave faster (§5.4 'either moved on or accepted')",
          doc="Leaving hazard is multiplied by exp(k × (0.5 − satisfaction))."),
    param("workforce.fixed_term_share", 0.15, "share of posts", 0.0, 0.8,
          source="§5.4 (staff 'on part-time or fixed term insecure contracts'); assumption for "
                 "the share",
          doc="Share of posts that are fixed-term; a fixed-term post is re-advertised as such."),
    param("workforce.fixed_term_months", 12, "months", 3, 60,
          source="assumption",
          doc="Length of a fixed-term contract; it ends (and the post is re-advertised) then."),
    param("workforce.part_time_share", 0.3, "share", 0.0, 0.9,
          source="§5.4 Case 7 (part-time staff hard to involve); assumption for the share",
          doc="Share of staff working part time; they have less spare capacity to engage."),
    param("workforce.recruitment_fill_per_month", 0.35, "share of vacancies per month",
          0.01, 1.0,
          source="§3.5: recruiting skilled staff is hard against NHS/LA pensions "
                 "(Cases 1, 2, 6, 10); "
                 "assumption for the rate",
          doc="Share of open vacancies filled each month."),
    param("workforce.redeployment_months", 3, "months", 0, 120,
          source="§3.5 (staff who do not transfer are 'recruited or redeployed'); UK collective "
                 "consultation of 45 days before 20+ redundancies; assumption for the length",
          doc="Months the mutual carries staff beyond the posts its work funds (after a lost "
              "contract), redeploying them into vacancies as they open, before it makes the rest "
              "redundant. 120 = never (they leave only by attrition)."),
    param("workforce.redeployment_slack", 0.05, "share of funded posts", 0.0, 1.0,
          source="assumption",
          doc="Staff above the funded posts the mutual carries indefinitely (cover and "
              "turnover); only the excess beyond this is released."),
    param("workforce.tupe_share", 0.3, "share", 0.0, 1.0,
          source="§3.5, §5.4 Case 3 (staff 'TUPE'd in, who didn't want to come')",
          doc="Share of the starting workforce just transferred in under TUPE (from the spin-out "
              "or a newly won contract); the rest were recruited by the mutual."),
    param("workforce.tupe_affinity_gap", 0.25, "affinity points", 0.0, 0.8,
          source="§5.4 Case 3; assumption for the size",
          doc="How much lower transferred-in staff's mission affinity starts than recruits'."),
    param("workforce.tupe_acceptance_per_year", 0.3, "per year (exponential rate)", 0.0, 3.0,
          source="§5.4 Case 4: older-generation staff 'have either moved on or have accepted'",
          doc="Rate at which transferred-in staff regain the affinity lost to the transfer "
              "(0.3: about a quarter of the gap closes each year)."),
    param("workforce.workload", 1.0, "ratio of work to capacity", 0.5, 2.0,
          source="§5.4: projects 'lost momentum ... everyone's snowed under with work'",
          doc="Workload signal (1 = normal). A constant here; the funding side will drive it "
              "from contracts per staff member."),
    param("workforce.pay_index", 1.0, "ratio to public-sector pay", 0.6, 1.4,
          source="§3.5: mutuals cannot match NHS/LA pensions and terms",
          doc="Pay and conditions relative to the public-sector comparator; feeds satisfaction. "
              "A constant here; the funding side will drive it."),
    param("workforce.tupe_pension_premium", 0.12, "share of pay", 0.0, 0.4,
          source="§3.5: TUPE'd staff keep 'NHS pensions and terms and conditions'; assumption: "
                 "NHS/LGPS employer rates of ~20 % against ~5–8 % for recruits",
          doc="Extra cost of a transferred-in member of staff (protected pension and terms)."),
    param("workforce.recruitment_capacity_per_month", 1.0, "hires a month per member of staff",
          0.005, 1.0,
          source="§3.5: recruiting skilled staff 'a major challenge ... potentially jeopardising "
                 "the delivery of contracts'; assumption for the rate (the recruiting that "
                 "managers and HR can run grows with the organisation; a tender's size does not)",
          doc="Most vacancies filled in a month, as a share of today's headcount (at least one "
              "hire): a contract as large as the organisation itself takes months to staff "
              "(docs/ODD.md §13.8). 1 (the default) never binds in practice: the measured "
              "value 0.05 makes small mutuals more fragile but broke Figure 5.1's Stewardship "
              "mode 2, so it is not the default yet (§13.8)."),
    param("workforce.agency_cover_share", 0.5, "share of vacant funded posts", 0.0, 1.0,
          source="§3.5: recruiting and retaining skilled staff 'a major challenge ... "
                 "potentially jeopardising the delivery of contracts'; assumption for the share "
                 "(the seed names no agency or locum figure)",
          doc="Share of the funded posts left vacant whose work is covered by agency or bank "
              "staff: it is delivered (the workload falls) and paid for at the agency rate; "
              "the rest is left undone (docs/ODD.md §13.7)."),
    param("workforce.agency_premium", 1.5, "× a recruit's pay", 1.0, 3.0,
          source="assumption: NHS England's agency price caps allow rates up to 55 % above "
                 "substantive pay; the seed gives no figure",
          doc="Cost of a post covered by agency staff per month, as a multiple of a recruit's "
              "pay (no pension premium, no pipeline spend)."),
    param("workforce.ownership_retention", 1.5, "log-hazard per unit ownership", 0.0, 8.0,
          source="§3.5 ('just being a nice place to work'), §5.5 (belonging and 'buy-in'); "
                 "assumption for the size",
          doc="Leaving hazard × exp(−k·(ownership − 0.5)) per person."),
]


def monthly_hazard(per_year: float) -> float:
    """Convert an annual probability into the equivalent monthly one."""
    return 1.0 - (1.0 - per_year) ** (1.0 / 12.0)


def leavers(staff, p, rng: np.random.Generator) -> np.ndarray:
    """Rows of staff who leave this month: resignations, plus fixed-term contracts ending."""
    base = monthly_hazard(p.workforce.attrition_per_year)
    if kernels.ENABLED:  # the same arithmetic, numpy's exp between two passes (kernels.py)
        e = np.empty(staff.size)
        kernels.resignation_argument(staff.satisfaction, staff.ownership,
                                     float(p.workforce.dissatisfaction_attrition),
                                     float(p.workforce.ownership_retention), e)
        np.exp(e, out=e)
        return kernels.staff_leavers(staff.alive, rng.random(staff.size), e, float(base),
                                     staff.fixed_term, staff.tenure,
                                     float(p.workforce.fixed_term_months))
    hazard = base * np.exp(p.workforce.dissatisfaction_attrition * (0.5 - staff.satisfaction)
                           - p.workforce.ownership_retention * (staff.ownership - 0.5))
    resign = rng.random(staff.size) < hazard
    contract_ends = staff.fixed_term & (staff.tenure >= p.workforce.fixed_term_months)
    return np.flatnonzero(staff.alive & (resign | contract_ends))


def hires_this_month(vacancies: int, fill: float, rng: np.random.Generator) -> int:
    """How many vacancies are filled this month at fill rate ``fill`` (§3.5: recruitment is
    slow)."""
    if vacancies <= 0:
        return 0
    return int(rng.binomial(vacancies, fill))


def recruitment_capacity(head: int, p) -> int:
    """Most hires a month the organisation can run (at least one): its managers and HR grow
    with it, the vacancies a won contract brings do not (§3.5; docs/ODD.md §13.8)."""
    return max(1, int(p.workforce.recruitment_capacity_per_month * head))


def fixed_term_posts(model, hired: int) -> int:
    """How many of this month's hires fill fixed-term posts: fixed-term posts are re-advertised
    as fixed-term, so the workforce keeps its share of them."""
    staff = model.staff
    wanted = round(model.params.workforce.fixed_term_share * model.funding.staff_target)
    have = int(np.count_nonzero(staff.alive & staff.fixed_term))
    return min(hired, max(0, wanted - have))


def turn_over(model) -> None:
    """Age everyone by a month, let people leave, and recruit into vacancies."""
    staff, p, rng = model.staff, model.params, model.rng
    np.add(staff.tenure, staff.alive, out=staff.tenure)  # a month more for the present
    gone = leavers(staff, p, rng)
    model.remove_staff(gone)
    hired = hires_this_month(model.funding.staff_target - staff.count(),
                             service.fill_rate(model), rng)
    # managers and HR can run only so many recruitments a month (docs/ODD.md §13.8)
    hired = min(hired, recruitment_capacity(staff.count(), p))
    if hired:
        model.add_staff(hired, tupe=False, fixed_term=fixed_term_posts(model, hired))
    model.month_counts["leavers"] = len(gone)
    model.month_counts["hires"] = hired
