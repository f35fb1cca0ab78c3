"""What it costs to draw inside compiled code (stop 30, issue 14): numba's np.random.Generator
draws what numpy draws (tests/test_numba_generator.py), but is it faster?

    .venv/bin/python benchmarks/numba_draws.py [--out F]

Measures, in one process, interleaved, the median and minimum of 15 repetitions:

- the cost of a call: an empty ``@njit`` function taking an array against one taking the
  model's ``Generator`` (numba unboxes a Generator at every call: its bit generator's
  ``ctypes`` interface, three ``ctypes.cast`` calls), and one taking a jitclass that holds it;
- a per-row kernel (``kernels.become_aware``'s test) fed ``rng.random(n)`` drawn by numpy
  against the same kernel drawing ``g.random()`` per row itself, at 1,000, 5,000 (the medium
  case's users) and 67,000 rows (the largest case's);
- ``commissioning.officers`` (the commissioners' churn, one draw each) of a small-case model
  at month 12, the scalar loop a compiled version would replace.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import timeit
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numba  # noqa: E402
from numba.experimental import jitclass  # noqa: E402

REPS = 15  # shape: repetitions of each timing, interleaved


@numba.njit
def _empty_array(x):
    return x[0]


@numba.njit
def _empty_generator(g):
    return 0


@numba.njit
def _empty_holder(h):
    return 0


@numba.njit
def _aware_from_array(aware, alive, r, chance):
    for i in range(aware.shape[0]):
        aware[i] = aware[i] | (alive[i] & (r[i] < chance))


@numba.njit
def _aware_drawing(aware, alive, g, chance):
    for i in range(aware.shape[0]):
        ri = g.random()
        aware[i] = aware[i] | (alive[i] & (ri < chance))


def _holder_class(g):
    class Holder:  # a compiled object holding the generator (unboxed once, when made)
        def __init__(self, g):
            self.g = g
    return jitclass([("g", numba.typeof(g))])(Holder)


def _us(fn, number: int) -> list[float]:
    """One timing of ``number`` calls, µs a call, in a list (to be added up over reps)."""
    return [timeit.timeit(fn, number=number) / number * 1e6]


def _summary(times: list[float]) -> dict:
    return {"median_us": float(np.median(times)), "min_us": float(min(times))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    g = np.random.default_rng(0)
    h, x = _holder_class(g)(g), np.ones(3)
    _empty_array(x), _empty_generator(g), _empty_holder(h)
    calls = {"array": [], "generator": [], "jitclass holding the generator": [],
             "numpy g.random()": []}
    for _ in range(REPS):  # interleaved
        calls["array"] += _us(lambda: _empty_array(x), 2000)
        calls["generator"] += _us(lambda: _empty_generator(g), 2000)
        calls["jitclass holding the generator"] += _us(lambda: _empty_holder(h), 2000)
        calls["numpy g.random()"] += _us(lambda: g.random(), 2000)
    result = {"load_1min": os.getloadavg()[0],
              "call": {k: _summary(v) for k, v in calls.items()}, "per_row": {}}
    for n in (1000, 5000, 67_000):
        alive = np.random.default_rng(1).random(n) < 0.8
        aware = np.zeros(n, dtype=bool)
        _aware_from_array(aware, alive, g.random(n), 0.01)
        _aware_drawing(aware, alive, g, 0.01)
        number = 200 if n > 10_000 else 1000
        a, b = [], []
        for _ in range(REPS):
            a += _us(lambda aw=aware, al=alive, k=n: _aware_from_array(aw, al, g.random(k), 0.01),
                     number)
            b += _us(lambda aw=aware, al=alive: _aware_drawing(aw, al, g, 0.01), number)
        result["per_row"][n] = {"numpy draws, then the kernel": _summary(a),
                                "the kernel draws": _summary(b)}
    import run_speed

    import sim
    from sim.mechanisms.funding import commissioning
    scenario, overrides, _ = run_speed.CASES["small"]
    model = sim.run(scenario, seed=0, months=12, overrides=overrides, keep_model=True).model
    cs = list(model.funding.market.commissioners)
    times = [t for _ in range(REPS) for t in _us(lambda: commissioning.officers(model, cs), 2000)]
    result["officers"] = {"commissioners": len(cs), **_summary(times)}
    result["load_1min_after"] = os.getloadavg()[0]
    print(json.dumps(result, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
