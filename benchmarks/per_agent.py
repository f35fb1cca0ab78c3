"""The same monthly person-level rules as sim/mechanisms, written the straightforward way: one
Mesa agent per person with Python attributes and a step() method, peers found by looping over
team-mates, one random draw per decision. It exists only as the baseline for
person_update.py (ARCHITECTURE.md "Speed"); the model never uses it.

Semantics differ in one respect: agents update one after another in random order
(asynchronous, as `shuffle_do` does), while the vectorised rules update everyone from the same
month-start state (synchronous).
"""

from __future__ import annotations

import math

import mesa

from sim.mechanisms.people.engagement import pipeline_support


class PerAgentStaff(mesa.Agent):
    def __init__(self, model, row: int):
        super().__init__(model)
        s = model.source.staff
        for name in ("team", "site", "tenure", "fixed_term", "part_time", "affinity",
                     "tupe_deficit", "confidence", "ownership", "satisfaction", "member"):
            setattr(self, name, s._data[name][row].item())
        self.engagement = int(s.engagement[row])
        self.team_mates: list[PerAgentStaff] = []

    def peer_share(self, attribute, test=bool) -> float:
        mates = self.team_mates
        return sum(1 for m in mates if test(getattr(m, attribute))) / len(mates) if mates else 0

    def step(self) -> None:
        m, p = self.model, self.model.p
        rnd = m.rng.random
        # membership (opt-in / opt-out hazards, §4.1)
        eligible = (self.tenure >= p["membership.staff.probation_months"]
                    and not self.fixed_term)
        rules = m.rules
        if eligible and not self.member:
            if rnd() < rules.join_hazard(self.peer_share("member")):
                self.member = True
        elif self.member:
            if rnd() < rules.opt_out_rate * rules.ease * 2 * max(0.0, 1 - self.satisfaction):
                self.member = False
        # engagement ladder
        active_peers = self.peer_share("engagement", lambda e: e >= 3)
        remote = p["engagement.dispersion_penalty"] * (1 - 1 / m.n_sites) * (self.site != 0)
        drive = (p["engagement.ownership_weight"] * (self.ownership - 0.5)
                 + p["engagement.confidence_weight"] * (self.confidence - 0.5)
                 + p["engagement.satisfaction_weight"] * (self.satisfaction - 0.5)
                 + p["engagement.peer_weight"] * active_peers
                 + p["engagement.pipeline_weight"] * m.support
                 + p["engagement.member_boost"] * self.member
                 - p["engagement.workload_weight"] * (m.workload - 1 + 0.5 * self.part_time)
                 - remote)
        tilt = math.exp(max(-20.0, min(20.0, drive)))
        # the ladder climbs to rung 3; rung 4 is an elected seat held through the month
        up = min(0.9, p["engagement.up_rate"] * p["engagement.step_difficulty"]
                 ** self.engagement * tilt) if self.engagement < 3 else 0.0
        down = min(0.9, p["engagement.down_rate"] / tilt) \
            if 0 < self.engagement < 4 else 0.0
        r = rnd()
        if r < up:
            self.engagement += 1
        elif r > 1 - down:
            self.engagement -= 1
        # TUPE acceptance, ownership with contagion, satisfaction, confidence
        regained = m.accept_rate * self.tupe_deficit
        self.affinity += regained
        self.tupe_deficit -= regained
        w_v, w_m, w_e = (p["ownership.voice_weight"], p["ownership.member_weight"],
                         p["ownership.engagement_weight"])
        target = ((1 - w_v - w_m - w_e) * self.affinity + w_v * m.voice + w_m * self.member
                  + w_e * self.engagement / 4)
        peers = (sum(x.ownership for x in self.team_mates) / len(self.team_mates)
                 if self.team_mates else self.ownership)
        own = self.ownership
        own += p["ownership.adjust_rate"] * (target - own) + p["ownership.contagion"] * (peers
                                                                                       - own)
        self.ownership = min(1.0, max(0.0, own))
        sat_target = (0.5 + p["satisfaction.affinity_weight"] * (self.affinity - 0.5)
                      + p["satisfaction.voice_weight"] * (m.voice - 0.5)
                      - p["satisfaction.workload_weight"] * (m.workload - 1) - m.grievance)
        self.satisfaction += p["satisfaction.adjust_rate"] * (min(1, max(0, sat_target))
                                                              - self.satisfaction)
        gain = p["engagement.confidence_gain"] * (m.support * (self.engagement >= 1)
                                                  + 0.5 * (self.engagement >= 3))
        self.confidence += gain * (1 - self.confidence)


class PerAgentModel(mesa.Model):
    """Staff of an existing MutualModel copied into plain per-agent Mesa objects."""

    def __init__(self, source, rng=0):
        super().__init__(rng=rng)
        from sim.mechanisms.people.membership import Rules

        self.source, self.p = source, source.p
        self.rules = Rules.for_constituency(source.params, "staff")
        self.n_sites, self.workload, self.voice = (source.org.n_sites, source.funding.workload,
                                                   source.governance.voice_heard)
        self.support = pipeline_support(source.params)
        self.accept_rate = 1 - math.exp(-self.p["workforce.tupe_acceptance_per_year"] / 12)
        rows = [r for r in range(source.staff.size) if source.staff.alive[r]]
        people = [PerAgentStaff(self, r) for r in rows]
        teams: dict[int, list] = {}
        for a in people:
            teams.setdefault(a.team, []).append(a)
        for a in people:
            a.team_mates = [b for b in teams[a.team] if b is not a]
        self.grievance = source.governance.grievance["staff"]

    def step(self) -> None:
        self.agents.shuffle_do("step")
