"""The fragility statistic taken apart (docs/ODD.md §13.13; issue 11's must-show "small mutuals
are more fragile than large ones without a hazard multiplier that writes it in").

Runs the registered comparison of ``tools/benefits.py fragility`` (25-staff single-site against
2,000-staff 8-site mutuals, ten years, ``commissioning.smallness_factor = 0``, small seeds
0-39, large 0-19 by default) month by month and records, per run: the portfolio (contracts
held, the largest contract's share of income), reserves in months of running costs, every
contract lost (how, its share of income on the month before, the staff who left that month),
and what followed the loss of the core contract (headcount 12 and 24 months on, against the
month before). The setback is ``benefits.setback`` itself (never changed here).

    .venv/bin/python tools/fragility_diagnosis.py                 # the registered seeds
    .venv/bin/python tools/fragility_diagnosis.py --small 0-39 --large 0-19 --runs
    .venv/bin/python tools/fragility_diagnosis.py --set finance.fixed_overhead=40000

``--runs`` prints one line per run; ``--set key=value`` adds overrides to both sizes,
``--small-set`` / ``--large-set`` to one (e.g. a stated history, docs/ODD.md §13.15):

    .venv/bin/python tools/fragility_diagnosis.py --large-set organisation.spinout_staff=500
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import benefits  # noqa: E402

from sim.mechanisms.funding import commissioning, finance  # noqa: E402
from sim.model import MutualModel  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402
from sim.values import ScenarioError, parse_override  # noqa: E402

LOST = re.compile(r"^(?P<what>core contract|contract) with .*? (?P<how>re-tendered and lost|"
                  r"brought back in house|withdrawn early|not renewed|re-tendered through a "
                  r"framework|re-tendered, but|re-tendered; the mutual would not)"
                  r".*; (?P<n>\d+) staff")
HOW = {"re-tendered and lost": "retender", "brought back in house": "in_house",
       "withdrawn early": "withdrawn", "not renewed": "not_renewed",
       "re-tendered through a framework": "excluded", "re-tendered, but": "missed",
       "re-tendered; the mutual would not": "declined"}


EXPIRIES: dict[int, list[str]] = {}   # id(model) -> what became of each core expiry
_at_expiry = commissioning.at_expiry


def _counted_at_expiry(model, k) -> None:
    """commissioning.at_expiry, recording what became of the core contract at each expiry
    (kept: extended or renewed; re-tender; lost: in house or decommissioned)."""
    _at_expiry(model, k)
    if k.core:
        out = "lost" if k not in model.funding.market.contracts else \
            "retender" if k.retendering else "kept"
        EXPIRIES.setdefault(id(model), []).append(out)


commissioning.at_expiry = _counted_at_expiry   # read by commissioning.advance each month


def income(model) -> float:
    """Income per year now (pence): contracts and other lines."""
    return finance.income_rate(model) * 12


def one_run(size: dict, seed: int, over: dict, months: int = 120) -> dict:
    """One run, stepped a month at a time (bit-identical to ``sim.run``), with the portfolio
    and the books recorded each month."""
    scenario = load_scenario("base").with_overrides(size | over | {"months": months})
    m = MutualModel(scenario, rng=seed)
    mk = m.funding.market

    def snapshot() -> dict:
        inc = income(m)
        largest = max((k.value for k in mk.contracts), default=0)
        core = next((k for k in mk.contracts if k.core), None)
        costs = finance.monthly_costs(m)
        return {"head": m.staff.count(), "contracts": len(mk.contracts),
                "largest": largest / inc if inc > 0 else 0.0,
                "core_share": core.value / inc if core is not None and inc > 0 else 0.0,
                "reserves_months": m.funding.ledger.balance / costs if costs > 0 else 0.0,
                "income": inc, "quality": m.latest.get("service_quality", 0.0),
                "pay_index": m.funding.pay_index}

    rows = [snapshot()]
    losses = []
    seen = 0
    while m.month < months and m.running:
        before = rows[-1]
        held = {id(k): k for k in mk.contracts}
        m.run_for(1)
        if not m.running and m.failed:
            rows.append(rows[-1] | {"head": m.staff.count()})
            break
        now = {id(k) for k in mk.contracts}
        texts = [e["text"] for e in m.events[seen:] if e["kind"] == "contract"]
        seen = len(m.events)
        for key, k in held.items():
            if key in now:
                continue
            how, moved = "?", 0
            for t in texts:
                hit = LOST.match(t)
                if hit and (hit["what"] == "core contract") == k.core:
                    how, moved = HOW[hit["how"]], int(hit["n"])
                    texts.remove(t)
                    break
            losses.append({"month": m.month, "core": k.core, "how": how,
                           "share": k.value / before["income"] if before["income"] else 0.0,
                           "moved": moved, "head_before": before["head"]})
        rows.append(snapshot())
    head = np.array([r["head"] for r in rows], dtype=float)
    led = m.funding.ledger
    last = max(1, m.month)
    earned = led.total(finance.INCOME, 1, last)
    books = {c: -led.total((c,), 1, last) / earned if earned else 0.0
             for c in ("overheads", "bid_costs", "redundancy", "agency")}
    books["margin"] = (earned + led.total(finance.COSTS, 1, last)) / earned if earned else 0.0
    out = {"seed": seed, "rows": rows, "losses": losses, "failed": bool(m.failed),
           "expiries": EXPIRIES.pop(id(m), []),
           "counts": dict(mk.counts), "books": books,
           "failure": next((e["text"].split(":")[0] for e in m.events if e["kind"] == "failure"),
                           "")}
    drawdown = head / np.maximum.accumulate(np.maximum(head, 1.0))
    out["setback"] = bool(drawdown.min() < 0.5 or m.failed)
    out["min_drawdown"] = float(drawdown.min())
    out["setback_month"] = int(np.argmax(drawdown < 0.5)) if drawdown.min() < 0.5 else None
    core = next((x for x in losses if x["core"]), None)
    out["core"] = core
    if core is not None:
        t, h0 = core["month"], core["head_before"]
        out["after12"] = head[min(t + 12, len(head) - 1)] / max(h0, 1)
        out["after24"] = head[min(t + 24, len(head) - 1)] / max(h0, 1)
        out["low_after"] = head[t:].min() / max(h0, 1)
        out["reserves_at_core"] = rows[t - 1]["reserves_months"]
        out["contracts_at_core"] = rows[t - 1]["contracts"]
    return out


def summarise(label: str, runs: list[dict], show_runs: bool) -> None:
    n = len(runs)
    hits = sum(r["setback"] for r in runs)
    print(f"\n-- {label}: {n} runs, setbacks {hits}, failed {sum(r['failed'] for r in runs)}")

    def at(month, key):
        return np.array([r["rows"][min(month, len(r["rows"]) - 1)][key] for r in runs])

    for month in (0, 24, 60, 120):
        print(f"   month {month:>3}: contracts held median {np.median(at(month, 'contracts')):.0f}"
              f" ({np.quantile(at(month, 'contracts'), 0.25):.0f}-"
              f"{np.quantile(at(month, 'contracts'), 0.75):.0f}), largest contract "
              f"{np.median(at(month, 'largest')):.2f} of income, core "
              f"{np.median(at(month, 'core_share')):.2f}, reserves "
              f"{np.median(at(month, 'reserves_months')):.1f} months of costs, headcount "
              f"{np.median(at(month, 'head')):.0f}")
    books = {k: np.median([r["books"][k] for r in runs]) for k in runs[0]["books"]}
    books["service quality"] = np.median([np.mean([x["quality"] for x in r["rows"][13:]] or [0])
                                          for r in runs])
    books["pay index at the end"] = np.median([r["rows"][-1]["pay_index"] for r in runs])
    print("   over the run, share of income (median): " +
          ", ".join(f"{k} {v:.3f}" for k, v in books.items()))
    keys = ("bids_made", "bids_won", "no_bid_mobilisation", "excluded_by_framework",
            "excluded_by_reserves", "no_bid_writing_time", "no_bid_consortium_time",
            "tenders_missed")
    print("   counts a run (mean): " + ", ".join(
        f"{k} {np.mean([r['counts'].get(k, 0) for r in runs]):.1f}" for k in keys))
    ex = [x for r in runs for x in r["expiries"]]
    print(f"   core expiries {len(ex)} ({len(ex) / n:.1f} a run): kept {ex.count('kept')}, "
          f"re-tendered {ex.count('retender')}, lost at expiry {ex.count('lost')}")
    cores = [r for r in runs if r["core"] is not None]
    without = sum(r["setback"] for r in runs if r["core"] is None)
    print(f"   core lost in {len(cores)} runs; setback in {sum(r['setback'] for r in cores)} "
          f"of them; setbacks without a core loss {without}")
    if cores:
        hows = {}
        for r in cores:
            hows[r["core"]["how"]] = hows.get(r["core"]["how"], 0) + 1
        share = np.array([r["core"]["share"] for r in cores])
        moved = np.array([r["core"]["moved"] / max(r["core"]["head_before"], 1) for r in cores])
        print(f"   core losses by how: {hows}; month median "
              f"{np.median([r['core']['month'] for r in cores]):.0f}")
        print(f"   core's share of income on the month before: median {np.median(share):.2f} "
              f"({share.min():.2f}-{share.max():.2f}); staff out with it {np.median(moved):.2f} "
              f"of headcount ({moved.min():.2f}-{moved.max():.2f})")
        low = np.median([r["low_after"] for r in cores])
        print(f"   headcount / before: lowest after {low:.2f},"
              f" 12 months on {np.median([r['after12'] for r in cores]):.2f}, 24 months on "
              f"{np.median([r['after24'] for r in cores]):.2f}; reserves at the loss "
              f"{np.median([r['reserves_at_core'] for r in cores]):.1f} months; contracts held "
              f"{np.median([r['contracts_at_core'] for r in cores]):.0f}")
    other = [x for r in runs for x in r["losses"] if not x["core"]]
    if other:
        sh = np.array([x["share"] for x in other])
        print(f"   other contracts lost: {len(other)} ({len(other) / n:.1f} a run), share of "
              f"income median {np.median(sh):.3f}, above 0.25 in {int((sh > 0.25).sum())}")
    if show_runs:
        print("   seed setback lowest  failed  core(month, how, share, out/head, low, +12, +24, "
              "reserves m)  contracts m0/m60")
        for r in runs:
            c = r["core"]
            core = (f"{c['month']:>3} {c['how']:<11} {c['share']:.2f} "
                    f"{c['moved']}/{c['head_before']} {r['low_after']:.2f} {r['after12']:.2f} "
                    f"{r['after24']:.2f} {r['reserves_at_core']:5.1f}") if c else "-"
            print(f"   {r['seed']:>4} {str(r['setback']):>7} {r['min_drawdown']:.2f} "
                  f"{r['failure'] or '-':>8}  {core:<52} "
                  f"{r['rows'][0]['contracts']}/"
                  f"{r['rows'][min(60, len(r['rows']) - 1)]['contracts']}")


def seeds(text: str) -> range:
    a, _, b = text.partition("-")
    return range(int(a), int(b or a) + 1)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--small", default="0-39", help="small seeds, a-b (registered: 0-39)")
    ap.add_argument("--large", default="0-19", help="large seeds, a-b (registered: 0-19)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--small-set", action="append", default=[], metavar="KEY=VALUE",
                    help="an override for the small mutual only (e.g. a stated history)")
    ap.add_argument("--large-set", action="append", default=[], metavar="KEY=VALUE",
                    help="an override for the large mutual only")
    ap.add_argument("--runs", action="store_true", help="one line per run")
    a = ap.parse_args(argv)
    over = dict(benefits.NO_SIZE_MULTIPLIER)
    for item in a.set:
        key, value = parse_override(item)
        over[key] = value
    own = {"small": {}, "large": {}}
    for which, items in (("small", a.small_set), ("large", a.large_set)):
        for item in items:
            key, value = parse_override(item)
            own[which][key] = value
    print(f"fragility diagnosis, overrides {over}; small only {own['small']}, large only "
          f"{own['large']}")
    out = {}
    for label, size, n in (("small (25 staff)", benefits.SMALL | own["small"], seeds(a.small)),
                           ("large (2,000 staff)", benefits.LARGE | own["large"],
                            seeds(a.large))):
        runs = [one_run(size, s, over) for s in n]
        summarise(label, runs, a.runs)
        out[label] = (sum(r["setback"] for r in runs), len(runs))
    (x, nx), (y, ny) = out.values()
    z = benefits.two_proportion_z(x, nx, y, ny)
    print(f"\nsetbacks small {x}/{nx}, large {y}/{ny}, z {z:.2f} (benefits.fragility's test)")


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except ScenarioError as exc:   # bad --set: one line, exit 2 (no traceback)
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
