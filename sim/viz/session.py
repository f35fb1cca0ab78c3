"""What the trainers' page is showing, as plain Python (no Solara): a scenario, the lever
values, a seed, and one model — or two, A and B, that differ in exactly one lever.

Keeping this apart from the page lets it be tested without a browser, and keeps the model
free of any UI import.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from sim.model import MutualModel
from sim.params import _fmt
from sim.scenario import Scenario, ScenarioError, bundled_names, load_scenario
from sim.viz.levers import LEVERS, LEVERS_BY_KEY, accept, other_value


@dataclass(frozen=True)
class Setup:
    """Everything that defines a run on the page; changing any of it restarts at month 0."""

    scenario: str
    seed: int = 0
    levers: tuple[tuple[str, Any], ...] = ()
    compare: tuple[str, Any] | None = None  # (lever key, value for copy B)

    @property
    def lever_values(self) -> dict[str, Any]:
        return dict(self.levers)

    def with_lever(self, key: str, value: Any) -> Setup:
        """A copy with one lever moved; out-of-range values raise ScenarioError."""
        values = self.lever_values
        values[key] = accept(key, value)
        return replace(self, levers=tuple(values.items()))

    def with_compare(self, key: str | None, value: Any = None) -> Setup:
        if key is None:
            return replace(self, compare=None)
        if value is None:
            value = other_value(key, self.lever_values[key])
        return replace(self, compare=(key, accept(key, value)))

    def with_seed(self, seed: int) -> Setup:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ScenarioError(f"seed: must be a non-negative whole number, got {seed!r}")
        return replace(self, seed=seed)


def setup_for(scenario: str, seed: int = 0) -> tuple[Setup, Scenario]:
    """A fresh setup whose levers sit at the scenario's own values (ScenarioError if the
    scenario cannot be loaded)."""
    loaded = load_scenario(scenario)
    levers = tuple((lever.key, loaded[lever.key]) for lever in LEVERS)
    return Setup(scenario, seed, levers), loaded


def scenario_choices(extra: str | None = None) -> list[tuple[str, str]]:
    """(value, text) for the scenario picker: bundled scenarios with their descriptions, plus
    a scenario file given on the command line."""
    from sim.scenario import describe_bundled

    out = [(name, f"{name} — {text}" if text else name) for name, text in describe_bundled()]
    if extra and extra not in bundled_names():
        out.append((extra, f"{extra} (file)"))
    return out


class Workshop:
    """The model(s) built from a :class:`Setup`; ``models`` is [(label, model), ...]."""

    def __init__(self, setup: Setup):
        self.setup = setup
        scenario = load_scenario(setup.scenario).with_overrides(setup.lever_values, "lever")
        self.scenario = scenario
        self.models: list[tuple[str, MutualModel]] = []
        if setup.compare is None:
            self.models.append(("", MutualModel(scenario, rng=setup.seed)))
        else:
            key, b_value = setup.compare
            label = LEVERS_BY_KEY[key].label
            a_value = scenario[key]
            b = scenario.with_overrides({key: b_value}, "lever")
            self.models.append((f"A: {label} = {_fmt(a_value)}",
                                MutualModel(scenario, rng=setup.seed)))
            self.models.append((f"B: {label} = {_fmt(b_value)}", MutualModel(b, rng=setup.seed)))

    @property
    def month(self) -> int:
        return self.models[0][1].month

    @property
    def horizon(self) -> int:
        return self.scenario["months"]

    @property
    def running(self) -> bool:
        return any(model.running for _, model in self.models)

    def step(self, months: int = 1) -> None:
        """Advance every model by up to ``months`` months (not past the horizon)."""
        for _ in range(months):
            if not self.running:
                return
            for _, model in self.models:
                if model.running:
                    model.step()


def timeseries(model: MutualModel) -> pd.DataFrame:
    return model.datacollector.get_model_vars_dataframe().reset_index(drop=True)


def recent_events(model: MutualModel, n: int = 40) -> list[str]:
    """The newest ``n`` events, newest first, as 'month 14: ...' lines."""
    return [f"month {e['month']}: {e['text']}" for e in reversed(model.events[-n:])]
