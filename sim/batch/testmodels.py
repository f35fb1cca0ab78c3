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

from sim.batch.models import toy_result, toy_values
from sim.params import Param
from sim.simulate import RunResult

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
    p = toy_values(REGISTRY, overrides, months)
    if p["x1"] > p["fail_above"]:
        raise RuntimeError(f"x1 = {p['x1']:.3f} is above fail_above = {p['fail_above']}")
    x1, x2, x3 = p["x1"], p["x2"], p["x3"]
    y = math.sin(x1) + p["a"] * math.sin(x2) ** 2 + p["b"] * x3 ** 4 * math.sin(x1)
    if p["noise"] > 0:
        y += p["noise"] * np.random.default_rng(seed).standard_normal()
    month = np.arange(1, p["months"] + 1)
    series = pd.DataFrame({"month": month, "y": y * month / p["months"]})
    return toy_result("ishigami", seed, p["months"], series,
                      {"y": float(y), "y_positive": bool(y > 0)})


# --- a policy toy with known contrasts, and a known box ---------------------------------------
#
# ``toy`` (``model = "sim.batch.testmodels:toy"``) reports
#   gain   = level + effect · lever + noise · (z1 + lever · z2),  z1, z2 ~ N(0, 1) from the seed
#   in_box = true with probability 0.9 inside u ∈ [0.2, 0.6], v ∈ [0.5, 1], rule ∈ {a, b},
#            0.05 outside (a known box for scenario discovery)
# Its base scenarios are "low" (level 0) and "high" (level 10). Two policies lever = 0 and
# lever = 1 on common random numbers differ by effect + noise · z2: Var(difference) = noise²
# against Var(a) + Var(b) = 3 noise² for independent runs, a variance ratio of exactly 1/3.

TOY_SCENARIOS = {"low": 0.0, "high": 10.0}
OUTPUTS += ["gain", "in_box"]
REGISTRY.update({p.key: p for p in [
    Param("lever", 0.0, "dimensionless", "assumption", "the policy lever of the toy", 0.0, 1.0),
    Param("effect", 2.0, "output units", "assumption", "gain per unit of lever", -10.0, 10.0),
    Param("u", 0.5, "dimensionless", "assumption", "first uncertainty of the toy", 0.0, 1.0),
    Param("v", 0.5, "dimensionless", "assumption", "second uncertainty of the toy", 0.0, 1.0),
    Param("rule", "a", "category", "assumption", "a categorical uncertainty of the toy",
          choices=("a", "b", "c")),
    Param("stop_at_call", 0, "calls", "assumption", "raise KeyboardInterrupt at this call "
          "in this process (0 = never; tests of Ctrl-C)", 0, 10**9),
]})
_CALLS = [0]


def load_scenario(ref):
    """The toy's base scenarios by name; the Ishigami function ignores its scenario."""
    from sim.scenario import ScenarioError

    if ref is None or ref == "base":
        return {"name": "base", "level": 0.0}
    if ref not in TOY_SCENARIOS:
        raise ScenarioError(f"scenario: '{ref}' not found: the toy model knows "
                            f"{', '.join(TOY_SCENARIOS)}")
    return {"name": ref, "level": TOY_SCENARIOS[ref]}


def toy(scenario=None, seed=0, months: int | None = None,
        overrides: dict | None = None) -> RunResult:
    p = toy_values(REGISTRY, overrides, months)
    _CALLS[0] += 1
    if p["stop_at_call"] and _CALLS[0] >= p["stop_at_call"]:
        raise KeyboardInterrupt
    level = (scenario or {}).get("level", 0.0) if isinstance(scenario, dict) else 0.0
    rng = np.random.default_rng(seed)
    z1, z2, draw = rng.standard_normal(), rng.standard_normal(), rng.random()
    gain = level + p["effect"] * p["lever"] + p["noise"] * (z1 + p["lever"] * z2)
    inside = 0.2 <= p["u"] <= 0.6 and p["v"] >= 0.5 and p["rule"] in ("a", "b")
    month = np.arange(1, p["months"] + 1)
    series = pd.DataFrame({"month": month, "gain": gain * month / p["months"]})
    final = {"gain": float(gain), "in_box": bool(draw < (0.9 if inside else 0.05)),
             "y": float(gain), "y_positive": bool(gain > 0)}
    name = (scenario or {}).get("name", "base") if isinstance(scenario, dict) else "base"
    return toy_result(name, seed, p["months"], series, final)
