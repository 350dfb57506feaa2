"""The partial cache on Dask (#20): the workers read and write one cache folder themselves (the
driver never gets or puts an entry), a re-run computes only the new file, and the result is the
local backend's bytes for the same plan; on the LocalCluster with a local folder, and on the
process cluster with the cache on S3 (moto), whose endpoint reaches the workers inside the
plan."""

from __future__ import annotations

import pytest
from s3server import MotoS3
from unit.profiler.cache.lake import add_day, entries, lake, untimed

from truthound.profiler.cache import PartialCache, UnitCache
from truthound.profiler.distributed import (
    DaskBackend,
    DaskConfig,
    DistributedProfiler,
    LocalConfig,
    PartitionStrategy,
)


@pytest.fixture
def driver_calls(monkeypatch):
    """Every get / put of a cache entry made in this (the driver's) process."""
    calls: list[str] = []
    get, put = PartialCache.get, PartialCache.put

    def spy_get(self, key, *args, **kwargs):
        calls.append("get")
        return get(self, key, *args, **kwargs)

    def spy_put(self, key, *args, **kwargs):
        calls.append("put")
        return put(self, key, *args, **kwargs)

    monkeypatch.setattr(PartialCache, "get", spy_get)
    monkeypatch.setattr(PartialCache, "put", spy_put)
    return calls


def uncached(source, **kwargs):
    profiler = DistributedProfiler.create(
        config=LocalConfig(num_workers=1), cache=False, **kwargs
    )
    return profiler.profile(source)


def test_workers_share_one_cache_folder(local_client, tmp_path, driver_calls):
    data = lake(tmp_path / "lake", 4)
    cache = tmp_path / "cache"
    backend = DaskBackend(DaskConfig(scheduler="distributed"), client=local_client)

    first = DistributedProfiler.create(backend=backend, cache=cache).profile(str(data))
    assert first.cache["misses"] == 4 and len(entries(cache)) == 4
    add_day(data, 4)
    again = DistributedProfiler.create(backend=backend, cache=cache).profile(str(data))
    assert again.cache["hits"] == 4 and again.cache["misses"] == 1
    assert again.cache["bytes_read"] == first.cache["bytes_written"]
    fresh = uncached(str(data))
    assert again.partial == fresh.partial
    assert untimed(again).replace('"dask"', '"local"') == untimed(fresh)
    assert driver_calls == []  # the workers read and wrote every entry
    workers = local_client.run(lambda: __import__("os").getpid())
    assert len(set(workers.values())) == 2


def test_damaged_entry_and_rewritten_file_on_the_workers(local_client, tmp_path, driver_calls):
    data = lake(tmp_path / "lake", 3)
    cache = tmp_path / "cache"
    backend = DaskBackend(DaskConfig(scheduler="distributed"), client=local_client)
    profiler = DistributedProfiler.create(backend=backend, cache=cache)
    first = profiler.profile(str(data))
    victim = entries(cache)[0]
    raw = bytearray(victim.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    victim.write_bytes(bytes(raw))
    # The worker warns (in its own log) and recomputes; the driver counts the miss.
    damaged = profiler.profile(str(data))
    assert damaged.cache["hits"] == 2 and damaged.cache["misses"] == 1
    assert damaged.partial == first.partial

    add_day(data, 1, rows=3_999)  # day 1 rewritten under its own name
    rewritten = profiler.profile(str(data))
    assert rewritten.cache["hits"] == 2 and rewritten.cache["misses"] == 1
    assert rewritten.partial == uncached(str(data)).partial
    assert driver_calls == []


def test_hybrid_plan_merged_on_the_cluster(local_client, tmp_path):
    data = lake(tmp_path / "lake", 3)
    cache = tmp_path / "cache"
    backend = DaskBackend(DaskConfig(scheduler="distributed"), client=local_client)
    create = dict(backend=backend, cache=cache, partition_strategy=PartitionStrategy.HYBRID)
    first = DistributedProfiler.create(**create).profile(str(data))
    again = DistributedProfiler.create(**create).profile(str(data))
    assert again.cache["hits"] == first.unit_count == first.cache["misses"]
    assert again.partial == first.partial
    assert again.partial == uncached(str(data), partition_strategy="hybrid").partial


def test_process_cluster_with_the_cache_on_s3(at_cluster, tmp_path, driver_calls):
    """The workers have credentials but no endpoint: the cache's filesystem travels with the
    units, as the data's does."""
    data = lake(tmp_path / "lake", 3)
    with MotoS3() as s3:
        cache = UnitCache(f"s3://{s3.bucket}/shared-cache", storage_options=s3.options)
        profiler = DistributedProfiler.create(
            backend=DaskBackend(DaskConfig(scheduler="distributed")), cache=cache
        )
        first = profiler.profile(str(data))
        assert first.cache["misses"] == 3
        add_day(data, 3)
        again = profiler.profile(str(data))
        assert again.cache["hits"] == 3 and again.cache["misses"] == 1
        assert again.partial == uncached(str(data)).partial
        assert PartialCache(cache.folder.location, s3.options).info().entries == 4
    assert driver_calls == []
