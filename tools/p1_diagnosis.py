"""P1 diagnosis (docs/patterns.md, P1): opt-out membership over many seeds, and at month 120 who
is eligible and who of the eligible is a member.

    .venv/bin/python tools/p1_diagnosis.py [--seeds 60] [--detail 10]

Prints the P1 test's statistic (mean staff membership rate over months 36-120 of ``opt_out``)
averaged over ``--seeds`` seeds with its standard error, the run's headcount and hires, and, for
``--detail`` seeds, the share of staff eligible (past probation, not fixed-term; §4.1) and the
membership rate among the eligible at month 120. A measurement, not a test: no bound is applied.
"""

import argparse

import numpy as np

import sim
from sim.mechanisms.people import membership
from sim.model import MutualModel


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=60)
    ap.add_argument("--detail", type=int, default=10)
    a = ap.parse_args(argv)
    settled, head_end, hires = [], [], []
    for s in range(a.seeds):
        ts = sim.run("opt_out", seed=s).timeseries
        settled.append(ts["staff_membership_rate"].iloc[36:].mean())
        head_end.append(ts["headcount"].iloc[-1])
        hires.append(ts["hires"].iloc[36:].mean())
    v = np.asarray(settled)
    print(f"opt_out, seeds 0-{a.seeds - 1}: settled membership {v.mean():.4f} "
          f"(s.e. {v.std(ddof=1) / np.sqrt(len(v)):.4f}); seeds 0-5 {v[:6].mean():.4f} "
          f"(s.e. {v[:6].std(ddof=1) / np.sqrt(6):.4f}); headcount 400 -> "
          f"{np.mean(head_end):.0f} at the end; hires {np.mean(hires):.1f} a month after month 36")
    if a.detail <= 0:
        return
    rows = []
    for s in range(a.detail):
        m = MutualModel("opt_out", rng=s)
        for _ in range(120):
            m.step()
        st = m.staff
        alive = st.alive
        eligible = membership.staff_eligible(st, m.params) & alive
        rows.append([alive.sum(), eligible.sum() / alive.sum(), st.member[alive].mean(),
                     st.member[eligible].mean(), (st.tenure[alive] < 12).mean()])
    r = np.mean(rows, axis=0)
    print(f"month 120, seeds 0-{a.detail - 1}: staff {r[0]:.0f}, eligible {r[1]:.1%}, "
          f"members among all staff {r[2]:.1%}, among the eligible {r[3]:.1%}, "
          f"under a year's tenure {r[4]:.1%}")


if __name__ == "__main__":
    main()
