"""Follow each exercise of docs/training.md as the app does and print what the page shows.

    .venv/bin/python tools/training_notices.py [--seeds 0 1 2 3] [--only ex1 ex2 ...]

For every preset of ``sim/viz/presets.py`` it builds the same :class:`~sim.viz.session.Workshop`
the page builds, steps it as the guide says (a year at a time, common random numbers) and prints
the figures each "Notice" quotes — the summary lines, the chart subtitles (ladder, Figure 5.1,
staff by site, decisions) and the key moments — read from the same functions that draw the page
(``sim.viz.charts``), for each seed. Seed 0 is what the browser tests assert
(``tests/test_viz_app.py``); the other seeds give the ranges quoted in the guide. A few minutes
on 2 cores for seeds 0-3.
"""

from __future__ import annotations

import argparse
import re

from sim.viz import charts, presets, session


def page(workshop: session.Workshop) -> list[dict]:
    """The numbers each copy's summary line and chart subtitles show."""
    out = []
    for _, model in workshop.models:
        ts = session.timeseries(model)
        latest = model.latest
        quad = charts.quadrant(ts, model.p["indices.threshold"])["title"]["subtitle"]
        ladder = charts.ladder(ts, workshop.horizon)["title"]["subtitle"]
        people = charts.people(model)
        seats = re.search(r"(\d+) of (\d+) filled", people["title"]["subtitle"])
        dec = charts.decisions(ts, workshop.horizon)
        dec_sub = dec["title"]["subtitle"] if dec else ""
        out.append({
            "staff": int(latest.get("headcount", 0)),
            "membership": round(100 * latest["staff_membership_rate"]),
            "active": round(100 * latest["active_share"]),
            "ownership": round(float(latest["mean_ownership"]), 2),
            "legal": float(re.search(r"legal-formal ([\d.]+)", quad)[1]),
            "cultural": float(re.search(r"cultural ([\d.]+)", quad)[1]),
            "not_involved": float(re.search(r"not involved ([\d.]+)", ladder)[1]),
            "occasional+": float(re.search(r"occasional or more ([\d.]+)", ladder)[1]),
            "seats": f"{seats[1]}/{seats[2]}",
            "filled": int(seats[1]),
            "sites": model.org.n_sites,
            "decisions": dec_sub,
            "key": session.key_moments(model),
        })
    return out


def follow(preset: presets.Preset, seed: int, years: int = 5) -> list[tuple[int, list[dict]]]:
    """The page after each 'Step a year' (month 12, 24, ...), as [(month, page), ...]."""
    workshop = session.Workshop(preset.setup(seed))
    shots = [(0, page(workshop))]
    for _ in range(years):
        workshop.step(12)
        shots.append((workshop.month, page(workshop)))
    return shots


def show(preset: presets.Preset, seed: int) -> None:
    shots = follow(preset, seed)
    print(f"\n== {preset.name} seed {seed}")
    for month, copies in shots:
        for k, c in enumerate(copies):
            copy = "AB"[k] if len(copies) == 2 else "-"
            print(f"  m{month:3d} {copy} staff {c['staff']:4d} mem {c['membership']:3d}% "
                  f"act {c['active']:3d}% own {c['ownership']:.2f} legal {c['legal']:.2f} "
                  f"cult {c['cultural']:.2f} rung0 {c['not_involved']:3.0f} "
                  f"occ+ {c['occasional+']:3.0f} seats {c['seats']:>6} sites {c['sites']:3d} "
                  f"| {c['decisions']}")
    for k, c in enumerate(shots[-1][1]):
        wanted = [m for m in c["key"] if re.search(
            r"rose above|switched|election|opened|site", m)][:6]
        print(f"  key moments {'AB'[k] if len(shots[-1][1]) == 2 else '-'}: {wanted}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    ap.add_argument("--only", nargs="+", default=None, help="preset names (ex1, ex2, ...)")
    args = ap.parse_args(argv)
    for preset in presets.EXERCISES:
        if args.only and preset.name not in args.only:
            continue
        for seed in args.seeds:
            show(preset, seed)


if __name__ == "__main__":
    main()
