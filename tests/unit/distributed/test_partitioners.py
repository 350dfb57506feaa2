"""Plans: Parquet by row groups (footers only), CSV by byte ranges at line starts, tables by
slices, column groups balanced by cost, HYBRID and HASH shapes, and units that pickle small."""

from __future__ import annotations

import json
import pickle

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from truthound.profiler.distributed import (
    ColumnBasedPartitioner,
    DistributedProfiler,
    HashPartitioner,
    HybridPartitioner,
    RowBasedPartitioner,
)
from truthound.profiler.distributed.partitioners import column_groups, partitioner_for
from truthound.profiler.distributed.plan import CsvRangePart, FragmentPart, TablePart, run_unit
from truthound.profiler.errors import InvalidInputError, UnsupportedError
from truthound.profiler.sources import open_source

from .conftest import untimed


def test_parquet_splits_by_row_groups(data_dir):
    units = RowBasedPartitioner(num_partitions=3).partition(str(data_dir / "data.parquet"))
    assert [u.part.rows for u in units] == [2_000, 2_000, 2_000]
    assert all(isinstance(u.part, FragmentPart) for u in units)
    assert [u.part.row_group_ids for u in units] == [(0, 1), (2, 3), (4, 5)]
    assert "row groups 2-3 (rows 2000-3999)" in units[1].where
    # never more parts than row groups; never a part across two files
    assert (
        len(RowBasedPartitioner(num_partitions=50).partition(str(data_dir / "data.parquet"))) == 6
    )
    parts = RowBasedPartitioner(num_partitions=2).partition(str(data_dir / "parts"))
    assert len({u.part.fragment.path for u in parts}) == 3
    assert sum(u.part.rows for u in parts) == 6_000


def test_automatic_sizing_keeps_small_inputs_whole(data_dir, table):
    assert len(RowBasedPartitioner().partition(str(data_dir / "data.parquet"))) == 1
    assert len(RowBasedPartitioner().partition(table)) == 1
    assert len(RowBasedPartitioner().partition(str(data_dir / "parts"))) == 3  # one per file


def test_table_splits_into_equal_slices(table):
    units = RowBasedPartitioner(num_partitions=7).partition(table)
    assert all(isinstance(u.part, TablePart) for u in units)
    assert sum(u.part.rows for u in units) == table.num_rows
    assert max(u.part.rows for u in units) - min(u.part.rows for u in units) <= 1
    tiny = RowBasedPartitioner(num_partitions=10).partition(pa.table({"x": [1, 2]}))
    assert len(tiny) == 2


def test_csv_splits_at_line_starts(data_dir, table):
    path = str(data_dir / "data.csv")
    units = RowBasedPartitioner(num_partitions=4).partition(path)
    assert len(units) == 4 and all(isinstance(u.part, CsvRangePart) for u in units)
    data = (data_dir / "data.csv").read_bytes()
    header_end = data.index(b"\n") + 1
    assert units[0].part.start == 0 and units[0].part.header == b""
    for u in units[1:]:
        assert data[u.part.start - 1 : u.part.start] == b"\n"
        assert u.part.header == data[:header_end]
    assert [u.part.end for u in units[:-1]] == [u.part.start for u in units[1:]]
    assert units[-1].part.end == len(data)
    split = DistributedProfiler.create(num_partitions=4).profile(path)
    whole = DistributedProfiler.create(num_partitions=1).profile(path)
    assert split.unit_count == 4 and whole.unit_count == 1
    assert split.row_count == whole.row_count == table.num_rows
    assert split.duplicate_row_count == whole.duplicate_row_count == 300
    for a, b in zip(split.columns, whole.columns, strict=True):
        assert (a.physical_type, a.null_count, a.distinct_count, a.min, a.max) == (
            b.physical_type,
            b.null_count,
            b.distinct_count,
            b.min,
            b.max,
        )


def test_csv_without_header_and_with_delimiter_splits_too(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("".join(f"{i}\tv{i % 3}\n" for i in range(100)))
    profiler = DistributedProfiler.create(num_partitions=3)
    units = profiler.plan(str(path), header=False)
    assert len(units) == 3 and all(u.part.header == b"" for u in units)
    profile = profiler.profile(str(path), header=False)
    assert profile.column_names == ["f0", "f1"] and profile.row_count == 100
    assert profile["f0"].distribution.sum == sum(range(100))


def test_csv_with_quoted_line_breaks_is_cut_at_record_starts(tmp_path):
    path = tmp_path / "q.csv"
    rows = [f'{i},"line {i}\nstill ""quoted"", with, commas\n",{i * 3}' for i in range(3000)]
    path.write_text('a,"b\nheader",c\n' + "\n".join(rows) + "\n")
    expected = pacsv.read_csv(path, parse_options=pacsv.ParseOptions(newlines_in_values=True))
    for partitions in (2, 7, 40):
        units = RowBasedPartitioner(num_partitions=partitions).plan(str(path)).units
        assert len(units) == partitions
        data = path.read_bytes()
        for u in units[1:]:  # every range starts a record: an even count of quotes before it
            assert data[: u.part.start].count(b'"') % 2 == 0 and data[u.part.start - 1] == 10
        profile = DistributedProfiler.create(num_partitions=partitions).profile(str(path))
        assert profile.row_count == expected.num_rows == 3000
        assert profile.column_names == expected.schema.names
        assert profile["c"].distribution.sum == pc.sum(expected["c"]).as_py()
        assert profile["b\nheader"].max == pc.max(expected["b\nheader"]).as_py()


def test_csv_said_to_have_no_quoted_line_breaks_is_cut_at_lines(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("a,b\n" + "".join(f"{i},x{i}\n" for i in range(100)))
    units = RowBasedPartitioner(num_partitions=3).plan(str(path), newlines_in_values=False)
    assert len(units) == 3
    assert DistributedProfiler.create(num_partitions=3).profile(str(path)).row_count == 100


def test_column_groups_balance_cost_not_count():
    t = pa.table({"s1": ["x" * 40], "s2": ["y" * 40], "a": [1], "b": [2], "c": [3], "d": [4]})
    groups = ColumnBasedPartitioner().partition(t, num_workers=2)
    assert sorted(map(len, groups)) == [3, 3]
    assert {"s1", "s2"} not in [set(g) for g in groups]  # the two strings are split apart
    # more groups than columns: one column each
    assert len(ColumnBasedPartitioner().partition(t, num_workers=10)) == 6


def test_column_costs_use_parquet_sizes(tmp_path):
    long = "z" * 500
    t = pa.table({"wide": [long] * 50, "s1": ["a"] * 50, "s2": ["b"] * 50, "s3": ["c"] * 50})
    pq.write_table(t, tmp_path / "w.parquet", compression="none", use_dictionary=False)
    groups = column_groups(open_source(str(tmp_path / "w.parquet")), t.column_names, 2)
    assert ("wide",) in groups  # the wide string column alone outweighs the three short ones


def test_hybrid_is_row_parts_times_column_groups(data_dir):
    units = HybridPartitioner(row_partitions=3, column_partitions=2).partition(
        str(data_dir / "data.parquet")
    )
    assert len(units) == 6
    assert [u.unit_id for u in units] == list(range(6))
    assert units[0].part == units[1].part and units[0].columns != units[1].columns
    assert not any(u.track_rows for u in units)


def test_hash_units_are_bucket_major(table):
    units = HashPartitioner(num_partitions=3).partition(table)
    assert [(u.unit_id, u.bucket, u.buckets) for u in units] == [(0, 0, 3), (1, 1, 3), (2, 2, 3)]
    keyed = HashPartitioner(num_partitions=2, key_columns=["id"])
    profile = DistributedProfiler.create(partition_strategy=keyed).profile(table)
    assert profile.row_count == table.num_rows and profile.duplicate_row_count == 300
    with pytest.raises(InvalidInputError, match="hash key column 'nope'"):
        HashPartitioner(key_columns=["nope"]).partition(table)


def test_selected_columns_keep_table_order_and_count_their_duplicate_rows(table):
    profile = DistributedProfiler.create(num_partitions=2).profile(table, columns=["s", "id"])
    assert profile.column_names == ["id", "s"]
    direct = DistributedProfiler.create(num_partitions=2).profile(table.select(["id", "s"]))
    assert profile.duplicate_row_count == direct.duplicate_row_count is not None
    every = DistributedProfiler.create().profile(table, columns=table.column_names)
    assert every.duplicate_row_count == 300


def test_unknown_column_names_the_table(table):
    with pytest.raises(
        InvalidInputError, match="column 'nope' not found in pyarrow.Table; its columns are id, i"
    ):
        DistributedProfiler.create().profile(table, columns=["nope"])


def test_units_pickle_as_descriptions(data_dir):
    for source in ("data.parquet", "data.csv"):
        units = RowBasedPartitioner(num_partitions=3).partition(str(data_dir / source))
        for unit in units:
            data = pickle.dumps(unit)
            assert len(data) < 20_000  # a description, not rows
            copy = pickle.loads(data)
            assert run_unit(copy) == run_unit(unit)


def test_one_shot_streams_are_read_once(table):
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=1_000))
    profile = DistributedProfiler.create(num_partitions=4).profile(reader)
    assert profile.row_count == table.num_rows and profile.unit_count == 1
    for strategy in ("column_based", "hash"):
        reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches())
        with pytest.raises(UnsupportedError, match="one-shot stream"):
            DistributedProfiler.create(partition_strategy=strategy).profile(reader)


def test_partitioner_for_and_bad_sizes():
    assert isinstance(partitioner_for("row_based", 3), RowBasedPartitioner)
    assert partitioner_for("hash").num_partitions == 4
    for bad in (0, -1, 1.5, "2", True):
        with pytest.raises(InvalidInputError, match="num_partitions must be a positive integer"):
            RowBasedPartitioner(num_partitions=bad)
    with pytest.raises(InvalidInputError, match="unknown partition strategy 'diagonal'"):
        DistributedProfiler.create(partition_strategy="diagonal")


def test_same_plan_same_bytes_from_csv_and_table_sources(tmp_path, table):
    small = table.drop_columns(["d"]).slice(0, 500)
    pacsv.write_csv(small, tmp_path / "s.csv")
    # The CSV's rows as a real in-memory table, read as truthound reads CSV (empty text is null).
    read_back = pacsv.read_csv(
        tmp_path / "s.csv", convert_options=pacsv.ConvertOptions(strings_can_be_null=True)
    )
    csv_path = str(tmp_path / "s.csv")

    def profile(data, parts):
        d = json.loads(untimed(DistributedProfiler.create(num_partitions=parts).profile(data)))
        for key in ("name", "source"):
            d.pop(key)
        return d

    # One unit each: the same plan over the same rows gives the same bytes, whatever the source.
    assert profile(csv_path, 1) == profile(read_back, 1)
    # Two units: byte ranges of the file and row slices of the table cut at other rows, so only
    # the exact statistics must agree.
    a, b = profile(csv_path, 2), profile(read_back, 2)
    exact = ("row_count", "null_count", "distinct_count", "min", "max", "non_null_count")
    for ca, cb in zip(a["columns"], b["columns"], strict=True):
        assert {k: ca.get(k) for k in exact} == {k: cb.get(k) for k in exact}
        if "distribution" in ca:
            assert ca["distribution"]["sum"] == cb["distribution"]["sum"]
    assert a["row_count"] == b["row_count"] == 500
