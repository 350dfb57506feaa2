"""``truthound.profiler.profile``: one stream, one process, one unit."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import pyarrow as pa

from truthound import _core
from truthound.profiler.errors import InvalidInputError, ProfilerError, SourceError, located
from truthound.profiler.finish import finish_profile
from truthound.profiler.model import TableProfile
from truthound.profiler.settings import ProfileSettings
from truthound.profiler.sources import (
    SOURCE_OPTIONS,
    check_column_names,
    column_selection,
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
    started = time.perf_counter()
    profiled_at = datetime.now(timezone.utc)
    columns = column_selection(columns)
    source = open_source(data, storage_options=storage_options, **source_options)
    if source.dataset is not None:
        check_column_names(source.schema, source.description)
    try:
        blob = _core.profile(
            source.to_stream(columns),
            unit_id=0,
            columns=list(columns or ()),
            track_rows=True,  # the stream holds the selection: its rows are the rows
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
