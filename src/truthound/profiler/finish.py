"""``finish_profile``: merged partial bytes -> a timed :class:`TableProfile` (finalize, then build).

Its own module so that everything that ends in a profile (one process, the distributed profiler,
merges of saved profiles) depends on it, and it depends only on the model, never the reverse.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from truthound import _core
from truthound.profiler.build import build_table_profile
from truthound.profiler.model import TableProfile
from truthound.profiler.settings import ProfileSettings

__all__ = ["BucketDuplicates", "finish_profile"]


@dataclass(frozen=True)
class BucketDuplicates:
    """The duplicate-row count of a HASH plan, summed over its buckets by ``_core.merge_buckets``
    (equal rows share a bucket)."""

    count: int
    exact: bool
    error: float = 0.0


def finish_profile(
    blob: bytes,
    settings: ProfileSettings,
    *,
    name: str,
    source: str,
    started: float,
    profiled_at: datetime,
    backend: str = "local",
    partition_strategy: str = "row_based",
    notes: Mapping[str, str] | None = None,
    duplicates: BucketDuplicates | None = None,
) -> TableProfile:
    """Finalize merged partial bytes into a timed :class:`TableProfile`; ``notes`` (per column,
    from the source) join the engine's notes; ``duplicates`` (a HASH plan's, summed over its
    buckets) is the table's duplicate-row count."""
    stats = _core.finalize(blob, **settings.finalize_options())
    if duplicates is not None:
        stats["duplicate_rows"] = duplicates.count
        stats["duplicates_exact"] = duplicates.exact
        stats["duplicates_error"] = duplicates.error
    for column in stats["columns"]:
        extra = (notes or {}).get(column["name"])
        if extra:
            column["note"] = f"{column['note']}; {extra}" if column["note"] else extra
    table = build_table_profile(
        stats,
        partial=blob,
        name=name,
        source=source,
        backend=backend,
        partition_strategy=partition_strategy,
        settings=settings.to_dict(),
    )
    return table.with_timing(profiled_at, (time.perf_counter() - started) * 1000.0)
