"""Benchmark: the monthly person-level update, vectorised vs a per-agent Mesa loop.

    .venv/bin/python benchmarks/person_update.py [--quick]

Measures person-months per second of the person-level rules (membership, engagement ladder,
ownership with contagion, satisfaction, confidence) at 1k, 10k and 70k staff, for the
vectorised mechanisms in sim/mechanisms and the per-agent version in benchmarks/per_agent.py;
and the wall time of a full 120-month run of 1,000 staff + 10,000 users. Results go to
benchmarks/results-person_update.json; the figures in benchmarks/README.md come from it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from per_agent import PerAgentModel  # noqa: E402

import sim  # noqa: E402
from sim.mechanisms.people import engagement, membership  # noqa: E402


def vectorised_rate(n: int, months: int, repeats: int) -> float:
    times = []
    for seed in range(repeats):
        model = sim.MutualModel("base", rng=seed, overrides={"organisation.staff": n,
                                                             "organisation.users": 0})
        start = time.perf_counter()
        for _ in range(months):
            model.month_counts = {}
            membership.update(model)
            engagement.update(model)
        times.append(time.perf_counter() - start)
    return n * months / statistics.median(times)


def per_agent_rate(n: int, months: int, repeats: int) -> float:
    times = []
    for seed in range(repeats):
        source = sim.MutualModel("base", rng=seed, overrides={"organisation.staff": n,
                                                              "organisation.users": 0})
        model = PerAgentModel(source, rng=seed)
        start = time.perf_counter()
        for _ in range(months):
            model.step()
        times.append(time.perf_counter() - start)
    return n * months / statistics.median(times)


def full_run_seconds(repeats: int) -> float:
    times = []
    for seed in range(repeats):
        start = time.perf_counter()
        sim.run("base", seed=seed, overrides={"organisation.staff": 1000,
                                              "organisation.users": 10_000})
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    args = ap.parse_args()
    repeats = 1 if args.quick else 3
    rows = []
    for n in (1_000, 10_000, 70_000):
        vec = vectorised_rate(n, months=24, repeats=repeats)
        loop = per_agent_rate(n, months=3 if n > 10_000 else 6, repeats=repeats)
        rows.append({"persons": n, "vectorised_person_months_per_s": round(vec),
                     "per_agent_person_months_per_s": round(loop),
                     "speed_up": round(vec / loop, 1)})
        print(f"{n:>7,} persons: vectorised {vec:>12,.0f}/s   per-agent {loop:>10,.0f}/s   "
              f"× {vec / loop:.1f}", flush=True)
    full = full_run_seconds(repeats)
    print(f"full run, 120 months, 1,000 staff + 10,000 users: {full:.2f} s (median)")
    result = {"rows": rows, "full_run_1k_staff_10k_users_120_months_s": round(full, 3),
              "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "processor": platform.processor() or platform.machine(),
                          "load_average": os.getloadavg()},
              "versions": sim.simulate.provenance()["versions"]}
    out = Path(__file__).with_name("results-person_update.json")
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
