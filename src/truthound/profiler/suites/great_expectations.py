"""The suggested validators as a Great Expectations 1.x expectation suite (JSON): ``{name,
expectations: [{type, kwargs, meta}], meta}``, what ``gx.ExpectationSuite(**suite)`` takes and
``ExpectationSuite.to_json_dict()`` writes. Written without importing great_expectations."""

from __future__ import annotations

import math
from typing import Any

from truthound.profiler.model import ColumnProfile, DataType, TableProfile
from truthound.profiler.suites.rules import Rule, column_rules

__all__ = ["gx_suite"]

# the patterns whose regex stands for an inferred type (the engine's pattern names)
_TYPE_PATTERNS = {
    DataType.EMAIL: ("email",),
    DataType.URL: ("url",),
    DataType.UUID: ("uuid",),
    DataType.IP_ADDRESS: ("ipv4", "ipv6"),
    DataType.PHONE: ("phone",),
}


def _mostly(ratio: float) -> float | None:
    """``mostly`` for a share below 1, rounded down to two places (never above the data)."""
    return None if ratio >= 1 else math.floor(ratio * 100) / 100


def _regex(column: ColumnProfile) -> tuple[str, float] | None:
    names = _TYPE_PATTERNS.get(column.inferred_type, ())
    found = [p for p in column.detected_patterns if p.pattern in names]
    if not found:
        return None
    best = max(found, key=lambda p: p.match_ratio)
    return best.regex, best.match_ratio


def _expectation(rule: Rule, column: ColumnProfile) -> dict[str, Any] | None:
    kwargs: dict[str, Any] = {"column": rule.column}
    p = rule.params
    v = rule.validator
    if v == "NotNullValidator":
        kind = "expect_column_values_to_not_be_null"
    elif v == "CompletenessRatioValidator":
        kind = "expect_column_values_to_not_be_null"
        kwargs["mostly"] = p["min_ratio"]
    elif v == "UniqueValidator":
        kind = "expect_column_values_to_be_unique"
    elif v == "UniqueRatioValidator":
        kind = "expect_column_proportion_of_unique_values_to_be_between"
        kwargs["min_value"] = p["min_ratio"]
    elif v == "RangeValidator":
        kind = "expect_column_values_to_be_between"
        kwargs.update(min_value=p["min_value"], max_value=p["max_value"])
    elif v == "DateRangeValidator":
        kind = "expect_column_values_to_be_between"
        kwargs.update(min_value=p["min_date"], max_value=p["max_date"])
    elif v == "LengthValidator":
        kind = "expect_column_value_lengths_to_be_between"
        kwargs.update(min_value=p["min_length"], max_value=p["max_length"])
    elif v == "InSetValidator":
        kind = "expect_column_values_to_be_in_set"
        kwargs["value_set"] = list(p["allowed_values"])
    elif v == "JsonValidator":
        kind = "expect_column_values_to_be_json_parseable"
    else:
        found = _regex(column)
        if found is None:
            return None
        kind = "expect_column_values_to_match_regex"
        kwargs["regex"] = found[0]
        mostly = _mostly(found[1])
        if mostly is not None:
            kwargs["mostly"] = mostly
    return {"type": kind, "kwargs": kwargs, "meta": {"truthound_validator": v}}


def gx_suite(profile: TableProfile, name: str | None = None) -> dict[str, Any]:
    """The expectation suite of ``profile``: the table's columns in order, then each suggested
    validator as the expectation that checks the same thing."""
    expectations: list[dict[str, Any]] = [
        {
            "type": "expect_table_columns_to_match_ordered_list",
            "kwargs": {"column_list": profile.column_names},
            "meta": {},
        }
    ]
    for column in profile.columns:
        for rule in column_rules(column):
            e = _expectation(rule, column)
            if e is not None:
                expectations.append(e)
    return {
        "name": name or f"{profile.name or 'profile'} suite",
        "expectations": expectations,
        "meta": {"generated_by": "truthound profiler", "profile_row_count": profile.row_count},
    }
