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

Local workers die with the sweep: each worker process asks the kernel for SIGKILL when its
parent goes (``prctl(PR_SET_PDEATHSIG)`` on Linux; the forkserver that forks them exits when
the sweep does), and watches its parent from a thread elsewhere; so killing the sweep process
alone leaves nothing computing. A worker that dies breaks a ``ProcessPoolExecutor``; the pool
is then replaced (:meth:`Pool.renew`) and the engine re-submits the runs that were lost.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
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


@dataclass
class Pool:
    executor: Executor
    workers: int          # how many runs can execute at once
    description: str
    on_abandon: Callable[[], None] | None = None
    factory: Callable[[], Executor] | None = None  # builds a replacement for a broken pool
    # local process pools: set once the workers are up (see start_workers); None: no wait
    ready: threading.Event | None = None

    def start_workers(self) -> None:
        """Start the local workers from a background thread and set ``ready`` when they
        answer: starting them (the forkserver importing the model, docs/batch.md) takes
        seconds, and the engine runs the first runs in this process meanwhile
        (sim/batch/sweep.py). The forkserver itself was started by the pool's factory in the
        caller's thread: started from this thread, it would die with it (``_start_forkserver``)."""
        ready = self.ready = threading.Event()
        executor, n = self.executor, self.workers

        def start() -> None:
            try:
                futures = [executor.submit(os.getpid) for _ in range(n)]
                for future in futures:
                    future.exception()  # wait; a broken pool shows at the engine's submit
            except Exception:  # noqa: BLE001 - likewise: the engine's submit reports it
                pass
            finally:
                ready.set()

        threading.Thread(target=start, daemon=True, name="start-workers").start()

    def renew(self) -> bool:
        """Replace a broken executor (a worker died); False if this kind cannot be."""
        if self.factory is None:
            return False
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self.factory()
        return True

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
              scheduler: str | None = None, tasks_per_process: int | None = None,
              dashboard: str | None = None) -> Iterator[Pool]:
    """Start (or join) an executor, and shut it down on the way out.

    ``tasks_per_process`` replaces a local worker process after that many tasks, so memory a
    model fails to release (measured: about 85 KB a run of a 30-staff model, see
    benchmarks/README.md) cannot pile up over a long sweep. ``dashboard`` (an address such
    as ``:8787``) starts a LocalCluster's Dask dashboard; without it there is none.
    """
    if kind == "serial":
        yield Pool(SerialExecutor(), 1, "serial (in-process)")
    elif kind == "process":
        n = workers or os.cpu_count() or 1
        parent = os.getpid()

        def factory() -> Executor:
            context = _context()
            _start_forkserver(context)  # from this thread, not start_workers' (see there)
            return ProcessPoolExecutor(max_workers=n, mp_context=context,
                                       max_tasks_per_child=tasks_per_process,
                                       initializer=_worker_start, initargs=(parent,))

        pool = Pool(factory(), n, f"process ({n} local processes)", factory=factory)
        pool.on_abandon = lambda: _stop(pool.executor)
        try:
            yield pool
        finally:
            pool.executor.shutdown(wait=True, cancel_futures=True)
    elif kind == "dask":
        with _dask(workers, scheduler, dashboard) as pool:
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
    if "forkserver" not in methods:
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # takes effect when this process first starts its forkserver (docs: sim/batch/_worker_guard)
    context.set_forkserver_preload(["__main__", "sim.batch._worker_guard"])
    return context


def _start_forkserver(context) -> None:
    """Start the forkserver, if that is how this pool's workers start, from the calling
    thread (the one that runs the sweep) and not from a helper thread.

    The forkserver asks for SIGKILL when its parent ends (``sim/batch/_worker_guard.py``),
    and PR_SET_PDEATHSIG follows the *thread* that forked it, not its process (prctl(2)).
    Started from ``Pool.start_workers``' short-lived thread, the forkserver was killed the
    moment that thread ended, and its workers with it: every process sweep with the
    automatic chunk size broke its first pool and recorded the chunks in flight as
    'worker lost' attempts before re-running them (a resume showed a run twice in the
    status). Idempotent: a running forkserver is kept, a dead one restarted from here."""
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def set_parent_death_signal() -> None:
    """Ask the kernel to SIGKILL this process when its parent ends (Linux; elsewhere a no-op,
    and the watching thread of ``die_with_parent`` does the job). "Parent" is the thread that
    forked this process: it must live as long as the process should (``_start_forkserver``)."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass


def _worker_start(sweep_pid: int) -> None:
    _ignore_sigint()
    die_with_parent(sweep_pid)


def die_with_parent(sweep_pid: int) -> None:
    """Worker initializer: make this process end when its parent does (the sweep, or the
    forkserver, which itself exits when the sweep does)."""
    parent = os.getppid()
    set_parent_death_signal()
    if parent == 1 or not _alive(sweep_pid):  # the parent went before prctl took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent, sweep_pid), daemon=True,
                     name="die-with-parent").start()


def _watch_parent(parent: int, sweep_pid: int, every: float = 1.0) -> None:
    while os.getppid() == parent and _alive(sweep_pid):
        time.sleep(every)
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_scheduler(address: str, timeout: float = 5.0) -> None:
    """Fail fast, in one line, on a scheduler address that is malformed or not answering
    (instead of Dask's 30 s wait), before the sweep writes anything."""
    from sim.scenario import ScenarioError

    text = address.strip()
    protocol, sep, rest = text.rpartition("://")
    if not sep:
        protocol, rest = "tcp", text
    if protocol not in ("tcp", "tls"):
        return  # inproc://, ucx://: nothing to probe with a socket
    host, _, port_text = rest.rpartition(":")
    host = host.strip("[]")
    if not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ScenarioError(f"--scheduler {address}: expected tcp://HOST:PORT, e.g. "
                            f"tcp://10.0.0.5:8786")
    try:
        socket.create_connection((host, int(port_text)), timeout=timeout).close()
    except socket.gaierror:
        raise ScenarioError(f"--scheduler {address}: cannot resolve host '{host}'") from None
    except TimeoutError:
        raise ScenarioError(f"--scheduler {address}: no answer within {timeout:.0f} s") \
            from None
    except OSError as exc:
        raise ScenarioError(f"--scheduler {address}: cannot connect: "
                            f"{exc.strerror or type(exc).__name__}") from None


@contextmanager
def _dask(workers: int | None, scheduler: str | None, dashboard: str | None = None
          ) -> Iterator[Pool]:
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler, timeout="10s") as client:
            n = sum(client.nthreads().values()) or 1
            yield Pool(client.get_executor(pure=False), n, f"dask cluster at {scheduler} "
                                                           f"({n} worker threads)",
                       _quiet_dask)
        return
    n = workers or os.cpu_count() or 1
    # Processes with one thread each: runs are CPU-bound Python. No dashboard unless asked
    # (--dashboard: it listens on the network, and ports clash on shared machines).
    # Worker processes log at CRITICAL only: a run's error is recorded as data by the engine
    # and a lost worker as "worker lost"; at ERROR, stopping the cluster after Ctrl-C prints
    # each worker's failed heartbeat as a 25-line traceback.
    # Without --dashboard, distributed's Scheduler still starts an HTTP server (metrics, task
    # info, JSON, a proxy) on :8787 — measured with a real LocalCluster. Asked for nothing,
    # the scheduler listens on a free loopback port and serves only /health.
    quiet = {} if dashboard else {"scheduler_kwargs": {"dashboard": False,
                                                       "dashboard_address": "127.0.0.1:0"}}
    routes = {} if dashboard else {"distributed.scheduler.http.routes":
                                   ["distributed.http.health"]}
    with _sigint_ignored(), warnings.catch_warnings(), dask.config.set(routes):
        warnings.filterwarnings("ignore", message="Port .* is already in use")  # shared hosts
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=dashboard,
                               silence_logs=logging.CRITICAL, **quiet)
    with cluster, Client(cluster) as client:
        yield Pool(client.get_executor(pure=False), n, f"dask LocalCluster ({n} workers)",
                   _quiet_dask)
