"""Governance archetypes (Table 4.1) as bundles of parameter values.

A preset is applied while a scenario is resolved (``sim/scenario.py``): its values replace the
registry defaults and any value set in a *less derived* scenario file, while keys set in the
same file as the preset, in a more derived file or on the command line win over it. Every
preset sets the same keys, so switching presets never leaves part of the previous one behind.

This module is plain data and functions of a values dict: it must not import the model.
"""

from __future__ import annotations

from typing import Any

from sim.parameter import param

# --- parameters (collected into the registry by sim/params.py) ------------------------
GOVERNANCE_PRESETS = ("custom", "stewardship", "staff_council", "council_of_governors",
                      "multi_stakeholder_cbs", "council_owned")

PARAMS = [
    # --- governance (docs/ODD.md §3 steps 2 and 8; sim/mechanisms/governance/) ------------
    # Presets bundle the structure keys below (mechanisms/governance/presets.py, Table 4.1); keys
    # set explicitly in the same or a more derived scenario file win over the preset.
    param("governance.preset", "custom", "archetype", choices=GOVERNANCE_PRESETS,
          source="§4.2 (stewardship vs democratic multi-stakeholder); Table 4.1 structures",
          doc="A governance archetype whose bundle of governance.* values applies before the "
              "scenario's own keys: stewardship (Cases 7-8), staff_council (Cases 2, 6), "
              "council_of_governors (Case 4), multi_stakeholder_cbs (Case 11), council_owned "
              "(Case 6). custom applies no bundle."),
]

PRESET_KEY = "governance.preset"

_STRUCTURE = ("governance.depth.strategy", "governance.depth.policy",
              "governance.depth.operations", "governance.board.size",
              "governance.board.executive_seats", "governance.board.staff_seats",
              "governance.board.user_seats", "governance.board.council_seats",
              "governance.board.coopted_seats", "governance.rep_body.powers",
              "governance.rep_body.staff_seats", "governance.rep_body.user_seats",
              "governance.rep_body.appointed_seats",
              "governance.latency.external_approval_months",
              "governance.elections.members_only")


def _bundle(depth, board, rep, external=0.0, members_only=False) -> dict[str, Any]:
    """depth = (strategy, policy, operations); board = (size, executive, staff, user, council,
    co-opted); rep = (powers, staff, user, appointed)."""
    return dict(zip(_STRUCTURE, (*depth, *board, *rep, external, members_only), strict=True))


PRESETS: dict[str, dict[str, Any]] = {
    "custom": {},
    # Cases 7 and 8: a board with a staff trustee or two runs the organisation; no
    # representative body; 'we have to move quick too or we'll go bust' (§5.2).
    "stewardship": _bundle((0.1, 0.2, 0.3), (7, 2, 1, 0, 0, 0), ("none", 0, 0, 0)),
    # Case 2 (and Case 6's staff council): a 13-member staff council gives employees a voice
    # but is 'not represented on [the] board'; advisory only.
    "staff_council": _bundle((0.3, 0.5, 0.5), (9, 3, 0, 0, 0, 0), ("advisory", 13, 0, 0)),
    # Case 4: a staff-led council of governors whose chair sits on the board; it approves the
    # strategy. (Its size is withheld in the study; 15 is an assumption.)
    "council_of_governors": _bundle((0.5, 0.5, 0.4), (9, 3, 1, 0, 0, 0),
                                    ("approves_strategy", 15, 0, 0)),
    # Case 11: a representative body of 15 elected tenants, 8 elected employees and 5
    # appointees approves the strategy and appoints (and removes) a board of 6 non-executives
    # and 2 executives; deliberative and 'not as nimble', but faster than the public sector.
    "multi_stakeholder_cbs": _bundle((0.8, 0.7, 0.6), (8, 2, 0, 0, 0, 0),
                                     ("appoints_board", 8, 15, 5), members_only=True),
    # Case 6: owned by three local authorities that appoint executives and non-executives and
    # adjudicate major decisions; a 16-member staff council focuses on operational issues.
    "council_owned": _bundle((0.2, 0.3, 0.6), (9, 3, 0, 0, 4, 0), ("advisory", 16, 0, 0),
                             external=2.0),
}


def expand(values: dict[str, Any], rank: dict[str, int], floor: int) -> dict[str, Any]:
    """Apply the chosen preset's bundle to ``values`` (a copy is returned).

    ``rank`` tells how derived the layer that set each key explicitly is (higher = more
    derived); keys missing from it have rank ``floor``. A bundle value replaces a key whose
    rank is below the preset key's own rank.
    """
    out = dict(values)
    preset_rank = rank.get(PRESET_KEY, floor)
    for key, value in PRESETS[values[PRESET_KEY]].items():
        if rank.get(key, floor) < preset_rank:
            out[key] = value
    return out

