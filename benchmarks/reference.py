"""A fixed reference workload, timed beside every benchmark so its figures can be compared
across hours and machines.

On the project's shared 2-core VMs a run's CPU time (``time.process_time``), not only its wall
time, rises with the machine's load: the same commit measured 185 ms at 07:31 and 597 ms at
12:20 (benchmarks/README.md, stop 22). Absolute figures from different hours therefore say
little. Each benchmark here also times :func:`work` (a fixed amount of work that never
changes, in the mix a model run has: interpreter-bound Python, numpy on small arrays, where call
overhead dominates, and numpy on large arrays, where memory does) interleaved with its runs, and
reports each result also as a ratio to it: *reference units* (one unit = one :func:`work`
in the same process at about the same moment).

    .venv/bin/python benchmarks/reference.py            # time it: 5 repeats, CPU and wall

How well the ratio tracks load is measured by ``run_speed.py track`` (benchmarks/README.md).

**Never change** :func:`work` (nor numpy's part of it): every recorded ratio is in its units.
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

VERSION = 1  # recorded with every ratio; bump only with a new, differently named unit


class _Person:
    __slots__ = ("rung", "member", "team")

    def __init__(self, rung: int, member: bool, team: int) -> None:
        self.rung, self.member, self.team = rung, member, team


def _python_part(n: int = 10_000) -> float:
    """Interpreter-bound: objects, attribute access, dicts, lists, small function calls."""
    people = [_Person(i % 5, i % 3 == 0, i % 97) for i in range(n)]
    by_team: dict[int, list[_Person]] = {}
    for p in people:
        by_team.setdefault(p.team, []).append(p)
    total = 0.0
    for _month in range(3):
        for team in by_team.values():
            members = sum(1 for p in team if p.member)
            share = members / len(team)
            for p in team:
                if not p.member and share > 0.3 and p.rung >= 2:
                    p.member = True
                elif p.member and p.rung == 0:
                    p.member = False
                total += _step(p, share)
    return total


def _step(p: _Person, share: float) -> float:
    p.rung = min(4, max(0, p.rung + (1 if share > 0.34 else -1 if share < 0.3 else 0)))
    return p.rung * share


def _small_numpy_part(calls: int = 800) -> float:
    """Overhead-bound numpy: many operations on 1,000-element arrays (a month's columns)."""
    rng = np.random.default_rng(1)
    x = rng.random(1_000)
    g = rng.integers(0, 40, 1_000)
    total = 0.0
    for _ in range(calls):
        y = np.exp(-x) * 0.5 + 0.1
        draws = rng.random(1_000) < y
        counts = np.bincount(g, weights=draws, minlength=40)
        total += float(counts.max()) + float(y[draws].sum())
        x = np.clip(x + 0.01 * (draws - 0.5), 0.0, 1.0)
    return total


def _large_numpy_part(reps: int = 6) -> float:
    """Memory-bound numpy: exponentials, sorts and group sums on 200,000-element arrays
    (larger than the caches)."""
    rng = np.random.default_rng(2)
    x = rng.random(200_000)
    g = rng.integers(0, 1_000, 200_000)
    total = 0.0
    for _ in range(reps):
        y = np.exp(-3.0 * x)
        total += float(np.bincount(g, weights=y).sum())
        total += float(np.sort(y)[100_000])
        x = (x + y) % 1.0
    return total


def work() -> float:
    """The reference workload: fixed work, deterministic; returns a checksum (unused)."""
    return _python_part() + _small_numpy_part() + _large_numpy_part()


def timed() -> dict:
    """One reference workload: CPU seconds (``process_time``) and wall seconds."""
    cpu, wall = time.process_time(), time.perf_counter()
    work()
    return {"cpu_s": time.process_time() - cpu, "wall_s": time.perf_counter() - wall,
            "version": VERSION}


def parts() -> dict:
    """CPU seconds of each part once (to see the mix)."""
    out = {}
    for name, fn in (("python", _python_part), ("small_numpy", _small_numpy_part),
                     ("large_numpy", _large_numpy_part)):
        cpu = time.process_time()
        fn()
        out[name] = time.process_time() - cpu
    return out


def main() -> int:
    work()  # warm-up
    rows = [timed() for _ in range(5)]
    cpu = [r["cpu_s"] for r in rows]
    print(f"reference workload v{VERSION}: CPU median {statistics.median(cpu) * 1e3:.1f} ms "
          f"(min {min(cpu) * 1e3:.1f}, max {max(cpu) * 1e3:.1f}); parts "
          + ", ".join(f"{k} {v * 1e3:.1f} ms" for k, v in parts().items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
