"""A folder of cached partial profiles, local or on any ``pyarrow.fs`` store (``s3://``, ``gs://``,
``hdfs://``, ...), shared by every process that names it.

Layout of a cache folder::

    truthound-cache.json     what the folder is (a folder without it is never cleared)
    entries/<key>.partial    one entry: a unit's partial, framed and checksummed (below)
    used/<key>               empty; its modification time is the entry's last use (for LRU)
    runs/<run id>/<key>      empty; the run computed this key (how a run counts its misses)

An entry is written under a temporary name in ``entries/`` and then renamed, so a reader sees a
whole entry or none; writers of one key write the same bytes (a partial is deterministic), so
whichever rename comes last leaves a correct entry. A reader checks everything before it trusts an
entry and treats anything else (truncated, corrupted, another key's, another format's) as absent,
with a :class:`CacheWarning`: an entry is recomputed, never merged unchecked.

Entry format (little-endian)::

    magic "THPCACHE" | u32 entry format | u32 key length | u64 partial length
    | key (ASCII) | partial | SHA-256 of everything before it (32 bytes)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import struct
import uuid
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow.fs as pafs

from truthound.profiler.errors import InvalidInputError, SourceError

__all__ = [
    "ENTRY_FORMAT",
    "CacheWarning",
    "CacheEntryInfo",
    "CacheInfo",
    "PartialCache",
    "parse_size",
]

ENTRY_FORMAT = 1
_MAGIC = b"THPCACHE"
_HEADER = struct.Struct("<8sIIQ")
_DIGEST = 32
_MARKER = "truthound-cache.json"
_ENTRIES = "entries"
_USED = "used"
_RUNS = "runs"
_SUFFIX = ".partial"


class CacheWarning(UserWarning):
    """A cache entry could not be used (it is recomputed) or written (the profile goes on)."""


@dataclass(frozen=True)
class CacheEntryInfo:
    """One entry as a listing sees it: key, size in bytes, last use (write or hit)."""

    key: str
    size: int
    written: dt.datetime
    last_used: dt.datetime


@dataclass(frozen=True)
class CacheInfo:
    """What ``th cache info`` prints."""

    location: str
    entries: int
    bytes: int
    oldest_use: dt.datetime | None
    newest_use: dt.datetime | None
    temporary_files: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "entries": self.entries,
            "bytes": self.bytes,
            "oldest_use": self.oldest_use.isoformat() if self.oldest_use else None,
            "newest_use": self.newest_use.isoformat() if self.newest_use else None,
            "temporary_files": self.temporary_files,
        }


def parse_size(value: int | str | None) -> int | None:
    """``10GB``, ``512 MiB``, ``1_000_000`` or an int -> bytes; None stays None.

    >>> parse_size("1.5 GB"), parse_size("64MiB"), parse_size(100)
    (1500000000, 67108864, 100)
    """
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise InvalidInputError(f"cache size cap must be at least 0 bytes, got {value}")
        return value
    text = str(value).strip().replace("_", "").upper().replace(" ", "")
    units = {
        "KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "TIB": 1 << 40,
        "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "K": 10**3, "M": 10**6,
        "G": 10**9, "T": 10**12, "B": 1, "": 1,
    }  # fmt: skip
    for suffix in sorted(units, key=len, reverse=True):
        if text.endswith(suffix):
            number = text[: len(text) - len(suffix)] if suffix else text
            try:
                amount = float(number)
            except ValueError:
                break
            if amount < 0 or amount != amount:
                break
            return int(amount * units[suffix])
    raise InvalidInputError(f"cannot read {value!r} as a size (e.g. 10GB, 512MiB, 1000000)")


class PartialCache:
    """The cache folder at ``location`` (a local path or a URL that ``pyarrow.fs`` opens), with
    ``storage_options`` as for sources. Picklable: a worker that unpickles it opens the same folder
    with the same filesystem.

    Examples
    --------
    >>> import tempfile, pyarrow as pa
    >>> from truthound import _core
    >>> cache = PartialCache(tempfile.mkdtemp())
    >>> blob = _core.profile(pa.table({"x": [1, 2]}).to_reader(), unit_id=3)
    >>> cache.put("ab" * 32, blob)
    True
    >>> cache.get("ab" * 32, unit_id=3) == blob, cache.info().entries
    (True, 1)
    """

    def __init__(
        self,
        location: str | os.PathLike[str],
        storage_options: Mapping[str, Any] | None = None,
        *,
        filesystem: Any = None,
        root: str | None = None,
    ):
        self.location = os.fspath(location)
        self.storage_options = dict(storage_options or {})
        if filesystem is not None and root is not None:
            self.filesystem, self.root = filesystem, root.rstrip("/")
        else:
            self.filesystem, self.root = _open(self.location, self.storage_options)
        self._ready = False

    def __reduce__(self):
        return (_unpickle, (self.location, self.filesystem, self.root))

    def __repr__(self) -> str:
        from truthound.profiler.redact import redact

        return f"PartialCache({redact(self.location)!r})"

    # -- paths -----------------------------------------------------------------------------------

    def _entry(self, key: str) -> str:
        return f"{self.root}/{_ENTRIES}/{key}{_SUFFIX}"

    def _used(self, key: str) -> str:
        return f"{self.root}/{_USED}/{key}"

    def ensure(self) -> None:
        """Create the folder and its marker if they do not exist (once per object)."""
        if self._ready:
            return
        fs = self.filesystem
        marker = f"{self.root}/{_MARKER}"
        info = fs.get_file_info(self.root)
        if info.type == pafs.FileType.File:
            raise SourceError(f"cache location {self.location!r} is a file, not a folder")
        if fs.get_file_info(marker).type == pafs.FileType.NotFound:
            if info.type == pafs.FileType.Directory and _has_foreign_files(fs, self.root):
                raise InvalidInputError(
                    f"cache location {self.location!r} is a folder of other files; "
                    "name an empty or new folder (truthound never clears what it did not write)"
                )
            for folder in (self.root, f"{self.root}/{_ENTRIES}", f"{self.root}/{_USED}"):
                fs.create_dir(folder, recursive=True)
            _write_atomic(
                fs,
                marker,
                json.dumps({"format": "truthound-partial-cache", "entry_format": ENTRY_FORMAT})
                .encode(),
            )
        self._ready = True

    # -- entries ---------------------------------------------------------------------------------

    def get(self, key: str, unit_id: int | None = None, where: str = "") -> bytes | None:
        """The partial stored under ``key`` after every check (and, given ``unit_id``, that it
        is that unit's), or None: absent, unreadable or failing a check (warned)."""
        path = self._entry(key)
        try:
            with self.filesystem.open_input_file(path) as f:
                data = f.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            if "not found" in str(exc).lower() or "no such file" in str(exc).lower():
                return None
            _warn(f"cannot read cache entry {key[:16]} ({where or path}): {exc}; recomputing")
            return None
        try:
            return _decode(data, key, unit_id)
        except _BadEntry as exc:
            _warn(f"ignoring cache entry {key[:16]} ({where or path}): {exc}; recomputing")
            return None

    def put(self, key: str, blob: bytes, where: str = "") -> bool:
        """Store ``blob`` under ``key`` atomically; False (warned) when the store refuses."""
        try:
            self.ensure()
            _write_atomic(self.filesystem, self._entry(key), _encode(key, blob))
            return True
        except (OSError, SourceError, InvalidInputError) as exc:
            _warn(f"cannot write cache entry {key[:16]} ({where or key}): {exc}")
            return False

    def touch(self, keys: Iterable[str]) -> None:
        """Record a use of each entry now (its LRU age starts again)."""
        keys = list(keys)
        if not keys:
            return
        try:
            self.ensure()
            for key in keys:
                with self.filesystem.open_output_stream(self._used(key)):
                    pass
        except OSError as exc:
            _warn(f"cannot record the use of cache entries in {self.location}: {exc}")

    def flag(self, run_id: str, key: str) -> None:
        """Mark ``key`` as computed by run ``run_id``."""
        folder = f"{self.root}/{_RUNS}/{run_id}"
        try:
            try:
                with self.filesystem.open_output_stream(f"{folder}/{key}"):
                    pass
            except FileNotFoundError:  # the run's folder, on a filesystem that has folders
                self.filesystem.create_dir(folder, recursive=True)
                with self.filesystem.open_output_stream(f"{folder}/{key}"):
                    pass
        except OSError as exc:
            _warn(f"cannot record a computed unit in {self.location}: {exc}")

    def flags(self, run_id: str) -> set[str]:
        """The keys run ``run_id`` computed."""
        selector = pafs.FileSelector(f"{self.root}/{_RUNS}/{run_id}", allow_not_found=True)
        try:
            return {i.base_name for i in self.filesystem.get_file_info(selector)}
        except FileNotFoundError:
            return set()

    def drop_flags(self, run_id: str) -> None:
        try:
            self.filesystem.delete_dir(f"{self.root}/{_RUNS}/{run_id}")
        except (FileNotFoundError, OSError):
            pass

    def entries(self) -> dict[str, CacheEntryInfo]:
        """Every complete entry, by key (one listing of the folder)."""
        entries, _ = self._listing()
        return entries

    def _listing(self) -> tuple[dict[str, CacheEntryInfo], list[pafs.FileInfo]]:
        fs = self.filesystem
        selector = pafs.FileSelector(self.root, recursive=True, allow_not_found=True)
        try:
            infos = fs.get_file_info(selector)
        except FileNotFoundError:
            return {}, []
        written: dict[str, pafs.FileInfo] = {}
        used: dict[str, dt.datetime] = {}
        temporary: list[pafs.FileInfo] = []
        prefix_entries = f"{self.root}/{_ENTRIES}/"
        prefix_used = f"{self.root}/{_USED}/"
        prefix_runs = f"{self.root}/{_RUNS}/"
        for info in infos:
            if info.type != pafs.FileType.File:
                continue
            if info.path.startswith(prefix_entries):
                name = info.path[len(prefix_entries) :]
                if name.endswith(_SUFFIX) and "." not in name[: -len(_SUFFIX)]:
                    written[name[: -len(_SUFFIX)]] = info
                elif name.endswith(".tmp"):
                    temporary.append(info)
            elif info.path.startswith(prefix_used):
                used[info.path[len(prefix_used) :]] = _time(info)
            elif info.path.startswith(prefix_runs):
                temporary.append(info)  # a run's flags: gone when the run ends
        entries = {}
        for key, info in written.items():
            at = _time(info)
            last = max(at, used.get(key, at))
            entries[key] = CacheEntryInfo(key, int(info.size or 0), at, last)
        return entries, temporary

    def info(self) -> CacheInfo:
        """Entries, bytes and last uses (SourceError when there is no cache there)."""
        self._require_cache()
        entries, temporary = self._listing()
        uses = [e.last_used for e in entries.values()]
        return CacheInfo(
            location=self.location,
            entries=len(entries),
            bytes=sum(e.size for e in entries.values()),
            oldest_use=min(uses) if uses else None,
            newest_use=max(uses) if uses else None,
            temporary_files=len(temporary),
        )

    def clear(self, older_than: dt.timedelta | None = None) -> tuple[int, int]:
        """Delete entries not used for ``older_than`` (None: all) and what unfinished writes and
        runs left (older than an hour); return (entries deleted, bytes freed)."""
        self._require_cache()
        now = dt.datetime.now(dt.UTC)
        entries, temporary = self._listing()
        doomed = [
            e for e in entries.values() if older_than is None or now - e.last_used > older_than
        ]
        for info in temporary:
            if now - _time(info) > dt.timedelta(hours=1):
                self._delete(info.path)
        return self._remove(doomed)

    def evict(self, max_bytes: int, keep: Iterable[str] = ()) -> tuple[int, int]:
        """Delete the least recently used entries until the folder holds at most ``max_bytes``
        of entries; entries in ``keep`` (this run's) go last. Return (deleted, bytes freed)."""
        entries = self.entries()
        total = sum(e.size for e in entries.values())
        if total <= max_bytes:
            return 0, 0
        kept = set(keep)
        order = sorted(entries.values(), key=lambda e: (e.key in kept, e.last_used, e.key))
        doomed = []
        for e in order:
            if total <= max_bytes:
                break
            doomed.append(e)
            total -= e.size
        return self._remove(doomed)

    def _remove(self, doomed: list[CacheEntryInfo]) -> tuple[int, int]:
        freed = 0
        for e in doomed:
            if self._delete(self._entry(e.key)):
                freed += e.size
            self._delete(self._used(e.key))
        return len(doomed), freed

    def _delete(self, path: str) -> bool:
        try:
            self.filesystem.delete_file(path)
            return True
        except (FileNotFoundError, OSError):
            return False  # gone already (another process's eviction)

    def _require_cache(self) -> None:
        fs = self.filesystem
        if fs.get_file_info(self.root).type == pafs.FileType.NotFound:
            raise SourceError(f"no cache at {self.location!r}")
        if fs.get_file_info(f"{self.root}/{_MARKER}").type != pafs.FileType.File:
            raise InvalidInputError(
                f"{self.location!r} is not a truthound cache (it has no {_MARKER}); "
                "nothing was deleted"
            )


def _unpickle(location: str, filesystem: Any, root: str) -> PartialCache:
    return PartialCache(location, filesystem=filesystem, root=root)


def _open(location: str, storage_options: dict[str, Any]) -> tuple[Any, str]:
    from truthound.profiler.filesystems import resolve, scheme_of

    if not location:
        raise InvalidInputError("the cache location is empty")
    if scheme_of(location) in (None, "file"):
        path = location[len("file://") :] if location.startswith("file://") else location
        return pafs.LocalFileSystem(), os.path.abspath(os.path.expanduser(path)).replace(
            os.sep, "/"
        )
    filesystem, paths = resolve(location, storage_options, must_exist=False)
    if len(paths) != 1:
        raise InvalidInputError(f"the cache location {location!r} must name one folder")
    return filesystem, paths[0].rstrip("/")


def _has_foreign_files(fs: Any, root: str) -> bool:
    selector = pafs.FileSelector(root, recursive=False, allow_not_found=True)
    return any(
        not i.base_name.startswith(".") and i.base_name not in (_ENTRIES, _USED, _RUNS)
        for i in fs.get_file_info(selector)
    )


def _write_atomic(fs: Any, path: str, data: bytes) -> None:
    temporary = f"{path.rsplit('.', 1)[0] if path.endswith(_SUFFIX) else path}"
    temporary += f".{uuid.uuid4().hex}.tmp"
    try:
        with fs.open_output_stream(temporary) as out:
            out.write(data)
        fs.move(temporary, path)
    except BaseException:
        try:
            fs.delete_file(temporary)
        except OSError:
            pass
        raise


def _time(info: pafs.FileInfo) -> dt.datetime:
    mtime = info.mtime
    if mtime is None:
        return dt.datetime.fromtimestamp(0, dt.UTC)
    return mtime if mtime.tzinfo else mtime.replace(tzinfo=dt.UTC)


def _warn(message: str) -> None:
    warnings.warn(message, CacheWarning, stacklevel=3)


class _BadEntry(Exception):
    pass


def _encode(key: str, blob: bytes) -> bytes:
    key_bytes = key.encode("ascii")
    head = _HEADER.pack(_MAGIC, ENTRY_FORMAT, len(key_bytes), len(blob)) + key_bytes
    digest = hashlib.sha256(head)
    digest.update(blob)
    return b"".join((head, blob, digest.digest()))


def _decode(data: bytes, key: str, unit_id: int | None) -> bytes:
    if len(data) < _HEADER.size + _DIGEST:
        raise _BadEntry(f"truncated ({len(data)} bytes)")
    magic, version, key_len, blob_len = _HEADER.unpack_from(data)
    if magic != _MAGIC:
        raise _BadEntry("not a truthound cache entry")
    if version != ENTRY_FORMAT:
        raise _BadEntry(f"entry format {version}, this truthound reads {ENTRY_FORMAT}")
    expected = _HEADER.size + key_len + blob_len + _DIGEST
    if len(data) != expected:
        raise _BadEntry(f"{len(data)} bytes, its header says {expected}")
    body_end = len(data) - _DIGEST
    if hashlib.sha256(memoryview(data)[:body_end]).digest() != data[body_end:]:
        raise _BadEntry("checksum mismatch (corrupted)")
    stored_key = data[_HEADER.size : _HEADER.size + key_len].decode("ascii", "replace")
    if stored_key != key:
        raise _BadEntry("it holds another key's partial")
    blob = data[_HEADER.size + key_len : body_end]
    if unit_id is not None:
        from truthound import _core
        from truthound.profiler.errors import ProfilerError

        try:
            facts = _core.describe(blob)
        except ProfilerError as exc:
            raise _BadEntry(f"not a partial this truthound reads: {exc}") from None
        if (facts["first_unit"], facts["last_unit"]) != (unit_id, unit_id):
            raise _BadEntry(
                f"it holds units {facts['first_unit']}..{facts['last_unit']}, not unit {unit_id}"
            )
    return blob
