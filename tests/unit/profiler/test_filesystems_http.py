"""http(s) sources against a real threaded HTTP server on 127.0.0.1 (tests/rangeserver.py):
each format profiles exactly as from disk, a Parquet unit fetches only part of the file, globs
are refused, credentials in the URL work and never show, and an unreachable server fails fast."""

from __future__ import annotations

import json
import pickle

import pyarrow.parquet as pq
import pytest
from rangeserver import RangeServer

import truthound.profiler as tp
from truthound.profiler.distributed import DistributedProfiler
from truthound.profiler.distributed.plan import run_unit
from truthound.profiler.errors import SourceError, UnsupportedError

from . import remote_files
from .remote_files import FILES, closed_port, one_line_error, th, write_files


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_files(tmp_path_factory.mktemp("http-files"))


@pytest.fixture(scope="module")
def server(files):
    with RangeServer(files["data.parquet"].parent) as running:
        yield running


def untimed(profile) -> dict:
    return remote_files.untimed(profile.to_dict())


@pytest.mark.parametrize("name", FILES)
def test_each_format_profiles_over_http_as_from_disk(server, files, name):
    url = f"{server.url}/{name}"
    remote = tp.profile(url)
    local = tp.profile(str(files[name]))
    assert remote.source == url
    assert untimed(remote) == untimed(local) and remote.row_count > 0


@pytest.mark.parametrize("name", ["data.parquet", "data.csv"])
def test_distributed_units_over_http_equal_the_disk_profile(server, files, name):
    profiler = DistributedProfiler.create(num_partitions=4)
    remote = profiler.profile(f"{server.url}/{name}")
    local = profiler.profile(str(files[name]))
    assert remote.unit_count == local.unit_count == 4
    assert untimed(remote) == untimed(local)


def test_local_processes_open_their_own_http_ranges(server, files):
    """Worker processes receive the HTTP filesystem (timeouts, headers) inside each unit."""
    from truthound.profiler.distributed import LocalConfig

    config = LocalConfig(num_workers=2, use_processes=True)
    remote = DistributedProfiler.create(config=config, num_partitions=4).profile(
        f"{server.url}/data.parquet"
    )
    local = DistributedProfiler.create(num_partitions=4).profile(str(files["data.parquet"]))
    assert untimed(remote) == untimed(local)


def test_a_parquet_unit_fetches_the_footer_and_its_own_row_groups_only(server, files):
    size = files["data.parquet"].stat().st_size
    plan = DistributedProfiler.create(num_partitions=8).plan(f"{server.url}/data.parquet")
    assert len(plan) == 8
    unit = pickle.loads(pickle.dumps(plan.units[5]))  # as a worker receives it
    server.reset()
    run_unit(unit)
    served = server.bytes_served["data.parquet"]
    metadata = pq.read_metadata(files["data.parquet"])
    group = metadata.row_group(5)
    chunks = sum(group.column(i).total_compressed_size for i in range(group.num_columns))
    # The footer read (pyarrow reads the last 64 KiB) plus row group 5's column chunks.
    assert chunks <= served <= chunks + (64 << 10) + metadata.serialized_size
    assert served < size / 4
    ranges = [r for method, _, r in server.requests if method == "GET"]
    assert ranges and all(r and r.startswith("bytes=") for r in ranges)


def test_globs_do_not_apply_to_urls(server):
    with pytest.raises(UnsupportedError, match=r"globs do not apply to URLs.*name each file"):
        tp.profile(f"{server.url}/*.parquet")


def test_several_urls_are_one_table(server, files):
    urls = [f"{server.url}/data.parquet", f"{server.url}/data.parquet"]
    profile = DistributedProfiler.create().profile(urls)
    assert profile.row_count == 2 * pq.read_metadata(files["data.parquet"]).num_rows


def test_a_query_string_is_not_part_of_the_name(server):
    profile = tp.profile(f"{server.url}/data.csv?version=3")
    assert profile.column_count == 6


def test_missing_file_is_a_404(server):
    with pytest.raises(SourceError, match=r"no such file: .*/nope\.csv' \(HTTP 404\)"):
        tp.profile(f"{server.url}/nope.csv")


def test_basic_auth_from_the_url_works_and_never_shows(files):
    with RangeServer(files["data.csv"].parent, auth=("reader", "hunter2-pass")) as secured:
        host = secured.url.removeprefix("http://")
        url = f"http://reader:hunter2-pass@{host}/data.csv"
        profile = tp.profile(url)
        assert profile.row_count == tp.profile(str(files["data.csv"])).row_count
        assert profile.source == f"http://***@{host}/data.csv"
        assert "hunter2-pass" not in profile.to_json()
        with pytest.raises(SourceError) as denied:
            tp.profile(f"http://reader:wrong-pass-9@{host}/data.csv")
        message = str(denied.value)
        assert "access denied (HTTP 401" in message and "wrong-pass-9" not in message
        profile = tp.profile(
            f"{secured.url}/data.csv",
            storage_options={"username": "reader", "password": "hunter2-pass"},
        )
        assert profile.row_count > 0


def test_unreachable_server_fails_fast_with_one_line():
    done, elapsed = th(
        "profile", f"http://127.0.0.1:{closed_port()}/data.csv",
        "--storage-option", "connect_timeout=1", "--storage-option", "max_retries=1",
    )  # fmt: skip
    line = one_line_error(done, elapsed)
    assert "2 attempts, connect timeout 1 s" in line
    assert "did not accept a connection" in line and "connect_timeout" in line


def test_a_silent_server_fails_after_the_request_timeout_without_retries():
    """A server that takes the connection (the kernel completes the handshake) and never answers:
    one attempt, bounded by request_timeout."""
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # never accept()ed: connections complete, no byte comes back
        port = silent.getsockname()[1]
        done, elapsed = th(
            "profile", f"http://127.0.0.1:{port}/data.csv",
            "--storage-option", "request_timeout=1", "--storage-option", "max_retries=3",
        )  # fmt: skip
    line = one_line_error(done, elapsed)
    assert "(request timeout 1 s): no answer in time" in line, line
    assert elapsed < 10


def test_http_profile_json_round_trip_from_the_cli(server, files, tmp_path):
    out = tmp_path / "p.json"
    done, _ = th("profile", f"{server.url}/data.parquet", "--format", "json", "-o", str(out))
    assert done.returncode == 0, done.stderr
    remote = json.loads(out.read_text())
    local = tp.profile(str(files["data.parquet"])).to_dict()
    assert remote["row_count"] == local["row_count"]
    assert [c["distinct_count"] for c in remote["columns"]] == [
        c["distinct_count"] for c in local["columns"]
    ]
