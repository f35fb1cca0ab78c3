"""Raw sha256 of every golden scenario's outputs (seed 1, 60 months, no rounding) and of two
medium runs' final outputs and events: a stricter bit-identity check than tests/golden.json
(which rounds numbers to nine digits so that digests hold across machines) for speed commits
on one machine.

    .venv/bin/python benchmarks/raw_digests.py > /tmp/before.json     # on the commit before
    .venv/bin/python benchmarks/raw_digests.py > /tmp/after.json      # with the change
    MUTUALSIM_JIT=0 .venv/bin/python benchmarks/raw_digests.py ...    # the numpy path too
    diff /tmp/before.json /tmp/after.json

``--wide`` adds (about 2 minutes) the twelve case scenarios at seeds 2 and 7 over their full
horizon (timeseries, final outputs and events), each case under the first six policy variants
at seed 2, and the largest case (run_speed.py's ``large``) at seeds 0 and 1 in sweep mode.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
_spec = importlib.util.spec_from_file_location("golden", HERE.parent / "tools" / "golden.py")
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)

from run_speed import CASES  # noqa: E402

import sim  # noqa: E402
from sim.metrics import COLUMNS  # noqa: E402


def _digest(result) -> str:
    text = json.dumps([result.timeseries.to_csv(), result.final, result.events], default=repr,
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def wide(out: dict) -> None:
    from run_speed import ROOT, _run_args

    from sim import policy
    from sim.scenario import load_scenario

    cases = sorted((ROOT / "scenarios" / "cases").glob("case*.toml"))
    for path in cases:
        for seed in (2, 7):
            out[f"{path.stem}-{seed}"] = _digest(sim.run(str(path), seed=seed))
        for ref in policy.names()[:6]:
            scenario = policy.apply(load_scenario(str(path)), ref)
            out[f"{path.stem}+{ref}-2"] = _digest(sim.run(scenario, seed=2))
    scenario, overrides, months, kwargs = _run_args("large", True, ROOT)
    for seed in (0, 1):
        result = sim.run(scenario, seed=seed, months=months, overrides=overrides, **kwargs)
        text = json.dumps([result.final, result.events], default=repr, sort_keys=True)
        out[f"large-{seed}"] = hashlib.sha256(text.encode()).hexdigest()[:16]


def main() -> int:
    out = {}
    for name in golden.scenario_names():
        result = sim.run(name, seed=1, months=60)
        with tempfile.TemporaryDirectory() as tmp:
            result.write(tmp, dashboard=False)
            out[name] = {f: hashlib.sha256((Path(tmp) / f).read_bytes()).hexdigest()[:16]
                         for f in golden.FILES}
    scenario, overrides, months = CASES["medium"]
    for seed in (0, 1):
        result = sim.run(scenario, seed=seed, months=months, overrides=overrides,
                         outputs=[c for c in COLUMNS if c != "month"])
        text = json.dumps([result.final, result.events], default=repr, sort_keys=True)
        out[f"medium-{seed}"] = hashlib.sha256(text.encode()).hexdigest()[:16]
    if "--wide" in sys.argv[1:]:
        wide(out)
    print(json.dumps(out, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
