"""How much mutuals grow or shrink over ten years, by size (a calibration aid; see the closing
note of issue 3 and docs/ODD.md §10).

Run: .venv/bin/python tools/growth_spread.py [--seeds 20]
Prints, for the base scenario at its own size and at 60 and 1,500 staff: percentiles of the
end/start headcount ratio, the shares that grew (> 1.1×) and shrank (< 0.9×), the median
turnover ratio (month 120 / month 12) and the share that lost their core contract.
"""

from __future__ import annotations

import argparse

import numpy as np

import sim

FEW_USERS = {"organisation.users": 300}   # users barely matter to the funding side
SIZES = {
    "base": FEW_USERS,
    "small (60 staff)": {**FEW_USERS, "organisation.staff": 60, "organisation.sites": 1,
                         "organisation.core_contract_share": 0.8},
    "large (1,500 staff)": {**FEW_USERS, "organisation.staff": 1500, "organisation.sites": 10,
                            "organisation.core_contract_share": 0.35},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    seeds = range(parser.parse_args().seeds)
    for name, overrides in SIZES.items():
        heads, turnover, lost = [], [], []
        for seed in seeds:
            result = sim.run("base", seed=seed, overrides=overrides, keep_model=True)
            ts = result.timeseries
            heads.append(ts["headcount"].iloc[-1] / ts["headcount"].iloc[0])
            turnover.append(ts["turnover"].iloc[-1] / ts["turnover"].iloc[12])
            lost.append(result.model.funding.market.core_lost)
        h = np.array(heads)
        print(f"{name}: headcount ratio min/25/50/75/max "
              f"{' / '.join(f'{q:.2f}' for q in np.percentile(h, [0, 25, 50, 75, 100]))}; "
              f"grew {np.mean(h > 1.1):.0%}, shrank {np.mean(h < 0.9):.0%}; median turnover "
              f"ratio {np.median(turnover):.2f}; core contract lost {np.mean(lost):.0%}")


if __name__ == "__main__":
    main()
