"""Benchmark: the monthly person-level update, vectorised vs a careful per-agent Mesa loop.

    .venv/bin/python benchmarks/person_update.py                 # 1k and 10k staff, 5 seeds
    .venv/bin/python benchmarks/person_update.py --sizes 10000 70000 --seeds 3 --straightforward

What is timed: one month of the staff's person rules — membership (joins with team peer
effects, opt-outs), the engagement ladder (drive with team contagion, the channels' boosts,
working groups holding rung 3), TUPE acceptance, ownership with contagion, satisfaction and
confidence — for N staff:

- *vectorised*: ``membership.update`` + ``engagement.update`` as the model runs them (numpy
  columns, sim/mechanisms/people);
- *careful per-agent*: the same rules in ``benchmarks/per_agent_careful.py`` (one Mesa agent
  per person, parameters read once a month, ``model.random``, team sums once a month);
- with ``--straightforward``, also the earlier per-agent loop (``benchmarks/per_agent.py``:
  numpy draws one number at a time, string look-ups and team-mate loops per person).

CPU time (``time.process_time``) and wall time; the sides alternate per seed in this one
process; medians and quartiles over seeds; the machine and load before/after. Recruitment and
agent creation are excluded from both. The fixed reference workload (benchmarks/reference.py)
is timed once per seed beside them; ``cpu_units`` is each side's CPU time over it.
Results: ``benchmarks/results-person_update.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import reference  # noqa: E402  (the fixed reference workload)
from per_agent import PerAgentModel  # noqa: E402
from per_agent_careful import CarefulModel  # noqa: E402
from run_speed import machine, quartiles, uptime  # noqa: E402

import sim  # noqa: E402
from sim.mechanisms.people import engagement, membership  # noqa: E402


def source(n: int, seed: int):
    return sim.MutualModel("base", rng=seed, overrides={"organisation.staff": n,
                                                       "organisation.users": 0})


def vectorised(n: int, seed: int, months: int) -> tuple[float, float, object]:
    model = source(n, seed)
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(months):
        model.month_counts = {}
        membership.update(model)
        engagement.update(model)
    return time.process_time() - cpu, time.perf_counter() - wall, model


def looped(cls, n: int, seed: int, months: int) -> tuple[float, float, object]:
    model = cls(source(n, seed), rng=seed)
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(months):
        model.step()
    return time.process_time() - cpu, time.perf_counter() - wall, model


def _state(kind: str, model) -> tuple[float, float]:
    """(mean rung, member share) after the timed months: the two sides run the same rules."""
    if kind == "vectorised":
        s = model.staff
        return float(s.engagement[s.alive].mean()), float(s.member[s.alive].mean())
    people = model.people if hasattr(model, "people") else list(model.agents)
    return (sum(a.engagement for a in people) / len(people),
            sum(a.member for a in people) / len(people))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--months", type=int, default=12, help="months timed per run")
    ap.add_argument("--straightforward", action="store_true",
                    help="also time benchmarks/per_agent.py (slow)")
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name(
        "results-person_update.json"))
    args = ap.parse_args(argv)
    sides = {"vectorised": lambda n, s: vectorised(n, s, args.months),
             "careful_per_agent": lambda n, s: looped(CarefulModel, n, s, args.months)}
    if args.straightforward:
        sides["straightforward_per_agent"] = lambda n, s: looped(PerAgentModel, n, s,
                                                                 args.months)
    before, rows = uptime(), []
    vectorised(200, 0, 2)  # warm-up
    for n in args.sizes:
        runs = {k: [] for k in sides}
        states = {k: [] for k in sides}
        refs = []
        for seed in range(args.seeds):  # interleaved: every side once per seed
            refs.append(reference.timed()["cpu_s"])
            for kind, fn in sides.items():
                cpu, wall, model = fn(n, seed)
                runs[kind].append({"cpu_s": cpu, "wall_s": wall})
                states[kind].append(_state("vectorised" if kind == "vectorised" else kind,
                                           model))
        row = {"persons": n, "months": args.months, "reference_version": reference.VERSION,
               "reference_cpu_s": quartiles(refs)}
        for kind in sides:
            cpu = [r["cpu_s"] for r in runs[kind]]
            wall = [r["wall_s"] for r in runs[kind]]
            row[kind] = {"cpu_s": quartiles(cpu), "wall_s": quartiles(wall),
                         "person_months_per_cpu_s": n * args.months / statistics.median(cpu),
                         "cpu_units": quartiles([c / r for c, r in zip(cpu, refs, strict=True)]),
                         "mean_rung_after": statistics.mean(s[0] for s in states[kind]),
                         "member_share_after": statistics.mean(s[1] for s in states[kind])}
        vec = row["vectorised"]["cpu_s"]["median"]
        for kind in sides:
            if kind != "vectorised":
                row[f"speed_up_vs_{kind}"] = row[kind]["cpu_s"]["median"] / vec
                paired = [b["cpu_s"] / a["cpu_s"] for a, b in zip(runs["vectorised"],
                                                                 runs[kind], strict=True)]
                row[f"speed_up_vs_{kind}_paired"] = quartiles(paired)
        rows.append(row)
        line = (f"{n:>7,} persons x {args.months} months: vectorised "
                f"{row['vectorised']['person_months_per_cpu_s'] / 1e6:6.2f} M person-months/CPU-s")
        for kind in sides:
            if kind != "vectorised":
                pq = row[f"speed_up_vs_{kind}_paired"]
                line += (f" | {kind} {row[kind]['person_months_per_cpu_s'] / 1e3:7.1f} k/s, "
                         f"x{row[f'speed_up_vs_{kind}']:.0f} (paired IQR "
                         f"{pq['q1']:.0f}-{pq['q3']:.0f})")
        print(line, flush=True)
        print("   after the timed months (mean rung, member share): "
              + ", ".join(f"{k} {row[k]['mean_rung_after']:.3f}/{row[k]['member_share_after']:.3f}"
                          for k in sides), flush=True)
    result = {"rows": rows, "seeds": args.seeds, "machine": machine(),
              "uptime_before": before, "uptime_after": uptime(),
              "measured_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
              "versions": sim.simulate.provenance()["versions"]}
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"{result['uptime_before']}\n{result['uptime_after']}\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
