"""Scenarios: TOML files that set parameters, inherit with ``extends`` and take overrides.

A scenario file looks like::

    extends = "base"                  # a bundled name or a path relative to this file
    [about]
    title = "Opt-out staff membership"
    description = "One line for `mutualsim scenarios`."
    notice = "What to watch for."     # NetLogo-style 'THINGS TO NOTICE'
    try = "What to change next."      # 'THINGS TO TRY'
    [membership.staff]
    rule = "opt_out"

Every key must be in the parameter registry (``sim/params.py``). Problems raise
:class:`ScenarioError` whose message is one line naming the file, the key and the problem.

Limits and rules (docs/robustness.md): a scenario or spec file is UTF-8 text of at most
``MAX_FILE_BYTES`` with tables and arrays nested at most ``MAX_DEPTH`` deep. ``extends`` names
a bundled scenario or a ``.toml`` file inside the folder of the scenario that was asked for (its
subfolders included); an absolute path, a ``..`` or a symbolic link leading out of that folder is
refused without the file being opened, so a scenario cannot make the tool read, and echo, another
file on the machine.
"""

from __future__ import annotations

import difflib
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mesa.experimental.scenarios import Scenario as MesaScenario

from sim import timeline
from sim.mechanisms.governance import presets
from sim.params import REGISTRY, defaults
from sim.values import (  # noqa: F401  (re-exported: the checks scenarios use)
    MAX_DEPTH,
    ScenarioError,
    _coerce,
    check_value,
    one_line,
    parse_override,
)
from sim.values import depth as _depth

ABOUT_KEYS = ("title", "description", "notice", "try")
MAX_FILE_BYTES = 1 << 20   # 1 MiB: the largest bundled scenario is about 2 KB


@dataclass(frozen=True)
class Scenario:
    """A fully resolved scenario: every registered parameter has a value."""

    name: str
    values: dict[str, Any]
    about: dict[str, str] = field(default_factory=dict)
    chain: tuple[str, ...] = ()  # files read, most derived first
    events: tuple[dict, ...] = ()  # timed events (sim/timeline.py), in the order given

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def with_overrides(self, overrides: dict[str, Any], origin: str = "--set") -> Scenario:
        """A copy with some values replaced (each checked like a file value)."""
        values = dict(self.values)
        for key, value in overrides.items():
            values[key] = check_value(origin, key, value)
        values = resolve_presets(values, {key: 1 for key in overrides}, 0)
        _check_horizon(self.events, values["months"])
        return Scenario(self.name, values, self.about, self.chain, self.events)

    def with_events(self, events: list[dict], origin: str = "events") -> Scenario:
        """A copy with more timed events (each checked like a file's ``[[events]]``)."""
        added = tuple({**e, "origin": origin} for e in timeline.check_events(
            list(events), origin, self.values["months"], start=len(self.events)))
        both = self.events + added
        timeline.check_clashes(both, origin)
        return Scenario(self.name, self.values, self.about, self.chain, both)

    def to_dict(self) -> dict[str, Any]:
        out = {"name": self.name, "about": self.about, "files": list(self.chain),
               "parameters": dict(self.values)}
        if self.events:
            out["events"] = [dict(e) for e in self.events]
        return out


class MutualScenario(MesaScenario):
    """``model.scenario``: Mesa's ``Scenario`` carrying a resolved scenario's values, so Mesa's
    tools (and anyone reading ``model.scenario``) see the registry's parameters.

    Every registered parameter is an attribute under its dotted key
    (``model.scenario["membership.staff.rule"]``, ``getattr(model.scenario, key)``);
    ``name`` is the scenario's name and ``definition`` the resolved :class:`Scenario` (files
    read, about text, timed events). Mesa freezes it while the model runs: the model's working
    copy of the values is ``model.p``, which timed events change (docs/ODD.md §7).
    """

    def __init__(self, definition: Scenario, *, rng=None):
        super().__init__(rng=rng, **definition.values, name=definition.name,
                         definition=definition)

    def __getitem__(self, key: str) -> Any:
        return self.__dict__[key]

    @property
    def values(self) -> dict[str, Any]:
        """The registry's values (every parameter, by dotted key)."""
        return {key: self.__dict__[key] for key in REGISTRY}


# --- where bundled scenarios live -----------------------------------------------------------

def bundled_dir(kind: str = "scenarios") -> Path:
    """The folder of bundled scenarios (or experiments), in a wheel or in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_bundled" / kind, here.parent / kind):
        if candidate.is_dir():
            return candidate
    raise ScenarioError(f"bundled {kind} folder not found next to {here}")


def bundled_names() -> list[str]:
    """Bundled scenario names: ``base``, ... and the case library's ``cases/case01``, ...
    (policy override sets in ``policy/`` are not scenarios: see sim/policy.py)."""
    root = bundled_dir()
    top = sorted(p.stem for p in root.glob("*.toml"))
    cases = sorted(f"cases/{p.stem}" for p in (root / "cases").glob("*.toml"))
    return top + cases


def describe_bundled() -> list[tuple[str, str]]:
    """(name, one-line description) for every bundled scenario."""
    out = []
    for name in bundled_names():
        path = bundled_dir() / f"{name}.toml"
        about = _read_toml(path).get("about", {})
        out.append((name, str(about.get("description", about.get("title", "")))))
    return out


# --- loading --------------------------------------------------------------------------------

def load_scenario(name_or_path: str | Path = "base",
                  overrides: dict[str, Any] | None = None) -> Scenario:
    """Resolve a bundled name or a path into a :class:`Scenario` (defaults filled in)."""
    path = _locate(str(name_or_path), relative_to=None, origin="scenario")
    home = path.parent  # extends may reach only files under this folder (or bundled names)
    layers: list[tuple[Path, dict[str, Any]]] = []
    seen: list[Path] = []
    while path is not None:
        if path in seen:
            cycle = " -> ".join(p.name for p in [*seen, path])
            raise ScenarioError(f"{seen[-1]}: extends: cycle ({cycle})")
        seen.append(path)
        data = _read_toml(path)
        parent = data.pop("extends", None)
        layers.append((path, data))
        if parent is None:
            path = None
        elif not isinstance(parent, str):
            raise ScenarioError(f"{path}: extends: must be a scenario name or path (a string)")
        else:
            path = _locate(parent, relative_to=path.parent, origin=f"{path}: extends",
                           home=home)

    values = defaults()
    about: dict[str, str] = {}
    rank: dict[str, int] = {}  # how derived the file that set each key is (for presets)
    raw_events: list[tuple[Path, Any]] = []
    for depth, (file, data) in enumerate(reversed(layers)):  # base first, most derived last
        file_about = data.pop("about", {})
        _check_about(file, file_about)
        about.update(file_about)
        if "events" in data:
            raw_events.append((file, data.pop("events")))
        for key, value in _flatten(data):
            values[key] = check_value(str(file), key, value)
            rank[key] = depth
    values = resolve_presets(values, rank, -1)
    events: tuple[dict, ...] = ()
    for file, raw in raw_events:  # a derived file's events follow its parents'
        events += tuple({**e, "origin": str(file)} for e in timeline.check_events(
            raw, str(file), values["months"], start=len(events)))
    timeline.check_clashes(events, str(layers[0][0]))
    scenario = Scenario(layers[0][0].stem, values, about, tuple(str(p) for p, _ in layers),
                        events)
    if overrides:
        scenario = scenario.with_overrides(overrides)
    return scenario


def _locate(ref: str, relative_to: Path | None, origin: str, home: Path | None = None) -> Path:
    """The file a scenario reference names. For an ``extends`` (``home`` given) only bundled
    scenarios and ``.toml`` files inside ``home`` qualify; nothing outside is opened."""
    if not ref or "\x00" in ref or len(ref) > 4096:
        raise ScenarioError(f"{origin}: {ref[:60]!r} is not a scenario name or path")
    is_path = ref.endswith(".toml") or "/" in ref or "\\" in ref
    bundled_only = home is not None and is_path and not ref.endswith(".toml")
    if home is not None and is_path and not bundled_only:
        _check_inside(ref, relative_to, home, origin)
    if bundled_only and (Path(ref).is_absolute() or ref.startswith("\\")):
        raise ScenarioError(f"{origin}: '{ref}' is outside the scenario's folder (extends may "
                            f"name a bundled scenario or a .toml file under {home})")
    candidates = []
    if is_path:
        if not bundled_only:
            candidates.append((relative_to / ref) if relative_to else Path(ref))
            if relative_to is not None and home is None:
                candidates.append(Path(ref))
        if not ref.endswith(".toml"):  # a bundled name in a sub-folder: "cases/case01"
            candidates.append(bundled_dir() / f"{ref}.toml")
    else:
        if relative_to is not None:
            candidates.append(relative_to / f"{ref}.toml")
        candidates.append(bundled_dir() / f"{ref}.toml")
    for c in candidates:
        if is_file(c):
            found = c.resolve()
            if home is not None and not (_inside(found, home) or _inside(found, bundled_dir())):
                raise ScenarioError(f"{origin}: '{ref}' leads outside the scenario's folder "
                                    f"(extends may name a bundled scenario or a .toml file "
                                    f"under {home})")
            return found
    known = bundled_names()
    hint = difflib.get_close_matches(ref, known, n=1)
    tip = f" — did you mean '{hint[0]}'?" if hint else f" (bundled: {', '.join(known)})"
    raise ScenarioError(f"{origin}: '{ref}' not found: no such file or bundled scenario{tip}")


def _inside(path: Path, folder: Path) -> bool:
    return path.is_relative_to(folder.resolve())


def _check_inside(ref: str, relative_to: Path, home: Path, origin: str) -> None:
    """Refuse an ``extends`` path that leaves the scenario's folder (checked on the resolved
    path, so ``..`` and symbolic links count) or is not a ``.toml`` file."""
    shown = ref
    target = relative_to / ref
    try:
        resolved = target.resolve()
    except (OSError, RuntimeError, ValueError):
        resolved = None
    rule = (f"extends may name a bundled scenario or a .toml file under {home}")
    if resolved is None or Path(ref).is_absolute() or not (
            _inside(resolved, home) or _inside(resolved, bundled_dir())):
        raise ScenarioError(f"{origin}: '{shown}' is outside the scenario's folder ({rule})")
    if resolved.suffix != ".toml":
        raise ScenarioError(f"{origin}: '{shown}' is not a .toml file ({rule})")


def is_file(path: Path) -> bool:
    """``Path.is_file`` that answers False, not an exception, for names the OS refuses."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def read_toml(path: Path, error: type[ScenarioError] | None = None) -> dict[str, Any]:
    """Read a TOML file within the limits above; any problem is one line naming the file."""
    error = error or ScenarioError
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or type(exc).__name__}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise error(f"{path}: larger than the {MAX_FILE_BYTES // 1024} KiB limit for a "
                    f"scenario or spec file")
    return parse_toml(str(path), raw, error)


def parse_toml(where: str, raw: bytes | str, error: type[ScenarioError] | None = None
               ) -> dict[str, Any]:
    """Parse TOML text (bytes must be UTF-8; a leading byte-order mark is accepted)."""
    error = error or ScenarioError
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise error(f"{where}: not UTF-8 text (byte {exc.start} is 0x{raw[exc.start]:02x}); "
                        f"save the file as UTF-8") from None
    else:
        text = raw
    text = text.removeprefix("\ufeff")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{where}: malformed TOML: {' '.join(str(exc).split())}") from None
    except ValueError:  # Python's limit on the digits of a whole number (4300)
        raise error(f"{where}: malformed TOML: a number with more than "
                    f"{sys.get_int_max_str_digits()} digits") from None
    except RecursionError:
        data = None
    if data is None or _depth(data) > MAX_DEPTH:
        raise error(f"{where}: tables or arrays nested more than {MAX_DEPTH} deep")
    return data


def _read_toml(path: Path) -> dict[str, Any]:
    return read_toml(path)


def _check_about(file: Path, about: Any) -> None:
    if not isinstance(about, dict):
        raise ScenarioError(f"{file}: about: must be a table")
    for key, value in about.items():
        if key not in ABOUT_KEYS:
            raise ScenarioError(f"{file}: about.{key}: unknown key (allowed: "
                                f"{', '.join(ABOUT_KEYS)})")
        if not isinstance(value, str):
            raise ScenarioError(f"{file}: about.{key}: must be text")


def _flatten(data: dict[str, Any], prefix: str = ""):
    for key, value in data.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict) and full not in REGISTRY:
            yield from _flatten(value, f"{full}.")
        else:
            yield full, value


def _check_horizon(events: tuple[dict, ...], months: int) -> None:
    """A shorter horizon (``--months``, an override) must still contain every timed event."""
    for e in events:
        if e["month"] > months:
            raise ScenarioError(f"{e.get('origin', 'events')}: events: month {e['month']} "
                                f"({e['what']}) is past the horizon ({months} months)")


# --- presets: bundles of values chosen by one key ------------------------------------------

def resolve_presets(values: dict[str, Any], rank: dict[str, int], floor: int) -> dict[str, Any]:
    """Apply the governance preset (a bundle of governance.* values, Table 4.1). A preset's
    values give way to keys set explicitly in the same or a more derived file or on the command
    line (``rank`` >= the preset's)."""
    return presets.expand(values, rank, floor)
