"""The funding side: the books balance, the market's patterns (P7, P8, P9, P11) and the
counterfactuals researchers will ask about. Statistical claims pool several seeds; tolerances
come from the spread between seeds. Service users barely matter to the funding side, so most
runs here use few of them to stay fast."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.mechanisms.funding import commissioning, finance, growth, procurement
from sim.mechanisms.funding.market import Bid, BidRecord, Contract, Tender, end_contract
from sim.params import LEGAL_FORMS

from .conftest import cli, mean_and_sem

FEW_USERS = {"organisation.users": 300}
SMALL = {**FEW_USERS, "organisation.staff": 60, "organisation.sites": 1,
         "organisation.core_contract_share": 0.8}
LARGE = {**FEW_USERS, "organisation.staff": 1500, "organisation.sites": 10,
         "organisation.core_contract_share": 0.35}
SMALL_TURNOVER = 5e6   # £ a year: "small" at the time of a bid
NUMERIC = ["headcount", "turnover", "reserves", "surplus", "public_income_share",
           "contracts_held", "regions", "bids_made", "bids_won", "social_value",
           "surplus_margin", "loan_balance", "pay_index", "workload"]


def _run(overrides, seed=0, scenario="base", months=None):
    return sim.run(scenario, seed=seed, months=months, overrides=overrides, keep_model=True)


def _assert_books_balance(result):
    """Reserves each observed month = opening + every flow posted up to then, in pence."""
    led = result.model.funding.ledger
    months = sorted(led.balance_at)
    flows = np.zeros(max(months) + 1, dtype=np.int64)
    for month, _, pence in led.entries:
        flows[month] += pence
    running = led.opening + np.cumsum(flows)
    for m in months:
        assert led.balance_at[m] == running[m], (m, led.balance_at[m], running[m])
    ts = result.timeseries
    assert np.allclose(ts["reserves"].to_numpy() * 100, [led.balance_at[m] for m in months],
                       atol=0.5)
    assert all(isinstance(pence, int) for _, _, pence in led.entries)


def _assert_sane(result):
    ts = result.timeseries
    assert not ts[NUMERIC].isna().any().any()
    assert np.isfinite(ts[NUMERIC].to_numpy(dtype=float)).all()
    assert (ts["headcount"] >= 0).all() and result.model.funding.staff_target >= 0
    assert (ts["contracts_held"] >= 0).all()


# --- accounting -------------------------------------------------------------------------------

scenario_draws = st.fixed_dictionaries({
    "organisation.staff": st.integers(5, 300),
    "organisation.legal_form": st.sampled_from(LEGAL_FORMS),
    "organisation.core_contract_share": st.floats(0.0, 1.0),
    "commissioning.budget_index": st.floats(0.0, 2.0),
    "commissioning.officer_churn_per_year": st.floats(0.0, 12.0),
    "commissioning.lot_consolidation": st.floats(1.0, 5.0),
    "commissioning.framework_turnover_multiple": st.floats(0.0, 10.0),
    "procurement.social_value_weight": st.floats(0.0, 1.0),
    "procurement.price_weight": st.floats(0.0, 1.0),
    "procurement.efficiency_demand": st.floats(0.0, 0.2),
    "finance.opening_reserves_months": st.floats(0.0, 36.0),
    "finance.trading_share": st.floats(0.0, 0.5),
    "growth.acquisition_per_year": st.floats(0.0, 1.0),
    "workforce.tupe_pension_premium": st.floats(0.0, 0.4),
})


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(draw=scenario_draws, seed=st.integers(0, 2**32 - 1))
def test_reserves_equal_opening_plus_recorded_flows_to_the_penny(draw, seed):
    result = _run({**draw, "organisation.users": 50, "months": 48}, seed=seed)
    _assert_books_balance(result)
    _assert_sane(result)


@pytest.mark.slow
@pytest.mark.parametrize("extreme", [
    {"commissioning.budget_index": 0.0},
    {"procurement.social_value_weight": 1.0},
    {"commissioning.officer_churn_per_year": 12.0},
], ids=["zero budget", "social value only", "churn every month"])
def test_thirty_years_at_extreme_settings_keep_the_books_and_stay_sane(extreme):
    result = _run({**extreme, "organisation.staff": 150, "organisation.users": 200,
                   "months": 360}, seed=5)
    _assert_books_balance(result)
    _assert_sane(result)


def test_zero_budget_and_nothing_else_to_live_on_ends_in_insolvency_and_the_run_stops():
    result = _run({"commissioning.budget_index": 0.0, "finance.trading_share": 0.0,
                   **FEW_USERS, "months": 120})
    ts = result.timeseries
    assert result.final["failed"] and ts["failed"].iloc[-1]
    assert len(ts) < 121                                  # stopped before the horizon
    assert not ts["failed"].iloc[:-1].any()
    assert any(e["kind"] == "failure" for e in result.events)


def test_zero_budget_with_trading_income_shrinks_to_the_trading_arm():
    """Every public contract is withdrawn; the staff who cannot be redeployed are made
    redundant, and what is left lives on trading with the public (§3.3 diversification)."""
    result = _run({"commissioning.budget_index": 0.0, **FEW_USERS, "months": 60})
    ts = result.timeseries
    _assert_books_balance(result)
    assert ts["contracts_held"].iloc[-1] == 0 and ts["public_income_share"].iloc[-12:].mean() < 0.1
    assert 0 < ts["headcount"].iloc[-1] < 0.2 * ts["headcount"].iloc[0]
    assert any("could not be redeployed" in e["text"] for e in result.events)


# --- the month-0 portfolio -------------------------------------------------------------------

def test_the_month0_portfolio_is_the_history_the_mutual_states():
    """docs/ODD.md §13.15: a mutual that spun out at half its month-0 size, with all its
    spin-out contract income in the core, holds a core of about half its contract income; the
    rest is contracts won since spin-out, within ``years_since_spinout`` before month 0 and in
    their current term. Without a stated history (or in a founding run) the core is
    ``core_contract_share`` of the month-0 contract income. Fails if the history is ignored."""
    base = {**FEW_USERS, "organisation.staff": 200, "organisation.sites": 1,
            "organisation.core_contract_share": 1.0, "organisation.years_since_spinout": 4}

    def portfolio(**over):
        market = sim.MutualModel("base", rng=3, overrides=base | over).funding.market
        core = next(c for c in market.contracts if c.core)
        return core, market.contracts, core.value / sum(c.value for c in market.contracts)

    core, contracts, share = portfolio(**{"organisation.spinout_staff": 100})
    assert share == pytest.approx(0.5, abs=0.01)
    won = [c for c in contracts if not c.core]
    assert won and sum(c.demand for c in won) == pytest.approx(core.demand, rel=0.01)
    years = 12 * 3   # procurement.contract_years
    assert all(-48 <= c.start < 0 and 0 < c.end <= years and (c.end - c.start) % years == 0
               for c in won)
    for over in ({"organisation.spinout_staff": 0}, {"organisation.spinout_staff": 300},
                 {"organisation.spinout_staff": 100, "organisation.founding": True}):
        core, contracts, share = portfolio(**over)
        assert share == pytest.approx(1.0) and len(contracts) == 1, over


# --- coupling to people -----------------------------------------------------------------------

def test_losing_a_contract_transfers_its_staff_out_and_lowers_the_staff_target():
    model = sim.MutualModel("base", rng=2, overrides=FEW_USERS)
    core = next(c for c in model.funding.market.contracts if c.core)
    head, target = model.staff.count(), model.funding.staff_target
    moved = end_contract(model, core, "retender", 50, to_whom=" to a corporate bidder")
    finance.plan_staffing(model)
    assert moved == 50 and model.staff.count() == head - 50
    assert model.funding.staff_target < target - 0.9 * core.demand
    assert model.funding.market.core_lost and "core contract with the county council re-tendered " \
        "and lost to a corporate bidder; 50 staff transferred out." in model.events[-1]["text"]


@pytest.mark.parametrize("months", [3, 120])
def test_staff_who_cannot_be_redeployed_are_made_redundant_after_the_consultation(months):
    """After a loss, staff beyond the funded posts wait ``redeployment_months`` for vacancies,
    then the excess beyond the slack goes, at a redundancy cost (120 = never)."""
    model = sim.MutualModel("base", rng=2, overrides={**FEW_USERS, "months": 24,
                                                      "workforce.redeployment_months": months})
    core = next(c for c in model.funding.market.contracts if c.core)
    end_contract(model, core, "retender", round(0.5 * core.demand), " to a corporate bidder")
    finance.plan_staffing(model)
    excess = model.staff.count() - model.funding.staff_target
    assert excess > 50
    model.run_for(5)
    said = [e for e in model.events if "could not be redeployed" in e["text"]]
    slack = model.p["workforce.redeployment_slack"]
    if months == 3:
        assert model.staff.count() <= math.ceil(model.funding.staff_target * (1 + slack))
        assert len(said) == 1 and said[0]["month"] == 4
        assert model.funding.ledger.total(["redundancy"], 1, 5) < 0   # redundancy pay went out
    else:
        assert not said and model.staff.count() > model.funding.staff_target + 0.5 * excess


def test_winning_a_contract_transfers_staff_in_under_tupe_with_a_pension_premium():
    model = sim.MutualModel("base", rng=2, overrides=FEW_USERS)
    c = model.funding.market.commissioners[0]
    t = Tender(999, c, 0, value=100_000_000, demand=30.0, lots=1, opens=0, deadline=0,
               framework=False, tupe_staff=21)
    t.mutual_bid = Bid(price=95_000_000, share=1.0, pooled=1e12)
    tupe_before = int((model.staff.tupe & model.staff.alive).sum())
    procurement._take_up(model, t, 95_000_000)
    assert int((model.staff.tupe & model.staff.alive).sum()) == tupe_before + 21
    won = model.funding.market.contracts[-1]
    assert isinstance(won, Contract) and won.value == 95_000_000
    finance.plan_staffing(model)
    assert model.funding.staff_target >= 400 + 29   # the new work needs staff (some to recruit)
    premium = finance.monthly_costs(model)
    model.p = {**model.p, "workforce.tupe_pension_premium": 0.0}
    assert premium > finance.monthly_costs(model)


@pytest.mark.parametrize("appetite,bids", [(0.9, True), (0.2, False)])
def test_a_bold_board_bids_below_cost_and_a_cautious_one_does_not(appetite, bids):
    """The directors' risk appetite sets how far under its cost price the mutual will bid for
    new work (0.5 -> 8 %); this tender's budget is 10 % under cost."""
    model = sim.MutualModel("base", rng=2, overrides={**FEW_USERS,
                                                      "governance.urgent_delegation": 0.0})
    for director in model.governance.board.members():
        director.risk_appetite = appetite
    t = Tender(999, model.funding.market.commissioners[0], 0, value=1, demand=30.0, lots=1, opens=0,
               deadline=24, framework=False, tupe_staff=0)
    t.value = int(procurement.cost_price(model, t) / 1.10)
    procurement.consider(model, t)
    assert (t.mutual_bid is not None) == bids
    assert model.funding.market.counts.get("no_bid_unprofitable", 0) == (0 if bids else 1)


@pytest.mark.parametrize("reserve_months,pounds_held,bids", [
    (3.0, 100_000, False),    # reserves below a quarter of the lot's value: shut out
    (3.0, 2_000_000, True),   # enough reserves: it bids
    (0.0, 100_000, True),     # no reserves rule: the same thin reserves bid
])
def test_a_framework_shuts_out_a_bidder_whose_reserves_cannot_carry_the_work(
        reserve_months, pounds_held, bids):
    """§2.5: frameworks require 'financial reserves and a specific minimum turnover'
    (docs/ODD.md §13.13). A framework lot of about £1.1m a year (a 400-staff mutual's turnover is
    more than double it, so the turnover rule passes) needs reserves, net of loans, of 3/12 of
    it, about £280k: with £100k the mutual is shut out (no partner found), with £2m it bids,
    and with the rule off the same £100k bids."""
    model = sim.MutualModel("base", rng=2, overrides={
        **FEW_USERS, "governance.urgent_delegation": 0.0, "procurement.misjudgement": 0.0,
        "procurement.consortium_access": 0.0,
        "commissioning.framework_reserve_months": reserve_months})
    t = Tender(999, model.funding.market.commissioners[0], 0, value=1, demand=30.0, lots=1,
               opens=0, deadline=24, framework=True, tupe_staff=0)
    t.value = int(procurement.cost_price(model, t) * 1.05)
    income, _, _ = finance.trailing_year(model)
    assert income >= 2 * t.value                            # the turnover rule passes
    model.funding.ledger.balance = pounds_held * 100
    assert commissioning.framework_bar(model, t, income, 1.0) == ("" if bids else "reserves")
    procurement.consider(model, t)
    assert (t.mutual_bid is not None) == bids
    counts = model.funding.market.counts
    assert counts.get("excluded_by_reserves", 0) == counts.get("excluded_by_framework", 0) \
        == (0 if bids else 1)


def test_with_no_reserves_rule_a_bidder_in_debt_is_not_shut_out_for_its_reserves():
    """`framework_reserve_months = 0` is "no reserves rule" (its registry entry), not "reserves
    of at least 0": a bidder whose loans exceed its balance passes the bar (the turnover rule
    still applies); at 3 months the same bidder is shut out for its reserves."""
    for months, why in ((0.0, ""), (3.0, "reserves")):
        model = sim.MutualModel("base", rng=2, overrides={
            **FEW_USERS, "commissioning.framework_reserve_months": months})
        t = Tender(999, model.funding.market.commissioners[0], 0, value=1, demand=30.0, lots=1,
                   opens=0, deadline=24, framework=True, tupe_staff=0)
        t.value = int(procurement.cost_price(model, t) * 1.05)
        income, _, _ = finance.trailing_year(model)
        model.funding.ledger.balance = -50_000 * 100
        assert commissioning.framework_bar(model, t, income, 1.0) == why, months


def _thin_reserves_framework_bid(investor: float):
    """A base mutual with £100k of reserves, a consortium partner always found, and a framework
    lot of about £1.1m a year (turnover passes; its half part needs about £140k of reserves):
    ``consider`` it with ``procurement.investor_partner`` = ``investor``."""
    model = sim.MutualModel("base", rng=2, overrides={
        **FEW_USERS, "governance.urgent_delegation": 0.0, "procurement.misjudgement": 0.0,
        "procurement.consortium_access": 1.0, "procurement.investor_partner": investor})
    t = Tender(999, model.funding.market.commissioners[0], 0, value=1, demand=30.0, lots=1,
               opens=0, deadline=24, framework=True, tupe_staff=0)
    t.value = int(procurement.cost_price(model, t) * 1.05)
    model.funding.ledger.balance = 100_000 * 100
    procurement.consider(model, t)
    return model, t


def test_a_social_investor_in_the_consortium_carries_the_reserves_of_the_mutuals_part():
    """T3.1 Case 1 ('in consortium with Bridges Fund Management'), §3.6 (social investors fund
    what reserves cannot; docs/ODD.md §13.17): with no investor partner the thin reserves shut
    the mutual's consortium part out of the framework; with one, it bids in consortium and
    prices in the investor's charge, the social-investment rate on the reserves carried
    (0.065 × 3/12 of the part's value a year)."""
    without, t0 = _thin_reserves_framework_bid(0.0)
    assert t0.mutual_bid is None
    assert without.funding.market.counts.get("excluded_by_reserves", 0) == 1
    model, t = _thin_reserves_framework_bid(1.0)
    bid, counts = t.mutual_bid, model.funding.market.counts
    charge = model.p["finance.social_investment_rate"] * \
        model.p["commissioning.framework_reserve_months"] / 12
    assert bid is not None and bid.share < 1.0 and bid.fee == 0.0
    assert bid.carry == pytest.approx(charge) and charge == pytest.approx(0.01625)
    assert counts.get("investor_bids", 0) == 1 and counts.get("excluded_by_framework", 0) == 0
    assert bid.price == min(int(bid.cost / (1 - charge)), t.value) and bid.price > bid.cost


def test_an_investor_is_drawn_only_where_the_rule_is_on_and_stays_with_its_contract():
    """At procurement.investor_partner 0 no draw is made (every scenario that does not set it
    runs draw for draw as before); a re-tender of a contract an investor carries goes to the
    same investor without a draw."""
    model = sim.MutualModel("base", rng=2, overrides=FEW_USERS)
    m = model.funding.market
    t = Tender(999, m.commissioners[0], 0, value=1, demand=30.0, lots=1, opens=0, deadline=24,
               framework=True, tupe_staff=0)
    state = model.rng.bit_generator.state
    assert not procurement.investor_carries(model, t)
    k = m.contracts[-1]
    k.carry = 0.01
    t.incumbent = k
    assert procurement.investor_carries(model, t)
    assert model.rng.bit_generator.state == state


@pytest.mark.parametrize("carry", [0.0, 0.01625])
def test_a_contract_an_investor_carries_pays_the_mutual_its_value_less_the_charge(carry):
    """A won consortium part carried by a social investor is worth (1 − charge) of its share
    of the price to the mutual, and the contract keeps the charge; renewed without the
    investor (its own reserves now pass), the charge ends (docs/ODD.md §13.17)."""
    model = sim.MutualModel("base", rng=2, overrides=FEW_USERS)
    m = model.funding.market
    t = Tender(999, m.commissioners[0], 0, value=100_000_000, demand=30.0, lots=1, opens=0,
               deadline=0, framework=True, tupe_staff=0)
    t.mutual_bid = Bid(price=95_000_000, share=0.5, pooled=1e12, carry=carry)
    procurement._take_up(model, t, 95_000_000)
    won = m.contracts[-1]
    assert won.value == int(95_000_000 * 0.5 * (1 - carry)) and won.carry == carry
    assert m.counts.get("investor_wins", 0) == (1 if carry else 0)
    r = Tender(1000, won.commissioner, 0, value=100_000_000, demand=15.0, lots=1, opens=0,
               deadline=0, framework=True, tupe_staff=0, incumbent=won)
    r.mutual_bid = Bid(price=96_000_000, share=0.5, pooled=1e12)
    procurement._take_up(model, r, 96_000_000)
    assert won.carry == 0.0 and won.value == int(96_000_000 * 0.5)


@pytest.mark.parametrize("appetite,defended", [(0.9, True), (0.2, False)])
def test_the_deciders_risk_appetite_decides_whether_the_mutual_defends_its_own_work(
        appetite, defended):
    """The same rule holds for a re-bid for the mutual's own contract (stop 23): its budget
    is 10 % under the cost price, so a bold board (appetite 0.9: up to 14.4 %) defends it and a
    cautious one (0.2: 3.2 %) does not; a rival winning it then takes it as "declined", a
    loss at a competitive re-tender (§2.2)."""
    model = sim.MutualModel("base", rng=2, overrides={**FEW_USERS,
                                                      "governance.urgent_delegation": 0.0,
                                                      "procurement.misjudgement": 0.0})
    for director in model.governance.board.members():
        director.risk_appetite = appetite
    own = max(model.funding.market.contracts, key=lambda k: k.value)
    t = Tender(999, own.commissioner, own.region, value=1, demand=own.demand, lots=1, opens=0,
               deadline=24, framework=False, tupe_staff=0, incumbent=own)
    t.value = int(procurement.cost_price(model, t) / 1.10)
    procurement.consider(model, t)
    assert (t.mutual_bid is not None) == defended
    assert t.declined == (not defended)
    assert model.funding.market.counts.get("rebids_declined", 0) == (0 if defended else 1)
    if not defended:
        assert procurement._why_no_bid(model, t) == "declined"


def test_a_slow_strategy_decision_misses_every_new_tender():
    """New bids are strategy decisions (§5.2): under the full strategy procedure, one that
    takes longer than the bid window misses every new tender; re-bidding for its own services
    (operations) still happens."""
    slow = {**FEW_USERS, "months": 60, "governance.depth.strategy": 1.0,
            "governance.bids.procedure": "full",
            "governance.urgent_delegation": 0.0, "governance.latency.board_months": 6.0}
    model = sim.MutualModel("base", rng=4, overrides=slow)
    model.run_for(60)
    assert model.governance.decision_latency["strategy"] > 6.0
    counts = model.funding.market.counts
    assert counts.get("tenders_missed", 0) > 5
    new_bids = [b for b in model.funding.market.bid_log if b.mutual_bid and not b.incumbent]
    assert new_bids == []
    assert any("the strategy decision took" in e["text"] for e in model.events)


def test_a_grown_mutual_can_mobilise_more_than_a_fresh_one_of_the_same_size():
    """The room to mobilise follows the management capacity built (docs/ODD.md §13.9; §3.5
    'parallel development of functional/management systems'): a new contract still held when
    its mobilisation window closes leaves procurement.mobilisation_learning posts of room per
    post behind, at the same headcount; one lost before its window closed leaves none."""
    fresh, grown, lost = (sim.MutualModel("base", rng=2, overrides=FEW_USERS)
                          for _ in range(3))
    window = fresh.p["procurement.mobilisation_months"]
    for model, held in ((grown, True), (lost, False)):
        m = model.funding.market
        k = m.contracts[-1] if held else Contract(
            998, m.commissioners[0], 0, value=1, demand=60.0, start=-window, end=24,
            extensions_left=0)
        m.mobilised.append((-window, 60.0, k))   # its window closes this month
    base = procurement.mobilisation_room(fresh)
    assert grown.staff.count() == fresh.staff.count()
    assert procurement.mobilisation_room(grown) == pytest.approx(
        base + fresh.p["procurement.mobilisation_learning"] * 60.0)
    assert procurement.mobilisation_room(lost) == pytest.approx(base)
    assert grown.funding.market.mobilised == [] and procurement.capacity_built(grown) > 0


def _idea_model(monkeypatch, correct=True, innovation=1.0, **over):
    """A base mutual at month 0 with an idea every year it has ideas (diversification
    chance 1 at innovation 1), a strategy decision in time and judged ``correct``, a trusting
    officer at one commissioner (relationship 1) and good service (regard e^1.6)."""
    model = sim.MutualModel("base", rng=4, overrides=FEW_USERS | {
        "growth.diversification_per_year": 1.0, "commissioning.max_extension_chance": 1.0,
        "commissioning.related_service_acceptance": 1.0} | over)
    decision = type("D", (), {"correct": correct, "in_time": True, "latency": 0.5})()
    monkeypatch.setattr(growth, "_growth_decision", lambda model, what: decision)
    model.people.innovation = innovation
    model.people.service_quality = 1.0
    m = model.funding.market
    for c in m.commissioners:
        c.relationship = 0.0
    trusted = max(m.contracts, key=lambda k: k.value).commissioner
    trusted.relationship = 1.0
    return model, trusted


def test_an_idea_judged_right_becomes_a_service_its_trusting_commissioner_pays_for(monkeypatch):
    """docs/ODD.md §13.16 (§2.3, T2.1 Case 7): an idea the strategy decision judged right goes
    first to the mutual's own commissioner with the strongest relationship, which commissions
    a related public service of growth.related_service_share of its largest contract held, at
    that contract's unit price, as a new non-statutory contract whose posts are funded and
    count against the room to mobilise; the pilot is paid from reserves. With no ideas
    (innovation 0) nothing is commissioned; refused, or judged wrong, it is a trading line; a
    commissioner with no budget is not asked. Fails if the mechanism is ignored."""
    model, trusted = _idea_model(monkeypatch)
    m, share = model.funding.market, model.p["growth.related_service_share"]
    host = max((k for k in m.contracts if k.commissioner is trusted), key=lambda k: k.value)
    before, lines, posts = list(m.contracts), len(m.lines), finance.staff_needed(model)
    balance, room = model.funding.ledger.balance, procurement.mobilisation_room(model)
    growth.diversify(model, procurement.mobilisation_room)
    new = [k for k in m.contracts if k not in before]
    assert len(new) == 1 and m.counts.get("related_services") == 1
    k = new[0]
    assert k.commissioner is trusted and k.region == host.region and not k.statutory
    assert k.value == int(share * host.value) and k.demand == pytest.approx(share * host.demand)
    assert k.end - k.start == 12 * model.p["procurement.contract_years"]
    assert len(m.lines) == lines      # no trading line
    assert finance.staff_needed(model) == pytest.approx(posts + k.demand)
    assert procurement.mobilisation_room(model) == pytest.approx(room - k.demand)
    assert balance - model.funding.ledger.balance == \
        round(model.p["growth.diversification_setup"] * k.value)
    assert sum("commissioned a related public service" in e["text"] for e in model.events) == 1

    # no ideas: no opportunity, nothing commissioned
    model, _ = _idea_model(monkeypatch, innovation=0.0)
    n = len(model.funding.market.contracts)
    growth.diversify(model, procurement.mobilisation_room)
    assert len(model.funding.market.contracts) == n
    assert not model.funding.market.counts.get("related_services")

    # the commissioner does not commission it (acceptance 0): the trading line it was before
    model, _ = _idea_model(monkeypatch, **{"commissioning.related_service_acceptance": 0.0})
    n, lines = len(model.funding.market.contracts), len(model.funding.market.lines)
    growth.diversify(model, procurement.mobilisation_room)
    m = model.funding.market
    assert len(m.contracts) == n and len(m.lines) == lines + 1 and m.lines[-1].kind == "trading"
    assert m.counts.get("related_refused") == 1

    # judged wrong: never offered, a trading line that closes within a year
    model, _ = _idea_model(monkeypatch, correct=False)
    n = len(model.funding.market.contracts)
    growth.diversify(model, procurement.mobilisation_room)
    m = model.funding.market
    assert len(m.contracts) == n and m.lines[-1].end == model.month + 12
    assert not m.counts.get("related_refused")

    # a commissioner with no budget is not asked: the next most trusted one is
    model, trusted = _idea_model(monkeypatch)
    trusted.budget = 0.0
    others = [k for k in model.funding.market.contracts if k.commissioner is not trusted]
    if others:
        others[0].commissioner.relationship = 0.5
        before = list(model.funding.market.contracts)
        growth.diversify(model, procurement.mobilisation_room)
        new = [k for k in model.funding.market.contracts if k not in before]
        assert len(new) == 1 and new[0].commissioner is others[0].commissioner

    # more posts than the mutual can mobilise: declined, a trading line instead
    model, _ = _idea_model(monkeypatch, **{"growth.related_service_share": 0.5,
                                           "procurement.mobilisation_share": 0.0,
                                           "procurement.consortium_share": 0.1,
                                           "procurement.tender_median_staff": 1.0})
    n = len(model.funding.market.contracts)
    growth.diversify(model, procurement.mobilisation_room)
    assert len(model.funding.market.contracts) == n
    assert model.funding.market.counts.get("related_no_room") == 1


def test_related_services_come_in_whole_runs_only_from_commissioners_who_accept_them():
    """Over whole base runs: at the defaults some runs have a related public service, each a
    contract with one of the mutual's commissioners; with commissioning.related_service_acceptance
    0 none has, and the ideas are trading lines (docs/ODD.md §13.16)."""
    def runs(**over):
        return [sim.run("base", seed=s, months=120, overrides=FEW_USERS | over, keep_model=True)
                for s in range(4)]
    on = runs()
    assert sum(r.model.funding.market.counts.get("related_services", 0) for r in on) > 0
    off = runs(**{"commissioning.related_service_acceptance": 0.0})
    assert all(not r.model.funding.market.counts.get("related_services") for r in off)
    assert sum(r.model.funding.market.counts.get("related_refused", 0) for r in off) > 0


def test_pending_new_bids_count_against_the_room_by_the_recent_win_rate():
    """A new bid awaiting award takes its posts from the room to mobilise in proportion to the
    mutual's win rate on new bids over procurement.win_rate_months (Laplace's rule: one half
    with no record), not in full (docs/ODD.md §13.9)."""
    model = sim.MutualModel("base", rng=2, overrides=FEW_USERS)
    m = model.funding.market
    room = procurement.mobilisation_room(model)
    t = Tender(999, m.commissioners[0], 0, value=1, demand=8.0, lots=1, opens=0, deadline=3,
               framework=False, tupe_staff=0)
    t.mutual_bid = Bid(price=1, share=1.0, pooled=1.0)
    m.tenders.append(t)
    assert procurement.win_rate(model) == 0.5
    assert room - procurement.mobilisation_room(model) == pytest.approx(8.0 * 0.5)
    for won in (True, True, True, False):      # three of four new bids won
        m.bid_log.append(BidRecord(month=0, tender=0, mutual_bid=True, won=won, winner="mutual",
                                   incumbent=False, core=False, rivals=[], lots=1, value=1.0,
                                   mutual_turnover=1.0))
    m.bid_log.append(BidRecord(month=0, tender=0, mutual_bid=True, won=False, winner="corporate",
                               incumbent=True, core=False, rivals=[], lots=1, value=1.0,
                               mutual_turnover=1.0))   # a re-bid: not counted
    assert procurement.win_rate(model) == pytest.approx(4 / 6)
    assert room - procurement.mobilisation_room(model) == pytest.approx(8.0 * 4 / 6)


@pytest.mark.parametrize("statutory", [True, False])
def test_a_statutory_service_is_re_let_at_expiry_and_never_decommissioned(
        statutory, monkeypatch):
    """§3.2 ('vulnerable (non-statutory) LA funding'; docs/ODD.md §13.11): with a certain
    decommissioning hazard, a non-statutory service closes at expiry and a statutory one goes
    out to re-tender instead."""
    model = sim.MutualModel("base", rng=2, overrides={
        **FEW_USERS, "commissioning.withdrawal_at_expiry": 1.0,
        "commissioning.in_house_propensity": 0.0})
    monkeypatch.setattr(commissioning.service, "commissioner_regard", lambda model: 1.0)
    m = model.funding.market
    k = next(k for k in m.contracts if not k.core)
    k.statutory, k.extensions_left = statutory, 0
    commissioning.at_expiry(model, k)
    assert (k in m.contracts) == statutory
    assert k.retendering == statutory
    assert m.counts.get("lost_not_renewed", 0) == (0 if statutory else 1)
    if statutory:
        t = next(t for t in m.tenders if t.incumbent is k)
        assert t.statutory


def test_which_services_are_statutory_follows_the_registry_and_the_cases():
    """The core contract is statutory unless the scenario says not (Cases 8 and 10, §3.2);
    the other contracts and new tenders are statutory with commissioning.statutory_share."""
    for share in (0.0, 1.0):
        model = sim.MutualModel("base", rng=2, overrides={
            **FEW_USERS, "commissioning.statutory_share": share})
        m = model.funding.market
        assert [k.statutory for k in m.contracts if k.core] == [True]
        assert {k.statutory for k in m.contracts if not k.core} == {bool(share)}
        c = m.commissioners[0]
        t = commissioning._tender(model, c, 0, 20.0, 1, 0, None)
        assert t.statutory == bool(share)
    for case in ("cases/case08", "cases/case10"):
        model = sim.MutualModel(case, rng=0)
        assert [k.statutory for k in model.funding.market.contracts if k.core] == [False]


# --- patterns ---------------------------------------------------------------------------------

def _lost_by(result, months):
    m = result.model.funding.market
    return m.core_lost and m.core_lost_month <= months


@pytest.mark.slow
def test_p7_a_substantial_minority_lose_a_core_contract_within_six_years():
    """P7 (§2.2): a third of the cases had lost some core contracts. The cases started trading
    in 2011-2018 and the fieldwork ended in 2020 (Table 1.1, §1.2): median age about five and a
    half years. 48 seeds: with 16 the share's standard error (0.12) reached the bound by chance."""
    lost = [_lost_by(_run(FEW_USERS, seed=s, months=72), 72) for s in range(48)]
    share = np.mean(lost)
    assert 0.1 <= share <= 0.6, share


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "fails since stop 29's related services (docs/ODD.md §13.16): the 60-staff mutual is "
    "commissioned 66 of them in these 80 runs (the 1,500-staff one 19), new small contracts in "
    "their first term that add contract-years (1,239 against 1,130) at a low quiet-loss hazard: "
    "small 38/1,239 = 0.031 against large 214/9,714 = 0.022 a contract-year, ratio 1.39, z 1.88 "
    "(on main before it, 37/1,130 = 0.033 against 0.022, ratio 1.49, z 2.23). A consequence of "
    "the rule measured per contract, as read from these counts (not replicated on other "
    "seeds); P7b's 200-run statistic passes. Kept strict, the test not loosened"))
def test_p7_small_mutuals_lose_more_by_withdrawal_and_non_renewal():
    """P7 (§2.2): the two smaller cases lost contracts 'without the expected process of
    competitive re-tendering'. Measured as the hazard of a quiet loss (withdrawn early, not
    renewed, brought in house) per contract-year over five years: the first quiet loss of the
    core contract alone is too rare an event to compare (21 % against 15 % over 80 seeds)."""
    def hazard(size):  # (quiet losses, contract-years) pooled over 80 five-year runs
        losses = years = 0
        for s in range(80):  # 40 seeds gave z 2.1: a small mutual has few quiet losses
            result = _run(size, seed=s, months=60)
            losses += result.final["contracts_lost_quietly"]
            years += result.timeseries["contracts_held"].sum() / 12
        return losses, years

    (qs, ys), (ql, yl) = hazard(SMALL), hazard(LARGE)
    ratio = (qs / ys) / (ql / yl)
    z = math.log(ratio) / math.sqrt(1 / qs + 1 / ql)  # Poisson rates, on the log scale
    assert ratio > 1.3 and z > 2, (qs / ys, ql / yl, z)


@pytest.mark.slow
def test_p8_public_income_is_about_80_percent_and_most_depend_on_it_for_half():
    """P8 (§2.1, §2.2): about 80 % of income on average; 11 of 12 cases at least half."""
    shares = []
    for overrides in (FEW_USERS, SMALL, LARGE):
        shares += [_run(overrides, seed=s).timeseries["public_income_share"].mean()
                   for s in range(6)]
    mean, sem = mean_and_sem(shares)
    assert 0.7 - 2 * sem <= mean <= 0.9 + 2 * sem, (mean, sem)
    assert np.mean(np.array(shares) >= 0.5) >= 0.75, shares


@pytest.mark.slow
def test_p9_community_benefit_societies_expand_less_than_cics():
    """P9 (§3.3): geographic expansion was less evident among the four CBSs."""
    def regions(form):  # regions served, averaged over the run
        return [_run({**FEW_USERS, "organisation.legal_form": form}, seed=s).timeseries
                ["regions"].mean() for s in range(40)]  # 20 seeds gave 0.19 ± 0.15

    cic, cbs = regions("cic"), regions("cbs")
    diff, sem = mean_and_sem(np.array(cic) - np.array(cbs))
    assert diff > 2 * sem and diff > 0, (np.mean(cic), np.mean(cbs))


@pytest.mark.slow
def test_p11_efficiency_demands_and_churn_squeeze_small_margins_to_near_zero():
    """P11 (§2.5): 1-3 % efficiency demands and churning commissioners leave small mutuals
    'very tight margins and making little, if any, surplus'."""
    def margins(overrides):
        return np.array([_run({**SMALL, **overrides}, seed=s).timeseries["surplus_margin"]
                         .iloc[36:].mean() for s in range(20)])

    squeezed = margins({"procurement.efficiency_demand": 0.03,
                        "commissioning.officer_churn_per_year": 2.0})
    easy = margins({"procurement.efficiency_demand": 0.0,
                    "commissioning.officer_churn_per_year": 0.0})
    diff, sem = mean_and_sem(easy - squeezed)
    assert diff > 2 * sem, (easy.mean(), squeezed.mean())
    # 'little, if any, surplus': at most 1 % on average, and squeezed rather than collapsed
    assert -0.05 < squeezed.mean() < 0.01, squeezed.mean()


# --- counterfactuals --------------------------------------------------------------------------

def _pooled(overrides, seeds, pick):
    """Pool the mutual's bids over seeds: (wins, bids) for bids picked by ``pick``."""
    won = bids = 0
    for s in seeds:
        for b in _run(overrides, seed=s).model.funding.market.bid_log:
            if b.mutual_bid and pick(b):
                won, bids = won + b.won, bids + 1
    return won, bids


def _rates_differ(a, b):
    (wa, na), (wb, nb) = a, b
    pa, pb = wa / na, wb / nb
    spread = math.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
    return pb - pa, spread


@pytest.mark.slow
def test_more_social_value_weight_wins_more_against_corporate_bidders():
    def against_corporates(weight):
        # 36 seeds: with tenders now decided through governance the mutual bids less often,
        # and 12 seeds no longer gave the power to see the effect (0.52 -> 0.60 over 36)
        return _pooled({**FEW_USERS, "procurement.social_value_weight": weight}, range(36),
                       lambda b: "corporate" in b.rivals)

    gain, spread = _rates_differ(against_corporates(0.02), against_corporates(0.10))
    assert gain > 2 * spread, (gain, spread)


@pytest.mark.slow
# A strict xfail from stop 26's election fix to stop 29 (renewals kept 0.905 at no churn
# against 0.872 at 4 officers a year, a drop of 0.033 where 2 s.e. was 0.054); it passes again
# on the Case 3 rule (b93c692, bodies.review_vacated_seats), a governance change that moves
# later random draws: the drop had the right sign in every measurement, and 12 seeds resolve
# it only on some streams. The marker is removed; the test is unchanged.
def test_more_officer_churn_means_fewer_renewals():
    def kept(churn):
        runs = [_run({**FEW_USERS, "commissioning.officer_churn_per_year": churn}, seed=s)
                .model.funding.market.counts for s in range(12)]
        k = sum(c.get("expiries_kept", 0) for c in runs)
        return k, k + sum(c.get("expiries_lost", 0) for c in runs)

    (ka, na), (kb, nb) = kept(0.0), kept(4.0)
    drop, spread = _rates_differ((kb, nb), (ka, na))
    assert drop > 2 * spread, (ka / na, kb / nb)


@pytest.mark.slow
def test_bigger_lots_lower_a_small_mutuals_win_rate():
    """§2.5 'missing middle': lots of three services against single ones, counting the bids a
    mutual makes while it is still small (trailing turnover under £5M, about 120 staff): 0.17
    against 0.26 over 48 seeds (32 gave z 2.5). Over a
    whole run the pooled rate moves the other way: a small mutual that wins a big lot stops
    being small, and small rivals drop out of big lots (docs/ODD.md §10)."""
    def rate(lots):
        return _pooled({**SMALL, "commissioning.lot_consolidation": lots}, range(48),
                       lambda b: b.mutual_turnover < SMALL_TURNOVER)

    drop, spread = _rates_differ(rate(3.0), rate(1.0))
    assert drop > 2 * spread, (drop, spread)


# A strict xfail after the Case 3 rule (b93c692: no seed of 0-7 had a deficit year in 60
# months, so the deficit branch was not seen); it passes again with stop 29's related services
# (docs/ODD.md §13.16), a change that moves later random draws. The marker is removed; the test
# is unchanged.
def test_governance_allocates_last_years_surplus_from_the_books():
    """The surplus contested at each year end is the ledger's operating surplus of the year
    (§5.3); the staff and users' shares leave reserves, and after a deficit there is nothing to
    allocate. Distributions are appropriations, not costs: the margin does not count them."""
    seen = set()
    for seed in range(8):
        result = _run(FEW_USERS, seed=seed, months=60)
        led = result.model.funding.ledger
        said = {e["month"]: e["text"] for e in result.events if e["kind"] == "surplus"}
        for month in (12, 24, 36, 48, 60):
            income, _, costs = led.trailing(month - 11, month)
            surplus = income + costs
            paid = -sum(led.months.get(month, {}).get(c, 0) for c in finance.DISTRIBUTIONS)
            if surplus > 0:
                assert 0 < paid < surplus, (seed, month, paid, surplus)
                assert f"surplus of £{surplus / 100:,.0f} allocated" in said[month]
                seen.add("surplus")
            else:
                assert paid == 0 and "no surplus to allocate" in said[month], (seed, month)
                seen.add("deficit")
        _assert_books_balance(result)
        if seen == {"surplus", "deficit"}:
            return
    pytest.fail(f"eight seeds gave only {seen}")


# --- input and outputs ------------------------------------------------------------------------

@pytest.mark.parametrize("setting,fragment", [
    ("organisation.legal_form=coop", "organisation.legal_form"),
    ("procurement.social_value_weight=1.5", "out of range"),
    ("commissioning.officer_churn_per_yer=2", "did you mean"),
])
def test_bad_funding_input_is_one_line_and_exit_2(setting, fragment, tmp_path):
    done = cli("run", "--set", setting, "--out", tmp_path / "out", "--months", "2")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and fragment in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out").exists()


def test_funding_columns_are_in_the_outputs():
    result = _run({**FEW_USERS, "months": 24})
    for column in ("turnover", "reserves", "surplus", "public_income_share", "contracts_held",
                   "regions", "bids_made", "bids_won", "core_contract_lost", "social_value",
                   "failed", "contracts_lost", "contracts_lost_quietly"):
        assert column in result.timeseries.columns and column in result.final
    ts = result.timeseries
    assert ts["turnover"].iloc[0] > 0 and ts["contracts_held"].iloc[0] >= 1
    assert (np.diff(ts["bids_made"]) >= 0).all() and (ts["bids_won"] <= ts["bids_made"]).all()
    assert (ts["contracts_lost_quietly"] <= ts["contracts_lost"]).all()
    assert (np.diff(ts["contracts_lost"]) >= 0).all()


@pytest.mark.parametrize("access", [0.0, 1.0])
def test_a_lot_beyond_the_room_to_mobilise_can_be_taken_in_part_as_a_prime_s_subcontractor(
        access):
    """§2.2, §2.5, §3.3 Case 2 (docs/ODD.md §13.12): a small mutual that cannot mobilise a
    lot's posts even in consortium is taken into a prime contractor's bid for the part it can
    mobilise now (its room), priced so that the part less the prime's top-slice covers its
    costs, and paid that part less the top-slice if it wins; without a prime it does not bid."""
    model = sim.MutualModel("base", rng=4, overrides={
        **FEW_USERS, "organisation.staff": 25, "organisation.sites": 1,
        "procurement.consortium_access": 0.0, "procurement.subcontract_access": access})
    m, p = model.funding.market, model.params
    room = procurement.mobilisation_room(model)
    demand = 4 * room                   # a quarter of the lot fits the room
    t = Tender(999, m.commissioners[0], 0, value=1, demand=demand, lots=1, opens=0,
               deadline=24, framework=False, tupe_staff=0)
    t.value = int(1.5 * procurement.cost_price(model, t))    # worth bidding for
    m.tenders.append(t)
    procurement.consider(model, t)
    if access == 0.0:
        assert t.mutual_bid is None and m.counts["no_bid_mobilisation"] == 1
        return
    bid = t.mutual_bid
    assert bid is not None and bid.fee == p.procurement.prime_fee
    assert bid.share == pytest.approx(0.25)
    assert bid.pooled >= p.procurement.partner_turnover * 100
    # the prime must be paid cost / (1 - fee) for the mutual's costs to be covered
    assert bid.price == int(bid.cost * (1 + bid.error) / (1 - bid.fee))
    m.tenders.remove(t)
    procurement._take_up(model, t, bid.price)
    k = m.contracts[-1]
    assert k.value == int(bid.price * 0.25 * (1 - bid.fee))
    assert k.demand == pytest.approx(demand * 0.25)
    assert m.counts["subcontracts_won"] == 1


@pytest.mark.parametrize("times", [4.0, 10.0])
def test_a_consortium_partner_takes_the_part_of_a_lot_the_mutual_cannot_staff(times):
    """§3.3 (consortia 'to compete with larger organisations', Cases 1, 2 and 4), T3.1 Case 1
    (docs/ODD.md §13.14): a small mutual in consortium on a lot bigger than its room to
    mobilise takes the part it can staff (its room), not procurement.consortium_share, and
    the partner the rest: its bid, income, posts and transferring staff are that part; if
    the part is below procurement.consortium_min_share of the lot, it does not bid. A re-bid
    for the contract is made with the same partner at the same share."""
    model = sim.MutualModel("base", rng=4, overrides={
        **FEW_USERS, "organisation.staff": 25, "organisation.sites": 1,
        "procurement.consortium_access": 1.0, "procurement.subcontract_access": 0.0})
    m, p = model.funding.market, model.params
    room = procurement.mobilisation_room(model)
    demand = times * room
    t = Tender(999, m.commissioners[0], 0, value=1, demand=demand, lots=1, opens=0,
               deadline=24, framework=False, tupe_staff=round(0.7 * demand))
    t.value = int(1.5 * procurement.cost_price(model, t))    # worth bidding for
    m.tenders.append(t)
    procurement.consider(model, t)
    if times * p.procurement.consortium_min_share > 1.0:     # its part is under the minimum
        assert t.mutual_bid is None and m.counts["no_bid_mobilisation"] == 1
        return
    bid = t.mutual_bid
    assert bid is not None and bid.fee == 0.0
    assert bid.share == pytest.approx(1 / times) and bid.share < p.procurement.consortium_share
    assert bid.pooled >= p.procurement.partner_turnover * 100
    m.tenders.remove(t)
    procurement._take_up(model, t, bid.price)
    k = m.contracts[-1]
    assert k.share == bid.share and k.value == int(bid.price * bid.share)
    assert k.demand == pytest.approx(room)
    assert m.mobilised[-1][1] == pytest.approx(room)
    # re-tendered as it is (one lot): the consortium re-bids at the same share, and none of
    # the partner's staff transfer to the mutual
    r = Tender(1000, k.commissioner, k.region, value=t.value, demand=k.demand / k.share,
               lots=1, opens=0, deadline=24, framework=False,
               tupe_staff=round(0.7 * (k.demand / k.share - k.demand)), incumbent=k)
    m.tenders.append(r)
    procurement.consider(model, r)
    assert r.mutual_bid is not None and r.mutual_bid.share == k.share
    staff = model.staff.count()
    m.tenders.remove(r)
    procurement._take_up(model, r, r.mutual_bid.price)
    assert k.demand == pytest.approx(room) and model.staff.count() == staff


@pytest.mark.parametrize("prime_wins", [True, False])
def test_a_subcontractor_wins_its_part_when_its_prime_contractor_wins(prime_wins, monkeypatch):
    """A subcontractor's part is not a bid of its own: it is in the bid of the largest rival
    bidding (the prime) and is won, at the prime's price less the top-slice, when the prime
    wins; when another bidder wins, the part is lost (docs/ODD.md §13.12)."""
    model = sim.MutualModel("base", rng=4, overrides=FEW_USERS)
    m = model.funding.market
    big, small = sorted(m.providers[:2], key=lambda prov: prov.turnover, reverse=True)
    entries = [procurement.Entry(big, big.kind, 900, 0.9 if prime_wins else 0.0, 0.5),
               procurement.Entry(small, small.kind, 900, 0.5, 0.5)]
    monkeypatch.setattr(procurement, "competitor_entries", lambda model, t: list(entries))
    t = Tender(999, m.commissioners[0], 0, value=1000, demand=40.0, lots=1, opens=0,
               deadline=0, framework=False, tupe_staff=0)
    t.mutual_bid = Bid(price=1000, share=0.25, pooled=1.0, cost=800, fee=0.1)
    held = len(m.contracts)
    procurement.award(model, t)
    assert m.bid_log[-1].won == prime_wins
    assert len(m.contracts) == held + prime_wins
    if prime_wins:
        assert m.contracts[-1].value == int(900 * 0.25 * 0.9)
