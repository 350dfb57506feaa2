"""The execution stage (``execution.execute``) every backend runs under: the merge tree over
handles in the C++ tree's order, the in-flight window, the driver-only split, progress, errors."""

from __future__ import annotations

import contextlib

import pyarrow as pa
import pytest

from truthound import _core
from truthound.profiler.distributed import DistributedMonitor, DistributedProfiler
from truthound.profiler.distributed.execution import (
    Backend,
    _Tree,
    execute,
    map_error,
    merge_node,
    run_task,
)
from truthound.profiler.distributed.partitioners import HashPartitioner, RowBasedPartitioner
from truthound.profiler.errors import BackendError, InvalidInputError
from truthound.profiler.settings import ProfileSettings


class Lazy:
    """A handle that runs when fetched (like a Spark stage): the stage must not care."""

    def __init__(self, run):
        self.run = run
        self.value = None

    def get(self):
        if self.value is None:
            self.value = self.run()
        return self.value


class InlineBackend:
    """Runs each unit when it is first waited for or fetched; records the largest window."""

    name = "inline"
    parallelism = 2
    retries = 0

    def __init__(self, fail_unit: int | None = None):
        self.fail_unit = fail_unit
        self.running: set = set()
        self.most_in_flight = 0
        self.cancelled: list = []
        self.sessions = 0

    @contextlib.contextmanager
    def session(self):
        self.sessions += 1
        yield

    def submit(self, unit):
        def run():
            if unit.unit_id == self.fail_unit:
                raise RuntimeError("the worker lost its disk")
            return run_task(unit)

        handle = Lazy(run)
        self.running.add(handle)
        self.most_in_flight = max(self.most_in_flight, len(self.running))
        return handle

    def merge(self, handles):
        return Lazy(lambda: merge_node(*(self.fetch(h) for h in handles)))

    def fetch(self, handle):
        return handle if isinstance(handle, bytes) else handle.get()

    def wait(self, handles):
        first = handles[0]
        first.get()
        self.running.discard(first)
        return [first]

    def cancel(self, handles):
        self.cancelled.extend(handles)


def test_a_backend_is_the_protocol():
    assert isinstance(InlineBackend(), Backend)


@pytest.mark.parametrize("leaves,fan_in", [(1, 2), (2, 2), (7, 2), (8, 2), (9, 2), (64, 4), (65, 4)])
def test_the_tree_over_handles_is_the_cpp_tree(leaves, fan_in):
    blobs = [_core.profile(pa.table({"x": [u, u * 3.5]}), unit_id=u) for u in range(leaves)]
    tree = _Tree(lambda children: _core.merge_group(children), fan_in)
    for blob in blobs:
        tree.add(blob)
    assert tree.root() == _core.merge_tree(blobs, fan_in=fan_in)
    assert tree.nodes_per_level == list(_core.merge_tree_levels(leaves, fan_in))[: len(tree.nodes_per_level)]


def _table(n=3_000):
    return pa.table({"k": [i % 50 for i in range(n)], "s": [str(i % 7) for i in range(n)]})


def test_execute_gives_the_local_bytes_and_keeps_its_window():
    table = _table()
    plan = RowBasedPartitioner(12).plan(table)
    backend = InlineBackend()
    monitor = DistributedMonitor()
    monitor.start(len(plan))
    merged, duplicates = execute(backend, plan, 4, monitor)
    blobs = [run_task(u) for u in plan]
    assert merged == _core.merge_tree(blobs, fan_in=4)
    assert duplicates is None
    assert backend.most_in_flight <= 2 * backend.parallelism
    assert monitor.completed == 12 and backend.sessions == 1


def test_hash_buckets_sum_their_duplicates():
    table = _table()
    profiler = DistributedProfiler(InlineBackend(), HashPartitioner(3), settings=ProfileSettings())
    profile = profiler.profile(table)
    whole = DistributedProfiler.create(backend="local", num_partitions=1).profile(table)
    assert profile.duplicate_row_count == whole.duplicate_row_count == 3_000 - 350
    assert profile.duplicate_row_count_is_exact


def test_units_only_the_driver_reads_run_on_the_driver():
    reader = pa.RecordBatchReader.from_batches(_table().schema, _table().to_batches())
    backend = InlineBackend()
    profile = DistributedProfiler(backend, RowBasedPartitioner()).profile(reader)
    assert profile.row_count == 3_000 and backend.most_in_flight == 0


def test_a_failure_is_mapped_names_the_data_and_cancels():
    backend = InlineBackend(fail_unit=5)
    with pytest.raises(BackendError, match=r"rows .*RuntimeError: the worker lost its disk"):
        DistributedProfiler(backend, RowBasedPartitioner(8)).profile(_table())
    assert backend.cancelled


def test_map_error_unwraps_the_units_own_error():
    inner = InvalidInputError("data.csv, rows 1-9: bad value")
    wrapper = RuntimeError("RayTaskError(...)")
    wrapper.cause = inner
    assert map_error(wrapper, "x", "ray") is inner
    died = type("KilledWorker", (Exception,), {})("worker tcp://1 died")
    assert "worker died" in str(map_error(died, "data.csv, rows 1-9", "dask"))
    assert "data.csv, rows 1-9" in str(map_error(died, "data.csv, rows 1-9", "dask"))
