"""Targets' statistics, computed in the worker from one run's result.

A generic target is an output reduced over a window of months (``final``, ``mean``, ``min``,
``max``). A ``pattern = "P1"`` target takes its statistic, target range and scenario from the
pattern definitions of ``sim.patterns`` where that module provides them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def statistic(target, result) -> float:
    """The target's statistic of one run (NaN when it cannot be computed)."""
    if target.pattern is not None:
        return float(_pattern(target.pattern).statistic(result))
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


def _pattern(pattern_id: str):
    try:
        from sim import patterns
    except ImportError:
        raise LookupError("pattern targets need sim.patterns, which this version does not "
                          "have; give output, stat and range instead") from None
    get = getattr(patterns, "get", None) or getattr(patterns, "PATTERNS", {}).get
    pattern = get(pattern_id)
    if pattern is None or not hasattr(pattern, "statistic"):
        raise LookupError(f"'{pattern_id}' is not a pattern with a per-run statistic in "
                          f"sim.patterns")
    return pattern


def pattern_target(table: dict):
    """A Target built from a pattern's definition (its statistic, range and scenario)."""
    from sim.calibration.spec import Target

    pattern = _pattern(str(table["pattern"]))
    low, high = pattern.target
    return Target(name=table.get("name", pattern.id), output=getattr(pattern, "output", ""),
                  stat="pattern", low=float(low), high=float(high), window=None,
                  scenario=getattr(pattern, "scenario", None), overrides={},
                  pattern=pattern.id)
