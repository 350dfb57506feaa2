"""The Ray backend (``pip install 'truthound[ray]'``): units as Ray tasks.

Where it runs, in order: the Ray this process already initialised (used as is, never shut down);
else the cluster at ``RayConfig.address`` or ``$RAY_ADDRESS`` (``ray://host:10001`` through Ray
Client, ``auto``, or the ``host:port`` of a head node); else a local Ray with ``num_cpus`` /
``num_gpus`` / ``object_store_memory`` (1 GiB by default), no dashboard and no worker logs on the
driver. What the backend starts or connects to lives for one profile run; after
:meth:`RayBackend.connect`, or inside ``with RayBackend(...)``, it lives until
:meth:`RayBackend.close` (or the end of the block). It never shuts down a Ray it did not start.

Two kinds of input:

- **Paths and in-memory tables** are planned on the driver (:mod:`..plan`); each unit becomes one
  remote task that calls :func:`~truthound.profiler.distributed.plan.run_unit`, so a worker reads
  its own file fragment, row groups or byte range and sends back partial bytes.
- **A Ray Dataset** is executed in order (``preserve_order``) and cut along its own blocks: unit
  ``i`` is block ``i`` (or, with ``num_partitions``, a run of consecutive blocks). Each task
  receives its blocks' object refs as arguments, so Ray hands it the Arrow tables from the object
  store without copying them through the driver.

Unit tasks are submitted in unit order, a bounded window at a time, and watched with ``ray.wait``.
The partials are merged on the cluster through the fixed merge tree
(:mod:`truthound.profiler.merge_tree`): every node, each bucket's root included, is a Ray task of
``_core.merge_group`` over its children's object refs, and the driver fetches one root per bucket
(:meth:`RayBackend.reduce_units`). The tree's shape depends only on the plan and the fan-in, so
completion order never changes the bytes. A task whose worker dies is retried (``max_retries``);
a task that raises stops the run with the error of its unit, naming the unit's file and rows (or
block).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Self

import pyarrow as pa

from truthound import _core
from truthound.profiler.distributed.backends import UnitBackend, require_engine
from truthound.profiler.distributed.config import RayConfig
from truthound.profiler.distributed.partitioners import (
    ColumnBasedPartitioner,
    HashPartitioner,
    HybridPartitioner,
    Partitioner,
    RowBasedPartitioner,
    cross_units,
    schema_column_groups,
    selected_columns,
)
from truthound.profiler.distributed.plan import (
    Part,
    Plan,
    TablePart,
    Unit,
    run_unit,
)
from truthound.profiler.engine_frames import is_ray_dataset as _is_ray_dataset
from truthound.profiler.engine_frames import ordered_arrow_refs as _ordered_arrow_refs
from truthound.profiler.errors import (
    BackendError,
    InvalidInputError,
    ProfilerError,
    SourceError,
    UnsupportedError,
)
from truthound.profiler.merge_tree import MergeStats, merge_with_tree
from truthound.profiler.settings import ProfileSettings
from truthound.profiler.sources import BATCH_ROWS

__all__ = ["ADDRESS_ENV", "DEFAULT_OBJECT_STORE_MEMORY", "RayBackend", "RayBlocksPart"]

ADDRESS_ENV = "RAY_ADDRESS"
DEFAULT_OBJECT_STORE_MEMORY = 1 << 30  # a local Ray's store: partial profiles are small
DATASET_DESCRIPTION = "ray.data.Dataset"


class RayBackend(UnitBackend):
    """Runs units as Ray tasks.

    Parameters
    ----------
    config
        Cluster address and resources (``RayConfig()`` defaults). With an address, ``num_cpus``
        caps the tasks this backend runs at once (a cluster's own resources are not changed).
    max_retries
        Times a task is retried when its worker process or node dies (application errors are not
        retried).
    task_delay
        Seconds each task sleeps before it profiles: slows a run down to watch its progress or to
        try fault tolerance (kill a worker in the middle of a run).
    pid_dir
        A folder on the workers' machine; each task attempt creates an empty file
        ``unit-<unit id>.<worker pid>`` there when it starts, saying which process runs which unit.

    Examples
    --------
    >>> from truthound.profiler.distributed import RayBackend, RayConfig
    >>> with RayBackend(RayConfig(num_cpus=2)) as backend:  # doctest: +SKIP
    ...     ray = backend.connect()  # a local Ray of 2 CPUs, kept until the block ends
    ...     ds = ray.data.from_items([{"x": i} for i in range(100)])
    ...     profile = backend.profile(ds)  # one unit per block
    ...     same = backend.profile_file("data.parquet")  # one task per unit of the plan
    >>> profile.row_count  # doctest: +SKIP
    100
    """

    name = "ray"
    config_class = RayConfig

    def __init__(
        self,
        config: RayConfig | None = None,
        *,
        max_retries: int = 3,
        task_delay: float = 0.0,
        pid_dir: str | os.PathLike | None = None,
    ):
        require_engine("ray", "ray", "Ray")
        self.config = config or RayConfig()
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise InvalidInputError(f"max_retries must be an integer >= 0, got {max_retries!r}")
        if not isinstance(task_delay, (int, float)) or task_delay < 0:
            raise InvalidInputError(f"task_delay must be a number >= 0, got {task_delay!r}")
        self.max_retries = max_retries
        self.task_delay = float(task_delay)
        self.pid_dir = os.fspath(pid_dir) if pid_dir is not None else None
        self._started = False  # this backend called ray.init (and so may call ray.shutdown)
        self._held = False  # keep what it started after a run (connect(), or inside `with`)
        self._lock = threading.Lock()
        #: What the last :meth:`reduce_units` moved (None before the first run).
        self.merge_stats: MergeStats | None = None

    @property
    def address(self) -> str | None:
        """The cluster to connect to: ``RayConfig.address``, else ``$RAY_ADDRESS``, else None (a
        local Ray)."""
        return self.config.address or os.environ.get(ADDRESS_ENV) or None

    # -- the cluster ----------------------------------------------------------------------------

    def connect(self) -> Any:
        """Make sure Ray is initialised (see the module doc for which cluster) and keep what this
        starts until :meth:`close`; return the ``ray`` module."""
        ray, _ = self._ensure_ray()
        self._held = True
        return ray

    def _ensure_ray(self) -> tuple[Any, bool]:
        """``(ray, started)``: ``started`` when this call initialised Ray."""
        ray = require_engine("ray", "ray", "Ray")
        with self._lock:
            if ray.is_initialized():
                return ray, False
            address = self.address
            try:
                if address:
                    ray.init(address=address, log_to_driver=False)
                else:
                    config = self.config
                    ray.init(
                        address="local",  # never attach to a cluster started by `ray start`
                        num_cpus=config.num_cpus,
                        num_gpus=config.num_gpus,
                        object_store_memory=config.object_store_memory
                        or DEFAULT_OBJECT_STORE_MEMORY,
                        include_dashboard=False,
                        dashboard_host="127.0.0.1",
                        log_to_driver=False,
                    )
            except (ConnectionError, ValueError, RuntimeError, TimeoutError) as exc:
                where = f"the Ray cluster at {address!r}" if address else "a local Ray"
                hint = ""
                if address and _mentions_authentication(exc):
                    hint = (
                        " (the cluster uses token authentication: set RAY_AUTH_MODE=token "
                        "and make its token available, e.g. in ~/.ray/auth_token)"
                    )
                raise BackendError(f"cannot start or reach {where}: {exc}{hint}") from exc
            self._started = True
            return ray, True

    def close(self) -> None:
        """Shut down (or disconnect from) the Ray this backend started; a Ray initialised by
        someone else stays up."""
        with self._lock:
            self._held = False
            if self._started:
                self._started = False
                ray = sys.modules.get("ray")
                if ray is not None and ray.is_initialized():
                    ray.shutdown()

    def __enter__(self) -> Self:
        self._held = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- running units --------------------------------------------------------------------------

    def map_units(self, units: Sequence[Unit]) -> Iterator[tuple[int, bytes]]:
        ray, started = self._ensure_ray()
        running: dict[Any, Unit] = {}  # object ref -> its unit, in submission (unit) order
        try:
            task = _unit_task(ray).options(max_retries=self.max_retries, retry_exceptions=False)
            queue = iter([u for u in units if u.part.shippable])
            tables: dict[int, Any] = {}  # id(in-memory table) -> its object ref, put once

            def submit_next() -> None:
                unit = next(queue, None)
                if unit is not None:
                    unit, objects = _detach(ray, unit, tables)
                    running[task.remote(unit, self.task_delay, self.pid_dir, *objects)] = unit

            for _ in range(self._max_in_flight(ray)):
                submit_next()
            # Units only the driver can read (a stream such as a DuckDB relation) run here while
            # the cluster runs the others.
            for unit in units:
                if not unit.part.shippable:
                    yield run_unit(unit)
            while running:
                done, _ = ray.wait(list(running), num_returns=1)
                unit = running.pop(done[0])
                result = _result(ray, done[0], unit.where, self.max_retries)
                submit_next()
                yield result
        finally:
            _cancel(ray, list(running))
            if started and not self._held:  # a Ray started for this run only
                self.close()

    def reduce_units(
        self, groups: Sequence[Sequence[Unit]], fan_in: int, monitor: Any = None
    ) -> list[bytes]:
        """Run the units as Ray tasks and merge each group through the fixed merge tree on the
        cluster; return each group's root (the only partials the driver fetches).

        Unit tasks are submitted in unit order, at most :meth:`_max_in_flight` running at once;
        each level-0 node becomes a merge task as soon as its leaves are submitted, and
        :func:`~truthound.profiler.merge_tree.merge_with_tree` then submits the levels above
        (the root included) as merge tasks over the nodes' object refs. Leaf partials go from
        task to task without being fetched; ``monitor.partition_complete(unit_id)`` is called as
        each unit task finishes. Units only the driver can read run here and their partials are
        put in the object store. After the run, ``self.merge_stats`` holds the tree's levels,
        summed over groups, and what the driver fetched: one root per group.

        On the first failed unit the run stops with that unit's error (as :meth:`map_units`), and
        the tasks not yet finished are cancelled.
        """
        self.merge_stats = None
        ray, started = self._ensure_ray()
        run = _ClusterTree(ray, self, fan_in, monitor)
        try:
            roots = run.reduce(groups)
            self.merge_stats = run.stats
            return roots
        except BaseException:
            run.cancel()
            raise
        finally:
            if started and not self._held:  # a Ray started for this run only
                self.close()

    def _max_in_flight(self, ray: Any) -> int:
        """Tasks submitted at once: two per CPU keeps every CPU busy while the driver collects
        results; on a cluster given by address, ``num_cpus`` caps the tasks in flight."""
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        if self.address and self.config.num_cpus:
            return min(cpus, self.config.num_cpus)
        return 2 * cpus

    # -- Ray Datasets ---------------------------------------------------------------------------

    def plan_native(
        self,
        data: Any,
        partitioner: Partitioner,
        settings: ProfileSettings | None = None,
        columns: Sequence[str] | None = None,
    ) -> Plan | None:
        """The plan of a Ray Dataset under ``partitioner``'s strategy (None for other data).

        Row parts are the dataset's blocks in order (``num_partitions`` / ``row_partitions``:
        runs of consecutive blocks of about equal rows); column groups and hash buckets are as for
        any other source. The dataset is executed once, keeping block order.
        """
        if not _is_ray_dataset(data):
            return None
        return plan_dataset(data, partitioner, settings, columns)

    def __repr__(self) -> str:
        return f"RayBackend(address={self.address!r})"


def plan_dataset(
    data: Any,
    partitioner: Partitioner,
    settings: ProfileSettings | None = None,
    columns: Sequence[str] | None = None,
) -> Plan:
    """See :meth:`RayBackend.plan_native`."""
    ray = require_engine("ray", "ray", "Ray")  # a Dataset exists: Ray is up
    settings = settings or ProfileSettings()
    refs = _ordered_arrow_refs(data)
    schema = _dataset_schema(ray, data, refs)
    selected = selected_columns(schema, columns, DATASET_DESCRIPTION)
    options = settings.unit_options()

    def groups(count: int) -> list[tuple[str, ...]]:
        return schema_column_groups(schema, selected or schema.names, count)

    if isinstance(partitioner, RowBasedPartitioner):
        parts = _block_parts(ray, refs, schema, partitioner.num_partitions)
        units = cross_units(parts, [selected or tuple(schema.names)], schema, options)
    elif isinstance(partitioner, ColumnBasedPartitioner):
        parts = _block_parts(ray, refs, schema, 1)
        units = cross_units(parts, groups(partitioner.num_groups), schema, options)
    elif isinstance(partitioner, HybridPartitioner):
        parts = _block_parts(ray, refs, schema, partitioner.row_partitions)
        units = cross_units(parts, groups(partitioner.column_partitions), schema, options)
    elif isinstance(partitioner, HashPartitioner):
        parts = _block_parts(ray, refs, schema, None)
        units = partitioner.units_over(parts, schema, selected, options, DATASET_DESCRIPTION)
    else:
        raise UnsupportedError(
            f"{type(partitioner).__name__} cannot plan a Ray Dataset: use one of the "
            "row_based, column_based, hybrid or hash strategies"
        )
    return Plan(
        units=tuple(units),
        strategy=partitioner.strategy.value,
        description=DATASET_DESCRIPTION,
        schema=schema,
        buckets=partitioner.buckets,
    )


# -- blocks ---------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RayBlocksPart(Part):
    """Consecutive blocks of a Ray Dataset, held by object ref. A task gets the blocks as
    arguments (``tables``, zero copy from the object store); on the driver ``open`` fetches them."""

    refs: tuple[Any, ...]
    label: str
    rows: int | None = None
    tables: tuple[pa.Table, ...] | None = None

    def open(self, columns, schema):
        tables = self.tables
        if tables is None:
            import ray

            tables = tuple(ray.get(list(self.refs)))
        names = list(columns) if columns is not None else schema.names
        target = pa.schema([schema.field(n) for n in names])
        # Blocks are sliced to the columns and cast to the dataset's (unified) types, so every
        # unit hands the engine one schema.
        chosen = [_conform(t.select(names), target) for t in tables]
        table = pa.concat_tables(chosen) if chosen else target.empty_table()
        return table.to_reader(max_chunksize=BATCH_ROWS)


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    if table.schema.equals(schema, check_metadata=False):
        return table
    return table.cast(schema)


def _mentions_authentication(exc: BaseException) -> bool:
    """Whether ``exc`` or one of its causes is about authentication."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            break
        if "auth" in f"{type(seen).__name__} {seen}".lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _dataset_schema(ray: Any, dataset: Any, refs: Sequence[Any]) -> pa.Schema:
    schema = dataset.schema()
    base = getattr(schema, "base_schema", None)
    if isinstance(base, pa.Schema):
        return base
    if refs:  # not an Arrow schema (pandas blocks): the first converted block's
        return ray.get(_schema_task(ray).remote(refs[0]))
    raise SourceError(f"the {DATASET_DESCRIPTION} has no blocks and no schema: nothing to profile")


def _block_parts(ray: Any, refs: Sequence[Any], schema: pa.Schema, count: int | None) -> list[Part]:
    """One part per block (``count`` None or at least the block count), else ``count`` runs of
    consecutive blocks of about equal rows (a block joins the run its first row falls in)."""
    n = len(refs)
    if n == 0:
        return [TablePart(schema.empty_table(), 0, 0, f"{DATASET_DESCRIPTION} (no rows)")]
    if count is None or count >= n:
        return [
            RayBlocksPart((ref,), f"{DATASET_DESCRIPTION} block {i} of {n}")
            for i, ref in enumerate(refs)
        ]
    rows = ray.get([_rows_task(ray).remote(ref) for ref in refs])
    total = max(sum(rows), 1)
    runs: list[list[int]] = []
    key, start = None, 0
    for i, r in enumerate(rows):
        k = start * count // total
        if not runs or k != key:
            runs.append([])
            key = k
        runs[-1].append(i)
        start += r
    parts: list[Part] = []
    first_row = 0
    for run in runs:
        run_rows = sum(rows[i] for i in run)
        blocks = f"block {run[0]}" if len(run) == 1 else f"blocks {run[0]}-{run[-1]}"
        label = (
            f"{DATASET_DESCRIPTION} {blocks} of {n} (rows {first_row}-{first_row + run_rows - 1})"
        )
        parts.append(RayBlocksPart(tuple(refs[i] for i in run), label, run_rows))
        first_row += run_rows
    return parts


# -- tasks ----------------------------------------------------------------------------------------


def _remote(ray: Any, fn: Any) -> Any:
    """``fn`` as a Ray remote function of one CPU (made per run: a remote function belongs to the
    client or cluster connection it was made under)."""
    return ray.remote(num_cpus=1)(fn)


def _detach(ray: Any, unit: Unit, tables: dict[int, Any]) -> tuple[Unit, tuple[Any, ...]]:
    """The unit to send without its data, and the object refs of that data (Ray resolves them
    into the task's arguments). An in-memory table goes to the object store once for all its
    slices, instead of being pickled into every unit."""
    part = unit.part
    if isinstance(part, RayBlocksPart):
        return replace(unit, part=replace(part, refs=())), part.refs
    if isinstance(part, TablePart):
        ref = tables.get(id(part.table))
        if ref is None:
            ref = tables[id(part.table)] = ray.put(part.table)
        return replace(unit, part=replace(part, table=None)), (ref,)
    return unit, ()


def _attach(unit: Unit, objects: tuple[Any, ...]) -> Unit:
    """In the task: the unit with its data back in place (see :func:`_detach`)."""
    if isinstance(unit.part, RayBlocksPart):
        return replace(unit, part=replace(unit.part, tables=objects))
    if isinstance(unit.part, TablePart):
        return replace(unit, part=replace(unit.part, table=objects[0]))
    return unit


def _run_unit(
    unit: Unit, delay: float, pid_dir: str | None, *objects: pa.Table
) -> tuple[int, bytes]:
    """The task: profile one unit (its blocks or table, if any, arrive resolved as arguments)."""
    if pid_dir:
        Path(pid_dir, f"unit-{unit.unit_id}.{os.getpid()}").touch()
    if delay:
        time.sleep(delay)
    return run_unit(_attach(unit, objects))


def _block_rows(block: pa.Table) -> int:
    return block.num_rows


def _block_schema(block: pa.Table) -> pa.Schema:
    return block.schema


def _merge_node(*children: bytes) -> bytes:
    """The task of one node of the merge tree: its children's partials (Ray resolves their object
    refs into the arguments), merged in unit order."""
    return _core.merge_group(list(children))


def _unit_task(ray: Any) -> Any:
    return _remote(ray, _run_unit)


def _merge_task(ray: Any) -> Any:
    return _remote(ray, _merge_node)


def _rows_task(ray: Any) -> Any:
    return _remote(ray, _block_rows)


def _schema_task(ray: Any) -> Any:
    return _remote(ray, _block_schema)


class _ClusterTree:
    """One :meth:`RayBackend.reduce_units` run: unit tasks in a bounded window, the merge tree
    over their object refs as merge tasks, the roots fetched."""

    def __init__(self, ray: Any, backend: RayBackend, fan_in: int, monitor: Any):
        self.ray = ray
        self.fan_in = fan_in
        self.monitor = monitor
        self.retries = backend.max_retries
        self.delay, self.pid_dir = backend.task_delay, backend.pid_dir
        # Two returns: the unit id, which the driver fetches to learn that the unit finished (or
        # why it failed), and the partial, which only the merge tasks read.
        self.leaf = _unit_task(ray).options(
            max_retries=self.retries, retry_exceptions=False, num_returns=2
        )
        self.merge = _merge_task(ray).options(max_retries=self.retries, retry_exceptions=False)
        self.window = backend._max_in_flight(ray)
        self.running: dict[Any, Unit] = {}  # a unit task's id ref -> its unit, until it finishes
        # Every merge task submitted, to cancel after a failure (their outputs stay referenced
        # until the run ends: about one partial per fan_in units).
        self.nodes: list[Any] = []
        self.tables: dict[int, Any] = {}  # id(in-memory table) -> its object ref, put once
        self.stats = MergeStats(fan_in=fan_in)

    def reduce(self, groups: Sequence[Sequence[Unit]]) -> list[bytes]:
        started = time.perf_counter()
        root_refs, group_stats = [], []
        for units in groups:
            root, stats = self._tree(units)
            root_refs.append(root)
            group_stats.append(stats)
        while self.running:
            self._wait_one()
        roots = [
            _result(self.ray, ref, _span(units), self.retries)
            for ref, units in zip(root_refs, groups, strict=True)
        ]
        self.nodes.clear()
        self._sum(group_stats)
        self.stats.partials_received_by_driver = len(roots)
        self.stats.bytes_received_by_driver = self.stats.result_bytes = sum(map(len, roots))
        self.stats.seconds = time.perf_counter() - started
        return roots

    def _tree(self, units: Sequence[Unit]) -> tuple[Any, MergeStats]:
        """Submit one group's units and tree; its root's ref and the tree's levels."""
        fan_in, stats = self.fan_in, MergeStats()
        if len(units) <= fan_in:  # the root merges the leaves themselves
            leaves = [self._leaf(u) for u in units]
            return merge_with_tree(leaves, fan_in, merge_fn=self._node, stats=stats), stats
        # Level 0 is built here, each node as soon as its leaves are submitted, so the driver
        # holds at most fan_in leaf refs; merge_with_tree builds the levels above from the
        # level-0 nodes (outputs of aligned subtrees: the rest of the same tree).
        level0, children, seconds = [], [], 0.0
        for unit in units:
            children.append(self._leaf(unit))
            if len(children) == fan_in:
                tick = time.perf_counter()
                level0.append(self._node(children))
                seconds += time.perf_counter() - tick
                children = []
        if children:  # the last node; with one child it is that child, as in the tree
            level0.append(children[0] if len(children) == 1 else self._node(children))
        root = merge_with_tree(level0, fan_in, merge_fn=self._node, stats=stats)
        stats.leaves = len(units)
        stats.nodes_per_level.insert(0, len(level0))
        stats.inputs_per_level.insert(0, len(units))
        stats.bytes_per_level.insert(0, 0)  # object refs: bytes not known on the driver
        stats.max_partial_bytes_per_level.insert(0, 0)
        stats.seconds_per_level.insert(0, seconds)
        return root, stats

    def _leaf(self, unit: Unit) -> Any:
        """The object ref of a unit's partial: a task submitted once the window has room, or a
        unit only the driver can read, run here."""
        ray = self.ray
        if not unit.part.shippable:
            _, blob = run_unit(unit)
            self._complete(unit)
            return ray.put(blob)
        while len(self.running) >= self.window:
            self._wait_one()
        detached, objects = _detach(ray, unit, self.tables)
        unit_ref, partial_ref = self.leaf.remote(detached, self.delay, self.pid_dir, *objects)
        self.running[unit_ref] = unit
        return partial_ref

    def _node(self, children: list[Any]) -> Any:
        ref = self.merge.remote(*children)
        self.nodes.append(ref)
        return ref

    def _wait_one(self) -> None:
        """Take one finished unit task: its id (a few bytes) is fetched, its partial is not; a
        failure raises the unit's error."""
        done, _ = self.ray.wait(list(self.running), num_returns=1, fetch_local=False)
        unit = self.running.pop(done[0])
        _result(self.ray, done[0], unit.where, self.retries)
        self._complete(unit)

    def _complete(self, unit: Unit) -> None:
        if self.monitor is not None:
            self.monitor.partition_complete(unit.unit_id)

    def _sum(self, group_stats: Sequence[MergeStats]) -> None:
        """The groups' trees level by level (buckets of a HASH plan have equal units, so equal
        depths)."""
        total = self.stats
        total.leaves = sum(s.leaves for s in group_stats)
        depth = max((len(s.nodes_per_level) for s in group_stats), default=0)

        def level(values: list[Any], i: int, default: Any) -> Any:
            return values[i] if i < len(values) else default

        for i in range(depth):
            total.nodes_per_level.append(sum(level(s.nodes_per_level, i, 0) for s in group_stats))
            total.inputs_per_level.append(sum(level(s.inputs_per_level, i, 0) for s in group_stats))
            total.bytes_per_level.append(sum(level(s.bytes_per_level, i, 0) for s in group_stats))
            total.max_partial_bytes_per_level.append(
                max(level(s.max_partial_bytes_per_level, i, 0) for s in group_stats)
            )
            total.seconds_per_level.append(
                sum(level(s.seconds_per_level, i, 0.0) for s in group_stats)
            )

    def cancel(self) -> None:
        refs = list(self.running) + self.nodes
        self.running.clear()
        self.nodes = []
        _cancel(self.ray, refs)


def _span(units: Sequence[Unit]) -> str:
    """A group's units, for the error of its merge."""
    if not units:
        return "the merge of no units"
    first, last = units[0].unit_id, units[-1].unit_id
    bucket = units[0].bucket
    where = f"the merge of units {first}-{last}" if first != last else f"the merge of unit {first}"
    return where if bucket is None else f"{where} (hash bucket {bucket + 1} of {units[0].buckets})"


def _result(ray: Any, ref: Any, where: str, retries: int) -> Any:
    """A finished task's value (``ray.get``), or its failure as a truthound error saying
    ``where`` (the unit's data, or the merge)."""
    exceptions = ray.exceptions
    try:
        return ray.get(ref)
    except exceptions.RayTaskError as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, ProfilerError):  # run_unit's own error: already names the unit
            raise cause from None
        what = f"{type(cause).__name__}: {cause}" if cause is not None else str(exc)
        raise BackendError(f"{where}: the Ray task failed: {what}") from exc
    except (exceptions.WorkerCrashedError, exceptions.NodeDiedError) as exc:
        raise BackendError(
            f"{where}: the Ray worker died (out of memory, or killed) "
            f"and {retries} retries did not complete it: {exc}"
        ) from exc
    except exceptions.RayError as exc:  # lost objects, out of memory, cancelled, ...
        raise BackendError(f"{where}: {type(exc).__name__}: {exc}") from exc


def _cancel(ray: Any, refs: Iterable[Any]) -> None:
    """Cancel tasks not yet finished (queued ones never start) and wait for the running ones,
    without fetching their results."""
    refs = list(refs)
    if not refs:
        return
    gone = (ray.exceptions.RayError, ConnectionError, RuntimeError)
    # A cluster that is gone has nothing left to cancel or wait for.
    with contextlib.suppress(*gone):
        for ref in refs:
            ray.cancel(ref)
        ray.wait(refs, num_returns=len(refs), timeout=60, fetch_local=False)
