"""What profiler/sources.py makes of unusual but valid input, and of bad input: folders whose
files differ, hive keys that clash with file columns, integers beyond int64 in CSV, FIFOs,
column selections, duplicate names, spent readers, corrupt Parquet pages."""

from __future__ import annotations

import os
import warnings
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import truthound.profiler as tp
from truthound.profiler.distributed import DistributedProfiler, PartitionStrategy
from truthound.profiler.errors import InvalidInputError, SourceError

STRATEGIES = [s.value for s in PartitionStrategy]


def _both(data, **options):
    """The profile by tp.profile and by every strategy of the distributed profiler."""
    yield "tp.profile", tp.profile(data, **options)
    for strategy in STRATEGIES:
        yield (
            strategy,
            DistributedProfiler.create(partition_strategy=strategy).profile(data, **options),
        )


# -- item 3: a folder's schema is the union of its files' ------------------------------------------


@pytest.fixture
def uneven_folder(tmp_path):
    (tmp_path / "year=2020").mkdir()
    (tmp_path / "year=2021").mkdir()
    pq.write_table(
        pa.table({"a": pa.array([1, 2], pa.int32()), "b": ["x", "y"]}),
        tmp_path / "year=2020" / "p1.parquet",
    )
    pq.write_table(
        pa.table({"a": [3, 4, 5], "c": [1.5, 2.5, None], "year": [1999, 1998, 1997]}),
        tmp_path / "year=2021" / "p2.parquet",
    )
    return tmp_path


def test_columns_of_later_files_are_kept(uneven_folder):
    for how, p in _both(str(uneven_folder)):
        assert p.column_names == ["a", "b", "c", "year"], how
        assert p.row_count == 5
        assert p["a"].physical_type == "int64" and p["a"].distribution.sum == 15
        assert p["b"].null_count == 3 and "missing from 1 of 2 files" in p["b"].note
        assert p["c"].null_count == 3 and p["c"].distribution.sum == 4.0
        assert "p1.parquet" in p["c"].note and "count as nulls" in p["c"].note


def test_a_hive_key_never_replaces_a_file_column(uneven_folder):
    for how, p in _both(str(uneven_folder)):
        year = p["year"]
        # p2's own column (1999, 1998, 1997) is kept; p1 has none and takes 2020 from its folder.
        assert (year.min, year.max, year.distribution.sum) == (
            1997,
            2020,
            1999 + 1998 + 1997 + 4040,
        ), how
        assert "hive partition key" in year.note


def test_types_that_cannot_unify_name_the_file_and_column(tmp_path):
    pq.write_table(pa.table({"k": [1, 2]}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"k": ["x", "y"]}), tmp_path / "b.parquet")
    with pytest.raises(
        SourceError, match=r"column 'k' is int64 in .*a\.parquet.* but string in .*b\.parquet"
    ):
        tp.profile(str(tmp_path))


def test_csv_files_with_different_columns_unify(tmp_path):
    (tmp_path / "1.csv").write_text("a,b\n1,x\n2,y\n")
    (tmp_path / "2.csv").write_text("b,a,z\nq,3.5,7\n")
    p = tp.profile(str(tmp_path))
    assert p.column_names == ["a", "b", "z"]
    assert p["a"].physical_type == "double" and p["a"].distribution.sum == 6.5
    assert p["z"].null_count == 2 and p["z"].max == 7


# -- item 2: integers beyond int64 in CSV keep every digit -------------------------------------


def test_csv_integers_beyond_int64_are_exact_decimals(tmp_path):
    path = tmp_path / "big.csv"
    values = [
        18446744073709551615,
        -99999999999999999999999,
        3,
        12345678901234567890123456789012345678,
    ]
    path.write_text("a,b\n" + "".join(f"{v},{i}.5\n" for i, v in enumerate(values)))
    for how, p in _both(str(path)):
        a = p["a"]
        assert a.physical_type == "decimal128(38, 0)", how
        assert a.min == Decimal(min(values)) and a.max == Decimal(max(values))
        assert {v.value for v in a.top_values} == {Decimal(v) for v in values}
        assert p["b"].physical_type == "double"


def test_decimal128_from_parquet_keeps_38_digits(tmp_path):
    values = [Decimal("1234567890123456789012345678.1234567891"), Decimal("-0.0000000001")]
    pq.write_table(pa.table({"d": pa.array(values, pa.decimal128(38, 10))}), tmp_path / "d.parquet")
    for how, p in _both(str(tmp_path / "d.parquet")):
        assert (p["d"].min, p["d"].max) == (values[1], values[0]), how
        assert p["d"].distribution.max == values[0]


# -- item 1, item 7 (second half) and "a string is one column name" ----------------------------


@pytest.mark.parametrize("columns", [[], (), ["a", "a"]])
def test_empty_or_repeated_selections_are_usage_errors(columns):
    t = pa.table({"a": [1, 2], "b": ["x", "y"]})
    for profile in (tp.profile, DistributedProfiler.create().profile):
        with pytest.raises(InvalidInputError, match="selects no column|selected twice"):
            profile(t, columns=columns)
    for strategy in STRATEGIES:
        with pytest.raises(InvalidInputError):
            DistributedProfiler.create(partition_strategy=strategy).profile(t, columns=columns)


def test_a_string_is_one_column_name():
    t = pa.table({"a": [1], "b": [2], "ab": [3]})
    for how, p in _both(t, columns="ab"):
        assert p.column_names == ["ab"], how


def test_duplicate_column_names_in_a_table_are_a_clear_error():
    t = pa.Table.from_arrays([pa.array([1]), pa.array([2])], names=["a", "a"])
    for profile in (tp.profile, DistributedProfiler.create().profile):
        with pytest.raises(InvalidInputError, match="more than one column named 'a'"):
            profile(t)


# -- unclear errors ------------------------------------------------------------------------------


def test_a_fifo_is_a_clear_error(tmp_path):
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    with pytest.raises(SourceError, match="not a regular file or folder"):
        tp.profile(str(fifo))


def test_engine_errors_name_the_file_without_a_traceback(tmp_path):
    path = tmp_path / "bad.csv"
    with open(path, "w") as f:  # past the first 8 MB block that pyarrow infers types from
        f.write("a,b\n")
        f.write("1,x\n" * 3_000_000)
        f.write("oops,y\n")
    for profile in (tp.profile, DistributedProfiler.create().profile):
        with pytest.raises(InvalidInputError) as info:
            profile(str(path))
        message = str(info.value)
        assert message.startswith(str(path)) and "invalid value 'oops'" in message
        assert "unit 0" not in message and "Traceback" not in message


def test_the_format_hint_names_options_that_exist(tmp_path):
    path = tmp_path / "data"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(Exception, match="format='csv'") as info:
        tp.profile(str(path))
    assert "--input-format" in str(info.value)
    assert tp.profile(str(path), format="csv").row_count == 1
    assert DistributedProfiler.create().profile(str(path), format="csv").row_count == 1


def test_a_spent_record_batch_reader_warns():
    t = pa.table({"a": [1, 2, 3]})
    reader = pa.RecordBatchReader.from_batches(t.schema, t.to_batches())
    reader.read_all()
    for profile in (tp.profile, DistributedProfiler.create().profile):
        spent = pa.RecordBatchReader.from_batches(t.schema, iter(()))
        with pytest.warns(UserWarning, match="read only once"):
            assert profile(spent).row_count == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (
            tp.profile(pa.RecordBatchReader.from_batches(t.schema, t.to_batches())).row_count == 3
        )


def test_a_corrupt_parquet_page_is_reported_with_its_file_and_row_group(tmp_path):
    t = pa.table({"x": pa.array(range(100_000)), "y": pa.array(range(100_000), pa.float64())})
    good = tmp_path / "good.parquet"
    pq.write_table(t, good, write_page_checksum=True, compression="none", row_group_size=50_000)
    data = bytearray(good.read_bytes())
    meta = pq.ParquetFile(good).metadata
    offset = meta.row_group(1).column(0).data_page_offset + 200  # inside row group 1's values
    data[offset] ^= 0x01
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(bytes(data))
    assert tp.profile(str(good))["x"].distribution.sum == pc.sum(t["x"]).as_py()
    for profile in (tp.profile, DistributedProfiler.create().profile):
        with pytest.raises(InvalidInputError, match=r"corrupt data in .*bad\.parquet row group 1"):
            profile(str(bad))


def test_num_partitions_is_capped_with_a_warning():
    from truthound.profiler.distributed.partitioners import MAX_PARTS

    t = pa.table({"x": list(range(5000))})
    with pytest.warns(UserWarning, match="more units than make sense"):
        p = DistributedProfiler.create(num_partitions=10**7).profile(t)
    assert p.unit_count == MAX_PARTS and p["x"].distribution.sum == sum(range(5000))
    small = pa.table({"x": [1, 2, 3]})
    assert DistributedProfiler.create(num_partitions=10).profile(small).unit_count == 3
    with pytest.warns(UserWarning, match="more units than make sense"):
        assert (
            len(DistributedProfiler.create(partition_strategy="hash", num_partitions=10**6).plan(t))
            == MAX_PARTS
        )


# -- item 7: merging profiles of different tables gives the union ------------------------------


def test_merging_different_schemas_gives_the_union_with_notes():
    a = tp.profile(pa.table({"a": [1, 2, 3], "b": ["x", "y", "x"]}))
    b = tp.profile(pa.table({"c": [1.5, None], "a": [10, 20]}))
    merged = a.merge(b)
    assert merged.column_names == ["a", "b", "c"] and merged.row_count == 5
    assert merged["a"].null_count == 0 and merged["a"].distribution.sum == 36
    assert merged["b"].null_count == 2 and merged["b"].top_values[0].value == "x"
    assert "not in merged profile 2 of 2" in merged["b"].note and "2 rows" in merged["b"].note
    assert merged["c"].null_count == 4 and "not in merged profile 1 of 2" in merged["c"].note
    # Rows of tables with other columns cannot be compared: no duplicate count is claimed.
    assert merged.duplicate_row_count is None and merged.duplicate_row_method == "unknown"
    # The same columns in another order are the same table.
    swapped = tp.profile(pa.table({"b": ["x"], "a": [1]}))
    assert a.merge(swapped).column_names == ["a", "b"]
    assert a.merge(swapped)["a"].row_count == 4


def test_merging_a_column_of_another_type_names_it():
    a = tp.profile(pa.table({"a": [1, 2]}))
    with pytest.raises(InvalidInputError, match='column "a": type int64 and type string differ'):
        a.merge(tp.profile(pa.table({"a": ["s"]})))


# -- item 8: duplicate rows of a selection -----------------------------------------------------


def test_duplicate_rows_cover_the_selected_columns_under_every_strategy():
    import duckdb
    import numpy as np

    rng = np.random.default_rng(1)
    n = 20_000
    t = pa.table(
        {
            "carrier": rng.integers(0, 5, n),
            "origin": rng.integers(0, 20, n),
            "dest": rng.integers(0, 20, n),
            "x": rng.random(n),
        }
    )
    sel = ["carrier", "origin", "dest"]
    truth = duckdb.sql(
        "select count(*) - (select count(*) from (select distinct carrier, origin, dest from t)) from t"
    ).fetchall()[0][0]
    assert tp.profile(t, columns=sel).duplicate_row_count == truth
    for strategy in STRATEGIES:
        for parts in (None, 3):
            profiler = DistributedProfiler.create(partition_strategy=strategy, num_partitions=parts)
            selected = profiler.profile(t, columns=sel)
            direct = profiler.profile(t.select(sel))
            # As if the selection were the table: exact where the strategy sees whole rows.
            assert selected.duplicate_row_count == direct.duplicate_row_count, (strategy, parts)
            if strategy in ("row_based", "hash"):
                assert (
                    selected.duplicate_row_count == truth and selected.duplicate_row_count_is_exact
                )
