"""The Dask backend (``pip install 'truthound[dask]'``): units of work as Dask tasks.

Files are planned on the driver (Parquet row groups from the footers, CSV byte ranges, files), and
each unit becomes one task that runs :func:`~truthound.profiler.distributed.plan.run_unit` where it
lands: the worker opens its own file (local, ``s3://``, ...) and only the partial bytes come back.
A Dask DataFrame is profiled partition by partition: each partition (a pandas DataFrame) is handed
to its unit's task, converted to Arrow there, and profiled. The partials merge through the fixed
merge tree: on the workers with a ``distributed`` cluster, on the driver with a local scheduler.

Schedulers (:class:`DaskConfig` ``scheduler``):

- ``"threads"``, ``"processes"``: Dask's local schedulers, one ``dask.compute`` per run on a driver
  thread; a scheduler callback hands each unit's bytes over as it finishes.
- ``"synchronous"``: one unit at a time on the calling thread, in unit order (for debugging).
- ``"distributed"``: the ``client`` given, else the current ``distributed.Client``, else a client
  to ``DASK_SCHEDULER_ADDRESS``, else a ``LocalCluster`` of ``num_workers`` processes (one thread
  each, ``memory_limit`` each) listening on 127.0.0.1, its dashboard on 127.0.0.1 at
  ``dashboard_address``'s port (a free port when that one is taken). Units are futures, and so
  is every node of the fixed merge tree (:mod:`truthound.profiler.merge_tree`) over them: the
  partials are merged on the workers and the driver fetches one root per group of units (per
  HASH bucket; one otherwise). Units are reported as they complete (``as_completed``), so
  progress reaches the monitor unit by unit.
- an address (``tcp://host:8786``): a client to that scheduler.

A run closes only what it started (a client it opened, a cluster it started); used as a context
manager the backend keeps them for every run inside the ``with`` block.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import queue
import socket
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from truthound.profiler.distributed.backends import UnitBackend, require_engine
from truthound.profiler.distributed.config import DaskConfig, default_num_workers
from truthound.profiler.distributed.plan import (
    Part,
    Plan,
    Unit,
    run_unit,
)
from truthound.profiler.engine_frames import dask_frame_schema as frame_schema
from truthound.profiler.engine_frames import is_dask_frame
from truthound.profiler.engine_frames import pandas_to_reader as _arrow_reader
from truthound.profiler.errors import BackendError, InvalidInputError, ProfilerError
from truthound.profiler.merge_tree import MergeStats, merge_with_tree

__all__ = ["SCHEDULER_ENV", "DaskBackend", "DaskPartitionPart"]

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
LOCAL_HOST = "127.0.0.1"
# How long a run waits for the first worker of a cluster it connects to. (How long it tries to
# reach the scheduler is Dask's ``distributed.comm.timeouts.connect``, 30 s by default.)
WORKER_WAIT_S = 60
# Rows read on the driver to type the ``object`` columns of a Dask DataFrame.

log = logging.getLogger(__name__)


class DaskBackend(UnitBackend):
    """Runs units as Dask tasks.

    Parameters
    ----------
    config
        Scheduler and cluster settings (``DaskConfig()`` defaults: the threads scheduler).
    client
        A ``distributed.Client`` to use as is (never closed here).

    Examples
    --------
    >>> import pyarrow as pa
    >>> backend = DaskBackend(DaskConfig(scheduler="threads", num_workers=2))
    >>> profile = backend.profile(pa.table({"x": [1, 2, 2]}), num_partitions=2)
    >>> profile.row_count, profile["x"].distinct_count, profile.unit_count
    (3, 2, 2)
    """

    name = "dask"
    config_class = DaskConfig

    def __init__(self, config: DaskConfig | None = None, client: Any = None):
        require_engine("dask", "dask", "Dask")
        self.config = config or DaskConfig()
        self.client = client
        if self.is_distributed:
            require_engine("distributed", "dask", "Dask distributed")
        self._held: contextlib.ExitStack | None = None
        self._held_client: Any = None
        #: What the last run's merge tree moved on the cluster (None: not run there).
        self.merge_stats: MergeStats | None = None

    @property
    def is_distributed(self) -> bool:
        """True when units run on a ``distributed`` cluster (not a local scheduler)."""
        return (
            self.client is not None
            or self.config.scheduler == "distributed"
            or "://" in self.config.scheduler
        )

    @property
    def address(self) -> str | None:
        """The scheduler to connect to: an address given as ``scheduler``, else the environment."""
        if "://" in self.config.scheduler:
            return self.config.scheduler
        return os.environ.get(SCHEDULER_ENV) or None

    # -- running units ---------------------------------------------------------------------------

    def map_units(self, units: Sequence[Unit]) -> Iterator[tuple[int, bytes]]:
        if not units:
            return
        if self.is_distributed:
            with self._client() as client:
                yield from _run_distributed(client, units)
        elif self.config.scheduler == "synchronous":
            yield from _run_synchronous(units)
        else:
            workers = self.config.num_workers or default_num_workers()
            yield from _run_local(units, self.config.scheduler, workers)

    def reduce_units(
        self, groups: Sequence[Sequence[Unit]], fan_in: int, monitor: Any = None
    ) -> list[bytes] | None:
        """On a ``distributed`` cluster: run the units and each group's merge tree as futures, so
        every node, the roots included, runs on the workers; return the roots (one partial per
        group reaches the driver). Each unit is reported to ``monitor`` as its future finishes;
        its partial is never fetched. ``self.merge_stats`` records the levels and what the driver
        received.

        None on the local schedulers (and for an empty group): their workers share the driver's
        machine, so the driver merges what :meth:`map_units` yields, through the same tree.

        Examples
        --------
        >>> backend = DaskBackend(DaskConfig(scheduler="threads"))
        >>> backend.reduce_units([[]], fan_in=2) is None
        True
        """
        self.merge_stats = None
        if not self.is_distributed or not groups or not all(groups):
            return None
        with self._client() as client:
            roots, self.merge_stats = _reduce_distributed(client, groups, fan_in, monitor)
        return roots

    @property
    def held_client(self) -> Any:
        """The client kept for every run inside ``with backend:`` (None outside)."""
        return self._held_client

    def __enter__(self) -> DaskBackend:
        """Keep the client (and the cluster, if this backend starts one) for every run until
        ``__exit__``."""
        if self.is_distributed and self._held is None:
            stack = contextlib.ExitStack()
            self._held_client = stack.enter_context(self._client())
            self._held = stack
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the client and cluster this backend started in ``__enter__`` (nothing else)."""
        held, self._held, self._held_client = self._held, None, None
        if held is not None:
            held.close()

    @contextlib.contextmanager
    def _client(self) -> Iterator[Any]:
        """The client of one run: given, held, current, from an address, or a new LocalCluster's.
        Closes on exit only what it opened."""
        if self.client is not None:
            yield self.client
            return
        if self._held_client is not None:
            yield self._held_client
            return
        import distributed

        if "://" not in self.config.scheduler:
            try:
                current = distributed.default_client()
            except ValueError:  # no client in this process
                current = None
            if current is not None:
                yield current
                return
        with contextlib.ExitStack() as stack:
            address = self.address
            if address:
                client = _connect(distributed, address)
            else:
                cluster = _local_cluster(distributed, self.config)
                stack.callback(cluster.close)
                client = distributed.Client(cluster, set_as_default=False)
            stack.callback(client.close)
            _wait_for_workers(client, address or "the local cluster")
            yield client

    # -- Dask DataFrames ---------------------------------------------------------------------------

    def plan_native(
        self,
        frame: Any,
        partitioner: Any = None,
        settings: Any = None,
        columns: Sequence[str] | None = None,
    ) -> Plan | None:
        """The plan of a Dask DataFrame (None for anything else): its partitions (repartitioned
        when the partitioner asks for a number of row parts) x the partitioner's column groups or
        hash buckets.

        The schema is the Arrow form of the frame's ``meta``; each partition is converted to it,
        so every unit agrees on the types (a partition that does not fit is an error naming it).
        """
        if not is_dask_frame(frame):
            return None
        return plan_frame(frame, partitioner, settings, columns)

    def __repr__(self) -> str:
        return f"DaskBackend(scheduler={self.config.scheduler!r})"


# -- clusters ----------------------------------------------------------------------------------------


def _connect(distributed: Any, address: str) -> Any:
    try:
        return distributed.Client(address, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        where = f" (from {SCHEDULER_ENV})" if os.environ.get(SCHEDULER_ENV) == address else ""
        raise BackendError(
            f"cannot connect to the Dask scheduler at {address}{where}: {exc}"
        ) from None


def _local_cluster(distributed: Any, config: DaskConfig) -> Any:
    """A LocalCluster of worker processes on 127.0.0.1."""
    dashboard = dashboard_address(config.dashboard_address)
    # Without a dashboard the scheduler still serves /health and /metrics, by default on port
    # 8787 (a warning, then another port, when that one is taken): put them on a free port.
    http = {} if dashboard else {"dashboard_address": f"{LOCAL_HOST}:0"}
    try:
        return distributed.LocalCluster(
            n_workers=config.num_workers or default_num_workers(),
            threads_per_worker=1,
            processes=True,
            memory_limit=config.memory_limit,
            host=LOCAL_HOST,
            dashboard_address=dashboard,
            scheduler_kwargs=http,
        )
    except ValueError as exc:  # a memory_limit Dask cannot parse, ...
        raise InvalidInputError(f"cannot start a Dask LocalCluster: {exc}") from None
    except RuntimeError as exc:  # "Cluster failed to start: ..."
        raise BackendError(f"cannot start a Dask LocalCluster: {exc}") from None


def _wait_for_workers(client: Any, where: str) -> None:
    if client.scheduler_info().get("workers"):
        return
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_S)
    except TimeoutError:
        raise BackendError(f"no Dask worker joined {where} within {WORKER_WAIT_S} s") from None


def dashboard_address(value: str | None) -> str | None:
    """Where a LocalCluster's dashboard listens: ``":8787"`` means 127.0.0.1:8787 (never every
    interface unless a host is named); a port already taken becomes a free one; None or ``""``
    turns the dashboard off.

    Examples
    --------
    >>> dashboard_address(None) is None
    True
    >>> dashboard_address("0.0.0.0:0")
    '0.0.0.0:0'
    """
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    host, _, port_text = text.rpartition(":")
    if not port_text.isdigit():
        raise InvalidInputError(f"dashboard_address must be ':PORT' or 'HOST:PORT', got {value!r}")
    host = host.strip("[]") or LOCAL_HOST
    port = int(port_text)
    if port and not _port_free(host, port):
        log.info("dashboard port %d on %s is taken; using a free port", port, host)
        port = 0
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the dashboard binds
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


# -- runners -----------------------------------------------------------------------------------------


def _run(unit: Unit) -> tuple[int, bytes]:
    """``run_unit`` on a worker; an unexpected error still names the unit's data."""
    try:
        return run_unit(unit)
    except ProfilerError:
        raise
    except Exception as exc:
        raise BackendError(f"{unit.where}: {type(exc).__name__}: {exc}") from exc


def _run_partition(partition: Any, unit: Unit) -> tuple[int, bytes]:
    """A Dask DataFrame unit: ``partition`` is the computed pandas DataFrame."""
    return _run(replace(unit, part=_PandasPart(partition, unit.part.label)))


def _for_worker(unit: Unit) -> bytes:
    """The unit as sent to another process: pickled here, once, so the scheduler passes it on
    as opaque bytes (a pyarrow Parquet fragment re-reads its file's footer each time it is
    pickled, which the scheduler may not be able to do). Parts pickle as what a worker needs
    (absolute paths, ordered row groups, only a slice's rows: see ``plan``)."""
    return pickle.dumps(unit, protocol=pickle.HIGHEST_PROTOCOL)


def _run_pickled(blob: bytes) -> tuple[int, bytes]:
    return _run(pickle.loads(blob))


def _tasks(units: Sequence[Unit], token: str, ship: bool) -> tuple[dict[int, Any], list[Unit]]:
    """One Dask delayed per unit that can leave the driver (by unit id), and the units that
    cannot."""
    import dask

    tasks: dict[int, Any] = {}
    on_driver: list[Unit] = []
    partitions: dict[int, list[Any]] = {}
    for unit in units:
        key = f"truthound-unit-{token}-{unit.unit_id}"
        part = unit.part
        if isinstance(part, DaskPartitionPart):
            delayed_parts = partitions.get(id(part.frame))
            if delayed_parts is None:
                delayed_parts = partitions[id(part.frame)] = _partition_tasks(part.frame, units)
            stub = replace(unit, part=_PandasPart(None, part.label))
            tasks[unit.unit_id] = dask.delayed(_run_partition, pure=False)(
                delayed_parts[part.index], stub, dask_key_name=key
            )
        elif part.shippable and ship:
            tasks[unit.unit_id] = dask.delayed(_run_pickled, pure=False)(
                _for_worker(unit), dask_key_name=key
            )
        elif part.shippable:
            tasks[unit.unit_id] = dask.delayed(_run, pure=False)(unit, dask_key_name=key)
        else:
            on_driver.append(unit)
    return tasks, on_driver


def _partition_tasks(frame: Any, units: Sequence[Unit]) -> list[Any]:
    """The frame's partitions as delayed objects, projected to the columns the units read."""
    needed: set[str] = set()
    for unit in units:
        if isinstance(unit.part, DaskPartitionPart) and unit.part.frame is frame:
            if unit.columns is None:
                break
            needed.update(unit.columns, unit.key_columns or unit.schema.names)
    else:
        frame = frame[[c for c in frame.columns if str(c) in needed]]
    return list(frame.to_delayed())


def _run_synchronous(units: Sequence[Unit]) -> Iterator[tuple[int, bytes]]:
    """One unit at a time on this thread, in unit order, through Dask's synchronous scheduler."""
    import dask

    tasks, _ = _tasks(units, uuid.uuid4().hex[:8], ship=False)
    for unit in units:
        task = tasks.pop(unit.unit_id, None)
        if task is None:
            yield run_unit(unit)
        else:
            (result,) = dask.compute(task, scheduler="synchronous")
            yield result


class _Stop(Exception):
    """Raised in a scheduler callback to stop a local Dask run early."""


_DONE = object()


def _run_local(units: Sequence[Unit], scheduler: str, workers: int) -> Iterator[tuple[int, bytes]]:
    """One ``dask.compute`` of every unit on a driver thread; each unit's result is handed over
    from the scheduler's post-task callback as soon as it finishes. Closing the generator stops
    the run before its next task starts (running tasks finish)."""
    import dask

    by_id, on_driver = _tasks(units, uuid.uuid4().hex[:8], ship=scheduler == "processes")
    tasks = list(by_id.values())
    keys = {t.key for t in tasks}
    results: queue.SimpleQueue = queue.SimpleQueue()
    stop = threading.Event()

    def pretask(key, dsk, state):
        if stop.is_set():
            raise _Stop()

    def posttask(key, result, dsk, state, worker_id):
        if key in keys:
            results.put(result)

    def compute() -> None:
        try:
            dask.compute(
                *tasks,
                scheduler=scheduler,
                num_workers=workers,
                chunksize=1,  # one task per hand-out: units are large and uneven
                callbacks=[(None, None, pretask, posttask, None)],
            )
        except BaseException as exc:  # handed to the driver thread, raised there
            results.put(exc)
        else:
            results.put(_DONE)

    thread = threading.Thread(target=compute, name="truthound-dask", daemon=True)
    if tasks:
        thread.start()
    try:
        for unit in on_driver:
            yield run_unit(unit)
        for _ in range(len(tasks)):
            item = results.get()
            if item is _DONE:
                raise BackendError("a Dask run ended before every unit returned its partial")
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        if thread.is_alive():
            thread.join()


def _submit(client: Any, units: Sequence[Unit], token: str) -> tuple[dict[Any, Unit], list[Unit]]:
    """Every unit that can leave the driver as a future on ``client``'s cluster (by future), and
    the units only the driver can run. If submitting fails, what was submitted is cancelled."""
    by_key = {f"truthound-unit-{token}-{u.unit_id}": u for u in units}
    plain = [u for u in units if not isinstance(u.part, DaskPartitionPart) and u.part.shippable]
    frame_units = [u for u in units if isinstance(u.part, DaskPartitionPart)]
    on_driver = [
        u for u in units if not isinstance(u.part, DaskPartitionPart) and not u.part.shippable
    ]
    futures: dict[Any, Unit] = {}
    try:
        for unit in plain:
            # Earlier units first, so partials reach the merge roughly in order.
            future = client.submit(
                _run_pickled,
                _for_worker(unit),
                key=f"truthound-unit-{token}-{unit.unit_id}",
                priority=-unit.unit_id,
                pure=False,
            )
            futures[future] = unit
        if frame_units:
            tasks, _ = _tasks(frame_units, token, ship=True)
            for future in client.compute(list(tasks.values())):
                futures[future] = by_key[future.key]
    except BaseException:
        if futures:
            client.cancel(list(futures), force=True)
        raise
    return futures, on_driver


def _run_distributed(client: Any, units: Sequence[Unit]) -> Iterator[tuple[int, bytes]]:
    """Units as futures on ``client``'s cluster, taken as they complete. On the first failure
    (or when the consumer stops) every future not yet taken is cancelled."""
    from distributed import as_completed

    futures, on_driver = _submit(client, units, uuid.uuid4().hex[:8])
    try:
        for unit in on_driver:
            yield run_unit(unit)
        for future in as_completed(list(futures), loop=client.loop):
            unit = futures[future]
            if future.status != "finished":
                raise _failure(unit.where, future)
            result = future.result()
            del futures[future]
            future.release()
            yield result
    finally:
        if futures:
            client.cancel(list(futures), force=True)


@dataclass(frozen=True)
class _Node:
    """A value of the merge tree as the driver holds it: a future on the cluster (a unit's
    ``(unit_id, bytes)`` or a node's bytes), or the bytes of a unit the driver ran, and the first
    and last unit ids it covers (for task keys and error messages)."""

    value: Any
    first: int
    last: int


def _merge_node(*children: tuple[int, bytes] | bytes) -> bytes:
    """One node of the merge tree, on a worker: its children's partials (a unit's
    ``(unit_id, bytes)``, a node's bytes) merged by ``_core.merge_group``."""
    from truthound import _core

    return _core.merge_group([c[1] if isinstance(c, tuple) else c for c in children])


def _reduce_distributed(
    client: Any, groups: Sequence[Sequence[Unit]], fan_in: int, monitor: Any
) -> tuple[list[bytes], MergeStats]:
    """Each group's units and merge tree as futures on ``client``'s cluster; only the roots are
    fetched. See :meth:`DaskBackend.reduce_units`."""
    from distributed import as_completed

    started = time.perf_counter()
    token = uuid.uuid4().hex[:8]

    def merge_fn(children: list[_Node]) -> _Node:
        first, last = children[0].first, children[-1].last
        future = client.submit(
            _merge_node,
            *[c.value for c in children],
            key=f"truthound-merge-{token}-{first}-{last}",
            priority=1,  # ahead of the units: a node frees its children's partials
            pure=False,
        )
        return _Node(future, first, last)

    futures, on_driver = _submit(client, [u for group in groups for u in group], token)
    roots: list[_Node] = []
    try:
        leaves = {u.unit_id: _Node(f, u.unit_id, u.unit_id) for f, u in futures.items()}
        for unit in on_driver:
            unit_id, blob = run_unit(unit)
            leaves[unit_id] = _Node(blob, unit_id, unit_id)  # sent with the node that merges it
            if monitor is not None:
                monitor.partition_complete(unit_id)
        trees: list[MergeStats] = []
        for group in groups:
            trees.append(MergeStats())
            roots.append(
                merge_with_tree([leaves[u.unit_id] for u in group], fan_in, merge_fn, trees[-1])
            )
        del leaves
        # Progress unit by unit; a unit's partial stays on its worker until its parent merges it.
        for future in as_completed(list(futures), loop=client.loop):
            unit = futures[future]
            if future.status != "finished":
                raise _failure(unit.where, future)
            del futures[future]
            future.release()
            if monitor is not None:
                monitor.partition_complete(unit.unit_id)
        by_future = {root.value: root for root in roots}
        for future in as_completed(list(by_future), loop=client.loop):
            if future.status != "finished":
                root = by_future[future]
                raise _failure(f"merge of units {root.first}-{root.last}", future)
        merged: list[bytes] = client.gather([root.value for root in roots])
    finally:
        pending = [*futures, *(root.value for root in roots)]
        if pending:
            client.cancel(pending, force=True)
    return merged, _tree_stats(trees, fan_in, merged, time.perf_counter() - started)


def _tree_stats(
    trees: Sequence[MergeStats], fan_in: int, received: Sequence[bytes], seconds: float
) -> MergeStats:
    """The groups' trees as one record, level by level, and what the driver fetched: the roots.
    The levels' bytes stay on the cluster (recorded as 0)."""
    depth = max(len(t.nodes_per_level) for t in trees)

    def summed(name: str) -> list[Any]:
        return [
            sum(getattr(t, name)[lv] for t in trees if lv < len(getattr(t, name)))
            for lv in range(depth)
        ]

    stats = MergeStats(fan_in=fan_in, leaves=sum(t.leaves for t in trees))
    stats.nodes_per_level = summed("nodes_per_level")
    stats.inputs_per_level = summed("inputs_per_level")
    stats.bytes_per_level = summed("bytes_per_level")
    stats.max_partial_bytes_per_level = [0] * depth
    stats.seconds_per_level = summed("seconds_per_level")
    stats.partials_received_by_driver = len(received)
    stats.bytes_received_by_driver = stats.result_bytes = sum(len(b) for b in received)
    stats.seconds = seconds
    return stats


def _failure(where: str, future: Any) -> BaseException:
    """The error of a future, naming the data it worked on (``where``)."""
    if future.status == "cancelled":
        return BackendError(f"{where}: the Dask task was cancelled (the client closed?)")
    exc = future.exception()
    if isinstance(exc, ProfilerError):
        return exc
    if type(exc).__name__ == "KilledWorker":
        return BackendError(
            f"{where}: Dask workers died while running this task (out of memory, or killed) "
            f"and the scheduler gave up: {exc}"
        )
    if isinstance(exc, (ImportError, AttributeError)) and "truthound" in str(exc):
        return BackendError(
            f"{where}: a Dask worker cannot run truthound ({exc}): install the same "
            "truthound version on every worker"
        )
    return BackendError(f"{where}: {type(exc).__name__}: {exc}")


# -- Dask DataFrames -------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DaskPartitionPart(Part):
    """Partition ``index`` of a Dask DataFrame. The Dask backend hands the computed partition to
    the unit's task; elsewhere (the local backend) it is computed on the driver."""

    frame: Any  # dask.dataframe.DataFrame
    index: int
    label: str
    shippable = False

    def open(self, columns, schema):
        return _arrow_reader(self.frame.get_partition(self.index).compute(), schema, columns)


@dataclass(frozen=True, eq=False)
class _PandasPart(Part):
    """A computed partition (a pandas DataFrame) on the worker that profiles it."""

    frame: Any
    label: str

    def open(self, columns, schema):
        return _arrow_reader(self.frame, schema, columns)


def plan_frame(
    frame: Any, partitioner: Any = None, settings: Any = None, columns: Sequence[str] | None = None
) -> Plan:
    """See :meth:`DaskBackend.plan_native`."""
    from truthound.profiler.distributed.partitioners import (
        ColumnBasedPartitioner,
        HashPartitioner,
        HybridPartitioner,
        RowBasedPartitioner,
        cross_units,
        schema_column_groups,
        selected_columns,
    )
    from truthound.profiler.errors import UnsupportedError
    from truthound.profiler.settings import ProfileSettings

    partitioner = partitioner or RowBasedPartitioner()
    settings = settings or ProfileSettings()
    if frame.ndim == 1:  # a Series
        frame = frame.to_frame()
    description = "dask.DataFrame"
    schema = frame_schema(frame)
    selected = selected_columns(schema, columns, description)
    options = settings.unit_options()
    rows = None
    if isinstance(partitioner, RowBasedPartitioner):
        rows = partitioner.num_partitions
    elif isinstance(partitioner, HybridPartitioner):
        rows = partitioner.row_partitions
    if rows is not None and rows != frame.npartitions:
        frame = frame.repartition(npartitions=rows)
    n = frame.npartitions
    parts = [DaskPartitionPart(frame, i, f"{description} partition {i} of {n}") for i in range(n)]

    if isinstance(partitioner, RowBasedPartitioner):
        units = cross_units(parts, [selected or tuple(schema.names)], schema, options)
    elif isinstance(partitioner, (ColumnBasedPartitioner, HybridPartitioner)):
        count = (
            partitioner.num_groups
            if isinstance(partitioner, ColumnBasedPartitioner)
            else partitioner.column_partitions
        )
        groups = schema_column_groups(schema, selected or schema.names, count)
        units = cross_units(parts, groups, schema, options)
    elif isinstance(partitioner, HashPartitioner):
        units = partitioner.units_over(parts, schema, selected, options, description)
    else:
        raise UnsupportedError(
            f"{type(partitioner).__name__} cannot plan a Dask DataFrame; use a row_based, "
            "column_based, hybrid or hash strategy"
        )
    return Plan(
        units=tuple(units),
        strategy=partitioner.strategy.value,
        description=description,
        schema=schema,
        buckets=partitioner.buckets,
    )
