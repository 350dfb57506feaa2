"""Storage options reach the Dask workers: the process cluster's workers have AWS credentials
of their own (not valid here) and no endpoint, and moto's server checks every signature, so a
unit reads only if the endpoint and the keys travelled with it."""

from __future__ import annotations

from s3server import MotoS3

from truthound.profiler.distributed import DaskBackend, DaskConfig, DistributedProfiler, LocalConfig

from .conftest import untimed


def test_the_workers_get_the_storage_options(at_cluster, cluster_client, data_dir):
    with MotoS3(auth=True) as s3:
        url = s3.upload(data_dir / "data.parquet", "data/data.parquet")
        backend = DaskBackend(DaskConfig(scheduler="distributed"))
        profile = backend.profile_file(url, num_partitions=3, storage_options=s3.options)
        secret = s3.secret_key
    assert profile.backend == "dask" and profile.unit_count == 3
    assert backend.merge_stats is not None and backend.merge_stats.partials_received_by_driver == 1
    local = DistributedProfiler.create(config=LocalConfig(num_workers=1), num_partitions=3).profile(
        str(data_dir / "data.parquet")
    )
    assert untimed(profile, "name", "source") == untimed(local, "name", "source")
    assert profile.source == url and secret not in profile.to_json()
