"""The decision procedure per level: who is consulted, how long it takes, how good the decision
is, and what it does to voice and psychological ownership (§5.2, §5.3, §5.5).

**Who.** Every decision starts with the executive; strategy and policy decisions then go to
the board (operations are delegated, §5.2). With depth ``d`` of the level, the representative
body (if there is one with a filled seat) is consulted on a share ``min(1, 2d)`` of decisions
and the wider membership — engaged staff (rung ≥ 2) and, on strategy and operations, engaged
service users where they are a constituency — on a share ``max(0, 2d − 1)``.

**Latency** (months) = scale × (executive + board + consulted stages × (1 + delay × conflict))
+ owner's approval (strategy), where a consulted stage takes its meeting time plus
``size_months × log2(1 + participants / 8)``; operations run at ``operations_scale``. The actual
latency is gamma-distributed around it. A decision slower than its deadline misses it; when the
deadline is shorter than the full procedure, the executive may take it alone
(``urgent_delegation``: in time, without voice).

**Quality** is the chance that the decision is right. Each participant forms a noisy judgement
whose accuracy is Φ(signal × knowledge); the bodies pool them as well as possible
(precision-weighted, the optimal rule for independent judgements — the Gaussian form of
Condorcet's jury theorem, Grofman, Owen & Feld 1983; Nitzan & Paroush 1982 for weighted votes):
quality = Φ(signal × √Σ n_eff·k²). Members of one body share information, so n members count as
``n_eff = n / (1 + (n − 1)ρ)`` independent judgements (Ladha 1992): more and better-informed
participants raise quality, with diminishing returns. Knowledge is skill for appointed
directors and confidence × a level factor for staff and users (they know operations best).

**Voice and ownership.** A constituency's voice in a decision is the strongest of its channels:
a filled seat on the board, the representative body consulted (× its power × the share of the
constituency's seats filled), or being consulted directly (1). Participants gain psychological
ownership; engaged staff (rung ≥ 3) lose some when a strategy or policy decision is imposed
without consulting the representative body or the membership (§5.3 'Are you not listening?').
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from sim.mechanisms.governance import public_sector
from sim.mechanisms.governance.bodies import Body, power_factor, present
from sim.mechanisms.people import kernels
from sim.parameter import param
from sim.population import column_mean

# --- parameters (collected into the registry by sim/params.py) ------------------------

PARAMS = [
    # who decides: depth of the procedure per decision level (§5.2)
    param("governance.depth.strategy", 0.3, "index 0–1", 0.0, 1.0,
          source="§5.2: strategy = 'forward business planning, growth, diversification and "
                 "innovation'; 0 = stewardship (board and executive alone), 1 = democratic "
                 "multi-stakeholder",
          doc="Depth of the strategy procedure: the representative body is consulted on a share "
              "min(1, 2·depth) of decisions and the wider membership on max(0, 2·depth − 1)."),
    param("governance.depth.policy", 0.4, "index 0–1", 0.0, 1.0,
          source="§5.2: policy and procedures, HR and people management",
          doc="Depth of the policy procedure (as for strategy)."),
    param("governance.depth.operations", 0.4, "index 0–1", 0.0, 1.0,
          source="§5.2: operations, 'delegated decision-making, empowerment of frontline workers'",
          doc="Depth of the operations procedure (as for strategy; no board stage)."),
    # decision latency (§5.2: deliberation is slower; still faster than the public sector)
    param("governance.latency.executive_months", 0.25, "months", 0.0, 6.0,
          source="assumption: a fortnight for the executive team to form a view",
          doc="Time for the executive (or manager) stage, present in every decision."),
    param("governance.latency.board_months", 1.0, "months", 0.0, 6.0,
          source="assumption: boards meet about every two months (mean wait one month)",
          doc="Board stage of strategy and policy decisions."),
    param("governance.latency.rep_body_months", 1.5, "months", 0.0, 12.0,
          source="Table 4.1 (Case 2: staff council meets bi-monthly; Case 11: joint meetings "
                 "twice yearly); assumption",
          doc="Representative-body stage when it is consulted (plus the size term)."),
    param("governance.latency.membership_months", 2.0, "months", 0.0, 12.0,
          source="§5.2 Case 8 ('really laborious and slow'); Case 12: a '6 month process with "
                 "input from staff and citizen members'",
          doc="Wider membership consultation stage when it is consulted (plus the size term)."),
    param("governance.latency.size_months", 0.3, "months per doubling", 0.0, 3.0,
          source="assumption: larger bodies take longer to hear everyone (docs/ODD.md §3 step 2)",
          doc="A consulted stage takes this × log2(1 + participants / 8) months more."),
    param("governance.latency.operations_scale", 0.25, "ratio", 0.05, 1.0,
          source="§5.2: operational decisions are delegated to teams and take place locally",
          doc="Operations decisions take this share of the time of the same stages."),
    param("governance.latency.external_approval_months", 0.0, "months", 0.0, 12.0,
          source="Table 4.1 Case 6: an LA joint committee 'adjudicates on major decisions'",
          doc="Owner's approval added to every strategy decision (council-owned mutuals)."),
    param("governance.latency.conflict_delay", 1.0, "ratio at conflict 1", 0.0, 5.0,
          source="§5.3 Case 11: approved 'after several rounds of negotiations'",
          doc="Consultation stages take × (1 + this × conflict index)."),
    param("governance.latency.noise_cv", 0.3, "coefficient of variation", 0.0, 1.0,
          source="assumption",
          doc="Spread of a decision's actual latency around its expected value (gamma)."),
    # decision quality: pooled noisy judgements (Condorcet, Gaussian-signal form)
    param("governance.judgement.signal", 0.67, "z per unit knowledge", 0.05, 3.0,
          source="Grofman, Owen & Feld 1983 (pooling noisy judgements); assumption: a fully "
                 "informed person is right 3 times in 4 (Φ(0.67) = 0.75)",
          doc="A person of knowledge k judges a decision right with chance Φ(signal · k)."),
    param("governance.judgement.correlation", 0.2, "correlation", 0.0, 1.0,
          source="Ladha 1992 (correlated votes); assumption: members of one body share "
                 "information",
          doc="Error correlation within a body; n members count as n / (1 + (n−1)·this)."),
    param("governance.judgement.frontline.strategy", 0.6, "ratio", 0.0, 2.0,
          source="§5.4 Case 11 CEO: people 'get caught up in the immediate'",
          doc="Knowledge of staff and users (their confidence) × this on strategy decisions."),
    param("governance.judgement.frontline.policy", 1.0, "ratio", 0.0, 2.0,
          source="assumption",
          doc="As above, for policy decisions."),
    param("governance.judgement.frontline.operations", 1.3, "ratio", 0.0, 2.0,
          source="§4.2 Case 6: 'you know [our clients] best because you work with them'",
          doc="As above, for operations (capped at knowledge 1)."),
    # voice and psychological ownership (§5.3, §5.5)
    param("governance.voice.board_channel", 0.25, "voice share", 0.0, 1.0,
          source="Table 4.1 (staff directors on most boards); assumption",
          doc="Formal voice of a constituency in a board decision when it holds a filled seat."),
    param("governance.voice.rep_body_channel", 0.6, "voice share", 0.0, 1.0,
          source="§5.3 Case 2 (a staff council that the board listens to); assumption",
          doc="Voice when the representative body is consulted, × its power (advisory 0.5 … "
              "appoints the board 1) × the constituency's filled share of its seats."),
    param("governance.voice.ownership_gain", 0.05, "share of gap per decision", 0.0, 0.5,
          source="§5.2 Case 11: 'quality decisions that have significant levels of ownership'",
          doc="Psychological ownership gained by each participant of a consulted decision."),
    param("governance.voice.imposition_loss", 0.04, "share per decision", 0.0, 0.5,
          source="§5.3 Case 11: 'I thought you were a mutual. Are you not listening to us?'",
          doc="Ownership lost by engaged staff (rung ≥ 3) per strategy or policy decision imposed "
              "without their voice (× 1 − their voice share)."),
    param("governance.bids.procedure", "ratified", "rule",
          choices=("executive", "ratified", "full"),
          source="§5.2 (Case 7: the CEO bids in 'a week window'; Case 8: 'working groups around "
                 "certain types of decision-making'; Case 1: 'learning ... which decisions to "
                 "consult on')",
          doc="Who takes bid/no-bid decisions for new tenders: the executive and bid team alone; "
              "'ratified' by the board (and the representative body where it approves the "
              "strategy, consulted as strategy depth says); or the 'full' strategy procedure "
              "(board, representative body and membership by depth)."),
    param("governance.bids.ratify_months", 0.5, "months", 0.0, 6.0,
          source="§5.2 (Case 7's 'week window'; boards meet monthly); assumption: the next "
                 "board meeting or the chair's action, on average half a month away",
          doc="Time the board takes to ratify a bid the executive has decided to make (the "
              "'ratified' bid procedure)."),
    # coefficients of the rules above (issue 10: every behavioural constant a parameter)
    param("governance.latency.size_scale", 8, "persons", 1, 1000,
          source="§5.2 (larger bodies deliberate longer); assumption",
          doc="Latency of a stage grows by governance.latency.size_months × log2(1 + people "
              "consulted / this)."),
]

DECISION_LEVELS = ("strategy", "policy", "operations")
MEMBERSHIP = "membership"
APPROVING = ("approves_strategy", "appoints_board")  # bodies whose assent a strategy needs


class Decision(NamedTuple):
    """One decision taken through the procedure (what the funding side gets back). A named
    tuple, immutable as a frozen dataclass is, but made in a fraction of its time (a run takes
    400-500 decisions)."""

    level: str
    month: int
    deadline: float        # months before the opportunity closes
    latency: float         # months the procedure took
    quality: float         # chance the decision is right (pooled judgement)
    in_time: bool          # latency <= deadline; otherwise the opportunity is missed
    correct: bool          # drawn from quality
    voice: float           # staff's formal voice share 0-1
    user_voice: float      # service users' formal voice share 0-1
    consulted: tuple[str, ...]  # "board", the representative body's name, "membership"
    delegated: bool        # urgent: taken by the executive alone
    risk_appetite: float   # mean risk appetite of the directors who decided
    kind: str = "opportunity"

    @property
    def deliberative(self) -> bool:
        """Whether anyone beyond the executive and the board was consulted."""
        return self.consulted.count("board") < len(self.consulted)  # someone else took part


@dataclass
class Participants:
    """Who could take part this month: (count, mean knowledge before the level factor)."""

    executive: tuple[int, float]
    directors: tuple[int, float]          # appointed non-executives
    elected_directors: tuple[int, float]  # their knowledge is a person's confidence
    rep_people: tuple[int, float]
    rep_appointed: int
    staff: tuple[int, float]              # rung >= 2
    users: tuple[int, float]              # rung >= 2, aware, members where there is a rule
    board_filled: tuple[float, float] = (0.0, 0.0)  # filled share of staff / user seats
    rep_filled: tuple[float, float] = (0.0, 0.0)
    stamp: int = -1                       # model.steps when counted
    # the procedure's terms computed from this survey (consult shares, stage months, quality,
    # voice), kept while the parameters, conflict index and representative body stay the same
    # (:func:`_memo`): the same values as computing them afresh, once per survey, not per call
    memo: dict = field(default_factory=dict, compare=False, repr=False)


def _mean(values: list[float]) -> tuple[int, float]:
    return len(values), (sum(values) / len(values) if values else 0.0)


def survey(model) -> Participants:
    """Count the possible participants and their knowledge (once a month, reused)."""
    board, rep = model.governance.board, model.governance.rep_body
    executive, directors, elected = [], [], []  # skills, in seat order (one pass)
    for m in board.members():
        chosen = m.person is not None  # BoardMember.elected, once a member
        if m.seat_type == "executive":
            executive.append(m.skill)
        elif not chosen:
            directors.append(m.skill)
        if chosen:
            elected.append(m.skill)
    s, u = model.staff, model.users
    staff_mask = s.alive & (s.engagement >= 2)
    users_mask = users_consultable(model)
    n_staff, n_users = int(np.count_nonzero(staff_mask)), int(np.count_nonzero(users_mask))
    if _Batch.model is model:  # the batch's ownership effects start from the same masks
        _Batch.surveyed = (staff_mask, users_mask)
    rep_confidence = []  # present holders of the representative body's seats, in seat order
    rep_appointed = 0
    for seat in (rep.seats if rep else []):
        rep_appointed += seat.kind == "appointed"
        person = seat.person
        if person is not None and present(model, person):
            rep_confidence.append(person.confidence)
    return Participants(
        executive=_mean(executive),
        directors=_mean(directors),
        elected_directors=_mean(elected),
        rep_people=_mean(rep_confidence),
        rep_appointed=rep_appointed,
        staff=(n_staff, column_mean(s.confidence[staff_mask]) if n_staff else 0.0),
        users=(n_users, column_mean(u.confidence[users_mask]) if n_users else 0.0),
        board_filled=board.filled_shares(),
        rep_filled=rep.filled_shares() if rep else (0, 0),
        stamp=model.steps)


def users_consultable(model) -> np.ndarray:
    """Users who take part when the membership is consulted: engaged (rung ≥ 2) and aware,
    and members where users have a membership rule. None when users are no constituency."""
    u, p = model.users, model.params
    if p.membership.users.rule == "none" and not (
            model.governance.rep_body and model.governance.rep_body.elected("users")) and not \
            p.governance.board.user_seats:
        return np.zeros(u.size, dtype=bool)
    mask = u.alive & (u.engagement >= 2) & u.aware
    if p.membership.users.rule != "none":
        mask &= u.member
    return mask


def participants(model, refresh: bool = False) -> Participants:
    """This month's survey (taken afresh each step, and after the elections)."""
    if refresh or model.governance.participants.stamp != model.steps:
        model.governance.participants = survey(model)
    return model.governance.participants


# --- the procedure --------------------------------------------------------------------------

def _memo(model, who: Participants) -> dict:
    """``who``'s memo of the procedure's terms, emptied when an input other than the survey
    changed since they were computed: the parameters (a timed event rebuilds ``model.params``),
    the conflict index (settled after the month's decisions) or the representative body."""
    memo, g = who.memo, model.governance
    rep = g.rep_body
    powers = rep.powers if rep is not None else None
    if (memo.get("params") is not model.params or memo.get("conflict") != g.conflict_index
            or memo.get("rep_body") is not rep or memo.get("powers") != powers):
        memo.clear()
        memo.update(params=model.params, conflict=g.conflict_index, rep_body=rep,
                    powers=powers)
    return memo


def consult_shares(model, level: str, depth: float | None = None) -> tuple[float, float]:
    """(representative body, membership) share of decisions consulted at this level."""
    who = participants(model)
    return _consulted(model, who, _memo(model, who) if depth is None else None, level, depth)


def _consulted(model, who: Participants, memo: dict | None, level: str,
               depth: float | None) -> tuple[float, float]:
    if depth is None:
        key = ("consult", level)
        if (hit := memo.get(key)) is None:
            hit = memo[key] = _consult_shares(model, who, level,
                                              getattr(model.params.governance.depth, level))
        return hit
    return _consult_shares(model, who, level, depth)


def _consult_shares(model, who: Participants, level: str, d: float) -> tuple[float, float]:
    # shape: depth 0 -> 1/2 -> 1 consults the body more, then the members (the params' doc)
    rep = min(1.0, 2 * d) if who.rep_people[0] + who.rep_appointed > 0 else 0.0
    users_too = level != "policy"
    has_members = who.staff[0] + (who.users[0] if users_too else 0) > 0
    return rep, (max(0.0, 2 * d - 1) if has_members else 0.0)  # shape: as above


def stage_months(model, level: str) -> tuple[float, float, float]:
    """(fixed stages, representative-body stage, membership stage) in months, before scaling."""
    who = participants(model)
    return _stages(model, who, _memo(model, who), level)


def _stages(model, who: Participants, memo: dict, level: str) -> tuple[float, float, float]:
    key = ("stages", level)
    if (hit := memo.get(key)) is None:
        hit = memo[key] = _stage_months(model, who, level)
    return hit


def _stage_months(model, who: Participants, level: str) -> tuple[float, float, float]:
    p = model.params
    fixed = p.governance.latency.executive_months
    if level != "operations":
        fixed += p.governance.latency.board_months
    slow = 1.0 + p.governance.latency.conflict_delay * model.governance.conflict_index
    size = p.governance.latency.size_months
    n_rep = who.rep_people[0] + who.rep_appointed
    n_members = who.staff[0] + (who.users[0] if level != "policy" else 0)
    scale = p.governance.latency.size_scale
    rep = (p.governance.latency.rep_body_months + size * math.log2(1 + n_rep / scale)) * slow
    members = (p.governance.latency.membership_months
               + size * math.log2(1 + n_members / scale)) * slow
    return fixed, rep, members


def _scale(p, level: str) -> float:
    return p.governance.latency.operations_scale if level == "operations" else 1.0


def _external(p, level: str) -> float:
    return p.governance.latency.external_approval_months if level == "strategy" else 0.0


def expected_latency(model, level: str) -> float:
    """Mean months the full procedure takes at this level now (the decision_latency seam)."""
    p = model.params
    who = participants(model)  # the survey and its memo once (stage_months, consult_shares)
    memo = _memo(model, who)
    fixed, rep, members = _stages(model, who, memo, level)
    share_rep, share_members = _consulted(model, who, memo, level, None)
    return _scale(p, level) * (fixed + share_rep * rep + share_members * members) + \
        _external(p, level)


def pooled_quality(p, groups: list[tuple[int, float]]) -> float:
    """Chance the pooled judgement is right: Φ(signal · √Σ n_eff k²) (see module docstring)."""
    rho = p.governance.judgement.correlation
    precision = sum([n / (1 + (n - 1) * rho) * min(k, 1.0) ** 2 for n, k in groups if n > 0])
    z = p.governance.judgement.signal * math.sqrt(precision)
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))  # shape: the normal CDF


def _memoised(model, term, level: str, board: bool, rep: bool, members: bool):
    """``term(model, who, ...)`` once per survey for each procedure (``Participants.memo``)."""
    who = participants(model)
    return _term(model, who, _memo(model, who), term, level, board, rep, members)


def _term(model, who: Participants, memo: dict, term, level: str, board: bool, rep: bool,
          members: bool):
    key = (term, level, board, rep, members)
    if (hit := memo.get(key)) is None:
        hit = memo[key] = term(model, who, level, board, rep, members)
    return hit


def quality(model, level: str, board: bool, rep: bool, members: bool) -> float:
    return _memoised(model, _quality, level, board, rep, members)


def _quality(model, who: Participants, level: str, board: bool, rep: bool, members: bool
             ) -> float:
    p = model.params
    f = getattr(p.governance.judgement.frontline, level)
    groups = [who.executive]
    if board:
        groups += [who.directors, (who.elected_directors[0], who.elected_directors[1] * f)]
    if rep:
        n_p, k_p = who.rep_people
        n_a = who.rep_appointed
        k = (n_p * k_p * f + n_a * p.governance.board.skill) / max(1, n_p + n_a)
        groups.append((n_p + n_a, k))
    if members:
        groups.append((who.staff[0], who.staff[1] * f))
        if level != "policy":
            groups.append((who.users[0], who.users[1] * f))
    return pooled_quality(p, groups)


def voice_shares(model, level: str, board: bool, rep: bool, members: bool
                 ) -> tuple[float, float]:
    """(staff, users) formal voice in one decision: the strongest channel (module docstring)."""
    return _memoised(model, _voice_shares, level, board, rep, members)


def _voice_shares(model, who: Participants, level: str, board: bool, rep: bool, members: bool
                  ) -> tuple[float, float]:
    p, rep_body = model.params, model.governance.rep_body
    out = []
    for i, group in enumerate(("staff", "users")):
        v = 0.0
        if board and who.board_filled[i] > 0:
            v = p.governance.voice.board_channel
        if rep:
            v = max(v, p.governance.voice.rep_body_channel * power_factor(p, rep_body.powers)
                    * who.rep_filled[i])
        if members and (group == "staff" or (level != "policy" and who.users[0])):
            v = 1.0
        out.append(v)
    return out[0], out[1]


def expected_voice(model, level: str) -> tuple[float, float]:
    """(staff, users) mean formal voice per decision at this level under the current procedure."""
    rep, members = consult_shares(model, level)
    board = level != "operations"
    cases = (((1 - rep) * (1 - members), False, False), (rep * (1 - members), True, False),
             (members, rep > 0, True))
    out = [0.0, 0.0]
    for weight, with_rep, with_members in cases:
        if weight > 0:
            v = voice_shares(model, level, board, with_rep, with_members)
            out = [out[0] + weight * v[0], out[1] + weight * v[1]]
    return out[0], out[1]


def decide(model, level: str, deadline_months: float, kind: str = "opportunity",
           depth: float | None = None, procedure: str = "full") -> Decision:
    """Take one decision through the procedure and apply its effects; return what happened.

    The funding side routes its tenders, acquisitions and diversification through this:
    ``decide(model, "strategy", deadline_months=tender.deadline).in_time`` says whether the bid
    is made. ``depth`` overrides the level's depth for this decision only (a trainer's 'what if
    the board had just decided?'). ``procedure`` narrows who takes part (bids, §5.2):
    ``"full"`` the level's procedure; ``"ratified"`` the executive decides and the board
    ratifies, with the representative body only where it approves the strategy (consulted as
    the depth says) and never the whole membership; ``"executive"`` the executive (and bid
    team) alone.
    """
    if level not in DECISION_LEVELS:
        raise ValueError(f"unknown decision level {level!r} (one of {DECISION_LEVELS})")
    p, rng = model.params, model.rng
    # the survey and its memo, looked up once: nothing a decision reads changes before its
    # ownership effects (the same values as consult_shares, stage_months, quality and
    # voice_shares give)
    who = participants(model)
    memo = _memo(model, who)
    share_rep, share_members = _consulted(model, who, memo, level, depth)
    board = level != "operations"
    if procedure == "executive":
        share_rep = share_members = 0.0
        board = False
    elif procedure == "ratified":
        share_members = 0.0
        if model.governance.rep_body is None or model.governance.rep_body.powers not in APPROVING:
            share_rep = 0.0
    rep = rng.random() < share_rep
    members = rng.random() < share_members
    fixed, rep_months, member_months = _stages(model, who, memo, level)
    external = _external(p, level)
    if procedure == "ratified" and board:  # the board ratifies at its next meeting
        fixed += p.governance.bids.ratify_months - p.governance.latency.board_months
    elif procedure == "executive":         # the executive and bid team alone
        fixed, external = p.governance.latency.executive_months, 0.0
    planned = _scale(p, level) * (fixed + rep * rep_months + members * member_months) + \
        external
    delegated = (deadline_months < planned and (rep or members or board)
                 and rng.random() < p.governance.urgent_delegation)
    if delegated:  # the executive takes it alone to meet the deadline (§5.2 Case 7)
        board = rep = members = False
        planned = _scale(p, level) * p.governance.latency.executive_months
    latency = _noisy(planned, p.governance.latency.noise_cv, rng)
    q = _term(model, who, memo, _quality, level, board, rep, members)
    voice, user_voice = _term(model, who, memo, _voice_shares, level, board, rep, members)
    consulted = ("board",) if board else ()  # in procedure order
    if rep:
        consulted += (model.governance.rep_body.name,)
    if members:
        consulted += (MEMBERSHIP,)
    decision = Decision(level, model.month, float(deadline_months), latency, q,
                        latency <= deadline_months, bool(rng.random() < q), voice, user_voice,
                        consulted, delegated, _appetite(model.governance.board, board), kind)
    apply_ownership_effects(model, decision)
    model.governance.decisions.append(decision)
    public_sector.shadow(model, decision)  # the parent body's chain, for P6
    if level == "strategy":
        _tell(model, decision)
    return decision


def _tell(model, d: Decision) -> None:
    """Strategy decisions worth a line in the event log (§5.2 Case 7: 'a week window')."""
    if not d.in_time and d.kind == "opportunity":  # tenders and growth log their own misses
        model.log("decision", f"a strategy opportunity closed before a decision: its deadline "
                              f"was {d.deadline:.2f} months, the procedure "
                              f"({', '.join(d.consulted) or 'executive'}) took "
                              f"{d.latency:.2f}.")
    elif d.delegated:
        model.log("decision", f"the executive took an urgent strategy decision alone to meet "
                              f"a {d.deadline:.1f}-month deadline, without consulting staff.")


def _noisy(mean: float, cv: float, rng) -> float:
    if mean <= 0 or cv <= 0:
        return float(mean)
    shape = 1.0 / cv ** 2
    return float(rng.gamma(shape, mean / shape))


def _appetite(board: Body, with_board: bool) -> float:
    cache = _Batch.appetite if _Batch.model is not None else None
    key = (id(board), with_board)  # the board outlives the batch: its id is not reused
    if cache is not None and (hit := cache.get(key)) is not None:
        return hit
    members = [m for m in board.members() if with_board or m.seat_type == "executive"]
    appetite = sum([m.risk_appetite for m in members]) / len(members) if members else 0.5  # neutral
    if cache is not None:
        cache[key] = appetite
    return appetite


# --- psychological ownership -------------------------------------------------------------------

class _Batch:
    """Who could take part, counted once for a batch of decisions (docs/ODD.md §3 step 2: the
    month's opportunities, ``cycle.monthly``) instead of once per decision. Deciding changes
    ownership only, so the masks hold for the whole batch; outside a batch (bids, growth)
    each decision counts afresh."""

    model = None
    masks: tuple | None = None
    surveyed: tuple | None = None  # (engaged staff, consultable users) surveyed in the batch
    seats: dict | None = None  # (board consulted, rep body consulted) -> _seat_rows
    appetite: dict | None = None  # (board, with the board) -> _appetite


def batch(model):
    """Context manager: the decisions taken inside share one count of the engaged staff and
    the consultable users (same results as counting per decision)."""
    return _BatchScope(model)


class _BatchScope:
    def __init__(self, model):
        self.model = model

    def __enter__(self):
        _Batch.model, _Batch.masks, _Batch.seats, _Batch.appetite = self.model, None, {}, {}
        _Batch.surveyed = None

    def __exit__(self, *exc):
        _Batch.model, _Batch.masks, _Batch.seats, _Batch.appetite = None, None, None, None
        _Batch.surveyed = None
        return False


def _engaged_masks(model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(staff on rung >= 2, staff on rung >= 3, consultable users), all alive."""
    if _Batch.model is model and _Batch.masks is not None:
        return _Batch.masks
    s = model.staff
    alive = s.alive
    if _Batch.model is model and _Batch.surveyed is not None:
        # the survey of this batch counted them (nothing moved since: deciding changes only
        # ownership): the same arrays as recomputing them
        engaged, consultable = _Batch.surveyed
        masks = (engaged, alive & (s.engagement >= 3), consultable)
    else:
        masks = (alive & (s.engagement >= 2), alive & (s.engagement >= 3),
                 users_consultable(model))
    if _Batch.model is model:
        _Batch.masks = masks
    return masks


def apply_ownership_effects(model, d: Decision) -> None:
    """Participants gain ownership; engaged staff lose some to a decision imposed on them."""
    p = model.params
    gain, loss = p.governance.voice.ownership_gain, p.governance.voice.imposition_loss
    s, u = model.staff, model.users
    engaged, active, consultable = _engaged_masks(model)
    took_part, user_rows = _seat_rows(model, d)
    for row in user_rows:
        u.ownership[row] += gain * (1 - u.ownership[row])
    if kernels.ENABLED:  # the same arithmetic in one pass (sim/mechanisms/people/kernels.py)
        kernels.ownership_effects(
            s.ownership, took_part, MEMBERSHIP in d.consulted, engaged,
            d.level != "operations" and not d.deliberative, active, gain,
            loss * (1 - d.voice), u.ownership, d.level != "policy", consultable)
        return
    if MEMBERSHIP in d.consulted:
        took_part = took_part | engaged  # a new array: took_part may be the batch's
        if d.level != "policy":
            users = consultable
            u.ownership[users] += gain * (1 - u.ownership[users])
    s.ownership[took_part] += gain * (1 - s.ownership[took_part])
    if d.level != "operations" and not d.deliberative:
        imposed = active & ~took_part
        s.ownership[imposed] -= loss * (1 - d.voice) * s.ownership[imposed]


def _seat_rows(model, d: Decision) -> tuple[np.ndarray, list[int]]:
    """(staff who took part through a consulted seat, as a mask; the rows of users who did,
    in seat order) for decision ``d``; holders who left this month (seat not yet freed) do not
    count. Within a batch, kept per combination of consulted bodies (nobody arrives or leaves
    while the month's decisions are taken); the mask is then shared and must not be written."""
    rep_body = model.governance.rep_body
    key = ("board" in d.consulted, rep_body is not None and rep_body.name in d.consulted)
    cache = _Batch.seats if _Batch.model is model else None
    if cache is not None and (hit := cache.get(key)) is not None:
        return hit
    took_part = np.zeros(model.staff.size, dtype=bool)
    user_rows = []
    for seat in _seats_consulted(model, d):
        person = seat.person
        if person is None or not present(model, person):  # left this month; seat not yet freed
            continue
        if person._columns_attr == "staff":
            took_part[person.row] = True
        else:
            user_rows.append(person.row)
    if cache is not None:
        cache[key] = (took_part, user_rows)
    return took_part, user_rows


def _seats_consulted(model, d: Decision):
    if "board" in d.consulted:
        yield from model.governance.board.elected()
    if model.governance.rep_body is not None and model.governance.rep_body.name in d.consulted:
        yield from model.governance.rep_body.elected()
