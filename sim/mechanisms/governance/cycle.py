"""Governance in the month and the year (docs/ODD.md §3 steps 2 and 8); the parts live in
the modules beside it (bodies, elections, decisions, surplus, presets).

Its state is ``model.governance`` (sim/mechanisms/governance/state.py). Seams it drives each
month: ``decision_latency[level]`` (expected months of the full procedure; the funding side
misses a tender whose deadline is shorter), ``voice_heard`` and ``user_voice_heard`` (read by
engagement and ownership), ``grievance`` (lowers each group's satisfaction target),
``conflict_index`` and ``trust``. It reads ``model.funding.surplus`` (£ per year; the funding
side may set it) at the year end.

The funding side routes its opportunities through :func:`decide`.
"""

from __future__ import annotations

from sim.mechanisms.governance import bodies, decisions, elections, public_sector, surplus
from sim.mechanisms.governance.decisions import DECISION_LEVELS, decide
from sim.mechanisms.governance.state import Election
from sim.parameter import param

# --- parameters (collected into the registry by sim/params.py) ------------------------

PARAMS = [
    # opportunities and decisions arising each month (§5.2)
    param("governance.opportunities.strategy.per_year", 0.0, "decisions per year", 0.0, 100.0,
          source="§5.2 (growth, diversification, innovation); 0 because the model's real "
                 "strategy decisions (new tenders, diversifications, acquisitions) go through "
                 "the procedure and have consequences",
          doc="Extra abstract strategy decisions per year that change only voice, ownership "
              "and the decision outputs (a trainer's lever; 0 = none)."),
    param("governance.opportunities.strategy.deadline_months", 3.0, "months (mean)", 0.1, 36.0,
          source="§5.2 Case 7 ('he'll have, like, a week window'); assumption: tenders give "
                 "weeks to a few months",
          doc="Mean time before a strategy opportunity closes (gamma, shape 2)."),
    param("governance.opportunities.policy.per_year", 6.0, "decisions per year", 0.0, 100.0,
          source="§5.2 (HR and people management policies); assumption",
          doc="Policy decisions per year."),
    param("governance.opportunities.policy.deadline_months", 6.0, "months (mean)", 0.1, 36.0,
          source="assumption",
          doc="Mean time before a policy decision is overdue."),
    param("governance.opportunities.operations.per_year", 24.0, "decisions per year", 0.0, 500.0,
          source="§5.2 (day-to-day service delivery); assumption",
          doc="Operational decisions per year."),
    param("governance.opportunities.operations.deadline_months", 1.5, "months (mean)", 0.1, 36.0,
          source="assumption",
          doc="Mean time before an operational decision is overdue."),
    param("governance.urgent_delegation", 0.5, "probability", 0.0, 1.0,
          source="§5.2 Case 1 ('learning about which decisions to consult on'), Case 8 "
                 "(working groups, 'leaner, more efficient at making decisions')",
          doc="Chance that a decision whose deadline is shorter than the full procedure is taken "
              "by the executive alone (in time, without voice) instead."),
    # a coefficient of the rules above (issue 10)
    param("governance.opportunities.deadline_shape", 2.0, "Gamma shape", 0.5, 50.0,
          source="§5.2 Case 7 ('a week window'); assumption",
          doc="Deadlines of the model's own decisions ~ Gamma(shape, mean / shape) around each "
              "level's mean."),
]

WINDOW = 12  # months of decisions behind the rolling outputs


def setup(model) -> None:
    """Month 0: build the board and the representative body and hold the founding election."""
    public_sector.start(model)
    model.governance.board = bodies.build_board(model)
    model.governance.rep_body = bodies.build_rep_body(model)
    elect(model)
    decisions.participants(model, refresh=True)
    voices = [decisions.expected_voice(model, level) for level in DECISION_LEVELS]
    # in step with the procedure
    model.governance.trust = sum(max(v) for v in voices) / len(voices)
    publish(model)


def monthly(model) -> None:
    """Seats fall vacant; this month's decisions go through the procedure; seams update."""
    bodies.release(model)
    p, rng = model.params, model.rng
    with decisions.batch(model):  # the month's opportunities share one count of participants
        for level in DECISION_LEVELS:
            rate = getattr(p.governance.opportunities, level).per_year / 12
            mean_deadline = getattr(p.governance.opportunities, level).deadline_months
            for _ in range(rng.poisson(rate)):
                k = p.governance.opportunities.deadline_shape
                decide(model, level, float(rng.gamma(k, mean_deadline / k)))
    g = model.governance
    since = model.month - WINDOW  # once, not per decision (an attribute call each)
    g.decisions = [d for d in g.decisions if d.month > since]
    recent = g.decisions  # _recent_mean of max(voice, user_voice), without a call per decision
    deliberation = (sum([u if (u := d.user_voice) > (v := d.voice) else v for d in recent])
                    / len(recent) if recent else 0.0)
    surplus.settle(model, deliberation=deliberation)
    publish(model)


def annual_cycle(model) -> dict[str, float] | None:
    """The year end: appointments renewed, elections held, the surplus allocated; returns the
    allocation (``surplus.allocate``) for the funding side to pay out."""
    bodies.release_leavers(model)  # people who left this month
    bodies.renew_appointments(model)
    bodies.review_vacated_seats(model)  # seats emptied mid-term: re-opened or not (Case 3)
    elect(model)
    decisions.participants(model, refresh=True)  # the new bodies take this year's decisions
    allocation = surplus.allocate(model)
    publish(model)
    return allocation


def elect(model) -> None:
    results = elections.hold(model)
    model.governance.turnout = elections.turnout(model)
    for who, (open_seats, candidates, filled) in results.items():
        if open_seats == 0:
            continue
        model.governance.elections.append(Election(model.month, who, open_seats, candidates,
                                                   filled))
        vacant = open_seats - filled
        tail = f"; {vacant} seat(s) stay vacant" if vacant else ""
        model.log("election", f"{who} elections: {candidates} candidate(s) for {open_seats} "
                              f"open seat(s), {filled} filled{tail} (turnout "
                              f"{100 * model.governance.turnout.get(who, 0):.0f} %).")


def publish(model) -> None:
    """Set the seams the rest of the model reads."""
    p, g = model.params, model.governance
    for level in DECISION_LEVELS:
        g.decision_latency[level] = decisions.expected_latency(model, level)
    informal = model.people.informal_voice  # a state: sim/mechanisms/people/participation.py
    weight = p.governance.conflict.voice_weight
    if g.decisions:
        recent = g.decisions  # _recent_mean of each, as lists (the same sums)
        formal = (sum([d.voice for d in recent]) / len(recent),
                  sum([d.user_voice for d in recent]) / len(recent))
    else:  # no decisions yet (month 0): what the procedure usually gives
        voices = [decisions.expected_voice(model, level) for level in DECISION_LEVELS]
        formal = tuple(sum(v[i] for v in voices) / len(voices) for i in (0, 1))
    # a group whose grievance is high feels unheard: 'Are you not listening to us?' (§5.3)
    g.voice_heard = (informal["staff"] + (1 - informal["staff"]) * formal[0]) * \
        (1 - weight * g.grievance["staff"])
    g.user_voice_heard = (informal["users"] + (1 - informal["users"]) * formal[1]) * \
        (1 - weight * g.grievance["users"])


def _recent_mean(model, value) -> float:
    recent = model.governance.decisions
    return sum(value(d) for d in recent) / len(recent) if recent else 0.0


def _vacant(model, seat) -> bool:
    """Vacant, or held by someone who left this month (freed at the next month's start)."""
    return seat.vacant or (seat.person is not None and not bodies.present(model, seat.person))


def _vacancy_rate(model, body) -> float:
    return sum(_vacant(model, s) for s in body.seats) / len(body.seats) if body.seats else 0.0


def summary(model) -> dict:
    """The governance outputs for metrics.compute (rolling over the last 12 months)."""
    recent = model.governance.decisions
    in_time = [d for d in recent if d.in_time]
    rep = model.governance.rep_body
    elected = [s for b in model.governing_bodies() for s in b.elected()]
    held = sum(not _vacant(model, s) for s in elected)
    return {
        "representatives": held,
        "representative_vacancy_rate": 1 - held / len(elected) if elected else 0.0,
        "decision_latency_months": _recent_mean(model, lambda d: d.latency),
        "strategy_latency_months": model.governance.decision_latency["strategy"],
        "decision_quality": sum(d.quality for d in in_time) / len(in_time) if in_time else 0.0,
        "decisions_made": len(in_time),
        "decisions_missed": len(recent) - len(in_time),
        "board_vacancy_rate": _vacancy_rate(model, model.governance.board),
        "rep_body_vacancy_rate": _vacancy_rate(model, rep) if rep else 0.0,
        "conflict_index": model.governance.conflict_index,
        "trust": model.governance.trust,
        "voting_turnout": model.governance.turnout["all"],
        "voice_heard": model.governance.voice_heard,
        "informal_voice": model.people.informal_voice["staff"],
        # the parent body's chain for the same decisions (governance/public_sector.py)
        "public_sector_latency_months": public_sector.rolling_latency(model),
        "public_strategy_latency_months": public_sector.expected_latency(model.params, "strategy"),
        # the parent body's informal voice (what its staff have; P18's reference)
        "public_informal_voice": public_sector.informal_voice(model.params),
    }
