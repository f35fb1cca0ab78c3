"""P2's pass rule is a tail ("below 5 % in every run"); the calibration engine fits a mean.
This measures, at each opt-in join rate, how P2's per-run statistic (the working-workforce peak,
``sim.patterns.working_peak_membership``) is spread over many seeds of P2's own group
(`opt_in`, 120 months), so the chance that a 12-run report passes can be read off.

    .venv/bin/python tools/p2_tail.py --rates 0.0003,0.0006,0.001 --seeds 60 [--start 1000]

Seeds are seed_of(P2's root, k) for k in start .. start+seeds-1; start 1000 (default) keeps
them away from the report's runs 0-11. Per rate: the mean and the 50/90/max of the per-run
peak, the share of runs at or above 5 % (p), and (1 - p)^12, the chance that 12 fresh runs
all stay below (the report's rule at its seed count).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sim  # noqa: E402
from sim import patterns  # noqa: E402
from sim.batch.runs import seed_of  # noqa: E402

P2 = patterns.BY_ID["P2"]
GROUP = P2.groups[0]
ROOT = patterns.group_root(patterns.PATTERNS.index(P2), GROUP)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rates", default="0.0003,0.0006,0.001")
    ap.add_argument("--seeds", type=int, default=60)
    ap.add_argument("--start", type=int, default=1000)
    a = ap.parse_args(argv)
    print(f"P2 group {GROUP.name!r} ({GROUP.scenario}, {GROUP.months} months), "
          f"runs {a.start}..{a.start + a.seeds - 1}")
    print("join rate | mean peak | median | 90th pct | max | runs >= 5 % | P(12 runs pass)")
    for rate in (float(x) for x in a.rates.split(",")):
        over = {**GROUP.overrides, "membership.staff.base_join_rate": rate}
        extract = patterns.EXTRACTORS[GROUP.extract]
        peaks = np.array([patterns.working_peak_membership(extract(
            sim.run(GROUP.scenario, seed=seed_of(ROOT, k), months=GROUP.months,
                    overrides=over, keep_model=True)))
            for k in range(a.start, a.start + a.seeds)])
        ok = peaks[np.isfinite(peaks)]
        p = float(np.mean(ok >= 0.05))
        print(f"{rate:.4f} | {ok.mean():.2%} | {np.median(ok):.2%} | "
              f"{np.quantile(ok, 0.9):.2%} | {ok.max():.2%} | {p:.1%} of {len(ok)} | "
              f"{(1 - p) ** 12:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
