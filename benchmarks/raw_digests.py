"""Raw sha256 of every golden scenario's outputs (seed 1, 60 months, no rounding) and of two
medium runs' final outputs and events: a stricter bit-identity check than tests/golden.json
(which rounds numbers to nine digits so that digests hold across machines) for speed commits
on one machine.

    .venv/bin/python benchmarks/raw_digests.py > /tmp/before.json     # on the commit before
    .venv/bin/python benchmarks/raw_digests.py > /tmp/after.json      # with the change
    MUTUALSIM_JIT=0 .venv/bin/python benchmarks/raw_digests.py ...    # the numpy path too
    diff /tmp/before.json /tmp/after.json
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
    print(json.dumps(out, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
