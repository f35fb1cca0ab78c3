"""Before a sweep: what a spec expands to and how long it will take (`sweep --dry-run`), and
the list of bundled experiments (`mutualsim experiments`). Nothing here writes a file."""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from sim.batch.designs import build_design
from sim.batch.runs import RunContext, execute, execution_order, runs_table, tasks
from sim.batch.spec import ExperimentSpec, load_spec


def shape(spec: ExperimentSpec, settings: int) -> str:
    """'10 base scenarios × 4 uncertainty settings × 2 policies = 80 settings'."""
    if not spec.comparison:
        return f"{settings} settings"
    parts = []
    n_s, n_p = len(spec.scenario_refs), max(1, len(spec.policies))
    n_u = settings // (n_s * n_p)
    parts.append(f"{n_s} base scenario{'s' if n_s > 1 else ''}")
    parts.append(f"{n_u} uncertainty setting{'s' if n_u > 1 else ''}")
    if spec.policies:
        parts.append(f"{n_p} policies")
    return " × ".join(parts) + f" = {settings} settings"


def dry_run(spec: ExperimentSpec, out: Path, workers: int | None = None,
            executor: str = "process", timing_runs: int = 3) -> str:
    from sim.batch.sweep import resolve_scenarios

    design = build_design(spec)
    runs = runs_table(spec, design)
    done: set[int] = set()
    from sim.batch.store import Store, StoreDamaged

    store = Store(out)
    if store._state() == "store":  # our files, the manifest perhaps among them
        problems = store.verify()  # a damaged store is reported, not read
        if problems:
            raise StoreDamaged(store.root, problems, "plan a resume")
        done = store.completed_ids()
    todo = execution_order(runs, [i for i in runs["run_id"] if int(i) not in done])
    lines = [f"{spec.path}: {spec.title or spec.name}",
             f"  design   {spec.design}: {shape(spec, design.size)} × {spec.replications} "
             f"replication{'s' if spec.replications > 1 else ''} = {len(runs)} runs",
             f"  to run   {len(todo)} ({len(done)} already stored in {out})"]
    if spec.policies:
        pairing = "paired: common random numbers per future and replication" if spec.paired \
            else "independent streams"
        lines.append(f"  policies {', '.join(p.name for p in spec.policies)}; baseline "
                     f"{spec.baseline}; {pairing}")
    if timing_runs and todo:
        scenario, scenarios = resolve_scenarios(spec)
        context = RunContext.of(spec, scenario, scenarios)
        # spread the timed runs over the first replication's settings (scenarios differ)
        first = todo[:max(1, design.size)]
        step = max(1, len(first) // timing_runs)
        picked = first[::step][:timing_runs]
        times, failed = [], 0
        for task in tasks(runs, design, iter(picked)):
            t0 = time.process_time()
            record = execute(context, task)
            times.append(time.process_time() - t0)
            failed += record["status"] != "ok"
        per_run = statistics.mean(times)
        n = workers or (1 if executor == "serial" else os.cpu_count() or 1)
        estimate = per_run * len(todo) / n
        note = f"; {failed} of them failed" if failed else ""
        lines.append(f"  timing   {len(times)} run(s) here took {per_run:.2f} s CPU each "
                     f"(median {statistics.median(times):.2f} s){note}")
        lines.append(f"  estimate about {_duration(estimate)} on {n} worker{'s' if n > 1 else ''}"
                     f" ({executor}), if each worker gets a core; add start-up")
    lines.append("  nothing was written (--dry-run)")
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def describe_experiments() -> str:
    from sim.scenario import bundled_dir

    rows = []
    for path in sorted(bundled_dir("experiments").glob("*.toml")):
        spec = load_spec(path)
        size = build_design(spec).size
        rows.append((path.stem, f"{spec.design}, {size * spec.replications} runs",
                     spec.title))
    w1 = max(len(r[0]) for r in rows)
    w2 = max(len(r[1]) for r in rows)
    lines = [f"{a:<{w1}}  {b:<{w2}}  {c}" for a, b, c in rows]
    lines.append("run one: mutualsim sweep NAME --dry-run, then mutualsim sweep NAME")
    return "\n".join(lines)
