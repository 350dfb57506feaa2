"""Patterns and semantic types through the Python API, on labelled generated columns."""

import uuid

import numpy as np
import pyarrow as pa
import pytest

import truthound.profiler as tp

from .helpers import profile_in_chunks, untimed_json

N = 20_000


def _column(values):
    return tp.profile(pa.table({"c": pa.array(values, pa.string())}))["c"]


def _emails(n, rng):
    return [f"user{i}.{rng.integers(1e9)}@example{rng.integers(50)}.com" for i in range(n)]


@pytest.fixture
def rng():
    return np.random.default_rng(11)


def test_email_column(rng):
    c = _column(_emails(N, rng))
    assert c.inferred_type == tp.DataType.EMAIL
    email = next(p for p in c.detected_patterns if p.pattern == "email")
    assert email.match_ratio == 1.0 and len(email.sample_matches) > 0
    assert "EmailValidator()" in c.suggested_validators


def test_first_thousand_emails_then_not_emails_is_not_email(rng):
    values = _emails(1_000, rng) + [f"free text number {i}" for i in range(99_000)]
    c = _column(values)
    assert all(p.pattern != "email" for p in c.detected_patterns)
    assert c.inferred_type != tp.DataType.EMAIL


@pytest.mark.parametrize("purity", [0.5, 0.85, 0.95])
def test_mixed_purity(rng, purity):
    n_email = int(N * purity)
    values = _emails(n_email, rng) + [f"note {i} without at sign" for i in range(N - n_email)]
    rng.shuffle(values)
    c = _column(values)
    found = {p.pattern: p for p in c.detected_patterns}
    if purity < 0.8:
        assert "email" not in found
        return
    p = found["email"]
    assert abs(p.match_ratio - purity) <= max(3 * p.standard_error, 0.02)
    assert (c.inferred_type == tp.DataType.EMAIL) == (purity >= 0.9)


def test_uuid_column():
    c = _column([str(uuid.UUID(int=i * 7919 + 1)) for i in range(5_000)])
    assert c.inferred_type == tp.DataType.UUID


def test_numbers_and_dates_as_text_are_counted_exactly(rng):
    ints = [str(v) for v in rng.integers(-1000, 100000, N)]
    c = _column(ints)
    p = next(p for p in c.detected_patterns if p.pattern == "integer_string")
    assert p.method == "exact" and p.match_ratio == 1.0
    assert c.parsed_type == "integer"
    dates = [f"2024-{m:02d}-{d:02d}" for m in range(1, 13) for d in range(1, 29)] * 10
    c = _column(dates)
    assert c.parsed_type == "date"
    floats = [f"{v:.3f}" for v in rng.normal(size=N)]
    assert _column(floats).parsed_type == "float"


def test_low_cardinality_codes_and_identifiers(rng):
    codes = list(rng.choice(["A1", "B2", "C3", "D4"], N))
    assert _column(codes).inferred_type == tp.DataType.CATEGORICAL
    ids = [f"ORD-{i:08d}" for i in range(N)]
    assert _column(ids).inferred_type == tp.DataType.IDENTIFIER


def test_no_patterns_option(rng):
    p = tp.profile(pa.table({"c": _emails(100, rng)}), include_patterns=False)
    assert p["c"].detected_patterns == () and p["c"].inferred_type != tp.DataType.EMAIL


def test_chunking_gives_the_same_types_and_the_same_plan_the_same_bytes(rng):
    values = _emails(30_000, rng) + [str(v) for v in range(10_000)] + ["x y z"] * 2_000
    rng.shuffle(values)
    table = pa.table({"c": values, "n": [str(i % 97) for i in range(len(values))]})
    profiles = [profile_in_chunks(table, k) for k in (1, 7, 64)]
    for p in profiles[1:]:
        for name in ("c", "n"):
            assert p[name].inferred_type == profiles[0][name].inferred_type
            assert [(m.pattern, m.match_ratio) for m in p[name].detected_patterns] == [
                (m.pattern, m.match_ratio) for m in profiles[0][name].detected_patterns
            ]
    assert untimed_json(profile_in_chunks(table, 7)) == untimed_json(profiles[1])


def test_bad_strings_do_not_crash():
    big = "a" * (16 << 20)
    arr = pa.Array.from_buffers(
        pa.string(), 3, [None, pa.py_buffer(np.array([0, 2, 5, 8], np.int32)), pa.py_buffer(b"\xff\xfe\x00ab   ")]
    )
    c = tp.profile(pa.table({"c": pa.concat_arrays([arr, pa.array([big, "  \t"])])}))["c"]
    assert c.invalid_utf8_count == 1 and c.row_count == 5
