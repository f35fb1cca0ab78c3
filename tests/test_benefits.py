"""The benefits of mutuality (docs/ODD.md §13): decisions have consequences; service quality,
retention, recruitment and innovation come from the staff; bids are decided where the study
puts them. Statistical claims use paired seeds with a tolerance from the spread (2 s.e.m.);
the heavier measurements are in ``tools/benefits.py`` (quoted in docs/ODD.md §11)."""

import numpy as np
import pytest

import sim
from sim.mechanisms.funding import procurement
from sim.mechanisms.funding.market import Bid, Tender
from sim.mechanisms.people import service, workforce

from .conftest import mean_and_sem

# a small, quick organisation: the claims are about mechanisms, not about size
SMALL = {"organisation.staff": 120, "organisation.users": 300, "organisation.sites": 2}


def _paired(key_fn, a_over, b_over, seeds, months=72):
    """Per-seed differences key_fn(a) − key_fn(b) at the same seeds."""
    diffs = []
    for s in seeds:
        a = sim.run("base", seed=s, months=months, overrides=SMALL | a_over)
        b = sim.run("base", seed=s, months=months, overrides=SMALL | b_over)
        diffs.append(key_fn(a) - key_fn(b))
    return mean_and_sem(diffs)


# --- 1. decisions have consequences --------------------------------------------------------

WORSE, BETTER = {"governance.judgement.signal": 0.05}, {"governance.judgement.signal": 3.0}
FEW_USERS = {"organisation.users": 500}


@pytest.fixture(scope="module")
def judgement_runs():
    """(worse, better) judgement at the same 16 seeds: base with few users, ten years."""
    return [tuple(sim.run("base", seed=s, overrides=FEW_USERS | over).timeseries
                  for over in (WORSE, BETTER)) for s in range(16)]


def test_worse_judgement_loses_money_at_the_same_seeds(judgement_runs):
    """A worse judgement signal wins loss-making work and passes over winnable work: the
    margin falls. If decision correctness were read nowhere, every difference would be 0
    (tools/benefits.py consequences, 40 seeds: −1.3 ± 0.3 margin points)."""
    mean, sem = mean_and_sem([w["surplus_margin"].iloc[12:].mean()
                              - b["surplus_margin"].iloc[12:].mean()
                              for w, b in judgement_runs])
    assert mean + 2 * sem < 0, (mean, sem)


def test_worse_judgement_changes_contract_outcomes(judgement_runs):
    """Misjudged bids are counted, and some are won below cost; with a near-perfect signal
    there are almost none; the contracts won differ at the same seeds."""
    worse = sum(w["bids_misjudged"].iloc[-1] for w, _ in judgement_runs)
    better = sum(b["bids_misjudged"].iloc[-1] for _, b in judgement_runs)
    assert better < 0.05 * worse, (better, worse)
    assert sum(w["misjudged_wins"].iloc[-1] for w, _ in judgement_runs) > 0
    differ = [w["bids_won"].iloc[-1] != b["bids_won"].iloc[-1] for w, b in judgement_runs]
    assert np.mean(differ) >= 0.5


def test_a_wrong_cost_reading_is_what_the_mutual_bids_on():
    model = sim.MutualModel("base", rng=3, overrides=SMALL)

    class Wrong:
        correct = False

    class Right:
        correct = True

    assert procurement.misreading(model, Right) == 0.0
    errors = {procurement.misreading(model, Wrong) for _ in range(40)}
    size = model.p["procurement.misjudgement"]
    assert errors == {size, -size}


# --- 2. engagement and ownership pay back --------------------------------------------------

def test_service_quality_is_made_by_the_staff():
    """Owned, engaged, experienced staff deliver better service; unfilled posts and overload
    lower it (a monthly output, 0–1)."""
    model = sim.MutualModel("base", rng=1, overrides=SMALL)
    s = model.staff
    base = service.target_quality(model)
    s.ownership[s.alive] = 0.9
    assert service.target_quality(model) > base + 0.1
    s.ownership[s.alive] = 0.1
    low = service.target_quality(model)
    model.funding.staff_target = int(model.staff.count() * 1.3)   # 23 % of posts unfilled
    assert service.target_quality(model) < low
    model.funding.workload = 1.5
    assert service.target_quality(model) < low - 0.1
    assert 0.0 <= model.latest["service_quality"] <= 1.0


def test_chronic_vacancies_lower_service_quality_over_a_run():
    mean, sem = _paired(lambda r: r.timeseries["service_quality"].iloc[12:].mean(),
                        {"workforce.recruitment_fill_per_month": 0.05},
                        {"workforce.recruitment_fill_per_month": 1.0}, range(4), months=48)
    assert mean + 2 * sem < 0, (mean, sem)


def test_the_bid_scores_the_service_the_staff_deliver():
    model = sim.MutualModel("base", rng=2, overrides=SMALL | {"procurement.quality_noise": 0.0})
    c = model.funding.market.commissioners[0]
    t = Tender(999, c, 0, value=100_000_000, demand=30.0, lots=1, opens=0, deadline=2,
               framework=False, tupe_staff=0)
    t.mutual_bid = Bid(price=95_000_000, share=1.0, pooled=1e12, turnover=0)
    model.people.service_quality = 0.5
    low = procurement.mutual_entry(model, t).quality
    model.people.service_quality = 0.8
    assert procurement.mutual_entry(model, t).quality == pytest.approx(low + 0.3)


def test_commissioners_extend_good_services_and_drop_poor_ones_more_readily():
    model = sim.MutualModel("base", rng=2, overrides=SMALL)
    regard = []
    for q in (0.4, 0.6, 0.8):
        model.people.service_quality = q
        regard.append(service.commissioner_regard(model))
    assert regard[0] < regard[1] < regard[2]
    assert regard[1] == pytest.approx(1.0)   # at the expectation (0.6): the base rates


def test_ownership_retains_and_reputation_and_pay_recruit():
    model = sim.MutualModel("base", rng=4, overrides=SMALL)
    s, p = model.staff, model.params
    s.satisfaction[:] = 0.5
    s.fixed_term[:] = False
    rates = []
    for own in (0.2, 0.8):
        s.ownership[:] = own
        rates.append(np.mean([len(workforce.leavers(s, p, model.rng)) for _ in range(200)]))
    assert rates[1] < 0.8 * rates[0], rates
    fills = []
    for reputation, pay in ((0.3, 1.0), (0.7, 1.0), (0.7, 0.9)):
        model.people.reputation, model.funding.pay_index = reputation, pay
        fills.append(service.fill_rate(model))
    assert fills[1] > fills[0] and fills[2] < fills[1]
    model.funding.pay_index, model.people.reputation = 1.0, 0.5
    assert service.fill_rate(model) < p.workforce.recruitment_fill_per_month  # pensions


def test_innovation_opens_diversification():
    model = sim.MutualModel("base", rng=5, overrides=SMALL)
    ref = model.p["service.innovation_reference"]
    model.people.innovation = ref
    assert service.diversification_chance(model, 0.15) == pytest.approx(0.15)
    model.people.innovation = 2 * ref
    assert service.diversification_chance(model, 0.15) == pytest.approx(0.30)


# --- 3. bid decisions where the study puts them ---------------------------------------------

def test_executive_bids_are_never_too_slow_and_the_full_procedure_misses_more():
    """The executive alone meets every 1-month window; the full strategy procedure at depth 1
    misses more tenders than the board's ratification at the same seeds."""
    deep = {f"governance.depth.{lv}": 1.0 for lv in ("strategy", "policy", "operations")} | \
        {"governance.urgent_delegation": 0.0}
    missed = {}
    for rule in ("executive", "ratified", "full"):
        over = SMALL | deep | {"governance.bids.procedure": rule}
        runs = [sim.run("base", seed=s, months=48, overrides=over) for s in range(3)]
        missed[rule] = sum(r.final["tenders_missed"] for r in runs)
        new_misses = [e for r in runs for e in r.events
                      if e["kind"] == "decision" and "strategy decision took" in e["text"]]
        if rule == "executive":
            assert not new_misses
    assert missed["full"] > missed["ratified"], missed


def test_one_log_line_per_missed_tender():
    over = SMALL | {"governance.bids.procedure": "full", "governance.urgent_delegation": 0.0,
                    "governance.depth.strategy": 1.0}
    r = sim.run("base", seed=1, months=48, overrides=over)
    lines = [e for e in r.events if e["kind"] == "decision" and "tender" in e["text"]]
    assert len(lines) == r.final["tenders_missed"] > 0
    assert not [e for e in r.events if "strategy opportunity closed" in e["text"]]


# --- 8. growth the mechanisms produce ------------------------------------------------------

def test_in_base_more_runs_grow_than_shrink_over_ten_years():
    """No growth knob: unit economics, bid capacity and the bid-window race decide. Measured in
    tools/benefits.py growth over 60 seeds; here 12 seeds with few users."""
    ratios = [sim.run("base", seed=s, overrides=FEW_USERS).final["headcount"] / 400
              for s in range(12)]
    grew, shrank = sum(r > 1 for r in ratios), sum(r < 1 for r in ratios)
    assert grew > shrank, ratios
