"""A test model that takes a set time per run: for killing and resuming sweeps mid-run.

``model = "sim.batch.busymodel:busy"`` in a spec. Each run burns ``seconds`` of CPU, then
reports ``y = x + a standard normal draw`` from its seed, so results still depend on the
seeding exactly as the mutual model's do (tests/test_robustness.py).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from sim.batch.models import toy_result, toy_values
from sim.params import Param
from sim.simulate import RunResult

OUTPUTS = ["y", "y_positive"]

REGISTRY: dict[str, Param] = {
    p.key: p for p in [
        Param("x", 0.0, "dimensionless", "assumption", "a value passed through to the output",
              -1e6, 1e6),
        Param("seconds", 0.0, "seconds", "assumption", "CPU time each run burns (to test "
              "killing and resuming a sweep while runs are in progress)", 0.0, 60.0),
        Param("months", 1, "months", "assumption", "length of the dummy time series", 1, 600),
    ]
}


def busy(scenario=None, seed=0, months: int | None = None,
         overrides: dict | None = None) -> RunResult:
    p = toy_values(REGISTRY, overrides, months)
    end = time.process_time() + p["seconds"]
    while time.process_time() < end:
        pass
    y = p["x"] + float(np.random.default_rng(seed).standard_normal())
    series = pd.DataFrame({"month": np.arange(1, p["months"] + 1), "y": np.full(p["months"], y)})
    return toy_result("busy", seed, p["months"], series, {"y": y, "y_positive": bool(y > 0)})
