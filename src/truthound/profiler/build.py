"""From the engine's finalized statistics (plain dicts from ``_core.finalize``) to the model."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Context, Decimal
from typing import Any

from truthound import _core
from truthound.profiler.alerts import column_alerts, correlation_alerts, duplicate_alerts
from truthound.profiler.display import order_key
from truthound.profiler.inference import infer_type, suggest_validators
from truthound.profiler.model import (
    Alert,
    ColumnProfile,
    DataType,
    DistributionStats,
    Histogram,
    PatternMatch,
    TableProfile,
    ValueFrequency,
)
from truthound.profiler.relations import correlation_pairs, finalize_relations
from truthound.profiler.settings import AlertSettings

__all__ = ["PERCENTILE_POINTS", "build_table_profile"]

PERCENTILE_POINTS = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
_PERCENTILE_NAMES = {
    0.01: "p1",
    0.05: "p5",
    0.25: "p25",
    0.5: "p50",
    0.75: "p75",
    0.95: "p95",
    0.99: "p99",
}

# Pattern types that say what a string column would parse as.
_PARSED_TYPES = ("integer", "float", "boolean", "date", "datetime", "time")

_EPOCH_DATE = dt.date(1970, 1, 1)
_EPOCH = dt.datetime(1970, 1, 1)
_UNIT_MICROS = {"s": 1_000_000, "ms": 1_000, "us": 1, "ns": 0.001}
# Decimal's default context keeps 28 digits; a decimal128 has up to 38 (and an exact big integer
# read from CSV as many as it has): scale in a context wide enough to keep every one.
_EXACT = Context(prec=100)


def _timezone(name: str) -> dt.tzinfo | None:
    if not name:
        return None
    if name in ("UTC", "utc", "Z", "+00:00"):
        return dt.UTC
    if name[0] in "+-" and len(name) == 6:
        sign = 1 if name[0] == "+" else -1
        return dt.timezone(sign * dt.timedelta(hours=int(name[1:3]), minutes=int(name[4:6])))
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # an unknown zone name: show UTC rather than fail the whole profile
        return dt.UTC


class _Values:
    """Turns engine numbers (days, epoch units, unscaled decimals) into Python values."""

    def __init__(self, column: dict[str, Any]):
        self.kind = column["kind"]
        self.unit = column["unit"]
        self.scale = column["scale"]
        self.tz = _timezone(column["timezone"]) if self.kind == "timestamp" else None

    def __call__(self, v: Any) -> Any:
        if v is None:
            return None
        kind = self.kind
        try:
            if kind == "date":
                return _EPOCH_DATE + dt.timedelta(days=round(v))
            if kind == "timestamp":
                micros = round(v * _UNIT_MICROS[self.unit]) if self.unit != "ns" else int(v) // 1000
                naive = _EPOCH + dt.timedelta(microseconds=micros)
                return naive.replace(tzinfo=dt.UTC).astimezone(self.tz) if self.tz else naive
            if kind == "time":
                micros = round(v * _UNIT_MICROS[self.unit]) if self.unit != "ns" else int(v) // 1000
                return (dt.datetime.min + dt.timedelta(microseconds=micros)).time()
            if kind == "duration":
                micros = round(v * _UNIT_MICROS[self.unit]) if self.unit != "ns" else int(v) // 1000
                return dt.timedelta(microseconds=micros)
        except (OverflowError, ValueError):
            return v  # outside Python's datetime range: keep the raw number
        if kind == "decimal" and isinstance(v, int):
            return Decimal(v).scaleb(-self.scale, _EXACT)
        return v


def _sketch_method(stats: dict[str, Any], method: str | None) -> str:
    """The distinct-count sketch of an estimate: the engine's word for it, else that of the
    partial format (a HASH plan's bucket sum has no counter of its own)."""
    if method and method != "exact":
        return method
    return "hyperloglog" if stats.get("format_version") == 1 else "exaloglog"


def _physical_type_to_data_type(kind: str) -> DataType:
    return {
        "integer": DataType.INTEGER,
        "unsigned": DataType.INTEGER,
        "float": DataType.FLOAT,
        "decimal": DataType.FLOAT,
        "string": DataType.STRING,
        "binary": DataType.STRING,
        "boolean": DataType.BOOLEAN,
        "date": DataType.DATE,
        "timestamp": DataType.DATETIME,
        "time": DataType.TIME,
        "duration": DataType.DURATION,
    }.get(kind, DataType.UNKNOWN)


def _frequencies(
    c: dict[str, Any], value: _Values, non_null: int, top_n: int
) -> tuple[tuple[ValueFrequency, ...], tuple[ValueFrequency, ...], list[tuple[Any, int]] | None]:
    """Top and bottom ``top_n`` values, ties by value (then type), and every distinct value with
    its count when the engine returned them all (exact frequencies, few enough values)."""
    top = [(value(v), n) for v, n, _ in c.get("top_values", ())]
    bottom = [(value(v), n) for v, n, _ in c.get("bottom_values", ())]
    complete = (
        c.get("frequencies_exact", True)
        and c.get("distinct_exact", True)
        and len(top) == c.get("distinct_count", 0)
    )
    if complete:
        every = sorted(top, key=lambda item: (-item[1], order_key(item[0])))
        top, bottom = every[:top_n], sorted(top, key=lambda item: (item[1], order_key(item[0])))
        bottom = bottom[:top_n]
    else:
        # the engine picked which tied values to keep; we order them
        every = None
        top = sorted(top[:top_n], key=lambda item: (-item[1], order_key(item[0])))
        bottom = sorted(bottom[:top_n], key=lambda item: (item[1], order_key(item[0])))

    def freq(items: list[tuple[Any, int]]) -> tuple[ValueFrequency, ...]:
        return tuple(ValueFrequency(v, n, n / non_null if non_null else 0.0) for v, n in items)

    return freq(top), freq(bottom), every


def _implying_pattern(c: dict[str, Any], pattern_type: str | None) -> PatternMatch | None:
    """The reported pattern that implies ``pattern_type`` (the best-matching one)."""
    best = None
    for p in c.get("patterns", ()):
        implies = pattern_type and p.get("data_type") == pattern_type
        if implies and (best is None or p["match_ratio"] > best["match_ratio"]):
            best = p
    if best is None:
        return None
    return PatternMatch(
        best["pattern"],
        best["regex"],
        best["match_ratio"],
        method="exact" if best["exact"] else "sample",
        standard_error=best["standard_error"],
    )


def _column(c: dict[str, Any], top_n: int) -> tuple[ColumnProfile, list[tuple[Any, int]] | None]:
    counts = c["counts"]
    rows, nulls = counts["rows"], counts["nulls"]
    non_null = rows - nulls
    value = _Values(c)
    kind = c["kind"]
    distinct = c.get("distinct_count", 0)
    distinct_exact = c.get("distinct_exact", True)
    unique_ratio = distinct / non_null if non_null else 0.0
    is_unique = non_null > 0 and distinct == non_null and distinct_exact

    percentiles: dict[str, Any] = {}
    for q, v in c.get("quantiles", ()):
        percentiles[_PERCENTILE_NAMES.get(q, f"p{q * 100:g}")] = value(v)
    quantiles_exact = c.get("quantiles_exact", True)

    distribution = None
    moments = c.get("moments")
    if moments is not None and kind in ("integer", "unsigned", "float", "decimal"):
        distribution = DistributionStats(
            mean=moments["mean"],
            std=moments["std"],
            min=value(c["min"]),
            max=value(c["max"]),
            median=percentiles.get("p50"),
            q1=percentiles.get("p25"),
            q3=percentiles.get("p75"),
            skewness=moments["skewness"],
            kurtosis=moments["kurtosis"],
            sum=moments["sum"],
            variance=moments["variance"],
        )

    histogram = None
    h = c.get("histogram")
    if h is not None:
        if "edges" in h:
            edges = tuple(value(e) for e in h["edges"])
        else:
            bins = len(h["counts"])
            lo, hi = h["lo"], h["hi"]
            edges = tuple(
                value(lo + (hi - lo) * i / bins) if bins else value(lo) for i in range(bins + 1)
            )
        histogram = Histogram(
            edges=edges,
            counts=tuple(h["counts"]),
            method="exact" if quantiles_exact else "kll",
            count_error=h["count_error"],
        )

    top_values, bottom_values, values = _frequencies(c, value, non_null, top_n)
    lengths = c.get("lengths")
    temporal = kind in ("date", "timestamp")
    patterns = tuple(
        PatternMatch(
            pattern=p["pattern"],
            regex=p["regex"],
            match_ratio=p["match_ratio"],
            sample_matches=tuple(p["sample_matches"]),
            method="exact" if p["exact"] else "sample",
            standard_error=p["standard_error"],
        )
        for p in c.get("patterns", ())
    )
    pattern_type = c.get("pattern_type") or None
    column = ColumnProfile(
        name=c["name"],
        physical_type=c["physical_type"],
        row_count=rows,
        null_count=nulls,
        null_ratio=nulls / rows if rows else 0.0,
        empty_string_count=counts["empty"],
        distinct_count=distinct,
        unique_ratio=unique_ratio,
        is_unique=is_unique,
        is_constant=distinct <= 1,
        distribution=distribution,
        top_values=top_values,
        bottom_values=bottom_values,
        detected_patterns=patterns,
        parsed_type=pattern_type if pattern_type in _PARSED_TYPES else None,
        min_length=lengths["min_chars"] if lengths else None,
        max_length=lengths["max_chars"] if lengths else None,
        avg_length=lengths["mean_chars"] if lengths else None,
        min_date=value(c["min"]) if temporal else None,
        max_date=value(c["max"]) if temporal else None,
        kind=kind,
        non_null_count=non_null,
        distinct_count_is_exact=distinct_exact,
        distinct_count_method=c.get(
            "distinct_method", "exact" if distinct_exact else "hyperloglog"
        ),
        distinct_count_error=c.get("distinct_error", 0.0),
        min=value(c["min"]),
        max=value(c["max"]),
        whitespace_string_count=counts["whitespace"],
        invalid_utf8_count=counts["invalid_utf8"],
        zero_count=counts["zeros"],
        negative_count=counts["negatives"],
        nan_count=counts["nan"],
        positive_infinity_count=counts["pos_inf"],
        negative_infinity_count=counts["neg_inf"],
        true_count=counts["trues"],
        false_count=counts["falses"],
        percentiles=percentiles,
        quantiles_method=("exact" if quantiles_exact else "kll") if percentiles else None,
        quantiles_rank_error=c.get("quantile_rank_error") if percentiles else None,
        histogram=histogram,
        top_values_method="exact" if c.get("frequencies_exact", True) else "misra_gries",
        top_values_max_error=c.get("frequency_error", 0),
        min_length_bytes=lengths["min_bytes"] if lengths else None,
        max_length_bytes=lengths["max_bytes"] if lengths else None,
        avg_length_bytes=lengths["mean_bytes"] if lengths else None,
        note=c["note"],
    )
    inference = infer_type(
        column,
        _physical_type_to_data_type(kind),
        _implying_pattern(c, pattern_type),
        pattern_type,
        values,
    )
    column = replace(
        column,
        inferred_type=inference.data_type,
        type_evidence=inference.evidence,
        integer_code=inference.integer_code,
    )
    return replace(column, suggested_validators=suggest_validators(column, values)), values


def build_table_profile(
    stats: dict[str, Any],
    *,
    partial: bytes,
    name: str = "",
    source: str = "",
    backend: str = "local",
    partition_strategy: str = "row_based",
    settings: dict[str, Any] | None = None,
) -> TableProfile:
    """Assemble a :class:`TableProfile` from ``_core.finalize`` output, with its alerts.

    ``settings`` (``ProfileSettings.to_dict()``) give ``top_n`` (finalize returns more values:
    type inference and the alerts see them all) and the alert thresholds."""
    settings = dict(settings or {})
    top_n = int(settings.get("top_n", 10))
    alert_settings = AlertSettings.from_value(settings.get("alerts"))
    built = [_column(c, top_n) for c in stats["columns"]]
    columns = tuple(column for column, _ in built)
    rows = stats["rows"]
    duplicates = stats["duplicate_rows"]
    duplicate_ratio = (duplicates / rows if rows else 0.0) if duplicates is not None else None
    duplicate_method = (
        "unknown"
        if duplicates is None
        else "exact"
        if stats["duplicates_exact"]
        else _sketch_method(stats, stats.get("duplicates_method"))
    )
    alerts: list[Alert] = duplicate_alerts(
        duplicates,
        duplicate_ratio,
        duplicate_method,
        alert_settings,
        stats.get("duplicates_error", 0.0),
    )
    correlations, sample = finalize_relations(
        _core.relations(partial) if partial is not None else None,
        stats["columns"],
        int(settings.get("correlation_max_columns", 64)),
    )
    for column, values in built:
        alerts += column_alerts(column, alert_settings, values)
    alerts += correlation_alerts(correlation_pairs(correlations), alert_settings)
    return TableProfile(
        name=name,
        row_count=rows,
        column_count=len(columns),
        estimated_memory_bytes=stats["estimated_memory_bytes"],
        columns=columns,
        duplicate_row_count=duplicates,
        duplicate_row_ratio=duplicate_ratio,
        source=source,
        duplicate_row_count_is_exact=duplicates is not None and stats["duplicates_exact"],
        duplicate_row_method=duplicate_method,
        backend=backend,
        partition_strategy=partition_strategy,
        unit_count=stats["units"],
        alerts=tuple(alerts),
        correlations=correlations,
        sample=sample,
        partial=partial,
        settings=settings,
    )
