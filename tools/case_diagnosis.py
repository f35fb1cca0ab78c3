"""Checks behind the diagnoses in docs/cases.md ("Diagnoses of the failing cross-case patterns
and placements"), on the seeds P12-P20 use (run k of a case: the batch engine's seed k of the
P12 root, as tools/case_outcomes.py).

    .venv/bin/python tools/case_diagnosis.py rebids --cases 2,4 --seeds 0:10
    .venv/bin/python tools/case_diagnosis.py growth --cases 10 --seeds 20:60 [--set key=value]
    .venv/bin/python tools/case_diagnosis.py voice --cases 12 --seeds 0:10
    .venv/bin/python tools/case_diagnosis.py losses --cases 2,4 --seeds 0:20
    .venv/bin/python tools/case_diagnosis.py failures --cases 1,8 --seeds 0:20
    .venv/bin/python tools/case_diagnosis.py growth --cases 1 --seeds 0:20 --no-events
    .venv/bin/python tools/case_diagnosis.py renewals --seeds 0:12
    .venv/bin/python tools/case_diagnosis.py surplus --seeds 0:4
    .venv/bin/python tools/case_diagnosis.py placement --cases 5,9,10,11,12 --seeds 0:20
    .venv/bin/python tools/case_diagnosis.py empowerment --cases 12 --seeds 0:10
    .venv/bin/python tools/case_diagnosis.py drivers --cases 1,7,8,10,12 --seeds 0:20
    .venv/bin/python tools/case_diagnosis.py split --seeds 0:20 --workers 2 [--set key=value]
    .venv/bin/python tools/case_diagnosis.py paired --cases all --seeds 0:20 --workers 2 --set k=v
    .venv/bin/python tools/case_diagnosis.py recovery --cases 1 --seeds 0:20 [--after 9]

rebids: the mutual's re-bids for its core contract, its other re-bids and its new bids, won
of made (bid log). growth: the share of seeds whose last-12-month turnover exceeds the first
12 (P12's statistic), the median ratio and insolvencies. voice: months 13-24 strategy latency
against the parent body's, voice heard against informal voice (P18's statistic). losses: how
and when each seed lost its core contract (P15's classification). failures: each insolvent
run, whether it had lost its core contract first (P15's "failures after a loss"), and its last
events. placement: the modal Figure 5.1 type over the last 12 months in each seed (P19's and
tools/case_outcomes.py's), with the mean final indices. drivers: what stops a case growing
(every bid/no-bid, contract and growth count a run, turnover and income by source by year,
margin, leaner model). split: all twelve cases (--cases ignored) on the given seeds, in worker
processes: per case the share grown and median ratio, the bids a framework excluded (and of
them by the reserves rule), and the staff membership, share of members who chose, active share
and service quality over the last 12 months; then P12's and P13's statistics computed by
sim.patterns' own functions (_p12, _p13) on these runs, so that --set gives the report's
P12 and P13 under another setting (`mutualsim patterns` takes no --set). paired: the same seeds
run at the registered defaults and with --set, per case the paired difference (with --set minus
without, mean and mean ± 2 s.e.) in log turnover growth (P13's per-case term) and in the staff
means from the case's first membership switch on (active share, service quality, ownership,
innovation), the cases the setting leaves bit-identical named; with --cases all, P13's
per-seed statistic under each and its paired difference. empowerment: P18's
voice clause taken apart (formal voice, grievance, channels). recovery: every new tender the
mutual sees from month --after on (not its own re-tenders), by region (home or other) and
framework or not, with what became of it (the bid/no-bid reason, alone or in consortium, won
or lost and to whom), the mutual's room to mobilise, reserves and headcount when it decided,
and the headcount and reserves path (Case 1's recovery after its month-9 withdrawal).
--no-events drops the case's timed events (Case 1 without its month-9 withdrawal).

Two checks are not on the case library but on two tests, with their tests' runs (the first
a strict expected failure; the second was one on f2cb63d and passes since 1007747):
renewals (tests/test_funding.py, test_more_officer_churn_means_fewer_renewals: `base` with
300 users at 0 and 4 officer changes a year) counts every expiry's outcome, including
re-tenders nobody bid for, which roll the contract on a year and are counted neither kept
nor lost; surplus (tests/test_governance.py,
test_surplus_kept_from_staff_for_years_lowers_satisfaction_and_engagement) prints each
seed's paired mean-rung difference with the size and the voice that explain it.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
from sim import patterns  # noqa: E402
from sim.batch.runs import seed_of  # noqa: E402
from sim.mechanisms.funding import finance  # noqa: E402
from sim.values import ScenarioError, parse_override  # noqa: E402

SEED_ROOT = patterns.case_seed_root()



NO_EVENTS = False   # --no-events: the case without its timed events


def _runs(case: int, seeds: range, overrides: dict, keep: bool = False):
    scenario = sim.load_scenario(patterns.case_scenario(case))
    if NO_EVENTS:
        scenario = dataclasses.replace(scenario, events=())
    for k in seeds:
        yield k, sim.run(scenario, seed=seed_of(SEED_ROOT, k),
                         overrides=overrides or None, keep_model=keep)


def rebids(case, seeds, overrides) -> None:
    won = {"core re-bids": [0, 0], "other re-bids": [0, 0], "new bids": [0, 0]}
    for _, r in _runs(case, seeds, overrides, keep=True):
        for b in r.model.funding.market.bid_log:
            if b.mutual_bid:
                kind = "core re-bids" if b.core else "other re-bids" if b.incumbent \
                    else "new bids"
                won[kind][0] += b.won
                won[kind][1] += 1
    print(f"Case {case}: " + "; ".join(f"{k} won {w} of {n}" for k, (w, n) in won.items()))


def losses(case, seeds, overrides) -> None:
    how = Counter()
    for k, r in _runs(case, seeds, overrides, keep=True):
        m = r.model.funding.market
        how[m.core_lost_how or "kept"] += 1
        if m.core_lost_how:
            print(f"Case {case} seed {k}: core lost at month {m.core_lost_month}, "
                  f"{m.core_lost_how}" + (" (a loss by re-tender)"
                                          if m.core_lost_how in patterns.RETENDER else ""))
    print(f"Case {case}: " + ", ".join(f"{h} {n}" for h, n in how.most_common()))


def failures(case, seeds, overrides) -> None:
    for k, r in _runs(case, seeds, overrides, keep=True):
        if not r.summary["final"]["failed"]:
            continue
        m, ts = r.model.funding.market, r.timeseries
        lost = (f"after losing its core contract at month {m.core_lost_month} "
                f"({m.core_lost_how})") if m.core_lost_how else "with its core contract held"
        print(f"Case {case} seed {k}: insolvent at month {len(ts) - 1} {lost}; headcount "
              f"{ts['headcount'].iloc[0]} -> {ts['headcount'].iloc[-1]}; bids made "
              f"{m.counts.get('bids_made', 0)}, won {m.counts.get('bids_won', 0)}, refused for "
              f"room to mobilise {m.counts.get('no_bid_mobilisation', 0)}")
        for e in r.events[-12:]:
            print(f"    {e['month']:>3} {e['kind']}: {e['text'][:140]}")


def growth(case, seeds, overrides) -> None:
    ratios, failed, heads = [], 0, []
    made = won = refused = 0
    for _, r in _runs(case, seeds, overrides, keep=True):
        t = r.timeseries["turnover"]
        ratios.append(t.iloc[-12:].mean() / max(t.iloc[:12].mean(), 1.0))
        failed += bool(r.summary["final"]["failed"])
        heads.append(r.timeseries["headcount"].iloc[-1])
        c = r.model.funding.market.counts
        made, won = made + c.get("bids_made", 0), won + c.get("bids_won", 0)
        refused += c.get("no_bid_mobilisation", 0)
    g, n = np.array(ratios), len(ratios)
    print(f"Case {case} {overrides or ''}{' without its events' if NO_EVENTS else ''}: grew in "
          f"{int((g > 1).sum())} of {n} ({(g > 1).mean():.1%}), median ratio "
          f"{np.median(g):.2f}, median final headcount {np.median(heads):.0f}, {failed} "
          f"insolvencies; a run: bids made {made / n:.1f}, won {won / n:.1f}, refused for room "
          f"to mobilise {refused / n:.1f}")


def drivers(case, seeds, overrides) -> None:
    """What stops a case growing: per run, the mean of every bid/no-bid, contract and growth
    count (market.counts), the median turnover by year of the run against the first year,
    the mean surplus margin, the share of runs that adopted the leaner model, and the share
    whose regions served rose above one (P12's statistic beside them)."""
    counts, years, margins, lean, expanded, ratios, grants = Counter(), [], [], 0, 0, [], []
    mix: dict[str, list] = {"contracts": [], "grants": [], "trading": [], "costs": []}
    n = 0
    for _, r in _runs(case, seeds, overrides, keep=True):
        n += 1
        m, ts = r.model.funding.market, r.timeseries
        counts.update(m.counts)
        t = ts["turnover"]
        base = max(t.iloc[:12].mean(), 1.0)
        ratios.append(t.iloc[-12:].mean() / base)
        years.append([t.iloc[i:i + 12].mean() / base for i in range(0, len(t) - 11, 12)])
        margins.append(float(ts["surplus_margin"].iloc[12:].mean()))
        lean += any("leaner model" in e["text"] for e in r.events)
        expanded += bool(ts["regions"].max() > ts["regions"].iloc[0])
        grants.append(sum(e["kind"] == "grant" and e["text"].startswith("grant of")
                          for e in r.events))
        led, months = r.model.funding.ledger, len(ts)
        cats = {"contracts": ("contracts",), "grants": ("grants_public", "grants_other"),
                "trading": ("trading",), "costs": finance.COSTS}
        for key, c in cats.items():
            mix[key].append([abs(led.total(c, i, i + 11)) / 100e3
                             for i in range(0, months - 11, 12)])
    g = np.array(ratios)
    by_year = np.median(np.array([y[:min(map(len, years))] for y in years]), axis=0)
    print(f"Case {case} {overrides or ''}{' without its events' if NO_EVENTS else ''}: grew in "
          f"{int((g > 1).sum())} of {n}, median ratio {np.median(g):.2f} (mean log "
          f"{np.log(g).mean():+.3f}, P13's per-case term); median turnover by "
          f"year / year 1: {' '.join(f'{x:.2f}' for x in by_year)}; mean margin after year 1 "
          f"{np.mean(margins):+.3f}; leaner model {lean}/{n}; expanded {expanded}/{n}; grants "
          f"won {np.mean(grants):.1f} a run")
    print("    median £k by year of the run: " + "; ".join(
        f"{k} " + " ".join(f"{x:.0f}" for x in np.median(np.array(
            [y[:min(map(len, v))] for y in v]), axis=0)) for k, v in mix.items()))
    print("    a run: " + ", ".join(f"{k} {v / n:.1f}" for k, v in sorted(counts.items())))


REASONS = ("tenders_missed", "no_bid_capacity", "excluded_by_framework", "no_bid_mobilisation",
           "no_bid_consortium_time", "no_bid_writing_time", "no_bid_unprofitable",
           "no_bid_unaffordable")


def recovery(case, seeds, overrides, after: int = 9) -> None:
    """Each new tender from month ``after`` on: where, framework or not, what the mutual did and
    what came of it; the state it decided in; the headcount and reserves path."""
    from sim.mechanisms.funding import commissioning, procurement

    seen: list[dict] = []
    consider, award, bar = procurement.consider, procurement.award, commissioning.framework_bar

    def traced_bar(model, t, pooled, share):
        why = bar(model, t, pooled, share)
        rec = getattr(t, "_rec", None)
        if rec is not None and why:
            rec["bars"].append(f"{why}{'' if share == 1.0 else ' (consortium)'}")
        return why

    def traced_consider(model, t):
        if t.incumbent is not None or model.month < after:
            return consider(model, t)
        m = model.funding.market
        led = model.funding.ledger
        rec = {"month": model.month, "home": t.region == 0, "framework": t.framework,
               "posts": t.demand, "value": t.value / 100, "room": procurement.mobilisation_room(
                   model), "reserves": (led.balance - sum(x.owed for x in led.loans)) / 100,
               "staff": model.staff.count(), "bars": [], "won": None, "winner": None}
        # the room's parts (procurement.mobilisation_room): its base, the capacity built, the
        # posts won in the window and those of bids awaiting award (by the win rate)
        pp = model.params.procurement
        rec["base"] = max(pp.consortium_share * pp.tender_median_staff,
                          pp.mobilisation_share * rec["staff"])
        rec["built"] = procurement.capacity_built(model)
        rec["won_posts"] = sum(x[1] for x in m.mobilised)
        rec["pending"] = rec["base"] + rec["built"] - rec["won_posts"] - rec["room"]
        t._rec = rec
        before = dict(m.counts)
        consider(model, t)
        moved = [k for k in REASONS if m.counts.get(k, 0) > before.get(k, 0)]
        if t.mutual_bid is not None:
            b = t.mutual_bid
            rec["did"] = "bid via a prime" if b.fee else \
                "bid in consortium" if b.share < 1 else "bid alone"
            rec["share"] = b.share
        elif moved:
            rec["did"] = moved[-1]
        else:
            rec["did"] = "no appetite for the region"
        seen.append(rec)

    def traced_award(model, t):
        rec = getattr(t, "_rec", None)
        n = len(model.funding.market.bid_log)
        award(model, t)
        if rec is not None and t.mutual_bid is not None:
            log = model.funding.market.bid_log
            if len(log) > n:
                rec["won"], rec["winner"] = log[-1].won, log[-1].winner
            else:
                rec["won"], rec["winner"] = False, "nobody"

    procurement.consider, procurement.award = traced_consider, traced_award
    commissioning.framework_bar = traced_bar
    paths = {"headcount": [], "reserves": [], "contracts_held": [], "regions": []}
    consortium_end = []
    try:
        n = 0
        for _, r in _runs(case, seeds, overrides, keep=True):
            n += 1
            ts = r.timeseries
            for key in paths:
                paths[key].append(ts[key].to_numpy())
            ks = r.model.funding.market.contracts
            consortium_end.append((sum(k.share < 1 for k in ks), sum(k.region != 0 for k in ks),
                                   len(ks)))
    finally:
        procurement.consider, procurement.award = consider, award
        commissioning.framework_bar = bar
    print(f"Case {case}{' ' + str(overrides) if overrides else ''}: new tenders seen from "
          f"month {after} on, {n} runs ({len(seen) / n:.1f} a run)")
    rows = Counter()
    for s in seen:
        rows[("home" if s["home"] else "other region",
              "framework" if s["framework"] else "open", s["did"])] += 1
    print("    | where | route | what the mutual did | a run | won a run |")
    print("    |---|---|---|---|---|")
    for (where, route, did), c in sorted(rows.items(), key=lambda x: (x[0][0], x[0][1],
                                                                       -x[1])):
        wins = sum(1 for s in seen if s["won"] and ("home" if s["home"] else "other region")
                   == where and ("framework" if s["framework"] else "open") == route
                   and s["did"] == did)
        print(f"    | {where} | {route} | {did} | {c / n:.2f} | {wins / n:.2f} |")
    bars = Counter(b for s in seen for b in s["bars"])
    print("    framework bars met (a run): " + ", ".join(f"{k} {v / n:.2f}"
                                                      for k, v in bars.most_common()))
    lost = Counter(s["winner"] for s in seen if s["won"] is False)
    print("    bids lost to (a run): " + ", ".join(f"{k} {v / n:.2f}" for k, v in
                                                 lost.most_common()))
    for did in ("no_bid_mobilisation", "bid in consortium", "bid alone",
                "excluded_by_framework"):
        xs = [s for s in seen if s["did"] == did]
        if xs:
            print(f"    {did}: median posts {np.median([s['posts'] for s in xs]):.0f}, "
                  f"value £{np.median([s['value'] for s in xs]) / 1e3:.0f}k, room "
                  f"{np.median([s['room'] for s in xs]):.1f}, reserves "
                  f"£{np.median([s['reserves'] for s in xs]) / 1e3:.0f}k, staff "
                  f"{np.median([s['staff'] for s in xs]):.0f}; room's parts (means): base "
                  f"{np.mean([s['base'] for s in xs]):.1f} + built "
                  f"{np.mean([s['built'] for s in xs]):.1f} - won "
                  f"{np.mean([s['won_posts'] for s in xs]):.1f} - pending "
                  f"{np.mean([s['pending'] for s in xs]):.1f}")
    months = min(len(x) for x in paths["headcount"])
    marks = [m for m in (0, 8, 9, 12, 18, 24, 30, 36, 42, months - 1) if m < months]
    for key, arr in paths.items():
        a = np.array([x[:months] for x in arr])
        print(f"    {key} median (range) at month " + "; ".join(
            f"{mk}: {np.median(a[:, mk]):.0f} ({a[:, mk].min():.0f}-{a[:, mk].max():.0f})"
            for mk in marks))
    c = np.array(consortium_end)
    print(f"    contracts held at the end (a run): {c[:, 2].mean():.2f}, of them in consortium "
          f"{c[:, 0].mean():.2f}, outside the home region {c[:, 1].mean():.2f}")


def _count_expiries():
    """Count, in market.counts, how each expiry and re-tender ends (renewals check)."""
    from sim.mechanisms.funding import commissioning, procurement

    award = procurement.award

    def counted_award(model, t):
        m = model.funding.market
        before = m.counts.get("expiries_kept", 0) + m.counts.get("expiries_lost", 0)
        award(model, t)
        if t.incumbent is not None:
            m.count("retenders")
            if m.counts.get("expiries_kept", 0) + m.counts.get("expiries_lost", 0) == before:
                m.count("retenders_unbid")      # rolled on a year: neither kept nor lost
    procurement.award = counted_award
    for mod in (commissioning, procurement):
        end = mod.end_contract

        def counted_end(model, k, how, *a, _end=end, **kw):
            model.funding.market.count(f"ended_{how}")
            return _end(model, k, how, *a, **kw)
        mod.end_contract = counted_end


def renewals(seeds, overrides) -> None:
    _count_expiries()
    for churn in (0.0, 4.0):
        c = Counter()
        for s in seeds:
            c.update(sim.run("base", seed=s, keep_model=True, overrides={
                "organisation.users": 300, "commissioning.officer_churn_per_year": churn,
                **overrides}).model.funding.market.counts)
        kept, lost, unbid = c["expiries_kept"], c["expiries_lost"], c["retenders_unbid"]
        print(f"churn {churn:g}: kept {kept} lost {lost} ({kept / (kept + lost):.3f} kept); "
              f"re-tenders {c['retenders']}, of which nobody bid {unbid} (the mutual declined "
              f"{c['rebids_declined']} re-bids); extensions {c['extensions']}, renewals won "
              f"{c['renewals']}; lost at a re-tender {c['ended_retender']}, in house "
              f"{c['ended_in_house']}, not renewed {c['ended_not_renewed']}; with the unbid "
              f"counted kept {(kept + unbid) / (kept + lost + unbid):.3f}")


def surplus(seeds, overrides) -> None:
    runs = {}
    for rule in ("board", "staff"):
        runs[rule] = [sim.run("base", seed=s, months=72, keep_model=True, overrides={
            "governance.surplus.allocation": rule, "governance.surplus.source": "fixed",
            "governance.surplus.per_staff": 3000.0, "engagement.pipeline_investment": 300.0,
            **overrides}) for s in seeds]
    diffs = []
    for s, b, t in zip(seeds, runs["board"], runs["staff"], strict=True):
        rung = [float((r.timeseries[[f"staff_engagement_{k}" for k in range(5)]]
                       .iloc[-24:].values @ np.arange(5)).mean()) for r in (b, t)]
        diffs.append(rung[1] - rung[0])
        late = [r.timeseries.iloc[-24:] for r in (b, t)]
        print(f"seed {s}: mean rung board {rung[0]:.3f}, staff {rung[1]:.3f} (difference "
              f"{diffs[-1]:+.3f}); last 24 months board/staff: headcount "
              f"{late[0]['headcount'].mean():.0f}/{late[1]['headcount'].mean():.0f}, voice "
              f"heard {late[0]['voice_heard'].mean():.3f}/{late[1]['voice_heard'].mean():.3f}, "
              f"satisfaction {late[0]['satisfaction_staff'].mean():.3f}/"
              f"{late[1]['satisfaction_staff'].mean():.3f}; re-bids declined "
              f"{b.model.funding.market.counts.get('rebids_declined', 0)}/"
              f"{t.model.funding.market.counts.get('rebids_declined', 0)}")
    d = np.array(diffs)
    print(f"mean difference {d.mean():.3f}, test's criterion 2 s.e. "
          f"{2 * d.std(ddof=1) / np.sqrt(len(d)):.3f}")


def voice(case, seeds, overrides) -> None:
    for k, r in _runs(case, seeds, overrides):
        y = r.timeseries.iloc[12:24]
        print(f"Case {case} seed {k}: strategy latency {y['strategy_latency_months'].mean():.2f}"
              f" vs parent body {y['public_strategy_latency_months'].mean():.2f} months; voice "
              f"heard {y['voice_heard'].mean():.3f} vs informal {y['informal_voice'].mean():.3f}")


def placement(case, seeds, overrides) -> None:
    """The case's Figure 5.1 placements (modal type over the last 12 months, as P19 and
    tools/case_outcomes.py) and its mean final indices and membership rates."""
    rs = [r for _, r in _runs(case, seeds, overrides)]
    types = Counter(str(r.timeseries["ideal_type"].iloc[-12:].mode().iloc[0]) for r in rs)
    final = [r.summary["final"] for r in rs]

    def mean(key):
        return float(np.mean([f[key] for f in final]))
    print(f"Case {case}: types {dict(types.most_common())}; mean final legal-formal "
          f"{mean('legal_formal_index'):.3f}, cultural {mean('cultural_psychological_index'):.3f}"
          f", staff members {mean('staff_membership_rate'):.3f}, user members "
          f"{mean('user_membership_rate'):.3f}")


def empowerment(case, seeds, overrides) -> None:
    """P18's voice clause, taken apart: voice heard = (informal + (1 - informal) x formal) x
    (1 - conflict.voice_weight x staff grievance) (sim/mechanisms/governance/cycle.py,
    publish), so it exceeds informal voice only if formal voice outweighs the grievance's drag.
    Formal voice is the mean staff voice of the last 12 months' decisions (at month 24, the
    decisions of months 13-24)."""
    for k, r in _runs(case, seeds, overrides, keep=True):
        g, p = r.model.governance, r.model.params
        w = p.governance.conflict.voice_weight
        y = r.timeseries.iloc[12:24]
        d = g.decisions
        formal = sum(x.voice for x in d) / len(d) if d else 0.0
        levels = Counter(x.level for x in d)
        consulted = Counter(c for x in d for c in x.consulted)
        seats = Counter(s.kind for s in g.board.seats if not s.vacant)
        print(f"Case {case} seed {k}: months 13-24 voice heard {y['voice_heard'].mean():.3f} vs "
              f"informal {y['informal_voice'].mean():.3f}; at the end formal staff voice "
              f"{formal:.3f} over {len(d)} decisions {dict(levels)}, consulted "
              f"{dict(consulted)}, staff grievance {g.grievance['staff']:.3f} (x weight {w}); "
              f"staff members {r.summary['final']['staff_membership_rate']:.3f}; "
              f"rep body seats {len(g.rep_body.seats) if g.rep_body else 0}; filled board "
              f"seats {dict(seats)}")


def _count_reserve_bars() -> None:
    """Count, in market.counts, each framework check a bidder alone fails on its reserves
    (it then seeks a consortium partner, or is excluded): the reserves rule's reach beyond
    the exclusions it counts itself. Only in this tool's worker processes."""
    from sim.mechanisms.funding import commissioning

    bar = commissioning.framework_bar
    if getattr(bar, "counted", False):
        return

    def counted_bar(model, t, pooled, share):
        why = bar(model, t, pooled, share)
        if why == "reserves" and share == 1.0:
            model.funding.market.count("reserves_bar_alone")
        return why
    counted_bar.counted = True
    commissioning.framework_bar = counted_bar


def _split_run(task):
    case, k, overrides = task
    _count_reserve_bars()
    scenario = sim.load_scenario(patterns.case_scenario(case))
    r = sim.run(scenario, seed=seed_of(SEED_ROOT, k), overrides=overrides or None,
                keep_model=True)
    ts, m = r.timeseries, r.model
    s = m.staff
    members = s.member & s.alive
    last = ts.iloc[-12:]
    c = m.funding.market.counts
    return case, k, {
        "ts": ts[["turnover", "regions"]].copy(), "final": r.final,
        "excluded": c.get("excluded_by_framework", 0),
        "by_reserves": c.get("excluded_by_reserves", 0),
        "bar_alone": c.get("reserves_bar_alone", 0),
        "bids": c.get("bids_made", 0), "won": c.get("bids_won", 0),
        "members": float(last["staff_membership_rate"].mean()),
        "chose": float((s.chose & members).sum() / max(members.sum(), 1)),
        "active": float(last["active_share"].mean()),
        "quality": float(last["service_quality"].mean())}


def split(seeds, overrides, workers: int) -> None:
    """All twelve cases on ``seeds``: per-case growth and the two stop-27 rules' channels,
    then P12 and P13 by the report's own functions."""
    from concurrent.futures import ProcessPoolExecutor

    tasks = [(n, k, overrides) for n in patterns.CASES for k in seeds]
    runs: dict[int, dict[int, dict]] = {n: {} for n in patterns.CASES}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for n, k, out in pool.map(_split_run, tasks):
            runs[n][k] = out
    print(f"split {overrides or '(registered defaults)'}, seeds {seeds.start}:{seeds.stop}")
    print("case | grew | median ratio | excluded by a framework (by reserves) a run | failed "
          "the reserves bar alone a run | bids made / won a run | staff members | chose | "
          "active | quality (last 12 months)")
    for n, by_k in runs.items():
        rs = [by_k[k] for k in sorted(by_k)]
        g = np.array([r["ts"]["turnover"].iloc[-12:].mean()
                      / max(r["ts"]["turnover"].iloc[:12].mean(), 1.0) for r in rs])

        def mean(key, rs=rs):
            return float(np.mean([r[key] for r in rs]))
        print(f"{n} | {int((g > 1).sum())}/{len(g)} | {np.median(g):.2f} | "
              f"{mean('excluded'):.1f} ({mean('by_reserves'):.1f}) | {mean('bar_alone'):.1f} | "
              f"{mean('bids'):.1f} / "
              f"{mean('won'):.1f} | {mean('members'):.3f} | {mean('chose'):.3f} | "
              f"{mean('active'):.3f} | {mean('quality'):.3f}")
    data = {f"case{n:02d}": [by_k[k] for k in sorted(by_k)] for n, by_k in runs.items()}
    for pid, fn in (("P12", patterns._p12), ("P13", patterns._p13)):
        res = fn(data)
        print(f"{pid}: {'pass' if res.passed else 'fail'}: {res.text}")


def _paired_run(task):
    case, k, overrides = task
    scenario = sim.load_scenario(patterns.case_scenario(case))
    switch = min((e["month"] for e in scenario.events if e.get("what") == "switch"), default=0)
    r = sim.run(scenario, seed=seed_of(SEED_ROOT, k), overrides=overrides or None)
    ts = r.timeseries
    after, t = ts.iloc[switch:], ts["turnover"]
    out = {"log growth": float(np.log(max(t.iloc[-12:].mean(), 1.0)
                                      / max(t.iloc[:12].mean(), 1.0)))}
    for key, col in (("active", "active_share"), ("quality", "service_quality"),
                     ("ownership", "mean_ownership"), ("innovation", "innovation")):
        out[key] = float(after[col].mean())
    return case, k, bool(overrides), out, switch


def paired(cases, seeds, overrides, workers: int) -> None:
    """The registered defaults against ``overrides`` on the same seeds, paired by seed."""
    from concurrent.futures import ProcessPoolExecutor

    tasks = [(n, k, o) for n in cases for k in seeds for o in ({}, overrides)]
    got: dict = {}
    switches = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for n, k, with_set, out, switch in pool.map(_paired_run, tasks):
            got[(n, k, with_set)] = out
            switches[n] = switch
    print(f"paired: {overrides} against the registered defaults, seeds {seeds.start}:"
          f"{seeds.stop} (difference = with minus without, mean [± 2 s.e.])")
    same = []
    for n in cases:
        a = [got[(n, k, False)] for k in seeds]
        b = [got[(n, k, True)] for k in seeds]
        if a == b:
            same.append(n)
            continue
        x = np.array([r["log growth"] for r in a])
        y = np.array([r["log growth"] for r in b])
        parts = []
        for key in a[0]:
            d = [rb[key] - ra[key] for ra, rb in zip(a, b, strict=True)]
            m, lo, hi = patterns.mean_interval(d)
            parts.append(f"{key} {np.mean([r[key] for r in a]):.3f} -> "
                         f"{np.mean([r[key] for r in b]):.3f} ({m:+.3f} [{lo:+.3f}, {hi:+.3f}])")
        print(f"Case {n}: grew {int((x > 0).sum())} -> {int((y > 0).sum())} of {len(x)}, median "
              f"ratio {np.median(np.exp(x)):.2f} -> {np.median(np.exp(y)):.2f}; from month "
              f"{switches[n]}: " + "; ".join(parts))
    if same:
        print("bit-identical: " + ", ".join(f"Case {n}" for n in same))
    if set(cases) == set(patterns.CASES):
        hi_ = [n for n in cases if patterns.CASES[n]["growth_group"] == "high"]
        lo_ = [n for n in cases if patterns.CASES[n]["growth_group"] == "low"]

        def p13(w):
            return [np.mean([got[(n, k, w)]["log growth"] for n in hi_])
                    - np.mean([got[(n, k, w)]["log growth"] for n in lo_]) for k in seeds]
        base, alt = p13(False), p13(True)
        m0, m1 = patterns.mean_interval(base), patterns.mean_interval(alt)
        d = patterns.mean_interval(np.subtract(alt, base))
        print(f"P13's statistic: {m0[0]:+.4f} [{m0[1]:+.4f}, {m0[2]:+.4f}] -> {m1[0]:+.4f} "
              f"[{m1[1]:+.4f}, {m1[2]:+.4f}]; paired difference {d[0]:+.4f} [{d[1]:+.4f}, "
              f"{d[2]:+.4f}]")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("check", choices=("rebids", "growth", "voice", "losses", "failures",
                                      "renewals", "surplus", "placement", "empowerment",
                                      "drivers", "split", "paired", "recovery"))
    ap.add_argument("--cases", default="2,4")
    ap.add_argument("--seeds", default="0:10", help="first:last (last excluded)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--no-events", action="store_true", help="drop the case's timed events")
    ap.add_argument("--after", type=int, default=9,
                    help="recovery: the first month counted (Case 1's withdrawal: 9)")
    ap.add_argument("--workers", type=int, default=1,
                    help="worker processes (split and paired only)")
    a = ap.parse_args(argv)
    first, last = (int(x) for x in a.seeds.split(":"))
    overrides = dict(parse_override(s) for s in a.set)
    global NO_EVENTS
    NO_EVENTS = a.no_events
    if a.check == "split":
        split(range(first, last), overrides, a.workers)
        return 0
    if a.check == "paired":
        cases = list(patterns.CASES) if a.cases == "all" else [int(c) for c in
                                                                a.cases.split(",")]
        paired(cases, range(first, last), overrides, a.workers)
        return 0
    if a.check in ("renewals", "surplus"):
        globals()[a.check](range(first, last), overrides)
        return 0
    for case in (int(c) for c in a.cases.split(",")):
        if a.check == "recovery":
            recovery(case, range(first, last), overrides, a.after)
            continue
        globals()[a.check](case, range(first, last), overrides)
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except ScenarioError as exc:   # bad --set: one line, exit 2 (no traceback)
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
