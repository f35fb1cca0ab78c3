"""Evaluating a batch of candidates through the batch engine: seeded runs, the Parquet store,
replications that adapt to each statistic's noise, failed runs kept as data.

Each batch of candidates is an ordinary experiment directory of ``sim.batch`` (manifest,
design, runs table, part files committed atomically), so a batch cut off by a kill resumes
exactly where it stopped: the runs it needs are a function of the spec, the candidates and
the results already stored, never of timing.

Run ids: ``((candidate × settings) + setting) × stride + replication``, where a *setting* is a
(scenario, overrides) pair some target needs and ``stride`` is the most replications allowed.
Run seed: ``SeedSequence(batch_entropy, spawn_key=(run_id,))`` as in every sweep, with
``batch_entropy`` derived from the calibration seed, the generation and the batch.
"""

from __future__ import annotations

import math
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.batch.models import ModelRef, scenario_record
from sim.batch.progress import Progress
from sim.batch.runs import RunTask, _one_line, _takes_sweep_mode, _worker, seed_of
from sim.batch.store import FORMAT, Store, provenance
from sim.batch.sweep import SweepOutcome, _Engine
from sim.calibration.spec import CalibrationSpec, Target
from sim.calibration.targets import needs_model, statistics
from sim.scenario import ScenarioError

WORKER_LOST = "worker lost"


class CalibrationInterrupted(ScenarioError):
    """Runs were lost with their worker (not a model failure): stop; re-running resumes."""


@dataclass(frozen=True)
class CalibrationContext:
    """What every run of a batch shares; sent with each chunk of tasks."""

    model: str
    settings: tuple[tuple[Any, dict], ...]      # (resolved scenario, overrides) per setting
    targets: tuple[tuple[Target, ...], ...]      # the targets measured on each setting's runs
    months: int | None
    fixed: dict[str, Any]
    root_entropy: int
    stride: int

    def setting_of(self, run_id: int) -> int:
        return (run_id // self.stride) % len(self.settings)


def execute_chunk(context: CalibrationContext, chunk: list[RunTask]) -> list[dict]:
    return [execute(context, task) for task in chunk]


def execute(context: CalibrationContext, task: RunTask) -> dict:
    """One run: the model at the candidate's values, reduced to its targets' statistics."""
    start = time.perf_counter()
    record = {"run_id": task.run_id, "attempt": task.attempt, "worker": _worker()}
    setting = context.setting_of(task.run_id)
    scenario, overrides = context.settings[setting]
    try:
        run = ModelRef(context.model).function
        targets = context.targets[setting]
        extra = {"keep_model": True} if needs_model(targets) else sweep_arguments(targets, run)
        result = run(scenario, seed=seed_of(context.root_entropy, task.spawn_key),
                     months=context.months,
                     overrides={**context.fixed, **overrides, **task.settings}, **extra)
        record["final"] = statistics(targets, result)
        record["status"] = "ok"
    except Exception as exc:  # a failing run makes its candidate infeasible, not a crash
        record.update(status="error", error=_one_line(exc), traceback=traceback.format_exc())
    record["duration_s"] = time.perf_counter() - start
    return record


def sweep_arguments(targets, run) -> dict:
    """Sweep mode (docs/ODD.md §8) for targets that read only outputs: ``outputs`` are the
    ones reduced to their final value, ``series`` the ones reduced over a window, so a run
    computes only those series each month (the batch engine's rule, sim/batch/runs.py). The
    statistics are the same as from a full run (tests/test_calibration.py). Targets naming a
    pattern read the model's state and the full series: they run in full (``needs_model``);
    so does a model function without a sweep mode (the toy models)."""
    if not _takes_sweep_mode(run):
        return {}
    final = sorted({t.output for t in targets if t.stat == "final" and t.window is None})
    series = sorted({t.output for t in targets} - set(final))
    return {"outputs": final, "series": series}


class _CalibrationEngine(_Engine):
    def _submit(self, chunk, in_flight, outcome) -> None:
        try:
            in_flight[self.pool.executor.submit(execute_chunk, self.context, chunk)] = chunk
        except Exception as exc:  # a broken pool refuses work
            from sim.batch.sweep import _lost

            self._collect(chunk, _lost(chunk, exc), outcome)


def entropy(seed: int, *key: int) -> int:
    """A 63-bit entropy for one stream of the calibration (proposals, a batch's runs)."""
    words = np.random.SeedSequence(seed, spawn_key=key).generate_state(2, np.uint32)
    return int((int(words[0]) << 32 | int(words[1])) & (2**63 - 1))


@dataclass
class BatchResult:
    table: pd.DataFrame    # one row per candidate: statistics, sd, replications, failed
    runs: int              # runs executed or found for this batch (ok and failed)
    seconds: float         # wall seconds of the runs, summed (duration_s)


def evaluate_batch(spec: CalibrationSpec, directory: Path, candidates: pd.DataFrame,
                   root_entropy: int, pool, scenarios: list[Any], label: str,
                   progress: bool | None = False) -> BatchResult:
    """Run (or finish) every run the candidates need and return their statistics.

    ``candidates`` has one row per candidate and one column per fitted parameter (the values
    runs get). Replications start at ``replications.min``; a candidate's setting gets more,
    up to ``replications.max``, while any of its statistics' standard error exceeds
    ``precision`` × that target's tolerance (half its range). With ``min = 1`` and
    ``max > 1`` a second replication is always run, to measure the noise."""
    done_file = directory / "candidates.parquet"
    if done_file.is_file():
        table = pd.read_parquet(done_file)
        return BatchResult(table, int(table["runs"].sum()), float(table["run_seconds"].sum()))
    settings = spec.settings()
    n_set, stride = len(settings), spec.max_replications
    by_setting = tuple(tuple(t for t in spec.targets if spec.setting_of(t) == s)
                       for s in range(n_set))
    context = CalibrationContext(spec.model, tuple((sc, ov) for sc, (_, ov) in
                                                   zip(scenarios, settings, strict=True)),
                                 by_setting, spec.months, dict(spec.fixed), root_entropy, stride)
    n = len(candidates)
    run_id = np.arange(n * n_set * stride, dtype=np.int64)
    runs = pd.DataFrame({"run_id": run_id, "design_row": run_id // (n_set * stride),
                         "setting": (run_id // stride) % n_set, "replication": run_id % stride,
                         "root_entropy": np.full(len(run_id), root_entropy, dtype=np.int64),
                         "spawn_key": run_id})
    design = candidates.reset_index(drop=True).copy()
    design.insert(0, "design_row", np.arange(n, dtype=np.int64))
    manifest = {"format": FORMAT, "experiment": f"{spec.name} {label}", "title": spec.title,
                "description": f"calibration batch {label}", "spec_file": str(spec.path),
                "spec": {**spec.canonical(), "batch_label": label},
                "base_scenario": [scenario_record(s) for s in scenarios],
                "design": {"method": "calibration-candidates", "rows": n,
                           "replications": [spec.min_replications, spec.max_replications],
                           "runs": len(runs)},
                "seeding": {"root_entropy": root_entropy, "common_random_numbers": False,
                            "rule": "run seed = numpy.random.SeedSequence(root_entropy, "
                                    "spawn_key=(run_id,))"},
                "provenance": provenance()}
    directory.mkdir(parents=True, exist_ok=True)
    store = Store.open_for(directory, manifest, spec.path.read_text(), design, runs)
    theta = [{k: _plain(design[k].iat[i]) for k in spec.keys} for i in range(n)]
    wanted = np.full((n, n_set), spec.min_replications, dtype=int)
    attempted: set[int] = set()
    with store.lock():
        store.drop_uncommitted()
        store.begin_session({"executor": pool.description, "workers": pool.workers,
                             "git_commit": provenance()["git_commit"]})
        outcome = SweepOutcome(directory, len(runs), 0, executor=pool.description)
        try:
            while True:
                done = store.completed_ids()
                todo = [int(_id(c, s, r, n_set, stride)) for c in range(n) for s in range(n_set)
                        for r in range(wanted[c, s])
                        if _id(c, s, r, n_set, stride) not in done
                        and _id(c, s, r, n_set, stride) not in attempted]
                if todo:
                    _run(pool, context, store, outcome, theta, todo, n_set, stride, progress)
                    attempted.update(todo)
                values, failed = _values(store, spec, n, n_set, stride)
                more = _more_replications(spec, values, failed, wanted)
                if not (more > wanted).any():
                    break
                wanted = more
        finally:
            store.end_session({"ok": outcome.ok, "failed": len(outcome.failed)},
                              complete=True)
    table = _candidate_table(spec, candidates, values, failed, wanted, store)
    Store._write_parquet(done_file, table)  # the batch is finished: its commit
    return BatchResult(table, int(table["runs"].sum()), float(table["run_seconds"].sum()))


def _id(c: int, s: int, r: int, n_set: int, stride: int) -> int:
    return (c * n_set + s) * stride + r


def _run(pool, context, store, outcome, theta, todo, n_set, stride, progress) -> None:
    tasks = (RunTask(i, theta[i // (n_set * stride)], i) for i in todo)
    bar = Progress(len(todo), 0, enabled=progress)
    chunk = max(1, min(10, len(todo) // (pool.workers * 4)))
    engine = _CalibrationEngine(pool, context, store, 0, bar, chunk,
                                max(50, len(todo) // 4), 5.0)
    before = len(outcome.failed)
    try:
        engine.run(tasks, outcome)
    finally:
        bar.close()
    lost = [(i, e) for i, e in outcome.failed[before:] if e.startswith(WORKER_LOST)]
    if lost:
        raise CalibrationInterrupted(f"{store.root}: run {lost[0][0]}: {lost[0][1]}; the "
                                     f"finished runs are kept: re-run the same command to "
                                     f"resume")


def _values(store: Store, spec: CalibrationSpec, n: int, n_set: int, stride: int):
    """values[target name] -> (n × stride) array of per-run statistics (NaN where absent);
    failed[c, s]: some run of candidate c's setting s failed."""
    summary = store.summary()
    ids = summary["run_id"].to_numpy(dtype=np.int64)
    cand, rep = ids // (n_set * stride), ids % stride
    values = {}
    for t in spec.targets:
        v = np.full((n, stride), np.nan)
        if t.name in summary:
            col = summary[t.name].to_numpy(dtype=float)
            mine = (ids // stride) % n_set == spec.setting_of(t)
            v[cand[mine], rep[mine]] = col[mine]
        values[t.name] = v
    failed = np.zeros((n, n_set), dtype=bool)
    status = store.status()
    if len(status):
        ok = set(ids.tolist())
        bad = status.loc[(status["status"] != "ok") & ~status["run_id"].isin(ok), "run_id"]
        bad = bad.to_numpy(dtype=np.int64)
        failed[bad // (n_set * stride), (bad // stride) % n_set] = True
    return values, failed


def _more_replications(spec: CalibrationSpec, values, failed, wanted) -> np.ndarray:
    """How many replications each (candidate, setting) needs for the precision asked."""
    more = wanted.copy()
    if spec.max_replications == spec.min_replications:
        return more
    for t in spec.targets:
        s = spec.setting_of(t)
        v = values[t.name]
        have = wanted[:, s]
        rows = np.arange(len(v))
        cols = np.arange(v.shape[1])[None, :] < have[:, None]
        x = np.where(cols, v, np.nan)
        with np.errstate(invalid="ignore"), _quiet():
            sd = np.nanstd(x, axis=1, ddof=1)
        unknown = ~np.isfinite(sd)  # one replication: its noise is not measured yet
        sd = np.where(unknown, 0.0, sd)
        need = np.ceil((sd / (spec.precision * t.half_width)) ** 2).astype(int)
        need = np.where(unknown & np.isfinite(v[:, 0]), 2, need)
        need = np.clip(need, spec.min_replications, spec.max_replications)
        grow = ~failed[:, s] & (need > have)
        more[rows[grow], s] = np.maximum(more[rows[grow], s], need[grow])
    return more


class _quiet:
    def __enter__(self):
        import warnings

        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        self._w.__exit__(*exc)


def _candidate_table(spec, candidates, values, failed, wanted, store) -> pd.DataFrame:
    table = candidates.reset_index(drop=True).copy()
    cols = np.arange(spec.max_replications)[None, :]
    dist = np.zeros(len(table))
    for t in spec.targets:
        s = spec.setting_of(t)
        v = np.where(cols < wanted[:, [s]], values[t.name], np.nan)
        with _quiet():
            mean = np.nanmean(v, axis=1)
            sd = np.nanstd(v, axis=1, ddof=1) if spec.max_replications > 1 else \
                np.zeros(len(v))
        table[f"stat:{t.name}"] = mean
        table[f"sd:{t.name}"] = sd
        dist = np.maximum(dist, np.abs(mean - t.centre) / t.half_width)
    infeasible = failed.any(axis=1) | ~np.isfinite(dist)
    table["replications"] = wanted.max(axis=1)
    table["runs"] = wanted.sum(axis=1)
    table["failed"] = infeasible
    table["distance"] = np.where(infeasible, math.inf, dist)
    status = store.status()
    seconds = status.groupby(status["run_id"].to_numpy(dtype=np.int64)
                             // (len(spec.settings()) * spec.max_replications))["duration_s"]
    table["run_seconds"] = seconds.sum().reindex(range(len(table)), fill_value=0.0).to_numpy()
    return table


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def resolve_scenarios(spec: CalibrationSpec) -> list[Any]:
    """Each setting's base scenario as its runs receive it (resolved once, up front)."""
    ref = spec.model_ref
    return [ref.resolve_scenario(scenario) for scenario, _ in spec.settings()]

