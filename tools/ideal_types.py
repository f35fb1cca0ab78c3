"""Figure 5.1 (§5.5): which ideal type each bundled scenario reaches, over seeds, and why.

    .venv/bin/python tools/ideal_types.py [--seeds 10] [--scenarios a,b] [--cases] [--detail]

For each scenario: the modal ideal type over months 61-120 pooled over the seeds (PA6 of
docs/participation.md, the same statistic as ``tools/participation_patterns.py --only PA6``),
the share of those months in each type, and the per-seed modal type. With ``--detail`` also the
means over months 61-120 of what the two indices are made of (docs/ODD.md §8): the legal-formal
index, the cultural-psychological index, mean psychological ownership, the active share
(rung >= 3), informal voice, voice heard and head-count -- the axis that keeps a scenario out
of a quadrant shows there. ``--cases`` adds the twelve case scenarios (scenarios/cases/,
each over its own horizon; their modal type over the last 12 months, as docs/cases.md counts).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

import sim
from sim.metrics import IDEAL_TYPE_LABELS

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ("base", "opt_in", "opt_out", "employee_trust", "small_cic",
           "stewardship_small_cic", "council_owned_cic", "staff_council",
           "cbs_multi_stakeholder", "large_cbs", "social_value_10")
SHORT = {"stewardship-1": "S1", "stewardship-2": "S2", "democratic-1": "D1",
         "democratic-2": "D2", "failed": "failed"}
DETAIL = ("legal_formal_index", "cultural_psychological_index", "mean_ownership",
          "active_share", "informal_voice", "voice_heard", "headcount")


def measure(scenario: str, seeds, window: slice | None = None, detail: bool = False):
    pooled, per_seed, parts = Counter(), Counter(), {k: [] for k in DETAIL}
    for seed in seeds:
        ts = sim.run(scenario, seed=seed).timeseries
        late = ts.iloc[window] if window is not None else ts.iloc[61:]
        if late.empty:  # the mutual failed before the window: no type to count
            per_seed["failed"] += 1
            continue
        pooled.update(late["ideal_type"])
        per_seed[late["ideal_type"].mode().iloc[0]] += 1
        if detail:
            for k in DETAIL:
                parts[k].append(float(late[k].mean()))
    return pooled, per_seed, parts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--scenarios", default="", help="comma-separated (default: all bundled)")
    ap.add_argument("--cases", action="store_true", help="add scenarios/cases/case01..12")
    ap.add_argument("--detail", action="store_true")
    args = ap.parse_args(argv)
    seeds = range(args.seeds)
    names = [s for s in args.scenarios.split(",") if s] or list(BUNDLED)
    jobs = [(n, None) for n in names]
    if args.cases:
        jobs += [(str(ROOT / f"scenarios/cases/case{k:02d}.toml"), slice(-12, None))
                 for k in range(1, 13)]
    t0 = time.process_time()
    reached: dict[str, list[str]] = {}
    for name, window in jobs:
        pooled, per_seed, parts = measure(name, seeds, window, args.detail)
        label = Path(name).stem
        mode = pooled.most_common(1)[0][0]
        reached.setdefault(mode, []).append(label)
        total = sum(pooled.values())
        shares = " ".join(f"{SHORT[k]} {v / total:.2f}" for k, v in sorted(pooled.items()))
        seeds_in = " ".join(f"{SHORT[k]} {v}" for k, v in sorted(per_seed.items()))
        print(f"{label:24s} modal {SHORT[mode]}  months: {shares}  seeds: {seeds_in}",
              flush=True)
        if args.detail:
            print("    " + "  ".join(f"{k.replace('_index', '')} {np.mean(v):.3f}"
                                     f" [{min(v):.2f}-{max(v):.2f}]"
                                     for k, v in parts.items()), flush=True)
    for t, label in IDEAL_TYPE_LABELS.items():
        print(f"{label}: {', '.join(reached.get(t, [])) or 'NOT REACHED'}")
    print(f"all four reached: {len(reached) == 4}; {len(seeds)} seeds; "
          f"CPU {time.process_time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
