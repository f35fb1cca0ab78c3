"""The parameter registry: every scenario parameter, collected from the modules that read it.

Each mechanism module declares its own ``PARAMS`` (``sim.parameter.param``: unit, default,
range or allowed values, source) beside the rules that read them; this module only collects
them, in the order below, which is the order of ``mutualsim params`` and
``docs/parameters.md``.
"""

from __future__ import annotations

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
from sim.mechanisms.people import (
    engagement,
    membership,
    participation,
    service,
    users,
    workforce,
)
from sim.mechanisms.people.membership import MEMBERSHIP_RULES
from sim.parameter import Param, _fmt

# re-exported: the names callers have always taken from here
__all__ = ["DECISION_LEVELS", "GOVERNANCE_PRESETS", "LEGAL_FORMS", "MEMBERSHIP_RULES",
           "REGISTRY", "REP_BODY_POWERS", "Param", "_fmt", "defaults", "markdown_table"]

MODULES = (organisation, workforce, commissioning, procurement, finance, growth, market, membership,
           engagement, service, participation, users, presets, decisions, public_sector, bodies,
           elections, cycle, surplus, metrics)

_PARAMS: list[Param] = [p for module in MODULES for p in module.PARAMS]

REGISTRY: dict[str, Param] = {p.key: p for p in _PARAMS}
assert len(REGISTRY) == len(_PARAMS), "duplicate parameter key"


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
