"""Figure 5.1 across the bundled scenarios: which ideal type each reaches (issue 11's must-show
"each of the four ideal types is reached by some bundled scenario").

For every bundled scenario (scenarios/*.toml, not the case library) and seeds 0..N-1, the modal
`ideal_type` over the last 12 months of a full run, and the share of all months in each type.

    .venv/bin/python tools/bundled_types.py [--seeds 5] [--workers 2]
"""

import argparse
import collections
from concurrent.futures import ProcessPoolExecutor

import sim
from sim.scenario import bundled_names

TYPES = ("stewardship-1", "stewardship-2", "democratic-1", "democratic-2")


def one(job: tuple[str, int]) -> tuple[str, str, collections.Counter]:
    name, seed = job
    types = sim.run(name, seed=seed).timeseries["ideal_type"]
    return name, types.iloc[-12:].mode().iloc[0], collections.Counter(types)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    names = [n for n in bundled_names() if "/" not in n and "." not in n]
    modal = collections.defaultdict(collections.Counter)
    months = collections.defaultdict(collections.Counter)
    jobs = [(n, s) for n in names for s in range(args.seeds)]
    with ProcessPoolExecutor(args.workers) as ex:
        for name, last, counts in ex.map(one, jobs):
            modal[name][last] += 1
            months[name].update(counts)
    reached = collections.defaultdict(list)
    for name in names:
        total = sum(months[name].values())
        shares = ", ".join(f"{t} {months[name][t] / total:.2f}" for t in TYPES if months[name][t])
        top, k = modal[name].most_common(1)[0]
        if 2 * k > args.seeds:
            reached[top].append(f"{name} ({k}/{args.seeds})")
        print(f"{name:24} modal in the last year: {dict(modal[name])}; months: {shares}")
    for t in TYPES:
        print(f"{t}: {', '.join(reached[t]) or 'NOT REACHED by any bundled scenario'}")


if __name__ == "__main__":
    main()
