"""Sweeps: the same results on every executor, resume after SIGKILL, failures kept as data."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.batch.progress import Progress
from sim.batch.spec import load_spec
from sim.batch.store import Store
from sim.batch.sweep import SweepInterrupted, sweep
from sim.cli import main

from .batch_helpers import ishigami_spec, small_mutual_spec

ROOT = Path(__file__).resolve().parent.parent


def stored(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    store = Store(out)
    assert store.check() == {"missing": [], "duplicated": []}
    return store.summary(), store.timeseries()


@pytest.mark.slow
def test_serial_two_processes_and_dask_cluster_give_identical_results(tmp_path):
    spec = load_spec(small_mutual_spec(tmp_path, replications=2, months=6))
    results = {}
    for executor in ("serial", "process", "dask"):
        out = tmp_path / executor
        outcome = sweep(spec, out, executor=executor, workers=2, progress=False, chunk_size=1)
        assert outcome.complete and not outcome.failed
        results[executor] = stored(out)
    summary, series = results["serial"]
    assert len(summary) == 8 and len(series) == 8 * 7  # months 0-6
    for executor in ("process", "dask"):
        pd.testing.assert_frame_equal(results[executor][0], summary)
        pd.testing.assert_frame_equal(results[executor][1], series)
    # the runs really were spread over two workers
    workers = Store(tmp_path / "process").status()["worker"].nunique()
    assert workers == 2


def _sweep_cmd(spec: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "sim", "sweep", str(spec), "--out", str(out), "--quiet",
            *extra]


@pytest.mark.slow
def test_sigkill_part_way_then_resume_equals_an_uninterrupted_sweep(tmp_path):
    spec_path = small_mutual_spec(tmp_path, replications=6, months=12, levels=5)  # 60 runs
    reference = tmp_path / "reference"
    sweep(load_spec(spec_path), reference, executor="serial", progress=False)

    out = tmp_path / "killed"
    proc = subprocess.Popen(_sweep_cmd(spec_path, out, "--executor", "serial",
                                       "--flush-every", "4"), cwd=ROOT)
    deadline = time.monotonic() + 120
    while len(list((out / "status").glob("part-*.parquet"))) < 2:
        assert proc.poll() is None, "sweep ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    interrupted = Store(out)
    done = len(interrupted.completed_ids())
    assert 0 < done < 60, "the kill must land part-way"
    assert json.loads((out / "manifest.json").read_text())["finished"] is None

    resumed = subprocess.run(_sweep_cmd(spec_path, out, "--executor", "process",
                                        "--workers", "2"), cwd=ROOT, capture_output=True,
                             text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    status = Store(out).status()
    lost = status.loc[status["error"].fillna("").str.startswith("worker lost"), "run_id"]
    assert lost.empty, f"runs {sorted(lost)} lost with their worker"  # see the test above
    assert status["run_id"].is_unique  # no run was executed twice
    assert set(status["session"]) == {0, 1}
    assert (status["session"] == 1).sum() == 60 - done  # only the missing ones re-ran
    for got, want in zip(stored(out), stored(reference), strict=True):
        pd.testing.assert_frame_equal(got, want)
    assert json.loads((out / "manifest.json").read_text())["finished"] is not None


WORKERS_OUTLIVE_THEIR_STARTER = """
import os, threading, time
from sim.batch.executors import open_pool
with open_pool("process", workers=2) as pool:
    pool.start_workers()  # as a sweep with the automatic chunk size does
    assert pool.ready.wait(120)
    for thread in threading.enumerate():
        if thread.name == "start-workers":
            thread.join(30)
    time.sleep(1.0)  # a killed forkserver takes its workers with it within milliseconds
    pids = {pool.executor.submit(os.getpid).result(timeout=60) for _ in range(4)}
    print(len(pids), pool.executor._broken)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG")
def test_local_workers_outlive_the_thread_that_started_them():
    """The forkserver dies with its parent *thread* (PR_SET_PDEATHSIG); started from
    start_workers' short-lived thread it was killed as that thread ended, breaking the pool,
    and a resumed sweep recorded the runs in flight twice ('worker lost', then ok). In a
    fresh interpreter: no forkserver is running yet."""
    done = subprocess.run([sys.executable, "-c", WORKERS_OUTLIVE_THEIR_STARTER], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == "False", done.stdout  # the pool is not broken


def test_uncommitted_parts_are_dropped_on_resume(tmp_path):
    spec = load_spec(ishigami_spec(tmp_path, "grid", "[vary.x1]\nvalues = [0.0, 1.0, 2.0]"))
    out = tmp_path / "out"
    sweep(spec, out, executor="serial", progress=False)
    # a flush cut off between its data parts and its status part (the commit)
    orphan = out / "summary" / "part-0009-000000.parquet"
    pd.DataFrame({"run_id": [0], "y": [99.0]}).to_parquet(orphan)
    (out / "status" / ".part-0009-000000.parquet.tmp").write_text("half written")
    outcome = sweep(spec, out, executor="serial", progress=False)
    assert outcome.ok == 0 and outcome.already == 3
    assert not orphan.exists() and not list((out / "status").glob(".*.tmp"))
    assert Store(out).check() == {"missing": [], "duplicated": []}


@pytest.mark.parametrize("after_commit", [True, False])
def test_ctrl_c_inside_a_flush_writes_no_run_twice(tmp_path, monkeypatch, after_commit):
    """Ctrl-C while a flush writes its parts: the final flush must not write the same runs
    again (after the commit: runs succeeded twice; before it: an orphaned data part that is
    no longer its session's last flush). Either way the store stays sound and a resume
    completes it with the uninterrupted results."""
    spec = load_spec(ishigami_spec(tmp_path, "grid",
                                   "[vary.x1]\nvalues = [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0]"))
    sweep(spec, tmp_path / "reference", executor="serial", progress=False)
    out = tmp_path / "out"
    write = Store._write_parquet

    def write_then_ctrl_c(path, frame):
        if path.parent.name == ("status" if after_commit else "summary") \
                and path.parent.parent == out:
            write(path, frame)
            monkeypatch.setattr(Store, "_write_parquet", staticmethod(write))
            raise KeyboardInterrupt
        write(path, frame)

    monkeypatch.setattr(Store, "_write_parquet", staticmethod(write_then_ctrl_c))
    with pytest.raises(SweepInterrupted) as stop:
        sweep(spec, out, executor="serial", progress=False, flush_every=2)
    assert Store(out).verify() == []
    saved = len(Store(out).completed_ids())
    assert saved == (2 if after_commit else 0)
    assert stop.value.outcome.ok == saved  # "N runs saved" says what was committed
    outcome = sweep(spec, out, executor="serial", progress=False)
    assert outcome.already == saved and outcome.ok == 6 - saved
    assert Store(out).status()["run_id"].is_unique
    for got, want in zip(stored(out), stored(tmp_path / "reference"), strict=True):
        pd.testing.assert_frame_equal(got, want)


def test_a_session_after_a_rebuilt_manifest_replaces_no_part(tmp_path):
    """--repair rebuilds a lost manifest without the earlier sessions' records; the next
    session used to be numbered 0 again and its first flush replaced the stored
    part-0000-000000 files (os.replace), losing the results they held."""
    spec = load_spec(ishigami_spec(tmp_path, "grid", FAILING, extra="replications = 2"))
    out = tmp_path / "out"
    first = sweep(spec, out, executor="serial", progress=False)
    assert first.ok == 8 and len(first.failed) == 8
    (out / "manifest.json").write_text("{ cut off")
    again = sweep(spec, out, executor="serial", progress=False, repair=True)
    assert again.already == 8 and again.ok == 0 and len(again.failed) == 8  # tried again
    store = Store(out)
    assert store.verify() == []
    assert len(store.completed_ids()) == 8 and len(store.summary()) == 8
    status = store.status()
    assert len(status) == 24 and sorted(set(status["session"])) == [0, 1]
    assert len(store.failures()) == 8
    assert json.loads((out / "manifest.json").read_text())["sessions"][0]["started"] is None


FAILING = """
[set]
fail_above = 2.0
[vary.x1]
values = [-1.0, 0.0, 2.5, 3.0]
[vary.x2]
values = [0.0, 1.0]
"""


def test_a_raising_run_is_recorded_and_the_others_complete(tmp_path, capsys):
    spec = ishigami_spec(tmp_path, "grid", FAILING, extra="replications = 2")
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--executor", "serial",
                 "--retries", "2"]) == 1
    stderr = capsys.readouterr().err.strip().splitlines()
    # off a terminal: the plain progress lines (first and last), then the one-line summary
    assert len(stderr) == 3 and stderr[0].startswith("sweep: 16 runs")
    assert stderr[1].startswith("sweep [") and stderr[2].startswith("sweep incomplete: ")
    assert "8/16 runs ok" in stderr[-1] and "8 failed" in stderr[-1]
    assert "RuntimeError: x1 = 2.500 is above fail_above = 2.0" in stderr[-1]

    store = Store(out)
    assert len(store.summary()) == 8
    failures = store.failures()
    assert len(failures) == 8 and (failures["attempt"] == 3).all()  # 1 try + 2 retries
    assert failures["error"].str.startswith("RuntimeError: x1 = ").all()
    assert failures["traceback"].str.contains("fail_above").all()
    assert set(store.results()["x1"]) == {-1.0, 0.0}

    # re-running the command retries the failed runs only
    assert main(["sweep", str(spec), "--out", str(out), "--executor", "serial"]) == 1
    assert (store.status()["session"] == 1).sum() == 8


def test_resume_refuses_a_different_spec_in_one_line(tmp_path, capsys):
    spec = ishigami_spec(tmp_path, "grid", "[vary.x1]\nvalues = [0.0, 1.0]")
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--executor", "serial", "--quiet"]) == 0
    spec.write_text(spec.read_text().replace("[0.0, 1.0]", "[0.0, 2.0]"))
    before = sorted(p.name for p in out.rglob("*"))
    assert main(["sweep", str(spec), "--out", str(out), "--executor", "serial"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "holds a different experiment (spec factors" in err
    assert sorted(p.name for p in out.rglob("*")) == before  # nothing touched


def test_a_directory_that_is_not_an_experiment_is_refused(tmp_path, capsys):
    spec = ishigami_spec(tmp_path, "grid", "[vary.x1]\nvalues = [0.0, 1.0]")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out")]) == 2
    assert "is not an experiment directory" in capsys.readouterr().err


def test_manifest_records_spec_scenario_design_and_versions(tmp_path):
    spec = load_spec(small_mutual_spec(tmp_path))
    sweep(spec, tmp_path / "out", executor="serial", progress=False)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["spec"] == json.loads(json.dumps(spec.canonical()))
    assert manifest["base_scenario"]["parameters"]["organisation.staff"] == 400
    assert manifest["design"]["runs"] == 8 and manifest["seeding"]["root_entropy"] == 7
    assert {"mesa", "numpy", "pandas", "SALib", "dask"} <= set(manifest["provenance"]
                                                               ["versions"])
    assert manifest["provenance"]["python"] and manifest["started"] and manifest["finished"]
    assert manifest["sessions"][0]["executor"] == "serial (in-process)"
    assert (tmp_path / "out" / "spec.toml").read_text() == spec.path.read_text()


def test_progress_bar_reports_done_failed_rate_and_time_left():
    drawn = io.StringIO()
    bar = Progress(total=100, already=20, enabled=True, stream=drawn, workers=2)  # tqdm
    bar.update(ok=1)
    bar._first = (bar._first[0] - 10.0, 1)  # the first run came back ten seconds ago
    bar.update(ok=27, failed=2)
    line = bar.line()
    assert "50/100 runs" in line and "2 failed" in line and "2.90 runs/s" in line
    assert "0:17 left" in line
    bar.close()
    assert "\r" in drawn.getvalue() and "50/100" in drawn.getvalue()


@pytest.mark.slow
def test_sweep_joins_a_running_dask_cluster_by_address(tmp_path):
    from distributed import LocalCluster

    body = "[set]\nnoise = 1.0\n[vary.x1]\nvalues = [-1.0, 0.0, 1.0]"
    spec = ishigami_spec(tmp_path, "grid", body, extra="replications = 4")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "serial"), "--executor", "serial",
                 "--quiet"]) == 0
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=None) as cluster:
        assert main(["sweep", str(spec), "--out", str(tmp_path / "joined"), "--scheduler",
                     cluster.scheduler_address, "--quiet"]) == 0
    manifest = json.loads((tmp_path / "joined" / "manifest.json").read_text())
    assert manifest["sessions"][0]["executor"].startswith("dask cluster at ")
    for got, want in zip(stored(tmp_path / "joined"), stored(tmp_path / "serial"), strict=True):
        pd.testing.assert_frame_equal(got, want)


def test_scheduler_with_a_non_dask_executor_is_refused_in_one_line(tmp_path, capsys):
    spec = ishigami_spec(tmp_path, "grid", "[vary.x1]\nvalues = [0.0]")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--executor", "serial",
                 "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--scheduler needs --executor dask" in capsys.readouterr().err


def _listening_ports_of(pid: int) -> dict[int, str]:
    """{port: local address (hex)} of the TCP sockets process ``pid`` holds in LISTEN."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    out = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A = LISTEN
                address, port = fields[1].split(":")
                out[int(port, 16)] = address
    return out


@pytest.mark.slow
def test_a_local_dask_cluster_starts_no_dashboard_unless_asked():
    """distributed's scheduler serves its dashboard and HTTP routes on :8787 by default even
    with dashboard_address=None; ours listens on loopback only, and not on 8787."""
    from sim.batch.executors import open_pool

    with open_pool("dask", workers=1) as pool:
        assert pool.executor.submit(sum, [1, 2]).result() == 3
        ports = _listening_ports_of(os.getpid())
    assert ports and 8787 not in ports, ports  # the scheduler's own sockets are there
    assert set(ports.values()) == {"0100007F"}, ports  # 127.0.0.1 only
