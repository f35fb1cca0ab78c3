"""Reference models with known answers, plugged in where the mutual model goes.

They let anyone check the whole batch path (spec → design → runs → store → analysis) against
published numbers: ``model = "sim.batch.testmodels:ishigami"`` in a spec. The Ishigami
function (Ishigami & Homma 1990) with a = 7, b = 0.1 on x1, x2, x3 ~ U(-π, π) has
first-order Sobol' indices S1 = (0.314, 0.442, 0.000) and total indices
ST = (0.558, 0.442, 0.244) (Saltelli et al. 2008, *Global Sensitivity Analysis: The Primer*).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.params import Param
from sim.simulate import RunResult, seed_record

OUTPUTS = ["y", "y_positive"]

_PI = math.pi
REGISTRY: dict[str, Param] = {
    p.key: p for p in [
        Param("x1", 0.0, "dimensionless", "Ishigami & Homma (1990)", "first input", -_PI, _PI),
        Param("x2", 0.0, "dimensionless", "Ishigami & Homma (1990)", "second input", -_PI, _PI),
        Param("x3", 0.0, "dimensionless", "Ishigami & Homma (1990)", "third input", -_PI, _PI),
        Param("a", 7.0, "dimensionless", "Saltelli et al. (2008)", "coefficient of sin²x2",
              0.0, 20.0),
        Param("b", 0.1, "dimensionless", "Saltelli et al. (2008)", "coefficient of x3⁴ sin x1",
              0.0, 1.0),
        Param("noise", 0.0, "output units", "assumption", "sd of Gaussian noise added to y "
              "(makes it a stochastic model, to exercise replications)", 0.0, 10.0),
        Param("fail_above", 10.0, "dimensionless", "assumption",
              "raise an error when x1 exceeds this (to test failure handling)", -10.0, 10.0),
        Param("months", 12, "months", "assumption", "length of the dummy time series", 1, 600),
    ]
}


def ishigami(scenario=None, seed=0, months: int | None = None,
             overrides: dict | None = None) -> RunResult:
    """y = sin x1 + a sin² x2 + b x3⁴ sin x1 (+ noise); a time series ramps up to y."""
    p = {k: v.default for k, v in REGISTRY.items()} | dict(overrides or {})
    if months is not None:
        p["months"] = months
    if p["x1"] > p["fail_above"]:
        raise RuntimeError(f"x1 = {p['x1']:.3f} is above fail_above = {p['fail_above']}")
    x1, x2, x3 = p["x1"], p["x2"], p["x3"]
    y = math.sin(x1) + p["a"] * math.sin(x2) ** 2 + p["b"] * x3 ** 4 * math.sin(x1)
    if p["noise"] > 0:
        y += p["noise"] * np.random.default_rng(seed).standard_normal()
    month = np.arange(1, p["months"] + 1)
    series = pd.DataFrame({"month": month, "y": y * month / p["months"]})
    summary = {"scenario": "ishigami", "seed": seed_record(seed), "months": p["months"],
               "final": {"y": float(y), "y_positive": bool(y > 0)}, "provenance": {}}
    return RunResult(series, summary)

