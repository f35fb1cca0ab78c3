"""Exercise presets: one click sets the page up as an exercise of ``docs/training.md`` says.

Each preset is data (a scenario, lever values, the compare lever and copy B's value, and the
changes made "now"), so the browser tests can follow the same steps a trainer would, and a new
exercise is one entry here plus its section in the guide. Bundled case scenarios
(``scenarios/cases/``) join the list as single-run presets when they are present.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.scenario import bundled_names, describe_bundled
from sim.viz.session import Setup, setup_for


@dataclass(frozen=True)
class Preset:
    name: str          # short id (in the address and the tests)
    title: str         # what the picker shows
    scenario: str
    steps: str         # what to press after picking it
    levers: dict[str, Any] = field(default_factory=dict)
    compare: tuple[str, Any] | None = None
    changes: tuple[tuple[int, str, Any, str], ...] = ()   # (month, key, value, who)

    def setup(self, seed: int = 0) -> Setup:
        setup = setup_for(self.scenario, seed)[0]
        for key, value in self.levers.items():
            setup = setup.with_lever(key, value)
        if self.compare is not None:
            setup = setup.with_compare(*self.compare)
        for month, key, value, who in self.changes:
            setup = setup.with_change(month, key, value, who)
        return setup


EXERCISES: list[Preset] = [
    Preset("ex1", "Exercise 1 — opt-out fills membership, not engagement", "opt_in",
           "Step a year five times.",
           compare=("membership.staff.rule", "opt_out")),
    Preset("ex1-now", "Exercise 1, now — switch to opt-out from month 24", "opt_in",
           "Step a year three times: the rule switches at month 24.",
           changes=((24, "membership.staff.rule", "opt_out", "both"),)),
    Preset("ex2", "Exercise 2 — voice that is heard (0.2 against 0.8)", "base",
           "Step a year five times.", levers={"engagement.voice_heard": 0.2},
           compare=("engagement.voice_heard", 0.8)),
    Preset("ex2-depth", "Exercise 2, depth — frontline decisions taken alone against with "
           "the staff", "base", "Step a year five times.",
           levers={"governance.depth.operations": 0.1},
           compare=("governance.depth.operations", 0.9)),
    Preset("ex2-strategy", "Exercise 2, strategy — shallow against deep strategy deliberation",
           "base", "Step a year five times.", levers={"governance.depth.strategy": 0.1},
           compare=("governance.depth.strategy", 0.9)),
    Preset("ex2-powers", "Exercise 2, powers — advisory body against one that appoints the "
           "board", "base", "Step a year five times.",
           levers={"governance.rep_body.powers": "advisory"},
           compare=("governance.rep_body.powers", "appoints_board")),
    Preset("ex3", "Exercise 3 — a pipeline of engagement from month 13 (copy B)", "base",
           "Step a year five times.", levers={"engagement.pipeline_investment": 0},
           compare=("engagement.pipeline_investment", 0),
           changes=((13, "engagement.pipeline_investment", 500, "B"),)),
    Preset("ex3-sites", "Exercise 3, sites — one site against 30", "base",
           "Step a year five times.", levers={"organisation.sites": 1},
           compare=("organisation.sites", 30)),
]


def presets() -> list[Preset]:
    """The exercises, then every bundled case scenario (``cases/...``) as a single run."""
    out = list(EXERCISES)
    described = dict(describe_bundled())
    for name in bundled_names():
        if name.startswith("cases/") or name.startswith("cases."):
            out.append(Preset(name, f"Case — {described.get(name) or name}", name,
                              "Play, or step a year at a time."))
    return out


def by_name(name: str) -> Preset | None:
    return next((p for p in presets() if p.name == name), None)
