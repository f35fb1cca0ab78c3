"""Engagement and culture: the ladder, psychological ownership, satisfaction (docs/ODD.md §3,
step 7).

The ladder (§5.4, §6): 0 not involved, 1 passive, 2 occasional (votes, surveys), 3 active
(forums, working groups, volunteering), 4 representative (council, board). Each month a person
may move one rung up or down. The *drive* ``z`` tilts both chances (up × e^z, down × e^-z):
psychological ownership, confidence, active team-mates (contagion), support from a "pipeline of
engagement" (for staff and for users each from what is spent on them) and legal membership
push up; workload, part-time hours, dissatisfaction and being at a remote site push down
(§3.5: 30 dispersed sites). Each higher rung is harder to reach (``step_difficulty``). The
ladder itself stops at rung 3: rung 4 (representative) is a seat won at an election and held
until the term ends, the person steps down or leaves (``sim/mechanisms/governance/``).

Psychological ownership moves toward a target made of mission affinity, a voice that is heard
(§5.5), membership and one's own engagement, and toward the team's mean (contagion both ways
between TUPE and recruited staff, §5.4 Case 3). Transferred-in staff regain the affinity the
unwanted transfer cost them ("moved on or have accepted", Case 4).
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms.people import kernels, participation
from sim.mechanisms.people import users as users_mod
from sim.parameter import param
from sim.population import group_mean

# --- parameters (collected into the registry by sim/params.py) ------------------------

PARAMS = [
    # --- engagement --------------------------------------------------------------------
    param("engagement.up_rate", 0.04, "probability per month", 0.0, 0.5,
          source="assumption; ladder from §5.4 ('passive membership, occasional inputs ... up to "
                 "fuller, more active volunteering as well as formalised roles')",
          doc="Base monthly chance of moving one rung up the engagement ladder (0 → 1)."),
    param("engagement.down_rate", 0.03, "probability per month", 0.0, 0.5,
          source="assumption; §5.4 'It goes up and down, you know' (Case 5)",
          doc="Base monthly chance of moving one rung down."),
    param("engagement.step_difficulty", 0.35, "ratio per rung", 0.05, 1.0,
          source="assumption: each rung up the ladder is harder (§5.4: time, confidence, skills)",
          doc="The up-rate is multiplied by this once per rung above the first (rung 1→2 × d, "
              "2→3 × d², 3→4 × d³)."),
    param("engagement.ownership_weight", 2.0, "log-odds per unit", 0.0, 10.0,
          source="§5.5: psychological ownership and a 'voice that is heard' drive participation",
          doc="Weight of psychological ownership (centred at 0.5) in the ladder's drive."),
    param("engagement.confidence_weight", 1.5, "log-odds per unit", 0.0, 10.0,
          source="§5.4: lack of 'confidence in their ability to contribute'",
          doc="Weight of confidence (centred at 0.5) in the ladder's drive."),
    param("engagement.peer_weight", 1.5, "log-odds per active share", 0.0, 20.0,
          source="§5.4 Case 3 (newcomers and TUPE staff influence each other); assumption",
          doc="Weight of the share of active (rung ≥ 3) team-mates in the ladder's drive."),
    param("engagement.workload_weight", 2.0, "log-odds per unit overload", 0.0, 10.0,
          source="§5.4 ('everyone's snowed under with work'; 'people are busy')",
          doc="How much workload above 1 (and part-time hours) lowers the drive."),
    param("engagement.member_boost", 0.25, "log-odds", 0.0, 3.0,
          source="§5.4: formal membership 'may not readily translate' into engagement; assumption",
          doc="Added drive for legal members (small: membership and engagement diverge)."),
    param("engagement.default_member_share", 0.0, "share of member_boost", 0.0, 1.0,
          source="§4.1: opt-in because 'ownership should follow from a positive decision'; "
                 "'If you're an opt-out, well you don't really know what the organisation is "
                 "about' (Case 11 chair); Case 10 (automatic): 'a lack of understanding ... "
                 "about what employee ownership is'; the value is an assumption (stop 23, "
                 "chosen from the quotations before measuring)",
          doc="Share of engagement.member_boost felt by a member enrolled by the opt-out or "
              "automatic default rather than by their own decision (the `chose` column); "
              "members who chose feel all of it."),
    param("engagement.dispersion_penalty", 0.6, "log-odds at a remote site", 0.0, 3.0,
          source="§3.5, §5.4: at 30 dispersed sites engagement 'less strong than at core/HQ sites'",
          doc="Drive lost by staff and users away from the headquarters site, scaled by "
              "(1 − 1/sites)."),
    param("engagement.satisfaction_weight", 1.0, "log-odds per unit", 0.0, 10.0,
          source="docs/ODD.md §3 step 7 (dissatisfaction moves people down the ladder); assumption",
          doc="Weight of satisfaction (centred at 0.5) in the staff ladder's drive."),
    param("engagement.vulnerability_weight", 1.5, "log-odds per unit", 0.0, 10.0,
          source="§5.4: users who are vulnerable or disadvantaged are harder to involve "
                 "(Cases 1, 2)",
          doc="Drive lost by a fully vulnerable user."),
    param("engagement.confidence_gain", 0.03, "share of the gap per month", 0.0, 0.5,
          source="§5.4: 'talent spot', nurture and train prospective candidates; assumption",
          doc="Monthly confidence gain at full pipeline support (taking part adds half as much)."),
    param("engagement.pipeline_investment", 50.0, "£ per staff member per year", 0.0, 1_000.0,
          source="§5.4 Case 11: a 'Pipeline of Engagement' (talent spotting, training, nurturing)",
          doc="Spending on training and support for engagement; lifts confidence and the ladder."),
    param("engagement.users.pipeline_investment", 0.0, "£ per user per year", 0.0, 1_000.0,
          source="§5.4: 'The policy and support framework for spin-out mutuals has prioritised "
                 "employee ownership'; 'budgetary limitations on compensating users for their "
                 "input' (Case 6); strategies 'targeted at employees, users or both'. Default "
                 "0: nothing is spent on users unless a scenario says so",
          doc="Spending on training and support for users' engagement (a pipeline for users), "
              "paid per user present; engagement.pipeline_investment is paid per staff member "
              "and supports staff only."),
    param("engagement.pipeline_half_saturation", 150.0, "£ per person per year", 1.0, 5_000.0,
          source="assumption: diminishing returns to engagement spending",
          doc="Investment per person (staff member or user) at which the pipeline's effect is "
              "half its maximum."),
    param("engagement.pipeline_weight", 1.5, "log-odds at saturation", 0.0, 10.0,
          source="assumption",
          doc="Drive added by a saturated pipeline of engagement."),
    param("engagement.voice_heard", 0.42, "index 0–1", 0.0, 1.0,
          source="§4.2 (all 12 cases used surveys, intranets and team briefs); §5.5 (a voice "
                 "'that, "
                 "most importantly, is heard'); calibrated so the base scenario's voice stays "
                 "near the foundation's 0.5",
          doc="Informal voice of the reference organisation (400 staff, leadership openness 0.5, "
              "the default channels): the anchor of the informal-voice state, which moves with "
              "leadership, size and channels (participation.*). The governance procedure adds "
              "formal voice on top (governance.voice.*) and conflict takes some away; the "
              "result is the model's voice_heard."),
    param("engagement.representative_confidence", 0.55, "confidence 0–1", 0.0, 1.0,
          source="§5.4: candidates need confidence and skills; assumption for the threshold",
          doc="Minimum confidence to stand for an elected seat (rung 4) on the board or the "
              "representative body."),
    param("engagement.user_rate_factor", 0.3, "ratio to staff rates", 0.0, 2.0,
          source="§5.4: engaging users 'pose[s] much more of a challenge than ... employees'",
          doc="Users' up-rate relative to staff's."),
    # --- ownership and culture ---------------------------------------------------------
    param("ownership.adjust_rate", 0.08, "share of gap per month", 0.0, 1.0,
          source="assumption: ownership feelings move over months, not days",
          doc="Rate at which psychological ownership moves toward its target."),
    param("ownership.contagion", 0.04, "share of gap per month", 0.0, 1.0,
          source="§5.4 Case 3 (staff influence each other's attitudes); assumption",
          doc="Pull of each person's ownership toward their team's (or locality's) mean."),
    param("ownership.voice_weight", 0.35, "weight", 0.0, 1.0,
          source="§5.5: agency and a 'voice' that 'is heard'",
          doc="Weight of voice heard in the ownership target."),
    param("ownership.member_weight", 0.1, "weight", 0.0, 1.0,
          source="§5.5: legal-formal and cultural-psychological ownership are distinct",
          doc="Weight of legal membership in the ownership target."),
    param("ownership.default_member_share", 1.0, "share of member_weight", 0.0, 1.0,
          source="§4.1: opt-in because 'ownership should follow from a positive decision'; "
                 "'If you're an opt-out, well you don't really know what the organisation is "
                 "about'; the value is an assumption: 1 (membership counts in full, the model "
                 "before stop 28); 0, tried at stop 28, loses Figure 5.1's Democratic mode 1 "
                 "(docs/participation.md, 'Ownership of default members')",
          doc="Share of ownership.member_weight that a member enrolled by the opt-out or "
              "automatic default (not `chose`) has in their ownership target; members who "
              "chose have all of it."),
    param("ownership.engagement_weight", 0.15, "weight", 0.0, 1.0,
          source="§5.5: taking part builds belonging; assumption",
          doc="Weight of one's own ladder rung (as rung/4) in the ownership target; mission "
              "affinity takes the weight left over."),
    param("satisfaction.affinity_weight", 0.5, "per unit", 0.0, 2.0,
          source="assumption: staff who share the mission are more content",
          doc="Effect of mission affinity (centred at 0.5) on the satisfaction target."),
    param("satisfaction.voice_weight", 0.3, "per unit", 0.0, 2.0,
          source="§5.3 ('Are you not listening to us?')",
          doc="Effect of voice heard (centred at 0.5) on the satisfaction target."),
    param("satisfaction.workload_weight", 0.5, "per unit overload", 0.0, 2.0,
          source="§5.4 ('snowed under with work')",
          doc="Satisfaction lost per unit of workload above 1."),
    param("satisfaction.pay_weight", 0.6, "per unit of pay index", 0.0, 3.0,
          source="§3.5 (pay and pensions below NHS/LA)",
          doc="Satisfaction gained per unit of pay index above 1 (lost below)."),
    param("satisfaction.adjust_rate", 0.1, "share of gap per month", 0.0, 1.0,
          source="assumption",
          doc="Rate at which satisfaction moves toward its target."),
    # coefficients of the rules above (issue 10: every behavioural constant a parameter)
    param("engagement.part_time_load", 0.5, "workload units", 0.0, 2.0,
          source="§5.4 Case 7 (part-time staff hard to involve); assumption",
          doc="Extra load a part-time worker carries in the ladder's drive."),
    param("engagement.max_step_chance", 0.9, "probability per month", 0.1, 1.0,
          source="assumption",
          doc="Cap on the monthly chance of moving a rung up or down."),
    param("engagement.active_confidence_gain", 0.5, "ratio", 0.0, 5.0,
          source="§5.4 ('talent spot, nurture and train'); assumption",
          doc="Confidence built by being active (rung ≥ 3), relative to the pipeline's support."),
    param("membership.users.awareness_base", 0.1, "promotion units", 0.0, 1.0,
          source="§5.4 (many users see a public body); assumption",
          doc="Users become aware the organisation is a mutual at awareness_gain × (base + "
              "promotion) a month."),
]

TOP = 4  # shape: the ladder's rungs are 0..4 (docs/ODD.md §2)


def pipeline_support(p, who: str = "staff") -> float:
    """Saturating effect 0-1 of pipeline spending per person a year (§5.4 Case 11): staff's
    from ``engagement.pipeline_investment`` (£ per staff member, paid per head in the books),
    users' from ``engagement.users.pipeline_investment`` (£ per user). Each constituency is
    supported by what is spent on it."""
    inv = (p.engagement.pipeline_investment if who == "staff"
           else p.engagement.users.pipeline_investment)
    return inv / (inv + p.engagement.pipeline_half_saturation)


def remote_penalty(sites: np.ndarray, n_sites: int, p) -> np.ndarray:
    """Drive lost away from headquarters (site 0), growing with dispersion (§3.5, §5.4)."""
    return p.engagement.dispersion_penalty * (1.0 - 1.0 / n_sites) * (sites != 0)


# The drives are sums of weighted terms. They are computed in place, one buffer for the sum and
# one for the term, in the order the sum is written in the docstrings (w_own·(ownership − ½) +
# w_conf·(confidence − ½) + ...): the same operations on the same numbers as the one-expression
# form, so the results are bit-identical (tests/test_golden.py), with fewer temporaries.

def _add(acc: np.ndarray, tmp: np.ndarray, column: np.ndarray, weight: float,
         centre: float | None = None) -> None:
    """acc += weight · (column − centre), or weight · column without a centre."""
    if centre is None:
        np.multiply(column, weight, out=tmp)
    else:
        np.subtract(column, centre, out=tmp)
        tmp *= weight
    acc += tmp


def chosen_share(chose: np.ndarray, default_share: float) -> np.ndarray:
    """How much of membership's effect each person has as a member (§4.1): all of it (1) for
    who chose to join, ``default_share`` of it for who was enrolled by a default. The ladder's
    member boost (engagement.default_member_share) and the ownership target's member term
    (ownership.default_member_share) both weigh membership by it."""
    return np.where(chose, 1.0, default_share)


def _member_weight(chose: np.ndarray, e) -> np.ndarray:
    """The member boost each person would feel as a member (:func:`chosen_share`)."""
    return e.member_boost * chosen_share(chose, e.default_member_share)


def staff_drive(model) -> np.ndarray:
    """w_own·(ownership − ½) + w_conf·(confidence − ½) + w_sat·(satisfaction − ½)
    + w_peer·(active team-mates' share) + w_pipe·pipeline + w_member·member
    − w_load·(workload − 1 + part-time load) − remote penalty."""
    s, p = model.staff, model.params
    active = (s.engagement >= 3).astype(float)
    peer_active = group_mean(s.team, active, s.alive, model.org.n_teams)
    acc = np.subtract(s.ownership, 0.5)
    acc *= p.engagement.ownership_weight
    tmp = np.empty_like(acc)
    _add(acc, tmp, s.confidence, p.engagement.confidence_weight, 0.5)
    _add(acc, tmp, s.satisfaction, p.engagement.satisfaction_weight, 0.5)
    _add(acc, tmp, peer_active, p.engagement.peer_weight)
    acc += p.engagement.pipeline_weight * pipeline_support(p)
    _add(acc, tmp, s.member, _member_weight(s.chose, p.engagement))
    np.multiply(s.part_time, p.engagement.part_time_load, out=tmp)  # the load
    tmp += model.funding.workload - 1.0
    tmp *= p.engagement.workload_weight
    acc -= tmp
    acc -= remote_penalty(s.site, model.org.n_sites, p)
    return acc


def user_drive(model) -> np.ndarray:
    """w_own·(ownership − ½) + w_conf·(confidence − ½) + w_peer·(active share at the site)
    + w_pipe·pipeline + w_member·member − w_vuln·vulnerability − remote penalty."""
    u, p = model.users, model.params
    active = (u.engagement >= 3).astype(float)
    peer_active = group_mean(u.site, active, u.alive, model.org.n_sites, exclude_self=False)
    acc = np.subtract(u.ownership, 0.5)
    acc *= p.engagement.ownership_weight
    tmp = np.empty_like(acc)
    _add(acc, tmp, u.confidence, p.engagement.confidence_weight, 0.5)
    _add(acc, tmp, peer_active, p.engagement.peer_weight)
    acc += p.engagement.pipeline_weight * pipeline_support(p, "users")
    _add(acc, tmp, u.member, _member_weight(u.chose, p.engagement))
    _add(acc, tmp, u.vulnerability, -p.engagement.vulnerability_weight)
    acc -= remote_penalty(u.site, model.org.n_sites, p)
    return acc


_RUNG_FACTORS: dict[float, np.ndarray] = {}
_ROW_STARTS: dict[int, np.ndarray] = {}


def _rung_factor(difficulty: float) -> np.ndarray:
    """difficulty ** rung for rungs 0..TOP (made once per value, not every month)."""
    factor = _RUNG_FACTORS.get(difficulty)
    if factor is None:
        factor = difficulty ** np.arange(TOP + 1, dtype=float)
        factor.flags.writeable = False
        if len(_RUNG_FACTORS) > 64:  # shape: a bound on a cache of parameter values
            _RUNG_FACTORS.clear()
        _RUNG_FACTORS[difficulty] = factor
    return factor


def _row_starts(n: int) -> np.ndarray:
    """Offsets of each row of an (n, TOP) array, flattened (read-only, kept per n)."""
    starts = _ROW_STARTS.get(n)
    if starts is None:
        starts = np.arange(0, n * TOP, TOP)
        starts.flags.writeable = False
        if len(_ROW_STARTS) > 64:  # shape: a bound on a cache of sizes
            _ROW_STARTS.clear()
        _ROW_STARTS[n] = starts
    return starts


def rung_chances(level: np.ndarray, drive: np.ndarray, p, rate_factor: float = 1.0,
                 boost: np.ndarray | None = None, ends: bool = True):
    """(up, down) monthly chances for each person from their rung and drive.

    ``boost`` (rows × TOP, from the participation channels, sim/mechanisms/people/participation.py)
    adds log-odds to one step only: column k tilts the move from rung k up to k + 1 and the
    move from k + 1 down to k. With ``ends=False`` the chance of moving up from the top rung
    is not set to zero (:func:`climb` never moves anyone up from rung 3 or 4)."""
    rung_factor = _rung_factor(p.engagement.step_difficulty)
    # the same arithmetic as (boost[rows, k] gathers, clip, exp) in fewer passes and
    # temporaries: results are bit-identical (tests/test_golden.py)
    if boost is not None:
        flat = boost.reshape(-1)
        first = _row_starts(len(level))
        lv = level.astype(np.intp)
        i_up = np.minimum(lv, TOP - 1)
        i_up += first
        z_up = flat.take(i_up)
        z_up += drive
        i_down = np.maximum(lv - 1, 0, out=lv)
        i_down += first
        z_down = flat.take(i_down)
        z_down += drive
        e_up = np.exp(np.clip(z_up, -20, 20, out=z_up), out=z_up)  # shape: no overflow
        e_down = np.exp(np.clip(z_down, -20, 20, out=z_down), out=z_down)  # shape: no overflow
    else:
        e_up = e_down = np.exp(np.clip(drive, -20, 20))  # shape: no overflow
    up = rung_factor.take(level)
    up *= rate_factor * p.engagement.up_rate
    up *= e_up
    down = np.divide(p.engagement.down_rate, e_down, out=e_down if boost is not None else None)
    cap = p.engagement.max_step_chance
    np.minimum(up, cap, out=up)
    np.minimum(down, cap, out=down)
    if ends:
        up[level >= TOP] = 0.0
    down[level <= 0] = 0.0
    return up, down


def stationary_levels(drive: np.ndarray, p, rng: np.random.Generator,
                      rate_factor: float = 1.0, top: int = TOP - 1,
                      boost: np.ndarray | None = None) -> np.ndarray:
    """Draw each person's rung from the long-run distribution of their ladder (rungs 0..top).

    Used to start a run in a settled state instead of burning in: for a birth-death chain
    P(k+1)/P(k) = up(k) / down(k+1).
    """
    n = len(drive)
    weights = np.ones((n, top + 1))
    # each rung's chances once: rung k + 1's down-chance here, its up-chance at the next k
    up, _ = rung_chances(np.full(n, 0), drive, p, rate_factor, boost)
    for k in range(top):
        next_up, down = rung_chances(np.full(n, k + 1), drive, p, rate_factor, boost)
        weights[:, k + 1] = weights[:, k] * up / np.maximum(down, 1e-12)  # shape: no 0/0
        up = next_up
    cdf = np.cumsum(weights, axis=1)
    cdf /= cdf[:, -1:]
    return (rng.random(n)[:, None] > cdf).sum(axis=1).astype(np.int8)


def climb(cols, drive: np.ndarray, p, rng, rate_factor: float,
          ceiling: np.ndarray | None, boost: np.ndarray | None = None) -> None:
    """Move people one rung up or down, up to rung 3. Representatives (rung 4) keep their rung
    while they hold a seat: seats are won at elections (§4.2,
    sim/mechanisms/governance/elections.py)."""
    level = cols.engagement
    # the top rung's up-chance is not zeroed: moving up needs rung < 3 here
    up, down = rung_chances(level, drive, p, rate_factor, boost, ends=False)
    r = rng.random(cols.size)
    alive = cols.alive
    goes_up = (r < up) & (level < TOP - 1)
    goes_up &= alive
    np.subtract(1.0, down, out=down)
    goes_down = (level < TOP) & (r > down)
    goes_down &= alive
    goes_down &= ~goes_up
    if ceiling is not None:
        goes_up &= level < ceiling
    level += goes_up    # the two masks are disjoint: one step up or down at most
    level -= goes_down


def member_term(member, chose, p):
    """Membership as the ownership target counts it: :func:`chosen_share` for a member, 0
    otherwise."""
    return member * chosen_share(chose, p.ownership.default_member_share)


def ownership_target(affinity, voice: float, member, engagement, p):
    """The psychological ownership a person tends to (§5.5): mission affinity, a voice that is
    heard, membership (as :func:`member_term` counts it) and their own rung, weighted; affinity
    takes what the others leave. Month 0 starts people at it (sim/model.py) and each month
    moves them toward it."""
    w_voice, w_member = p.ownership.voice_weight, p.ownership.member_weight
    w_eng = p.ownership.engagement_weight
    w_aff = max(0.0, 1.0 - w_voice - w_member - w_eng)
    return (w_aff * affinity + w_voice * voice + w_member * member
            + w_eng * engagement / TOP)


def adjust_ownership(cols, groups: np.ndarray, n_groups: int, voice: float, p) -> None:
    """Psychological ownership toward its target and toward the group mean (contagion)."""
    # ownership_target's arithmetic, in place and in the same order (bit-identical): the rung
    # term is looked up per rung
    w_voice, w_member = p.ownership.voice_weight, p.ownership.member_weight
    w_eng = p.ownership.engagement_weight
    w_aff = max(0.0, 1.0 - w_voice - w_member - w_eng)
    target = w_aff * cols.affinity
    target += w_voice * voice
    target += w_member * member_term(cols.member, cols.chose, p)
    target += ((w_eng * np.arange(TOP + 1, dtype=float)) / TOP).take(cols.engagement)
    peers = group_mean(groups, cols.ownership, cols.alive, n_groups)
    own = cols.ownership
    target -= own
    target *= p.ownership.adjust_rate
    peers -= own
    peers *= p.ownership.contagion
    target += peers
    own += target
    np.clip(own, 0.0, 1.0, out=own)


def satisfaction_target(affinity, voice: float, workload: float, pay: float, p,
                        grievance: float = 0.0, extra: float = 0.0):
    """The satisfaction a person tends to (0-1): mission affinity, a voice that is heard,
    workload and pay; ``grievance`` (0-1) is the group's grievance over the surplus allocation
    (§5.3, sim/mechanisms/governance/surplus.py); ``extra`` is what the surplus shares and, for
    users, the service and charges add (people/users.py). Newcomers (month 0, recruits,
    arriving users) start at it; each month moves people toward it."""
    # 0.5 + w_aff·(affinity − ½) + w_voice·(voice − ½) − w_work·(workload − 1)
    # + w_pay·(pay − 1) − grievance + extra, term by term in place (bit-identical)
    target = np.subtract(affinity, 0.5)
    target *= p.satisfaction.affinity_weight
    target += 0.5
    target += p.satisfaction.voice_weight * (voice - 0.5)
    target -= p.satisfaction.workload_weight * (workload - 1.0)
    target += p.satisfaction.pay_weight * (pay - 1.0)
    target -= grievance
    target += extra
    if isinstance(target, np.ndarray):
        return np.clip(target, 0, 1, out=target)
    return np.clip(target, 0, 1)


def adjust_satisfaction(cols, voice: float, workload: float, pay: float, p,
                        grievance: float = 0.0, extra: float = 0.0) -> None:
    """Satisfaction toward its target (:func:`satisfaction_target`)."""
    target = satisfaction_target(cols.affinity, voice, workload, pay, p, grievance, extra)
    sat = cols.satisfaction
    target -= sat
    target *= p.satisfaction.adjust_rate
    sat += target


def build_confidence(cols, support: float, p) -> None:
    """Training and taking part build confidence (§5.4 'talent spot, nurture and train')."""
    # the gain depends on the rung only: one value per rung, the same arithmetic as per person
    gain = _confidence_gain(support, p).take(cols.engagement)
    conf = cols.confidence
    gain *= 1.0 - conf
    conf += gain


def tupe_acceptance(staff, p) -> None:
    """The affinity transferred-in staff lost to an unwanted transfer comes back as they
    accept the new organisation (§5.4 Case 4: 'moved on or have accepted')."""
    rate = 1.0 - np.exp(-p.workforce.tupe_acceptance_per_year / 12.0)
    regained = rate * staff.tupe_deficit
    staff.affinity += regained
    staff.tupe_deficit -= regained


def spread_awareness(users, p, rng) -> None:
    """Promotion makes users aware that the organisation is a mutual (§5.4)."""
    chance = p.membership.users.awareness_gain * \
        (p.membership.users.awareness_base + p.membership.users.promotion)
    if kernels.ENABLED:  # the same test in one pass (kernels.py)
        kernels.become_aware(users.aware, users.alive, rng.random(users.size), float(chance))
        return
    newly = users.alive & ~users.aware & (rng.random(users.size) < chance)
    users.aware[newly] = True


def update(model) -> None:
    """One month of engagement, ownership, satisfaction and confidence for staff and users."""
    if kernels.ENABLED:
        _update_compiled(model)
    else:
        update_numpy(model)


def _confidence_gain(support: float, p) -> np.ndarray:
    # build_confidence's gain per rung
    return np.array([p.engagement.confidence_gain
                     * (support * float(k >= 1) + p.engagement.active_confidence_gain
                        * float(k >= 3)) for k in range(TOP + 1)])


def _update_compiled(model) -> None:
    """:func:`update_numpy`'s rules through the compiled kernels (sim/mechanisms/people/
    kernels.py): the same operations in the same order, the exponentials and random draws
    by numpy, so the results are bit-identical (tests/test_kernels.py)."""
    p, rng, s, u = model.params, model.rng, model.staff, model.users
    e, o, sp = p.engagement, p.ownership, p.satisfaction
    voice = model.governance.voice_heard
    n_teams, n_sites = model.org.n_teams, model.org.n_sites
    support_u, pipe, remote, rung_factor, w_aff, rung_term, gain, gain_u, tupe_rate = \
        _parameter_terms(p, n_sites)
    w_voice, w_member = o.voice_weight, o.member_weight
    # staff: the ladder (drive, boosts, numpy's exp, the draw, the step, working groups)
    n = s.size
    b1, by_site, by_team = participation.staff_boost_parts(model)
    z_up, z_down = np.empty(n), np.empty(n)
    kernels.staff_z(s.engagement, s.ownership, s.confidence, s.satisfaction, s.member,
                    s.chose, s.part_time, s.site, s.team, s.alive, n_teams,
                    e.ownership_weight, e.confidence_weight, e.satisfaction_weight,
                    e.peer_weight, pipe, e.member_boost,
                    e.member_boost * e.default_member_share, e.part_time_load,
                    model.funding.workload - 1.0, e.workload_weight, remote,
                    b1, by_site, by_team, z_up, z_down)
    np.exp(z_up, out=z_up)
    np.exp(z_down, out=z_down)
    r = rng.random(n)
    kernels.climb(s.engagement, z_up, z_down, r, s.alive, rung_factor, 1.0 * e.up_rate,
                  e.down_rate, e.max_step_chance, False, s.alive, s.group_months, True)
    # then TUPE acceptance, ownership, satisfaction, confidence
    workload, pay = model.funding.workload, model.funding.pay_index
    kernels.settle(s.engagement, s.affinity, s.tupe_deficit, s.ownership, s.satisfaction,
                   s.confidence, s.member, s.chose, s.team, s.alive, n_teams,
                   tupe_rate, w_aff, w_voice * voice, w_member,
                   w_member * o.default_member_share, rung_term, o.adjust_rate,
                   o.contagion, sp.affinity_weight, sp.voice_weight * (voice - 0.5),
                   sp.workload_weight * (workload - 1.0), sp.pay_weight * (pay - 1.0),
                   float(model.governance.grievance["staff"]),
                   float(users_mod.staff_pay_extra(model)), sp.adjust_rate, gain)
    if not u.size:
        return
    spread_awareness(u, p, rng)
    m = u.size
    b1, by_site = participation.user_boost_parts(model)
    z_up, z_down = np.empty(m), np.empty(m)
    kernels.user_z(u.engagement, u.ownership, u.confidence, u.member, u.chose,
                   u.vulnerability, u.site, u.alive, n_sites, e.ownership_weight,
                   e.confidence_weight, e.peer_weight, e.pipeline_weight * support_u,
                   e.member_boost, e.member_boost * e.default_member_share,
                   -e.vulnerability_weight, remote,
                   b1, by_site, z_up, z_down)
    np.exp(z_up, out=z_up)
    np.exp(z_down, out=z_down)
    r = rng.random(m)
    kernels.climb(u.engagement, z_up, z_down, r, u.alive, rung_factor,
                  e.user_rate_factor * e.up_rate, e.down_rate, e.max_step_chance, True,
                  u.aware, _NO_GROUPS, False)
    voice = model.governance.user_voice_heard
    kernels.settle(u.engagement, u.affinity, u.affinity, u.ownership, u.satisfaction,
                   u.confidence, u.member, u.chose, u.site, u.alive, n_sites,
                   -1.0, w_aff, w_voice * voice, w_member,
                   w_member * o.default_member_share, rung_term, o.adjust_rate,
                   o.contagion, sp.affinity_weight, sp.voice_weight * (voice - 0.5),
                   sp.workload_weight * (1.0 - 1.0), sp.pay_weight * (1.0 - 1.0),
                   float(model.governance.grievance["users"]),
                   float(users_mod.satisfaction_extra(model)), sp.adjust_rate, gain_u)


_TERMS: list = [None, None, None]  # the last (parameters, number of sites, terms)


def _parameter_terms(p, n_sites: int) -> tuple:
    """The compiled update's terms that only the parameters and the number of sites set
    (pipeline support, the remote penalty, the rung tables, the confidence gains, the TUPE
    rate): computed once per parameter set (a timed event makes a new ``model.params``), not
    every month; the same values. The arrays are shared between months: nothing writes them."""
    if _TERMS[0] is p and _TERMS[1] == n_sites:
        return _TERMS[2]
    e, o = p.engagement, p.ownership
    support, support_u = pipeline_support(p), pipeline_support(p, "users")
    w_voice, w_member, w_eng = o.voice_weight, o.member_weight, o.engagement_weight
    terms = (support_u, e.pipeline_weight * support,
             e.dispersion_penalty * (1.0 - 1.0 / n_sites), _rung_factor(e.step_difficulty),
             max(0.0, 1.0 - w_voice - w_member - w_eng),
             (w_eng * np.arange(TOP + 1, dtype=float)) / TOP,
             _confidence_gain(support, p), _confidence_gain(support_u, p),
             float(1.0 - np.exp(-p.workforce.tupe_acceptance_per_year / 12.0)))
    _TERMS[:] = p, n_sites, terms
    return terms


_NO_GROUPS = np.zeros(0, dtype=np.int16)  # users are in no working group


def update_numpy(model) -> None:
    """The person update in numpy, the reference for the compiled path (:func:`update`)."""
    p, rng, staff, users = model.params, model.rng, model.staff, model.users
    voice, support = model.governance.voice_heard, pipeline_support(p)
    climb(staff, staff_drive(model), p, rng, 1.0, None, participation.staff_boost(model))
    participation.hold_group_members(model)
    tupe_acceptance(staff, p)
    adjust_ownership(staff, staff.team, model.org.n_teams, voice, p)
    adjust_satisfaction(staff, voice, model.funding.workload, model.funding.pay_index, p,
                        model.governance.grievance["staff"], users_mod.staff_pay_extra(model))
    build_confidence(staff, support, p)
    if users.size:
        spread_awareness(users, p, rng)
        ceiling = np.where(users.aware, TOP, 1)
        climb(users, user_drive(model), p, rng, p.engagement.user_rate_factor, ceiling,
              participation.user_boost(model))
        voice = model.governance.user_voice_heard
        adjust_ownership(users, users.site, model.org.n_sites, voice, p)
        adjust_satisfaction(users, voice, 1.0, 1.0, p, model.governance.grievance["users"],
                            users_mod.satisfaction_extra(model))
        build_confidence(users, pipeline_support(p, "users"), p)
