"""Executors: where runs execute, all behind the ``concurrent.futures.Executor`` contract.

- ``serial``: in this process, one run after another (debugging, profiling, tiny sweeps);
- ``process``: a local ``ProcessPoolExecutor`` on all cores (the default). Workers start with
  the 'forkserver' method where the platform has it, else 'spawn': never 'fork', which copies
  a parent's threads and locks (Dask, BLAS) into children. The context is local to the pool;
  nothing global (Mesa's ``batch_run`` forces 'spawn' process-wide) is changed;
- ``dask``: Dask distributed. Without an address it starts a ``LocalCluster`` (one
  single-threaded worker process per core); with ``--scheduler ADDRESS`` it joins a running
  cluster (for SLURM, start one with dask-jobqueue: docs/batch.md). Runs go through
  ``Client.get_executor()``, a ``concurrent.futures.Executor``.

The engine submits chunks of runs and keeps a bounded number in flight, so any of these
executors (or another ``concurrent.futures`` implementation such as mpi4py's
``MPIPoolExecutor``) sees the same calls.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

EXECUTORS = ("serial", "process", "dask")


class SerialExecutor(Executor):
    """Runs each submitted call at once, in this process; returns a finished Future."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the Future
            future.set_exception(exc)
        return future


@dataclass(frozen=True)
class Pool:
    executor: Executor
    workers: int          # how many runs can execute at once
    description: str
    on_abandon: Callable[[], None] | None = None

    def abandon(self) -> None:
        """After Ctrl-C: stop at once, dropping running work (its runs were not saved, and
        a resume runs them), instead of waiting for the chunks in flight."""
        if self.on_abandon is not None:
            self.on_abandon()


def _ignore_sigint() -> None:
    """Worker start-up: Ctrl-C is the parent's to handle. A terminal sends SIGINT to the
    whole process group; without this every worker prints its own KeyboardInterrupt
    traceback while the parent is saving."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT while child processes are spawned: a Python started with SIGINT ignored
    keeps ignoring it (Dask's nanny and worker processes, which take no initializer)."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: nothing to arrange
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def open_pool(kind: str = "process", workers: int | None = None,
              scheduler: str | None = None, tasks_per_process: int | None = None) -> Iterator[Pool]:
    """Start (or join) an executor, and shut it down on the way out.

    ``tasks_per_process`` replaces a local worker process after that many tasks, so memory a
    model fails to release (measured: about 85 KB a run of a 30-staff model, see
    benchmarks/README.md) cannot pile up over a long sweep.
    """
    if kind == "serial":
        yield Pool(SerialExecutor(), 1, "serial (in-process)")
    elif kind == "process":
        n = workers or os.cpu_count() or 1
        with ProcessPoolExecutor(max_workers=n, mp_context=_context(),
                                 max_tasks_per_child=tasks_per_process,
                                 initializer=_ignore_sigint) as pool:
            yield Pool(pool, n, f"process ({n} local processes)", lambda: _stop(pool))
    elif kind == "dask":
        with _dask(workers, scheduler) as pool:
            yield pool
    else:
        raise ValueError(f"unknown executor {kind!r} (known: {', '.join(EXECUTORS)})")


def _stop(pool: ProcessPoolExecutor) -> None:
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:  # the pool has no public way to stop running work
        process.terminate()


def _quiet_dask() -> None:
    """After Ctrl-C, Dask's teardown logs every cancelled task and closed connection:
    the parent has already said what was saved, so only critical messages remain."""
    for name in ("distributed", "tornado", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


@contextmanager
def _dask(workers: int | None, scheduler: str | None) -> Iterator[Pool]:
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler, timeout="30s") as client:
            n = sum(client.nthreads().values()) or 1
            yield Pool(client.get_executor(pure=False), n, f"dask cluster at {scheduler} "
                                                           f"({n} worker threads)",
                       _quiet_dask)
        return
    n = workers or os.cpu_count() or 1
    # Processes with one thread each: runs are CPU-bound Python. No dashboard (port clashes
    # on shared machines); Dask's own logging is kept to errors so the progress bar stays clean.
    # Worker processes log at CRITICAL only: a run's error is recorded as data by the engine
    # and a lost worker as "worker lost"; at ERROR, stopping the cluster after Ctrl-C prints
    # each worker's failed heartbeat as a 25-line traceback.
    with _sigint_ignored(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Port .* is already in use")  # shared hosts
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.CRITICAL)
    with cluster, Client(cluster) as client:
        yield Pool(client.get_executor(pure=False), n, f"dask LocalCluster ({n} workers)",
                   _quiet_dask)
