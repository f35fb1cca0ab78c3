"""Measured benefit of common random numbers: the same policy comparison run twice, once
paired (`paired = true`, the default) and once with independent streams (`paired = false`).

    .venv/bin/python tools/crn_variance.py PAIRED_DIR INDEPENDENT_DIR

Per outcome: the variance of the policy-minus-baseline differences within futures in each
sweep, their ratio (paired / independent: below 1, pairing needs that share of the runs for
the same interval), the within-sweep estimate Var(b − a) / (Var(a) + Var(b)) of the paired
sweep, and the 95 % interval half-widths of the overall contrast.
"""

from __future__ import annotations

import sys

from sim.batch.analysis import Experiment
from sim.batch.compare import Setup, contrasts


def main(paired_dir: str, independent_dir: str) -> None:
    paired, independent = Experiment.open(paired_dir), Experiment.open(independent_dir)
    outputs = paired.numeric(paired.outputs)
    a = contrasts(paired, outputs)
    b = contrasts(independent, outputs)
    a, b = (t[t["scope"] == "all futures"].set_index(["output", "policy"]) for t in (a, b))
    base = Setup.of(paired).baseline
    print(f"{'output':<28} {'policy':<12} {'Var paired':>11} {'Var indep':>11} "
          f"{'ratio':>6} {'in-sweep':>8} {'CI± paired':>11} {'CI± indep':>10}")
    for (out, policy), row in a.iterrows():
        other = b.loc[(out, policy)]
        vp, vi = row["sd_diff"] ** 2, other["sd_diff"] ** 2
        ratio = vp / vi if vi > 0 else float("nan")
        print(f"{out:<28} {policy + ' − ' + base:<12} {vp:11.4g} {vi:11.4g} {ratio:6.2f} "
              f"{row['variance_ratio']:8.2f} {(row['ci_high'] - row['diff']):11.3g} "
              f"{(other['ci_high'] - other['diff']):10.3g}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
