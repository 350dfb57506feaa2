"""The Ray backend on a local Ray: the same profile as the local backend for the same plan, for
Parquet and CSV paths and for Ray Datasets (from tables, pandas frames and read_parquet)."""

from __future__ import annotations

import pyarrow as pa
import pytest

import truthound.profiler as tp
from truthound import _core

from truthound.profiler.distributed import (
    DistributedMonitor,
    DistributedProfiler,
    HashPartitioner,
    HybridPartitioner,
    LocalBackend,
    PartitionStrategy,
    RayBackend,
    RayConfig,
    RowBasedPartitioner,
)
from truthound.profiler.engine_frames import RayBlocksPart
from truthound.profiler.distributed.partitioners import ColumnBasedPartitioner, Partitioner
from truthound.profiler.errors import InvalidInputError, UnsupportedError

from .conftest import ENGINE_MARKS, FixedPlan, local_blocks_profile, untimed

pytestmark = ENGINE_MARKS

STRATEGIES = {
    "row_based": {"partition_strategy": "row_based", "num_partitions": 4},
    "column_based": {"partition_strategy": "column_based", "num_partitions": 3},
    "hybrid": {"partition_strategy": "hybrid", "num_partitions": 2},
    "hash": {"partition_strategy": "hash", "num_partitions": 3},
}


def _blocks(table: pa.Table, sizes: list[int]) -> list[pa.Table]:
    out, offset = [], 0
    for n in sizes:
        out.append(table.slice(offset, n))
        offset += n
    assert offset == table.num_rows
    return out


# -- paths ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("name", ["data.parquet", "data.csv"])
def test_paths_match_local_backend(local_ray, data_dir, name, strategy):
    options = STRATEGIES[strategy]
    path = str(data_dir / name)
    backend = RayBackend()
    got = backend.profile_file(path, **options)
    want = LocalBackend(2).profile(path, **options)
    assert got.unit_count == want.unit_count > 1
    assert (got.backend, got.partition_strategy) == ("ray", strategy)
    assert untimed(got) == untimed(want)


@pytest.mark.parametrize("strategy", ["row_based", "hybrid"])
def test_in_memory_table_matches_local_backend(local_ray, table, strategy):
    options = STRATEGIES[strategy]
    got = RayBackend().profile(table, **options)  # the table goes to the object store once
    want = LocalBackend(2).profile(table, **options)
    assert got.unit_count == want.unit_count > 1
    assert untimed(got) == untimed(want)


def test_profiler_create_uses_the_running_ray_and_reports_progress(local_ray, data_dir):
    monitor = DistributedMonitor()
    completed = []
    monitor.on_partition_complete(completed.append)
    profiler = DistributedProfiler.create(
        backend="ray", config=RayConfig(num_cpus=2), monitor=monitor, num_partitions=5
    )
    profile = profiler.profile(str(data_dir / "data.parquet"))
    assert sorted(completed) == list(range(profile.unit_count)) and len(completed) == 5
    assert monitor.progress == 100.0
    assert profile.row_count == 20_000 and profile.duplicate_row_count == 300
    profiler.backend.close()  # it did not start this Ray: nothing to shut down
    assert local_ray.is_initialized()


def test_errors_name_the_file_and_rows(local_ray, tmp_path):
    # Past the first 8 MB block, from which the column types are inferred.
    good = "\n".join(f"{i},{i * 2}" for i in range(900_000))
    path = tmp_path / "bad.csv"
    path.write_text(f"a,b\n{good}\nx,1\n")
    with pytest.raises(InvalidInputError) as ray_error:
        RayBackend().profile_file(str(path), num_partitions=3)
    with pytest.raises(InvalidInputError) as local_error:
        LocalBackend(2).profile(str(path), num_partitions=3)
    message = str(ray_error.value)
    assert str(path) in message and "bytes" in message and "'x'" in message
    # The same unit as the local backend's (a one-thread reader in a Ray task adds the row).
    assert message.split(":")[0] == str(local_error.value).split(":")[0]


# -- Ray Datasets -----------------------------------------------------------------------------------


def test_dataset_blocks_match_local_backend_on_the_same_blocks(local_ray, table):
    blocks = _blocks(table, [3_000, 7_000, 1, 5_999, 4_000])
    ds = local_ray.data.from_arrow(blocks)
    backend = RayBackend()
    plan = RowBasedPartitioner().plan(ds)
    assert [u.unit_id for u in plan.units] == list(range(5))
    assert all(isinstance(u.part, RayBlocksPart) for u in plan.units)
    assert plan.units[3].part.label == "ray.data.Dataset block 3 of 5"
    got = backend.profile(ds)
    assert (got.unit_count, got.row_count, got.name) == (5, table.num_rows, "ray.data.Dataset")
    assert untimed(got) == untimed(local_blocks_profile(blocks))
    assert untimed(backend.profile(ds)) == untimed(got)
    # the row sample is keyed by row content: the same bytes as one local unit over the rows
    whole = tp.profile(pa.concat_tables(blocks))
    assert _core.relations(got.partial)["sample"] == _core.relations(whole.partial)["sample"]
    assert got.sample.num_rows == 1_000


def test_read_parquet_dataset_keeps_block_order(local_ray, data_dir, table):
    # Lazy; Ray Data reads these small files as one block, repartition cuts it in four.
    ds = local_ray.data.read_parquet(str(data_dir / "parts")).repartition(4)
    got = RayBackend().profile(ds, seed=7)
    blocks = local_ray.get(ds.to_arrow_refs())  # the execution above, cached
    assert len(blocks) == got.unit_count > 1
    assert pa.concat_tables(blocks).column("id").equals(table.column("id"))  # file and row order
    assert untimed(got) == untimed(local_blocks_profile(blocks, seed=7))


def test_pandas_blocks_are_profiled_as_arrow(local_ray, table):
    frames = [b.to_pandas() for b in _blocks(table.drop_columns(["d"]), [8_000, 12_000])]
    ds = local_ray.data.from_pandas(frames)
    got = RayBackend().profile(ds)
    arrow_blocks = local_ray.get(ds.to_arrow_refs())
    assert got.row_count == 20_000 and got.unit_count == 2
    assert untimed(got) == untimed(local_blocks_profile(arrow_blocks))


@pytest.mark.parametrize(
    "partitioner",
    [
        RowBasedPartitioner(num_partitions=2),
        ColumnBasedPartitioner(3),
        HybridPartitioner(row_partitions=2, column_partitions=2),
        HashPartitioner(num_partitions=3, key_columns=["id"]),
    ],
    ids=["row_based-2", "column_based", "hybrid", "hash"],
)
def test_dataset_strategies_match_local_backend_on_the_same_plan(local_ray, table, partitioner):
    ds = local_ray.data.from_arrow(_blocks(table, [5_000] * 4))
    backend = RayBackend()
    plan = partitioner.plan(ds, columns=["id", "i", "f", "s", "b"])
    got = backend.profile(ds, columns=["id", "i", "f", "s", "b"], partition_strategy=partitioner)
    local = DistributedProfiler.create(backend=LocalBackend(2))
    local.partitioner = FixedPlan(plan)  # the same units, read on the driver
    want = local.profile(ds, columns=["id", "i", "f", "s", "b"])
    assert got.unit_count == len(plan) > 1
    assert got.column_count == 5
    assert untimed(got) == untimed(want)


def test_dataset_row_groups_of_blocks(local_ray, table):
    ds = local_ray.data.from_arrow(_blocks(table, [2_000, 2_000, 6_000, 10_000]))
    plan = RowBasedPartitioner(num_partitions=2).plan(ds)
    assert [u.part.rows for u in plan.units] == [10_000, 10_000]
    assert plan.units[0].part.label == "ray.data.Dataset blocks 0-2 of 4 (rows 0-9999)"


def test_dataset_column_errors(local_ray, table):
    ds = local_ray.data.from_arrow(table)
    backend = RayBackend()
    with pytest.raises(InvalidInputError, match="column 'nope' not found in ray.data.Dataset"):
        backend.profile(ds, columns=["nope"])
    with pytest.raises(InvalidInputError, match="reader options apply to files only"):
        backend.profile(ds, delimiter=";")

    class Other(Partitioner):
        strategy = PartitionStrategy.ROW_BASED

    with pytest.raises(UnsupportedError, match="Other cannot plan a ray.data.Dataset"):
        backend.profile(ds, partition_strategy=Other())


def test_empty_dataset(local_ray, table):
    profile = RayBackend().profile(local_ray.data.from_arrow(table.slice(0, 0)))
    assert profile.row_count == 0 and profile.column_count == table.num_columns


def test_truthound_profile_takes_a_ray_dataset(local_ray, table):
    """``tp.profile(ds)`` fetches the blocks in dataset order in this process: the bytes of one
    unit over the concatenated table."""
    import truthound.profiler as tp

    ds = local_ray.data.from_arrow(_blocks(table, [5_000] * 4))
    profile = tp.profile(ds)
    assert profile.source == "ray.data.Dataset" and profile.row_count == table.num_rows
    assert profile.partial == tp.profile(table).partial
