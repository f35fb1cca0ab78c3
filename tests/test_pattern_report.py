"""`mutualsim patterns`: every pattern of docs/ODD.md §10 is defined once, as data, and the
report measures all of them. The verdicts at CI seed counts are not the pattern report (that
is `mutualsim patterns` at full counts, docs/patterns.md); this checks the machinery: every
pattern measured, none skipped, the exit code saying whether all passed."""

import re

import pytest

from sim import patterns
from sim.params import REGISTRY
from sim.scenario import bundled_dir

from .conftest import cli

IDS = ["P1", "P2", "P3", "P4", "P5", "P6", "P7a", "P7b", "P7c", "P8", "P9", "P10", "P11",
       *[f"P{n}" for n in range(12, 21)]]


def test_every_pattern_p1_to_p20_is_defined_once():
    assert [p.id for p in patterns.PATTERNS] == IDS
    for p in patterns.PATTERNS:
        assert p.kind in patterns.KINDS, p.id
        assert p.statistic and p.target and p.source and p.groups, p.id
        assert all(g.seeds >= g.ci_seeds >= 1 for g in p.all_groups()), p.id


@pytest.mark.parametrize("pattern_id,parameter", [
    ("P8", "finance.trading_share"), ("P9", "growth.cbs_anchoring"),
    ("P7b", "commissioning.size_reference"), ("P20", "engagement.dispersion_penalty")])
def test_patterns_that_follow_one_parameter_are_reported_as_inputs(pattern_id, parameter):
    p = patterns.BY_ID[pattern_id]
    assert p.kind == "input" and parameter in p.kind_note and parameter in REGISTRY


def test_calibrated_patterns_name_the_fitted_parameter_and_its_source_says_so():
    p2 = patterns.BY_ID["P2"]
    assert p2.kind == "calibrated"
    assert "calibrated to P2" in REGISTRY["membership.staff.base_join_rate"].source


@pytest.mark.parametrize("pattern_id", ["P2", "P7a", "P7b", "P7c", "P11", "P15"])
def test_statistics_redefined_after_measurement_keep_their_original_beside_them(pattern_id):
    p = patterns.BY_ID[pattern_id]
    assert p.original and p.original_measure is not None


def test_identical_groups_share_runs_and_each_run_has_its_own_seed():
    tasks = patterns.plan(patterns.PATTERNS, ci=True)
    keys = [(t[0], t[1]) for t in tasks]
    assert len(keys) == len(set(keys))
    case_tasks = [t for t in tasks if t[2].startswith("cases/")]
    assert len(case_tasks) == 12 * patterns.CASE_GROUPS[0].ci_seeds  # once for P12-P20


def test_the_ci_report_measures_every_pattern_and_the_exit_code_says_if_all_passed(tmp_path):
    out = tmp_path / "patterns.md"
    done = cli("patterns", "--ci", "--executor", "serial", "--out", out)
    assert done.returncode in (0, 1), done.stderr
    text = out.read_text()
    for pid in IDS:
        assert re.search(rf"^{pid}\s+(pass|FAIL)\s", done.stdout, re.M), pid
        assert f"**{pid}**" in text
    broken = re.findall(r"^(P\w+)\s+FAIL.*\n.*\n.*\n\s+measured:\s+not measured",
                        done.stdout, re.M)
    # nothing skipped, nothing broken (until the case library exists its patterns fail, saying so)
    library = (bundled_dir() / "cases").is_dir()
    assert broken == ([] if library else IDS[13:]), done.stdout
    failing = re.findall(r"^(P\w+)\s+FAIL", done.stdout, re.M)
    assert (done.returncode == 1) == bool(failing)


def test_an_unknown_pattern_is_one_line_and_exit_2():
    done = cli("patterns", "--only", "P99", "--no-write")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "P99" in done.stderr


@pytest.mark.parametrize("extract,scenario,months", [
    ("standard", "opt_out", 24), ("bids", "base", 24), ("tenure", "opt_out", 24),
    ("users", "cbs_multi_stakeholder", 18), ("case", "cases/case12", 24)])
def test_sweep_runs_extract_what_full_runs_extract(extract, scenario, months):
    """The pattern runs are sweep-mode runs (docs/ODD.md §8: only patterns.SERIES computed
    each month): each extractor returns the same as from a full DataCollector run of the same
    seed, on the series the patterns read, so no pattern value moves."""
    import numpy as np

    from sim.batch.runs import seed_of
    from sim.simulate import run

    overrides = (("organisation.staff", 40), ("organisation.users", 200))
    task = (("t",), 3, scenario, overrides, months, extract, 77)
    _, _, swept = patterns.execute(task)
    assert not isinstance(swept, str), swept
    full = patterns.EXTRACTORS[extract](run(scenario, seed=seed_of(77, 3), months=months,
                                            overrides=dict(overrides), keep_model=True))
    assert list(swept["ts"].columns) == ["month", *patterns.SERIES]
    for name in ("month", *patterns.SERIES):
        assert swept["ts"][name].tolist() == full["ts"][name].tolist(), name
    assert swept["final"] == full["final"]
    for key in set(full) - {"ts", "final", "elections"}:
        a, b = swept[key], full[key]
        assert (np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b), key
    assert patterns.execute((("t",), 3, scenario, overrides, months, "elections", 77))[2][
        "elections"] == full["elections"]                  # P5's groups run in full
