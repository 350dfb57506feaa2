"""``DistributedProfiler``: plan the units, a backend runs them, merge in unit order, finalize."""

from __future__ import annotations

import contextlib
import inspect
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from truthound.profiler.distributed.config import (
    DaskConfig,
    DistributedBackend,
    LocalConfig,
    PartitionStrategy,
    RayConfig,
    SparkConfig,
    default_backend_name,
)
from truthound.profiler.distributed.execution import Backend, execute
from truthound.profiler.distributed.merger import (
    BucketDuplicates,
    PlanMerger,
    bucket_units,
    merge_buckets,
)
from truthound.profiler.distributed.monitor import DistributedMonitor
from truthound.profiler.distributed.partitioners import (
    BUILT_IN_PARTITIONERS,
    Partitioner,
    partitioner_for,
)
from truthound.profiler.distributed.plan import Plan
from truthound.profiler.distributed.registry import BackendRegistry
from truthound.profiler.errors import BackendError, InvalidInputError
from truthound.profiler.model import TableProfile
from truthound.profiler.settings import ProfileSettings
from truthound.profiler.finish import finish_profile
from truthound.profiler.merge_tree import MergeStats
from truthound.profiler.sources import warn_if_exhausted, with_storage_options

__all__ = ["DistributedProfiler"]

_CONFIG_BACKENDS = {
    LocalConfig: "local",
    SparkConfig: "spark",
    DaskConfig: "dask",
    RayConfig: "ray",
}


class DistributedProfiler:
    """Profiles a table in units of work on a backend and merges them into one profile.

    The same input and plan give the same bytes on every backend, for any worker count and any
    order of completion (timings aside).

    Examples
    --------
    >>> import pyarrow as pa
    >>> from truthound.profiler.distributed import DistributedProfiler, PartitionStrategy
    >>> profiler = DistributedProfiler.create(
    ...     backend="local", partition_strategy=PartitionStrategy.HYBRID
    ... )
    >>> profile = profiler.profile(pa.table({"x": [1, 2, 2], "s": ["a", "b", "b"]}))
    >>> profile.row_count, profile.column_count, profile["x"].distinct_count
    (3, 2, 2)
    """

    def __init__(
        self,
        backend: Any,
        partition_strategy: PartitionStrategy | str | Partitioner = PartitionStrategy.ROW_BASED,
        monitor: DistributedMonitor | None = None,
        settings: ProfileSettings | None = None,
        num_partitions: int | None = None,
        backend_name: str | None = None,
        storage_options: dict[str, Any] | None = None,
        cache: Any = None,
        cache_max_bytes: int | str | None = None,
    ):
        from truthound.profiler.cache import open_cache

        self.backend = backend
        self.storage_options = dict(storage_options or {})
        self.cache = open_cache(cache, cache_max_bytes, self.storage_options)
        if isinstance(partition_strategy, Partitioner):
            self.partitioner = partition_strategy
        else:
            self.partitioner = partitioner_for(_strategy(partition_strategy), num_partitions)
        self.monitor = monitor
        self.settings = settings or ProfileSettings()
        self.backend_name = backend_name or getattr(backend, "name", None) or type(backend).__name__

    @property
    def partition_strategy(self) -> PartitionStrategy:
        return self.partitioner.strategy

    @classmethod
    def create(
        cls,
        backend: DistributedBackend | str | Any = None,
        config: Any = None,
        partition_strategy: PartitionStrategy | str | Partitioner = PartitionStrategy.ROW_BASED,
        monitor: DistributedMonitor | None = None,
        num_partitions: int | None = None,
        storage_options: dict[str, Any] | None = None,
        cache: Any = None,
        cache_max_bytes: int | str | None = None,
        **settings: Any,
    ) -> DistributedProfiler:
        """A profiler on ``backend``.

        Parameters
        ----------
        backend
            A :class:`DistributedBackend`, its name (``"local"``, ``"spark"``, ``"dask"``,
            ``"ray"``, ``"auto"``, or a registered plugin's), or a backend instance. None reads
            ``TRUTHOUND_DISTRIBUTED_BACKEND`` (or the backend of ``config``), else ``"local"``.
        config
            The backend's config: :class:`LocalConfig`, :class:`SparkConfig`,
            :class:`DaskConfig` or :class:`RayConfig`.
        partition_strategy
            A :class:`PartitionStrategy` (or its value), or a partitioner instance.
        monitor
            A :class:`DistributedMonitor` to report progress to.
        num_partitions
            Size of the strategy's main dimension: row parts (ROW_BASED, HYBRID), column groups
            (COLUMN_BASED) or hash buckets (HASH). None: automatic.
        storage_options
            Options of the store a URL names, as polars and pandas take them
            (``{"endpoint_url": ..., "region": ..., "anon": True, "connect_timeout": 5}``; see
            docs/user-guide.md, "Remote data"). They travel with the units to the workers.
        cache
            A folder or ``pyarrow.fs`` URL (``s3://bucket/cache``) of cached unit partials, shared
            by every worker: units whose file, rows, columns and settings are unchanged are not
            read again (docs/user-guide.md, "Re-profiling a growing lake"). None reads
            ``TRUTHOUND_CACHE``; False turns that off. A URL's store takes ``storage_options``.
        cache_max_bytes
            Size cap of the cache (``"10GB"`` or bytes); the least recently used entries beyond
            it are deleted after a run. None reads ``TRUTHOUND_CACHE_MAX_BYTES``, else no cap.
        **settings
            :class:`~truthound.profiler.settings.ProfileSettings` fields (``top_n``, ``seed``,
            ``include_patterns``, ...).
        """
        if backend is None:
            backend = _CONFIG_BACKENDS.get(type(config)) or default_backend_name()
        name = None
        if isinstance(backend, (str, DistributedBackend)):
            name = getattr(backend, "value", backend).strip().lower()
            if name not in ("auto", *BackendRegistry.list()):
                raise InvalidInputError(
                    f"unknown backend {name!r}; "
                    f"choose one of {', '.join([*BackendRegistry.list(), 'auto'])}"
                )
            backend = BackendRegistry.create(name, config=config)
            if name == "auto":
                name = None
        elif isinstance(backend, type):
            raise InvalidInputError(
                f"pass a backend instance or name, not the class {backend.__name__}"
            )
        try:
            profile_settings = ProfileSettings(**settings)
        except TypeError as exc:
            raise InvalidInputError(f"DistributedProfiler.create: {exc}") from None
        return cls(
            backend,
            partition_strategy,
            monitor,
            profile_settings,
            num_partitions,
            name,
            storage_options=storage_options,
            cache=cache,
            cache_max_bytes=cache_max_bytes,
        )

    def plan(self, data: Any, columns: Sequence[str] | None = None, **source_options: Any) -> Plan:
        """The units this profiler would run for ``data``: the backend's own plan for its engine's
        frames (a Dask DataFrame's partitions, a Ray Dataset's blocks), else the partitioner's."""
        source_options = with_storage_options(data, source_options, self.storage_options)
        return self.partitioner.plan(data, self.settings, columns, **source_options)

    def profile(
        self,
        data: Any,
        columns: Sequence[str] | None = None,
        name: str | None = None,
        **source_options: Any,
    ) -> TableProfile:
        """Profile ``data``: a path, glob, folder, URL or list of them, or an in-memory table
        (pyarrow, polars, pandas, DuckDB, anything with ``__arrow_c_stream__``).

        ``columns`` limits the profile to those columns; ``source_options`` go to the file reader
        (``delimiter``, ``header``, ``quote_char``, ``format``, ...).
        """
        started = time.perf_counter()
        profiled_at = datetime.now(UTC)
        source_options = with_storage_options(data, source_options, self.storage_options)
        monitor = self.monitor or DistributedMonitor()
        scheduled = isinstance(self.backend, Backend)
        if not scheduled and not callable(getattr(self.backend, "map_units", None)):
            return self._delegate(data, monitor)
        opened = getattr(self.backend, "opened", None)
        run = None
        try:
            with opened(data, **source_options) if callable(opened) else _as_is(data) as source:
                plan = self.plan(source, columns, **source_options)
                if self.cache is not None:
                    plan, run = self.cache.attach(plan)
                monitor.start(len(plan))
                if scheduled:
                    stats = MergeStats()
                    # With a cache, the few units that will miss start first.
                    order = run.submission_order(plan.units) if run is not None else plan.units
                    first = order[: next((i for i, u in enumerate(order) if u is plan.units[0]), 0)]
                    merged, duplicates = execute(
                        self.backend, plan, self.settings.merge_fan_in, monitor, stats, first
                    )
                    with contextlib.suppress(AttributeError):  # the last run's, for reports
                        self.backend.merge_stats = stats
                else:
                    merged, duplicates = self._merged(plan, monitor, run)
                cache_stats = run.finish() if run is not None else None
            profile = finish_profile(
                merged,
                self.settings,
                name=name if name is not None else plan.description,
                source=plan.description,
                started=started,
                profiled_at=profiled_at,
                backend=self.backend_name,
                partition_strategy=plan.strategy,
                notes=plan.notes,
                duplicates=duplicates,
            )
        except BaseException as exc:
            if run is not None:
                run.abandon()  # the entries of the units that finished stay for the next run
            monitor.error(exc)
            raise
        if cache_stats is not None:
            profile = replace(profile, cache=cache_stats.to_dict())
        for unit in plan.units[:1]:
            warn_if_exhausted(getattr(unit.part, "stream_source", None), profile.row_count)
        monitor.complete(profile)
        return profile

    def _merged(
        self, plan: Plan, monitor: DistributedMonitor, run: Any = None
    ) -> tuple[bytes, BucketDuplicates | None]:
        """The plan's merged partial: merged on the cluster by a backend that runs the merge
        tree there, else on the driver through the same tree as the units' partials arrive."""
        fan_in = self.settings.merge_fan_in
        reduce_units = getattr(self.backend, "reduce_units", None)
        if callable(reduce_units):
            groups = [[plan.units[i] for i in ids] for ids in bucket_units(plan)]
            roots = reduce_units(groups, fan_in, monitor)
            if roots is not None:
                if len(roots) != len(groups):
                    raise BackendError(
                        f"backend {self.backend_name!r} returned {len(roots)} merged partials "
                        f"for {len(groups)} groups of units"
                    )
                return merge_buckets(list(roots))
        merger = PlanMerger(plan, fan_in)
        # With a cache, the few units that will miss start first (CacheRun.submission_order).
        units = run.submission_order(plan.units) if run is not None else plan.units
        with contextlib.closing(self._map_units(units, monitor)) as results:
            for unit_id, blob in results:
                merger.add(unit_id, blob)
                monitor.partition_complete(unit_id)
        return merger.result()

    def _map_units(self, units: Sequence[Any], monitor: DistributedMonitor):
        """``backend.map_units``, with the monitor when the backend takes one (a plugin may not)."""
        map_units = self.backend.map_units
        try:
            takes_monitor = "monitor" in inspect.signature(map_units).parameters
        except (TypeError, ValueError):
            takes_monitor = False
        return map_units(units, monitor=monitor) if takes_monitor else map_units(units)

    def _delegate(self, data: Any, monitor: DistributedMonitor) -> TableProfile:
        """A plugin with only ``profile(data)``: it does everything itself."""
        monitor.start(1)
        try:
            result = self.backend.profile(data)
            if isinstance(result, (bytes, bytearray)):
                from truthound.profiler.merge import merge_profiles

                result = merge_profiles([bytes(result)])
            if not isinstance(result, TableProfile):
                raise BackendError(
                    f"backend {self.backend_name!r} returned {type(result).__name__} "
                    "from profile(); "
                    "expected a TableProfile or partial-profile bytes"
                )
        except BaseException as exc:
            monitor.error(exc)
            raise
        monitor.partition_complete(0)
        monitor.complete(result)
        return result

    def __repr__(self) -> str:
        strategy = self.partition_strategy.value
        return f"DistributedProfiler(backend={self.backend!r}, partition_strategy={strategy!r})"


@contextlib.contextmanager
def _as_is(data: Any) -> Iterator[Any]:
    yield data


def _strategy(value: PartitionStrategy | str) -> PartitionStrategy:
    try:
        return PartitionStrategy(
            getattr(value, "value", value).lower() if isinstance(value, str) else value
        )
    except ValueError:
        choices = ", ".join(s.value for s in PartitionStrategy)
        raise InvalidInputError(
            f"unknown partition strategy {value!r}; choose one of {choices}"
        ) from None
