"""The partial cache on Ray (#20): the workers read and write the cache folder themselves (the
driver never gets or puts an entry), a re-run computes only the new file, and the bytes are the
local backend's for the same plan."""

from __future__ import annotations

from unit.profiler.cache.lake import add_day, entries, lake

from truthound.profiler.cache import PartialCache
from truthound.profiler.distributed import DistributedProfiler, LocalBackend, RayBackend

from .conftest import ENGINE_MARKS

pytestmark = ENGINE_MARKS


def test_workers_share_one_cache_folder(local_ray, tmp_path, monkeypatch):
    calls: list[str] = []  # entries got or put in this, the driver's, process
    for verb in ("get", "put"):
        original = getattr(PartialCache, verb)
        monkeypatch.setattr(
            PartialCache,
            verb,
            lambda s, *a, _o=original, _v=verb, **k: calls.append(_v) or _o(s, *a, **k),
        )
    data = lake(tmp_path / "lake", 4)
    cache = tmp_path / "cache"
    first = DistributedProfiler.create(backend=RayBackend(), cache=cache).profile(str(data))
    assert first.cache["misses"] == 4 and len(entries(cache)) == 4
    add_day(data, 4)
    again = DistributedProfiler.create(backend=RayBackend(), cache=cache).profile(str(data))
    assert again.cache["hits"] == 4 and again.cache["misses"] == 1
    uncached = DistributedProfiler.create(backend=LocalBackend(1), cache=False)
    assert again.partial == uncached.profile(str(data)).partial
    assert calls == []
