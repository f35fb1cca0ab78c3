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
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.governance import presets
from sim.params import REGISTRY, Param, defaults

ABOUT_KEYS = ("title", "description", "notice", "try")
MAX_FILE_BYTES = 1 << 20   # 1 MiB: the largest bundled scenario is about 2 KB
MAX_DEPTH = 32             # nesting of tables / arrays / inline tables (ours use 3)


class ScenarioError(ValueError):
    """Bad scenario input; the message is a single line fit for the terminal."""


def one_line(text: object) -> str:
    """The text with line breaks and other control characters shown as escapes, so an error
    quoting a user's input stays one line on the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


@dataclass(frozen=True)
class Scenario:
    """A fully resolved scenario: every registered parameter has a value."""

    name: str
    values: dict[str, Any]
    about: dict[str, str] = field(default_factory=dict)
    chain: tuple[str, ...] = ()  # files read, most derived first

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def with_overrides(self, overrides: dict[str, Any], origin: str = "--set") -> Scenario:
        """A copy with some values replaced (each checked like a file value)."""
        values = dict(self.values)
        for key, value in overrides.items():
            values[key] = check_value(origin, key, value)
        values = resolve_presets(values, {key: 1 for key in overrides}, 0)
        return Scenario(self.name, values, self.about, self.chain)

    def nested(self) -> dict[str, Any]:
        """The values as nested tables, the shape of a TOML file."""
        out: dict[str, Any] = {}
        for key, value in self.values.items():
            *parents, leaf = key.split(".")
            node = out
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = value
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "about": self.about, "files": list(self.chain),
                "parameters": dict(self.values)}


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
    for depth, (file, data) in enumerate(reversed(layers)):  # base first, most derived last
        file_about = data.pop("about", {})
        _check_about(file, file_about)
        about.update(file_about)
        for key, value in _flatten(data):
            values[key] = check_value(str(file), key, value)
            rank[key] = depth
    values = resolve_presets(values, rank, -1)
    scenario = Scenario(layers[0][0].stem, values, about, tuple(str(p) for p, _ in layers))
    if overrides:
        scenario = scenario.with_overrides(overrides)
    return scenario


def _locate(ref: str, relative_to: Path | None, origin: str, home: Path | None = None) -> Path:
    """The file a scenario reference names. For an ``extends`` (``home`` given) only bundled
    scenarios and ``.toml`` files inside ``home`` qualify; nothing outside is opened."""
    if not ref or "\x00" in ref or len(ref) > 4096:
        raise ScenarioError(f"{origin}: {ref[:60]!r} is not a scenario name or path")
    is_path = ref.endswith(".toml") or "/" in ref or "\\" in ref
    if home is not None and is_path:
        _check_inside(ref, relative_to, home, origin)
    candidates = []
    if is_path:
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
    except RecursionError:
        data = None
    if data is None or _depth(data) > MAX_DEPTH:
        raise error(f"{where}: tables or arrays nested more than {MAX_DEPTH} deep")
    return data


def _depth(value: Any) -> int:
    """How deeply tables and arrays nest in parsed TOML (iterative: any depth is safe)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level + 1)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


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


# --- presets: bundles of values chosen by one key ------------------------------------------

def resolve_presets(values: dict[str, Any], rank: dict[str, int], floor: int) -> dict[str, Any]:
    """Apply the governance preset (a bundle of governance.* values, Table 4.1). A preset's
    values give way to keys set explicitly in the same or a more derived file or on the command
    line (``rank`` >= the preset's)."""
    return presets.expand(values, rank, floor)


# --- checking values ------------------------------------------------------------------------

def check_value(origin: str, key: str, value: Any) -> Any:
    """Return ``value`` converted to the parameter's type, or raise a one-line ScenarioError."""
    param = REGISTRY.get(key)
    if param is None:
        raise ScenarioError(f"{origin}: {key}: unknown parameter{_did_you_mean(key)}")
    return _coerce(origin, param, value)


def _coerce(origin: str, p: Param, value: Any) -> Any:
    where = f"{origin}: {p.key}"
    kind = p.kind
    if kind is bool:
        if not isinstance(value, bool):
            raise ScenarioError(f"{where}: expected true or false, got {value!r}")
        return value
    if kind is str:
        if not isinstance(value, str):
            raise ScenarioError(f"{where}: expected one of {', '.join(p.choices or ())}, "
                                f"got {value!r}")
        if p.choices and value not in p.choices:
            hint = difflib.get_close_matches(value, p.choices, n=1)
            tip = f" — did you mean '{hint[0]}'?" if hint else ""
            raise ScenarioError(f"{where}: '{value}' is not one of "
                                f"{', '.join(p.choices)}{tip}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{where}: expected a number ({p.unit}), got {value!r}")
    if kind is int:
        if isinstance(value, float):
            if not value.is_integer():
                raise ScenarioError(f"{where}: expected a whole number ({p.unit}), got {value}")
            value = int(value)
    else:
        value = float(value)
    if value != value:  # NaN
        raise ScenarioError(f"{where}: NaN is not allowed")
    if (p.low is not None and value < p.low) or (p.high is not None and value > p.high):
        raise ScenarioError(f"{where}: {value} is out of range {p.range_text} ({p.unit})")
    return value


def _did_you_mean(key: str) -> str:
    hint = difflib.get_close_matches(key, list(REGISTRY), n=1, cutoff=0.6)
    if not hint:  # try the last part alone, e.g. 'staff.rule' typed as 'rules'
        leaf = key.rsplit(".", 1)[-1]
        hint = [k for k in REGISTRY if k.rsplit(".", 1)[-1] == leaf][:1]
    return f" — did you mean '{hint[0]}'?" if hint else ""


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``key=value`` from the command line; the value is read as TOML, else as text."""
    if "=" not in text:
        raise ScenarioError(f"--set {text}: expected key=value")
    key, raw = (s.strip() for s in text.split("=", 1))
    if not key:
        raise ScenarioError(f"--set {text}: missing key before '='")
    if len(text) > 10_000:
        raise ScenarioError(f"--set {key[:60]}: value longer than 10000 characters")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        value = raw
    if _depth(value) > MAX_DEPTH:
        raise ScenarioError(f"--set {key}: nested more than {MAX_DEPTH} deep")
    return key, value
