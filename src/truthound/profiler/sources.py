"""Normalise what users hand us (paths, globs, URLs, frames) into Arrow data the engine reads.

Paths become a ``pyarrow.dataset.Dataset`` (streamed in batches, so memory stays flat); frames
become objects exporting the Arrow C stream interface. Nothing here computes a statistic.
"""

from __future__ import annotations

import glob as _glob
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from truthound.profiler.errors import (
    InvalidInputError,
    RemoteStoreError,
    SourceError,
    UnsupportedError,
)
from truthound.profiler.redact import redact

__all__ = [
    "Source",
    "open_source",
    "FORMATS",
    "format_of",
    "stream_fragments",
    "with_storage_options",
    "names_files",
    "BATCH_ROWS",
    "column_selection",
    "SOURCE_OPTIONS",
    "check_column_names",
    "warn_if_exhausted",
]

FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".parq": "parquet",
    ".json": "json",
    ".ndjson": "json",
    ".jsonl": "json",
    ".arrow": "ipc",
    ".feather": "ipc",
    ".ipc": "ipc",
}

BATCH_ROWS = 64 * 1024

# Keyword options that tell the reader how to read files (open_source); every entry point takes
# them: tp.profile, DistributedProfiler.profile, the backends, and th profile's flags.
SOURCE_OPTIONS = (
    "format",
    "delimiter",
    "header",
    "quote_char",
    "newlines_in_values",
    "column_types",
)


def format_of(path: str) -> str | None:
    if "://" in path:  # a URL's query and fragment are not part of its name
        path = path.split("#", 1)[0].split("?", 1)[0]
    name = path.rstrip("/").lower()
    for suffix in (".gz", ".bz2", ".zst", ".lz4"):
        name = name.removesuffix(suffix)
    return FORMATS.get(os.path.splitext(name)[1])


def column_selection(columns: Any) -> tuple[str, ...] | None:
    """The user's ``columns=`` argument checked: None (every column) or a non-empty tuple of
    distinct names. A string is one name, never its characters."""
    if columns is None:
        return None
    if isinstance(columns, str):
        return (columns,)
    try:
        names = tuple(columns)
    except TypeError:
        raise InvalidInputError(
            f"columns must be a list of column names, got {type(columns).__name__}"
        ) from None
    if not names:
        raise InvalidInputError(
            "columns=[] selects no column: pass None (the default) to profile every column"
        )
    for name in names:
        if not isinstance(name, str):
            raise InvalidInputError(f"column names are strings, got {name!r} in columns")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InvalidInputError(f"column {name!r} is selected twice in columns")
        seen.add(name)
    return names


def check_column_names(schema: Any, description: str) -> None:
    """A table whose columns share a name cannot be profiled column by column: say which."""
    seen: set[str] = set()
    for name in schema.names:
        if name in seen:
            raise InvalidInputError(
                f"{description} has more than one column named {name!r}: rename them "
                "so that each column has its own name"
            )
        seen.add(name)


def warn_if_exhausted(stream_source: Any, rows: int) -> None:
    """A RecordBatchReader is read once: profiled again it gives 0 rows. Say so, since an empty
    reader and a spent one cannot be told apart."""
    import warnings

    import pyarrow as pa

    if rows == 0 and isinstance(stream_source, pa.RecordBatchReader):
        warnings.warn(
            "the RecordBatchReader gave no rows: a reader can be read only once, so one that was "
            "read before profiles as empty (pass a Table, or a new reader)",
            UserWarning,
            stacklevel=3,
        )


#: Openers of the engines' own frames (``truthound.profiler.engine_frames`` adds its own when the
#: package is imported): each returns a :class:`Source` for data it knows, else None. Sources do not
#: import the engine layer, so the engine layer may build on them.
ENGINE_SOURCES: list[Any] = []


@dataclass
class Source:
    """A table to profile: either a pyarrow Dataset (files) or an in-memory Arrow stream source."""

    description: str
    dataset: Any = None  # pyarrow.dataset.Dataset
    stream_source: Any = None  # anything with __arrow_c_stream__
    files: tuple[str, ...] = ()
    # Per column, what the profile must say about how its values were read (e.g. a column that
    # some files lack and that counts as null there).
    notes: dict[str, str] = field(default_factory=dict)
    # A source that cuts its own rows (an engine's frame: partitions, blocks): about ``count``
    # parts (None: its own partitioning). None: the partitioners cut files and tables themselves.
    row_parts: Any = None

    @property
    def schema(self):
        import pyarrow as pa

        if self.dataset is not None:
            return self.dataset.schema
        return pa.RecordBatchReader.from_stream(self.stream_source).schema

    def column_names(self) -> list[str]:
        return list(self.schema.names)

    def to_stream(self, columns: Sequence[str] | None = None):
        """An object with ``__arrow_c_stream__`` yielding the table's batches."""
        columns = column_selection(columns)
        if columns:
            names = self.column_names()
            missing = [c for c in columns if c not in names]
            if missing:
                shown = ", ".join(repr(n) for n in names[:20]) + (
                    ", ..." if len(names) > 20 else ""
                )
                raise InvalidInputError(
                    f"column {missing[0]!r} not found in {self.description}; columns are {shown}"
                )
        if self.dataset is not None:
            return stream_fragments(
                list(self.dataset.get_fragments()), self.dataset.schema, columns or None
            )
        return self.stream_source


def stream_fragments(fragments: Iterable[Any], schema: Any, columns: Sequence[str] | None = None):
    """A RecordBatchReader over dataset fragments (in order) with the dataset's ``schema``,
    projected to ``columns``.

    A scanner over a whole Parquet file decodes row groups ahead of a slower consumer without
    bound (memory grows with the file), so Parquet fragments are scanned one row group at a time:
    memory stays at about one row group whatever the file size. Other formats stream in blocks.
    Batches come from ``Scanner.to_batches``: ``to_reader`` holds the GIL while a JSON scan
    starts, which deadlocks on a filesystem written in Python (fsspec's, e.g. HTTP).
    """
    import pyarrow as pa
    import pyarrow.dataset as ds

    names = list(columns) if columns is not None else None
    out_schema = pa.schema([schema.field(n) for n in names]) if names is not None else schema

    def scan(fragment):
        options = {}
        if isinstance(fragment, ds.ParquetFileFragment):
            # Page checksums, where the writer stored them, are verified: a flipped bit in a
            # data page is an error, not a different number.
            options["fragment_scan_options"] = ds.ParquetFragmentScanOptions(
                pre_buffer=False, page_checksum_verification=True
            )
        return ds.Scanner.from_fragment(
            fragment,
            schema=schema,
            columns=names,
            batch_size=BATCH_ROWS,
            batch_readahead=2,
            use_threads=True,
            **options,
        ).to_batches()

    def batches():
        for fragment in fragments:
            groups = fragment.row_groups if isinstance(fragment, ds.ParquetFileFragment) else None
            if not groups:
                yield from scan(fragment)
                continue
            for group in groups:
                try:
                    yield from scan(fragment.subset(row_group_ids=[group.id]))
                except (OSError, pa.ArrowInvalid) as exc:
                    raise pa.ArrowInvalid(
                        f"corrupt data in {fragment.path} row group {group.id}: {exc}"
                    ) from None

    return pa.RecordBatchReader.from_batches(out_schema, batches())


def _is_url(s: str) -> bool:
    return "://" in s and not s.startswith("file://")


def _filesystem_and_paths(path: str, storage_options: dict[str, Any] | None = None):
    if _is_url(path):
        from truthound.profiler.filesystems import resolve

        return resolve(path, storage_options)
    local = path.removeprefix("file://")
    local = os.path.expanduser(local)
    if any(ch in local for ch in "*?["):
        matched = sorted(_glob.glob(local, recursive=True))
        if not matched:
            raise SourceError(f"no files match {path!r}")
        return None, matched
    if not os.path.exists(local):
        raise SourceError(f"no such file or folder: {path!r}")
    if not (os.path.isfile(local) or os.path.isdir(local)):
        raise SourceError(
            f"{path!r} is not a regular file or folder (a FIFO, socket or device?): "
            "truthound reads files it can open more than once; save the data to a file first"
        )
    return None, [local]


def _data_files(folder: str) -> list[str]:
    """Files under ``folder`` with a data-file suffix (hidden and ``_`` files skipped, as pyarrow
    does), so a README or a checksum file beside the data is not read as data."""
    found = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        found.extend(
            os.path.join(root, n)
            for n in sorted(names)
            if not n.startswith((".", "_")) and format_of(n)
        )
    return found


def _clean(message: str) -> str:
    """pyarrow's dataset errors without the boilerplate around the cause."""
    message = re.sub(
        r"Error creating dataset\. Could not read schema from '[^']*'\. Is this a '\w+' file\?: ",
        "",
        message,
    )
    return re.sub(r"Could not open \w+ input source '[^']*': ", "", message)


def _dataset_from_paths(
    paths: list[str],
    fmt: str | None,
    csv_options: dict[str, Any],
    storage_options: dict[str, Any] | None = None,
):
    import pyarrow.dataset as ds

    filesystem = None
    resolved: list[str] = []
    for p in paths:
        fs, found = _filesystem_and_paths(p, storage_options)
        filesystem = filesystem or fs
        resolved.extend(found)
    formats = {fmt} if fmt else set()
    if not fmt:
        for p in resolved:
            if os.path.isdir(p) if filesystem is None else False:
                continue
            f = format_of(p)
            if f:
                formats.add(f)
    if not formats and any(os.path.isdir(p) for p in resolved if filesystem is None):
        for p in resolved:
            for _root, _dirs, names in os.walk(p):
                for n in names:
                    if format_of(n):
                        formats.add(format_of(n))
    if not formats:
        raise UnsupportedError(
            f"cannot tell the format of {paths[0]!r}: "
            "name it .csv, .tsv, .parquet, .json/.ndjson or .arrow/.feather, or say which "
            "(format='csv' in Python, --input-format csv in th profile)"
        )
    if len(formats) > 1:
        raise InvalidInputError(
            f"mixed file formats {sorted(formats)} in {paths!r}; profile them separately"
        )
    (fmt,) = formats
    file_format = _file_format(fmt, csv_options)
    base_dir = None
    if filesystem is None and len(resolved) == 1 and os.path.isdir(resolved[0]):
        base_dir = resolved[0]
        resolved = _data_files(base_dir)
        if not resolved:
            raise SourceError(f"no data files in folder {paths[0]!r}")
    try:
        dataset = ds.dataset(
            resolved if len(resolved) > 1 or base_dir else resolved[0],
            format=file_format,
            filesystem=filesystem,
            partitioning="hive",
            partition_base_dir=base_dir,
            exclude_invalid_files=False,
        )
    except FileNotFoundError as exc:
        raise SourceError(redact(str(exc))) from exc
    except Exception as exc:  # pyarrow.ArrowInvalid for corrupt footers and schema clashes
        where = paths[0] if len(paths) == 1 else ", ".join(paths)
        if filesystem is not None and isinstance(exc, OSError):  # a remote read failed
            from truthound.profiler.filesystems import describe_failure

            raise RemoteStoreError(describe_failure(where, exc)) from None
        raise SourceError(redact(f"cannot read {where!r} as {fmt}: {_clean(str(exc))}")) from exc
    notes: dict[str, str] = {}
    if len(dataset.files) > 1:
        dataset, notes = _unified(dataset, fmt)
    if fmt in ("csv", "tsv"):
        dataset = _exact_big_integers(dataset, file_format, csv_options)
    return dataset, tuple(dataset.files), fmt, notes


def _file_schema(fragment: Any, fmt: str) -> Any:
    try:
        return fragment.physical_schema
    except Exception as exc:  # ArrowInvalid / OSError: a corrupt or unreadable file
        raise SourceError(f"cannot read {fragment.path!r} as {fmt}: {_clean(str(exc))}") from exc


def _unified(dataset: Any, fmt: str) -> tuple[Any, dict[str, str]]:
    """The files of ``dataset`` with one schema for all of them, and the notes it takes.

    pyarrow takes a dataset's schema from its first file, so columns found only in later files
    would vanish. Here every file's own schema counts: the columns are the union in order of first
    appearance, types are unified (int32 and int64 give int64, integers and floats give double),
    and a column a file lacks is null for that file's rows. A hive partition key that is also a
    column of a file never replaces that file's values: the key fills the column only for files
    without it. Types that cannot unify raise an error naming the file and the column.
    """
    import pyarrow as pa
    import pyarrow.dataset as ds

    fragments = list(dataset.get_fragments())
    key_names = _partition_keys(dataset)
    keys = [f for f in dataset.schema if f.name in key_names]
    merged: dict[str, Any] = {}  # name -> field, in order of first appearance
    first_file: dict[str, str] = {}
    present: dict[str, int] = {}
    file_schemas = []
    for fragment in fragments:
        schema = _file_schema(fragment, fmt)
        file_schemas.append(schema)
        for field_ in schema:
            name = field_.name
            present[name] = present.get(name, 0) + 1
            if name not in merged:
                merged[name], first_file[name] = field_, fragment.path
                continue
            try:
                unified = pa.unify_schemas(
                    [pa.schema([merged[name]]), pa.schema([field_])], promote_options="permissive"
                )
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
                raise SourceError(
                    f"column {name!r} is {merged[name].type} in {first_file[name]!r} but "
                    f"{field_.type} in {fragment.path!r}: the files' types cannot be unified"
                ) from None
            merged[name] = unified.field(0)
    for key in keys:
        if key.name not in merged:
            merged[key.name] = key
    schema = pa.schema(list(merged.values()))
    notes: dict[str, str] = {}
    total = len(fragments)
    for name, count in present.items():
        if count < total and name not in key_names:
            missing = [f.path for f, fs in zip(fragments, file_schemas) if name not in fs.names]
            shown = ", ".join(missing[:3]) + (", ..." if len(missing) > 3 else "")
            notes[name] = (
                f"missing from {total - count} of {total} files ({shown}): "
                "their rows count as nulls here"
            )
    clashing = key_names & set(present)
    for name in sorted(clashing):
        notes[name] = (
            f"also a hive partition key: the {present[name]} files with a {name!r} column keep "
            f"their values; the other {total - present[name]} take it from their folder names"
        )
    if schema.equals(dataset.schema) and not clashing:
        return dataset, notes
    rebuilt = []
    for fragment, file_schema in zip(fragments, file_schemas):
        expression = fragment.partition_expression
        if clashing & set(file_schema.names):
            expression = _without_keys(fragment, clashing)
        rebuilt.append(dataset.format.make_fragment(fragment.path, dataset.filesystem, expression))
    unified = ds.FileSystemDataset(
        rebuilt, schema=schema, format=dataset.format, filesystem=dataset.filesystem
    )
    return unified, notes


def _partition_keys(dataset: Any) -> set[str]:
    """Names that some file's hive folder names give a value."""
    import pyarrow.dataset as ds

    keys: set[str] = set()
    for fragment in dataset.get_fragments():
        keys.update(ds.get_partition_keys(fragment.partition_expression))
    return keys


def _without_keys(fragment: Any, keys: set[str]) -> Any:
    """The fragment's partition expression without the equalities on ``keys``."""
    import pyarrow.dataset as ds

    values = ds.get_partition_keys(fragment.partition_expression)
    expression = ds.scalar(True)
    for name, value in values.items():
        if name not in keys:
            expression = expression & (ds.field(name) == value)
    return expression


_INTEGER_TEXT = r"^\s*[+-]?[0-9]+\s*$"


def _exact_big_integers(dataset: Any, file_format: Any, csv_options: dict[str, Any]) -> Any:
    """CSV columns of whole numbers beyond int64 read as exact decimals.

    pyarrow infers such a column as double, which keeps about 16 digits: 18446744073709551615
    would be profiled as 1.8446744073709552e+19. The first block of the first file is read again
    with those columns as text; a column whose values are all integers, some outside int64, is
    read as decimal128(38, 0) (decimal256(76, 0) past 38 digits). A column the user typed
    (``column_types``) is left as typed.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.dataset as ds

    typed = set((csv_options.get("column_types") or {}).keys())
    keys = _partition_keys(dataset)
    doubles = [
        f.name
        for f in dataset.schema
        if pa.types.is_floating(f.type) and f.name not in typed and f.name not in keys
    ]
    fragments = list(dataset.get_fragments())
    if not doubles or not fragments:
        return dataset
    scan = file_format.default_fragment_scan_options
    convert = pacsv.ConvertOptions(
        strings_can_be_null=True,
        column_types={name: pa.string() for name in doubles},
        include_columns=doubles,
    )
    first = fragments[0]
    try:
        with dataset.filesystem.open_input_stream(first.path) as raw:
            reader = pacsv.open_csv(
                raw,
                read_options=scan.read_options,
                parse_options=file_format.parse_options,
                convert_options=convert,
            )
            batch = next(iter(reader), None)
    except (OSError, pa.ArrowException):
        return dataset  # the scan reports the file's problem with its own message
    if batch is None:
        return dataset
    exact: dict[str, Any] = {}
    for name in doubles:
        text = batch.column(name).drop_null()
        if len(text) == 0 or not pc.all(pc.match_substring_regex(text, _INTEGER_TEXT)).as_py():
            continue
        digits = pc.max(pc.utf8_length(pc.utf8_trim_whitespace(pc.utf8_ltrim(text, "+-")))).as_py()
        if digits >= 19:  # int64 holds every 18-digit integer; at 19 digits some overflow it
            exact[name] = pa.decimal128(38, 0) if digits <= 38 else pa.decimal256(76, 0)
    if not exact:
        return dataset
    schema = pa.schema([pa.field(f.name, exact.get(f.name, f.type)) for f in dataset.schema])
    return ds.FileSystemDataset(
        [
            dataset.format.make_fragment(f.path, dataset.filesystem, f.partition_expression)
            for f in fragments
        ],
        schema=schema,
        format=dataset.format,
        filesystem=dataset.filesystem,
    )


def _file_format(fmt: str, csv_options: dict[str, Any]):
    import pyarrow.csv as pacsv
    import pyarrow.dataset as ds

    if fmt in ("csv", "tsv"):
        delimiter = csv_options.get("delimiter") or ("\t" if fmt == "tsv" else ",")
        header = csv_options.get("header", True)
        parse = pacsv.ParseOptions(
            delimiter=delimiter,
            quote_char=csv_options.get("quote_char", '"'),
            # Valid CSV may quote line breaks; pyarrow's reader then needs to know, or a block
            # boundary inside a quoted value breaks the parse ("out of sync with chunker").
            newlines_in_values=csv_options.get("newlines_in_values", True),
        )
        read = pacsv.ReadOptions(block_size=8 << 20, autogenerate_column_names=not header)
        convert = pacsv.ConvertOptions(
            strings_can_be_null=True,
            column_types=csv_options.get("column_types"),
        )
        return ds.CsvFileFormat(parse_options=parse, read_options=read, convert_options=convert)
    if fmt == "parquet":
        return ds.ParquetFileFormat(
            default_fragment_scan_options=ds.ParquetFragmentScanOptions(
                page_checksum_verification=True
            )
        )
    if fmt == "json":
        return ds.JsonFileFormat()
    if fmt == "ipc":
        return ds.IpcFileFormat()
    raise UnsupportedError(f"unknown format {fmt!r}")


def with_storage_options(
    data: Any, source_options: dict[str, Any], storage_options: dict[str, Any] | None
) -> dict[str, Any]:
    """``source_options`` plus a profiler's default ``storage_options`` when ``data`` names files
    and the call gave none of its own (in-memory data takes no storage options)."""
    if not storage_options or "storage_options" in source_options or not names_files(data):
        return source_options
    return {**source_options, "storage_options": storage_options}


def names_files(data: Any) -> bool:
    """True for a path or a non-empty list of paths (str or os.PathLike)."""
    if isinstance(data, (str, os.PathLike)):
        return True
    return (
        isinstance(data, (list, tuple))
        and bool(data)
        and all(isinstance(p, (str, os.PathLike)) for p in data)
    )


class LazyFrameStream:
    """A polars LazyFrame as an Arrow stream that runs the query in batches (polars' streaming
    engine) each time it is read, so the frame is never collected whole. Splitting it into row
    ranges collects it once (:meth:`collect`): a query's row order may change from one run to the
    next, so slices of separate runs could overlap."""

    def __init__(self, frame: Any, schema: Any = None):
        import pyarrow as pa

        self.frame = frame
        self.schema: pa.Schema = (
            schema if schema is not None else frame.limit(0).collect().to_arrow().schema
        )

    def collect(self) -> Any:
        """The whole result as a pyarrow Table (the query runs once)."""
        return self.frame.collect(engine="streaming").to_arrow().cast(self.schema)

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        import pyarrow as pa

        schema = self.schema

        def chunks():
            if hasattr(self.frame, "collect_batches"):  # polars >= 1.34
                yield from self.frame.collect_batches(chunk_size=BATCH_ROWS)
            else:
                yield self.frame.collect(engine="streaming")

        def batches():
            for chunk in chunks():
                table = chunk.to_arrow()
                if table.schema != schema:
                    table = table.cast(schema)
                yield from table.to_batches(max_chunksize=BATCH_ROWS)

        reader = pa.RecordBatchReader.from_batches(schema, batches())
        return reader.__arrow_c_stream__(requested_schema)


def open_source(
    data: Any,
    *,
    format: str | None = None,
    storage_options: dict[str, Any] | None = None,
    **csv_options: Any,
) -> Source:
    """Normalise ``data`` into a :class:`Source`.

    Accepts a path, glob, folder, URL (``s3://``, ``gs://``, ``hdfs://``, ``abfs://``,
    ``http(s)://``, any fsspec scheme) or a list of them; a pyarrow Table / RecordBatch /
    RecordBatchReader / Dataset; a polars DataFrame or LazyFrame; a pandas DataFrame; a DuckDB
    relation; or anything with ``__arrow_c_stream__``. ``storage_options`` configure the URL's
    store (see :mod:`truthound.profiler.filesystems`); local paths ignore them.
    """
    import pyarrow as pa
    import pyarrow.dataset as ds

    if names_files(data):
        paths = [os.fspath(p) for p in (data if isinstance(data, (list, tuple)) else [data])]
        dataset, files, _fmt, notes = _dataset_from_paths(
            paths, format, csv_options, storage_options
        )
        return Source(
            description=redact(", ".join(paths)), dataset=dataset, files=files, notes=notes
        )
    if isinstance(data, ds.Dataset):
        return Source(
            description="pyarrow.Dataset",
            dataset=data,
            files=tuple(getattr(data, "files", ()) or ()),
        )
    if isinstance(data, pa.RecordBatch):
        return Source(
            description="pyarrow.RecordBatch", dataset=ds.dataset(pa.Table.from_batches([data]))
        )
    if isinstance(data, pa.Table):
        return Source(description="pyarrow.Table", dataset=ds.dataset(data))
    module = type(data).__module__.split(".")[0]
    kind = type(data).__name__
    if module == "polars" and kind == "LazyFrame":
        return Source(description="polars.LazyFrame", stream_source=LazyFrameStream(data))
    for opener in ENGINE_SOURCES:
        source = opener(data)
        if source is not None:
            given = [*csv_options, *(["format"] if format else [])]
            if given:
                raise InvalidInputError(
                    f"unknown option {given[0]!r} for {source.description} "
                    "(reader options apply to files only)"
                )
            return source
    if module == "pandas" and kind == "DataFrame":
        table = pa.Table.from_pandas(data, preserve_index=False)
        return Source(description="pandas.DataFrame", dataset=ds.dataset(table))
    if hasattr(data, "__arrow_c_stream__"):
        return Source(description=f"{module}.{kind}", stream_source=data)
    if hasattr(data, "__arrow_c_array__"):
        batch = pa.record_batch(data)
        return Source(
            description=f"{module}.{kind}", dataset=ds.dataset(pa.Table.from_batches([batch]))
        )
    if isinstance(data, dict):
        return Source(description="dict", dataset=ds.dataset(pa.table(data)))
    raise UnsupportedError(
        f"cannot profile a {module}.{kind}: "
        "pass a path, a pyarrow/polars/pandas/DuckDB table, or an object "
        "with __arrow_c_stream__"
    )
