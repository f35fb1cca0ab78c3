"""The contested surplus, grievances, conflict and trust (§5.3, §5.5; Cases 2, 4, 8, 11).

Once a year the surplus is allocated between three uses, each wanted most by one group: pay
(staff), lower charges or the community fund (service users), reserves and innovation (the
board). The allocation is a strategy decision taken through the procedure
(``decisions.decide``); the bodies that took part weigh in — the board (weight 1, split by
who holds its seats), the representative body if consulted (weight = its power, split by
seats), the membership if consulted (weight 1, split by participants) — and the allocation is
the weighted mean of the groups' preferred splits (a deliberated compromise). A board that
shares the mission moves its own preference toward an even split.

Each group's **grievance** grows with the distance (total variation, 0–1) between the
allocation and its preference, the surplus's salience, and falls with the **trust** built by
deliberation ('you see both sides', Case 2). Grievances lower the group's satisfaction target
and decay each month, faster with trust. The **conflict index** is 1 − Π(1 − grievance) over
staff, users and board. Trust moves toward the mean formal
voice in recent decisions (how much deliberation there is) and is eroded by conflict.
"""

from __future__ import annotations

import math

import numpy as np

from sim.mechanisms.governance import decisions
from sim.mechanisms.governance.bodies import power_factor
from sim.parameter import param

# --- parameters (collected into the registry by sim/params.py) ------------------------

PARAMS = [
    # trust and conflict (§5.3, §5.5)
    param("governance.trust.gain", 0.05, "share of gap per month", 0.0, 1.0,
          source="§5.3 ('learning to listen', 'trust building'); §5.5 (deliberative democracy, "
                 "Curato et al. 2017)",
          doc="Trust moves toward the formal voice share of recent decisions at this rate; "
              "conflict erodes it at the same rate."),
    param("governance.conflict.decay", 0.06, "share per month", 0.0, 1.0,
          source="§5.3 Case 11: 'quite a rocky period for quite a while'; assumption",
          doc="Monthly decay of grievances and conflict with no trust."),
    param("governance.conflict.trust_decay", 0.12, "share per month at full trust", 0.0, 1.0,
          source="§5.3 Case 2: 'they listen to us and now ... the Board are listening to us as "
                 "well'",
          doc="Extra monthly decay of grievances with trust built by deliberation."),
    param("governance.conflict.voice_weight", 0.5, "ratio at grievance 1", 0.0, 1.0,
          source="§5.3: 'a dysfunctional clash ... who feel that their voice is not being heard' "
                 "(§5.5)",
          doc="A group's voice heard × (1 − this × its grievance over the surplus)."),
    # surplus allocation (§5.3, Cases 2, 4, 8, 11)
    param("governance.surplus.source", "ledger", "rule", choices=("ledger", "fixed"),
          source="§5.3 (the surplus contested is the organisation's own); 'fixed' is a trainer's "
                 "and tester's device",
          doc="Where the surplus to allocate comes from: 'ledger' = last year's operating surplus "
              "from the books (nothing to allocate after a deficit), with the staff and users' "
              "shares paid out of reserves; 'fixed' = governance.surplus.per_staff × funded posts, "
              "with no money moving."),
    param("governance.surplus.per_staff", 250.0, "£ per staff member per year", 0.0, 20_000.0,
          source="§6: 'very tight margins ... making little, if any, surplus'; assumption",
          doc="Annual surplus to allocate per funded post when governance.surplus.source = "
              "'fixed'."),
    param("governance.surplus.salience_per_staff", 2_000.0, "£ per staff member per year",
          1.0, 100_000.0,
          source="assumption: a surplus of about £2,000 a head (a few per cent of pay) is fully "
                 "worth fighting over",
          doc="Surplus per head at which the contest is fully salient (smaller ones count less)."),
    param("governance.surplus.allocation", "procedure", "rule",
          choices=("procedure", "board", "staff", "users"),
          source="§5.3 (the procedure decides); Case 11 (members decide the community fund)",
          doc="Who allocates the surplus: the governance procedure (weights by voice), or one "
              "group imposing its own preference (a trainer's counterfactual)."),
    param("governance.surplus.preference", 0.7, "share", 1 / 3, 1.0,
          source="§5.3 Case 11: staff want pay, tenants lower rents and charges, the board "
                 "reserves and development",
          doc="Share of the surplus each group wants for its own use (staff: pay; users: lower "
              "charges or the community fund; board: reserves and innovation); the rest split "
              "evenly."),
    param("governance.surplus.grievance", 0.4, "per unit distance", 0.0, 2.0,
          source="§5.3 ('challenging conversations', 'quite acrimonious'); assumption",
          doc="Grievance (satisfaction lost, 0–1) of a group per unit of distance between the "
              "allocation and its preference, at full salience."),
    param("governance.surplus.acceptance", 0.6, "share at full trust", 0.0, 1.0,
          source="§5.3 Case 2 ('you see both sides'); §5.5 (deliberative outcomes 'more "
                 "acceptable to the majority')",
          doc="Share of the grievance that trust built by deliberation removes."),
    # coefficients of the rules above (issue 10: every behavioural constant a parameter)
    param("governance.surplus.board_even_lean", 0.5, "share at full alignment", 0.0, 1.0,
          source="§5.3 (boards weigh every group's claim); assumption",
          doc="How far a fully mission-aligned board moves its preferred split toward an even "
              "one."),
]

GROUPS = ("staff", "users", "board")
USES = ("pay", "users", "reserves")  # pay; lower charges / community fund; reserves, innovation


def preferred(p, group: str, board_alignment: float = 0.0) -> np.ndarray:
    """A group's preferred split of the surplus over USES."""
    want = p.governance.surplus.preference
    split = np.full(len(USES), (1 - want) / (len(USES) - 1))
    split[GROUPS.index(group)] = want
    if group == "board":  # mission-aligned boards lean toward an even split
        lean = p.governance.surplus.board_even_lean * board_alignment
        split = (1 - lean) * split + lean / len(USES)
    return split


def weights(model, d: decisions.Decision) -> np.ndarray:
    """Each group's weight in the allocation, from the bodies that took part in ``d``."""
    w = np.zeros(len(GROUPS))
    rule = model.params.governance.surplus.allocation
    if rule != "procedure":  # one group imposes its preference (counterfactual)
        w[GROUPS.index(rule)] = 1
        return w
    seats = model.governance.board.seats if "board" in d.consulted else \
        [s for s in model.governance.board.seats if s.kind == "executive"]
    w += _seat_shares([s for s in seats if not s.vacant])
    rep = model.governance.rep_body
    if rep is not None and rep.name in d.consulted:
        held = [s for s in rep.seats if not s.vacant]
        w += power_factor(model.params, rep.powers) * _seat_shares(held)
    if decisions.MEMBERSHIP in d.consulted:
        who = decisions.participants(model)
        n = np.array([who.staff[0], who.users[0], 0.0])
        w += n / max(1.0, n.sum())
    return w


def _seat_shares(seats) -> np.ndarray:
    counts = np.zeros(len(GROUPS))
    for seat in seats:
        counts[GROUPS.index(seat.constituency or "board")] += 1
    return counts / max(1, len(seats))


def salience(model) -> float:
    per_head = model.params.governance.surplus.salience_per_staff * max(1, model.staff.count())
    return float(min(1.0, max(0.0, model.funding.surplus) / per_head))


def allocate(model) -> dict[str, float] | None:
    """The annual allocation: decide, compute the split, raise grievances, log it; return the
    split over USES (None if there is no surplus). The funding side pays out the staff and
    users' shares (``finance.pay_out_surplus``)."""
    p, amount = model.params, model.funding.surplus
    if amount <= 0:
        model.log("surplus", f"a deficit of £{-amount:,.0f} last year: no surplus to "
                             "allocate." if amount < 0 else
                  "no surplus to allocate this year.")
        return None
    d = decisions.decide(model, "strategy", deadline_months=12.0, kind="surplus")
    board = model.governance.board.members()
    alignment = float(np.mean([m.mission_alignment for m in board] or [0.5]))
    prefs = np.array([preferred(p, g, alignment) for g in GROUPS])
    w = weights(model, d)
    split = w @ prefs / w.sum()
    model.governance.surplus_allocation = dict(zip(USES, split.tolist(), strict=True))
    stake = salience(model) * (1 - p.governance.surplus.acceptance * model.governance.trust)
    for i, group in enumerate(GROUPS):
        if group == "users" and not _users_a_constituency(model):
            continue
        distance = 0.5 * np.abs(split - prefs[i]).sum()
        g = model.governance.grievance[group]
        model.governance.grievance[group] = g + (1 - g) * min(1.0, p.governance.surplus.grievance
                                                   * stake * distance)
    update_conflict(model)
    model.people.pay_shares.append(float(split[0]))
    model.log("surplus", f"surplus of £{model.funding.surplus:,.0f} allocated "
                         f"{_pct(split[0])} to pay, {_pct(split[1])} to users (charges, "
                         f"community fund) and {_pct(split[2])} to reserves and innovation "
                         f"({_how(model, d)}); staff wanted {_pct(prefs[0][0])} for pay. "
                         f"Conflict index {model.governance.conflict_index:.2f}.")
    return model.governance.surplus_allocation


def _users_a_constituency(model) -> bool:
    return bool(decisions.users_consultable(model).any()) or \
        model.params.membership.users.rule != "none"


def _how(model, d: decisions.Decision) -> str:
    rule = model.params.governance.surplus.allocation
    if rule != "procedure":
        return f"imposed by the {rule}"
    return "decided by " + ", ".join(d.consulted or ("the executive",))


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def update_conflict(model) -> None:
    g = model.governance
    # math.prod: the same left-to-right product as np.prod of the two groups' values (1·x is
    # exact), without building an array (twice a month)
    g.conflict_index = 1.0 - float(math.prod([1 - x for x in g.grievance.values()]))


def settle(model, deliberation: float) -> None:
    """Each month: grievances decay (faster with trust); trust moves toward ``deliberation``
    (the mean formal voice of recent decisions) and is eroded by conflict."""
    p, g = model.params, model.governance
    keep = 1.0 - min(1.0, p.governance.conflict.decay
                     + p.governance.conflict.trust_decay * g.trust)
    for group in g.grievance:
        g.grievance[group] *= keep
    update_conflict(model)
    rate = p.governance.trust.gain
    t = g.trust
    g.trust = float(min(max(t + rate * (deliberation - t - g.conflict_index * t), 0.0), 1.0))
