"""Print the governance response curves quoted in docs/ODD.md §11 (a few minutes on 2 cores).

    .venv/bin/python tools/governance_curves.py

Each row is the mean over seeds 0-3 of the last 36 months of a 72-month run of `base`.
"""

import numpy as np

import sim
from sim.mechanisms.governance.decisions import DECISION_LEVELS

SEEDS, MONTHS = range(4), 72
KEYS = ("strategy_latency_months", "decision_latency_months", "decision_quality",
        "decisions_missed", "mean_ownership", "voice_heard", "active_share",
        "representative_vacancy_rate", "conflict_index", "satisfaction_staff")


def row(scenario="base", **overrides):
    runs = [sim.run(scenario, seed=s, months=MONTHS, overrides=overrides) for s in SEEDS]
    return {k: np.mean([r.timeseries[k].iloc[-36:].mean() for r in runs]) for k in KEYS}


def show(title, label, rows):
    print(f"\n{title}")
    print(f"{label:>14} " + " ".join(f"{k[:14]:>14}" for k in KEYS))
    for name, values in rows:
        print(f"{name:>14} " + " ".join(f"{values[k]:14.3f}" for k in KEYS))


def depth(d, **extra):
    return {f"governance.depth.{level}": d for level in DECISION_LEVELS} | extra


if __name__ == "__main__":
    show("Depth (all levels), urgent delegation off", "depth",
         [(f"{d:.2f}", row(**depth(d, **{"governance.urgent_delegation": 0.0})))
          for d in (0.0, 0.25, 0.5, 0.75, 1.0)])
    show("Depth (all levels), default urgent delegation 0.5", "depth",
         [(f"{d:.2f}", row(**depth(d))) for d in (0.0, 0.25, 0.5, 0.75, 1.0)])
    show("Pipeline of engagement (£ per staff per year)", "pipeline",
         [(f"{v:.0f}", row(**{"engagement.pipeline_investment": v}))
          for v in (0.0, 40.0, 80.0, 200.0, 1000.0)])
    users = {"membership.users.rule": "opt_in", "membership.users.promotion": 0.5}
    show("Presets on the same organisation (users opt in)", "preset",
         [(p[:14], row(**users, **{"governance.preset": p}))
          for p in ("stewardship", "staff_council", "council_of_governors",
                    "multi_stakeholder_cbs", "council_owned")])
    surplus = {"governance.surplus.per_staff": 3000.0, "engagement.pipeline_investment": 300.0}
    show("Surplus of £3,000 a head, allocated by", "allocation",
         [(rule, row(**surplus, **{"governance.surplus.allocation": rule}))
          for rule in ("board", "procedure", "staff")]
         + [("no surplus", row(**{"governance.surplus.per_staff": 0.0,
                                  "engagement.pipeline_investment": 300.0}))])
