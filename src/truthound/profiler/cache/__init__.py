"""A shared cache of unit partials, so a re-profile reads only new or changed data (see
docs/user-guide.md, "Re-profiling a growing lake").

- :class:`PartialCache` (``store``): the folder of entries, local or on any ``pyarrow.fs`` store;
  atomic writes, checked reads, LRU eviction, ``th cache info`` / ``th cache clear``.
- :func:`unit_key` (``keys``): what a unit's partial depends on, hashed.
- :class:`UnitCache` (``unit``): a cache as a profiler uses it (location, size cap); its
  ``attach(plan)`` gives the units their keys and a :class:`CacheRun`, whose ``lookup`` and
  ``store`` ``run_unit`` calls wherever the unit runs.
"""

from truthound.profiler.cache.keys import cacheable, unit_key
from truthound.profiler.cache.store import (
    CacheEntryInfo,
    CacheInfo,
    CacheWarning,
    PartialCache,
    parse_size,
)
from truthound.profiler.cache.unit import (
    CACHE_ENV,
    CACHE_MAX_BYTES_ENV,
    CacheRun,
    CacheStats,
    UnitCache,
    open_cache,
)

__all__ = [
    "CACHE_ENV",
    "CACHE_MAX_BYTES_ENV",
    "CacheEntryInfo",
    "CacheInfo",
    "CacheRun",
    "CacheStats",
    "CacheWarning",
    "PartialCache",
    "UnitCache",
    "cacheable",
    "open_cache",
    "parse_size",
    "unit_key",
]
