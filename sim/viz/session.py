"""What the trainers' page is showing, as plain Python (no Solara): a scenario, the lever
values, a seed, changes made "now" during the run, and one model — or two, A and B, that
differ in exactly one lever.

Keeping this apart from the page lets it be tested without a browser, and keeps the model
free of any UI import.

**Common random numbers.** Before every month each model's random generator is re-seeded from
(seed, month). Copies A and B therefore draw the same dice each month: a difference between
them can carry forward only through the state the lever changed (a contract won, a member
recruited), never through a random stream shifted by one extra draw. The page applies the
same rule with Compare off, so copy A is always exactly the single run with the same settings.
(The app's runs therefore differ in detail from ``mutualsim run`` with the same seed, which
draws from one stream.)
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import numpy as np
import pandas as pd

from sim import timeline
from sim.model import MutualModel
from sim.params import REGISTRY, _fmt
from sim.scenario import Scenario, ScenarioError, bundled_names, load_scenario
from sim.viz.levers import LEVERS, LEVERS_BY_KEY, NOW_KEYS, accept, other_value

WHO = ("both", "A", "B")  # which copy a change made "now" applies to


# what the "now" box offers besides a lever: the timed-event kinds of sim/timeline.py
EVENT_CHOICES: dict[str, dict] = {
    "switch the staff membership rule": {"what": "switch", "constituency": "staff"},
    "withdraw the core contract": {"what": "withdraw", "contract": "core"},
    "re-tender the core contract now": {"what": "retender", "contract": "core"},
    "bring the core contract in house": {"what": "in_house", "contract": "core"},
    "cut the core contract by 20 %": {"what": "cut", "contract": "core", "share": 0.2},
}


@dataclass(frozen=True)
class Change:
    """A timed event added during the run (sim/timeline.py): from ``month`` on, in copy A,
    copy B or both. ``event`` holds the event's fields other than its month."""

    month: int
    event: tuple[tuple[str, Any], ...]
    who: str = "both"

    @property
    def fields(self) -> dict[str, Any]:
        return dict(self.event)

    def text(self) -> str:
        e = self.fields
        where = "" if self.who == "both" else f" (copy {self.who} only)"
        what = e["what"]
        if what == "set":
            lever = LEVERS_BY_KEY.get(e["key"])
            body = f"{lever.label if lever else e['key']} → {_fmt(e['value'])}"
        elif what == "switch":
            lever = LEVERS_BY_KEY[f"membership.{e['constituency']}.rule"]
            body = f"{lever.label} → {e['rule']}" + \
                (", existing staff enrolled" if e.get("enrol_existing") else "")
        elif what == "cut":
            body = f"{e['contract']} contract cut by {100 * e['share']:.0f} %"
        else:
            body = f"{e['contract']} contract: {what.replace('_', ' ')}"
        return f"from month {self.month}: {body}{where}"


@dataclass(frozen=True)
class Setup:
    """Everything that defines a run on the page; changing any of it restarts at month 0
    and replays the changes made "now" at their months."""

    scenario: str
    seed: int = 0
    levers: tuple[tuple[str, Any], ...] = ()
    compare: tuple[str, Any] | None = None  # (lever key, value for copy B)
    changes: tuple[Change, ...] = ()

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

    def with_change(self, month: int, key: str, value: Any, who: str = "both",
                    enrol_existing: bool = True) -> Setup:
        """A copy with one more change "now": lever ``key`` becomes ``value`` from ``month``
        (a membership rule through a 'switch' event, which enrols existing staff at once
        unless ``enrol_existing`` is false)."""
        if key in ("membership.staff.rule", "membership.users.rule"):
            who_ = key.split(".")[1]
            event = {"what": "switch", "constituency": who_, "rule": value}
            if value != "automatic":
                event["enrol_existing"] = bool(enrol_existing)
        else:
            if key not in NOW_KEYS:
                raise ScenarioError(f"lever {key}: cannot be changed during a run (it shapes "
                                    "the organisation at month 0; move it in Levers instead)")
            event = {"what": "set", "key": key, "value": accept(key, value)}
        return self.with_event(month, event, who)

    def with_event(self, month: int, event: dict, who: str = "both") -> Setup:
        """A copy with one more timed event from ``month`` (checked like a scenario's)."""
        from sim import timeline

        if who not in WHO:
            raise ScenarioError(f"change: 'who' must be one of {', '.join(WHO)}, got {who!r}")
        if self.compare is None and who != "both":
            who = "both"
        months = load_scenario(self.scenario)["months"]
        checked = timeline.check_event({**event, "month": int(month)}, "now", months)
        checked.pop("month")
        change = Change(int(month), tuple(sorted(checked.items())), who)
        return replace(self, changes=(*self.changes, change))

    def reset_levers(self) -> Setup:
        """The scenario's own lever values, no compare, no changes; the seed is kept."""
        return setup_for(self.scenario, self.seed)[0]


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


# --- the state in the page's address -----------------------------------------------------------

def to_query(setup: Setup) -> str:
    """The setup as a query string: scenario, seed, the levers that differ from the
    scenario's own values, compare and the changes made now. Reload gives the same page."""
    own = setup_for(setup.scenario)[0].lever_values
    items = [("scenario", setup.scenario), ("seed", str(setup.seed))]
    items += [(f"set.{k}", _text(v)) for k, v in setup.levers if own.get(k) != v]
    if setup.compare is not None:
        items.append(("compare", f"{setup.compare[0]}={_text(setup.compare[1])}"))
    items += [("now", json.dumps({"month": c.month, "who": c.who, **c.fields},
                                 separators=(",", ":"))) for c in setup.changes]
    return urlencode(items)


MAX_QUERY = 100_000  # characters of an address's query the page reads


def _short(text: str, n: int = 80) -> str:
    """A piece of an address, quoted, cut to ``n`` characters (errors stay one short line)."""
    return repr(text[:n]) + ("…" if len(text) > n else "")


def address_scenario(ref: str, default: str = "base", home: Path | None = None) -> str:
    """The scenario an address may name: a bundled scenario, the one the app was started with
    (``default``), or a ``.toml`` file under ``home`` (the folder ``mutualsim viz`` was started
    in) — never any other file of the machine, since a link can come from anyone who can reach
    the page (the rule ``extends`` follows, docs/scenarios.md)."""
    if ref in (default, *bundled_names()) or not any(c in ref for c in "/\\.\x00"):
        return ref  # a name: bundled or not found (with a suggestion), never a file elsewhere
    home = (home or Path.cwd()).resolve()
    try:
        resolved = (home / ref).resolve()
    except (OSError, RuntimeError, ValueError):
        resolved = None
    if resolved is None or "\x00" in ref or resolved.suffix != ".toml" or \
            not resolved.is_relative_to(home):
        raise ScenarioError(f"address: scenario={_short(ref)}: not a bundled scenario, the "
                            f"one the app was started with, or a .toml file under {home}")
    return str(resolved)


def from_query(query: str, default: str = "base", home: Path | None = None) -> Setup:
    """The setup a query string describes (ScenarioError, one line, for anything wrong).
    ``home`` is the folder whose .toml files an address may name (default: the working
    directory)."""
    if len(query) > MAX_QUERY:
        raise ScenarioError(f"address: longer than {MAX_QUERY} characters")
    pairs = parse_qsl(query.lstrip("?"), keep_blank_values=True)
    scenario = next((v for k, v in pairs if k == "scenario"), default) or default
    setup = setup_for(address_scenario(scenario, default, home))[0]
    for key, value in pairs:
        if key == "seed":
            try:
                setup = setup.with_seed(int(value))
            except ValueError:
                raise ScenarioError(f"address: seed must be a whole number, got "
                                    f"{_short(value)}") from None
        elif key.startswith("set."):
            setup = setup.with_lever(key[4:], _parse(key[4:], value))
        elif key == "compare":
            lever, _, text = value.partition("=")
            _known(lever)
            setup = setup.with_compare(lever, _parse(lever, text))
        elif key == "now":
            try:
                event = json.loads(value)
                month, who = event.pop("month"), event.pop("who", "both")
            except (ValueError, KeyError, AttributeError, TypeError, RecursionError):
                raise ScenarioError(f"address: now={_short(value)} is not a timed event") \
                    from None
            if isinstance(month, bool) or not isinstance(month, int):
                raise ScenarioError(f"address: now.month: expected a whole month number, got "
                                    f"{_short(repr(month))}")
            setup = setup.with_event(month, event, who)
        elif key != "scenario":
            raise ScenarioError(f"address: unknown setting {_short(key)}")
    return setup


def _known(key: str) -> None:
    if key not in LEVERS_BY_KEY:
        raise ScenarioError(f"address: lever {_short(key)}: not a lever of the app")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parse(key: str, text: str) -> Any:
    if key not in LEVERS_BY_KEY:
        raise ScenarioError(f"address: lever {_short(key)}: not a lever of the app")
    kind = REGISTRY[key].kind
    try:
        if kind is bool:
            if text.lower() not in ("true", "false"):
                raise ValueError
            return text.lower() == "true"
        if kind is int:
            return int(text)
        if kind is float:
            return float(text)
    except ValueError:
        raise ScenarioError(f"address: lever {key}: {_short(text)} is not a "
                            f"{kind.__name__}") from None
    return text


# --- running ----------------------------------------------------------------------------------

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
            names = []
            for copy, value in (("A", a_value), ("B", b_value)):
                own = [c for c in setup.changes if c.who == copy]
                later = "".join(f", then {_fmt(c.fields['value'])} from month {c.month}"
                                for c in own if c.fields.get("key") == key)
                names.append(f"{copy}: {label} = {_fmt(value)}{later}")
            self.models.append((names[0], MutualModel(scenario, rng=setup.seed)))
            self.models.append((names[1], MutualModel(b, rng=setup.seed)))

    @property
    def month(self) -> int:
        return self.models[0][1].month

    @property
    def horizon(self) -> int:
        return self.scenario["months"]

    @property
    def running(self) -> bool:
        return any(model.running for _, model in self.models)

    def _changes_for(self, copy: str, month: int) -> list[Change]:
        return [c for c in self.setup.changes if c.month == month and c.who in ("both", copy)]

    def step(self, months: int = 1) -> None:
        """Advance every model by up to ``months`` months (not past the horizon), applying
        the changes due and re-seeding each month (common random numbers)."""
        for _ in range(months):
            if not self.running:
                return
            for i, (_, model) in enumerate(self.models):
                if not model.running:
                    continue
                nxt = model.month + 1
                for change in self._changes_for("AB"[i], nxt):
                    timeline.schedule(model, {**change.fields, "month": nxt,
                                              "note": "the trainer's change"})
                model.rng = np.random.default_rng([self.setup.seed, nxt])
                model.step()


def timeseries(model: MutualModel) -> pd.DataFrame:
    return model.datacollector.get_model_vars_dataframe().reset_index(drop=True)


def csv_bytes(models: list[tuple[str, MutualModel]]) -> bytes:
    """Every month's outputs of every copy as one CSV (a ``copy`` column in compare mode)."""
    frames = []
    for label, model in models:
        ts = timeseries(model)
        if label:
            ts.insert(0, "copy", label)
        frames.append(ts)
    buffer = io.StringIO()
    pd.concat(frames, ignore_index=True).to_csv(buffer, index=False)
    return buffer.getvalue().encode()


# --- the story: key moments, the full log, why the copies differ -----------------------------

# log kinds the filter offers, by theme (every kind the model logs falls in one)
THEMES: dict[str, tuple[str, ...]] = {
    "milestones": ("membership", "engagement", "ideal_type", "people"),
    "contracts": ("contract", "tender", "commissioner", "grant"),
    "governance": ("election", "governance", "decision", "surplus"),
    "money and growth": ("finance", "pay", "growth", "failure"),
    "year summaries": ("annual",),
    "your changes": ("start", "timed"),
}
KEY_KINDS = ("membership", "engagement", "ideal_type", "contract", "election", "growth",
             "pay", "failure", "finance", "timed")


def is_key_moment(event: dict) -> bool:
    """Milestones, contracts won and lost, elections, switches and failures (not routine
    monthly counts such as opt-outs)."""
    kind, text = event["kind"], event["text"]
    if kind not in KEY_KINDS:
        return False
    if kind == "membership":
        return "rose above" in text or "fell below" in text
    if kind == "contract":
        return "goes out" not in text
    return True


def key_moments(model: MutualModel) -> list[str]:
    """Every key moment of the run, oldest first, as 'month 14: ...' lines."""
    return [f"month {e['month']}: {e['text']}" for e in model.events if is_key_moment(e)]


def log_lines(model: MutualModel, themes: list[str] | None = None, text: str = "") -> list[str]:
    """The whole log, newest first, filtered by theme and by words in the text."""
    kinds = None if themes is None else {k for t in themes for k in THEMES.get(t, ())}
    needle = text.strip().lower()
    return [f"month {e['month']}: {e['text']}" for e in reversed(model.events)
            if (kinds is None or e["kind"] in kinds) and needle in e["text"].lower()]


def recent_events(model: MutualModel, n: int = 40) -> list[str]:
    """The newest ``n`` events, newest first, as 'month 14: ...' lines."""
    return [f"month {e['month']}: {e['text']}" for e in reversed(model.events[-n:])]


# (column, what, tolerance): the copies 'part' on a column when they differ by more
PARTING = (("headcount", "staff headcount", 0.05), ("contracts_held", "contracts held", 0),
           ("staff_membership_rate", "staff membership", 0.05),
           ("active_share", "active staff", 0.02))


TURNING_KINDS = ("contract", "growth", "pay", "failure", "finance", "timed")


def why_they_differ(a: MutualModel, b: MutualModel, n: int = 3) -> dict:
    """Where copies A and B part: the first month their event logs differ, with the first
    ``n`` events each copy has and the other has not, and the first month each headline
    number differs by more than its tolerance (relative for headcount, absolute shares)."""
    def events(model):
        return [(e["month"], e["text"]) for e in model.events if e["kind"] not in
                ("start", "annual")]
    ea, eb = events(a), events(b)
    first = next((i for i, (x, y) in enumerate(zip(ea, eb, strict=False)) if x != y),
                 min(len(ea), len(eb)))
    out: dict = {"month": None, "only_a": [], "only_b": [], "numbers": [], "turning_a": [],
                 "turning_b": []}
    if first < max(len(ea), len(eb)):
        month = min(e[0] for e in (ea[first:first + 1] + eb[first:first + 1]))
        set_a, set_b = set(ea[first:]), set(eb[first:])
        out["month"] = month
        out["only_a"] = [f"month {m}: {t}" for m, t in ea[first:] if (m, t) not in set_b][:n]
        out["only_b"] = [f"month {m}: {t}" for m, t in eb[first:] if (m, t) not in set_a][:n]
    # the turning points (contracts won and lost, growth, pay, failure, changes made now)
    # that one copy has and the other has not: usually the story behind a headcount gap
    def turning(model):
        return [(e["month"], e["text"]) for e in model.events if e["kind"] in TURNING_KINDS
                and is_key_moment(e)]
    ka, kb = turning(a), turning(b)
    set_ka, set_kb = set(ka), set(kb)
    out["turning_a"] = [f"month {m}: {t}" for m, t in ka if (m, t) not in set_kb][:n]
    out["turning_b"] = [f"month {m}: {t}" for m, t in kb if (m, t) not in set_ka][:n]
    ta, tb = timeseries(a), timeseries(b)
    rows = min(len(ta), len(tb))
    for column, what, tol in PARTING:
        if column not in ta or column not in tb:
            continue
        x, y = ta[column].to_numpy(float)[:rows], tb[column].to_numpy(float)[:rows]
        gap = np.abs(x - y) / np.maximum(np.abs(x), 1) if column == "headcount" else \
            np.abs(x - y)
        hits = np.flatnonzero(gap > tol)
        if len(hits):
            k = int(hits[0])
            out["numbers"].append(
                f"{what} first differs at month {int(ta['month'].iloc[k])} "
                f"(A {_number(column, x[k])}, B {_number(column, y[k])}); "
                f"now A {_number(column, x[-1])}, B {_number(column, y[-1])}")
    return out


def _number(column: str, value: float) -> str:
    return f"{100 * value:.0f} %" if column.endswith(("rate", "share")) else f"{value:.0f}"
