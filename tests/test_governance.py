"""Governance (MODEL.md §3 steps 2 and 8): seats and elections (P5), the decision procedure
(P6: deliberation is slower, better and builds shared ownership, yet faster than the public
sector), voice and ownership, the contested surplus, presets, and bad input. Statistical claims
are checked over several seeds with tolerances from the spread between seeds."""

import math

import numpy as np
import pytest

import sim
from sim import metrics
from sim.mechanisms.governance import decisions
from sim.mechanisms.governance.bodies import present
from sim.mechanisms.governance.decisions import DECISION_LEVELS
from sim.params import view
from sim.scenario import ScenarioError, load_scenario

from .conftest import cli

SEEDS = range(4)
MONTHS = 72


def _all_depths(d):
    return {f"governance.depth.{level}": d for level in DECISION_LEVELS}


def _runs(scenario="base", overrides=None, seeds=SEEDS, months=MONTHS, keep_model=False):
    return [sim.run(scenario, seed=s, months=months, overrides=overrides or {},
                    keep_model=keep_model) for s in seeds]


def _late(runs, key, months=36):
    """Per-run mean of a column over the last ``months`` (the settled state)."""
    return np.array([r.timeseries[key].iloc[-months:].mean() for r in runs])


def _clearly_below(low, high):
    """low < high by more than twice the standard error of the difference."""
    diff = np.mean(high) - np.mean(low)
    sem = np.sqrt(np.var(low, ddof=1) / len(low) + np.var(high, ddof=1) / len(high))
    return diff > 2 * sem, (np.mean(low), np.mean(high), sem)


def _clearly_below_paired(low, high):
    """low < high, seed by seed (the same seeds on both sides), by more than twice the standard
    error of the mean paired difference: the funding side makes organisations differ a lot
    between seeds, and pairing takes that shared variation out."""
    d = np.asarray(high) - np.asarray(low)
    sem = d.std(ddof=1) / np.sqrt(len(d))
    return d.mean() > 2 * sem, (np.mean(low), np.mean(high), d.mean(), sem)


# --- P6: depth of the procedure ---------------------------------------------------------------

DEPTHS = [0.0, 0.25, 0.5, 0.75, 1.0]


@pytest.fixture(scope="module")
def depth_runs():
    """The base mutual at five depths (same at all levels); urgent decisions are not delegated,
    so that every decision goes through the procedure being measured."""
    return {d: _runs(overrides=_all_depths(d) | {"governance.urgent_delegation": 0.0})
            for d in DEPTHS}


def test_more_depth_means_slower_decisions(depth_runs):
    latency = [_late(depth_runs[d], "decision_latency_months").mean() for d in DEPTHS]
    strategy = [_late(depth_runs[d], "strategy_latency_months").mean() for d in DEPTHS]
    assert all(np.diff(latency) > 0), latency
    assert all(np.diff(strategy) > 0), strategy


def test_more_depth_means_better_decisions(depth_runs):
    quality = [_late(depth_runs[d], "decision_quality").mean() for d in DEPTHS]
    assert all(np.diff(quality) > 0), quality


def test_more_depth_means_more_shared_ownership(depth_runs):
    ok, detail = _clearly_below(_late(depth_runs[0.0], "mean_ownership"),
                                _late(depth_runs[1.0], "mean_ownership"))
    assert ok, detail
    ownership = [_late(depth_runs[d], "mean_ownership").mean() for d in DEPTHS]
    assert all(np.diff(ownership) > -0.005), ownership  # never clearly lower with more depth


# Issue 11 (participation channels): failures under the original statistics, reported in
# docs/participation.md and kept as strict expected failures (not loosened).
P6_POLICY = pytest.mark.xfail(strict=True, reason=(
    "P6 at policy level: with more staff engaged (channels) the full-depth policy procedure "
    "takes 6.51 months at seed 0 against the simulated public-sector chain's 6.0 (the former "
    "reference constant was also 6.0); strategy and the rolling means hold. Diagnosed 2 Dec "
    "(9fd29ea): at month 24 the full-depth policy procedure expects 6.69 months with 95 staff "
    "participants and still 6.2 with every channel off (50): the consulted stages' meeting "
    "times alone exceed the parent body's policy chain; the channels add ~0.5 month through "
    "the size term. Re-measured 2 Dec 07:05 (ab36a4e), month 24, seeds 0-3: 6.36-6.67 months "
    "(fixed 1.25 + representative body 2.0 + membership 3.1-3.4, conflict ~0.1) against 6.0; "
    "every stage's duration is an assumption, no mechanism found wrong"))


@P6_POLICY
def test_even_full_democracy_is_faster_than_the_public_sector(depth_runs):
    """P6 (§5.2 Cases 9, 11): 'still faster than had been possible in the public sector' —
    two simulated procedures: the mutual's, and the parent body's chain for the same
    decisions (sim/mechanisms/governance/public_sector.py)."""
    for r in depth_runs[1.0]:
        late = r.timeseries.iloc[12:]
        assert (late["strategy_latency_months"] < late["public_strategy_latency_months"]).all()
        assert (late["decision_latency_months"] < late["public_sector_latency_months"]).all()
    model = sim.MutualModel("base", rng=0, overrides=_all_depths(1.0))
    model.run_for(24)
    for level in DECISION_LEVELS:
        assert model.governance.decision_latency[level] < \
            sim.mechanisms.governance.public_sector.expected_latency(model.params, level), level


@pytest.fixture(scope="module")
def preset_runs():
    """The same organisation (staff and users who opt in) under the two ends of §4.2."""
    common = {"membership.users.rule": "opt_in", "membership.users.promotion": 0.5,
              "governance.surplus.source": "fixed", "governance.surplus.per_staff": 0.0}
    return {preset: _runs(overrides=common | {"governance.preset": preset})
            for preset in ("stewardship", "multi_stakeholder_cbs")}


def test_p6_cbs_preset_is_slower_better_and_more_owned_than_stewardship(preset_runs):
    """P6 with the default levers, including urgent delegation."""
    steward, cbs = preset_runs["stewardship"], preset_runs["multi_stakeholder_cbs"]
    for key in ("strategy_latency_months", "decision_quality", "mean_ownership",
                "user_mean_ownership", "voice_heard"):
        ok, detail = _clearly_below(_late(steward, key), _late(cbs, key))
        assert ok, (key, detail)
    for r in cbs:
        late = r.timeseries.iloc[12:]
        assert (late["strategy_latency_months"] < late["public_strategy_latency_months"]).all()
        assert (late["decision_latency_months"] < late["public_sector_latency_months"]).all()


def test_slow_procedures_miss_short_deadlines():
    runs = {d: _runs(overrides=_all_depths(d) | {"governance.urgent_delegation": 0.0},
                     seeds=range(3)) for d in (0.0, 1.0)}
    ok, detail = _clearly_below(_late(runs[0.0], "decisions_missed"),
                                _late(runs[1.0], "decisions_missed"))
    assert ok, detail


# --- voice and psychological ownership ----------------------------------------------------------

def _engaged_bystanders(model):
    """Engaged staff (rung 3) who hold no seat: the people a decision is imposed on."""
    s = model.staff
    return np.flatnonzero(s.alive & (s.engagement == 3))


def test_a_decision_imposed_without_voice_lowers_engaged_staffs_ownership():
    model = sim.MutualModel("base", rng=5, overrides={"engagement.pipeline_investment": 300.0,
                                                       "governance.board.staff_seats": 0})
    model.run_for(24)
    engaged = _engaged_bystanders(model)
    assert len(engaged) > 10
    before = model.staff.ownership[engaged].copy()
    d = decisions.decide(model, "policy", deadline_months=12.0, depth=0.0)
    assert d.consulted == ("board",) and d.voice == 0.0 and not d.deliberative
    assert (model.staff.ownership[engaged] < before).all()


def test_a_decision_with_voice_raises_participants_ownership():
    model = sim.MutualModel("base", rng=5, overrides={"engagement.pipeline_investment": 300.0})
    model.run_for(24)
    s = model.staff
    taking_part = np.flatnonzero(s.alive & (s.engagement >= 2))
    before = s.ownership[taking_part].copy()
    d = decisions.decide(model, "policy", deadline_months=24.0, depth=1.0)
    assert decisions.MEMBERSHIP in d.consulted and d.voice == 1.0
    assert (s.ownership[taking_part] > before).all()


def test_decide_reports_missed_deadlines_and_fills_the_seams():
    model = sim.MutualModel("base", rng=1, overrides={"governance.urgent_delegation": 0.0})
    model.run_for(3)
    missed = decisions.decide(model, "strategy", deadline_months=0.01)
    assert not missed.in_time and missed.latency > 0.01
    made = decisions.decide(model, "strategy", deadline_months=100.0)
    assert made.in_time and 0.5 < made.quality < 1.0
    latency = model.governance.decision_latency
    assert latency["strategy"] > latency["operations"] > 0
    assert 0.0 < model.governance.voice_heard < 1.0
    with pytest.raises(ValueError):
        decisions.decide(model, "tactics", deadline_months=1.0)


def test_pooled_quality_rises_with_participants_and_knowledge_with_diminishing_returns():
    p = view(sim.load_scenario("base").values)
    one = decisions.pooled_quality(p, [(1, 0.7)])  # one person: their own accuracy
    assert one == pytest.approx(0.5 * (1 + math.erf(0.67 * 0.7 / math.sqrt(2))))
    qualities = [decisions.pooled_quality(p, [(n, 0.7)]) for n in (1, 3, 10, 30, 100)]
    assert all(np.diff(qualities) > 0)
    assert qualities[-1] - qualities[-2] < qualities[1] - qualities[0]  # correlated judgements
    assert decisions.pooled_quality(p, [(5, 0.9)]) > decisions.pooled_quality(p, [(5, 0.5)])


# --- P5: seats that stay vacant -----------------------------------------------------------------

@pytest.mark.parametrize("scenario", [
    pytest.param("base", marks=pytest.mark.xfail(strict=True, reason=(
        "P5 in base without a pipeline: forums, working groups and councils bring candidates, "
        "so the vacancy rate falls below 0.3 (to 0 in some seeds) after month 12; with every "
        "channel off as well, later open seats are refilled 6 times in 433 (4 seeds, 2 Dec)"))),
    "cbs_multi_stakeholder"])
def test_p5_elected_seats_stay_vacant_without_a_pipeline(scenario):
    weak = _runs(scenario, overrides={"engagement.pipeline_investment": 0.0}, seeds=range(3))
    for r in weak:
        assert r.timeseries["representative_vacancy_rate"].iloc[12:].min() > 0.3
        assert any("stay vacant" in e["text"] for e in r.events if e["kind"] == "election")


# A strict xfail from issue 11's room to mobilise (docs/ODD.md §13.9-13.10) to stop 29 (seeds
# 0-3, months 37-72: vacancy 0.228, 0.112, 0.056, 0.074 at pipeline 0, 40, 80, 200; 80 against
# 200 a coin flip at 4 seeds, diagnosed 2 Dec); it passes with stop 29's related services
# (docs/ODD.md §13.16), a change that moves later random draws: 0.309, 0.109, 0.100, 0.093.
# The marker is removed; the test is unchanged.
def test_more_pipeline_investment_means_fewer_vacant_seats():
    levels = [0.0, 40.0, 80.0, 200.0]
    vacancy = [_late(_runs(overrides={"engagement.pipeline_investment": v}),
                     "representative_vacancy_rate").mean() for v in levels]
    assert all(np.diff(vacancy) < 0), vacancy


def test_an_incumbent_whose_term_ends_stands_again_only_by_the_restand_rate():
    """elections.hold: a representative whose term ended this year stands again with
    governance.elections.restand_rate and only so (not also among the new candidates); the
    election counts distinct candidates."""
    for seed in range(4):
        model = sim.MutualModel("base", rng=seed, overrides={
            "governance.elections.restand_rate": 0.0, "engagement.pipeline_investment": 300.0})
        ending = set()
        while model.month < 36:
            model.step()
            if model.month % 12 == 11:  # the month before an annual election
                ending = {id(s.person) for b in model.governing_bodies() for s in b.elected()
                          if s.person is not None and s.term_end <= model.month + 1}
            if model.month % 12 == 0 and ending:
                seated = {id(s.person) for b in model.governing_bodies() for s in b.elected()
                          if s.person is not None}
                assert not ending & seated, (seed, model.month)
        for e in model.governance.elections:
            assert e.filled <= min(e.open, e.candidates)


@pytest.mark.xfail(strict=True, reason=(
    "fails since the consortium rule (17d223d, stop 27): without a pipeline 0.526 of later "
    "open seats are refilled over seeds 0-3 (bound < 0.5; 0.9 < 1.0 with it holds). Only seed "
    "0 changed path: before 17d223d it lost its core contract early and fell to 236 staff by "
    "month 60, refilling 13 of 100 open seats; now it keeps 403 staff at month 60 and refills "
    "37 of 63; seeds 1-3 are identical. The same cause as P5's failure (docs/patterns.md, "
    "'P5 diagnosis': base's staff council fills when enough stand). Kept as a strict xfail, "
    "the test not loosened"))
def test_p5_with_a_weak_pipeline_representatives_who_leave_are_not_replaced():
    """Representatives leave the organisation or step down under any pipeline; only a
    pipeline of engagement brings forward candidates to replace them (§4.2 Case 3, §5.4)."""
    replaced, left = {}, {}
    for pipeline in (0.0, 300.0):
        runs = _runs(overrides={"engagement.pipeline_investment": pipeline}, months=120,
                     keep_model=True)
        later = [e for r in runs for e in r.model.governance.elections if e.month > 0]
        replaced[pipeline] = sum(e.filled for e in later) / sum(e.open for e in later)
        left[pipeline] = sum("left the organisation" in e["text"] or "stepped down" in e["text"]
                             for r in runs for e in r.events)
    assert left[0.0] > 0 and left[300.0] > 0, left
    assert replaced[0.0] < 0.5 < 0.9 < replaced[300.0], replaced


def _board_seat_vacated_mid_term(chance: float, skill: float):
    """Base at month 0 (after the founding election), the staff-elected board seat filled by a
    director of the given skill who then steps down mid-term; the board's review and the next
    election follow (bodies.review_vacated_seats, elections.hold)."""
    from sim.mechanisms.governance import bodies, elections

    model = sim.MutualModel("base", rng=3, overrides={
        "governance.board.not_replaced_chance": chance, "engagement.pipeline_investment": 300.0})
    board = model.governance.board
    seat = next(s for s in board.elected("staff"))
    assert not seat.vacant and seat.term_end > model.month
    seat.holder.skill = skill
    bodies.vacate(model, board, seat, step_down=True)
    assert seat.vacant and seat.last_skill == skill
    for _ in range(3):   # three annual reviews and elections
        bodies.review_vacated_seats(model)
        elections.hold(model)
    return seat


def test_a_board_does_not_replace_representatives_it_judged_to_contribute_little():
    """§4.2, Table 4.1 Case 3: representatives who left 'were not replaced', as board members
    judged they 'had contributed little'. An elected board seat vacated mid-term by a holder
    less skilled than the appointed directors is not re-opened with
    governance.board.not_replaced_chance and then stays vacant at every later election; at
    chance 0, or when the holder was as skilled as the appointed directors, it is re-opened and
    filled. Fails if the review is skipped or the election ignores it."""
    dropped = _board_seat_vacated_mid_term(chance=1.0, skill=0.0)
    assert dropped.vacant and dropped.not_replaced
    refilled = _board_seat_vacated_mid_term(chance=0.0, skill=0.0)
    assert not refilled.vacant and not refilled.not_replaced
    skilled = _board_seat_vacated_mid_term(chance=1.0, skill=1.0)
    assert not skilled.vacant and not skilled.not_replaced


def test_a_seat_not_replaced_counts_as_vacant_at_the_year_end():
    """Over a run with not_replaced_chance 1, the base board's staff seat, once emptied
    mid-term by a less skilled holder, is vacant in representative_vacancy_rate at every
    later year end; at 0 the same seeds never leave it vacant after an election."""
    for seed in range(6):
        model = sim.MutualModel("base", rng=seed,
                                overrides={"governance.board.not_replaced_chance": 1.0})
        model.run_for(72)
        seat = next(s for s in model.governance.board.elected("staff"))
        if seat.not_replaced:
            df = model.datacollector.get_model_vars_dataframe()
            assert seat.vacant
            assert df["board_vacancy_rate"].iloc[72] > 0
            assert df["representative_vacancy_rate"].iloc[72] > 0
            return
    pytest.fail("no base run of seeds 0-5 had its board seat emptied mid-term by a holder "
                "less skilled than the appointed directors within 72 months")


def test_representatives_are_exactly_the_people_in_seats():
    model = sim.MutualModel("cbs_multi_stakeholder", rng=2)
    for _ in range(30):
        model.step()
        in_seats = {id(s.person) for b in model.governing_bodies() for s in b.elected()
                    if s.person is not None and present(model, s.person)}
        on_rung_4 = {id(a) for cols in (model.staff, model.users)
                     for a in cols.agents_at(cols.alive & (cols.engagement == 4))}
        assert in_seats == on_rung_4
        assert len(in_seats) == model.latest["representatives"]


def test_vacant_seats_lower_the_legal_formal_index():
    """Figure 5.1 counts filled seats and real votes, not the constitution on paper."""
    weak = _late(_runs("cbs_multi_stakeholder", {"engagement.pipeline_investment": 0.0},
                       seeds=range(3)), "legal_formal_index")
    strong = _late(_runs("cbs_multi_stakeholder", {"engagement.pipeline_investment": 400.0},
                         seeds=range(3)), "legal_formal_index")
    ok, detail = _clearly_below(weak, strong)
    assert ok, detail



def test_user_members_count_in_the_legal_formal_index():
    """§5.5: legal-formal ownership is "(multi-) stakeholder ownership": the members' share is
    the mean membership rate of the constituencies whose rule lets them be members (users in a
    CBS with user members, as Case 9's 67,000, T5.1), and staff alone where users may not be."""
    w = sim.MutualModel("base", rng=0).params.indices.legal.membership_weight
    cbs = sim.MutualModel("cbs_multi_stakeholder", rng=0)
    cbs.run_for(2)
    low = metrics.legal_formal_index(cbs, {"staff": 0.5, "users": 0.0})
    high = metrics.legal_formal_index(cbs, {"staff": 0.5, "users": 1.0})
    assert high - low == pytest.approx(0.5 * w)
    staff_only = sim.MutualModel("base", rng=0)
    staff_only.run_for(2)
    assert metrics.legal_formal_index(staff_only, {"staff": 0.5, "users": 0.0}) == \
        metrics.legal_formal_index(staff_only, {"staff": 0.5, "users": 1.0})

# --- the contested surplus ----------------------------------------------------------------------

def _surplus_runs(rule, per_staff=3000.0):
    return _runs(overrides={"governance.surplus.allocation": rule,
                            "governance.surplus.source": "fixed",
                            "governance.surplus.per_staff": per_staff,
                            "engagement.pipeline_investment": 300.0})


@pytest.fixture(scope="module")
def surplus_runs():
    return {"board": _surplus_runs("board"), "staff": _surplus_runs("staff"),
            "none": _surplus_runs("board", per_staff=0.0)}


def _mean_rung(r, months=24):
    ladder = r.timeseries[[f"staff_engagement_{k}" for k in range(5)]].iloc[-months:]
    return float((ladder.values @ np.arange(5)).mean())


@pytest.mark.xfail(strict=True, reason=(
    "fails since the statutory-services rule (docs/ODD.md §13.11, stop 25): active share late "
    "in the run 0.191 with the surplus kept by the board against 0.200 paid to staff, a gap of "
    "0.008 where the paired test needs 2 s.e. = 0.013 (satisfaction, voice and ownership were "
    "not reached: the first key to fail stops the test); it passed on 8a5edc7. Diagnosed (stop "
    "26, 8 seeds, 72 months, new tenders switched off so that only the funding side's own "
    "re-tenders and losses differ): paying staff raises satisfaction (+0.128, 2 s.e. 0.012) and "
    "voice heard (+0.045, 0.015) clearly, but active share (+0.044, 0.047) and ownership "
    "(+0.010, 0.012) are not resolved, because the two arms' funding paths part (headcount "
    "differs by -205 to +333 between the arms of one seed; tools/surplus_test_diagnosis.py): "
    "the engagement effect is small "
    "against that. Kept as a strict xfail, the test not loosened"))
def test_surplus_kept_from_staff_for_years_lowers_satisfaction_and_engagement(surplus_runs):
    away, to_pay = surplus_runs["board"], surplus_runs["staff"]
    for key in ("satisfaction_staff", "active_share", "voice_heard", "mean_ownership"):
        ok, detail = _clearly_below_paired(_late(away, key, 24), _late(to_pay, key, 24))
        assert ok, (key, detail)
    ok, detail = _clearly_below_paired([_mean_rung(r) for r in away],
                                       [_mean_rung(r) for r in to_pay])
    assert ok, detail


def test_surplus_kept_from_staff_raises_conflict(surplus_runs):
    away, calm = surplus_runs["board"], surplus_runs["none"]
    for r in away:
        ts = r.timeseries
        assert ts["conflict_index"].iloc[:12].max() < ts["conflict_index"].iloc[-24:].mean()
    ok, detail = _clearly_below(_late(calm, "conflict_index"), _late(away, "conflict_index"))
    assert ok, detail
    assert any("imposed by the board" in e["text"] for e in away[0].events)


def test_deliberative_procedures_recover_faster_from_a_surplus_conflict():
    """The same shock (three years of a large surplus imposed by the board), then no surplus:
    conflict falls faster where deliberation has built trust (§5.3 Case 2, Case 11)."""
    remaining = {}
    for depth in (0.0, 0.9):
        ratios = []
        for seed in SEEDS:
            model = sim.MutualModel("base", rng=seed, overrides=_all_depths(depth) | {
                "governance.surplus.allocation": "board",
                "governance.surplus.source": "fixed",
                "governance.surplus.per_staff": 3000.0})
            model.run_for(36)
            peak = model.governance.conflict_index
            model.funding.surplus = 0.0  # the funding side's seam: nothing more to argue over
            model.run_for(12)
            ratios.append(model.governance.conflict_index / peak)
        remaining[depth] = ratios
    ok, detail = _clearly_below(remaining[0.9], remaining[0.0])
    assert ok, detail


# --- presets and bad input ----------------------------------------------------------------------

def test_a_board_grows_to_hold_more_elected_seats_than_its_size():
    model = sim.MutualModel("base", rng=0, overrides={"governance.board.size": 5,
                                                       "governance.board.staff_seats": 4})
    kinds = [s.kind for s in model.governance.board.seats]
    assert kinds.count("executive") == 3 and kinds.count("staff_elected") == 4
    assert "independent" not in kinds


def test_presets_match_table_4_1():
    cbs = load_scenario("base", {"governance.preset": "multi_stakeholder_cbs"})
    assert cbs["governance.rep_body.powers"] == "appoints_board"
    assert (cbs["governance.rep_body.user_seats"], cbs["governance.rep_body.staff_seats"],
            cbs["governance.rep_body.appointed_seats"]) == (15, 8, 5)  # Case 11
    owned = load_scenario("base", {"governance.preset": "council_owned"})
    assert owned["governance.board.council_seats"] > 0
    assert owned["governance.latency.external_approval_months"] > 0
    steward = load_scenario("base", {"governance.preset": "stewardship"})
    assert steward["governance.rep_body.powers"] == "none"
    assert steward["governance.depth.strategy"] < cbs["governance.depth.strategy"]


def test_explicit_keys_win_over_the_preset_in_the_same_or_a_more_derived_file(scenario_dir):
    scenario_dir("parent.toml", 'extends = "base"\n[governance]\npreset = "stewardship"\n'
                                '[governance.board]\nstaff_seats = 2\n')
    scenario_dir("child.toml", 'extends = "parent.toml"\n[governance.depth]\nstrategy = 0.9\n')
    child = load_scenario(scenario_dir.path / "child.toml")
    assert child["governance.board.staff_seats"] == 2          # same file as the preset
    assert child["governance.depth.strategy"] == 0.9           # more derived file
    assert child["governance.depth.policy"] == 0.2             # from the preset
    scenario_dir("other.toml", 'extends = "parent.toml"\n[governance]\n'
                               'preset = "council_of_governors"\n')
    other = load_scenario(scenario_dir.path / "other.toml")
    assert other["governance.board.staff_seats"] == 1          # the new preset beats the parent
    switched = child.with_overrides({"governance.preset": "multi_stakeholder_cbs"})
    assert switched["governance.depth.strategy"] == 0.8        # --set preset beats the files
    assert switched.with_overrides({"governance.depth.strategy": 0.1})[
        "governance.depth.strategy"] == 0.1


@pytest.mark.parametrize("preset", ["stewardship", "staff_council", "council_of_governors",
                                    "multi_stakeholder_cbs", "council_owned"])
def test_every_preset_runs(preset):
    r = sim.run("base", seed=0, months=14, overrides={"governance.preset": preset})
    assert r.final["decisions_made"] > 0
    assert 0.5 < r.final["decision_quality"] < 1.0


@pytest.mark.parametrize("scenario", ["cbs_multi_stakeholder", "stewardship_small_cic",
                                      "employee_trust", "council_owned_cic"])
def test_archetype_scenarios_run_and_say_what_to_notice(scenario):
    s = load_scenario(scenario)
    assert {"title", "description", "notice", "try"} <= set(s.about)
    r = sim.run(s, seed=1, months=13)
    assert any(e["kind"] == "election" or e["kind"] == "surplus" for e in r.events)


@pytest.mark.parametrize("setting,needle", [
    ("governance.preset=cooperative", "governance.preset"),
    ("governance.depth.strategy=1.5", "governance.depth.strategy"),
    ("governance.depth.operations=-0.1", "governance.depth.operations"),
    ("governance.rep_body.powers=veto", "governance.rep_body.powers"),
])
def test_bad_governance_input_is_one_line_and_exit_2(setting, needle, tmp_path):
    out = tmp_path / "out"
    result = cli("run", "base", "--set", setting, "--out", out, "--no-dashboard")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in result.stderr
    assert not out.exists()


def test_bad_preset_in_a_scenario_file_names_the_file(scenario_dir):
    path = scenario_dir("bad.toml", 'extends = "base"\n[governance]\npreset = "stewardshp"\n')
    with pytest.raises(ScenarioError, match=r"bad.toml: governance.preset: .*did you mean "
                                            r"'stewardship'"):
        load_scenario(path)
    result = cli("validate", path)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1


def test_governance_outputs_are_reproducible():
    a = sim.run("cbs_multi_stakeholder", seed=7, months=30)
    b = sim.run("cbs_multi_stakeholder", seed=7, months=30)
    cols = ["decision_latency_months", "decision_quality", "decisions_missed",
            "representative_vacancy_rate", "conflict_index", "voting_turnout"]
    assert a.timeseries[cols].equals(b.timeseries[cols])
    assert a.events == b.events
