"""Scenarios, overrides and the parameter registry."""

import pytest

import sim
from sim.params import MEMBERSHIP_RULES, REGISTRY, markdown_table
from sim.scenario import ScenarioError, describe_bundled, load_scenario, parse_override

from .conftest import ROOT

CANONICAL = ["months", "organisation.staff", "organisation.users", "organisation.sites",
             "membership.staff.rule", "membership.users.rule",
             "membership.staff.probation_months", "membership.staff.promotion",
             "membership.staff.incentive", "engagement.pipeline_investment",
             "workforce.tupe_share"]


@pytest.mark.parametrize("key", CANONICAL)
def test_canonical_keys_are_registered(key):
    assert key in REGISTRY


def test_every_parameter_is_traceable():
    for p in REGISTRY.values():
        assert p.unit and p.source and p.doc, p.key
        if p.choices:
            assert p.default in p.choices, p.key
        elif p.kind in (int, float):
            assert p.low <= p.default <= p.high, p.key


def test_membership_rules_offer_all_four_options():
    for who in ("staff", "users"):
        assert REGISTRY[f"membership.{who}.rule"].choices == MEMBERSHIP_RULES
    assert set(MEMBERSHIP_RULES) == {"opt_in", "opt_out", "automatic", "none"}


def test_parameter_document_is_current():
    """docs/parameters.md is generated from the registry: `make docs` regenerates it."""
    assert (ROOT / "docs" / "parameters.md").read_text() == markdown_table()


def test_extends_inherits_and_overrides():
    base, opt_out = load_scenario("base"), load_scenario("opt_out")
    assert opt_out["membership.staff.rule"] == "opt_out"
    assert opt_out["organisation.staff"] == base["organisation.staff"]
    assert opt_out.about["title"] != base.about["title"]
    assert [p.rsplit("/", 1)[-1] for p in opt_out.chain] == ["opt_out.toml", "base.toml"]


def test_unset_keys_take_registry_defaults():
    s = load_scenario("base")
    assert set(s.values) == set(REGISTRY)
    assert s["workforce.attrition_per_year"] == REGISTRY["workforce.attrition_per_year"].default


def test_overrides_are_typed_and_checked():
    s = load_scenario("base", {"organisation.staff": 50.0, "membership.staff.rule": "none"})
    assert s["organisation.staff"] == 50 and isinstance(s["organisation.staff"], int)
    assert s["membership.staff.rule"] == "none"
    with pytest.raises(ScenarioError, match="out of range"):
        load_scenario("base", {"membership.staff.promotion": 1.5})


def test_command_line_values_parse_as_toml_or_text():
    assert parse_override("organisation.staff=120") == ("organisation.staff", 120)
    assert parse_override("membership.staff.rule=opt_out") == ("membership.staff.rule", "opt_out")
    assert parse_override("membership.staff.enrol_existing=false")[1] is False
    assert parse_override("membership.staff.rule='opt_in'")[1] == "opt_in"


def test_scenario_path_relative_extends(scenario_dir):
    scenario_dir("parent.toml", 'extends = "base"\n[organisation]\nstaff = 77\n')
    child = scenario_dir("child.toml", 'extends = "parent.toml"\n[organisation]\nsites = 9\n')
    s = sim.load_scenario(child)
    assert (s["organisation.staff"], s["organisation.sites"]) == (77, 9)


def test_every_bundled_scenario_loads_and_describes_itself():
    listed = describe_bundled()
    assert {"base", "opt_in", "opt_out"} <= {name for name, _ in listed}
    for name, description in listed:
        assert description, name
        load_scenario(name)


def test_model_scenario_is_a_mesa_scenario_with_the_registry_values():
    from mesa.experimental.scenarios import Scenario as MesaScenario

    import sim

    model = sim.MutualModel("opt_out", rng=3, overrides={"membership.staff.promotion": 0.7})
    s = model.scenario
    assert isinstance(s, MesaScenario) and s.model is model and s.rng == 3
    assert s.values == model.scenario.definition.values
    assert s["membership.staff.rule"] == "opt_out" and s["membership.staff.promotion"] == 0.7
    assert set(s.values) == set(REGISTRY) and s.name == "opt_out"
