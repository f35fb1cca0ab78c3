"""Membership: legal-formal ownership under the four rules, per constituency (MODEL.md §3 step 6).

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

from sim.population import group_mean


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
        def get(key, default=0.0):
            return p.get(f"membership.{who}.{key}", default)
        return cls(rule=p[f"membership.{who}.rule"], base_join_rate=get("base_join_rate"),
                   promotion=get("promotion"), promotion_effect=get("promotion_effect"),
                   incentive=get("incentive"), incentive_effect=get("incentive_effect"),
                   ease=get("ease", 1.0), peer_effect=get("peer_effect"),
                   opt_out_rate=get("opt_out_rate"))

    def join_hazard(self, peer_member_share: np.ndarray | float) -> np.ndarray | float:
        """Monthly chance that an eligible non-member actively joins (§4.1 inertia)."""
        return np.minimum(
            self.base_join_rate * self.ease
            * (1 + self.promotion_effect * self.promotion)
            * (1 + self.incentive_effect * self.incentive)
            * (1 + self.peer_effect * peer_member_share),
            1.0)

    def opt_out_hazard(self, satisfaction: np.ndarray) -> np.ndarray:
        """Monthly chance that a member actively leaves: rare, and only when dissatisfied."""
        return self.opt_out_rate * self.ease * 2.0 * np.clip(1.0 - satisfaction, 0.0, 1.0)


def initial_members(rules: Rules, months_eligible: np.ndarray, history_months: int,
                    enrol_existing: bool, rng: np.random.Generator) -> tuple[np.ndarray,
                                                                             np.ndarray]:
    """Who is a member at month 0, and to whom the default has already been applied.

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
    if rules.rule in ("opt_out", "automatic"):
        if history_months > 0 or enrol_existing:
            member |= eligible
            defaulted = eligible.copy()
        else:  # a switch that leaves existing staff as they were
            defaulted = eligible.copy()
    return member, defaulted


def update_constituency(cols, eligible: np.ndarray, rules: Rules,
                        peer_member_share: np.ndarray, rng: np.random.Generator) -> tuple[int,
                                                                                          int]:
    """Apply one month of a membership rule to a constituency; return (joins, opt-outs)."""
    member, alive = cols.member, cols.alive
    if rules.rule == "none":
        return 0, 0
    if rules.rule == "automatic":
        joining = alive & eligible & ~member
        member |= joining
        cols.defaulted[joining] = True
        return int(np.count_nonzero(joining)), 0

    draws = rng.random(cols.size)
    was_member = member.copy()
    enrolled = np.zeros(cols.size, dtype=bool)
    if rules.rule == "opt_out":  # the default applies once, when a person becomes eligible
        enrolled = alive & eligible & ~member & ~cols.defaulted
        cols.defaulted[enrolled] = True
    chooses_in = (alive & eligible & ~member & ~enrolled
                  & (draws < rules.join_hazard(peer_member_share)))
    leaving = alive & was_member & (draws < rules.opt_out_hazard(cols.satisfaction))
    member[enrolled | chooses_in] = True
    member[leaving] = False
    return int(np.count_nonzero(enrolled | chooses_in)), int(np.count_nonzero(leaving))


def staff_eligible(staff, p) -> np.ndarray:
    """Staff past probation, on a contract type that may join (§4.1)."""
    ok = staff.tenure >= p["membership.staff.probation_months"]
    if not p["membership.staff.fixed_term_eligible"]:
        ok &= ~staff.fixed_term
    return ok & staff.alive


def users_eligible(users) -> np.ndarray:
    """Users who know the organisation is a mutual (§5.4: many see a public body)."""
    return users.alive & users.aware


def update(model) -> None:
    """One month of membership for staff and for users."""
    staff, users, rng = model.staff, model.users, model.rng
    peers = group_mean(staff.team, staff.member.astype(float), staff.alive, model.n_teams)
    joins, outs = update_constituency(staff, staff_eligible(staff, model.p),
                                      model.staff_rules, peers, rng)
    model.month_counts.update(staff_joins=joins, staff_opt_outs=outs)
    if users.size:
        peers = group_mean(users.site, users.member.astype(float), users.alive, model.n_sites,
                           exclude_self=False)
        joins, outs = update_constituency(users, users_eligible(users), model.user_rules,
                                          peers, rng)
    else:
        joins, outs = 0, 0
    model.month_counts.update(user_joins=joins, user_opt_outs=outs)
