"""Whole-run speed: a medium mutual's ten years (and the largest case), this tree against another
checkout, interleaved, CPU time and wall time per run.

    # the other side: a checkout of an earlier commit, e.g. main before issue 14
    git worktree add /tmp/speed-base 971121a
    .venv/bin/python benchmarks/run_speed.py compare /tmp/speed-base --case medium --seeds 10
    .venv/bin/python benchmarks/run_speed.py compare /tmp/speed-base --case large --seeds 5
    .venv/bin/python benchmarks/run_speed.py profile --case medium      # cProfile of one run
    .venv/bin/python benchmarks/run_speed.py jit                        # numba compile/load
    .venv/bin/python benchmarks/run_speed.py sides --seeds 8   # run_speed's medium vs a sweep's
    .venv/bin/python benchmarks/run_speed.py track --rounds 6  # the reference under extra load
    .venv/bin/python benchmarks/run_speed.py calls --case medium   # Python calls per run
    .venv/bin/python benchmarks/run_speed.py steps --case medium   # CPU per mechanism
    .venv/bin/python benchmarks/run_speed.py pairs /tmp/speed-base --rounds 8   # many pairs
    .venv/bin/python benchmarks/run_speed.py kernels /tmp/speed-base --case large  # CPU a kernel

Cases (every side on: people, funding, governance, benefits):

- ``medium``: the base scenario with 1,000 staff and 5,000 users, 120 months.
- ``base``: the base scenario as bundled (400 staff, 5,000 users), 120 months.
- ``large``: Case 9 (the libraries CBS: '67,000 members', T5.1) with 67,000 users, 120 months.
- ``small``: the base scenario with 100 staff and no users, 120 months: what a month costs
  whatever the population (the mechanisms' calls, the scheduled events, the observation).

Each timed run is one child process (``PYTHONPATH`` = the tree, the same interpreter and
libraries), which first does a one-month warm-up run (imports, caches, the provenance record:
costs a sweep worker pays once), then times one run with ``time.process_time`` (CPU) and
``time.perf_counter`` (wall). The two sides alternate A, B, A, B per seed, so load hits both
alike. Each child also times the fixed reference workload (benchmarks/reference.py) just before
and just after its run and reports the run's CPU time in reference units (``units``), which
can be compared across hours and machines (README: how well it tracks load). A run is called
the way the batch engine calls it (``sim.batch.runs.execute``): with
``outputs=`` (the scalar outputs a sweep stores) where the tree's ``sim.run`` accepts it.
Results (every run, medians, quartiles, machine, load before and after) go to
``benchmarks/results-run_speed-<case>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import reference  # noqa: E402  (benchmarks/reference.py: the fixed reference workload)

CASES = {
    "base": ("base", {}, 120),   # the base scenario as bundled (400 staff), issue 11's speed bound
    "medium": ("base", {"organisation.staff": 1000, "organisation.users": 5000}, 120),
    "large": ("scenarios/cases/case09.toml", {"organisation.users": 67_000}, 120),
    # the per-month fixed cost: a near-empty mutual (100 staff, no users), every side on
    "small": ("base", {"organisation.staff": 100, "organisation.users": 0}, 120),
}


def _run_args(case: str, sweep: bool, base: Path) -> tuple[str, dict, int, dict]:
    """``sim.run``'s scenario, overrides, months and extra keywords for ``case``: a case file
    relative to ``base`` (this tree, or the other tree a child runs in), and in sweep mode
    every output at the end, where the tree's ``sim.run`` has a sweep mode."""
    import inspect

    import sim

    scenario, overrides, months = CASES[case]
    if scenario.endswith(".toml"):
        scenario = str(base / scenario)
    kwargs = {}
    if sweep and "outputs" in inspect.signature(sim.run).parameters:
        from sim.metrics import COLUMNS
        kwargs["outputs"] = [c for c in COLUMNS if c != "month"]
    return scenario, overrides, months, kwargs


# --- the child: one timed run in a fresh interpreter ----------------------------------------

def child(case: str, seed: int, sweep: bool) -> dict:

    import sim

    scenario, overrides, months, kwargs = _run_args(case, sweep, Path.cwd())
    sim.run(scenario, seed=seed + 1000, months=1, overrides=overrides, **kwargs)  # warm-up
    reference.work()
    before = [reference.timed() for _ in range(2)]
    cpu, wall = time.process_time(), time.perf_counter()
    sim.run(scenario, seed=seed, months=months, overrides=overrides, **kwargs)
    row = {"cpu_s": time.process_time() - cpu, "wall_s": time.perf_counter() - wall,
           "sweep_mode": bool(kwargs)}
    return with_reference(row, before, [reference.timed() for _ in range(2)])


def with_reference(row: dict, before: list[dict], after: list[dict]) -> dict:
    """``row`` with the reference workload timed twice just before and twice just after it
    (same process), their median, and the run's CPU time in reference units
    (benchmarks/reference.py)."""
    ref = statistics.median(r["cpu_s"] for r in before + after)
    return {**row, "ref_cpu_s": ref, "ref_before_cpu_s": [r["cpu_s"] for r in before],
            "ref_after_cpu_s": [r["cpu_s"] for r in after], "ref_version": before[0]["version"],
            "units": row["cpu_s"] / ref}


def sweep_child(index: int) -> dict:
    """Run ``index`` of ``batch_memory.py efficiency --medium``'s design, called as the sweep
    engine calls it (``sim.batch.runs.execute``: that spec's outputs, series, [set] and varied
    parameters), after the same one-month warm-up as :func:`child`."""
    import tempfile

    import sim
    from sim.batch.designs import build_design
    from sim.batch.runs import RunContext, execute, runs_table, tasks
    from sim.batch.spec import load_spec
    from sim.batch.sweep import resolve_scenarios

    sys.path.insert(0, str(HERE))
    import batch_memory

    months, staff, users = batch_memory.EFFICIENCY_SIZES["medium"]
    with tempfile.TemporaryDirectory() as tmp:
        spec = load_spec(batch_memory.write_spec(Path(tmp), 160, months, staff, users))
    design = build_design(spec)
    scenario, scenarios = resolve_scenarios(spec)
    context = RunContext.of(spec, scenario, scenarios)
    task = next(tasks(runs_table(spec, design), design, iter([index])))
    sim.run("base", seed=index + 1000, months=1, overrides=dict(context.fixed),
            outputs=list(context.outputs))  # warm-up, as child()
    reference.work()
    before = [reference.timed() for _ in range(2)]
    cpu, wall = time.process_time(), time.perf_counter()
    record = execute(context, task)
    row = {"cpu_s": time.process_time() - cpu, "wall_s": time.perf_counter() - wall,
           "duration_s": record["duration_s"], "status": record["status"],
           "settings": task.settings}
    return with_reference(row, before, [reference.timed() for _ in range(2)])


def sides(seeds: int) -> dict:
    """The two "medium" figures side by side, interleaved in fresh processes on this tree:
    ``child('medium')`` (what ``compare`` times) and a run of the efficiency benchmark's sweep
    (what ``batch_memory.py efficiency --medium`` times)."""
    before, rows = uptime(), []
    for seed in range(seeds):
        a = timed(ROOT, "medium", seed, True)
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "sweepchild",
                              str(seed)], env=env, cwd=ROOT, capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(f"sweep run failed:\n{out.stderr[-2000:]}")
        b = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append({"seed": seed, "run_speed_medium": a, "sweep_medium": b})
        print(f"{seed}: run_speed medium {a['cpu_s'] * 1e3:6.1f} ms CPU ({a['wall_s'] * 1e3:6.1f}"
              f" wall)   sweep medium {b['cpu_s'] * 1e3:6.1f} ms CPU ({b['wall_s'] * 1e3:6.1f} "
              f"wall)   load {os.getloadavg()[0]:.2f}", flush=True)
    summary = {side: {k: quartiles([r[side][k] for r in rows])
                      for k in ("cpu_s", "wall_s", "ref_cpu_s", "units")}
               for side in ("run_speed_medium", "sweep_medium")}
    ratios = [r["sweep_medium"]["cpu_s"] / r["run_speed_medium"]["cpu_s"] for r in rows]
    result = {"what": "run_speed medium (sim.run, outputs=) vs batch_memory efficiency --medium"
                      " (sim.batch.runs.execute of design run i), interleaved, fresh processes",
              "this": commit_of(ROOT), "machine": machine(), "uptime_before": before,
              "uptime_after": uptime(),
              "measured_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
              "summary": summary, "cost_ratio_sweep_over_run_speed": quartiles(ratios),
              "runs": rows}
    r, q = result["cost_ratio_sweep_over_run_speed"], summary
    print(f"\nCPU medians: run_speed medium {q['run_speed_medium']['cpu_s']['median'] * 1e3:.1f}"
          f" ms, sweep medium {q['sweep_medium']['cpu_s']['median'] * 1e3:.1f} ms; paired ratio "
          f"sweep/run_speed median {r['median']:.3f} (IQR {r['q1']:.3f}-{r['q3']:.3f})")
    print(f"before: {before}\nafter:  {result['uptime_after']}")
    out = HERE / "results-medium_sides.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out}")
    return result


LOAD_MAKER = ("import os, sim\nos.nice(19)\nwhile True:\n"
              "    sim.run('base', seed=0, months=12, overrides={'organisation.staff': 300})")


def track(rounds: int, levels: list[int]) -> dict:
    """How well the reference workload tracks load: the medium case (this tree, sweep mode) in
    fresh processes, each with the reference timed before and after its run, under ``levels``
    of extra load made here (that many processes looping small model runs at nice 19, started
    2 s before the run and stopped after it), interleaved: each level once per round, the same
    seed within a round. If the reference tracks load, a run's CPU time grows with the extra
    load and its CPU time in reference units does not."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    before, rows = uptime(), []
    for r in range(rounds):
        for level in levels:
            makers = [subprocess.Popen([sys.executable, "-c", LOAD_MAKER], env=env, cwd=ROOT,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                      for _ in range(level)]
            try:
                if makers:
                    time.sleep(2.0)
                load0 = os.getloadavg()[0]
                row = timed(ROOT, "medium", r, True)
            finally:
                for m in makers:
                    m.kill()
                    m.wait()
            rows.append({"round": r, "extra_load": level, "load_1min_before": load0, **row})
            print(f"round {r} extra {level}: run {row['cpu_s'] * 1e3:6.1f} ms CPU, reference "
                  f"{row['ref_cpu_s'] * 1e3:6.1f} ms, units {row['units']:.3f}   load "
                  f"{load0:.2f}", flush=True)
    summary = {}
    for level in levels:
        mine = [x for x in rows if x["extra_load"] == level]
        summary[str(level)] = {k: quartiles([x[k] for x in mine])
                               for k in ("cpu_s", "ref_cpu_s", "units")}
    base_rows = {x["round"]: x for x in rows if x["extra_load"] == levels[0]}
    paired = {}
    for level in levels[1:]:
        mine = [x for x in rows if x["extra_load"] == level]
        paired[str(level)] = {k: quartiles([x[k] / base_rows[x["round"]][k] for x in mine])
                              for k in ("cpu_s", "ref_cpu_s", "units")}
    result = {"what": "medium run and the reference workload under extra load (run_speed.py "
                      "track)", "this": commit_of(ROOT), "machine": machine(),
              "uptime_before": before, "uptime_after": uptime(),
              "measured_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
              "levels": levels, "summary": summary,
              "paired_ratio_to_level": {"level": levels[0], **paired}, "runs": rows}
    for level in levels:
        q = summary[str(level)]
        print(f"extra load {level}: run CPU median {q['cpu_s']['median'] * 1e3:.1f} ms, "
              f"reference {q['ref_cpu_s']['median'] * 1e3:.1f} ms, units "
              f"{q['units']['median']:.3f} (IQR {q['units']['q1']:.3f}-{q['units']['q3']:.3f})")
    for level, q in paired.items():
        print(f"extra load {level} / {levels[0]}, paired by round: run CPU x"
              f"{q['cpu_s']['median']:.3f}, reference x{q['ref_cpu_s']['median']:.3f}, units x"
              f"{q['units']['median']:.3f} (IQR {q['units']['q1']:.3f}-{q['units']['q3']:.3f})")
    all_cpu = [x["cpu_s"] for x in rows]
    all_units = [x["units"] for x in rows]
    result["spread_all_runs"] = {"cpu_s_cv": statistics.pstdev(all_cpu) / statistics.mean(all_cpu),
                                 "units_cv": statistics.pstdev(all_units)
                                 / statistics.mean(all_units)}
    cv = result["spread_all_runs"]
    print(f"all runs: coefficient of variation, run CPU {cv['cpu_s_cv']:.3f}, units "
          f"{cv['units_cv']:.3f}")
    print(f"before: {before}\nafter:  {result['uptime_after']}")
    out = HERE / "results-reference_track.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out}")
    return result


def timed(tree: Path, case: str, seed: int, sweep: bool) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    cmd = [sys.executable, str(Path(__file__).resolve()), "child", case, str(seed)]
    if not sweep:
        cmd.append("--full")
    out = subprocess.run(cmd, env=env, cwd=tree, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"run in {tree} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- comparison ---------------------------------------------------------------------------

def quartiles(xs: list[float]) -> dict:
    q = statistics.quantiles(xs, n=4) if len(xs) > 1 else [xs[0]] * 3
    return {"median": statistics.median(xs), "q1": q[0], "q3": q[2], "min": min(xs),
            "max": max(xs), "n": len(xs)}


def commit_of(tree: Path) -> str:
    out = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(tree), "status", "--porcelain", "--", "sim"],
                           capture_output=True, text=True).stdout.strip()
    return out.stdout.strip() + ("-dirty" if dirty else "")


def machine() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform()}


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load average {:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg())


def compare(other: Path, case: str, seeds: int, sweep: bool, out: Path | None) -> dict:
    before = uptime()
    rows = []
    for seed in range(seeds):
        a = timed(other, case, seed, sweep)   # A: the other tree
        b = timed(ROOT, case, seed, sweep)    # B: this tree
        rows.append({"seed": seed, "other": a, "this": b})
        print(f"seed {seed}: other {a['cpu_s'] * 1e3:7.1f} ms CPU ({a['wall_s'] * 1e3:7.1f} "
              f"wall)   this {b['cpu_s'] * 1e3:7.1f} ms CPU ({b['wall_s'] * 1e3:7.1f} wall)"
              f"   {os.getloadavg()[0]:.2f}", flush=True)
    after = uptime()
    summary = {}
    for side in ("other", "this"):
        summary[side] = {k: quartiles([r[side][k] for r in rows])
                         for k in ("cpu_s", "wall_s", "ref_cpu_s", "units")}
    ratios = [r["other"]["cpu_s"] / r["this"]["cpu_s"] for r in rows]
    result = {
        "case": case, "scenario": CASES[case][0], "overrides": CASES[case][1],
        "months": CASES[case][2], "sweep_mode": sweep,
        "other": {"tree": str(other), "commit": commit_of(other)},
        "this": {"tree": str(ROOT), "commit": commit_of(ROOT)},
        "machine": machine(), "uptime_before": before, "uptime_after": after,
        "measured_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "summary": summary, "speed_up_paired": quartiles(ratios),
        "speed_up_of_medians": summary["other"]["cpu_s"]["median"]
        / summary["this"]["cpu_s"]["median"],
        "runs": rows,
    }
    so, st = summary["other"]["cpu_s"], summary["this"]["cpu_s"]
    print(f"\n{case}, {CASES[case][2]} months, {seeds} seeds, CPU per run: other "
          f"{commit_of(other)} median {so['median'] * 1e3:.1f} ms (IQR {so['q1'] * 1e3:.1f}-"
          f"{so['q3'] * 1e3:.1f}), this {commit_of(ROOT)} median {st['median'] * 1e3:.1f} ms "
          f"(IQR {st['q1'] * 1e3:.1f}-{st['q3'] * 1e3:.1f}); speed-up x"
          f"{result['speed_up_of_medians']:.2f} (paired median x"
          f"{result['speed_up_paired']['median']:.2f}); cost ratio this/other x"
          f"{1 / result['speed_up_of_medians']:.2f}")
    wo, wt = summary["other"]["wall_s"]["median"], summary["this"]["wall_s"]["median"]
    print(f"wall medians: other {wo * 1e3:.1f} ms, this {wt * 1e3:.1f} ms")
    uo, ut = summary["other"]["units"], summary["this"]["units"]
    ref = statistics.median(r[k]["ref_cpu_s"] for r in rows for k in ("other", "this"))
    print(f"in reference units (run CPU / reference CPU, same process): other median "
          f"{uo['median']:.3f} (IQR {uo['q1']:.3f}-{uo['q3']:.3f}), this {ut['median']:.3f} "
          f"(IQR {ut['q1']:.3f}-{ut['q3']:.3f}); reference CPU median "
          f"{ref * 1e3:.1f} ms")
    print(f"before: {before}\nafter:  {after}")
    out = out or HERE / f"results-run_speed-{case}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out}")
    return result


def server(case: str) -> None:
    """A persistent child for :func:`pairs`: one warm-up, then one timed run per seed read
    from stdin (a JSON line per run on stdout). The reference workload is not timed here."""

    import sim

    scenario, overrides, months, kwargs = _run_args(case, True, Path.cwd())
    sim.run(scenario, seed=1000, months=1, overrides=overrides, **kwargs)  # warm-up
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        seed = int(line)
        cpu, wall = time.process_time(), time.perf_counter()
        sim.run(scenario, seed=seed, months=months, overrides=overrides, **kwargs)
        print(json.dumps({"seed": seed, "cpu_s": time.process_time() - cpu,
                          "wall_s": time.perf_counter() - wall}), flush=True)


def pairs(other: Path, case: str, seeds: int, rounds: int, out: Path | None) -> dict:
    """Many more pairs than ``compare`` in the same time: one persistent process per tree
    (imports and warm-up paid once, :func:`server`), the same seed run in each in turn, the
    order alternating (ABBA) from one pair to the next, so that a drift in load hits both
    sides alike. The paired ratio other / this per pair is the statistic (its median and IQR);
    the machine's 1-minute load is recorded at every pair."""
    procs = {}
    for side, tree in (("other", other), ("this", ROOT)):
        env = dict(os.environ, PYTHONPATH=str(tree))
        procs[side] = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "server", case], env=env, cwd=tree,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if "ready" not in json.loads(procs[side].stdout.readline() or "{}"):
            raise SystemExit(f"the {side} tree's server did not start")

    def one(side: str, seed: int) -> dict:
        p = procs[side]
        p.stdin.write(f"{seed}\n")
        p.stdin.flush()
        return json.loads(p.stdout.readline())

    before, rows, k = uptime(), [], 0
    try:
        for r in range(rounds):
            for seed in range(seeds):
                order = ("other", "this") if k % 2 == 0 else ("this", "other")
                k += 1
                got = {side: one(side, seed) for side in order}
                rows.append({"round": r, "seed": seed, "first": order[0],
                             "load_1min": os.getloadavg()[0], **got})
                a, b = got["other"]["cpu_s"] * 1e3, got["this"]["cpu_s"] * 1e3
                print(f"round {r} seed {seed}: other {a:6.1f} ms, this {b:6.1f} ms CPU   load "
                      f"{rows[-1]['load_1min']:.2f}", flush=True)
    finally:
        for p in procs.values():
            p.stdin.close()
            p.wait()
    ratios = [x["other"]["cpu_s"] / x["this"]["cpu_s"] for x in rows]
    summary = {side: {key: quartiles([x[side][key] for x in rows]) for key in ("cpu_s", "wall_s")}
               for side in ("other", "this")}
    result = {"what": "run_speed.py pairs: persistent processes per tree, ABBA order",
              "case": case, "other": {"tree": str(other), "commit": commit_of(other)},
              "this": {"tree": str(ROOT), "commit": commit_of(ROOT)}, "machine": machine(),
              "uptime_before": before, "uptime_after": uptime(),
              "measured_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
              "summary": summary, "speed_up_paired": quartiles(ratios),
              "load_1min": quartiles([x["load_1min"] for x in rows]), "runs": rows}
    so, st, q = summary["other"]["cpu_s"], summary["this"]["cpu_s"], result["speed_up_paired"]
    print(f"\n{case}, {len(rows)} pairs: other {result['other']['commit']} median "
          f"{so['median'] * 1e3:.1f} ms (IQR {so['q1'] * 1e3:.1f}-{so['q3'] * 1e3:.1f}), this "
          f"{result['this']['commit']} median {st['median'] * 1e3:.1f} ms (IQR "
          f"{st['q1'] * 1e3:.1f}-{st['q3'] * 1e3:.1f}); paired speed-up other/this median "
          f"x{q['median']:.3f} (IQR {q['q1']:.3f}-{q['q3']:.3f}); load "
          f"{result['load_1min']['min']:.2f}-{result['load_1min']['max']:.2f}")
    print(f"before: {before}\nafter:  {result['uptime_after']}")
    out = out or HERE / f"results-run_speed-pairs-{case}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out}")
    return result


def profile(case: str, seed: int, sweep: bool, top: int, out: Path | None = None) -> None:
    """cProfile of one run (after a warm-up): the top functions by cumulative and by own time;
    with ``out``, a JSON table of the top functions by own time and by call count (the
    counts do not move with the machine's load; the times include cProfile's own cost, which
    falls on the functions that make many small calls)."""
    import cProfile
    import pstats

    import sim

    scenario, overrides, months, kwargs = _run_args(case, sweep, ROOT)
    sim.run(scenario, seed=seed + 1000, months=1, overrides=overrides, **kwargs)
    cpu = time.process_time()
    sim.run(scenario, seed=seed, months=months, overrides=overrides, **kwargs)
    print(f"unprofiled run: {(time.process_time() - cpu) * 1e3:.1f} ms CPU")
    prof = cProfile.Profile()
    prof.enable()
    sim.run(scenario, seed=seed, months=months, overrides=overrides, **kwargs)
    prof.disable()
    stats = pstats.Stats(prof)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    if out is None:
        return
    tree = str(Path(sim.__file__).resolve().parents[1]) + "/"
    rows = [{"function": f"{file.replace(tree, '')}:{line}({name})", "calls": calls,
             "tottime_ms": own * 1e3, "cumtime_ms": cum * 1e3}
            for (file, line, name), (_, calls, own, cum, _) in stats.stats.items()]
    own_total = sum(r["tottime_ms"] for r in rows)
    result = {"what": "run_speed.py profile: cProfile of one run", "case": case, "seed": seed,
              "this": commit_of(Path(tree)), "uptime": uptime(),
              "measured_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
              "total_calls": stats.total_calls, "profiled_ms": own_total,
              "by_tottime": sorted(rows, key=lambda r: -r["tottime_ms"])[:top],
              "by_calls": sorted(rows, key=lambda r: -r["calls"])[:top]}
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out}")


STEP_PARTS = (  # (label, module path, attribute): what MutualModel.step and its events call
    ("commissioning.advance", "sim.mechanisms.funding.commissioning", "advance"),
    ("governance cycle.monthly", "sim.mechanisms.governance.cycle", "monthly"),
    ("procurement.bid_and_award", "sim.mechanisms.funding.procurement", "bid_and_award"),
    ("finance.settle_month", "sim.mechanisms.funding.finance", "settle_month"),
    ("workforce.turn_over", "sim.mechanisms.people.workforce", "turn_over"),
    ("users.monthly", "sim.mechanisms.people.users", "monthly"),
    ("membership.update", "sim.mechanisms.people.membership", "update"),
    ("participation.monthly", "sim.mechanisms.people.participation", "monthly"),
    ("engagement.update", "sim.mechanisms.people.engagement", "update"),
    ("service.update", "sim.mechanisms.people.service", "update"),
    ("year_end (annual)", "sim.model", "MutualModel.year_end"),
    ("observe (outputs)", "sim.model", "MutualModel.observe"),
    ("model construction", "sim.model", "MutualModel.__init__"),
    ("step's own lines", "sim.model", "MutualModel.step"),
    ("Mesa's event loop", "mesa.model", "Model._advance_time"),
)


def steps(case: str, seeds: int, sweep: bool) -> dict:
    """CPU time per mechanism of a run, unprofiled: each process call of ``MutualModel.step``
    (and the year end, the observation and the construction) wrapped in a CPU-time counter
    (``time.perf_counter_ns``: wall time, 0.15 µs a call, ~1,700 calls a run; the CPU clock
    costs 1.5 µs a call on this machine); each part's time is its own (exclusive of the parts
    it calls); what is left is ``sim.run``'s own work (the scenario, the results)."""
    import importlib

    import sim

    scenario, overrides, months, kwargs = _run_args(case, sweep, ROOT)
    sim.run(scenario, seed=1000, months=1, overrides=overrides, **kwargs)  # warm-up
    spent = {label: 0 for label, _, _ in STEP_PARTS}
    clock = time.perf_counter_ns  # process_time_ns costs ~1.5 µs a call here (a syscall)

    inner = [0]  # time spent in timed parts nested inside the current one (the first
    # observation is made inside the construction): each part's own time is exclusive

    def timed_part(label, fn):
        def wrapper(*a, **k):
            t, outer = clock(), inner[0]
            inner[0] = 0
            try:
                return fn(*a, **k)
            finally:
                took = clock() - t
                spent[label] += took - inner[0]
                inner[0] = outer + took
        return wrapper

    for label, mod, attr in STEP_PARTS:  # the model calls them through their modules
        owner = importlib.import_module(mod)
        *path, name = attr.split(".")
        for part in path:
            owner = getattr(owner, part)
        setattr(owner, name, timed_part(label, getattr(owner, name)))
    totals = []
    for seed in range(seeds):
        t = clock()
        sim.run(scenario, seed=seed, months=months, overrides=overrides, **kwargs)
        totals.append(clock() - t)
    total = sum(totals)
    rows = [{"part": k, "ms_per_run": v / seeds / 1e6, "share": v / total}
            for k, v in spent.items()]
    rest = total - sum(spent.values())
    rows.append({"part": "rest (sim.run outside the model)", "ms_per_run": rest / seeds / 1e6,
                 "share": rest / total})
    print(f"{case}, {seeds} seeds, {'sweep mode' if kwargs else 'full outputs'}: "
          f"{total / seeds / 1e6:.1f} ms a run (wall clock, mean; wrappers included)")
    for r in rows:
        print(f"  {r['part']:34s} {r['ms_per_run']:7.1f} ms  {100 * r['share']:5.1f} %")
    result = {"what": "run_speed.py steps: CPU time per mechanism, unprofiled", "case": case,
              "seeds": seeds, "sweep_mode": bool(kwargs),
              "this": commit_of(Path(sim.__file__).resolve().parents[1]),  # the tree timed
              "uptime": uptime(), "measured_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
              "run_ms": [t / 1e6 for t in totals], "parts": rows}
    return result


def calls(case: str, seeds: int) -> dict:
    """Python function calls per run (cProfile's count), seeds 0..seeds-1 after a warm-up: a
    count of the interpreter's work that the machine's load does not move (the compiled
    kernels and numpy's loops count as one call each)."""
    import cProfile
    import io
    import pstats

    import sim

    scenario, overrides, months, kwargs = _run_args(case, True, ROOT)
    sim.run(scenario, seed=1000, months=1, overrides=overrides, **kwargs)
    counts = []
    for seed in range(seeds):
        prof = cProfile.Profile()
        prof.enable()
        sim.run(scenario, seed=seed, months=months, overrides=overrides, **kwargs)
        prof.disable()
        counts.append(pstats.Stats(prof, stream=io.StringIO()).total_calls)
        print(f"seed {seed}: {counts[-1]:,} calls", flush=True)
    print(f"{case}: mean {statistics.mean(counts):,.0f} calls a run ({commit_of(ROOT)})")
    return {"case": case, "calls": counts, "this": commit_of(ROOT)}


def kernel_child(case: str, seeds: list[int]) -> dict:
    """In this process (``PYTHONPATH`` = the tree timed): after a warm-up run, run ``seeds``
    and add up each compiled kernel's CPU time (``time.thread_time_ns`` round every call: a
    syscall, ~1.5 µs, ~1,500 calls a run), so other sessions' load, which stretches wall
    time, moves the figures less."""
    import sim
    from sim.mechanisms.people import kernels

    scenario, overrides, months, kwargs = _run_args(case, True, Path.cwd())
    sim.run(scenario, seed=1000, months=months, overrides=overrides, **kwargs)
    spent: dict[str, int] = {}

    def timed_kernel(name, fn):
        def wrapper(*a, **k):
            t = time.thread_time_ns()
            out = fn(*a, **k)
            spent[name] = spent.get(name, 0) + time.thread_time_ns() - t
            return out
        return wrapper

    for name in KERNELS:
        if hasattr(kernels, name):  # the callers look kernels up on the module at each call
            setattr(kernels, name, timed_kernel(name, getattr(kernels, name)))
    cpu = []
    for seed in seeds:
        t = time.process_time()
        sim.run(scenario, seed=seed, months=months, overrides=overrides, **kwargs)
        cpu.append((time.process_time() - t) * 1e3)
    return {"run_cpu_ms": cpu, "kernel_cpu_ms": {k: v / 1e6 / len(seeds)
                                                 for k, v in sorted(spent.items())}}


KERNELS = ("staff_z", "user_z", "climb", "settle", "membership", "become_aware",
           "leaving_argument", "leavers", "resignation_argument", "staff_leavers",
           "ownership_effects", "newcomers", "working_group_pool", "vacancy_pool")


def kernel_times(other: Path, case: str, seeds: list[int], rounds: int,
                 out: Path | None) -> dict:
    """Each compiled kernel's CPU time a run, this tree against ``other``: one fresh process
    per tree and round (:func:`kernel_child`), the order alternating (ABBA); medians over
    the rounds."""
    rows = []
    before = uptime()
    for r in range(rounds):
        order = (("other", other), ("this", ROOT)) if r % 2 == 0 else (("this", ROOT),
                                                                       ("other", other))
        for side, tree in order:
            env = dict(os.environ, PYTHONPATH=str(tree))
            got = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "kernelchild", case,
                 ",".join(map(str, seeds))], env=env, cwd=tree, capture_output=True,
                text=True, check=True)
            rows.append({"round": r, "side": side, "load_1min": os.getloadavg()[0],
                         **json.loads(got.stdout.splitlines()[-1])})
            print(f"round {r} {side}: run {statistics.median(rows[-1]['run_cpu_ms']):.0f} ms, "
                  f"kernels {sum(rows[-1]['kernel_cpu_ms'].values()):.1f} ms CPU", flush=True)
    summary = {}
    for side in ("other", "this"):
        mine = [x for x in rows if x["side"] == side]
        names = sorted({k for x in mine for k in x["kernel_cpu_ms"]})
        summary[side] = {
            "run_cpu_ms": quartiles([t for x in mine for t in x["run_cpu_ms"]]),
            "kernels_cpu_ms": quartiles([sum(x["kernel_cpu_ms"].values()) for x in mine]),
            "by_kernel_median_ms": {k: statistics.median(x["kernel_cpu_ms"].get(k, 0.0)
                                                         for x in mine) for k in names}}
    result = {"what": "run_speed.py kernels: each kernel's CPU time a run, fresh processes, "
                      "ABBA", "case": case, "seeds": seeds, "rounds": rounds,
              "other": {"tree": str(other), "commit": commit_of(other)},
              "this": {"tree": str(ROOT), "commit": commit_of(ROOT)}, "machine": machine(),
              "uptime_before": before, "uptime_after": uptime(),
              "measured_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
              "summary": summary, "runs": rows}
    for side in ("other", "this"):
        s = summary[side]
        print(f"{side} {result[side]['commit']}: kernels {s['kernels_cpu_ms']['median']:.1f} ms "
              f"(IQR {s['kernels_cpu_ms']['q1']:.1f}-{s['kernels_cpu_ms']['q3']:.1f}) of "
              f"{s['run_cpu_ms']['median']:.0f} ms a run; " + ", ".join(
                  f"{k} {v:.1f}" for k, v in s["by_kernel_median_ms"].items() if v >= 1.0))
    out = out or HERE / f"results-run_speed-kernels-{case}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"before: {before}\nafter:  {result['uptime_after']}\nwrote {out}")
    return result


def jit_cost(repeats: int) -> dict:
    """What the compiled kernels cost a process before its first run: the first time on a
    machine (an empty numba cache: compiling) and every later process (loading the cache).
    Each figure is a fresh interpreter timing ``kernels.warm()`` after ``import sim``;
    ``NUMBA_CACHE_DIR`` points at a new temporary folder, so the tree's own cache is left alone.
    """
    import tempfile

    code = ("import time; import sim; from sim.mechanisms.people import kernels; "
            "c, w = time.process_time(), time.perf_counter(); kernels.warm(); "
            "print(time.process_time() - c, time.perf_counter() - w)")
    before, rows = uptime(), []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, PYTHONPATH=str(ROOT), NUMBA_CACHE_DIR=cache)
            row = {}
            for what in ("compile", "load"):  # the first process fills the cache
                out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,
                                     capture_output=True, text=True, check=True)
                cpu, wall = map(float, out.stdout.split())
                row[what] = {"cpu_s": cpu, "wall_s": wall}
            rows.append(row)
            print(f"compile {row['compile']['wall_s']:.2f} s wall ({row['compile']['cpu_s']:.2f}"
                  f" CPU), load from the cache {row['load']['wall_s']:.2f} s wall "
                  f"({row['load']['cpu_s']:.2f} CPU)", flush=True)
    result = {"what": "kernels.warm() in a fresh process", "this": commit_of(ROOT),
              "machine": machine(), "uptime_before": before, "uptime_after": uptime(),
              "measured_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
              "summary": {w: {k: quartiles([r[w][k] for r in rows]) for k in ("cpu_s", "wall_s")}
                          for w in ("compile", "load")}, "runs": rows}
    out = HERE / "results-jit_cost.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"before: {before}\nafter:  {result['uptime_after']}\nwrote {out}")
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("compare", help="this tree against another checkout, interleaved")
    c.add_argument("other", type=Path)
    c.add_argument("--case", choices=sorted(CASES), default="medium")
    c.add_argument("--seeds", type=int, default=10)
    c.add_argument("--full", action="store_true",
                   help="full outputs (no outputs= argument), as `mutualsim run` does")
    c.add_argument("--out", type=Path)
    p = sub.add_parser("profile", help="cProfile of one run on this tree")
    p.add_argument("--case", choices=sorted(CASES), default="medium")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--full", action="store_true")
    p.add_argument("--top", type=int, default=45)
    p.add_argument("--out", type=Path, help="also write a JSON table (by own time, by calls)")
    j = sub.add_parser("jit", help="first-run compile time and per-process load time of the "
                                   "compiled kernels")
    j.add_argument("--repeats", type=int, default=3)
    sd = sub.add_parser("sides", help="run_speed's medium against the efficiency benchmark's "
                                      "sweep runs, interleaved")
    sd.add_argument("--seeds", type=int, default=8)
    st = sub.add_parser("steps", help="CPU time per mechanism of a run, unprofiled")
    st.add_argument("--case", choices=sorted(CASES), default="medium")
    st.add_argument("--seeds", type=int, default=5)
    st.add_argument("--full", action="store_true")
    st.add_argument("--out", type=Path)
    cl = sub.add_parser("calls", help="Python function calls per run (a count, not a time)")
    cl.add_argument("--case", choices=sorted(CASES), default="medium")
    cl.add_argument("--seeds", type=int, default=3)
    t = sub.add_parser("track", help="how well the reference workload tracks load")
    t.add_argument("--rounds", type=int, default=6)
    t.add_argument("--levels", type=int, nargs="+", default=[0, 1, 2],
                   help="extra load-making processes (nice 19) per level")
    pr = sub.add_parser("pairs", help="this tree against another checkout: many ABBA pairs in "
                                      "one persistent process per tree")
    pr.add_argument("other", type=Path)
    pr.add_argument("--case", choices=sorted(CASES), default="medium")
    pr.add_argument("--seeds", type=int, default=5)
    pr.add_argument("--rounds", type=int, default=6)
    pr.add_argument("--out", type=Path)
    kn = sub.add_parser("kernels", help="each compiled kernel's CPU time a run, this tree "
                        "against another checkout")
    kn.add_argument("other", type=Path)
    kn.add_argument("--case", choices=sorted(CASES), default="large")
    kn.add_argument("--seeds", default="0,1", help="seeds run in each process, e.g. 0,1")
    kn.add_argument("--rounds", type=int, default=6)
    kn.add_argument("--out", type=Path)
    kc = sub.add_parser("kernelchild", help=argparse.SUPPRESS)
    kc.add_argument("case", choices=sorted(CASES))
    kc.add_argument("seeds")
    sv = sub.add_parser("server", help=argparse.SUPPRESS)
    sv.add_argument("case", choices=sorted(CASES))
    sc = sub.add_parser("sweepchild", help=argparse.SUPPRESS)
    sc.add_argument("index", type=int)
    ch = sub.add_parser("child", help=argparse.SUPPRESS)
    ch.add_argument("case", choices=sorted(CASES))
    ch.add_argument("seed", type=int)
    ch.add_argument("--full", action="store_true")
    args = ap.parse_args(argv)
    if args.cmd == "child":
        print(json.dumps(child(args.case, args.seed, not args.full)))
    elif args.cmd == "server":
        server(args.case)
    elif args.cmd == "pairs":
        if not args.other.is_dir():
            print(f"run_speed.py: {args.other}: not a directory (a checkout to compare with)",
                  file=sys.stderr)
            return 2
        pairs(args.other, args.case, args.seeds, args.rounds, args.out)
    elif args.cmd == "kernelchild":
        print(json.dumps(kernel_child(args.case, [int(x) for x in args.seeds.split(",")])))
    elif args.cmd == "kernels":
        if not args.other.is_dir():
            print(f"run_speed.py: {args.other}: not a directory (a checkout to compare with)",
                  file=sys.stderr)
            return 2
        kernel_times(args.other.resolve(), args.case,
                     [int(x) for x in args.seeds.split(",")], args.rounds, args.out)
    elif args.cmd == "sweepchild":
        print(json.dumps(sweep_child(args.index)))
    elif args.cmd == "steps":
        result = steps(args.case, args.seeds, not args.full)
        out = args.out or HERE / f"results-run_speed-steps-{args.case}.json"
        out.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {out}")
    elif args.cmd == "calls":
        calls(args.case, args.seeds)
    elif args.cmd == "track":
        track(args.rounds, args.levels)
    elif args.cmd == "sides":
        sides(args.seeds)
    elif args.cmd == "jit":
        jit_cost(args.repeats)
    elif args.cmd == "compare":
        if not args.other.is_dir():
            print(f"run_speed.py: {args.other}: not a directory (a checkout to compare with)",
                  file=sys.stderr)
            return 2
        compare(args.other.resolve(), args.case, args.seeds, not args.full, args.out)
    else:
        profile(args.case, args.seed, not args.full, args.top, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
