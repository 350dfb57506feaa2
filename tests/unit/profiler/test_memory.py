"""Issue #14, accumulator part: a column state holds what it has seen, not what it might.

``_core.state_memory(partial)`` decodes a partial and reports ``memory_bytes()`` of the column
state and of each accumulator. The bounds are ``memory <= a * k + b`` after k distinct values,
with a and b stated below (measured values in the comments, on x86-64 / libstdc++).
"""

import numpy as np
import pyarrow as pa
import pytest

from truthound import _core

# Exact phase (k <= 16,384 distinct values, the frequency table is the column). A state being
# profiled (indexed=True): an integer column's table keeps 16 bytes a slot (hash and count; the
# value is the hash's inverse), at most 1/4 full up to 16,384 slots and 1/2 beyond, growing by half,
# so at worst 6 slots (96 B) a value just after a step. Measured: 814 B empty, 1,070 B at k = 1,
# 88 B/value at k = 100, 92 at 1,000, 75 at 4,096, 46 at 10,000, 42 at 16,384 (main before #14:
# 139 B/value at 100, 87 at 10,000).
EXACT_A, EXACT_B = 96, 1_536
# A decoded state (a merge input, a partial being finalized) holds its entries densely, without a
# hash table: 16 B a value. Measured: 262,958 B at k = 16,384.
DENSE_A, DENSE_B = 16, 1_024
# Strings: a slot is 24 bytes (hash, count, a reference into the value arena), so at worst 144 B a
# value, plus the bytes (the arena doubles: at most twice them).
STRING_A, STRING_B = 144, 1_536
# Spilled phase (16,384 < k <= 100,000): the exact distinct set (8-byte hashes, at most 1/2 full,
# doubling: <= 32 B a value), the retained values (8 B, doubling: <= 16 B a value, until 65,536),
# and a Misra-Gries summary of fixed size (145 KB). Measured: 22-40 B/value between 16,385 and
# 100,000.
SPILLED_A, SPILLED_B = 64, 320_000
# Past every limit: ExaLogLog (32 KB dense), KLL k=1200 (level 0 of 4,096 + the levels) and the
# Misra-Gries summary: a constant. Measured 201-203 KB at 200,000 and 1,000,000 values.
PAST_LIMITS_BYTES = 320_000


def _column_memory(values, indexed: bool = True) -> dict:
    blob = _core.profile(pa.table({"c": values}), track_rows=False)
    return _core.state_memory(blob, indexed=indexed)["columns"][0]


@pytest.mark.parametrize("k", [0, 1, 2, 5, 10, 100, 1_000, 4_096, 5_000, 16_384])
def test_exact_phase_memory_is_linear_in_the_distinct_values(k):
    m = _column_memory(np.arange(k, dtype=np.int64))
    assert not m["spilled"] and m["distinct"] == 0 and m["quantiles"] == 0 and m["retained"] == 0
    assert m["total"] <= EXACT_A * k + EXACT_B, (k, m)
    dense = _column_memory(np.arange(k, dtype=np.int64), indexed=False)
    assert dense["total"] <= DENSE_A * k + DENSE_B, (k, dense)


@pytest.mark.parametrize("k", [1, 100, 5_000, 16_384])
def test_exact_phase_memory_of_strings(k):
    values = pa.array([f"value-{i:08d}" for i in range(k)])  # 14 bytes each
    m = _column_memory(values)
    assert m["frequent"] <= (STRING_A + 2 * 14) * k + STRING_B, (k, m)


def test_an_empty_state_costs_bytes_not_kilobytes():
    for values in (pa.array([], pa.int64()), pa.array([None, None], pa.float64())):
        m = _column_memory(values)
        assert m["total"] <= 1_024, m  # the state itself; no table is allocated before a value
        assert m["frequent"] <= 256


@pytest.mark.parametrize("k", [16_385, 30_000, 65_536, 70_000, 100_000])
def test_spilled_phase_memory_is_linear(k):
    m = _column_memory(np.arange(k, dtype=np.int64))
    assert m["spilled"]
    assert m["total"] <= SPILLED_A * k + SPILLED_B, (k, m)
    assert (m["retained"] > 0) == (k <= 65_536)  # values kept for exact quantiles, then KLL
    assert (m["quantiles"] > 0) == (k > 65_536)


@pytest.mark.parametrize("k", [200_000, 1_000_000])
def test_past_every_limit_memory_is_bounded(k):
    m = _column_memory(np.random.default_rng(k).integers(0, 2**62, k))
    assert m["spilled"] and m["retained"] == 0
    assert m["total"] <= PAST_LIMITS_BYTES, m


def test_decoding_allocates_what_the_partial_holds():
    # Many small partials merged: the merged state is the size of its content, not a multiple of
    # the inputs' count.
    blobs = [
        _core.profile(pa.table({"c": pa.array([i % 7, i % 5], pa.int64())}), unit_id=i, track_rows=False)
        for i in range(200)
    ]
    merged = _core.state_memory(_core.merge(blobs))["columns"][0]
    single = _core.state_memory(blobs[0])["columns"][0]
    assert merged["total"] <= EXACT_A * 7 + EXACT_B
    assert single["total"] <= EXACT_A * 2 + EXACT_B


def test_many_columns_cost_about_a_kilobyte_each():
    cols = 10_000
    t = pa.table({f"c{i}": pa.array(np.array([i, i + 1], dtype=np.int64)) for i in range(cols)})
    m = _core.state_memory(_core.profile(t, track_rows=False))
    assert m["total"] / cols <= 1_536, m["total"] / cols  # measured 1,213 B a column


def test_string_columns_carry_their_pattern_statistics():
    # The pattern statistics (PatternStats) hold fixed per-pattern arrays, about 7.8 KB, for every
    # string column: the one accumulator whose empty state is not a few hundred bytes.
    m = _column_memory(pa.array([], pa.string()))
    assert m["patterns"] <= 8_192 and m["total"] <= 10_240, m
    values = pa.array([f"s{i}" for i in range(5_000)])
    m = _column_memory(values)
    assert m["total"] - m["patterns"] <= (STRING_A + 2 * 5) * 5_000 + STRING_B, m
