"""Dask's local schedulers (threads, processes, synchronous): the same plan gives the local
backend's profile byte for byte, for files and for Dask DataFrames; progress arrives unit by unit;
a failing unit names its file and rows and leaves nothing running."""

from __future__ import annotations

import threading

import dask.dataframe as dd
import pyarrow as pa
import pytest

from truthound.profiler.distributed import (
    DaskBackend,
    DaskConfig,
    DistributedMonitor,
    DistributedProfiler,
    LocalBackend,
    LocalConfig,
)
from truthound.profiler.distributed.partitioners import HashPartitioner, RowBasedPartitioner
from truthound.profiler.distributed.plan import TablePart, Unit
from truthound.profiler.errors import ProfilerError

from .conftest import untimed

SCHEDULERS = ["threads", "processes", "synchronous"]


def local(source, **kwargs):
    return DistributedProfiler.create(config=LocalConfig(num_workers=1), **kwargs).profile(source)


def on_dask(scheduler, source, **kwargs):
    backend = DaskBackend(DaskConfig(scheduler=scheduler, num_workers=2))
    return DistributedProfiler.create(backend=backend, **kwargs).profile(source)


class AtBounds(RowBasedPartitioner):
    """Row parts of an in-memory table cut at the given row numbers."""

    def __init__(self, bounds):
        super().__init__()
        self.bounds = bounds

    def _units(self, source, schema, selected, options):
        table = source.dataset.to_table()
        pairs = zip(self.bounds, self.bounds[1:])
        return [
            Unit(i, TablePart(table, a, b - a, f"rows {a}-{b - 1}"), schema, options, selected)
            for i, (a, b) in enumerate(pairs)
        ]


def local_profile_of_frame(ddf):
    """The local backend's profile of a Dask DataFrame's rows, in units at its partitions."""
    lengths = ddf.map_partitions(len).compute(scheduler="synchronous").tolist()
    bounds = [0]
    for n in lengths:
        bounds.append(bounds[-1] + n)
    rows = pa.Table.from_pandas(ddf.compute(scheduler="synchronous"), preserve_index=False)
    return local(
        rows.replace_schema_metadata(None).combine_chunks(), partition_strategy=AtBounds(bounds)
    )


@pytest.fixture(scope="module")
def frame(table):
    return dd.from_pandas(table.to_pandas(), npartitions=4)


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_files_equal_the_local_backend(scheduler, data_dir):
    cases = [
        (str(data_dir / "data.parquet"), {"num_partitions": 3}),  # row groups
        (str(data_dir / "parts" / "*.parquet"), {"partition_strategy": "hash"}),
        (str(data_dir / "data.csv"), {"partition_strategy": "hybrid", "num_partitions": 2}),
    ]
    for source, kwargs in cases:
        reference = local(source, **kwargs)
        profile = on_dask(scheduler, source, **kwargs)
        assert profile.unit_count == reference.unit_count > 1
        assert profile.backend == "dask"
        assert untimed(profile) == untimed(reference), (source, kwargs)
        assert profile.partial == reference.partial


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_dask_dataframe_equals_the_local_backend(scheduler, frame):
    reference = local_profile_of_frame(frame)
    profile = DaskBackend(DaskConfig(scheduler=scheduler, num_workers=2)).profile(frame)
    assert profile.unit_count == frame.npartitions == 4
    assert profile.source == "dask.DataFrame"
    assert untimed(profile, "name", "source") == untimed(reference, "name", "source")
    assert profile.partial == reference.partial
    assert profile.duplicate_row_count == 300


def test_dask_dataframe_strategies_match_the_local_backend_on_the_same_plan(frame):
    """The local backend runs a frame's plan on the driver: same plan, same bytes."""
    for partitioner in (HashPartitioner(3), RowBasedPartitioner(3)):

        class SamePlan(DistributedProfiler):
            def plan(self, data, columns=None, _partitioner=partitioner, **options):
                return _partitioner.plan(data, self.settings, columns)

        reference = SamePlan(LocalBackend(1), partitioner).profile(frame)
        profile = DaskBackend(DaskConfig(num_workers=2)).profile(
            frame, partition_strategy=partitioner
        )
        assert profile.unit_count == reference.unit_count
        assert untimed(profile) == untimed(reference)


def test_dask_dataframe_column_groups_and_selection(frame, table):
    backend = DaskBackend(DaskConfig(num_workers=2))
    hybrid = backend.profile(frame, partition_strategy="hybrid", num_partitions=2)
    assert hybrid.unit_count == 4 and hybrid.duplicate_row_method == "unknown"
    whole = backend.profile(frame)
    for column in ("id", "i", "s", "b"):
        assert hybrid[column].null_count == whole[column].null_count
        assert hybrid[column].distinct_count == whole[column].distinct_count
    some = backend.profile(frame, columns=["f", "s"])
    assert [c.name for c in some.columns] == ["f", "s"]
    assert some["s"].null_count == table.column("s").null_count


def test_progress_reaches_the_monitor_unit_by_unit(data_dir):
    monitor = DistributedMonitor()
    seen, percents = [], []
    monitor.on_partition_complete(seen.append)
    monitor.on_progress(percents.append)
    backend = DaskBackend(DaskConfig(scheduler="threads", num_workers=2))
    profile = backend.profile_file(
        str(data_dir / "data.parquet"), monitor=monitor, num_partitions=6
    )
    assert sorted(seen) == list(range(6)) == list(range(profile.unit_count))
    assert percents == sorted(percents) and percents[-1] == 100.0 and len(percents) == 6


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_a_failing_unit_names_its_file_and_rows(scheduler, data_dir):
    errors = []
    monitor = DistributedMonitor()
    monitor.on_error(errors.append)
    backend = DaskBackend(DaskConfig(scheduler=scheduler, num_workers=2))
    with pytest.raises(ProfilerError, match=r"corrupt\.parquet row group 1 \(rows 5000-9999\)"):
        backend.profile_file(str(data_dir / "corrupt.parquet"), num_partitions=2, monitor=monitor)
    assert len(errors) == 1
    assert not [t for t in threading.enumerate() if t.name == "truthound-dask"]


def test_stopping_early_stops_the_run(data_dir):
    """A run stopped from the driver (here by the monitor) cancels what has not started and
    leaves no thread behind."""
    backend = DaskBackend(DaskConfig(scheduler="threads", num_workers=1))
    monitor = DistributedMonitor()

    def stop(unit_id):
        raise KeyboardInterrupt

    monitor.on_partition_complete(stop)
    with pytest.raises(KeyboardInterrupt):
        DistributedProfiler(backend, RowBasedPartitioner(6), monitor).profile(
            str(data_dir / "data.parquet")
        )
    assert not [t for t in threading.enumerate() if t.name.startswith("truthound-")]


def test_object_columns_series_and_unnamed_columns(table):
    """An ``object`` column takes its values' type (here dates, from the first rows), a Series
    is a one-column table, and integer column names become strings as in Arrow."""
    import dask

    with dask.config.set({"dataframe.convert-string": False}):
        frame = dd.from_pandas(table.select(["id", "d"]).to_pandas(), npartitions=3)
    assert str(frame.dtypes["d"]) == "object"
    backend = DaskBackend(DaskConfig(scheduler="threads", num_workers=2))
    profile = backend.profile(frame)
    assert profile["d"].physical_type == "date32[day]"
    assert profile["d"].min_date == min(table.column("d").to_pylist())

    series = backend.profile(frame["id"])
    assert [c.name for c in series.columns] == ["id"] and series.row_count == 6_000

    unnamed = dd.from_pandas(table.select(["id", "f"]).to_pandas().set_axis([0, 1], axis=1), 2)
    profile = backend.profile(unnamed)
    assert [c.name for c in profile.columns] == ["0", "1"]
    assert profile["0"].distribution.max == 5_699


def test_truthound_profile_takes_a_dask_dataframe(frame, table):
    """``tp.profile(df)`` reads the partitions in order in this process: one unit over the same
    rows as the computed frame."""
    import truthound.profiler as tp

    profile = tp.profile(frame)
    computed = tp.profile(frame.compute())
    assert profile.source == "dask.DataFrame" and profile.row_count == table.num_rows
    assert profile.duplicate_row_count == computed.duplicate_row_count == 300
    for name in ("id", "i", "f", "s", "b"):
        mine, theirs = profile[name], computed[name]
        assert (mine.null_count, mine.distinct_count) == (theirs.null_count, theirs.distinct_count)
        assert mine.distribution == theirs.distribution
