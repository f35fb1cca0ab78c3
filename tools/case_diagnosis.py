"""Checks behind the diagnoses in docs/cases.md ("Diagnoses of the failing cross-case patterns
and placements"), on the seeds P12-P20 use (run k of a case: the batch engine's seed k of the
P12 root, as tools/case_outcomes.py).

    .venv/bin/python tools/case_diagnosis.py rebids --cases 2,4 --seeds 0:10
    .venv/bin/python tools/case_diagnosis.py growth --cases 10 --seeds 20:60 [--set key=value]
    .venv/bin/python tools/case_diagnosis.py voice --cases 12 --seeds 0:10
    .venv/bin/python tools/case_diagnosis.py losses --cases 2,4 --seeds 0:20

rebids: the mutual's re-bids for its core contract, its other re-bids and its new bids, won
of made (bid log). growth: the share of seeds whose last-12-month turnover exceeds the first
12 (P12's statistic), the median ratio and insolvencies. voice: months 13-24 strategy latency
against the parent body's, voice heard against informal voice (P18's statistic). losses: how
and when each seed lost its core contract (P15's classification).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
from sim import patterns  # noqa: E402
from sim.batch.runs import seed_of  # noqa: E402

SEED_ROOT = patterns.ROOT_SEED + 1000 * [p.id for p in patterns.PATTERNS].index("P12")


def _value(text: str):
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        return float(text)
    except ValueError:
        return text


def _runs(case: int, seeds: range, overrides: dict, keep: bool = False):
    for k in seeds:
        yield k, sim.run(patterns.case_scenario(case), seed=seed_of(SEED_ROOT, k),
                         overrides=overrides or None, keep_model=keep)


def rebids(case, seeds, overrides) -> None:
    won = {"core re-bids": [0, 0], "other re-bids": [0, 0], "new bids": [0, 0]}
    for _, r in _runs(case, seeds, overrides, keep=True):
        for b in r.model.funding.market.bid_log:
            if b.mutual_bid:
                kind = "core re-bids" if b.core else "other re-bids" if b.incumbent \
                    else "new bids"
                won[kind][0] += b.won
                won[kind][1] += 1
    print(f"Case {case}: " + "; ".join(f"{k} won {w} of {n}" for k, (w, n) in won.items()))


def losses(case, seeds, overrides) -> None:
    how = Counter()
    for k, r in _runs(case, seeds, overrides, keep=True):
        m = r.model.funding.market
        how[m.core_lost_how or "kept"] += 1
        if m.core_lost_how:
            print(f"Case {case} seed {k}: core lost at month {m.core_lost_month}, "
                  f"{m.core_lost_how}" + (" (a loss by re-tender)"
                                          if m.core_lost_how in patterns.RETENDER else ""))
    print(f"Case {case}: " + ", ".join(f"{h} {n}" for h, n in how.most_common()))


def growth(case, seeds, overrides) -> None:
    ratios, failed = [], 0
    for _, r in _runs(case, seeds, overrides):
        t = r.timeseries["turnover"]
        ratios.append(t.iloc[-12:].mean() / max(t.iloc[:12].mean(), 1.0))
        failed += bool(r.summary["final"]["failed"])
    g = np.array(ratios)
    print(f"Case {case} {overrides or ''}: grew in {int((g > 1).sum())} of {len(g)} "
          f"({(g > 1).mean():.1%}), median ratio {np.median(g):.2f}, {failed} insolvencies")


def voice(case, seeds, overrides) -> None:
    for k, r in _runs(case, seeds, overrides):
        y = r.timeseries.iloc[12:24]
        print(f"Case {case} seed {k}: strategy latency {y['strategy_latency_months'].mean():.2f}"
              f" vs parent body {y['public_strategy_latency_months'].mean():.2f} months; voice "
              f"heard {y['voice_heard'].mean():.3f} vs informal {y['informal_voice'].mean():.3f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("check", choices=("rebids", "growth", "voice", "losses"))
    ap.add_argument("--cases", default="2,4")
    ap.add_argument("--seeds", default="0:10", help="first:last (last excluded)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    a = ap.parse_args(argv)
    first, last = (int(x) for x in a.seeds.split(":"))
    overrides = {k: _value(v) for k, v in (s.split("=", 1) for s in a.set)}
    for case in (int(c) for c in a.cases.split(",")):
        globals()[a.check](case, range(first, last), overrides)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
