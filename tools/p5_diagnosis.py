"""P5's runs taken apart (the report's groups: `base` and `cbs_multi_stakeholder`, no pipeline
investment, 72 months, run k = seed k of P5's root).

    .venv/bin/python tools/p5_diagnosis.py elections --seeds 3      # each election, each run
    .venv/bin/python tools/p5_diagnosis.py summary --seeds 12 [--set key=value ...]

elections: per run the lowest representative vacancy rate after month 12 (P5's statistic),
the months at 0, the elected seats, and per annual election the open seats, the candidates
(people who stood plus incumbents who stood again), how many of them stood new, and the
seats filled; the representatives who left or stepped down. summary: per group the mean and
smallest lowest-vacancy, the runs at or under 30 % and at 0, and the share of open seats
filled at the elections after month 0.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sim  # noqa: E402
from sim import patterns  # noqa: E402
from sim.batch.runs import seed_of  # noqa: E402
from sim.mechanisms.governance import elections as el  # noqa: E402
from sim.values import parse_override  # noqa: E402

P5 = patterns.BY_ID["P5"]
INDEX = patterns.PATTERNS.index(P5)
STOOD: dict[tuple[int, str], int] = {}


def _counting_standing(model, who, *rest):
    rows = _standing(model, who, *rest)
    STOOD[(model.month, who)] = len(rows)
    return rows


_standing = el.standing
el.standing = _counting_standing



def _runs(seeds: int, overrides: dict):
    for g in P5.groups:
        root = patterns.group_root(INDEX, g)
        for k in range(seeds):
            STOOD.clear()
            r = sim.run(g.scenario, seed=seed_of(root, k), months=g.months,
                        overrides={**g.overrides, **overrides}, keep_model=True)
            yield g.name, k, r, dict(STOOD)


def elections(seeds: int, overrides: dict) -> None:
    for name, k, r, stood in _runs(seeds, overrides):
        m, v = r.model, r.timeseries["representative_vacancy_rate"].iloc[12:]
        seats = Counter((b.name, s.kind) for b in m.governing_bodies() for s in b.elected())
        print(f"{name} k={k}: lowest vacancy after month 12 {v.min():.3f}; months at 0: "
              f"{int((v == 0).sum())}; elected seats {dict(seats)}")
        for e in m.governance.elections:
            print(f"   month {e.month:3d} {e.constituency:5s}: open {e.open:2d}, candidates "
                  f"{e.candidates:2d} (stood new {stood.get((e.month, e.constituency), '?')}), "
                  f"filled {e.filled}")
        left = sum("left the organisation" in x["text"] for x in r.events)
        down = sum("stepped down" in x["text"] for x in r.events)
        print(f"   representatives who left the organisation {left}, stepped down {down}")


def summary(seeds: int, overrides: dict) -> None:
    by_group: dict[str, list] = {}
    for name, _, r, _ in _runs(seeds, overrides):
        later = [e for e in r.model.governance.elections if e.month > 0]
        by_group.setdefault(name, []).append(
            (r.timeseries["representative_vacancy_rate"].iloc[12:].min(),
             sum(e.filled for e in later), sum(e.open for e in later)))
    for name, rows in by_group.items():
        lows = np.array([x[0] for x in rows])
        filled, opened = sum(x[1] for x in rows), sum(x[2] for x in rows)
        print(f"{name} ({overrides or 'defaults'}): lowest vacancy after month 12 mean "
              f"{lows.mean():.3f}, min {lows.min():.3f}; runs <= 30 %: "
              f"{int((lows <= 0.3).sum())}/{len(lows)}, at 0: {int((lows == 0).sum())}/"
              f"{len(lows)}; open seats filled after month 0: {filled}/{opened} = "
              f"{filled / max(opened, 1):.2f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("check", choices=("elections", "summary"))
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    a = ap.parse_args(argv)
    overrides = dict(parse_override(s) for s in a.set)
    globals()[a.check](a.seeds, overrides)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
