"""Every kind of source gives the same table: paths, globs, folders (hive), lists, CSV/TSV,
Parquet, NDJSON, Arrow IPC/Feather, file:// URLs, and in-memory frames of every library."""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pytest
from pyarrow import feather

from truthound.profiler.distributed import DistributedProfiler

SUMMARY_COLUMNS = ("id", "i", "f", "s", "b")


def _summary(profile):
    return (
        profile.row_count,
        profile.duplicate_row_count,
        [
            (profile[c].null_count, profile[c].distinct_count, profile[c].min, profile[c].max)
            for c in SUMMARY_COLUMNS
        ],
    )


@pytest.fixture(scope="module")
def expected(table):
    return _summary(DistributedProfiler.create().profile(table))


@pytest.fixture(scope="module")
def files(data_dir, table):
    small = table.drop_columns(["d"])
    with open(data_dir / "data.ndjson", "w") as f:
        f.writelines(json.dumps(row, allow_nan=True) + "\n" for row in small.to_pylist())
    feather.write_feather(table, data_dir / "data.feather")
    import pyarrow.csv as pacsv

    pacsv.write_csv(small, data_dir / "data.tsv", pacsv.WriteOptions(delimiter="\t"))
    pacsv.write_csv(small, data_dir / "semi.txt", pacsv.WriteOptions(delimiter=";"))
    return data_dir


@pytest.mark.parametrize(
    "name", ["data.parquet", "data.ndjson", "data.feather", "parts", "parts/*.parquet"]
)
def test_file_sources(files, expected, name):
    profile = DistributedProfiler.create(num_partitions=3).profile(str(files / name))
    assert _summary(profile) == expected


@pytest.mark.parametrize(
    "name, options", [("data.csv", {}), ("data.tsv", {}), ("semi.txt", {"delimiter": ";"})]
)
def test_csv_sources(files, name, options):
    """CSV reads NaN and empty strings as nulls: compare with pyarrow's own reading of the file."""
    import pyarrow.csv as pacsv

    read = pacsv.read_csv(
        files / "data.csv", convert_options=pacsv.ConvertOptions(strings_can_be_null=True)
    )
    want = _summary(DistributedProfiler.create().profile(read))
    profile = DistributedProfiler.create(num_partitions=3).profile(str(files / name), **options)
    assert _summary(profile) == want
    assert profile.unit_count == 3


def test_list_of_files_is_one_table(data_dir, expected):
    paths = sorted(str(p) for p in (data_dir / "parts").iterdir())
    profile = DistributedProfiler.create().profile(paths)
    assert _summary(profile) == expected
    assert profile.unit_count == 3


def test_hive_folder_adds_partition_columns(data_dir, expected):
    (data_dir / "hive" / "README.md").write_text("not data")  # ignored: not a data file
    profile = DistributedProfiler.create(num_partitions=4).profile(str(data_dir / "hive"))
    assert profile.column_names[-1] == "year"
    assert profile["year"].distinct_count == 2 and profile["year"].min == 2024
    # The repeated last 300 rows sit in another year's folder: no longer duplicates.
    assert profile.duplicate_row_count == 0
    assert _summary(profile)[2] == expected[2]


def test_file_url(data_dir, expected):
    profile = DistributedProfiler.create().profile((data_dir / "data.parquet").as_uri())
    assert _summary(profile) == expected


def test_fsspec_url_needs_fsspec_or_works(data_dir):
    try:
        import fsspec
    except ImportError:
        from truthound.profiler.errors import SourceError

        with pytest.raises(SourceError, match="memory://"):
            DistributedProfiler.create().profile("memory://bucket/data.parquet")
        return
    fs = fsspec.filesystem("memory")
    fs.pipe("/bucket/data.parquet", (data_dir / "data.parquet").read_bytes())
    assert DistributedProfiler.create().profile("memory://bucket/data.parquet").row_count == 6_000


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda t: t, id="pyarrow.Table"),
        pytest.param(lambda t: ds.dataset(t), id="pyarrow.Dataset"),
        pytest.param(
            lambda t: pa.RecordBatchReader.from_batches(t.schema, t.to_batches(1_000)),
            id="RecordBatchReader",
        ),
        pytest.param(lambda t: pl.from_arrow(t), id="polars.DataFrame"),
        pytest.param(lambda t: pl.from_arrow(t).lazy(), id="polars.LazyFrame"),
        pytest.param(lambda t: t.to_pandas(types_mapper=pd.ArrowDtype), id="pandas.DataFrame"),
        pytest.param(lambda t: duckdb.from_arrow(t), id="duckdb.relation"),
    ],
)
def test_in_memory_sources(table, expected, make):
    profile = DistributedProfiler.create(num_partitions=3).profile(make(table))
    assert _summary(profile) == expected


def test_duckdb_relation_with_column_groups(table, expected):
    relation = duckdb.from_arrow(table)
    profile = DistributedProfiler.create(
        partition_strategy="column_based", num_partitions=3
    ).profile(relation)
    assert _summary(profile)[0] == expected[0]
    assert [c.distinct_count for c in profile.columns] == [
        c.distinct_count for c in DistributedProfiler.create().profile(table).columns
    ]


def test_arrow_c_stream_object(table, expected):
    class Exporter:
        def __arrow_c_stream__(self, requested_schema=None):
            return table.__arrow_c_stream__(requested_schema)

    profile = DistributedProfiler.create(num_partitions=3).profile(Exporter())
    assert _summary(profile) == expected


def test_memory_stays_flat_as_files_grow(tmp_path):
    """Units stream their file in batches: Arrow's peak allocation for a file 4x larger stays about
    the same (each run in a fresh process, so the peaks are its own)."""
    import subprocess
    import sys

    import pyarrow.parquet as pq

    peaks = []
    for rows in (200_000, 800_000):
        t = pa.table(
            {
                "x": pa.array(range(rows)),
                "s": pa.array([f"value-{i % 50_000}" for i in range(rows)]),
            }
        )
        path = tmp_path / f"f{rows}.parquet"
        pq.write_table(t, path, row_group_size=50_000)
        script = (
            "import pyarrow as pa; from truthound.profiler.distributed import DistributedProfiler; "
            f"DistributedProfiler.create().profile({str(path)!r}); "
            "print(pa.default_memory_pool().max_memory())"
        )
        out = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        peaks.append(int(out.stdout.strip()))
    assert peaks[1] < 1.5 * peaks[0] + (4 << 20), peaks


def test_a_lazyframe_streams_in_batches_and_rereads_for_each_column_group():
    import polars as pl

    from truthound.profiler.distributed import DistributedProfiler
    from truthound.profiler.sources import BATCH_ROWS, open_source

    rows = 3 * BATCH_ROWS + 17
    lazy = pl.LazyFrame({"x": range(rows)}).with_columns(
        s=(pl.col("x") % 5).cast(pl.String), twice=pl.col("x") * 2
    )
    reader = pa.RecordBatchReader.from_stream(open_source(lazy).stream_source)
    sizes = [b.num_rows for b in reader]
    assert sum(sizes) == rows and max(sizes) <= BATCH_ROWS and len(sizes) > 1
    frame = lazy.collect()
    for strategy in ("row_based", "column_based"):
        profile = DistributedProfiler.create(partition_strategy=strategy, num_partitions=2).profile(
            lazy
        )
        assert profile.row_count == rows and profile["s"].distinct_count == 5
        assert profile["twice"].distribution.max == frame["twice"].max()


def test_a_lazy_query_split_by_rows_runs_once():
    """A group_by's row order changes between runs; row parts of separate runs would overlap."""
    import polars as pl

    from truthound.profiler.distributed import DistributedProfiler

    keys = [i % 50_000 for i in range(400_000)]
    lazy = pl.LazyFrame({"k": keys, "v": range(400_000)}).group_by("k").agg(pl.col("v").sum())
    for strategy in ("row_based", "hybrid"):
        profile = DistributedProfiler.create(partition_strategy=strategy, num_partitions=4).profile(
            lazy
        )
        assert profile.row_count == 50_000
        assert profile["k"].distinct_count == 50_000 and profile["k"].is_unique
