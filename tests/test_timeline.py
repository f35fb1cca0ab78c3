"""Timed events (sim/timeline.py): each kind happens at the month it names and not before; bad
events stop with one line naming the file, the event and the field, exit 2; the app's
"from the next month" function; same events and seed give the same run."""

import numpy as np
import pytest

import sim
from sim import timeline
from sim.scenario import ScenarioError

from .conftest import cli

SMALL = {"organisation.staff": 80, "organisation.users": 60, "organisation.sites": 2}


def _model(events, months=14, overrides=None):
    scenario = sim.load_scenario("base", {**SMALL, "months": months, **(overrides or {})})
    return sim.MutualModel(scenario.with_events(events), rng=3)


def _core(model):
    return next((c for c in model.funding.market.contracts if c.core), None)


def _timed(model):
    return [e for e in model.events if e["kind"] == "timed"]


@pytest.mark.parametrize("what,how", [("withdraw", "withdrawn"), ("in_house", "in_house")])
def test_a_named_contract_ends_at_the_month_the_event_names(what, how):
    model = _model([{"month": 9, "what": what, "contract": "core", "note": "§2.2"}])
    model.run_for(8)
    assert _core(model) is not None and not model.funding.market.core_lost
    model.run_for(1)
    assert model.funding.market.core_lost and model.funding.market.core_lost_how == how
    assert model.funding.market.core_lost_month == 9
    said = _timed(model)
    assert len(said) == 1 and said[0]["month"] == 9 and "(§2.2)" in said[0]["text"]


@pytest.mark.parametrize("redeploy", [False, True])
def test_in_house_staff_transfer_out_or_are_redeployed(redeploy):
    """Case 10 recovered 'by redeploying staff to other contracts' (§2.2): with redeploy the
    contract still ends, in house, but nobody transfers out with it."""
    model = _model([{"month": 5, "what": "in_house", "contract": "core",
                     "redeploy": redeploy}], months=6)
    model.run_for(4)
    before = model.staff.count()
    model.run_for(1)
    assert model.funding.market.core_lost_how == "in_house"
    text = [e["text"] for e in model.events if e["kind"] == "contract" and e["month"] == 5]
    moved = int(text[0].split("; ")[1].split(" staff")[0])
    assert (moved == 0) == redeploy
    assert ("redeployed" in _timed(model)[0]["text"]) == redeploy
    if redeploy:
        assert model.staff.count() >= before - 0.2 * before   # attrition only, no TUPE out


def test_a_cut_lowers_the_contracts_value_and_staffing_by_the_share():
    model = _model([{"month": 4, "what": "cut", "contract": "core", "share": 2 / 3}])
    model.run_for(3)
    core = _core(model)
    value, demand = core.value, core.demand
    model.run_for(1)
    assert core.value == pytest.approx(value / 3, rel=1e-6)
    assert core.demand == pytest.approx(demand / 3)


def test_a_retender_puts_the_contract_out_to_competition_now():
    model = _model([{"month": 2, "what": "retender", "contract": "core"}], months=4)
    model.run_for(2)
    core = _core(model)
    assert core is None or core.retendering or any(
        t.incumbent is core for t in model.funding.market.tenders)
    assert "re-tender" in _timed(model)[0]["text"]


def test_a_renewal_extends_the_contract_by_direct_award():
    """Case 8's SLA 'renewed for 1 year' (T2.1): the term runs on from its current end."""
    model = _model([{"month": 3, "what": "renew", "contract": "core", "years": 2}],
                   overrides={"organisation.founding": True})
    core = _core(model)
    assert core.start == 0 and core.end == 12 * model.p["organisation.core_contract_years"]
    end = core.end
    model.run_for(2)
    assert core.end == end
    model.run_for(1)
    assert core.end == end + 24 and not core.retendering
    assert "renews" in _timed(model)[0]["text"]


@pytest.mark.parametrize("held", [0, 30])
def test_a_core_contract_held_by_the_cases_history_is_renewed_not_lost(held):
    """organisation.core_contract_held_months: before that month the core is renewed at
    expiry (here every expiry would otherwise be an in-housing) and never withdrawn early."""
    model = _model([], months=30, overrides={
        "organisation.founding": True, "organisation.core_contract_years": 1,
        "commissioning.in_house_propensity": 1.0, "commissioning.early_withdrawal_per_year": 1.0,
        "organisation.core_contract_held_months": held})
    model.run_for(30)
    if held:
        assert not model.funding.market.core_lost and _core(model).end > 30
    else:
        assert model.funding.market.core_lost


@pytest.mark.parametrize("enrol", [True, False])
def test_a_switch_to_opt_out_enrols_existing_staff_only_when_asked(enrol):
    model = _model([{"month": 6, "what": "switch", "constituency": "staff", "rule": "opt_out",
                     "enrol_existing": enrol}], months=8)
    model.run_for(5)
    before = model.latest["staff_membership_rate"]
    assert before < 0.1 and model.p["membership.staff.rule"] == "opt_in"
    model.run_for(1)
    after = model.latest["staff_membership_rate"]
    assert model.people.staff_rules.rule == "opt_out"
    assert (after > 0.6) if enrol else (after < before + 0.1), (before, after)
    # the scenario (and so the summary) keeps the rule the run started with
    assert model.scenario["membership.staff.rule"] == "opt_in"


def test_a_switch_to_no_membership_ends_every_membership():
    model = _model([{"month": 3, "what": "switch", "constituency": "staff", "rule": "none"}],
                   overrides={"membership.staff.rule": "opt_out"}, months=4)
    model.run_for(2)
    assert model.latest["staff_membership_rate"] > 0.5
    model.run_for(1)
    assert model.latest["staff_membership_rate"] == 0.0


def test_seats_grow_from_8_to_16_and_are_filled_at_elections():
    """Case 6: the staff council 'grown from 8 to 16 staff members'."""
    model = _model([{"month": 5, "what": "seats", "body": "rep_body", "seat": "staff", "to": 16}],
                   overrides={"governance.rep_body.staff_seats": 8}, months=6)
    seats = lambda: sum(s.kind == "staff" for s in model.governance.rep_body.seats)  # noqa: E731
    model.run_for(4)
    assert seats() == 8
    model.run_for(1)
    assert seats() == 16


def test_a_representative_body_can_be_founded_mid_run():
    """Case 3: 'new staff council about to be launched' (2/20)."""
    model = _model([{"month": 2, "what": "seats", "body": "rep_body", "seat": "staff",
                     "change": 6}], overrides={"governance.rep_body.powers": "none"}, months=3)
    assert model.governance.rep_body is None
    model.run_for(2)
    assert model.governance.rep_body is not None and len(model.governance.rep_body.seats) == 6


def test_a_programme_starts_and_stops_and_a_parameter_is_set_from_its_month():
    model = _model([
        {"month": 2, "what": "programme", "programme": "pipeline", "action": "start",
         "level": 400.0},
        {"month": 4, "what": "programme", "programme": "pipeline", "action": "stop"},
        {"month": 3, "what": "set", "key": "procurement.social_value_weight", "value": 0.1}],
        months=5)
    model.run_for(2)
    assert model.p["engagement.pipeline_investment"] == 400.0
    assert model.p["procurement.social_value_weight"] == 0.02
    model.run_for(1)
    assert model.p["procurement.social_value_weight"] == 0.1
    model.run_for(1)
    assert model.p["engagement.pipeline_investment"] == 0.0
    assert [e["month"] for e in _timed(model)] == [2, 3, 4]


def test_a_grant_is_awarded_at_its_month_with_its_posts_and_ends_after_its_years():
    """Case 1's 'Youth Endowment Fund ... £700k over 2 years' (T3.1): an income line of the
    stated value from the event's month, paying for value / price_per_fte posts, to its end."""
    model = _model([{"month": 3, "what": "grant", "value": 360_000.0, "years": 1,
                     "public": True, "note": "T3.1"}], months=16)

    def stated(m):
        return [x for x in m.funding.market.lines if x.kind == "grant" and x.end == 15]
    model.run_for(2)
    assert not stated(model)
    model.run_for(1)
    (line,) = stated(model)
    assert line.value == 36_000_000 and line.public
    assert line.demand == pytest.approx(360_000 / model.p["procurement.price_per_fte"])
    assert "£360,000 a year for 1 year from a public body" in _timed(model)[0]["text"]
    assert "(T3.1)" in _timed(model)[0]["text"]
    model.run_for(13)
    assert line not in model.funding.market.lines


def test_the_app_can_switch_a_running_model_to_opt_out_from_the_next_month():
    model = sim.MutualModel("base", rng=1, overrides={**SMALL, "months": 12})
    model.run_for(3)
    checked = timeline.schedule(model, {"what": "switch", "constituency": "staff",
                                        "rule": "opt_out", "enrol_existing": True})
    assert checked["month"] == 4 and model.people.staff_rules.rule == "opt_in"
    model.run_for(1)
    assert model.people.staff_rules.rule == "opt_out"
    assert model.latest["staff_membership_rate"] > 0.6
    with pytest.raises(ScenarioError, match="before month 5"):
        timeline.schedule(model, {"month": 2, "what": "set", "key": "engagement.voice_heard",
                                  "value": 0.5})


def test_the_python_api_takes_events_and_the_same_seed_gives_the_same_run():
    events = [{"month": 5, "what": "withdraw", "contract": "core"},
              {"month": 7, "what": "switch", "constituency": "staff", "rule": "opt_out"}]
    a = sim.run("base", seed=2, months=10, overrides=SMALL, events=events)
    b = sim.run("base", seed=2, months=10, overrides=SMALL, events=events)
    plain = sim.run("base", seed=2, months=10, overrides=SMALL)
    assert a.timeseries.equals(b.timeseries)
    assert not a.timeseries.equals(plain.timeseries)
    assert a.summary["scenario"]["events"][0]["what"] == "withdraw"
    assert np.array_equal(a.timeseries["month"], plain.timeseries["month"])


BAD = {
    "month past the horizon": ("month = 200\nwhat = 'withdraw'\ncontract = 'core'",
                               "events[0].month: month 200 is past the horizon"),
    "unknown contract": ("month = 5\nwhat = 'withdraw'\ncontract = 'main'",
                         "events[0].contract: unknown contract 'main'"),
    "unknown key": ("month = 5\nwhat = 'set'\nkey = 'procurement.social_valeu_weight'\n"
                    "value = 0.1", "procurement.social_valeu_weight: unknown parameter"),
    "renewal of no years": ("month = 5\nwhat = 'renew'\ncontract = 'core'\nyears = 0",
                            "events[0].years: expected a whole number of years"),
    "grant of no value": ("month = 5\nwhat = 'grant'\nvalue = 0\nyears = 2",
                          "events[0].value: expected £ a year above 0"),
    "grant without years": ("month = 5\nwhat = 'grant'\nvalue = 350000",
                            "events[0].years: a 'grant' event needs years"),
    "unknown field": ("month = 5\nwhat = 'withdraw'\ncontract = 'core'\nwhen = 3",
                      "events[0].when: unknown key for a 'withdraw' event"),
    "two switches": ("month = 5\nwhat = 'switch'\nconstituency = 'staff'\nrule = 'opt_out'\n"
                     "[[events]]\nmonth = 5\nwhat = 'switch'\nconstituency = 'staff'\n"
                     "rule = 'none'", "two switches of the staff membership rule in month 5"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_events_are_one_line_naming_file_and_key_and_exit_2(case, scenario_dir, tmp_path):
    body, fragment = BAD[case]
    path = scenario_dir("bad.toml", f"extends = 'base'\n[[events]]\n{body}\n")
    done = cli("run", path, "--out", tmp_path / "out")
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and str(path) in done.stderr
    assert fragment in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_shorter_horizon_on_the_command_line_must_still_hold_the_events(scenario_dir,
                                                                          tmp_path):
    path = scenario_dir("ok.toml", "extends = 'base'\n[[events]]\nmonth = 30\n"
                                   "what = 'withdraw'\ncontract = 'core'\n")
    done = cli("run", path, "--months", "12", "--out", tmp_path / "out")
    assert done.returncode == 2 and "past the horizon (12 months)" in done.stderr
    assert done.stderr.count("\n") == 1
