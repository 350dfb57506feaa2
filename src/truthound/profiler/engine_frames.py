"""The engines' own frames as sources: a Dask DataFrame and a Ray Dataset hand out their own row
parts (partitions, runs of blocks) like any other source, so the partitioners plan them with no
per-engine case. Only this module knows the engines' frame types.

A part of an engine frame can be read by that engine's workers (``Part.engine``): its backend
passes ``part.engine_input(unit)`` (a delayed partition, block refs) to the task, which rebuilds a
readable part with ``part.with_input(value)``. Anywhere else the driver reads it (a partition
computed, blocks fetched). Nothing here imports an engine: a frame exists only if its engine was
imported already.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa

from dataclasses import dataclass, replace

from truthound.profiler.distributed.plan import Part, TablePart, Unit
from truthound.profiler.errors import InvalidInputError, SourceError
from truthound.profiler.sources import BATCH_ROWS, ENGINE_SOURCES, Source

__all__ = [
    "DaskPartitionPart",
    "PandasPart",
    "RayBlocksPart",
    "engine_source",
    "DaskFrameStream",
    "RayDatasetStream",
    "dask_frame_schema",
    "is_dask_frame",
    "is_ray_dataset",
    "ordered_arrow_refs",
    "pandas_to_reader",
]

SCHEMA_SAMPLE_ROWS = 1_000
RAY_DATASET = "ray.data.Dataset"


# -- Dask -------------------------------------------------------------------------------------------


def is_dask_frame(data: Any) -> bool:
    """True for a Dask DataFrame or Series (checked without importing dask)."""
    return (
        type(data).__module__.split(".")[0] == "dask"
        and hasattr(data, "to_delayed")
        and hasattr(data, "npartitions")
        and hasattr(data, "_meta")
    )


def dask_frame_schema(frame: Any) -> pa.Schema:
    """The Arrow schema of a Dask DataFrame: from its ``meta`` (dtypes), except that ``object``
    columns (Python strings, dates, decimals, ...) take the type of their values in the first
    rows of the frame (null when those are all missing)."""
    meta = frame._meta
    schema = pa.Schema.from_pandas(meta, preserve_index=False).remove_metadata()
    objects = [c for c, dtype in meta.dtypes.items() if dtype == object]
    if not objects:
        return schema
    sample = frame[objects].head(SCHEMA_SAMPLE_ROWS, npartitions=-1, compute=True)
    inferred = pa.Schema.from_pandas(sample, preserve_index=False)
    typed = {str(c) for c in objects}
    return pa.schema([inferred.field(f.name) if f.name in typed else f for f in schema])


def pandas_to_reader(pdf: Any, schema: pa.Schema, columns: Sequence[str] | None):
    """A pandas partition as Arrow batches of the plan's schema (its columns only).

    The batches are cut at every ``BATCH_ROWS`` rows from the partition's start whatever the
    memory layout (a pandas column backed by several Arrow chunks, or one rebuilt by pickling,
    converts to different chunks), so the same rows give the same bytes on every worker."""
    names = list(columns) if columns is not None else schema.names
    target = pa.schema([schema.field(n) for n in names])
    if not all(isinstance(c, str) for c in pdf.columns):  # the schema names them as strings
        pdf = pdf.rename(columns=str)
    table = pa.Table.from_pandas(pdf[names], schema=target, preserve_index=False)
    return table.replace_schema_metadata(None).combine_chunks().to_reader(max_chunksize=BATCH_ROWS)


class DaskFrameStream:
    """A Dask DataFrame as an Arrow stream: its partitions computed one at a time, in order."""

    def __init__(self, frame: Any):
        self.frame = frame.to_frame() if frame.ndim == 1 else frame
        self.schema = dask_frame_schema(self.frame)

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        def batches() -> Iterator[pa.RecordBatch]:
            for i in range(self.frame.npartitions):
                partition = self.frame.get_partition(i).compute()
                yield from pandas_to_reader(partition, self.schema, None)

        reader = pa.RecordBatchReader.from_batches(self.schema, batches())
        return reader.__arrow_c_stream__(requested_schema)


# -- Ray --------------------------------------------------------------------------------------------


def is_ray_dataset(data: Any) -> bool:
    module = sys.modules.get("ray.data")
    return module is not None and isinstance(data, module.Dataset)


def ordered_arrow_refs(dataset: Any) -> list[Any]:
    """The dataset's blocks as Arrow-table refs, in dataset order. A dataset not yet executed runs
    now with ``preserve_order`` on (Ray Data's default lets blocks finish in any order)."""
    options = dataset.context.execution_options
    before = options.preserve_order
    options.preserve_order = True
    try:
        return list(dataset.to_arrow_refs())
    finally:
        options.preserve_order = before


class RayDatasetStream:
    """A Ray Dataset as an Arrow stream: its blocks fetched one at a time, in dataset order, cast
    to one schema (the dataset's, else the first block's)."""

    def __init__(self, dataset: Any):
        import ray

        self.refs = ordered_arrow_refs(dataset)
        base = getattr(dataset.schema(), "base_schema", None)
        if isinstance(base, pa.Schema):
            self.schema = base
        elif self.refs:
            self.schema = ray.get(self.refs[0]).schema
        else:
            raise SourceError(f"the {RAY_DATASET} has no blocks and no schema: nothing to profile")

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        import ray

        def batches() -> Iterator[pa.RecordBatch]:
            for ref in self.refs:
                block = ray.get(ref)
                if not block.schema.equals(self.schema, check_metadata=False):
                    block = block.cast(self.schema)
                yield from block.to_batches(max_chunksize=BATCH_ROWS)

        reader = pa.RecordBatchReader.from_batches(self.schema, batches())
        return reader.__arrow_c_stream__(requested_schema)


# -- the engines' frames as parts -------------------------------------------------------------------


class _DaskPartitions:
    """A Dask DataFrame's partitions as delayed objects, projected to the columns units read
    (computed once per column set: ``to_delayed`` optimises the whole graph)."""

    def __init__(self, frame: Any):
        self.frame = frame
        self._delayed: dict[tuple[str, ...] | None, list[Any]] = {}

    def delayed(self, columns: Sequence[str] | None) -> list[Any]:
        key = None if columns is None else tuple(columns)
        if key not in self._delayed:
            frame = self.frame
            if key is not None:
                frame = frame[[c for c in frame.columns if str(c) in set(key)]]
            self._delayed[key] = list(frame.to_delayed())
        return self._delayed[key]


@dataclass(frozen=True, eq=False)
class DaskPartitionPart(Part):
    """Partition ``index`` of a Dask DataFrame: a Dask task gets it computed (``engine_input``);
    anywhere else the driver computes it."""

    partitions: Any  # _DaskPartitions
    index: int
    label: str
    shippable = False
    engine = "dask"

    def open(self, columns, schema):
        partition = self.partitions.frame.get_partition(self.index).compute()
        return pandas_to_reader(partition, schema, columns)

    def engine_input(self, unit: Unit) -> tuple[Any, ...]:
        return (self.partitions.delayed(unit.read_columns)[self.index],)

    def with_input(self, values: Sequence[Any]) -> Part:
        return PandasPart(values[0], self.label)


@dataclass(frozen=True, eq=False)
class PandasPart(Part):
    """A computed partition (a pandas DataFrame) on the worker that profiles it."""

    frame: Any
    label: str

    def open(self, columns, schema):
        return pandas_to_reader(self.frame, schema, columns)


def dask_source(frame: Any) -> Source:
    """A Dask DataFrame (or Series): its partitions are its row parts (repartitioned when a plan
    asks for a number of them); every partition is converted to the ``meta``'s Arrow schema."""
    frame = frame.to_frame() if frame.ndim == 1 else frame
    stream = DaskFrameStream(frame)

    def parts(count: int | None) -> list[Part]:
        cut = frame
        if count is not None and count > 1 and count != frame.npartitions:
            cut = frame.repartition(npartitions=count)
        holder, n = _DaskPartitions(cut), cut.npartitions
        return [DaskPartitionPart(holder, i, f"dask.DataFrame partition {i} of {n}") for i in range(n)]

    return Source(description="dask.DataFrame", stream_source=stream, row_parts=parts)


@dataclass(frozen=True, eq=False)
class RayBlocksPart(Part):
    """Consecutive blocks of a Ray Dataset, held by object ref. A Ray task gets the blocks as
    arguments (zero copy from the object store); on the driver ``open`` fetches them."""

    refs: tuple[Any, ...]
    label: str
    rows: int | None = None
    tables: tuple[pa.Table, ...] | None = None
    shippable = False
    engine = "ray"

    def open(self, columns, schema):
        tables = self.tables
        if tables is None:
            import ray

            tables = tuple(ray.get(list(self.refs)))
        names = list(columns) if columns is not None else schema.names
        target = pa.schema([schema.field(n) for n in names])
        # Blocks are sliced to the columns and cast to the dataset's (unified) types, so every
        # unit hands the engine one schema.
        chosen = [_conform(t.select(names), target) for t in tables]
        table = pa.concat_tables(chosen) if chosen else target.empty_table()
        return table.to_reader(max_chunksize=BATCH_ROWS)

    def engine_input(self, unit: Unit) -> tuple[Any, ...]:
        return self.refs

    def with_input(self, values: Sequence[Any]) -> Part:
        return replace(self, refs=(), tables=tuple(values))


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    return table if table.schema.equals(schema, check_metadata=False) else table.cast(schema)


def ray_source(dataset: Any) -> Source:
    """A Ray Dataset, executed once keeping block order: its blocks are its row parts (runs of
    consecutive blocks of about equal rows when a plan asks for fewer parts)."""
    stream = RayDatasetStream(dataset)
    refs, schema = stream.refs, stream.schema

    def parts(count: int | None) -> list[Part]:
        import ray

        n = len(refs)
        if n == 0:
            return [TablePart(schema.empty_table(), 0, 0, f"{RAY_DATASET} (no rows)")]
        if count is None or count >= n:
            return [RayBlocksPart((r,), f"{RAY_DATASET} block {i} of {n}") for i, r in enumerate(refs)]
        rows = ray.get([ray.remote(num_cpus=1)(_block_rows).remote(r) for r in refs])
        total = max(sum(rows), 1)
        runs: list[list[int]] = []
        key, start = None, 0
        for i, r in enumerate(rows):  # a block joins the run its first row falls in
            k = start * count // total
            if not runs or k != key:
                runs.append([])
                key = k
            runs[-1].append(i)
            start += r
        out: list[Part] = []
        first = 0
        for run in runs:
            run_rows = sum(rows[i] for i in run)
            blocks = f"block {run[0]}" if len(run) == 1 else f"blocks {run[0]}-{run[-1]}"
            label = f"{RAY_DATASET} {blocks} of {n} (rows {first}-{first + run_rows - 1})"
            out.append(RayBlocksPart(tuple(refs[i] for i in run), label, run_rows))
            first += run_rows
        return out

    return Source(description=RAY_DATASET, stream_source=stream, row_parts=parts)


def _block_rows(block: pa.Table) -> int:
    return block.num_rows


# -- Spark -------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SparkFrame:
    """A Spark DataFrame as a stream source: planners see its Arrow schema (Spark's types as Spark
    hands them to Python: the session time zone on timestamps); the Spark backend profiles its
    partitions on the executors. Any other backend reads it through the driver (``toArrow``)."""

    df: Any
    schema: pa.Schema
    description: str

    @property
    def session(self) -> Any:
        return self.df.sparkSession

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        def batches() -> Iterator[pa.RecordBatch]:  # read only when the stream is read
            yield from self.df.toArrow().cast(self.schema).to_batches(max_chunksize=BATCH_ROWS)

        reader = pa.RecordBatchReader.from_batches(self.schema, batches())
        return reader.__arrow_c_stream__(requested_schema)


def is_spark_frame(data: Any) -> bool:
    """True for a classic or Spark Connect ``pyspark.sql.DataFrame`` (without importing pyspark)."""
    if "pyspark" not in sys.modules:
        return False
    from pyspark.sql import DataFrame

    return isinstance(data, DataFrame)


def frame_source(df: Any, description: str | None = None) -> Source:
    """A planner source for a Spark DataFrame. Columns Arrow cannot carry (calendar intervals) are
    profiled as their string form."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import to_arrow_type

    names = df.columns
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InvalidInputError(
            f"the Spark DataFrame has duplicate column names {duplicated}: "
            "rename them first (df.toDF(*new_names))"
        )
    options = _arrow_options(df.sparkSession)
    for field in df.schema.fields:
        try:
            to_arrow_type(field.dataType, **options)
        except Exception:  # PySparkTypeError: UNSUPPORTED_DATA_TYPE_FOR_ARROW_CONVERSION
            df = df.withColumn(field.name, F.col(_quoted(field.name)).cast("string"))
    text = (
        description
        or f"Spark DataFrame [{', '.join(names[:8])}{', ...' if len(names) > 8 else ''}]"
    )
    return Source(description=text, stream_source=SparkFrame(df, _arrow_schema(df), text))


def _arrow_schema(df: Any) -> pa.Schema:
    """The Arrow schema Spark gives ``mapInArrow`` functions for ``df``."""
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(df.schema, **_arrow_options(df.sparkSession))


def _arrow_options(session: Any) -> dict[str, Any]:
    conf = session.conf
    return {
        "error_on_duplicated_field_names_in_struct": True,
        "timezone": conf.get("spark.sql.session.timeZone"),
        "prefers_large_types": str(
            conf.get("spark.sql.execution.arrow.useLargeVarTypes", "false")
        ).lower()
        == "true",
    }


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def engine_source(data: Any) -> Source | None:
    """The source of an engine's frame (Spark or Dask DataFrame, Ray Dataset), else None."""
    if is_spark_frame(data):
        return frame_source(data)
    if is_dask_frame(data):
        return dask_source(data)
    if is_ray_dataset(data):
        return ray_source(data)
    return None


ENGINE_SOURCES.append(engine_source)
