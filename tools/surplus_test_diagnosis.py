"""Diagnosis of the strict xfail `test_surplus_kept_from_staff_for_years_lowers_satisfaction_and_
engagement` (tests/test_governance.py): the surplus kept by the board against paid to staff, on
paired seeds, with new tenders switched off so that only the funding side's own re-tenders and
losses make the two arms' paths part. Prints the paired gap (staff − board) over the last 24 of
72 months and twice its standard error.

    .venv/bin/python tools/surplus_test_diagnosis.py [SEEDS]     # default 8
"""

import sys

import numpy as np

import sim

KEYS = ("satisfaction_staff", "voice_heard", "active_share", "mean_ownership", "headcount")


def overrides(rule: str) -> dict:
    return {"governance.surplus.allocation": rule, "governance.surplus.source": "fixed",
            "governance.surplus.per_staff": 3000.0, "engagement.pipeline_investment": 300.0,
            "commissioning.home_tenders_per_year": 0.0,
            "commissioning.other_tenders_per_year": 0.0}


def main(seeds: int = 8) -> None:
    gaps = {k: [] for k in KEYS}
    for s in range(seeds):
        board = sim.run("base", seed=s, months=72, overrides=overrides("board")).timeseries
        staff = sim.run("base", seed=s, months=72, overrides=overrides("staff")).timeseries
        for k in KEYS:
            gaps[k].append(staff[k].iloc[-24:].mean() - board[k].iloc[-24:].mean())
    for k, v in gaps.items():
        a = np.array(v)
        se2 = 2 * a.std(ddof=1) / np.sqrt(len(a))
        print(f"{k:>20}: staff - board {a.mean():+.4f}, 2 s.e. {se2:.4f}"
              f" (range {a.min():+.3f} to {a.max():+.3f})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8)
