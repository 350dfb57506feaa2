"""Filesystem resolution without a store to talk to: storage options and their errors, timeouts
as settings, GCS with no network (in a network namespace of its own), HDFS without Hadoop, and
errors that name the actual cause (a missing package only for schemes pyarrow.fs lacks)."""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import sys

import pytest

import truthound.profiler as tp
from truthound.profiler import filesystems
from truthound.profiler.errors import InvalidInputError, SourceError, UnsupportedError
from truthound.profiler.filesystems import RemoteSettings

from .remote_files import closed_port, one_line_error, th


def _can_unshare() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = ["unshare", "--user", "--map-root-user", "--net", "true"]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


# -- settings -------------------------------------------------------------------------------------


def test_timeouts_default_then_environment_then_options(monkeypatch):
    assert RemoteSettings.from_options({}) == RemoteSettings(3.0, 10.0, 3)
    monkeypatch.setenv(filesystems.CONNECT_TIMEOUT_ENV, "7")
    monkeypatch.setenv(filesystems.MAX_RETRIES_ENV, "0")
    assert RemoteSettings.from_options({}) == RemoteSettings(7.0, 10.0, 0)
    settings = RemoteSettings.from_options({"connect_timeout": "1.5", "timeout": 4, "retries": 2})
    assert settings == RemoteSettings(1.5, 4.0, 2)
    assert settings.attempts == 3 and settings.retry_time_limit == 2.25


@pytest.mark.parametrize(
    "options, message",
    [
        ({"connect_timeout": "0"}, "storage option 'connect_timeout' must be a positive number"),
        ({"request_timeout": "soon"}, "storage option 'request_timeout' must be a positive"),
        ({"max_retries": "-1"}, "storage option 'max_retries' must be a non-negative integer"),
    ],
)
def test_bad_timeouts_are_named(options, message):
    with pytest.raises(InvalidInputError, match=message):
        RemoteSettings.from_options(options)


def test_bad_timeout_in_the_environment_is_named(monkeypatch):
    monkeypatch.setenv(filesystems.REQUEST_TIMEOUT_ENV, "-3")
    with pytest.raises(InvalidInputError, match="TRUTHOUND_REQUEST_TIMEOUT must be a positive"):
        RemoteSettings.from_options({})


def test_unknown_storage_option_lists_the_known_ones():
    with pytest.raises(InvalidInputError, match=r"unknown storage option 'endpiont' for s3://"):
        tp.profile("s3://bucket/x.parquet", storage_options={"endpiont": "http://h:1"})


def test_a_flag_option_must_be_true_or_false():
    with pytest.raises(InvalidInputError, match="storage option 'anon' must be true or false"):
        tp.profile("gs://bucket/x.parquet", storage_options={"anon": "perhaps"})


def spy(monkeypatch, name: str) -> dict:
    """The keyword arguments ``pyarrow.fs.<name>`` gets (the real class is still made)."""
    made: dict = {}
    real = getattr(filesystems.pafs, name)

    def make(**kwargs):
        made.update(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(filesystems.pafs, name, make)
    return made


def test_gcs_options_reach_pyarrow(monkeypatch):
    made = spy(monkeypatch, "GcsFileSystem")
    port = closed_port()
    with pytest.raises(SourceError):
        filesystems.resolve(
            "gs://bucket/x.parquet",
            {
                "anon": "true",
                "project": "my-project",
                "endpoint_url": f"http://127.0.0.1:{port}",
                "connect_timeout": 0.5,
                "max_retries": 1,
            },
        )
    assert made == {
        "anonymous": True,
        "project_id": "my-project",
        "endpoint_override": f"127.0.0.1:{port}",
        "scheme": "http",
        "retry_time_limit": datetime.timedelta(seconds=0.5),
    }


def test_s3_options_reach_pyarrow(monkeypatch):
    made = spy(monkeypatch, "S3FileSystem")
    port = closed_port()
    with pytest.raises(SourceError):
        filesystems.resolve(
            "s3://bucket/x.parquet",
            {
                "aws_endpoint_url": f"http://127.0.0.1:{port}",
                "aws_region": "eu-west-1",
                "skip_signature": True,
                "connect_timeout": "0.5",
                "max_retries": "1",
            },
        )
    strategy = made.pop("retry_strategy")
    assert strategy.max_attempts == 2
    assert made == {
        "endpoint_override": f"127.0.0.1:{port}",
        "scheme": "http",
        "region": "eu-west-1",
        "anonymous": True,
        "connect_timeout": 0.5,
        "request_timeout": 10.0,
    }


# -- unreachable stores ---------------------------------------------------------------------------


@pytest.mark.skipif(not _can_unshare(), reason="needs unshare (a network namespace)")
def test_gcs_with_no_network_fails_within_20_s():
    done, elapsed = th(
        "profile", "gs://bucket/data.parquet", netns=True,
        env={filesystems.CONNECT_TIMEOUT_ENV: "1", filesystems.MAX_RETRIES_ENV: "1"},
    )  # fmt: skip
    line = one_line_error(done, elapsed)
    assert line.startswith(
        "th: error: cannot open 'gs://bucket/data.parquet' (each request retried for 1 s): "
    )
    assert "no Google credentials could be had" in line and "anon=true" in line
    assert "fsspec" not in line and "install" not in line


@pytest.mark.slow
@pytest.mark.skipif(not _can_unshare(), reason="needs unshare (a network namespace)")
def test_gcs_with_no_network_and_the_default_timeouts_fails_within_20_s():
    env = {k: "" for k in (filesystems.CONNECT_TIMEOUT_ENV, filesystems.MAX_RETRIES_ENV)}
    done, elapsed = th("profile", "gs://bucket/data.parquet", netns=True, env=env)
    assert "(each request retried for 6 s)" in one_line_error(done, elapsed)


@pytest.mark.skipif(not _can_unshare(), reason="needs unshare (a network namespace)")
def test_gcs_anonymous_with_no_network_fails_within_20_s():
    done, elapsed = th(
        "profile", "gs://bucket/data.parquet", "--storage-option", "anon=true", netns=True,
        env={filesystems.CONNECT_TIMEOUT_ENV: "1", filesystems.MAX_RETRIES_ENV: "1"},
    )  # fmt: skip
    assert "does not resolve" in one_line_error(done, elapsed)


def test_gcs_emulator_on_a_closed_port_fails_within_20_s():
    done, elapsed = th(
        "profile", "gs://bucket/data.parquet",
        "--storage-option", "anon=true",
        "--storage-option", f"endpoint_url=http://127.0.0.1:{closed_port()}",
        "--storage-option", "connect_timeout=1", "--storage-option", "max_retries=1",
    )  # fmt: skip
    assert "did not accept a connection" in one_line_error(done, elapsed)


@pytest.mark.skipif(not _can_unshare(), reason="needs unshare (a network namespace)")
def test_s3_with_no_network_fails_within_20_s():
    done, elapsed = th(
        "profile", "s3://bucket/data.parquet", netns=True,
        env={filesystems.CONNECT_TIMEOUT_ENV: "1", filesystems.MAX_RETRIES_ENV: "1"},
    )  # fmt: skip
    line = one_line_error(done, elapsed)
    assert "cannot find the region of 's3://bucket/data.parquet': " in line
    assert "does not resolve" in line and "pass region=" in line
    assert "fsspec" not in line and "install" not in line


# -- HDFS without Hadoop --------------------------------------------------------------------------


@pytest.mark.parametrize("java_home", [None, "real"])
def test_hdfs_without_hadoop_is_one_short_line(java_home):
    env = {k: v for k, v in os.environ.items() if k not in ("HADOOP_HOME", "ARROW_LIBHDFS_DIR")}
    env.pop("JAVA_HOME", None)
    env.pop("CLASSPATH", None)
    if java_home == "real":
        java = shutil.which("java")
        if java is None:
            pytest.skip("no java on PATH")
        env["JAVA_HOME"] = os.path.dirname(os.path.dirname(os.path.realpath(java)))
    done = subprocess.run(
        [sys.executable, "-m", "truthound.cli", "profile", "hdfs://data/large.parquet"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 1
    line = done.stderr.strip()
    assert "\n" not in line and len(line) < 300, line
    assert "no Hadoop client here" in line
    assert "libjvm" in line or "JVM" in line or "libhdfs" in line
    for variable in ("JAVA_HOME", "HADOOP_HOME", "CLASSPATH"):
        assert variable in line
    if java_home == "real":
        assert "no libhdfs (HADOOP_HOME unset)" in line


# -- errors name the actual cause -----------------------------------------------------------------


def test_a_scheme_pyarrow_lacks_names_the_package_that_adds_it():
    with pytest.raises(SourceError) as failed:
        tp.profile("sftp://host/data.csv")
    message = str(failed.value)
    assert "pyarrow.fs has no sftp:// filesystem" in message and "paramiko" in message


def test_a_scheme_nobody_knows():
    with pytest.raises(UnsupportedError, match=r"unknown URL scheme nosuch:// .*neither pyarrow"):
        tp.profile("nosuch://host/data.csv")


def test_an_fsspec_scheme_works_with_its_options(tmp_path):
    import fsspec
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"x": [1, 2, 2]}), tmp_path / "x.parquet")
    memory = fsspec.filesystem("memory")
    memory.pipe("/remote-test/x.parquet", (tmp_path / "x.parquet").read_bytes())
    memory.pipe("/remote-test/y.parquet", (tmp_path / "x.parquet").read_bytes())
    assert tp.profile("memory://remote-test/x.parquet").row_count == 3
    assert tp.profile("memory://remote-test/*.parquet").row_count == 6
    with pytest.raises(SourceError, match="no files match 'memory://remote-test/\\*.csv'"):
        tp.profile("memory://remote-test/*.csv")
