"""``truthound.profiler.profile``: one stream, one process, one unit."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from truthound import _core
from truthound.profiler.errors import InvalidInputError, ProfilerError, SourceError, located
from truthound.profiler.finish import finish_profile
from truthound.profiler.model import TableProfile
from truthound.profiler.relations import relation_spec, unit_relations
from truthound.profiler.settings import ProfileSettings
from truthound.profiler.sources import (
    SOURCE_OPTIONS,
    check_column_names,
    column_selection,
    names_files,
    open_source,
    warn_if_exhausted,
)

__all__ = ["profile"]


def profile(
    data: Any,
    columns: Sequence[str] | None = None,
    top_n: int = _core.DEFAULT_TOP_N,
    seed: int = 42,
    include_patterns: bool = True,
    name: str | None = None,
    storage_options: dict[str, Any] | None = None,
    cache: Any = None,
    cache_max_bytes: int | str | None = None,
    **options: Any,
) -> TableProfile:
    """Profile a table in this process, in one pass.

    Parameters
    ----------
    data
        A path, glob, folder or URL (CSV/TSV, Parquet, NDJSON, Arrow IPC), a pyarrow Table,
        RecordBatch, RecordBatchReader or Dataset, a polars DataFrame or LazyFrame, a pandas
        DataFrame, a DuckDB relation, a Spark or Dask DataFrame or a Ray Dataset (read in this
        process, partition by partition), or anything with ``__arrow_c_stream__``.
    columns
        Names of the columns to profile (default: all).
    top_n
        How many top and bottom values to report.
    seed
        Seed of the sketches: the same input and seed give byte-identical output.
    include_patterns
        Detect value patterns in string columns.
    name
        The profile's name (default: the source's description, credentials masked).
    storage_options
        Options of the store a URL names, as polars and pandas take them: ``endpoint_url``,
        ``region``, ``anon``, ``profile``, ``key`` / ``secret``, ``project``,
        ``connect_timeout``, ``request_timeout``, ``max_retries``, ... (docs/user-guide.md,
        "Remote data").
    cache
        A folder or ``pyarrow.fs`` URL of cached unit partials (None reads ``TRUTHOUND_CACHE``;
        False turns it off). With a cache, files are profiled in the units of the automatic
        ``row_based`` plan (a file or its row groups each) on the local backend's threads in this
        process, so an unchanged unit is read from the cache instead of the file: the result is
        ``DistributedProfiler.create("local", cache=...)``'s, byte-identical to that plan's
        uncached run, and its exact statistics are the one-pass profile's. In-memory inputs are never cached. See docs/user-guide.md,
        "Re-profiling a growing lake".
    cache_max_bytes
        Size cap of the cache (``"10GB"`` or bytes), least recently used entries go first.
    **options
        Reader options for files (``format``, ``delimiter``, ``header``, ``quote_char``,
        ``newlines_in_values``, ``column_types``), and further
        :class:`~truthound.profiler.settings.ProfileSettings` fields (``histogram_bins``,
        ``distinct_exact_limit``, ``kll_k``, ...).

    Returns
    -------
    TableProfile

    Examples
    --------
    >>> import pyarrow as pa, truthound.profiler as tp
    >>> p = tp.profile(pa.table({"x": [1, 2, None], "s": ["a", "b", "b"]}))
    >>> p["x"].distribution.mean, p["s"].top_values[0].value
    (1.5, 'b')
    """
    source_options = {k: options.pop(k) for k in SOURCE_OPTIONS if k in options}
    settings = ProfileSettings(seed=seed, top_n=top_n, include_patterns=include_patterns, **options)
    if names_files(data):
        from truthound.profiler.cache import open_cache

        unit_cache = open_cache(cache, cache_max_bytes, storage_options)
        if unit_cache is not None:
            return _profile_cached(
                data, columns, name, storage_options, unit_cache, settings, source_options
            )
    started = time.perf_counter()
    profiled_at = datetime.now(UTC)
    columns = column_selection(columns)
    source = open_source(data, storage_options=storage_options, **source_options)
    if source.dataset is not None:
        check_column_names(source.schema, source.description)
    try:
        stream = pa.RecordBatchReader.from_stream(source.to_stream(columns))
        relations = unit_relations(relation_spec(settings), stream.schema, columns)
        blob = _core.profile(
            stream,
            unit_id=0,
            columns=list(columns or ()),
            track_rows=True,  # the stream holds the selection: its rows are the rows
            relations=relations,
            **settings.engine_options(),
        )
    except ProfilerError as exc:
        raise located(exc, source.description) from None
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise InvalidInputError(f"{source.description}: {exc}") from None
    except OSError as exc:
        raise SourceError(f"{source.description}: {exc}") from None
    result = finish_profile(
        blob,
        settings,
        name=name if name is not None else source.description,
        source=source.description,
        started=started,
        profiled_at=profiled_at,
        notes=source.notes,
    )
    warn_if_exhausted(source.stream_source, result.row_count)
    return result



def _profile_cached(
    data: Any,
    columns: Sequence[str] | None,
    name: str | None,
    storage_options: dict[str, Any] | None,
    unit_cache: Any,
    settings: ProfileSettings,
    source_options: dict[str, Any],
) -> TableProfile:
    """Files through the cache: the automatic row-based plan's units on the local backend."""
    from truthound.profiler.distributed.backends.local import LocalBackend
    from truthound.profiler.distributed.profiler import DistributedProfiler

    profiler = DistributedProfiler(
        LocalBackend(),  # TRUTHOUND_NUM_WORKERS or every CPU: hits are read while others merge
        settings=settings,
        backend_name="local",
        storage_options=storage_options,
        cache=unit_cache,
    )
    return profiler.profile(data, columns=columns, name=name, **source_options)
