"""The twelve cases' simulated outcomes beside what the study says: writes docs/cases.md and
docs/img/cases.png.

    .venv/bin/python tools/case_outcomes.py --seeds 20 --workers 2

Each case scenario (scenarios/cases/) runs from its founding to February 2020 over the seeds,
through the same executors and with the same seeds as `mutualsim patterns` uses for P12-P20
(run k of a case: SeedSequence(root, spawn_key=(k,)), the batch engine's derivation), so the
first N runs here are the first N runs the cross-case patterns measured. Nothing here is a
test: the figures are what main produces, reported as they come out.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim import patterns  # noqa: E402

# the root of the case-library groups in `mutualsim patterns` (P12 is the first to use them)
SEED_ROOT = patterns.case_seed_root()
TYPES = {"stewardship-1": "S1", "stewardship-2": "S2", "democratic-1": "D1",
         "democratic-2": "D2"}
# What the study says (shared/research/cases.md; placements are inferences from §5.2, §5.5)
STUDY = {
    1: dict(members="all staff (opt-out, T4.1)", type="Democratic, mode not placed",
            growth="significant", lost="yes: withdrawn after 9 months (T3.1)"),
    2: dict(members="none (CEO sole shareholder, T4.1)", type="S2 (supported)",
            growth="significant", lost="yes: 2 by re-tender (T2.1)"),
    3: dict(members="< 5 % of staff (T4.1)", type="D1 (under-realised)",
            growth="significant", lost="none stated"),
    4: dict(members="80 % of staff (T4.1)", type="D1 moving to D2",
            growth="significant/high", lost="yes: by re-tender (§2.2)"),
    5: dict(members="~80 staff, ~1,000 community (T4.1)", type="D2 closest",
            growth="significant", lost="none stated"),
    6: dict(members="none (3 councils own it)", type="S2 (strongest support)",
            growth="significant", lost="none"),
    7: dict(members="none (board-owned)", type="S2 (weak)", growth="low", lost="none"),
    8: dict(members="none (board-owned)", type="S2", growth="stable", lost="none (at risk)"),
    9: dict(members="67,000 users, largely passive (T5.1)", type="D1 (supported)",
            growth="stable", lost="none"),
    10: dict(members="all staff after 6 months (T4.1)", type="D1 (supported)",
             growth="stable", lost="yes: in house, budget cut 2/3 (§2.2)"),
    11: dict(members="withheld (tenants and staff opt in)", type="D2 (supported)",
             growth="stable", lost="none"),
    12: dict(members="just under 100 (T4.1)", type="in transition", growth="significant / "
             "low (I2)", lost="none"),
}
SUPPORTED = {6: "stewardship-2", 2: "stewardship-2", 11: "democratic-2", 9: "democratic-1",
             10: "democratic-1"}   # the placements the fact sheet calls supported


def run(seeds: int, workers: int | None, executor: str) -> dict[int, list[dict]]:
    from sim.batch.executors import open_pool

    tasks = [((n,), k, patterns.case_scenario(n), (), None, "case", SEED_ROOT)
             for n in patterns.CASES for k in range(seeds)]
    out: dict[int, list[dict]] = {n: [] for n in patterns.CASES}
    with open_pool(executor, workers) as pool:
        for (n,), _, value in pool.executor.map(patterns.execute, tasks):
            if isinstance(value, str):
                raise SystemExit(f"case {n}: {value}")
            out[n].append(value)
    return out


def summarise(runs: list[dict]) -> dict:
    def growth(r):
        t = r["ts"]["turnover"]
        return t.iloc[-12:].mean() / max(t.iloc[:12].mean(), 1.0)

    g = np.array([growth(r) for r in runs])
    types = Counter(patterns.modal_type(r) for r in runs)
    how = Counter(r["core_lost_how"] for r in runs if r["core_lost_how"])
    return dict(
        n=len(runs), growth=float(np.median(g)), grew=float(np.mean(g > 1)),
        failed=float(np.mean([bool(r["final"]["failed"]) for r in runs])),
        staff_members=float(np.mean([r["final"]["staff_membership_rate"] for r in runs])),
        user_members=float(np.mean([r["final"]["user_membership_rate"] for r in runs])),
        active=float(np.mean([r["final"]["active_share"] for r in runs])),
        legal=np.array([r["final"]["legal_formal_index"] for r in runs]),
        cultural=np.array([r["final"]["cultural_psychological_index"] for r in runs]),
        types=types, lost=float(np.mean([bool(r["core_lost_how"]) for r in runs])), how=how,
        expanded=float(np.mean([patterns._expanded(r) for r in runs])),
        public=float(np.mean([r["ts"]["public_income_share"].mean() for r in runs])),
        headcount=(int(np.median([r["ts"]["headcount"].iloc[0] for r in runs])),
                   int(np.median([r["ts"]["headcount"].iloc[-1] for r in runs]))))


def figure(stats: dict[int, dict], path: Path, threshold: float = 0.5) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 5.2))
    for n, s in stats.items():
        ax.scatter(s["legal"], s["cultural"], s=8, alpha=0.25)
        x, y = s["legal"].mean(), s["cultural"].mean()
        ax.scatter([x], [y], s=60, edgecolor="black", zorder=3)
        ax.annotate(str(n), (x, y), xytext=(4, 4), textcoords="offset points", fontsize=10)
    ax.axvline(threshold, color="grey", lw=0.8)
    ax.axhline(threshold, color="grey", lw=0.8)
    for (x, y, label) in ((0.02, 0.95, "Stewardship 2"), (0.6, 0.95, "Democratic 2"),
                          (0.02, 0.02, "Stewardship 1"), (0.6, 0.02, "Democratic 1")):
        ax.text(x, y, label, transform=ax.transAxes, fontsize=8, color="grey")
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="legal-formal ownership index (final)",
           ylabel="cultural-psychological index (final)",
           title="Figure 5.1 quadrants: each case, every seed (dots) and mean")
    order = list(stats)
    growth = [stats[n]["growth"] for n in order]
    colours = ["tab:green" if patterns.CASES[n]["growth_group"] == "high" else "tab:blue"
               for n in order]
    bx.bar([str(n) for n in order], growth, color=colours)
    bx.axhline(1.0, color="black", lw=0.8)
    bx.set(xlabel="case (green: the study's significant-growth group, §3.2)",
           ylabel="median turnover, last year / first year", title="Growth since founding")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def markdown(stats: dict[int, dict], seeds: int, seconds: float, command: str) -> str:
    from sim.simulate import provenance

    lines = [
        "# The twelve cases: simulated outcomes beside the study",
        "",
        f"Generated by `{command}` on commit `{provenance().get('git_commit')}` "
        f"({seeds} seeds a case, {seconds:.0f} s). Each case scenario "
        "(`scenarios/cases/caseNN.toml`, its sources line by line) runs from its founding "
        "(Table 1.1) to the end of fieldwork, February 2020. The study's column comes from the "
        "sourced fact sheet (`shared/research/cases.md`); its ideal-type placements are "
        "inferences from §5.2 and §5.5 (Figure 5.1 names no case). Types: S1/S2 Stewardship "
        "mode 1/2, D1/D2 Democratic mode 1/2, the modal type over each run's last 12 months.",
        "",
        "![cases](img/cases.png)",
        "",
        "| case | study: members | model: staff / user members | model: active staff | "
        "study: type | model: types over seeds | study: growth | model: median growth "
        "(grew) | study: core contract lost | model: lost (how) | model: expanded | model: "
        "public share | failed |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, s in stats.items():
        st = STUDY[n]
        types = ", ".join(f"{TYPES[t]} {c}" for t, c in s["types"].most_common())
        how = ", ".join(f"{h} {c}" for h, c in s["how"].most_common()) or "—"
        lines.append(
            f"| {n} | {st['members']} | {100 * s['staff_members']:.0f} % / "
            f"{100 * s['user_members']:.0f} % | {100 * s['active']:.1f} % | {st['type']} | "
            f"{types} | {st['growth']} | {s['growth']:.2f} ({100 * s['grew']:.0f} %) | "
            f"{st['lost']} | {100 * s['lost']:.0f} % ({how}) | {100 * s['expanded']:.0f} % | "
            f"{100 * s['public']:.0f} % | {100 * s['failed']:.0f} % |")
    lines += ["", "## Supported placements", "",
              "The fact sheet calls five placements supported by the text: Cases 6 and 2 "
              "towards Stewardship mode 2, Case 11 Democratic mode 2, Cases 9 and 10 "
              "Democratic mode 1.", "",
              "| case | supported placement | share of seeds in it | matches in most seeds |",
              "|---|---|---|---|"]
    for n, t in SUPPORTED.items():
        share = stats[n]["types"].get(t, 0) / stats[n]["n"]
        lines.append(f"| {n} | {TYPES[t]} | {100 * share:.0f} % | "
                     f"{'yes' if share > 0.5 else '**no**'} |")
    lines += ["", "## Head-count (an assumption in every file) at founding and in 2020", "",
              "| case | " + " | ".join(str(n) for n in stats) + " |",
              "|---|" + "---|" * len(stats),
              "| staff | " + " | ".join(f"{s['headcount'][0]} → {s['headcount'][1]}"
                                        for s in stats.values()) + " |", ""]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--workers", type=int)
    ap.add_argument("--executor", default="process")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "cases.md")
    args = ap.parse_args()
    start = time.perf_counter()
    stats = {n: summarise(rs) for n, rs in run(args.seeds, args.workers, args.executor).items()}
    seconds = time.perf_counter() - start
    figure(stats, args.out.parent / "img" / "cases.png")
    command = f"tools/case_outcomes.py --seeds {args.seeds}"
    keep = ""   # a hand-written '## Reading' section survives regeneration (update it!)
    if args.out.exists() and "\n## Reading" in args.out.read_text():
        keep = "\n## Reading" + args.out.read_text().split("\n## Reading", 1)[1]
    args.out.write_text(markdown(stats, args.seeds, seconds, command) + keep)
    print(f"wrote {args.out} and {args.out.parent / 'img' / 'cases.png'} in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
