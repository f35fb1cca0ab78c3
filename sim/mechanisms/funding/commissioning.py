"""The environment: commissioners' budgets, officers, contract expiries, new tenders
(docs/ODD.md §3 step 1; §2.2, §2.5).

Each month officers churn ("four commissioners in the last three years", §2.5) and a new
officer starts from "ground zero" with the mutual; relationship capital grows while the mutual
works for them. Contracts can be withdrawn early (Case 1, after 9 months). At expiry the
commissioner brings the service in house (Case 10), decommissions it, extends it ("plus one";
more often when the team lacks capacity to re-tender) or re-tenders it, often bundled with
other services into a bigger lot (§2.5 consolidation). Small providers are exposed more to
withdrawal and non-renewal by risk-averse commissioners (§2.2: Cases 1 and 10, both small).
Once a year budgets move (austerity trend and shocks) and every contract takes the efficiency
demand (1–3 %, §2.5), partly met by cutting the specification. The service the mutual's staff
deliver counts: a commissioner extends a good service more readily and brings a poor one in
house, decommissions or withdraws it more readily (``service.commissioner_regard``,
docs/ODD.md §13).
"""

from __future__ import annotations

import math

from sim.clock import is_year_end
from sim.mechanisms.funding import finance
from sim.mechanisms.funding.market import Contract, Tender, end_contract, to_pence
from sim.mechanisms.people import service
from sim.parameter import param

# --- parameters (collected into the registry by sim/params.py) ------------------------

PARAMS = [
    param("commissioning.regions", 5, "regions", 1, 30,
          source="§3.3 (contracts won in 'other regions'); assumption for the count",
          doc="Regions in the market: home plus neighbours, each with a council and an NHS "
              "commissioner."),
    param("commissioning.budget_index", 1.0, "ratio to today's budget", 0.0, 2.0,
          source="§2.5 (a decade of austerity); 0 means no public money at all",
          doc="Commissioners' budgets at month 0 relative to the cost of today's services; "
              "scales the value of contracts, re-tenders and new tenders."),
    param("commissioning.budget_trend_per_year", -0.01, "share per year", -0.2, 0.2,
          source="§2.5: 'considerable spending cuts over the last decade'; assumption for the rate",
          doc="Drift of each commissioner's budget per year (negative: austerity)."),
    param("commissioning.budget_shock_per_year", 0.1, "probability per year", 0.0, 1.0,
          source="§2.2 Case 10 (budget cut by two thirds); Case 8 (arts funding under review)",
          doc="Chance per year that a commissioner's budget takes a sudden cut."),
    param("commissioning.budget_shock_size", 0.15, "share of budget", 0.0, 1.0,
          source="§2.2 Case 10; assumption for the typical size",
          doc="Size of a budget shock (share of the budget cut at once)."),
    param("commissioning.officer_churn_per_year", 0.7, "officer changes per year", 0.0, 12.0,
          source="§2.5: 'four commissioners in the last three years' (Case 5); five in two years "
                 "(Case 3)",
          doc="Expected changes of the commissioning officer per year (monthly chance = rate/12; "
              "12 = a new officer every month). A new officer resets relationship capital."),
    param("commissioning.relationship_build_per_year", 0.6, "per year (exponential rate)",
          0.0, 6.0,
          source="§2.5: 'We needed time to build relationships ... it really helps if they know "
                 "you'",
          doc="Rate at which relationship capital with an officer grows while the mutual works "
              "for them (0.6: about half the way to full in a year)."),
    param("commissioning.team_capacity", 0.5, "index 0–1", 0.05, 1.0,
          source="§2.5: 'where there was a team of sixty there is now six'",
          doc="Capacity of commissioning teams. Low capacity means more single-year extensions "
              "instead of re-tendering, bigger consolidated lots and shorter bid windows."),
    param("commissioning.risk_aversion", 0.5, "index 0–1", 0.0, 1.0,
          source="§2.5: 'many commissioners were risk averse and narrowly focused on compliance'",
          doc="How much more readily commissioners drop small providers (withdrawal, "
              "non-renewal, in-housing)."),
    param("commissioning.size_reference", 10_000_000.0, "£ turnover", 100_000.0, 1e9,
          source="§2.2: the two smaller cases that lost contracts (1, 10) lost them without "
                 "re-tender; Case 8 was 'at risk' (§3.2); the size: assumption",
          doc="Turnover above which a provider counts as fully 'safe' to a risk-averse "
              "commissioner; smaller providers face proportionally (square root) higher "
              "withdrawal and non-renewal risk, up to 3×."),
    param("commissioning.lot_consolidation", 1.0, "services per lot", 1.0, 5.0,
          source="§2.5: 'the policy of consolidation of multiple contracts into a single "
                 "contract'; the 'missing middle'",
          doc="How many services a commissioner bundles into one tendered lot (1 = none)."),
    param("commissioning.capacity_consolidation", 0.5, "extra services per lot at zero capacity",
          0.0, 3.0,
          source="§2.5: consolidation 'driven, in part, by the reduction of commissioner numbers'",
          doc="Lots grow by this × (1 − team capacity) on top of lot_consolidation."),
    param("commissioning.framework_share", 0.25, "share of tenders", 0.0, 1.0,
          source="§2.5: 'getting included in commissioning frameworks ... often requires' a "
                 "minimum turnover",
          doc="Share of tenders let through a framework with a turnover entry rule."),
    param("commissioning.framework_turnover_multiple", 2.0, "× annual lot value", 0.0, 10.0,
          source="§2.5: 'their turnover was double the size of the contract'",
          doc="Framework entry rule: a bidder's turnover must be at least k × the lot's annual "
              "value (a consortium pools turnover)."),
    param("commissioning.framework_reserve_months", 3.0, "months of the bidder's part of the "
          "lot's value", 0.0, 24.0,
          source="§2.5: 'getting included in commissioning frameworks of approved contractors "
                 "often requires mutuals to show that they have financial reserves and a "
                 "specific minimum turnover'; assumption for the size, chosen before measuring: "
                 "reserves to carry its part of the service for a quarter (docs/ODD.md §13.13)",
          doc="Framework entry rule beside the turnover rule: a bidder's reserves, net of what "
              "it owes on loans, must be at least this many months of its part of the lot's "
              "annual value (its share in a consortium; each partner shows its own). 0 = no "
              "reserves rule."),
    param("commissioning.extension_propensity", 0.5, "probability at expiry", 0.0, 1.0,
          source="§2.2: half of SEUK respondents still on original contracts, the rest after "
                 "extension or re-tender; §2.5 'plus one'",
          doc="Base chance that an expiring contract with an extension option is extended; "
              "higher with relationship capital and when the team lacks capacity to re-tender."),
    param("commissioning.in_house_propensity", 0.03, "probability at expiry", 0.0, 1.0,
          source="§2.2 Case 10 ('effectively brought back in house')",
          doc="Base chance a council brings an expiring service back in house (or to its trading "
              "company); scaled up for small providers."),
    param("commissioning.withdrawal_at_expiry", 0.03, "probability at expiry", 0.0, 1.0,
          source="§2.2 (Case 8 arts funding under review; 'not being renewed without ... "
                 "re-tendering')",
          doc="Base chance an expiring service is decommissioned; higher after budget cuts and "
              "for small providers."),
    param("commissioning.early_withdrawal_per_year", 0.01, "probability per contract-year",
          0.0, 1.0,
          source="§2.2 Case 1: contract 'withdrawn by LA after 9 months' with 'no explanation'",
          doc="Base chance per year that a commissioner ends a contract early; higher after budget "
              "cuts and for small providers."),
    param("commissioning.statutory_share", 0.5, "probability", 0.0, 1.0,
          source="§3.2: Cases 8 and 10 'dependent on vulnerable (non-statutory) LA funding', "
                 "Case 6's 'statutory, big budget' services (§4.1, T2.1); assumption for the "
                 "share, chosen before measuring",
          doc="Chance that a contract of the month-0 portfolio other than the core, or a new "
              "service put out to tender, is a statutory duty of its commissioner: at expiry "
              "it is extended, re-tendered or taken in house, never decommissioned "
              "(commissioning.withdrawal_at_expiry applies only to non-statutory services; "
              "docs/ODD.md §13.11). A re-tendered service keeps its kind."),
    param("commissioning.home_tenders_per_year", 1.5, "tenders per year", 0.0, 24.0,
          source="§2.2, §3.3 (portfolios of contracts); assumption for the rate",
          doc="New tender opportunities in the mutual's service areas in its home region."),
    param("commissioning.other_tenders_per_year", 4.0, "tenders per year", 0.0, 48.0,
          source="§3.3 (contracts won 'in other regions'); assumption for the rate",
          doc="New tender opportunities in the other regions together."),
    param("commissioning.budget_spec_share", 0.5, "elasticity", 0.0, 1.0,
          source="§2.5 Case 4 ('one way we could do it would be to stop this element of the "
                 "service'); assumption: half of a budget cut is met by buying less",
          doc="A tender's service (staff it needs) scales with budget^s, so its price per "
              "staff-year scales with budget^(1 − s): 0 = the same service for less money, 1 = "
              "less service at the same unit price."),
    param("commissioning.tupe_funding", 0.5, "share of the TUPE premium", 0.0, 1.0,
          source="§3.5: 'there are examples of contracts being worth less than [their] TUPE "
                 "implications ... some contracts, not all'; assumption: half, on average",
          doc="Share of the protected pension and terms of a service's transferring staff that "
              "the commissioner's budget for the service covers (0 = none: every TUPE tender is "
              "worth less than its cost)."),
    param("commissioning.quality_expectation", 0.6, "index 0–1", 0.0, 1.0,
          source="§2.2, §2.5; assumption: the quality a commissioner expects, about the "
                 "competitors' (0.5–0.62)",
          doc="Service quality at which renewal, extension and withdrawal run at their base "
              "rates."),
    param("commissioning.quality_response", 4.0, "log-odds per unit quality", 0.0, 20.0,
          source="§2.2 (commissioners 'recognised the quality' of mutuals' services; contracts "
                 "extended or withdrawn); assumption for the size",
          doc="Extension chance × exp(k·gap) and in-house, decommission and early-withdrawal "
              "chances × exp(−k·gap), gap = service quality − expectation."),
    # coefficients of the rules above (issue 10: every behavioural constant a parameter)
    param("commissioning.officer_learning_per_month", 0.01, "share of the gap per month", 0.0, 0.2,
          source="assumption: officers learn the service over a few years (§2.5 'ground zero')",
          doc="Rate at which a commissioning officer's experience grows toward 1 while in post."),
    param("commissioning.capacity_floor", 0.1, "share of full capacity", 0.0, 1.0,
          source="§2.5 ('a team of sixty ... now six'); assumption",
          doc="Lowest share of its capacity a commissioning team keeps however far its budget "
              "falls."),
    param("commissioning.smallness_cap", 3.0, "multiplier", 1.0, 10.0,
          source="§2.2 (Cases 1 and 10, both small); assumption",
          doc="Cap on how many times smaller than commissioning.size_reference a provider counts "
              "(square root of the turnover ratio)."),
    param("commissioning.smallness_factor", 2.0, "per unit of smallness", 0.0, 10.0,
          source="§2.2; assumption",
          doc="Exposure of a small provider = 1 + factor × risk aversion × (smallness − 1)."),
    param("commissioning.budget_cut_effect", 2.0, "multiplier per unit of budget cut", 0.0, 10.0,
          source="§2.2, §2.5 (austerity); assumption",
          doc="Early-withdrawal and non-renewal chances × (1 + effect × the commissioner's budget"
              " cut)."),
    param("commissioning.nhs_in_house_factor", 0.5, "ratio to councils", 0.0, 2.0,
          source="§2.2 Case 10 (a council brought the service in house); assumption",
          doc="How readily NHS commissioners bring a service in house, relative to councils."),
    param("commissioning.extension_stretch", 1.5, "capacity units", 1.0, 3.0,
          source="§2.5 ('plus one' extensions when teams lack capacity); assumption",
          doc="Extension chance × (stretch − team capacity): a stretched team extends rather than"
              " re-tenders."),
    param("commissioning.max_extension_chance", 0.95, "probability", 0.0, 1.0,
          source="assumption",
          doc="Cap on the chance that an expiring contract is extended."),
    param("commissioning.full_extension_capacity", 0.3, "share of full capacity", 0.0, 1.0,
          source="assumption",
          doc="Above this team capacity an extension uses the whole option left; below it, a year"
              " at a time."),
    param("commissioning.bid_window_spread", 0.5, "share", 0.0, 0.95,
          source="§2.5 ('short notice'); assumption",
          doc="Bid windows vary uniformly by ± this share around procurement.bid_window_months."),
    param("commissioning.bid_window_base", 0.75, "ratio", 0.0, 2.0,
          source="§2.5; assumption",
          doc="Bid window × (base + capacity weight × team capacity): stretched teams give less "
              "notice."),
    param("commissioning.bid_window_capacity", 0.5, "ratio per unit capacity", 0.0, 2.0,
          source="§2.5; assumption",
          doc="See commissioning.bid_window_base."),
    param("commissioning.tender_has_staff_share", 0.7, "share of new tenders", 0.0, 1.0,
          source="§3.5 (TUPE with most services); assumption",
          doc="Share of new tenders for a service that already has a provider and staff who would"
              " transfer."),
    param("commissioning.extension_base", 0.5, "relationship units", 0.0, 2.0,
          source="§2.5 (relationship capital); assumption",
          doc="Extension chance × (base + the officer's relationship with the mutual) × stretch."),
    param("commissioning.related_service_acceptance", 0.5, "probability", 0.0, 1.0,
          source="§2.3: ideas 'scaled up ... in their commissioned services'; commissioners "
                 "'reported how innovative mutuals are able to develop new services that fit a "
                 "particular need'; assumption for the figure, chosen before measuring: "
                 "commissioning.extension_propensity's 0.5 (as ready to commission a new service "
                 "from a provider it knows, without competition, as to extend its contract)",
          doc="Base chance that the mutual's own commissioner commissions a related public "
              "service the mutual proposes from an idea judged right (growth.diversify): × "
              "(commissioning.extension_base + relationship) × service regard / (1 + "
              "commissioning.budget_cut_effect × budget cut), capped at "
              "commissioning.max_extension_chance (docs/ODD.md §13.16)."),
]


def advance(model) -> None:
    m = model.funding.market
    m.exposure = exposure(model)   # once a month: it reads the trailing year's books
    # who holds a contract, once: officers' churn changes no contract
    working = {id(k.commissioner) for k in m.contracts}
    officers(model, m.commissioners, working)
    month = model.month
    if is_year_end(month):   # the budget round (step() never runs month 0)
        set_budgets(model)
    regard = service.commissioner_regard(model)  # once a month: the service's standing
    for contract in list(m.contracts):
        if contract in m.contracts and withdrawn_early(model, contract, regard):
            continue
        if month >= contract.end and not contract.retendering:
            at_expiry(model, contract)
    open_new_tenders(model)


# --- officers, budgets ------------------------------------------------------------------------

def officers(model, commissioners, working: set[int] | None = None) -> None:
    """Officer churn and relationship capital (§2.5), for each commissioner in turn (one draw
    each, in their order). ``working``: the ids of the commissioners the mutual holds a
    contract of (found here if not given)."""
    p, rng = model.params.commissioning, model.rng
    if working is None:
        working = {id(k.commissioner) for k in model.funding.market.contracts}
    churn = min(1.0, p.officer_churn_per_year / 12)
    learning = p.officer_learning_per_month
    # the relationship's monthly step, for a commissioner the mutual works for and for one
    # it does not: the month's terms once, not per commissioner (the same floats)
    build = {works_for: 1 - math.exp(-p.relationship_build_per_year
                                     * (1.0 if works_for else 0.0) / 12)
             for works_for in (True, False)}
    for c in commissioners:
        works_for = id(c) in working
        if rng.random() < churn:
            had = c.relationship
            c.new_officer()
            # shape: a relationship worth a line in the log
            if had > 0.2 and works_for:
                model.log("commissioner", f"a new commissioning officer at {c.name}: the "
                                          "relationship starts again from 'ground zero'.")
        else:
            c.officer_tenure += 1
            c.officer_experience += learning * (1 - c.officer_experience)
        c.relationship += build[works_for] * (1 - c.relationship)


def capacity(model, c) -> float:
    """Team capacity falls with the budget ('a team of sixty ... now six', §2.5)."""
    p = model.params
    return p.commissioning.team_capacity * min(1.0, max(p.commissioning.capacity_floor,
                                                           c.budget))


def set_budgets(model) -> None:
    """Annual budget round: trend and shocks; the efficiency demand on every contract."""
    p, rng, m = model.params, model.rng, model.funding.market
    for c in m.commissioners:
        c.budget = max(0.0, c.budget * (1 + p.commissioning.budget_trend_per_year))
        if rng.random() < p.commissioning.budget_shock_per_year:
            c.budget *= 1 - p.commissioning.budget_shock_size
            if any(k.commissioner is c for k in m.contracts):
                model.log("commissioner", f"{c.name} cut its budget by "
                          f"{100 * p.commissioning.budget_shock_size:.0f} %.")
    e, spec = p.procurement.efficiency_demand, p.procurement.efficiency_spec_cut
    for k in m.contracts:
        k.value = int(k.value * (1 - e))
        k.demand *= 1 - e * spec
    # the saving is kept in the commissioner's budget: what it pays for a unit of service falls
    # by the same ratio, so a new tender or a re-tender does not hand it back (docs/ODD.md §13.9)
    for c in m.commissioners:
        c.price_index *= (1 - e) / (1 - e * spec)


# --- risk to the mutual's contracts -----------------------------------------------------------

def exposure(model) -> float:
    """How much more readily a risk-averse commissioner drops this provider because it is
    small (1 for a provider at or above ``commissioning.size_reference``, up to 3)."""
    p = model.params
    income, _, _ = finance.trailing_year(model)
    size = max(income / 100, 1.0)
    smallness = min(p.commissioning.smallness_cap,
                    max(1.0, math.sqrt(p.commissioning.size_reference / size)))
    return 1.0 + p.commissioning.smallness_factor * p.commissioning.risk_aversion * \
        (smallness - 1.0)


def budget_cut(c) -> float:
    return max(0.0, 1.0 - c.budget)


def framework_bar(model, t: Tender, pooled: float, share: float) -> str:
    """Why a framework shuts the mutual out of tender ``t`` ("" if it does not): its turnover,
    pooled with any consortium partner's, must be ``framework_turnover_multiple`` × the lot's
    annual value, and its own reserves, net of loans owed, ``framework_reserve_months`` of its
    part of that value (§2.5 'financial reserves and a specific minimum turnover';
    docs/ODD.md §13.13)."""
    p = model.params.commissioning
    if pooled < p.framework_turnover_multiple * t.value:
        return "turnover"
    if p.framework_reserve_months <= 0:   # 0 = no reserves rule (not "reserves of at least 0")
        return ""
    led = model.funding.ledger
    reserves = led.balance - sum(loan.owed for loan in led.loans)
    if reserves < p.framework_reserve_months / 12 * share * t.value:
        return "reserves"
    return ""


def held_by_history(model, k: Contract) -> bool:
    """The case's history says its core contract was still held at this month."""
    return k.core and model.month < model.params.organisation.core_contract_held_months


def withdrawn_early(model, k: Contract, regard: float | None = None) -> bool:
    """Whether the commissioner withdraws ``k`` this month (``regard``: the month's
    service.commissioner_regard, if the caller has it)."""
    p = model.params.commissioning
    if k.core and held_by_history(model, k):  # (a call only for the core contract)
        return False
    if regard is None:
        regard = service.commissioner_regard(model)
    hazard = p.early_withdrawal_per_year / 12 * model.funding.market.exposure * \
        (1 + p.budget_cut_effect * budget_cut(k.commissioner)) / regard
    if k.commissioner.budget <= 0:
        hazard = 1.0  # no money at all
    if model.rng.random() >= hazard:
        return False
    end_contract(model, k, "withdrawn", redundancies(model, k))
    return True


def redundancies(model, k: Contract) -> int:
    """A decommissioned service's staff are made redundant (the rest redeployed)."""
    n = round(model.params.procurement.tupe_transfer_share * k.demand
              / model.funding.market.productivity)
    finance.post(model, "redundancy",
                 -round(n * finance.pay_per_head(model) * model.params.finance.redundancy_months))
    return n


def at_expiry(model, k: Contract) -> None:
    """In house, decommission, extend or re-tender (§2.2, §2.5)."""
    p, rng, c = model.params, model.rng, k.commissioner
    if held_by_history(model, k):   # renewed, as the case's history says (Case 8, T2.1)
        k.end += 12 * p.organisation.core_contract_years
        model.funding.market.count("direct_awards")
        model.funding.market.count("expiries_kept")
        return
    ex, cut = model.funding.market.exposure, budget_cut(c)
    regard = service.commissioner_regard(model)   # the service the staff deliver (ODD §13)
    in_house = p.commissioning.in_house_propensity * ex * \
        (1.0 if c.kind == "council" else p.commissioning.nhs_in_house_factor) / regard
    # only a service the commissioner need not provide is decommissioned; a statutory one is
    # re-let or taken in house (§3.2 'vulnerable (non-statutory) LA funding'; docs/ODD.md §13.11)
    withdraw = 0.0 if k.statutory else p.commissioning.withdrawal_at_expiry * ex * \
        (1 + p.commissioning.budget_cut_effect * cut) / regard
    if c.budget <= 0:
        withdraw = 1.0
    # a stretched team extends rather than re-tenders; a good relationship makes it likelier
    stretched = p.commissioning.extension_stretch - capacity(model, c)
    extend = p.commissioning.extension_propensity * \
        (p.commissioning.extension_base + c.relationship) * stretched * regard \
        if k.extensions_left > 0 else 0.0
    r = rng.random()
    if r < in_house:
        n = round(p.procurement.tupe_transfer_share * k.demand
                  / model.funding.market.productivity)
        end_contract(model, k, "in_house", n)
        model.funding.market.count("expiries_lost")
    elif r < in_house + withdraw:
        end_contract(model, k, "not_renewed", redundancies(model, k))
        model.funding.market.count("expiries_lost")
    elif r < in_house + withdraw + min(p.commissioning.max_extension_chance, extend):
        full = capacity(model, c) > p.commissioning.full_extension_capacity
        months = k.extensions_left if full else min(12, k.extensions_left)
        k.end += months
        k.extensions_left -= months
        model.funding.market.count("extensions")
        model.funding.market.count("expiries_kept")
    elif owned_by_commissioner(model, c):
        k.end += 12 * p.procurement.contract_years   # direct award to its own company
        model.funding.market.count("direct_awards")
        model.funding.market.count("expiries_kept")
    else:
        retender(model, k)


def owned_by_commissioner(model, c) -> bool:
    """A council-owned CIC's owners renew without competition (Case 6 'commissioning
    members')."""
    return model.params.organisation.legal_form == "council_owned_cic" and c.kind == "council" \
        and c.region == 0


# --- a related public service from the mutual's idea (docs/ODD.md §13.16) ---------------------

def related_service_host(model) -> Contract | None:
    """The contract a related service would be a variation beside: of the mutual's own
    commissioners with a budget, the one it has the strongest relationship with (ties: the
    larger contract held), and that commissioner's largest contract held by the mutual (§2.3
    'identified in discussion with commissioners'). None if it holds no such contract."""
    best, key = None, None
    for k in model.funding.market.contracts:
        if k.commissioner.budget <= 0:
            continue
        mine = (k.commissioner.relationship, k.value)
        if key is None or mine > key:
            best, key = k, mine
    return best


def related_service_chance(model, c) -> float:
    """Chance that commissioner ``c`` commissions a related service the mutual proposes: its
    trust in the provider it knows (relationship) and the service delivered (regard), as for
    an extension, less after its budget is cut, as for a withdrawal (§2.3, §2.2, §2.5)."""
    p = model.params.commissioning
    chance = p.related_service_acceptance * (p.extension_base + c.relationship) * \
        service.commissioner_regard(model) / (1 + p.budget_cut_effect * budget_cut(c))
    return min(p.max_extension_chance, chance)


# --- tenders ----------------------------------------------------------------------------------

def lot_size(model, c) -> int:
    """Services bundled in one lot: policy plus consolidation by stretched teams (§2.5)."""
    p = model.params
    size = p.commissioning.lot_consolidation + \
        p.commissioning.capacity_consolidation * (1 - capacity(model, c))
    whole = int(size)
    return whole + int(model.rng.random() < size - whole)


def bid_window(model, c) -> int:
    """Months from notice to deadline: short, and shorter when teams are stretched."""
    p = model.params
    spread = p.commissioning.bid_window_spread
    w = p.procurement.bid_window_months * model.rng.uniform(1 - spread, 1 + spread) * \
        (p.commissioning.bid_window_base + p.commissioning.bid_window_capacity
         * capacity(model, c))
    return max(1, round(w))


def retender(model, k: Contract) -> None:
    """Re-tender an expiring contract, possibly in a bigger lot; the mutual keeps delivering
    until the award."""
    p, c = model.params, k.commissioner
    lots = lot_size(model, c)
    full = k.demand / k.share
    demand = full * lots
    others = demand - k.demand
    k.retendering = True
    tender = _tender(model, c, k.region, demand, lots,
                     tupe=round(p.procurement.tupe_transfer_share * others), incumbent=k,
                     framework_ok=lots > 1)  # a bundled lot is a new procurement (§2.5)
    bundled = f", bundled with {lots - 1} other service(s)" if lots > 1 else ""
    model.log("tender", f"{k.label} goes out to re-tender{bundled}; bids due in "
                        f"{tender.window} month(s).")


def open_new_tenders(model) -> None:
    """New opportunities in the home region and in other regions (§3.3)."""
    p, rng, m = model.params, model.rng, model.funding.market
    n_regions = p.commissioning.regions
    home = rng.poisson(p.commissioning.home_tenders_per_year / 12)
    away = rng.poisson(p.commissioning.other_tenders_per_year / 12)
    for i in range(home + away):
        region = 0 if i < home or n_regions == 1 else int(rng.integers(1, n_regions))
        options = m.commissioners_in(region)
        c = options[int(rng.integers(len(options)))]
        if c.budget <= 0:
            continue
        lots = lot_size(model, c)
        demand = lots * p.procurement.tender_median_staff * \
            float(rng.lognormal(0.0, p.procurement.tender_size_spread)) * \
            c.budget ** p.commissioning.budget_spec_share
        has_staff = rng.random() < p.commissioning.tender_has_staff_share
        tupe = round(p.procurement.tupe_transfer_share * demand) if has_staff else 0
        _tender(model, c, region, demand, lots, tupe, None)


def unit_budget(model, c) -> float:
    """Budget index per staff-year of service: a commissioner with less money buys less
    service (new tenders are smaller by budget^s) as well as paying less for each unit
    (budget^(1 − s)), s = ``commissioning.budget_spec_share`` (§2.5 Case 4: 'one way we could
    do it would be to stop this element of the service'), times the unit price its efficiency
    demands have reached (``price_index``: the savings are kept at a re-tender, §2.5)."""
    return c.budget ** (1.0 - model.params.commissioning.budget_spec_share) * c.price_index


def _tender(model, c, region, demand, lots, tupe, incumbent, framework_ok=True) -> Tender:
    p, m = model.params, model.funding.market
    window = bid_window(model, c)
    # the service's budget carries part of the protected terms of the staff who transfer with
    # it (§3.5: 'some contracts, not all' are worth less than their TUPE implications)
    protected = p.workforce.tupe_pension_premium * p.commissioning.tupe_funding * \
        tupe / max(demand, 1e-9)  # shape: no 0/0
    value = to_pence(demand * p.procurement.price_per_fte * unit_budget(model, c)
                     * (1 + protected))
    t = Tender(m.new_id(), c, region, value, demand, lots, opens=model.month,
               deadline=model.month + window,
               framework=framework_ok and bool(model.rng.random()
                                               < p.commissioning.framework_share),
               tupe_staff=tupe, incumbent=incumbent)
    # a re-tendered service stays what it was; a new one is a statutory duty or not
    t.statutory = incumbent.statutory if incumbent is not None else \
        bool(model.rng.random() < p.commissioning.statutory_share)
    m.tenders.append(t)
    return t
