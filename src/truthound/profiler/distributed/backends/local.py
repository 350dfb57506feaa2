"""The local backend: units on this machine's cores.

Threads (the default) each run the C++ kernel with the GIL released, so ``n`` threads use ``n``
cores. Processes (``use_processes=True``) start with the ``forkserver`` method (``spawn`` where it
does not exist), receive unit descriptions (a path, row groups, columns; never the rows of a file),
read their own data and send back partial bytes. The pool lives for one profile run; Python's
forkserver process itself stays until the interpreter exits. Units that only the driver can read
(a stream such as a DuckDB relation) run on the driver, one at a time.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from typing import Any

from truthound.profiler.distributed.backends import UnitBackend
from truthound.profiler.distributed.config import LocalConfig, check_workers, default_num_workers
from truthound.profiler.distributed.plan import Unit, run_unit
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

    def __init__(self, num_workers: int | None = None, use_processes: bool = False):
        self.num_workers = (
            default_num_workers() if num_workers is None else check_workers(num_workers)
        )
        self.use_processes = bool(use_processes)

    @classmethod
    def from_config(cls, config: LocalConfig | None = None) -> LocalBackend:
        config = config or LocalConfig()
        return cls(config.num_workers, config.use_processes)

    def map_units(self, units: Sequence[Unit]) -> Iterator[tuple[int, bytes]]:
        # Units only the driver can read (a stream such as a DuckDB relation) run here, one at a
        # time, while the pool runs the others.
        remote = [u for u in units if u.part.shippable]
        on_driver = [u for u in units if not u.part.shippable]
        workers = min(self.num_workers, len(remote))
        if workers <= 1 and not self.use_processes:
            for unit in units:
                yield run_unit(unit)
            return
        executor = self._executor(workers) if remote else None
        try:
            yield from _windowed(executor, remote, 2 * workers, on_driver)
        finally:
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)

    def _executor(self, workers: int) -> cf.Executor:
        if not self.use_processes:
            return cf.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="truthound-unit")
        if "forkserver" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("forkserver")
            # Workers fork from a server that has imported pyarrow and the engine once, so a pool
            # starts in milliseconds after the first (a no-op if the server already runs).
            context.set_forkserver_preload(["truthound.profiler.distributed.plan"])
        else:
            context = multiprocessing.get_context("spawn")
        return cf.ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(workers,)
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


def _windowed(
    executor: cf.Executor | None, units: Sequence[Unit], window: int, on_driver: Sequence[Unit]
) -> Iterator[tuple[int, bytes]]:
    """Keep ``window`` units in flight on the pool, submitted in unit order, while the driver runs
    ``on_driver``; hand results over as they complete. The bounded window keeps few finished
    partials waiting for the driver, and a result is dropped here once handed over."""
    queue = iter(units)
    running: dict[cf.Future, Unit] = {}

    def submit_next() -> None:
        unit = next(queue, None)
        if unit is not None and executor is not None:
            running[executor.submit(run_unit, unit)] = unit

    for _ in range(window):
        submit_next()
    for unit in on_driver:
        yield run_unit(unit)
    while running:
        done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
        for future in sorted(done, key=lambda f: running[f].unit_id):
            unit = running.pop(future)
            try:
                result = future.result()
            except cf.BrokenExecutor as exc:
                raise BackendError(
                    f"a worker process died while profiling {unit.where} (out of memory, or killed)"
                ) from exc
            submit_next()
            yield result


def _init_worker(workers: int) -> None:
    """Share the cores: each process's Arrow decoding pool gets its part of them."""
    import pyarrow as pa

    cpus = os.cpu_count() or 1
    pa.set_cpu_count(max(1, cpus // workers))
