"""The board and the representative body: seats, who holds them, terms and vacancies (§4.2).

A :class:`Body` is a list of :class:`Seat`. Board seats are held by
:class:`~sim.agents.BoardMember` agents; elected directors are also a person (a staff member or
a service user). Representative-body seats are held by the person agent itself, or by a partner
body's appointee. Elected seats are filled at the annual elections (``elections.py``) and stay
vacant until then when their holder leaves the organisation or steps down. An elected board
seat emptied mid-term may not be re-opened at all: the board decides before the election
(:func:`review_vacated_seats`; §4.2 Case 3: representatives 'subsequently left and were not
replaced', as board members judged they 'had contributed little'). Appointed seats are always
filled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.agents import BoardMember
from sim.parameter import param

REP_BODY_POWERS = ("none", "advisory", "approves_strategy", "appoints_board")


# --- parameters (collected into the registry by sim/params.py) ------------------------

PARAMS = [
    # the board (§4.2, Table 4.1)
    param("governance.board.size", 9, "seats", 3, 30,
          source="Table 4.1 (boards of 8–12, e.g. Case 5: 9, Case 9: 12)",
          doc="Board seats of all kinds; those not executive, elected, council-appointed or "
              "co-opted are independent non-executives. If those seats add up to more, the board "
              "grows to hold them (with no independents)."),
    param("governance.board.executive_seats", 3, "seats", 1, 10,
          source="Table 4.1 (Case 1: 3 from the senior leadership team; Case 5: 4; Case 11: 2)",
          doc="Executive directors (CEO and senior team); always filled."),
    param("governance.board.staff_seats", 1, "seats", 0, 15,
          source="Table 4.1 (Case 1: 3 nominated employees; Case 5: one staff director)",
          doc="Board seats elected by staff (vacant when no one stands, §4.2)."),
    param("governance.board.user_seats", 0, "seats", 0, 15,
          source="Table 4.1 / 5.1 (Case 9: 4 community-elected directors)",
          doc="Board seats elected by service users or community members."),
    param("governance.board.council_seats", 0, "seats", 0, 15,
          source="Table 4.1 (Case 9: 2 council-appointed; Case 6: directors appointed by 3 LAs)",
          doc="Board seats appointed by the local authority owner or partner; always filled."),
    param("governance.board.coopted_seats", 0, "seats", 0, 15,
          source="Table 4.1 (Case 9: 4 co-opted)",
          doc="Co-opted board seats (skills brought in by the board); always filled."),
    param("governance.board.skill", 0.65, "index 0–1", 0.05, 0.95,
          source="§4.2, §4.3: external board members 'an important source of professional skills "
                 "and specialist knowledge'; assumption for the level",
          doc="Mean skill of appointed directors (executives, independents, council-appointed, "
              "co-opted); elected directors bring their own confidence instead."),
    param("governance.term_years", 3, "years", 1, 10,
          source="assumption: three-year terms are usual for directors and representatives",
          doc="Term of every board and representative-body seat; terms are staggered at month 0."),
    # the representative body (§4.2: staff council / council of governors / representative body)
    param("governance.rep_body.powers", "advisory", "powers", choices=REP_BODY_POWERS,
          source="§4.2; Table 4.1 (Case 2: staff council gives a 'voice'; Case 11: approves "
                 "strategy and appoints the board)",
          doc="Powers of the representative body; 'none' means there is no representative body "
              "(its seats are not used)."),
    param("governance.rep_body.staff_seats", 10, "seats", 0, 200,
          source="Table 4.1 (Case 2: 13 staff; Case 6: 8 grown to 16; Case 11: 8 employees)",
          doc="Representative-body seats elected by staff."),
    param("governance.rep_body.user_seats", 0, "seats", 0, 200,
          source="Table 4.1 (Case 11: 15 elected tenant representatives)",
          doc="Representative-body seats elected by service users (needs a user membership rule "
              "or aware users)."),
    param("governance.rep_body.appointed_seats", 0, "seats", 0, 50,
          source="Table 4.1 (Case 11: 1 from the tenant management organisation, 4 from the LA)",
          doc="Representative-body seats appointed by partner bodies; always filled."),
    # coefficients of the rules above (issue 10: every behavioural constant a parameter)
    param("governance.board.skill_concentration", 12, "Beta concentration", 1, 200,
          source="assumption",
          doc="Concentration (a + b) of the Beta distribution of appointed directors' skill "
              "around governance.board.skill."),
    param("governance.board.alignment.members.a", 6, "Beta shape", 0.1, 50.0,
          source="§4.2 (directors chosen by the members share the mission); assumption",
          doc="Mission alignment of a director chosen by the members ~ Beta(a, b)."),
    param("governance.board.alignment.members.b", 3, "Beta shape", 0.1, 50.0,
          source="assumption",
          doc="See governance.board.alignment.members.a."),
    param("governance.board.alignment.council.a", 3, "Beta shape", 0.1, 50.0,
          source="Case 6 (council-appointed directors); assumption",
          doc="Mission alignment of a council-appointed director ~ Beta(a, b)."),
    param("governance.board.alignment.council.b", 4, "Beta shape", 0.1, 50.0,
          source="assumption",
          doc="See governance.board.alignment.council.a."),
    param("governance.board.alignment.appointed.a", 4, "Beta shape", 0.1, 50.0,
          source="assumption",
          doc="Mission alignment of any other appointed director ~ Beta(a, b)."),
    param("governance.board.alignment.appointed.b", 4, "Beta shape", 0.1, 50.0,
          source="assumption",
          doc="See governance.board.alignment.appointed.a."),
    param("governance.board.risk.executive.a", 4, "Beta shape", 0.1, 50.0,
          source="§5.2 (executives push growth); assumption",
          doc="Risk appetite of an executive director ~ Beta(a, b)."),
    param("governance.board.risk.executive.b", 3, "Beta shape", 0.1, 50.0,
          source="assumption",
          doc="See governance.board.risk.executive.a."),
    param("governance.board.risk.non_executive.a", 3, "Beta shape", 0.1, 50.0,
          source="assumption",
          doc="Risk appetite of any other director ~ Beta(a, b)."),
    param("governance.board.risk.non_executive.b", 3, "Beta shape", 0.1, 50.0,
          source="assumption",
          doc="See governance.board.risk.non_executive.a."),
    param("governance.board.not_replaced_chance", 0.25, "probability per vacated seat",
          0.0, 1.0,
          source="§4.2 and Table 4.1/5.1 Case 3 (representatives who 'subsequently left and "
                 "were not replaced': board members saw that they 'had contributed little at "
                 "board meetings and that therefore there was little value in retaining their "
                 "positions'); the value is an assumption, chosen before measuring: one of the "
                 "four boards §4.2 describes with employee board posts that emptied or were hard "
                 "to fill (Case 3 against Cases 1, 11, 12) stopped replacing them",
          doc="Chance that the board does not re-open an elected board seat that fell vacant "
              "before its term ended when its last holder's skill was below the appointed "
              "directors' mean; such a seat stays vacant for the rest of the run (0: every "
              "vacated seat is re-opened at the next election)."),
    param("governance.board.reappointment_chance", 0.5, "probability", 0.0, 1.0,
          source="assumption",
          doc="Chance that an appointed director whose term ends is reappointed rather than "
              "replaced."),
    param("governance.rep_body.weight.advisory", 0.5, "weight 0–1", 0.0, 1.0,
          source="§4.2 (advisory bodies); assumption",
          doc="Weight of an advisory representative body's voice and say in the surplus "
              "allocation."),
    param("governance.rep_body.weight.approves_strategy", 0.75, "weight 0–1", 0.0, 1.0,
          source="§4.2 (a council of governors approves strategy, Case 4); assumption",
          doc="As above, for a body that approves strategy."),
    param("governance.rep_body.weight.appoints_board", 1.0, "weight 0–1", 0.0, 1.0,
          source="§4.2 (Case 11's members appoint the board); assumption",
          doc="As above, for a body that appoints the board."),
]
ELECTED_BOARD_SEATS = {"staff_elected": "staff", "user_elected": "users"}
# every elected seat kind and its constituency (board and representative body), for
# Seat.constituency (read ~150 times a month)
_CONSTITUENCY = {"staff": "staff", "users": "users", **ELECTED_BOARD_SEATS}
APPOINTED = "appointed"  # holder of a representative-body seat filled by a partner body
def power_factor(p, powers: str) -> float:
    """The weight of a representative body's say, by its powers (1 for appointing the board)."""
    return getattr(p.governance.rep_body.weight, powers)


@dataclass
class Seat:
    # board: executive | independent | staff_elected | user_elected | council_appointed |
    # co_opted; representative body: staff | users | appointed
    kind: str
    holder: Any = None  # BoardMember, person agent, APPOINTED, or None while vacant
    term_end: int = 0
    # an elected board seat that fell vacant mid-term: its last holder's skill, until the board
    # decides at the next election whether to re-open it (:func:`review_vacated_seats`)
    last_skill: float | None = None
    not_replaced: bool = False  # the board chose not to re-open it (§4.2 Case 3): never again

    @property
    def vacant(self) -> bool:
        return self.holder is None

    @property
    def constituency(self) -> str | None:
        """'staff' or 'users' for a seat elected by that constituency, else None."""
        return _CONSTITUENCY.get(self.kind)

    @property
    def person(self):
        """The staff member or service user in this seat, if any."""
        holder = self.holder
        if holder is None or holder is APPOINTED:
            return None
        if isinstance(holder, BoardMember):
            return holder.person
        return None if holder == APPOINTED else holder


@dataclass
class Body:
    name: str                  # "board", "staff council", "council of governors", ...
    powers: str = "none"       # representative body only
    seats: list[Seat] = field(default_factory=list)

    def elected(self, constituency: str | None = None) -> list[Seat]:
        # Seat.constituency inlined (called ~10 times a month over every seat)
        if constituency is None:
            return [s for s in self.seats if s.kind in _CONSTITUENCY]
        get = _CONSTITUENCY.get
        return [s for s in self.seats if get(s.kind) == constituency]

    def vacancy_rate(self) -> float:
        return sum(s.vacant for s in self.seats) / len(self.seats) if self.seats else 0.0

    def filled_share(self, constituency: str) -> float:
        seats = self.elected(constituency)
        return sum(not s.vacant for s in seats) / len(seats) if seats else 0.0

    def filled_shares(self) -> tuple[float, float]:
        """(staff, users) :meth:`filled_share`, in one pass over the seats."""
        staff = users = staff_filled = users_filled = 0
        get = _CONSTITUENCY.get
        for s in self.seats:
            if (c := get(s.kind)) == "staff":
                staff += 1
                staff_filled += s.holder is not None
            elif c == "users":
                users += 1
                users_filled += s.holder is not None
        return (staff_filled / staff if staff else 0.0, users_filled / users if users else 0.0)

    def members(self) -> list[BoardMember]:
        return [s.holder for s in self.seats if isinstance(s.holder, BoardMember)]


# --- building the bodies at month 0 ------------------------------------------------------------

def build_board(model) -> Body:
    """Executives, elected, council-appointed, co-opted and independent seats (Table 4.1).
    Appointed seats start filled with staggered terms; elected seats wait for the first
    election."""
    p = model.params
    kinds = {"executive": p.governance.board.executive_seats,
             "staff_elected": p.governance.board.staff_seats,
             "user_elected": p.governance.board.user_seats,
             "council_appointed": p.governance.board.council_seats,
             "co_opted": p.governance.board.coopted_seats}
    # the board grows when the other seats outnumber its size (then it has no independents)
    kinds["independent"] = max(0, p.governance.board.size - sum(kinds.values()))
    board = Body("board")
    for kind, n in kinds.items():
        board.seats += [Seat(kind) for _ in range(n)]
    for i, seat in enumerate(board.seats):
        if seat.constituency is None:
            appoint(model, seat, term_end=_staggered_end(model, i))
    return board


def build_rep_body(model) -> Body | None:
    """The staff council / council of governors / representative body, or None (§4.2)."""
    p = model.params
    powers = p.governance.rep_body.powers
    n_staff, n_users = p.governance.rep_body.staff_seats, p.governance.rep_body.user_seats
    n_appointed = p.governance.rep_body.appointed_seats
    if powers == "none" or n_staff + n_users + n_appointed == 0:
        return None
    if n_users:
        name = "representative body"
    else:
        name = "council of governors" if powers != "advisory" else "staff council"
    body = Body(name, powers, [Seat("staff") for _ in range(n_staff)]
                + [Seat("users") for _ in range(n_users)]
                + [Seat(APPOINTED) for _ in range(n_appointed)])
    for i, seat in enumerate(body.seats):
        if seat.kind == APPOINTED:
            seat.holder, seat.term_end = APPOINTED, _staggered_end(model, i)
    return body


def _staggered_end(model, i: int) -> int:
    """Terms of the founding seats end in different years so that a share is renewed yearly."""
    years = model.params.governance.term_years
    return 12 * (1 + i % years)


def appoint(model, seat: Seat, term_end: int, person=None) -> BoardMember:
    """Put a new director in a board seat. Skill is drawn around governance.board.skill for
    appointees; an elected director brings their own confidence (§4.2: boards as 'a source of
    professional skills'). Directors chosen by a representative body that appoints the board
    share the mission more; council appointees less (assumptions, §4.2 Case 11 and Case 6)."""
    rng, p = model.rng, model.params
    if person is not None:
        skill = float(person.confidence)
        alignment = float(person.affinity)
    else:
        mean = p.governance.board.skill
        k = p.governance.board.skill_concentration
        skill = float(rng.beta(k * mean, k * (1 - mean)))
        kind = "members" if _chosen_by_members(model, seat) else \
            "council" if seat.kind == "council_appointed" else "appointed"
        shape = getattr(p.governance.board.alignment, kind)
        alignment = float(rng.beta(shape.a, shape.b))
    who = "executive" if seat.kind == "executive" else "non_executive"
    shape = getattr(p.governance.board.risk, who)
    risk = float(rng.beta(shape.a, shape.b))
    if isinstance(seat.holder, BoardMember):
        seat.holder.remove()
    member = BoardMember(model, seat.kind, skill, alignment, risk, term_end, person)
    seat.holder, seat.term_end = member, term_end
    return member


def _chosen_by_members(model, seat: Seat) -> bool:
    return (seat.kind == "independent"
            and model.params.governance.rep_body.powers == "appoints_board")


# --- seats falling vacant ------------------------------------------------------------------------

def present(model, person) -> bool:
    """Whether a person agent is still with the organisation (rows move when columns are
    compacted; a departed person's row is dead or reused)."""
    cols = model.staff if person._columns_attr == "staff" else model.users
    return cols.holds(person.row, person)


def vacate(model, body: Body, seat: Seat, step_down: bool) -> None:
    """Empty a seat; a person who steps down returns to rung 3 (still active). An elected board
    seat emptied before its term ends remembers its holder's skill for the board's review at
    the next election (:func:`review_vacated_seats`)."""
    person = seat.person
    if step_down and person is not None and present(model, person):
        person.engagement = 3  # shape: rung 3, active
    if (body is model.governance.board and seat.constituency is not None
            and isinstance(seat.holder, BoardMember) and seat.term_end > model.month):
        seat.last_skill = seat.holder.skill
    if isinstance(seat.holder, BoardMember):
        seat.holder.remove()
    seat.holder = None


def release_leavers(model) -> list[tuple[Body, Seat, Any]]:
    """Seats of people who left the organisation fall vacant until the next election (§4.2
    Case 3). Returns the seats still held by a person, as (body, seat, person) in seat order."""
    held = []
    for body in model.governing_bodies():
        for seat in body.seats:
            person = seat.person
            if person is None:
                continue
            if present(model, person):
                held.append((body, seat, person))
                continue
            vacate(model, body, seat, step_down=False)
            model.month_counts["representatives_left"] = \
                model.month_counts.get("representatives_left", 0) + 1
            model.log("governance", f"a {_seat_words(body, seat)} left the organisation; "
                                    "the seat stays vacant until the next election.")
    return held


def release(model) -> None:
    """Each month: seats of people who left are vacated, and some representatives step down
    (more when dissatisfied). Vacancies wait for the next election (§4.2 Case 3)."""
    held = release_leavers(model)
    rate = 1.0 - (1.0 - model.params.governance.seats.resign_per_year) ** (1 / 12)
    weight = model.params.workforce.dissatisfaction_attrition
    # every held seat's chance at once (stepping down changes no one's satisfaction and no
    # other seat), then one draw per held seat in seat order: rng.random(k) is the k draws
    # rng.random() gives one by one, and numpy's exp is the same per element
    if not held:
        return
    satisfaction = np.array([person.satisfaction for _, _, person in held])
    steps_down = model.rng.random(len(held)) < rate * np.exp(weight * (0.5 - satisfaction))
    for (body, seat, _), leaves in zip(held, steps_down.tolist(), strict=True):
        if leaves:
            vacate(model, body, seat, step_down=True)
            model.log("governance", f"a {_seat_words(body, seat)} stepped down; the seat "
                                    "stays vacant until the next election.")


def review_vacated_seats(model) -> None:
    """Before the annual election, the board decides on each elected seat that fell vacant
    mid-term (§4.2, Table 4.1 Case 3: representatives who left 'were not replaced'): if its
    last holder's skill was below the appointed directors' mean ('contributed little at board
    meetings'), it is not re-opened with chance ``governance.board.not_replaced_chance`` and
    stays vacant for the rest of the run; otherwise it is open at this election."""
    board = model.governance.board
    pending = [s for s in board.seats if s.last_skill is not None]
    if not pending:
        return
    appointed = [m.skill for m in board.members() if m.person is None]
    bar = sum(appointed) / len(appointed) if appointed else 0.0
    chance = model.params.governance.board.not_replaced_chance
    for seat in pending:
        skill, seat.last_skill = seat.last_skill, None
        if not seat.vacant or skill >= bar or chance <= 0.0:
            continue
        if model.rng.random() < chance:
            seat.not_replaced = True
            model.log("governance", f"the board did not re-open the {_seat_words(board, seat)}'s "
                                    "seat: it judged that its representative had contributed "
                                    "little (§4.2); the seat stays vacant.")


def renew_appointments(model) -> None:
    """At the year end, appointed directors and appointees whose term ended are reappointed or
    replaced (these seats never stay vacant)."""
    month, years = model.month, model.params.governance.term_years
    for body in model.governing_bodies():
        for seat in body.seats:
            if seat.constituency is not None or seat.term_end > month:
                continue
            if seat.holder == APPOINTED or \
                    model.rng.random() < model.params.governance.board.reappointment_chance:
                seat.term_end = month + 12 * years  # reappointed
                if isinstance(seat.holder, BoardMember):
                    seat.holder.term_end = seat.term_end
            else:
                appoint(model, seat, term_end=month + 12 * years)


def _seat_words(body: Body, seat: Seat) -> str:
    who = {"staff": "staff", "users": "service-user"}[seat.constituency]
    return f"{who}-elected director" if body.name == "board" else \
        f"{who} representative on the {body.name}"
