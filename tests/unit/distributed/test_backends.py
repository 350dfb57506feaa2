"""Backends, registry, auto-selection, environment defaults, monitor and merger."""

from __future__ import annotations

import subprocess
import sys
import threading
import types
from dataclasses import replace

import pyarrow as pa
import pytest

import truthound.profiler as tp
from truthound.profiler.distributed import (
    BackendRegistry,
    DistributedMonitor,
    DistributedProfiler,
    LocalBackend,
    LocalConfig,
    ProfileMerger,
    auto_select_backend,
)
from truthound.profiler.distributed.backends import UnitBackend
from truthound.profiler.distributed.plan import run_unit
from truthound.profiler.errors import CorruptPartialError, InvalidInputError, SourceError

from .conftest import untimed


def test_importing_imports_no_engine():
    code = (
        "import sys, truthound, truthound.profiler, truthound.cli; "
        "import truthound.profiler.distributed as d; "
        "d.BackendRegistry.list(); d.auto_select_backend(); "
        "print(sorted(m for m in ('pyspark', 'dask', 'distributed', 'ray') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_names():
    import truthound.profiler.distributed as d

    assert sorted(d.__all__) == sorted(
        [
            "DistributedBackend",
            "PartitionStrategy",
            "SparkConfig",
            "DaskConfig",
            "RayConfig",
            "LocalConfig",
            "DistributedProfiler",
            "LocalBackend",
            "SparkBackend",
            "DaskBackend",
            "RayBackend",
            "BackendRegistry",
            "RowBasedPartitioner",
            "ColumnBasedPartitioner",
            "HybridPartitioner",
            "HashPartitioner",
            "auto_select_backend",
            "ProfileMerger",
            "DistributedMonitor",
        ]
    )
    assert all(hasattr(d, name) for name in d.__all__)


# -- environment ----------------------------------------------------------------------------------


def test_workers_default_from_environment(monkeypatch):
    monkeypatch.setenv("TRUTHOUND_NUM_WORKERS", "3")
    assert LocalBackend().num_workers == 3
    monkeypatch.delenv("TRUTHOUND_NUM_WORKERS")
    assert LocalBackend().num_workers >= 1


def test_backend_default_from_environment(monkeypatch):
    monkeypatch.setenv("TRUTHOUND_DISTRIBUTED_BACKEND", "LOCAL")
    assert DistributedProfiler.create().backend.name == "local"
    monkeypatch.setenv("TRUTHOUND_DISTRIBUTED_BACKEND", "auto")
    assert isinstance(DistributedProfiler.create().backend, LocalBackend)
    monkeypatch.delenv("TRUTHOUND_DISTRIBUTED_BACKEND")
    assert DistributedProfiler.create(config=LocalConfig(num_workers=2)).backend.num_workers == 2


# -- registry -------------------------------------------------------------------------------------


class CountingBackend(UnitBackend):
    """A plugin using the unit seam: runs units in this thread and counts them."""

    name = "counting"

    def __init__(self, config=None):
        self.config = config
        self.units = 0

    def map_units(self, units):
        for unit in units:
            self.units += 1
            yield run_unit(unit)


def test_registered_unit_backend_gets_the_whole_pipeline(table):
    BackendRegistry.register("counting")(CountingBackend)
    try:
        assert BackendRegistry.list()[-1] == "counting"
        profiler = DistributedProfiler.create(backend="Counting", num_partitions=3)
        profile = profiler.profile(table)
        assert profiler.backend.units == 3 and profile.backend == "counting"
        reference = DistributedProfiler.create(backend="local", num_partitions=3).profile(table)
        assert untimed(replace(profile, backend="local")) == untimed(reference)
        assert BackendRegistry.create("counting", config={"x": 1}).config == {"x": 1}
    finally:
        BackendRegistry.unregister("counting")


def test_registry_rejects_bad_registrations():
    with pytest.raises(InvalidInputError, match="reserved"):
        BackendRegistry.register("local")
    with pytest.raises(InvalidInputError, match="reserved"):
        BackendRegistry.register("auto")
    with pytest.raises(InvalidInputError, match="needs a profile"):
        BackendRegistry.register("empty")(type("Empty", (), {}))
    with pytest.raises(InvalidInputError, match="takes a LocalConfig, got SparkConfig"):
        from truthound.profiler.distributed import SparkConfig

        BackendRegistry.create("local", config=SparkConfig())
    with pytest.raises(InvalidInputError, match="unknown backend 'zzz'"):
        BackendRegistry.create("zzz")


def test_registry_create_builtins():
    backend = BackendRegistry.create("local", config=LocalConfig(num_workers=2, use_processes=True))
    assert (backend.num_workers, backend.use_processes) == (2, True)
    assert isinstance(BackendRegistry.create("auto"), LocalBackend)


# -- auto-selection -------------------------------------------------------------------------------


def _fake_engines(monkeypatch, spark=None, dask=None, ray=None):
    if spark is not None:
        pyspark = types.ModuleType("pyspark")
        sql = types.ModuleType("pyspark.sql")
        sql.SparkSession = types.SimpleNamespace(getActiveSession=lambda: spark)
        pyspark.sql = sql
        monkeypatch.setitem(sys.modules, "pyspark", pyspark)
        monkeypatch.setitem(sys.modules, "pyspark.sql", sql)
    if dask is not None:
        monkeypatch.setitem(sys.modules, "dask", types.ModuleType("dask"))
        distributed = types.ModuleType("distributed")

        def default_client():
            if dask is False:
                raise ValueError("No clients found")
            return dask

        distributed.default_client = default_client
        monkeypatch.setitem(sys.modules, "distributed", distributed)
    if ray is not None:
        module = types.ModuleType("ray")
        module.is_initialized = lambda: ray
        monkeypatch.setitem(sys.modules, "ray", module)


def test_auto_selection_order(monkeypatch):
    assert auto_select_backend().name == "local"
    _fake_engines(monkeypatch, ray=False, dask=False)
    assert auto_select_backend().name == "local"  # imported but not started
    _fake_engines(monkeypatch, ray=True)
    assert auto_select_backend().name == "ray"
    _fake_engines(monkeypatch, dask="client")
    backend = auto_select_backend()
    assert backend.name == "dask" and backend.client == "client"
    _fake_engines(monkeypatch, spark="session")
    backend = auto_select_backend()
    assert backend.name == "spark" and backend.session == "session"


def test_auto_selection_imports_nothing(monkeypatch):
    for name in ("pyspark", "dask", "distributed", "ray"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    auto_select_backend()
    assert not {"pyspark", "dask", "distributed", "ray"} & set(sys.modules)


# -- local backend --------------------------------------------------------------------------------


def test_threads_release_the_gil_and_overlap(tmp_path):
    """Two units on two threads: both kernels run at once (observed from the monitor's thread)."""
    import pyarrow.parquet as pq

    for k in range(2):
        pq.write_table(pa.table({"x": pa.array(range(400_000))}), tmp_path / f"p{k}.parquet")
    running = []
    from truthound.profiler.distributed.backends import local

    original = local.run_task

    def tracking(unit):
        running.append(threading.current_thread().name)
        return original(unit)

    local.run_task = tracking
    try:
        LocalBackend(num_workers=2).profile(str(tmp_path))
    finally:
        local.run_task = original
    assert len(set(running)) == 2 and all(n.startswith("truthound-unit") for n in running)


def test_profile_columns_parallel(table):
    results = LocalBackend(num_workers=2).profile_columns_parallel(table, ["s", "i"])
    assert list(results) == ["i", "s"]
    assert results["i"].null_count == table["i"].null_count
    everything = LocalBackend(num_workers=2).profile_columns_parallel(table)
    assert list(everything) == table.column_names


def test_profile_file_and_backend_profile(data_dir):
    backend = LocalBackend(num_workers=2)
    profile = backend.profile_file(str(data_dir / "data.parquet"), num_partitions=2, top_n=3)
    assert profile.unit_count == 2 and len(profile["s"].top_values) == 3


# -- monitor --------------------------------------------------------------------------------------


def test_monitor_reports_every_event(table):
    monitor = DistributedMonitor()
    seen = {"units": [], "progress": [], "errors": [], "done": []}
    monitor.on_partition_complete(seen["units"].append)
    monitor.on_progress(seen["progress"].append)
    monitor.on_error(seen["errors"].append)
    monitor.on_complete(seen["done"].append)
    profile = DistributedProfiler.create(monitor=monitor, num_partitions=5).profile(table)
    assert sorted(seen["units"]) == [0, 1, 2, 3, 4]
    assert seen["progress"] == [20.0, 40.0, 60.0, 80.0, 100.0]
    assert seen["done"] == [profile] and seen["errors"] == []
    assert (monitor.total, monitor.completed, monitor.progress) == (5, 5, 100.0)
    assert monitor.elapsed_seconds > 0
    with pytest.raises(SourceError):
        DistributedProfiler.create(monitor=monitor).profile("/nonexistent/file.parquet")
    assert len(seen["errors"]) == 1 and isinstance(seen["errors"][0], SourceError)


def test_monitor_is_thread_safe():
    monitor = DistributedMonitor()
    total = 8 * 500
    monitor.start(total)
    counted = []
    lock = threading.Lock()

    def count(_):
        with lock:
            counted.append(1)

    monitor.on_partition_complete(count)

    def work(base):
        for i in range(500):
            monitor.partition_complete(base + i)
            monitor.on_progress(lambda pct: None)  # registering while events fire

    threads = [threading.Thread(target=work, args=(k * 500,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert monitor.completed == total and monitor.progress == 100.0 and len(counted) == total


# -- merger ---------------------------------------------------------------------------------------


def test_profile_merger_accepts_profiles_saved_files_dicts_and_bytes(tmp_path, table):
    half = table.num_rows // 2
    first = tp.profile(table.slice(0, half))
    second = DistributedProfiler.create(num_partitions=2).profile(table.slice(half))
    first.save(tmp_path / "first.json")
    merger = ProfileMerger()
    whole = tp.profile(table)
    for items in (
        [first, second],
        [str(tmp_path / "first.json"), second],
        [tmp_path / "first.json", second.to_dict(include_state=True)],
        [first.partial, second.partial],
    ):
        merged = merger.merge(items)
        assert merged.row_count == table.num_rows
        assert merged.duplicate_row_count == whole.duplicate_row_count == 300
        assert [c.distinct_count for c in merged.columns] == [
            c.distinct_count for c in whole.columns
        ]
        assert [c.null_count for c in merged.columns] == [c.null_count for c in whole.columns]


def test_profile_merger_errors(tmp_path, table):
    profile = tp.profile(table)
    profile.save(tmp_path / "no-state.json", include_state=False)
    merger = ProfileMerger()
    with pytest.raises(InvalidInputError, match="no mergeable state"):
        merger.merge([tmp_path / "no-state.json", profile])
    with pytest.raises(SourceError, match="no such profile file"):
        merger.merge([tmp_path / "missing.json"])
    (tmp_path / "junk.json").write_text("{not json")
    with pytest.raises(InvalidInputError, match="not a saved profile"):
        merger.merge([tmp_path / "junk.json"])
    with pytest.raises(CorruptPartialError):
        merger.merge([profile.partial[:-3]])
    with pytest.raises(InvalidInputError, match="nothing to merge"):
        merger.merge([])
