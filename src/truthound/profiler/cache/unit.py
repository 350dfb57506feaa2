"""The unit cache: the one place where a unit's partial is looked up before it runs and stored
after.

The driver gives each cacheable unit of a plan its key and the run's :class:`CacheRun`
(:meth:`UnitCache.attach`); wherever the unit then runs (a thread, a process, a Spark, Dask or
Ray worker), ``run_unit`` calls :meth:`CacheRun.lookup` first and :meth:`CacheRun.store` after a
miss, so workers read and write the shared folder themselves and the driver never carries a
cached partial. The plan, the unit ids and the merge tree are those of an uncached run, so the
result is byte-identical to it.

What the run did is counted through the folder itself, so it works however far away the units
ran: a miss leaves a flag for its run, and :meth:`CacheRun.finish` lists the flags and the
entries. Hits are then recorded for the size cap's least-recently-used order, and entries beyond
the cap are evicted.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from truthound.profiler.cache.keys import cacheable, file_identities, file_ref, unit_key
from truthound.profiler.cache.store import ENTRY_FORMAT, PartialCache, parse_size
from truthound.profiler.distributed.plan import Plan, Unit

__all__ = ["CACHE_ENV", "CACHE_MAX_BYTES_ENV", "CacheStats", "CacheRun", "UnitCache", "open_cache"]

CACHE_ENV = "TRUTHOUND_CACHE"
# At most this many units expected to miss are started before the hits (CacheRun.submission_order)
EARLY_MISSES = 16
CACHE_MAX_BYTES_ENV = "TRUTHOUND_CACHE_MAX_BYTES"


@dataclass(frozen=True)
class CacheStats:
    """What one profile run took from and gave to the cache (``profile.cache``)."""

    hits: int = 0
    misses: int = 0
    bytes_read: int = 0
    bytes_written: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "hits": self.hits,
            "misses": self.misses,
            "bytes_read": self.bytes_read,
            "bytes_written": self.bytes_written,
        }


class UnitCache:
    """A :class:`PartialCache` as a plan's units use it, with an optional size cap.

    Parameters
    ----------
    location
        A local folder or a URL ``pyarrow.fs`` opens (``s3://bucket/cache``, ...), or a
        :class:`PartialCache`.
    max_bytes
        Size cap of the folder's entries (an int or ``"10GB"``); after a run, the least recently
        used entries beyond it are deleted. None: ``TRUTHOUND_CACHE_MAX_BYTES``, else no cap.
    storage_options
        Options of the store a URL names (as for sources).
    """

    def __init__(
        self,
        location: str | os.PathLike[str] | PartialCache,
        max_bytes: int | str | None = None,
        storage_options: Mapping[str, Any] | None = None,
    ):
        self.folder = (
            location
            if isinstance(location, PartialCache)
            else PartialCache(location, storage_options)
        )
        if max_bytes is None:
            max_bytes = os.environ.get(CACHE_MAX_BYTES_ENV) or None
        self.max_bytes = parse_size(max_bytes)

    def __reduce__(self):
        return (UnitCache, (self.folder, self.max_bytes))

    def __repr__(self) -> str:
        return f"UnitCache({self.folder!r}, max_bytes={self.max_bytes})"

    # -- driver ----------------------------------------------------------------------------------

    def attach(self, plan: Plan) -> tuple[Plan, CacheRun]:
        """``plan`` with a key on each cacheable unit, and the run that will count the cache's
        use. The units, their order and ids are unchanged."""
        from truthound import __version__, _core

        versions = {
            "partial_format": _core.PARTIAL_FORMAT_VERSION,
            "entry_format": ENTRY_FORMAT,
            "truthound": __version__,
        }
        identities = file_identities(plan.units)
        run = CacheRun(self, uuid.uuid4().hex)
        units = []
        for unit in plan.units:
            if cacheable(unit):
                key = unit_key(unit, identities[file_ref(unit)], versions)
                run.keys[unit.unit_id] = key
                unit = replace(unit, cache=run, cache_key=key)
            units.append(unit)
        run.begin()
        return replace(plan, units=tuple(units)), run


class CacheRun:
    """One profile run's use of a :class:`UnitCache`; it travels inside the plan's units.

    Where a unit runs, :meth:`lookup` gives its checked partial or None, and :meth:`store` keeps
    a computed partial and flags the key as this run's miss (``runs/<run id>/<key>``: one empty
    file per miss, none per hit). On the driver, :meth:`finish` counts: a flagged key is a miss,
    a key whose entry was listed before the run and still is, a hit (an entry that could not be
    used is recomputed and so flagged; one that could not be written is absent afterwards).
    """

    def __init__(self, cache: UnitCache, run_id: str):
        self.folder = cache.folder
        self.max_bytes = cache.max_bytes
        self.run_id = run_id
        self.keys: dict[int, str] = {}  # on the driver: unit id -> key
        self._before: dict[str, Any] = {}

    def __reduce__(self):
        return (_run_on_worker, (self.folder, self.run_id))

    def __repr__(self) -> str:
        return f"CacheRun({self.folder!r}, {self.run_id})"

    def begin(self) -> None:
        if self.keys:
            self.folder.ensure()
            self._before = self.folder.entries()

    def submission_order(self, units: Sequence[Unit]) -> list[Unit]:
        """``units`` in the order to start them: when only a few will miss (at most
        :data:`EARLY_MISSES`, and not all), those first, so the new data is read while the
        driver merges the hits; else as given. Only when they start changes: the merge takes
        partials in unit order whatever the order they arrive in, holding at most those few."""
        misses = [u for u in units if u.cache_key is None or u.cache_key not in self._before]
        if not misses or len(misses) == len(units) or len(misses) > EARLY_MISSES:
            return list(units)
        early = {u.unit_id for u in misses}
        return [*misses, *(u for u in units if u.unit_id not in early)]

    # -- where the unit runs ---------------------------------------------------------------------

    def lookup(self, unit: Unit) -> bytes | None:
        """The unit's cached partial, checked, or None (run it)."""
        if unit.cache_key is None:
            return None
        return self.folder.get(unit.cache_key, unit.unit_id, unit.where)

    def store(self, unit: Unit, blob: bytes) -> None:
        """Keep the unit's freshly computed partial (a failure to write only warns)."""
        if unit.cache_key is not None and self.folder.put(unit.cache_key, blob, unit.where):
            self.folder.flag(self.run_id, unit.cache_key)

    # -- driver ----------------------------------------------------------------------------------

    def finish(self) -> CacheStats | None:
        """Count hits and misses, record the hits' use, apply the size cap. None when no unit
        of the plan could be cached (an in-memory input)."""
        if not self.keys:
            return None
        folder = self.folder
        after = folder.entries()
        missed = folder.flags(self.run_id)
        hits: list[str] = []
        stats = {"hits": 0, "misses": 0, "bytes_read": 0, "bytes_written": 0}
        for key in self.keys.values():
            entry = after.get(key)
            if key in missed:
                stats["misses"] += 1
                stats["bytes_written"] += entry.size if entry is not None else 0
            elif key in self._before and entry is not None:
                stats["hits"] += 1
                stats["bytes_read"] += entry.size
                hits.append(key)
            else:
                stats["misses"] += 1  # computed, and its entry could not be written
        folder.drop_flags(self.run_id)
        folder.touch(hits)
        if self.max_bytes is not None:
            folder.evict(self.max_bytes, keep=self.keys.values())
        return CacheStats(**stats)


    def abandon(self) -> None:
        """The run failed: forget its flags (the entries its finished units wrote stay)."""
        if self.keys:
            self.folder.drop_flags(self.run_id)


def _run_on_worker(folder: PartialCache, run_id: str) -> CacheRun:
    run = CacheRun.__new__(CacheRun)
    run.folder, run.max_bytes, run.run_id, run.keys, run._before = folder, None, run_id, {}, {}
    return run


def open_cache(
    cache: str | os.PathLike[str] | UnitCache | PartialCache | bool | None,
    max_bytes: int | str | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> UnitCache | None:
    """The cache a profile call asked for: ``cache`` itself, else ``TRUTHOUND_CACHE``; ``False``
    turns the environment's cache off."""
    if cache is False:
        return None
    if cache is None or cache is True:
        cache = os.environ.get(CACHE_ENV) or None
        if cache is None:
            return None
    if isinstance(cache, UnitCache):
        return cache
    return UnitCache(cache, max_bytes, storage_options)
