"""The trainers' app without a browser: levers, the compare set-up, charts, the command."""

import subprocess
import sys

import pandas as pd
import pytest

from sim.params import REGISTRY
from sim.scenario import ScenarioError
from sim.viz import charts, levers, session

pytest.importorskip("solara", reason="the app needs the viz extra")


# --- levers ----------------------------------------------------------------------------------

def test_every_lever_is_a_registry_parameter_and_takes_its_range():
    assert len(levers.LEVERS) == len(levers.LEVERS_BY_KEY), "a lever is listed twice"
    for lever in levers.LEVERS:
        p = REGISTRY[lever.key]
        assert lever.param is p
        if lever.widget in ("int", "float"):
            assert p.low is not None and p.high is not None, lever.key
            assert 0 < lever.step <= (p.high - p.low) / 10, lever.key
        assert p.unit in lever.tooltip() and p.source in lever.tooltip()


def test_the_levers_trainers_need_are_there():
    keys = set(levers.LEVERS_BY_KEY)
    for key in ("membership.staff.rule", "membership.users.rule", "membership.staff.promotion",
                "membership.staff.incentive", "engagement.pipeline_investment",
                "workforce.workload", "engagement.voice_heard", "organisation.sites",
                "procurement.social_value_weight", "commissioning.officer_churn_per_year",
                "commissioning.lot_consolidation", "procurement.efficiency_demand"):
        assert key in keys


@pytest.mark.parametrize("lever", [lv for lv in levers.LEVERS if lv.widget in ("int", "float")],
                         ids=lambda lv: lv.key)
def test_a_lever_value_outside_its_range_is_refused(lever):
    setup, _ = session.setup_for("base")
    p = lever.param
    for bad in (p.high + lever.step, p.low - lever.step):
        with pytest.raises(ScenarioError, match="out of range"):
            setup.with_lever(lever.key, bad)
    assert setup.with_lever(lever.key, p.high).lever_values[lever.key] == p.high


def test_a_choice_outside_the_list_and_a_non_lever_are_refused():
    setup, _ = session.setup_for("base")
    with pytest.raises(ScenarioError, match="not one of"):
        setup.with_lever("membership.staff.rule", "opt_sideways")
    with pytest.raises(ScenarioError, match="not a lever"):
        setup.with_lever("indices.threshold", 0.4)
    with pytest.raises(ScenarioError, match="seed"):
        setup.with_seed(-1)


# --- set-up and compare mode -----------------------------------------------------------------

def test_levers_start_at_the_picked_scenarios_values():
    setup, scenario = session.setup_for("opt_out")
    assert setup.lever_values["membership.staff.rule"] == "opt_out"
    assert setup.lever_values == {key: scenario[key] for key in levers.LEVERS_BY_KEY}


def test_a_broken_scenario_gives_a_one_line_message(tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text('extends = "base"\n[membership.staff]\nrulez = "opt_out"\n')
    with pytest.raises(ScenarioError) as info:
        session.setup_for(str(bad))
    assert "\n" not in str(info.value)
    assert "broken.toml" in str(info.value) and "membership.staff.rulez" in str(info.value)


def test_compare_copy_b_is_the_same_run_with_only_that_lever_moved():
    setup, _ = session.setup_for("base", seed=3)
    key = "membership.staff.rule"
    pair = session.Workshop(setup.with_compare(key, "opt_out"))
    alone_a = session.Workshop(setup)
    alone_b = session.Workshop(setup.with_lever(key, "opt_out"))
    for w in (pair, alone_a, alone_b):
        w.step(24)
    (label_a, a), (label_b, b) = pair.models
    assert label_a.endswith("= opt_in") and label_b.endswith("= opt_out")
    pd.testing.assert_frame_equal(session.timeseries(a), session.timeseries(alone_a.models[0][1]))
    pd.testing.assert_frame_equal(session.timeseries(b), session.timeseries(alone_b.models[0][1]))
    assert b.latest["staff_membership_rate"] > a.latest["staff_membership_rate"] + 0.3


def test_compare_picks_a_different_valid_value_for_b():
    setup, _ = session.setup_for("base")
    for lever in levers.LEVERS:
        key, b_value = setup.with_compare(lever.key).compare
        assert b_value != setup.lever_values[key]
        levers.accept(key, b_value)  # within range


def test_stepping_grows_the_event_log_and_stops_at_the_horizon():
    setup, _ = session.setup_for("base")
    w = session.Workshop(setup)
    before = len(w.models[0][1].events)
    w.step(12)
    assert w.month == 12
    lines = session.recent_events(w.models[0][1])
    assert len(lines) > before and lines[0].startswith("month 12: year 1:")
    w.step(10_000)
    assert w.month == w.horizon == 120 and not w.running


# --- charts ----------------------------------------------------------------------------------

def _validate(spec):
    """Checked against the Vega-Lite v5 schema by Altair (raises on an invalid spec)."""
    import altair as alt

    kind = alt.LayerChart if "layer" in spec else alt.Chart
    kind.from_dict(spec, validate=True)


def test_an_invalid_spec_is_caught_by_the_schema_check():
    import jsonschema

    bad = charts.membership(pd.DataFrame({"month": [0], "staff_membership_rate": [0.1]}), 12)
    bad["layer"][0]["mark"] = {"type": "lines"}  # no such mark
    with pytest.raises((jsonschema.ValidationError, ValueError)):
        _validate(bad)


def test_charts_are_valid_vega_lite_and_draw_only_the_columns_that_exist():
    setup, _ = session.setup_for("base")
    w = session.Workshop(setup)
    w.step(3)
    model = w.models[0][1]
    ts = session.timeseries(model)
    assert charts.finances(ts, 120) is not None  # the funding side's outputs are drawn ...
    no_money = ts.drop(columns=[c for c in ("turnover", "surplus", "reserves",
                                            "contracts_held", "bids_won") if c in ts])
    assert charts.finances(no_money, 120) is None  # ... and a table without them draws none
    assert charts.decisions(ts[["month", "headcount"]], 120) is None
    slim = ts[["month", "staff_membership_rate", "legal_formal_index",
               "cultural_psychological_index"]]
    specs = [charts.membership(slim, 120), charts.ladder(slim, 120), charts.ownership(slim, 120),
             charts.quadrant(ts, 0.5), charts.people(model), charts.finances(ts, 120),
             charts.decisions(ts, 120), charts.compare([("A: x", ts), ("B: y", ts)], 120),
             charts.headcount([("A: x", ts), ("B: y", ts)], 120), charts.membership(ts, 120),
             charts.ladder(ts, 120), charts.ownership(ts, 120)]
    for spec in specs:
        _validate(spec)
        assert spec["config"]["axis"]["labelFontSize"] >= 14  # projector type
        assert spec["config"]["legend"]["orient"] == "bottom"  # legends clear of the lines
        assert spec["usermeta"]["embedOptions"]["actions"]["export"]  # PNG/SVG menu
    labels = {r["series"] for r in charts.membership(slim, 120)["data"]["values"]}
    assert labels == {"staff members"}  # only the column that exists


def test_money_is_labelled_in_thousands_and_millions():
    assert [charts.money_text(v) for v in (0, 950, 45_000, 1_234_567, -2_000_000)] == \
        ["£0", "£950", "£45k", "£1.2m", "−£2m"]
    spec = charts.finances(pd.DataFrame({"month": [0, 1], "turnover": [1.2e7, 1.3e7]}), 12)
    assert spec["layer"][0]["layer"][0]["encoding"]["y"]["axis"]["labelExpr"] == \
        charts.MONEY_LABEL


def test_month_zero_charts_show_the_current_value():
    setup, _ = session.setup_for("base")
    model = session.Workshop(setup).models[0][1]
    ts = session.timeseries(model)
    assert len(ts) == 1
    spec = charts.membership(ts, 120)
    dot = spec["layer"][1]
    assert dot["mark"]["type"] == "point" and "datum.month == 0" in dot["transform"][0]["filter"]
    ladder = charts.ladder(ts, 120)["data"]["values"]
    assert {r["month"] for r in ladder} == {0, 1}  # month 0's shares drawn as a band


def test_the_people_picture_has_one_bar_per_site_at_30_sites():
    setup, _ = session.setup_for("base")
    setup = setup.with_lever("organisation.sites", 31)
    model = session.Workshop(setup).models[0][1]
    table = charts.people_table(model)
    assert table["group"].nunique() == 31
    assert table["people"].sum() == int(model.staff.alive.sum())
    spec = charts.people(model)
    assert spec["height"] >= 31 * 11  # at least 11 px a row
    _validate(spec)


# --- the command and the model's independence from the app ------------------------------------

def test_the_model_never_imports_solara():
    code = ("import sys, sim, sim.simulate, sim.cli, sim.viz.plots; sim.run('base', months=2); "
            "sim.cli.build_parser(); "
            "assert not [m for m in sys.modules if m.split('.')[0] in ('solara', 'reacton')]")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("flag", ["--port=0", "--port=70000", "--port=http"])
def test_a_bad_port_is_one_line_and_exit_2(flag, capsys):
    from sim import cli

    assert cli.main(["viz", flag]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--port" in err


def test_viz_listens_on_loopback_without_telemetry_by_default(monkeypatch, capsys):
    """What `mutualsim viz` hands to the Solara server (the real server is tested in
    test_viz_app.py)."""
    from sim import cli
    from sim.viz import serve

    seen = {}
    monkeypatch.setattr(serve.os, "execve", lambda exe, argv, env: seen.update(argv=argv,
                                                                             env=env))
    assert cli.main(["viz", "opt_out", "--port", "8999"]) == 0
    argv, env = seen["argv"], seen["env"]
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    assert argv[argv.index("--port") + 1] == "8999"
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env["MUTUALSIM_VIZ_SCENARIO"] == "opt_out"
    assert "http://127.0.0.1:8999/" in capsys.readouterr().out


# --- the story, the address, changes made now -------------------------------------------------

def test_the_full_log_keeps_everything_and_key_moments_keep_the_milestones():
    setup, _ = session.setup_for("opt_out")
    w = session.Workshop(setup)
    w.step(60)
    model = w.models[0][1]
    lines = session.log_lines(model)
    assert len(lines) == len(model.events) > 40  # nothing dropped
    key = session.key_moments(model)
    assert any("rose above" in line for line in key)
    assert not any(": year " in line for line in key)  # routine summaries are not pinned
    only = session.log_lines(model, ["year summaries"])
    assert only and all(": year " in line for line in only)
    assert all("election" in line for line in session.log_lines(model, None, "ELECTION"))


def test_the_address_round_trips_the_whole_setup():
    setup, _ = session.setup_for("opt_in", seed=7)
    setup = (setup.with_lever("engagement.voice_heard", 0.8)
             .with_compare("membership.staff.rule", "opt_out")
             .with_change(24, "membership.staff.promotion", 0.9, "B"))
    query = session.to_query(setup)
    assert "set.engagement.voice_heard=0.8" in query and "seed=7" in query
    assert session.from_query(query) == setup
    for bad in ("seed=x", "set.nope=1", "set.organisation.sites=1000", "now=3:B:x",
                'now={"month":3,"what":"withdraw","contract":"nope"}'):
        with pytest.raises(ScenarioError) as info:
            session.from_query(bad)
        assert "\n" not in str(info.value)


def test_a_change_now_acts_from_the_next_month_and_replays_identically():
    setup, _ = session.setup_for("opt_in")
    switched = setup.with_change(13, "membership.staff.rule", "opt_out")
    plain, w = session.Workshop(setup), session.Workshop(switched)
    plain.step(12)
    w.step(12)
    a, b = plain.models[0][1], w.models[0][1]
    pd.testing.assert_frame_equal(session.timeseries(a), session.timeseries(b))
    plain.step(12)
    w.step(12)
    assert b.latest["staff_membership_rate"] > a.latest["staff_membership_rate"] + 0.3
    assert any(e["kind"] == "timed" and e["month"] == 13 and "opt-out" in e["text"]
               for e in b.events)
    again = session.Workshop(switched)
    again.step(24)
    pd.testing.assert_frame_equal(session.timeseries(again.models[0][1]), session.timeseries(b))
    with pytest.raises(ScenarioError, match="month 0"):
        setup.with_change(5, "organisation.sites", 3)
    # a contract event through the scenario's timed-event kinds
    withdrawn = session.Workshop(setup.with_event(7, {"what": "withdraw", "contract": "core"}))
    withdrawn.step(8)
    assert any("withdraws" in e["text"] for e in withdrawn.models[0][1].events
               if e["kind"] == "timed")


def test_why_they_differ_names_the_first_parting_events():
    setup, _ = session.setup_for("opt_in")
    w = session.Workshop(setup.with_compare("membership.staff.rule", "opt_out"))
    w.step(24)
    (_, a), (_, b) = w.models
    why = session.why_they_differ(a, b)
    assert why["month"] is not None
    assert why["only_a"] or why["only_b"]
    assert any(line.startswith("staff membership first differs at month 0") for line in
               why["numbers"])
    same = session.Workshop(setup.with_compare("membership.staff.rule", "opt_in"))
    same.step(12)
    assert session.why_they_differ(*[m for _, m in same.models]) == \
        {"month": None, "only_a": [], "only_b": [], "numbers": [], "turning_a": [],
         "turning_b": []}
    shock = session.Workshop(setup.with_compare("membership.staff.rule", "opt_in")
                             .with_event(3, {"what": "withdraw", "contract": "core"}, "B"))
    shock.step(6)
    why = session.why_they_differ(*[m for _, m in shock.models])
    assert any("withdraws" in line for line in why["turning_b"]), why


def test_csv_export_holds_every_month_of_both_copies():
    setup, _ = session.setup_for("base")
    w = session.Workshop(setup.with_compare("engagement.voice_heard", 0.9))
    w.step(6)
    table = pd.read_csv(__import__("io").BytesIO(session.csv_bytes(w.models)))
    assert len(table) == 14 and table["copy"].nunique() == 2
    assert list(table.columns[1:4]) == ["month", "headcount", "vacancies"]


def test_every_exercise_preset_builds_a_valid_setup():
    from sim.viz import presets

    names = [p.name for p in presets.presets()]
    assert len(names) == len(set(names))
    for preset in presets.EXERCISES:
        setup = preset.setup()
        assert session.from_query(session.to_query(setup)) == setup
