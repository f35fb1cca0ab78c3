"""P18's clauses per case, on the seeds P12-P20 use (run k of a case: seed k of the P12 root):
months 13-24 mean voice heard against the parent body's informal voice (the current
statistic) and against the mutual's own informal voice (the original), and strategy latency
against the parent body's procedure. Prints the smallest and median margin over the seeds.

    .venv/bin/python tools/p18_voice.py                       # every case, seeds 0-19
    .venv/bin/python tools/p18_voice.py --cases 7,9,12 --set public_sector.leadership.openness=0.5
"""

from __future__ import annotations

import argparse
import sys
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sim  # noqa: E402
from sim import patterns  # noqa: E402
from sim.batch.runs import seed_of  # noqa: E402

ROOT = patterns.case_seed_root()


def one(task):
    n, k, overrides = task
    r = sim.run(patterns.case_scenario(n), seed=seed_of(ROOT, k), overrides=overrides or None,
                outputs=(), series=patterns.SERIES)
    y = r.timeseries.iloc[12:24]
    faster = bool(y["strategy_latency_months"].mean()
                  < y["public_strategy_latency_months"].mean())
    return (n, y["voice_heard"].mean(), y["informal_voice"].mean(),
            y["public_informal_voice"].mean(), faster)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", default=",".join(str(n) for n in patterns.CASES))
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args(argv)
    overrides = {k: float(v) for k, v in (s.split("=", 1) for s in a.set)}
    cases = [int(c) for c in a.cases.split(",")]
    with Pool(a.workers) as pool:
        res = pool.map(one, [(n, k, overrides) for n in cases for k in range(a.seeds)])
    print(f"overrides {overrides or 'none'}; seeds 0-{a.seeds - 1}")
    for n in cases:
        rs = [r for r in res if r[0] == n]
        heard, own, parent = (np.array([r[i] for r in rs]) for i in (1, 2, 3))
        fast = np.array([r[4] for r in rs])
        new = int(np.sum((heard > parent) & fast))
        orig = int(np.sum((heard > own) & fast))
        print(f"Case {n:2d}: voice heard {heard.min():.3f}-{heard.max():.3f}; own informal "
              f"{own.mean():.3f}; parent informal {parent.mean():.3f}; heard - parent min "
              f"{np.min(heard - parent):.3f} median {np.median(heard - parent):.3f}; heard - "
              f"own min {np.min(heard - own):.3f}; faster {fast.sum()}/{len(rs)}; P18 "
              f"{new}/{len(rs)}, original {orig}/{len(rs)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
