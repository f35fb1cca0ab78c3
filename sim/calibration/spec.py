"""Calibration specs: which parameters to fit, their priors, the targets, the budget.

A spec looks like::

    [calibration]
    title = "People side to P1, P2"
    scenario = "base"              # base scenario of every target (a target may name its own)
    method = "abc-smc"             # abc-smc (default) | lhs (Latin hypercube, reject, rank)
    seed = 20211201                # root seed: every proposal and run derives from it
    months = 60                    # horizon of every run (optional; default: the scenario's)
    population = 200               # particles per generation (abc-smc)
    generations = 8                # budget: at most this many generations (abc-smc)
    max_runs = 20000               # budget: stop before a generation would pass this many runs
    samples = 400                  # lhs: number of candidates

    [replications]                 # runs per candidate and target scenario
    min = 2
    max = 6
    precision = 0.25               # add runs until each statistic's standard error is below
                                   # this share of its target's tolerance (or max is reached)

    [set]                          # fixed for every run
    "organisation.staff" = 60

    [parameters."membership.staff.promotion"]
    range = [0.0, 1.0]
    scale = "linear"               # linear (uniform prior) | log (log-uniform prior)

    [[targets]]
    name = "opt-out membership settles at 75-80 %"
    scenario = "opt_out"           # optional: this target's runs use another scenario
    output = "staff_membership_rate"
    stat = "mean"                  # final | mean | min | max of the output over the window
    months = [37, 60]              # window, first and last month (inclusive; default: all)
    range = [0.75, 0.80]           # or value = 0.78 with tolerance = 0.02

A problem raises :class:`CalibrationSpecError`: one line naming the spec file and the key.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from sim.batch.models import DEFAULT_MODEL, ModelNotFound, ModelRef
from sim.batch.spec import MAX_RUNS, MAX_SEED, SpecError, _plain, _scenario_ref
from sim.params import Param
from sim.scenario import ScenarioError, _coerce, is_file, read_toml

METHODS = ("abc-smc", "lhs")
SCALES = ("linear", "log")
STATS = ("final", "mean", "min", "max")
TOP_KEYS = ("calibration", "replications", "set", "parameters", "targets")
CALIBRATION_KEYS = ("title", "description", "scenario", "model", "method", "seed", "months",
                    "population", "batch", "quantile", "generations", "max_runs",
                    "min_acceptance", "samples", "keep")
REPLICATION_KEYS = ("min", "max", "precision")
PARAMETER_KEYS = ("range", "scale")
TARGET_KEYS = ("name", "output", "stat", "months", "range", "value", "tolerance", "scenario",
               "set", "pattern", "statistic")
# a target naming a pattern takes all of these from the pattern's statistic (sim/patterns.py)
PATTERN_DEFINES = ("output", "stat", "months", "range", "value", "tolerance", "scenario")


class CalibrationSpecError(SpecError):
    """Bad calibration spec; the message is one line naming the file and the key."""


@dataclass(frozen=True)
class Prior:
    """Uniform on [low, high], or log-uniform (uniform in log(value)) with scale = 'log'."""

    key: str
    low: float
    high: float
    scale: str = "linear"
    integer: bool = False

    def to_z(self, x):
        """The value on the scale the prior is uniform on (the sampler works there)."""
        import numpy as np

        return np.log(x) if self.scale == "log" else np.asarray(x, dtype=float)

    def from_z(self, z):
        import numpy as np

        return np.exp(z) if self.scale == "log" else np.asarray(z, dtype=float)

    @property
    def z_bounds(self) -> tuple[float, float]:
        if self.scale == "log":
            return math.log(self.low), math.log(self.high)
        return float(self.low), float(self.high)

    def value(self, z: float) -> Any:
        """The parameter value a run gets for a point z (whole numbers rounded)."""
        x = float(self.from_z(z))
        x = min(max(x, self.low), self.high)
        return int(round(x)) if self.integer else x


@dataclass(frozen=True)
class Target:
    """A summary statistic and the range the calibrated model must put it in.

    ``statistic`` is the output ``output`` reduced by ``stat`` over months ``window``; the
    candidate's value is the mean over its replications. ``low``-``high`` is the acceptable
    range (a value ± tolerance is stored as its range)."""

    name: str
    output: str
    stat: str
    low: float
    high: float
    window: tuple[int, int] | None = None
    scenario: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    pattern: str | None = None       # the sim.patterns id this target stands for
    pattern_text: str = ""           # that pattern's statistic and pass rule, for the report
    given_as: str = "range"   # "range" or "value" (how the spec wrote it)
    pattern_statistic: str | None = None   # the RunStatistic of the pattern it computes
    extract: str = "standard"        # the pattern group's extractor (sim.patterns.EXTRACTORS)
    clause: str = ""                 # the RunStatistic's clause of the pass rule

    @property
    def centre(self) -> float:
        return 0.5 * (self.low + self.high)

    @property
    def half_width(self) -> float:
        return 0.5 * (self.high - self.low)

    @property
    def text(self) -> str:
        if self.pattern_statistic is not None:
            return f"{self.pattern} '{self.pattern_statistic}' (sim/patterns.py): {self.clause}"
        where = f" months {self.window[0]}–{self.window[1]}" if self.window else ""
        return f"{self.stat} of {self.output}{where}"

    @property
    def target_text(self) -> str:
        if self.given_as == "value":
            return f"{self.centre:g} ± {self.half_width:g}"
        return f"[{self.low:g}, {self.high:g}]"


@dataclass(frozen=True)
class CalibrationSpec:
    path: Path
    scenario: str
    seed: int
    priors: tuple[Prior, ...]
    targets: tuple[Target, ...]
    title: str = ""
    description: str = ""
    model: str = DEFAULT_MODEL
    method: str = "abc-smc"
    months: int | None = None
    population: int = 200
    batch: int | None = None
    quantile: float = 0.5
    generations: int = 8
    max_runs: int | None = None
    min_acceptance: float = 0.02
    samples: int = 400
    keep: int = 50
    min_replications: int = 1
    max_replications: int = 1
    precision: float = 0.25
    fixed: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def model_ref(self) -> ModelRef:
        return ModelRef(self.model)

    @property
    def batch_size(self) -> int:
        return self.batch or self.population

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.priors]

    def settings(self) -> list[tuple[str, dict[str, Any]]]:
        """The distinct (scenario, overrides) the targets need runs of, in first-use order."""
        out: list[tuple[str, dict[str, Any]]] = []
        for t in self.targets:
            s = (t.scenario or self.scenario, dict(t.overrides))
            if s not in out:
                out.append(s)
        return out

    def setting_of(self, target: Target) -> int:
        return self.settings().index((target.scenario or self.scenario, dict(target.overrides)))

    def canonical(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("path")
        return _plain(data)


# --- reading -------------------------------------------------------------------------------------

def load_calibration(path: str | Path) -> CalibrationSpec:
    """Read and check a calibration spec file."""
    path = Path(path)
    if not is_file(path):
        raise CalibrationSpecError(f"{str(path)[:300]}: no such calibration spec file")
    path = path.resolve()
    # the same limits as scenarios and sweep specs: UTF-8, 1 MiB, nesting (sim/scenario.py)
    data = read_toml(path, CalibrationSpecError)
    c = _Checker(path)
    c.keys("", data, TOP_KEYS)
    cal = c.table("calibration", data.get("calibration"))
    c.keys("calibration.", cal, CALIBRATION_KEYS)
    model = c.model(cal)
    registry, outputs = model.registry, model.outputs
    method = c.choice(cal, "method", METHODS, "abc-smc")
    reps = data.get("replications", {})
    if not isinstance(reps, dict):
        raise CalibrationSpecError(f"{path}: replications: must be a table")
    c.keys("replications.", reps, REPLICATION_KEYS)
    rmin = c.int(reps, "replications.min", 1, low=1, high=1000)
    rmax = c.int(reps, "replications.max", rmin, low=1, high=1000)
    if rmax < rmin:
        raise CalibrationSpecError(f"{path}: replications.max: must be at least "
                                   f"replications.min ({rmin}), got {rmax}")
    fixed = c.fixed(data.get("set", {}), registry)
    priors = c.priors(data.get("parameters"), registry, fixed)
    spec = CalibrationSpec(
        path=path, model=model.path, method=method,
        title=c.text(cal, "calibration.title"), description=c.text(cal, "calibration.description"),
        scenario=c.scenario(cal.get("scenario", "base"), "calibration.scenario"),
        seed=c.seed(cal), months=c.months(cal, registry),
        population=c.int(cal, "calibration.population", 200, low=10, high=1_000_000),
        batch=c.int(cal, "calibration.batch", None, low=1, high=10_000_000),
        quantile=c.fraction(cal, "calibration.quantile", 0.5),
        generations=c.int(cal, "calibration.generations", 8, low=1, high=1000),
        max_runs=c.int(cal, "calibration.max_runs", None, low=1, high=10**9),
        min_acceptance=c.fraction(cal, "calibration.min_acceptance", 0.02, zero=True),
        samples=c.int(cal, "calibration.samples", 400, low=2, high=10_000_000),
        keep=c.int(cal, "calibration.keep", 50, low=1, high=10_000_000),
        min_replications=rmin, max_replications=rmax,
        precision=c.positive(reps, "replications.precision", 0.25),
        fixed=fixed, priors=priors,
        targets=c.targets(data.get("targets"), outputs, registry),
    )
    per_generation = (spec.samples if spec.method == "lhs" else spec.batch_size) * \
        spec.max_replications * len(spec.settings())
    if per_generation > MAX_RUNS:
        key = "calibration.samples" if spec.method == "lhs" else "calibration.batch"
        raise CalibrationSpecError(
            f"{path}: {key}: a generation of up to {per_generation:,} runs (candidates × "
            f"replications.max × target scenarios) is over the limit of {MAX_RUNS:,}")
    if spec.method == "lhs" and spec.keep > spec.samples:
        raise CalibrationSpecError(f"{path}: calibration.keep: at most calibration.samples "
                                   f"({spec.samples}), got {spec.keep}")
    return spec


@dataclass
class _Checker:
    path: Path

    def fail(self, key: str, problem: str):
        raise CalibrationSpecError(f"{self.path}: {key}: {problem}")

    def keys(self, prefix: str, table: dict, allowed: tuple[str, ...]) -> None:
        for key in table:
            if key not in allowed:
                hint = difflib.get_close_matches(key, allowed, n=1)
                tip = f" — did you mean '{hint[0]}'?" if hint else \
                    f" (allowed: {', '.join(allowed)})"
                self.fail(f"{prefix}{key}", f"unknown key{tip}")

    def table(self, key: str, value: Any) -> dict:
        if not isinstance(value, dict):
            self.fail(key, f"missing table [{key}]")
        return value

    def text(self, table: dict, key: str) -> str:
        value = table.get(key.rpartition(".")[2], "")
        if not isinstance(value, str):
            self.fail(key, "must be text")
        return value

    def int(self, table: dict, key: str, default, low: int, high: int):
        value = table.get(key.rpartition(".")[2], default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"expected a whole number, got {value!r}")
        if not low <= value <= high:
            self.fail(key, f"must be between {low} and {high}, got {value}")
        return value

    def fraction(self, table: dict, key: str, default: float, zero: bool = False) -> float:
        value = table.get(key.rpartition(".")[2], default)
        if not _is_number(value) or not ((0 <= value if zero else 0 < value) and value < 1):
            self.fail(key, f"expected a number {'from 0' if zero else 'above 0'} and below 1, "
                           f"got {value!r}")
        return float(value)

    def positive(self, table: dict, key: str, default: float) -> float:
        value = table.get(key.rpartition(".")[2], default)
        if not _is_number(value) or not value > 0 or math.isinf(value):
            self.fail(key, f"expected a positive number, got {value!r}")
        return float(value)

    def choice(self, table: dict, key: str, choices: tuple[str, ...], default: str) -> str:
        value = table.get(key, default)
        if value not in choices:
            hint = difflib.get_close_matches(str(value), choices, n=1)
            tip = f" — did you mean '{hint[0]}'?" if hint else ""
            self.fail(f"calibration.{key}", f"'{value}' is not one of {', '.join(choices)}{tip}")
        return value

    def model(self, cal: dict) -> ModelRef:
        ref = cal.get("model", DEFAULT_MODEL)
        if not isinstance(ref, str):
            self.fail("calibration.model", "must be text 'package.module:function'")
        try:
            ModelRef(ref).function  # noqa: B018 - import now, so a typo is reported first
        except ModelNotFound as exc:
            self.fail("calibration.model", str(exc))
        return ModelRef(ref)

    def scenario(self, ref: Any, key: str) -> str:
        """A bundled name or a .toml file under the spec's folder (the rule of sweep specs)."""
        return _scenario_ref(self.path, {"scenario": ref}, key, CalibrationSpecError)

    def seed(self, cal: dict) -> int:
        if "seed" not in cal:
            self.fail("calibration.seed", "required (the root seed every proposal and run "
                                          "derives from)")
        return self.int(cal, "calibration.seed", None, low=0, high=MAX_SEED)

    def months(self, cal: dict, registry: dict[str, Param]) -> int | None:
        if "months" not in cal:
            return None
        param = registry.get("months")
        if param is None:
            return self.int(cal, "calibration.months", None, low=1, high=10**6)
        return self.value(param, "calibration.months", cal["months"])

    def value(self, param: Param, where: str, value: Any) -> Any:
        try:
            return _coerce(str(self.path), replace(param, key=where), value)
        except ScenarioError as exc:
            raise CalibrationSpecError(str(exc)) from None

    def param(self, section: str, key: str, registry: dict[str, Param]) -> Param:
        param = registry.get(key)
        if param is None:
            hint = difflib.get_close_matches(key, list(registry), n=1, cutoff=0.6)
            tip = f" — did you mean '{hint[0]}'?" if hint else ""
            self.fail(f"{section}.{key}", f"unknown parameter{tip}")
        if key == "months":
            self.fail(f"{section}.months", "set the horizon with calibration.months")
        return param

    def fixed(self, table: Any, registry: dict[str, Param], section: str = "set") -> dict:
        if not isinstance(table, dict):
            self.fail(section, "must be a table of parameter = value")
        out = {}
        for key, value in _flatten(table, registry, leaf=lambda v: not isinstance(v, dict)):
            param = self.param(section, key, registry)
            out[key] = self.value(param, f"{section}.{key}", value)
        return out

    def priors(self, table: Any, registry: dict[str, Param], fixed: dict) -> tuple:
        if not isinstance(table, dict) or not table:
            self.fail("parameters", "name at least one parameter to fit, e.g. "
                                    "[parameters.\"membership.staff.promotion\"] "
                                    "range = [0.0, 1.0]")
        is_prior = lambda v: isinstance(v, dict) and bool(set(v) & set(PARAMETER_KEYS))  # noqa
        out = []
        for key, spec in _flatten(table, registry, leaf=is_prior):
            param = self.param("parameters", key, registry)
            where = f"parameters.{key}"
            if key in fixed:
                self.fail(f"set.{key}", "also in [parameters]; keep it in one place")
            if not isinstance(spec, dict):
                self.fail(where, "must be a table with range = [low, high]")
            self.keys(f"{where}.", spec, PARAMETER_KEYS)
            if param.kind in (str, bool):
                self.fail(where, f"{param.range_text} is not numeric; only numbers can be "
                                 f"calibrated")
            bounds = spec.get("range")
            if not (isinstance(bounds, list) and len(bounds) == 2
                    and all(map(_is_number, bounds))):
                self.fail(f"{where}.range", f"expected [low, high], got {bounds!r}")
            low, high = (self.value(param, f"{where}.range", b) for b in bounds)
            if not low < high:
                self.fail(f"{where}.range", f"low must be below high, got {bounds!r}")
            scale = spec.get("scale", "linear")
            if scale not in SCALES:
                self.fail(f"{where}.scale", f"'{scale}' is not one of {', '.join(SCALES)}")
            if scale == "log" and low <= 0:
                self.fail(f"{where}.range", f"a log prior needs a positive low end, got {low}")
            out.append(Prior(key, float(low), float(high), scale, param.kind is int))
        return tuple(out)

    def targets(self, items: Any, outputs: list[str], registry: dict[str, Param]) -> tuple:
        if not isinstance(items, list) or not items:
            self.fail("targets", "give at least one [[targets]] table")
        out = []
        for i, t in enumerate(items):
            where = f"targets[{i}]"
            if not isinstance(t, dict):
                self.fail(where, "must be a table")
            self.keys(f"{where}.", t, TARGET_KEYS)
            out.append(self.target(where, t, outputs, registry))
        names = [t.name for t in out]
        for i, name in enumerate(names):
            if name in names[:i]:
                self.fail(f"targets[{i}].name", f"'{name}' is used by an earlier target")
        return tuple(out)

    def target(self, where: str, t: dict, outputs: list[str], registry) -> Target:
        if "pattern" in t:
            return self.pattern_target(where, t, registry)
        if "statistic" in t:
            self.fail(f"{where}.statistic", "only used with pattern = \"P…\" (one of the "
                                            "pattern's statistics)")
        output = t.get("output")
        if not isinstance(output, str):
            self.fail(f"{where}.output", "required: the name of an output, e.g. "
                                         "\"staff_membership_rate\"")
        if output not in outputs:
            hint = difflib.get_close_matches(output, outputs, n=1)
            tip = f" — did you mean '{hint[0]}'?" if hint else ""
            self.fail(f"{where}.output", f"'{output}' is not an output of the model{tip}")
        stat = t.get("stat", "final")
        if stat not in STATS:
            self.fail(f"{where}.stat", f"'{stat}' is not one of {', '.join(STATS)}")
        window = t.get("months")
        if window is not None:
            if not (isinstance(window, list) and len(window) == 2
                    and all(isinstance(m, int) and not isinstance(m, bool) for m in window)
                    and 1 <= window[0] <= window[1]):
                self.fail(f"{where}.months", f"expected [first, last] whole months with "
                                             f"1 <= first <= last, got {window!r}")
            window = (window[0], window[1])
        low, high, given_as = self.bounds(where, t)
        name = t.get("name", f"{stat} {output}")
        if not isinstance(name, str) or not name:
            self.fail(f"{where}.name", "must be non-empty text")
        scenario = None
        if "scenario" in t:
            scenario = self.scenario(t["scenario"], f"{where}.scenario")
        overrides = self.fixed(t.get("set", {}), registry, section=f"{where}.set")
        return Target(name, output, stat, low, high, window, scenario, overrides,
                      given_as=given_as)

    def pattern_target(self, where: str, t: dict, registry) -> Target:
        """A target that is one of a pattern's per-run statistics (sim.patterns.RunStatistic):
        the pattern's function, range, scenario, overrides and horizon, defined once there.
        ``set`` may add overrides (reported); nothing the pattern defines may be restated."""
        try:
            from sim.patterns import PATTERNS
        except ImportError:
            self.fail(f"{where}.pattern", "this version has no sim.patterns")
        by_id = {p.id: p for p in PATTERNS}
        pid = t["pattern"]
        if pid not in by_id:
            hint = difflib.get_close_matches(str(pid), list(by_id), n=1)
            tip = f" — did you mean '{hint[0]}'?" if hint else ""
            self.fail(f"{where}.pattern", f"'{pid}' is not a pattern of sim.patterns{tip}")
        pattern = by_id[pid]
        stats = {r.name: r for r in pattern.run_statistics}
        if not stats:
            self.fail(f"{where}.pattern", f"{pid} has no per-run statistic to calibrate to "
                                          f"(its pass rule compares pooled or paired runs)")
        for key in PATTERN_DEFINES:
            if key in t:
                self.fail(f"{where}.{key}", f"{pid} defines it (sim/patterns.py): a target "
                                            f"naming a pattern takes the pattern's statistic, "
                                            f"range, scenario and horizon")
        name = t.get("statistic")
        if name is None:
            if len(stats) != 1:
                self.fail(f"{where}.statistic", f"{pid} has several statistics "
                                                f"({', '.join(map(repr, stats))}): name one")
            name = next(iter(stats))
        if name not in stats:
            self.fail(f"{where}.statistic", f"'{name}' is not a statistic of {pid} "
                                            f"({', '.join(map(repr, stats))})")
        rs = stats[name]
        group = pattern.group(rs.group)
        label = t.get("name", f"{pid} {name}")
        if not isinstance(label, str) or not label:
            self.fail(f"{where}.name", "must be non-empty text")
        overrides = dict(group.overrides)
        if group.months is not None:
            overrides["months"] = group.months   # the pattern's horizon, unless months is set
        overrides |= self.fixed(t.get("set", {}), registry, section=f"{where}.set")
        text = f"{pattern.statistic}; passes when {pattern.target} ({pattern.kind})"
        return Target(label, "", "pattern", float(rs.low), float(rs.high), None,
                      group.scenario, overrides, pattern=pid, pattern_text=text,
                      pattern_statistic=name, extract=group.extract, clause=rs.clause)

    def bounds(self, where: str, t: dict) -> tuple[float, float, str]:
        has_range, has_value = "range" in t, "value" in t
        if has_range == has_value:
            self.fail(where, "give either range = [low, high] or value = x with tolerance = t")
        if has_range:
            if "tolerance" in t:
                self.fail(f"{where}.tolerance", "only used with value (a range is its own "
                                                "tolerance)")
            r = t["range"]
            if not (isinstance(r, list) and len(r) == 2 and all(map(_is_number, r))):
                self.fail(f"{where}.range", f"expected [low, high], got {r!r}")
            if not r[0] < r[1]:
                self.fail(f"{where}.range", f"low must be below high, got {r!r}")
            return float(r[0]), float(r[1]), "range"
        value, tol = t["value"], t.get("tolerance")
        if not _is_number(value) or not math.isfinite(value):
            self.fail(f"{where}.value", f"expected a number, got {value!r}")
        if tol is None:
            self.fail(f"{where}.tolerance", "required with value (how far off is still a fit)")
        if not _is_number(tol) or not tol > 0 or not math.isfinite(tol):
            self.fail(f"{where}.tolerance", f"expected a positive number, got {tol!r}")
        return float(value - tol), float(value + tol), "value"

def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _flatten(table: dict, registry: dict, leaf, prefix: str = ""):
    for key, value in table.items():
        full = f"{prefix}{key}"
        if full in registry or leaf(value) or not isinstance(value, dict):
            yield full, value
        else:
            yield from _flatten(value, registry, leaf, f"{full}.")
