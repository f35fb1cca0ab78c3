"""The case library (scenarios/cases/) and the policy override sets (scenarios/policy/): every
file loads, every number a case file sets says where it comes from (a Table, a §, Annex A,
arithmetic, an inference or "assumption"), each case runs from its founding to 2020, and every
policy applies to every case old enough for it."""

import re
import tomllib

import pytest

import sim
from sim import policy
from sim.scenario import ScenarioError, bundled_dir, bundled_names

from .conftest import cli

FOUNDED = {1: 2016, 2: 2011, 3: 2011, 4: 2011, 5: 2011, 6: 2014, 7: 2017, 8: 2015, 9: 2016,
           10: 2015, 11: 2012, 12: 2018}   # Table 1.1
CASES = [f"cases/case{n:02d}" for n in FOUNDED]
SOURCE = re.compile(r"(\bT\d\.\d|§\d|Annex A|arithmetic|inference|assumption|\bI\d+\b|default|"
                    r"the policy|PPN)")


def test_the_library_has_the_twelve_cases_and_every_bundled_file_loads():
    assert [n for n in bundled_names() if n.startswith("cases/")] == CASES
    for name in bundled_names():
        sim.load_scenario(name)
    for name in policy.names():
        policy.load(name)


@pytest.mark.parametrize("n", list(FOUNDED))
def test_each_case_runs_from_its_founding_to_the_end_of_fieldwork(n):
    scenario = sim.load_scenario(f"cases/case{n:02d}")
    assert scenario["months"] == 12 * (2020 - FOUNDED[n])
    about = scenario.about
    assert about["title"].startswith(f"Case {n}:")
    assert all(about.get(k) for k in ("description", "notice", "try"))


def _setting_lines(path):
    """(line, text) of every 'key = value' inside a parameter table (not [about]/[[events]])."""
    table = None
    for i, line in enumerate(path.read_text().splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            table = stripped
            continue
        if "=" in stripped and not stripped.startswith("#") and table not in (
                "[about]", "[[events]]"):
            yield i, line


@pytest.mark.parametrize("path", sorted((bundled_dir() / "cases").glob("*.toml"))
                         + sorted((bundled_dir() / "policy").glob("*.toml")),
                         ids=lambda p: p.stem)
def test_every_number_a_case_or_policy_sets_cites_its_source(path):
    for i, line in _setting_lines(path):
        if line.startswith("extends"):
            continue
        comment = line.split("#", 1)[1] if "#" in line else ""
        assert SOURCE.search(comment), f"{path.name}:{i}: {line.strip()}"
    for event in tomllib.loads(path.read_text()).get("events", []):
        assert SOURCE.search(event.get("note", "")), (path.name, event)


@pytest.mark.parametrize("name", ["social_value_10", "opt_out_all", "stable_commissioners",
                                  "longer_contracts", "consortium_support",
                                  "tupe_pension_relief", "deeper_austerity",
                                  "switch_opt_out_year3"])
def test_every_policy_applies_to_every_case_long_enough_for_it(name):
    pol = policy.load(name)
    assert "extends" not in tomllib.loads(pol.path.read_text())
    for case in CASES:
        base = sim.load_scenario(case)
        if any(e["month"] > base["months"] for e in pol.events):
            base = base.with_overrides({"months": 120})
        clash = any(e["what"] == "switch" and p["what"] == "switch" and e["month"] == p["month"]
                    for e in base.events for p in pol.events)
        if clash:   # Case 5 switches at month 36 itself: refused, in one line
            with pytest.raises(ScenarioError, match="two switches"):
                policy.apply(base, name)
            continue
        applied = policy.apply(base, name)
        for key, value in pol.values.items():
            assert applied[key] == value
        assert len(applied.events) == len(base.events) + len(pol.events)


def test_a_policy_runs_from_the_command_line_and_a_bad_one_is_one_line(tmp_path):
    done = cli("run", "cases/case12", "--policy", "stable_commissioners", "--months", "6",
               "--no-dashboard", "--out", tmp_path / "ok")
    assert done.returncode == 0, done.stderr
    summary = (tmp_path / "ok" / "summary.json").read_text()
    assert '"commissioning.officer_churn_per_year": 0.33' in summary
    bad = cli("run", "cases/case12", "--policy", "stable_comissioners", "--out", tmp_path / "x")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    assert "did you mean 'stable_commissioners'" in bad.stderr


def test_a_spec_names_a_case_by_its_bundled_name(tmp_path):
    """Experiment and calibration specs name a case as the CLI does (`cases/case01`), not
    only by a path; a name that is neither bundled nor a .toml file is still refused."""
    from sim.calibration import load_calibration
    from sim.calibration.spec import CalibrationSpecError

    spec = tmp_path / "c.toml"
    body = """[calibration]\nseed = 1\nscenario = "{}"\n[parameters."membership.users.promotion"]
range = [0.0, 1.0]\n[[targets]]\nname = "m"\noutput = "user_membership_rate"\nrange = [0, 1]\n"""
    spec.write_text(body.format("cases/case12"))
    assert load_calibration(spec).scenario == "cases/case12"
    spec.write_text(body.format("cases/case99"))
    with pytest.raises(CalibrationSpecError, match="calibration.scenario"):
        load_calibration(spec)
