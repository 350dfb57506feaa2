"""The engines' own frames as sources: a Dask DataFrame and a Ray Dataset, read where this process
is (partition by partition, block by block) as an Arrow stream, and the helpers the engine
backends share with it to give every partition or block the same Arrow types.

Nothing here imports an engine: a frame exists only if its engine was imported already.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa

from truthound.profiler.errors import SourceError
from truthound.profiler.sources import BATCH_ROWS

__all__ = [
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
