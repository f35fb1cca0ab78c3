"""The levers a trainer can move in the app, declared as registry keys (docs/training.md).

Each lever is one line: a group heading, a parameter key from :data:`sim.params.REGISTRY` and a
short plain-language label. Unit, range, allowed values and the tooltip text (meaning and
source) all come from the registry, so a lever can never offer a value the model would refuse.
A new lever is one line here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.params import REGISTRY, Param, _fmt
from sim.scenario import check_value


@dataclass(frozen=True)
class Lever:
    group: str
    key: str
    label: str

    @property
    def param(self) -> Param:
        return REGISTRY[self.key]

    @property
    def widget(self) -> str:
        """'select', 'checkbox', 'int' or 'float' (the kind of input the page shows)."""
        p = self.param
        if p.choices:
            return "select"
        if p.kind is bool:
            return "checkbox"
        return "int" if p.kind is int else "float"

    @property
    def step(self) -> float:
        """Slider step: whole numbers for counts, about 1/100 of the range for rates."""
        p = self.param
        span = (p.high or 0) - (p.low or 0)
        if p.kind is int:
            return max(1, int(span // 200))
        for step in (0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0,
                     50.0, 100.0, 250.0, 500.0, 1000.0):
            if span / step <= 200:
                return step
        return span / 100

    def snapped(self, old: Any, new: Any) -> bool:
        """True when a slider merely moved an off-grid value onto its step grid (a slider
        does so when it is drawn): not a trainer's move, so the page ignores it."""
        if self.widget not in ("int", "float"):
            return False
        low, step = self.param.low or 0, self.step
        off_grid = abs((old - low) / step - round((old - low) / step)) > 1e-9
        return off_grid and abs(new - old) < step

    def tooltip(self) -> str:
        p = self.param
        return (f"{p.doc} Unit: {p.unit}. Range: {p.range_text}. Default: {_fmt(p.default)}. "
                f"Source: {p.source}. [{p.key}]")

    def caption(self, value: Any) -> str:
        """The lever's label with its current value and unit, e.g. 'Voice heard: 0.5 (index)'."""
        p = self.param
        if self.widget in ("select", "checkbox"):
            return f"{self.label}: {_fmt(value)}"
        return f"{self.label}: {_fmt(value)} ({p.unit}; {p.range_text})"


# One line per lever. Keep the keys in the registry; the order is the order on the page.
LEVERS: list[Lever] = [
    Lever("Membership", "membership.staff.rule", "Staff membership rule"),
    Lever("Membership", "membership.users.rule", "User membership rule"),
    Lever("Membership", "membership.staff.probation_months", "Probation before membership"),
    Lever("Membership", "membership.staff.promotion", "Promotion of membership"),
    Lever("Membership", "membership.staff.incentive", "Members' incentive (lottery)"),
    Lever("Membership", "membership.staff.ease", "Ease of joining / leaving"),
    Lever("Membership", "membership.users.promotion", "Promotion to users"),
    Lever("Engagement", "engagement.pipeline_investment", "Pipeline of engagement"),
    Lever("Engagement", "engagement.voice_heard", "Informal voice heard"),
    Lever("Engagement", "workforce.workload", "Workload"),
    Lever("Organisation", "organisation.sites", "Sites"),
    Lever("Organisation", "workforce.tupe_share", "Staff transferred in (TUPE)"),
    Lever("Organisation", "workforce.pay_index", "Pay vs public sector"),
    Lever("Governance", "governance.depth.strategy", "Deliberation depth: strategy"),
    Lever("Governance", "governance.depth.policy", "Deliberation depth: policy"),
    Lever("Governance", "governance.depth.operations", "Deliberation depth: operations"),
    Lever("Governance", "governance.rep_body.powers", "Representative body powers"),
    Lever("Governance", "governance.rep_body.staff_seats", "Staff seats on the rep. body"),
    Lever("Governance", "governance.rep_body.user_seats", "User seats on the rep. body"),
    Lever("Governance", "governance.board.staff_seats", "Staff seats on the board"),
    Lever("Governance", "governance.board.user_seats", "User seats on the board"),
    Lever("Governance", "governance.urgent_delegation", "Urgent decisions by the executive"),
    Lever("Governance", "governance.surplus.allocation", "Who allocates the surplus"),
    Lever("Governance", "governance.surplus.source", "Surplus from the books or fixed"),
    Lever("Governance", "governance.surplus.per_staff", "Fixed surplus per head"),
    Lever("Funding", "procurement.social_value_weight", "Social-value weight in bid scores"),
    Lever("Funding", "procurement.price_weight", "Price weight in bid scores"),
    Lever("Funding", "procurement.contract_years", "Contract length"),
    Lever("Funding", "procurement.efficiency_demand", "Annual efficiency demand"),
    Lever("Funding", "commissioning.officer_churn_per_year", "Commissioning officer churn"),
    Lever("Funding", "commissioning.lot_consolidation", "Services bundled per lot"),
    Lever("Funding", "commissioning.framework_turnover_multiple", "Framework turnover rule"),
    Lever("Funding", "commissioning.budget_trend_per_year", "Commissioners' budget trend"),
    Lever("Organisation", "organisation.legal_form", "Legal form"),
]

LEVERS_BY_KEY: dict[str, Lever] = {lever.key: lever for lever in LEVERS}


def groups() -> dict[str, list[Lever]]:
    out: dict[str, list[Lever]] = {}
    for lever in LEVERS:
        out.setdefault(lever.group, []).append(lever)
    return out


def accept(key: str, value: Any) -> Any:
    """The value converted to the lever's type, or a one-line ScenarioError when it is not a
    lever or is outside the registry's range or choices (the page never applies it)."""
    if key not in LEVERS_BY_KEY:
        from sim.scenario import ScenarioError

        raise ScenarioError(f"lever {key}: not a lever of the app")
    return check_value("lever", key, value)


def other_value(key: str, value: Any) -> Any:
    """A different, valid value for a lever: the default for compare mode's copy B."""
    lever = LEVERS_BY_KEY[key]
    p = lever.param
    if lever.widget == "select":
        choices = list(p.choices)
        return choices[(choices.index(value) + 1) % len(choices)]
    if lever.widget == "checkbox":
        return not value
    # numbers: the far end of the range from the current value, so the difference shows
    target = p.high if value <= (p.low + p.high) / 2 else p.low
    return p.kind(target)


# Levers that may change during a run ("now" levers, from the next month), as timed events of
# sim/timeline.py (docs/ODD.md §7): the membership rule through a 'switch' event, the others
# through 'set'. The rest shape the organisation at month 0 (sites, seats, transfers, the legal
# form) and restart the run.
NOW_KEYS: tuple[str, ...] = (
    "membership.staff.rule", "membership.staff.promotion",
    "membership.staff.incentive", "membership.staff.ease", "membership.users.promotion",
    "engagement.pipeline_investment", "engagement.voice_heard", "workforce.workload",
    "governance.depth.strategy", "governance.depth.policy", "governance.depth.operations",
    "governance.urgent_delegation", "governance.surplus.allocation",
    "procurement.efficiency_demand", "commissioning.budget_trend_per_year",
)
