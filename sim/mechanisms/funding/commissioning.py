"""The environment: commissioners' budgets, officers, contract expiries, new tenders
(MODEL.md §3 step 1; §2.2, §2.5).

Each month officers churn ("four commissioners in the last three years", §2.5) and a new
officer starts from "ground zero" with the mutual; relationship capital grows while the mutual
works for them. Contracts can be withdrawn early (Case 1, after 9 months). At expiry the
commissioner brings the service in house (Case 10), decommissions it, extends it ("plus one";
more often when the team lacks capacity to re-tender) or re-tenders it, often bundled with
other services into a bigger lot (§2.5 consolidation). Small providers are exposed more to
withdrawal and non-renewal by risk-averse commissioners (§2.2: Cases 1 and 10, both small).
Once a year budgets move (austerity trend and shocks) and every contract takes the efficiency
demand (1–3 %, §2.5), partly met by cutting the specification.
"""

from __future__ import annotations

import math

from sim.mechanisms.funding import finance
from sim.mechanisms.funding.market import Contract, Tender, end_contract, to_pence


def advance(model) -> None:
    m = model.market
    m.exposure = exposure(model)   # once a month: it reads the trailing year's books
    for commissioner in m.commissioners:
        officers(model, commissioner)
    if model.month % 12 == 0:
        set_budgets(model)
    for contract in list(m.contracts):
        if contract in m.contracts and withdrawn_early(model, contract):
            continue
        if model.month >= contract.end and not contract.retendering:
            at_expiry(model, contract)
    open_new_tenders(model)


# --- officers, budgets ------------------------------------------------------------------------

def officers(model, c) -> None:
    """Officer churn and relationship capital (§2.5)."""
    p = model.p
    if model.rng.random() < min(1.0, p["commissioning.officer_churn_per_year"] / 12):
        had = c.relationship
        c.new_officer()
        if had > 0.2 and any(k.commissioner is c for k in model.market.contracts):
            model.log("commissioner", f"a new commissioning officer at {c.name}: the "
                                      "relationship starts again from 'ground zero'.")
    else:
        c.officer_tenure += 1
        c.officer_experience += 0.01 * (1 - c.officer_experience)
    works_for = any(k.commissioner is c for k in model.market.contracts)
    rate = p["commissioning.relationship_build_per_year"] * (1.0 if works_for else 0.0)
    c.relationship += (1 - math.exp(-rate / 12)) * (1 - c.relationship)


def capacity(model, c) -> float:
    """Team capacity falls with the budget ('a team of sixty ... now six', §2.5)."""
    return model.p["commissioning.team_capacity"] * min(1.0, max(0.1, c.budget))


def set_budgets(model) -> None:
    """Annual budget round: trend and shocks; the efficiency demand on every contract."""
    p, rng, m = model.p, model.rng, model.market
    for c in m.commissioners:
        c.budget = max(0.0, c.budget * (1 + p["commissioning.budget_trend_per_year"]))
        if rng.random() < p["commissioning.budget_shock_per_year"]:
            c.budget *= 1 - p["commissioning.budget_shock_size"]
            if any(k.commissioner is c for k in m.contracts):
                model.log("commissioner", f"{c.name} cut its budget by "
                          f"{100 * p['commissioning.budget_shock_size']:.0f} %.")
    e, spec = p["procurement.efficiency_demand"], p["procurement.efficiency_spec_cut"]
    for k in m.contracts:
        k.value = int(k.value * (1 - e))
        k.demand *= 1 - e * spec


# --- risk to the mutual's contracts -----------------------------------------------------------

def exposure(model) -> float:
    """How much more readily a risk-averse commissioner drops this provider because it is
    small (1 for a provider at or above ``commissioning.size_reference``, up to 3)."""
    p = model.p
    income, _, _ = finance.trailing_year(model)
    size = max(income / 100, 1.0)
    smallness = min(3.0, max(1.0, math.sqrt(p["commissioning.size_reference"] / size)))
    return 1.0 + 2 * p["commissioning.risk_aversion"] * (smallness - 1.0)


def budget_cut(c) -> float:
    return max(0.0, 1.0 - c.budget)


def withdrawn_early(model, k: Contract) -> bool:
    p = model.p
    hazard = p["commissioning.early_withdrawal_per_year"] / 12 * model.market.exposure * \
        (1 + 2 * budget_cut(k.commissioner))
    if k.commissioner.budget <= 0:
        hazard = 1.0  # no money at all
    if model.rng.random() >= hazard:
        return False
    end_contract(model, k, "withdrawn", redundancies(model, k))
    return True


def redundancies(model, k: Contract) -> int:
    """A decommissioned service's staff are made redundant (the rest redeployed)."""
    n = round(model.p["procurement.tupe_transfer_share"] * k.demand / model.market.productivity)
    finance.post(model, "redundancy",
                 -round(n * finance.pay_per_head(model) * model.p["finance.redundancy_months"]))
    return n


def at_expiry(model, k: Contract) -> None:
    """In house, decommission, extend or re-tender (§2.2, §2.5)."""
    p, rng, c = model.p, model.rng, k.commissioner
    ex, cut = model.market.exposure, budget_cut(c)
    in_house = p["commissioning.in_house_propensity"] * ex * (1.0 if c.kind == "council" else 0.5)
    withdraw = p["commissioning.withdrawal_at_expiry"] * ex * (1 + 2 * cut)
    if c.budget <= 0:
        withdraw = 1.0
    stretched = 1.5 - capacity(model, c)   # a stretched team extends rather than re-tenders
    extend = p["commissioning.extension_propensity"] * (0.5 + c.relationship) * stretched \
        if k.extensions_left > 0 else 0.0
    r = rng.random()
    if r < in_house:
        n = round(p["procurement.tupe_transfer_share"] * k.demand / model.market.productivity)
        end_contract(model, k, "in_house", n)
        model.market.count("expiries_lost")
    elif r < in_house + withdraw:
        end_contract(model, k, "not_renewed", redundancies(model, k))
        model.market.count("expiries_lost")
    elif r < in_house + withdraw + min(0.95, extend):
        months = k.extensions_left if capacity(model, c) > 0.3 else min(12, k.extensions_left)
        k.end += months
        k.extensions_left -= months
        model.market.count("extensions")
        model.market.count("expiries_kept")
    elif owned_by_commissioner(model, c):
        k.end += 12 * p["procurement.contract_years"]   # direct award to its own company
        model.market.count("direct_awards")
        model.market.count("expiries_kept")
    else:
        retender(model, k)


def owned_by_commissioner(model, c) -> bool:
    """A council-owned CIC's owners renew without competition (Case 6 'commissioning
    members')."""
    return model.p["organisation.legal_form"] == "council_owned_cic" and c.kind == "council" \
        and c.region == 0


# --- tenders ----------------------------------------------------------------------------------

def lot_size(model, c) -> int:
    """Services bundled in one lot: policy plus consolidation by stretched teams (§2.5)."""
    p = model.p
    size = p["commissioning.lot_consolidation"] + \
        p["commissioning.capacity_consolidation"] * (1 - capacity(model, c))
    whole = int(size)
    return whole + int(model.rng.random() < size - whole)


def bid_window(model, c) -> int:
    """Months from notice to deadline: short, and shorter when teams are stretched."""
    w = model.p["procurement.bid_window_months"] * model.rng.uniform(0.5, 1.5) * \
        (0.75 + 0.5 * capacity(model, c))
    return max(1, round(w))


def retender(model, k: Contract) -> None:
    """Re-tender an expiring contract, possibly in a bigger lot; the mutual keeps delivering
    until the award."""
    p, c = model.p, k.commissioner
    lots = lot_size(model, c)
    full = k.demand / k.share
    demand = full * lots
    others = demand - k.demand
    k.retendering = True
    tender = _tender(model, c, k.region, demand, lots,
                     tupe=round(p["procurement.tupe_transfer_share"] * others), incumbent=k,
                     framework_ok=lots > 1)  # a bundled lot is a new procurement (§2.5)
    bundled = f", bundled with {lots - 1} other service(s)" if lots > 1 else ""
    model.log("tender", f"{k.label} goes out to re-tender{bundled}; bids due in "
                        f"{tender.window} month(s).")


def open_new_tenders(model) -> None:
    """New opportunities in the home region and in other regions (§3.3)."""
    p, rng, m = model.p, model.rng, model.market
    n_regions = p["commissioning.regions"]
    home = rng.poisson(p["commissioning.home_tenders_per_year"] / 12)
    away = rng.poisson(p["commissioning.other_tenders_per_year"] / 12)
    for i in range(home + away):
        region = 0 if i < home or n_regions == 1 else int(rng.integers(1, n_regions))
        options = m.commissioners_in(region)
        c = options[int(rng.integers(len(options)))]
        if c.budget <= 0:
            continue
        lots = lot_size(model, c)
        demand = lots * p["procurement.tender_median_staff"] * \
            float(rng.lognormal(0.0, p["procurement.tender_size_spread"]))
        has_staff = rng.random() < 0.7   # most services already have a provider and staff
        tupe = round(p["procurement.tupe_transfer_share"] * demand) if has_staff else 0
        _tender(model, c, region, demand, lots, tupe, None)


def _tender(model, c, region, demand, lots, tupe, incumbent, framework_ok=True) -> Tender:
    p, m = model.p, model.market
    window = bid_window(model, c)
    value = to_pence(demand * p["procurement.price_per_fte"] * c.budget)
    t = Tender(m.new_id(), c, region, value, demand, lots, opens=model.month,
               deadline=model.month + window,
               framework=framework_ok and bool(model.rng.random()
                                               < p["commissioning.framework_share"]),
               tupe_staff=tupe, incumbent=incumbent)
    m.tenders.append(t)
    return t
