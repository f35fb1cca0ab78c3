"""Experimental designs: the table of parameter settings a sweep runs (one row per setting).

- ``grid``: every combination of the factors' levels (BehaviorSpace's full factorial);
- ``lhs``: a Latin hypercube of ``samples`` rows (scipy.stats.qmc);
- ``sobol``: Saltelli's scheme for Sobol' indices, ``samples × (D + 2)`` rows, or
  ``samples × (2D + 2)`` with second-order indices (SALib);
- ``morris``: ``samples`` elementary-effect trajectories, ``samples × (D + 1)`` rows (SALib);
- ``draws``: the rows of a table of joint settings (e.g. posterior draws written by
  ``mutualsim calibrate``), each crossed with every combination of the [vary] values.

The sampled designs draw points in the unit cube and map each coordinate onto its factor
(:meth:`Factor.from_unit`), so discrete levels (a membership rule) and whole numbers (sites)
sit in the same designs as continuous ranges. The unit sample is kept with the design because
the Morris analysis needs it, and row order matters to both Sobol' and Morris.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.batch.spec import ExperimentSpec

UNIT_PREFIX = "u:"  # design-table columns holding the unit-cube sample
# Columns of a comparison design that are not parameters: the future (base scenario ×
# uncertainty setting) a row belongs to, its base scenario, and its policy.
META = ("future", "scenario", "policy")


@dataclass(frozen=True)
class Design:
    method: str
    table: pd.DataFrame           # design_row, one column per factor (the values run with)
    unit: np.ndarray | None       # the unit-cube sample behind a sampled design

    @property
    def size(self) -> int:
        return len(self.table)

    def settings(self, row: int) -> dict:
        """{parameter: value} for one design row, as plain Python values."""
        # column by column: a row of a mixed frame would turn whole numbers into floats
        return {k: _plain(self.table[k].iat[row]) for k in self.factor_columns}

    def meta(self, row: int) -> dict:
        """{"scenario": name, "policy": name} for one row of a comparison design."""
        return {k: self.table[k].iat[row] for k in ("scenario", "policy")
                if k in self.table.columns}

    @property
    def factor_columns(self) -> list[str]:
        return [c for c in self.table.columns if c != "design_row" and c not in META]

    def to_frame(self) -> pd.DataFrame:
        """The table as stored: factor values, plus the unit sample when there is one."""
        frame = self.table.copy()
        if self.unit is not None:
            for j, key in enumerate(self.factor_columns):
                frame[UNIT_PREFIX + key] = self.unit[:, j]
        return frame


def salib_problem(spec: ExperimentSpec) -> dict:
    """The SALib problem: every factor on [0, 1] (the engine maps the unit cube itself)."""
    names = [f.key for f in spec.factors]
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def design_seed(spec: ExperimentSpec) -> int:
    """The sampler's seed: the root SeedSequence itself (runs use its children, spawn_key=(i,))."""
    return int(np.random.SeedSequence(spec.seed).generate_state(1)[0])


def build_design(spec: ExperimentSpec) -> Design:
    design = _uncertainty_design(spec)
    return _cross(spec, design) if spec.comparison else design


def _cross(spec: ExperimentSpec, design: Design) -> Design:
    """Base scenarios × uncertainty settings × policies, policies innermost: each future
    (a base scenario under one setting of the uncertainties) holds one row per policy."""
    names = spec.scenario_names()
    policies = [p.name for p in spec.policies] or [None]
    n = design.size
    u_row = np.tile(np.repeat(np.arange(n), len(policies)), len(names))
    frame = pd.DataFrame({
        "design_row": np.arange(len(u_row), dtype=np.int64),
        "future": np.repeat(np.arange(len(names) * n, dtype=np.int64), len(policies)),
        "scenario": np.repeat(names, n * len(policies)),
    })
    if spec.policies:
        frame["policy"] = np.tile(policies, len(names) * n)
    factors = design.table.drop(columns="design_row").iloc[u_row].reset_index(drop=True)
    frame = pd.concat([frame, factors], axis=1)
    unit = design.unit[u_row] if design.unit is not None else None
    return Design(spec.design, frame, unit)


def _uncertainty_design(spec: ExperimentSpec) -> Design:
    if spec.design == "grid":
        rows = list(itertools.product(*(f.grid_levels() for f in spec.factors)))
        return Design("grid", _frame(spec, rows), None)
    if spec.design == "draws":
        keys = [*spec.draws["keys"], *(f.key for f in spec.factors)]
        rows = [tuple(d) + combo for d in spec.draws["rows"]
                for combo in itertools.product(*(f.grid_levels() for f in spec.factors))]
        frame = pd.DataFrame(rows, columns=keys)
        frame.insert(0, "design_row", np.arange(len(frame), dtype=np.int64))
        return Design("draws", frame, None)
    unit = _unit_sample(spec)
    columns = [f.from_unit(unit[:, j]) for j, f in enumerate(spec.factors)]
    return Design(spec.design, _frame(spec, list(zip(*columns, strict=True))), unit)


def _unit_sample(spec: ExperimentSpec) -> np.ndarray:
    seed = design_seed(spec)
    problem = salib_problem(spec)
    if spec.design == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=len(spec.factors), rng=np.random.default_rng(seed)) \
            .random(spec.samples)
    if spec.design == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, spec.samples, calc_second_order=spec.second_order,
                            scramble=True, seed=seed)
    if spec.design == "morris":
        from SALib.sample import morris

        return morris.sample(problem, spec.samples, num_levels=spec.morris_levels, seed=seed)
    raise ValueError(f"unknown design {spec.design!r}")


def _frame(spec: ExperimentSpec, rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[f.key for f in spec.factors])
    frame.insert(0, "design_row", np.arange(len(frame), dtype=np.int64))
    return frame


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value
