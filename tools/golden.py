"""Golden digests: sha256 of ``timeseries.csv`` and ``events.jsonl`` (numbers rounded to nine
significant digits, see ``canonical``) for ten bundled scenarios
at a fixed seed and horizon, so a behaviour-preserving change can be shown to be one.

Run:
    .venv/bin/python tools/golden.py --check   # compare with tests/golden.json (1 if any differ)
    .venv/bin/python tools/golden.py --write   # regenerate tests/golden.json

Regenerate only in a commit whose message says which behaviour changed and why.
Each run is 60 months (five year ends: elections, surplus allocation, pay and growth; tenders,
contracts and the books every month), which keeps the whole check to a few seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden.json"
SEED = 1
MONTHS = 60
FILES = ("timeseries.csv", "events.jsonl")


# A fixed list (not "every bundled scenario"), so adding a scenario does not break the check.
SCENARIOS = ("base", "opt_in", "opt_out", "small_cic", "cbs_multi_stakeholder", "large_cbs",
             "council_owned_cic", "employee_trust", "social_value_10", "stewardship_small_cic")


def scenario_names() -> list[str]:
    return list(SCENARIOS)


def digests(name: str, seed: int = SEED, months: int = MONTHS) -> dict[str, str]:
    """sha256 of each output file of one run, exactly as ``RunResult.write`` writes it."""
    import sim

    result = sim.run(name, seed=seed, months=months)
    with tempfile.TemporaryDirectory() as tmp:
        result.write(tmp, dashboard=False)
        return {f: hashlib.sha256(canonical(f, (Path(tmp) / f).read_bytes())).hexdigest()
                for f in FILES}


# Significant digits kept for each number before hashing. numpy's vectorised exp, log and
# friends may differ in the last bit between machines with different SIMD levels (AVX-512
# against AVX2), so a digest of the raw bytes would tie the golden file to the machine that
# wrote it. Nine digits keep any real behaviour change visible while a last-bit difference
# (about 1e-16 relative, a few orders more after 60 months of feedback) is rounded away.
DIGITS = 9
_NUMBER = re.compile(rb"-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def _round(match: re.Match) -> bytes:
    text = match.group(0)
    if re.fullmatch(rb"-?\d+", text):           # integers (counts, months) stay exact
        return text
    return b"%.*g" % (DIGITS, float(text))


def canonical(name: str, data: bytes) -> bytes:
    """The bytes that are hashed: every decimal number rounded to ``DIGITS`` significant
    digits, everything else (names, words, integers, order) exactly as written."""
    return _NUMBER.sub(_round, data)


def compute(names: list[str] | None = None) -> dict:
    names = names or scenario_names()
    return {"seed": SEED, "months": MONTHS,
            "scenarios": {name: digests(name) for name in names}}


def compare(expected: dict, actual: dict) -> list[str]:
    """One line per scenario and file whose digest differs (or is missing on either side)."""
    problems = []
    if (expected.get("seed"), expected.get("months")) != (actual["seed"], actual["months"]):
        problems.append(f"seed/months differ: golden {expected.get('seed')}/"
                        f"{expected.get('months')}, now {actual['seed']}/{actual['months']}")
    want, got = expected.get("scenarios", {}), actual["scenarios"]
    for name in sorted(set(want) | set(got)):
        if name not in want:
            problems.append(f"{name}: no golden digest yet (run --write)")
            continue
        if name not in got:
            problems.append(f"{name}: in tests/golden.json but not in tools/golden.py SCENARIOS")
            continue
        for f in FILES:
            if want[name].get(f) != got[name][f]:
                problems.append(f"{name}: {f} changed")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="compare with tests/golden.json")
    mode.add_argument("--write", action="store_true", help="regenerate tests/golden.json")
    args = parser.parse_args(argv)
    actual = compute()
    if args.write:
        GOLDEN.write_text(json.dumps(actual, indent=2, sort_keys=True) + "\n")
        print(f"wrote {GOLDEN.relative_to(ROOT)} ({len(actual['scenarios'])} scenarios)")
        return 0
    expected = json.loads(GOLDEN.read_text())
    problems = compare(expected, actual)
    for line in problems:
        print(line)
    if not problems:
        print(f"all {len(actual['scenarios'])} golden digests match")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
