"""Spec files for the batch tests: tiny mutual-model sweeps and the Ishigami test model."""

from __future__ import annotations

import math
from pathlib import Path

PI = math.pi

# A small, short organisation: a run takes a few hundredths of a second.
SMALL_MUTUAL = """
[experiment]
title = "small test sweep"
design = "grid"
replications = {replications}
months = {months}
seed = 7
outputs = ["staff_membership_rate", "active_share", "headcount", "ideal_type"]
timeseries = ["staff_membership_rate", "active_share"]

[set]
"organisation.staff" = 30
"organisation.users" = 100
"organisation.sites" = 2

[vary."membership.staff.rule"]
values = ["opt_in", "opt_out"]

[vary."membership.staff.promotion"]
range = [0.0, 1.0]
levels = {levels}
"""


def small_mutual_spec(folder: Path, replications: int = 2, months: int = 6, levels: int = 2,
                      name: str = "small.toml") -> Path:
    path = folder / name
    path.write_text(SMALL_MUTUAL.format(replications=replications, months=months, levels=levels))
    return path


def ishigami_spec(folder: Path, design: str, body: str, name: str = "ishigami.toml",
                  extra: str = "", outputs: tuple[str, ...] = ("y",)) -> Path:
    """A spec for the Ishigami test model; ``body`` holds the [vary] tables."""
    path = folder / name
    path.write_text(f"""
[experiment]
model = "sim.batch.testmodels:ishigami"
design = "{design}"
seed = 11
outputs = {list(outputs)!r}
{extra}

{body}
""")
    return path


def ishigami_ranges(names=("x1", "x2", "x3")) -> str:
    return "\n".join(f"[vary.{n}]\nrange = [{-PI!r}, {PI!r}]" for n in names)
