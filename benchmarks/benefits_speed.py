"""What the benefits of mutuality (docs/ODD.md §13) cost: a full base run (120 months) on this
tree against the same run on an earlier commit, interleaved, CPU time (time.process_time).

    .venv/bin/python benchmarks/benefits_speed.py [COMMIT]   # default e999aec (before issue 11)

The earlier commit is unpacked with `git archive` into a temporary folder and imported from
there in a child process (the same interpreter and libraries); each child times one run in
its own process, the two sides alternate, and the medians over seeds 0-4 × 2 repeats are
compared.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = ("import sys, time, sim; a = time.process_time(); "
         "sim.run('base', seed=int(sys.argv[1])); print(time.process_time() - a)")


def timed(tree: Path, seed: int) -> float:
    env = dict(os.environ, PYTHONPATH=str(tree))
    out = subprocess.run([sys.executable, "-c", CHILD, str(seed)], env=env, cwd=tree,
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main(commit: str = "e999aec") -> None:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True,
                             check=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        old, new = [], []
        for seed in range(5):
            for _ in range(2):
                old.append(timed(Path(tmp), seed))
                new.append(timed(ROOT, seed))
    load = os.getloadavg()
    mo, mn = statistics.median(old), statistics.median(new)
    print(f"base, 120 months, CPU s (median of {len(old)}): {commit} {mo:.3f}, this tree "
          f"{mn:.3f}, ratio {mn / mo:.2f}; load average {load[0]:.1f}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
