"""The execution stage every backend runs under: a backend only schedules.

A backend implements :class:`Backend` -- ``submit(unit) -> handle``, ``merge(handles) -> handle``,
``fetch(handle) -> bytes``, ``wait(handles) -> done``, ``cancel(handles)`` and ``session()`` --
and :func:`execute` does the rest, once for every engine:

* **the split** between units a worker can read (``unit.part.readable_by(backend.name)``) and
  units only the driver can read (a stream, an engine frame of another engine): the latter run here
  and enter the tree as bytes;
* **the in-flight window**: at most ``window`` units are submitted and not yet finished;
* **the merge tree over handles**, in the C++ tree's order (``TreeMerger``): runs of ``fan_in``
  consecutive units, level by level, a one-child node being its child. Each node is
  ``backend.merge(children)``, so with futures or object refs every node runs on the cluster and
  the driver fetches one root per bucket; a HASH plan's bucket roots are merged by
  ``_core.merge_buckets``, which sums their duplicate rows;
* **progress**: each finished unit is reported to the monitor;
* **errors**: whatever an engine raises is mapped to one :class:`~truthound.profiler.errors`
  exception naming the data (:func:`map_error`); what was submitted is cancelled;
* **retries**: a unit whose worker died is run again ``Backend.retries`` times by the engine's
  own mechanism (default :data:`RETRIES`), and the error says how many were tried.

A handle is whatever the backend likes (a future, an object ref, a lazy description); a merge's
children may also be ``bytes`` (a partial the driver computed).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ContextManager, Protocol, runtime_checkable

from truthound import _core
from truthound.profiler.distributed.plan import Plan, Unit, run_unit
from truthound.profiler.errors import BackendError, ProfilerError
from truthound.profiler.finish import BucketDuplicates
from truthound.profiler.merge_tree import MergeStats

__all__ = [
    "RETRIES",
    "Backend",
    "UnitFailed",
    "execute",
    "map_error",
    "merge_node",
    "no_session",
    "run_task",
]

#: How many times an engine runs a unit again when its worker died (engine-native retries).
RETRIES = 2

Handle = Any


@runtime_checkable
class Backend(Protocol):
    """What a backend supplies; everything else is the execution stage's."""

    name: str
    #: Units the engine runs at once; the stage keeps twice as many in flight.
    parallelism: int
    #: Times the engine runs a unit again when its worker dies (its own mechanism does it).
    retries: int

    def submit(self, unit: Unit) -> Handle:
        """Start ``run_task(unit)`` where the unit's data can be read; return its handle."""
        ...

    def merge(self, handles: Sequence[Handle | bytes]) -> Handle:
        """Start one node of the merge tree: ``merge_node`` of the children, on the cluster."""
        ...

    def fetch(self, handle: Handle) -> bytes:
        """The bytes behind ``handle`` (waits; raises the task's error)."""
        ...

    def wait(self, handles: Sequence[Handle]) -> Sequence[Handle]:
        """Block until at least one of ``handles`` (units) has finished; return those, or raise
        :class:`UnitFailed` for one that failed."""
        ...

    def cancel(self, handles: Sequence[Handle]) -> None:
        """Stop what has not finished; never raises."""
        ...

    def session(self) -> ContextManager[Any]:
        """Start or attach to the engine for one run; stop on exit only what it started."""
        ...


class UnitFailed(Exception):
    """Raised by ``Backend.wait`` for a unit that failed: its handle and the engine's error, so
    the stage can name the unit's data."""

    def __init__(self, handle: Any, cause: BaseException):
        super().__init__(str(cause))
        self.handle = handle
        self.cause = cause


def run_task(unit: Unit) -> bytes:
    """A unit on a worker: its partial bytes; an unexpected error still names the unit's data."""
    try:
        return run_unit(unit)[1]
    except ProfilerError:
        raise
    except Exception as exc:
        raise BackendError(f"{unit.where}: {type(exc).__name__}: {exc}") from exc


def merge_node(*children: bytes) -> bytes:
    """One node of the merge tree on a worker: the streaming fold of its children, in unit order."""
    return _core.merge_group(list(children))


def map_error(exc: BaseException, where: str, engine: str, retries: int = RETRIES) -> BaseException:
    """An engine's exception as the profiler's: the unit's own error when the engine wrapped it
    (Ray's ``RayTaskError``, a Py4J/Spark traceback), else a :class:`BackendError` naming
    ``where`` and saying what happened to the worker."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        inner = getattr(cause, "cause", None)  # Ray's RayTaskError(InvalidInputError) wraps one
        if isinstance(cause, ProfilerError) and not isinstance(inner, BaseException):
            return cause
        cause = inner if isinstance(inner, BaseException) else cause.__cause__
    kind = type(exc).__name__
    text = str(exc)
    if kind in ("KilledWorker", "WorkerCrashedError", "BrokenProcessPool", "NodeDiedError") or (
        "died" in text.lower() and "worker" in text.lower()
    ):
        return BackendError(
            f"{where}: a {engine} worker died while running this task (out of memory, or "
            f"killed) and {retries} retries did not complete it: {kind}: {text}"
        )
    if isinstance(exc, (ImportError, AttributeError)) and "truthound" in text:
        return BackendError(
            f"{where}: a {engine} worker cannot run truthound ({exc}): install the same "
            "truthound version on every worker"
        )
    if isinstance(exc, BackendError):
        return exc
    return BackendError(f"{where}: {engine} failed: {kind}: {text}")


class _Tree:
    """The C++ ``TreeMerger`` over handles: one open node per level; a node that reaches
    ``fan_in`` children is merged at once (``backend.merge``) and becomes a child of the level
    above. The same shape as ``_core.merge_tree``, so the same bytes."""

    def __init__(self, merge: Callable[[list[Any]], Any], fan_in: int):
        self._merge = merge
        self._fan_in = fan_in
        self._open: list[list[Any]] = []
        self.nodes_per_level: list[int] = []

    def add(self, handle: Any, level: int = 0) -> None:
        if len(self._open) <= level:
            self._open.append([])
            self.nodes_per_level.append(0)
        node = self._open[level]
        if not node:
            self.nodes_per_level[level] += 1
        node.append(handle)
        if len(node) == self._fan_in:
            self._close(level)

    def _close(self, level: int) -> None:
        children, self._open[level] = self._open[level], []
        # A one-child node is its child: a partial's bytes survive a round trip unchanged.
        self.add(children[0] if len(children) == 1 else self._merge(children), level + 1)

    def pending(self) -> list[Any]:
        """The handles the tree holds (for cancelling)."""
        return [h for node in self._open for h in node]

    def root(self) -> Any:
        """Closes the open nodes bottom up, as ``TreeMerger::finish``, and returns the root."""
        if not self._open:
            raise BackendError("nothing to merge: the plan has no units")
        level = 0
        while level + 1 < len(self._open):
            if self._open[level]:
                self._close(level)
            level += 1
        top, self._open = self._open[level], []
        if len(top) == 1:  # the level below had one node (or there is one unit)
            if level > 0:
                self.nodes_per_level.pop()
            return top[0]
        return self._merge(top)


def execute(
    backend: Backend,
    plan: Plan,
    fan_in: int,
    monitor: Any = None,
    stats: MergeStats | None = None,
    first: Sequence[Unit] = (),
) -> tuple[bytes, BucketDuplicates | None]:
    """Run ``plan`` on ``backend``: every unit, each bucket's merge tree over the handles, the
    buckets' roots fetched and merged. Returns the plan's partial and, under HASH, the
    duplicate rows summed over the buckets (``_core.merge_buckets``). ``stats``, when given,
    records the trees' levels (summed over buckets) and what the driver fetched. ``first``: a few
    units to start before the others (a cache's misses); the tree still takes them in unit order."""
    started = time.perf_counter()
    engine = backend.name
    per_bucket = max(1, len(plan) // max(plan.buckets, 1))
    in_flight: dict[Any, Unit] = {}
    trees: list[_Tree] = []
    roots: list[Any] = []
    levels: list[tuple[int, list[int]]] = []

    def settle(until: int) -> None:
        while len(in_flight) > until:
            try:
                done = backend.wait(list(in_flight))
            except UnitFailed as failed:
                unit = in_flight.get(failed.handle)
                where = unit.where if unit is not None else plan.description
                raise map_error(failed.cause, where, engine, backend.retries) from failed.cause
            for handle in done:
                unit = in_flight.pop(handle)
                if monitor is not None:
                    monitor.partition_complete(unit.unit_id)

    with backend.session():
        window = max(2, 2 * int(backend.parallelism or 1))  # known once the engine is up
        early: dict[int, Any] = {}
        try:
            for unit in first:
                if unit.part.readable_by(engine):
                    early[unit.unit_id] = backend.submit(unit)
                    in_flight[early[unit.unit_id]] = unit
            for start in range(0, len(plan), per_bucket):
                trees.append(_Tree(backend.merge, fan_in))
                for unit in plan.units[start : start + per_bucket]:
                    if unit.unit_id in early:  # started already; its place in the tree is here
                        trees[-1].add(early.pop(unit.unit_id))
                    elif unit.part.readable_by(engine):
                        settle(window - 1)
                        in_flight[backend.submit(unit)] = unit
                        trees[-1].add(next(reversed(in_flight)))
                    else:  # only the driver can read it: run here, enter the tree as bytes
                        trees[-1].add(run_task(unit))
                        if monitor is not None:
                            monitor.partition_complete(unit.unit_id)
                roots.append(trees[-1].root())
                levels.append((len(plan.units[start : start + per_bucket]), trees[-1].nodes_per_level))
                trees.pop()
            settle(0)
            blobs = [r if isinstance(r, bytes) else backend.fetch(r) for r in roots]
        except BaseException as exc:
            pending = [*in_flight, *early.values(), *roots, *(h for t in trees for h in t.pending())]
            unit = next(iter(in_flight.values()), None)
            where = unit.where if unit is not None else plan.description
            backend.cancel([h for h in pending if not isinstance(h, bytes)])
            # Drop every handle: an engine keeps a result while its handle lives (and the
            # traceback keeps this frame).
            del pending
            in_flight.clear()
            early.clear()
            roots.clear()
            trees.clear()
            if isinstance(exc, (KeyboardInterrupt, GeneratorExit)):
                raise
            mapped = map_error(exc, where, engine, backend.retries)
            if mapped is exc:
                raise
            # The unit's own error unwrapped from the engine's (it names the data), or a new one.
            raise mapped from (None if mapped.__traceback__ is not None else exc)
    if stats is not None:
        _record(stats, fan_in, levels, blobs, time.perf_counter() - started)
    if len(blobs) == 1:
        return blobs[0], None
    merged, count, exact, error = _core.merge_buckets(blobs)
    return merged, None if count is None else BucketDuplicates(count, exact, error)


def _record(
    stats: MergeStats, fan_in: int, levels: list[tuple[int, list[int]]], roots: list[bytes], seconds: float
) -> None:
    depth = max(len(nodes) for _, nodes in levels)
    stats.fan_in, stats.leaves = fan_in, sum(leaves for leaves, _ in levels)
    stats.nodes_per_level = [sum(n[i] for _, n in levels if i < len(n)) for i in range(depth)]
    stats.inputs_per_level = [
        sum((leaves if i == 0 else n[i - 1]) for leaves, n in levels if i < len(n))
        for i in range(depth)
    ]
    stats.bytes_per_level = [0] * depth  # handles: the bytes stay where the engine keeps them
    stats.max_partial_bytes_per_level = [0] * depth
    stats.seconds_per_level = [0.0] * depth
    stats.partials_received_by_driver = len(roots)
    stats.bytes_received_by_driver = stats.result_bytes = sum(map(len, roots))
    stats.seconds = seconds


@contextlib.contextmanager
def no_session() -> Iterator[None]:
    """A session that starts nothing (for backends without an engine to start)."""
    yield None
