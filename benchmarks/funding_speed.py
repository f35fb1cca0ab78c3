"""How much the funding side costs: base scenario, 120 months, 1,000 staff and 10,000 users.

Run: .venv/bin/python benchmarks/funding_speed.py  (medians of 3 runs per seed, seeds 0-2).
The 'people only' figure times the same month without steps 1-4 and 9 (commissioning,
procurement, finance, growth) by stubbing them out, so the two differ only by the funding side.
"""

from __future__ import annotations

import statistics
import time
from contextlib import ExitStack
from unittest import mock

import sim
from sim.mechanisms.funding import commissioning, finance, growth, procurement

OVERRIDES = {"organisation.staff": 1000, "organisation.users": 10_000}


def timed(seed: int) -> float:
    start = time.perf_counter()
    sim.run("base", seed=seed, overrides=OVERRIDES)
    return time.perf_counter() - start


def median_time(reps: int = 3) -> float:
    return statistics.median(timed(seed) for seed in range(3) for _ in range(reps))


def people_only():
    """Steps 1-4 and 9 stubbed out: the foundation's month on the same code."""
    skip = lambda model: None  # noqa: E731
    stack = ExitStack()
    stack.enter_context(mock.patch.object(commissioning, "advance", skip))
    stack.enter_context(mock.patch.object(procurement, "bid_and_award", skip))
    stack.enter_context(mock.patch.object(finance, "settle_month", skip))
    stack.enter_context(mock.patch.object(finance, "year_end", skip))
    stack.enter_context(mock.patch.object(growth, "year_end", skip))
    return stack


def main() -> None:
    with_funding, without = [], []
    for _ in range(3):  # interleaved, so machine load hits both alike
        with_funding.append(median_time(1))
        with people_only():
            without.append(median_time(1))
    a, b = statistics.median(with_funding), statistics.median(without)
    print(f"base, 120 months, 1,000 staff + 10,000 users: people only {b:.2f} s, "
          f"with the funding side {a:.2f} s ({a / b:.2f}x)")


if __name__ == "__main__":
    main()
