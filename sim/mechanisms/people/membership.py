"""Membership: legal-formal ownership under the four rules, per constituency (docs/ODD.md §3,
step 6).

- ``opt_in``: eligible non-members join only by an active choice, against inertia ("we just
  didn't get round to filling the form in", §4.1); promotion, incentives (Case 4's members'
  lottery), ease of joining and member peers raise the monthly chance.
- ``opt_out``: people are enrolled by default when they become eligible (end of probation) and
  leave only by an active choice, which is rare ("we've never had anybody opt-out", Case 4).
- ``automatic``: every eligible person is a member and cannot opt out (employee trust, Case 10).
- ``none``: no legal membership.

Under opt_in and opt_out alike, an eligible non-member may still choose to join.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.mechanisms.people import kernels
from sim.parameter import param
from sim.population import group_mean

# --- parameters (collected into the registry by sim/params.py) ------------------------
MEMBERSHIP_RULES = ("opt_in", "opt_out", "automatic", "none")

PARAMS = [
    # --- membership: staff -------------------------------------------------------------
    param("membership.staff.rule", "opt_in", "rule", choices=MEMBERSHIP_RULES,
          source="§4.1 'The choice of opt-in or opt-out mechanism'; Table 4.1",
          doc="How staff become legal members: opt_in (active choice), opt_out (enrolled after "
              "probation, may leave), automatic (all eligible, no opt-out; Case 10), none."),
    param("membership.staff.probation_months", 6, "months", 0, 36,
          source="§4.1 ('after a period of full-time working ... e.g. six months'); "
                 "Table 4.1 Case 10",
          doc="Months of service before a member of staff is eligible for membership."),
    param("membership.staff.fixed_term_eligible", False, "flag",
          source="§4.1 (eligibility follows 'a period of full-time working'); assumption",
          doc="Whether staff on fixed-term contracts may be members."),
    param("membership.staff.history_months", 60, "months", 0, 600,
          source="assumption: the rule has been in force about five years at month 0",
          doc="How long the staff rule has been in force before month 0. Opt-in membership at "
              "month 0 is drawn as if each person had faced the join hazard since eligible; 0 "
              "means the rule starts now."),
    param("membership.staff.enrol_existing", True, "flag",
          source="§4.1: Cases 4 and 5 switched from opt-in to opt-out",
          doc="Under opt_out/automatic with history_months = 0 (a switch), whether staff already "
              "past probation are enrolled at once rather than only new starters."),
    param("membership.staff.base_join_rate", 0.0006, "probability per month", 0.0, 0.2,
          source="calibrated to P2 / Table 4.1 Case 3 (opt-in take-up < 5 % with little "
                 "promotion); §4.1 inertia ('we just didn't get round to filling the form in')",
          doc="Monthly chance that an eligible non-member actively opts in, with no promotion, "
              "no incentive and no member peers."),
    param("membership.staff.promotion", 0.2, "effort index 0–1", 0.0, 1.0,
          source="§4.1 Case 4 ('we didn't make it easy'); §5.4 engagement strategies",
          doc="Effort spent promoting membership (0 none, 1 a sustained campaign)."),
    param("membership.staff.promotion_effect", 8.0, "hazard multiplier at full effort", 0.0, 50.0,
          source="assumption: a sustained campaign multiplies the join hazard about ninefold",
          doc="Join hazard × (1 + promotion_effect × promotion)."),
    param("membership.staff.incentive", 0.0, "index 0–1", 0.0, 1.0,
          source="§4.1 Case 4: members automatically entered in a monthly members' lottery",
          doc="Member benefits such as a lottery (0 none, 1 strong)."),
    param("membership.staff.incentive_effect", 3.0, "hazard multiplier at full incentive",
          0.0, 20.0,
          source="assumption",
          doc="Join hazard × (1 + incentive_effect × incentive)."),
    param("membership.staff.ease", 1.0, "multiplier", 0.1, 5.0,
          source="§4.1 Case 4: 'now it's really easy ... just a tick in a box on a screen'",
          doc="Ease of the joining or leaving act: multiplies both the opt-in and opt-out "
              "hazards."),
    param("membership.staff.peer_effect", 2.0, "multiplier per member share", 0.0, 10.0,
          source="assumption: social influence within teams (docs/ODD.md §3, step 6)",
          doc="Join hazard × (1 + peer_effect × share of members among team-mates)."),
    param("membership.staff.opt_out_rate", 0.0002, "probability per month", 0.0, 0.1,
          source="§4.1 Case 4: 'we've never had anybody opt-out, ever'",
          doc="Monthly chance that a fully dissatisfied member actively leaves; scales with "
              "(1 − satisfaction)."),
    # --- membership: users -------------------------------------------------------------
    param("membership.users.rule", "none", "rule", choices=MEMBERSHIP_RULES,
          source="§5.4 footnote 16: all four CBSs required users to opt in; Table 5.1",
          doc="How service users become members (only opt_in is observed in the study)."),
    param("membership.users.history_months", 60, "months", 0, 600,
          source="assumption",
          doc="How long the user rule has been in force before month 0 (as for staff)."),
    param("membership.users.base_join_rate", 0.0015, "probability per month", 0.0, 0.2,
          source="assumption; Table 5.1 (Case 9: 67,000 user members, Case 5: about 1,000)",
          doc="Monthly chance that an aware, eligible non-member user opts in with no promotion."),
    param("membership.users.promotion", 0.2, "effort index 0–1", 0.0, 1.0,
          source="§5.4 (newsletters, AGMs, engagement strategies, Case 9)",
          doc="Effort spent promoting user membership and the mutual identity."),
    param("membership.users.promotion_effect", 6.0, "hazard multiplier at full effort", 0.0, 50.0,
          source="assumption",
          doc="User join hazard × (1 + promotion_effect × promotion)."),
    param("membership.users.peer_effect", 1.0, "multiplier per member share", 0.0, 10.0,
          source="assumption",
          doc="User join hazard × (1 + peer_effect × share of members in the same locality)."),
    param("membership.users.opt_out_rate", 0.0003, "probability per month", 0.0, 0.1,
          source="assumption",
          doc="Monthly chance that a fully dissatisfied user member leaves."),
    param("membership.users.awareness", 0.5, "share", 0.0, 1.0,
          source="§5.4: many users 'continued to see the organisation as a public sector body'",
          doc="Share of users aware of the mutual identity at month 0; only aware users join or "
              "engage beyond level 1."),
    param("membership.users.awareness_gain", 0.02, "probability per month at full promotion",
          0.0, 0.5,
          source="assumption",
          doc="Monthly chance an unaware user becomes aware: 0.1 × this + promotion × this."),
]


@dataclass(frozen=True)
class Rules:
    """The membership parameters of one constituency (staff or users)."""

    rule: str
    base_join_rate: float
    promotion: float
    promotion_effect: float
    incentive: float
    incentive_effect: float
    ease: float
    peer_effect: float
    opt_out_rate: float

    @classmethod
    def for_constituency(cls, p, who: str) -> Rules:
        """From the typed view (``model.params``); users have no incentive parameters."""
        v = getattr(p.membership, who)

        def get(key, default=0.0):
            return getattr(v, key, default)
        return cls(rule=v.rule, base_join_rate=get("base_join_rate"),
                   promotion=get("promotion"), promotion_effect=get("promotion_effect"),
                   incentive=get("incentive"), incentive_effect=get("incentive_effect"),
                   ease=get("ease", 1.0), peer_effect=get("peer_effect"),
                   opt_out_rate=get("opt_out_rate"))

    def join_scale(self) -> float:
        """The join hazard without its peer term (:meth:`join_hazard` multiplies by it)."""
        return (self.base_join_rate * self.ease * (1 + self.promotion_effect * self.promotion)
                * (1 + self.incentive_effect * self.incentive))

    def join_hazard(self, peer_member_share: np.ndarray | float) -> np.ndarray | float:
        """Monthly chance that an eligible non-member actively joins (§4.1 inertia)."""
        if isinstance(peer_member_share, np.ndarray):  # the same product, in place
            h = np.multiply(peer_member_share, self.peer_effect)
            h += 1
            h *= self.join_scale()
            return np.minimum(h, 1.0, out=h)
        return np.minimum(
            self.base_join_rate * self.ease
            * (1 + self.promotion_effect * self.promotion)
            * (1 + self.incentive_effect * self.incentive)
            * (1 + self.peer_effect * peer_member_share),
            1.0)

    def opt_out_hazard(self, satisfaction: np.ndarray) -> np.ndarray:
        """Monthly chance that a member actively leaves: rare, and only when dissatisfied."""
        h = np.subtract(1.0, satisfaction)
        h = np.clip(h, 0.0, 1.0, out=h) if isinstance(h, np.ndarray) else np.clip(h, 0.0, 1.0)
        h *= self.opt_out_rate * self.ease * 2.0  # shape: opt_out_rate is the hazard at 0.5
        return h


def initial_members(rules: Rules, months_eligible: np.ndarray, history_months: int,
                    enrol_existing: bool, rng: np.random.Generator) -> tuple[np.ndarray,
                                                                             np.ndarray,
                                                                             np.ndarray]:
    """Who is a member at month 0, to whom the default has already been applied, and which
    members joined by their own decision (``chose``) rather than by the default.

    Opt-in membership is drawn as if each person had faced the join hazard (without the peer
    term) since they became eligible, for at most ``history_months``; this makes it rise with
    tenure from the start (P3). Under opt-out and automatic, eligible people are members;
    with ``history_months == 0`` the rule is a switch, and ``enrol_existing`` says whether
    staff already past probation are enrolled at once.
    """
    eligible = months_eligible >= 0
    exposure = np.clip(months_eligible, 0, history_months)
    member = np.zeros(len(months_eligible), dtype=bool)
    defaulted = np.zeros(len(months_eligible), dtype=bool)
    if rules.rule in ("opt_in", "opt_out"):
        p_joined = 1.0 - np.exp(-rules.join_hazard(0.0) * exposure)
        member = eligible & (rng.random(len(member)) < p_joined)
    chose = member.copy()  # who would have joined by their own decision
    if rules.rule in ("opt_out", "automatic"):
        if history_months > 0 or enrol_existing:
            member |= eligible
            defaulted = eligible.copy()
        else:  # a switch that leaves existing staff as they were
            defaulted = eligible.copy()
    return member, defaulted, chose


def update_constituency(cols, eligible: np.ndarray, rules: Rules,
                        peer_member_share: np.ndarray | None, rng: np.random.Generator,
                        groups: tuple | None = None) -> tuple[int, int]:
    """Apply one month of a membership rule to a constituency; return (joins, opt-outs).
    Each new member's ``chose`` says whether they joined by their own decision (the join
    hazard) or were enrolled by the opt-out or automatic default (§4.1).

    ``groups`` ((group of each row, number of groups, exclude_self)) lets the compiled path
    compute the peer share itself; ``peer_member_share`` is then not needed (None)."""
    if rules.rule == "none":
        return 0, 0
    before = cols.member.copy()
    # only opt-out has both kinds of join: the default, applied once (defaulted set now), and
    # the join hazard; under opt-in every join is chosen, under automatic none is
    defaulted_before = cols.defaulted.copy() if rules.rule == "opt_out" else None
    counts = _update_constituency(cols, eligible, rules, peer_member_share, rng, groups)
    new = cols.member & ~before
    if defaulted_before is None:
        cols.chose[new] = rules.rule == "opt_in"
    else:
        cols.chose[new] = ~(cols.defaulted[new] & ~defaulted_before[new])
    return counts


def _update_constituency(cols, eligible, rules, peer_member_share, rng, groups):
    if peer_member_share is None and rules.rule in ("opt_in", "opt_out") \
            and not kernels.ENABLED:
        groups_of, n_groups, exclude_self = groups
        peer_member_share = group_mean(groups_of, cols.member.astype(float), cols.alive,
                                       n_groups, exclude_self=exclude_self)
    member, alive = cols.member, cols.alive
    if rules.rule == "automatic":
        joining = alive & eligible & ~member
        member |= joining
        cols.defaulted[joining] = True
        return int(np.count_nonzero(joining)), 0

    draws = rng.random(cols.size)
    if kernels.ENABLED and groups is not None:  # compiled: the same steps, fused (kernels.py)
        groups_of, n_groups, exclude_self = groups
        return kernels.membership(
            member, cols.defaulted, alive, eligible, groups_of, n_groups, exclude_self,
            cols.satisfaction, draws, rules.peer_effect, rules.join_scale(),
            # shape: opt_out_rate is the hazard at 0.5 (opt_out_hazard)
            rules.opt_out_rate * rules.ease * 2.0, rules.rule == "opt_out")
    leaving = draws < rules.opt_out_hazard(cols.satisfaction)  # members only (below)
    leaving &= member
    leaving &= alive
    candidates = alive & eligible  # present, eligible non-members
    candidates &= ~member
    chooses_in = draws < rules.join_hazard(peer_member_share)
    chooses_in &= candidates
    if rules.rule == "opt_out":  # the default applies once, when a person becomes eligible
        enrolled = candidates & ~cols.defaulted
        cols.defaulted[enrolled] = True
        chooses_in &= ~enrolled
    else:
        enrolled = np.zeros(cols.size, dtype=bool)
    member[enrolled | chooses_in] = True
    member[leaving] = False
    return int(np.count_nonzero(enrolled | chooses_in)), int(np.count_nonzero(leaving))


def staff_eligible(staff, p) -> np.ndarray:
    """Staff past probation, on a contract type that may join (§4.1)."""
    ok = staff.tenure >= p.membership.staff.probation_months
    if not p.membership.staff.fixed_term_eligible:
        ok &= ~staff.fixed_term
    return ok & staff.alive


def users_eligible(users) -> np.ndarray:
    """Users who know the organisation is a mutual (§5.4: many see a public body)."""
    return users.alive & users.aware


def update(model) -> None:
    """One month of membership for staff and for users."""
    staff, users, rng = model.staff, model.users, model.rng
    joins, outs = update_constituency(staff, staff_eligible(staff, model.params),
                                      model.people.staff_rules, None, rng,
                                      (staff.team, model.org.n_teams, True))
    model.month_counts.update(staff_joins=joins, staff_opt_outs=outs)
    if users.size:
        joins, outs = update_constituency(users, users_eligible(users), model.people.user_rules,
                                          None, rng, (users.site, model.org.n_sites, False))
    else:
        joins, outs = 0, 0
    model.month_counts.update(user_joins=joins, user_opt_outs=outs)
