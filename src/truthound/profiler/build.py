"""From the engine's finalized statistics (plain dicts from ``_core.finalize``) to the model."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from truthound.profiler.inference import infer_type, suggest_validators
from truthound.profiler.model import (
    ColumnProfile,
    DataType,
    DistributionStats,
    Histogram,
    PatternMatch,
    TableProfile,
    ValueFrequency,
)

__all__ = ["build_table_profile", "PERCENTILE_POINTS"]

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


def _timezone(name: str) -> dt.tzinfo | None:
    if not name:
        return None
    if name in ("UTC", "utc", "Z", "+00:00"):
        return dt.timezone.utc
    if name[0] in "+-" and len(name) == 6:
        sign = 1 if name[0] == "+" else -1
        return dt.timezone(sign * dt.timedelta(hours=int(name[1:3]), minutes=int(name[4:6])))
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # an unknown zone name: show UTC rather than fail the whole profile
        return dt.timezone.utc


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
                return (
                    naive.replace(tzinfo=dt.timezone.utc).astimezone(self.tz) if self.tz else naive
                )
            if kind == "time":
                micros = round(v * _UNIT_MICROS[self.unit]) if self.unit != "ns" else int(v) // 1000
                return (dt.datetime.min + dt.timedelta(microseconds=micros)).time()
            if kind == "duration":
                micros = round(v * _UNIT_MICROS[self.unit]) if self.unit != "ns" else int(v) // 1000
                return dt.timedelta(microseconds=micros)
        except (OverflowError, ValueError):
            return v  # outside Python's datetime range: keep the raw number
        if kind == "decimal" and isinstance(v, int):
            return Decimal(v).scaleb(-self.scale)
        return v


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


def _column(c: dict[str, Any]) -> ColumnProfile:
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
            min=_number(value(c["min"])),
            max=_number(value(c["max"])),
            median=percentiles.get("p50"),
            q1=percentiles.get("p25"),
            q3=percentiles.get("p75"),
            skewness=moments["skewness"],
            kurtosis=moments["kurtosis"],
            sum=moments["sum"],
            variance=moments["variance"],
        )
        if kind == "decimal":
            distribution = DistributionStats(
                **{
                    **distribution.to_dict(),
                    "min": float(value(c["min"])),
                    "max": float(value(c["max"])),
                }
            )

    histogram = None
    h = c.get("histogram")
    if h is not None:
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

    def frequencies(items: list) -> tuple[ValueFrequency, ...]:
        return tuple(
            ValueFrequency(value(v), n, n / non_null if non_null else 0.0) for v, n, _ in items
        )

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
        top_values=frequencies(c.get("top_values", ())),
        bottom_values=frequencies(c.get("bottom_values", ())),
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
        distinct_count_method="exact" if distinct_exact else "hyperloglog",
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
    inferred = infer_type(column, _physical_type_to_data_type(kind), pattern_type)
    from dataclasses import replace

    column = replace(column, inferred_type=inferred)
    return replace(column, suggested_validators=suggest_validators(column))


def _number(v: Any) -> Any:
    return float(v) if isinstance(v, Decimal) else v


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
    """Assemble a :class:`TableProfile` from ``_core.finalize`` output."""
    columns = tuple(_column(c) for c in stats["columns"])
    rows = stats["rows"]
    duplicates = stats["duplicate_rows"]
    return TableProfile(
        name=name,
        row_count=rows,
        column_count=len(columns),
        estimated_memory_bytes=stats["estimated_memory_bytes"],
        columns=columns,
        duplicate_row_count=duplicates,
        duplicate_row_ratio=(duplicates / rows if rows else 0.0)
        if duplicates is not None
        else None,
        source=source,
        duplicate_row_count_is_exact=duplicates is not None and stats["duplicates_exact"],
        duplicate_row_method=(
            "unknown"
            if duplicates is None
            else "exact"
            if stats["duplicates_exact"]
            else "hyperloglog"
        ),
        backend=backend,
        partition_strategy=partition_strategy,
        unit_count=stats["units"],
        partial=partial,
        settings=dict(settings or {}),
    )
