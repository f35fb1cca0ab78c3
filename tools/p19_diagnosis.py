"""P19 taken apart: each case's Figure 5.1 indices over the last 12 months (the window of P19's
modal type) and the parts of the indices at the end (sim/metrics.py), on the seeds P12-P20
use (run k of a case: seed k of the P12 root).

    .venv/bin/python tools/p19_diagnosis.py --cases 9,10 --seeds 20 [--set key=value ...]

legal-formal = 0.4 x members (mean membership rate of the constituencies with a rule) + 0.2 x
votes (half per constituency with a rule, x (0.5 + 0.5 x turnout / 50 %)) + 0.2 x filled
elected board seats (full at a third) + 0.2 x rep-body powers x filled share; cultural = 0.5 x
mean ownership + 0.5 x active share / 25 % (capped).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sim  # noqa: E402
from sim import patterns  # noqa: E402
from sim.batch.runs import seed_of  # noqa: E402
from sim.mechanisms.governance.bodies import REP_BODY_POWERS  # noqa: E402
from sim.values import parse_override  # noqa: E402

ROOT = patterns.case_seed_root()



def parts(r) -> dict:
    m, ts = r.model, r.timeseries
    p, g = m.params, m.governance
    who_may = [w for w in ("staff", "users") if getattr(p.membership, w).rule != "none"]
    rates = {"staff": ts["staff_membership_rate"].iloc[-1],
             "users": ts["user_membership_rate"].iloc[-1]}
    powers = 0.0
    if g.rep_body is not None:
        powers = (1 - g.rep_body.vacancy_rate()) * REP_BODY_POWERS.index(g.rep_body.powers) \
            / (len(REP_BODY_POWERS) - 1)
    elected = sum(not s.vacant for s in g.board.elected())
    st = m.staff
    fixed, permanent = st.alive & st.fixed_term, st.alive & ~st.fixed_term
    return {
        "type": patterns.modal_type({"ts": ts}),
        "legal": ts["legal_formal_index"].iloc[-12:].mean(),
        "cultural": ts["cultural_psychological_index"].iloc[-12:].mean(),
        "members": np.mean([rates[w] for w in who_may]) if who_may else 0.0,
        "staff members": rates["staff"], "user members": rates["users"],
        "votes": sum(0.5 * (0.5 + 0.5 * min(1.0, g.turnout.get(w, 0.0) / 0.5))
                     for w in who_may),
        "staff turnout": g.turnout.get("staff", 0.0), "user turnout": g.turnout.get("users", 0.0),
        "seats": min(1.0, p.indices.legal.seats_full_multiple * elected / len(g.board.seats)),
        "elected filled": elected, "elected seats": len(g.board.elected()),
        "powers": powers,
        "ownership": ts["mean_ownership"].iloc[-12:].mean(),
        "active": ts["active_share"].iloc[-12:].mean(),
        "active fixed-term": float((st.engagement[fixed] >= 3).mean()) if fixed.any() else 0.0,
        "active permanent": float((st.engagement[permanent] >= 3).mean())
        if permanent.any() else 0.0,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", default="9,10")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    a = ap.parse_args(argv)
    overrides = dict(parse_override(s) for s in a.set)
    for case in (int(c) for c in a.cases.split(",")):
        rows = [parts(sim.run(patterns.case_scenario(case), seed=seed_of(ROOT, k),
                              overrides=overrides or None, keep_model=True))
                for k in range(a.seeds)]

        def mean(key, rows=rows):
            return float(np.mean([x[key] for x in rows]))

        def span(key, rows=rows):
            return f"{min(x[key] for x in rows):.3f}-{max(x[key] for x in rows):.3f}"
        types = Counter(x["type"] for x in rows)
        print(f"Case {case} ({overrides or 'as filed'}): modal types {dict(types.most_common())}")
        print(f"  legal-formal {mean('legal'):.3f} ({span('legal')}) = 0.4 x members "
              f"{mean('members'):.3f} (staff {mean('staff members'):.3f}, users "
              f"{mean('user members'):.3f}) + 0.2 x votes {mean('votes'):.3f} (turnout staff "
              f"{mean('staff turnout'):.3f}, users {mean('user turnout'):.3f}) + 0.2 x seats "
              f"{mean('seats'):.3f} ({mean('elected filled'):.2f} of "
              f"{mean('elected seats'):.0f} elected filled) + 0.2 x powers {mean('powers'):.3f}")
        print(f"  cultural {mean('cultural'):.3f} ({span('cultural')}) = 0.5 x ownership "
              f"{mean('ownership'):.3f} + 0.5 x min(1, active {mean('active'):.3f} / 0.25); "
              f"active at the end: fixed-term {mean('active fixed-term'):.3f}, permanent "
              f"{mean('active permanent'):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
