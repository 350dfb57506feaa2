"""Spark DataFrames profiled where their partitions are (mapInArrow), against the local backend."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from truthound import _core
from truthound.profiler.distributed import (
    DistributedMonitor,
    DistributedProfiler,
    LocalBackend,
    PartitionStrategy,
    SparkBackend,
)
from truthound.profiler.distributed.backends.spark import frame_source

from .helpers import TIME_ZONE, FailedTasks, SparkPartitions, spark_partitions, untimed

EXACT = (
    "physical_type", "row_count", "null_count", "non_null_count", "empty_string_count",
    "distinct_count", "distinct_count_is_exact", "min", "max", "zero_count", "negative_count",
    "nan_count", "true_count", "false_count",
)  # fmt: skip


def _exact(profile) -> dict:
    d = profile.to_dict()
    return {
        "rows": d["row_count"],
        "columns": {c["name"]: {k: c.get(k) for k in EXACT} for c in d["columns"]},
    }


def _without_source(text: str) -> dict:
    d = json.loads(text)
    d.pop("name"), d.pop("source")
    return d


@pytest.fixture(scope="module")
def frame(spark, table):
    df = spark.createDataFrame(table).repartition(3)
    assert df.rdd.getNumPartitions() == 3
    return df


def test_dataframe_same_bytes_as_local_backend_on_its_partitions(spark, frame):
    on_spark = SparkBackend().profile(frame)
    tables = spark_partitions(frame)
    assert len(tables) == 3 and all(t is not None and t.num_rows for t in tables)
    assert tables[0].schema.field("ts").type == pa.timestamp("us", tz=TIME_ZONE)
    local = DistributedProfiler.create(
        backend=LocalBackend(num_workers=2), partition_strategy=SparkPartitions(tables)
    ).profile(pa.concat_tables(tables))
    assert on_spark.backend == "spark" and on_spark.unit_count == 3
    assert on_spark.row_count == 6_000 and on_spark.duplicate_row_count == 300
    assert _without_source(untimed(on_spark)) == _without_source(untimed(local))


@pytest.mark.parametrize(
    "strategy, partitions",
    [
        (PartitionStrategy.ROW_BASED, None),
        (PartitionStrategy.COLUMN_BASED, 3),
        (PartitionStrategy.HYBRID, 2),
        (PartitionStrategy.HASH, 4),
    ],
    ids=["row_based", "column_based", "hybrid", "hash"],
)
def test_exact_statistics_equal_across_strategies(spark, frame, table, strategy, partitions):
    import truthound.profiler as tp

    profile = SparkBackend().profile(frame, partition_strategy=strategy, num_partitions=partitions)
    assert profile.partition_strategy == strategy.value
    one_pass = tp.profile(pa.concat_tables(spark_partitions(frame)))
    assert _exact(profile) == _exact(one_pass)
    # the row sample is keyed by row content: the same bytes as one local pass over the rows,
    # and so are the measures taken from it (column groups read the sampled rows' columns)
    assert _core.relations(profile.partial)["sample"] == _core.relations(one_pass.partial)["sample"]
    for measure in ("spearman", "cramers_v", "correlation_ratio"):
        assert profile.correlations.get(measure) == one_pass.correlations.get(measure), measure
    if strategy in (PartitionStrategy.ROW_BASED, PartitionStrategy.HASH):
        assert profile.duplicate_row_count == 300 and profile.duplicate_row_count_is_exact
    else:
        assert profile.duplicate_row_count is None
    if strategy is PartitionStrategy.HASH:
        assert profile.unit_count == 4  # one Spark partition per bucket


def test_distributed_profiler_takes_a_dataframe_and_columns(spark, frame):
    profiler = DistributedProfiler.create(
        backend="spark", partition_strategy=PartitionStrategy.HYBRID, num_partitions=2
    )
    profile = profiler.profile(frame.drop("ts"), columns=["small", "s", "f"])
    assert profile.column_names == ["small", "f", "s"]
    assert profile.backend == "spark" and profile.row_count == 6_000


def test_spark_types(spark):
    df = spark.sql(
        """
        SELECT CAST(id % 100 - 50 AS TINYINT) AS tiny,
               CAST(id * 7 AS SMALLINT) AS small,
               CAST(id / 8 AS DECIMAL(12, 3)) AS dec,
               DATE_ADD(DATE'2024-01-01', CAST(id AS INT)) AS day,
               TIMESTAMP'2024-01-01 09:00:00' + MAKE_INTERVAL(0, 0, 0, 0, CAST(id AS INT)) AS ts,
               TIMESTAMP_NTZ'2024-01-01 09:00:00'
                   + MAKE_INTERVAL(0, 0, 0, 0, CAST(id AS INT)) AS ntz,
               CAST(CAST(id AS STRING) AS BINARY) AS bin,
               id % 3 = 0 AS flag,
               IF(id % 10 = 0, NULL, ARRAY(id, id + 1)) AS arr,
               MAP('k', id) AS m,
               NAMED_STRUCT('a', id, 'b', CAST(id AS STRING)) AS st,
               MAKE_INTERVAL(1, 2) AS iv
        FROM RANGE(1000)
        """
    ).repartition(2)
    profile = SparkBackend().profile(df)
    c = {col.name: col for col in profile.columns}
    assert profile.row_count == 1_000 and profile.column_count == 12
    assert (c["tiny"].min, c["tiny"].max, c["tiny"].physical_type) == (-50, 49, "int8")
    assert (c["small"].max, c["small"].physical_type) == (6_993, "int16")
    assert c["dec"].physical_type == "decimal128(12, 3)" and str(c["dec"].max) == "124.875"
    assert str(c["day"].min) == "2024-01-01" and c["day"].distinct_count == 1_000
    # Spark's timestamps carry the session time zone: 09:00 in Seoul is 00:00 UTC.
    assert c["ts"].physical_type == f"timestamp[us, tz={TIME_ZONE}]"
    assert c["ts"].min.isoformat().startswith("2024-01-01T09:00:00+09:00")
    assert c["ntz"].physical_type == "timestamp[us]" and str(c["ntz"].min) == "2024-01-01 09:00:00"
    assert c["bin"].physical_type == "binary" and c["bin"].distinct_count == 1_000
    assert (c["flag"].true_count, c["flag"].false_count) == (334, 666)
    for name in ("arr", "m", "st"):
        assert c[name].kind == "nested" and c[name].row_count == 1_000
    assert c["arr"].null_count == 100
    assert c["iv"].physical_type == "string"  # calendar intervals have no Arrow type


def test_monitor_reports_each_unit_and_task_progress(spark, frame, data_dir):
    events, progress = [], []
    monitor = DistributedMonitor()
    monitor.on_partition_complete(events.append)
    monitor.on_progress(progress.append)
    SparkBackend().profile(str(data_dir / "data.parquet"), monitor=monitor, num_partitions=3)
    assert sorted(events) == [0, 1, 2] and progress[-1] == 100.0

    class TaskMonitor:
        def __init__(self):
            self.seen = []

        def task_progress(self, done, total):
            self.seen.append((done, total))

    watcher = TaskMonitor()
    plan = DistributedProfiler.create(backend="spark", partition_strategy="column_based").plan(
        frame_source(frame)
    )
    results = dict(SparkBackend().map_units(plan.units, monitor=watcher))
    assert sorted(results) == [0, 1]
    assert watcher.seen and watcher.seen[-1][0] <= watcher.seen[-1][1]


def test_a_failed_task_is_retried_and_the_profile_is_unchanged(spark, frame, data_dir, monkeypatch):
    path = str(data_dir / "data.parquet")
    with FailedTasks(spark) as clean:
        first = SparkBackend().profile(path, num_partitions=3)
    monkeypatch.setenv("TRUTHOUND_FAIL_UNIT_ONCE", "1")
    with FailedTasks(spark) as injected:
        again = SparkBackend().profile(path, num_partitions=3)
    assert untimed(again) == untimed(first)
    assert (clean.count, injected.count) == (0, 1)  # the injected failure happened, once
    monkeypatch.delenv("TRUTHOUND_FAIL_UNIT_ONCE")
    with FailedTasks(spark) as clean:
        frame_first = SparkBackend().profile(frame, partition_strategy="hash", num_partitions=3)
    monkeypatch.setenv("TRUTHOUND_FAIL_UNIT_ONCE", "2")
    with FailedTasks(spark) as injected:
        frame_again = SparkBackend().profile(frame, partition_strategy="hash", num_partitions=3)
    assert untimed(frame_again) == untimed(frame_first)
    assert (clean.count, injected.count) == (0, 1)


def test_data_errors_name_the_file_and_are_not_retried(spark, tmp_path):
    from truthound.profiler.errors import InvalidInputError

    # Past the first 8 MB block that types are inferred from, b.csv's 'x' fails in its own unit.
    (tmp_path / "a.csv").write_text("a,b\n" + "1,2\n" * 5)
    (tmp_path / "b.csv").write_text("a,b\n" + "1,2\n" * 2_200_000 + "x,3\n")
    with pytest.raises(InvalidInputError, match=r"b\.csv.*'x'") as caught:
        SparkBackend().profile(str(tmp_path))
    assert "Spark" not in str(caught.value)  # raised as the data error it is, not a job failure


def test_orc_is_read_with_spark(spark, frame, tmp_path):
    import truthound.profiler as tp

    path = tmp_path / "data.orc"
    frame.drop("ts").write.orc(str(path))
    profile = SparkBackend().profile_file(str(path))
    assert profile.source == str(path) and profile.row_count == 6_000
    expected = tp.profile(pa.concat_tables(spark_partitions(frame.drop("ts"))))
    assert _exact(profile)["columns"]["small"] == _exact(expected)["columns"]["small"]
    assert profile["s"].distinct_count == expected["s"].distinct_count


def test_other_backends_read_a_spark_frame_through_the_driver(spark, frame):
    import truthound.profiler as tp

    profile = DistributedProfiler.create(backend=LocalBackend(num_workers=1)).profile(
        frame_source(frame)
    )
    assert profile.backend == "local"
    assert _exact(profile) == _exact(tp.profile(pa.concat_tables(spark_partitions(frame))))
