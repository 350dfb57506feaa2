"""The same plan gives byte-identical profiles (timings aside) for 1 and 2 workers, threads and
processes, and any completion order; exact statistics are identical across the four strategies and
equal independent counts."""

from __future__ import annotations

import random

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from truthound import _core
from truthound.profiler.distributed import (
    DistributedProfiler,
    LocalBackend,
    LocalConfig,
    PartitionStrategy,
)
from truthound.profiler.distributed.backends import UnitBackend
from truthound.profiler.distributed.merger import PlanMerger
from truthound.profiler.distributed.plan import run_unit

from .conftest import untimed

EXACT_FIELDS = (
    "row_count",
    "null_count",
    "nan_count",
    "zero_count",
    "negative_count",
    "empty_string_count",
    "whitespace_string_count",
    "distinct_count",
    "distinct_count_is_exact",
    "min",
    "max",
    "min_length",
    "max_length",
    "true_count",
    "false_count",
    "non_null_count",
    "min_date",
    "max_date",
)


class ShuffledBackend(UnitBackend):
    """Runs every unit, then hands the results back in a seeded random order."""

    name = "local"

    def __init__(self, seed: int):
        self.seed = seed

    def map_units(self, units):
        results = [run_unit(u) for u in units]
        random.Random(self.seed).shuffle(results)
        yield from results


def _profile(source, backend=None, config=None, **kwargs):
    return DistributedProfiler.create(backend=backend, config=config, **kwargs).profile(source)


@pytest.mark.parametrize("strategy", ["row_based", "hybrid", "hash"])
def test_byte_identical_for_workers_threads_processes_and_order(data_dir, strategy):
    source = str(data_dir / "data.parquet")
    kwargs = dict(partition_strategy=strategy, num_partitions=3)
    reference = _profile(source, config=LocalConfig(num_workers=1), **kwargs)
    assert reference.unit_count > 1
    runs = [
        _profile(source, config=LocalConfig(num_workers=2), **kwargs),
        _profile(source, config=LocalConfig(num_workers=2, use_processes=True), **kwargs),
        _profile(source, backend=ShuffledBackend(seed=1), **kwargs),
        _profile(source, backend=ShuffledBackend(seed=2), **kwargs),
    ]
    for run in runs:
        assert untimed(run) == untimed(reference)
        assert run.partial == reference.partial


def test_process_pool_with_one_worker_matches_threads(data_dir):
    source = str(data_dir / "parts")
    a = _profile(source, config=LocalConfig(num_workers=1, use_processes=True))
    b = _profile(source, config=LocalConfig(num_workers=2))
    assert untimed(a) == untimed(b)


def test_the_plan_merge_is_the_merge_tree_whatever_the_arrival_order(data_dir):
    plan = DistributedProfiler.create(num_partitions=6).plan(str(data_dir / "data.parquet"))
    blobs = [run_unit(u) for u in plan]
    assert len(plan) == 6
    at_once = _core.merge_tree([b for _, b in blobs], fan_in=4)
    for seed in range(4):
        shuffled = blobs[:]
        random.Random(seed).shuffle(shuffled)
        merger = PlanMerger(plan, fan_in=4)
        for unit_id, blob in shuffled:
            merger.add(unit_id, blob)
        assert merger.result() == (at_once, None)
        assert merger.stats.inputs_per_level == [6, 2]


def _exact(profile):
    out = {"rows": profile.row_count, "columns": profile.column_names}
    for c in profile.columns:
        out[c.name] = {f: getattr(c, f) for f in EXACT_FIELDS}
        if c.top_values_method == "exact":
            out[c.name]["top"] = [(repr(v.value), v.count) for v in c.top_values]  # NaN != NaN
        if c.quantiles_method == "exact":
            out[c.name]["percentiles"] = c.percentiles
    return out


@pytest.mark.parametrize("source", ["data.parquet", "parts", "hive", "data.csv"])
def test_exact_statistics_identical_across_strategies(data_dir, source):
    path = str(data_dir / source)
    profiles = {
        s: _profile(path, partition_strategy=s, num_partitions=3) for s in PartitionStrategy
    }
    reference = _exact(profiles[PartitionStrategy.ROW_BASED])
    for strategy, profile in profiles.items():
        assert _exact(profile) == reference, strategy
        assert profile.partition_strategy == strategy.value
        for a, b in zip(
            profile.columns, profiles[PartitionStrategy.ROW_BASED].columns, strict=True
        ):
            if a.distribution is not None and a.distribution.mean is not None:
                assert a.distribution.mean == pytest.approx(b.distribution.mean, rel=1e-12)
                assert a.distribution.sum == pytest.approx(b.distribution.sum, rel=1e-12)


def _canon(value):
    return "NaN" if value != value else value  # NaN != NaN: one NaN, as the engine counts it


def test_exact_statistics_match_independent_counts(data_dir, table):
    profile = _profile(
        str(data_dir / "data.parquet"), config=LocalConfig(num_workers=2), num_partitions=4
    )
    assert profile.row_count == table.num_rows
    assert profile.column_count == table.num_columns
    rows = [tuple(_canon(v) for v in r.values()) for r in table.to_pylist()]
    assert profile.duplicate_row_count == len(rows) - len(set(rows)) == 300
    for name in ("id", "i", "f", "s", "d", "b"):
        column, col = profile[name], table[name]
        assert column.null_count == col.null_count, name
        assert column.distinct_count == len({_canon(v) for v in col.drop_null().to_pylist()}), name
    ints = table["i"].drop_null()
    assert profile["i"].min == pc.min(ints).as_py() and profile["i"].max == pc.max(ints).as_py()
    assert profile["i"].distribution.sum == pc.sum(ints).as_py()
    assert profile["i"].distribution.mean == pytest.approx(pc.mean(ints).as_py(), rel=1e-12)
    floats = table["f"]
    assert profile["f"].nan_count == pc.sum(pc.is_nan(floats)).as_py()
    assert profile["b"].true_count == pc.sum(table["b"]).as_py()
    strings = table["s"].drop_null()
    assert profile["s"].empty_string_count == pc.sum(pc.equal(strings, "")).as_py()
    assert profile["s"].max_length == pc.max(pc.utf8_length(strings)).as_py()
    assert profile["d"].min_date == pc.min(table["d"]).as_py()


def test_column_split_plans_report_duplicates_as_unknown(table):
    for strategy in ("column_based", "hybrid"):
        profile = _profile(table, partition_strategy=strategy, num_partitions=2)
        assert profile.duplicate_row_count is None
        assert profile.duplicate_row_method == "unknown"
    for strategy in ("row_based", "hash"):
        assert (
            _profile(table, partition_strategy=strategy, num_partitions=3).duplicate_row_count
            == 300
        )


def test_hash_keeps_duplicates_exact_past_the_row_limit():
    """Row-limit 200 distinct rows: one merged state goes approximate, 64 hash buckets of ~90
    rows each stay exact, and the sum over buckets is the true count."""
    rows = [(i % 5_000, f"k{i % 5_000}") for i in range(6_000)]  # 5,000 distinct, 1,000 duplicates
    table = pa.table({"a": [r[0] for r in rows], "s": [r[1] for r in rows]})
    row_based = _profile(table, num_partitions=4, row_exact_limit=200)
    assert not row_based.duplicate_row_count_is_exact
    hashed = _profile(table, partition_strategy="hash", num_partitions=64, row_exact_limit=200)
    assert hashed.duplicate_row_count_is_exact
    assert hashed.duplicate_row_count == 1_000
    assert hashed.duplicate_row_method == "exact"


def test_equal_rows_land_in_one_bucket():
    from truthound.profiler.distributed.routing import bucket_ids

    batch = pa.record_batch(
        {
            "f": pa.array([0.0, -0.0, float("nan"), float("nan"), None, 1.5]),
            "s": pa.array(["a", "a", "b", "b", None, "c"]).dictionary_encode(),
            "v": pa.array(["x", "x", "y", "y", None, "z"], pa.string_view()),
        }
    )
    ids = bucket_ids(batch, (), 1_000_003).tolist()
    assert ids[0] == ids[1] and ids[2] == ids[3]
    assert len(set(ids)) == 4


def test_local_backend_profile(table):
    profile = LocalBackend(num_workers=2).profile(table, num_partitions=3)
    assert profile.row_count == table.num_rows and profile.unit_count == 3


def test_units_of_many_row_groups_pickle_in_order_with_absolute_paths(tmp_path, monkeypatch):
    """A unit of row groups [7, 8, 9] reads them in that order in another process (pyarrow
    rebuilds an unpickled fragment's row groups from a set) and finds a relatively named file
    from any working folder."""
    import pickle

    import pyarrow.parquet as pq

    values = pa.array([(i * 7919) % 1_000_003 / 7.0 for i in range(40_000)])
    pq.write_table(pa.table({"x": values}), tmp_path / "groups.parquet", row_group_size=1_000)
    monkeypatch.chdir(tmp_path)
    kwargs = dict(num_partitions=3)
    plan = DistributedProfiler.create(**kwargs).plan("groups.parquet")
    assert len(plan) == 3 and all(len(u.part.row_group_ids) > 10 for u in plan)
    local = [run_unit(u) for u in plan]
    pickled = [pickle.dumps(u) for u in plan]
    monkeypatch.chdir("/")
    shipped = [pickle.loads(p) for p in pickled]
    assert [u.part.row_group_ids for u in shipped] == [u.part.row_group_ids for u in plan]
    assert [run_unit(u) for u in shipped] == local
    monkeypatch.chdir(tmp_path)
    threads = _profile("groups.parquet", config=LocalConfig(num_workers=2), **kwargs)
    processes = _profile(
        "groups.parquet", config=LocalConfig(num_workers=2, use_processes=True), **kwargs
    )
    assert processes.partial == threads.partial
    assert processes["x"].distribution.mean == pytest.approx(pc.mean(values).as_py(), rel=1e-12)
