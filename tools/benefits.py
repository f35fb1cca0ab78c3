"""The benefits of mutuality, measured (docs/ODD.md §13, §11): the figures quoted there.

    .venv/bin/python tools/benefits.py consequences   # judgement signal 0.05 against 3.0
    .venv/bin/python tools/benefits.py depth          # the deliberation-depth trade-off + figure
    .venv/bin/python tools/benefits.py growth         # ten-year growth in base; small vs large
    .venv/bin/python tools/benefits.py fragility      # small against large, no size multiplier
    .venv/bin/python tools/benefits.py all

Every comparison runs both sides at the same seeds; means are given with the standard error
of the mean over seeds (paired differences where two settings share seeds).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import sim
from sim.mechanisms.governance.decisions import DECISION_LEVELS

ROOT = Path(__file__).resolve().parent.parent


def _run(scenario="base", seed=0, months=120, **overrides):
    return sim.run(scenario, seed=seed, months=months, overrides=overrides)


def _sem(x) -> float:
    x = np.asarray(x, dtype=float)
    return float(x.std(ddof=1) / np.sqrt(len(x))) if len(x) > 1 else 0.0


def outcomes(result) -> dict:
    ts = result.timeseries
    first, last = ts.iloc[0], ts.iloc[-1]
    years = (len(ts) - 1) / 12
    return {
        "headcount_ratio": last["headcount"] / first["headcount"],
        "cumulative_surplus_£k": ts["surplus"].iloc[12::12].sum() / 1e3,
        "mean_margin": ts["surplus_margin"].iloc[12:].mean(),
        "reserves_£k": last["reserves"] / 1e3,
        "contracts_held": last["contracts_held"],
        "contracts_lost": last["contracts_lost"],
        "bids_won": last["bids_won"],
        "bids_misjudged": last["bids_misjudged"],
        "misjudged_wins": last["misjudged_wins"],
        "diversifications_failed": last["diversifications_failed"],
        "service_quality": ts["service_quality"].iloc[12:].mean(),
        "mean_ownership": ts["mean_ownership"].iloc[12:].mean(),
        "voice_heard": ts["voice_heard"].iloc[12:].mean(),
        "active_share": ts["active_share"].iloc[12:].mean(),
        "leavers_per_100_per_year": 100 * ts["leavers"].iloc[1:].sum() / years
        / ts["headcount"].mean(),
        "decision_latency_months": ts["decision_latency_months"].iloc[12:].mean(),
        "tenders_missed": last["tenders_missed"],
        "failed": float(last["failed"]),
    }


def consequences(seeds=range(40)) -> None:
    print("\n== Consequences: governance.judgement.signal 0.05 against 3.0 (base, 120 months)")
    low = [outcomes(_run(seed=s, **{"governance.judgement.signal": 0.05})) for s in seeds]
    high = [outcomes(_run(seed=s, **{"governance.judgement.signal": 3.0})) for s in seeds]
    print(f"{'output':>26} {'signal 0.05':>14} {'signal 3.0':>14} {'paired diff':>14} {'± sem':>8}")
    for key in low[0]:
        a = np.array([r[key] for r in low])
        b = np.array([r[key] for r in high])
        print(f"{key:>26} {a.mean():14.3f} {b.mean():14.3f} {(a - b).mean():14.3f} "
              f"{_sem(a - b):8.3f}")
    print(f"seeds: {len(list(seeds))}")


DEPTHS = (0.0, 0.25, 0.5, 0.75, 1.0)
CURVES = ("contracts_held", "service_quality", "cumulative_surplus_£k", "headcount_ratio",
          "mean_ownership", "voice_heard", "leavers_per_100_per_year",
          "decision_latency_months", "tenders_missed")


def depth(seeds=range(20), scenario="base", figure=True, **extra) -> dict:
    print(f"\n== Deliberation depth (all three levels) on {scenario}, 120 months, "
          f"{len(list(seeds))} seeds {extra or ''}")
    table = {}
    for d in DEPTHS:
        over = {f"governance.depth.{level}": d for level in DECISION_LEVELS} | extra
        rows = [outcomes(_run(scenario, seed=s, **over)) for s in seeds]
        table[d] = {k: (np.mean([r[k] for r in rows]), _sem([r[k] for r in rows]))
                    for k in rows[0]}
    print(f"{'output':>26} " + " ".join(f"{'d=' + str(d):>15}" for d in DEPTHS))
    for key in table[0.0]:
        print(f"{key:>26} " + " ".join(f"{table[d][key][0]:8.3f}±{table[d][key][1]:6.3f}"
                                      for d in DEPTHS))
    if figure:
        _figure(table, scenario, extra)
    return table


def _figure(table, scenario, extra) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 3, figsize=(11, 8.5), sharex=True)
    for ax, key in zip(axes.flat, CURVES, strict=True):
        mean = np.array([table[d][key][0] for d in DEPTHS])
        sem = np.array([table[d][key][1] for d in DEPTHS])
        ax.errorbar(DEPTHS, mean, yerr=2 * sem, marker="o", capsize=3)
        ax.set_title(key.replace("_", " "), fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("deliberation depth (strategy, policy, operations)")
    fig.suptitle(f"The deliberation trade-off ({scenario}, 10 years; mean ± 2 s.e.m.)")
    fig.tight_layout()
    name = "depth_tradeoff.png" if not extra else "depth_tradeoff_full_bids.png"
    out = ROOT / "docs" / "img" / name
    fig.savefig(out, dpi=90)
    print(f"figure: {out.relative_to(ROOT)}")


def growth(seeds=range(40)) -> None:
    print("\n== Growth over ten years (headcount at month 120 / month 0)")
    for label, over in (("base (400 staff)", {}),
                        ("small (25 staff)", {"organisation.staff": 25,
                                              "organisation.users": 600,
                                              "organisation.sites": 1}),
                        ("large (2,000 staff)", {"organisation.staff": 2000,
                                                 "organisation.users": 10_000,
                                                 "organisation.sites": 8})):
        n = seeds if "large" not in label else range(10)
        rows = [outcomes(_run(seed=s, **over)) for s in n]
        g = np.array([r["headcount_ratio"] for r in rows])
        failed = np.array([r["failed"] for r in rows])
        print(f"{label:>20}: runs {len(g)}, grew (>1) {int((g > 1).sum())}, shrank (<1) "
              f"{int((g < 1).sum())}, below 0.5× {int((g < 0.5).sum())}, failed "
              f"{int(failed.sum())}, median {np.median(g):.2f}, quartiles "
              f"{np.quantile(g, 0.25):.2f}–{np.quantile(g, 0.75):.2f}")


SMALL = {"organisation.staff": 25, "organisation.users": 600, "organisation.sites": 1}
LARGE = {"organisation.staff": 2000, "organisation.users": 10_000, "organisation.sites": 8}
NO_SIZE_MULTIPLIER = {"commissioning.smallness_factor": 0.0}


def setback(result) -> bool:
    """A severe setback (docs/ODD.md §13.5, written before measuring): at some month the
    headcount is below half its highest value so far, or the mutual fails (insolvent or
    wound down). §3.2: 'Two of the smallest mutuals however, had experienced particular
    difficulties'; Table 3.1 Case 1 'lost most of original staff'."""
    ts = result.timeseries
    head = ts["headcount"].to_numpy(dtype=float)
    drawdown = head / np.maximum.accumulate(np.maximum(head, 1.0))
    return bool(drawdown.min() < 0.5 or ts["failed"].iloc[-1])


def two_proportion_z(a: int, na: int, b: int, nb: int) -> float:
    """z of the difference of two shares, a/na − b/nb, with the pooled standard error (NaN
    when the pooled share is 0 or 1): the fragility must-show's test."""
    pooled = (a + b) / (na + nb)
    se = np.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb)) if 0 < pooled < 1 else float("nan")
    return (a / na - b / nb) / se if se == se and se > 0 else float("nan")


def fragility(seeds=range(40), large_seeds=range(20), **extra) -> dict:
    """Small (25 staff) against large (2,000) mutuals over ten years with the size multiplier
    on commissioners' withdrawal and non-renewal switched off (``commissioning.smallness_factor
    = 0``): the share of runs with a severe setback (``setback``); fragility holds if the
    small share is above the large one with a two-proportion z above 2."""
    over = NO_SIZE_MULTIPLIER | extra
    print(f"\n== Fragility: share of ten-year runs with a severe setback {over}")
    out = {}
    for label, size, n in (("small (25 staff)", SMALL, seeds),
                           ("large (2,000 staff)", LARGE, large_seeds)):
        rows = [_run(seed=s, **size, **over) for s in n]
        hits = np.array([setback(r) for r in rows])
        failed = np.array([float(r.timeseries["failed"].iloc[-1]) for r in rows])
        g = np.array([outcomes(r)["headcount_ratio"] for r in rows])
        core = np.array([bool(r.timeseries["core_contract_lost"].iloc[-1]) for r in rows])
        # month 60, or the last month of a run that stopped (failed) before it
        at60 = np.array([r.timeseries["headcount"].iloc[min(60, len(r.timeseries) - 1)]
                         / r.timeseries["headcount"].iloc[0] for r in rows])
        held = np.array([r.timeseries["contracts_held"].iloc[min(60, len(r.timeseries) - 1)]
                         for r in rows])
        out[label] = (int(hits.sum()), len(hits))
        print(f"{label:>20}: setbacks {int(hits.sum())}/{len(hits)} (core contract lost in "
              f"{int((hits & core).sum())} of them; core lost in {int(core.sum())} runs), failed "
              f"{int(failed.sum())}, grew {int((g > 1).sum())}, median growth {np.median(g):.2f}"
              f" (month 60: {np.median(at60):.2f}, contracts held {np.median(held):.0f})")
    (a, na), (b, nb) = out.values()
    z = two_proportion_z(a, na, b, nb)
    print(f"small − large setback share {a / na - b / nb:+.3f}, z {z:.2f} -> "
          f"{'holds' if z > 2 else 'FAILS'}")
    return out


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    if what in ("consequences", "all"):
        consequences()
    if what in ("depth", "all"):
        depth()
        depth(**{"governance.bids.procedure": "full"})
    if what in ("growth", "all"):
        growth()
    if what in ("fragility", "all"):
        fragility()
