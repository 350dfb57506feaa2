"""Merging: partial profiles into one.

:class:`ProfileMerger` is the user-facing merge of whole profiles (from any entry point, saved
with their state, or raw partial bytes). :class:`PlanMerger` merges the partials of one plan
through the fixed merge tree (:mod:`truthound.profiler.merge_tree`), the same tree every engine
runs on its cluster, so the result is byte-identical whatever the backend, the worker count or the
order of completion, and only the partials that arrived ahead of a slower unit wait in memory.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from truthound import _core
from truthound.profiler.distributed.plan import Plan
from truthound.profiler.errors import InvalidInputError
from truthound.profiler.finish import BucketDuplicates
from truthound.profiler.merge import merge_profiles
from truthound.profiler.merge_tree import DEFAULT_FAN_IN, MergeStats, TreeMerge
from truthound.profiler.model import TableProfile

__all__ = ["BucketDuplicates", "PlanMerger", "ProfileMerger", "bucket_units", "merge_buckets"]


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
        """Merge the items in the order given, through the streaming fold: each is read (a path)
        and decoded only when its turn comes, so memory holds the running state and one input."""
        return merge_profiles(partial_profiles)


class PlanMerger:
    """Merges a plan's partials as they arrive, through the merge tree. Under HASH each bucket
    (units ``[b*k, (b+1)*k)``) is merged by its own tree first, so its duplicate-row count stays
    exact up to ``row_exact_limit`` distinct rows *per bucket*; the buckets' roots are then merged
    in bucket order (:func:`merge_buckets`)."""

    def __init__(self, plan: Plan, fan_in: int = DEFAULT_FAN_IN):
        self._groups = bucket_units(plan)
        self._per_bucket = len(self._groups[0])
        self._trees = [TreeMerge(group, fan_in) for group in self._groups]

    def add(self, unit_id: int, blob: bytes) -> None:
        bucket = min(unit_id // max(self._per_bucket, 1), len(self._trees) - 1)
        if not 0 <= unit_id < self._per_bucket * len(self._trees):
            raise InvalidInputError(f"unexpected partial for unit {unit_id} (outside the plan)")
        self._trees[bucket].add(unit_id, blob)

    @property
    def stats(self) -> MergeStats:
        """The first bucket's tree (the only one outside HASH plans)."""
        return self._trees[0].stats

    def result(self) -> tuple[bytes, BucketDuplicates | None]:
        return merge_buckets([tree.result() for tree in self._trees])


def bucket_units(plan: Plan) -> list[list[int]]:
    """The unit ids of each bucket's tree, in bucket order (one group outside HASH plans)."""
    per_bucket = max(1, len(plan) // plan.buckets)
    return [list(range(b * per_bucket, (b + 1) * per_bucket)) for b in range(plan.buckets)]


def merge_buckets(roots: list[bytes]) -> tuple[bytes, BucketDuplicates | None]:
    """The profile's partial from the roots of the buckets' trees, and under HASH the duplicate
    rows summed over buckets by ``_core.merge_buckets`` (equal rows share one bucket)."""
    if len(roots) == 1:
        return roots[0], None
    merged, count, exact, error = _core.merge_buckets(roots)
    return merged, None if count is None else BucketDuplicates(count, exact, error)
