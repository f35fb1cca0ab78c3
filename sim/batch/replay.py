"""`mutualsim run --from-sweep DIR RUN_ID`: one run of a stored sweep, exactly as it ran.

Everything comes from the experiment directory, not from files that may have changed since:
the resolved base scenario(s) from ``manifest.json``, the fixed values and the policies'
levers from the stored spec, the run's settings from ``design.parquet``, its seed
(``root_entropy``, ``spawn_key``) from ``runs.parquet``. The replayed run's outputs are then
checked against the stored ones byte for byte (the stored summary row and time series, and
the replayed run's, written as CSV with full float precision).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.batch.analysis import Experiment
from sim.batch.models import ModelRef
from sim.batch.runs import RunContext, RunTask, seed_of
from sim.batch.spec import SpecError


def _scenario(record: Any, model: ModelRef) -> Any:
    if model.path == "sim.simulate:run" or (isinstance(record, dict) and "parameters" in record):
        from sim.scenario import Scenario

        return Scenario(record["name"], dict(record["parameters"]), dict(record["about"]),
                        tuple(record["files"]), tuple(record.get("events") or ()))
    return record


def replay_inputs(path: str | Path, run_id: int) -> tuple[RunContext, RunTask, dict]:
    exp = Experiment.open(path)
    runs = exp.store.runs()
    match = runs[runs["run_id"] == run_id]
    if match.empty:
        raise SpecError(f"{path}: run {run_id}: no such run (this experiment has run ids 0 to "
                        f"{len(runs) - 1})")
    row = match.iloc[0]
    m = exp.manifest
    spec = m["spec"]
    model = ModelRef(spec["model"])
    design = exp.store.design().set_index("design_row").loc[int(row["design_row"])]
    settings = {k: _plain(design[k]) for k in exp.factors}
    scenario_name = row["scenario"] if "scenario" in row.index else None
    policy = row["policy"] if "policy" in row.index else None
    base = m["base_scenario"]
    if spec.get("scenarios"):
        scenarios = {name: _scenario(rec, model) for name, rec in base.items()}
        scenario = scenarios[scenario_name]
    else:
        scenarios, scenario = None, _scenario(base, model)
    policies = {p["name"]: dict(p["overrides"]) for p in spec.get("policies") or []}
    events = {p["name"]: list(p["events"]) for p in spec.get("policies") or []
              if p.get("events")}
    context = RunContext(spec["model"], scenario, spec.get("months"), dict(spec["fixed"]),
                         int(row["root_entropy"]), tuple(spec["outputs"]),
                         tuple(spec["timeseries"]), scenarios, policies or None,
                         events or None)
    task = RunTask(int(run_id), settings, int(row["spawn_key"]), scenario=scenario_name,
                   policy=policy)
    info = {"run_id": int(run_id), "design_row": int(row["design_row"]),
            "replication": int(row["replication"]), "scenario": scenario_name,
            "policy": policy, "root_entropy": int(row["root_entropy"]),
            "spawn_key": int(row["spawn_key"]), "settings": settings}
    return context, task, info


def replay(path: str | Path, run_id: int):
    """(RunResult, info) of one stored run, re-run from the directory's own records."""
    context, task, info = replay_inputs(path, run_id)
    scenario, overrides = context.run_inputs(task)
    result = ModelRef(context.model).function(
        scenario, seed=seed_of(context.root_entropy, task.spawn_key), months=context.months,
        overrides=overrides)
    return result, info


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, float_format="%.17g").encode()


def differences(path: str | Path, run_id: int, result) -> list[str]:
    """What differs between the replayed run and the stored one (empty: byte-identical)."""
    exp = Experiment.open(path)
    outputs = exp.outputs
    stored = exp.store.summary(outputs)
    stored = stored[stored["run_id"] == run_id]
    if stored.empty:
        return [f"run {run_id} has no stored result (it failed or has not run yet)"]
    final = result.summary["final"]
    again = pd.DataFrame([{"run_id": run_id, **{o: final[o] for o in outputs}}])
    problems = []
    if _csv(stored.reset_index(drop=True)) != _csv(again.astype(stored.dtypes.to_dict())):
        cols = [o for o in outputs if stored[o].iloc[0] != again[o].iloc[0]]
        problems.append(f"final outputs differ: {', '.join(cols) or 'types'}")
    series = exp.manifest["spec"]["timeseries"]
    if series:
        ts = exp.store.timeseries(series)
        ts = ts[ts["run_id"] == run_id].reset_index(drop=True)
        frame = result.timeseries
        month = frame["month"].to_numpy() if "month" in frame else range(1, len(frame) + 1)
        mine = pd.DataFrame({"run_id": run_id, "month": month,
                             **{o: frame[o].to_numpy() for o in series}})
        mine = mine.astype(ts.dtypes.to_dict())
        if _csv(ts) != _csv(mine):
            problems.append("time series differ")
    return problems


def _plain(value):
    return value.item() if hasattr(value, "item") else value
