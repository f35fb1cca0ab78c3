"""`mutualsim run`, the Python API and the files a run writes."""

import json

import numpy as np
import pandas as pd
import pytest

import sim
from sim.metrics import COLUMNS, IDEAL_TYPES

from .conftest import cli


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    proc = cli("run", "opt_out", "--months", "36", "--seed", "5", "--set",
               "membership.staff.promotion=0.4", "--out", out)
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_run_writes_the_four_outputs(run_dir):
    out, proc = run_dir
    for name in ("timeseries.csv", "summary.json", "events.jsonl", "dashboard.png"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "dashboard.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "staff membership" in proc.stdout and "ideal type" in proc.stdout


def test_timeseries_has_one_row_per_month_and_one_column_per_metric(run_dir):
    ts = pd.read_csv(run_dir[0] / "timeseries.csv")
    assert list(ts.columns) == COLUMNS
    assert ts["month"].tolist() == list(range(37))
    assert not ts.drop(columns="ideal_type").isna().any().any()


def test_summary_records_scenario_seed_version_and_final_metrics(run_dir):
    summary = json.loads((run_dir[0] / "summary.json").read_text())
    ts = pd.read_csv(run_dir[0] / "timeseries.csv")
    assert summary["seed"] == 5 and summary["months"] == 36
    params = summary["scenario"]["parameters"]
    assert params["membership.staff.rule"] == "opt_out"
    assert params["membership.staff.promotion"] == 0.4
    assert summary["provenance"]["package_version"] == sim.__version__
    final = summary["final"]
    assert set(final) == set(COLUMNS)
    for key in ("staff_membership_rate", "user_membership_rate", "active_share"):
        assert final[key] == pytest.approx(ts[key].iloc[-1])
    assert final["ideal_type"] in IDEAL_TYPES.values()


def test_events_are_plain_language_lines(run_dir):
    lines = (run_dir[0] / "events.jsonl").read_text().splitlines()
    events = [json.loads(line) for line in lines]
    assert events[0]["kind"] == "start" and events[0]["month"] == 0
    assert any(e["kind"] == "annual" for e in events)
    assert all(isinstance(e["text"], str) and e["text"] for e in events)


def test_same_scenario_and_seed_give_byte_identical_timeseries(tmp_path):
    for name in ("a", "b"):
        assert cli("run", "base", "--months", "24", "--seed", "11", "--no-dashboard",
                   "--out", tmp_path / name).returncode == 0
    first = (tmp_path / "a" / "timeseries.csv").read_bytes()
    assert first == (tmp_path / "b" / "timeseries.csv").read_bytes()
    other = sim.run("base", seed=12, months=24).timeseries
    assert not other.equals(pd.read_csv(tmp_path / "a" / "timeseries.csv"))


def test_python_api_matches_the_command_line(run_dir):
    result = sim.run("opt_out", seed=5, months=36,
                     overrides={"membership.staff.promotion": 0.4})
    from_cli = pd.read_csv(run_dir[0] / "timeseries.csv")
    pd.testing.assert_frame_equal(result.timeseries, from_cli, check_dtype=False)
    assert result.events[0]["kind"] == "start"


def test_seed_sequences_are_accepted_and_recorded():
    seq = np.random.SeedSequence(1234, spawn_key=(7,))
    a = sim.run("base", seed=seq, months=6)
    b = sim.run("base", seed=np.random.SeedSequence(1234, spawn_key=(7,)), months=6)
    assert a.timeseries.equals(b.timeseries)
    assert a.summary["seed"] == {"entropy": 1234, "spawn_key": [7]}


def test_scenarios_and_params_commands():
    listed = cli("scenarios")
    assert listed.returncode == 0 and "opt_out" in listed.stdout
    params = cli("params", "membership.staff")
    assert params.returncode == 0 and "source:" in params.stdout
    assert "membership.staff.rule" in params.stdout


def test_the_model_stops_at_its_horizon():
    model = sim.MutualModel("base", rng=1, overrides={"months": 5})
    while model.running:
        model.step()
    assert model.month == 5
