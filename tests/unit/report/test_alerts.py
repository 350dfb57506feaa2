"""Alerts about a column, one rule at a time."""

from dataclasses import replace

import pyarrow as pa

import truthound.profiler as tp
from truthound.profiler.model import ColumnProfile, DistributionStats, PatternMatch
from truthound.profiler.report.alerts import column_alerts


def _keys(column: ColumnProfile) -> list[str]:
    return [a.key for a in column_alerts(column)]


def _column(**fields) -> ColumnProfile:
    base = {
        "name": "c",
        "physical_type": "string",
        "kind": "string",
        "row_count": 100,
        "non_null_count": 100,
    }
    return ColumnProfile(**{**base, "distinct_count": 50, **fields})


def test_a_plain_column_has_none():
    assert _keys(_column()) == []


def test_rules():
    assert _keys(_column(null_count=100, null_ratio=1.0, non_null_count=0)) == ["all_null"]
    assert _keys(_column(null_count=30, null_ratio=0.3, non_null_count=70)) == ["nulls"]
    assert _keys(_column(null_count=5, null_ratio=0.05, non_null_count=95)) == []
    assert _keys(_column(is_constant=True, distinct_count=1)) == ["constant"]
    assert _keys(_column(is_unique=True, distinct_count=100)) == ["unique"]
    assert (
        _keys(_column(kind="float", physical_type="double", is_unique=True, distinct_count=100))
        == []
    )
    assert _keys(_column(invalid_utf8_count=3)) == ["invalid_utf8"]
    skewed = DistributionStats(skewness=2.5)
    assert _keys(_column(kind="float", distribution=skewed)) == ["skewed"]
    assert _keys(_column(kind="float", distribution=DistributionStats(skewness=-2.01))) == [
        "skewed"
    ]
    assert _keys(_column(kind="float", distribution=DistributionStats(skewness=1.99))) == []
    assert _keys(_column(kind="float", distribution=DistributionStats(skewness="nan"))) == []
    assert _keys(_column(kind="float", nan_count=2, positive_infinity_count=1)) == ["nan", "inf"]
    assert _keys(_column(empty_string_count=2, whitespace_string_count=1)) == ["blank"]
    assert _keys(_column(note="nested values are not profiled: row and null counts only")) == ["not_profiled"]
    mixed = (PatternMatch("integer_string", "^[0-9]+$", 0.85, ("1", "2")),)
    assert _keys(_column(detected_patterns=mixed)) == ["mixed"]
    pure = (PatternMatch("integer_string", "^[0-9]+$", 1.0, ("1", "2")),)
    assert _keys(_column(detected_patterns=pure)) == []


def test_details_read_well():
    (alert,) = column_alerts(_column(null_count=30, null_ratio=0.3, non_null_count=70))
    assert (alert.label, alert.detail, alert.level) == (
        "30.0% null",
        "30 of 100 values are null",
        "warn",
    )
    (alert,) = column_alerts(_column(kind="float", distribution=DistributionStats(skewness=2.9395)))
    assert alert.detail == "skewness 2.9395 (long right tail)"


def test_from_a_real_profile():
    p = tp.profile(
        pa.table(
            {
                "constant": ["x"] * 50,
                "float": [float("nan"), float("inf")] + [1.0] * 48,
                "sparse": [None] * 40 + [1, 2] * 5,
                "empty": pa.array([None] * 50, pa.int64()),
            }
        )
    )
    assert _keys(p["constant"]) == ["constant"]
    assert set(_keys(p["float"])) == {"nan", "inf"}
    assert _keys(p["sparse"]) == ["nulls"]
    assert _keys(p["empty"]) == ["all_null"]
    assert _keys(replace(p["sparse"], row_count=0)) == []


def test_invalid_utf8_from_a_real_profile():
    bad = pa.array([b"\xff\xfe", b"ok", b"ok"], pa.binary()).view(pa.string())
    (alert,) = column_alerts(tp.profile(pa.table({"bad": bad}))["bad"])
    assert (alert.key, alert.detail) == ("invalid_utf8", "1 value is not valid UTF-8")
