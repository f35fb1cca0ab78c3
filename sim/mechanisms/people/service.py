"""What the staff make: service quality, innovation and the mutual's name as an employer
(docs/ODD.md §12; §2.3, §3.5, §5.2, §5.5, §6).

The study's case for mutuals is that ownership and voice pay back. Three organisation-level
states carry that back from the people to the organisation, each updated once a month after
engagement (step 7), so the next month's commissioning, bidding and recruitment read them:

- **Service quality** (``model.service_quality``, 0–1) follows what the workforce can deliver:

      capability = (w_own·ownership + w_eng·rung/3 + w_exp·experience) / (w_own + w_eng + w_exp)
      target     = floor + span·capability − workload_penalty·max(0, workload − 1)
                   − vacancy_penalty·vacancy share

  with ownership, rung and experience (1 − exp(−tenure / experience_months)) averaged over the
  staff. Engaged, owned, experienced, adequately staffed teams deliver better service (§5.2
  operations: 'empowerment of frontline workers ... co-design and delivery of better
  services'); overload and unfilled posts lower it (§3.5, §5.4). It enters the bid quality
  score (procurement), the commissioner's extension, renewal and withdrawal choices
  (commissioning) and is an output column that the users' side reads.
- **Innovation** (``model.innovation``, 0–1): ideas from the floor need engaged staff and
  someone who listens (§2.3: changes 'sometimes identified by front line workers', staff
  'more empowered to contribute'): a year's moving average of mean rung/3 × voice heard.
  The chance of a diversification opportunity scales with it (growth).
- **Reputation as an employer** (``model.reputation``, 0–1): a year's moving average of staff's
  mean satisfaction and ownership (§3.5: 'building their reputations as good employers',
  'just being a nice place to work'). It eases recruitment against NHS and council pay and
  pensions (workforce).
"""

from __future__ import annotations

import math

import numpy as np

YEAR = 1.0 / 12.0   # monthly weight of a year's exponential moving average


def capability_parts(model) -> tuple[float, float, float]:
    """(mean ownership, mean rung / 3, mean experience) of the staff now."""
    s = model.staff
    alive = s.alive
    if not alive.any():
        return 0.0, 0.0, 0.0
    own = float(s.ownership[alive].mean())
    rung = float(np.minimum(s.engagement[alive], 3).mean()) / 3.0
    scale = model.p["service.experience_months"]
    experience = float((1.0 - np.exp(-s.tenure[alive] / scale)).mean())
    return own, rung, experience


def vacancy_share(model) -> float:
    target = model.staff_target
    return max(0.0, (target - model.staff.count()) / target) if target > 0 else 0.0


def target_quality(model) -> float:
    """What the staff can deliver this month (module docstring)."""
    p = model.p
    own, rung, experience = capability_parts(model)
    w = (p["service.ownership_weight"], p["service.engagement_weight"],
         p["service.experience_weight"])
    total = sum(w)
    capability = (w[0] * own + w[1] * rung + w[2] * experience) / total if total > 0 else 0.0
    q = (p["service.floor"] + p["service.span"] * capability
         - p["service.workload_penalty"] * max(0.0, model.workload - 1.0)
         - p["service.vacancy_penalty"] * vacancy_share(model))
    return min(1.0, max(0.0, q))


def _ideas(model) -> float:
    _, rung, _ = capability_parts(model)
    return rung * model.voice_heard


def _esteem(model) -> float:
    s = model.staff
    alive = s.alive
    if not alive.any():
        return 0.0
    return 0.5 * float(s.satisfaction[alive].mean()) + 0.5 * float(s.ownership[alive].mean())


def setup(model) -> None:
    """Month 0: start each state where the starting workforce puts it."""
    model.service_quality = target_quality(model)
    model.innovation = _ideas(model)
    model.reputation = _esteem(model)


def update(model) -> None:
    """Once a month, after engagement: the three states move toward what the staff make."""
    rate = model.p["service.adjust_per_month"]
    model.service_quality += rate * (target_quality(model) - model.service_quality)
    model.innovation += YEAR * (_ideas(model) - model.innovation)
    model.reputation += YEAR * (_esteem(model) - model.reputation)


# --- what the states change (read by the mechanisms that own those choices) -----------------

def commissioner_regard(model) -> float:
    """Multiplier on a commissioner's extension chance (its inverse scales in-housing,
    decommissioning and early withdrawal): exp(k · (quality − expectation)) (§2.2)."""
    p = model.p
    gap = model.service_quality - p["commissioning.quality_expectation"]
    return math.exp(p["commissioning.quality_response"] * gap)


def diversification_chance(model, base: float) -> float:
    """Chance of a diversification opportunity this year: the base rate scaled by innovation
    against its reference (§2.3 Table 2.2)."""
    return min(1.0, base * model.innovation / model.p["service.innovation_reference"])


def fill_rate(model) -> float:
    """Share of vacancies filled this month: the base rate at parity with an NHS/council
    offer and a neutral reputation, lower against their pensions and higher for a good
    employer (§3.5)."""
    p = model.p
    offer = model.pay_index - p["workforce.pension_gap"] - 1.0
    z = p["workforce.offer_response"] * offer + \
        p["workforce.reputation_response"] * (model.reputation - 0.5)
    return min(0.95, max(0.005, p["workforce.recruitment_fill_per_month"] * math.exp(z)))


SERVICE_COLUMNS = ["service_quality", "innovation", "employer_reputation", "fill_rate",
                   "bids_misjudged", "misjudged_wins", "diversifications",
                   "diversifications_failed"]


def outputs(model) -> dict:
    """This month's values of :data:`SERVICE_COLUMNS` (counts are cumulative)."""
    counts = model.market.counts
    return {"service_quality": model.service_quality, "innovation": model.innovation,
            "employer_reputation": model.reputation, "fill_rate": fill_rate(model),
            "bids_misjudged": counts.get("bids_misjudged", 0),
            "misjudged_wins": counts.get("misjudged_wins", 0),
            "diversifications": counts.get("diversifications", 0),
            "diversifications_failed": counts.get("diversifications_failed", 0)}
