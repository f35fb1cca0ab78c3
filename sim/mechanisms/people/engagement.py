"""Engagement and culture: the ladder, psychological ownership, satisfaction (MODEL.md §3 step 7).

The ladder (§5.4, §6): 0 not involved, 1 passive, 2 occasional (votes, surveys), 3 active
(forums, working groups, volunteering), 4 representative (council, board). Each month a person
may move one rung up or down. The *drive* ``z`` tilts both chances (up × e^z, down × e^-z):
psychological ownership, confidence, active team-mates (contagion), support from a "pipeline of
engagement" and legal membership push up; workload, part-time hours, dissatisfaction and being
at a remote site push down (§3.5: 30 dispersed sites). Each higher rung is harder to reach
(``step_difficulty``). The ladder itself stops at rung 3: rung 4 (representative) is a seat
won at an election and held until the term ends, the person steps down or leaves
(``sim/mechanisms/governance/``).

Psychological ownership moves toward a target made of mission affinity, a voice that is heard
(§5.5), membership and one's own engagement, and toward the team's mean (contagion both ways
between TUPE and recruited staff, §5.4 Case 3). Transferred-in staff regain the affinity the
unwanted transfer cost them ("moved on or have accepted", Case 4).
"""

from __future__ import annotations

import numpy as np

from sim.population import group_mean

TOP = 4


def pipeline_support(p) -> float:
    """Saturating effect 0-1 of pipeline spending (£ per staff per year), §5.4 Case 11."""
    inv = p["engagement.pipeline_investment"]
    return inv / (inv + p["engagement.pipeline_half_saturation"])


def remote_penalty(sites: np.ndarray, n_sites: int, p) -> np.ndarray:
    """Drive lost away from headquarters (site 0), growing with dispersion (§3.5, §5.4)."""
    return p["engagement.dispersion_penalty"] * (1.0 - 1.0 / n_sites) * (sites != 0)


def staff_drive(model) -> np.ndarray:
    s, p = model.staff, model.p
    active = (s.engagement >= 3).astype(float)
    peer_active = group_mean(s.team, active, s.alive, model.n_teams)
    load = model.workload - 1.0 + 0.5 * s.part_time
    return (p["engagement.ownership_weight"] * (s.ownership - 0.5)
            + p["engagement.confidence_weight"] * (s.confidence - 0.5)
            + p["engagement.satisfaction_weight"] * (s.satisfaction - 0.5)
            + p["engagement.peer_weight"] * peer_active
            + p["engagement.pipeline_weight"] * pipeline_support(p)
            + p["engagement.member_boost"] * s.member
            - p["engagement.workload_weight"] * load
            - remote_penalty(s.site, model.n_sites, p))


def user_drive(model) -> np.ndarray:
    u, p = model.users, model.p
    active = (u.engagement >= 3).astype(float)
    peer_active = group_mean(u.site, active, u.alive, model.n_sites, exclude_self=False)
    return (p["engagement.ownership_weight"] * (u.ownership - 0.5)
            + p["engagement.confidence_weight"] * (u.confidence - 0.5)
            + p["engagement.peer_weight"] * peer_active
            + p["engagement.pipeline_weight"] * pipeline_support(p)
            + p["engagement.member_boost"] * u.member
            - p["engagement.vulnerability_weight"] * u.vulnerability
            - remote_penalty(u.site, model.n_sites, p))


def rung_chances(level: np.ndarray, drive: np.ndarray, p, rate_factor: float = 1.0):
    """(up, down) monthly chances for each person from their rung and drive."""
    rung_factor = p["engagement.step_difficulty"] ** np.arange(TOP + 1, dtype=float)
    tilt = np.exp(np.clip(drive, -20, 20))
    up = (rate_factor * p["engagement.up_rate"]) * rung_factor[level] * tilt
    down = p["engagement.down_rate"] / tilt
    up = np.where(level >= TOP, 0.0, np.minimum(up, 0.9))
    down = np.where(level <= 0, 0.0, np.minimum(down, 0.9))
    return up, down


def stationary_levels(drive: np.ndarray, p, rng: np.random.Generator,
                      rate_factor: float = 1.0, top: int = 3) -> np.ndarray:
    """Draw each person's rung from the long-run distribution of their ladder (rungs 0..top).

    Used to start a run in a settled state instead of burning in: for a birth-death chain
    P(k+1)/P(k) = up(k) / down(k+1).
    """
    n = len(drive)
    weights = np.ones((n, top + 1))
    for k in range(top):
        up, _ = rung_chances(np.full(n, k), drive, p, rate_factor)
        _, down = rung_chances(np.full(n, k + 1), drive, p, rate_factor)
        weights[:, k + 1] = weights[:, k] * up / np.maximum(down, 1e-12)
    cdf = np.cumsum(weights, axis=1)
    cdf /= cdf[:, -1:]
    return (rng.random(n)[:, None] > cdf).sum(axis=1).astype(np.int8)


def climb(cols, drive: np.ndarray, p, rng, rate_factor: float,
          ceiling: np.ndarray | None) -> None:
    """Move people one rung up or down, up to rung 3. Representatives (rung 4) keep their rung
    while they hold a seat: seats are won at elections (§4.2,
    sim/mechanisms/governance/elections.py)."""
    level = cols.engagement
    up, down = rung_chances(level, drive, p, rate_factor)
    r = rng.random(cols.size)
    goes_up = cols.alive & (r < up) & (level < TOP - 1)
    goes_down = cols.alive & ~goes_up & (level < TOP) & (r > 1.0 - down)
    if ceiling is not None:
        goes_up &= level < ceiling
    level[goes_up] += 1
    level[goes_down] -= 1


def adjust_ownership(cols, groups: np.ndarray, n_groups: int, voice: float, p) -> None:
    """Psychological ownership toward its target and toward the group mean (contagion)."""
    w_voice, w_member = p["ownership.voice_weight"], p["ownership.member_weight"]
    w_eng = p["ownership.engagement_weight"]
    w_aff = max(0.0, 1.0 - w_voice - w_member - w_eng)
    target = (w_aff * cols.affinity + w_voice * voice + w_member * cols.member
              + w_eng * cols.engagement / TOP)
    peers = group_mean(groups, cols.ownership, cols.alive, n_groups)
    own = cols.ownership
    own += p["ownership.adjust_rate"] * (target - own) + p["ownership.contagion"] * (peers - own)
    np.clip(own, 0.0, 1.0, out=own)


def adjust_satisfaction(cols, voice: float, workload: float, pay: float, p,
                        grievance: float = 0.0) -> None:
    """Satisfaction toward its target; ``grievance`` (0-1) is the group's grievance over the
    surplus allocation (§5.3, sim/mechanisms/governance/surplus.py)."""
    target = (0.5 + p["satisfaction.affinity_weight"] * (cols.affinity - 0.5)
              + p["satisfaction.voice_weight"] * (voice - 0.5)
              - p["satisfaction.workload_weight"] * (workload - 1.0)
              + p["satisfaction.pay_weight"] * (pay - 1.0) - grievance)
    sat = cols.satisfaction
    sat += p["satisfaction.adjust_rate"] * (np.clip(target, 0, 1) - sat)


def build_confidence(cols, support: float, p) -> None:
    """Training and taking part build confidence (§5.4 'talent spot, nurture and train')."""
    gain = p["engagement.confidence_gain"] * (support * (cols.engagement >= 1)
                                              + 0.5 * (cols.engagement >= 3))
    conf = cols.confidence
    conf += gain * (1.0 - conf)


def tupe_acceptance(staff, p) -> None:
    """The affinity transferred-in staff lost to an unwanted transfer comes back as they
    accept the new organisation (§5.4 Case 4: 'moved on or have accepted')."""
    rate = 1.0 - np.exp(-p["workforce.tupe_acceptance_per_year"] / 12.0)
    regained = rate * staff.tupe_deficit
    staff.affinity += regained
    staff.tupe_deficit -= regained


def spread_awareness(users, p, rng) -> None:
    """Promotion makes users aware that the organisation is a mutual (§5.4)."""
    chance = p["membership.users.awareness_gain"] * (0.1 + p["membership.users.promotion"])
    newly = users.alive & ~users.aware & (rng.random(users.size) < chance)
    users.aware[newly] = True


def update(model) -> None:
    """One month of engagement, ownership, satisfaction and confidence for staff and users."""
    p, rng, staff, users = model.p, model.rng, model.staff, model.users
    voice, support = model.voice_heard, pipeline_support(p)
    climb(staff, staff_drive(model), p, rng, 1.0, None)
    tupe_acceptance(staff, p)
    adjust_ownership(staff, staff.team, model.n_teams, voice, p)
    adjust_satisfaction(staff, voice, model.workload, model.pay_index, p,
                        model.grievance["staff"])
    build_confidence(staff, support, p)
    if users.size:
        spread_awareness(users, p, rng)
        ceiling = np.where(users.aware, TOP, 1)
        climb(users, user_drive(model), p, rng, p["engagement.user_rate_factor"], ceiling)
        voice = model.user_voice_heard
        adjust_ownership(users, users.site, model.n_sites, voice, p)
        adjust_satisfaction(users, voice, 1.0, 1.0, p, model.grievance["users"])
        build_confidence(users, support, p)
