"""Merging: partial profiles into one, on the driver, in unit order.

:class:`ProfileMerger` is the user-facing merge of whole profiles (from any entry point, saved
with their state, or raw partial bytes). :class:`PlanMerger` folds the partials of one plan as they
arrive, always in unit order, so the result is byte-identical whatever the worker count or the
order of completion, and only the partials that arrived ahead of a slower unit wait in memory.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from truthound import _core
from truthound.profiler.distributed.plan import Plan
from truthound.profiler.errors import InvalidInputError, SourceError
from truthound.profiler.merge import merge_profiles
from truthound.profiler.model import TableProfile

__all__ = ["ProfileMerger", "PlanMerger", "UnitOrderMerge", "BucketDuplicates"]


class ProfileMerger:
    """Merges profiles of parts of a table into the profile of the whole.

    Counts add up, means are weighted, min/max are taken over all parts, distinct counts and
    quantiles merge their sketches (exact while small). Exact statistics of the result equal those
    of profiling all the data at once. Items may be :class:`TableProfile` objects (from
    ``truthound.profiler.profile``, :class:`DistributedProfiler`, or ``TableProfile.load``), paths
    of profiles saved with their state (``profile.save(path)``), their dicts, or raw partial bytes.

    Examples
    --------
    >>> import pyarrow as pa, truthound.profiler as tp
    >>> parts = [tp.profile(pa.table({"x": [1, 2]})), tp.profile(pa.table({"x": [2, 5]}))]
    >>> merged = ProfileMerger().merge(parts)
    >>> merged.row_count, merged["x"].distinct_count, merged["x"].distribution.mean
    (4, 3, 2.5)
    """

    def merge(
        self, partial_profiles: Iterable[TableProfile | bytes | str | os.PathLike | dict[str, Any]]
    ) -> TableProfile:
        return merge_profiles([_as_profile(p) for p in partial_profiles])


def _as_profile(item: Any) -> TableProfile | bytes:
    if isinstance(item, (str, os.PathLike)):
        path = Path(item)
        if not path.is_file():
            raise SourceError(f"no such profile file: {os.fspath(item)!r}")
        try:
            return TableProfile.load(path)
        except ValueError as exc:  # json.JSONDecodeError, or a dict that is not a profile
            raise InvalidInputError(f"{os.fspath(item)!r} is not a saved profile: {exc}") from exc
    if isinstance(item, dict):
        return TableProfile.from_dict(item)
    return item


class UnitOrderMerge:
    """Folds the partials of units ``first .. first+count-1`` in unit order as they arrive.

    Each fold is ``_core.merge([running, next...], by_unit=True)``: the same left fold as merging
    all partials at once, so the bytes do not depend on when the fold points fall. Folding every
    two partials keeps memory at about three deserialized states (the engine deserializes the
    partials of one merge call together).
    """

    def __init__(self, first: int, count: int, fold_every: int = 2):
        self._next = first
        self._end = first + count
        self._fold_every = fold_every
        self._pending: dict[int, bytes] = {}
        self._ready: list[bytes] = []
        self._running: bytes | None = None

    def add(self, unit_id: int, blob: bytes) -> None:
        if not self._next <= unit_id < self._end or unit_id in self._pending:
            raise InvalidInputError(
                f"unexpected partial for unit {unit_id} (duplicate or outside the plan)"
            )
        self._pending[unit_id] = blob
        while self._next in self._pending:
            self._ready.append(self._pending.pop(self._next))
            self._next += 1
        if len(self._ready) >= self._fold_every:
            self._fold()

    def _fold(self) -> None:
        blobs = ([self._running] if self._running is not None else []) + self._ready
        self._running = _core.merge(blobs, by_unit=True)
        self._ready = []

    def result(self) -> bytes:
        if self._next != self._end:
            raise InvalidInputError(f"unit {self._next} never returned a partial profile")
        if self._ready or self._running is None:
            self._fold()
        assert self._running is not None
        return self._running


class BucketDuplicates:
    """The duplicate-row count of a HASH plan: the sum over buckets, since equal rows share one."""

    def __init__(self, count: int, exact: bool):
        self.count = count
        self.exact = exact


class PlanMerger:
    """Merges a plan's partials. Under HASH each bucket is folded on its own first, so its
    duplicate-row count stays exact up to ``row_exact_limit`` distinct rows *per bucket*."""

    def __init__(self, plan: Plan):
        self._per_bucket = max(1, len(plan) // plan.buckets)
        self._folds = [
            UnitOrderMerge(b * self._per_bucket, self._per_bucket) for b in range(plan.buckets)
        ]

    def add(self, unit_id: int, blob: bytes) -> None:
        self._folds[min(unit_id // self._per_bucket, len(self._folds) - 1)].add(unit_id, blob)

    def result(self) -> tuple[bytes, BucketDuplicates | None]:
        blobs = [fold.result() for fold in self._folds]
        if len(blobs) == 1:
            return blobs[0], None
        return _core.merge(blobs, by_unit=True), _bucket_duplicates(blobs)


def _bucket_duplicates(blobs: list[bytes]) -> BucketDuplicates | None:
    total, exact = 0, True
    for blob in blobs:
        stats = _core.finalize(blob, top_n=0, histogram_bins=0, quantiles=[])
        if stats["duplicate_rows"] is None:
            return None
        total += stats["duplicate_rows"]
        exact = exact and stats["duplicates_exact"]
    return BucketDuplicates(total, exact)
