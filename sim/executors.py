"""Where replications run: in this process, in local worker processes, or on a Dask cluster.

Every executor runs the same pure function on the same arguments. Replications are seeded by
their number (see ``random_streams``), so results are bit-identical whichever executor runs
them and however many workers it has. Work lost with a dead worker is retried.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

from sim.errors import PoesimError

DASK_ENV = "DASK_SCHEDULER_ADDRESS"  # read by the command line only (cli.DaskOpt)
MAX_WORKERS = 256  # local worker processes


class Executor(ABC):
    """Runs ``fn(*args)`` for each job and yields ``(job index, result)`` as jobs finish."""

    workers: int = 1
    retries: int = 2

    @abstractmethod
    def run(self, fn: Callable[..., Any], jobs: Sequence[tuple]) -> Iterator[tuple[int, Any]]: ...

    def close(self) -> None:  # noqa: B027 - a deliberate no-op default, not an abstract method
        """Release workers (a no-op for executors that own none)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def describe(self) -> str:
        return f"{type(self).__name__}({self.workers} workers)"


class SerialExecutor(Executor):
    """Jobs one after another in this process: simplest to debug and profile."""

    def run(self, fn, jobs):
        for i, args in enumerate(jobs):
            yield i, fn(*args)


PARENT_CHECK_S = 0.5


def _end_with_parent(parent_pid: int) -> None:
    """Worker initializer: a thread that ends this worker as soon as its parent is gone (killed,
    crashed), instead of letting it finish a replication nobody will collect (minutes, and a few
    hundred MB each)."""

    first_ppid = os.getppid()  # the run's process (fork), or a fork server that started this worker

    def gone() -> bool:
        if os.getppid() != first_ppid:  # re-parented: whoever started this worker has died
            return True
        try:
            os.kill(parent_pid, 0)
        except ProcessLookupError:
            return True
        except OSError:
            pass
        return False

    def watch() -> None:
        while not gone():
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    if gone():  # the run died before this worker started
        os._exit(1)
    threading.Thread(target=watch, name="poesim-parent-watch", daemon=True).start()


class ProcessExecutor(Executor):
    """Jobs in local worker processes. If a worker dies (killed, out of memory), the pool is
    rebuilt and the unfinished jobs are resubmitted, up to ``retries`` times. Workers end
    within a second when the process that started them dies."""

    def __init__(self, workers: int | None = None, retries: int = 2):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.retries = retries
        self._pool: ProcessPoolExecutor | None = None

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_end_with_parent,
                                             initargs=(os.getpid(),))
        return self._pool

    def run(self, fn, jobs):
        pending = dict(enumerate(jobs))
        failures = 0
        while pending:
            pool = self._get_pool()
            futures = {pool.submit(fn, *args): i for i, args in pending.items()}
            try:
                while futures:
                    done, _ = wait(futures, return_when=FIRST_COMPLETED)
                    for fut in done:
                        i = futures.pop(fut)
                        result = fut.result()
                        del pending[i]
                        yield i, result
            except BrokenProcessPool:
                failures += 1
                self._pool = None
                if failures > self.retries:
                    raise PoesimError(
                        f"a worker process died {failures} times; gave up with {len(pending)} replications unfinished"
                    ) from None
            except BaseException:
                for f in futures:
                    f.cancel()
                raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def batches(n: int, workers: int, jobs: Sequence[tuple]) -> list[list[tuple[int, tuple]]]:
    """``jobs`` (numbered, in order) in consecutive batches that shrink as the run goes on: each round
    gives every worker one batch of a ``2·workers``-th of the jobs left, rounded up, down to single
    jobs. The large early batches pay a distributed scheduler's per-task cost a few times, not once
    per job; the small late ones let a worker that finishes early take the remainder instead of
    idling while another ends a long batch. 30 jobs on 2 workers: 8, 8, 4, 4, 2, 2, 1, 1."""
    out: list[list[tuple[int, tuple]]] = []
    start = 0
    while start < n:
        size = -(-(n - start) // (2 * workers))  # ceil
        for _ in range(workers):
            end = min(n, start + size)
            if end > start:
                out.append([(i, jobs[i]) for i in range(start, end)])
            start = end
    return out


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
MMAP_THRESHOLD_BYTES = 64 * 2**20
_allocator_tried = False


def tune_allocator() -> bool:
    """Keep glibc's malloc from handing mid-sized arrays back to the system after every use, in this
    process (once; Linux with glibc only). Called wherever a replication runs.

    A replication allocates and frees arrays of 0.1–10 MB throughout. glibc maps such arrays afresh
    and returns freed heap above its trim threshold, so the pages are faulted in again and again:
    Otay Mesa 48 h takes 58 ms a replication by glibc's defaults and 51 ms with arrays up to 64 MiB
    from the heap and up to 128 MiB of freed heap kept. Dask's nanny makes it worse: it starts workers
    with ``MALLOC_TRIM_THRESHOLD_=65536``, which also switches off glibc's adaptive mmap threshold, so
    every array over 128 kB is mapped on each use (92 ms). Returns whether it changed anything."""
    global _allocator_tried
    if _allocator_tried:
        return False
    _allocator_tried = True  # tried once per process, whatever the outcome
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
                    and libc.mallopt(M_TRIM_THRESHOLD, 2 * MMAP_THRESHOLD_BYTES))
    except (OSError, AttributeError):  # not glibc
        return False


# Settings for a Dask cluster that runs poesim replications: CPU-bound work, one thread per worker.
# Each is a periodic callback on every worker's event loop, which takes the GIL from the replication
# running beside it: on this 2-core machine a worker's event loop used 0.12-0.14 s of CPU a second
# with Dask's defaults and 0.06-0.07 s with these (BENCHMARKS.md, "Dask on this machine"). They are
# for the cluster's processes (``dask_worker_env``): a library does not reconfigure a cluster it borrows.
DASK_WORKER_CONFIG: dict[str, Any] = {
    "distributed.worker.profile.enabled": False,  # statistical profiler: samples the task thread every 10 ms
    "distributed.admin.tick.interval": "1s",  # event-loop health check, every 20 ms by default
    "distributed.admin.system-monitor.interval": "5s",  # CPU, memory and network sampling, every 0.5 s
    "distributed.worker.memory.monitor-interval": "1s",  # the memory limit's check, every 0.1 s
}


def dask_worker_env() -> dict[str, str]:
    """``DASK_WORKER_CONFIG`` as the environment variables Dask reads at start-up, for ``dask scheduler``
    and ``dask worker`` (or a ``LocalCluster``'s processes): ``DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED``…"""
    return {"DASK_" + key.upper().replace(".", "__").replace("-", "_"): str(value)
            for key, value in DASK_WORKER_CONFIG.items()}


def _run_batch(fn: Callable[..., Any], batch: list[tuple[int, tuple]]) -> list[tuple[int, Any]]:
    """Run one batch of numbered jobs in a worker: ``[(job number, result)]``."""
    return [(i, fn(*args)) for i, args in batch]


class DaskExecutor(Executor):
    """Jobs on an existing Dask distributed cluster (``tcp://host:port``) or a given Client.

    Jobs go in batches that shrink as the run goes on (``batches``). Dask retries a batch whose worker died
    (``retries``); the scheduler's own limit on suspicious tasks (``distributed.scheduler.allowed-failures``)
    applies too."""

    def __init__(self, address: Any, retries: int = 2, timeout: str = "10s"):
        try:
            from dask.distributed import Client
        except ImportError as exc:  # pragma: no cover - dask is a declared dependency
            raise PoesimError("--dask needs the 'distributed' package: pip install 'dask[distributed]'") from exc
        self.retries = retries
        if isinstance(address, Client):
            self.client, self._owns = address, False
        else:
            try:
                self.client, self._owns = Client(address, timeout=timeout), True
            except OSError as exc:
                raise PoesimError(f"--dask: cannot reach the Dask scheduler at {address} ({exc})") from None
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        # kept: the client forgets its scheduler when closed, and runs describe their executor after closing it
        scheduler = self.client.scheduler
        self.address = str(address) if scheduler is None else scheduler.address

    def run(self, fn, jobs):
        """Jobs in shrinking batches (``batches``), largest first: a few tasks instead of one per job cut
        the scheduler's per-task cost, and the small last ones keep every worker busy to the end;
        results come back per job as before."""
        from dask.distributed import as_completed

        jobs = list(jobs)
        plan = batches(len(jobs), self.workers, jobs)
        # explicit priorities, largest batch first: tasks submitted within Dask's fifo-timeout share a
        # generation, and the scheduler would otherwise break the tie in no promised order
        futures = [self.client.submit(_run_batch, fn, batch, pure=False, retries=self.retries,
                                      priority=len(plan) - k)
                   for k, batch in enumerate(plan)]
        try:
            for fut in as_completed(futures):
                yield from fut.result()
        finally:
            for f in futures:
                f.release()

    def describe(self) -> str:
        return f"DaskExecutor({self.address}, {self.workers} workers)"

    def close(self) -> None:
        if self._owns:
            self.client.close()


def make_executor(workers: int | None = None, dask: str | None = None, jobs: int | None = None) -> Executor:
    """The executor a run asked for: Dask if an address is given, else local processes, or serial
    for a single worker or a single job. The environment is not consulted: only the command line
    reads ``DASK_SCHEDULER_ADDRESS`` (``DASK_ENV``), so a library call never moves to a cluster unasked."""
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise PoesimError(f"--workers: expected 1 to {MAX_WORKERS} worker processes, got {workers}")
    if dask:
        return DaskExecutor(dask)
    n = workers if workers is not None else (os.cpu_count() or 1)
    if jobs is not None:
        n = min(n, jobs)
    return SerialExecutor() if n <= 1 else ProcessExecutor(n)


@contextmanager
def executor_scope(executor: Executor | None = None, workers: int | None = None, dask: str | None = None,
                   jobs: int | None = None) -> Iterator[Executor]:
    """``executor`` if given (borrowed: left open), else a new one from ``make_executor`` (owned:
    closed on the way out, also on errors)."""
    if executor is not None:
        yield executor
        return
    with make_executor(workers, dask, jobs) as ex:
        yield ex
