"""Bad input gets one clear error naming the file (and rows where known), and a failing unit
leaves no threads or processes behind."""

from __future__ import annotations

import multiprocessing
import threading

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from truthound.profiler.distributed import DistributedProfiler, LocalBackend, LocalConfig
from truthound.profiler.errors import InvalidInputError, ProfilerError, SourceError


def _profile(source, **kwargs):
    return DistributedProfiler.create(**kwargs).profile(source)


def test_missing_file(tmp_path):
    with pytest.raises(SourceError, match="no such file or folder: '.*missing.parquet'"):
        _profile(str(tmp_path / "missing.parquet"))


def test_glob_matching_nothing(tmp_path):
    with pytest.raises(SourceError, match=r"no files match '.*\*.csv'"):
        _profile(str(tmp_path / "*.csv"))


def test_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ProfilerError, match="empty"):
        _profile(str(tmp_path / "empty"))


def test_corrupt_parquet(tmp_path):
    (tmp_path / "bad.parquet").write_bytes(b"PAR1" + b"\x00" * 100)
    with pytest.raises(SourceError, match="bad.parquet"):
        _profile(str(tmp_path / "bad.parquet"))


def test_corrupt_parquet_among_several_names_it(tmp_path):
    pq.write_table(pa.table({"x": [1, 2]}), tmp_path / "a.parquet")
    (tmp_path / "b.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(SourceError, match="b.parquet"):
        _profile([str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet")])


def test_corrupt_data_page_names_file_and_rows(tmp_path):
    t = pa.table({"x": list(range(10_000)), "s": [f"v{i}" for i in range(10_000)]})
    path = tmp_path / "c.parquet"
    pq.write_table(t, path, row_group_size=5_000, compression="none")
    data = bytearray(path.read_bytes())
    meta = pq.read_metadata(path)
    chunk = meta.row_group(1).column(1)
    start = chunk.data_page_offset
    data[start + 20 : start + 2_000] = b"\xff" * 1_980  # garble the second row group's page
    path.write_bytes(bytes(data))
    with pytest.raises(ProfilerError, match=r"c.parquet.*row group 1 \(rows 5000-9999\)"):
        _profile(str(path), num_partitions=2)


def test_empty_file(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(SourceError, match="'.*empty.csv' as csv: .*Empty CSV"):
        _profile(str(tmp_path / "empty.csv"))
    (tmp_path / "empty.parquet").write_bytes(b"")
    with pytest.raises(SourceError, match="empty.parquet"):
        _profile(str(tmp_path / "empty.parquet"))


def test_header_only_csv_is_an_empty_table(tmp_path):
    (tmp_path / "h.csv").write_text("a,b\n")
    profile = _profile(str(tmp_path / "h.csv"))
    assert profile.row_count == 0 and profile.column_names == ["a", "b"]


def test_ragged_csv(tmp_path):
    (tmp_path / "r.csv").write_text("a,b\n1,2\n3\n")
    with pytest.raises(SourceError, match=r"r.csv.*Row #3: Expected 2 columns, got 1"):
        _profile(str(tmp_path / "r.csv"))


def test_ragged_row_in_a_later_part_names_the_byte_range(tmp_path):
    path = tmp_path / "r2.csv"  # past the first 8 MB block, where types and columns are inferred
    path.write_text(
        "a,b\n" + "".join(f"{i},{i}\n" for i in range(1_100_000)) + "7\n" + "1,2\n" * 10
    )
    with pytest.raises(ProfilerError, match=r"r2.csv bytes \d+-\d+: .*Expected 2 columns, got 1"):
        _profile(str(path), num_partitions=3)


def test_mixed_types_small_csv_is_a_string_column(tmp_path):
    (tmp_path / "m.csv").write_text("a\n1\n2\nx\n")
    profile = _profile(str(tmp_path / "m.csv"))
    assert profile["a"].physical_type == "string" and profile["a"].distinct_count == 3


def test_mixed_types_after_the_first_block_names_the_file(tmp_path):
    """Types are inferred from the first block: a later value that does not parse is an error
    naming the file and, where pyarrow knows it, the row."""
    path = tmp_path / "m2.csv"
    with open(path, "w") as f:
        f.write("a,b\n")
        f.write("".join(f"{i},{i % 7}\n" for i in range(1_100_000)))
        f.write("oops,1\n")
    with pytest.raises(
        InvalidInputError,
        match=r"m2.csv: .*Row #1100002: CSV conversion error to int64: invalid value 'oops'",
    ):
        _profile(str(path))
    with pytest.raises(InvalidInputError, match=r"m2.csv bytes \d+-\d+: .*invalid value 'oops'"):
        _profile(str(path), num_partitions=4)


def test_mixed_formats_in_one_list(tmp_path, table):
    pq.write_table(table, tmp_path / "a.parquet")
    (tmp_path / "b.csv").write_text("x\n1\n")
    with pytest.raises(InvalidInputError, match="mixed file formats"):
        _profile([str(tmp_path / "a.parquet"), str(tmp_path / "b.csv")])


@pytest.mark.parametrize("bad", [0, -2, 1.5, "3", True])
def test_bad_worker_counts(bad):
    with pytest.raises(InvalidInputError, match="num_workers must be a positive integer"):
        LocalBackend(num_workers=bad)
    with pytest.raises(InvalidInputError, match="num_workers must be a positive integer"):
        LocalConfig(num_workers=bad)


@pytest.mark.parametrize("bad", ["0", "-1", "two", "1.5"])
def test_bad_worker_count_in_the_environment(monkeypatch, bad):
    monkeypatch.setenv("TRUTHOUND_NUM_WORKERS", bad)
    with pytest.raises(
        InvalidInputError, match=f"TRUTHOUND_NUM_WORKERS must be a positive integer, got '{bad}'"
    ):
        LocalBackend()


def test_unknown_backend_names():
    with pytest.raises(
        InvalidInputError, match="unknown backend 'nope'; choose one of local, spark, dask, ray"
    ):
        DistributedProfiler.create(backend="nope")


def test_unknown_backend_in_the_environment(monkeypatch):
    monkeypatch.setenv("TRUTHOUND_DISTRIBUTED_BACKEND", "hadoop")
    with pytest.raises(InvalidInputError, match="unknown backend 'hadoop'"):
        DistributedProfiler.create()


def test_unknown_setting():
    with pytest.raises(InvalidInputError, match="unexpected keyword argument 'colour'"):
        DistributedProfiler.create(colour="blue")


def _live_workers():
    names = {t.name for t in threading.enumerate()}
    return {n for n in names if n.startswith("truthound-unit")}, multiprocessing.active_children()


@pytest.mark.parametrize("use_processes", [False, True])
def test_failing_unit_leaves_no_workers_behind(tmp_path, use_processes):
    for k in range(4):
        pq.write_table(pa.table({"x": [k, k + 1]}), tmp_path / f"p{k}.parquet")
    (tmp_path / "p2.parquet").write_bytes(b"PAR1" + b"\x00" * 64 + b"PAR1")
    with pytest.raises(SourceError, match="p2.parquet"):
        _profile(
            [str(tmp_path / f"p{k}.parquet") for k in (0, 1, 3)] + [str(tmp_path / "p2.parquet")],
            config=LocalConfig(num_workers=2, use_processes=use_processes),
        )
    assert _live_workers() == (set(), [])


@pytest.mark.parametrize("use_processes", [False, True])
def test_worker_error_during_the_run_is_wrapped_and_cleaned_up(tmp_path, use_processes):
    # Footers are fine; the third file's data is not: the error comes from a worker mid-run.
    paths = []
    for k in range(4):
        path = tmp_path / f"w{k}.parquet"
        pq.write_table(
            pa.table({"s": [f"value-{i}" for i in range(2_000)]}), path, compression="none"
        )
        paths.append(str(path))
    broken = tmp_path / "w2.parquet"
    data = bytearray(broken.read_bytes())
    offset = pq.read_metadata(broken).row_group(0).column(0).data_page_offset
    data[offset + 20 : offset + 1_000] = b"\xff" * 980
    broken.write_bytes(bytes(data))
    with pytest.raises(ProfilerError, match="w2.parquet"):
        _profile(paths, config=LocalConfig(num_workers=2, use_processes=use_processes))
    assert _live_workers() == (set(), [])
