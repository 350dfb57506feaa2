"""Partitioners turn a source into a :class:`~.plan.Plan` of units, reading metadata only.

Rows are split along the data's own seams: files, Parquet row groups (from the footers, no data
read), byte ranges of one large CSV file cut at line starts, slices of an in-memory table. A part
never spans two files, so an error names its file. Columns are split into groups balanced by an
estimated cost (a string costs more than an integer), not by count.

The plan depends on the data and the partitioner's arguments only, never on the worker count, so
any number of workers gives the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import pyarrow as pa

from truthound.profiler.distributed.config import PartitionStrategy, check_workers
from truthound.profiler.distributed.plan import (
    CsvRangePart,
    FragmentPart,
    Part,
    Plan,
    StreamPart,
    TablePart,
    Unit,
)
from truthound.profiler.errors import InvalidInputError, SourceError, UnsupportedError
from truthound.profiler.settings import ProfileSettings
from truthound.profiler.sources import (
    LazyFrameStream,
    Source,
    check_column_names,
    column_selection,
    open_source,
)

__all__ = [
    "DEFAULT_COLUMN_GROUPS",
    "DEFAULT_HASH_BUCKETS",
    "MAX_PARTS",
    "TARGET_CSV_RANGE_BYTES",
    "TARGET_UNIT_BYTES",
    "TARGET_UNIT_ROWS",
    "ColumnBasedPartitioner",
    "HashPartitioner",
    "HybridPartitioner",
    "Partitioner",
    "RowBasedPartitioner",
    "partitioner_for",
]

# Automatic sizing (num_partitions=None): a unit holds about this much, so that units are large
# enough to amortise their start-up and small enough to balance over workers.
TARGET_UNIT_ROWS = 1 << 20
TARGET_UNIT_BYTES = 256 << 20
TARGET_CSV_RANGE_BYTES = 64 << 20
DEFAULT_COLUMN_GROUPS = 2
DEFAULT_HASH_BUCKETS = 4
# At most this many row parts or hash buckets, whatever is asked: each unit has a fixed cost
# (open, plan, one partial, a merge input), so 10**7 parts of a 1M-row table would take minutes
# to give the same numbers that 1,024 parts give.
MAX_PARTS = 1024

# Relative cost of profiling one value, by kind (quantile sketch + distinct + moments for numbers;
# hashing, frequencies, lengths and patterns for strings, plus a cost per byte).
_KIND_COST = {"bool": 1.0, "number": 3.0, "string": 4.0, "nested": 2.0, "null": 0.1}
_STRING_BYTE_COST = 1 / 16
_DEFAULT_STRING_BYTES = 16.0


class Partitioner:
    """Base class: ``plan(data)`` returns the units of one profile run."""

    strategy: PartitionStrategy
    buckets: int = 1  # hash buckets (HASH only)

    def plan(
        self,
        data: Any,
        settings: ProfileSettings | None = None,
        columns: Sequence[str] | None = None,
        **source_options: Any,
    ) -> Plan:
        source = data if isinstance(data, Source) else open_source(data, **source_options)
        if type(self)._units is Partitioner._units:
            raise UnsupportedError(
                f"{type(self).__name__} cannot plan a {source.description}: use one of the "
                "row_based, column_based, hybrid or hash strategies, or implement _units"
            )
        settings = settings or ProfileSettings()
        schema = source.schema
        check_column_names(schema, source.description)
        selected = selected_columns(schema, columns, source.description)
        return Plan(
            units=tuple(self._units(source, schema, selected, settings.unit_options())),
            strategy=self.strategy.value,
            description=source.description,
            schema=schema,
            buckets=self.buckets,
            notes=dict(source.notes),
        )

    def partition(self, data: Any) -> list[Unit]:
        """The units this partitioner makes of ``data`` (a path, frame or table)."""
        return list(self.plan(data).units)

    def _units(self, source, schema, selected, options) -> list[Unit]:
        raise NotImplementedError


class RowBasedPartitioner(Partitioner):
    """Row ranges: about ``num_partitions`` units of equal rows, cut at files, Parquet row groups,
    CSV line starts or table rows. ``None`` sizes units automatically (about 1M rows or 256 MB).

    Examples
    --------
    >>> import pyarrow as pa
    >>> units = RowBasedPartitioner(num_partitions=4).partition(pa.table({"x": list(range(100))}))
    >>> [u.part.rows for u in units]
    [25, 25, 25, 25]
    """

    strategy = PartitionStrategy.ROW_BASED

    def __init__(self, num_partitions: int | None = None):
        self.num_partitions = (
            None if num_partitions is None else check_workers(num_partitions, "num_partitions")
        )

    def _units(self, source, schema, selected, options):
        parts = row_parts(source, self.num_partitions)
        return [
            Unit(i, part, schema, options, columns=selected, row_columns=selected)
            for i, part in enumerate(parts)
        ]


class ColumnBasedPartitioner(Partitioner):
    """Column groups of about equal estimated cost; each unit reads all rows of its group.

    ``partition(data, num_workers)`` returns the column groups (lists of names).

    Examples
    --------
    >>> import pyarrow as pa
    >>> t = pa.table({"a": [1], "b": [2], "s": ["x"], "t": ["y"]})
    >>> ColumnBasedPartitioner().partition(t, num_workers=2)
    [['a', 's'], ['b', 't']]
    """

    strategy = PartitionStrategy.COLUMN_BASED

    def __init__(self, num_groups: int = DEFAULT_COLUMN_GROUPS):
        self.num_groups = check_workers(num_groups, "num_groups")

    def partition(self, data: Any, num_workers: int | None = None) -> list[list[str]]:  # type: ignore[override]
        source = data if isinstance(data, Source) else open_source(data)
        groups = column_groups(
            source, source.schema.names, check_workers(num_workers or self.num_groups)
        )
        return [list(g) for g in groups]

    def _units(self, source, schema, selected, options):
        return cross_units(
            row_parts(source, 1),
            column_groups(source, selected or schema.names, self.num_groups),
            schema,
            options,
        )


class HybridPartitioner(Partitioner):
    """Row ranges x column groups: ``row_partitions * column_partitions`` units.

    Examples
    --------
    >>> import pyarrow as pa
    >>> t = pa.table({"a": list(range(8)), "s": list("abcdefgh")})
    >>> len(HybridPartitioner(row_partitions=4, column_partitions=2).partition(t))
    8
    """

    strategy = PartitionStrategy.HYBRID

    def __init__(
        self, row_partitions: int | None = None, column_partitions: int = DEFAULT_COLUMN_GROUPS
    ):
        self.row_partitions = (
            None if row_partitions is None else check_workers(row_partitions, "row_partitions")
        )
        self.column_partitions = check_workers(column_partitions, "column_partitions")

    def _units(self, source, schema, selected, options):
        groups = column_groups(source, selected or schema.names, self.column_partitions)
        return cross_units(row_parts(source, self.row_partitions), groups, schema, options)


class HashPartitioner(Partitioner):
    """Rows routed to ``num_partitions`` buckets by a hash of ``key_columns`` (default: all), so
    equal rows meet in one bucket and the duplicate-row count is exact per bucket (see
    docs/user-guide.md, "Duplicate rows"). Each bucket reads the whole input once.

    Examples
    --------
    >>> import pyarrow as pa
    >>> units = HashPartitioner(num_partitions=3).partition(pa.table({"x": [1, 1, 2]}))
    >>> [u.bucket for u in units]
    [0, 1, 2]
    """

    strategy = PartitionStrategy.HASH

    def __init__(
        self, num_partitions: int = DEFAULT_HASH_BUCKETS, key_columns: Sequence[str] | None = None
    ):
        self.num_partitions = self.buckets = _capped(
            check_workers(num_partitions, "num_partitions"), "num_partitions"
        )
        self.key_columns = tuple(key_columns or ())

    def _units(self, source, schema, selected, options):
        parts = row_parts(source, None)
        _require_rereadable(parts, "the HASH strategy reads the input once per bucket")
        return self.units_over(parts, schema, selected, options, source.description)

    def units_over(
        self, parts: list[Part], schema: pa.Schema, selected, options, description: str
    ) -> list[Unit]:
        """Every part once per bucket: units ``[b*len(parts), (b+1)*len(parts))`` are bucket b's
        (the layout ``merger.bucket_units`` expects)."""
        missing = [k for k in self.key_columns if k not in schema.names]
        if missing:
            raise InvalidInputError(f"hash key column {missing[0]!r} not found in {description}")
        return [
            Unit(
                b * len(parts) + p,
                part,
                schema,
                options,
                columns=selected,
                bucket=b,
                buckets=self.num_partitions,
                # Equal rows of the selection must meet: by default they route by its columns.
                key_columns=self.key_columns or (selected or ()),
                row_columns=selected,
                part_index=p,
            )
            for b in range(self.num_partitions)
            for p, part in enumerate(parts)
        ]


def partitioner_for(
    strategy: PartitionStrategy | str, num_partitions: int | None = None
) -> Partitioner:
    """The default partitioner of a strategy; ``num_partitions`` sizes its main dimension (row
    parts, column groups, or hash buckets)."""
    strategy = PartitionStrategy(strategy)
    if strategy is PartitionStrategy.ROW_BASED:
        return RowBasedPartitioner(num_partitions)
    if strategy is PartitionStrategy.COLUMN_BASED:
        return ColumnBasedPartitioner(num_partitions or DEFAULT_COLUMN_GROUPS)
    if strategy is PartitionStrategy.HYBRID:
        return HybridPartitioner(num_partitions)
    return HashPartitioner(num_partitions or DEFAULT_HASH_BUCKETS)


def selected_columns(
    schema: pa.Schema, columns: Sequence[str] | None, description: str
) -> tuple[str, ...] | None:
    """The user's columns in table order; None when every column is profiled."""
    columns = column_selection(columns)
    if columns is None:
        return None
    names = schema.names
    for name in columns:
        if name not in names:
            shown = ", ".join(names[:20]) + (", ..." if len(names) > 20 else "")
            raise InvalidInputError(
                f"column {name!r} not found in {description}; its columns are {shown}"
            )
    wanted = set(columns)
    chosen = tuple(n for n in names if n in wanted)
    return None if len(chosen) == len(names) else chosen


def cross_units(
    parts: list[Part], groups: list[tuple[str, ...]], schema: pa.Schema, options
) -> list[Unit]:
    if len(groups) > 1:
        _require_rereadable(parts, "a column-split plan reads the input once per column group")
    everything = tuple(schema.names)
    chosen = {n for g in groups for n in g}  # the groups split the selection
    selection = tuple(n for n in everything if n in chosen)
    return [
        Unit(
            p * len(groups) + g,
            part,
            schema,
            options,
            columns=None if group == everything else group,
            row_columns=None if selection == everything else selection,
            part_index=p,
        )
        for p, part in enumerate(parts)
        for g, group in enumerate(groups)
    ]


def _require_rereadable(parts: list[Part], why: str) -> None:
    for part in parts:
        if isinstance(part, StreamPart) and isinstance(part.stream_source, pa.RecordBatchReader):
            raise UnsupportedError(
                f"{part.label} is a one-shot stream and {why}: "
                "use the row_based strategy, or pass a "
                "table or files"
            )


# -- rows ---------------------------------------------------------------------------------------


def _capped(count: int | None, what: str) -> int | None:
    """``count`` at most :data:`MAX_PARTS`, with a warning when it was more. (A table's parts are
    also at most its rows: an empty part is no use.)"""
    if count is None or count <= MAX_PARTS:
        return count
    import warnings

    warnings.warn(
        f"{what}={count:,} asks for more units than make sense: using {MAX_PARTS:,}, "
        "the most row parts or hash buckets a plan has",
        UserWarning,
        stacklevel=4,
    )
    return MAX_PARTS


def row_parts(source: Source, count: int | None) -> list[Part]:
    """About ``count`` parts of the source's rows (None: sized automatically), at most
    :data:`MAX_PARTS` (with a warning) and at most one per row."""
    import pyarrow.dataset as ds

    count = _capped(count, "num_partitions")
    if source.row_parts is not None:  # the source cuts its own rows (an engine's frame)
        return source.row_parts(count)
    if source.dataset is None:
        data = source.stream_source
        if type(data).__module__.split(".")[0] == "polars" and type(data).__name__ == "DataFrame":
            return _table_parts(pa.table(data), count, source.description)
        if isinstance(data, LazyFrameStream) and count and count > 1:
            # A lazy query split by rows runs once: slices of separate runs could overlap.
            return _table_parts(data.collect(), count, source.description)
        return [StreamPart(data, source.description)]
    dataset = source.dataset
    if isinstance(dataset, ds.InMemoryDataset):
        return _table_parts(dataset.to_table(), count, source.description)
    fragments = list(dataset.get_fragments())
    if not fragments:
        raise SourceError(f"no data files in {source.description}")
    if isinstance(dataset.format, ds.ParquetFileFormat):
        return _parquet_parts(fragments, count)
    if isinstance(dataset.format, ds.CsvFileFormat) and len(fragments) == 1:
        parts = _csv_ranges(dataset, fragments[0], count)
        if parts:
            return parts
    return [FragmentPart(f, f.path, file_index=i) for i, f in enumerate(fragments)]


def _auto_count(rows: int, nbytes: int) -> int:
    return max(1, math.ceil(rows / TARGET_UNIT_ROWS), math.ceil(nbytes / TARGET_UNIT_BYTES))


def _table_parts(table: pa.Table, count: int | None, description: str) -> list[Part]:
    n = table.num_rows
    count = min(count or _auto_count(n, table.nbytes), max(n, 1))
    bounds = [round(i * n / count) for i in range(count + 1)]
    return [
        TablePart(
            table,
            a,
            b - a,
            f"{description} rows {a}-{b - 1}" if b > a else f"{description} (no rows)",
        )
        for a, b in pairwise(bounds)
    ]


def _parquet_parts(fragments: list, count: int | None) -> list[Part]:
    groups = []  # (fragment, [(row group id, rows, bytes)])
    for f in fragments:
        try:
            infos = [(rg.id, rg.num_rows, rg.total_byte_size) for rg in f.row_groups]
        except (OSError, pa.ArrowException) as exc:
            raise SourceError(f"cannot read the Parquet footer of {f.path}: {exc}") from exc
        groups.append((f, infos))
    total_rows = sum(r for _, infos in groups for _, r, _ in infos)
    total_bytes = sum(b for _, infos in groups for _, _, b in infos)
    count = count or _auto_count(total_rows, total_bytes)
    parts: list[Part] = []
    start = 0  # first row of the current row group in the whole table
    for file_index, (f, infos) in enumerate(groups):
        if not infos:
            parts.append(FragmentPart(f, f.path, 0, file_index=file_index))
            continue
        current: list[tuple[int, int]] = []
        current_key, first_row, file_row = None, 0, 0
        for rg_id, rows, _ in infos:
            # A row group joins the part its first row falls in: parts of equal rows, never
            # spanning files.
            key = start * count // max(total_rows, 1)
            if current and key != current_key:
                parts.append(_row_group_part(f, current, len(infos), first_row, file_index))
                current, first_row = [], file_row
            current.append((rg_id, rows))
            current_key = key
            start += rows
            file_row += rows
        parts.append(_row_group_part(f, current, len(infos), first_row, file_index))
    return parts


def _row_group_part(
    fragment, row_groups: list[tuple[int, int]], total: int, first_row: int, file_index: int = 0
) -> FragmentPart:
    ids = tuple(i for i, _ in row_groups)
    rows = sum(r for _, r in row_groups)
    if len(ids) == total:
        return FragmentPart(fragment, fragment.path, rows, ids, file_index, first_row)
    groups = f"row group {ids[0]}" if len(ids) == 1 else f"row groups {ids[0]}-{ids[-1]}"
    label = f"{fragment.path} {groups} (rows {first_row}-{first_row + rows - 1})"
    return FragmentPart(fragment, label, rows, ids, file_index, first_row)


_COMPRESSED = (".gz", ".bz2", ".zst", ".lz4", ".zip", ".xz")


def _csv_ranges(dataset, fragment, count: int | None) -> list[Part] | None:
    """Byte ranges of one uncompressed CSV file, cut at record starts; None when it cannot be cut
    (compressed, skipped rows, hive columns) or needs no cutting.

    A line break inside a quoted value does not end a record. Outside quotes the file has seen an
    even number of quote characters (a quote inside a quoted value is doubled, RFC 4180), so a cut
    is moved to the first line start after it where that count is even: the file is read once,
    counting quotes, before it is split. A file on a remote filesystem is read twice for that only
    when the user asked for a number of parts; otherwise it is split only when the user said its
    values hold no line breaks (``newlines_in_values=False``)."""
    import pyarrow.dataset as ds
    import pyarrow.fs as pafs

    fmt = dataset.format
    read = fmt.default_fragment_scan_options.read_options
    path, fs = fragment.path, dataset.filesystem
    if (
        path.lower().endswith(_COMPRESSED)
        or read.skip_rows
        or read.skip_rows_after_names
        or read.column_names
        or fragment.partition_expression is None
        or not fragment.partition_expression.equals(ds.scalar(True))
    ):
        return None
    quoting = fmt.parse_options.newlines_in_values and fmt.parse_options.quote_char
    if quoting and count is None and not isinstance(fs, pafs.LocalFileSystem):
        return None
    size = fs.get_file_info(path).size
    count = count or math.ceil(size / TARGET_CSV_RANGE_BYTES)
    if count <= 1 or size == 0:
        return None
    with fs.open_input_file(path) as f:
        records = _RecordStarts(f, size, quoting.encode() if quoting else None)
        header = b"" if read.autogenerate_column_names else records.header()
        cuts = [len(header)]
        for i in range(1, count):
            cut = records.at_or_after(max(len(header), i * size // count))
            if cut > cuts[-1] and cut < size:
                cuts.append(cut)
    cuts.append(size)
    parts: list[Part] = []
    for i, (a, b) in enumerate(pairwise(cuts)):
        start = 0 if i == 0 else a  # the first range carries the header itself
        parts.append(
            CsvRangePart(
                path, fs, start, b, b"" if i == 0 else header, fmt, f"{path} bytes {start}-{b - 1}"
            )
        )
    return parts if len(parts) > 1 else None


class _RecordStarts:
    """Record starts of a CSV file, asked for in increasing order: the first line start at or
    after an offset that is outside quotes (an even number of ``quote`` bytes before it)."""

    CHUNK = 1 << 22

    def __init__(self, f, size: int, quote: bytes | None):
        self._f, self._size, self._quote = f, size, quote
        self._pos = 0  # quotes are counted in [0, _pos)
        self._quotes = 0

    def _count_to(self, offset: int) -> None:
        if self._quote is None:
            return
        self._f.seek(self._pos)
        while self._pos < offset:
            chunk = self._f.read(min(self.CHUNK, offset - self._pos))
            if not chunk:
                break
            self._quotes += chunk.count(self._quote)
            self._pos += len(chunk)

    def at_or_after(self, offset: int) -> int:
        """The first record start at or after ``offset`` (``size`` when there is none)."""
        if offset == 0:
            return 0
        if self._quote is not None and self._pos >= offset:
            return self._pos  # the last answer: no record starts between its offset and it
        begin = offset - 1  # a record starts after a line break outside quotes
        self._count_to(begin)
        at = begin
        self._f.seek(at)
        while at < self._size:
            chunk = self._f.read(self.CHUNK)
            if not chunk:
                break
            i = 0
            while (nl := chunk.find(b"\n", i)) >= 0:
                if self._quote is None:
                    return at + nl + 1
                self._quotes += chunk.count(self._quote, i, nl + 1)
                i = nl + 1
                if self._quotes % 2 == 0:
                    self._pos = at + i
                    return self._pos
            if self._quote is not None:
                self._quotes += chunk.count(self._quote, i)
            at += len(chunk)
            self._pos = at
        return self._size

    def header(self) -> bytes:
        end = self.at_or_after(1)
        self._f.seek(0)
        return self._f.read(end)


# -- columns ------------------------------------------------------------------------------------


def schema_column_groups(
    schema: pa.Schema, names: Sequence[str], count: int
) -> list[tuple[str, ...]]:
    """:func:`column_groups` for data known only by its schema (an engine's frame): costs from the
    types alone."""
    import pyarrow.dataset as ds

    return column_groups(Source("", dataset=ds.dataset(schema.empty_table())), names, count)


def column_groups(source: Source, names: Sequence[str], count: int) -> list[tuple[str, ...]]:
    """``names`` in at most ``count`` groups of about equal estimated cost (largest first into the
    lightest group), each in table order, groups ordered by their first column."""
    schema = source.schema
    costs = _column_costs(source, names)
    order = {n: i for i, n in enumerate(schema.names)}
    loads = [0.0] * min(count, len(names))
    members: list[list[str]] = [[] for _ in loads]
    for name in sorted(names, key=lambda n: (-costs[n], order[n])):
        g = min(range(len(loads)), key=lambda i: (loads[i], i))
        loads[g] += costs[name]
        members[g].append(name)
    groups = [tuple(sorted(m, key=order.__getitem__)) for m in members if m]
    return sorted(groups, key=lambda g: order[g[0]])


def _kind(t: pa.DataType) -> str:
    if pa.types.is_dictionary(t):
        return _kind(t.value_type)
    if pa.types.is_null(t):
        return "null"
    if pa.types.is_boolean(t):
        return "bool"
    if pa.types.is_nested(t):
        return "nested"
    if (
        pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_string_view(t)
        or pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
        or pa.types.is_binary_view(t)
        or pa.types.is_fixed_size_binary(t)
    ):
        return "string"
    return "number"


def _column_costs(source: Source, names: Sequence[str]) -> dict[str, float]:
    widths = _parquet_value_bytes(source)
    costs = {}
    for name in names:
        kind = _kind(source.schema.field(name).type)
        cost = _KIND_COST[kind]
        if kind == "string":
            cost += widths.get(name, _DEFAULT_STRING_BYTES) * _STRING_BYTE_COST
        costs[name] = cost
    return costs


def _parquet_value_bytes(source: Source) -> dict[str, float]:
    """Mean uncompressed bytes per value of each column, from the first Parquet footer."""
    import pyarrow.dataset as ds

    dataset = source.dataset
    if not isinstance(getattr(dataset, "format", None), ds.ParquetFileFormat):
        return {}
    fragment = next(iter(dataset.get_fragments()), None)
    if fragment is None or fragment.metadata.num_row_groups == 0:
        return {}
    rg = fragment.metadata.row_group(0)
    sizes: dict[str, list[int]] = {}
    for i in range(rg.num_columns):
        chunk = rg.column(i)
        name = chunk.path_in_schema.split(".")[0]
        total = sizes.setdefault(name, [0, 0])
        total[0] += chunk.total_uncompressed_size
        total[1] = max(total[1], chunk.num_values)
    return {name: b / n for name, (b, n) in sizes.items() if n}


BUILT_IN_PARTITIONERS = (
    RowBasedPartitioner,
    ColumnBasedPartitioner,
    HybridPartitioner,
    HashPartitioner,
)
