"""Golden digests: a behaviour-preserving change leaves every bundled scenario's outputs
identical (sha256 of timeseries.csv and events.jsonl at seed 1, 60 months, numbers rounded to
nine significant digits so that a last-bit difference between machines does not count)."""

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


def test_canonical_rounds_decimals_and_keeps_integers_and_words():
    data = b"month,a,name\n12,0.12345678912345,case08\n13,-2.5000000000001e+05,x\n"
    assert golden.canonical("timeseries.csv", data) == (
        b"month,a,name\n12,0.123456789,case08\n13,-250000,x\n")


_PERTURBED = """
import sys, json
import numpy as np
_exp = np.exp
def exp(x, *a, **k):
    r = _exp(x, *a, **k)
    if isinstance(r, np.ndarray) and r.dtype == np.float64 and r.size > 1:
        r = np.nextafter(r, np.inf)
    return r
np.exp = exp
sys.path.insert(0, sys.argv[1])
import golden
print(json.dumps({n: golden.digests(n) for n in sys.argv[2:]}))
"""


def test_digest_ignores_a_last_bit_difference_in_numpys_exp(tmp_path):
    """Another machine's SIMD exp may differ in the last bit. Pushing every vectorised exp one
    ulp up (numpy path, so the compiled kernels do not bypass it) changes base's raw
    timeseries.csv bytes; the digest must not move."""
    import os
    import subprocess
    import sys

    names = ["base", "cbs_multi_stakeholder"]
    env = dict(os.environ, MUTUALSIM_JIT="0")
    out = subprocess.run([sys.executable, "-c", _PERTURBED, str(ROOT / "tools"), *names],
                         env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    for name in names:
        assert got[name] == EXPECTED["scenarios"][name], name
