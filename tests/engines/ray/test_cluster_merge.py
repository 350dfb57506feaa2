"""The Ray backend merges on the cluster: every node of the fixed merge tree, each bucket's root
included, is a Ray task, and the driver fetches one partial per bucket. Checked through the
backend's own counters (``backend.merge_stats``) on a real Ray, against the local backend's bytes
for the same plan and fan-in.

(Named to run before test_head_node.py, which replaces the session's local Ray.)"""

from __future__ import annotations

import pyarrow as pa

from truthound.profiler.distributed import (
    DistributedMonitor,
    DistributedProfiler,
    LocalBackend,
    RayBackend,
)
from truthound import _core
from truthound.profiler.distributed.plan import run_unit

from .conftest import ENGINE_MARKS, local_blocks_profile, untimed

pytestmark = ENGINE_MARKS


def test_row_groups_merge_on_the_cluster_and_the_driver_gets_the_root(local_ray, data_dir):
    path = str(data_dir / "data.parquet")  # 8 row groups: 8 units
    backend = RayBackend()
    monitor = DistributedMonitor()
    completed: list[int] = []
    monitor.on_partition_complete(completed.append)
    profiler = DistributedProfiler.create(
        backend=backend, merge_fan_in=2, num_partitions=8, monitor=monitor
    )
    got = profiler.profile(path)
    want = LocalBackend(2).profile(path, merge_fan_in=2, num_partitions=8)

    assert got.unit_count == want.unit_count == 8
    assert got.partial == want.partial  # the same tree, byte for byte
    assert untimed(got) == untimed(want)
    stats = backend.merge_stats
    assert stats is not None, "the Ray backend did not merge on the cluster"
    assert (stats.fan_in, stats.leaves) == (2, 8)
    assert stats.inputs_per_level == [8, 4, 2]
    assert stats.nodes_per_level == [4, 2, 1]
    assert stats.partials_received_by_driver == 1 <= stats.fan_in
    assert stats.bytes_received_by_driver == stats.result_bytes > 0
    assert sorted(completed) == list(range(8))  # each unit reported as its task finished


def test_default_fan_in_one_level(local_ray, data_dir):
    path = str(data_dir / "data.parquet")
    backend = RayBackend()
    got = backend.profile(path, num_partitions=8)
    assert got.partial == LocalBackend(2).profile(path, num_partitions=8).partial
    stats = backend.merge_stats
    assert (stats.inputs_per_level, stats.nodes_per_level) == ([8], [1])
    assert stats.partials_received_by_driver == 1


def test_fan_in_that_leaves_a_one_child_node(local_ray, data_dir):
    # 8 units at fan-in 3: level 0 is [3, 3, 2], the root merges those three nodes.
    path = str(data_dir / "data.parquet")
    backend = RayBackend()
    got = backend.profile(path, num_partitions=8, merge_fan_in=3)
    assert got.partial == LocalBackend(2).profile(path, num_partitions=8, merge_fan_in=3).partial
    assert backend.merge_stats.inputs_per_level == [8, 3]
    assert backend.merge_stats.partials_received_by_driver == 1


def test_hash_buckets_each_send_one_root(local_ray, data_dir):
    path = str(data_dir / "parts")  # 4 files: 4 units per bucket
    options = {"partition_strategy": "hash", "num_partitions": 3, "merge_fan_in": 2}
    backend = RayBackend()
    got = backend.profile(path, **options)
    want = LocalBackend(2).profile(path, **options)

    assert got.unit_count == 12
    assert (got.duplicate_row_count, got.duplicate_row_count_is_exact) == (300, True)
    assert got.duplicate_row_count == want.duplicate_row_count
    assert got.partial == want.partial
    assert untimed(got) == untimed(want)
    stats = backend.merge_stats
    assert stats.inputs_per_level == [12, 6]  # per bucket: 4 leaves, then 2 level-0 nodes
    assert stats.nodes_per_level == [6, 3]  # the last level: one root per bucket
    assert stats.partials_received_by_driver == 3


def test_dataset_blocks_merge_on_the_cluster(local_ray, table):
    sizes = [2_500] * 8
    blocks = [table.slice(i * 2_500, n) for i, n in enumerate(sizes)]
    ds = local_ray.data.from_arrow(blocks)
    backend = RayBackend()
    got = backend.profile(ds, merge_fan_in=2)
    want = local_blocks_profile(blocks, merge_fan_in=2)
    assert got.unit_count == 8
    assert got.partial == want.partial
    assert untimed(got) == untimed(want)
    assert backend.merge_stats.inputs_per_level == [8, 4, 2]
    assert backend.merge_stats.partials_received_by_driver == 1


def test_a_stream_only_the_driver_reads(local_ray, table):
    # A RecordBatchReader is read on the driver; its partial joins the tree from the object store.
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=5_000))
    backend = RayBackend()
    got = backend.profile(reader)
    want = LocalBackend(2).profile(table.to_reader(max_chunksize=5_000))
    assert got.row_count == table.num_rows and got.unit_count == 1
    assert got.partial == want.partial
    assert backend.merge_stats.partials_received_by_driver == 1
    assert backend.merge_stats.inputs_per_level == [1]


def test_the_cluster_tree_equals_the_cpp_tree(local_ray, data_dir):
    profiler = DistributedProfiler.create(backend=LocalBackend(2), num_partitions=8)
    plan = profiler.plan(str(data_dir / "data.parquet"))
    blobs = [run_unit(u)[1] for u in plan.units]
    backend = RayBackend()
    got = backend.profile(str(data_dir / "data.parquet"), num_partitions=8, merge_fan_in=2)
    assert got.partial == _core.merge_tree(blobs, fan_in=2)
    assert backend.merge_stats.inputs_per_level == [8, 4, 2]
