"""One parameter's declaration: key, default, unit, plausible range (or allowed values), source
and meaning. Each mechanism module declares its own ``PARAMS`` with :func:`param`, beside the
rules that read them; ``sim/params.py`` collects them into the registry.

The source is a § of the 2021 case-study report ("§4.1"), another publication, or "assumption"
(with the reasoning). Rates are per month unless the key or unit says otherwise; indices are
dimensionless 0–1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Param:
    key: str
    default: Any
    unit: str
    source: str
    doc: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None

    @property
    def kind(self) -> type:
        return type(self.default)

    @property
    def range_text(self) -> str:
        if self.choices:
            return " | ".join(self.choices)
        if self.kind is bool:
            return "true | false"
        if self.low is None and self.high is None:
            return "any"
        return f"{_fmt(self.low)} – {_fmt(self.high)}"


def _fmt(x: Any) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, float):
        return f"{x:g}"
    return str(x)


def param(key, default, unit, low=None, high=None, *, source, doc, choices=None) -> Param:
    """Declare a parameter (positional: key, default, unit, low, high)."""
    return Param(key, default, unit, source, doc, low, high, choices)
