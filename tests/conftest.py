import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sim

ROOT = Path(__file__).resolve().parent.parent
SEEDS = range(6)


def runs(scenario="base", seeds=SEEDS, **kwargs):
    """One run per seed (statistical claims are checked over several seeds)."""
    return [sim.run(scenario, seed=s, **kwargs) for s in seeds]


def mean_and_sem(values):
    a = np.asarray(values, dtype=float)
    return a.mean(), a.std(ddof=1) / np.sqrt(len(a))


def cli(*args, cwd=None):
    """Run the real command line in a fresh interpreter; return the CompletedProcess."""
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd or ROOT, timeout=300)


@pytest.fixture
def scenario_dir(tmp_path):
    """A folder for throw-away scenario files."""
    def write(name, text):
        path = tmp_path / name
        path.write_text(text)
        return path
    write.path = tmp_path
    return write
