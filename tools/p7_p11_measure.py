"""P7 (small against large quiet-loss hazard) and P11 (small mutuals' squeezed margin) as
``tests/test_funding.py`` computes them, printed with their values (docs/ODD.md §13.7).

    .venv/bin/python tools/p7_p11_measure.py [--p7-seeds 80] [--p11-seeds 20]

A measurement, not a test: the tests apply the bounds (P7 ratio > 1.3 and z > 2; P11 squeezed
margin in (-0.05, 0.01) and below the easy one by more than 2 s.e.).
"""

import argparse
import math

import numpy as np

import sim

FEW_USERS = {"organisation.users": 300}
SMALL = {**FEW_USERS, "organisation.staff": 60, "organisation.sites": 1,
         "organisation.core_contract_share": 0.8}
LARGE = {**FEW_USERS, "organisation.staff": 1500, "organisation.sites": 10,
         "organisation.core_contract_share": 0.35}


def p7(seeds: int) -> None:
    def hazard(size):
        losses = years = 0
        for s in range(seeds):
            r = sim.run("base", seed=s, months=60, overrides=size)
            losses += r.final["contracts_lost_quietly"]
            years += r.timeseries["contracts_held"].sum() / 12
        return losses, years
    (qs, ys), (ql, yl) = hazard(SMALL), hazard(LARGE)
    ratio = (qs / ys) / (ql / yl)
    z = math.log(ratio) / math.sqrt(1 / qs + 1 / ql)
    print(f"P7, seeds 0-{seeds - 1}: quiet losses small {qs} in {ys:.0f} contract-years "
          f"({qs / ys:.4f}), large {ql} in {yl:.0f} ({ql / yl:.4f}); ratio {ratio:.2f}, z {z:.2f}")


def p11(seeds: int) -> None:
    def margins(over):
        return np.array([sim.run("base", seed=s, overrides={**SMALL, **over})
                         .timeseries["surplus_margin"].iloc[36:].mean() for s in range(seeds)])
    sq = margins({"procurement.efficiency_demand": 0.03,
                  "commissioning.officer_churn_per_year": 2.0})
    easy = margins({"procurement.efficiency_demand": 0.0,
                    "commissioning.officer_churn_per_year": 0.0})
    d = easy - sq
    print(f"P11, seeds 0-{seeds - 1}: squeezed small margin {sq.mean():.4f} (s.e. "
          f"{sq.std(ddof=1) / math.sqrt(seeds):.4f}), easy {easy.mean():.4f}; difference "
          f"{d.mean():.4f} (s.e. {d.std(ddof=1) / math.sqrt(seeds):.4f})")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--p7-seeds", type=int, default=80)
    ap.add_argument("--p11-seeds", type=int, default=20)
    a = ap.parse_args(argv)
    if a.p11_seeds > 0:
        p11(a.p11_seeds)
    if a.p7_seeds > 0:   # --p7-seeds 0 measures P11 alone
        p7(a.p7_seeds)


if __name__ == "__main__":
    main()
