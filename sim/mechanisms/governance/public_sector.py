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
"""

from __future__ import annotations

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
    p, rng = model.params, model.governance.public_rng
    cv = p.public_sector.stage_cv
    months = _gamma(rng, p.public_sector.officer_months, cv) + \
        _gamma(rng, p.public_sector.management_months, cv)
    if level == "operations":
        return months * p.public_sector.operations_scale
    cycle = p.public_sector.committee_cycle_months
    for _ in range(getattr(p.public_sector.committees, level)):
        months += rng.uniform(0.0, cycle) + p.public_sector.minute_months
    if level == "strategy" and rng.random() < p.public_sector.budget_round_share:
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
