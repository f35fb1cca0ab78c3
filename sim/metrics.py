"""Monthly outputs, the two ownership indices and the Figure 5.1 ideal type (docs/ODD.md §8).

Every name in :data:`COLUMNS` is a column of ``timeseries.csv`` and a key of the final metrics
in ``summary.json``.

The **legal-formal ownership index** (0-1) weighs four things named in docs/ODD.md §8, counting
the seats and votes that are real rather than configured: 0.4 × staff membership share,
0.2 × votes (staff and users with a membership rule, half each, each × (0.5 + 0.5 × its
turnout at the last election relative to 50 %)), 0.2 × *filled* elected board seats (staff +
user, plus the independent seats a representative body that appoints the board fills, × its
filled share; as a share of the board, full at one third), 0.2 × representative-body powers
(none 0, advisory 1/3, approves strategy 2/3, appoints the board 1) × its filled share.
The **cultural-psychological index** (0-1) is 0.5 × mean staff psychological ownership
+ 0.5 × active staff share (rung ≥ 3) relative to ``indices.active_share_full``. Figure 5.1's
four ideal types are the quadrants at ``indices.threshold`` on both (§5.5).
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms.funding.outputs import FUNDING_COLUMNS
from sim.mechanisms.funding.outputs import outputs as funding_outputs
from sim.mechanisms.governance import cycle as governance
from sim.mechanisms.governance.bodies import REP_BODY_POWERS
from sim.mechanisms.people.engagement import TOP
from sim.mechanisms.people.service import SERVICE_COLUMNS
from sim.mechanisms.people.service import outputs as service_outputs
from sim.parameter import param

# --- parameters (collected into the registry by sim/params.py) ------------------------

PARAMS = [
    # --- ownership indices (Figure 5.1) ------------------------------------------------
    param("indices.threshold", 0.5, "index 0–1", 0.05, 0.95,
          source="Figure 5.1 (two dimensions, four ideal types); assumption for the cut-off",
          doc="Cut-off on both ownership indices separating the four ideal types."),
    param("indices.active_share_full", 0.25, "share", 0.01, 1.0,
          source="assumption: an active core of a quarter of staff counts as a strong culture",
          doc="Active share (rung ≥ 3) at which the cultural index's engagement part is full."),
    # the index weights (issue 10: every behavioural constant a parameter)
    param("indices.legal.membership_weight", 0.4, "weight", 0.0, 1.0,
          source="Figure 5.1 (legal-formal ownership: membership, votes, seats, powers); "
                 "assumption for the weights",
          doc="Weight of the members' share in the legal-formal index: the mean membership "
              "rate of the constituencies with a membership rule (staff; users where they may "
              "be members), as §5.5 reads legal-formal ownership as (multi-)stakeholder "
              "ownership."),
    param("indices.legal.votes_weight", 0.2, "weight", 0.0, 1.0,
          source="Figure 5.1; assumption",
          doc="Weight of votes (constituencies with a membership rule, × turnout) in the "
              "legal-formal index."),
    param("indices.legal.seats_weight", 0.2, "weight", 0.0, 1.0,
          source="Figure 5.1; assumption",
          doc="Weight of filled elected board seats in the legal-formal index."),
    param("indices.legal.powers_weight", 0.2, "weight", 0.0, 1.0,
          source="Figure 5.1; assumption",
          doc="Weight of the representative body's powers × filled share in the legal-formal "
              "index."),
    param("indices.legal.seats_full_multiple", 3.0, "1 / share of the board", 1.0, 100.0,
          source="Table 4.1 (elected directors up to about a third of boards); assumption",
          doc="The seats part of the legal-formal index is full when elected directors hold 1 / "
              "this of the board (3: a third)."),
    param("indices.cultural.ownership_weight", 0.5, "weight", 0.0, 1.0,
          source="Figure 5.1 (cultural-psychological ownership); assumption",
          doc="Weight of mean psychological ownership in the cultural index (the rest: the active"
              " share)."),
]

IDEAL_TYPES = {
    (False, False): "stewardship-1",   # neither legal nor cultural-psychological ownership
    (False, True): "stewardship-2",    # strong cultural-psychological ownership only
    (True, False): "democratic-1",     # legal-formal ownership without the culture
    (True, True): "democratic-2",      # both: the mutual 'ideal'
}

IDEAL_TYPE_LABELS = {
    "stewardship-1": "Stewardship mode 1",
    "stewardship-2": "Stewardship mode 2",
    "democratic-1": "Democratic stakeholder mode 1",
    "democratic-2": "Democratic stakeholder mode 2",
}

COLUMNS = [
    "month", "headcount", "vacancies", "hires", "leavers", "transferred_in_share",
    "staff_membership_rate", "staff_joins", "staff_opt_outs",
    "user_membership_rate", "user_joins", "user_opt_outs",
    *[f"staff_engagement_{k}" for k in range(TOP + 1)], "active_share",
    *[f"user_engagement_{k}" for k in range(TOP + 1)], "user_active_share",
    "mean_ownership", "user_mean_ownership", "satisfaction_staff", "satisfaction_users",
    "transferred_mean_engagement", "recruited_mean_engagement",
    "representatives", "representative_vacancy_rate",
    "legal_formal_index", "cultural_psychological_index", "ideal_type",
    # --- funding: commissioning, procurement, finance, growth (sim/mechanisms/funding/) ---
    *FUNDING_COLUMNS,
    # governance (sim/mechanisms/governance/cycle.py): decisions over the last 12 months
    "decision_latency_months", "strategy_latency_months", "decision_quality", "decisions_made",
    "decisions_missed", "board_vacancy_rate", "rep_body_vacancy_rate", "conflict_index",
    "trust", "voting_turnout", "voice_heard", "informal_voice",
    "public_sector_latency_months", "public_strategy_latency_months", "public_informal_voice",
    # participation channels and users who live (sim/mechanisms/people/participation.py, users.py)
    "working_group_share", "users_present", "user_arrivals", "user_departures", "charge_index",
    # what the staff make and what decisions cost (sim/mechanisms/people/service.py, ODD §13)
    *SERVICE_COLUMNS,
]


def _share(mask: np.ndarray, alive: np.ndarray, n: int | None = None) -> float:
    """Share of the present (``alive``) for whom ``mask`` holds; ``n``: how many are present,
    if the caller has it (the table's kept count, Columns.count)."""
    if n is None:
        n = np.count_nonzero(alive)
    return float(np.count_nonzero(mask & alive) / n) if n else 0.0


def _mean(values: np.ndarray, mask: np.ndarray) -> float:
    return float(values[mask].mean()) if np.any(mask) else 0.0


def legal_formal_index(model, membership_rates: dict[str, float]) -> float:
    """Figure 5.1's legal-formal ownership (§5.5: "legal-formal structures for (multi-)
    stakeholder ownership"): members, votes, filled elected seats and the representative
    body's powers. The constituencies are those whose rule lets them be members (staff,
    users), for the members' share (the mean of their membership rates) as for the votes."""
    p, turnout = model.params, model.governance.turnout
    who_may = [who for who in ("staff", "users") if getattr(p.membership, who).rule != "none"]
    members = float(np.mean([membership_rates[who] for who in who_may])) if who_may else 0.0
    voting = sum(0.5 * (0.5 + 0.5 * min(1.0, turnout.get(who, 0.0) / 0.5))
                 for who in ("staff", "users") if getattr(p.membership, who).rule != "none")
    board, rep = model.governance.board, model.governance.rep_body
    elected = sum(not s.vacant for s in board.elected())
    powers = 0.0
    if rep is not None:
        filled = 1.0 - rep.vacancy_rate()
        powers = filled * REP_BODY_POWERS.index(rep.powers) / (len(REP_BODY_POWERS) - 1)
        if rep.powers == "appoints_board":  # directors chosen by the members' body (Case 11)
            elected += filled * sum(s.kind == "independent" for s in board.seats)
    elected /= len(board.seats)
    w = p.indices.legal.membership_weight, p.indices.legal.votes_weight, \
        p.indices.legal.seats_weight, p.indices.legal.powers_weight
    per_seat_share = p.indices.legal.seats_full_multiple
    return float(w[0] * members + w[1] * voting
                 + w[2] * min(1.0, per_seat_share * elected) + w[3] * powers)


def cultural_psychological_index(mean_ownership: float, active_share: float, p) -> float:
    w = p.indices.cultural.ownership_weight
    return float(w * mean_ownership
                 + (1 - w) * min(1.0, active_share / p.indices.active_share_full))


def ideal_type(legal: float, cultural: float, threshold: float) -> str:
    return IDEAL_TYPES[(legal >= threshold, cultural >= threshold)]


# What the model itself reads back from ``model.latest`` during a run (finance's social value
# reads last month's active share; observation stops after the failure month). In sweep mode
# (``MutualModel(sweep=True)``) only these are computed in the months before the last.
FEEDBACK = ("active_share", "failed")


class Feedback(dict):
    """``model.latest`` in a sweep's months: only :data:`FEEDBACK`. Asking for any other
    output raises, so a new reader of ``model.latest`` cannot silently get a default."""

    def get(self, key, default=None):
        if key not in self:
            raise KeyError(f"model.latest[{key!r}] is read during the run but is not in "
                           "sim.metrics.FEEDBACK (sweep mode computes only those each month)")
        return dict.get(self, key)


def feedback(model) -> Feedback:
    """This month's :data:`FEEDBACK` outputs, exactly as :func:`compute` computes them."""
    s = model.staff
    return Feedback(active_share=_share(s.engagement >= 3, s.alive, s.count()),
                    failed=model.failed)


def compute(model) -> dict:
    """All of this month's outputs, by column name."""
    s, u, p, counts = model.staff, model.users, model.params, model.month_counts
    alive, u_alive = s.alive, u.alive
    headcount, users_present = s.count(), u.count()  # the tables' kept counts of the present
    out: dict = {"month": model.month, "headcount": headcount,
                 "vacancies": max(0, model.funding.staff_target - headcount),
                 "hires": counts.get("hires", 0), "leavers": counts.get("leavers", 0),
                 "transferred_in_share": _share(s.tupe, alive, headcount),
                 "staff_membership_rate": _share(s.member, alive, headcount),
                 "staff_joins": counts.get("staff_joins", 0),
                 "staff_opt_outs": counts.get("staff_opt_outs", 0),
                 "user_membership_rate": _share(u.member, u_alive, users_present),
                 "user_joins": counts.get("user_joins", 0),
                 "user_opt_outs": counts.get("user_opt_outs", 0)}
    for prefix, cols in (("staff_engagement", s), ("user_engagement", u)):
        n = max(1, cols.count())
        dist = np.bincount(cols.engagement[cols.alive], minlength=TOP + 1) / n
        out.update({f"{prefix}_{k}": float(dist[k]) for k in range(TOP + 1)})
    out["active_share"] = _share(s.engagement >= 3, alive, headcount)
    out["user_active_share"] = _share(u.engagement >= 3, u_alive, users_present)
    out["mean_ownership"] = _mean(s.ownership, alive)
    out["user_mean_ownership"] = _mean(u.ownership, u.alive)
    out["satisfaction_staff"] = _mean(s.satisfaction, alive)
    out["satisfaction_users"] = _mean(u.satisfaction, u.alive)
    out["transferred_mean_engagement"] = _mean(s.engagement.astype(float), alive & s.tupe)
    out["recruited_mean_engagement"] = _mean(s.engagement.astype(float), alive & ~s.tupe)
    gov = governance.summary(model)
    out["representatives"] = gov.pop("representatives")  # people in elected seats (rung 4)
    out["representative_vacancy_rate"] = gov.pop("representative_vacancy_rate")
    legal = legal_formal_index(model, {"staff": out["staff_membership_rate"],
                                       "users": out["user_membership_rate"]})
    cultural = cultural_psychological_index(out["mean_ownership"], out["active_share"], p)
    out["legal_formal_index"] = legal
    out["cultural_psychological_index"] = cultural
    out["ideal_type"] = ideal_type(legal, cultural, p.indices.threshold)
    out["working_group_share"] = _share(s.group_months > 0, alive, headcount)
    out["users_present"] = users_present
    out["user_arrivals"] = counts.get("user_arrivals", 0)
    out["user_departures"] = counts.get("user_departures", 0)
    out["charge_index"] = model.people.charge_index
    out.update(funding_outputs(model))
    out.update(gov)
    out.update(service_outputs(model))
    return out
