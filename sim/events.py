"""Notable events in plain words, for ``events.jsonl`` and the trainers' event log."""

from __future__ import annotations

from sim.clock import MONTHS_PER_YEAR
from sim.metrics import IDEAL_TYPE_LABELS

RULE_WORDS = {"opt_in": "opt-in", "opt_out": "opt-out", "automatic": "automatic",
              "none": "no legal membership"}
MEMBERSHIP_MILESTONES = (0.05, 0.25, 0.5, 0.75)
ACTIVE_MILESTONES = (0.1, 0.2)


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def starting(model) -> None:
    p, s = model.params, model.staff
    definition = model.scenario.definition
    title = definition.about.get("title", definition.name)
    users = p.organisation.users
    model.log("start",
              f"{title}: {s.count()} staff ({_pct(s.tupe.mean() if s.size else 0)} just "
              f"transferred in under TUPE) at {model.org.n_sites} site(s) and {users:,} service "
              f"users; staff membership {RULE_WORDS[p.membership.staff.rule]}, user "
              f"membership {RULE_WORDS[p.membership.users.rule]}.")


def _crossed(model, key: str, value: float, level: float) -> int:
    """+1 if ``value`` rose through ``level``, -1 if it fell clearly below it (by a tenth of
    the level, so that noise around a milestone is not reported every month), else 0."""
    above = model.milestones.get((key, level))
    if above is None:  # first look: remember the side we start on
        model.milestones[(key, level)] = value >= level
        return 0
    if not above and value >= level:
        model.milestones[(key, level)] = True
        return 1
    if above and value < 0.9 * level:
        model.milestones[(key, level)] = False
        return -1
    return 0


def detect(model, prev: dict, cur: dict) -> None:
    """Compare this month's outputs with last month's and log what is worth telling."""
    for key, who in (("staff_membership_rate", "staff"), ("user_membership_rate", "users")):
        for level in MEMBERSHIP_MILESTONES:
            way = _crossed(model, key, cur[key], level)
            if way and prev:
                verb = "rose above" if way > 0 else "fell below"
                model.log("membership", f"{who.rstrip('s')} membership {verb} {_pct(level)} "
                                        f"({_pct(cur[key])} of {who} are members).")
    if not prev:
        return
    for level in ACTIVE_MILESTONES:
        way = _crossed(model, "active_share", cur["active_share"], level)
        if way:
            verb = "rose above" if way > 0 else "fell below"
            model.log("engagement", f"active staff (forums, working groups and above) {verb} "
                                    f"{_pct(level)} of the workforce.")
    if cur["staff_opt_outs"]:
        model.log("membership", f"{cur['staff_opt_outs']} member(s) of staff actively opted "
                                "out of membership.")
    if cur["ideal_type"] != prev["ideal_type"]:
        before, after = IDEAL_TYPE_LABELS[prev["ideal_type"]], IDEAL_TYPE_LABELS[cur["ideal_type"]]
        model.log("ideal_type", f"the organisation moved from {before} to {after} "
                                "(Figure 5.1).")
    if prev["representative_vacancy_rate"] < 0.25 <= cur["representative_vacancy_rate"]:
        model.log("governance", f"{_pct(cur['representative_vacancy_rate'])} of representative "
                                "seats are vacant: too few confident, active candidates.")


def annual(model) -> None:
    c, latest = model.year_counts, model.latest
    year = model.month // MONTHS_PER_YEAR
    model.log("annual",
              f"year {year}: {c.get('staff_joins', 0)} staff joined as members and "
              f"{c.get('staff_opt_outs', 0)} opted out; {c.get('leavers', 0)} staff left and "
              f"{c.get('hires', 0)} were recruited; {_pct(latest.get('active_share', 0))} of "
              f"staff active; staff membership {_pct(latest.get('staff_membership_rate', 0))}.")
