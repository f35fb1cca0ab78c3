"""The public-sector baseline as a simulated procedure (docs/ODD.md §12.4; §5.1, §5.2, P6).

Every decision the mutual takes (``sim/governance/decisions.decide``) is also taken, in the
shadow, by the parent public body's decision chain, so that "faster than the public sector"
(§5.2 Cases 9, 11: 'still faster than had been possible in the public sector'; §5.1 Case 6's
'highly centralised corporate structure') compares two simulated procedures:

1. an officer drafts the report (``public_sector.officer_months``, gamma-distributed);
2. the head of service and the directorate management team sign it off
   (``public_sector.management_months``);
3. it waits for each committee in the chain (``public_sector.committees.<level>``: e.g.
   directorate board, cabinet, scrutiny), each meeting every
   ``public_sector.committee_cycle_months`` (the wait is uniform over the cycle) and taking
   ``public_sector.minute_months`` to minute and publish its decision;
4. a strategy decision with budget implications (``public_sector.budget_round_share``) waits
   for the annual budget round (uniform over 12 months).

Operations run the officer and management stages only, at ``public_sector.operations_scale``.
The shadow draws from its own random stream (seeded from the model's at month 0), so it
never changes what the mutual does.

The parent body's **informal voice** (:func:`informal_voice`, docs/ODD.md §12.4) comes from the
rule that sets the mutual's (``sim/mechanisms/people/participation.voice_target``), with the
parent body's own size (``public_sector.staff``), default leadership style
(``public_sector.leadership.*``: §5.1 'a highly centralised corporate structure and lack of
employee engagement') and channels (``public_sector.channels.*``). The public body's decision
chain above consults no staff, so this is all the voice its staff have; it is what P18 compares
the mutual's voice heard with ("more empowered ... than when within the public sector", §4.3).
It reads parameters only: an output, it changes nothing the mutual does.
"""

from __future__ import annotations

from sim.mechanisms.people import participation
from sim.parameter import param

# --- parameters (collected into the registry by sim/params.py) ------------------------

PARAMS = [
    # the public-sector baseline as a procedure (sim/mechanisms/governance/public_sector.py, P6)
    param("public_sector.officer_months", 1.5, "months", 0.0, 12.0,
          source="§5.1 Case 6 ('highly centralised corporate structure'); assumption for the "
                 "time to draft and clear a report",
          doc="Mean time for an officer to draft the report (gamma, CV 0.3)."),
    param("public_sector.management_months", 1.5, "months", 0.0, 12.0,
          source="§5.2 (decisions 'still faster than had been possible in the public sector'); "
                 "assumption: head of service and directorate management team",
          doc="Mean time for management sign-off (gamma, CV 0.3)."),
    param("public_sector.committee_cycle_months", 2.0, "months", 0.1, 12.0,
          source="assumption: council committees and cabinet meet about every two months",
          doc="Interval between meetings of each committee; a report waits uniformly over it."),
    param("public_sector.minute_months", 0.5, "months", 0.0, 6.0,
          source="assumption: minutes, publication and the call-in period after a meeting",
          doc="Time after each committee before its decision takes effect."),
    param("public_sector.committees.strategy", 3, "committees", 0, 10,
          source="assumption: directorate board, cabinet, scrutiny (§5.1 Case 6)",
          doc="Committees a strategy decision passes in the parent body."),
    param("public_sector.committees.policy", 2, "committees", 0, 10,
          source="assumption: directorate board and a policy committee",
          doc="Committees a policy decision passes in the parent body."),
    param("public_sector.budget_round_share", 0.5, "share", 0.0, 1.0,
          source="§2.5 (annual budget setting); assumption for the share",
          doc="Share of strategy decisions that wait for the annual budget round (uniform wait "
              "over 12 months)."),
    param("public_sector.stage_cv", 0.3, "coefficient of variation", 0.0, 1.0,
          source="assumption (as governance.latency.noise_cv)",
          doc="Spread of the officer and management stages (gamma)."),
    param("public_sector.operations_scale", 0.5, "ratio", 0.05, 1.0,
          source="assumption: operational decisions skip committees and go faster",
          doc="Operational decisions take this share of the officer and management stages."),
    # the parent body's informal voice (informal_voice below; docs/ODD.md §12.4, P18)
    param("public_sector.staff", 4000, "staff", 100, 100_000,
          source="assumption: the parent council or NHS trust employs thousands, of whom the "
                 "spun-out service was one part (§5.1: Case 6 merged services of two local "
                 "authorities; §3.5: in large, dispersed organisations communication is "
                 "'inevitably less personal than in the case of smaller organisations')",
          doc="Headcount of the parent public body, for the size term of its informal voice."),
    param("public_sector.leadership.openness", 0.25, "index 0–1", 0.0, 1.0,
          source="§5.1 (the parent LAs' 'highly centralised corporate structure and lack of "
                 "employee engagement', Case 6; the spin-outs' 'reduced management hierarchies, "
                 "devolved decision making and greater openness to new ideas'); §2.3 (cultures "
                 "'much less restrictive than in the public sector'); assumption for the number "
                 "(half the mutual's default 0.5)",
          doc="How participative the parent body's default leadership style is (as "
              "participation.leadership.openness)."),
    param("public_sector.leadership.responsiveness", 0.5, "share 0–1", 0.0, 1.0,
          source="assumption: as the mutual's default (participation.leadership.responsiveness)",
          doc="Share of what the parent body's channels hear that its management acts on."),
    param("public_sector.channels.surveys_per_year", 1.0, "surveys per year", 0.0, 12.0,
          source="assumption: an annual staff survey (as the mutual's default; NHS and council "
                 "bodies survey their staff)",
          doc="Staff surveys a year in the parent body."),
    param("public_sector.channels.forums_site_share", 0.0, "share of sites", 0.0, 1.0,
          source="§5.1 ('lack of employee engagement' in the parent bodies, Case 6); §4.2-§4.3 "
                 "and T4.1 (forums, staff councils and groups are what the mutuals built: Case "
                 "6's staff council 'grown from 8 to 16'); assumption: none",
          doc="Share of the parent body's sites with a staff forum."),
    param("public_sector.channels.places_per_100_staff", 0.0, "places per 100 staff", 0.0, 20.0,
          source="§5.1 (the spin-outs' 'devolved decision making' against the parent's "
                 "centralised structure); assumption: none",
          doc="Working-group places per 100 staff in the parent body."),
]

WINDOW = 12  # months of decisions behind the rolling output, as for the mutual's


def start(model) -> None:
    # its own stream: the model's is not advanced
    model.governance.public_rng = model.rng.spawn(1)[0]


def _gamma(rng, mean: float, cv: float) -> float:
    if mean <= 0:
        return 0.0
    shape = 1.0 / cv ** 2
    return float(rng.gamma(shape, mean / shape))


def latency(model, level: str) -> float:
    """One draw of the parent body's procedure for a decision at this level (months)."""
    ps, rng = model.params.public_sector, model.governance.public_rng
    cv = ps.stage_cv
    months = _gamma(rng, ps.officer_months, cv) + _gamma(rng, ps.management_months, cv)
    if level == "operations":
        return months * ps.operations_scale
    cycle, minute = ps.committee_cycle_months, ps.minute_months
    for _ in range(getattr(ps.committees, level)):
        months += rng.uniform(0.0, cycle) + minute
    if level == "strategy" and rng.random() < ps.budget_round_share:
        months += rng.uniform(0.0, 12.0)  # shape: a year's budget cycle
    return months


def expected_latency(p, level: str) -> float:
    """The mean of :func:`latency` (closed form)."""
    months = p.public_sector.officer_months + p.public_sector.management_months
    if level == "operations":
        return months * p.public_sector.operations_scale
    months += getattr(p.public_sector.committees, level) * (
        p.public_sector.committee_cycle_months / 2  # shape: mean of a uniform wait
        + p.public_sector.minute_months)
    if level == "strategy":
        months += p.public_sector.budget_round_share * 6.0  # shape: mean wait of a year
    return months


def shadow(model, decision) -> None:
    """Take the same decision through the parent body's chain and keep its latency."""
    model.governance.public_decisions.append((decision.month, decision.level,
                                   latency(model, decision.level)))


def rolling_latency(model) -> float:
    """Mean latency of the shadow decisions of the last 12 months (the mutual's window)."""
    first = model.month - WINDOW
    g = model.governance
    g.public_decisions = [d for d in g.public_decisions if d[0] > first]
    recent = g.public_decisions
    return sum(d[2] for d in recent) / len(recent) if recent else 0.0


def informal_voice(p) -> float:
    """The parent body's staff informal voice (0-1): the mutual's informal-voice rule with the
    parent's size, default leadership and channels (constant: the parent does not change)."""
    ps = p.public_sector
    reach = participation.reach_of("staff", ps.channels.surveys_per_year,
                                   ps.channels.forums_site_share,
                                   ps.channels.places_per_100_staff,
                                   p.participation.working_groups.full_reach)
    ref = participation.reference_reach("staff", p.participation.working_groups.full_reach)
    return participation.voice_target(p, ps.leadership.openness, ps.leadership.responsiveness,
                                      reach, ref, ps.staff)
