"""Run an experiment: design → runs table → executor → store, resumable and failure-tolerant.

The parent process keeps the runs table, a bounded window of chunks in flight (twice the
number of workers) and at most one flush of results; everything else is on disk. Memory is
therefore flat in the number of runs (benchmarks/README.md, "Batch engine").
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Future, wait
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from sim.batch.designs import Design, build_design, design_seed, salib_problem
from sim.batch.executors import Pool, check_scheduler, open_pool
from sim.batch.models import scenario_record
from sim.batch.progress import Progress
from sim.batch.runs import (
    RunContext,
    RunTask,
    execute_chunk,
    execution_order,
    runs_table,
    tasks,
)
from sim.batch.spec import ExperimentSpec
from sim.batch.store import FORMAT, Store, provenance

RECYCLE_AFTER_RUNS = 1000  # a local worker process is replaced after about this many runs
MAX_LOST = 3  # a run whose worker died is re-run up to this many times (not counted as --retries)


@dataclass
class SweepOutcome:
    out: Path
    total: int                 # runs in the design
    already: int               # done before this session (resume)
    ok: int = 0                # succeeded in this session
    failed: list[tuple[int, str]] = field(default_factory=list)  # (run_id, error), final
    elapsed_s: float = 0.0
    executor: str = ""
    interrupted: bool = False
    repairs: list[str] = field(default_factory=list)  # what --repair did, one line each

    @property
    def complete(self) -> bool:
        return self.already + self.ok == self.total

    def line(self) -> str:
        text = (f"{self.out}: {self.already + self.ok}/{self.total} runs ok "
                f"({self.ok} this session, {self.already} before), {len(self.failed)} failed, "
                f"{self.elapsed_s:.1f} s on {self.executor}")
        if self.failed:
            run_id, error = self.failed[0]
            text += (f"; first failure: run {run_id}: {error} (all of them: `mutualsim analyze "
                     f"{self.out}` writes failures.csv)")
        return text


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) during a sweep, after every finished run was saved."""

    def __init__(self, outcome: SweepOutcome):
        super().__init__("sweep interrupted")
        self.outcome = outcome

    def message(self, resume: str) -> str:
        o = self.outcome
        return (f"interrupted: {o.already + o.ok}/{o.total} runs saved in {o.out} ({o.ok} "
                f"this session); resume with: {resume}")


def sweep(spec: ExperimentSpec, out: str | Path, executor: str = "process",
          workers: int | None = None, scheduler: str | None = None, retries: int = 0,
          progress: bool | None = None, chunk_size: int | None = None,
          flush_every: int = 500, flush_seconds: float = 10.0,
          progress_every: float = 30.0, repair: bool = False,
          dashboard: str | None = None) -> SweepOutcome:
    """Run every run of ``spec`` not yet stored in ``out``; return what happened.

    ``repair`` sets a damaged store's damaged parts aside first (see :class:`Store`); without
    it a damaged store is refused (:class:`~sim.batch.store.StoreDamaged`)."""
    design = build_design(spec)
    runs = runs_table(spec, design)
    scenario, scenarios = resolve_scenarios(spec)
    if scheduler:
        check_scheduler(scheduler)  # before anything is written
    store = Store.open_for(out, manifest(spec, design, runs, scenario, scenarios),
                           spec.path.read_text(), design.to_frame(), runs, repair=repair)
    try:
        done = store.completed_ids()
        todo = execution_order(runs, [int(i) for i in runs["run_id"] if int(i) not in done])
        outcome = SweepOutcome(Path(out), len(runs), len(done))
        outcome.repairs = list(getattr(store, "repairs", []))
        started = time.monotonic()
        chunk = chunk_size or _auto_chunk(len(todo), workers or os.cpu_count() or 1)
        recycle = max(1, RECYCLE_AFTER_RUNS // chunk)
        with open_pool(executor, workers, scheduler, tasks_per_process=recycle,
                       dashboard=dashboard) as pool:
            outcome.executor = pool.description
            store.begin_session({"executor": pool.description, "workers": pool.workers,
                                 "retries": retries, "to_run": len(todo),
                                 "git_commit": provenance()["git_commit"]})
            # runs come back a chunk at a time: a "round" is one chunk per worker
            bar = Progress(len(runs), len(done), enabled=progress,
                           workers=pool.workers * chunk, every=progress_every)
            if executor == "process" and not chunk_size and todo:
                pool.start_workers()  # this process runs the first runs while they start
            engine = _Engine(pool, RunContext.of(spec, scenario, scenarios), store, retries, bar,
                             chunk,
                             flush_every, flush_seconds,
                             remaining=None if chunk_size else len(todo))
            try:
                engine.run(tasks(runs, design, iter(todo)), outcome)
            except KeyboardInterrupt:
                outcome.interrupted = True
                pool.abandon()  # running chunks are dropped, not waited for
            finally:
                bar.close()
                outcome.elapsed_s = time.monotonic() - started
                store.end_session({"ok": outcome.ok, "failed": len(outcome.failed),
                                   "elapsed_s": round(outcome.elapsed_s, 3)},
                                  complete=outcome.complete)
    finally:
        store.unlock()
    if outcome.interrupted:
        raise SweepInterrupted(outcome)
    return outcome


def _auto_chunk(n: int, workers: int) -> int:
    """Enough chunks per worker to balance load, few enough that dispatch costs nothing."""
    return max(1, min(50, n // (workers * 8)))


def resolve_scenarios(spec: ExperimentSpec) -> tuple:
    """(the base scenario, {name: scenario} or None): resolved once, in the parent."""
    if not spec.scenarios:
        return spec.model_ref.resolve_scenario(spec.scenario), None
    scenarios = {name: spec.model_ref.resolve_scenario(ref)
                 for name, ref in zip(spec.scenario_names(), spec.scenarios, strict=True)}
    return next(iter(scenarios.values())), scenarios


def manifest(spec: ExperimentSpec, design: Design, runs: pd.DataFrame, scenario,
             scenarios: dict | None = None) -> dict:
    # With base scenarios as a factor, "base_scenario" holds every one of them by name, so
    # a resume is refused when any of their files has changed.
    base = {name: scenario_record(s) for name, s in scenarios.items()} if scenarios \
        else scenario_record(scenario)
    return {
        "format": FORMAT, "experiment": spec.name, "title": spec.title,
        "description": spec.description, "spec_file": str(spec.path),
        "spec": spec.canonical(), "base_scenario": base,
        "design": {"method": spec.design, "rows": design.size, "samples": spec.samples,
                   "replications": spec.replications, "runs": len(runs),
                   "design_seed": design_seed(spec),
                   "problem": salib_problem(spec) if design.unit is not None else None,
                   "futures": int(design.table["future"].nunique()) if spec.comparison
                   else design.size,
                   "scenarios": spec.scenario_names(),
                   "policies": [p.name for p in spec.policies], "baseline": spec.baseline,
                   "second_order": spec.second_order, "morris_levels": spec.morris_levels},
        "seeding": {"root_entropy": spec.seed,
                    "common_random_numbers": spec.common_random_numbers,
                    "paired_policies": bool(spec.policies and spec.paired),
                    "rule": "run seed = numpy.random.SeedSequence(root_entropy, "
                            "spawn_key=(spawn_key,)); spawn_key per run in runs.parquet"},
        "provenance": provenance(),
    }


class _Engine:
    """Keeps a bounded window of chunks in flight, retries failures, flushes results."""

    def __init__(self, pool: Pool, context: RunContext, store: Store, retries: int,
                 bar: Progress, chunk_size: int, flush_every: int, flush_seconds: float,
                 remaining: int | None = None):
        self.pool, self.context, self.store, self.retries = pool, context, store, retries
        self.bar, self.chunk_size = bar, chunk_size
        # with the automatic chunk size, chunks shrink as the sweep nears its end (guided
        # scheduling), so the last chunks finish together instead of one worker running a
        # whole chunk while the others wait; ``None``: every chunk has ``chunk_size`` runs
        self.remaining = remaining
        self.flush_every, self.flush_seconds = flush_every, flush_seconds
        self.window = 2 * pool.workers
        self.retry_queue: deque[RunTask] = deque()
        self.buffer: list[dict] = []
        self.unsaved = 0  # successful runs counted in the outcome whose flush was cut off
        self.last_flush = time.monotonic()

    def run(self, source: Iterator[RunTask], outcome: SweepOutcome) -> None:
        in_flight: dict[Future, list[RunTask]] = {}
        try:
            self._while_workers_start(source, outcome)
            while True:
                while len(in_flight) < self.window and (chunk := self._next_chunk(source)):
                    self._submit(chunk, in_flight, outcome)
                if not in_flight:
                    if self.retry_queue:
                        continue
                    break
                finished, _ = wait(in_flight, timeout=1.0, return_when=FIRST_COMPLETED)
                if not finished:
                    self.bar.tick()
                stop = None
                for future in [f for f in in_flight if f in finished]:  # in submission order
                    chunk = in_flight.pop(future)
                    try:
                        records = _records(future, chunk)
                    except KeyboardInterrupt as exc:  # raised in-process (serial): keep the
                        stop = exc                    # other finished chunks, then stop
                        continue
                    self._collect(chunk, records, outcome)
                if stop is not None:
                    raise stop
                if (len(self.buffer) >= self.flush_every
                        or time.monotonic() - self.last_flush >= self.flush_seconds):
                    self._flush()
        finally:
            try:
                self._flush()  # whatever finished is kept, also on Ctrl-C
            finally:
                outcome.ok -= self.unsaved  # "N runs saved" counts only what was committed
                self.unsaved = 0
                for future in in_flight:
                    future.cancel()

    def _while_workers_start(self, source: Iterator[RunTask], outcome: SweepOutcome) -> None:
        """Until the local workers are up (``Pool.ready``), run one run at a time here: the
        seconds a pool takes to start are not lost (the same runs, the same seeds, so the
        same results). Ctrl-C here stops the sweep as in a serial one."""
        ready = getattr(self.pool, "ready", None)
        while ready is not None and not ready.is_set():
            chunk = self._next_chunk(source, size=1)
            if not chunk:
                return
            self._collect(chunk, execute_chunk(self.context, chunk), outcome)
            if len(self.buffer) >= self.flush_every:
                self._flush()

    def _next_chunk(self, source: Iterator[RunTask], size: int | None = None) -> list[RunTask]:
        size = size or self.chunk_size
        if self.remaining is not None:
            size = max(1, min(size, self.remaining // (4 * self.pool.workers)))
        chunk: list[RunTask] = []
        while self.retry_queue and len(chunk) < size:
            chunk.append(self.retry_queue.popleft())
        for task in source:
            chunk.append(task)
            if self.remaining is not None:
                self.remaining -= 1
            if len(chunk) >= size:
                break
        return chunk

    def _submit(self, chunk, in_flight, outcome) -> None:
        for renewed in (False, True):
            try:
                in_flight[self.pool.executor.submit(execute_chunk, self.context, chunk)] = chunk
                return
            except BrokenExecutor as exc:  # a worker died: replace the pool, submit again
                if renewed or not self.pool.renew():
                    self._collect(chunk, _lost(chunk, exc), outcome)
                    return
            except Exception as exc:  # a pool refusing work otherwise: record, retry or fail
                self._collect(chunk, _lost(chunk, exc), outcome)
                return

    def _collect(self, chunk: list[RunTask], records: list[dict], outcome) -> None:
        by_id = {task.run_id: task for task in chunk}
        for record in records:
            self.buffer.append(record)
            task = by_id[record["run_id"]]
            if record["status"] == "ok":
                outcome.ok += 1
                self.bar.update(ok=1)
            elif record.pop("lost", False) and task.lost < MAX_LOST:
                # not the run's fault: its worker died (killed, out of memory) under it
                self.retry_queue.append(replace(task, attempt=task.attempt + 1,
                                                lost=task.lost + 1))
            elif record["attempt"] - task.lost <= self.retries:
                self.retry_queue.append(replace(task, attempt=task.attempt + 1))
            else:
                outcome.failed.append((record["run_id"], record["error"]))
                self.bar.update(failed=1)

    def _flush(self) -> None:
        # the buffer is emptied before the write: a Ctrl-C inside write_part must not leave
        # it full for run()'s final flush, which would write the same runs again under a new
        # stem (after the commit: a run succeeded twice; before it: an orphaned data part
        # that is no longer its session's last). Cut off before its commit, this flush is its
        # session's last and is dropped on resume; its runs run again.
        records, self.buffer = self.buffer, []
        self.last_flush = time.monotonic()
        try:
            self.store.write_part(records)
        except BaseException:
            if not self.store.committed(self.store.writing):  # its runs were not saved
                self.unsaved += sum(r["status"] == "ok" for r in records)
            raise


def _records(future: Future, chunk: list[RunTask]) -> list[dict]:
    try:
        return future.result()
    except Exception as exc:  # the worker died (killed, out of memory), not the model
        return _lost(chunk, exc)


def _lost(chunk: list[RunTask], exc: BaseException) -> list[dict]:
    error = f"worker lost: {type(exc).__name__}: {' '.join(str(exc).split())}"
    return [{"run_id": t.run_id, "attempt": t.attempt, "status": "error", "error": error,
             "traceback": None, "duration_s": None, "worker": None, "lost": True}
            for t in chunk]
