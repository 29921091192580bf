"""Where runs execute. Any ``concurrent.futures.Executor`` will do; these are the three the
command line offers: this process, a pool of local processes, and Dask distributed (a
LocalCluster, or an existing scheduler, e.g. one started on an HPC cluster by dask-jobqueue).

``open_executor`` yields ``(executor, capacity)``: ``capacity()`` is how many runs can go at
once right now, and the runner keeps about twice that many submitted, no more, so memory
stays flat however many runs a sweep has.
"""

import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager

from ..config import ConfigError
from ..mainguard import require_main_guard

# A Dask cluster reached at an address may still be growing when a sweep starts (adaptive,
# dask-jobqueue); keep enough work queued for it to see it and scale up.
DASK_MIN_CAPACITY = 32


class SerialExecutor(Executor):
    """Runs each task in this process as it is submitted: one core, no start-up cost, and
    tracebacks and debuggers work as usual."""

    def submit(self, fn, /, *args, **kwargs):
        future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


def capacity_of(executor: Executor):
    """A ``capacity()`` for an executor made elsewhere (e.g. a Dask client's
    ``get_executor()`` on an HPC cluster): its current threads for Dask, its worker count
    for a process or thread pool, else this machine's cores."""
    if isinstance(executor, SerialExecutor):
        return lambda: 1
    client = getattr(executor, "_client", None)  # dask.distributed's ClientExecutor
    if client is not None:
        return lambda: max(DASK_MIN_CAPACITY, sum(client.nthreads().values()))
    n = getattr(executor, "_max_workers", None) or os.cpu_count() or 1
    return lambda: n


def _start_worker(parent: int) -> None:
    """Worker processes leave Ctrl-C to the parent, which stops the sweep cleanly, and exit
    when the parent is gone (killed with kill -9, say) instead of waiting forever for work;
    a run cut short leaves only a temporary file, which a resumed sweep removes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="collabsim-parent-watch").start()


def process_pool(workers: int) -> ProcessPoolExecutor:
    # "spawn": forking a process that already runs threads (numba, BLAS) can deadlock.
    require_main_guard("a sweep's process pool")
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(os.getpid(),))


@contextmanager
def open_executor(workers: int | None = None, dask: str | None = None):
    """``dask``: None (local), "local" (a Dask LocalCluster of ``workers`` processes),
    a scheduler address such as "tcp://host:8786", or a scheduler file ending in ".json".
    Without Dask, ``workers`` = 1 runs in this process; default: all cores."""
    if dask:
        with _dask_executor(dask, workers) as pair:
            yield pair
        return
    n = workers or os.cpu_count() or 1
    if n == 1:
        yield SerialExecutor(), lambda: 1
        return
    pool = process_pool(n)
    try:
        yield pool, lambda: n
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _dask_executor(target: str, workers: int | None):
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError("--dask: needs dask.distributed; install it with: pip install 'collabsim[dask]'") from None
    cluster = capacity = None
    if target == "local":
        require_main_guard("a Dask LocalCluster")
        n = workers or os.cpu_count() or 1
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=logging.ERROR)
        client = Client(cluster)
        # Its size is fixed: the runner sizes batches for n workers, as for a process pool
        # (sized for DASK_MIN_CAPACITY, batches of 16 runs ran at half a pool's rate).
        capacity = lambda: n  # noqa: E731
    else:
        if workers:
            raise ConfigError("--workers: not used with --dask ADDRESS (the cluster decides how many workers)")
        where = {"scheduler_file": target} if target.endswith(".json") else {"address": target}
        try:
            client = Client(timeout="20s", **where)
        except Exception as exc:  # OSError, TimeoutError, ValueError for a malformed address
            raise ConfigError(f"--dask: cannot reach the Dask scheduler at {target}: {exc}; give 'local', "
                              "an address such as tcp://host:8786, or a scheduler file (.json)") from None
    try:
        executor = client.get_executor(pure=False)
        yield executor, capacity or capacity_of(executor)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
