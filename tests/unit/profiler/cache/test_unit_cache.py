"""Profiling through the cache: a re-run reads only new or changed files, and its bytes are those
of an uncached run of the same plan, whatever the plan, the worker kind or the damage to the
cache."""

from __future__ import annotations

import os
import time

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import truthound.profiler as tp
from truthound.profiler.cache import CACHE_ENV, CacheWarning, UnitCache
from truthound.profiler.distributed import (
    DistributedProfiler,
    HashPartitioner,
    HybridPartitioner,
    PartitionStrategy,
)

from .lake import add_day, day_table, entries, lake, untimed


def local(cache=False, **kwargs):
    return DistributedProfiler.create("local", cache=cache, **kwargs)


def test_growing_lake_reads_only_the_new_file(tmp_path):
    data = lake(tmp_path / "lake", 6)
    cache = tmp_path / "cache"
    first = local(cache).profile(str(data))
    assert first.cache == {
        "hits": 0,
        "misses": 6,
        "bytes_read": 0,
        "bytes_written": sum(p.stat().st_size for p in entries(cache)),
    }
    add_day(data, 6)
    again = local(cache).profile(str(data))
    fresh = local().profile(str(data))
    assert again.cache["hits"] == 6 and again.cache["misses"] == 1
    assert again.cache["bytes_read"] == first.cache["bytes_written"]
    assert again.partial == fresh.partial
    assert untimed(again) == untimed(fresh)
    assert fresh.cache is None and "cache" not in fresh.to_dict()
    assert again.to_dict()["cache"] == again.cache
    assert len(entries(cache)) == 7


def test_cached_units_are_not_read(tmp_path, monkeypatch):
    data = lake(tmp_path / "lake", 3)
    cache = tmp_path / "cache"
    local(cache).profile(str(data))
    import truthound.profiler.distributed.plan as plan

    opened = []
    original = plan.open_unit
    monkeypatch.setattr(plan, "open_unit", lambda unit: opened.append(unit) or original(unit))
    add_day(data, 3)
    profile = DistributedProfiler.create("local", config=None, cache=cache).profile(str(data))
    assert [u.unit_id for u in opened] == [3]
    assert profile.cache["hits"] == 3


def test_file_rewritten_under_the_same_name_is_recomputed(tmp_path):
    data = lake(tmp_path / "lake", 4)
    cache = tmp_path / "cache"
    local(cache).profile(str(data))
    # Same name, same size and row count, other values: only the identity (mtime) tells.
    path = data / "day-002.parquet"
    before = path.stat()
    table = day_table(2)
    changed = table.set_column(2, "f", pa.array(table["f"].to_numpy(zero_copy_only=False) + 1))
    import pyarrow.parquet as pq

    pq.write_table(changed, path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000))
    assert path.stat().st_size == before.st_size
    again = local(cache).profile(str(data))
    assert again.cache["hits"] == 3 and again.cache["misses"] == 1
    assert again.partial == local().profile(str(data)).partial


def test_corrupted_entry_is_recomputed_and_the_result_is_unchanged(tmp_path):
    data = lake(tmp_path / "lake", 4)
    cache = tmp_path / "cache"
    first = local(cache).profile(str(data))
    victim = entries(cache)[1]
    raw = bytearray(victim.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    victim.write_bytes(bytes(raw))
    with pytest.warns(CacheWarning, match="checksum mismatch"):
        again = local(cache).profile(str(data))
    assert again.cache["hits"] == 3 and again.cache["misses"] == 1
    assert again.partial == first.partial
    # ... and the entry is whole again.
    third = local(cache).profile(str(data))
    assert third.cache["hits"] == 4


def test_truncated_and_emptied_entries_are_recomputed(tmp_path):
    data = lake(tmp_path / "lake", 3)
    cache = tmp_path / "cache"
    first = local(cache).profile(str(data))
    a, b, _ = entries(cache)
    a.write_bytes(a.read_bytes()[:100])
    b.write_bytes(b"")
    with pytest.warns(CacheWarning, match="truncated|header says"):
        again = local(cache).profile(str(data))
    assert again.cache["misses"] == 2 and again.partial == first.partial


def test_engine_settings_are_in_the_key_finalize_settings_are_not(tmp_path):
    data = lake(tmp_path / "lake", 3)
    cache = tmp_path / "cache"
    local(cache).profile(str(data))
    assert local(cache, top_n=3).profile(str(data)).cache["hits"] == 3
    reseeded = local(cache, seed=7).profile(str(data))
    assert reseeded.cache["misses"] == 3
    assert reseeded.partial == local(seed=7).profile(str(data)).partial
    assert local(cache, kll_k=400).profile(str(data)).cache["misses"] == 3


@pytest.mark.parametrize(
    "strategy",
    [
        PartitionStrategy.COLUMN_BASED,
        HybridPartitioner(row_partitions=6, column_partitions=2),
        HashPartitioner(num_partitions=3),
    ],
    ids=["column_based", "hybrid", "hash"],
)
def test_every_strategy_gives_the_uncached_bytes(tmp_path, strategy):
    data = lake(tmp_path / "lake", 3)
    cache = tmp_path / "cache"
    first = local(cache, partition_strategy=strategy).profile(str(data))
    add_day(data, 3)
    again = local(cache, partition_strategy=strategy).profile(str(data))
    fresh = local(partition_strategy=strategy).profile(str(data))
    assert again.partial == fresh.partial and untimed(again) == untimed(fresh)
    assert first.cache["misses"] == first.unit_count
    assert again.cache["hits"] + again.cache["misses"] == again.unit_count


def test_column_selection_and_row_groups(tmp_path):
    data = lake(tmp_path / "lake", 3, rows=6_000, row_group_size=1_000)
    cache = tmp_path / "cache"
    profiler = local(cache, num_partitions=9)
    first = profiler.profile(str(data), columns=["f", "s"])
    assert first.unit_count == 9 and first.cache["misses"] == 9
    again = profiler.profile(str(data), columns=["f", "s"])
    assert again.cache["hits"] == 9
    assert again.partial == local(num_partitions=9).profile(str(data), columns=["f", "s"]).partial
    # Another selection is another profile.
    assert profiler.profile(str(data), columns=["f"]).cache["misses"] == 9


def test_csv_byte_ranges(tmp_path):
    path = tmp_path / "big.csv"
    pacsv.write_csv(day_table(1, 20_000), path)
    cache = tmp_path / "cache"
    first = local(cache, num_partitions=4).profile(str(path))
    assert first.cache["misses"] == 4
    again = local(cache, num_partitions=4).profile(str(path))
    assert again.cache["hits"] == 4 and again.partial == first.partial
    assert local(cache, num_partitions=4).profile(str(path), delimiter=",").cache["hits"] == 4
    assert local(cache, num_partitions=4).profile(str(path), delimiter=";").cache["misses"] == 4


def test_worker_processes_read_and_write_the_cache_themselves(tmp_path):
    from truthound.profiler.distributed import LocalConfig

    data = lake(tmp_path / "lake", 4)
    cache = tmp_path / "cache"

    def profiler(cache_dir):
        return DistributedProfiler.create(
            "local", config=LocalConfig(num_workers=2, use_processes=True), cache=cache_dir
        )

    first = profiler(cache).profile(str(data))
    assert first.cache["misses"] == 4 and len(entries(cache)) == 4
    add_day(data, 4)
    again = profiler(cache).profile(str(data))
    assert again.cache["hits"] == 4 and again.cache["misses"] == 1
    assert again.partial == profiler(False).profile(str(data)).partial


def test_tp_profile_with_a_cache(tmp_path):
    data = lake(tmp_path / "lake", 4)
    cache = tmp_path / "cache"
    first = tp.profile(str(data), cache=cache)
    assert first.cache["misses"] == 4
    add_day(data, 4)
    again = tp.profile(str(data), cache=cache)
    assert again.cache["hits"] == 4 and again.cache["misses"] == 1
    # The bytes of the local backend's automatic plan; the exact numbers of the one-pass profile.
    assert again.partial == DistributedProfiler.create("local", cache=False).profile(
        str(data)
    ).partial
    one_pass = tp.profile(str(data), cache=False)
    assert one_pass.cache is None
    for c, d in zip(again.columns, one_pass.columns, strict=True):
        assert (c.null_count, c.distinct_count, c.min, c.max) == (
            d.null_count,
            d.distinct_count,
            d.min,
            d.max,
        )


def test_in_memory_inputs_are_never_cached(tmp_path):
    cache = tmp_path / "cache"
    table = day_table(0)
    assert tp.profile(table, cache=cache).cache is None
    assert local(cache).profile(table).cache is None
    assert not cache.exists()


def test_environment_variable_and_false(tmp_path, monkeypatch):
    data = lake(tmp_path / "lake", 2)
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(cache))
    assert DistributedProfiler.create("local").profile(str(data)).cache["misses"] == 2
    assert tp.profile(str(data)).cache["hits"] == 2
    assert DistributedProfiler.create("local", cache=False).profile(str(data)).cache is None
    assert tp.profile(str(data), cache=False).cache is None


def test_size_cap_evicts_least_recently_used(tmp_path):
    cache = tmp_path / "cache"
    data = lake(tmp_path / "lake", 3)
    first = local(cache).profile(str(data))
    one = first.cache["bytes_written"] // 3
    other = lake(tmp_path / "other", 2)
    time.sleep(0.01)
    capped = UnitCache(cache, max_bytes=int(3.5 * one))
    profile = DistributedProfiler.create("local", cache=capped).profile(str(other))
    assert profile.cache["misses"] == 2
    # This run's two entries stay; the lake's oldest go until 3.5 entries' worth remain.
    assert len(entries(cache)) == 3
    assert local(cache).profile(str(other)).cache["hits"] == 2


def test_cache_line_in_the_console(tmp_path):
    from truthound.profiler.render import render_console

    data = lake(tmp_path / "lake", 2)
    cache = tmp_path / "cache"
    local(cache).profile(str(data))
    text = render_console(local(cache).profile(str(data)))
    assert "cache: 2 of 2 units from the cache, 0 computed" in text
    assert "cache:" not in render_console(local().profile(str(data)))


def test_saved_profile_keeps_its_cache_use(tmp_path):
    data = lake(tmp_path / "lake", 2)
    profile = local(tmp_path / "cache").profile(str(data))
    profile.save(tmp_path / "p.json")
    loaded = tp.TableProfile.load(tmp_path / "p.json")
    assert loaded.cache == profile.cache


def test_the_few_units_that_will_miss_start_first(tmp_path, monkeypatch):
    from truthound.profiler.cache.unit import EARLY_MISSES
    from truthound.profiler.distributed import LocalBackend

    data = lake(tmp_path / "lake", 5)
    cache = tmp_path / "cache"
    local(cache).profile(str(data))
    add_day(data, 5)
    started: list[int] = []
    original = LocalBackend.submit

    def spy(self, unit):
        started.append(unit.unit_id)
        return original(self, unit)

    monkeypatch.setattr(LocalBackend, "submit", spy)
    again = local(cache).profile(str(data))
    assert started == [5, 0, 1, 2, 3, 4]
    started.clear()
    assert again.partial == local().profile(str(data)).partial  # merged in unit order
    # A first run (all misses) and a run of many misses keep unit order.
    assert started == [0, 1, 2, 3, 4, 5]
    for day in range(6, 6 + EARLY_MISSES + 1):
        add_day(data, day)
    started.clear()
    local(cache).profile(str(data))
    assert started == list(range(6 + EARLY_MISSES + 1))


def test_a_backends_own_profile_takes_the_cache(tmp_path):
    from truthound.profiler.distributed import LocalBackend

    data = lake(tmp_path / "lake", 2)
    cache = tmp_path / "cache"
    assert LocalBackend(2).profile_file(str(data), cache=cache).cache["misses"] == 2
    assert LocalBackend(2).profile(str(data), cache=cache).cache["hits"] == 2


def test_a_failed_run_keeps_what_its_finished_units_computed(tmp_path):
    from truthound.profiler.distributed import LocalBackend
    from truthound.profiler.errors import ProfilerError

    import pyarrow.parquet as pq

    data = lake(tmp_path / "lake", 3)
    # Day 1's footer plans, its data page does not read.
    path = add_day(data, 1, row_group_size=None)
    raw = bytearray(path.read_bytes())
    start = pq.read_metadata(path).row_group(0).column(3).data_page_offset
    raw[start + 20 : start + 400] = b"\xff" * 380
    path.write_bytes(bytes(raw))
    cache = tmp_path / "cache"
    one_worker = DistributedProfiler.create(backend=LocalBackend(1), cache=cache)
    with pytest.raises(ProfilerError, match="day-001"):
        one_worker.profile(str(data))
    add_day(data, 1)  # repaired
    again = one_worker.profile(str(data))
    assert again.cache == {**again.cache, "hits": 1, "misses": 2}  # day 0 was kept
    assert not list((cache / "runs").glob("*/*"))  # no run's flags are left behind
