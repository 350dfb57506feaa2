"""The merge tree on the executors: the driver collects one partial per group of units, counted in
the backend's own ``merge_stats``, and the bytes equal the local backend's tree on the driver."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from truthound.profiler.distributed import (
    DistributedMonitor,
    DistributedProfiler,
    LocalBackend,
    PartitionStrategy,
    SparkBackend,
)

from .helpers import SparkPartitions, spark_partitions, untimed


def test_file_units_merge_on_the_executors(spark, data_dir):
    path = str(data_dir / "data.parquet")
    events = []
    monitor = DistributedMonitor()
    monitor.on_partition_complete(events.append)
    backend = SparkBackend()
    on_spark = backend.profile(path, merge_fan_in=2, num_partitions=8, monitor=monitor)
    local = LocalBackend(num_workers=2).profile(path, merge_fan_in=2, num_partitions=8)
    assert on_spark.unit_count == local.unit_count == 8
    assert on_spark.partial == local.partial
    assert untimed(on_spark) == untimed(local)
    stats = backend.merge_stats
    assert stats.fan_in == 2 and stats.leaves == 8
    assert stats.inputs_per_level == [8, 4, 2] and stats.nodes_per_level == [4, 2, 1]
    assert stats.partials_received_by_driver == 1 <= stats.fan_in
    # What collect() returned is the profile's partial itself.
    assert stats.bytes_received_by_driver == stats.result_bytes == len(on_spark.partial)
    assert all(b > 0 for b in stats.bytes_per_level)
    assert stats.bytes_per_level[-1] >= 2 * min(stats.max_partial_bytes_per_level)
    assert sorted(events) == list(range(8)) and monitor.progress == 100.0


def test_default_fan_in_gives_the_local_bytes_in_one_level(spark, data_dir):
    path = str(data_dir / "data.csv")
    backend = SparkBackend()
    on_spark = backend.profile(path, num_partitions=5)
    local = LocalBackend(num_workers=2).profile(path, num_partitions=5)
    assert on_spark.partial == local.partial
    assert backend.merge_stats.inputs_per_level == [5]
    assert backend.merge_stats.partials_received_by_driver == 1


def test_hash_buckets_each_merge_to_one_root(spark, table, tmp_path):
    for i in range(5):  # 5 files: 5 units per bucket
        pq.write_table(table.slice(i * 1_200, 1_200), tmp_path / f"part-{i}.parquet")
    options = {"partition_strategy": PartitionStrategy.HASH, "num_partitions": 3, "merge_fan_in": 2}
    backend = SparkBackend()
    on_spark = DistributedProfiler.create(backend=backend, **options).profile(str(tmp_path))
    local = DistributedProfiler.create(backend=LocalBackend(num_workers=2), **options).profile(
        str(tmp_path)
    )
    assert on_spark.unit_count == 15
    assert on_spark.partial == local.partial
    assert on_spark.duplicate_row_count == local.duplicate_row_count == 300
    assert on_spark.duplicate_row_count_is_exact
    stats = backend.merge_stats
    assert stats.leaves == 15
    assert stats.inputs_per_level == [15, 9, 6] and stats.nodes_per_level == [9, 6, 3]
    assert stats.partials_received_by_driver == 3  # one root per bucket


def test_a_dataframe_with_many_partitions_reaches_the_driver_as_one_partial(spark, table):
    frame = spark.createDataFrame(table).repartition(11)
    backend = SparkBackend()
    on_spark = backend.profile(frame, merge_fan_in=3)
    tables = spark_partitions(frame)
    assert len(tables) == 11
    local = DistributedProfiler.create(
        backend=LocalBackend(num_workers=2),
        partition_strategy=SparkPartitions(tables),
        merge_fan_in=3,
    ).profile(pa.concat_tables(tables))
    assert on_spark.partial == local.partial and on_spark.row_count == 6_000
    stats = backend.merge_stats
    assert stats.leaves == 11
    assert stats.inputs_per_level == [11, 4, 2] and stats.nodes_per_level == [4, 2, 1]
    assert stats.partials_received_by_driver == 1


def test_dataframe_column_groups_merge_their_partitions_then_the_units(spark, table):
    frame = spark.createDataFrame(table).repartition(4)
    backend = SparkBackend()
    profile = backend.profile(
        frame, partition_strategy="column_based", num_partitions=3, merge_fan_in=2
    )
    stats = backend.merge_stats
    assert profile.unit_count == stats.leaves == 12  # 3 column groups x 4 partitions
    # Two levels over each unit's 4 partitions, then two over the 3 units.
    assert stats.inputs_per_level == [12, 6, 3, 2] and stats.partials_received_by_driver == 1
    expected = DistributedProfiler.create(
        backend=LocalBackend(num_workers=2), partition_strategy="column_based", num_partitions=3
    ).profile(pa.concat_tables(spark_partitions(frame)))
    assert profile.row_count == expected.row_count == 6_000
    assert profile["s"].distinct_count == expected["s"].distinct_count
    assert profile["small"].min == expected["small"].min


def test_dataframe_column_groups_on_the_executors_equal_unit_by_unit_jobs(spark, table):
    """Each column group's partitions keep their own numbers (0..n-1) when the groups run as one
    union: the executors' tree gives the bytes of one job per unit merged on the driver."""
    from truthound import _core
    from truthound.profiler.distributed.backends.spark import frame_source
    from truthound.profiler.distributed.merger import PlanMerger

    frame = spark.createDataFrame(table).repartition(4)
    on_spark = SparkBackend().profile(frame, partition_strategy="column_based", num_partitions=3)
    plan = DistributedProfiler.create(
        backend="spark", partition_strategy="column_based", num_partitions=3
    ).plan(frame_source(frame))
    merger = PlanMerger(plan)
    for unit_id, blob in SparkBackend().map_units(plan.units):
        merger.add(unit_id, blob)
    unit_by_unit, _ = merger.result()
    assert _core.finalize(on_spark.partial)["units"] == _core.finalize(unit_by_unit)["units"]
    assert on_spark.partial == unit_by_unit
