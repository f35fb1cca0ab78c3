"""Run a scenario end to end: ``run(scenario, seed) -> RunResult``.

This is the one function the batch engine and the command line know the model by.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.metrics import COLUMNS
from sim.model import MutualModel
from sim.scenario import Scenario, load_scenario

Seed = int | np.random.SeedSequence | None


@dataclass
class RunResult:
    """What one run produced: monthly outputs, final metrics and provenance, and events."""

    timeseries: pd.DataFrame
    summary: dict[str, Any]
    events: list[dict] = field(default_factory=list)
    model: MutualModel | None = field(default=None, repr=False)

    @property
    def final(self) -> dict[str, Any]:
        return self.summary["final"]

    def write(self, out_dir: str | Path, dashboard: bool = True) -> list[Path]:
        """Write timeseries.csv, summary.json, events.jsonl (and dashboard.png) to a folder.

        Each file is written to a temporary name and renamed, so a file is either the old
        one or the complete new one.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = [
            _atomic_text(out / "timeseries.csv", self.timeseries.to_csv(index=False)),
            _atomic_text(out / "summary.json", json.dumps(self.summary, indent=2) + "\n"),
            _atomic_text(out / "events.jsonl",
                         "".join(json.dumps(e) + "\n" for e in self.events)),
        ]
        if dashboard:
            from sim.viz.plots import dashboard as draw

            tmp = out / ".dashboard.png.tmp"
            draw(self.timeseries, self.summary, tmp)
            os.replace(tmp, out / "dashboard.png")
            written.append(out / "dashboard.png")
        return written


def run(scenario: Scenario | str | Path = "base", seed: Seed = 0, months: int | None = None,
        overrides: dict[str, Any] | None = None, keep_model: bool = False,
        events: list[dict] | None = None, outputs: Sequence[str] | None = None,
        series: Sequence[str] | None = None) -> RunResult:
    """Run a scenario (a :class:`Scenario`, a bundled name or a path) for its horizon.

    ``seed`` may be an int or a ``numpy.random.SeedSequence`` (as the batch engine passes);
    ``None`` draws fresh entropy, which is recorded so the run can be repeated.
    ``months`` and ``overrides`` ({"dotted.key": value}) change the scenario for this run;
    ``events`` adds timed events (sim/timeline.py), e.g. ``[{"month": 36, "what": "switch",
    "constituency": "staff", "rule": "opt_out"}]``.

    **Sweep mode** (what the batch engine asks for): given ``outputs`` (the final outputs it
    stores) and/or ``series`` (the monthly series it stores), only ``series`` are computed
    each month and every output at the end; ``timeseries`` then holds ``month`` and
    ``series`` only, ``events`` is empty, and ``final`` is the same as in a full run (the
    person agents are not made either: ``sim/population.py``).
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    changes = dict(overrides or {})
    if months is not None:
        changes["months"] = months
    if changes:
        scenario = scenario.with_overrides(changes)
    if events:
        scenario = scenario.with_events(events)
    if seed is None:
        seed = np.random.SeedSequence()
    sweep = outputs is not None or series is not None
    if sweep:
        unknown = sorted((set(outputs or ()) | set(series or ())) - set(COLUMNS))
        if unknown:
            raise ValueError(f"unknown outputs {unknown} (known: sim.metrics.COLUMNS)")
    model = MutualModel(scenario, rng=_as_rng_seed(seed), sweep=sweep,
                        series=tuple(n for n in series or () if n != "month"))
    model.run_for(scenario["months"])
    if sweep:
        timeseries = pd.DataFrame(model.series_rows, columns=["month", *model.series])
    else:
        timeseries = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    summary = {
        "scenario": scenario.to_dict(),
        "seed": seed_record(seed),
        "months": scenario["months"],
        "final": {k: _plain(v) for k, v in model.latest.items()},
        "provenance": provenance(),
    }
    return RunResult(timeseries, summary, [] if sweep else list(model.events),
                     model if keep_model else None)


def _as_rng_seed(seed: Seed):
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer or a SeedSequence, got {seed!r}")
    return int(seed)


def seed_record(seed: Seed) -> Any:
    """How a seed is written into results: an int, or a SeedSequence's entropy and spawn key."""
    if isinstance(seed, np.random.SeedSequence):
        return {"entropy": int(seed.entropy), "spawn_key": list(seed.spawn_key)}
    return int(seed)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _atomic_text(path: Path, text: str) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
    return path


_PROVENANCE: dict[str, Any] | None = None


def provenance() -> dict[str, Any]:
    """Package, Python and dependency versions, and the git commit when run from a checkout."""
    global _PROVENANCE
    if _PROVENANCE is None:
        versions = {}
        for dist in ("mutualsim", "mesa", "numpy", "pandas"):
            try:
                versions[dist] = metadata.version(dist)
            except metadata.PackageNotFoundError:
                versions[dist] = None
        _PROVENANCE = {"package_version": versions["mutualsim"], "versions": versions,
                       "python": platform.python_version(), "git_commit": git_commit()}
    return dict(_PROVENANCE)


def git_commit() -> str | None:
    root = Path(__file__).resolve().parent.parent
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "sim"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return out + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None
