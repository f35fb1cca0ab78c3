"""PA5 and PA6's Case-6 clause taken apart (docs/participation.md, Stop 29).

    .venv/bin/python tools/pa5_pa6_diagnosis.py pa5 [--seeds 10] [--scenario base] [--set k=v]
    .venv/bin/python tools/pa5_pa6_diagnosis.py pa6 [--seeds 10] [--scenario council_owned_cic]

pa5: per run (seed k, as tools/participation_patterns.py) and per annual election after
month 24, by body (board / representative body): elected seats, seats open, the people
eligible to stand (rung 3, confidence >= engagement.representative_confidence, members where
the franchise needs it), the candidates (new + incumbents standing again), seats filled, and
the representatives who left or stepped down during the year. Then the totals PA5 reads.
pa6: per run the means over months 61-120 of the two Figure 5.1 indices and their parts
(legal-formal: members, votes, seats, powers; cultural: ownership, active share / full), the
share of months at or above the cut-off on each, and the ladder's rungs.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sim  # noqa: E402
from sim.mechanisms.governance import bodies as bd  # noqa: E402
from sim.mechanisms.governance import elections as el  # noqa: E402
from sim.mechanisms.people.engagement import TOP  # noqa: E402
from sim.values import parse_override  # noqa: E402

ROWS: list[dict] = []
_hold = el.hold
_standing = el.standing
_vacate = bd.vacate
MID_TERM: list[tuple[str, str]] = []   # (body, how) of seats vacated before their term ended


_review = getattr(bd, "review_vacated_seats", None)
REVIEWS = defaultdict(int)  # board reviews of seats vacated mid-term (bodies.review_vacated_seats)


def _counting_review(model):
    board = model.governance.board
    pending = [s for s in board.seats if s.last_skill is not None and s.vacant]
    appointed = [m.skill for m in board.members() if m.person is None]
    bar = sum(appointed) / len(appointed) if appointed else 0.0
    before = sum(s.not_replaced for s in board.seats)
    below = sum(s.last_skill < bar for s in pending)
    _review(model)
    REVIEWS["reviewed"] += len(pending)
    REVIEWS["holder below the appointed directors"] += below
    REVIEWS["not re-opened"] += sum(s.not_replaced for s in board.seats) - before


def _counting_vacate(model, body, seat, step_down):
    if seat.constituency is not None and seat.holder is not None and seat.term_end > model.month:
        MID_TERM.append((body.name, "stepped down" if step_down else "left"))
    return _vacate(model, body, seat, step_down)


def _eligible(model, who):
    p, cols = model.params, el.columns(model, who)
    ready = (cols.alive & (cols.engagement == TOP - 1)
             & (cols.confidence >= p.engagement.representative_confidence))
    if el.franchise(model, who):
        ready &= cols.member
    return int(np.count_nonzero(ready))


def _counting_standing(model, who, *rest):
    rows = _standing(model, who, *rest)
    model._diag_stood[who] = len(rows)
    return rows


def _recording_hold(model):
    model._diag_stood = {}
    bodies = model.governing_bodies()
    before = {b.name: {who: (len(b.elected(who)),
                             sum(s.vacant or s.term_end <= model.month for s in b.elected(who)))
                       for who in el.CONSTITUENCIES} for b in bodies}
    eligible = {who: _eligible(model, who) for who in el.CONSTITUENCIES}
    result = _hold(model)
    for b in bodies:
        for who in el.CONSTITUENCIES:
            seats, open_ = before[b.name][who]
            if not seats:
                continue
            ROWS.append(dict(seed=getattr(model, "_diag_seed", None), month=model.month,
                             body=b.name, who=who,
                             seats=seats, open=open_, eligible=eligible[who],
                             stood_new=model._diag_stood.get(who, 0),
                             pool=result.get(who, (0, 0, 0))[1],
                             vacant_after=sum(s.vacant for s in b.elected(who)),
                             headcount=int(np.count_nonzero(model.staff.alive))))
    return result


def pa5(args, overrides):
    el.hold, el.standing, bd.vacate = _recording_hold, _counting_standing, _counting_vacate
    if _review is not None:
        bd.review_vacated_seats = _counting_review
    runs_with_vacancy, totals = 0, defaultdict(int)
    for seed in range(args.seeds):
        ROWS.clear()
        MID_TERM.clear()
        model = sim.MutualModel(args.scenario, rng=seed, overrides=overrides)
        model._diag_seed = seed
        model.run_for(model.months)
        late = [r for r in ROWS if r["month"] >= 36]
        runs_with_vacancy += any(r["vacant_after"] > 0 for r in late)
        df = model.datacollector.get_model_vars_dataframe().iloc[25:]
        months_vacant = float((df["representative_vacancy_rate"] > 0).mean())
        board_months = float((df["board_vacancy_rate"] > 0).mean())
        mid = {k: sum(1 for m in MID_TERM if m[0] == k[0] and m[1] == k[1])
               for k in {(b, h) for b, h in MID_TERM}}
        for r in late:
            for key in ("open", "pool", "eligible"):
                totals[(r["body"], key)] += r[key]
            totals[(r["body"], "vacant_after")] += r["vacant_after"]
            totals[(r["body"], "elections")] += 1
        for k, v in mid.items():
            totals[(k[0], "mid-term " + k[1])] += v
        print(f"seed {seed}: headcount at 120 {late[-1]['headcount'] if late else '-'}; months "
              f"25-120 with some elected seat vacant {months_vacant:.2f} (board seat "
              f"{board_months:.2f}); seats vacated mid-term over the run: "
              + ", ".join(f"{b} {h} {v}" for (b, h), v in sorted(mid.items())))
        for r in late:
            print(f"  m{r['month']:3d} {r['body']:15s} {r['who']:5s} seats {r['seats']:2d} "
                  f"open {r['open']:2d} eligible {r['eligible']:3d} stood new "
                  f"{r['stood_new']:3d} pool {r['pool']:3d} vacant after {r['vacant_after']}")
    print("totals over the elections of months 36-120 (board rows: the pool is shared):")
    for (body, key), v in sorted(totals.items()):
        print(f"  {body:15s} {key:22s} {v}")
    if _review is not None:
        print("board reviews of seats vacated mid-term (all months): "
              + ", ".join(f"{k} {v}" for k, v in REVIEWS.items()))
    print(f"runs with an elected seat vacant at a year end after month 24: "
          f"{runs_with_vacancy}/{args.seeds}")


def pa6(args, overrides):
    from sim.metrics import cultural_psychological_index  # noqa: F401  (documented formula)
    agg = defaultdict(list)
    for seed in range(args.seeds):
        model = sim.MutualModel(args.scenario, rng=seed, overrides=overrides)
        model.run_for(model.months)
        df = model.datacollector.get_model_vars_dataframe().iloc[61:]
        p = model.params
        thr = p.indices.threshold
        w = p.indices.cultural.ownership_weight
        eng = (df["active_share"] / p.indices.active_share_full).clip(upper=1.0)
        row = dict(legal=df["legal_formal_index"].mean(),
                   cultural=df["cultural_psychological_index"].mean(),
                   own_part=(w * df["mean_ownership"]).mean(),
                   active_part=((1 - w) * eng).mean(),
                   ownership=df["mean_ownership"].mean(), active=df["active_share"].mean(),
                   rung2=df["staff_engagement_2"].mean(), rung0=df["staff_engagement_0"].mean(),
                   informal=df["informal_voice"].mean(), heard=df["voice_heard"].mean(),
                   satisfaction=df["satisfaction_staff"].mean(),
                   wg=df["working_group_share"].mean(), headcount=df["headcount"].mean(),
                   months_c_above=(df["cultural_psychological_index"] >= thr).mean())
        for k, v in row.items():
            agg[k].append(float(v))
        print(f"seed {seed}: " + " ".join(f"{k} {v:.3f}" for k, v in row.items()), flush=True)
    print("mean:   " + " ".join(f"{k} {np.mean(v):.3f}" for k, v in agg.items()))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("pa5", "pa6"))
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--scenario", default="")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args(argv)
    args.scenario = args.scenario or ("base" if args.what == "pa5" else "council_owned_cic")
    overrides = dict(parse_override(s) for s in args.set)
    (pa5 if args.what == "pa5" else pa6)(args, overrides)
    return 0


if __name__ == "__main__":
    sys.exit(main())
