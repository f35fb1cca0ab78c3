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
from collections.abc import Iterator
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
                                 max_tasks_per_child=tasks_per_process) as pool:
            yield Pool(pool, n, f"process ({n} local processes)")
    elif kind == "dask":
        with _dask(workers, scheduler) as pool:
            yield pool
    else:
        raise ValueError(f"unknown executor {kind!r} (known: {', '.join(EXECUTORS)})")


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
                                                           f"({n} worker threads)")
        return
    n = workers or os.cpu_count() or 1
    # Processes with one thread each: runs are CPU-bound Python. No dashboard (port clashes
    # on shared machines); Dask's own logging is kept to errors so the progress bar stays clean.
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        yield Pool(client.get_executor(pure=False), n, f"dask LocalCluster ({n} workers)")
