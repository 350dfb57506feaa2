"""File paths on Spark: the planner's units run as Spark tasks give the local backend's bytes."""

from __future__ import annotations

import pytest

from truthound.profiler.distributed import (
    DistributedProfiler,
    LocalBackend,
    PartitionStrategy,
    SparkBackend,
)

from .helpers import untimed

STRATEGIES = [
    (PartitionStrategy.ROW_BASED, 3),
    (PartitionStrategy.COLUMN_BASED, 3),
    (PartitionStrategy.HYBRID, 2),
    (PartitionStrategy.HASH, 3),
]


def _both(data, strategy, partitions, **options):
    spark_profile = DistributedProfiler.create(
        backend=SparkBackend(), partition_strategy=strategy, num_partitions=partitions
    ).profile(data, **options)
    local_profile = DistributedProfiler.create(
        backend=LocalBackend(num_workers=2), partition_strategy=strategy, num_partitions=partitions
    ).profile(data, **options)
    return spark_profile, local_profile


@pytest.mark.parametrize("strategy, partitions", STRATEGIES, ids=lambda v: getattr(v, "value", v))
def test_parquet_same_bytes_as_local(spark, data_dir, strategy, partitions):
    on_spark, local = _both(str(data_dir / "data.parquet"), strategy, partitions)
    assert on_spark.backend == "spark" and local.backend == "local"
    assert on_spark.unit_count == local.unit_count > 1
    assert untimed(on_spark) == untimed(local)


def test_csv_byte_ranges_same_bytes_as_local(spark, data_dir):
    on_spark, local = _both(str(data_dir / "data.csv"), PartitionStrategy.ROW_BASED, 4)
    assert on_spark.unit_count == 4
    assert untimed(on_spark) == untimed(local)


def test_relative_paths_reach_the_executors(spark, data_dir, monkeypatch):
    monkeypatch.chdir(data_dir)  # not the working directory of Spark's Python workers
    on_spark, local = _both("data.parquet", PartitionStrategy.ROW_BASED, 3)
    assert on_spark.source == local.source == "data.parquet"
    assert untimed(on_spark) == untimed(local)
    on_spark, local = _both("data.csv", PartitionStrategy.ROW_BASED, 2)
    assert untimed(on_spark) == untimed(local)
