"""Annual elections to board and representative-body seats, and the AGM vote (§4.2, §5.4).

Open seats are the vacant ones (except board seats the board chose not to re-open, §4.2
Case 3: ``bodies.review_vacated_seats``) and those whose term ends this year. Candidates are
people on rung 3 (active) with enough confidence — and members, where the constituency has a
membership rule — who choose to stand; a pipeline of engagement ('talent spot, nurture and
train', §5.4 Case 11) makes standing likelier. Incumbents whose term ends stand again with
``restand_rate`` (and only so: not again as new candidates). With more candidates than
seats the members vote (the more confident win, with noise); with fewer, the rest of the seats
stay vacant (P5, §4.2). Board seats are filled before the representative body's, and nobody
holds two seats. Turnout: members (or all staff, where there is no staff membership) on
rung 2 or above vote, each with a fixed chance; rungs 0-1 do not vote. Where
``governance.elections.members_only`` holds (CBS rules), only legal members stand and vote;
otherwise the whole constituency does.
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms.governance.bodies import Body, Seat, appoint, present, vacate
from sim.mechanisms.governance.state import Turnout
from sim.mechanisms.people import participation
from sim.mechanisms.people.engagement import TOP, pipeline_support
from sim.parameter import param

# --- parameters (collected into the registry by sim/params.py) ------------------------

PARAMS = [
    # elections (annual, §4.2 'not replaced', §5.4 'Pipeline of Engagement')
    param("governance.elections.members_only", False, "flag",
          source="Table 4.1 Case 11 ('elected from and by tenant and employee members'); Case 2 "
                 "(a staff council without staff shareholding)",
          doc="Whether only legal members may stand and vote. Otherwise every staff member (or "
              "aware user) of the constituency may, as for a staff council."),
    param("governance.elections.candidacy_rate", 0.35, "probability per election", 0.0, 1.0,
          source="§5.4 ('not interested in being part of running an organisation'; lack of "
                 "confidence); assumption for the level",
          doc="Chance that an eligible person (rung 3, confident enough, a member where there is "
              "a membership rule) stands for an open seat, with no talent spotting."),
    param("governance.elections.talent_spotting", 1.5, "multiplier at saturated pipeline",
          0.0, 10.0,
          source="§5.4 Case 11: 'talent spot', nurture and train prospective candidates",
          doc="Candidacy × (1 + this × pipeline support), support from "
              "engagement.pipeline_investment for staff and engagement.users."
              "pipeline_investment for users (0–1, saturating)."),
    param("governance.elections.restand_rate", 0.6, "probability", 0.0, 1.0,
          source="assumption",
          doc="Chance that a representative whose term ends stands again."),
    param("governance.elections.vote_chance_engaged", 0.7, "probability", 0.0, 1.0,
          source="docs/ODD.md §2: rung 2 = 'occasional (votes, surveys)'; assumption",
          doc="Chance that an eligible voter on rung 2 or above votes; rungs 0-1 do not vote, "
              "so turnout is at most the share engaged enough to vote."),
    param("governance.seats.resign_per_year", 0.1, "share per year", 0.0, 1.0,
          source="§4.2 Case 3: representatives 'subsequently left and were not replaced'; "
                 "assumption for the rate",
          doc="Yearly chance that a satisfied representative steps down mid-term (more when "
              "dissatisfied); leaving the organisation vacates the seat too."),
    # coefficients of the rules above (issue 10: every behavioural constant a parameter)
    param("governance.elections.vote_noise", 0.1, "sd of confidence", 0.0, 1.0,
          source="§4.2; assumption",
          doc="Noise in a contested election: the candidates with the highest confidence + noise "
              "win."),
]

CONSTITUENCIES = ("staff", "users")


def columns(model, who: str):
    return model.staff if who == "staff" else model.users


def has_membership(model, who: str) -> bool:
    return getattr(model.params.membership, who).rule != "none"


def franchise(model, who: str) -> bool:
    """Whether standing and voting need legal membership in this constituency."""
    return model.params.governance.elections.members_only and has_membership(model, who)


def standing(model, who: str, ended: np.ndarray | None = None) -> np.ndarray:
    """Rows of people who stand for election this year (not counting incumbents). ``ended``:
    rows of representatives whose term ended this year; they stand again only through
    ``governance.elections.restand_rate`` (:func:`hold`), not as new candidates."""
    p, cols = model.params, columns(model, who)
    ready = (cols.alive & (cols.engagement == TOP - 1)
             & (cols.confidence >= p.engagement.representative_confidence))
    if ended is not None and len(ended):
        ready[ended] = False
    if franchise(model, who):
        ready &= cols.member
    chance = min(1.0, p.governance.elections.candidacy_rate
                 * (1 + p.governance.elections.talent_spotting * pipeline_support(p, who)))
    return np.flatnonzero(ready & (model.rng.random(cols.size) < chance))


def hold(model) -> dict:
    """The annual elections; returns {who: (open seats, candidates, filled)} for the report."""
    p, month = model.params, model.month
    term_end = month + 12 * p.governance.term_years
    bodies = model.governing_bodies()
    result = {}
    for who in CONSTITUENCIES:
        # seats the board chose not to re-open stay vacant (bodies.review_vacated_seats)
        seats = [(b, s) for b in bodies for s in b.elected(who) if not s.not_replaced]
        if not seats:
            continue
        cols = columns(model, who)
        incumbents, ended = [], []
        for body, seat in seats:
            if not seat.vacant and seat.term_end <= month:
                person = seat.person
                vacate(model, body, seat, step_down=True)
                if present(model, person):
                    ended.append(person.row)
                    if model.rng.random() < p.governance.elections.restand_rate:
                        incumbents.append(person.row)
        pool = np.unique(np.concatenate([standing(model, who, np.asarray(ended, dtype=int)),
                                         np.asarray(incumbents, dtype=int)]))
        open_seats = [(b, s) for b, s in seats if s.vacant]
        winners = _count(model, cols, pool, len(open_seats))
        for (body, seat), row in zip(open_seats, winners, strict=False):
            _seat(model, body, seat, cols, row, term_end)
        result[who] = (len(open_seats), len(pool), len(winners))
    return result


def _count(model, cols, pool: np.ndarray, n_open: int) -> np.ndarray:
    """The winners: all candidates when uncontested, else the most confident (with noise)."""
    pool = np.unique(pool)
    if len(pool) <= n_open:
        return model.rng.permutation(pool)
    noise = model.params.governance.elections.vote_noise
    score = cols.confidence[pool] + model.rng.normal(0.0, noise, len(pool))
    return pool[np.argsort(-score)[:n_open]]


def _seat(model, body: Body, seat: Seat, cols, row: int, term_end: int) -> None:
    person = cols.agent(row)
    cols.engagement[row] = TOP
    if body.name == "board":
        appoint(model, seat, term_end=term_end, person=person)
    else:
        seat.holder, seat.term_end = person, term_end


def turnout(model) -> dict[str, float]:
    """Share of eligible voters who vote at this year's elections/AGM, per constituency and
    overall. Members vote where the franchise needs membership or where the constituency elects
    no seats (the AGM); otherwise the whole constituency elects its seats (a staff council,
    Case 2). Only people engaged enough to vote (rung 2 and above) vote
    (sim/mechanisms/people/participation.py), so turnout never exceeds that share."""
    p, rng = model.params, model.rng
    voted = eligible = 0
    out: dict[str, float] = {}
    for who in CONSTITUENCIES:
        cols = columns(model, who)
        elects = any(b.elected(who) for b in model.governing_bodies())
        if franchise(model, who) or (has_membership(model, who) and not elects):
            voters = cols.alive & cols.member  # members vote (at elections or the AGM)
        elif elects:
            voters = cols.alive & (cols.aware if who == "users" else True)
        else:
            continue
        chance = participation.vote_chance(p, cols.engagement)
        votes = np.count_nonzero(voters & (rng.random(cols.size) < chance))
        n = np.count_nonzero(voters)
        out[who] = votes / n if n else 0.0
        model.governance.turnout_history.append(Turnout(
            model.month, who, out[who], participation.engaged_share(cols, voters)))
        voted, eligible = voted + votes, eligible + n
    out["all"] = voted / eligible if eligible else 0.0
    return out
