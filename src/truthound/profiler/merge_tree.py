"""The fixed merge tree: the one order in which the partials of a plan are merged, on any engine.

A plan's units are sorted by unit id. Level 0 groups them in runs of ``fan_in`` consecutive units
(the last run may be shorter); each level above groups the nodes of the level below the same way,
until a level has one node, the root. A node is ``_core.merge_group`` of its children (sorted by
unit, folded left) and its result crosses to its parent as bytes. The shape is a pure function of
the plan (the sorted unit ids) and ``fan_in``, so the profile is byte-identical whichever engine ran
which node and in whatever order the partials arrived. ``_core.merge_tree`` runs the same tree in
one process.

Every backend merges through it: the execution stage
(:mod:`truthound.profiler.distributed.execution`) builds this tree over the engines' handles for
local, Dask, Ray and plugins (each node one ``backend.merge``); Spark runs one stage per level keyed
by position range; :class:`TreeMerge` folds partials on the driver as they arrive (any order)
through ``_core.TreeMerger``.

A task that profiles several units may merge them before returning (:func:`merge_local`) without
changing a byte, provided its units are a whole aligned subtree: ``fan_in**k`` consecutive positions
starting at a multiple of ``fan_in**k`` (:meth:`TreePlan.task_ranges`), the last one possibly short.
Its output is then the tree's node of level ``k-1``, and the tree over such outputs is the rest of
the tree.

Examples
--------
>>> tree = MergeTree(fan_in=4)
>>> plan = tree.plan(10)
>>> plan.level_sizes, plan.driver_inputs
((3, 1), 3)
>>> [list(plan.leaves_of(0, g)) for g in range(3)]
[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
>>> plan_tree(range(10), fan_in=4)
[[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]], [[0, 1, 2]]]
"""

from __future__ import annotations

import bisect
import time
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from truthound import _core
from truthound.profiler.errors import InvalidInputError

__all__ = [
    "DEFAULT_FAN_IN",
    "SHIPPING_BUDGET_OPTIONS",
    "MergeStats",
    "MergeTree",
    "TreeMerge",
    "TreePlan",
    "merge_local",
    "plan_tree",
]

DEFAULT_FAN_IN: int = int(_core.MERGE_TREE_FAN_IN)
_MIN_FAN_IN: int = int(_core.MERGE_TREE_MIN_FAN_IN)
_MAX_FAN_IN: int = int(_core.MERGE_TREE_MAX_FAN_IN)

#: Engine options (``_core.profile`` keywords) that keep a column's partial near 32 KB once past
#: its exact thresholds, for plans of very many units (docs/scaling.md, "Size budget"): exact
#: distinct counts up to 4,096 values, then ExaLogLog p=11 (7.5 KB, 0.78% relative standard error);
#: exact frequencies up to 1,024 values, then a Misra-Gries summary of 512 counters; KLL k=400
#: (about 9.6 KB, rank error 0.68%); an exact duplicate-row set up to 65,536 rows per partial. They
#: travel in the partial like every engine option, so all partials of a plan must use them.
SHIPPING_BUDGET_OPTIONS: dict[str, int] = {
    "distinct_exact_limit": 4_096,
    "ell_precision": 11,
    "kll_k": 400,
    "frequent_exact_capacity": 1_024,
    "frequent_sketch_capacity": 512,
    "row_exact_limit": 65_536,
}

def _check_fan_in(fan_in: Any) -> int:
    if isinstance(fan_in, bool) or not isinstance(fan_in, int) or not _MIN_FAN_IN <= fan_in <= _MAX_FAN_IN:
        raise InvalidInputError(
            f"fan_in must be an integer in {_MIN_FAN_IN}..{_MAX_FAN_IN}, got {fan_in!r}"
        )
    return fan_in


def _level_sizes(leaves: int, fan_in: int) -> tuple[int, ...]:
    sizes: list[int] = []
    n = leaves
    while n > 0:
        n = -(-n // fan_in)
        sizes.append(n)
        if n == 1:
            break
    return tuple(sizes)


def _sorted_unit_ids(units: int | Iterable[int]) -> range | array:
    """Unit ids as a range when they are consecutive (0 bytes a unit), else a sorted array of
    unsigned 64-bit integers (8 bytes a unit)."""
    if isinstance(units, bool):
        raise InvalidInputError(f"units must be a count or unit ids, got {units!r}")
    if isinstance(units, int):
        if units < 0:
            raise InvalidInputError(f"unit count must be >= 0, got {units}")
        return range(units)
    if isinstance(units, range) and units.step == 1:
        if units.start < 0:
            raise InvalidInputError(f"unit ids must be >= 0, got {units.start}")
        return units
    try:
        ids = array("Q", sorted(units))
    except (TypeError, OverflowError) as exc:
        raise InvalidInputError(f"unit ids must be integers in 0..2**64-1: {exc}") from None
    for i in range(1, len(ids)):
        if ids[i] == ids[i - 1]:
            raise InvalidInputError(f"unit id {ids[i]} appears twice")
    if ids and ids[-1] - ids[0] == len(ids) - 1:
        return range(ids[0], ids[-1] + 1)
    return ids


@dataclass(frozen=True)
class TreePlan:
    """The shape of the merge tree over one plan's units, held compactly.

    Positions are indices into the sorted unit ids (for a plan numbered 0..n-1, position = unit
    id). Node ``g`` of level ``L`` covers leaf positions ``[g * fan_in**(L+1), (g+1) * fan_in**(L+1))``
    cut at the number of leaves; its children are nodes ``[g * fan_in, (g+1) * fan_in)`` of level
    ``L-1`` (leaf positions for level 0). Memory: the level sizes plus, only when the unit ids are
    not consecutive, 8 bytes a unit -- a million-unit plan is a ``range`` and a few integers.
    """

    fan_in: int
    unit_ids: range | array
    level_sizes: tuple[int, ...]

    @property
    def leaves(self) -> int:
        """Number of units (leaf partials)."""
        return len(self.unit_ids)

    @property
    def depth(self) -> int:
        """Number of levels; the last holds the root alone."""
        return len(self.level_sizes)

    @property
    def driver_inputs(self) -> int:
        """Partials the root merges: what a driver receives when the other levels run on the
        cluster. At most ``fan_in``."""
        if not self.level_sizes:
            return 0
        return self.level_sizes[-2] if self.depth > 1 else self.leaves

    def _level_input_count(self, level: int) -> int:
        if not 0 <= level < self.depth:
            raise InvalidInputError(f"level {level} outside 0..{self.depth - 1}")
        return self.leaves if level == 0 else self.level_sizes[level - 1]

    def children(self, level: int, index: int) -> range:
        """Positions (in level ``level - 1``, or leaf positions for level 0) of a node's children."""
        n = self._level_input_count(level)
        if not 0 <= index < self.level_sizes[level]:
            raise InvalidInputError(
                f"node {index} outside level {level}'s 0..{self.level_sizes[level] - 1}"
            )
        return range(index * self.fan_in, min(n, (index + 1) * self.fan_in))

    def groups(self, level: int) -> Iterator[range]:
        """The children of each node of ``level``, in order (lazily)."""
        for g in range(self.level_sizes[level] if 0 <= level < self.depth else 0):
            yield self.children(level, g)

    def leaves_of(self, level: int, index: int) -> range:
        """Leaf positions a node covers."""
        self.children(level, index)  # validates
        span = self.fan_in ** (level + 1)
        return range(index * span, min(self.leaves, (index + 1) * span))

    def unit_span(self, level: int, index: int) -> tuple[int, int]:
        """First and last unit id a node covers."""
        r = self.leaves_of(level, index)
        return self.unit_ids[r.start], self.unit_ids[r.stop - 1]

    def position(self, unit_id: int) -> int:
        """Position of a unit id in the plan (InvalidInputError if it is not one)."""
        ids = self.unit_ids
        if isinstance(ids, range):
            if unit_id in ids:
                return unit_id - ids.start
        else:
            i = bisect.bisect_left(ids, unit_id)
            if i < len(ids) and ids[i] == unit_id:
                return i
        raise InvalidInputError(f"unit {unit_id} is not in the plan")

    def node_of(self, unit_id: int, level: int = 0) -> int:
        """Index of the level-``level`` node whose subtree holds ``unit_id``."""
        return self.position(unit_id) // self.fan_in ** (level + 1)

    def task_ranges(self, max_units: int) -> Iterator[range]:
        """Leaf positions cut into aligned subtrees of ``fan_in**k`` units, the largest that does not
        exceed ``max_units`` (single units when ``max_units < fan_in``): a task given one range may
        merge its units with :func:`merge_local` and the tree's bytes do not change."""
        if max_units < 1:
            raise InvalidInputError(f"max_units must be >= 1, got {max_units}")
        size = 1
        while size * self.fan_in <= max_units:
            size *= self.fan_in
        for start in range(0, self.leaves, size):
            yield range(start, min(self.leaves, start + size))

    def to_lists(self) -> list[list[list[int]]]:
        """The explicit tree (see :func:`plan_tree`); for small plans and tests."""
        levels: list[list[list[int]]] = []
        for level in range(self.depth):
            if level == 0:
                levels.append([[self.unit_ids[p] for p in g] for g in self.groups(0)])
            else:
                levels.append([list(g) for g in self.groups(level)])
        return levels


@dataclass(frozen=True)
class MergeTree:
    """The merge tree of a given fan-in.

    Examples
    --------
    >>> MergeTree(64).plan(1_000_000).level_sizes
    (15625, 245, 4, 1)
    """

    fan_in: int = DEFAULT_FAN_IN

    def __post_init__(self) -> None:
        _check_fan_in(self.fan_in)

    def plan(self, units: int | Iterable[int]) -> TreePlan:
        """The tree over ``units``: a count (ids 0..n-1) or the unit ids (any order, unique)."""
        ids = _sorted_unit_ids(units)
        return TreePlan(self.fan_in, ids, _level_sizes(len(ids), self.fan_in))

    def merge(self, blobs_by_unit: Mapping[int, bytes]) -> bytes:
        """Merge a plan's partial bytes through the tree (``_core.merge_tree``)."""
        return _core.merge_tree(list(blobs_by_unit.values()), fan_in=self.fan_in)


@dataclass
class MergeStats:
    """What a tree merge moved, level by level, for backends to report.

    ``inputs_per_level[L]`` partials of ``bytes_per_level[L]`` bytes in total were folded by the
    ``nodes_per_level[L]`` nodes of level L in ``seconds_per_level[L]`` (reading, merging and
    writing; with lazy values, the time to build the level's tasks); level 0's inputs are the units'
    partials. On the driver the last level's inputs are what it received; an engine backend that
    merges on its cluster sets ``partials_received_by_driver`` to what its driver really fetched
    (one root per bucket). Bytes are 0 where the values were not bytes (futures, object refs).
    """

    fan_in: int = DEFAULT_FAN_IN
    leaves: int = 0
    nodes_per_level: list[int] = field(default_factory=list)
    inputs_per_level: list[int] = field(default_factory=list)
    bytes_per_level: list[int] = field(default_factory=list)
    max_partial_bytes_per_level: list[int] = field(default_factory=list)
    seconds_per_level: list[float] = field(default_factory=list)
    partials_received_by_driver: int = 0
    bytes_received_by_driver: int = 0
    result_bytes: int = 0
    seconds: float = 0.0

    def _finish(self) -> None:
        self.partials_received_by_driver = self.inputs_per_level[-1] if self.inputs_per_level else 0
        self.bytes_received_by_driver = self.bytes_per_level[-1] if self.bytes_per_level else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "fan_in": self.fan_in,
            "leaves": self.leaves,
            "nodes_per_level": list(self.nodes_per_level),
            "inputs_per_level": list(self.inputs_per_level),
            "bytes_per_level": list(self.bytes_per_level),
            "max_partial_bytes_per_level": list(self.max_partial_bytes_per_level),
            "seconds_per_level": list(self.seconds_per_level),
            "partials_received_by_driver": self.partials_received_by_driver,
            "bytes_received_by_driver": self.bytes_received_by_driver,
            "result_bytes": self.result_bytes,
            "seconds": self.seconds,
        }


def plan_tree(unit_ids: int | Iterable[int], fan_in: int = DEFAULT_FAN_IN) -> list[list[list[int]]]:
    """The merge tree as explicit lists: ``levels[L]`` is the list of level L's groups. A level-0
    group lists unit ids; a group of level L > 0 lists indices of level L-1's groups. The last level
    has one group, the root. Holds every unit id: for big plans use :meth:`MergeTree.plan`.

    Examples
    --------
    >>> plan_tree([7, 3, 5, 9, 11], fan_in=2)
    [[[3, 5], [7, 9], [11]], [[0, 1], [2]], [[0, 1]]]
    """
    return MergeTree(_check_fan_in(fan_in)).plan(unit_ids).to_lists()


def merge_local(blobs: Iterable[bytes], fan_in: int = DEFAULT_FAN_IN) -> bytes:
    """Merge the partials of the units one task ran, before returning them to the driver.

    The task's units must be an aligned subtree (:meth:`TreePlan.task_ranges`) for the final bytes
    to equal an unmerged run; the result is that subtree's node. For at most ``fan_in`` partials this
    is ``_core.merge(blobs, by_unit=True)``.
    """
    items = [bytes(b) for b in blobs]
    if not items:
        raise InvalidInputError("nothing to merge: no partial profiles given")
    return _core.merge_tree(items, fan_in=_check_fan_in(fan_in))


class TreeMerge:
    """The tree, folded on the driver as partials arrive (in any order).

    Partials that arrive ahead of a slower unit wait; every other partial is folded into the open
    node of its level at once, so memory holds one open node per level plus the early arrivals,
    whatever the number of units. Drop-in for a unit-order fold: ``add(unit_id, blob)`` then
    ``result()``. The ids may also be node indices of one level (outputs of aligned subtrees): the
    fold is then the rest of the tree.

    Examples
    --------
    >>> import pyarrow as pa
    >>> blobs = {u: _core.profile(pa.table({"x": [u]}), unit_id=u) for u in range(6)}
    >>> merge = TreeMerge(6, fan_in=2)
    >>> for u in (3, 0, 5, 1, 2, 4):
    ...     merge.add(u, blobs[u])
    >>> merge.result() == _core.merge_tree(list(blobs.values()), fan_in=2)
    True
    >>> merge.stats.partials_received_by_driver
    2
    """

    def __init__(self, units: int | Iterable[int] | TreePlan, fan_in: int = DEFAULT_FAN_IN):
        self.plan = units if isinstance(units, TreePlan) else MergeTree(fan_in).plan(units)
        self._merger = _core.TreeMerger(self.plan.fan_in)
        self._pending: dict[int, bytes] = {}
        self._next = 0
        self._started = time.perf_counter()
        self.stats = MergeStats(fan_in=self.plan.fan_in, leaves=self.plan.leaves)

    def add(self, unit_id: int, blob: bytes) -> None:
        """Fold in the partial of ``unit_id`` (or wait for the units before it)."""
        pos = self.plan.position(unit_id)
        if pos < self._next or pos in self._pending:
            raise InvalidInputError(f"unit {unit_id} returned a partial twice")
        self._pending[pos] = blob
        while self._next in self._pending:
            self._merger.add(self._pending.pop(self._next))
            self._next += 1

    @property
    def waiting(self) -> int:
        """Partials held because a unit before them has not arrived."""
        return len(self._pending)

    def result(self) -> bytes:
        """The root, once every unit has arrived."""
        if self._next != self.plan.leaves:
            missing = self.plan.unit_ids[self._next] if self._next < self.plan.leaves else None
            raise InvalidInputError(f"unit {missing} never returned a partial profile")
        root = self._merger.finish()
        levels = self._merger.stats()
        s = self.stats
        s.nodes_per_level = [lv["nodes"] for lv in levels]
        s.inputs_per_level = [lv["inputs"] for lv in levels]
        s.bytes_per_level = [lv["input_bytes"] for lv in levels]
        s.max_partial_bytes_per_level = [lv["max_input_bytes"] for lv in levels]
        s.seconds_per_level = [lv["seconds"] for lv in levels]
        s._finish()
        s.result_bytes = len(root)
        s.seconds = time.perf_counter() - self._started
        return root
