"""Hash routing for the HASH strategy: each row goes to bucket ``hash(key columns) mod buckets``,
so rows that are equal always land in the same bucket and each bucket's duplicate-row count is
complete on its own.

The hash only has to be a function of the row's values (equal rows -> equal bucket) and spread rows
evenly; it is not the engine's row hash and never reaches a statistic. Values are canonicalised as
the engine does before hashing (-0.0 is 0.0, every NaN is one NaN, dictionaries are decoded).
Nested columns (lists, structs, maps) are left out of the key: a function of fewer columns still
sends equal rows together. Vectorised with numpy, one batch at a time.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

from truthound.profiler.errors import UnsupportedError

__all__ = ["bucket_ids", "filter_bucket"]

_MIX = 0x9E3779B97F4A7C15
_NULL = 0x5BD1E9955BD1E995


def _np():
    try:
        import numpy
    except ImportError:  # pragma: no cover - numpy ships with every pyarrow install we support
        raise UnsupportedError(
            "the HASH partition strategy needs numpy: pip install numpy"
        ) from None
    return numpy


def _splitmix(np, x):
    x = x + np.uint64(_MIX)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _bytes_hash(np, array: pa.Array):
    """Polynomial hash of each value's bytes (a string or binary array), mixed with its length."""
    array = pc.cast(array, pa.large_binary())
    n = len(array)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset : array.offset + n + 1]
    data_buffer = array.buffers()[2]
    data = (
        np.frombuffer(data_buffer, dtype=np.uint8)
        if data_buffer is not None
        else np.zeros(0, np.uint8)
    )
    starts, ends = offsets[:-1], offsets[1:]
    lengths = (ends - starts).astype(np.int64)
    lo, hi = int(starts[0]) if n else 0, int(ends[-1]) if n else 0
    values = data[lo:hi].astype(np.uint64)
    if values.size:
        position = np.arange(hi - lo, dtype=np.int64) - np.repeat(starts - lo, lengths)
        powers = np.cumprod(np.full(int(lengths.max()), np.uint64(0x100000001B3), dtype=np.uint64))
        prefix = np.concatenate(
            ([np.uint64(0)], np.cumsum(values * powers[position], dtype=np.uint64))
        )
        sums = prefix[ends - lo] - prefix[starts - lo]
    else:
        sums = np.zeros(n, dtype=np.uint64)
    return sums ^ (lengths.astype(np.uint64) * np.uint64(_MIX))


def _column_hash(np, array: pa.Array):
    """One uint64 per value; None when the column cannot take part in the key."""
    t = array.type
    if pa.types.is_dictionary(t):
        array, t = array.dictionary_decode(), t.value_type
    if pa.types.is_null(t):
        return np.full(len(array), np.uint64(_NULL))
    if pa.types.is_nested(t):
        return None
    if (
        pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
    ):
        h = _bytes_hash(np, array)
    elif (
        pa.types.is_string_view(t) or pa.types.is_binary_view(t) or pa.types.is_fixed_size_binary(t)
    ):
        h = _bytes_hash(np, pc.cast(array, pa.large_binary()))
    elif pa.types.is_decimal(t):
        h = _bytes_hash(np, pc.cast(array, pa.large_string()))
    elif pa.types.is_floating(t):
        f = pc.fill_null(pc.cast(array, pa.float64()), 0.0).to_numpy(zero_copy_only=False)
        f = np.where(np.isnan(f), np.nan, f) + 0.0  # one NaN; -0.0 + 0.0 is 0.0
        h = f.view(np.uint64)
    elif (
        pa.types.is_boolean(t)
        or pa.types.is_integer(t)
        or (pa.types.is_temporal(t) and t.bit_width in (32, 64))
    ):
        if pa.types.is_boolean(t):
            array = pc.cast(array, pa.uint8())
        elif pa.types.is_temporal(t):  # dates, times, timestamps, durations: their integer counts
            array = array.view(pa.int32() if t.bit_width == 32 else pa.int64())
        h = pc.fill_null(array, 0).to_numpy(zero_copy_only=False).astype(np.uint64)
    else:
        return None
    if array.null_count:
        valid = pc.is_valid(array).to_numpy(zero_copy_only=False)
        h = np.where(valid, h, np.uint64(_NULL))
    return _splitmix(np, h)


def bucket_ids(batch: pa.RecordBatch, key_columns: Sequence[str], buckets: int):
    """The bucket (0..buckets-1) of each row of ``batch`` (a numpy array)."""
    np = _np()
    acc = np.zeros(batch.num_rows, dtype=np.uint64)
    for name in key_columns or batch.schema.names:
        column = batch.column(name)
        h = _column_hash(
            np, column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        )
        if h is not None:
            acc = _splitmix(np, acc * np.uint64(31) ^ h)
    return acc % np.uint64(buckets)


def filter_bucket(
    reader: pa.RecordBatchReader, key_columns: Sequence[str], bucket: int, buckets: int
) -> pa.RecordBatchReader:
    """``reader`` with only the rows of ``bucket``."""
    np = _np()

    def batches():
        for batch in reader:
            mask = bucket_ids(batch, key_columns, buckets) == np.uint64(bucket)
            yield batch.filter(pa.array(mask))

    return pa.RecordBatchReader.from_batches(reader.schema, batches())
