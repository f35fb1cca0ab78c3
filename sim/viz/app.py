"""The trainers' app: governance trade-offs you can watch (``mutualsim viz``).

A Solara page in the Mesa SolaraViz style (controls and parameters in the sidebar, components in
the main panel) over :class:`~sim.model.MutualModel`: pick an exercise or a scenario, move the
levers, play, and watch membership, the engagement ladder, psychological ownership, the
Figure 5.1 path, decisions, money and the people themselves, with the key moments pinned above a
full, filterable log. **Compare** runs two copies of the same scenario and seed on common random
numbers that differ in one lever, side by side, and says where and why they part.

Charts are Vega-Lite specifications (:mod:`sim.viz.charts`) drawn in the browser; the server
sends numbers only. The page's address carries the whole setup (``?scenario=…&seed=…``), so a
reload, a bookmark or a link sent to a co-trainer opens the same run.

Mesa's own ``SolaraViz`` is not used as the page shell: its parameter panel rebuilds a model as
``type(model)(**params)`` (passing Mesa's own ``scenario`` object, which clashes with ours), it
cannot reset levers when a scenario is picked, carries no tooltips, and shows one model only.
The model knows nothing of this page (``sim.model`` never imports Solara).

Levers set the organisation at month 0: moving one restarts the run, so what is on screen
always follows from the settings shown. "Now" levers change a running model from the next month
and are kept in the setup, so Reset and a reload replay them at the same month.
"""

from __future__ import annotations

import html
import os
import threading
import time
from dataclasses import replace

import solara
import solara.lab
import traitlets

from sim.metrics import IDEAL_TYPE_LABELS
from sim.params import _fmt
from sim.scenario import ScenarioError, load_scenario
from sim.values import one_line
from sim.viz import charts, presets, session
from sim.viz.levers import LEVERS, LEVERS_BY_KEY, NOW_KEYS, Lever, groups

SCENARIO_ENV = "MUTUALSIM_VIZ_SCENARIO"  # set by `mutualsim viz SCENARIO`
SPEEDS = {"1 month": 1, "3 months": 3, "1 year": 12}  # months per frame while playing
FRAME_SECONDS = 0.2  # at most five frames a second while playing

CSS = """
nav.solara-content-main { min-width: 340px !important; max-width: 340px !important;
                          width: 340px !important; }
.v-application { font-size: 16px; }
.status { font-size: 1.3em !important; font-weight: 500; }
.summary-line { font-size: 1.05em; }
.chart { padding: 6px 10px 4px 10px; }
.chart .vega-embed { width: 100%; }
.chart .vega-embed summary { opacity: 0.7; }
.story-card { padding: 6px 12px; }
.story-card h3 { font-size: 1.05em; margin: 2px 0 4px 0; }
.key-moments, .log-lines { overflow-y: auto; font-size: 0.95em; line-height: 1.35; }
.key-moments { max-height: 170px; }
.log-lines { max-height: 300px; }
.key-moments div, .log-lines div { padding: 1px 0; }
.why-differ { font-size: 1em; line-height: 1.4; }
.why-differ li { margin-left: 1.2em; }
.lever-caption { font-size: 0.9em; }
.exercise-steps { font-size: 0.9em; margin-bottom: 14px; }  /* clear of the Scenario label */
"""


def _css_name(key: str) -> str:
    return key.replace(".", "-").replace("_", "-").replace("/", "-")


def _first_setup(query: str | None) -> tuple[session.Setup | None, str | None, str]:
    """The setup in the page's address, else the scenario from the command line; or a
    one-line message if it cannot be loaded."""
    ref = os.environ.get(SCENARIO_ENV) or "base"
    try:
        if query:
            return session.from_query(query, ref), None, ref
        setup, _ = session.setup_for(ref)
        return setup, None, ref
    except ScenarioError as exc:
        try:  # a bad address still opens the command line's scenario, with the message
            fallback = session.setup_for(ref)[0] if query else None
            return fallback, f"Cannot load: {one_line(exc)}", ref
        except ScenarioError:
            return None, f"Cannot load scenario: {one_line(exc)}", ref


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
    slide = lambda v: None if lever.snapped(value, v) else on_value(v)  # noqa: E731
    with solara.Column(classes=[f"{prefix}-{_css_name(lever.key)}", "lever"], gap="0px"):
        with solara.Tooltip(lever.tooltip()):
            solara.Text(lever.caption(value), classes=["lever-caption"])
        if lever.widget == "select":
            solara.Select(label="", values=list(p.choices), value=value, on_value=on_value,
                          dense=True)
        elif lever.widget == "checkbox":
            solara.Checkbox(label=lever.label, value=value, on_value=on_value)
        elif lever.widget == "int":
            solara.SliderInt(label="", value=int(value), min=int(p.low), max=int(p.high),
                             step=int(lever.step), on_value=slide, thumb_label=False)
        else:
            solara.SliderFloat(label="", value=float(value), min=p.low, max=p.high,
                               step=lever.step, on_value=slide, thumb_label=False)


@solara.component
def ExercisePicker(on_pick):
    items = [{"text": p.title, "value": p.name} for p in presets.presets()]
    chosen, set_chosen = solara.use_state(None)
    with solara.Column(classes=["exercise-picker"], gap="2px"):
        solara.v.Select(label="Exercise (sets everything up)", items=items, v_model=chosen,
                        on_v_model=lambda name: (set_chosen(name), on_pick(name)),
                        dense=True, hide_details=True)
        preset = presets.by_name(chosen) if chosen else None
        if preset is not None:
            solara.Text(f"Then: {preset.steps}", classes=["exercise-steps"])


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
    with solara.Column(classes=["scenario-about"], gap="2px", style={"font-size": "0.9em"}):
        solara.Text(about.get("title", ref), style={"font-weight": "bold"})
        if about.get("description"):
            solara.Text(about["description"])
        if about.get("notice"):
            solara.Text(f"Notice: {about['notice']}")
        if about.get("try"):
            solara.Text(f"Try: {about['try']}")


@solara.component
def Controls(live: _Live, playing, speed, on_step, on_reset, on_reset_levers, on_seed):
    w = live.workshop
    with solara.Column(classes=["controls"], gap="4px"):
        with solara.Row(gap="4px", style={"flex-wrap": "wrap"}):
            solara.Button("Pause" if playing.value else "Play", color="primary",
                          on_click=lambda: playing.set(not playing.value),
                          disabled=not w.running, classes=["btn-play"])
            solara.Button("Step", on_click=lambda: on_step(1),
                          disabled=playing.value or not w.running, classes=["btn-step"])
            solara.Button("Step a year", on_click=lambda: on_step(12),
                          disabled=playing.value or not w.running, classes=["btn-year"])
        with solara.Row(gap="4px", style={"flex-wrap": "wrap"}):
            solara.Button("Reset run", on_click=on_reset, classes=["btn-reset"],
                          outlined=True)
            solara.Button("Reset levers", on_click=on_reset_levers,
                          classes=["btn-reset-levers"], outlined=True)
        solara.Text("Play speed (months per frame, 5 frames a second):",
                    style={"font-size": "0.85em"})
        solara.ToggleButtonsSingle(value=speed.value, values=list(SPEEDS),
                                   on_value=speed.set, dense=True, classes=["speed"])
        solara.InputInt("Seed (same seed, same run)", value=w.setup.seed, on_value=on_seed,
                        dense=True, classes=["seed"])
        name = f"mutualsim-{_css_name(w.setup.scenario)}-seed{w.setup.seed}"
        solara.FileDownload(lambda: session.csv_bytes(live.workshop.models),
                            filename=f"{name}.csv", label="Download CSV (every month)",
                            mime_type="text/csv")


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
                      dense=True, classes=["compare-lever"])
        solara.Text(f"A: {_fmt(setup.lever_values[key])} (the lever below)",
                    style={"font-size": "0.85em"})
        LeverInput(lever, b_value, lambda v: on_compare(key, v), prefix="compare")


@solara.component
def NowBox(setup: session.Setup, live: _Live, scenario_events: list[str], on_change):
    """Change something during the run: a timed event (sim/timeline.py) from the next month —
    a lever takes a new value, the membership rule switches, or the core contract is
    withdrawn, re-tendered, brought in house or cut."""
    now_levers = [LEVERS_BY_KEY[k] for k in NOW_KEYS]
    labels = {lever.label: lever.key for lever in now_levers}
    kinds = ["a lever takes a new value", *session.EVENT_CHOICES]
    kind, set_kind = solara.use_state(kinds[1])
    key, set_key = solara.use_state(NOW_KEYS[0])
    value, set_value = solara.use_state(None)
    enrol, set_enrol = solara.use_state(True)
    who, set_who = solara.use_state("both")
    if kind == kinds[1]:  # the switch: its lever is the staff membership rule
        lever = LEVERS_BY_KEY["membership.staff.rule"]
    else:
        lever = LEVERS_BY_KEY[key]
    current = setup.lever_values[lever.key]
    shown = current if value is None else value
    if kind == kinds[1] and value is None:
        shown = "opt_out" if current != "opt_out" else "opt_in"
    target = who if setup.compare else "both"

    def apply():
        month = live.workshop.month  # read at the click: the sidebar does not redraw per tick
        if kind in (kinds[0], kinds[1]):
            on_change(lambda s: s.with_change(month + 1, lever.key, shown, target, enrol))
        else:
            on_change(lambda s: s.with_event(month + 1, session.EVENT_CHOICES[kind], target))

    with solara.Column(classes=["now-box"], gap="4px"):
        solara.Select(label="What happens", values=kinds, value=kind,
                      on_value=lambda k: (set_kind(k), set_value(None)), dense=True,
                      classes=["now-kind"])
        if kind == kinds[0]:
            solara.Select(label="Lever", values=[lv for lv in labels if labels[lv] !=
                                                 "membership.staff.rule"],
                          value=lever.label,
                          on_value=lambda text: (set_key(labels[text]), set_value(None)),
                          dense=True, classes=["now-lever"])
        if kind in (kinds[0], kinds[1]):
            LeverInput(lever, shown, set_value, prefix="now")
        if kind == kinds[1]:
            solara.Checkbox(label="enrol existing staff at once", value=enrol,
                            on_value=set_enrol)
        if setup.compare is not None:
            solara.ToggleButtonsSingle(value=who, values=list(session.WHO), on_value=set_who,
                                       dense=True, classes=["now-who"])
        solara.Button("Apply from next month", color="primary", outlined=True,
                      on_click=apply, classes=["btn-now"])
        for change in setup.changes:
            solara.Text(change.text(), classes=["now-change"], style={"font-size": "0.85em"})
        for line in scenario_events:
            solara.Text(f"scenario: {line}", classes=["scenario-event"],
                        style={"font-size": "0.85em", "color": "grey"})


def _scenario_events(w: session.Workshop) -> list[str]:
    """The scenario file's own [[events]] (they run in every copy)."""
    return [f"month {e['month']}: {e['what']} " + ", ".join(
        f"{k}={v}" for k, v in e.items() if k not in ("month", "what", "origin", "note"))
        for e in w.scenario.events]


# --- main panel -------------------------------------------------------------------------------

class _Opaque:
    """A chart's Vega-Lite spec, hidden from the renderer: reacton walks every dict and list
    in an element's arguments looking for child elements, and a page's specs hold thousands
    of data records — measured, that walk cost about half of a Play frame's server time."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class _VegaLite(solara.widgets.VegaLite):
    """Solara's Vega-Lite widget fed through an opaque holder (a new holder each render, so
    every redraw reaches the browser as before)."""

    holder = traitlets.Any(None)  # not synced: only its spec goes to the browser

    @traitlets.observe("holder")
    def _push(self, change):
        self.spec = change.new.value if change.new is not None else {}


def Chart(spec, css: str):
    """A chart card (an element whose arguments reacton need not walk)."""
    return _Chart(_Opaque(spec), css)


@solara.component
def _Chart(spec: _Opaque, css: str):
    with solara.Card(classes=[f"chart-{css}", "chart"], margin=0, elevation=1):
        if spec.value is None:
            solara.Text("This model has no such outputs.", style={"color": "grey"})
        else:
            _VegaLite.element(holder=spec)


def _lines_html(lines: list[str], css: str) -> str:
    body = "".join(f'<div class="event-line">{html.escape(line)}</div>' for line in lines)
    return f'<div class="{css}">{body or "<div>(none yet)</div>"}</div>'


@solara.component
def KeyMoments(lines: list[str]):
    with solara.Card(classes=["key-moments-card", "story-card"], margin=0, elevation=1):
        solara.HTML(tag="h3", unsafe_innerHTML="Key moments")
        solara.HTML(tag="div", unsafe_innerHTML=_lines_html(lines, "key-moments"))


@solara.component
def FullLog(lines: list[str], title: str = "Full log"):
    with solara.Card(classes=["event-log", "story-card"], margin=0, elevation=1):
        solara.HTML(tag="h3", unsafe_innerHTML=f"{html.escape(title)} ({len(lines)} shown)")
        solara.HTML(tag="div", unsafe_innerHTML=_lines_html(lines, "log-lines"))


@solara.component
def LogFilters(themes, search):
    with solara.Row(classes=["log-filters"], gap="8px", style={"flex-wrap": "wrap",
                                                              "align-items": "center"}):
        solara.ToggleButtonsMultiple(value=themes.value, values=list(session.THEMES),
                                     on_value=themes.set, dense=True, classes=["log-themes"])
        solara.InputText("Search the log", value=search.value, on_value=search.set,
                         continuous_update=True, classes=["log-search"])


@solara.component
def WhyTheyDiffer(why: dict, setup: session.Setup):
    key, b_value = setup.compare
    lever = LEVERS_BY_KEY[key]
    own = [c for c in setup.changes if c.who != "both"]
    if setup.lever_values[key] != b_value or not own:
        what = (f"<b>Only one setting differs:</b> {html.escape(lever.label)} — "
                f"A {html.escape(_fmt(setup.lever_values[key]))}, "
                f"B {html.escape(_fmt(b_value))}.")
    else:
        what = "<b>The copies differ only by the change(s) made in one copy:</b> "
    if own:
        what += " Changes in one copy: " + "; ".join(
            html.escape(f"copy {c.who} {c.text()}") for c in own) + "."
    parts = [what + " Same seed and the same random numbers every month, so everything else "
             "on screen follows from that and what it set off:"]
    if why["month"] is None:
        parts.append("<div class='why-first'>So far the two copies have logged the same "
                     "events.</div>")
    else:
        parts.append(f"<div class='why-first'><b>The copies part at month {why['month']}."
                     "</b></div>")
        for tag, lines in (("A", why["only_a"]), ("B", why["only_b"])):
            if lines:
                items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
                parts.append(f"<div class='why-only-{tag.lower()}'>Only in {tag}:"
                             f"<ul>{items}</ul></div>")
    for tag, lines in (("A", why.get("turning_a", [])), ("B", why.get("turning_b", []))):
        if lines:
            items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
            parts.append(f"<div class='why-turning-{tag.lower()}'>Turning points only in {tag}"
                         f" (contracts, growth, pay, changes):<ul>{items}</ul></div>")
    if why["numbers"]:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in why["numbers"])
        parts.append(f"<div class='why-numbers'>Headline numbers:<ul>{items}</ul></div>")
    with solara.Card(classes=["why-card", "story-card"], margin=0, elevation=1):
        solara.HTML(tag="h3", unsafe_innerHTML="Why A and B differ")
        solara.HTML(tag="div", unsafe_innerHTML=f"<div class='why-differ'>{''.join(parts)}"
                                                "</div>")


def _snapshot(live: _Live, themes: list[str], search: str) -> list[dict]:
    """What each model shows, built under the lock so a playing thread cannot tear it."""
    out = []
    with live.lock:
        w = live.workshop
        for label, model in w.models:
            ts = session.timeseries(model)
            out.append({
                "label": label, "ts": ts, "latest": dict(model.latest),
                "key": session.key_moments(model),
                "log": session.log_lines(model, themes, search),
                "specs": _Opaque([(charts.membership(ts, w.horizon), "membership"),
                          (charts.ladder(ts, w.horizon), "ladder"),
                          (charts.ownership(ts, w.horizon), "ownership"),
                          (charts.quadrant(ts, model.params.indices.threshold), "quadrant"),
                          (charts.people(model), "people"),
                          (charts.finances(ts, w.horizon), "finances"),
                          (charts.decisions(ts, w.horizon), "decisions")])})
        if len(w.models) == 2:
            out[0]["why"] = session.why_they_differ(w.models[0][1], w.models[1][1])
    return out


@solara.component
def ModelView(view: dict, compact: bool):
    latest = view["latest"]
    ideal = IDEAL_TYPE_LABELS.get(latest.get("ideal_type"), "")
    with solara.Column(gap="8px"):
        if view["label"]:
            solara.Text(view["label"], classes=["copy-label"],
                        style={"font-weight": "bold", "font-size": "1.15em"})
        solara.Text(f"{latest.get('headcount', 0)} staff · membership "
                    f"{100 * latest['staff_membership_rate']:.0f} % · active "
                    f"{100 * latest['active_share']:.0f} % · ownership "
                    f"{latest['mean_ownership']:.2f} · {ideal}", classes=["summary-line"])
        KeyMoments(view["key"])
        specs = [(s, css) for s, css in view["specs"].value if s is not None]
        if compact:  # one column per copy: charts stacked
            for spec, css in specs:
                Chart(spec, css)
        else:
            for row in range(0, len(specs), 2):
                with solara.Columns([1, 1], gutters_dense=True):
                    for spec, css in specs[row:row + 2]:
                        Chart(spec, css)


# --- the page ---------------------------------------------------------------------------------

@solara.component
def Page():
    router = solara.use_router()
    first = solara.use_memo(lambda: _first_setup(router.search), [])
    setup, set_setup = solara.use_state(first[0])
    message, set_message = solara.use_state(first[1])
    generation, set_generation = solara.use_state(0)  # Reset rebuilds the same setup
    # ticks are read by the main panel only, so a Play frame redraws the charts, not the
    # sidebar's forty-odd levers
    tick = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive("1 month")
    themes = solara.use_reactive(list(session.THEMES))
    search = solara.use_reactive("")
    # a change "now" lies in the run's future: it is added to the running workshop, so the
    # run is rebuilt only when the rest of the setup changes (or on Reset)
    base = replace(setup, changes=()) if setup else None
    live = solara.use_memo(lambda: _Live(setup) if setup else None, [base, generation])

    def push_address():
        if setup is not None:
            query = session.to_query(setup)
            if (router.search or "") != query:
                router.push(f"{router.path}?{query}")
    solara.use_effect(push_address, [setup])

    def play():
        while playing.value and live is not None and live.workshop.running:
            start = time.monotonic()
            live.step(SPEEDS[speed.value])
            tick.set(tick.value + 1)
            rest = FRAME_SECONDS - (time.monotonic() - start)
            if rest > 0:
                time.sleep(rest)
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
        set_generation(lambda g: g + 1)

    def pick(ref):
        change(lambda: session.setup_for(ref, setup.seed if setup else 0)[0])

    def pick_exercise(name):
        preset = presets.by_name(name)
        if preset is not None:
            change(lambda: preset.setup(setup.seed if setup else 0))

    def step(months):
        live.step(months)
        tick.set(tick.value + 1)

    def now_change(make):
        """A change from the next month: kept in the setup; the run so far is kept too
        (the change lies in its future, so replaying the setup gives the same months)."""
        try:
            new = make(setup)
        except ScenarioError as exc:
            set_message(str(exc))
            return
        set_message(None)
        with live.lock:
            live.workshop.setup = new
        set_setup(new)

    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle("mutualsim — governance trade-offs you can watch")

    with solara.Sidebar():
        with solara.Card("Exercise or scenario", margin=0):
            ExercisePicker(pick_exercise)
            ScenarioPicker(setup.scenario if setup else first[2], first[2], pick)
            About(setup.scenario if setup else first[2])
        if live is not None:
            w = live.workshop
            with solara.Card("Run", margin=0):
                Controls(live, playing, speed, step,
                         lambda: (playing.set(False), set_generation(generation + 1)),
                         lambda: change(setup.reset_levers),
                         lambda seed: change(lambda: setup.with_seed(seed)))
            with solara.Card("Compare", margin=0):
                CompareBox(setup, lambda key, value: change(lambda: setup.with_compare(
                    key, value)))
            with solara.Card("Now: change a lever from next month", margin=0):
                NowBox(setup, live, _scenario_events(w), now_change)
            with solara.Card("Levers (set month 0; moving one restarts)", margin=0):
                values = setup.lever_values
                for group, members in groups().items():
                    solara.Text(group, style={"font-weight": "bold", "margin-top": "6px"})
                    for lever in members:
                        LeverInput(lever, values[lever.key],
                                   lambda v, k=lever.key: change(lambda: setup.with_lever(k, v)))

    with solara.Column(classes=["main-panel"], gap="8px"):
        if message:
            solara.Error(message, classes=["app-message"])
        if live is None:
            solara.Text("Pick a bundled scenario on the left to start.")
            return
        MainPanel(live, tick, themes, search)


@solara.component
def MainPanel(live: _Live, tick, themes, search):
    """Everything that changes month by month; it alone redraws on a Play frame."""
    _ = tick.value  # subscribe: the snapshot below is re-read on every tick
    w = live.workshop
    with solara.Column(gap="8px"):
        solara.Text(f"Month {w.month} of {w.horizon} · seed {w.setup.seed} · scenario "
                    f"'{w.setup.scenario}'", classes=["status"])
        views = _snapshot(live, themes.value, search.value)
        if len(views) == 1:
            ModelView(views[0], compact=False)
        else:
            WhyTheyDiffer(views[0]["why"], w.setup)
            pair = [(v["label"], v["ts"]) for v in views]
            with solara.Columns([1, 1], gutters_dense=True):
                Chart(charts.compare(pair, w.horizon), "compare")
                Chart(charts.headcount(pair, w.horizon), "headcount")
            with solara.Columns([1, 1], classes=["compare-view"], gutters_dense=True):
                for view in views:
                    ModelView(view, compact=True)
        LogFilters(themes, search)
        if len(views) == 1:
            FullLog(views[0]["log"])
        else:
            with solara.Columns([1, 1], gutters_dense=True):
                for view in views:
                    FullLog(view["log"], f"Full log, {view['label'].split(':')[0]}")
