"""The local backend: units on this machine's cores.

Threads (the default) each run the C++ kernel with the GIL released, so ``n`` threads use ``n``
cores. Processes (``use_processes=True``) start with the ``forkserver`` method (``spawn`` where it
does not exist), receive unit descriptions (a path, row groups, columns; never the rows of a file),
read their own data and send back partial bytes. Merge nodes run on one driver thread as their
children finish. The pools live for one profile run; Python's forkserver process itself stays until
the interpreter exits. Units that only the driver can read run on the driver (the execution stage
decides, see :mod:`truthound.profiler.distributed.execution`).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from typing import Any

from truthound.profiler.distributed.backends import UnitBackend
from truthound.profiler.distributed.config import LocalConfig, check_workers, default_num_workers
from truthound.profiler.distributed.execution import UnitFailed, merge_node, run_task
from truthound.profiler.distributed.plan import Unit
from truthound.profiler.errors import BackendError

__all__ = ["LocalBackend"]


class LocalBackend(UnitBackend):
    """Runs units on local threads or processes.

    Parameters
    ----------
    num_workers
        Threads or processes; None reads ``TRUTHOUND_NUM_WORKERS``, else every CPU.
    use_processes
        True: a process pool; False (default): threads.

    Examples
    --------
    >>> import pyarrow as pa
    >>> backend = LocalBackend(num_workers=2)
    >>> table = pa.table({"a": [1, 2], "s": ["x", "y"]})
    >>> results = backend.profile_columns_parallel(table, ["a", "s"])
    >>> results["a"].distribution.max, results["s"].distinct_count
    (2, 2)
    """

    name = "local"
    config_class = LocalConfig
    retries = 0  # a process that dies breaks the pool: the run fails

    def __init__(self, num_workers: int | None = None, use_processes: bool = False):
        self.num_workers = (
            default_num_workers() if num_workers is None else check_workers(num_workers)
        )
        self.use_processes = bool(use_processes)
        self._units: cf.Executor | None = None
        self._merges: cf.Executor | None = None

    @property
    def parallelism(self) -> int:
        return self.num_workers

    @classmethod
    def from_config(cls, config: LocalConfig | None = None) -> LocalBackend:
        config = config or LocalConfig()
        return cls(config.num_workers, config.use_processes)

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        """A unit pool and a merge thread for one run; both shut down on exit."""
        self._units = self._executor()
        self._merges = cf.ThreadPoolExecutor(1, thread_name_prefix="truthound-merge")
        try:
            yield None
        finally:
            units, merges, self._units, self._merges = self._units, self._merges, None, None
            merges.shutdown(wait=True, cancel_futures=True)
            if units is not None:
                units.shutdown(wait=True, cancel_futures=True)

    def submit(self, unit: Unit) -> cf.Future:
        if self._units is None:  # one worker: in unit order on this thread
            future: cf.Future = cf.Future()
            future.set_result(run_task(unit))
            return future
        return self._units.submit(run_task, unit)

    def merge(self, handles: Sequence[cf.Future | bytes]) -> cf.Future:
        assert self._merges is not None
        return self._merges.submit(lambda: merge_node(*(self.fetch(h) for h in handles)))

    def fetch(self, handle: cf.Future | bytes) -> bytes:
        if isinstance(handle, bytes):
            return handle
        try:
            return handle.result()
        except cf.BrokenExecutor as exc:
            raise BackendError(
                "a worker process died while profiling (out of memory, or killed)"
            ) from exc

    def wait(self, handles: Sequence[cf.Future]) -> list[cf.Future]:
        done, _ = cf.wait(handles, return_when=cf.FIRST_COMPLETED)
        finished = [h for h in handles if h in done]
        for handle in finished:
            error = handle.exception()  # BrokenProcessPool: the stage says a worker died
            if error is not None:
                raise UnitFailed(handle, error)
        return finished

    def cancel(self, handles: Sequence[cf.Future]) -> None:
        for handle in handles:
            handle.cancel()

    def _executor(self) -> cf.Executor | None:
        if self.num_workers <= 1 and not self.use_processes:
            return None
        if not self.use_processes:
            return cf.ThreadPoolExecutor(self.num_workers, thread_name_prefix="truthound-unit")
        if "forkserver" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("forkserver")
            # Workers fork from a server that has imported pyarrow and the engine once, so a pool
            # starts in milliseconds after the first (a no-op if the server already runs).
            context.set_forkserver_preload(["truthound.profiler.distributed.plan"])
        else:
            context = multiprocessing.get_context("spawn")
        return cf.ProcessPoolExecutor(
            self.num_workers, mp_context=context, initializer=_init_worker, initargs=(self.num_workers,)
        )

    def profile_columns_parallel(
        self, lf: Any, columns: Sequence[str] | None = None, **options: Any
    ) -> dict[str, Any]:
        """Profile ``columns`` of ``lf`` (default: all) in column groups, one per worker.

        Returns
        -------
        dict[str, ColumnProfile]
            Column name -> its profile, in table order.
        """
        from truthound.profiler.distributed.partitioners import ColumnBasedPartitioner

        groups = max(1, min(self.num_workers, len(columns) if columns else self.num_workers))
        profile = self.profile(
            lf, columns=columns, partition_strategy=ColumnBasedPartitioner(groups), **options
        )
        return {c.name: c for c in profile.columns}

    def __repr__(self) -> str:
        return f"LocalBackend(num_workers={self.num_workers}, use_processes={self.use_processes})"


def _init_worker(workers: int) -> None:
    """Share the cores: each process's Arrow decoding pool gets its part of them."""
    import pyarrow as pa

    cpus = os.cpu_count() or 1
    pa.set_cpu_count(max(1, cpus // workers))
