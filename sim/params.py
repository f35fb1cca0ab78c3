"""The parameter registry: every scenario parameter, collected from the modules that read it.

Each mechanism module declares its own ``PARAMS`` (``sim.parameter.param``: unit, default,
range or allowed values, source) beside the rules that read them; this module only collects
them, in the order below, which is the order of ``mutualsim params`` and
``docs/parameters.md``.

It also derives the typed parameter view the rules read (:func:`view`, ``model.params``):
frozen, slotted dataclasses whose attributes mirror the dotted keys, one per key prefix, so
``"governance.board.executive_seats"`` is read as ``p.governance.board.executive_seats``. The
view is built once from the values a run starts with (and again when a timed event changes
one, sim/timeline.py); a mistyped name fails at once with ``AttributeError``. Each class is
generated from the ``PARAMS`` that declare its keys (their default's type is the field's
type), so a parameter is declared once, beside its rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass, make_dataclass
from typing import Any

from sim import metrics
from sim.mechanisms import organisation
from sim.mechanisms.funding import commissioning, finance, growth, market, procurement
from sim.mechanisms.governance import (
    bodies,
    cycle,
    decisions,
    elections,
    presets,
    public_sector,
    surplus,
)
from sim.mechanisms.governance.bodies import REP_BODY_POWERS
from sim.mechanisms.governance.decisions import DECISION_LEVELS
from sim.mechanisms.governance.presets import GOVERNANCE_PRESETS
from sim.mechanisms.organisation import LEGAL_FORMS
from sim.mechanisms.people import engagement, membership, participation, service, users, workforce
from sim.mechanisms.people.membership import MEMBERSHIP_RULES
from sim.parameter import Param, _fmt

# re-exported: the names callers have always taken from here
__all__ = ["DECISION_LEVELS", "GOVERNANCE_PRESETS", "LEGAL_FORMS", "MEMBERSHIP_RULES",
           "REGISTRY", "REP_BODY_POWERS", "Param", "Values", "_fmt", "defaults", "markdown_table",
           "view"]

MODULES = (organisation, workforce, commissioning, procurement, finance, growth, market, membership,
           engagement, service, participation, users, presets, decisions, public_sector, bodies,
           elections, cycle, surplus, metrics)

_PARAMS: list[Param] = [p for module in MODULES for p in module.PARAMS]

REGISTRY: dict[str, Param] = {p.key: p for p in _PARAMS}
assert len(REGISTRY) == len(_PARAMS), "duplicate parameter key"


# --- the typed view ---------------------------------------------------------------------------

def _tree(params: list[Param]) -> dict:
    tree: dict = {}
    for p in params:
        *path, leaf = p.key.split(".")
        node = tree
        for part in path:
            node = node.setdefault(part, {})
        node[leaf] = p
    return tree


def _view_class(name: str, tree: dict) -> type:
    """A frozen, slotted dataclass for one key prefix; registered in this module so that a
    view pickles (batch workers send models back)."""
    specs = []
    for attr, sub in tree.items():
        if isinstance(sub, Param):
            specs.append((attr, sub.kind))
        else:
            specs.append((attr, _view_class(name + "".join(
                w.capitalize() for w in attr.split("_")), sub)))
    cls = make_dataclass(name, specs, frozen=True, slots=True, module=__name__)
    cls.__doc__ = f"Typed view of the parameters under {name!r} (sim/params.py)."
    globals()[name] = cls
    return cls


Values = _view_class("Values", _tree(_PARAMS))


def _fill(cls: type, values: Mapping[str, Any], prefix: str):
    kwargs = {}
    for f in fields(cls):
        if is_dataclass(f.type):
            kwargs[f.name] = _fill(f.type, values, f"{prefix}{f.name}.")
        else:
            kwargs[f.name] = values[prefix + f.name]
    return cls(**kwargs)


def view(values: Mapping[str, Any]) -> Values:
    """The typed view of a flat {dotted key: value} mapping holding every registered key
    (``model.params``; docs/ODD.md §2, "State and parameters")."""
    return _fill(Values, values, "")


def defaults() -> dict[str, Any]:
    """Flat {dotted key: default} for every registered parameter."""
    return {p.key: p.default for p in _PARAMS}


def markdown_table() -> str:
    """The registry as the Markdown document docs/parameters.md."""
    lines = [
        "# Parameters",
        "",
        "Generated from `sim/params.py` by `mutualsim params --markdown`; do not edit by hand",
        "(`make docs` regenerates it, and a test fails when it is out of date).",
        "",
        "| key | default | unit | range | source | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for p in _PARAMS:
        cells = [f"`{p.key}`", f"`{_fmt(p.default)}`", p.unit, p.range_text, p.source, p.doc]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
