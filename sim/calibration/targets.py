"""Targets' statistics, computed in the worker from one run's result.

A target is an output reduced over a window of months (``final``, ``mean``, ``min``, ``max``).
A target that names a pattern (``pattern = "P1"``, ``statistic = "settled"``) is one of that
pattern's per-run statistics (``sim.patterns.RunStatistic``): the run is reduced by the
pattern group's extractor and the pattern's own function, the one its ``measure`` uses, so
the calibration and ``mutualsim patterns`` compute the same number from a run.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def statistics(targets, result) -> dict[str, float]:
    """Every target's statistic of one run (each pattern extractor applied once)."""
    extracted: dict[str, dict] = {}
    out = {}
    for t in targets:
        if t.pattern_statistic is None:
            out[t.name] = statistic(t, result)
            continue
        from sim.patterns import BY_ID, EXTRACTORS

        if t.extract not in extracted:
            extracted[t.extract] = EXTRACTORS[t.extract](result)
        fn = next(r.fn for r in BY_ID[t.pattern].run_statistics
                  if r.name == t.pattern_statistic)
        out[t.name] = _number(fn(extracted[t.extract]))
    return out


def needs_model(targets) -> bool:
    """Pattern statistics read the model's state (keep_model=True)."""
    return any(t.pattern_statistic is not None for t in targets)


def statistic(target, result) -> float:
    """The target's statistic of one run (NaN when it cannot be computed)."""
    if target.pattern_statistic is not None:
        return statistics([target], result)[target.name]
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
