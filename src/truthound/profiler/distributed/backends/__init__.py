"""Backends run units of work and bring back partial-profile bytes; they never compute a
statistic. A new backend subclasses :class:`UnitBackend` and implements
:meth:`~UnitBackend.map_units`: run :func:`~truthound.profiler.distributed.plan.run_unit` on each
unit somewhere and yield ``(unit_id, bytes)`` as units complete; the driver then merges them
through the fixed merge tree and finalizes. An engine backend may also implement
:meth:`~UnitBackend.reduce_units` to run that same tree on its cluster, so the driver receives one
partial per bucket.

Each engine is imported only inside its own module, and only when its backend is created, so
``import truthound.profiler.distributed`` imports no pyspark, dask or ray.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator, Sequence
from typing import Any

from truthound.profiler.distributed.plan import Unit
from truthound.profiler.errors import BackendError

__all__ = ["UnitBackend", "require_engine"]


class UnitBackend:
    """Base class of the backends that run units (local, Spark, Dask, Ray, and plugins)."""

    name: str = "unit"
    config_class: type | None = None

    @classmethod
    def from_config(cls, config: Any = None) -> UnitBackend:
        """The backend for ``config`` (an instance of ``config_class``; None = defaults)."""
        return cls() if config is None else cls(config)

    def map_units(self, units: Sequence[Unit], monitor: Any = None) -> Iterator[tuple[int, bytes]]:
        """Run ``run_unit`` for every unit; yield ``(unit_id, bytes)`` in completion order.

        On the first failure, cancel what has not started, wait for what is running, release every
        worker this call started, then raise the failure (its message names the unit's data).
        ``monitor`` (a :class:`DistributedMonitor` or None) may be told finer progress than units
        through ``monitor.task_progress(done, total)``.
        """
        raise NotImplementedError

    def reduce_units(
        self, groups: Sequence[Sequence[Unit]], fan_in: int, monitor: Any = None
    ) -> list[bytes] | None:
        """Run every unit and merge each group's partials through the fixed merge tree
        (``_core.merge_tree``'s shape with ``fan_in``, groups' units in
        unit order) *on the cluster*; return each group's root, so the driver receives one partial
        per group (a group is a HASH bucket; other plans have one). Report each finished unit with
        ``monitor.partition_complete(unit_id)`` and record what moved in ``self.merge_stats``
        (:class:`~truthound.profiler.merge_tree.MergeStats`: nodes and inputs per level, and
        ``partials_received_by_driver`` counted where the driver really fetched them).

        None (the default): the backend does not merge; the profiler merges what ``map_units``
        yields on the driver, through the same tree.
        """
        return None

    @contextlib.contextmanager
    def opened(self, data: Any, **source_options: Any) -> Iterator[Any]:
        """``data`` as the planner should see it during one run (an engine may read a path its own
        way and keep what it opened until the block ends). Default: ``data`` as is."""
        yield data

    def profile(self, data: Any, columns: Sequence[str] | None = None, **options: Any):
        """Profile ``data`` on this backend (see :meth:`DistributedProfiler.profile`).

        ``options``: ``partition_strategy``, ``num_partitions``, ``monitor``, ``cache``,
        ``cache_max_bytes``, any
        :class:`~truthound.profiler.settings.ProfileSettings` field, and source options
        (``delimiter``, ``header``, ...).
        """
        from truthound.profiler.distributed.profiler import DistributedProfiler

        create_keys = (
            "partition_strategy",
            "num_partitions",
            "monitor",
            "cache",
            "cache_max_bytes",
        )
        settings_keys = set(_settings_fields())
        create = {k: options.pop(k) for k in create_keys if k in options}
        settings = {k: options.pop(k) for k in list(options) if k in settings_keys}
        profiler = DistributedProfiler.create(backend=self, **create, **settings)
        return profiler.profile(data, columns=columns, **options)

    def profile_file(self, path: str, **options: Any):
        """Profile a file, folder, glob or URL (same as :meth:`profile`)."""
        return self.profile(path, **options)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _settings_fields() -> tuple[str, ...]:
    from truthound.profiler.settings import ProfileSettings

    return tuple(ProfileSettings.__dataclass_fields__)


def require_engine(module: str, extra: str, backend: str) -> Any:
    """Import an engine's module, or raise BackendError saying how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise BackendError(
            f"the {backend} backend needs {module}, which is not installed: "
            f"pip install 'truthound[{extra}]' "
            f"({exc})"
        ) from None
