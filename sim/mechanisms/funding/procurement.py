"""Bidding: bid/no-bid, scoring, award (docs/ODD.md §3 step 3; §2.4, §2.5, §3.3, §3.5).

When a tender opens the mutual decides whether to bid. The decision goes through governance:
a new tender is taken by the procedure ``governance.bids.procedure`` names (the executive and
bid team alone, ratified by the board, or the full strategy procedure; §5.2), a re-bid for a
service already delivered as an operations decision (``decisions.decide``). If the procedure
takes longer than the bid window, the tender is missed (§2.5 'short notice'). The decision's
judgement has consequences (docs/ODD.md §13): a decision that is right reads the cost of
delivering the work correctly; a wrong one misreads it by ``procurement.misjudgement`` up or
down, and the mutual decides and prices on that reading — too low, it bids for work it should
have left and wins it at a loss; too high, it passes over or prices itself out of work it could
have won. Otherwise it bids unless the region is one it will not expand to
(growth), its bid team is busy, a framework's turnover rule shuts it out and no consortium
partner is found (§2.5, §3.3), the price the work needs is well above the budget (§3.5:
'contracts being worth less than [their] TUPE implications'; how far above it will go depends on
the risk appetite of the directors who took the decision), or it cannot afford the bid.

At the deadline the commissioner scores every bid:

    score = w_price × (lowest price / price) + w_quality × quality + w_sv × social value

with the weights rescaled to sum to 1. Quality includes track record, the relationship with the
*current* officer, bid-writing capacity ("we award the contract to the best bid writer", §2.5),
and a penalty for bidders small against the lot (the 'missing middle'); the mutual's own
service quality is what its staff deliver (``model.people.service_quality``, people/service.py).
Winning transfers the service's staff in under TUPE; losing a re-tender transfers the mutual's
staff out. Competitors price from the budget but not below their cost (``rival_cost``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.mechanisms.funding import commissioning, finance, growth
from sim.mechanisms.funding.market import (
    Bid,
    BidRecord,
    Contract,
    Tender,
    end_contract,
    open_teams,
    pounds,
    transfer_in,
)
from sim.parameter import param

# --- parameters (collected into the registry by sim/params.py) ------------------------

PARAMS = [
    param("procurement.price_weight", 0.6, "weight 0–1", 0.0, 1.0,
          source="§2.6: 'Scoring criteria continue to be heavily weighted towards price'; "
                 "assumption for 60 %",
          doc="Weight of the price score; quality takes 1 − price − social value (weights are "
              "rescaled if they add up to more than 1)."),
    param("procurement.social_value_weight", 0.02, "weight 0–1", 0.0, 1.0,
          source="§2.4: social value 'often as little as between 1% and 3% of the scoring' "
                 "(Cases 1, 3, 4)",
          doc="Weight of the social-value score in tender evaluation. Raising it takes the "
              "weight from quality, not from price: quality gets 1 − price − social value "
              "(weights are rescaled if they add up to more than 1); to take it from price, "
              "lower procurement.price_weight too."),
    param("procurement.contract_years", 3, "years", 1, 15,
          source="§2.2: core contracts 'usually for 3 or 5 years'",
          doc="Length of a contract before its extension option."),
    param("procurement.extension_years", 1, "years", 0, 5,
          source="§2.5: 'The plus one bit of those [contracts]'",
          doc="Extension option of each contract."),
    param("procurement.efficiency_demand", 0.02, "share per year", 0.0, 0.2,
          source="§2.5: 'efficiencies of between 1% and 3% within a year'",
          doc="Annual cut in each contract's value demanded by its commissioner."),
    param("procurement.efficiency_spec_cut", 0.3, "share of the cut", 0.0, 1.0,
          source="§2.5 Case 4: 'one way we could do it would be to stop this element of the "
                 "service'",
          doc="Share of the efficiency demand met by cutting the specification (less work); the "
              "rest must come from productivity, margin or pay."),
    param("procurement.bid_window_months", 2, "months", 1, 12,
          source="§2.5: 'The short notice and limited time allowed for preparing some bids'",
          doc="Typical time from a tender's notice to its bid deadline (each tender draws 0.5–1.5 "
              "× this, shorter when commissioning teams are stretched)."),
    param("procurement.bid_cost_share", 0.015, "share of annual lot value", 0.0, 0.2,
          source="§2.5: bids 'would have cost tens of thousands of pounds'",
          doc="Cost of preparing a bid as a share of the lot's annual value."),
    param("procurement.bid_cost_min", 5_000.0, "£ per bid", 0.0, 200_000.0,
          source="§2.5; assumption",
          doc="Minimum cost of a bid (heavier for small organisations relative to turnover)."),
    param("procurement.bid_team_per_1000_staff", 4.0, "concurrent bids per 1,000 staff", 0.0,
          50.0,
          source="§2.5: 'Larger organisations often have bid writing teams'",
          doc="Bids the mutual can prepare at once: 1 + this × staff/1,000 (rounded down)."),
    param("procurement.tender_median_staff", 20.0, "staff (FTE) per service", 1.0, 2_000.0,
          source="assumption: a typical community health or care service",
          doc="Median size of a new service put out to tender, in staff needed to deliver it."),
    param("procurement.tender_size_spread", 0.8, "log-sd", 0.0, 2.0,
          source="assumption",
          doc="Spread of new services' sizes (lognormal)."),
    param("procurement.price_per_fte", 36_000.0, "£ per FTE per year", 10_000.0, 200_000.0,
          source="assumption: UK health and care staff cost (~£30k with on-costs) plus overheads",
          doc="What a commissioner budgets per staff-year of service at budget index 1; the value "
              "of every contract at month 0 follows from its staff."),
    param("procurement.tupe_transfer_share", 0.7, "share of the service's staff", 0.0, 1.0,
          source="§3.5: 'some contracts require that staff ... be TUPE'd across'",
          doc="Share of a service's staff who transfer with it under TUPE (in on a win, out on "
              "a loss); the rest are recruited or redeployed."),
    param("procurement.consortium_access", 0.5, "probability", 0.0, 1.0,
          source="§3.3: consortia 'with other mutuals or ... small social/voluntary sector' "
                 "partners (Cases 1, 2, 4)",
          doc="Chance the mutual finds consortium partners when it cannot bid alone (framework "
              "rule or capacity)."),
    param("procurement.consortium_share", 0.5, "share of value", 0.1, 1.0,
          source="§3.3; assumption",
          doc="The mutual's share of a contract won in consortium (its share of staff too) "
              "when it can mobilise that share; when it cannot, the partner takes the part it "
              "cannot staff and the mutual's share is its room to mobilise, down to "
              "procurement.consortium_min_share (docs/ODD.md §13.14)."),
    param("procurement.consortium_min_share", 0.2, "share of the lot", 0.01, 1.0,
          source="§3.3: consortia 'with other mutuals or with other (often small) "
                 "social/voluntary sector or public sector deliverers with complementary "
                 "experience and skills' (Cases 1, 2, 4); T3.1 Case 1 'contracts in 3 new "
                 "regions in consortium with Bridges Fund Management'; assumption for the "
                 "figure, chosen before measuring (a member delivering less than a fifth of the "
                 "lot would not be a partner in its bid)",
          doc="Smallest share of a lot the mutual takes in a consortium: when its share "
              "(procurement.consortium_share) is more than it can mobilise, the partner takes "
              "the rest if the mutual can still mobilise at least this share of the lot; "
              "otherwise no consortium bid (docs/ODD.md §13.14)."),
    param("procurement.investor_partner", 0.0, "probability", 0.0, 1.0,
          source="T3.1 Case 1: 'contracts in 3 new regions in consortium with Bridges Fund "
                 "Management' (a social-impact investor; the report names it only); §3.6: 'If "
                 "organisations lack the reserves needed to self-fund investment for growth, "
                 "debt finance can be sought from banks and social investors'; §3.2: resources "
                 "for growth accessed 'via collaborations and partnerships'. Off by default: "
                 "the study names a social investor in a consortium for Case 1 only "
                 "(case01.toml sets 1.0)",
          doc="Chance that, when a framework's reserves rule shuts out the mutual's part of a "
              "consortium bid, the consortium includes a social investor who shows the "
              "reserves asked of that part (commissioning.framework_reserve_months of its "
              "annual value); the mutual then pays finance.social_investment_rate a year on "
              "them for as long as it holds the contract, priced into its bid and taken off "
              "the contract's value (docs/ODD.md §13.17). 0 = no investor partners."),
    param("procurement.quality_noise", 0.08, "sd of quality score", 0.0, 0.5,
          source="§2.5: 'we award the contract to the best bid writer rather than the best bid'",
          doc="Noise in the commissioner's quality judgement; larger for inexperienced officers."),
    param("procurement.misjudgement", 0.1, "share of cost", 0.0, 0.5,
          source="§3.5 ('contracts being worth less than [their] TUPE implications'), §2.5; "
                 "assumption for the size",
          doc="How far a wrong bid decision misreads the cost of delivering a tender (up or "
              "down at random): too low wins loss-making work, too high loses winnable work."),
# coefficients of the rules above (issue 10: every behavioural constant a parameter)
    param("procurement.partner_turnover", 15000000.0, "£ per year", 0.0, 1000000000.0,
          source="§3.3 (consortia with other mutuals and charities); assumption",
          doc="Turnover of a consortium partner pooled with the mutual's against a framework's "
              "entry rule."),
    param("procurement.max_loss", 0.08, "share of cost price", 0.0, 0.5,
          source="§2.5 ('they can make a loss ... if it's strategic'), §5.2; assumption",
          doc="How far under its cost price the mutual bids at the budget when its deciders' risk"
              " appetite is 0.5 (× 2 × appetite)."),
    param("procurement.bid_writing_base", 0.2, "index 0–1", 0.0, 1.0,
          source="§2.5 ('the best bid writer'); assumption",
          doc="Bid-writing capacity of a very small mutual."),
    param("procurement.bid_writing_full_staff", 2000, "persons", 100, 100000,
          source="§2.5 (bid teams come with size); assumption",
          doc="Bid writing rises by 1 per this many staff (capped at 1)."),
    param("procurement.noise_inexperience", 1.5, "ratio", 1.0, 3.0,
          source="§2.5 (new officers start from 'ground zero'); assumption",
          doc="Quality-judgement noise × (this − the officer's experience)."),
    param("procurement.scale_penalty", 0.3, "quality points", 0.0, 1.0,
          source="§2.5 (the 'missing middle'); assumption",
          doc="Quality lost by a bidder with no turnover against the lot (none at the framework's"
              " k × value)."),
    param("procurement.incumbency_base", 0.05, "quality points", 0.0, 0.5,
          source="§2.5 (continuity of service); assumption",
          doc="Quality bonus of the incumbent at a commissioner with no risk aversion."),
    param("procurement.incumbency_risk_aversion", 0.2, "quality points per unit", 0.0, 1.0,
          source="§2.2 (risk-averse commissioners); assumption",
          doc="Incumbency bonus added per unit of commissioning.risk_aversion."),
    param("procurement.track_record_weight", 0.1, "quality points per unit", 0.0, 1.0,
          source="§2.5, §3.3 (track record); assumption",
          doc="Weight of the mutual's track record in its quality score."),
    param("procurement.relationship_weight", 0.2, "quality points per unit", 0.0, 1.0,
          source="§2.5 (relationship with the current officer); assumption",
          doc="Weight of the relationship with the officer (for competitors, how well they are "
              "known) in the quality score."),
    param("procurement.bid_writing_weight", 0.15, "quality points per unit", 0.0, 1.0,
          source="§2.5 ('we award the contract to the best bid writer'); assumption",
          doc="Weight of bid-writing capacity in the quality score."),
    param("procurement.competitor_size_multiple", 2.0, "× lot value", 0.1, 20.0,
          source="§2.5; assumption",
          doc="A competitor bids with its full propensity only if its turnover is at least this "
              "many times the lot's value."),
    param("procurement.competitor_price_noise", 0.03, "sd of price cut", 0.0, 0.2,
          source="assumption",
          doc="Spread of a competitor's discount around its usual price cut."),
    param("procurement.loss_leading_cut", 0.08, "share of budget", 0.0, 0.5,
          source="§2.5 Case 5 (loss-leading bids); assumption",
          doc="Further discount of a loss-leading bid."),
    param("procurement.competitor_known_local", 0.4, "relationship 0–1", 0.0, 1.0,
          source="assumption",
          doc="How well a commissioner knows a competitor based in its region."),
    param("procurement.competitor_known_away", 0.3, "relationship 0–1", 0.0, 1.0,
          source="assumption",
          doc="How well a commissioner knows a national competitor or one from elsewhere."),
    param("procurement.competitor_social_value_noise", 0.05, "sd of score", 0.0, 0.3,
          source="assumption",
          doc="Spread of a competitor's social-value score around its profile."),
    param("procurement.track_record_gain", 0.1, "share of the gap", 0.0, 1.0,
          source="§3.3 (a track record wins work); assumption",
          doc="Share of the gap to a perfect track record closed by a won tender."),
    param("procurement.track_record_loss", 0.15, "share", 0.0, 1.0,
          source="assumption",
          doc="Share of the track record lost when a contract ends."),
    # bid-writing time (docs/ODD.md §13.6; §2.5 'bid writing is demanding, particularly for
    # smaller organisations ... Larger organisations often have bid writing teams')
    param("procurement.bid_hours", 400.0, "staff hours per bid", 0.0, 5_000.0,
          source="§2.5: 'bid writing is demanding'; bids 'would have cost tens of thousands of "
                 "pounds' (at £30–40 an hour, several hundred hours); assumption for the figure, "
                 "chosen before measuring",
          doc="Staff time needed to write a bid for a lot of procurement.tender_median_staff "
              "posts (larger lots need more, weakly: procurement.bid_hours_elasticity); a bid "
              "in consortium needs its share of it. It is taken first from the bid team, then "
              "from service delivery (workload)."),
    param("procurement.bid_hours_elasticity", 0.3, "elasticity", 0.0, 1.0,
          source="assumption: a bid's method statements, policies and evidence are much the "
                 "same whatever the lot's size",
          doc="Hours of a bid × (the lot's posts / procurement.tender_median_staff)^this."),
    param("procurement.bid_team_fte_per_1000_staff", 2.0, "FTE per 1,000 staff", 0.0, 50.0,
          source="§2.5: 'Larger organisations often have bid writing teams that can more "
                 "readily respond at short notice'; assumption for the figure",
          doc="Dedicated bid writers (paid from overheads), in proportion to the staff; their "
              "hours go to bids before any is taken from service delivery."),
    param("procurement.bid_time_max_share", 0.1, "share of staff hours", 0.0, 0.5,
          source="§2.5 ('bid writing is demanding, particularly for smaller organisations'; "
                 "'short notice and limited time allowed for preparing some bids'); assumption",
          doc="Most of the staff's hours a mutual takes from service delivery to write bids in a "
              "month. A new bid that would need more, in the time its window leaves after the "
              "decision, is not made (counted in no_bid_writing_time); a re-bid for the mutual's "
              "own service is always written, whatever it takes."),
    param("procurement.consortium_months", 1.0, "months", 0.0, 6.0,
          source="§2.5: 'The short notice and limited time allowed for preparing some bids can "
                 "also make it difficult for smaller mutuals to build up consortia'; assumption "
                 "for the figure, chosen before measuring",
          doc="Time to find consortium partners and agree a joint bid: a consortium bid is made "
              "only if the window leaves at least this long after the decision (counted in "
              "no_bid_consortium_time)."),
    param("procurement.hours_per_fte_month", 140.0, "hours per FTE per month", 80.0, 200.0,
          source="assumption: a 37.5-hour week, less leave and training",
          doc="Working hours of a member of staff in a month (bid-writing time)."),
    param("procurement.mobilisation_share", 0.25, "share of headcount per window", 0.0, 5.0,
          source="§3.5: 'Significant growth is also likely to necessitate the parallel "
                 "development of functional/management systems (HR, finance, IT, customer "
                 "service etc.)'; §3.4: growth 'beyond the capacity of organisations, can "
                 "undermine service quality'; §3.3: partnering 'for sizeable contracts ... which "
                 "they lack capacity to bid for on their own' (Case 2); assumption for the "
                 "figure, chosen before measuring",
          doc="New posts the mutual's managers and back office can mobilise (recruit, TUPE "
              "consultation, premises, systems) within procurement.mobilisation_months, as a "
              "share of today's headcount (never less than procurement.consortium_share × "
              "procurement.tender_median_staff, what any mutual's leadership can mobilise): a "
              "new bid whose posts, with those won in that time and those bid for and awaiting "
              "award (counted by the recent win rate, procurement.win_rate), exceed it is "
              "made in consortium (its share) if a partner is found, else not at all "
              "(counted in no_bid_mobilisation). Re-bids for the mutual's own services are "
              "not limited."),
    param("procurement.mobilisation_months", 12, "months", 1, 60,
          source="assumption: a new service's first year (mobilisation and bedding in, §3.5)",
          doc="How long a newly won contract's posts count against the mutual's capacity to "
              "mobilise new work (procurement.mobilisation_share)."),
    param("procurement.mobilisation_learning", 0.1, "posts of room per post mobilised",
          0.0, 1.0,
          source="§3.5: 'Significant growth is also likely to necessitate the parallel "
                 "development of functional/management systems (HR, finance, IT, customer "
                 "service etc.)'; assumption for the figure, chosen before measuring (below "
                 "the baseline attrition's −ln(1 − 0.14) = 0.15 a year, so capacity built "
                 "cannot feed on itself without bound)",
          doc="Room to mobilise (posts per procurement.mobilisation_months) added by each "
              "post of a new contract mobilised successfully (still held when its mobilisation "
              "window closes): the managers, recruiting and TUPE routines and systems that did "
              "it stay, so a mutual that has grown can mobilise more than a fresh one of the "
              "same size. It leaves with the staff who built it, at "
              "workforce.attrition_per_year (docs/ODD.md §13.9)."),
    param("procurement.win_rate_months", 36, "months", 1, 240,
          source="assumption: a contract term of bidding (§2.2 contracts 'usually for 3 or 5 "
                 "years'), chosen before measuring",
          doc="How far back the mutual's leadership looks at its new bids won and lost when it "
              "counts the posts of bids still awaiting award against its room to mobilise "
              "(procurement.win_rate, docs/ODD.md §13.9)."),
    param("procurement.subcontract_access", 0.0, "probability", 0.0, 1.0,
          source="§2.2: 'Mutuals can also take the role of subcontractors with another "
                 "organisation acting as the prime contract holder, as in Case 2'; §3.3: "
                 "partnering with large providers 'to be included in bids for sizeable "
                 "contracts ... which they lack capacity to bid for on their own' (Case 2); "
                 "T3.1 Case 2 'often as a sub-contractor'; §2.5: 'smaller organisations ... only "
                 "survive by becoming subcontractors to large organisations'. Off by default "
                 "(the study names the route for Case 2 only; case02.toml sets 0.5, "
                 "assumption): on for every mutual it cost two input patterns (P7b, P16) "
                 "and fragility (docs/ODD.md §13.12)",
          doc="Chance that a prime contractor takes the mutual into its bid as a subcontractor "
              "when the lot's posts exceed what the mutual can mobilise even in consortium: the "
              "prime holds the contract and sub-lets the part the mutual can mobilise now (its "
              "room to mobilise, at least procurement.subcontract_min_share of the lot), for a "
              "top-slice of that part's value (procurement.prime_fee; docs/ODD.md §13.12)."),
    param("procurement.subcontract_min_share", 0.1, "share of the lot", 0.01, 1.0,
          source="assumption, chosen before measuring (a part worth a prime's while to sub-let)",
          doc="Smallest part of a lot a prime contractor sub-lets to the mutual: a mutual that "
              "can mobilise less of the lot than this is not taken in as a subcontractor."),
    param("procurement.prime_fee", 0.1, "share of the subcontract's value", 0.0, 0.5,
          source="§2.5 ('smaller organisations ... pushed to the margins and only survive by "
                 "becoming subcontractors'); assumption for the figure, chosen before measuring",
          doc="Share of the value of the mutual's part that the prime contractor keeps for "
              "holding the contract (management, contract risk): the mutual bids its part "
              "through the prime at cost / (1 − fee) and is paid (1 − fee) of what the prime "
              "wins for it, so subcontracted work pays less per post than work the mutual "
              "holds itself (docs/ODD.md §13.12)."),
    param("procurement.starting_contract_staff", 40, "staff", 1, 1000,
          source="§2.2 (a core contract plus smaller ones); assumption",
          doc="Size of each non-core contract in the month-0 portfolio (the rest of the contract "
              "staff split evenly)."),
]

@dataclass(frozen=True, slots=True)
class Entry:
    """One bid as the commissioner scores it (``award``): the mutual's or a competitor's."""

    who: Any                    # "mutual", or the competitor (market.Provider)
    kind: str                   # "mutual" or the competitor's kind
    price: int                  # pence a year for the whole lot
    quality: float              # the quality score, bid writing and relationship included
    social_value: float


def max_loss(p, risk_appetite: float) -> float:
    """How far below its cost price the mutual will bid at the budget: ``procurement.max_loss``
    scaled by the deciders' risk appetite (0–1; 0.5 gives max_loss): a cautious board turns
    down work priced below cost, a bold one takes it to win the work (§5.2)."""
    return p.procurement.max_loss * 2 * risk_appetite  # shape: appetite 0.5 -> max_loss


def bid_and_award(model) -> None:
    m = model.funding.market
    settle_mobilisations(model)
    for t in [t for t in m.tenders if t.opens == model.month]:
        consider(model, t)
    for t in [t for t in m.tenders if t.deadline <= model.month]:
        m.tenders.remove(t)
        award(model, t)


# --- the mutual's bid/no-bid ------------------------------------------------------------------

def bid_capacity(model) -> int:
    """Bids the mutual can prepare at once (§2.5: bid-writing teams come with size)."""
    per_1000 = model.params.procurement.bid_team_per_1000_staff
    return 1 + int(per_1000 * model.staff.count() / 1000)  # shape: the unit, per 1,000


def win_rate(model) -> float:
    """The mutual's recent win rate on new bids (not re-bids for its own services): wins over
    new bids awarded in the last ``procurement.win_rate_months``, by Laplace's rule of
    succession ((wins + 1) / (bids + 2): one half with no record). What its leadership expects
    of a bid still awaiting award (docs/ODD.md §13.9)."""
    p, m = model.params, model.funding.market
    since = model.month - p.procurement.win_rate_months
    wins = bids = 0
    for b in reversed(m.bid_log):       # the log is in award order: stop at the window
        if b.month <= since:
            break
        if b.mutual_bid and not b.incumbent:
            bids += 1
            wins += b.won
    return (wins + 1) / (bids + 2)   # shape: Laplace's rule of succession


def mobilisation_room(model) -> float:
    """New posts the mutual can still take on (docs/ODD.md §13.9; §3.5 'parallel development
    of functional/management systems'): ``mobilisation_share`` × headcount, but never less
    than its share of a median lot in consortium, less the posts of
    new contracts won in the last ``mobilisation_months`` and of new bids still awaiting
    award, each of those counted by the chance it is won (``win_rate``: the leadership does
    not plan to mobilise every bid at once). The same rule for every size: management and
    back office grow with the organisation, the lots on the market do not."""
    p, m = model.params, model.funding.market
    settle_mobilisations(model)
    won = sum(x[1] for x in m.mobilised)
    pending = sum(t.demand * t.mutual_bid.share for t in m.tenders
                  if t.mutual_bid is not None and t.incumbent is None)
    if pending:
        pending *= win_rate(model)
    # every mutual's leadership can mobilise at least its share of a median lot in consortium
    floor = p.procurement.consortium_share * p.procurement.tender_median_staff
    return max(floor, p.procurement.mobilisation_share * model.staff.count()) \
        + capacity_built(model) - won - pending


def _keep(p, months: float) -> float:
    """Share of the capacity built that is still there ``months`` later: it leaves with the
    managers and back-office staff who built it, at the baseline attrition."""
    return (1.0 - p.workforce.attrition_per_year) ** (months / 12.0)


def settle_mobilisations(model) -> None:
    """Each month (``bid_and_award``), new contracts whose mobilisation window has closed
    leave the posts being mobilised; those still held were mobilised successfully, and the
    systems and managers that did it stay (§3.5 'parallel development of
    functional/management systems'): ``procurement.mobilisation_learning`` posts of room for
    each post (docs/ODD.md §13.9)."""
    p, m = model.params, model.funding.market
    since = model.month - p.procurement.mobilisation_months
    if not m.mobilised or m.mobilised[0][0] > since:     # in the order won
        return
    built = capacity_built(model)
    for month, posts, contract in m.mobilised:
        if month <= since and contract in m.contracts:
            built += p.procurement.mobilisation_learning * posts
    m.capacity_built, m.capacity_month = built, model.month
    m.mobilised = [x for x in m.mobilised if x[0] > since]


def capacity_built(model) -> float:
    """Room to mobilise (posts per ``mobilisation_months``) that past successful
    mobilisations have built, as it stands this month (docs/ODD.md §13.9)."""
    m = model.funding.market
    if not m.capacity_built:
        return 0.0
    return m.capacity_built * _keep(model.params, model.month - m.capacity_month)


def bid_writing(model) -> float:
    p = model.params
    return min(1.0, p.procurement.bid_writing_base
               + model.staff.count() / p.procurement.bid_writing_full_staff)


def bid_hours(p, t: Tender, share: float) -> float:
    """Staff hours to write the mutual's bid for ``t`` (its ``share`` in consortium): weakly
    more for a larger lot (docs/ODD.md §13.6)."""
    size = max(t.demand, 1e-9) / p.procurement.tender_median_staff  # shape: no 0 ** e
    return share * p.procurement.bid_hours * size ** p.procurement.bid_hours_elasticity


def writing_slot(model, t: Tender, latency: float, share: float,
                 own: bool) -> tuple[int, int, float] | None:
    """Find the hours to write a bid in the time left after the decision (§2.5 'short notice
    and limited time allowed for preparing some bids'): spread over the whole months from the
    decision to the deadline, they must fit beside the bids already being written within the
    bid team's hours plus ``procurement.bid_time_max_share`` of the staff's. A re-bid for the
    mutual's own service is written whatever it takes. Returns (first month, deadline, hours a
    month), or None when there is no time; docs/ODD.md §13.6."""
    m = model.funding.market
    m.writing = [w for w in m.writing if w[1] > model.month]
    start = min(model.month + int(latency), t.deadline - 1)
    rate = bid_hours(model.params, t, share) / max(1, t.deadline - start)  # shape: >= 1 month
    team, spare, committed = finance.writing_hours(model)
    if not own and committed + rate > team + spare:
        return None
    return start, t.deadline, rate


def cost_price(model, t: Tender) -> int:
    """Price (pence a year, whole lot) at which the mutual covers its costs plus its target
    margin, with the protected terms of staff who would transfer in (§3.5)."""
    p = model.params
    if t.incumbent is not None:
        tupe = finance.tupe_share(model.staff)
    else:
        tupe = t.tupe_staff / max(t.demand, 1e-9)  # shape: no 0/0
    unit = 12 * finance.cost_per_head(model, tupe)
    margin = 1 - p.finance.overhead_share - p.finance.target_margin
    productivity = model.funding.market.productivity
    return int(t.demand / productivity * unit / max(margin, 0.05))  # shape: > 0


def consider(model, t: Tender) -> None:
    """Bid or not (see the module docstring); a bid costs money now."""
    p, m = model.params, model.funding.market
    own = t.incumbent is not None
    # whether to bid goes through the governance procedure (docs/ODD.md §3 step 2): a new bid is
    # a strategy decision (growth, §5.2); re-bidding for a service already delivered is
    # day-to-day continuity, an operations decision
    level = "operations" if own else "strategy"
    procedure = "full" if own else p.governance.bids.procedure
    decision = finance.decide_in_time(
        model, level, t.window, "tender", "tenders_missed", "decision", lambda d: (
            f"missed a tender from {t.commissioner.name}: the {level} decision took "
            f"{d.latency:.1f} months, bids were due in {t.window}."), procedure=procedure)
    if decision is None:
        t.missed = True
        return
    if not own and not growth.will_bid_in(model, t.region):
        return
    income, _, _ = finance.trailing_year(model)
    share, pooled, fee, carry = 1.0, income, 0.0, 0.0
    partnered = income + p.procurement.partner_turnover * 100   # pence, with any partner
    # a service delivered in partnership is re-bid with the same partner, at the same share:
    # the partner holds the rest (no new partner to find, no consortium to build; §3.3,
    # docs/ODD.md §13.14)
    held = own and t.incumbent.share < 1.0
    if held:
        share, pooled = t.incumbent.share, partnered
    if not own and sum(1 for x in m.tenders if x.mutual_bid) >= bid_capacity(model):
        # the bid team is busy: a consortium partner may write the bid with it (§3.3)
        if model.rng.random() >= p.procurement.consortium_access:
            m.count("no_bid_capacity")
            return
        share = p.procurement.consortium_share
        pooled = partnered
    # a framework's entry rule: turnover and reserves (§2.5; commissioning.framework_bar)
    if t.framework and (bar := commissioning.framework_bar(model, t, pooled, share)):
        if share == 1.0:
            if model.rng.random() >= p.procurement.consortium_access:
                _excluded(m, bar)
                return
            share = p.procurement.consortium_share
        pooled = partnered
        if bar := commissioning.framework_bar(model, t, pooled, share):
            if bar == "reserves" and investor_carries(model, t):
                # a social investor in the consortium shows the reserves for the mutual's
                # part, at the social-investment rate on them (T3.1 Case 1, §3.6;
                # docs/ODD.md §13.17)
                carry = investor_charge(p)
            else:
                _excluded(m, bar)
                return
    room = mobilisation_room(model) if not own else 0.0
    if not own and t.demand * share > room:
        # more new posts than its managers and back office can mobilise: a partner may lead
        # and take the part the mutual cannot staff, the mutual the part it can (its room),
        # if that is at least procurement.consortium_min_share of the lot (§3.3 Cases 1, 2
        # and 4, T3.1 Case 1; docs/ODD.md §13.9, §13.14)
        if share == 1.0 and model.rng.random() < p.procurement.consortium_access:
            share = p.procurement.consortium_share
            pooled = partnered
        part = room / max(t.demand, 1e-9)       # shape: no 0/0
        if share < 1.0 and (t.demand * share <= room
                            or part >= p.procurement.consortium_min_share):
            share = min(share, part)
        elif p.procurement.subcontract_access > 0 \
                and part >= p.procurement.subcontract_min_share \
                and model.rng.random() < p.procurement.subcontract_access:
            # a prime contractor takes the mutual into its bid for the part it can
            # mobilise now, for a top-slice of that part (§2.2, §2.5, §3.3 Case 2;
            # docs/ODD.md §13.12)
            # the prime holds the contract and shows the reserves: no investor needed
            share, fee, pooled, carry = part, p.procurement.prime_fee, partnered, 0.0
        else:
            m.count("no_bid_mobilisation")
            model.log("decision", f"did not bid for a tender from {t.commissioner.name}: "
                                  f"{t.demand * share:.0f} new posts, more than the "
                                  f"{max(room, 0):.0f} it can mobilise now.")
            return
    if share < 1.0 and not held \
            and t.window - decision.latency < p.procurement.consortium_months:
        # no time to build a consortium before the deadline (§2.5; docs/ODD.md §13.6)
        m.count("no_bid_consortium_time")
        return
    slot = writing_slot(model, t, decision.latency, share, own)
    if slot is None and share == 1.0 and not own \
            and t.window - decision.latency >= p.procurement.consortium_months \
            and model.rng.random() < p.procurement.consortium_access:
        # no staff time to write it alone: a consortium partner may write it with the mutual,
        # which then writes only its share (§3.3 'consortium' bidding, Cases 1, 2 and 4; the
        # same route as a busy bid team above; docs/ODD.md §13.6)
        share = p.procurement.consortium_share
        pooled = partnered
        slot = writing_slot(model, t, decision.latency, share, own)
    if slot is None:
        m.count("no_bid_writing_time")
        model.log("decision", f"did not bid for a tender from {t.commissioner.name}: no staff "
                              f"time to write it in the {t.window} months allowed.")
        return
    cost = cost_price(model, t)
    error = misreading(model, decision)
    if error:
        m.count("bids_misjudged")
    # what the mutual believes the work costs; through a prime, what the prime must be paid
    # so that the mutual's part, less the prime's top-slice, covers that
    # (and, with a social investor carrying its reserves, the investor's charge too)
    # (x / (1 - 0.0) is x exactly, so one expression serves every case)
    price = int(cost * (1 + error) / (1 - fee) / (1 - carry))
    if price > t.value * (1 + max_loss(p, decision.risk_appetite)):
        # the deciders' risk appetite sets how far below cost they will bid, for their own work
        # as for new work: a cautious board does not defend a service it would deliver at a
        # loss beyond that (§3.5 'contracts being worth less than [their] TUPE implications';
        # §5.2; docs/ODD.md §10)
        if own:
            t.declined = True
            m.count("rebids_declined")
            model.log("decision", f"did not defend {t.incumbent.label} at its re-tender: the "
                                  f"work would cost {price / max(t.value, 1) - 1:.0%} more "
                                  "than the budget, beyond the deciders' appetite for a loss.")
        else:
            m.count("no_bid_unprofitable")
        return
    bid_cost = round(share * max(p.procurement.bid_cost_min * 100,
                                 p.procurement.bid_cost_share * t.value))
    if model.funding.ledger.balance - bid_cost < 0 and not own:
        m.count("no_bid_unaffordable")
        return
    finance.post(model, "bid_costs", -bid_cost)
    m.writing.append(slot)      # the staff's hours go to the bid until its deadline
    m.count("bids_made")
    t.mutual_bid = Bid(price=min(price, t.value), share=share, pooled=pooled, turnover=income,
                       cost=cost, error=error, fee=fee, carry=carry)
    if fee:
        m.count("subcontract_bids")
    if carry:
        m.count("investor_bids")


def investor_carries(model, t: Tender) -> bool:
    """Does a social investor in the consortium carry the reserves a framework asks of the
    mutual's part of ``t`` (docs/ODD.md §13.17)? The same investor again for a contract it
    carries; otherwise with chance ``procurement.investor_partner`` (no draw at 0)."""
    if t.incumbent is not None and t.incumbent.carry > 0:
        return True
    chance = model.params.procurement.investor_partner
    return chance > 0 and bool(model.rng.random() < chance)


def investor_charge(p) -> float:
    """The investor's charge, as a share of the mutual's part's value a year: the
    social-investment rate on the reserves it shows, ``framework_reserve_months`` of that
    value (§3.6 '6%', 'plus 7%'; docs/ODD.md §13.17)."""
    return p.finance.social_investment_rate * p.commissioning.framework_reserve_months / 12


def _excluded(m, bar: str) -> None:
    m.count("excluded_by_framework")
    if bar == "reserves":
        m.count("excluded_by_reserves")


def misreading(model, decision) -> float:
    """How far the decision misreads the cost of the work: 0 when it is right, otherwise
    ± ``procurement.misjudgement`` (docs/ODD.md §13)."""
    if decision.correct:
        return 0.0
    size = model.params.procurement.misjudgement
    return size if model.rng.random() < 0.5 else -size


# --- scoring and award ------------------------------------------------------------------------

def weights(p) -> tuple[float, float, float]:
    """(price, quality, social value) weights, rescaled to sum to 1."""
    wp, ws = p.procurement.price_weight, p.procurement.social_value_weight
    wq = max(0.0, 1.0 - wp - ws)
    total = wp + wq + ws
    return wp / total, wq / total, ws / total


def _judgement_noise(model, t: Tender) -> float:
    p = model.params
    sd = p.procurement.quality_noise * \
        (p.procurement.noise_inexperience - t.commissioner.officer_experience)
    return float(model.rng.normal(0.0, sd))


def _scale_penalty(model, turnover: float, t: Tender) -> float:
    """Bidders small against the lot look risky to deliver it (§2.5 'missing middle'): full
    marks need the turnover a framework would ask for (k × the lot's value)."""
    comfort = max(1.0, model.params.commissioning.framework_turnover_multiple) * max(t.value, 1)
    return model.params.procurement.scale_penalty * (1.0 - min(1.0, turnover / comfort))


def incumbency(p, t: Tender | None = None) -> float:
    """A risk-averse commissioner favours the provider it knows (continuity of service), for
    the part of the lot whose provider would not change: the service the incumbent delivers
    now, against the whole re-tendered lot (1/lots when its service is bundled with others,
    §2.5 'consolidation of multiple contracts into a single contract'; docs/ODD.md §10).
    Without a tender, the bonus on a lot of the incumbent's service alone."""
    bonus = p.procurement.incumbency_base + \
        p.procurement.incumbency_risk_aversion * p.commissioning.risk_aversion
    if t is None or t.incumbent is None:
        return bonus
    k = t.incumbent
    return bonus * min(1.0, k.demand / max(k.share, 1e-9) / max(t.demand, 1e-9))  # shape: no 0/0


def mutual_entry(model, t: Tender) -> Entry:
    p, m, bid = model.params, model.funding.market, t.mutual_bid
    quality = (model.people.service_quality + p.procurement.track_record_weight
               * m.track_record
               + p.procurement.relationship_weight * t.commissioner.relationship
               + p.procurement.bid_writing_weight * bid_writing(model)
               + (incumbency(p, t) if t.incumbent is not None else 0.0)
               - _scale_penalty(model, bid.pooled, t) + _judgement_noise(model, t))
    return Entry("mutual", "mutual", bid.price, quality, finance.social_value_strength(model))


def rival_cost(model, t: Tender) -> float:
    """What the lot costs a competitor to deliver at its margin (pence a year): the same
    labour market and terms (pay at public-sector rates, the transferring staff's protected
    pensions, §3.5), overheads and margin as the mutual's, and the sector's productivity.
    A competitor discounts the budget by its usual cut, but goes no further below this cost
    than the mutual at a middling risk appetite (``max_loss``), unless it leads with a loss
    (a further ``max_loss``, §2.5); a lot that costs more than the budget at that price gets
    no bid from it. docs/ODD.md §13."""
    p = model.params
    moving = t.tupe_staff + (p.procurement.tupe_transfer_share * t.incumbent.demand
                             if t.incumbent is not None else 0.0)
    tupe = min(1.0, moving / max(t.demand, 1e-9))  # shape: no 0/0
    # pay at public-sector rates (index 1), no pipeline programme
    unit = 12 * sum(finance.head_costs(p, 1.0, tupe, 0.0))
    margin = 1 - p.finance.overhead_share - p.finance.target_margin
    # shape: as cost_price, a margin floor that keeps the division finite
    return t.demand / model.funding.market.productivity * unit / max(margin, 0.05)


def competitor_entries(model, t: Tender) -> list[Entry]:
    """Competitors who bid: those present in the region, past the framework rule, and with
    the appetite and size for the lot (§2.5)."""
    p, rng = model.params, model.rng
    k = p.commissioning.framework_turnover_multiple
    out = []
    cost = None  # rival_cost(model, t): the same for every competitor, so computed once
    for prov in model.funding.market.providers:
        if prov.region is not None and prov.region != t.region:
            continue
        if prov.kind == "council_trading_company" and t.commissioner.kind != "council":
            continue
        turnover = prov.turnover * 100
        if t.framework and turnover < k * t.value:
            continue
        big_enough = turnover / max(p.procurement.competitor_size_multiple * t.value, 1)
        if rng.random() >= prov.bid_propensity * min(1.0, big_enough):
            continue
        cut = prov.price_cut + rng.normal(0.0, p.procurement.competitor_price_noise)
        if cost is None:
            cost = rival_cost(model, t)
        floor = cost * (1 - max_loss(p, 0.5))  # as far below cost as the mutual
        if rng.random() < prov.loss_leading:
            cut += p.procurement.loss_leading_cut   # 'They can make a loss of millions
            floor *= 1 - max_loss(p, 0.5)
        price = max(int(t.value * (1 - cut)), int(floor))
        if price > t.value:
            continue      # the work costs more than the budget: no rival bids for it
        known = p.procurement.competitor_known_local if prov.region == t.region else \
            p.procurement.competitor_known_away
        quality = (prov.quality + p.procurement.bid_writing_weight * prov.bid_writing
                   + p.procurement.relationship_weight * known
                   - _scale_penalty(model, turnover, t) + _judgement_noise(model, t))
        social_value = float(min(max(prov.social_value + rng.normal(  # clipped to 0-1
            0, p.procurement.competitor_social_value_noise), 0.0), 1.0))
        out.append(Entry(prov, prov.kind, price, quality, social_value))
    return out


def award(model, t: Tender) -> None:
    p, m = model.params, model.funding.market
    entries = competitor_entries(model, t)
    prime = None
    if t.mutual_bid is not None and t.mutual_bid.fee:
        # a subcontractor is not a bidder: its part is in the bid of the largest rival bidding,
        # the prime contractor, and is won if the prime wins (§2.2, §3.3; docs/ODD.md §13.12)
        prime = max(entries, key=lambda e: e.who.turnover, default=None)
    elif t.mutual_bid is not None:
        entries.append(mutual_entry(model, t))
    if not entries:  # nobody bid: the incumbent carries on for a year, or nothing happens
        if t.incumbent is not None:
            t.incumbent.retendering = False
            t.incumbent.end = model.month + 12
        return
    wp, wq, ws = weights(p)
    low = max(1, min(e.price for e in entries))  # a lot can round to nothing: no 0/0
    scores = [wp * low / max(e.price, 1) + wq * e.quality + ws * e.social_value
              for e in entries]
    winner = entries[int(np.argmax(scores))]
    won = winner.who == "mutual" or (prime is not None and winner is prime)
    m.bid_log.append(BidRecord(
        month=model.month, tender=t.id, mutual_bid=t.mutual_bid is not None, won=won,
        winner=winner.kind, incumbent=t.incumbent is not None,
        core=t.incumbent is not None and t.incumbent.core,
        rivals=sorted({e.kind for e in entries if e.who != "mutual"}), lots=t.lots,
        value=pounds(t.value),
        mutual_turnover=pounds(t.mutual_bid.turnover) if t.mutual_bid else None))
    if won:
        m.count("bids_won")
        m.track_record += p.procurement.track_record_gain * (1 - m.track_record)
        _take_up(model, t, winner.price)
    elif t.incumbent is not None:
        k = t.incumbent
        how = "retender" if t.mutual_bid is not None else _why_no_bid(model, t)
        leave = round(p.procurement.tupe_transfer_share * k.demand / m.productivity)
        article = "an" if winner.kind[0] in "aeiou" else "a"
        m.count("expiries_lost")
        end_contract(model, k, how, leave,
                     to_whom=f" to {article} {winner.kind.replace('_', ' ')} bidder")


def _why_no_bid(model, t: Tender) -> str:
    return "missed" if t.missed else "declined" if t.declined else "excluded"


def _take_up(model, t: Tender, price: int) -> None:
    """A won tender: renew the incumbent contract (with any bundled services) or start a new
    one; staff of services new to the mutual transfer in under TUPE (§3.5)."""
    p, m, bid = model.params, model.funding.market, t.mutual_bid
    share = bid.share
    below = _below_cost(model, bid, price)
    years, ext = p.procurement.contract_years, 12 * p.procurement.extension_years
    incoming = round(t.tupe_staff * share)
    if t.incumbent is not None:
        k = t.incumbent
        if share < 1.0:
            # in consortium, staff transfer in with the mutual's new posts only (its share of
            # the lot less what it delivers now); the partner's part and its staff stay with
            # the partner (docs/ODD.md §13.14)
            others = t.demand - k.demand
            new = max(0.0, t.demand * share - k.demand)
            incoming = round(t.tupe_staff * new / others) if others > 0 else 0
        if k.core:
            years = p.organisation.core_contract_years
        k.retendering, k.end, k.extensions_left = False, model.month + 12 * years, ext
        # an investor carrying its reserves stays (its charge off the value), or leaves (§13.17)
        k.value = int(price * share * (1 - bid.carry))
        k.demand, k.share, k.carry = t.demand * share, share, bid.carry
        if bid.carry:
            m.count("investor_wins")
        if incoming:
            k.teams = k.teams + open_teams(model, incoming, k.region)
        transfer_in(model, k, incoming)
        m.count("renewals")
        m.count("expiries_kept")
        model.log("contract", (f"{k.label} re-tendered and won; {incoming} staff transferred "
                               "in with bundled services" if incoming else
                               f"{k.label} re-tendered and won") + below + ".")
        return
    # a social investor carrying its reserves: its charge comes off the value (§13.17)
    k = Contract(m.new_id(), t.commissioner, t.region,
                 int(price * share * (1 - bid.fee) * (1 - bid.carry)), t.demand * share,
                 start=model.month, end=model.month + 12 * years, extensions_left=ext,
                 share=share, statutory=t.statutory, carry=bid.carry)
    if bid.carry:
        m.count("investor_wins")
    new_region = t.region not in {c.region for c in m.contracts} | {0}
    m.mobilised.append((model.month, k.demand, k))   # mobilisation_room
    k.teams = open_teams(model, max(1, round(k.demand)), t.region)
    m.contracts.append(k)
    transfer_in(model, k, incoming)
    where = " in a new region" if new_region else ""
    partners = " as a subcontractor to a prime contractor" if bid.fee else \
        " in consortium with a social investor carrying its reserves" if bid.carry else \
        " in consortium" if share < 1 else ""
    if bid.fee:
        m.count("subcontracts_won")
    model.log("contract", f"won a contract{partners} with {t.commissioner.name}{where} "
                          f"(£{pounds(k.value):,.0f} a year); {incoming} staff transferred in "
                          f"under TUPE{below}.")


def _below_cost(model, bid: Bid, price: int) -> str:
    """A win priced on a cost misread too low: counted, and said in the win's log line."""
    if bid.error >= 0 or price >= bid.cost:
        return ""
    model.funding.market.count("misjudged_wins")
    return (f" — priced on a misreading of its costs, {100 * (1 - price / bid.cost):.0f} % "
            "below what the work will cost to deliver")
