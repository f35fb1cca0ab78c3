"""Write the "Calibration record" part of docs/calibration.md: where every parameter's value
comes from (the study, other publications, assumption) and which were fitted, to which pattern,
by what method; and the same for the values the case library sets.

    .venv/bin/python tools/calibration_record.py

Only the text between the two markers below is replaced; the calibration engine's part of the
file (written by `mutualsim calibrate`'s authors) is left as it is.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim import patterns  # noqa: E402
from sim.params import REGISTRY  # noqa: E402

START, END = "<!-- calibration-record:start -->", "<!-- calibration-record:end -->"
STUDY = re.compile(r"§\d|Table \d|\bT\d\.\d|Annex|Case \d|Exec")
OTHER = re.compile(r"SEUK|PPN|Cabinet Office|et al|Condorcet|Grimm|CEEDR 2014")

# Fitted by hand before the calibration engine existed (from the git history; method: a manual
# one-parameter search, rerunning the pattern's test until it passed).
FITTED = [
    ("membership.staff.base_join_rate", "P2", "manual search on the P2 test (seeds 0-5); its "
     "source says 'calibrated to P2'. Re-examined with the engine (stop 27, "
     "calibrations/p2_join_rate.toml): posterior 0.00010-0.00097, 0.0006 inside; not re-fitted "
     "(above, 'P2 and the join rate')"),
    ("engagement.voice_heard", "— (an internal target)", "manual: the base scenario's voice "
     "kept near the pre-governance foundation's 0.5; no pattern"),
    ("growth.expansion_appetite", "P14 / §3.3 (C4)", "manual: 0.6 → 0.9 so that 7 of 8 "
     "non-CBS-like runs expand (commit 9964ded, 'Calibrate expansion')"),
]


CASE_FITS = [
    (1, "membership.staff.probation_months", "2 (median 1.72, 90 % 0.08–4.19)",
     "'all are members' (T4.1): staff membership ≥ 90 % in months 37–48",
     "ε = 1.92 (run budget 1,500 spent); posterior median 91.7 %, 53 % of particles in range"),
    (1, "workforce.fixed_term_share", "0.043 (90 % 0.006–0.116)", "the same target",
     "identified jointly with the probation (width ratio 0.40)"),
    (5, "membership.users.promotion", "0.39 (median 0.386, 90 % 0.33–0.46)",
     "~1,000 community shareholders (T4.1) of 3,000 users (assumption): rate 0.30–0.37",
     "ε = 1: converged, posterior median 0.339 (re-fitted after the churn-timing fix: "
     "0.392 before)"),
    (12, "membership.users.promotion", "0.027 (median 0.0266, 90 % 0.008–0.068)",
     "'just under 100 members in early 2020' (T4.1): 85–99 of 8,000 users, rate "
     "0.0105–0.0125", "ε = 1: converged at generation 5 (2,137 runs; the first fit stopped "
     "at its 5-generation budget at ε = 6.47, not at a model limit); posterior median rate "
     "0.0116. Without promotion the no-promotion join hazard "
     "(membership.users.base_join_rate) of aware users alone gives about 0.011"),
]


def classify(source: str) -> str:
    s = source.lower()
    if "calibrated" in s:
        return "fitted"
    study, other = bool(STUDY.search(source)), bool(OTHER.search(source))
    if "assumption" in s:
        return "study and assumption" if study or other else "assumption"
    if other:
        return "other publication (via the study)" if study else "other publication"
    return "study" if study else "unsourced"


def case_lines() -> Counter:
    counts: Counter = Counter()
    for path in sorted((ROOT / "scenarios" / "cases").glob("*.toml")):
        table = None
        for line in path.read_text().splitlines():
            s = line.strip()
            if s.startswith("["):
                table = s
                continue
            if "=" not in s or s.startswith(("#", "extends")) or table in ("[about]",
                                                                               "[[events]]"):
                continue
            note = line.split("#", 1)[1] if "#" in line else ""
            if "fitted" in note:
                counts["fitted to the case's own fact (docs/calibration/caseNN_*)"] += 1
            elif "assumption" in note:
                counts["assumption (labelled)"] += 1
            elif "arithmetic" in note or "inference" in note:
                counts["arithmetic or inference from the study"] += 1
            elif STUDY.search(note):
                counts["the study (Table or §)"] += 1
            else:
                counts["other"] += 1
    return counts


def record() -> str:
    kinds = Counter(classify(p.source) for p in REGISTRY.values())
    out = [START, "", "## Calibration record", "",
           "Written by `tools/calibration_record.py` from the parameter registry (each "
           "mechanism's `PARAMS`, collected by `sim/params.py`) and the case files; rerun it "
           "after changing either.", "",
           "### Where the registry's values come from", "",
           f"{len(REGISTRY)} parameters. A source naming a Table, § or Case of the study counts "
           "as the study; 'assumption' anywhere in it makes it (partly) an assumption.", "",
           "| origin | parameters |", "|---|---|"]
    out += [f"| {k} | {n} |" for k, n in kinds.most_common()]
    others = [p for p in REGISTRY.values() if OTHER.search(p.source)]
    out += ["", "Other publications named in sources (all quoted by the study itself, except "
            "where marked): " + "; ".join(f"`{p.key}` ({OTHER.search(p.source).group(0)})"
                                          for p in others) + ". The policy file "
            "`scenarios/policy/social_value_10.toml` cites PPN 06/20 (Cabinet Office, 2020) "
            "directly.", "",
            "### Fitted parameters (calibration), before the calibration engine", "",
            "| parameter | value | fitted to | method |", "|---|---|---|---|"]
    for key, target, method in FITTED:
        out.append(f"| `{key}` | {REGISTRY[key].default} | {target} | {method} |")
    out += ["", "A pattern a parameter was fitted to is reported as *calibrated* by `mutualsim "
            "patterns` (P2, P14); it is not evidence that the model reproduces it. Patterns that "
            "follow from one parameter or from settings copied from the study are reported as "
            "*inputs*:", "",
            "| pattern | follows from |", "|---|---|"]
    for p in patterns.PATTERNS:
        if p.kind == "input":
            out.append(f"| {p.id} | {p.kind_note} |")
    case = case_lines()
    out += ["", "### The case library", "",
            "No value in `scenarios/cases/` was fitted to a pattern or to a placement: each is "
            "copied from the study (with its Table or §), derived by stated arithmetic or "
            "inference, labelled an assumption (head-counts everywhere: the report gives none), "
            "or — four values in three cases — fitted with `mutualsim calibrate` to that case's "
            "own stated fact (below). The cross-case patterns P12-P20 are measured on these "
            "files as written. Settings, by origin:", "",
            "| origin | settings |", "|---|---|"]
    out += [f"| {k} | {n} |" for k, n in case.most_common()]
    out += ["", "Fitted per case (ABC-SMC, `calibrations/caseNN_*.toml`, outputs in "
            "`docs/calibration/caseNN_*/`): the target is the case's own Table 4.1 fact, never "
            "a pattern, a placement or another case's outcome. Calibration (fitted) and "
            "validation (predicted: the ideal types, P12-P20) stay separate.", "",
            "| case | parameter | value | fitted to | result |", "|---|---|---|---|---|"]
    out += [f"| {c} | `{k}` | {v} | {t} | {r} |" for c, k, v, t, r in CASE_FITS]
    out += ["", "Timed incidents are events (`[[events]]`): the dated ones from the study "
            "(Case 1's withdrawal at month 9) are facts; undated ones (Case 2's shares given up, "
            "Cases 4 and 5's switches, Case 10's in-housing, Case 6's council growth) carry an "
            "assumed month, said in each event's note.", "",
            "### Not fitted, and why", "",
            "Growth (P12, P13), the core-contract loss share (P7a, P15) and the ideal types "
            "(P19, docs/cases.md) are reported as the model gives them. Fitting them is the "
            "calibration engine's job (`mutualsim calibrate`, the engine's part of this "
            "file); any value it fits must be written back with 'calibrated to Pn' in its "
            "source, and the pattern's kind changed to calibrated in `sim/patterns.py`.", "",
            END]
    return "\n".join(out) + "\n"


def main() -> int:
    path = ROOT / "docs" / "calibration.md"
    text = path.read_text() if path.exists() else "# Calibration\n\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        text = head + record() + tail
    else:
        text = text.rstrip("\n") + "\n\n" + record()
    path.write_text(text)
    print(f"wrote the calibration record in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
