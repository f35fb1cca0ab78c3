"""Experiment specs: a TOML file that says which parameters to vary, how, and what to keep.

A spec looks like::

    [experiment]
    title = "Opt-in vs opt-out × promotion effort"
    description = "What the experiment shows, in a sentence."
    scenario = "base"              # bundled scenario or a path relative to this file
    design = "grid"                # grid | lhs | sobol | morris
    replications = 10
    months = 60
    seed = 20210401                # root seed: every run's seed derives from it
    outputs = ["staff_membership_rate", "active_share"]   # final values kept per run
    timeseries = ["staff_membership_rate"]                 # monthly values kept (optional)

    [set]                          # fixed for every run
    "organisation.staff" = 200

    [vary."membership.staff.rule"]
    values = ["opt_in", "opt_out"]

    [vary."membership.staff.promotion"]
    range = [0.0, 1.0]
    levels = 5                     # grid points; other designs sample the range

Policy comparisons (EMA Workbench's levers, uncertainties and scenarios) add three things::

    [experiment]
    scenarios = ["base", "small_cic"]   # base scenarios as a factor ("cases/*" globs work too)
    baseline = "status_quo"             # every policy is compared with this one
    paired = true                       # policies share random streams (the default)
    better = { contracts_held = "higher", core_contract_lost = "lower" }

    [policies]
    status_quo = {}                                        # no change
    sv10 = { "procurement.social_value_weight" = 0.10 }   # an inline override set
    opt_out = "opt_out"          # a scenario or policy file: the keys that file itself sets

    [uncertainties."procurement.officer_churn"]            # [vary], by its EMA name
    range = [0.3, 1.3]

Varied and fixed keys must be registered parameters of the model, inside their registered
range. A problem raises :class:`SpecError`: one line naming the spec file and key.

Safe by default (docs/robustness.md): ``model`` must be one of the models this package ships
or one registered by an installed package under the ``mutualsim.models`` entry-point group
(a spec cannot import an arbitrary module); a scenario path must be a ``.toml`` file under the
spec's folder; and the design must stay within ``MAX_RUNS`` runs, checked from the spec's
numbers before anything is sampled or allocated.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from sim.batch.models import DEFAULT_MODEL, ModelNotFound, ModelRef, allowed_models
from sim.params import Param
from sim.scenario import (
    ScenarioError,
    _coerce,
    _inside,
    bundled_dir,
    bundled_names,
    is_file,
    read_toml,
)

DESIGNS = ("grid", "lhs", "sobol", "morris", "draws")
EXPERIMENT_KEYS = ("title", "description", "scenario", "scenarios", "model", "design",
                   "samples", "draws", "replications", "months", "seed", "outputs",
                   "timeseries", "common_random_numbers", "second_order", "morris_levels",
                   "baseline", "paired", "better")
TOP_KEYS = ("experiment", "vary", "uncertainties", "set", "policies")
STATUS_QUO = "status_quo"   # the policy that changes nothing (always available)
DIRECTIONS = ("higher", "lower")
COMPARISON_DESIGNS = ("grid", "lhs", "draws")  # Sobol'/Morris need their own row order
FACTOR_KEYS = ("values", "range", "levels")
MAX_SEED = 2**63 - 1
MAX_RUNS = 1_000_000       # runs in one experiment (the runs table is ~100 bytes a run)
MAX_MORRIS_LEVELS = 1000
MAX_DRAWS_BYTES = 64 << 20  # a draws table file


class SpecError(ScenarioError):
    """Bad experiment spec; the message is one line naming the file and the key."""


@dataclass(frozen=True)
class Factor:
    """One varied parameter: discrete ``values``, or a ``low``-``high`` range."""

    key: str
    values: tuple | None = None
    low: float | None = None
    high: float | None = None
    levels: int | None = None
    integer: bool = False

    def grid_levels(self) -> list:
        if self.values is not None:
            return list(self.values)
        points = np.linspace(self.low, self.high, self.levels)
        return [int(round(x)) for x in points] if self.integer else [float(x) for x in points]

    def from_unit(self, u: np.ndarray) -> list:
        """Map points of [0, 1] onto the factor: equal-width bins for discrete values and
        whole numbers (so each is equally likely), linear for a continuous range."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self.values is not None:
            idx = np.minimum((u * len(self.values)).astype(int), len(self.values) - 1)
            return [self.values[i] for i in idx]
        if self.integer:
            span = int(self.high) - int(self.low) + 1
            return [int(self.low) + int(min(k, span - 1)) for k in (u * span).astype(int)]
        return [float(x) for x in self.low + u * (self.high - self.low)]


@dataclass(frozen=True)
class Policy:
    """A lever setting: parameter overrides applied on top of every base scenario."""

    name: str
    overrides: dict[str, Any]
    source: str = "inline"     # "inline", or the scenario file the overrides were read from
    title: str = ""
    events: tuple[dict, ...] = ()   # timed events the policy adds ([[events]] of its file)


@dataclass(frozen=True)
class ExperimentSpec:
    path: Path
    scenario: str
    design: str
    seed: int
    outputs: tuple[str, ...]
    factors: tuple[Factor, ...]
    title: str = ""
    description: str = ""
    model: str = DEFAULT_MODEL
    samples: int | None = None
    replications: int = 1
    months: int | None = None
    timeseries: tuple[str, ...] = ()
    common_random_numbers: bool = False
    second_order: bool = False
    morris_levels: int = 4
    fixed: dict[str, Any] = field(default_factory=dict)
    # design = "draws": {"file": ..., "keys": [...], "rows": [[...], ...]}, each row a joint
    # setting (e.g. a posterior draw of `mutualsim calibrate`), crossed with the [vary] values
    draws: dict[str, Any] | None = None
    scenarios: tuple[str, ...] = ()      # base scenarios as a factor (empty: just `scenario`)
    policies: tuple[Policy, ...] = ()
    baseline: str | None = None
    paired: bool = True
    better: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def scenario_refs(self) -> tuple[str, ...]:
        return self.scenarios or (self.scenario,)

    @property
    def comparison(self) -> bool:
        """A policy comparison or a base-scenario factor: the design gets meta columns."""
        return bool(self.policies or self.scenarios)

    def scenario_names(self) -> list[str]:
        return [scenario_name(ref) for ref in self.scenario_refs]

    def policy(self, name: str) -> Policy:
        return next(p for p in self.policies if p.name == name)

    @property
    def model_ref(self) -> ModelRef:
        return ModelRef(self.model)

    def canonical(self) -> dict[str, Any]:
        """The spec as plain data: what the manifest keeps and what resume compares."""
        data = asdict(self)
        data.pop("path")
        data["factors"] = [{k: v for k, v in f.items() if v is not None}
                           for f in data["factors"]]
        return _plain(data)


def _plain(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    return x


# --- reading -------------------------------------------------------------------------------------

def load_spec(path: str | Path) -> ExperimentSpec:
    """Read and check a spec file (a path, or the name of a bundled experiment)."""
    path = _locate(path)
    data = read_toml(path, SpecError)
    _check_keys(path, "", data, TOP_KEYS)
    exp = _table(path, "experiment", data.get("experiment"))
    _check_keys(path, "experiment.", exp, EXPERIMENT_KEYS)
    model = _model(path, exp)
    if "vary" in data and "uncertainties" in data:
        raise SpecError(f"{path}: uncertainties: [vary] and [uncertainties] are the same "
                        f"table; use one")
    section = "uncertainties" if "uncertainties" in data else "vary"
    policies = _policies(path, data.get("policies"), model.registry)
    baseline = _baseline(path, exp, policies)
    scenarios = _scenario_list(path, exp, model)
    factor_table = data.get(section)
    if "design" not in exp and (policies or scenarios):
        exp = {**exp, "design": "grid"}   # a comparison's default: every combination
    design = _choice(path, exp, "design", DESIGNS)
    spec = ExperimentSpec(
        path=path, design=design, model=model.path,
        title=_text(path, exp, "title"), description=_text(path, exp, "description"),
        scenario=_scenario_ref(path, exp), seed=_seed(path, exp),
        samples=_samples(path, exp, design),
        replications=_int(path, exp, "replications", 1, low=1),
        months=_months(path, exp, model),
        outputs=_names(path, exp, "outputs", model.outputs, required=True),
        timeseries=_names(path, exp, "timeseries", model.outputs, required=False),
        common_random_numbers=_bool(path, exp, "common_random_numbers"),
        second_order=_bool(path, exp, "second_order"),
        morris_levels=_int(path, exp, "morris_levels", 4, low=2, high=MAX_MORRIS_LEVELS),
        fixed=_fixed(path, data.get("set", {}), model.registry),
        factors=_factors(path, factor_table, model.registry, design, section,
                         optional=bool(policies or scenarios)),
        draws=_draws(path, exp, model.registry, design),
        scenarios=scenarios, policies=_with_baseline(path, policies, baseline),
        baseline=baseline,
        paired=_bool(path, exp, "paired", default=True),
        better=_better(path, exp),
    )
    _check_comparison(path, spec, exp)
    if spec.second_order and design != "sobol":
        raise SpecError(f"{path}: experiment.second_order: only applies to design = 'sobol'")
    clash = set(spec.fixed) & {f.key for f in spec.factors}
    if clash:
        raise SpecError(f"{path}: set.{sorted(clash)[0]}: also in [vary]; keep it in one place")
    if spec.draws is not None:
        clash = set(spec.draws["keys"]) & ({f.key for f in spec.factors} | set(spec.fixed))
        if clash:
            raise SpecError(f"{path}: experiment.draws: column '{sorted(clash)[0]}' is also "
                            f"in [vary] or [set]; keep it in one place")
    n = planned_runs(spec)
    if n > MAX_RUNS:
        raise SpecError(f"{path}: experiment: the design has {n:,} runs, more than the limit of "
                        f"{MAX_RUNS:,} (sim.batch.spec.MAX_RUNS); split it into several "
                        f"experiments or use fewer levels, samples or replications")
    return spec


def design_rows(spec: ExperimentSpec) -> int:
    """How many settings the design will have, computed from the spec alone (no sampling)."""
    d = len(spec.factors)
    grid = math.prod(len(f.values) if f.values is not None else f.levels
                     for f in spec.factors if spec.design in ("grid", "draws"))
    if spec.design == "grid":
        return grid
    if spec.design == "draws":
        return len(spec.draws["rows"]) * grid
    if spec.design == "lhs":
        return spec.samples
    if spec.design == "sobol":
        return spec.samples * ((2 * d + 2) if spec.second_order else (d + 2))
    if spec.design == "morris":
        return spec.samples * (d + 1)
    raise ValueError(f"unknown design {spec.design!r}")


def planned_runs(spec: ExperimentSpec) -> int:
    """Runs of the experiment (settings × base scenarios × policies × replications), before
    anything is allocated."""
    rows = design_rows(spec)
    if spec.comparison:
        rows *= len(spec.scenario_names()) * max(1, len(spec.policies))
    return rows * spec.replications


def _locate(ref: str | Path) -> Path:
    text = str(ref)
    if not text or "\x00" in text or len(text) > 4096:
        raise SpecError(f"{text[:60]!r}: not a spec file name")
    path = Path(ref)
    if is_file(path):
        return path.resolve()
    if path.suffix != ".toml" and "/" not in text:
        bundled = bundled_dir("experiments") / f"{ref}.toml"
        if is_file(bundled):
            return bundled
    raise SpecError(f"{ref}: no such spec file")


def _check_keys(path: Path, prefix: str, table: dict, allowed: tuple[str, ...]) -> None:
    for key in table:
        if key not in allowed:
            hint = difflib.get_close_matches(key, allowed, n=1)
            tip = f" — did you mean '{hint[0]}'?" if hint else f" (allowed: {', '.join(allowed)})"
            raise SpecError(f"{path}: {prefix}{key}: unknown key{tip}")


def _table(path: Path, key: str, value: Any) -> dict:
    if not isinstance(value, dict):
        raise SpecError(f"{path}: {key}: missing table [{key}]")
    return value


def _text(path: Path, exp: dict, key: str) -> str:
    value = exp.get(key, "")
    if not isinstance(value, str):
        raise SpecError(f"{path}: experiment.{key}: must be text")
    return value


def _int(path: Path, exp: dict, key: str, default: int | None, low: int = 0,
         high: int | None = None) -> int | None:
    value = exp.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(f"{path}: experiment.{key}: expected a whole number, got {value!r}")
    if value < low or (high is not None and value > high):
        top = f" and {high}" if high is not None else ""
        raise SpecError(f"{path}: experiment.{key}: must be at least {low}{top}, got {value}")
    return value


def _bool(path: Path, exp: dict, key: str, default: bool = False) -> bool:
    value = exp.get(key, default)
    if not isinstance(value, bool):
        raise SpecError(f"{path}: experiment.{key}: expected true or false, got {value!r}")
    return value


def _choice(path: Path, exp: dict, key: str, choices: tuple[str, ...]) -> str:
    value = exp.get(key)
    if value not in choices:
        hint = difflib.get_close_matches(str(value), choices, n=1)
        tip = f" — did you mean '{hint[0]}'?" if hint else ""
        got = "missing" if value is None else f"'{value}' is not"
        raise SpecError(f"{path}: experiment.{key}: {got} one of {', '.join(choices)}{tip}")
    return value


def _model(path: Path, exp: dict) -> ModelRef:
    name = exp.get("model", DEFAULT_MODEL)
    if not isinstance(name, str):
        raise SpecError(f"{path}: experiment.model: must be text 'package.module:function'")
    known = allowed_models()
    if name not in known:  # checked before anything is imported
        hint = difflib.get_close_matches(name, list(known), n=1)
        tip = f" — did you mean '{hint[0]}'?" if hint else ""
        raise SpecError(f"{path}: experiment.model: '{name[:80]}' is not a known model "
                        f"(known: {', '.join(sorted(known))}; other packages register theirs "
                        f"under the 'mutualsim.models' entry-point group){tip}")
    ref = ModelRef(known[name])
    try:
        ref.function  # noqa: B018 - import now, so a typo is reported before any run
    except ModelNotFound as exc:
        raise SpecError(f"{path}: experiment.model: {exc}") from None
    return ref


def _scenario_ref(path: Path, exp: dict, key: str = "experiment.scenario",
                  error: type[SpecError] | None = None) -> str:
    """A spec's scenario: a bundled name, or a .toml file under the spec's folder (resolved, so
    ``..`` and links count) — never another file of the machine. ``key`` names it in errors."""
    error = error or SpecError
    ref = exp.get("scenario", "base")
    if not isinstance(ref, str):
        raise error(f"{path}: {key}: must be a scenario name or path")
    if ref in bundled_names():  # 'base', ... and the case library's 'cases/case01', ...
        return ref
    if ref.endswith(".toml") or "/" in ref or "\\" in ref:  # relative to the spec, like `extends`
        beside = path.parent / ref
        try:
            resolved = beside.resolve()
        except (OSError, RuntimeError, ValueError):
            resolved = None
        if resolved is None or Path(ref).is_absolute() or not (
                _inside(resolved, path.parent) or _inside(resolved, bundled_dir())) \
                or resolved.suffix != ".toml":
            raise error(f"{path}: {key}: '{ref[:200]}' is not a .toml file "
                            f"under the spec's folder {path.parent} (or name a bundled "
                            f"scenario)")
        if not is_file(resolved):
            raise error(f"{path}: {key}: '{ref[:200]}' not found")
        return str(resolved)
    if not ref or "\x00" in ref or len(ref) > 200:
        raise error(f"{path}: {key}: not a scenario name or path")
    return ref


def _seed(path: Path, exp: dict) -> int:
    if "seed" not in exp:
        raise SpecError(f"{path}: experiment.seed: required (the root seed every run's seed "
                        f"derives from)")
    return _int(path, exp, "seed", None, low=0, high=MAX_SEED)


def _draws(path: Path, exp: dict, registry: dict[str, Param], design: str) -> dict | None:
    """The table of joint settings of a ``draws`` design: a CSV or Parquet file beside the
    spec, one column per registered parameter, one row per setting."""
    if design != "draws":
        if "draws" in exp:
            raise SpecError(f"{path}: experiment.draws: only used by design = 'draws'")
        return None
    ref = exp.get("draws")
    if not isinstance(ref, str):
        raise SpecError(f"{path}: experiment.draws: required for design = 'draws': a .csv or "
                        f".parquet file of parameter settings, one per row")
    file = (path.parent / ref).resolve()
    if Path(ref).is_absolute() or not _inside(file, path.parent) or \
            file.suffix not in (".csv", ".parquet"):
        raise SpecError(f"{path}: experiment.draws: '{ref[:200]}' is not a .csv or .parquet "
                        f"file under the spec's folder {path.parent}")
    try:
        if file.stat().st_size > MAX_DRAWS_BYTES:
            raise SpecError(f"{path}: experiment.draws: '{ref}' is larger than the "
                            f"{MAX_DRAWS_BYTES >> 20} MiB limit")
    except OSError:
        pass  # reported as unreadable below
    try:
        import pandas as pd

        frame = pd.read_parquet(file) if file.suffix == ".parquet" else pd.read_csv(file)
    except Exception as exc:  # noqa: BLE001 - any reader error: one line, no traceback
        raise SpecError(f"{path}: experiment.draws: cannot read '{ref}': "
                        f"{' '.join(str(exc).split())[:120]}") from None
    if frame.empty or not len(frame.columns):
        raise SpecError(f"{path}: experiment.draws: '{ref}' has no rows")
    keys = [str(c) for c in frame.columns]
    rows = [[] for _ in range(len(frame))]
    for key in keys:
        param = _param(path, f"experiment.draws ({ref})", key, registry)
        for i, value in enumerate(frame[key].tolist()):
            rows[i].append(_value(path, param, f"experiment.draws ({ref} row {i + 1}).{key}",
                                  value))
    return {"file": ref, "keys": keys, "rows": rows}


def _samples(path: Path, exp: dict, design: str) -> int | None:
    if design in ("grid", "draws"):
        if "samples" in exp:
            raise SpecError(f"{path}: experiment.samples: not used by a grid design (give "
                            f"levels or values per parameter)")
        return None
    if "samples" not in exp:
        raise SpecError(f"{path}: experiment.samples: required for design = '{design}'")
    n = _int(path, exp, "samples", None, low=2 if design == "sobol" else 1)
    if design == "sobol" and n & (n - 1):
        raise SpecError(f"{path}: experiment.samples: Sobol' samples must be a power of two "
                        f"(e.g. {1 << max(1, math.ceil(math.log2(n)))}), got {n}")
    return n


def _months(path: Path, exp: dict, model: ModelRef) -> int | None:
    if "months" not in exp:
        return None
    param = model.registry.get("months")
    if param is None:
        return _int(path, exp, "months", None, low=1)
    return _value(path, param, "experiment.months", exp["months"])


def _value(path: Path, param: Param, where: str, value: Any) -> Any:
    """Check a value like a scenario value would be, naming the spec key in the message."""
    try:
        return _coerce(str(path), replace(param, key=where), value)
    except ScenarioError as exc:
        raise SpecError(str(exc)) from None


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _names(path: Path, exp: dict, key: str, known: list[str], required: bool) -> tuple:
    value = exp.get(key, [] if not required else None)
    if value is None:
        raise SpecError(f"{path}: experiment.{key}: required: a list of output names, "
                        f"e.g. [\"{known[0]}\"]")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SpecError(f"{path}: experiment.{key}: must be a list of output names")
    if required and not value:
        raise SpecError(f"{path}: experiment.{key}: name at least one output")
    for name in value:
        if name not in known:
            hint = difflib.get_close_matches(name, known, n=1)
            tip = f" — did you mean '{hint[0]}'?" if hint else ""
            raise SpecError(f"{path}: experiment.{key}: '{name}' is not an output of the "
                            f"model{tip}")
    if len(set(value)) != len(value):
        raise SpecError(f"{path}: experiment.{key}: an output is listed twice")
    return tuple(value)


# --- [set] and [vary] ----------------------------------------------------------------------------

def _param(path: Path, section: str, key: str, registry: dict[str, Param]) -> Param:
    param = registry.get(key)
    if param is None:
        hint = difflib.get_close_matches(key, list(registry), n=1, cutoff=0.6)
        tip = f" — did you mean '{hint[0]}'?" if hint else ""
        raise SpecError(f"{path}: {section}.{key}: unknown parameter{tip}")
    if key == "months":
        raise SpecError(f"{path}: {section}.months: set the horizon with experiment.months")
    return param


def _fixed(path: Path, table: Any, registry: dict[str, Param]) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise SpecError(f"{path}: set: must be a table of parameter = value")
    out = {}
    for key, value in _flatten(table, registry, leaf=lambda v: not isinstance(v, dict)):
        param = _param(path, "set", key, registry)
        out[key] = _value(path, param, f"set.{key}", value)
    return out


def _flatten(table: dict, registry: dict, leaf, prefix: str = ""):
    """Yield (dotted key, value), accepting both [vary."a.b"] and nested [vary.a.b]."""
    for key, value in table.items():
        full = f"{prefix}{key}"
        if full in registry or leaf(value) or not isinstance(value, dict):
            yield full, value
        else:
            yield from _flatten(value, registry, leaf, f"{full}.")


def _factors(path: Path, table: Any, registry: dict[str, Param], design: str,
             section: str = "vary", optional: bool = False) -> tuple:
    if (optional or design == "draws") and table is None:
        return ()  # the policies, base scenarios or draws alone are the design
    if not isinstance(table, dict) or not table:
        raise SpecError(f"{path}: {section}: name at least one parameter to vary, e.g. "
                        f"[{section}.\"membership.staff.promotion\"] range = [0.0, 1.0]")
    is_factor = lambda v: isinstance(v, dict) and bool(set(v) & set(FACTOR_KEYS))  # noqa: E731
    return tuple(_factor(path, key, value, _param(path, section, key, registry), design,
                         section)
                 for key, value in _flatten(table, registry, leaf=is_factor))


def _factor(path: Path, key: str, table: Any, param: Param, design: str,
            section: str = "vary") -> Factor:
    where = f"{path}: {section}.{key}"
    if not isinstance(table, dict):
        raise SpecError(f"{where}: must be a table with values = [...] or range = [low, high]")
    _check_keys(path, f"{section}.{key}.", table, FACTOR_KEYS)
    if ("values" in table) == ("range" in table):
        raise SpecError(f"{where}: give either values = [...] or range = [low, high]")
    if "values" in table:
        return _values_factor(path, where, key, table, param, section)
    return _range_factor(path, where, key, table, param, design, section)


def _values_factor(path: Path, where: str, key: str, table: dict, param: Param,
                   section: str = "vary") -> Factor:
    values = table["values"]
    if not isinstance(values, list) or not values:
        raise SpecError(f"{where}.values: must be a non-empty list")
    if "levels" in table:
        raise SpecError(f"{where}.levels: only used with range (values are the levels)")
    checked = [_value(path, param, f"{section}.{key}.values", v) for v in values]
    if len(set(checked)) != len(checked):
        raise SpecError(f"{where}.values: a value is listed twice")
    return Factor(key, values=tuple(checked))


def _range_factor(path: Path, where: str, key: str, table: dict, param: Param,
                  design: str, section: str = "vary") -> Factor:
    bounds = table["range"]
    if design == "draws":
        raise SpecError(f"{where}.range: a draws design crosses its rows with listed values; "
                        f"use values = [...]")
    if param.kind in (str, bool):
        raise SpecError(f"{where}.range: {param.range_text} is not numeric; use values = [...]")
    if not (isinstance(bounds, list) and len(bounds) == 2 and all(map(_is_number, bounds))):
        raise SpecError(f"{where}.range: expected [low, high], got {bounds!r}")
    low, high = (_value(path, param, f"{section}.{key}.range", b) for b in bounds)
    if not low < high:
        raise SpecError(f"{where}.range: low must be below high, got {bounds!r}")
    levels = table.get("levels")
    if design == "grid" and levels is None:
        raise SpecError(f"{where}: a grid needs levels = N (points across the range)")
    if levels is not None and (isinstance(levels, bool) or not isinstance(levels, int)
                               or levels < 2):
        raise SpecError(f"{where}.levels: expected a whole number of at least 2, got {levels!r}")
    if levels is not None and design != "grid":
        raise SpecError(f"{where}.levels: only used by a grid design ('{design}' samples "
                        f"the range)")
    return Factor(key, low=low, high=high, levels=levels, integer=param.kind is int)


# --- policies, base scenarios, the baseline ------------------------------------------------------

def scenario_name(ref: str) -> str:
    """The name a base scenario goes by in tables: a file's stem, or the bundled name."""
    return Path(ref).stem if ref.endswith(".toml") or "/" in ref else ref


def _find_toml(path: Path, ref: str) -> Path | None:
    """A scenario or policy file named in a spec: beside the spec first, then bundled."""
    from sim.scenario import bundled_dir

    name = ref if ref.endswith(".toml") else f"{ref}.toml"
    for candidate in (path.parent / name, bundled_dir() / "policy" / name, bundled_dir() / name,
                      Path(name)):
        if candidate.is_file():
            return candidate.resolve()
    return None


def _expand(path: Path, ref: str) -> list[str]:
    """A scenario reference as refs the loader takes: bundled names stay names, files and
    globs ("cases/*") become absolute paths."""
    from sim.scenario import bundled_dir

    if any(ch in ref for ch in "*?["):
        pattern = ref if ref.endswith(".toml") else f"{ref}.toml"
        for folder in (path.parent, bundled_dir()):
            found = sorted(str(p.resolve()) for p in folder.glob(pattern) if p.is_file())
            if found:
                return found
        raise SpecError(f"{path}: experiment.scenarios: '{ref}' matches no scenario file "
                        f"(beside the spec or bundled)")
    if not (ref.endswith(".toml") or "/" in ref):
        return [ref]
    found = _find_toml(path, ref)
    return [str(found) if found else ref]  # a missing file is reported when it is loaded


def _scenario_list(path: Path, exp: dict, model: ModelRef) -> tuple[str, ...]:
    if "scenarios" not in exp:
        return ()
    if "scenario" in exp:
        raise SpecError(f"{path}: experiment.scenarios: give either scenario = \"...\" or "
                        f"scenarios = [...], not both")
    value = exp["scenarios"]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise SpecError(f"{path}: experiment.scenarios: must be a non-empty list of scenario "
                        f"names or files, e.g. [\"base\", \"small_cic\"] or [\"cases/*\"]")
    refs = [r for ref in value for r in _expand(path, ref)]
    for ref in refs:
        try:
            model.resolve_scenario(ref)
        except ScenarioError as exc:
            raise SpecError(f"{path}: experiment.scenarios: {exc}") from None
    names = [scenario_name(r) for r in refs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise SpecError(f"{path}: experiment.scenarios: '{twice[0]}' is listed twice")
    return tuple(refs)


def _policy_name(path: Path, name: Any) -> str:
    if not isinstance(name, str) or not name or not all(c.isalnum() or c in "_-" for c in name):
        raise SpecError(f"{path}: policies: {name!r} is not a usable policy name (letters, "
                        f"digits, _ and -)")
    return name


def _policies(path: Path, value: Any, registry: dict[str, Param]) -> tuple[Policy, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        if not all(isinstance(v, str) for v in value):
            raise SpecError(f"{path}: policies: a list names scenario or policy files; use a "
                            f"[policies] table for inline override sets")
        value = {Path(v).stem if v != STATUS_QUO else v: v for v in value}
    if not isinstance(value, dict) or not value:
        raise SpecError(f"{path}: policies: name at least one policy, e.g. [policies] "
                        f"sv10 = {{ \"procurement.social_value_weight\" = 0.10 }}")
    out = []
    for name, body in value.items():
        name = _policy_name(path, name)
        if isinstance(body, str):
            out.append(_policy_file(path, name, body))
        elif isinstance(body, dict):
            if name == STATUS_QUO and body:
                raise SpecError(f"{path}: policies.{STATUS_QUO}: reserved for 'no change'; "
                                f"give this policy another name")
            overrides = {}
            for key, v in _flatten(body, registry, leaf=lambda x: not isinstance(x, dict)):
                param = _param(path, f"policies.{name}", key, registry)
                overrides[key] = _value(path, param, f"policies.{name}.{key}", v)
            out.append(Policy(name, overrides))
        else:
            raise SpecError(f"{path}: policies.{name}: must be a table of parameter = value "
                            f"or the name of a scenario or policy file")
    return tuple(out)


def _policy_file(path: Path, name: str, ref: str) -> Policy:
    """A policy read from a scenario file: the keys that file itself sets (not those of the
    scenario it extends), so it can be laid over any base scenario."""
    from sim.scenario import _flatten as flatten_scenario
    from sim.scenario import _read_toml, check_value

    if ref == STATUS_QUO:
        return Policy(name, {})
    file = _find_toml(path, ref)
    if file is None:
        raise SpecError(f"{path}: policies.{name}: '{ref}' not found: no such scenario or "
                        f"policy file (beside the spec or bundled)")
    data = _read_toml(file)
    about = data.pop("about", {})
    data.pop("extends", None)
    events = data.pop("events", [])
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise SpecError(f"{path}: policies.{name}: {file}: events: must be an array of tables")
    overrides = {}
    try:
        for key, value in flatten_scenario(data):
            overrides[key] = check_value(str(file), key, value)
    except ScenarioError as exc:
        raise SpecError(f"{path}: policies.{name}: {exc}") from None
    overrides.pop("months", None)  # the horizon is the experiment's
    if not overrides and not events:
        raise SpecError(f"{path}: policies.{name}: {file} sets no parameters of its own")
    title = about.get("title", "") if isinstance(about, dict) else ""
    return Policy(name, overrides, str(file), title, tuple(events))


def _baseline(path: Path, exp: dict, policies: tuple[Policy, ...]) -> str | None:
    names = [p.name for p in policies]
    if not policies:
        for key in ("baseline", "paired", "better"):
            if key in exp:
                raise SpecError(f"{path}: experiment.{key}: only used with [policies]")
        return None
    if "baseline" not in exp:
        raise SpecError(f"{path}: experiment.baseline: required with [policies]: name the "
                        f"policy the others are compared with ({', '.join(names)}, or "
                        f"'{STATUS_QUO}' for no change)")
    value = exp["baseline"]
    if not isinstance(value, str):
        raise SpecError(f"{path}: experiment.baseline: must be a policy name")
    if value not in names and value != STATUS_QUO:
        hint = difflib.get_close_matches(value, [*names, STATUS_QUO], n=1)
        tip = f" — did you mean '{hint[0]}'?" if hint else ""
        raise SpecError(f"{path}: experiment.baseline: '{value}' is not one of the policies "
                        f"({', '.join(names)}) nor '{STATUS_QUO}'{tip}")
    return value


def _with_baseline(path: Path, policies: tuple[Policy, ...],
                   baseline: str | None) -> tuple[Policy, ...]:
    if baseline == STATUS_QUO and STATUS_QUO not in {p.name for p in policies}:
        policies = (Policy(STATUS_QUO, {}), *policies)
    if policies and len(policies) < 2:
        raise SpecError(f"{path}: policies: a comparison needs at least two policies (the "
                        f"baseline and one other)")
    return policies


def _better(path: Path, exp: dict) -> dict[str, str]:
    value = exp.get("better", {})
    if not isinstance(value, dict) or not all(v in DIRECTIONS for v in value.values()):
        raise SpecError(f"{path}: experiment.better: must map outputs to \"higher\" or "
                        f"\"lower\", e.g. {{ contracts_held = \"higher\" }}")
    return dict(value)


def _check_comparison(path: Path, spec: ExperimentSpec, exp: dict) -> None:
    if not spec.comparison:
        return
    if spec.design not in COMPARISON_DESIGNS:
        raise SpecError(f"{path}: experiment.design: policies and base scenarios combine with "
                        f"{' or '.join(COMPARISON_DESIGNS)} designs of the uncertainties, not "
                        f"'{spec.design}' (Sobol'/Morris need their own row order)")
    varied = {f.key for f in spec.factors}
    for policy in spec.policies:
        for key in policy.overrides:
            if key in varied:
                raise SpecError(f"{path}: policies.{policy.name}.{key}: also an uncertainty in "
                                f"[vary]; a parameter is either a lever or an uncertainty")
            if key in spec.fixed:
                raise SpecError(f"{path}: policies.{policy.name}.{key}: also fixed in [set]; "
                                f"keep it in one place")
    _check_policy_events(path, spec)
    for out in spec.better:
        if out not in spec.outputs:
            raise SpecError(f"{path}: experiment.better.{out}: not in experiment.outputs")


def _check_policy_events(path: Path, spec: ExperimentSpec) -> None:
    """A policy's timed events, checked on every base scenario now rather than in each run."""
    with_events = [p for p in spec.policies if p.events]
    if not with_events:
        return
    for ref in spec.scenario_refs:
        base = spec.model_ref.resolve_scenario(ref)
        if not hasattr(base, "with_events"):
            raise SpecError(f"{path}: policies.{with_events[0].name}: timed events need the "
                            f"mutual model")
        if spec.months is not None:
            base = base.with_overrides({"months": spec.months}, origin="experiment.months")
        for policy in with_events:
            try:
                base.with_events(list(policy.events), origin=policy.source)
            except ScenarioError as exc:
                raise SpecError(f"{path}: policies.{policy.name}: {exc}") from None
