"""The cache folder: entries framed and checksummed, every check tripped once, atomic and
concurrent writes, least-recently-used eviction, clearing."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import pickle
import struct
import threading

import pyarrow as pa
import pytest

from truthound import _core
from truthound.profiler.cache import CacheWarning, PartialCache, parse_size
from truthound.profiler.cache.store import ENTRY_FORMAT
from truthound.profiler.errors import InvalidInputError, SourceError

KEY = "0123456789abcdef" * 4
OTHER = "fedcba9876543210" * 4


def partial(unit_id: int = 0, rows: int = 1000) -> bytes:
    table = pa.table({"x": list(range(rows)), "s": [str(i % 7) for i in range(rows)]})
    return _core.profile(table.to_reader(), unit_id=unit_id)


def entry_path(cache: PartialCache, key: str = KEY) -> str:
    return os.path.join(cache.root, "entries", f"{key}.partial")


@pytest.fixture
def cache(tmp_path) -> PartialCache:
    return PartialCache(tmp_path / "cache")


def test_round_trip_and_layout(cache):
    blob = partial(4)
    assert cache.get(KEY, 4) is None  # absent: no warning, no folder needed
    assert cache.put(KEY, blob)
    assert cache.get(KEY, 4) == blob
    names = sorted(os.listdir(cache.root))
    assert names == ["entries", "truthound-cache.json", "used"]
    assert os.listdir(os.path.join(cache.root, "entries")) == [f"{KEY}.partial"]
    size = os.path.getsize(entry_path(cache))
    assert size == 24 + 64 + len(blob) + 32  # header, key, partial, SHA-256
    info = cache.info()
    assert (info.entries, info.bytes, info.temporary_files) == (1, size, 0)


def _rewrite(cache: PartialCache, data: bytes) -> None:
    with open(entry_path(cache), "wb") as f:
        f.write(data)


def _stored(cache: PartialCache) -> bytes:
    with open(entry_path(cache), "rb") as f:
        return f.read()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: d[:10], "truncated"),
        (lambda d: d[: len(d) // 2], "its header says"),
        (lambda d: d + b"x", "its header says"),
        (lambda d: b"NOTCACHE" + d[8:], "not a truthound cache entry"),
        (lambda d: d[:8] + struct.pack("<I", ENTRY_FORMAT + 1) + d[12:], "entry format"),
        (lambda d: d[:200] + bytes([d[200] ^ 0x01]) + d[201:], "checksum mismatch"),
        (lambda d: d[:-1] + bytes([d[-1] ^ 0x80]), "checksum mismatch"),
    ],
)
def test_damaged_entry_is_ignored_with_a_warning(cache, damage, message):
    cache.put(KEY, partial())
    _rewrite(cache, damage(_stored(cache)))
    with pytest.warns(CacheWarning, match=message):
        assert cache.get(KEY, 0) is None


def test_entry_of_another_key_is_foreign(cache):
    cache.put(OTHER, partial())
    os.replace(entry_path(cache, OTHER), entry_path(cache, KEY))
    with pytest.warns(CacheWarning, match="another key"):
        assert cache.get(KEY, 0) is None


def test_entry_of_another_unit_is_foreign(cache):
    cache.put(KEY, partial(unit_id=3))
    with pytest.warns(CacheWarning, match="not unit 5"):
        assert cache.get(KEY, 5) is None


def test_checksummed_entry_holding_no_partial_is_foreign(cache):
    cache.put(KEY, b"not a partial profile at all")
    with pytest.warns(CacheWarning, match="not a partial"):
        assert cache.get(KEY, 0) is None


def test_writes_are_atomic_and_leave_no_temporary_files(cache, monkeypatch):
    cache.put(KEY, partial())
    good = _stored(cache)

    # A write that fails half-way leaves the old entry whole and no temporary file.
    class Broken:
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def open_output_stream(self, path):
            stream = self.inner.open_output_stream(path)
            stream.write(b"half")
            stream.close()
            raise OSError("disk full")

    monkeypatch.setattr(cache, "filesystem", Broken(cache.filesystem))
    with pytest.warns(CacheWarning, match="disk full"):
        assert not cache.put(KEY, partial(rows=5))
    assert _stored(cache) == good
    assert os.listdir(os.path.join(cache.root, "entries")) == [f"{KEY}.partial"]


def test_abandoned_temporary_files_are_not_entries_and_are_cleared(cache):
    cache.put(KEY, partial())
    stale = os.path.join(cache.root, "entries", f"{OTHER}.deadbeef.tmp")
    with open(stale, "wb") as f:
        f.write(b"half an entry")
    assert set(cache.entries()) == {KEY}
    assert cache.info().temporary_files == 1
    two_hours_ago = dt.datetime.now().timestamp() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    assert cache.clear(dt.timedelta(days=1)) == (0, 0)
    assert not os.path.exists(stale)


def _writer(root: str, key: str, blob: bytes, rounds: int) -> None:
    cache = PartialCache(root)
    for _ in range(rounds):
        assert cache.put(key, blob)
        got = cache.get(key, 0)
        assert got is None or got == blob


def test_concurrent_writers_of_one_key_in_processes_and_threads(cache):
    blob = partial(rows=3000)
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_writer, args=(cache.root, KEY, blob, 20)) for _ in range(3)
    ]
    threads = [threading.Thread(target=_writer, args=(cache.root, KEY, blob, 20)) for _ in range(3)]
    for w in (*processes, *threads):
        w.start()
    # Readers never see a partial entry while the writers race.
    for _ in range(200):
        got = cache.get(KEY, 0)
        assert got is None or got == blob
    for w in (*processes, *threads):
        w.join()
    assert [p.exitcode for p in processes] == [0, 0, 0]
    assert cache.get(KEY, 0) == blob
    assert os.listdir(os.path.join(cache.root, "entries")) == [f"{KEY}.partial"]


def _age(cache: PartialCache, key: str, hours: float) -> None:
    when = dt.datetime.now().timestamp() - hours * 3600
    os.utime(entry_path(cache, key), (when, when))


def test_lru_eviction_deletes_least_recently_used_first(cache):
    keys = [f"{i:064x}" for i in range(5)]
    blob = partial()
    for i, key in enumerate(keys):
        cache.put(key, blob)
        _age(cache, key, 10 - i)  # keys[0] is the oldest
    cache.touch([keys[0]])  # ... but used just now
    size = cache.info().bytes // 5
    assert cache.evict(3 * size) == (2, 2 * size)
    assert set(cache.entries()) == {keys[0], keys[3], keys[4]}
    # Entries this run uses go last, whatever their age.
    assert cache.evict(size, keep=[keys[3]]) == (2, 2 * size)
    assert set(cache.entries()) == {keys[3]}
    assert cache.evict(0) == (1, size)
    assert cache.entries() == {}
    assert os.listdir(os.path.join(cache.root, "used")) == []


def test_clear_older_than(cache):
    blob = partial()
    for key, hours in ((KEY, 48), (OTHER, 1)):
        cache.put(key, blob)
        _age(cache, key, hours)
    assert cache.clear(dt.timedelta(days=1))[0] == 1
    assert set(cache.entries()) == {OTHER}
    assert cache.clear()[0] == 1
    assert cache.entries() == {}


def test_never_clears_or_fills_a_folder_it_did_not_make(tmp_path):
    (tmp_path / "data.csv").write_text("a\n1\n")
    foreign = PartialCache(tmp_path)
    with pytest.raises(InvalidInputError, match="not a truthound cache"):
        foreign.clear()
    with pytest.raises(InvalidInputError, match="folder of other files"):
        foreign.ensure()
    with pytest.warns(CacheWarning, match="folder of other files"):
        assert not foreign.put(KEY, partial())
    assert sorted(os.listdir(tmp_path)) == ["data.csv"]
    with pytest.raises(SourceError, match="no cache at"):
        PartialCache(tmp_path / "nothing").info()


def test_pickles_as_its_location(cache):
    cache.put(KEY, partial())
    copy = pickle.loads(pickle.dumps(cache))
    assert copy.root == cache.root and copy.get(KEY, 0) == cache.get(KEY, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10GB", 10**10), ("512 MiB", 512 << 20), ("1_000", 1000), (7, 7), ("1.5k", 1500)],
)
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["lots", "-5MB", "5 parsecs", -1])
def test_parse_size_refuses(text):
    with pytest.raises(InvalidInputError):
        parse_size(text)
