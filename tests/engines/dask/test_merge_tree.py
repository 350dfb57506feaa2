"""The fixed merge tree on a Dask cluster: every node runs as a task on the workers, the driver
fetches one root per group (HASH bucket), and the bytes equal the local backend's for the same
plan and fan-in. Counted through the backend's ``merge_stats`` and Dask's own task stream."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from distributed import get_task_stream

from truthound.profiler.distributed import (
    DaskBackend,
    DaskConfig,
    DistributedMonitor,
    DistributedProfiler,
    LocalConfig,
)

from .conftest import untimed


def local(source, **kwargs):
    return DistributedProfiler.create(config=LocalConfig(num_workers=1), **kwargs).profile(source)


def tasks_on_workers(client, run):
    """``run()``'s result and the tasks it ran on ``client``'s cluster: {key prefix: keys}."""
    with get_task_stream(client) as stream:
        result = run()
    keys = [str(t["key"]) for t in stream.data if t.get("worker")]
    return result, {
        "unit": [k for k in keys if k.startswith("truthound-unit-")],
        "merge": [k for k in keys if k.startswith("truthound-merge-")],
    }


@pytest.fixture(scope="module")
def eight_row_groups(tmp_path_factory, table):
    path = tmp_path_factory.mktemp("tree") / "eight.parquet"
    pq.write_table(table, path, row_group_size=750)
    assert pq.ParquetFile(path).metadata.num_row_groups == 8
    return str(path)


@pytest.fixture(scope="module")
def four_files(tmp_path_factory, table):
    """The table in 4 files of 1,500 rows: the first and the last hold the 300 duplicate rows."""
    root = tmp_path_factory.mktemp("tree-parts")
    for k in range(4):
        pq.write_table(table.slice(k * 1_500, 1_500), root / f"part-{k}.parquet")
    return str(root)


def test_fan_in_2_runs_every_node_on_the_cluster(local_client, eight_row_groups):
    backend = DaskBackend(DaskConfig(scheduler="distributed"), client=local_client)
    done = []
    monitor = DistributedMonitor()
    monitor.on_partition_complete(done.append)
    profile, ran = tasks_on_workers(
        local_client,
        lambda: backend.profile(
            eight_row_groups, merge_fan_in=2, num_partitions=8, monitor=monitor
        ),
    )
    reference = local(eight_row_groups, merge_fan_in=2, num_partitions=8)
    assert profile.unit_count == 8
    assert profile.partial == reference.partial
    assert untimed(profile) == untimed(reference)
    # The shape matters: the default fan-in merges in another order and gives other bytes.
    assert profile.partial != local(eight_row_groups, num_partitions=8).partial

    stats = backend.merge_stats
    assert stats.fan_in == 2 and stats.leaves == 8
    assert stats.inputs_per_level == [8, 4, 2]
    assert stats.nodes_per_level == [4, 2, 1]
    assert stats.partials_received_by_driver == 1 <= stats.fan_in
    assert stats.bytes_received_by_driver == len(profile.partial)
    # Dask ran 8 units and 4 + 2 + 1 merge nodes (the root included) on its workers.
    assert len(ran["unit"]) == 8
    assert len(ran["merge"]) == 7
    assert sorted(done) == list(range(8))  # each unit reported as its future finished


def test_hash_plan_receives_one_root_per_bucket(local_client, four_files):
    backend = DaskBackend(DaskConfig(scheduler="distributed"), client=local_client)
    options = {"partition_strategy": "hash", "num_partitions": 3, "merge_fan_in": 2}
    profile, ran = tasks_on_workers(local_client, lambda: backend.profile(four_files, **options))
    reference = local(four_files, **options)
    assert profile.unit_count == 12  # 3 buckets x 4 files
    assert profile.partial == reference.partial
    assert untimed(profile) == untimed(reference)
    assert profile.duplicate_row_count == reference.duplicate_row_count == 300
    assert profile.duplicate_row_count_is_exact and reference.duplicate_row_count_is_exact

    stats = backend.merge_stats
    assert stats.inputs_per_level == [12, 6]  # per bucket: 4 partials, then 2
    assert stats.nodes_per_level == [6, 3]
    assert stats.partials_received_by_driver == 3  # one root per bucket
    assert len(ran["merge"]) == 9


def test_default_fan_in_equals_the_local_backend(local_client, eight_row_groups, table):
    backend = DaskBackend(DaskConfig(scheduler="distributed"), client=local_client)
    profile, ran = tasks_on_workers(
        local_client, lambda: backend.profile(eight_row_groups, num_partitions=8)
    )
    reference = local(eight_row_groups, num_partitions=8)
    assert profile.partial == reference.partial
    assert backend.merge_stats.inputs_per_level == [8]
    assert backend.merge_stats.partials_received_by_driver == 1
    assert len(ran["merge"]) == 1

    # A stream only the driver can read: its unit runs on the driver, its bytes join the tree
    # on the cluster.
    def stream():
        return pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=500))

    profile, ran = tasks_on_workers(local_client, lambda: backend.profile(stream()))
    reference = local(stream())
    assert untimed(profile) == untimed(reference)
    assert profile.partial == reference.partial
    # One unit: the root is its partial (a one-child node is its child), so nothing is merged.
    assert ran["unit"] == [] and ran["merge"] == []
    assert backend.merge_stats.partials_received_by_driver == 1


def test_local_schedulers_merge_on_the_driver(eight_row_groups):
    backend = DaskBackend(DaskConfig(scheduler="threads", num_workers=2))
    profile = backend.profile(eight_row_groups, merge_fan_in=2, num_partitions=8)
    assert backend.merge_stats.inputs_per_level == [8, 4, 2]  # the same tree, on a driver thread
    assert profile.partial == local(eight_row_groups, merge_fan_in=2, num_partitions=8).partial
