"""CPU cost of a full base run (120 months, seed 1) on this tree against another checkout.

    .venv/bin/python benchmarks/participation_speed.py /path/to/other/checkout [--repeats 3]

Runs alternate between the two trees (a fresh interpreter each, so imports do not mix);
each reports ``time.process_time`` of the run alone. Prints the medians and their ratio,
and the load average (``os.getloadavg``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
SNIPPET = ("import time, sim; m = sim.MutualModel('base', rng=1); t = time.process_time(); "
           "m.run_for(120); print(time.process_time() - t)")


def one(tree: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(tree))
    out = subprocess.run([sys.executable, "-c", SNIPPET], env=env, capture_output=True,
                         text=True, check=True, cwd=tree)
    return float(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("other", type=Path)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    mine, theirs = [], []
    for _ in range(args.repeats):
        theirs.append(one(args.other))
        mine.append(one(HERE))
    a, b = statistics.median(mine), statistics.median(theirs)
    print(f"this tree {a:.2f} s, other {b:.2f} s CPU (medians of {args.repeats}); "
          f"ratio {a / b:.2f}; load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
