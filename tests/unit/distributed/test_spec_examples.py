"""Every Python example of spec/distributed-processing.md, run as written (paths aside).

The Spark, Dask and Ray examples need their engines: where the engine is not installed they must
fail at once with a BackendError that says how to install it.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import fields

import polars as pl
import pytest

from truthound.profiler.errors import BackendError

HAS = {name: importlib.util.find_spec(name) is not None for name in ("pyspark", "dask", "ray")}


def _engine_missing(name: str):
    """Run the test as on a machine without the engine (installed or not)."""
    return pytest.mark.usefixtures(f"without_{name}")


@pytest.fixture
def without_pyspark(hide_modules):
    hide_modules("pyspark")


@pytest.fixture
def without_dask(hide_modules):
    hide_modules("dask", "distributed")


@pytest.fixture
def without_ray(hide_modules):
    hide_modules("ray")


def test_enums():
    from truthound.profiler.distributed import DistributedBackend, PartitionStrategy

    assert [b.value for b in DistributedBackend] == ["local", "spark", "dask", "ray", "auto"]
    assert [s.value for s in PartitionStrategy] == ["row_based", "column_based", "hybrid", "hash"]
    assert DistributedBackend.LOCAL == "local" and isinstance(DistributedBackend.AUTO, str)
    assert PartitionStrategy("hybrid") is PartitionStrategy.HYBRID


def test_configs_fields_and_defaults():
    from truthound.profiler.distributed import DaskConfig, RayConfig, SparkConfig

    def defaults(cls):
        return {
            f.name: (f.default_factory() if callable(f.default_factory) else f.default)
            for f in fields(cls)
        }

    assert defaults(SparkConfig) == {
        "app_name": "truthound-profiler",
        "master": "local[*]",
        "executor_memory": "4g",
        "executor_cores": 2,
        "num_executors": 4,
        "spark_config": {},
    }
    assert defaults(DaskConfig) == {
        "scheduler": "threads",
        "num_workers": None,
        "memory_limit": "4GB",
        "dashboard_address": ":8787",
    }
    assert defaults(RayConfig) == {
        "address": None,
        "num_cpus": None,
        "num_gpus": None,
        "object_store_memory": None,
    }
    config = SparkConfig(
        master="spark://master:7077",
        executor_memory="16g",
        num_executors=20,
        spark_config={
            "spark.sql.shuffle.partitions": "200",
        },
    )
    assert config.spark_config["spark.sql.shuffle.partitions"] == "200"
    assert DaskConfig(scheduler="distributed", num_workers=8, memory_limit="8GB").num_workers == 8
    assert RayConfig(address="ray://cluster:10001", num_cpus=16).num_cpus == 16


def test_distributed_profiler_auto(data_dir):
    from truthound.profiler.distributed import DistributedBackend, DistributedProfiler

    # 자동 백엔드 선택
    profiler = DistributedProfiler.create(backend=DistributedBackend.AUTO)

    # 프로파일 실행
    profile = profiler.profile(str(data_dir / "data.parquet"))
    assert profile.row_count == 6_000 and profile.backend == "local"


@_engine_missing("pyspark")
def test_distributed_profiler_spark_needs_pyspark():
    from truthound.profiler.distributed import DistributedBackend, DistributedProfiler, SparkConfig

    with pytest.raises(BackendError, match=r"pip install 'truthound\[spark\]'"):
        DistributedProfiler.create(
            backend=DistributedBackend.SPARK,
            config=SparkConfig(master="spark://master:7077"),
        )


@_engine_missing("dask")
def test_distributed_profiler_dask_needs_dask():
    from truthound.profiler.distributed import DaskConfig, DistributedBackend, DistributedProfiler

    with pytest.raises(BackendError, match=r"pip install 'truthound\[dask\]'"):
        DistributedProfiler.create(
            backend=DistributedBackend.DASK,
            config=DaskConfig(scheduler="distributed"),
        )


def test_local_backend(table):
    from truthound.profiler.distributed import LocalBackend

    lf = pl.from_arrow(table).lazy()
    columns = ["i", "s", "f"]

    backend = LocalBackend(
        num_workers=4,
        use_processes=True,  # True = 프로세스, False = 스레드
    )

    # 컬럼별 병렬 프로파일링
    results = backend.profile_columns_parallel(lf, columns)

    assert list(results) == ["i", "f", "s"]  # table order
    assert results["i"].null_count == table["i"].null_count
    assert results["s"].distinct_count == len(set(table["s"].drop_null().to_pylist()))


@_engine_missing("pyspark")
def test_spark_backend_needs_pyspark():
    from truthound.profiler.distributed import SparkBackend, SparkConfig

    config = SparkConfig(
        master="spark://master:7077",
        executor_memory="8g",
        num_executors=10,
    )
    with pytest.raises(BackendError, match="pyspark"):
        SparkBackend(config)


@_engine_missing("dask")
def test_dask_backend_needs_dask():
    from truthound.profiler.distributed import DaskBackend, DaskConfig

    config = DaskConfig(
        scheduler="distributed",
        num_workers=8,
        memory_limit="8GB",
    )
    with pytest.raises(BackendError, match="dask"):
        DaskBackend(config)


@_engine_missing("ray")
def test_ray_backend_needs_ray():
    from truthound.profiler.distributed import RayBackend, RayConfig

    config = RayConfig(
        address="ray://cluster:10001",
        num_cpus=16,
    )
    with pytest.raises(BackendError, match="ray"):
        RayBackend(config)


def test_backend_registry(table):
    from truthound.profiler.distributed import BackendRegistry, DistributedProfiler, SparkConfig

    # 등록된 백엔드 조회
    backends = BackendRegistry.list()  # ["local", "spark", "dask", "ray"]
    assert backends == ["local", "spark", "dask", "ray"]

    spark_config = SparkConfig()
    if not HAS["pyspark"]:
        with pytest.raises(BackendError):
            BackendRegistry.create("spark", config=spark_config)

    try:
        # 커스텀 백엔드 등록
        @BackendRegistry.register("my_backend")
        class MyCustomBackend:
            def profile(self, data):
                # 커스텀 프로파일링 로직
                pass

        assert BackendRegistry.list() == ["local", "spark", "dask", "ray", "my_backend"]
        assert isinstance(BackendRegistry.create("my_backend"), MyCustomBackend)
        # The spec's class returns None: the profiler says so instead of returning None.
        with pytest.raises(BackendError, match="returned NoneType"):
            DistributedProfiler.create(backend="my_backend").profile(table)

        @BackendRegistry.register("my_backend")
        class WorkingBackend:
            def profile(self, data):
                import truthound.profiler as tp

                return tp.profile(data)

        profile = DistributedProfiler.create(backend="my_backend").profile(table)
        assert profile.row_count == table.num_rows
    finally:
        BackendRegistry.unregister("my_backend")
    assert "my_backend" not in BackendRegistry.list()


def test_row_based_partitioner(table):
    from truthound.profiler.distributed import RowBasedPartitioner

    lf = pl.from_arrow(table).lazy()

    partitioner = RowBasedPartitioner(num_partitions=10)
    partitions = partitioner.partition(lf)

    # 각 파티션은 전체 행의 1/10
    assert len(partitions) == 10
    assert [p.part.rows for p in partitions] == [table.num_rows // 10] * 10


def test_column_based_partitioner(table):
    from truthound.profiler.distributed import ColumnBasedPartitioner

    lf = pl.from_arrow(table).lazy()

    partitioner = ColumnBasedPartitioner()
    column_groups = partitioner.partition(lf, num_workers=4)

    # 각 워커가 1/4의 컬럼을 처리
    assert len(column_groups) == 4
    assert sorted(c for g in column_groups for c in g) == sorted(table.column_names)


def test_hybrid_partitioner(table):
    from truthound.profiler.distributed import HybridPartitioner

    partitioner = HybridPartitioner(
        row_partitions=4,
        column_partitions=2,
    )
    # 4 x 2 = 8개 파티션
    assert len(partitioner.partition(table)) == 8


def test_auto_select_backend():
    from truthound.profiler.distributed import auto_select_backend

    # 환경에 따라 자동 선택
    backend = auto_select_backend()
    assert backend.name == "local"
    assert not {"pyspark", "dask", "ray"} & set(sys.modules)


def test_profile_merger(table):
    import truthound.profiler as tp
    from truthound.profiler.distributed import ProfileMerger

    quarter = table.num_rows // 4
    profile1, profile2, profile3, profile4 = (
        tp.profile(table.slice(k * quarter, quarter)) for k in range(4)
    )

    merger = ProfileMerger()

    # 파티션별 프로파일 병합
    partial_profiles = [profile1, profile2, profile3, profile4]
    merged = merger.merge(partial_profiles)

    whole = tp.profile(table)
    assert merged.row_count == whole.row_count == table.num_rows
    assert merged.duplicate_row_count == whole.duplicate_row_count == 300
    for a, b in zip(merged.columns, whole.columns, strict=True):
        assert (a.null_count, a.distinct_count, a.min, a.max) == (
            b.null_count,
            b.distinct_count,
            b.min,
            b.max,
        )
        if a.distribution is not None:
            assert a.distribution.mean == pytest.approx(b.distribution.mean)


@_engine_missing("pyspark")
def test_monitoring_example_with_spark_needs_pyspark():
    from truthound.profiler.distributed import DistributedMonitor, DistributedProfiler

    monitor = DistributedMonitor()
    with pytest.raises(BackendError):
        DistributedProfiler.create(
            backend="spark",
            monitor=monitor,
        )


def test_monitoring_example_locally(table, capsys):
    from truthound.profiler.distributed import DistributedMonitor, DistributedProfiler

    data = table
    monitor = DistributedMonitor()

    # 진행 상황 모니터링
    profiler = DistributedProfiler.create(
        backend="local",
        monitor=monitor,
        num_partitions=4,
    )

    # 콜백 등록
    monitor.on_partition_complete(lambda p: print(f"Partition {p} complete"))
    monitor.on_progress(lambda pct: print(f"Progress: {pct}%"))

    profile = profiler.profile(data)

    out = capsys.readouterr().out.splitlines()
    assert sorted(line for line in out if line.startswith("Partition")) == [
        f"Partition {k} complete" for k in range(4)
    ]
    assert [line for line in out if line.startswith("Progress")] == [
        "Progress: 25.0%",
        "Progress: 50.0%",
        "Progress: 75.0%",
        "Progress: 100.0%",
    ]
    assert profile.row_count == table.num_rows


def test_integration_example_locally(data_dir, capsys):
    from truthound.profiler.distributed import (
        DistributedBackend,
        DistributedProfiler,
        LocalConfig,
        PartitionStrategy,
    )

    config = LocalConfig(num_workers=2)

    profiler = DistributedProfiler.create(
        backend=DistributedBackend.LOCAL,
        config=config,
        partition_strategy=PartitionStrategy.HYBRID,
    )

    profile = profiler.profile(str(data_dir / "parts"))

    print(f"Rows: {profile.row_count:,}")
    print(f"Columns: {profile.column_count}")
    print(f"Duration: {profile.profile_duration_ms / 1000:.2f}s")
    out = capsys.readouterr().out
    assert "Rows: 6,000" in out and "Columns: 6" in out and "Duration: " in out


@_engine_missing("pyspark")
def test_integration_example_spark_needs_pyspark():
    from truthound.profiler.distributed import (
        DistributedBackend,
        DistributedProfiler,
        PartitionStrategy,
        SparkConfig,
    )

    config = SparkConfig(
        master="spark://master:7077",
        executor_memory="16g",
        num_executors=20,
        spark_config={
            "spark.sql.shuffle.partitions": "200",
        },
    )
    with pytest.raises(BackendError, match="pyspark"):
        DistributedProfiler.create(
            backend=DistributedBackend.SPARK,
            config=config,
            partition_strategy=PartitionStrategy.HYBRID,
        )
