"""Golden digests: a behaviour-preserving change leaves every bundled scenario's outputs
byte-identical (sha256 of timeseries.csv and events.jsonl at seed 1, 60 months)."""

import importlib.util
import json

import pytest

from tests.conftest import ROOT

_spec = importlib.util.spec_from_file_location("golden", ROOT / "tools" / "golden.py")
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)

EXPECTED = json.loads(golden.GOLDEN.read_text())

HOW_TO_REGENERATE = (
    "If this change is meant to alter behaviour, make it in its own commit whose message says "
    "what changed and why, and regenerate there with `.venv/bin/python tools/golden.py --write`."
    " Otherwise the change is not behaviour-preserving: find out why.")


def test_every_listed_scenario_has_a_digest():
    assert sorted(EXPECTED["scenarios"]) == sorted(golden.scenario_names()), HOW_TO_REGENERATE


@pytest.mark.parametrize("name", sorted(EXPECTED["scenarios"]))
def test_golden_digest(name):
    got = golden.digests(name, EXPECTED["seed"], EXPECTED["months"])
    changed = [f for f in golden.FILES if got[f] != EXPECTED["scenarios"][name][f]]
    assert not changed, f"scenario '{name}': {', '.join(changed)} changed. {HOW_TO_REGENERATE}"


def test_compare_names_the_scenario_that_differs():
    expected = {"seed": 1, "months": 60,
                "scenarios": {"a": {"timeseries.csv": "x", "events.jsonl": "y"}}}
    actual = {"seed": 1, "months": 60,
              "scenarios": {"a": {"timeseries.csv": "x", "events.jsonl": "z"}}}
    assert golden.compare(expected, actual) == ["a: events.jsonl changed"]
    assert golden.compare(expected, expected | {"scenarios": expected["scenarios"]}) == []
