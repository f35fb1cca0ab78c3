"""Timed events: things that happen at a given month of a run (docs/ODD.md §7 "Timed events").

A scenario lists them in an ``[[events]]`` table; ``mutualsim run --event`` / ``--set-at`` and
``sim.run(..., events=[...])`` add more, and the trainers' app applies one to a running model
from the next month (:func:`schedule`). Researchers' counterfactuals are often "from year 3,
...": ``{month = 36, what = "switch", constituency = "staff", rule = "opt_out"}``.

Kinds (``what``) and their fields::

    set        key, value                    a registered parameter takes a new value
    withdraw   contract                      the commissioner withdraws it early, no re-tender
                                             (§2.2 Case 1); its staff are made redundant
    in_house   contract, redeploy            brought back in house now (§2.2 Case 10); its
               (default false)               staff transfer out under TUPE, or with
                                             redeploy stay, moved to the mutual's other work
                                             (§2.2: 'redeploying staff to other contracts')
    retender   contract                      put out to competitive re-tender now (§2.2)
    renew      contract, years               renewed by direct award for ``years`` (1-10) more
                                             from its current end, no competition (T2.1 Case 8)
    cut        contract, share               its value and staffing cut by ``share`` (0-1)
    switch     constituency, rule,           the membership rule changes (§4.1 Cases 4 and 5);
               enrol_existing (default false)  with enrol_existing, eligible non-members are
                                             enrolled at once, else only new starters
    seats      body, seat, change | to       elected seats added or removed on the board or
                                             the representative body (Case 6: 8 -> 16)
    programme  programme, action, level      start (at ``level``) or stop a programme
    grant      value, years, public          a grant awarded now: ``value`` £ a year for
               (default false)               ``years`` (1-10), paying for value /
                                             procurement.price_per_fte posts; public or not
                                             (T3.1 Case 1: "£700k over 2 years")

Contracts are named ``core`` (the anchor contract of §2.2) or ``largest`` (the largest other
contract held at that month). Every event may carry ``note`` (plain words for the log, e.g. the
§ it comes from). Events are checked like every other key: a bad one stops the run before
anything is written, with one line naming the file, the event and the field.

Each event is a Mesa one-off event (``Model.schedule_event``) half a month before the month it
names, so it takes effect from that month's processes on.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

KINDS = ("set", "withdraw", "in_house", "retender", "renew", "cut", "switch", "seats",
         "programme", "grant")
CONTRACTS = ("core", "largest")
CONSTITUENCIES = ("staff", "users")
BODIES = ("board", "rep_body")
PROGRAMMES = {   # programme -> the parameter it sets (0 when stopped)
    "pipeline": "engagement.pipeline_investment",          # §5.4 Case 11 "Pipeline of Engagement"
    "staff_promotion": "membership.staff.promotion",       # §4.1 promotion of membership
    "staff_lottery": "membership.staff.incentive",         # §4.1 Case 4 members' lottery
    "user_promotion": "membership.users.promotion",        # §5.4 Case 9 volunteer strategy
}
FIELDS = {
    "set": {"key", "value"}, "withdraw": {"contract"}, "in_house": {"contract", "redeploy"},
    "retender": {"contract"}, "renew": {"contract", "years"}, "cut": {"contract", "share"},
    "switch": {"constituency", "rule", "enrol_existing"},
    "seats": {"body", "seat", "change", "to"},
    "programme": {"programme", "action", "level"},
    "grant": {"value", "years", "public"},
}
GRANT_MAX = 1e9     # £ a year: a bound on a typo, far above any public service grant
COMMON = {"month", "what", "note"}
# read once at month 0, or changed by their own kind of event
NOT_SETTABLE = {
    "months": "the horizon cannot change mid-run",
    "governance.preset": "a preset is a month-0 bundle; set its keys one by one",
}
NOT_SETTABLE_PREFIX = {
    "organisation.": "the organisation's size and form are set at month 0",
    "membership.staff.rule": "use a 'switch' event",
    "membership.users.rule": "use a 'switch' event",
    "membership.staff.history": "read at month 0", "membership.users.history": "read at month 0",
    "membership.staff.enrol_existing": "use a 'switch' event with enrol_existing",
    "governance.board.": "use a 'seats' event", "governance.rep_body.staff_seats": "use 'seats'",
    "governance.rep_body.user_seats": "use a 'seats' event",
    "governance.rep_body.appointed_seats": "read at month 0",
    "finance.opening_reserves": "read at month 0",
}


# --- checking -------------------------------------------------------------------------------------

def check_events(raw: Any, origin: str, months: int, start: int = 0) -> tuple[dict, ...]:
    """Validate a list of event tables; return them normalised (plain dicts, with origin)."""
    from sim.values import ScenarioError

    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise ScenarioError(f"{origin}: events: must be an array of tables ([[events]])")
    out = []
    for i, event in enumerate(raw, start):
        out.append(check_event(event, f"{origin}: events[{i}]", months))
    return tuple(out)


def check_event(event: dict, where: str, months: int, earliest: int = 1) -> dict:
    from sim.values import ScenarioError, check_value

    def bad(key: str, problem: str) -> ScenarioError:
        return ScenarioError(f"{where}.{key}: {problem}")

    what = event.get("what")
    if what not in KINDS:
        hint = difflib.get_close_matches(str(what), KINDS, n=1)
        tip = f" — did you mean '{hint[0]}'?" if hint else f" (kinds: {', '.join(KINDS)})"
        raise bad("what", f"{what!r} is not an event kind{tip}")
    allowed = FIELDS[what] | COMMON
    for key in event:
        if key not in allowed:
            hint = difflib.get_close_matches(key, sorted(allowed), n=1)
            tip = f" — did you mean '{hint[0]}'?" if hint else \
                f" (allowed: {', '.join(sorted(allowed))})"
            raise bad(key, f"unknown key for a '{what}' event{tip}")
    month = event.get("month")
    if isinstance(month, bool) or not isinstance(month, int):
        raise bad("month", f"expected a whole month number, got {month!r}")
    if month < earliest:
        raise bad("month", f"{month} is before month {earliest} (events take effect from the "
                           "month they name)")
    if month > months:
        raise bad("month", f"month {month} is past the horizon ({months} months)")
    out = {"month": month, "what": what}
    if "note" in event:
        if not isinstance(event["note"], str):
            raise bad("note", "must be text")
        out["note"] = event["note"]

    def need(key: str) -> Any:
        if key not in event:
            raise bad(key, f"a '{what}' event needs {key}")
        return event[key]

    def choice(key: str, options) -> str:
        value = need(key)
        if value not in options:
            hint = difflib.get_close_matches(str(value), list(options), n=1)
            tip = f" — did you mean '{hint[0]}'?" if hint else f" (known: {', '.join(options)})"
            raise bad(key, f"unknown {key} {value!r}{tip}")
        return value

    if what == "set":
        key = need("key")
        if not isinstance(key, str):
            raise bad("key", "must be a parameter name")
        value = check_value(where, key, need("value"))  # unknown key / bad value: one line
        reason = NOT_SETTABLE.get(key) or next(
            (why for prefix, why in NOT_SETTABLE_PREFIX.items() if key.startswith(prefix)), None)
        if reason:
            raise bad("key", f"{key} cannot be set mid-run: {reason}")
        out.update(key=key, value=value)
    elif what in ("withdraw", "in_house", "retender", "renew", "cut"):
        out["contract"] = choice("contract", CONTRACTS)
        if what == "renew":
            years = need("years")
            if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 10:
                raise bad("years", f"expected a whole number of years (1-10), got {years!r}")
            out["years"] = years
        if what == "cut":
            share = need("share")
            if isinstance(share, bool) or not isinstance(share, int | float) or \
                    not 0 < share < 1:
                raise bad("share", f"expected a share between 0 and 1 (exclusive), got {share!r}")
            out["share"] = float(share)
        if what == "in_house":
            redeploy = event.get("redeploy", False)
            if not isinstance(redeploy, bool):
                raise bad("redeploy", f"expected true or false, got {redeploy!r}")
            out["redeploy"] = redeploy
    elif what == "switch":
        who = choice("constituency", CONSTITUENCIES)
        rule = check_value(where, f"membership.{who}.rule", need("rule"))
        enrol = event.get("enrol_existing", False)
        if not isinstance(enrol, bool):
            raise bad("enrol_existing", f"expected true or false, got {enrol!r}")
        if rule == "automatic" and "enrol_existing" in event and not enrol:
            raise bad("enrol_existing", "automatic membership enrols everyone eligible")
        out.update(constituency=who, rule=rule, enrol_existing=enrol)
    elif what == "seats":
        out["body"] = choice("body", BODIES)
        out["seat"] = choice("seat", CONSTITUENCIES)
        if ("change" in event) == ("to" in event):
            raise bad("change", "a 'seats' event needs exactly one of change (+/- seats) or to "
                                "(the new number)")
        key = "change" if "change" in event else "to"
        n = event[key]
        if isinstance(n, bool) or not isinstance(n, int) or (key == "to" and n < 0) or \
                (key == "change" and n == 0) or abs(n) > 200:
            allowed = "0-200" if key == "to" else "-200-200, not 0"
            raise bad(key, f"expected a whole number of seats ({allowed}), got {n!r}")
        out[key] = n
    elif what == "programme":
        name = choice("programme", list(PROGRAMMES))
        action = choice("action", ("start", "stop"))
        out.update(programme=name, action=action)
        if action == "start":
            out["level"] = check_value(where, PROGRAMMES[name], need("level"))
        elif "level" in event:
            raise bad("level", "a programme that stops has no level")
    elif what == "grant":
        value = need("value")
        if isinstance(value, bool) or not isinstance(value, int | float) or \
                not 0 < value <= GRANT_MAX:
            raise bad("value", f"expected £ a year above 0 (at most {GRANT_MAX:,.0f}), got "
                               f"{value!r}")
        years = need("years")
        if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 10:
            raise bad("years", f"expected a whole number of years (1-10), got {years!r}")
        public = event.get("public", False)
        if not isinstance(public, bool):
            raise bad("public", f"expected true or false, got {public!r}")
        out.update(value=float(value), years=years, public=public)
    return out


def check_clashes(events: tuple[dict, ...], origin: str) -> None:
    """Two membership switches for one constituency in one month cannot both apply."""
    from sim.values import ScenarioError

    seen: dict[tuple[int, str], int] = {}
    for i, e in enumerate(events):
        if e["what"] != "switch":
            continue
        key = (e["month"], e["constituency"])
        if key in seen:
            raise ScenarioError(f"{e.get('origin', origin)}: events: two switches of the "
                                f"{e['constituency']} membership rule in month {e['month']} "
                                f"(events {seen[key]} and {i})")
        seen[key] = i


def parse_event_flag(text: str) -> dict:
    """``--event month=36,what=switch,constituency=staff,rule=opt_out`` as an event table."""
    from sim.values import ScenarioError, parse_override

    event = {}
    for part in (p for p in text.split(",") if p.strip()):
        if "=" not in part:
            raise ScenarioError(f"--event {text}: expected key=value pairs separated by commas")
        key, value = parse_override(part)
        if key in event:
            raise ScenarioError(f"--event {text[:200]}: {key} given twice")
        event[key] = value
    return event


def parse_set_at(text: str) -> dict:
    """``--set-at 36:procurement.social_value_weight=0.1`` as a 'set' event."""
    from sim.values import ScenarioError, parse_override

    month, sep, rest = text.partition(":")
    if not sep or not month.strip().isdigit():
        raise ScenarioError(f"--set-at {text}: expected MONTH:KEY=VALUE, e.g. "
                            "36:procurement.social_value_weight=0.1")
    key, value = parse_override(rest)
    return {"month": int(month), "what": "set", "key": key, "value": value}


# --- applying -------------------------------------------------------------------------------------

@dataclass
class _Due:
    """A Mesa event's callable: the timed events of one month (kept alive by the timeline)."""

    timeline: Timeline
    month: int

    def __call__(self) -> None:
        self.timeline.apply_month(self.month)


@dataclass
class Timeline:
    """The model's timed events, each scheduled half a month before its month."""

    model: Any
    events: list[dict] = field(default_factory=list)
    _due: dict[int, _Due] = field(default_factory=dict)

    def add(self, event: dict) -> None:
        from mesa.time import Priority

        self.events.append(event)
        month = event["month"]
        if month not in self._due:
            self._due[month] = _Due(self, month)
            self.model.schedule_event(self._due[month], at=month - 0.5, priority=Priority.HIGH)

    def apply_month(self, month: int) -> None:
        if self.model.failed:
            return
        for event in [e for e in self.events if e["month"] == month]:
            entry = {"month": month, "kind": "timed", "text": ""}
            self.model.events.append(entry)   # before the consequences it causes
            note = f" ({event['note']})" if event.get("note") else ""
            entry["text"] = "timed event: " + APPLY[event["what"]](self.model, event) + note


def install(model, events: tuple[dict, ...]) -> Timeline:
    timeline = Timeline(model)
    for event in events:
        timeline.add(event)
    return timeline


def schedule(model, event: dict) -> dict:
    """Apply an event to a running model from the next month (the app's "switch to opt-out
    now"): checked like a scenario's, with ``month`` defaulting to the next month."""
    event = {"month": model.month + 1, **event}
    checked = check_event(event, "event", model.months, earliest=model.month + 1)
    check_clashes((*model.timeline.events, checked), "event")
    model.timeline.add(checked)
    return checked


def _contract(model, name: str):
    contracts = model.funding.market.contracts
    if name == "core":
        return next((c for c in contracts if c.core), None)
    others = [c for c in contracts if not c.core]
    return max(others, key=lambda c: c.value) if others else None


def _set(model, e) -> str:
    old = model.p[e["key"]]
    model.set_param(e["key"], e["value"])
    return f"from now on {e['key']} is {e['value']} (was {old})."


def _end(model, e) -> str:
    from sim.mechanisms.funding import commissioning, finance
    from sim.mechanisms.funding.market import end_contract

    k = _contract(model, e["contract"])
    if k is None:
        return f"the {e['contract']} contract was to be {e['what'].replace('_', ' ')}, but it " \
               "is no longer held; nothing happened."
    if e["what"] == "retender":
        if k.retendering:
            return f"{k.label} is already out to re-tender."
        commissioning.retender(model, k)
        return f"{k.label} put out to competitive re-tender now."
    if e["what"] == "withdraw":
        end_contract(model, k, "withdrawn", commissioning.redundancies(model, k))
        finance.plan_staffing(model)
        return f"the commissioner withdraws the {k.label} without re-tender."
    n = 0 if e.get("redeploy") else round(model.params.procurement.tupe_transfer_share
                                          * k.demand / model.funding.market.productivity)
    end_contract(model, k, "in_house", n)
    finance.plan_staffing(model)
    kept = "; its staff stay, redeployed to the mutual's other work" if e.get("redeploy") \
        else ""
    return f"the commissioner brings the {k.label} back in house{kept}."


def _renew(model, e) -> str:
    """The commissioner renews the contract by direct award: its term runs ``years`` more from
    its current end (or from now, if that has passed), with no competition (e.g. Case 8's SLA
    'recently renewed for 1 year', Table 2.1)."""
    k = _contract(model, e["contract"])
    if k is None:
        return f"the {e['contract']} contract was to be renewed, but it is no longer held; " \
               "nothing happened."
    if k.retendering:
        return f"{k.label} is already out to re-tender; the renewal came too late."
    k.end = max(k.end, model.month) + 12 * e["years"]
    return f"the commissioner renews the {k.label} by direct award for {e['years']} " \
           f"year{'s' if e['years'] > 1 else ''} (its term now ends in month {k.end})."


def _cut(model, e) -> str:
    from sim.mechanisms.funding import finance

    k = _contract(model, e["contract"])
    if k is None:
        return f"the {e['contract']} contract was to be cut, but it is no longer held."
    k.value = int(round(k.value * (1 - e["share"])))
    k.demand *= 1 - e["share"]
    finance.plan_staffing(model)
    return f"{k.label} cut by {100 * e['share']:.0f} % (value and staffing)."


def _switch(model, e) -> str:
    from sim.events import RULE_WORDS
    from sim.mechanisms.people import membership

    who, rule = e["constituency"], e["rule"]
    old = model.p[f"membership.{who}.rule"]
    model.set_param(f"membership.{who}.rule", rule)
    cols = model.staff if who == "staff" else model.users
    eligible = membership.staff_eligible(cols, model.params) if who == "staff" else \
        membership.users_eligible(cols)
    words = ""
    if rule == "none":
        n = int((cols.member & cols.alive).sum())
        cols.member[:] = False
        words = f"; {n} members' memberships end"
    elif rule in ("opt_out", "automatic"):
        if e["enrol_existing"] or rule == "automatic":
            joining = eligible & ~cols.member
            cols.member |= joining
            cols.chose[joining] = False       # enrolled by the new default (§4.1)
            cols.defaulted[eligible] = True
            words = f"; {int(joining.sum())} eligible non-members enrolled at once"
        else:
            cols.defaulted[eligible] = True   # the default applies to new starters only
            words = "; existing staff stay as they were, new starters are enrolled"
    return f"{who} membership switched from {RULE_WORDS[old]} to {RULE_WORDS[rule]}{words}."


def _seats(model, e) -> str:
    from sim.mechanisms.governance.bodies import Body, Seat, vacate

    kind = e["seat"] if e["body"] == "rep_body" else \
        {"staff": "staff_elected", "users": "user_elected"}[e["seat"]]
    body = model.governance.board if e["body"] == "board" else model.governance.rep_body
    if body is None:   # a representative body is founded (Case 3's new staff council, 2/20)
        powers = model.params.governance.rep_body.powers
        powers = "advisory" if powers == "none" else powers
        name = "staff council" if e["seat"] == "staff" else "representative body"
        body = model.governance.rep_body = Body(name, powers, [])
    now = sum(s.kind == kind for s in body.seats)
    target = max(0, e["to"] if "to" in e else now + e["change"])
    for _ in range(target - now):
        body.seats.append(Seat(kind))        # vacant until the next election
    for _ in range(now - target):           # vacant seats go first
        seat = min((s for s in body.seats if s.kind == kind), key=lambda s: not s.vacant)
        vacate(model, body, seat, step_down=True)
        body.seats.remove(seat)
    who = "staff" if e["seat"] == "staff" else "service-user"
    return f"the {body.name} now has {target} {who} seat(s) (was {now}); new seats are filled " \
           "at the next election." if target > now else \
        f"the {body.name} now has {target} {who} seat(s) (was {now})."


def _programme(model, e) -> str:
    key = PROGRAMMES[e["programme"]]
    old = model.p[key]
    model.set_param(key, e["level"] if e["action"] == "start" else 0.0)
    name = e["programme"].replace("_", " ")
    return f"{name} programme started at {e['level']} (was {old})." if e["action"] == "start" \
        else f"{name} programme stopped (was {old})."


def _grant(model, e) -> str:
    """A grant awarded at the month the event names (a case's stated grant, e.g. Case 1's
    'Youth Endowment Fund ... £700k over 2 years', Table 3.1): an income line of ``value`` £ a
    year until ``years`` from now, with the posts it pays for at procurement.price_per_fte (as
    a grant won from a call, finance.award_grants); no call, no competition, no draw."""
    from sim.mechanisms.funding import finance
    from sim.mechanisms.funding.market import Line, to_pence

    value, years = e["value"], e["years"]
    model.funding.market.lines.append(Line(
        "grant", to_pence(value), value / model.params.procurement.price_per_fte, e["public"],
        model.month + 12 * years))
    finance.plan_staffing(model)
    source = "a public body" if e["public"] else "a charitable funder"
    span = f"{years} year{'s' if years != 1 else ''}"
    model.log("grant", f"grant of £{value:,.0f} a year for {span} from {source}.")
    return f"a grant of £{value:,.0f} a year for {span} from {source} is awarded."


APPLY = {"set": _set, "withdraw": _end, "in_house": _end, "retender": _end, "renew": _renew,
         "cut": _cut,
         "switch": _switch, "seats": _seats, "programme": _programme, "grant": _grant}
