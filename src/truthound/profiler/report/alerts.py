"""Warnings about a column, from its profile alone: high null ratio, constant, all unique,
skewed, mixed types, invalid UTF-8, NaN and infinities, blank strings, not profiled."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from truthound.profiler.model import ColumnProfile
from truthound.profiler.report.format import clip, count, number, percent, show

__all__ = ["HIGH_NULL_RATIO", "MIXED_MIN_RATIO", "SKEW_LIMIT", "Alert", "column_alerts"]

# A column with at least this share of nulls is flagged.
HIGH_NULL_RATIO = 0.2
# |skewness| above this is flagged (a normal sample's skewness is near 0).
SKEW_LIMIT = 2.0
# A string column whose commonest pattern matches at least this share of values, but not all,
# holds mixed types (e.g. 95% integers and a few words).
MIXED_MIN_RATIO = 0.5
# Kinds whose all-distinct columns may be keys.
_KEY_KINDS = {"integer", "unsigned", "string", "binary"}


@dataclass(frozen=True)
class Alert:
    """One finding: a stable ``key``, a short ``label`` for a chip, a sentence of ``detail``
    and a ``level``: ``"warn"`` (look at it) or ``"info"`` (worth knowing)."""

    key: str
    label: str
    detail: str
    level: str = "warn"


def _finite(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    x = float(v)
    return x if math.isfinite(x) else None


def _plural(n: int, noun: str) -> str:
    """``"1 NaN value"``, ``"3 NaN values"``."""
    return f"{count(n)} {noun}{'' if n == 1 else 's'}"


def column_alerts(c: ColumnProfile) -> list[Alert]:
    """The alerts for one column, most serious first."""
    out: list[Alert] = []
    if c.note:
        out.append(Alert("not_profiled", "not profiled", c.note, "info"))
    if c.row_count <= 0:
        return out
    if c.null_count >= c.row_count:
        out.append(
            Alert("all_null", "all null", f"every value is null ({_plural(c.row_count, 'row')})")
        )
        return out
    if c.null_ratio >= HIGH_NULL_RATIO:
        out.append(
            Alert(
                "nulls",
                f"{percent(c.null_ratio)} null",
                f"{count(c.null_count)} of {count(c.row_count)} values are null",
            )
        )
    if c.is_constant and c.non_null_count > 1:
        only = f": {clip(show(c.top_values[0].value), 60)}" if c.top_values else ""
        out.append(Alert("constant", "constant", f"every non-null value is the same{only}"))
    if c.invalid_utf8_count:
        n = c.invalid_utf8_count
        verb = "is" if n == 1 else "are"
        detail = f"{_plural(n, 'value')} {verb} not valid UTF-8"
        out.append(Alert("invalid_utf8", "invalid UTF-8", detail))
    if c.kind == "string" and c.detected_patterns:
        best = max(c.detected_patterns, key=lambda p: p.match_ratio)
        if MIXED_MIN_RATIO <= best.match_ratio < 1:
            out.append(
                Alert(
                    "mixed",
                    "mixed types",
                    f"{percent(best.match_ratio)} of values match {best.pattern}, the rest do not",
                )
            )
    skew = _finite(c.distribution.skewness) if c.distribution is not None else None
    if skew is not None and abs(skew) > SKEW_LIMIT:
        side = "right" if skew > 0 else "left"
        out.append(Alert("skewed", "skewed", f"skewness {number(skew)} (long {side} tail)"))
    if c.nan_count:
        out.append(Alert("nan", "NaN", _plural(c.nan_count, "NaN value")))
    infinities = c.positive_infinity_count + c.negative_infinity_count
    if infinities:
        out.append(Alert("inf", "±∞", _plural(infinities, "infinite value")))
    # floats and timestamps that never repeat are measurements: their uniqueness says nothing
    if c.is_unique and c.non_null_count > 1 and c.kind in _KEY_KINDS:
        out.append(Alert("unique", "unique", "every non-null value is distinct", "info"))
    blank = c.empty_string_count + c.whitespace_string_count
    if blank:
        out.append(
            Alert(
                "blank",
                "blank strings",
                f"{count(c.empty_string_count)} empty, "
                f"{count(c.whitespace_string_count)} whitespace only",
                "info",
            )
        )
    return out
