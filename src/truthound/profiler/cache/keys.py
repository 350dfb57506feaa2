"""Cache keys: what a unit's partial depends on, hashed.

A unit's partial is a function of

- the bytes it reads: the file's identity (filesystem, path, size, modification time, and on an
  object store the object's ETag or version when the store reports one), the Parquet footer's
  facts for the unit's row groups (rows, bytes, column statistics: already read by the planner),
  the part's rows (row-group ids, a CSV byte range, the CSV header) and how the file is parsed
  (format and reader options, hive partition values);
- what the unit computes: its id (it seeds the sketches and is written into the partial), its
  column group, hash bucket and key columns, and the table's schema (columns are numbered by it);
- the engine settings (``ProfileSettings.engine_options()``; settings that only finalize reads,
  such as ``top_n``, are not in the key, so they share entries);
- the versions: the partial format (read from ``truthound._core``), the cache entry format and
  truthound's own version.

Only units that read files have a key: a unit of an in-memory table, a stream or an engine's
frame has none and is never cached. The key is the SHA-256 of a canonical JSON text of these facts.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyarrow.fs as pafs

from truthound.profiler.distributed.plan import CsvRangePart, FragmentPart, Unit, _absolute_local

__all__ = ["FileIdentity", "cacheable", "file_identities", "file_of", "file_ref", "unit_key"]

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
# Headers an object store returns for an object, as pyarrow's input file reports them
# (S3: ETag and x-amz-version-id; GCS: generation), in the order preferred.
_VERSION_HEADERS = ("ETag", "x-amz-version-id", "x-goog-generation", "generation", "etag")

FileIdentity = dict[str, Any]


def cacheable(unit: Unit) -> bool:
    """Whether the unit reads a file (only those are cached)."""
    part = unit.part
    if isinstance(part, FragmentPart):
        return getattr(part.fragment, "filesystem", None) is not None and bool(
            getattr(part.fragment, "path", "")
        )
    return isinstance(part, CsvRangePart)


def file_of(unit: Unit) -> tuple[Any, str]:
    """The filesystem and path (absolute, on the local filesystem) of a cacheable unit's file."""
    part = unit.part
    if isinstance(part, FragmentPart):
        fs, path = part.fragment.filesystem, part.fragment.path
    else:  # CsvRangePart
        fs, path = part.filesystem, part.path
    return fs, _absolute_local(path, fs)


def file_ref(unit: Unit) -> tuple[str, str]:
    """What names the unit's file in :func:`file_identities`' answer."""
    fs, path = file_of(unit)
    return json.dumps(_filesystem_identity(fs), sort_keys=True), path


def file_identities(units: Iterable[Unit]) -> dict[tuple[str, str], FileIdentity]:
    """The identity of every file the cacheable units read, by :func:`file_ref`: one
    ``get_file_info`` call per filesystem, and on an object store one metadata request per file
    for its ETag (in parallel)."""
    by_fs: dict[str, tuple[Any, list[str]]] = {}
    for unit in units:
        if not cacheable(unit):
            continue
        fs, path = file_of(unit)
        fs_ref = json.dumps(_filesystem_identity(fs), sort_keys=True)
        entry = by_fs.setdefault(fs_ref, (fs, []))
        if path not in entry[1]:
            entry[1].append(path)
    identities: dict[tuple[str, str], FileIdentity] = {}
    for fs_ref, (fs, paths) in by_fs.items():
        infos = fs.get_file_info(paths)
        local = isinstance(fs, pafs.LocalFileSystem)
        versions: list[str | None] = [None] * len(paths)
        if not local:
            with ThreadPoolExecutor(max_workers=min(16, len(paths))) as pool:
                versions = list(pool.map(lambda p: _object_version(fs, p), paths))
        for path, info, version in zip(paths, infos, versions, strict=True):
            identity: FileIdentity = {
                "fs": json.loads(fs_ref),
                "path": path,
                "size": info.size,
                "mtime_ns": info.mtime_ns,
            }
            if version is not None:
                identity["version"] = version
            identities[(fs_ref, path)] = identity
    return identities


def _object_version(fs: Any, path: str) -> str | None:
    try:
        with fs.open_input_file(path) as f:
            metadata = f.metadata()
    except (OSError, NotImplementedError, AttributeError):
        return None
    for name in _VERSION_HEADERS:
        value = metadata.get(name) if hasattr(metadata, "get") else None
        if value:
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return None


def _filesystem_identity(fs: Any) -> dict[str, Any]:
    """Which store: its kind and, for S3, the endpoint and region (never credentials)."""
    identity: dict[str, Any] = {"type": getattr(fs, "type_name", type(fs).__name__)}
    if isinstance(fs, pafs.S3FileSystem):
        try:
            _, (kwargs, *_) = fs.__reduce__()
            for name in ("endpoint_override", "scheme", "region"):
                if kwargs.get(name):
                    identity[name] = kwargs[name]
        except (TypeError, ValueError, AttributeError):
            pass
    return identity


def unit_key(unit: Unit, identity: FileIdentity, versions: dict[str, Any]) -> str:
    """The cache key of ``unit`` (reading the file ``identity`` names), as 64 hex digits."""
    facts = {
        "versions": versions,
        "file": identity,
        "part": _part_facts(unit),
        "unit": {
            "id": unit.unit_id,
            "columns": list(unit.columns) if unit.columns is not None else None,
            "bucket": unit.bucket,
            "buckets": unit.buckets,
            "key_columns": list(unit.key_columns),
            "row_columns": list(unit.row_columns) if unit.row_columns is not None else None,
            "track_rows": unit.track_rows,
            "part_index": unit.part_index,
        },
        "schema": hashlib.sha256(
            unit.schema.remove_metadata().serialize().to_pybytes()
        ).hexdigest(),
        "options": unit.options,
    }
    text = json.dumps(facts, sort_keys=True, default=_text, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _part_facts(unit: Unit) -> dict[str, Any]:
    part = unit.part
    if isinstance(part, CsvRangePart):
        scan = part.file_format.default_fragment_scan_options
        return {
            "kind": "csv-range",
            "start": part.start,
            "end": part.end,
            "header": hashlib.sha256(part.header).hexdigest(),
            "format": _format_facts(part.file_format, scan),
        }
    fragment = part.fragment
    facts: dict[str, Any] = {
        "kind": "fragment",
        "row_groups": list(part.row_group_ids) if part.row_group_ids is not None else None,
        "partition": str(fragment.partition_expression),
        "format": _format_facts(
            fragment.format, getattr(fragment.format, "default_fragment_scan_options", None)
        ),
    }
    footer = _footer_facts(fragment, part.row_group_ids)
    if footer is not None:
        facts["footer"] = footer
    return facts


def _footer_facts(fragment: Any, ids: Sequence[int] | None) -> list[Any] | None:
    """Rows, bytes and column statistics of the unit's row groups, from the footer the planner
    already read (None for other formats, or when the footer is not loaded)."""
    row_groups = getattr(fragment, "row_groups", None)
    if row_groups is None:
        return None
    wanted = None if ids is None else set(ids)
    return [
        [rg.id, rg.num_rows, rg.total_byte_size, _text(rg.statistics)]
        for rg in row_groups
        if wanted is None or rg.id in wanted
    ]


def _format_facts(file_format: Any, scan: Any) -> list[str]:
    facts = [type(file_format).__name__, _text(file_format)]
    for name in ("parse_options", "read_options"):
        value = getattr(file_format, name, None)
        if value is not None:
            facts.append(_text(value))
    for name in ("read_options", "convert_options", "parse_options"):
        value = getattr(scan, name, None) if scan is not None else None
        if value is not None:
            facts.append(_text(value))
    return facts


def _text(value: Any) -> str:
    """A stable text of ``value`` (an object's address is not part of what it is)."""
    return _ADDRESS.sub("", repr(value))
