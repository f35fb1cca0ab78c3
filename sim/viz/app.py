"""The trainers' app: governance trade-offs you can watch (``mutualsim viz``).

A Solara page in the Mesa SolaraViz style (controls and parameters in the sidebar, components in
the main panel) over :class:`~sim.model.MutualModel`: pick a scenario, move the levers, play,
and watch membership, the engagement ladder, psychological ownership, the Figure 5.1 quadrant,
the people themselves and a plain-language event log. **Compare** runs two copies of the same
scenario and seed that differ in one lever, side by side.

Mesa's own ``SolaraViz`` is not used as the page shell: its parameter panel rebuilds a model as
``type(model)(**params)`` (passing Mesa's own ``scenario`` object, which clashes with ours), it
cannot reset levers when a scenario is picked, carries no tooltips, and shows one model only.
The model knows nothing of this page (``sim.model`` never imports Solara).

Levers set the organisation at month 0: moving one restarts the run, so what is on screen
always follows from the settings shown.
"""

from __future__ import annotations

import os
import threading
import time

import solara
import solara.lab

from sim.metrics import IDEAL_TYPE_LABELS
from sim.params import _fmt
from sim.scenario import ScenarioError, load_scenario
from sim.viz import charts, session
from sim.viz.levers import LEVERS, LEVERS_BY_KEY, Lever, groups

SCENARIO_ENV = "MUTUALSIM_VIZ_SCENARIO"  # set by `mutualsim viz SCENARIO`
SPEEDS = {"1 month": 1, "3 months": 3, "1 year": 12}
FRAME_SECONDS = 0.4  # pause between frames while playing


def _css_name(key: str) -> str:
    return key.replace(".", "-").replace("_", "-")


def _first_setup() -> tuple[session.Setup | None, str | None, str]:
    """The scenario from the command line, or a one-line message if it cannot be loaded."""
    ref = os.environ.get(SCENARIO_ENV) or "base"
    try:
        setup, _ = session.setup_for(ref)
        return setup, None, ref
    except ScenarioError as exc:
        return None, f"Cannot load scenario: {exc}", ref


class _Live:
    """A :class:`~sim.viz.session.Workshop` plus a lock: the play thread steps it while the
    page draws it."""

    def __init__(self, setup: session.Setup):
        self.workshop = session.Workshop(setup)
        self.lock = threading.Lock()

    def step(self, months: int) -> None:
        with self.lock:
            self.workshop.step(months)


# --- sidebar ----------------------------------------------------------------------------------

@solara.component
def LeverInput(lever: Lever, value, on_value, prefix: str = "lever"):
    """One lever: a slider, select or checkbox whose range comes from the registry; the
    tooltip gives the meaning, unit, range and source."""
    p = lever.param
    with solara.Column(classes=[f"{prefix}-{_css_name(lever.key)}", "lever"], gap="0px"):
        with solara.Tooltip(lever.tooltip()):
            solara.Text(lever.caption(value), classes=["lever-caption"],
                        style={"font-size": "0.85em"})
        if lever.widget == "select":
            solara.Select(label="", values=list(p.choices), value=value, on_value=on_value,
                          dense=True)
        elif lever.widget == "checkbox":
            solara.Checkbox(label=lever.label, value=value, on_value=on_value)
        elif lever.widget == "int":
            solara.SliderInt(label="", value=int(value), min=int(p.low), max=int(p.high),
                             step=int(lever.step), on_value=on_value, thumb_label=False)
        else:
            solara.SliderFloat(label="", value=float(value), min=p.low, max=p.high,
                               step=lever.step, on_value=on_value, thumb_label=False)


@solara.component
def ScenarioPicker(current: str, extra: str, on_pick):
    items = [{"text": text, "value": value} for value, text in session.scenario_choices(extra)]
    with solara.Column(classes=["scenario-picker"]):
        solara.v.Select(label="Scenario", items=items, v_model=current, on_v_model=on_pick,
                        dense=True, hide_details=True)


@solara.component
def About(ref: str):
    try:
        about = load_scenario(ref).about
    except ScenarioError:
        return
    with solara.Column(classes=["scenario-about"], gap="2px", style={"font-size": "0.85em"}):
        solara.Text(about.get("title", ref), style={"font-weight": "bold"})
        if about.get("description"):
            solara.Text(about["description"])
        if about.get("notice"):
            solara.Text(f"Notice: {about['notice']}")
        if about.get("try"):
            solara.Text(f"Try: {about['try']}")


@solara.component
def Controls(live: _Live, playing, speed, on_step, on_reset, on_seed):
    w = live.workshop
    with solara.Column(classes=["controls"], gap="4px"):
        with solara.Row():
            solara.Button("Pause" if playing.value else "Play", color="primary",
                          on_click=lambda: playing.set(not playing.value),
                          disabled=not w.running, classes=["btn-play"])
            solara.Button("Step", on_click=lambda: on_step(1),
                          disabled=playing.value or not w.running, classes=["btn-step"])
            solara.Button("Step a year", on_click=lambda: on_step(12),
                          disabled=playing.value or not w.running, classes=["btn-year"])
            solara.Button("Reset", on_click=on_reset, classes=["btn-reset"])
        solara.ToggleButtonsSingle(value=speed.value, values=list(SPEEDS),
                                   on_value=speed.set, dense=True)
        solara.InputInt("Seed (same seed, same run)", value=w.setup.seed, on_value=on_seed,
                        dense=True, classes=["seed"])


@solara.component
def CompareBox(setup: session.Setup, on_compare):
    keys = [lever.key for lever in LEVERS]
    labels = {lever.label: lever.key for lever in LEVERS}
    with solara.Column(classes=["compare-box"], gap="4px"):
        solara.Checkbox(label="Compare: two copies, one lever different",
                        value=setup.compare is not None,
                        on_value=lambda on: on_compare(keys[0] if on else None, None))
        if setup.compare is None:
            return
        key, b_value = setup.compare
        lever = LEVERS_BY_KEY[key]
        solara.Select(label="Lever that differs in B", values=list(labels),
                      value=lever.label, on_value=lambda text: on_compare(labels[text], None),
                      dense=True)
        solara.Text(f"A: {_fmt(setup.lever_values[key])} (the lever below)",
                    style={"font-size": "0.85em"})
        LeverInput(lever, b_value, lambda v: on_compare(key, v), prefix="compare")


# --- main panel -------------------------------------------------------------------------------

@solara.component
def Chart(figure, css: str, deps):
    with solara.Card(classes=[f"chart-{css}", "chart"], margin=1, elevation=1):
        if figure is None:
            solara.Text("Finances and contracts appear here when the model has them "
                        "(the funding side).", style={"color": "grey"})
        else:
            solara.FigureMatplotlib(figure, format="png", dependencies=deps)


@solara.component
def EventLog(lines: list[str]):
    with solara.Card("What happened", classes=["event-log"], margin=1, elevation=1):
        with solara.Column(gap="2px", style={"max-height": "260px", "overflow-y": "auto",
                                             "font-size": "0.85em"}):
            for line in lines:
                solara.Text(line, classes=["event-line"])


def _snapshot(live: _Live) -> list[dict]:
    """What each model shows, read under the lock so a playing thread cannot tear it."""
    out = []
    with live.lock:
        w = live.workshop
        for label, model in w.models:
            out.append({"label": label, "ts": session.timeseries(model),
                        "events": session.recent_events(model), "latest": dict(model.latest),
                        "people": charts.people(model),
                        "threshold": model.p["indices.threshold"]})
    return out


@solara.component
def ModelView(view: dict, horizon: int, deps, compact: bool):
    ts = view["ts"]
    latest = view["latest"]
    ideal = IDEAL_TYPE_LABELS.get(latest.get("ideal_type"), "")
    with solara.Column(gap="4px"):
        if view["label"]:
            solara.Text(view["label"], classes=["copy-label"],
                        style={"font-weight": "bold", "font-size": "1.1em"})
        solara.Text(f"Staff membership {100 * latest['staff_membership_rate']:.0f} % · active "
                    f"{100 * latest['active_share']:.0f} % · ownership "
                    f"{latest['mean_ownership']:.2f} · {ideal}", classes=["summary-line"],
                    style={"font-size": "1em"})
        figures = [(charts.membership(ts, horizon), "membership"),
                   (charts.ladder(ts, horizon), "ladder"),
                   (charts.ownership(ts, horizon), "ownership"),
                   (charts.quadrant(ts, view["threshold"]), "quadrant"),
                   (view["people"], "people"),
                   (charts.finances(ts, horizon), "finances")]
        if compact:  # one column per copy: charts stacked
            for figure, css in figures:
                if figure is not None:
                    Chart(figure, css, deps)
        else:
            for row in range(0, len(figures), 2):
                with solara.Columns([1, 1]):
                    for figure, css in figures[row:row + 2]:
                        Chart(figure, css, deps)
        EventLog(view["events"])


# --- the page ---------------------------------------------------------------------------------

@solara.component
def Page():
    first = solara.use_memo(_first_setup, [])
    setup, set_setup = solara.use_state(first[0])
    message, set_message = solara.use_state(first[1])
    generation, set_generation = solara.use_state(0)  # Reset rebuilds the same setup
    tick, set_tick = solara.use_state(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive("1 month")
    live = solara.use_memo(lambda: _Live(setup) if setup else None, [setup, generation])

    def play():
        while playing.value and live is not None and live.workshop.running:
            time.sleep(FRAME_SECONDS)
            if not playing.value:  # paused during the pause between frames: no extra month
                break
            live.step(SPEEDS[speed.value])
            set_tick(lambda t: t + 1)
        playing.set(False)

    solara.lab.use_task(play, dependencies=[playing.value, live], prefer_threaded=True)

    def change(make):
        """Apply a change to the setup; bad input becomes the page's one-line message."""
        try:
            new = make()
        except ScenarioError as exc:
            set_message(str(exc))
            return
        playing.set(False)
        set_message(None)
        set_setup(new)

    def pick(ref):
        change(lambda: session.setup_for(ref, setup.seed if setup else 0)[0])

    def step(months):
        live.step(months)
        set_tick(tick + 1)

    with solara.AppBar():
        solara.AppBarTitle("mutualsim — governance trade-offs you can watch")

    with solara.Sidebar():
        with solara.Card("Scenario", margin=0):
            ScenarioPicker(setup.scenario if setup else first[2], first[2], pick)
            About(setup.scenario if setup else first[2])
        if live is not None:
            with solara.Card("Run", margin=0):
                Controls(live, playing, speed, step,
                         lambda: (playing.set(False), set_generation(generation + 1)),
                         lambda seed: change(lambda: setup.with_seed(seed)))
            with solara.Card("Compare", margin=0):
                CompareBox(setup, lambda key, value: change(lambda: setup.with_compare(
                    key, value)))
            with solara.Card("Levers (set month 0; moving one restarts)", margin=0):
                values = setup.lever_values
                for group, members in groups().items():
                    solara.Text(group, style={"font-weight": "bold", "margin-top": "6px"})
                    for lever in members:
                        LeverInput(lever, values[lever.key],
                                   lambda v, k=lever.key: change(lambda: setup.with_lever(k, v)))

    with solara.Column(classes=["main-panel"]):
        if message:
            solara.Error(message, classes=["app-message"])
        if live is None:
            solara.Text("Pick a bundled scenario on the left to start.")
            return
        w = live.workshop
        solara.Text(f"Month {w.month} of {w.horizon} · seed {w.setup.seed} · scenario "
                    f"'{w.setup.scenario}'", classes=["status"],
                    style={"font-size": "1.2em"})
        views = _snapshot(live)
        deps = [tick, setup, generation]
        if len(views) == 1:
            ModelView(views[0], w.horizon, deps, compact=False)
        else:
            Chart(charts.compare([(v["label"], v["ts"]) for v in views], w.horizon),
                  "compare", deps)
            with solara.Columns([1, 1], classes=["compare-view"]):
                for view in views:
                    ModelView(view, w.horizon, deps, compact=True)
