"""A model with a known posterior, plugged in where the mutual model goes
(``model = "sim.calibration.toymodels:gaussian"``).

A run draws ``n`` observations x ~ N(mu, sigma²) and reports their mean. With a flat prior
on mu and the target "mean = v ± tol", the ABC posterior has the density
p(mu) ∝ Φ((v + tol − mu)/s) − Φ((v − tol − mu)/s), s = sigma/√n, inside the prior's range:
for tol ≪ s it is the exact posterior N(v, s²) (the mean is sufficient), whose variance the
tolerance widens to s² + tol²/3. ``delay`` makes each run wait (without using CPU), so a
test can kill a calibration part-way.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from sim.batch.models import toy_result, toy_values
from sim.params import Param
from sim.simulate import RunResult

OUTPUTS = ["mean", "first"]

REGISTRY: dict[str, Param] = {
    p.key: p for p in [
        Param("mu", 0.0, "dimensionless", "assumption", "mean of the observations", -100.0,
              100.0),
        Param("sigma", 5.0, "dimensionless", "assumption", "sd of one observation", 0.01,
              100.0),
        Param("n", 25, "observations", "assumption", "observations per run", 1, 100_000),
        Param("fail_below", -1e9, "dimensionless", "assumption",
              "raise an error when mu is below this (to test infeasible regions)", -1e9, 1e9),
        Param("delay", 0.0, "seconds", "assumption", "wait this long per run", 0.0, 10.0),
        Param("months", 1, "months", "assumption", "length of the dummy time series", 1, 600),
    ]
}


def gaussian(scenario=None, seed=0, months: int | None = None,
             overrides: dict | None = None) -> RunResult:
    p = toy_values(REGISTRY, overrides)
    if p["mu"] < p["fail_below"]:
        raise RuntimeError(f"mu = {p['mu']:.3f} is below fail_below = {p['fail_below']}")
    if p["delay"] > 0:
        time.sleep(p["delay"])
    x = np.random.default_rng(seed).normal(p["mu"], p["sigma"], size=int(p["n"]))
    months = months or p["months"]
    series = pd.DataFrame({"month": np.arange(1, months + 1), "mean": np.full(months, x.mean()),
                           "first": np.full(months, x[0])})
    return toy_result("gaussian", seed, months, series,
                      {"mean": float(x.mean()), "first": float(x[0])})
