"""The staff's monthly person rules (membership, the engagement ladder with its channels,
working groups holding rung 3, TUPE acceptance, ownership with contagion, satisfaction,
confidence) as a *careful* per-agent Mesa model: the baseline of benchmarks/person_update.py.

What a careful Mesa programmer does, and the straightforward version (benchmarks/per_agent.py)
does not: every parameter is read once a month into a plain attribute (no string look-ups in
the loop); random numbers come from Mesa's ``model.random`` (Python's ``random.Random``, no
numpy call per number); team sums are taken once a month in one pass (O(n), not a loop over
team-mates per person); ``math`` on floats, never numpy on single numbers. Agents update
synchronously from the month-start team sums, as the vectorised rules do. The model never
uses this module.
"""

from __future__ import annotations

import math

import mesa

from sim.mechanisms.people.engagement import TOP, pipeline_support
from sim.mechanisms.people.participation import _saturating, forum_sites

ACTIVE = 3


class Constants:
    """One month's parameters as attributes (read once, outside the loop)."""

    def __init__(self, model) -> None:
        p, src = model.p, model.source
        r = model.rules
        self.probation = p["membership.staff.probation_months"]
        self.fixed_term_ok = bool(p["membership.staff.fixed_term_eligible"])
        self.join_base = (r.base_join_rate * r.ease * (1 + r.promotion_effect * r.promotion)
                          * (1 + r.incentive_effect * r.incentive))
        self.peer_effect = r.peer_effect
        self.opt_out = r.opt_out_rate * r.ease * 2.0
        self.rule = r.rule
        self.w_own = p["engagement.ownership_weight"]
        self.w_conf = p["engagement.confidence_weight"]
        self.w_sat, self.w_peer = p["engagement.satisfaction_weight"], p["engagement.peer_weight"]
        self.pipeline = p["engagement.pipeline_weight"] * pipeline_support(src.params)
        self.member_boost = p["engagement.member_boost"]
        self.w_load = p["engagement.workload_weight"]
        self.part_load = p["engagement.part_time_load"]
        self.workload = src.funding.workload
        self.remote = p["engagement.dispersion_penalty"] * (1.0 - 1.0 / src.org.n_sites)
        self.survey_boost = p["participation.surveys_weight"] * _saturating(
            p["participation.staff.surveys_per_year"])
        self.forum_boost = p["participation.forums_weight"]
        self.forum_at = [bool(x) for x in forum_sites(src, "staff")]
        self.council_boost = p["participation.councils.team_weight"]
        d = p["engagement.step_difficulty"]
        self.up_rate = [p["engagement.up_rate"] * d ** k for k in range(TOP + 1)]
        self.down_rate, self.cap = p["engagement.down_rate"], p["engagement.max_step_chance"]
        self.accept = 1.0 - math.exp(-p["workforce.tupe_acceptance_per_year"] / 12.0)
        self.w_voice, self.w_member = p["ownership.voice_weight"], p["ownership.member_weight"]
        self.w_eng = p["ownership.engagement_weight"]
        self.w_aff = max(0.0, 1.0 - self.w_voice - self.w_member - self.w_eng)
        self.voice = src.governance.voice_heard
        self.own_rate, self.contagion = p["ownership.adjust_rate"], p["ownership.contagion"]
        self.sat_fixed = (0.5 + p["satisfaction.voice_weight"] * (src.governance.voice_heard - 0.5)
                          - p["satisfaction.workload_weight"] * (src.funding.workload - 1.0)
                          + p["satisfaction.pay_weight"] * (src.funding.pay_index - 1.0)
                          - src.governance.grievance["staff"])
        self.sat_aff = p["satisfaction.affinity_weight"]
        self.sat_rate = p["satisfaction.adjust_rate"]
        support = pipeline_support(src.params)
        self.conf_engaged = p["engagement.confidence_gain"] * support
        self.conf_active = p["engagement.confidence_gain"] * p["engagement.active_confidence_gain"]


class CarefulStaff(mesa.Agent):
    def __init__(self, model, row: int) -> None:
        super().__init__(model)
        s = model.source.staff
        for name in ("team", "site", "tenure", "fixed_term", "part_time", "affinity",
                     "tupe_deficit", "confidence", "ownership", "satisfaction", "member",
                     "defaulted", "group_months"):
            setattr(self, name, s._data[name][row].item())
        self.engagement = int(s.engagement[row])

    def step(self) -> None:
        m = self.model
        c, rnd, t = m.c, m.random.random, self.team
        n_peers = m.team_n[t] - 1
        # membership (§4.1): peer share among team-mates, then the rule's hazards
        r = rnd()
        if self.member:
            if r < c.opt_out * min(1.0, max(0.0, 1.0 - self.satisfaction)):
                self.member = False
        elif self.tenure >= c.probation and (c.fixed_term_ok or not self.fixed_term):
            share = (m.team_members[t] - self.member_start) / n_peers if n_peers > 0 else 0.0
            if r < min(1.0, c.join_base * (1.0 + c.peer_effect * share)):
                self.member = True
        # the ladder (engagement.staff_drive, participation.staff_boost, rung_chances, climb)
        e = self.engagement
        peer_active = (m.team_active[t] - (e >= ACTIVE)) / n_peers if n_peers > 0 else 0.0
        drive = (c.w_own * (self.ownership - 0.5) + c.w_conf * (self.confidence - 0.5)
                 + c.w_sat * (self.satisfaction - 0.5) + c.w_peer * peer_active + c.pipeline
                 + c.member_boost * self.member
                 - c.w_load * (c.workload - 1.0 + c.part_load * self.part_time)
                 - (c.remote if self.site != 0 else 0.0))
        step2 = c.forum_boost * c.forum_at[self.site] + (
            c.council_boost * m.team_seated[t] if c.council_boost else 0.0)
        boost_up = (0.0, c.survey_boost, step2, 0.0, 0.0)[e]
        boost_down = (0.0, 0.0, c.survey_boost, step2, 0.0)[e]
        up = 0.0 if e >= TOP else min(c.up_rate[e] * math.exp(
            min(20.0, max(-20.0, drive + boost_up))), c.cap)
        down = 0.0 if e <= 0 else min(c.down_rate / math.exp(
            min(20.0, max(-20.0, drive + boost_down))), c.cap)
        r = rnd()
        if r < up and e < TOP - 1:
            e += 1
        elif e < TOP and r > 1.0 - down:
            e -= 1
        if self.group_months > 0 and e < ACTIVE:  # working groups hold rung 3
            e = ACTIVE
        self.engagement = e
        # TUPE acceptance, ownership (target and contagion), satisfaction, confidence
        regained = c.accept * self.tupe_deficit
        self.affinity += regained
        self.tupe_deficit -= regained
        target = (c.w_aff * self.affinity + c.w_voice * c.voice + c.w_member * self.member
                  + c.w_eng * e / TOP)
        own = self.ownership
        peers = (m.team_ownership[t] - own) / n_peers if n_peers > 0 else 0.0
        own += c.own_rate * (target - own) + c.contagion * (peers - own)
        self.ownership = min(1.0, max(0.0, own))
        sat_target = c.sat_fixed + c.sat_aff * (self.affinity - 0.5)
        self.satisfaction += c.sat_rate * (min(1.0, max(0.0, sat_target)) - self.satisfaction)
        gain = c.conf_engaged * (e >= 1) + c.conf_active * (e >= ACTIVE)
        self.confidence += gain * (1.0 - self.confidence)


class CarefulModel(mesa.Model):
    """The staff of an existing MutualModel copied into careful per-agent Mesa agents."""

    def __init__(self, source, rng=0) -> None:
        super().__init__(rng=rng)
        from sim.mechanisms.people.membership import Rules

        self.source, self.p = source, source.p
        self.rules = Rules.for_constituency(source.params, "staff")
        s = source.staff
        self.people = [CarefulStaff(self, r) for r in range(s.size) if s.alive[r]]
        self.n_teams = source.org.n_teams
        self.c = Constants(self)

    def step(self) -> None:
        # month-start team sums, one pass (synchronous updates, as the vectorised rules)
        n_t = self.n_teams
        team_n, members, active = [0] * n_t, [0] * n_t, [0] * n_t
        owned, seated = [0.0] * n_t, [False] * n_t
        for a in self.people:
            t = a.team
            team_n[t] += 1
            members[t] += a.member
            active[t] += a.engagement >= ACTIVE
            owned[t] += a.ownership
            seated[t] = seated[t] or a.engagement >= TOP
            a.member_start = a.member
        self.team_n, self.team_members, self.team_active = team_n, members, active
        self.team_ownership, self.team_seated = owned, seated
        self.agents.do("step")
