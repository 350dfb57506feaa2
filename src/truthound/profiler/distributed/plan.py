"""Units of work, and the one function every backend runs: ``run_unit(unit) -> (unit_id, bytes)``.

A unit is *which rows* (a :class:`Part`: a file fragment or some of its row groups, a byte range
of a CSV file, a slice of an in-memory table, or a whole stream) x *which columns* (all, or a
column group) x, under HASH, *which hash bucket*. A unit is a small picklable description: a
process or a remote worker opens the data itself, so only descriptions travel, never rows (in-memory
tables aside). Units of one plan are numbered 0..n-1; merging in that order makes the result
independent of where and when each unit ran.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from truthound.profiler.errors import InvalidInputError, ProfilerError, SourceError, located
from truthound.profiler.sources import BATCH_ROWS, stream_fragments

__all__ = [
    "CsvRangePart",
    "FragmentPart",
    "Part",
    "Plan",
    "StreamPart",
    "TablePart",
    "Unit",
    "open_unit",
    "run_unit",
]


class Part:
    """Some rows of a table. ``open`` returns a RecordBatchReader over ``columns`` (None = all)."""

    label: str = ""
    rows: int | None = None  # when known without reading the data
    shippable: bool = True  # False: only the driver process can open it
    engine: str | None = None  # the engine whose workers can also open it when not shippable

    def readable_by(self, engine: str) -> bool:
        """Whether a worker of ``engine`` can open this part (else the driver runs its unit)."""
        return self.shippable or engine == self.engine

    def open(self, columns: Sequence[str] | None, schema: pa.Schema) -> pa.RecordBatchReader:
        raise NotImplementedError


@dataclass(frozen=True, eq=False)
class FragmentPart(Part):
    """A file, or some row groups of a Parquet file, read in the order of ``row_group_ids``.

    It pickles as the file's absolute path (a worker's working folder is not the driver's), its
    filesystem, format, hive partition values and the row-group ids in order: pyarrow rebuilds an
    unpickled fragment's row groups from a set, so a pickled ``subset([7, 8, 9])`` could be read as
    [8, 9, 7] and give other bytes than the same unit run in this process."""

    fragment: Any
    label: str
    rows: int | None = None
    row_group_ids: tuple[int, ...] | None = None  # None: the whole fragment
    file_index: int = 0  # the file's place in the source's files
    first_row: int = 0  # the row in the file of the part's first row

    def open(self, columns, schema):
        if self.row_group_ids is None:
            return stream_fragments([self.fragment], schema, columns)
        whole = self.fragment
        return stream_fragments(
            (whole.subset(row_group_ids=[i]) for i in self.row_group_ids), schema, columns
        )

    def __reduce__(self):
        fragment = self.fragment
        shipped = (
            fragment.format,
            _absolute_local(fragment.path, fragment.filesystem),
            fragment.filesystem,
            fragment.partition_expression,
        )
        return (
            _fragment_part,
            (shipped, self.label, self.rows, self.row_group_ids, self.file_index, self.first_row),
        )


def _fragment_part(
    shipped: tuple[Any, str, Any, Any],
    label: str,
    rows: int | None,
    ids: tuple[int, ...] | None,
    file_index: int = 0,
    first_row: int = 0,
) -> FragmentPart:
    file_format, path, filesystem, partition_expression = shipped
    fragment = file_format.make_fragment(path, filesystem, partition_expression)
    return FragmentPart(fragment, label, rows, ids, file_index, first_row)


def _absolute_local(path: str, filesystem: Any) -> str:
    """``path`` made absolute when it is a relative path on the local filesystem."""
    import os

    import pyarrow.fs as pafs

    if isinstance(filesystem, pafs.LocalFileSystem) and not os.path.isabs(path):
        return os.path.abspath(path)
    return path


@dataclass(frozen=True, eq=False)
class CsvRangePart(Part):
    """Bytes ``[start, end)`` of one CSV file, both at line starts; the header line is read first
    so every range parses with the same column names and types (the dataset's)."""

    path: str
    filesystem: Any
    start: int
    end: int
    header: bytes
    file_format: Any  # pyarrow.dataset.CsvFileFormat
    label: str

    def __reduce__(self):
        fields = (self.start, self.end, self.header, self.file_format, self.label)
        path = _absolute_local(self.path, self.filesystem)
        return (CsvRangePart, (path, self.filesystem, *fields))

    def open(self, columns, schema):
        import pyarrow.csv as pacsv

        scan = self.file_format.default_fragment_scan_options
        convert = copy.copy(scan.convert_options)
        convert.column_types = {f.name: f.type for f in schema}
        convert.include_columns = list(columns) if columns is not None else schema.names
        return pacsv.open_csv(
            _ByteRange(self.filesystem, self.path, self.start, self.end, self.header),
            read_options=scan.read_options,
            parse_options=self.file_format.parse_options,
            convert_options=convert,
        )


class _ByteRange(io.RawIOBase):
    """A read-only file of ``prefix`` followed by bytes [start, end) of a file."""

    def __init__(self, filesystem: Any, path: str, start: int, end: int, prefix: bytes):
        super().__init__()
        self._file = filesystem.open_input_file(path)
        self._file.seek(start)
        self._left = end - start
        self._prefix = memoryview(prefix)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._file.read(min(len(buffer), self._left))
        self._left -= len(data)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._file.close()
        super().close()


@dataclass(frozen=True, eq=False)
class TablePart(Part):
    """Rows ``[offset, offset + length)`` of an in-memory table (pickled to processes)."""

    table: pa.Table
    offset: int
    length: int
    label: str

    @property
    def rows(self) -> int:  # type: ignore[override]
        return self.length

    def __reduce__(self):
        # A pickled slice would carry the whole table's buffers: ship a copy of its rows only.
        if self.table is None:  # its rows travel separately (a Ray object ref)
            return (TablePart, (None, self.offset, self.length, self.label))
        return (
            TablePart,
            (_compact(self.table.slice(self.offset, self.length)), 0, self.length, self.label),
        )

    def open(self, columns, schema):
        part = self.table.slice(self.offset, self.length)
        if columns is not None:
            part = part.select(list(columns))
        return part.to_reader(max_chunksize=BATCH_ROWS)


def _compact(table: pa.Table) -> pa.Table:
    """The rows of ``table`` in buffers of their own."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return pa.ipc.open_stream(sink.getvalue()).read_all()


@dataclass(frozen=True, eq=False)
class StreamPart(Part):
    """A whole Arrow stream (a RecordBatchReader, DuckDB relation, anything with
    ``__arrow_c_stream__``): it can be read only where it lives and cannot be split."""

    stream_source: Any
    label: str
    shippable = False

    def open(self, columns, schema):
        reader = pa.RecordBatchReader.from_stream(self.stream_source)
        if columns is None:
            return reader
        names = list(columns)
        projected = pa.schema([reader.schema.field(n) for n in names])
        return pa.RecordBatchReader.from_batches(projected, (b.select(names) for b in reader))


@dataclass(frozen=True)
class Unit:
    """One unit of work: rows (``part``) x columns (``columns``, None = all) x hash bucket."""

    unit_id: int
    part: Part
    schema: pa.Schema  # the whole table's: column ordinals and names come from it
    options: dict[str, Any]  # engine options (ProfileSettings.engine_options())
    columns: tuple[str, ...] | None = None
    bucket: int | None = None  # under HASH: keep rows whose key hash falls in this bucket ...
    buckets: int = 1  # ... of this many
    key_columns: tuple[str, ...] = ()  # hashed for the bucket (all columns when empty)
    row_columns: tuple[str, ...] | None = None  # what a row is: the user's selection (None = all)
    cache: Any = None  # a cache.CacheRun when the unit's partial may come from / go to a cache ...
    cache_key: str | None = None  # ... under this key (UnitCache.attach sets both)
    part_index: int | None = None  # the part's place among the plan's row parts

    @property
    def read_columns(self) -> tuple[str, ...] | None:
        """The columns the unit reads (None = all): its own, the related columns its relations
        count, and under HASH the key columns."""
        from truthound.profiler.relations import read_columns

        read = self.columns
        if read is not None:
            extra = read_columns(unit_relations(self), read)
            if extra:
                wanted = set(read) | set(extra)
                read = tuple(n for n in self.schema.names if n in wanted)
        if self.bucket is not None and read is not None:
            wanted = set(read) | set(self.key_columns or self.schema.names)
            read = tuple(n for n in self.schema.names if n in wanted)
        return read

    @property
    def track_rows(self) -> bool:
        """Row hashes (duplicate rows) need every column of the row: all of the table's, or all
        of the selection's when the user selected columns."""
        return self.columns is None or self.columns == self.row_columns

    @property
    def where(self) -> str:
        """Where the unit's data is, for error messages and progress."""
        text = self.part.label
        if self.columns is not None:
            shown = ", ".join(self.columns[:4]) + (", ..." if len(self.columns) > 4 else "")
            text += f", columns {shown}"
        if self.bucket is not None:
            text += f", hash bucket {self.bucket + 1} of {self.buckets}"
        return text

    def __repr__(self) -> str:
        return f"Unit({self.unit_id}: {self.where})"


@dataclass(frozen=True)
class Plan:
    """The units of one profile run, numbered 0..n-1, and how they were made."""

    units: tuple[Unit, ...]
    strategy: str
    description: str  # the source, for the profile's name and messages
    schema: pa.Schema
    buckets: int = 1  # HASH: units of bucket b are the ids [b*k, (b+1)*k), k = len(units)//buckets
    notes: dict[str, str] = field(
        default_factory=dict
    )  # per column, from the source (Source.notes)

    def __len__(self) -> int:
        return len(self.units)

    def __iter__(self) -> Iterator[Unit]:
        return iter(self.units)


def unit_relations(unit: Unit) -> dict[str, Any] | None:
    """The unit's ``relations`` argument of ``_core.profile`` (see :mod:`truthound.profiler.relations`)."""
    from truthound.profiler.relations import unit_relations as resolve

    return resolve(unit.options.get("relations"), unit.schema, unit.row_columns, unit.columns)


def open_unit(unit: Unit) -> pa.RecordBatchReader:
    """The unit's rows as a stream for the engine: the table's full schema with only the unit's
    columns filled (the others are null-typed placeholders), so the engine numbers each column by
    its ordinal in the table whatever column group it is in. With relations, the column group that
    counts the related columns and samples the rows reads those columns too."""
    from truthound.profiler.relations import read_columns

    relations = unit_relations(unit)
    extra = read_columns(relations, unit.columns) if unit.columns is not None else []
    reader = unit.part.open(unit.read_columns, unit.schema)
    if unit.bucket is not None:
        from truthound.profiler.distributed.routing import filter_bucket

        keys = unit.key_columns or tuple(reader.schema.names)
        reader = filter_bucket(reader, keys, unit.bucket, unit.buckets)
    if unit.columns is not None:
        reader = _padded(reader, unit.schema, (*unit.columns, *extra))
    return reader


def _padded(
    reader: pa.RecordBatchReader, schema: pa.Schema, columns: Sequence[str]
) -> pa.RecordBatchReader:
    keep = set(columns)
    fields = [f if f.name in keep else pa.field(f.name, pa.null()) for f in schema]
    padded_schema = pa.schema(fields)

    def batches():
        for batch in reader:
            arrays = [
                batch.column(f.name) if f.name in keep else pa.nulls(batch.num_rows) for f in fields
            ]
            yield pa.RecordBatch.from_arrays(arrays, schema=padded_schema)

    return pa.RecordBatchReader.from_batches(padded_schema, batches())


def run_unit(unit: Unit) -> tuple[int, bytes]:
    """Profile one unit into partial-profile bytes. Errors name the unit's file and rows.

    A unit with a cache (:class:`~truthound.profiler.cache.UnitCache`) is looked up first, in
    the process that runs it, and its data is not read on a hit; a miss is stored after."""
    from truthound import _core

    if unit.cache is not None:
        cached = unit.cache.lookup(unit)
        if cached is not None:
            return unit.unit_id, cached
    options = dict(unit.options)
    options.pop("relations", None)
    relations = unit_relations(unit)
    try:
        blob = _core.profile(
            open_unit(unit),
            unit_id=unit.unit_id,
            columns=list(unit.columns or ()),
            track_rows=unit.track_rows,
            relations=relations,
            **options,
        )
    except ProfilerError as exc:
        # The engine names the unit by number; the file and rows say more.
        raise located(exc, unit.where) from exc
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError) as exc:
        raise InvalidInputError(f"{unit.where}: {exc}") from exc
    except OSError as exc:
        raise SourceError(f"{unit.where}: {exc}") from exc
    if unit.cache is not None:
        unit.cache.store(unit, blob)
    return unit.unit_id, blob
