"""What the staff make: service quality, innovation and the mutual's name as an employer
(docs/ODD.md §13; §2.3, §3.5, §5.2, §5.5, §6).

The study's case for mutuals is that ownership and voice pay back. Three organisation-level
states carry that back from the people to the organisation, each updated once a month after
engagement (step 7), so the next month's commissioning, bidding and recruitment read them:

- **Service quality** (``model.people.service_quality``, 0–1) follows what the workforce can
  deliver:

      capability = (w_own·ownership + w_eng·rung/3 + w_exp·experience) / (w_own + w_eng + w_exp)
      target     = floor + span·capability − workload_penalty·max(0, workload − 1)
                   − vacancy_penalty·vacancy share

  with ownership, rung and experience (1 − exp(−tenure / experience_months)) averaged over the
  staff. Engaged, owned, experienced, adequately staffed teams deliver better service (§5.2
  operations: 'empowerment of frontline workers ... co-design and delivery of better
  services'); overload and unfilled posts lower it (§3.5, §5.4). It enters the bid quality
  score (procurement), the commissioner's extension, renewal and withdrawal choices
  (commissioning) and is an output column that the users' side reads.
- **Innovation** (``model.people.innovation``, 0–1): ideas from the floor need engaged staff and
  someone who listens (§2.3: changes 'sometimes identified by front line workers', staff
  'more empowered to contribute'): a year's moving average of mean rung/3 × voice heard.
  The chance of a diversification opportunity scales with it (growth).
- **Reputation as an employer** (``model.people.reputation``, 0–1): a year's moving average of
  staff's mean satisfaction and ownership (§3.5: 'building their reputations as good employers',
  'just being a nice place to work'). It eases recruitment against NHS and council pay and
  pensions (workforce).
"""

from __future__ import annotations

import math

import numpy as np

from sim.parameter import param
from sim.population import column_mean as _mean

YEAR = 1.0 / 12.0   # monthly weight of a year's exponential moving average


class _StaffMeans:
    """The staff's means that the three states read, each computed once a month (the target
    quality's ownership and rung are also innovation's and reputation's)."""

    __slots__ = ("alive", "any", "_own", "_rung")

    def __init__(self, model):
        self.alive = model.staff.alive
        self.any = model.staff.count() > 0  # anyone present (the kept count)
        self._own = self._rung = None

    def own(self, s) -> float:
        if self._own is None:
            self._own = _mean(s.ownership[self.alive])
        return self._own

    def rung(self, s) -> float:
        if self._rung is None:
            self._rung = _mean_rung(s, self.alive)
        return self._rung


def capability_parts(model, means: _StaffMeans | None = None) -> tuple[float, float, float]:
    """(mean ownership, mean rung / 3, mean experience) of the staff now."""
    s = model.staff
    means = means or _StaffMeans(model)
    if not means.any:
        return 0.0, 0.0, 0.0
    own = means.own(s)
    rung = means.rung(s)
    scale = model.params.service.experience_months
    experience = _mean(1.0 - np.exp(-s.tenure[means.alive] / scale))
    return own, rung, experience


def _mean_rung(s, alive) -> float:
    return _mean(np.minimum(s.engagement[alive], 3)) / 3.0  # shape: rung 3 = full


def vacancy_share(model) -> float:
    target = model.funding.staff_target
    return max(0.0, (target - model.staff.count()) / target) if target > 0 else 0.0


def target_quality(model, means: _StaffMeans | None = None) -> float:
    """What the staff can deliver this month (module docstring)."""
    p = model.params
    own, rung, experience = capability_parts(model, means)
    w = (p.service.ownership_weight, p.service.engagement_weight,
         p.service.experience_weight)
    total = sum(w)
    capability = (w[0] * own + w[1] * rung + w[2] * experience) / total if total > 0 else 0.0
    q = (p.service.floor + p.service.span * capability
         - p.service.workload_penalty * max(0.0, model.funding.workload - 1.0)
         - p.service.vacancy_penalty * vacancy_share(model))
    return min(1.0, max(0.0, q))


def _ideas(model, means: _StaffMeans | None = None) -> float:
    means = means or _StaffMeans(model)  # the rung part of capability_parts
    rung = means.rung(model.staff) if means.any else 0.0
    return rung * model.governance.voice_heard


def _esteem(model, means: _StaffMeans | None = None) -> float:
    s = model.staff
    means = means or _StaffMeans(model)
    if not means.any:
        return 0.0
    return 0.5 * _mean(s.satisfaction[means.alive]) + 0.5 * means.own(s)


def setup(model) -> None:
    """Month 0: start each state where the starting workforce puts it."""
    means = _StaffMeans(model)
    model.people.service_quality = target_quality(model, means)
    model.people.innovation = _ideas(model, means)
    model.people.reputation = _esteem(model, means)


def update(model) -> None:
    """Once a month, after engagement: the three states move toward what the staff make."""
    rate = model.params.service.adjust_per_month
    means = _StaffMeans(model)  # nothing changes the staff between the three
    model.people.service_quality += rate * (target_quality(model, means)
                                            - model.people.service_quality)
    model.people.innovation += YEAR * (_ideas(model, means) - model.people.innovation)
    model.people.reputation += YEAR * (_esteem(model, means) - model.people.reputation)


# --- what the states change (read by the mechanisms that own those choices) -----------------

def commissioner_regard(model) -> float:
    """Multiplier on a commissioner's extension chance (its inverse scales in-housing,
    decommissioning and early withdrawal): exp(k · (quality − expectation)) (§2.2)."""
    p = model.params
    gap = model.people.service_quality - p.commissioning.quality_expectation
    return math.exp(p.commissioning.quality_response * gap)


def diversification_chance(model, base: float) -> float:
    """Chance of a diversification opportunity this year: the base rate scaled by innovation
    against its reference (§2.3 Table 2.2)."""
    return min(1.0, base * model.people.innovation / model.params.service.innovation_reference)


def fill_rate(model) -> float:
    """Share of vacancies filled this month: the base rate at parity with an NHS/council
    offer and a neutral reputation, lower against their pensions and higher for a good
    employer (§3.5)."""
    p = model.params
    offer = model.funding.pay_index - p.workforce.pension_gap - 1.0
    z = p.workforce.offer_response * offer + \
        p.workforce.reputation_response * (model.people.reputation - 0.5)
    # shape: keeps the monthly fill rate a probability, away from 0 and 1
    return min(0.95, max(0.005, p.workforce.recruitment_fill_per_month * math.exp(z)))


SERVICE_COLUMNS = ["service_quality", "innovation", "employer_reputation", "fill_rate",
                   "bids_misjudged", "misjudged_wins", "diversifications",
                   "diversifications_failed"]


def outputs(model) -> dict:
    """This month's values of :data:`SERVICE_COLUMNS` (counts are cumulative)."""
    counts = model.funding.market.counts
    return {"service_quality": model.people.service_quality, "innovation": model.people.innovation,
            "employer_reputation": model.people.reputation, "fill_rate": fill_rate(model),
            "bids_misjudged": counts.get("bids_misjudged", 0),
            "misjudged_wins": counts.get("misjudged_wins", 0),
            "diversifications": counts.get("diversifications", 0),
            "diversifications_failed": counts.get("diversifications_failed", 0)}


# --- parameters (collected into the registry by sim/params.py) ------------------------

PARAMS = [
    param("service.floor", 0.5, "index 0–1", 0.0, 1.0,
          source="assumption: a disengaged, unowned but adequately staffed service scores at "
                 "the bottom of the competitor profiles (0.5–0.62, docs/ODD.md §10)",
          doc="Service quality of an adequately staffed organisation with no ownership, "
              "engagement or experience."),
    param("service.span", 0.5, "index 0–1", 0.0, 1.0,
          source="§2.3, §5.5 (services 'more innovative and effective' with ownership and voice); "
                 "assumption: full capability reaches 1, and the default organisation scores "
                 "about 0.63, near the former constant 0.65",
          doc="Service quality added by full capability (ownership, engagement, experience)."),
    param("service.ownership_weight", 0.5, "weight", 0.0, 1.0,
          source="§5.5: ownership 'most importantly' a voice that is heard; §5.2 Case 6 ('a more "
                 "engaged workforce'); assumption for the weight",
          doc="Weight of staff's mean psychological ownership in capability (weights are "
              "normalised)."),
    param("service.engagement_weight", 0.2, "weight", 0.0, 1.0,
          source="§5.2 (operations: 'empowerment of frontline workers ... co-design and delivery "
                 "of better services'); assumption for the weight",
          doc="Weight of staff's mean rung on the engagement ladder (÷ 3) in capability."),
    param("service.experience_weight", 0.3, "weight", 0.0, 1.0,
          source="§3.5 (recruiting and retaining skilled professionals 'potentially jeopardising "
                 "the delivery of contracts'); assumption for the weight",
          doc="Weight of experience, 1 − exp(−tenure / experience_months) averaged over staff."),
    param("service.experience_months", 24.0, "months", 1.0, 240.0,
          source="assumption: about two years to be fully effective in a community health or "
                 "care team",
          doc="Tenure scale of experience."),
    param("service.workload_penalty", 0.3, "quality per unit overload", 0.0, 2.0,
          source="§5.4 ('everyone's snowed under with work'), §3.5 (new services 'place extra "
                 "demands on resources ... already under strain'); assumption for the size",
          doc="Quality lost per unit of workload above 1 (work per member of staff)."),
    param("service.vacancy_penalty", 0.5, "quality per unit vacancy share", 0.0, 2.0,
          source="§3.5: recruitment problems 'potentially jeopardising the delivery of "
                 "contracts'; assumption for the size",
          doc="Quality lost per unit of the vacancy share (unfilled funded posts / posts)."),
    param("service.adjust_per_month", 0.15, "share of gap per month", 0.01, 1.0,
          source="assumption: service quality follows the workforce within months",
          doc="Rate at which service quality moves toward what the staff can deliver."),
    param("service.innovation_reference", 0.1, "index 0–1", 0.01, 1.0,
          source="§2.3: ideas 'sometimes identified by front line workers', empowered staff; "
                 "assumption for the level",
          doc="Innovation index (engagement × voice heard, smoothed over a year) at which the "
              "chance of a diversification opportunity is growth.diversification_per_year; the "
              "chance scales with the index."),
    param("workforce.pension_gap", 0.05, "share of pay", 0.0, 0.4,
          source="§3.5: NHS and council bodies 'offer pensions and terms and conditions [mutuals] "
                 "are unable to match' (Cases 1, 2, 6, 10); assumption for the size",
          doc="What a recruit loses against an NHS/council post, as a share of pay."),
    param("workforce.offer_response", 3.0, "log-rate per unit of offer", 0.0, 20.0,
          source="§3.5; assumption",
          doc="Vacancy fill rate × exp(k·(pay index − pension gap − 1))."),
    param("workforce.reputation_response", 2.0, "log-rate per unit reputation", 0.0, 20.0,
          source="§3.5: 'building their reputations as good employers' (Cases 2, 6, 12); "
                 "assumption for the size",
          doc="Vacancy fill rate × exp(k·(reputation − 0.5)); reputation follows staff's "
              "satisfaction and ownership over a year."),
]
