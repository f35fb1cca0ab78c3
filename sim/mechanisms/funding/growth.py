"""Growth and contraction (docs/ODD.md §3 step 9; §3.1-§3.5, Table 3.1).

- **Geographic expansion** (§3.3): the mutual bids in a region it does not serve only if it
  wants to — an appetite that needs a track record and partners, is lower for a CBS anchored in
  community ownership, and rises for two years after the core contract is lost ('a driving
  factor ... has been the loss of core contracts').
- **Diversification** into related services and trading with the public (§3.3, Case 5):
  opportunities come with innovation, ideas from engaged staff who are heard (§2.3,
  ``service.diversification_chance``); the strategy decision's judgement decides whether the
  new line pays (``growth.diversification_margin``) or loses money
  (``growth.misjudged_margin``) and is closed after a year; either way it costs
  ``growth.diversification_setup`` × its annual income to start (docs/ODD.md §13).
- **Acquisitions** of profitable businesses funded from reserves (Case 4).
- **A leaner model** under contraction (Case 8): staff only what income pays for, with
  redundancies, until the margin recovers.

Each growth decision is an opportunity with a window (``growth.decision_window_months``);
a strategy decision slower than that misses it (the governance seam,
``model.governance.decision_latency["strategy"]``).
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms.funding import commissioning, finance
from sim.mechanisms.funding.market import Contract, Line, open_teams, pounds
from sim.mechanisms.people import service
from sim.parameter import param

# --- parameters (collected into the registry by sim/params.py) ------------------------

PARAMS = [
    param("growth.expansion_appetite", 0.9, "probability", 0.0, 1.0,
          source="§3.3: two thirds of the cases (7 of the 8 that are not CBSs) had expanded beyond "
                 "their home territories",
          doc="Chance the mutual considers a tender in a region it does not yet serve, at full "
              "track record and partners."),
    param("growth.partners", 0.5, "index 0–1", 0.0, 1.0,
          source="§3.3: success 'dependent on ... prior track records and ... partnerships'",
          doc="Strength of the mutual's partnerships with other providers."),
    param("growth.cbs_anchoring", 0.3, "multiplier", 0.0, 1.0,
          source="§3.3: expansion 'less evident amongst the four Community Benefit Society "
                 "cases', 'anchored by strong community ownership structures'",
          doc="Expansion appetite of a CBS relative to other forms."),
    param("growth.diversification_per_year", 0.15, "probability per year", 0.0, 1.0,
          source="§3.1: over half had diversified into new markets (SEUK 2021)",
          doc="Chance per year of starting a related service or trading line (doubled after "
              "losing the core contract)."),
    param("growth.diversification_size", 0.03, "share of turnover", 0.0, 0.5,
          source="assumption",
          doc="Size of a new trading line relative to turnover."),
    param("growth.acquisition_per_year", 0.1, "probability per year", 0.0, 1.0,
          source="§3.1: 'Around 1 in 7 had acquired another organisation' (SEUK 2021); Case 4",
          doc="Chance per year of acquiring a business when reserves allow."),
    param("growth.acquisition_reserve_months", 6.0, "months of costs", 0.0, 60.0,
          source="§3.3 Case 4: acquisitions 'funded by accumulated reserves'",
          doc="Reserves the mutual must keep after paying for an acquisition."),
    param("growth.acquisition_size", 0.05, "share of turnover", 0.0, 1.0,
          source="assumption",
          doc="Turnover of an acquired business relative to the mutual's."),
    param("growth.acquired_margin", 0.12, "share of its income", 0.0, 0.5,
          source="§3.3 Case 4: 'profitable subsidiaries ... where profit margins are significant'",
          doc="Profit margin of an acquired business (it needs fewer staff per £)."),
    param("growth.acquisition_price_multiple", 5.0, "× annual profit", 0.0, 20.0,
          source="assumption: a small private health business",
          doc="Price of an acquisition."),
    param("growth.lean_trigger", -0.02, "surplus margin", -0.5, 0.2,
          source="Table 3.1 Case 8: 'Plan to be leaner ... with fewer employees'",
          doc="Below this trailing-year margin the mutual adopts a leaner model: it staffs to "
              "what it can afford and makes redundancies."),
    param("growth.decision_window_months", 3, "months", 1, 24,
          source="docs/ODD.md §3 step 2; assumption",
          doc="How long an acquisition or diversification opportunity stays open; a slower "
              "strategy decision misses it."),
    param("growth.diversification_margin", 0.1, "share of its income", -0.5, 0.5,
          source="§2.3 (Case 5's garden centre 'operated successfully'); assumption",
          doc="Margin of a diversification the strategy decision judged right."),
    param("growth.misjudged_margin", -0.2, "share of its income", -1.0, 0.5,
          source="§2.3 ('with innovation comes risk'); assumption",
          doc="Margin of a diversification judged wrongly; the mutual closes it after a year."),
    param("growth.diversification_setup", 0.3, "× its annual income", 0.0, 3.0,
          source="§2.3 (innovations 'funded from their own retained surplus'); assumption",
          doc="One-off cost of starting a diversification, paid from reserves."),
# coefficients of the rules above (issue 10: every behavioural constant a parameter)
    param("growth.track_record_weight", 0.7, "share", 0.0, 1.0,
          source="§3.3 (expansion needs a track record); assumption",
          doc="Expansion appetite × (1 − w + w × track record)."),
    param("growth.loss_boost", 2.0, "multiplier", 1.0, 10.0,
          source="§3.3 ('a driving factor ... has been the loss of core contracts'); assumption",
          doc="Expansion appetite (for growth.loss_boost_months) and the diversification chance ×"
              " this after the core contract is lost."),
    param("growth.loss_boost_months", 24, "months", 0, 120,
          source="§3.3; assumption",
          doc="How long losing the core contract drives expansion."),
    param("growth.track_record_per_year", 0.05, "share of the gap", 0.0, 1.0,
          source="assumption",
          doc="Share of the gap to a perfect track record closed by each year of delivery."),
    param("growth.lean_excess_share", 0.05, "share of headcount", 0.0, 1.0,
          source="Case 8 (a leaner model); assumption",
          doc="Under a leaner model, redundancies are made when staff exceed what income pays for"
              " by more than this share."),
    param("growth.acquisition_min_staff", 5.0, "posts", 0.0, 500.0,
          source="SEUK 2021 (§3.1: about 1 in 7 mutuals acquired another organisation); "
                 "assumption for the floor",
          doc="Smallest business (in staff posts) that counts as an acquisition opportunity."),
    param("growth.acquisition_rivals", 1, "buyers", 0, 20,
          source="assumption: a profitable business attracts other buyers",
          doc="Other buyers for each business; the mutual wins with chance 1 / (1 + rivals)."),
    param("growth.related_service_share", 0.1, "share of the host contract", 0.0, 0.5,
          source="T2.1 Case 7 ('Some diversification into closely related public services'), "
                 "T3.1 ('e.g. children on the edge of education, asylum seekers'), §2.3 (ideas "
                 "'scaled up ... in their commissioned services'), §3.3 ('joining up' related "
                 "services); assumption for the size, chosen before measuring: the 10 % of a "
                 "services contract's initial value up to which the Public Contracts "
                 "Regulations 2015 (reg. 72(5)) allow a modification without a new procurement",
          doc="Size of a related public service commissioned from an idea judged right, as a "
              "share of the annual value and posts of the commissioner's largest contract held "
              "by the mutual (its unit price); docs/ODD.md §13.16."),
]


def will_bid_in(model, region: int) -> bool:
    """Will the mutual bid for work in this region? Always where it already works."""
    m, p = model.funding.market, model.params
    if region == 0 or any(c.region == region for c in m.contracts):
        return True
    appetite = p.growth.expansion_appetite * \
        (1 - p.growth.track_record_weight + p.growth.track_record_weight * m.track_record) * \
        (0.5 + 0.5 * p.growth.partners)
    if p.organisation.legal_form == "cbs":
        appetite *= p.growth.cbs_anchoring
    if model.month <= m.expansion_boost_until:
        appetite *= p.growth.loss_boost
    return bool(model.rng.random() < min(1.0, appetite))


def year_end(model, room) -> None:
    """Step 9 once a year. ``room``: the mutual's room to mobilise new posts now
    (``procurement.mobilisation_room``, docs/ODD.md §13.9), passed in because procurement sits
    above this module (it asks ``will_bid_in``)."""
    m = model.funding.market
    if m.contracts:
        m.track_record += model.params.growth.track_record_per_year * (1 - m.track_record)
    leaner_or_not(model)
    diversify(model, room)
    acquire(model)


def _too_slow(model, what: str) -> bool:
    """A growth opportunity is a strategy decision (§5.2); slower than its window, it is
    missed."""
    return _growth_decision(model, what) is None


def _growth_decision(model, what: str):
    return finance.decide_in_time(
        model, "strategy", model.params.growth.decision_window_months, what, "growth_missed",
        "decision", lambda d: f"{what} opportunity missed: the decision took "
                              f"{d.latency:.1f} months.")


def diversify(model, room) -> None:
    """A related public service or a trading line (§3.3, §2.3); more likely with innovation
    and after losing the core. An idea judged right goes first to the mutual's own
    commissioner as a related public service (``related_service``, docs/ODD.md §13.16); if
    that commissioner does not commission it, or the mutual cannot mobilise it, it becomes a
    trading line with the public, which pays if the decision was right and loses money if not."""
    p, m = model.params, model.funding.market
    base = p.growth.diversification_per_year * (p.growth.loss_boost if m.core_lost else 1)
    if model.rng.random() >= service.diversification_chance(model, base):
        return
    decision = _growth_decision(model, "a diversification")
    if decision is None:
        return
    if model.funding.ledger.balance < finance.monthly_costs(model):
        return   # no reserves to risk
    offered = ""
    if decision.correct:
        commissioned, offered = related_service(model, room)
        if commissioned:
            return
    income, _, _ = finance.trailing_year(model)
    value = p.growth.diversification_size * income
    setup = round(p.growth.diversification_setup * value)
    margin = p.growth.diversification_margin if decision.correct \
        else p.growth.misjudged_margin
    staff_cost = 12 * finance.cost_per_head(model, 0.0)   # new staff, on the mutual's terms
    demand = value * max(0.0, 1 - margin - p.finance.overhead_share) / staff_cost
    finance.post(model, "development", -setup)
    m.lines.append(Line("trading", int(value), demand * m.productivity,
                        end=None if decision.correct else model.month + 12))
    m.count("diversifications")
    fate = "" if decision.correct else \
        "; the judgement was wrong: it will lose money and close within a year"
    if not decision.correct:
        m.count("diversifications_failed")
    model.log("growth", f"diversified into a related service trading with the public "
                        f"(£{pounds(value):,.0f} a year, £{pounds(setup):,.0f} to start)"
                        f"{offered}{fate}.")


def related_service(model, room) -> tuple[bool, str]:
    """Take an idea judged right to the mutual's own commissioner (docs/ODD.md §13.16; §2.3
    'scaled up ... in their commissioned services', T2.1 Case 7): a variation of
    ``growth.related_service_share`` of its largest contract held (value and posts), taken on
    only within the room to mobilise (``room(model)``, §13.9) and commissioned with
    ``commissioning.related_service_chance``. Commissioned, it is a new contract like any
    other, its pilot paid from reserves; returns (True, "") then, else (False, the words the
    trading line's log line adds)."""
    p, m = model.params, model.funding.market
    host = commissioning.related_service_host(model)
    if host is None:
        return False, ""
    c, share = host.commissioner, p.growth.related_service_share
    value, demand = int(share * host.value), share * host.demand
    if value <= 0 or demand <= 0:
        return False, ""
    if demand > room(model):
        m.count("related_no_room")
        return False, (f", not as a public service for {c.name}: its {demand:.1f} posts are "
                       "more than the mutual can mobilise now")
    chance = commissioning.related_service_chance(model, c)
    if chance <= 0 or model.rng.random() >= chance:   # no draw at 0: off is the model before
        m.count("related_refused")
        return False, f", after {c.name} did not commission it as a related public service"
    setup = round(p.growth.diversification_setup * value)
    finance.post(model, "development", -setup)
    k = Contract(m.new_id(), c, host.region, value, demand, start=model.month,
                 end=model.month + 12 * p.procurement.contract_years,
                 extensions_left=12 * p.procurement.extension_years, statutory=False)
    m.mobilised.append((model.month, k.demand, k))   # procurement.mobilisation_room
    k.teams = open_teams(model, max(1, round(k.demand)), k.region)
    m.contracts.append(k)
    m.count("related_services")
    model.log("growth", f"{c.name} commissioned a related public service from an idea of the "
                        f"mutual's staff, beside its {host.label.split(' with ')[0]} "
                        f"(£{pounds(value):,.0f} a year, {demand:.1f} posts to recruit; "
                        f"£{pounds(setup):,.0f} to pilot from reserves).")
    return True, ""


def acquire(model) -> None:
    """Buy a profitable business from reserves (Case 4); its staff join the mutual. A business
    smaller than ``growth.acquisition_min_staff`` posts is no opportunity (the size floor);
    the sale is contested: after the decision, the mutual wins against
    ``growth.acquisition_rivals`` other buyers with chance 1 / (1 + rivals)."""
    p, m = model.params, model.funding.market
    if model.rng.random() >= p.growth.acquisition_per_year:
        return
    income, _, _ = finance.trailing_year(model)
    value = p.growth.acquisition_size * income
    margin = p.growth.acquired_margin
    price = round(p.growth.acquisition_price_multiple * margin * value)
    keep = p.growth.acquisition_reserve_months * finance.monthly_costs(model)
    staff_cost = 12 * finance.cost_per_head(model, 0.0)   # new staff, on the mutual's terms
    demand = value * max(0.0, 1 - margin - p.finance.overhead_share) / staff_cost
    if value <= 0 or demand < p.growth.acquisition_min_staff:
        return   # below the size floor: nothing worth buying
    if model.funding.ledger.balance - price < keep or _too_slow(model, "an acquisition"):
        return
    if model.rng.random() >= 1.0 / (1.0 + p.growth.acquisition_rivals):
        m.count("acquisitions_lost")
        model.log("growth", f"outbid for a business of £{pounds(value):,.0f} a year by "
                            f"another buyer.")
        return
    finance.post(model, "acquisitions", -price)
    m.lines.append(Line("acquired", int(value), demand * m.productivity))
    n = int(round(demand))
    if n:
        model.add_staff(n, tupe=False, teams=np.resize(open_teams(model, n, 0), n))
    m.count("acquisitions")
    model.log("growth", f"acquired a profitable business for £{pounds(price):,.0f} from "
                        f"reserves (£{pounds(value):,.0f} a year turnover, {n} staff).")


def leaner_or_not(model) -> None:
    """Case 8: under a deficit, adopt a leaner model and make redundancies."""
    p, m = model.params, model.funding.market
    income, _, surplus = finance.trailing_year(model)
    margin = surplus / income if income > 0 else -1.0
    if not m.lean and margin < p.growth.lean_trigger:
        m.lean = True
        model.log("growth", f"a deficit of {100 * -margin:.1f} % of income: the mutual "
                            "adopts a leaner model with fewer employees.")
    elif m.lean and margin > p.finance.target_margin:
        m.lean = False
    if not m.lean:
        return
    head = model.staff.count()
    afford = int(finance.affordable_staff(model))
    excess = head - afford
    if excess > p.growth.lean_excess_share * head:
        gone = finance.make_redundant(model, excess)
        model.log("growth", f"{gone} redundancies to bring costs within income.")

