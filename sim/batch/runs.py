"""The runs table (design × replications, with seeds) and the function a worker runs.

Seeds: one root ``numpy.random.SeedSequence(seed)`` per experiment; run *i* gets
``SeedSequence(root_entropy, spawn_key=(k,))`` with ``k = i`` (``run_id``), the children
``root.spawn(n)`` would give, so any run can be re-derived alone from the runs table and its
result does not depend on which worker ran it, or when.

With ``common_random_numbers = true`` the key is the replication index instead: replication
*r* of every design point starts from the same stream. Differences between settings are then
not blurred by different luck, which sharpens comparisons and the Sobol'/Morris indices of a
stochastic model (the notes found Sobol' ST of an unseeded ABM swinging 0.74-1.6); the price
is that settings are no longer independent samples, so per-setting confidence intervals are
each valid but two settings' intervals are not independent. The default is independent
streams, the textbook assumption behind the intervals; the sensitivity examples opt in.

A policy comparison (``[policies]`` in the spec) pairs runs instead: the key is the index of
(future, replication), so every policy meets the same luck in each future as the baseline,
while different futures and replications stay independent (``paired = false`` gives every
run its own stream, to measure what the pairing buys).

Runs execute replication by replication (:func:`execution_order`): all settings' first
replicate, then all second ones, so a sweep stopped after a fraction f of its runs has at
least ⌊f·k⌋ of the k replicates of every setting rather than some settings complete and
others empty.
"""

from __future__ import annotations

import functools
import inspect
import os
import socket
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.batch.designs import Design
from sim.batch.models import ModelRef
from sim.batch.spec import ExperimentSpec


@dataclass(frozen=True)
class RunTask:
    run_id: int
    settings: dict[str, Any]   # the design row's parameter values
    spawn_key: int
    attempt: int = 1
    scenario: str | None = None  # base scenario name (comparison designs)
    policy: str | None = None    # policy name (comparison designs)
    lost: int = 0              # attempts lost with their worker (re-run, not counted as retries)


@dataclass(frozen=True)
class RunContext:
    """What every run of an experiment shares; sent along with each chunk of tasks."""

    model: str
    scenario: Any
    months: int | None
    fixed: dict[str, Any]
    root_entropy: int
    outputs: tuple[str, ...]
    timeseries: tuple[str, ...]
    scenarios: dict[str, Any] | None = None       # name -> resolved base scenario
    policies: dict[str, dict[str, Any]] | None = None  # name -> overrides
    policy_events: dict[str, list[dict]] | None = None  # name -> timed events it adds

    @classmethod
    def of(cls, spec: ExperimentSpec, scenario: Any,
           scenarios: dict[str, Any] | None = None) -> RunContext:
        return cls(spec.model, scenario, spec.months, dict(spec.fixed), spec.seed,
                   spec.outputs, spec.timeseries, scenarios,
                   {p.name: dict(p.overrides) for p in spec.policies} or None,
                   {p.name: list(p.events) for p in spec.policies if p.events} or None)

    def run_inputs(self, task: RunTask) -> tuple[Any, dict[str, Any]]:
        """(base scenario, overrides) of one run: [set], then the uncertainties, then the
        policy's levers (the spec forbids a key in two of them), and the policy's timed
        events added to the scenario."""
        scenario = self.scenarios[task.scenario] if task.scenario is not None \
            else self.scenario
        policy = (self.policies or {}).get(task.policy, {}) if task.policy else {}
        events = (self.policy_events or {}).get(task.policy) if task.policy else None
        if events:
            if self.months is not None:  # events are checked against the run's horizon
                scenario = scenario.with_overrides({"months": self.months}, origin="months")
            scenario = scenario.with_events(events, origin=f"policy {task.policy}")
        return scenario, {**self.fixed, **task.settings, **policy}


def runs_table(spec: ExperimentSpec, design: Design) -> pd.DataFrame:
    """One row per run: ids, replication, seed derivation and the parameter values."""
    n, reps = design.size, spec.replications
    design_row = np.repeat(np.arange(n, dtype=np.int64), reps)
    replication = np.tile(np.arange(reps, dtype=np.int64), n)
    run_id = np.arange(n * reps, dtype=np.int64)
    if spec.common_random_numbers:
        spawn_key = replication
    elif spec.policies and spec.paired:
        spawn_key = design.table["future"].to_numpy()[design_row] * reps + replication
    else:
        spawn_key = run_id
    frame = pd.DataFrame({
        "run_id": run_id, "design_row": design_row, "replication": replication,
        "root_entropy": np.full(n * reps, spec.seed, dtype=np.int64),
        "spawn_key": spawn_key.astype(np.int64),
    })
    factors = design.table.drop(columns="design_row")
    return pd.concat([frame, factors.iloc[design_row].reset_index(drop=True)], axis=1)


def execution_order(runs: pd.DataFrame, run_ids) -> list[int]:
    """The given run ids, replication by replication (then setting by setting)."""
    table = runs.set_index("run_id").loc[list(run_ids), ["replication", "design_row"]]
    return [int(i) for i in table.sort_values(["replication", "design_row"],
                                              kind="stable").index]


def tasks(runs: pd.DataFrame, design: Design, run_ids: Iterator[int]) -> Iterator[RunTask]:
    """Tasks for the given run ids, built lazily (a million-run design stays a table)."""
    settings_cache: dict[int, dict] = {}
    rows = runs.set_index("run_id")
    for run_id in run_ids:
        row = rows.loc[run_id]
        d = int(row["design_row"])
        if d not in settings_cache:
            if len(settings_cache) > 4096:  # runs arrive interleaved: a bounded cache
                settings_cache.clear()
            settings_cache[d] = (design.settings(d), design.meta(d))
        settings, meta = settings_cache[d]
        yield RunTask(int(run_id), settings, int(row["spawn_key"]),
                      scenario=meta.get("scenario"), policy=meta.get("policy"))


def seed_of(root_entropy: int, spawn_key: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(root_entropy, spawn_key=(spawn_key,))


# --- in the worker -------------------------------------------------------------------------------

def execute_chunk(context: RunContext, chunk: list[RunTask]) -> list[dict]:
    """Run a chunk of tasks; an exception in one run is recorded, never raised."""
    return [execute(context, task) for task in chunk]


def execute(context: RunContext, task: RunTask) -> dict:
    start = time.perf_counter()
    record = {"run_id": task.run_id, "attempt": task.attempt, "worker": _worker()}
    try:
        run = ModelRef(context.model).function
        scenario, overrides = context.run_inputs(task)
        sweep = {"outputs": context.outputs, "series": context.timeseries} \
            if _takes_sweep_mode(run) else {}
        result = run(scenario, seed=seed_of(context.root_entropy, task.spawn_key),
                     months=context.months, overrides=overrides, **sweep)
        final = result.summary["final"]
        record["final"] = {name: _plain(final[name]) for name in context.outputs}
        if context.timeseries:
            record["timeseries"] = _series(result.timeseries, context.timeseries)
        record["status"] = "ok"
    except Exception as exc:  # a failing run is data, not the end of the sweep
        record.update(status="error", error=_one_line(exc), traceback=traceback.format_exc())
    record["duration_s"] = time.perf_counter() - start
    return record


@functools.cache
def _takes_sweep_mode(run) -> bool:
    """Whether a model's run function has a sweep mode (``outputs=``, ``series=``: compute only
    what is stored; ``sim.simulate.run`` has)."""
    try:
        params = inspect.signature(run).parameters
    except (TypeError, ValueError):
        return False
    return "outputs" in params and "series" in params


def _series(frame: pd.DataFrame, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    month = frame["month"].to_numpy() if "month" in frame else np.arange(1, len(frame) + 1)
    return {"month": month, **{name: frame[name].to_numpy() for name in names}}


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


_WORKER: str | None = None


def _worker() -> str:
    global _WORKER
    if _WORKER is None or not _WORKER.endswith(f":{os.getpid()}"):
        _WORKER = f"{socket.gethostname()}:{os.getpid()}"
    return _WORKER
