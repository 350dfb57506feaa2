"""The cache on S3 (moto's server in its own process on 127.0.0.1, tests/s3server.py), for local
data and for data on S3: hits, an object rewritten under the same key (its ETag tells), a damaged
entry, clearing. No AWS setting comes from the environment."""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from s3server import AWS_CLEAN_ENV, MotoS3

from truthound.cli import main
from truthound.profiler.cache import CacheWarning, PartialCache, UnitCache
from truthound.profiler.distributed import DistributedProfiler

from .lake import day_table, lake, untimed


@pytest.fixture(autouse=True)
def no_aws_environment(monkeypatch):
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in AWS_CLEAN_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def s3():
    # moto's signature check refuses pyarrow's listings (tests/s3server.py): a server that takes
    # any signature, with the keys it is given.
    with MotoS3() as server:
        yield server


def cache_url(s3: MotoS3, name: str = "cache") -> str:
    return f"s3://{s3.bucket}/{name}"


def entry_keys(s3: MotoS3, name: str = "cache") -> list[str]:
    listing = s3.s3.list_objects_v2(Bucket=s3.bucket, Prefix=f"{name}/entries/")
    return sorted(o["Key"] for o in listing.get("Contents", []) if o["Key"].endswith(".partial"))


def test_local_data_cache_on_s3(s3, tmp_path):
    data = lake(tmp_path / "lake", 4)
    cache = UnitCache(cache_url(s3), storage_options=s3.options)
    first = DistributedProfiler.create("local", cache=cache).profile(str(data))
    assert first.cache["misses"] == 4 and len(entry_keys(s3)) == 4
    again = DistributedProfiler.create("local", cache=cache).profile(str(data))
    assert again.cache == {
        "hits": 4,
        "misses": 0,
        "bytes_read": first.cache["bytes_written"],
        "bytes_written": 0,
    }
    fresh = DistributedProfiler.create("local", cache=False).profile(str(data))
    assert again.partial == fresh.partial and untimed(again) == untimed(fresh)


def test_data_and_cache_on_s3(s3, tmp_path):
    local = lake(tmp_path / "lake", 3)
    for path in sorted(local.iterdir()):
        s3.upload(path, f"lake/{path.name}")
    source = f"s3://{s3.bucket}/lake/*.parquet"
    profiler = DistributedProfiler.create(
        "local", cache=cache_url(s3), storage_options=s3.options
    )
    first = profiler.profile(source)
    assert first.cache["misses"] == 3
    assert profiler.profile(source).cache["hits"] == 3
    # The same key rewritten with other values of the same size (the ETag differs even when the
    # second of Last-Modified does not).
    table = day_table(1)
    changed = table.set_column(0, "id", pa.array(table["id"].to_numpy()[::-1].copy()))
    pq.write_table(changed, tmp_path / "changed.parquet")
    s3.upload(tmp_path / "changed.parquet", "lake/day-001.parquet")
    again = profiler.profile(source)
    assert again.cache["hits"] == 2 and again.cache["misses"] == 1
    fresh = DistributedProfiler.create("local", cache=False, storage_options=s3.options)
    assert again.partial == fresh.profile(source).partial


def test_damaged_entry_on_s3_is_recomputed(s3, tmp_path):
    data = lake(tmp_path / "lake", 3)
    cache = UnitCache(cache_url(s3), storage_options=s3.options)
    first = DistributedProfiler.create("local", cache=cache).profile(str(data))
    victim = entry_keys(s3)[0]
    body = s3.s3.get_object(Bucket=s3.bucket, Key=victim)["Body"].read()
    s3.s3.put_object(Bucket=s3.bucket, Key=victim, Body=body[: len(body) // 3])
    with pytest.warns(CacheWarning, match="header says"):
        again = DistributedProfiler.create("local", cache=cache).profile(str(data))
    assert again.cache["misses"] == 1 and again.cache["hits"] == 2
    assert again.partial == first.partial
    assert DistributedProfiler.create("local", cache=cache).profile(str(data)).cache["hits"] == 3


def test_worker_processes_share_the_s3_cache(s3, tmp_path):
    from truthound.profiler.distributed import LocalConfig

    data = lake(tmp_path / "lake", 4)
    config = LocalConfig(num_workers=2, use_processes=True)
    cache = UnitCache(cache_url(s3), storage_options=s3.options)
    first = DistributedProfiler.create("local", config=config, cache=cache).profile(str(data))
    assert first.cache["misses"] == 4 and len(entry_keys(s3)) == 4
    again = DistributedProfiler.create("local", config=config, cache=cache).profile(str(data))
    assert again.cache["hits"] == 4 and again.partial == first.partial


def test_th_cache_info_and_clear_on_s3(s3, tmp_path, capsys):
    data = lake(tmp_path / "lake", 2)
    DistributedProfiler.create(
        "local", cache=UnitCache(cache_url(s3), storage_options=s3.options)
    ).profile(str(data))
    options = [a for k, v in s3.options.items() for a in ("--storage-option", f"{k}={v}")]
    assert main(["cache", "info", cache_url(s3), *options]) == 0
    assert "2 entries" in capsys.readouterr().out
    assert main(["cache", "clear", cache_url(s3), *options]) == 0
    assert "deleted 2 entries" in capsys.readouterr().out
    assert entry_keys(s3) == []
    assert PartialCache(cache_url(s3), s3.options).info().entries == 0


def test_an_objects_identity_has_its_etag(s3, tmp_path):
    from truthound.profiler.cache.keys import file_identities

    path = lake(tmp_path / "lake", 1) / "day-000.parquet"
    s3.upload(path, "one/day-000.parquet")
    etag = s3.s3.head_object(Bucket=s3.bucket, Key="one/day-000.parquet")["ETag"]
    profiler = DistributedProfiler.create("local", cache=False, storage_options=s3.options)
    plan = profiler.plan(f"s3://{s3.bucket}/one/day-000.parquet")
    (identity,) = file_identities(plan.units).values()
    assert identity["version"] == etag
    assert identity["size"] == path.stat().st_size
    assert identity["fs"]["type"] == "s3" and "testing" not in repr(identity)
