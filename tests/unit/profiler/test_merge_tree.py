"""The fixed merge tree: shape, byte identity whatever the arrival order, exact statistics."""

from __future__ import annotations

import doctest
import random
import sys
from array import array
from collections import defaultdict

import numpy as np
import pyarrow as pa
import pytest

from truthound import _core
from truthound.profiler.distributed.execution import _Tree
from truthound.profiler import merge_tree as mt
from truthound.profiler.errors import CorruptPartialError, InvalidInputError
from truthound.profiler.merge_tree import (
    MergeStats,
    MergeTree,
    TreeMerge,
    merge_local,
    plan_tree,
)

# Small thresholds so a few hundred small units pass every exact limit (HLL, Misra-Gries, KLL).
SMALL = {
    "distinct_exact_limit": 300,
    "frequent_exact_capacity": 64,
    "frequent_sketch_capacity": 16,
    "row_exact_limit": 2_000,
}


def unit_table(unit: int, rows: int = 30) -> pa.Table:
    rng = np.random.default_rng(unit)
    return pa.table(
        {
            "id": pa.array(rng.integers(-(2**40), 2**40, rows)),
            "code": pa.array(rng.integers(0, 7, rows)),
            "x": pa.array(rng.normal(10.0, 3.0, rows)),
            "name": pa.array([f"n{v}" for v in rng.integers(0, 5_000, rows)]),
            "flag": pa.array(rng.integers(0, 2, rows) == 1),
        }
    )


def partials(n: int, **options) -> dict[int, bytes]:
    return {u: _core.profile(unit_table(u), unit_id=u, **options) for u in range(n)}


@pytest.fixture(scope="module")
def blobs() -> dict[int, bytes]:
    return partials(300, **SMALL)


# ---- shape -------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 2, 63, 64, 65, 4095, 4096, 4097, 1_000_000])
@pytest.mark.parametrize("fan_in", [2, 3, 64])
def test_level_sizes_agree_with_the_engine(n, fan_in):
    plan = MergeTree(fan_in).plan(n)
    assert list(plan.level_sizes) == _core.merge_tree_levels(n, fan_in)
    if n:
        assert plan.level_sizes[-1] == 1
        assert 1 <= plan.driver_inputs <= fan_in


def test_plan_tree_lists_groups_of_consecutive_units():
    assert plan_tree(range(10), fan_in=4) == [[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]], [[0, 1, 2]]]
    assert plan_tree([7, 3, 5, 9, 11], fan_in=2) == [
        [[3, 5], [7, 9], [11]],
        [[0, 1], [2]],
        [[0, 1]],
    ]
    assert plan_tree(1, fan_in=64) == [[[0]]]
    assert plan_tree([], fan_in=64) == []


def test_node_ranges_and_positions():
    plan = MergeTree(4).plan(range(100, 150))
    assert plan.level_sizes == (13, 4, 1)
    assert plan.leaves_of(0, 12) == range(48, 50)
    assert plan.unit_span(1, 0) == (100, 115)
    assert plan.unit_span(2, 0) == (100, 149)
    assert plan.children(1, 3) == range(12, 13)
    assert plan.node_of(117, level=0) == 4
    assert plan.node_of(117, level=1) == 1
    with pytest.raises(InvalidInputError, match="not in the plan"):
        plan.position(99)
    with pytest.raises(InvalidInputError, match="outside"):
        plan.children(0, 13)


def test_a_million_unit_plan_is_held_compactly():
    plan = MergeTree(64).plan(1_000_000)
    assert isinstance(plan.unit_ids, range)
    assert plan.level_sizes == (15_625, 245, 4, 1)
    assert plan.driver_inputs == 4
    size = sys.getsizeof(plan.unit_ids) + sys.getsizeof(plan.level_sizes)
    assert size < 1_000
    # Sparse ids cost 8 bytes a unit, not an object each.
    sparse = MergeTree(64).plan(range(0, 2_000_000, 2).__iter__())
    assert isinstance(sparse.unit_ids, array) and sparse.unit_ids.itemsize == 8
    assert sparse.position(1_999_998) == 999_999
    assert sparse.unit_span(3, 0) == (0, 1_999_998)
    # Tasks come lazily.
    tasks = plan.task_ranges(5_000)
    assert next(tasks) == range(4_096)


def test_unit_ids_are_checked():
    with pytest.raises(InvalidInputError, match="twice"):
        MergeTree(4).plan([1, 2, 2])
    with pytest.raises(InvalidInputError):
        MergeTree(4).plan([-1, 2])
    for bad in (1, 0, 2**21, 2.5, True):
        with pytest.raises(InvalidInputError, match="fan_in"):
            MergeTree(bad)
    with pytest.raises(InvalidInputError):
        _core.merge_tree([b"x"], fan_in=1)


def test_task_ranges_are_aligned_subtrees():
    plan = MergeTree(4).plan(70)
    assert list(plan.task_ranges(3)) == [range(i, i + 1) for i in range(70)]
    assert list(plan.task_ranges(20)) == [
        range(16),
        range(16, 32),
        range(32, 48),
        range(48, 64),
        range(64, 70),
    ]


# ---- byte identity -----------------------------------------------------------------------------


def test_the_tree_is_byte_identical_whatever_the_arrival_order(blobs):
    reference = _core.merge_tree(list(blobs.values()), fan_in=4)
    rnd = random.Random(7)
    for _ in range(3):
        order = list(blobs)
        rnd.shuffle(order)
        shuffled = {u: blobs[u] for u in order}
        assert _core.merge_tree(list(shuffled.values()), fan_in=4) == reference
        merge = TreeMerge(len(blobs), fan_in=4)
        for u in order:
            merge.add(u, blobs[u])
        assert merge.result() == reference


def test_merge_fn_merge_gives_the_same_nodes(blobs):
    reference = _core.merge_tree(list(blobs.values()), fan_in=8)
    tree = _Tree(_core.merge, 8)
    for u in range(len(blobs)):
        tree.add(blobs[u])
    assert tree.root() == reference


def test_at_most_fan_in_partials_is_the_flat_ordered_merge(blobs):
    few = [blobs[u] for u in range(40)]
    flat = _core.merge(few, by_unit=True)
    assert _core.merge_tree(few, fan_in=64) == flat
    assert _core.merge_group(list(reversed(few))) == flat
    assert merge_local(few) == flat


def test_a_lone_partial_comes_back_unchanged(blobs):
    assert _core.merge_tree([blobs[3]]) == blobs[3]
    assert _core.merge_group([blobs[3]]) == blobs[3]


def test_workers_may_merge_aligned_subtrees_first(blobs):
    reference = _core.merge_tree(list(blobs.values()), fan_in=4)
    plan = MergeTree(4).plan(len(blobs))
    for max_units in (4, 16, 64):
        shipped = [
            merge_local([blobs[p] for p in r], fan_in=4) for r in plan.task_ranges(max_units)
        ]
        assert _core.merge_tree(shipped, fan_in=4) == reference


def test_spark_style_stages_keyed_by_position(blobs):
    # One stage per level: key = position // fan_in, values of a key arrive in any order.
    fan_in, rnd = 4, random.Random(3)
    level = list(blobs.items())
    while len(level) > fan_in:
        rnd.shuffle(level)
        groups: dict[int, list[bytes]] = defaultdict(list)
        for pos, blob in level:
            groups[pos // fan_in].append(blob)
        level = [(key, _core.merge_group(vals)) for key, vals in groups.items()]
    root = _core.merge_group([b for _, b in level])
    assert root == _core.merge_tree(list(blobs.values()), fan_in=fan_in)


def test_lazy_values_build_the_same_tree(blobs):
    # Dask or Ray: values are handles, merge_fn builds a task; the driver computes the rest.
    calls: list[int] = []

    def lazy_merge(group):
        calls.append(len(group))
        return ("merge", group)

    def compute(node):
        if isinstance(node, tuple):
            return _core.merge_group([compute(c) for c in node[1]])
        return blobs[node]

    tree = _Tree(lazy_merge, 4)  # the execution stage's tree over handles
    for u in range(len(blobs)):
        tree.add(u)
    root = tree.root()
    assert max(calls) <= 4
    assert compute(root) == _core.merge_tree(list(blobs.values()), fan_in=4)


def test_the_tree_differs_from_a_long_flat_fold_only_in_floating_state(blobs):
    tree_bytes = _core.merge_tree(list(blobs.values()), fan_in=4)
    flat_bytes = _core.merge(list(blobs.values()), by_unit=True)
    assert tree_bytes != flat_bytes  # moments and sketches depend on the order of merges
    tree = _core.finalize(tree_bytes)
    flat = _core.finalize(flat_bytes)
    assert tree["rows"] == flat["rows"] == 300 * 30
    assert tree["units"] == flat["units"] == 300
    assert tree["duplicate_rows"] == flat["duplicate_rows"]
    assert tree["duplicates_exact"] == flat["duplicates_exact"]
    for a, b in zip(tree["columns"], flat["columns"]):
        for key in (
            "counts",
            "distinct_count",
            "distinct_exact",
            "min",
            "max",
            "frequencies_exact",
            "lengths",
        ):
            assert a.get(key) == b.get(key), (a["name"], key)
        if a["frequencies_exact"]:
            assert a["top_values"] == b["top_values"]
            assert a["bottom_values"] == b["bottom_values"]
        if a["kind"] == "integer":
            assert a["moments"]["sum"] == b["moments"]["sum"]  # integer sums are exact
        if "moments" in a and a["moments"]["mean"] is not None:
            assert a["moments"]["mean"] == pytest.approx(b["moments"]["mean"], rel=1e-12)
            assert a["moments"]["variance"] == pytest.approx(b["moments"]["variance"], rel=1e-9)
    by_name = {c["name"]: c for c in tree["columns"]}
    assert not by_name["id"]["distinct_exact"]  # the exact limits were passed
    assert not by_name["name"]["frequencies_exact"]


def test_exact_statistics_equal_the_flat_merge_with_default_options():
    blobs = partials(130)
    tree = _core.finalize(_core.merge_tree(list(blobs.values()), fan_in=4))
    flat = _core.finalize(_core.merge(list(blobs.values())))
    assert tree["duplicate_rows"] == flat["duplicate_rows"]
    for a, b in zip(tree["columns"], flat["columns"]):
        assert a["distinct_exact"] and a["frequencies_exact"]
        for key in (
            "counts",
            "distinct_count",
            "min",
            "max",
            "top_values",
            "bottom_values",
            "lengths",
        ):
            assert a.get(key) == b.get(key), (a["name"], key)


# ---- statistics and errors ---------------------------------------------------------------------


def test_stats_count_partials_and_bytes_per_level(blobs):
    merge = TreeMerge(range(300), fan_in=4)
    for u, b in blobs.items():
        merge.add(u, b)
    merge.result()
    stats = merge.stats
    assert stats.nodes_per_level == [75, 19, 5, 2, 1]
    assert stats.inputs_per_level == [300, 75, 19, 5, 2]
    assert stats.partials_received_by_driver == 2
    assert stats.bytes_per_level[0] == sum(len(b) for b in blobs.values())
    assert stats.to_dict()["bytes_received_by_driver"] == stats.bytes_per_level[-1]


def test_streaming_core_merger_matches(blobs):
    merger = _core.TreeMerger(fan_in=4)
    for u in range(len(blobs)):
        merger.add(blobs[u])
    assert merger.finish() == _core.merge_tree(list(blobs.values()), fan_in=4)
    assert [lv["nodes"] for lv in merger.stats()] == [75, 19, 5, 2, 1]
    with pytest.raises(InvalidInputError, match="unit order"):
        merger.add(blobs[5])
        merger.add(blobs[4])


def test_tree_merge_checks_units(blobs):
    merge = TreeMerge(3, fan_in=2)
    merge.add(1, blobs[1])
    assert merge.waiting == 1
    with pytest.raises(InvalidInputError, match="twice"):
        merge.add(1, blobs[1])
    with pytest.raises(InvalidInputError, match="not in the plan"):
        merge.add(3, blobs[3])
    merge.add(0, blobs[0])
    with pytest.raises(InvalidInputError, match="unit 2 never returned"):
        merge.result()


def test_bad_input_is_rejected(blobs):
    with pytest.raises(InvalidInputError, match="nothing to merge"):
        _core.merge_tree([])
    with pytest.raises(InvalidInputError, match="nothing to merge"):
        merge_local([])
    with pytest.raises(InvalidInputError, match="overlap"):
        _core.merge_tree([blobs[0], blobs[1], blobs[0]])
    with pytest.raises(CorruptPartialError, match="partial #1"):
        _core.merge_tree([blobs[0], b"TRPF" + bytes(30)])
    corrupt = bytearray(blobs[2])
    corrupt[-1] ^= 0xFF
    with pytest.raises(CorruptPartialError, match="partial #1.*checksum"):
        _core.merge_tree([blobs[0], bytes(corrupt)])
    with pytest.raises(CorruptPartialError, match="partial #0"):
        _core.merge_group([bytes(corrupt)])
    other_options = _core.profile(unit_table(400), unit_id=400)
    with pytest.raises(InvalidInputError, match="different options"):
        _core.merge_tree([blobs[0], other_options])


def test_docstring_examples():
    result = doctest.testmod(mt, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
