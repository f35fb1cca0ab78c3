"""The funding environment: commissioners, competitors, contracts, tenders (docs/ODD.md §2).

This module holds the *state* of the market and the bridge between contracts and people:
building the market at month 0, opening teams for a won contract, and moving staff out when a
contract goes (TUPE, §3.5). The monthly *rules* live in ``sim/mechanisms/`` (commissioning,
procurement, finance, growth).

Money is kept in whole pence (``int``) so that the books balance to the penny.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.agents import Commissioner, Provider
from sim.parameter import param

REGION_NAMES = ("the home county", "Northshire", "Eastshire", "Southshire", "Westshire",
                "Midshire", "Fenshire", "Moorshire", "Dalesshire", "Coastshire")

# Competitor archetypes (§2.5, §3.3; sizes and behaviour are assumptions, see docs/ODD.md §10):
# the defaults of the market.<kind>.<field> parameters declared below. price_cut: usual
# discount on the commissioner's budget; loss_leading: chance of bidding a further
# procurement.loss_leading_cut below cost "if it's strategically advantageous" (§2.5, Case 5).
PROVIDER_DEFAULTS = {
    "corporate": dict(turnover=250e6, bid_writing=1.0, bid_propensity=0.5, price_cut=0.06,
                      loss_leading=0.25, quality=0.55, social_value=0.3, count=2),
    "large_charity": dict(turnover=80e6, bid_writing=0.8, bid_propensity=0.4, price_cut=0.03,
                          loss_leading=0.0, quality=0.6, social_value=0.6, count=2),
    "small_voluntary": dict(turnover=2e6, bid_writing=0.2, bid_propensity=0.3, price_cut=0.01,
                            loss_leading=0.0, quality=0.55, social_value=0.75, count=2),
    "council_trading_company": dict(turnover=30e6, bid_writing=0.5, bid_propensity=0.4,
                                    price_cut=0.04, loss_leading=0.0, quality=0.5,
                                    social_value=0.5, count=1),
    "other_mutual": dict(turnover=15e6, bid_writing=0.4, bid_propensity=0.3, price_cut=0.02,
                         loss_leading=0.0, quality=0.62, social_value=0.8, count=1),
}
NATIONAL = ("corporate", "large_charity")   # bid everywhere; the others in their own region
PROFILE_FIELDS = {  # field -> (unit, low, high, meaning)
    "turnover": ("£ per year", 1e5, 1e10, "annual turnover (framework entry, scale penalty)"),
    "bid_writing": ("index 0–1", 0.0, 1.0, "bid-writing capacity (quality score, §2.5)"),
    "bid_propensity": ("probability", 0.0, 1.0, "chance of bidding for a lot it is big enough for"),
    "price_cut": ("share of budget", 0.0, 0.5, "usual discount on the commissioner's budget"),
    "loss_leading": ("probability", 0.0, 1.0, "chance of bidding below cost (§2.5 Case 5)"),
    "quality": ("score 0–1", 0.0, 1.0, "service quality as scored"),
    "social_value": ("score 0–1", 0.0, 1.0, "social value it can evidence (§2.4)"),
    "count": ("providers", 0, 20, "how many (nationally for corporates and large charities, "
                                   "else per region)"),
}


def _profile_params() -> list:
    out = []
    for kind, profile in PROVIDER_DEFAULTS.items():
        for name, (unit, low, high, meaning) in PROFILE_FIELDS.items():
            out.append(param(f"market.{kind}.{name}", profile[name], unit, low, high,
                             source="§2.5, §3.3 (the competitors the cases met); assumption "
                                    "for the figure (docs/ODD.md §10)",
                             doc=f"{kind.replace('_', ' ').capitalize()}: {meaning}."))
    return out


PARAMS = _profile_params()


def profile(p, kind: str):
    """A competitor archetype's profile as the registry holds it: the typed view of
    ``market.<kind>.*`` (fields ``PROFILE_FIELDS``)."""
    return getattr(p.market, kind)


def pounds(pence: int | float) -> float:
    return pence / 100.0


def to_pence(pounds_value: float) -> int:
    return int(round(pounds_value * 100))


@dataclass(eq=False)
class Contract:
    """A public contract the mutual delivers (alone, or its share of a consortium)."""

    id: int
    commissioner: Commissioner
    region: int
    value: int                  # pence per year, after the consortium share
    demand: float               # staff (FTE) the specification needs, the mutual's share
    start: int                  # month
    end: int                    # month the current term ends
    extensions_left: int        # months of extension option still unused
    core: bool = False          # the anchor contract of §2.2
    share: float = 1.0          # the mutual's share (consortium, §3.3)
    teams: list[int] = field(default_factory=list)
    retendering: bool = False
    # a service the commissioner must provide (§3.2: 'vulnerable (non-statutory) LA funding'):
    # it is re-let or taken in house at expiry, never decommissioned (docs/ODD.md §13.11)
    statutory: bool = False
    # a social investor in the consortium carries its framework reserves: its charge, a share
    # of the value a year (0 = none; procurement.investor_charge(), docs/ODD.md §13.17)
    carry: float = 0.0

    @property
    def label(self) -> str:
        return ("core contract" if self.core else "contract") + \
            f" with {self.commissioner.name}"


@dataclass(eq=False)
class Line:
    """Other income: trading with the public, a grant, rents, an acquired business."""

    kind: str                   # "trading" | "grant" | "rent" | "acquired"
    value: int                  # pence per year
    demand: float               # staff it needs
    public: bool = False        # public grants count as public income (§2.1)
    end: int | None = None      # month it ends (grants), else open-ended


@dataclass(frozen=True, slots=True)
class Bid:
    """The mutual's bid for a tender (procurement.consider), pence a year for the whole lot."""

    price: int                  # what it bids: its believed cost, at most the budget
    share: float                # its share of the work (below 1 in a consortium, §3.3)
    pooled: float               # turnover it (with any partner) shows the commissioner, pence
    turnover: int = 0           # its own trailing-year income, pence
    cost: int = 0               # its true cost price, pence a year
    error: float = 0.0          # how far the decision misread that cost (docs/ODD.md §13)
    fee: float = 0.0            # a prime contractor's top-slice of its part, as a subcontractor
    carry: float = 0.0          # a social investor's charge for carrying its reserves (§13.17)


@dataclass(frozen=True, slots=True)
class BidRecord:
    """One awarded tender in ``Market.bid_log`` (read by the patterns and tests)."""

    month: int
    tender: int
    mutual_bid: bool            # whether the mutual bid
    won: bool
    winner: str                 # the winner's kind ("mutual", "private", ...)
    incumbent: bool             # a re-tender of the mutual's own contract
    core: bool
    rivals: list[str]
    lots: int
    value: float                # £ a year
    mutual_turnover: float | None   # £, when the mutual bid


@dataclass(eq=False)
class Tender:
    """A service put out to tender: a re-tender of an expiring contract or a new one."""

    id: int
    commissioner: Commissioner
    region: int
    value: int                  # pence per year for the whole lot
    demand: float               # staff the whole lot needs
    lots: int                   # services bundled into it (§2.5 consolidation)
    opens: int
    deadline: int
    framework: bool             # turnover entry rule applies (§2.5)
    tupe_staff: int             # staff who would transfer in to a winner (not the incumbent)
    incumbent: Contract | None = None   # the mutual's own contract being re-tendered
    mutual_bid: Bid | None = None
    missed: bool = False        # the mutual's decision came after the deadline
    statutory: bool = False     # the service is a statutory duty (Contract.statutory)
    declined: bool = False      # the mutual would not defend its own work below cost

    @property
    def window(self) -> int:
        return self.deadline - self.opens


@dataclass
class Market:
    """Everything on the funding side that is not a Mesa agent or the ledger."""

    commissioners: list[Commissioner]
    providers: list[Provider]
    contracts: list[Contract] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    tenders: list[Tender] = field(default_factory=list)
    productivity: float = 1.0
    track_record: float = 0.5
    next_id: int = 0
    counts: dict[str, int] = field(default_factory=dict)   # cumulative counters
    core_lost: bool = False
    core_lost_how: str = ""
    core_lost_month: int | None = None
    lean: bool = False
    expansion_boost_until: int = -1
    exposure: float = 1.0       # risk to a small provider this month (commissioning)
    bid_log: list[BidRecord] = field(default_factory=list)
    # bids being written: (first month, deadline, staff hours a month); procurement.writing_slot
    writing: list[tuple[int, int, float]] = field(default_factory=list)
    # new contracts' posts being mobilised: (month won, posts, contract);
    # procurement.mobilisation_room
    mobilised: list[tuple[int, float, Contract]] = field(default_factory=list)
    # room to mobilise built by past mobilisations (posts), as at capacity_month;
    # procurement.capacity_built
    capacity_built: float = 0.0
    capacity_month: int = 0

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def commissioners_in(self, region: int) -> list[Commissioner]:
        return [c for c in self.commissioners if c.region == region]

    def demand(self) -> float:
        return sum(c.demand for c in self.contracts) + sum(x.demand for x in self.lines)


# --- month 0 ----------------------------------------------------------------------------------

def build(model) -> Market:
    """Create commissioners, competitors and the mutual's portfolio at month 0.

    The portfolio is sized so that its work needs exactly ``organisation.staff``: each line of
    income carries a share of the staff in proportion to its value; contracts are worth
    ``procurement.price_per_fte`` × budget index per staff-year. An established mutual that
    states its staff at spin-out (``organisation.spinout_staff``) holds a history: the core and
    other contracts it spun out with, sized from the spin-out, and the contracts it has won
    since (docs/ODD.md §13.15).
    """
    p = model.params
    n_regions = p.commissioning.regions
    commissioners = []
    for r in range(n_regions):
        place = REGION_NAMES[r] if r < len(REGION_NAMES) else f"region {r}"
        council = "the county council" if r == 0 else f"{place} council"
        nhs = "the local NHS commissioning group" if r == 0 else f"{place} NHS commissioners"
        commissioners.append(Commissioner(model, council, "council", r))
        commissioners.append(Commissioner(model, nhs, "nhs", r))
    providers = []
    regional = [kind for kind in PROVIDER_DEFAULTS if kind not in NATIONAL]
    for kind in NATIONAL:
        providers += [Provider(model, kind, None, profile(p, kind))
                      for _ in range(getattr(p.market, kind).count)]
    for r in range(n_regions):
        for kind in regional:
            providers += [Provider(model, kind, r, profile(p, kind))
                          for _ in range(getattr(p.market, kind).count)]
    market = Market(commissioners, providers)
    _site_regions(model)
    _portfolio(model, market)
    _assign_teams(model, market)
    return market


def _site_regions(model) -> None:
    """Sites are spread over the regions served at month 0; site 0 (HQ) is at home."""
    served = min(model.params.organisation.regions, model.params.commissioning.regions,
                 model.org.n_sites)
    model.org.site_region = np.arange(model.org.n_sites) % served


def _portfolio(model, market: Market) -> None:
    p, rng = model.params, model.rng
    staff = p.organisation.staff
    budget = p.commissioning.budget_index
    other_share = p.finance.trading_share + p.finance.grant_share + p.finance.rent_share
    contract_share = max(0.0, 1.0 - other_share)
    fte_value = p.procurement.price_per_fte
    # staff split by each line's share of income (before the budget index scales contracts)
    contract_staff = staff * contract_share
    spun_out = spinout_staff(p)
    # the contracts it spun out with: the core and the rest, sized from the spin-out (§13.15)
    spun = contract_staff if spun_out is None else spun_out * contract_share
    core_staff = spun * p.organisation.core_contract_share
    per = p.procurement.starting_contract_staff

    def split(total: float) -> list[float]:
        n = math.ceil(total / per)
        return [total / n] * n if total >= 1 else []

    sizes = [core_staff] + split(spun - core_staff)
    first_won = len(sizes)                     # from here on: contracts won since spin-out
    sizes += split(contract_staff - spun)
    served = int(model.org.site_region.max()) + 1
    years = p.procurement.contract_years
    for i, demand in enumerate(sizes):
        region = 0 if i == 0 else int(i % served)
        kinds = market.commissioners_in(region)
        commissioner = kinds[0] if i == 0 else kinds[int(rng.integers(len(kinds)))]
        length = 12 * (p.organisation.core_contract_years if i == 0 else years)
        if i >= first_won:
            # first won u months before month 0 and re-let at each term's end since: it is
            # in its current term, which ends within one term of month 0
            u = int(rng.integers(1, 12 * p.organisation.years_since_spinout + 1))
            start, ends = -u, length * (u // length + 1) - u
        else:
            ends = int(rng.integers(1, length + 1))   # staggered expiries
            if i == 0 and p.organisation.founding:
                ends = length                         # the spin-out's new core contract
            start = ends - length
        ext = 12 * p.procurement.extension_years if rng.random() < 0.5 else 0
        statutory = p.organisation.core_contract_statutory if i == 0 else \
            bool(rng.random() < p.commissioning.statutory_share)
        market.contracts.append(Contract(
            market.new_id(), commissioner, region, to_pence(demand * fte_value * budget),
            demand, start=start, end=ends, extensions_left=ext, core=(i == 0),
            statutory=statutory))
    for kind, share, public in (("trading", p.finance.trading_share, False),
                                ("rent", p.finance.rent_share, False)):
        if share > 0:
            market.lines.append(Line(kind, to_pence(staff * share * fte_value),
                                     staff * share, public))
    _starting_grants(model, market, staff * p.finance.grant_share * fte_value)


def spinout_staff(p) -> float | None:
    """The staff at spin-out of an established mutual that states a history
    (``organisation.spinout_staff`` below ``organisation.staff``, not a founding run), else
    None: no history, the month-0 portfolio is sized from the month-0 staff (docs/ODD.md
    §13.15)."""
    o = p.organisation
    if o.founding or not 0 < o.spinout_staff < o.staff:
        return None
    return float(o.spinout_staff)


def _starting_grants(model, market: Market, annual: float) -> None:
    p, rng = model.params, model.rng
    if annual <= 0:
        return
    n = max(1, round(grant_rate(p) * p.finance.grant_years))
    for _ in range(n):
        public = bool(rng.random() < p.finance.grant_public_share)
        end = int(rng.integers(1, 12 * p.finance.grant_years + 1))
        value = annual / n
        market.lines.append(Line("grant", to_pence(value), value / p.procurement.price_per_fte,
                                 public, end))


def grant_rate(p) -> float:
    """New grants per year (§3.6); charities attract more (assumption)."""
    boost = p.finance.charity_grant_boost if p.organisation.legal_form == "charity" else 1.0
    return p.finance.grants_per_year * boost


def _assign_teams(model, market: Market) -> None:
    """Give each contract the teams that deliver it, at sites in its region."""
    size = model.params.organisation.team_size
    free = list(range(model.org.n_teams))
    for c in sorted(market.contracts, key=lambda c: -c.demand):
        want = max(1, round(c.demand / size))
        local = [t for t in free if model.org.site_region[model.org.team_site[t]] == c.region]
        pick = (local or free)[:want]
        c.teams = pick
        free = [t for t in free if t not in pick]


# --- teams and sites for a won contract -------------------------------------------------------

def open_teams(model, n_staff: int, region: int) -> list[int]:
    """New teams for a won contract; a region the mutual did not serve gets a new site
    (dispersion across sites lowers engagement, §3.5)."""
    sites = np.flatnonzero(model.org.site_region == region)
    if len(sites) == 0:
        model.org.n_sites += 1
        model.org.site_region = np.append(model.org.site_region, region)
        site = model.org.n_sites - 1
    else:
        site = int(sites[model.rng.integers(len(sites))])
    n_new = max(1, math.ceil(n_staff / model.params.organisation.team_size))
    first = model.org.n_teams
    model.org.n_teams += n_new
    model.org.team_site = np.append(model.org.team_site, np.full(n_new, site))
    model.org.team_open = np.append(model.org.team_open, np.ones(n_new, dtype=bool))
    return list(range(first, first + n_new))


def close_teams(model, contract: Contract) -> None:
    """Teams of a contract that has gone take no more recruits (if no other contract uses
    them)."""
    in_use = {t for c in model.funding.market.contracts if c is not contract for t in c.teams}
    for t in contract.teams:
        if t not in in_use and t < len(model.org.team_open):
            model.org.team_open[t] = False
    if not model.org.team_open.any():  # keep somewhere to recruit into
        model.org.team_open[0] = True


def transfer_in(model, contract: Contract, n: int) -> None:
    """Staff transferred in under TUPE with a won contract (§3.5: protected terms).

    They transfer with their employment contracts and so with their continuity of service
    (§3.5: the recipient 'becomes responsible for all the employment contracts' terms and
    conditions and employment rights'): they are settled staff of the service, not new starters
    on probation. Their service is drawn as the starting workforce's is (``settled_tenure``);
    a fixed-term contract is part-way through its term (docs/ODD.md §3 step 5)."""
    if n > 0:
        teams = np.resize(np.asarray(contract.teams), n)
        rows = model.add_staff(n, tupe=True, teams=model.rng.permutation(teams))
        s = model.staff
        s.tenure[rows] = model.settled_tenure(n)
        ft = rows[s.fixed_term[rows]]
        s.tenure[ft] %= model.params.workforce.fixed_term_months
        model.month_counts["transferred_in"] = model.month_counts.get("transferred_in", 0) + n


def transfer_out(model, contract: Contract, n: int) -> int:
    """Remove ``n`` staff with a contract that has gone: its own teams first, then staff at
    sites in its region, then anyone. Returns how many left."""
    s = model.staff
    alive = np.flatnonzero(s.alive)
    if n <= 0 or len(alive) == 0:
        return 0
    own = np.isin(s.team[alive], contract.teams)
    local = model.org.site_region[s.site[alive]] == contract.region
    order = np.lexsort((model.rng.random(len(alive)), ~local, ~own))
    rows = alive[order[: min(n, len(alive))]]
    model.remove_staff(rows)
    model.month_counts["transferred_out"] = model.month_counts.get("transferred_out", 0) + \
        len(rows)
    return len(rows)


def end_contract(model, contract: Contract, how: str, staff_leave: int, to_whom: str = "") \
        -> int:
    """A contract ends: it leaves the portfolio, staff go with it, the event is logged."""
    market = model.funding.market
    if contract in market.contracts:
        market.contracts.remove(contract)
    close_teams(model, contract)
    moved = transfer_out(model, contract, staff_leave)
    market.track_record -= model.params.procurement.track_record_loss * market.track_record
    market.count("contracts_lost")
    market.count(f"lost_{how}")
    if contract.core and not market.core_lost:
        market.core_lost, market.core_lost_how = True, how
        market.core_lost_month = model.month
        market.expansion_boost_until = model.month + model.params.growth.loss_boost_months
    words = {"retender": f"re-tendered and lost{to_whom}",
             "in_house": "brought back in house",
             "withdrawn": "withdrawn early without re-tender",
             "not_renewed": "not renewed (service decommissioned)",
             "excluded": "re-tendered through a framework the mutual could not enter",
             "missed": "re-tendered, but the mutual's decision came too late to bid",
             "declined": "re-tendered; the mutual would not defend it below cost"}[how]
    verb = "made redundant" if how in ("withdrawn", "not_renewed") else "transferred out"
    model.log("contract", f"{contract.label} {words}; {moved} staff {verb}.")
    return moved
