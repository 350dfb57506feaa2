"""Storage options reach the Spark executors' Python workers: they have no AWS settings, and
moto's server checks every signature, so a unit reads only if the endpoint and the keys
travelled with it."""

from __future__ import annotations

import socket

import pytest
from s3server import MotoS3

from truthound.profiler.distributed import DistributedProfiler, LocalBackend, SparkBackend
from truthound.profiler.errors import RemoteStoreError

from .helpers import untimed


def test_the_executors_get_the_storage_options(spark, data_dir):
    with MotoS3(auth=True) as s3:  # its keys are made now: no worker can have them already
        url = s3.upload(data_dir / "data.parquet", "data/data.parquet")
        backend = SparkBackend(session=spark)
        profile = DistributedProfiler.create(
            backend=backend, num_partitions=3, storage_options=s3.options
        ).profile(url)
        secret = s3.secret_key
    assert profile.backend == "spark" and profile.unit_count == 3
    assert backend.merge_stats is not None and backend.merge_stats.partials_received_by_driver == 1
    local = DistributedProfiler.create(
        backend=LocalBackend(num_workers=1), num_partitions=3
    ).profile(str(data_dir / "data.parquet"))
    assert profile.partial == local.partial  # the same merged bytes as the file read from disk
    assert untimed(profile).replace(url, "?") == untimed(local).replace(
        str(data_dir / "data.parquet"), "?"
    )
    assert profile.source == url and secret not in profile.to_json()


def test_an_unreachable_store_keeps_its_own_error(spark):
    """Spark reads what pyarrow cannot open here (HDFS without a Hadoop client, ORC), but a
    store that failed would fail Spark too: the one-line error stays."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    options = {"endpoint_url": f"http://127.0.0.1:{port}", "anon": True, "max_retries": 0}
    profiler = DistributedProfiler.create(
        backend=SparkBackend(session=spark), storage_options=options
    )
    with pytest.raises(RemoteStoreError, match="did not accept a connection"):
        profiler.profile("s3://bucket/data.parquet")
