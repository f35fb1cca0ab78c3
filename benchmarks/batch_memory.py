"""Batch engine benchmarks: memory against the number of runs, and parallel efficiency.

    .venv/bin/python benchmarks/batch_memory.py memory --runs 1000 20000
    .venv/bin/python benchmarks/batch_memory.py efficiency --runs 200 --workers 2

``memory`` runs a real ``mutualsim sweep`` subprocess (process executor, all cores) on a Latin
hypercube of N runs of a small organisation over 12 months, and samples the resident memory
(RSS) of the parent and of each worker every 0.1 s; the peak of the parent is what grows if
results are held in memory, the workers' peak is one model at a time.

``efficiency`` times the same sweep serially in-process and on W local processes:
efficiency = T_serial / (W × T_parallel). Pool start-up is inside the parallel time. It also
reports the median run time in each mode and the workers' utilisation (time spent in runs /
(W × T_parallel)), which tells engine overhead apart from cores that are busy with other work.

``efficiency`` also times the fixed reference workload (benchmarks/reference.py) in this process
before the serial half, between the halves and after the parallel half, and reports the median
runs in reference units (run wall time / the reference's wall time).

Not a test: timings depend on the machine and its load (printed with the results).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import reference  # noqa: E402  (benchmarks/reference.py: the fixed reference workload)

SPEC = """
[experiment]
title = "benchmark"
design = "lhs"
samples = {runs}
seed = 1
months = {months}
outputs = ["staff_membership_rate", "active_share", "mean_ownership", "headcount"]
timeseries = ["staff_membership_rate", "active_share"]

[set]
"organisation.staff" = {staff}
"organisation.users" = {users}
"organisation.sites" = 2

[vary."membership.staff.promotion"]
range = [0.0, 1.0]
[vary."membership.staff.peer_effect"]
range = [0.0, 6.0]
"""


def write_spec(folder: Path, runs: int, months: int, staff: int, users: int) -> Path:
    path = folder / f"bench_{runs}.toml"
    path.write_text(SPEC.format(runs=runs, months=months, staff=staff, users=users))
    return path


# --medium: the issue-14 medium mutual (1,000 staff + 5,000 users, 120 months, every side on)
SIZES = {"small": (12, 30, 100), "medium": (120, 1000, 5000)}
EFFICIENCY_SIZES = {"small": (60, 100, 500), "medium": (120, 1000, 5000)}


def measure_memory(runs: int, workers: int | None, size: str = "small") -> dict:
    months, staff, users = SIZES[size]
    with tempfile.TemporaryDirectory() as tmp:
        spec = write_spec(Path(tmp), runs, months=months, staff=staff, users=users)
        cmd = [sys.executable, "-m", "sim", "sweep", str(spec), "--out", f"{tmp}/out", "--quiet"]
        if workers:
            cmd += ["--workers", str(workers)]
        start = time.monotonic()
        proc = psutil.Popen(cmd, cwd=ROOT)
        parent_peak = worker_peak = tree_peak = 0
        while proc.poll() is None:
            try:
                parent = proc.memory_info().rss
                children = [c.memory_info().rss for c in proc.children(recursive=True)]
            except psutil.Error:
                continue
            parent_peak = max(parent_peak, parent)
            worker_peak = max([worker_peak, *children])
            tree_peak = max(tree_peak, parent + sum(children))
            time.sleep(0.1)
        elapsed = time.monotonic() - start
        parts = len(list(Path(tmp, "out", "summary").glob("*.parquet")))
        return {"runs": runs, "exit": proc.returncode, "seconds": round(elapsed, 1),
                "parent_peak_mib": _mib(parent_peak), "worker_peak_mib": _mib(worker_peak),
                "tree_peak_mib": _mib(tree_peak), "part_files": parts}


def measure_efficiency(runs: int, workers: int, size: str = "small") -> dict:
    from sim.batch.spec import load_spec
    from sim.batch.store import Store
    from sim.batch.sweep import sweep

    refs = {}
    with tempfile.TemporaryDirectory() as tmp:
        months, staff, users = EFFICIENCY_SIZES[size]
        spec = load_spec(write_spec(Path(tmp), runs, months=months, staff=staff, users=users))
        reference.work()  # warm-up
        refs["before_serial"] = [reference.timed() for _ in range(2)]
        serial = sweep(spec, f"{tmp}/serial", executor="serial", progress=False).elapsed_s
        refs["between"] = [reference.timed() for _ in range(2)]
        parallel = sweep(spec, f"{tmp}/process", executor="process", workers=workers,
                         progress=False).elapsed_s
        refs["after_parallel"] = [reference.timed() for _ in range(2)]
        serial_run = Store(f"{tmp}/serial").status()["duration_s"]
        status = Store(f"{tmp}/process").status()
        worker_run = status["duration_s"]
        here = f"{socket.gethostname()}:{os.getpid()}"  # runs the sweep process ran itself
        in_parent = int((status["worker"] == here).sum())
    # Utilisation separates the engine's overhead (start-up, dispatch, idle workers) from
    # cores being slower in parallel (other load, shared caches): busy time / available time.
    # the fixed reference workload (benchmarks/reference.py), timed in this process around the
    # two halves; the runs' durations are wall time, so their units are in reference wall time
    ref_wall = statistics.median(r["wall_s"] for rs in refs.values() for r in rs)
    ref_cpu = statistics.median(r["cpu_s"] for rs in refs.values() for r in rs)
    return {"reference": {"version": reference.VERSION, "median_cpu_s": round(ref_cpu, 4),
                          "median_wall_s": round(ref_wall, 4),
                          **{k: [round(r["wall_s"], 4) for r in rs] for k, rs in refs.items()}},
            "median_run_units_serial": round(float(serial_run.median()) / ref_wall, 3),
            "median_run_units_in_workers": round(float(worker_run.median()) / ref_wall, 3),
            "runs": runs, "workers": workers, "serial_s": round(serial, 1),
            "parallel_s": round(parallel, 1),
            "efficiency": round(serial / (workers * parallel), 3),
            "median_run_s_serial": round(float(serial_run.median()), 3),
            "median_run_s_in_workers": round(float(worker_run.median()), 3),
            "mean_run_s_serial": round(float(serial_run.mean()), 3),
            "mean_run_s_in_workers": round(float(worker_run.mean()), 3),
            "runs_in_sweep_process": in_parent,
            "worker_utilisation": round(float(worker_run.sum()) / (workers * parallel), 3)}


def _mib(n: int) -> float:
    return round(n / 2**20, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("memory", "efficiency"))
    parser.add_argument("--runs", type=int, nargs="+", default=[1000, 20000])
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--medium", action="store_true",
                        help="the medium mutual (1,000 staff + 5,000 users, 120 months)")
    args = parser.parse_args()
    size = "medium" if args.medium else "small"
    for runs in args.runs:
        before = [round(x, 2) for x in os.getloadavg()]
        if args.what == "memory":
            row = measure_memory(runs, args.workers, size)
        else:
            row = measure_efficiency(runs, args.workers or 2, size)
        load = [round(x, 2) for x in os.getloadavg()]  # the machine may be shared
        row = {**row, "size": size, "cpus": os.cpu_count(), "load_average_after": load}
        print(json.dumps(row), flush=True)
        if args.what == "efficiency":  # kept: every measurement, with its commit and load
            _append(RESULTS_EFFICIENCY, {**row, "load_average_before": before,
                                         "commit": _commit(), "measured_utc": time.strftime(
                                             "%Y-%m-%d %H:%M", time.gmtime())})


RESULTS_EFFICIENCY = Path(__file__).with_name("results-efficiency.json")


def _commit() -> str:
    import subprocess

    out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "sim"],
                           capture_output=True, text=True).stdout.strip()
    return out.stdout.strip() + ("-dirty" if dirty else "")


def _append(path: Path, row: dict) -> None:
    rows = json.loads(path.read_text()) if path.exists() else []
    rows.append(row)
    path.write_text(json.dumps(rows, indent=1) + "\n")

if __name__ == "__main__":
    main()
