"""Sweep mode and lazy agents change nothing a sweep stores (issue 14). Timings are in
benchmarks/ (benchmarks/README.md), not here."""

import numpy as np
import pytest

import sim
from sim.metrics import COLUMNS

OUTPUTS = [c for c in COLUMNS if c != "month"]


@pytest.mark.parametrize("name", ["base", "cbs_multi_stakeholder", "small_cic", "large_cbs"])
def test_sweep_mode_final_outputs_and_series_equal_a_full_run(name):
    full = sim.run(name, seed=2, months=30)
    fast = sim.run(name, seed=2, months=30, outputs=OUTPUTS)
    assert fast.final == full.final
    assert fast.events == [] and list(fast.timeseries.columns) == ["month"]
    series = ("reserves", "active_share", "ideal_type")
    some = sim.run(name, seed=2, months=30, outputs=["headcount"], series=series)
    assert some.final == full.final
    assert list(some.timeseries.columns) == ["month", *series]
    for col in ("month", *series):
        assert list(some.timeseries[col]) == list(full.timeseries[col]), col


def test_sweep_mode_stops_at_the_failure_month_like_a_full_run():
    overrides = {"commissioning.budget_index": 0.0, "finance.trading_share": 0.0,
                 "organisation.users": 300}
    full = sim.run("base", seed=0, months=120, overrides=overrides)
    fast = sim.run("base", seed=0, months=120, overrides=overrides, series=("reserves",))
    assert full.final["failed"] and len(full.timeseries) < 121
    assert fast.final == full.final
    assert np.array_equal(fast.timeseries["reserves"], full.timeseries["reserves"])


def test_sweep_mode_names_unknown_outputs():
    with pytest.raises(ValueError, match="no_such_output"):
        sim.run("base", seed=0, months=2, outputs=["no_such_output"])


def test_sweep_mode_latest_refuses_outputs_it_does_not_compute():
    model = sim.MutualModel("base", rng=0, sweep=True,
                            overrides={"organisation.staff": 30, "organisation.users": 30})
    model.run_for(2)
    assert model.latest.get("active_share") == model.latest["active_share"]
    with pytest.raises(KeyError, match="FEEDBACK"):
        model.latest.get("reserves", 0.0)


def test_automatic_chunks_shrink_towards_the_end_and_cover_every_run_once():
    # guided scheduling (sim/batch/sweep.py _Engine): the tail is shared by both workers
    from types import SimpleNamespace

    from sim.batch.sweep import _auto_chunk, _Engine

    n, workers = 160, 2
    engine = _Engine(SimpleNamespace(workers=workers), None, None, 0, None,
                     _auto_chunk(n, workers), 500, 60.0, remaining=n)
    source, sizes, seen = iter(range(n)), [], []
    while chunk := engine._next_chunk(source):
        sizes.append(len(chunk))
        seen += chunk
    assert seen == list(range(n))
    assert sizes[0] == _auto_chunk(n, workers) == 10
    assert sizes == sorted(sizes, reverse=True) and sizes[-2 * workers:] == [1] * (2 * workers)
    fixed = _Engine(SimpleNamespace(workers=workers), None, None, 0, None, 7, 500, 60.0)
    source = iter(range(20))
    assert [len(c) for c in iter(lambda: fixed._next_chunk(source), [])] == [7, 7, 6]


def test_the_parent_runs_while_its_workers_start_and_results_are_unchanged(tmp_path):
    # automatic chunks on local processes: the sweep process runs the first runs itself
    # until its workers are up (sim/batch/sweep.py _Engine._while_workers_start)
    import os
    import socket

    import pandas as pd

    from sim.batch.spec import load_spec
    from sim.batch.store import Store
    from sim.batch.sweep import sweep

    from .batch_helpers import small_mutual_spec

    spec = load_spec(small_mutual_spec(tmp_path, replications=3, months=6))
    out = {}
    for executor in ("serial", "process"):
        outcome = sweep(spec, tmp_path / executor, executor=executor, workers=2,
                        progress=False)
        assert outcome.complete and not outcome.failed
        store = Store(tmp_path / executor)
        assert store.check() == {"missing": [], "duplicated": []}
        out[executor] = (store.summary(), store.timeseries())
    pd.testing.assert_frame_equal(out["process"][0], out["serial"][0])
    pd.testing.assert_frame_equal(out["process"][1], out["serial"][1])
    workers = Store(tmp_path / "process").status()["worker"]
    assert f"{socket.gethostname()}:{os.getpid()}" in set(workers)  # the first run at least


def test_the_kept_count_of_the_present_equals_a_fresh_count_every_month():
    """Columns.count is kept between changes of ``alive`` (sim/population.py): through hires,
    resignations, users arriving and leaving and the year end's compaction, it equals a fresh
    count of the column after every month."""
    model = sim.run("base", seed=3, months=1, overrides={"organisation.users": 2000},
                    keep_model=True).model
    for _ in range(30):
        model.step()
        if model.month % 12 == 0:
            model.year_end()
        for cols in (model.staff, model.users):
            assert cols.count() == np.count_nonzero(cols.alive)
    cols = model.users
    cols.leave(np.flatnonzero(cols.alive)[:5])
    assert cols.count() == np.count_nonzero(cols.alive)
    cols.alive = cols.alive & (np.arange(cols.size) % 2 == 0)  # assigning the whole column
    assert cols.count() == np.count_nonzero(cols.alive)
