"""Contracts and finance: the books, loans, insolvency, staffing and pay (docs/ODD.md §3 step 4).

Every flow of money goes through :meth:`Ledger.post` with a category naming its source (income
and financing) or its use (costs and capital); reserves are nothing but the opening balance plus
the sum of the posted flows, in whole pence, so "to the penny" holds by construction and is
checked by the tests.

Each month: income from contracts (public), grants (public or not, §3.6), trading with the
public and rents (§2.2); costs of pay, the TUPE pension premium (§3.5), overheads, the pipeline
of engagement (§5.4), interest and loan repayments (bank, or social investment at 6–7 %, §3.6).
Bid costs are posted when a bid is made (procurement), acquisitions when one is bought (growth).

The funding side drives three people-side seams: ``staff_target`` follows the work the
contracts need (or, under a leaner model, what the mutual can afford: Case 8); ``workload`` is
the work per member of staff; ``pay_index`` falls in years of pay restraint (§3.5).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from sim.mechanisms.funding.market import Line, grant_rate, to_pence
from sim.mechanisms.governance import decisions
from sim.mechanisms.people import users
from sim.parameter import param

# --- parameters (collected into the registry by sim/params.py) ------------------------

PARAMS = [
    param("finance.pay_per_staff", 31_000.0, "£ per head per year", 5_000.0, 150_000.0,
          source="assumption: UK health and care pay with employer on-costs",
          doc="Average pay cost of a member of staff at pay index 1."),
    param("finance.overhead_share", 0.1, "share of income", 0.0, 0.5,
          source="assumption: premises, IT, management",
          doc="Variable overheads as a share of income."),
    param("finance.fixed_overhead", 40_000.0, "£ per year", 0.0, 5_000_000.0,
          source="§2.5: small organisations 'working to very tight margins'; assumption",
          doc="Fixed central costs (governance, finance, CEO), heavy for small mutuals."),
    param("finance.opening_reserves_months", 3.0, "months of costs", 0.0, 36.0,
          source="§2.5: frameworks require 'financial reserves'; assumption",
          doc="Reserves at month 0."),
    param("finance.trading_share", 0.12, "share of income", 0.0, 0.9,
          source="§2.2 (Case 5: 50 % trading with the public); §2.1 (80 % public on average)",
          doc="Share of month-0 income from trading with the public."),
    param("finance.rent_share", 0.0, "share of income", 0.0, 1.0,
          source="§2.2 Case 11: rents from tenants 95 % of income",
          doc="Share of month-0 income from rents."),
    param("finance.grant_share", 0.06, "share of income", 0.0, 0.5,
          source="§2.2 ('Grants were also important'); §3.6",
          doc="Share of income from grants; new grants arrive to keep about this share."),
    param("finance.grant_public_share", 0.5, "share of grant income", 0.0, 1.0,
          source="§3.6: grants 'mainly from parent LAs'; Lottery, Arts Council, EU",
          doc="Share of grant income from public bodies (counts as public income)."),
    param("finance.grants_per_year", 0.5, "grants per year", 0.0, 12.0,
          source="§3.6; assumption",
          doc="New grants awarded per year (charities get 1.5 × this)."),
    param("finance.grant_years", 2, "years", 1, 10,
          source="Table 3.1 Case 1 (£700k over 2 years), Case 9 (£1m over 4 years)",
          doc="Length of a grant."),
    param("finance.bank_rate", 0.05, "interest per year", 0.0, 0.3,
          source="§3.6: 'cheaper bank loans via their parent LAs'; assumption",
          doc="Interest on bank loans."),
    param("finance.social_investment_rate", 0.065, "interest per year", 0.0, 0.3,
          source="§3.6: 'Big Society Capital at 6%'; 'plus 7% interest rates'",
          doc="Interest on social investment loans, used when no bank will lend."),
    param("finance.bank_access", 0.6, "probability", 0.0, 1.0,
          source="§3.6: 'we're pretty bankable now'; assumption",
          doc="Chance a bank lends when the mutual needs a loan and made a surplus last year; "
              "otherwise social investment."),
    param("finance.loan_years", 5, "years", 1, 30,
          source="assumption",
          doc="Repayment period of a loan (equal monthly principal repayments)."),
    param("finance.max_loan_share", 0.25, "share of annual turnover", 0.0, 2.0,
          source="§3.6 (average investment sought just over £500,000); assumption",
          doc="Most the mutual may owe at once."),
    param("finance.insolvency_months", 3, "months", 1, 24,
          source="docs/ODD.md §3 step 9; assumption",
          doc="Consecutive months with reserves below zero (after any loan) before the mutual "
              "fails and the run stops."),
    param("finance.target_margin", 0.03, "share of income", 0.0, 0.3,
          source="§2.5: 'very tight margins and making little, if any, surplus'",
          doc="Surplus the mutual prices for in bids and aims for in pay decisions."),
    param("finance.pay_restraint_step", 0.02, "pay index per year", 0.0, 0.2,
          source="§3.5: mutuals cannot match NHS/LA terms; assumption",
          doc="Annual fall of the pay index (relative to public-sector pay) in a year of pay "
              "restraint (deficit); the same step back up in a good year."),
    param("finance.productivity_gain_per_year", 0.01, "share per year", 0.0, 0.1,
          source="§2.4 (SEUK 2019: productivity gains since leaving the public sector); §2.5 "
                 "'leaner and a bit more productive'",
          doc="Growth of output per member of staff (fewer staff needed for the same work)."),
    param("finance.redundancy_months", 3.0, "months of pay per redundancy", 0.0, 24.0,
          source="assumption (statutory plus contractual terms)",
          doc="Cost of each redundancy in a leaner restructuring or a decommissioned service."),
# coefficients of the rules above (issue 10: every behavioural constant a parameter)
    param("finance.social_value_active_start", 0.1, "share", 0.0, 1.0,
          source="assumption",
          doc="Active share assumed for social value before the first observation (month 0)."),
    param("finance.social_value_overload", 0.5, "per unit of excess workload", 0.0, 2.0,
          source="§5.4 ('snowed under'); assumption",
          doc="Social value the mutual can evidence × (1 − this × workload above 1)."),
    param("finance.social_value_base", 0.85, "ratio", 0.0, 2.0,
          source="§2.4, §5.4; assumption",
          doc="Social value × (base + active weight × active share)."),
    param("finance.social_value_active", 0.6, "per unit of active share", 0.0, 5.0,
          source="§5.4 (an active workforce evidences social value); assumption",
          doc="See finance.social_value_base."),
    param("finance.loan_buffer_months", 3, "months of costs", 0, 24,
          source="§3.6; assumption",
          doc="A loan covers the hole in reserves plus this many months of running costs (within "
              "the lending limit)."),
    param("finance.pay_floor", 0.6, "ratio to public-sector pay", 0.0, 1.0,
          source="§3.5 (pay restraint); assumption",
          doc="Lowest pay index restraint can reach."),
    param("finance.pay_catch_up_margin", 0.02, "share of income", 0.0, 0.2,
          source="§3.5; assumption",
          doc="Pay catches up only in a year whose margin beats the target by this much."),
    param("finance.charity_grant_boost", 1.5, "multiplier", 0.0, 5.0,
          source="§2.2, §3.6 (charities attract more grants); assumption",
          doc="New grants per year × this for a charity."),
    param("finance.grant_window_months", 2.0, "months", 0.1, 24.0,
          source="§3.6 (grant funding from government, LA, EU and philanthropic sources); "
                 "assumption: a call is open about two months",
          doc="How long a grant call stays open: the decision to apply must be taken within it."),
    param("finance.grant_rivals", 3, "applicants", 0, 50,
          source="assumption: grant calls are competitive",
          doc="Other applicants for each grant call."),
    param("finance.grant_rival_strength", 0.6, "index 0–1", 0.0, 1.0,
          source="assumption",
          doc="Each rival's strength against the mutual's evidenced social value."),
    param("finance.grant_wrong_penalty", 0.5, "ratio", 0.0, 1.0,
          source="assumption: a wrong judgement on whether and how to apply weakens the bid",
          doc="The mutual's strength × this when the decision to apply was wrong."),
    param("finance.grant_application_cost", 3_000.0, "£ per application", 0.0, 100_000.0,
          source="§2.5 (bid costs weigh on small organisations); assumption",
          doc="Cost of writing one grant application."),
    param("finance.wind_down_months", 12, "months", 1, 120,
          source="assumption (a stated rule: the issue's 'a mutual with no viable business')",
          doc="Months in a row with no contract and income for fewer than "
              "finance.wind_down_staff posts after which the board winds the mutual down (the "
              "run records a failure and stops)."),
    param("finance.wind_down_staff", 5.0, "posts", 0.0, 500.0,
          source="assumption (the issue's example: a 3-staff mutual with no contracts trading "
                 "on for years)",
          doc="A mutual with no contract is viable while its income pays for at least this "
              "many posts at a zero margin."),
]

INCOME = ("contracts", "grants_public", "grants_other", "trading", "rents")
COSTS = ("pay", "pension_premium", "overheads", "bid_costs", "engagement", "interest",
         "redundancy", "agency")
# investments paid from reserves: an acquisition, the start-up of a new line (§2.3)
CAPITAL = ("acquisitions", "development")
# appropriations of a surplus already earned (§5.3): they lower reserves, not the operating surplus
DISTRIBUTIONS = ("surplus_to_staff", "surplus_to_users")
FINANCING = ("loan_drawn", "loan_repaid")
CATEGORIES = INCOME + COSTS + CAPITAL + FINANCING + DISTRIBUTIONS
PUBLIC = ("contracts", "grants_public")
# the same memberships as sets, for Ledger.post (about 8 postings a month)
_KNOWN, _INCOME, _PUBLIC, _COSTS = map(frozenset, (CATEGORIES, INCOME, PUBLIC, COSTS))
_NOTHING: dict = {}  # a month with no postings yet (read only)
LINE_CATEGORY = {"trading": "trading", "acquired": "trading", "rent": "rents"}


@dataclass(slots=True)
class Loan:
    """A loan drawn by ``borrow`` (§3.6); ``owed`` falls as it is repaid."""

    owed: float                 # pence
    rate: float                 # interest per year
    instalment: float           # principal repaid per month, pence


class Ledger:
    """Reserves and every flow that changed them, in pence."""

    def __init__(self, opening: int):
        self.opening = opening
        self.balance = opening
        self.entries: list[tuple[int, str, int]] = []   # (month, category, pence)
        self.months: dict[int, Counter] = {}             # month -> category -> pence
        self.balance_at: dict[int, int] = {}             # reserves as observed each month
        self.sums: dict[int, list[int]] = {}             # month -> [income, public, costs]
        self.loans: list[Loan] = []
        self.below_floor = 0
        self.unviable_months = 0   # months with no contract and a trailing deficit

    def post(self, month: int, category: str, pence: int) -> None:
        """One posting: :meth:`post_all` of one line."""
        self.post_all(month, ((category, pence),))

    def post_all(self, month: int, postings) -> None:
        """Post each (category, pence) in turn, in one call: a month's income lines and costs
        (integer pence, so the sums are the same whatever the grouping). An unknown category
        is an error; a zero posting is not recorded; a month's Counter and sums are made at
        its first non-zero posting."""
        by_category = sums = None
        entries, balance = self.entries, self.balance
        for category, pence in postings:
            if category not in _KNOWN:
                raise ValueError(f"unknown ledger category {category!r}")
            pence = int(pence)
            if pence == 0:
                continue
            entries.append((month, category, pence))
            if by_category is None:  # made at the month's first non-zero posting
                if (by_category := self.months.get(month)) is None:
                    by_category = self.months[month] = Counter()
                if (sums := self.sums.get(month)) is None:
                    sums = self.sums[month] = [0, 0, 0]
            by_category[category] = by_category.get(category, 0) + pence
            balance += pence
            if category in _INCOME:
                sums[0] += pence
                if category in _PUBLIC:
                    sums[1] += pence
            elif category in _COSTS:
                sums[2] += pence
        self.balance = balance

    def total(self, categories, first: int, last: int) -> int:
        return sum(self.months.get(m, {}).get(c, 0) for m in range(first, last + 1)
                   for c in categories)

    def trailing(self, first: int, last: int) -> tuple[int, int, int]:
        """(income, public income, costs) over months first..last."""
        income = public = costs = 0
        for m in range(first, last + 1):
            i, p, c = self.sums.get(m, (0, 0, 0))
            income, public, costs = income + i, public + p, costs + c
        return income, public, costs


def post(model, category: str, pence: int) -> None:
    model.funding.ledger.post(model.month, category, pence)


# --- month 0 -----------------------------------------------------------------------------------

def open_books(model) -> Ledger:
    """Opening reserves: ``finance.opening_reserves_months`` of the month-0 costs."""
    months = model.params.finance.opening_reserves_months
    return Ledger(to_pence(months * monthly_costs(model) / 100))


# --- rates -----------------------------------------------------------------------------------

def pay_per_head(model) -> float:
    """Pence per member of staff per month at today's pay index."""
    return model.params.finance.pay_per_staff * model.funding.pay_index * 100 / 12


def head_costs(p, pay_index: float, tupe_share: float, pipeline: float) \
        -> tuple[float, float, float]:
    """What one member of staff costs a month, in pence, as the ledger's categories (pay,
    pension premium, engagement): pay at ``pay_index`` × ``finance.pay_per_staff``, the
    protected pension premium of the share transferred under TUPE (§3.5) and the pipeline
    investment per head (§5.4). The one formula for a head's cost: the books, the staffing the
    income affords, the mutual's bid price and a rival's cost all use it."""
    pay = p.finance.pay_per_staff * pay_index * 100 / 12
    return pay, pay * tupe_share * p.workforce.tupe_pension_premium, pipeline * 100 / 12


def cost_per_head(model, tupe_share: float) -> float:
    """The mutual's cost of one member of staff a month (pence) at today's pay index and
    pipeline investment, with ``tupe_share`` of staff on protected terms."""
    return sum(head_costs(model.params, model.funding.pay_index, tupe_share,
                          model.params.engagement.pipeline_investment))


def tupe_share(staff) -> float:
    """The share of today's staff on TUPE-protected terms (0 with nobody)."""
    head = staff.count()
    return np.count_nonzero(staff.alive & staff.tupe) / head if head else 0.0


def income_rate(model) -> int:
    """Contracted income per month (pence) from everything the mutual holds now."""
    m = model.funding.market
    return sum(c.value for c in m.contracts) // 12 + sum(line_value(model, x)
                                                          for x in m.lines) // 12


def line_value(model, line) -> int:
    """A line's annual value now: rents follow the users present and the charges
    (sim/mechanisms/people/users.py)."""
    if line.kind != "rent":
        return line.value
    return int(line.value * users.income_factor(model, line.kind))


def monthly_costs(model) -> int:
    """Running costs per month (pence) at today's headcount, pay and income."""
    p = model.params
    return int(model.staff.count() * cost_per_head(model, tupe_share(model.staff))
               + agency_posts(model) * pay_per_head(model) * p.workforce.agency_premium
               + p.finance.overhead_share * income_rate(model)
               + p.finance.fixed_overhead * 100 / 12)


def trailing_year(model) -> tuple[int, int, int]:
    """(income, public income, surplus) over the last 12 months, annualised if the run is
    younger; at month 0 the contracted run-rate and no surplus."""
    last = model.month
    if last == 0:
        m = model.funding.market
        public = sum(c.value for c in m.contracts) + sum(x.value for x in m.lines if x.public)
        return income_rate(model) * 12, public, 0
    first = max(1, last - 11)  # shape: the last 12 months
    scale = 12 / (last - first + 1)
    income, public, costs = model.funding.ledger.trailing(first, last)
    return int(income * scale), int(public * scale), int((income + costs) * scale)


def social_value_strength(model) -> float:
    """Social value the mutual can evidence: its strength, lowered by overload and raised by
    an active workforce (§2.4, §5.4)."""
    p = model.params
    start = p.finance.social_value_active_start
    active = model.latest.get("active_share", start) if model.latest else start
    strength = p.organisation.social_value_strength * \
        (1 - p.finance.social_value_overload * max(0.0, model.funding.workload - 1.0)) * \
        (p.finance.social_value_base + p.finance.social_value_active * active)
    return min(1.0, max(0.0, float(strength)))


# --- the month --------------------------------------------------------------------------------

def record_month(model) -> None:
    """Reserves as observed at the end of the month (after a year end's surplus payout)."""
    model.funding.ledger.balance_at[model.month] = model.funding.ledger.balance


def settle_month(model) -> None:
    """Income, costs, loans, grants; then staffing and the insolvency test."""
    receive_income(model)
    pay_costs(model)
    service_loans(model)
    expire_lines(model)
    award_grants(model)
    plan_staffing(model)
    release_surplus_staff(model)
    check_solvency(model)
    if not model.failed:
        wind_down(model)


def receive_income(model) -> None:
    m = model.funding.market
    postings = [("contracts", sum(c.value for c in m.contracts) // 12)]
    for line in m.lines:
        if line.kind == "grant":
            postings.append(("grants_public" if line.public else "grants_other",
                             line.value // 12))
        else:
            postings.append((LINE_CATEGORY[line.kind], line_value(model, line) // 12))
    model.funding.ledger.post_all(model.month, postings)


def pay_costs(model) -> None:
    p, head, month = model.params, model.staff.count(), model.month
    pay, pension, engagement = head_costs(p, model.funding.pay_index, tupe_share(model.staff),
                                          p.engagement.pipeline_investment)
    ledger = model.funding.ledger
    income = ledger.months.get(month, _NOTHING)
    earned = sum(income.get(c, 0) for c in INCOME)
    postings = [
        ("pay", -round(head * pay)),
        ("pension_premium", -round(head * pension)),
        ("overheads", -round(p.finance.overhead_share * earned
                             + p.finance.fixed_overhead * 100 / 12)),
        ("engagement", -round(head * engagement + model.users.count()
                              * p.engagement.users.pipeline_investment * 100 / 12))]
    # vacancies are not free: the work of covered posts is bought from agencies (§3.5;
    # docs/ODD.md §13.7); agency_posts reads no ledger line
    covered = agency_posts(model)
    if covered > 0:
        postings.append(("agency", -round(covered * pay * p.workforce.agency_premium)))
    ledger.post_all(month, postings)


def decide_in_time(model, level: str, window: float, kind: str, counter: str, log_kind: str,
                   missed, **how) -> decisions.Decision | None:
    """A decision against a deadline through the governance procedure (docs/ODD.md §3 step
    2): the decision when it comes in time; otherwise the miss is counted (``counter``),
    logged (``missed(decision)``, under ``log_kind``) and None returned. Tenders, grants and
    growth opportunities all go through it."""
    decision = decisions.decide(model, level, window, kind=kind, **how)
    if decision.in_time:
        return decision
    model.funding.market.count(counter)
    model.log(log_kind, missed(decision))
    return None


def service_loans(model) -> None:
    """Interest and equal principal repayments on each loan."""
    led = model.funding.ledger
    for loan in led.loans:
        post(model, "interest", -round(loan.owed * loan.rate / 12))
        repay = min(loan.owed, loan.instalment)
        post(model, "loan_repaid", -repay)
        loan.owed -= repay
    led.loans = [loan for loan in led.loans if loan.owed > 0]


def borrow(model) -> bool:
    """Draw a loan when reserves are below zero (§3.6): a bank if it will lend (a surplus last
    year and the bank's appetite), otherwise social investment at its higher rate."""
    p, led = model.params, model.funding.ledger
    income, _, surplus = trailing_year(model)
    owed = sum(loan.owed for loan in led.loans)
    room = int(p.finance.max_loan_share * income) - owed
    if room < -led.balance or room <= 0:
        return False  # no lender will cover the hole
    amount = min(room, -led.balance + p.finance.loan_buffer_months * monthly_costs(model))
    bank = surplus > 0 and model.rng.random() < p.finance.bank_access
    rate = p.finance.bank_rate if bank else p.finance.social_investment_rate
    months = 12 * p.finance.loan_years
    led.loans.append(Loan(owed=amount, rate=rate, instalment=-(-amount // months)))
    post(model, "loan_drawn", amount)
    lender = "a bank" if bank else "a social investor"
    model.log("finance", f"borrowed £{amount / 100:,.0f} from {lender} at "
                         f"{100 * rate:.1f} % to cover a shortfall.")
    return True


def check_solvency(model) -> None:
    """Insolvency: reserves below zero (after any loan) for ``finance.insolvency_months``
    months in a row; the run records the failure and stops (docs/ODD.md §3 step 9)."""
    led = model.funding.ledger
    if led.balance >= 0 or borrow(model) and led.balance >= 0:
        led.below_floor = 0
        return
    led.below_floor += 1
    if led.below_floor >= model.params.finance.insolvency_months:
        fail(model, f"insolvent: reserves have been below zero for {led.below_floor} months "
                    f"(£{led.balance / 100:,.0f}); the mutual ceases trading and the run stops.")


def fail(model, text: str) -> None:
    """The mutual fails (insolvency or a wind-down): the run records it and stops."""
    model.failed = True
    model.running = False
    model.log("failure", text)


def expire_lines(model) -> None:
    m = model.funding.market
    m.lines = [x for x in m.lines if x.end is None or x.end > model.month]


def award_grants(model) -> None:
    """Grants are opportunities, not coin flips (§3.6; docs/participation.md). A call opens at
    random; applying is a strategy decision through the procedure (the call closes after
    ``finance.grant_window_months``; a slower decision misses it); an application costs
    ``finance.grant_application_cost`` and competes with ``finance.grant_rivals`` other
    applicants: the mutual wins with chance s / (s + rivals × ``finance.grant_rival_strength``),
    s its evidenced social value, × ``finance.grant_wrong_penalty`` when the decision to
    apply (and how) was wrong. Calls open often enough that at the registry's social-value
    strength the expected grant income stays about ``finance.grant_share`` of income."""
    p, rng, m = model.params, model.rng, model.funding.market
    rate = grant_rate(p)
    rivals, rival = p.finance.grant_rivals, p.finance.grant_rival_strength
    ref = p.organisation.social_value_strength
    reference_chance = ref / (ref + rivals * rival) if rivals and ref + rivals * rival > 0 \
        else 1.0
    if rate <= 0 or rng.random() >= min(1.0, rate / 12 / max(reference_chance, 1e-6)):  # shape: /0
        return
    income, _, _ = trailing_year(model)
    years = p.finance.grant_years
    value = p.finance.grant_share * income / (rate * years)
    if value <= 0:
        return
    d = decide_in_time(model, "strategy", p.finance.grant_window_months, "a grant application",
                       "grants_missed", "grant", lambda d: (
                           f"a grant call closed before the application was agreed (the "
                           f"decision took {d.latency:.1f} months)."))
    if d is None:
        return
    post(model, "bid_costs", -int(round(p.finance.grant_application_cost * 100)))
    strength = social_value_strength(model) * (1.0 if d.correct else
                                               p.finance.grant_wrong_penalty)
    chance = strength / (strength + rivals * rival) if rivals and strength + rivals * rival > 0 \
        else 1.0
    if rng.random() >= chance:
        m.count("grants_lost")
        model.log("grant", f"a grant application of £{value / 100:,.0f} a year lost to "
                           f"{rivals} rival applicant(s).")
        return
    public = bool(rng.random() < p.finance.grant_public_share)
    m.lines.append(Line("grant", int(value), value / 100 / p.procurement.price_per_fte,
                        public, model.month + 12 * years))
    source = "a public body" if public else "a charitable funder"
    model.log("grant", f"grant of £{value / 100:,.0f} a year for {years} years from {source}.")


def wind_down(model) -> None:
    """A mutual with no viable business winds down (a stated rule, docs/participation.md):
    holding no contract, with income that pays for fewer than ``finance.wind_down_staff``
    posts at a zero margin (``affordable_staff``), for ``finance.wind_down_months`` months in
    a row, the board winds it down; the run records the failure and stops."""
    led, m = model.funding.ledger, model.funding.market
    if m.contracts or affordable_staff(model) >= model.params.finance.wind_down_staff:
        led.unviable_months = 0
        return
    led.unviable_months += 1
    if led.unviable_months >= model.params.finance.wind_down_months:
        m.count("wound_down")
        fail(model, f"wound down: no contract, and income for fewer than "
                    f"{model.params.finance.wind_down_staff:g} posts, for {led.unviable_months} "
                    "months; the board closes the mutual and the run stops.")


# --- coupling to the people side --------------------------------------------------------------

def staff_needed(model) -> float:
    return model.funding.market.demand() / model.funding.market.productivity


def affordable_staff(model) -> float:
    """Staff the mutual can pay for at a zero margin, given its income (Case 8: leaner)."""
    p = model.params
    income = income_rate(model)
    per_head = cost_per_head(model, tupe_share(model.staff))
    spare = income * (1 - p.finance.overhead_share) - p.finance.fixed_overhead * 100 / 12
    return max(0.0, spare / per_head)


def writing_hours(model) -> tuple[float, float, float]:
    """(bid team's hours, most hours service delivery gives up, hours committed to bids) this
    month (docs/ODD.md §13.6; procurement.writing_slot)."""
    p, m = model.params, model.funding.market
    head, month = model.staff.count(), model.month
    hours = p.procurement.hours_per_fte_month
    team = p.procurement.bid_team_fte_per_1000_staff * head / 1000 * hours  # shape: per 1,000
    committed = sum(rate for start, until, rate in m.writing if start <= month < until)
    return team, p.procurement.bid_time_max_share * head * hours, committed


def writing_share(model) -> float:
    """Share of the staff's hours taken from service delivery this month to write bids (the
    bid team's own hours first): it adds to the workload (plan_staffing)."""
    head = model.staff.count()
    if head == 0:
        return 0.0
    team, _, committed = writing_hours(model)
    return max(0.0, committed - team) / (head * model.params.procurement.hours_per_fte_month)


def funded_posts(model, needed: float | None = None) -> int:
    """The posts the work funds now (under a leaner model, what income affords: Case 8);
    ``needed``: :func:`staff_needed`, if the caller has it."""
    needed = staff_needed(model) if needed is None else needed
    target = min(needed, affordable_staff(model)) if model.funding.market.lean else needed
    return max(0, int(round(target)))


def agency_posts(model, funded: int | None = None) -> float:
    """Funded posts covered by agency staff now: ``workforce.agency_cover_share`` of the posts
    the work funds that nobody holds, for the share of the work that is contracted public
    service (the mutual must deliver a contract; trading, rents and grants are not covered),
    docs/ODD.md §13.7; §3.5. Read from the work as it is this month, so a contract that has
    just gone leaves no agency bill behind. ``funded``: :func:`funded_posts`, if the caller
    has it."""
    m = model.funding.market
    total = m.demand()  # the work, summed once (staff_needed is the same sum / productivity)
    funded = funded_posts(model, total / m.productivity) if funded is None else funded
    vacant = max(0, funded - model.staff.count())
    if vacant == 0 or total <= 0:
        return 0.0
    contracted = sum(c.demand for c in m.contracts) / total
    return model.params.workforce.agency_cover_share * vacant * contracted


def plan_staffing(model) -> None:
    """Headcount follows the work; workload is the work per member of staff."""
    needed = staff_needed(model)  # and the posts it funds, once (nothing below moves them)
    model.funding.staff_target = funded = funded_posts(model, needed)
    head = model.staff.count()
    # hours taken from service delivery to write bids leave the work to fewer hands
    # (docs/ODD.md §13.6; §2.5 'bid writing is demanding, particularly for smaller organisations')
    delivering = head * (1.0 - writing_share(model))
    # agency staff do the covered posts' work (docs/ODD.md §13.7)
    delivering += agency_posts(model, funded)
    if delivering > 0:
        ratio = needed / delivering
    else:
        ratio = 2.0 if needed > 0 else 1.0  # shape: nobody delivering: full
    # shape: workload is kept within its declared range, 0.5-2
    model.funding.workload = min(2.0, max(0.5, float(model.params.workforce.workload * ratio)))


def make_redundant(model, n: int) -> int:
    """Make ``n`` staff, chosen at random, redundant at ``finance.redundancy_months`` of pay
    each; returns how many went."""
    s = model.staff
    rows = model.rng.permutation(np.flatnonzero(s.alive))[:max(0, n)]
    if len(rows) == 0:
        return 0
    post(model, "redundancy", -round(len(rows) * pay_per_head(model)
                                     * model.params.finance.redundancy_months))
    model.remove_staff(rows)
    model.month_counts["redundancies"] = model.month_counts.get("redundancies", 0) + len(rows)
    return len(rows)


def release_surplus_staff(model) -> None:
    """Staff beyond the funded posts (after a lost contract: those who did not transfer) are
    redeployed into vacancies as they open; once ``workforce.redeployment_months`` have passed
    with more than the slack still unplaced, the rest are made redundant (§3.5)."""
    p = model.params
    keep = model.funding.staff_target * (1 + p.workforce.redeployment_slack)
    excess = model.staff.count() - math.ceil(keep)
    if excess <= 0:
        model.funding.surplus_staff_months = 0
        return
    model.funding.surplus_staff_months += 1
    if model.funding.surplus_staff_months > p.workforce.redeployment_months and \
            p.workforce.redeployment_months < 120:  # shape: 120 means never
        gone = make_redundant(model, excess)
        model.funding.surplus_staff_months = 0
        model.log("people", f"{gone} staff could not be redeployed after "
                            f"{p.workforce.redeployment_months} months and were made "
                            "redundant.")


def year_end(model) -> None:
    """Annual pay decision (§3.5: pay restraint in a deficit, catch-up in a good year) and
    productivity gains (§2.4)."""
    p, m = model.params, model.funding.market
    income, _, surplus = trailing_year(model)
    margin = surplus / income if income > 0 else -1.0
    step = p.finance.pay_restraint_step
    if margin < 0:
        model.funding.pay_index = max(p.finance.pay_floor, model.funding.pay_index - step)
        model.log("pay", f"pay restraint: a deficit of {100 * -margin:.1f} % of income; "
                         f"pay falls to {100 * model.funding.pay_index:.0f} % of public-sector "
                         "rates.")
    elif margin > p.finance.target_margin + p.finance.pay_catch_up_margin and \
            model.funding.pay_index < p.workforce.pay_index:
        model.funding.pay_index = min(p.workforce.pay_index, model.funding.pay_index + step)
    m.productivity *= 1 + p.finance.productivity_gain_per_year
    if p.governance.surplus.source == "ledger":
        model.funding.surplus = surplus / 100   # £: what governance allocates at this year end


def pay_out_surplus(model, allocation: dict[str, float] | None) -> None:
    """Pay the staff and users' shares of governance's surplus allocation out of reserves
    (when the surplus is the ledger's); the board's share stays in reserves."""
    if allocation is None or model.params.governance.surplus.source != "ledger":
        return
    paid = distribute(model, "surplus_to_staff", allocation["pay"] * model.funding.surplus)
    # a bonus staff feel for a year; charges lowered and a community fund (people/users.py)
    users.staff_share_paid(model, paid, pay_per_head(model) * 12 * max(1, model.staff.count()))
    users.spend_users_share(model, allocation["users"] * model.funding.surplus,
                            lambda pounds: distribute(model, "surplus_to_users", pounds))


def distribute(model, category: str, pounds_value: float) -> int:
    """Pay out part of the year's surplus (governance's allocation), never more than the
    reserves hold; returns the pence paid."""
    pence = min(int(round(pounds_value * 100)), max(0, model.funding.ledger.balance))
    post(model, category, -pence)
    return pence
