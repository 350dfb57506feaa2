"""Alerts: one rule at a time on hand-made columns, then from real profiles against counts computed
with numpy/pyarrow, and their life in the profile (JSON, save/load, merge, thresholds)."""

import json
import math
from dataclasses import replace

import numpy as np
import pyarrow as pa
import pytest

import truthound.profiler as tp
from truthound.profiler.alerts import (
    SEVERITY,
    column_alerts,
    correlation_alerts,
    duplicate_alerts,
    parse_fail_on,
    select_alerts,
)
from truthound.profiler.errors import InvalidInputError
from truthound.profiler.model import (
    Alert,
    ColumnProfile,
    DataType,
    DistributionStats,
    Histogram,
    PatternMatch,
)
from truthound.profiler.settings import AlertSettings


def _kinds(column: ColumnProfile, **settings) -> list[str]:
    return [a.kind for a in column_alerts(column, AlertSettings(**settings))]


def _column(**fields) -> ColumnProfile:
    base = {
        "name": "c",
        "physical_type": "string",
        "kind": "string",
        "inferred_type": DataType.STRING,
        "row_count": 100,
        "non_null_count": 100,
        "distinct_count": 50,
    }
    return ColumnProfile(**{**base, **fields})


def _number(**fields) -> ColumnProfile:
    return _column(kind="float", physical_type="double", inferred_type=DataType.FLOAT, **fields)


def test_a_plain_column_has_none():
    assert _kinds(_column()) == []


def test_rules():
    assert _kinds(_column(null_count=100, null_ratio=1.0, non_null_count=0)) == ["all_null"]
    assert _kinds(_column(null_count=30, null_ratio=0.3, non_null_count=70)) == ["high_null_ratio"]
    assert _kinds(_column(null_count=5, null_ratio=0.05, non_null_count=95)) == []
    assert _kinds(_column(is_constant=True, distinct_count=1)) == ["constant"]
    assert _kinds(_column(is_unique=True, distinct_count=100)) == ["unique"]
    assert _kinds(_number(is_unique=True, distinct_count=100)) == []  # measurements never repeat
    assert _kinds(_column(invalid_utf8_count=3)) == ["invalid_utf8"]
    assert _kinds(_number(distribution=DistributionStats(skewness=2.5))) == ["skewed"]
    assert _kinds(_number(distribution=DistributionStats(skewness=-2.01))) == ["skewed"]
    assert _kinds(_number(distribution=DistributionStats(skewness=1.99))) == []
    assert _kinds(_number(distribution=DistributionStats(skewness="nan"))) == []
    # a code's or a category's skew says nothing
    coded = _number(distribution=DistributionStats(skewness=9.0), integer_code="hhmm")
    assert _kinds(coded) == []
    assert _kinds(_number(nan_count=2, positive_infinity_count=1)) == ["infinite", "nan"]
    assert _kinds(_number(zero_count=10)) == ["zeros"]
    assert _kinds(_number(zero_count=9)) == []
    assert _kinds(_column(empty_string_count=2, whitespace_string_count=1)) == ["blank_strings"]
    assert _kinds(_column(note="nested values are not profiled")) == ["not_profiled"]
    mixed = (PatternMatch("integer_string", "^[0-9]+$", 0.85, ("1", "2")),)
    assert _kinds(_column(detected_patterns=mixed)) == ["mixed_types"]
    pure = (PatternMatch("integer_string", "^[0-9]+$", 1.0, ("1", "2")),)
    assert _kinds(_column(detected_patterns=pure)) == []
    assert _kinds(_column(distinct_count=201, inferred_type=DataType.STRING)) == [
        "high_cardinality"
    ]
    # a key is not a high-cardinality string: it is a (near-)unique key
    assert _kinds(_column(distinct_count=201, inferred_type=DataType.IDENTIFIER)) == ["unique"]


def test_every_threshold_is_a_setting():
    skewed = _number(distribution=DistributionStats(skewness=2.5))
    assert _kinds(skewed, skewed=3.0) == []
    assert _kinds(skewed, skewed=None) == []
    assert _kinds(_number(zero_count=10), zeros=0.5) == []
    assert _kinds(
        _column(null_count=5, null_ratio=0.05, non_null_count=95), high_null_ratio=0.05
    ) == ["high_null_ratio"]
    assert _kinds(_column(distinct_count=201), high_cardinality=300) == []
    assert set(SEVERITY) == set(AlertSettings.kinds())
    with pytest.raises(InvalidInputError, match="unknown alert kind"):
        AlertSettings.from_value({"skew": 1})
    with pytest.raises(InvalidInputError, match=">= 0"):
        AlertSettings(zeros=-1)
    with pytest.raises(InvalidInputError, match="number or None"):
        AlertSettings(zeros="x")


def test_messages_read_well():
    (alert,) = column_alerts(_column(null_count=30, null_ratio=0.3, non_null_count=70))
    assert (alert.kind, alert.severity, alert.message, alert.value) == (
        "high_null_ratio",
        "warning",
        "30 of 100 values (30.0%) are null",
        0.3,
    )
    (alert,) = column_alerts(_number(distribution=DistributionStats(skewness=2.9395)))
    assert alert.message == "skewness 2.9395 (long right tail)"
    year = _column(
        kind="integer",
        inferred_type=DataType.CATEGORICAL,
        is_constant=True,
        distinct_count=1,
        integer_code="year",
        top_values=(tp.ValueFrequency(2013, 100, 1.0),),
    )
    (alert,) = column_alerts(year)
    assert alert.message == "every non-null value is the same: 2013"  # a code: no separator


def test_outliers_exact_from_frequencies():
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.integers(40, 100, 2000), [0, 1, 300, 500, 500]])
    c = tp.profile(pa.table({"x": x}), top_n=5)["x"]
    q1, q3 = np.percentile(x, [25, 75])
    k = AlertSettings().outliers
    expected = int(((x < q1 - k * (q3 - q1)) | (x > q3 + k * (q3 - q1))).sum())
    assert expected > 0
    (alert,) = [a for a in tp.profile(pa.table({"x": x})).alerts if a.kind == "outliers"]
    assert alert.value["method"] == "exact" and alert.value["count"] == expected
    assert alert.value["low_fence"] == pytest.approx(q1 - k * (q3 - q1))
    assert c.inferred_type == DataType.INTEGER


def test_outliers_bounded_from_the_histogram():
    # more distinct values than finalize returns: the count is bounded from the histogram's bins
    # (each within its stated count error)
    rng = np.random.default_rng(4)
    # past 65,536 values: the histogram comes from the KLL sketch, with its count error
    x = np.concatenate([rng.normal(0, 1, 100_000), rng.normal(40, 0.5, 3_000)])
    p = tp.profile(pa.table({"x": x}))
    (alert,) = [a for a in p.alerts if a.kind == "outliers"]
    q1, q3 = p["x"].percentiles["p25"], p["x"].percentiles["p75"]
    lo, hi = q1 - 3 * (q3 - q1), q3 + 3 * (q3 - q1)
    truth = int(((x < lo) | (x > hi)).sum())
    assert alert.value["method"] == "histogram"
    assert alert.value["count_min"] <= truth <= alert.value["count_max"]
    assert "from the histogram" in alert.message
    # too few outliers for the sketch's bound: no alert rather than a guess
    few = np.concatenate([rng.normal(0, 1, 100_000), rng.normal(40, 0.5, 30)])
    assert "outliers" not in [a.kind for a in tp.profile(pa.table({"x": few})).alerts]


def test_outliers_need_a_spread():
    c = _number(percentiles={"p25": 1.0, "p75": 1.0}, histogram=Histogram((0, 1, 2), (5, 5)))
    assert "outliers" not in _kinds(c)


def test_imbalance_from_every_count():
    values = ["a"] * 970 + ["b"] * 20 + ["c"] * 10
    p = tp.profile(pa.table({"s": values, "even": ["x", "y"] * 500}))
    (alert,) = [a for a in p.alerts if a.kind == "imbalance"]
    shares = np.array([970, 20, 10]) / 1000
    expected = 1 - float(-(shares * np.log(shares)).sum() / math.log(3))
    assert alert.column == "s" and alert.value == pytest.approx(expected, abs=1e-4)
    assert "'a'" not in alert.message and "a holds 97.0%" in alert.message


def test_duplicates_and_correlations():
    assert duplicate_alerts(0, 0.0, "exact") == []
    (alert,) = duplicate_alerts(5, 0.05, "exact")
    assert (alert.column, alert.kind, alert.severity) == (None, "duplicates", "warning")
    # an estimate must clear the threshold by three standard errors
    assert duplicate_alerts(10, 0.01, "hyperloglog", relative_error=0.008) == []
    assert len(duplicate_alerts(100, 0.1, "hyperloglog", relative_error=0.008)) == 1
    assert duplicate_alerts(None, None, "unknown") == []
    (alert,) = correlation_alerts([("a", "b", 0.95), ("a", "c", 0.2), ("b", "c", -0.93)][:2])
    assert (alert.column, alert.kind, alert.value) == ("a", "high_correlation", 0.95)
    assert len(correlation_alerts([("b", "c", -0.93)])) == 1
    assert correlation_alerts([("b", "c", -0.93)], AlertSettings(high_correlation=None)) == []


def test_fail_on_matches_severities_and_kinds():
    alerts = [
        Alert("a", "zeros", "info", "m"),
        Alert("b", "constant", "warning", "m"),
        Alert("c", "all_null", "error", "m"),
    ]
    assert [a.kind for a in select_alerts(alerts, parse_fail_on("warning"))] == [
        "constant",
        "all_null",
    ]
    assert [a.kind for a in select_alerts(alerts, parse_fail_on("error"))] == ["all_null"]
    assert [a.kind for a in select_alerts(alerts, parse_fail_on("zeros, error"))] == [
        "zeros",
        "all_null",
    ]
    assert len(select_alerts(alerts, parse_fail_on("info"))) == 3
    for bad in ("", "warn", "warning,nope"):
        with pytest.raises(InvalidInputError, match="--fail-on"):
            parse_fail_on(bad)


def test_from_a_real_profile():
    p = tp.profile(
        pa.table(
            {
                "constant": ["x"] * 50,
                "float": [float("nan"), float("inf")] + [1.0 + i for i in range(48)],
                "sparse": [None] * 40 + [1, 2] * 5,
                "empty": pa.array([None] * 50, pa.int64()),
            }
        )
    )
    by_column = {}
    for a in p.alerts:
        by_column.setdefault(a.column, []).append(a.kind)
    assert by_column["constant"] == ["constant"]
    assert set(by_column["float"]) == {"nan", "infinite"}
    assert by_column["sparse"] == ["high_null_ratio"]
    assert by_column["empty"] == ["all_null"]
    assert column_alerts(replace(p["sparse"], row_count=0)) == []


def test_invalid_utf8_from_a_real_profile():
    bad = pa.array([b"\xff\xfe", b"ok", b"ok"], pa.binary()).view(pa.string())
    (alert,) = [a for a in tp.profile(pa.table({"bad": bad})).alerts if a.column == "bad"]
    assert (alert.kind, alert.severity, alert.message) == (
        "invalid_utf8",
        "error",
        "1 value is not valid UTF-8",
    )


@pytest.fixture(scope="module")
def flagged():
    rng = np.random.default_rng(9)
    n = 2_000
    return pa.table(
        {
            "id": np.arange(n),
            "delay": np.round(rng.lognormal(1, 1.2, n), 1),
            "sparse": pa.array(rng.normal(size=n), mask=rng.random(n) < 0.4),
            "one": ["x"] * n,
        }
    )


def test_alerts_survive_json_save_load_and_merge(flagged, tmp_path):
    whole = tp.profile(flagged)
    assert {a.kind for a in whole.alerts} >= {"unique", "skewed", "high_null_ratio", "constant"}
    again = tp.TableProfile.from_json(whole.to_json())
    assert again.alerts == whole.alerts
    assert json.loads(whole.to_json())["alerts"] == [a.to_dict() for a in whole.alerts]
    half = flagged.num_rows // 2
    tp.profile(flagged.slice(0, half)).save(tmp_path / "first.json")
    merged = tp.TableProfile.load(tmp_path / "first.json").merge(tp.profile(flagged.slice(half)))
    assert [(a.column, a.kind) for a in merged.alerts] == [(a.column, a.kind) for a in whole.alerts]
    exact = [a for a in whole.alerts if a.kind in ("constant", "unique", "high_null_ratio")]
    for a in exact:
        assert a in merged.alerts


def test_thresholds_are_profile_settings_and_survive_merge(flagged, tmp_path):
    quiet = tp.profile(flagged, alerts={"skewed": None, "constant": None})
    assert not {"skewed", "constant"} & {a.kind for a in quiet.alerts}
    quiet.save(tmp_path / "quiet.json")
    merged = tp.TableProfile.load(tmp_path / "quiet.json").merge(quiet)
    assert not {"skewed", "constant"} & {a.kind for a in merged.alerts}
    assert merged.settings["alerts"]["skewed"] is None
