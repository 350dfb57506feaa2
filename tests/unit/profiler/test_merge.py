"""The one streaming merge path: a fold holds its running state plus one decoded input, whatever
the number of inputs, asserted through the engine's counter of live decoded states."""

from __future__ import annotations

import pyarrow as pa
import pytest

import truthound.profiler as tp
from truthound import _core
from truthound.profiler.distributed import ProfileMerger
from truthound.profiler.errors import InvalidInputError


def _partials(n: int, width: int = 3) -> list[bytes]:
    return [
        _core.profile(
            pa.table({f"c{j}": [u * 10 + i + j for i in range(20)] for j in range(width)}),
            unit_id=u,
        )
        for u in range(n)
    ]


class _Peak:
    """The most decoded states held at once during the block, above those held before it."""

    def __enter__(self):
        self.before = _core.live_decoded_states()
        _core.reset_peak_decoded_states()
        return self

    def __exit__(self, *exc):
        self.peak = _core.peak_decoded_states() - self.before
        assert _core.live_decoded_states() == self.before


@pytest.mark.parametrize("n", [1, 2, 65, 300])
def test_a_node_holds_its_state_and_one_input(n):
    blobs = _partials(n)
    with _Peak() as p:
        merged = _core.merge_group(blobs)
    assert p.peak <= 2
    assert merged == _core.merge(blobs)


def test_the_tree_holds_one_state_per_level_and_one_input():
    blobs = _partials(300)
    levels = len(_core.merge_tree_levels(300, 4))
    with _Peak() as p:
        merged = _core.merge_tree(list(reversed(blobs)), fan_in=4)
    assert p.peak <= levels + 1
    with _Peak() as q:
        flat = _core.merge_tree(blobs, fan_in=1024)
    assert q.peak <= 2
    assert flat == _core.merge(blobs)
    assert merged != b""


def test_the_streaming_merger_holds_one_state_per_level():
    blobs = _partials(100)
    merger = _core.TreeMerger(8)
    with _Peak() as p:
        for blob in blobs:
            merger.add(blob)
        root = merger.finish()
    assert p.peak <= len(_core.merge_tree_levels(100, 8)) + 1
    assert root == _core.merge_tree(blobs, fan_in=8)


def test_merge_stream_takes_each_input_when_its_turn_comes():
    blobs = _partials(50)
    taken = []

    def produce():
        for i, blob in enumerate(blobs):
            taken.append(i)
            # the fold has decoded at most the running state before asking for the next input
            assert _core.live_decoded_states() <= 1
            yield blob

    with _Peak() as p:
        merged = _core.merge_stream(produce(), by_unit=False)
    assert taken == list(range(50))
    assert p.peak <= 2
    assert merged == _core.merge(blobs, by_unit=False)
    with _Peak() as q:
        by_unit = _core.merge_stream(reversed(blobs), by_unit=True)
    assert q.peak <= 2
    assert by_unit == _core.merge(blobs)


def test_profile_merger_reads_saved_profiles_one_at_a_time(tmp_path):
    tables = [pa.table({"x": [i, i + 1, 7], "s": ["a", str(i), "b"]}) for i in range(40)]
    paths = []
    for i, table in enumerate(tables):
        path = tmp_path / f"p{i}.json"
        tp.profile(table).save(path)
        paths.append(path)
    with _Peak() as p:
        merged = ProfileMerger().merge(paths)
    assert p.peak <= 2
    whole = tp.profile(pa.concat_tables(tables))
    assert merged.row_count == whole.row_count == 120
    assert merged["x"].distinct_count == whole["x"].distinct_count
    assert merged["s"].distinct_count == whole["s"].distinct_count
    assert merged.duplicate_row_count == whole.duplicate_row_count
    via_model = tp.TableProfile.load(paths[0]).merge(*[tp.TableProfile.load(q) for q in paths[1:]])
    assert via_model.partial == merged.partial


def test_merging_nothing_says_so():
    with pytest.raises(InvalidInputError, match="nothing to merge"):
        ProfileMerger().merge([])
    with pytest.raises(InvalidInputError, match="nothing to merge"):
        tp.merge_partials([])


def test_a_corrupt_input_is_named_by_its_position():
    blobs = _partials(3)
    bad = blobs[1][:-3] + b"xyz"
    with pytest.raises(tp.CorruptPartialError, match="partial #1"):
        _core.merge_group([blobs[0], bad, blobs[2]])
    with pytest.raises(tp.CorruptPartialError, match="partial #1"):
        _core.merge_stream(iter([blobs[0], bad, blobs[2]]), by_unit=False)
    assert _core.live_decoded_states() == 0


def test_bucket_merge_sums_each_buckets_duplicates():
    # Two buckets of a HASH plan: equal rows share a bucket.
    a = pa.table({"k": [1, 1, 1, 3], "v": ["x", "x", "x", "y"]})
    b = pa.table({"k": [2, 2, 4, 4, 5], "v": ["z", "z", "w", "w", "q"]})
    roots = [_core.profile(a, unit_id=0), _core.profile(b, unit_id=1)]
    merged, count, exact, error = _core.merge_buckets(roots)
    assert (count, exact, error) == (2 + 2, True, 0.0)
    assert merged == _core.merge(roots)
    expected = sum(_core.finalize(r)["duplicate_rows"] for r in roots)
    assert count == expected


def test_constants_come_from_the_engine():
    from truthound.profiler import merge_tree
    from truthound.profiler.settings import ProfileSettings

    assert ProfileSettings().top_n == _core.DEFAULT_TOP_N
    assert ProfileSettings().merge_fan_in == _core.MERGE_TREE_FAN_IN
    assert merge_tree.DEFAULT_FAN_IN == _core.MERGE_TREE_FAN_IN
    with pytest.raises(InvalidInputError, match=str(_core.MERGE_TREE_MAX_FAN_IN)):
        merge_tree.MergeTree(_core.MERGE_TREE_MAX_FAN_IN + 1)
