"""Progress of a profile run: callbacks when a unit (partition) completes, on progress in percent,
on error and on completion. Thread-safe: callbacks may be registered from any thread, and events
are counted under a lock (the profiler reports them from the driver thread)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["DistributedMonitor"]


class DistributedMonitor:
    """Watches a :class:`DistributedProfiler` run.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from truthound.profiler.distributed import DistributedProfiler
    >>> monitor = DistributedMonitor()
    >>> monitor.on_progress(lambda pct: print(f"Progress: {pct}%"))
    >>> profiler = DistributedProfiler.create(backend="local", monitor=monitor, num_partitions=2)
    >>> profile = profiler.profile(pa.table({"x": [1, 2, 3, 4]}))
    Progress: 50.0%
    Progress: 100.0%
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._partition_callbacks: list[Callable[[int], Any]] = []
        self._progress_callbacks: list[Callable[[float], Any]] = []
        self._error_callbacks: list[Callable[[BaseException], Any]] = []
        self._complete_callbacks: list[Callable[[Any], Any]] = []
        self._total = 0
        self._completed: list[int] = []
        self._errors: list[BaseException] = []
        self._started: float | None = None
        self._finished: float | None = None
        self._reported = 0.0  # the last percent told, so progress never goes back

    # -- registration -----------------------------------------------------------------------

    def on_partition_complete(self, callback: Callable[[int], Any]) -> None:
        """Call ``callback(unit_id)`` each time a unit (partition) completes."""
        with self._lock:
            self._partition_callbacks.append(callback)

    def on_progress(self, callback: Callable[[float], Any]) -> None:
        """Call ``callback(percent)`` (0-100, one decimal, never decreasing) each time a unit
        completes, and, on engines that report them (Spark), as the tasks of a unit progress."""
        with self._lock:
            self._progress_callbacks.append(callback)

    def on_error(self, callback: Callable[[BaseException], Any]) -> None:
        """Call ``callback(exception)`` when the run fails."""
        with self._lock:
            self._error_callbacks.append(callback)

    def on_complete(self, callback: Callable[[Any], Any]) -> None:
        """Call ``callback(profile)`` with the finished :class:`TableProfile`."""
        with self._lock:
            self._complete_callbacks.append(callback)

    # -- state --------------------------------------------------------------------------------

    @property
    def total(self) -> int:
        """Units in the current (or last) run."""
        return self._total

    @property
    def completed(self) -> int:
        """Units completed so far."""
        with self._lock:
            return len(self._completed)

    @property
    def progress(self) -> float:
        """Percent of units completed (0-100)."""
        with self._lock:
            return _percent(len(self._completed), self._total)

    @property
    def errors(self) -> list[BaseException]:
        with self._lock:
            return list(self._errors)

    @property
    def elapsed_seconds(self) -> float:
        if self._started is None:
            return 0.0
        return (self._finished or time.perf_counter()) - self._started

    # -- events (called by the profiler) ----------------------------------------------------------

    def start(self, total: int) -> None:
        with self._lock:
            self._total = total
            self._completed = []
            self._errors = []
            self._started, self._finished = time.perf_counter(), None
            self._reported = 0.0

    def partition_complete(self, unit_id: int) -> None:
        with self._lock:
            self._completed.append(unit_id)
            pct = _percent(len(self._completed), self._total)
            partition_callbacks = list(self._partition_callbacks)
            progress_callbacks = self._advance(pct)
        for cb in partition_callbacks:
            cb(unit_id)
        for cb in progress_callbacks:
            cb(pct)

    def task_progress(self, done: int, total: int) -> None:
        """An engine's finished and total tasks so far (Spark's status tracker): reported as
        progress when it is ahead of the units merged, below 100 % until the last unit is merged."""
        if total <= 0:
            return
        with self._lock:
            pct = min(_percent(done, total), 99.9)
            progress_callbacks = self._advance(pct)
        for cb in progress_callbacks:
            cb(pct)

    def _advance(self, pct: float) -> list[Callable[[float], Any]]:
        """The progress callbacks to call for ``pct`` (none if it is not ahead); under the lock."""
        if pct <= self._reported:
            return []
        self._reported = pct
        return list(self._progress_callbacks)

    def error(self, exc: BaseException) -> None:
        with self._lock:
            self._errors.append(exc)
            self._finished = time.perf_counter()
            callbacks = list(self._error_callbacks)
        for cb in callbacks:
            cb(exc)

    def complete(self, profile: Any) -> None:
        with self._lock:
            self._finished = time.perf_counter()
            callbacks = list(self._complete_callbacks)
        for cb in callbacks:
            cb(profile)


def _percent(done: int, total: int) -> float:
    return round(100.0 * done / total, 1) if total else 100.0
