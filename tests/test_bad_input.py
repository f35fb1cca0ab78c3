"""Bad input: one line on stderr naming the file and key, exit code 2, no traceback."""

import pytest

from .conftest import cli

BAD_FILES = {
    "unknown_key": ('[membership.staff]\nrul = "opt_out"\n', "membership.staff.rul",
                    "did you mean 'membership.staff.rule'"),
    "wrong_type": ('[organisation]\nstaff = "many"\n', "organisation.staff", "expected a number"),
    "out_of_range": ("[membership.staff]\npromotion = 3.0\n", "membership.staff.promotion",
                     "out of range"),
    "unknown_rule": ('[membership.staff]\nrule = "optout"\n', "membership.staff.rule",
                     "did you mean 'opt_out'"),
    "missing_extends": ('extends = "no_such_scenario"\n', "extends", "not found"),
    "malformed": ("[organisation\nstaff = 3\n", "malformed TOML", ""),
    "fractional_int": ("[organisation]\nsites = 2.5\n", "organisation.sites", "whole number"),
}


def assert_one_line_error(proc, *fragments):
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_scenario_file(case, scenario_dir, tmp_path):
    text, key, problem = BAD_FILES[case]
    path = scenario_dir(f"{case}.toml", text)
    out = tmp_path / "out"
    proc = cli("run", path, "--out", out)
    assert_one_line_error(proc, str(path), key, problem)
    assert not out.exists()  # nothing is written when the input is bad


def test_extends_cycle(scenario_dir):
    scenario_dir("a.toml", 'extends = "b.toml"\n')
    b = scenario_dir("b.toml", 'extends = "a.toml"\n')
    assert_one_line_error(cli("validate", b), "b.toml", "extends", "cycle")


def test_unknown_bundled_name():
    assert_one_line_error(cli("run", "opt_ot"), "'opt_ot' not found", "did you mean 'opt_out'")


@pytest.mark.parametrize("flag,fragments", [
    (["--set", "membership.staff.rul=opt_out"], ["--set", "membership.staff.rul", "did you mean"]),
    (["--set", "organisation.staff=-4"], ["--set", "organisation.staff", "out of range"]),
    (["--set", "novalue"], ["--set", "key=value"]),
    (["--months", "0"], ["--months", "at least 1"]),
    (["--seed", "abc"], ["--seed", "whole number of at least 0"]),
    (["--bogus"], ["unrecognized arguments"]),
])
def test_bad_flags(flag, fragments):
    assert_one_line_error(cli("run", *flag), *fragments)


def test_bad_input_keeps_earlier_outputs(tmp_path, scenario_dir):
    out = tmp_path / "out"
    assert cli("run", "--months", "3", "--no-dashboard", "--out", out).returncode == 0
    before = (out / "timeseries.csv").read_bytes()
    bad = scenario_dir("bad.toml", "[organisation]\nstaff = -1\n")
    assert cli("run", bad, "--out", out).returncode == 2
    assert (out / "timeseries.csv").read_bytes() == before


@pytest.mark.parametrize("tool,args", [
    ("participation_patterns.py", ["--only", "PA2", "--seeds", "1"]),
    ("fragility_diagnosis.py", ["--small", "0-1", "--large", "0-1"]),
    ("case_diagnosis.py", ["growth", "--cases", "1", "--seeds", "0:1"]),
])
def test_research_tools_reject_a_bad_set_in_one_line(tool, args):
    """The research tools that take --set (tools/) answer an unknown parameter like the CLI
    does: one line naming the key, exit 2, no traceback."""
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, str(root / "tools" / tool), *args,
                           "--set", "nonsense.key=1"], capture_output=True, text=True,
                          cwd=root, timeout=300)
    assert_one_line_error(proc, "nonsense.key", "unknown parameter")
