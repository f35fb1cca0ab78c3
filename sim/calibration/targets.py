"""Targets' statistics, computed in the worker from one run's result.

A target is an output reduced over a window of months (``final``, ``mean``, ``min``, ``max``).
A target that names a pattern (``pattern = "P1"``) runs that pattern's scenario and overrides
(sim.patterns); its statistic is still the per-run one the spec writes, because a pattern's
pass rule is a verdict over many seeds, not a number a single candidate can be near.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def statistic(target, result) -> float:
    """The target's statistic of one run (NaN when it cannot be computed)."""
    if target.stat == "final" and target.window is None:
        return _number(result.summary["final"][target.output])
    frame = result.timeseries
    series = frame[target.output].to_numpy(dtype=float)
    if target.window is not None:
        month = frame["month"].to_numpy() if "month" in frame else np.arange(1, len(frame) + 1)
        series = series[(month >= target.window[0]) & (month <= target.window[1])]
    if series.size == 0:
        return math.nan
    return float({"final": lambda s: s[-1], "mean": np.mean, "min": np.min,
                  "max": np.max}[target.stat](series))


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
