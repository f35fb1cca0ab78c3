"""Checking one parameter value against the registry: the one-line error bad input raises
(:class:`ScenarioError`), type coercion and range checks, and ``--set key=value`` parsing.

Scenarios (``sim/scenario.py``) and timed events (``sim/timeline.py``) both check values here,
so neither needs the other for it.
"""

from __future__ import annotations

import difflib
import sys
import tomllib
from typing import Any

from sim.params import REGISTRY, Param

MAX_DEPTH = 32             # nesting of tables / arrays / inline tables (ours use 3)


class ScenarioError(ValueError):
    """Bad scenario input; the message is a single line fit for the terminal."""


def one_line(text: object) -> str:
    """The text with line breaks and other control characters shown as escapes, so an error
    quoting a user's input stays one line on the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def depth(value: Any) -> int:
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
    except ValueError:  # Python's limit on the digits of a whole number (4300)
        raise ScenarioError(f"--set {key[:60]}: a number with more than "
                            f"{sys.get_int_max_str_digits()} digits") from None
    if depth(value) > MAX_DEPTH:
        raise ScenarioError(f"--set {key}: nested more than {MAX_DEPTH} deep")
    return key, value
