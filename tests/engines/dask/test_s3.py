"""s3:// paths on the process cluster, against moto's S3 server on 127.0.0.1. The endpoint is
given the standard AWS way (AWS_ENDPOINT_URL) to this process only: the workers have credentials
but no endpoint, so it must reach them inside the plan (the pickled pyarrow S3 filesystem)."""

from __future__ import annotations

import json
import os
import subprocess

import dask.dataframe as dd

from truthound.profiler.distributed import (
    DaskBackend,
    DaskConfig,
    DistributedProfiler,
    LocalConfig,
)
from truthound.profiler.model import TableProfile

from .conftest import th_command, untimed

S3_GLOB = "s3://bucket/data/*.parquet"
EXACT = ("row_count", "null_count", "nan_count", "distinct_count", "min", "max", "true_count")


def local(source, **kwargs):
    return DistributedProfiler.create(config=LocalConfig(num_workers=1), **kwargs).profile(source)


def test_workers_have_no_endpoint_of_their_own(at_cluster, cluster_client):
    assert set(cluster_client.run(lambda: os.environ.get("AWS_ENDPOINT_URL")).values()) == {None}


def test_profile_file_s3_equals_the_local_profile(at_cluster, s3_env, data_dir):
    profile = DaskBackend(DaskConfig(scheduler="distributed")).profile_file(S3_GLOB)
    assert profile.row_count == 6_000 and profile.unit_count == 3
    same_path = local(S3_GLOB)
    assert untimed(profile) == untimed(same_path)
    assert profile.partial == same_path.partial
    files = local(str(data_dir / "parts" / "*.parquet"))
    assert untimed(profile, "name", "source") == untimed(files, "name", "source")
    assert profile.partial == files.partial


def test_th_profile_s3_glob_on_the_cluster(at_cluster, s3_env, tmp_path):
    """The spec's line, with JSON output to compare."""
    out = tmp_path / "s3.json"
    done = subprocess.run(
        th_command(
            "profile",
            S3_GLOB,
            "--distributed",
            "--backend",
            "dask",
            "--scheduler",
            "distributed",
            "--format",
            "json",
            "-o",
            str(out),
        ),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    profile = TableProfile.from_dict(json.loads(out.read_text()))
    assert untimed(profile) == untimed(local(S3_GLOB))


def test_dask_dataframe_read_from_s3(at_cluster, s3_env, data_dir):
    """A frame that Dask reads from S3 itself (s3fs; its endpoint given the Dask way, since the
    reading happens on the workers). Arrow-backed dtypes keep NaN apart from null (NumPy float
    columns in pandas cannot)."""
    frame = dd.read_parquet(
        S3_GLOB, storage_options={"endpoint_url": s3_env}, dtype_backend="pyarrow"
    )
    profile = DaskBackend(DaskConfig(scheduler="distributed")).profile(frame)
    files = local(str(data_dir / "parts" / "*.parquet"))
    assert profile.row_count == files.row_count == 6_000
    for ours, theirs in zip(profile.columns, files.columns, strict=True):
        assert ours.name == theirs.name
        for field in EXACT:
            assert getattr(ours, field) == getattr(theirs, field), (ours.name, field)
