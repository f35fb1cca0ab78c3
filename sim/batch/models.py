"""How the batch engine finds the model it runs: one ``run`` function named in the spec.

The engine knows a model only through ``run(scenario, seed=SeedSequence, months=...,
overrides={...}) -> RunResult`` (``.summary["final"]``: scalar outputs by name;
``.timeseries``: one row per month). The default is the mutual model, ``sim.simulate:run``.
Another model (a test function with known answers, or a variant of ours) is plugged in with
``model = "package.module:function"`` in the spec; its module may declare

- ``REGISTRY``: ``{key: sim.params.Param}``, the parameters a spec may vary (default: ours);
- ``OUTPUTS``: the output names its runs report (default: ``sim.metrics.COLUMNS``);
- ``load_scenario(ref)``: how a scenario reference is resolved (default: the reference is
  passed to ``run`` unchanged).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

DEFAULT_MODEL = "sim.simulate:run"
# The models this package ships; a spec may name only these or a registered entry point.
BUILTIN_MODELS = (DEFAULT_MODEL, "sim.batch.testmodels:ishigami", "sim.batch.testmodels:toy",
                  "sim.batch.busymodel:busy", "sim.calibration.toymodels:gaussian")
ENTRY_POINT_GROUP = "mutualsim.models"


def toy_values(registry: dict, overrides: dict | None, months: int | None = None) -> dict:
    """A reference model's parameter values: its registry's defaults, the run's overrides
    and, when given, its length (the test models below use it)."""
    values = {k: v.default for k, v in registry.items()} | dict(overrides or {})
    if months is not None:
        values["months"] = months
    return values


def toy_result(scenario: str, seed, months: int, series, final: dict):
    """A reference model's :class:`~sim.simulate.RunResult`: its series and final outputs."""
    from sim.simulate import RunResult, seed_record

    return RunResult(series, {"scenario": scenario, "seed": seed_record(seed), "months": months,
                              "final": final, "provenance": {}})


@cache
def allowed_models() -> dict[str, str]:
    """{name a spec may give: 'module:function'}: the built-in models, and every entry point
    in the ``mutualsim.models`` group (by its name or its value). Nothing is imported here."""
    from importlib.metadata import entry_points

    known = {path: path for path in BUILTIN_MODELS}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        known[ep.name] = ep.value
        known[ep.value] = ep.value
    return known


class ModelNotFound(LookupError):
    """The spec names a model function that cannot be imported."""


@dataclass(frozen=True)
class ModelRef:
    """A ``module:function`` reference to a run function, and what its module declares."""

    path: str = DEFAULT_MODEL

    @property
    def function(self) -> Callable[..., Any]:
        return _import(self.path)

    @property
    def module(self):
        _import(self.path)  # checks the allow-list first
        return importlib.import_module(self.path.partition(":")[0])

    @property
    def registry(self) -> dict:
        from sim.params import REGISTRY

        return getattr(self.module, "REGISTRY", REGISTRY)

    @property
    def outputs(self) -> list[str]:
        from sim.metrics import COLUMNS

        names = getattr(self.module, "OUTPUTS", COLUMNS)
        return [n for n in names if n != "month"]

    def resolve_scenario(self, ref: str) -> Any:
        """The base scenario as the run function will receive it (resolved once, up front)."""
        loader = getattr(self.module, "load_scenario", None)
        return loader(ref) if loader else ref


@cache
def _import(path: str) -> Callable[..., Any]:
    module_name, sep, attr = path.partition(":")
    if not sep or not module_name or not attr:
        raise ModelNotFound(f"'{path}' is not of the form 'package.module:function'")
    if path not in allowed_models():  # whatever named it (a spec, a manifest): never imported
        raise ModelNotFound(f"'{path}' is not a known model (known: "
                            f"{', '.join(sorted(set(allowed_models().values())))})")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ModelNotFound(f"cannot import '{module_name}': {exc}") from None
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise ModelNotFound(f"'{module_name}' has no function '{attr}'")
    return fn


def scenario_record(scenario: Any) -> Any:
    """How the resolved base scenario is written into the manifest."""
    return scenario.to_dict() if hasattr(scenario, "to_dict") else scenario
