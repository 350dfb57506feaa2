"""The same table split into 1, 7 and 64 chunks gives identical exact statistics; the same split
twice gives byte-identical JSON; merge order of arrival does not matter."""

import random

import numpy as np
import pyarrow as pa
import pytest

from truthound import _core

from .helpers import profile_in_chunks, untimed_json

EXACT_FIELDS = (
    "row_count", "null_count", "nan_count", "zero_count", "negative_count", "empty_string_count",
    "distinct_count", "distinct_count_is_exact", "min", "max", "min_length", "max_length", "avg_length",
    "true_count", "false_count", "positive_infinity_count", "negative_infinity_count",
)


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(3)
    n = 200_000
    f = rng.normal(size=n)
    f[::97] = np.nan
    f[::1001] = np.inf
    words = np.array(["alpha", "beta", "gamma", "δέλτα", "", "  "])
    return pa.table(
        {
            "f": f,
            "i": pa.array(rng.integers(0, 50_000, n), mask=rng.random(n) < 0.1),
            "s": pa.array(words[rng.integers(0, len(words), n)]),
            "b": pa.array(rng.random(n) < 0.3),
            "d": pa.array(rng.integers(0, 20_000, n).astype("datetime64[D]")),
        }
    )


def test_exact_statistics_identical_for_1_7_and_64_chunks(table):
    profiles = [profile_in_chunks(table, k) for k in (1, 7, 64)]
    for name in table.column_names:
        base = profiles[0][name]
        for other in profiles[1:]:
            for field in EXACT_FIELDS:
                assert getattr(other[name], field) == getattr(base, field), (name, field)
            if base.top_values_method == "exact":
                assert [(v.value, v.count) for v in other[name].top_values] == [
                    (v.value, v.count) for v in base.top_values
                ]
    for other in profiles[1:]:
        assert other.row_count == profiles[0].row_count
        assert other.duplicate_row_count == profiles[0].duplicate_row_count
        assert other["f"].distribution.mean == pytest.approx(profiles[0]["f"].distribution.mean, rel=1e-12)
        assert other["i"].distribution.sum == profiles[0]["i"].distribution.sum


def test_same_split_twice_is_byte_identical(table):
    assert untimed_json(profile_in_chunks(table, 7)) == untimed_json(profile_in_chunks(table, 7))


def test_arrival_order_does_not_change_the_merge(table):
    n = table.num_rows
    blobs = [_core.profile(table.slice(i * n // 16, n // 16), unit_id=i) for i in range(16)]
    merged = _core.merge(blobs)
    shuffled = blobs[:]
    random.Random(1).shuffle(shuffled)
    assert _core.merge(shuffled) == merged


def test_overlapping_units_are_rejected(table):
    blob = _core.profile(table.slice(0, 10), unit_id=3)
    from truthound.profiler.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="overlap"):
        _core.merge([blob, blob])


def test_batch_boundaries_do_not_change_a_units_bytes():
    """One unit's rows in one batch or in batches of any size give the same partial, float
    moments included (they are reduced in blocks of values, not of batches)."""
    rng = np.random.default_rng(11)
    values = rng.lognormal(mean=3.0, sigma=2.0, size=50_000)
    values[::13] = np.nan
    table = pa.table({"f": values, "i": rng.integers(-(10**9), 10**9, size=50_000)})
    whole = _core.profile(table.to_reader(max_chunksize=len(table)), unit_id=0)
    for sizes in ([4096], [1], [4095, 4097], [3, 10_000, 7]):
        batches, offset, k = [], 0, 0
        while offset < len(table):
            n = sizes[k % len(sizes)]
            batches.extend(table.slice(offset, n).to_batches())
            offset, k = offset + n, k + 1
        reader = pa.RecordBatchReader.from_batches(table.schema, batches)
        assert _core.profile(reader, unit_id=0) == whole, sizes
