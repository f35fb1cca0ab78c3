"""Bidding: bid/no-bid, scoring, award (MODEL.md §3 step 3; §2.4, §2.5, §3.3, §3.5).

When a tender opens the mutual decides whether to bid. The decision goes through governance:
if the governance procedure (``decisions.decide``) takes longer than the bid window, the tender is
missed (§2.5 'short notice'). Otherwise it bids unless the region is one it will not expand to
(growth), its bid team is busy, a framework's turnover rule shuts it out and no consortium
partner is found (§2.5, §3.3), the price the work needs is well above the budget (§3.5:
'contracts being worth less than [their] TUPE implications'; how far above it will go depends on
the risk appetite of the directors who took the decision), or it cannot afford the bid.

At the deadline the commissioner scores every bid:

    score = w_price × (lowest price / price) + w_quality × quality + w_sv × social value

with the weights rescaled to sum to 1. Quality includes track record, the relationship with the
*current* officer, bid-writing capacity ("we award the contract to the best bid writer", §2.5),
and a penalty for bidders small against the lot (the 'missing middle'). Winning transfers the
service's staff in under TUPE; losing a re-tender transfers the mutual's staff out.
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms.funding import finance, growth
from sim.mechanisms.funding.market import (
    Contract,
    Tender,
    end_contract,
    open_teams,
    pounds,
    transfer_in,
)
from sim.mechanisms.governance import decisions

PARTNER_TURNOVER = 15e6 * 100   # pence: a consortium partner, e.g. another mutual (§3.3)
MAX_LOSS = 0.08                 # bids at the budget up to 8 % under its cost price ...


def max_loss(risk_appetite: float) -> float:
    """... scaled by the deciders' risk appetite (0–1; 0.5 gives MAX_LOSS): a cautious board
    turns down work priced below cost, a bold one takes it to win the work (§5.2)."""
    return MAX_LOSS * 2 * risk_appetite


def bid_and_award(model) -> None:
    m = model.market
    for t in [t for t in m.tenders if t.opens == model.month]:
        consider(model, t)
    for t in [t for t in m.tenders if t.deadline <= model.month]:
        m.tenders.remove(t)
        award(model, t)


# --- the mutual's bid/no-bid ------------------------------------------------------------------

def bid_capacity(model) -> int:
    """Bids the mutual can prepare at once (§2.5: bid-writing teams come with size)."""
    return 1 + int(model.p["procurement.bid_team_per_1000_staff"] * model.staff.count() / 1000)


def bid_writing(model) -> float:
    return min(1.0, 0.2 + model.staff.count() / 2000)


def cost_price(model, t: Tender) -> int:
    """Price (pence a year, whole lot) at which the mutual covers its costs plus its target
    margin, with the protected terms of staff who would transfer in (§3.5)."""
    p, s = model.p, model.staff
    head = max(1, s.count())
    if t.incumbent is not None:
        tupe = np.count_nonzero(s.alive & s.tupe) / head
    else:
        tupe = t.tupe_staff / max(t.demand, 1e-9)
    unit = finance.pay_per_head(model) * 12 * (1 + p["workforce.tupe_pension_premium"] * tupe) \
        + p["engagement.pipeline_investment"] * 100
    margin = 1 - p["finance.overhead_share"] - p["finance.target_margin"]
    return int(t.demand / model.market.productivity * unit / max(margin, 0.05))


def consider(model, t: Tender) -> None:
    """Bid or not (see the module docstring); a bid costs money now."""
    p, m = model.p, model.market
    own = t.incumbent is not None
    # whether to bid goes through the governance procedure (MODEL.md §3 step 2): a new bid is
    # a strategy decision (growth, §5.2); re-bidding for a service already delivered is
    # day-to-day continuity, an operations decision
    level = "operations" if own else "strategy"
    decision = decisions.decide(model, level, t.window, kind="tender")
    if not decision.in_time:
        t.missed = True
        m.count("tenders_missed")
        model.log("decision", f"missed a tender from {t.commissioner.name}: the {level} "
                              f"decision took {decision.latency:.1f} months, bids were due in "
                              f"{t.window}.")
        return
    if not own and not growth.will_bid_in(model, t.region):
        return
    if not own and sum(1 for x in m.tenders if x.mutual_bid) >= bid_capacity(model):
        m.count("no_bid_capacity")
        return
    income, _, _ = finance.trailing_year(model)
    share, pooled = 1.0, income
    if t.framework and income < p["commissioning.framework_turnover_multiple"] * t.value:
        if model.rng.random() >= p["procurement.consortium_access"]:
            m.count("excluded_by_framework")
            return
        share = p["procurement.consortium_share"]
        pooled = income + PARTNER_TURNOVER
        if pooled < p["commissioning.framework_turnover_multiple"] * t.value:
            m.count("excluded_by_framework")
            return
    price = cost_price(model, t)
    if price > t.value * (1 + max_loss(decision.risk_appetite)) and not own:
        m.count("no_bid_unprofitable")
        return
    cost = round(share * max(p["procurement.bid_cost_min"] * 100,
                             p["procurement.bid_cost_share"] * t.value))
    if model.ledger.balance - cost < 0 and not own:
        m.count("no_bid_unaffordable")
        return
    finance.post(model, "bid_costs", -cost)
    m.count("bids_made")
    t.mutual_bid = {"price": min(price, t.value), "share": share, "pooled": pooled,
                    "turnover": income}


# --- scoring and award ------------------------------------------------------------------------

def weights(p) -> tuple[float, float, float]:
    """(price, quality, social value) weights, rescaled to sum to 1."""
    wp, ws = p["procurement.price_weight"], p["procurement.social_value_weight"]
    wq = max(0.0, 1.0 - wp - ws)
    total = wp + wq + ws
    return wp / total, wq / total, ws / total


def _judgement_noise(model, t: Tender) -> float:
    sd = model.p["procurement.quality_noise"] * (1.5 - t.commissioner.officer_experience)
    return float(model.rng.normal(0.0, sd))


def _scale_penalty(model, turnover: float, t: Tender) -> float:
    """Bidders small against the lot look risky to deliver it (§2.5 'missing middle'): full
    marks need the turnover a framework would ask for (k × the lot's value)."""
    comfort = max(1.0, model.p["commissioning.framework_turnover_multiple"]) * max(t.value, 1)
    return 0.3 * (1.0 - min(1.0, turnover / comfort))


def incumbency(p) -> float:
    """A risk-averse commissioner favours the provider it knows (continuity of service)."""
    return 0.05 + 0.2 * p["commissioning.risk_aversion"]


def mutual_entry(model, t: Tender) -> dict:
    p, m, bid = model.p, model.market, t.mutual_bid
    quality = (p["organisation.service_quality"] + 0.1 * m.track_record
               + 0.2 * t.commissioner.relationship + 0.15 * bid_writing(model)
               + (incumbency(p) if t.incumbent is not None else 0.0)
               - _scale_penalty(model, bid["pooled"], t) + _judgement_noise(model, t))
    return {"who": "mutual", "kind": "mutual", "price": bid["price"], "quality": quality,
            "social_value": finance.social_value_strength(model)}


def competitor_entries(model, t: Tender) -> list[dict]:
    """Competitors who bid: those present in the region, past the framework rule, and with
    the appetite and size for the lot (§2.5)."""
    p, rng = model.p, model.rng
    k = p["commissioning.framework_turnover_multiple"]
    out = []
    for prov in model.market.providers:
        if prov.region is not None and prov.region != t.region:
            continue
        if prov.kind == "council_trading_company" and t.commissioner.kind != "council":
            continue
        turnover = prov.turnover * 100
        if t.framework and turnover < k * t.value:
            continue
        if rng.random() >= prov.bid_propensity * min(1.0, turnover / max(2 * t.value, 1)):
            continue
        cut = prov.price_cut + rng.normal(0.0, 0.03)
        if rng.random() < prov.loss_leading:
            cut += 0.08   # 'They can make a loss of millions ... if it's strategic' (§2.5)
        known = 0.4 if prov.region == t.region else 0.3
        quality = (prov.quality + 0.15 * prov.bid_writing + 0.2 * known
                   - _scale_penalty(model, turnover, t) + _judgement_noise(model, t))
        out.append({"who": prov, "kind": prov.kind, "price": int(t.value * (1 - cut)),
                    "quality": quality,
                    "social_value": float(np.clip(prov.social_value + rng.normal(0, 0.05),
                                                  0, 1))})
    return out


def award(model, t: Tender) -> None:
    p, m = model.p, model.market
    entries = competitor_entries(model, t)
    if t.mutual_bid is not None:
        entries.append(mutual_entry(model, t))
    if not entries:  # nobody bid: the incumbent carries on for a year, or nothing happens
        if t.incumbent is not None:
            t.incumbent.retendering = False
            t.incumbent.end = model.month + 12
        return
    wp, wq, ws = weights(p)
    low = max(1, min(e["price"] for e in entries))  # a lot can round to nothing: no 0/0
    scores = [wp * low / max(e["price"], 1) + wq * e["quality"] + ws * e["social_value"]
              for e in entries]
    winner = entries[int(np.argmax(scores))]
    won = winner["who"] == "mutual"
    m.bid_log.append({"month": model.month, "tender": t.id, "mutual_bid": t.mutual_bid is not None,
                      "won": won, "winner": winner["kind"], "incumbent": t.incumbent is not None,
                      "core": t.incumbent is not None and t.incumbent.core,
                      "rivals": sorted({e["kind"] for e in entries if e["who"] != "mutual"}),
                      "lots": t.lots, "value": pounds(t.value),
                      "mutual_turnover": pounds(t.mutual_bid["turnover"]) if t.mutual_bid
                      else None})
    if won:
        m.count("bids_won")
        m.track_record += 0.1 * (1 - m.track_record)
        _take_up(model, t, winner["price"])
    elif t.incumbent is not None:
        k = t.incumbent
        how = "retender" if t.mutual_bid is not None else _why_no_bid(model, t)
        leave = round(p["procurement.tupe_transfer_share"] * k.demand / m.productivity)
        article = "an" if winner["kind"][0] in "aeiou" else "a"
        m.count("expiries_lost")
        end_contract(model, k, how, leave,
                     to_whom=f" to {article} {winner['kind'].replace('_', ' ')} bidder")


def _why_no_bid(model, t: Tender) -> str:
    return "missed" if getattr(t, "missed", False) else "excluded"


def _take_up(model, t: Tender, price: int) -> None:
    """A won tender: renew the incumbent contract (with any bundled services) or start a new
    one; staff of services new to the mutual transfer in under TUPE (§3.5)."""
    p, m, bid = model.p, model.market, t.mutual_bid
    share = bid["share"]
    years, ext = p["procurement.contract_years"], 12 * p["procurement.extension_years"]
    incoming = round(t.tupe_staff * share)
    if t.incumbent is not None:
        k = t.incumbent
        if k.core:
            years = p["organisation.core_contract_years"]
        k.retendering, k.end, k.extensions_left = False, model.month + 12 * years, ext
        k.value, k.demand, k.share = int(price * share), t.demand * share, share
        if incoming:
            k.teams = k.teams + open_teams(model, incoming, k.region)
        transfer_in(model, k, incoming)
        m.count("renewals")
        m.count("expiries_kept")
        model.log("contract", f"{k.label} re-tendered and won; {incoming} staff transferred "
                              "in with bundled services." if incoming else
                  f"{k.label} re-tendered and won.")
        return
    k = Contract(m.new_id(), t.commissioner, t.region, int(price * share), t.demand * share,
                 start=model.month, end=model.month + 12 * years, extensions_left=ext,
                 share=share)
    new_region = t.region not in {c.region for c in m.contracts} | {0}
    k.teams = open_teams(model, max(1, round(k.demand)), t.region)
    m.contracts.append(k)
    transfer_in(model, k, incoming)
    where = " in a new region" if new_region else ""
    partners = " in consortium" if share < 1 else ""
    model.log("contract", f"won a contract{partners} with {t.commissioner.name}{where} "
                          f"(£{pounds(k.value):,.0f} a year); {incoming} staff transferred in "
                          "under TUPE.")
