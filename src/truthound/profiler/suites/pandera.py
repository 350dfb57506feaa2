"""The suggested validators as a pandera ``DataFrameSchema`` in pandera's JSON serialization
(``DataFrameSchema.from_json``), column checks in the flat form pandera itself writes:
``{"in_range": {...}, "isin": [...], "str_length": {...}}``. No dtype is pinned: pandas, polars
and Arrow name the same column's type differently."""

from __future__ import annotations

from typing import Any

from truthound.profiler.model import TableProfile
from truthound.profiler.suites.rules import column_rules

__all__ = ["pandera_schema"]


def pandera_schema(profile: TableProfile) -> dict[str, Any]:
    """The pandera schema of ``profile`` as a JSON-ready dict."""
    columns: dict[str, Any] = {}
    for column in profile.columns:
        spec: dict[str, Any] = {"dtype": None, "nullable": column.null_count > 0}
        for rule in column_rules(column):
            p = rule.params
            if rule.validator == "UniqueValidator" and column.null_count <= 1:
                spec["unique"] = True  # pandera counts repeated nulls as duplicates
            elif rule.validator == "RangeValidator":
                spec["in_range"] = {
                    "min_value": p["min_value"],
                    "max_value": p["max_value"],
                    "include_min": True,
                    "include_max": True,
                }
            elif rule.validator == "LengthValidator":
                spec["str_length"] = {"min_value": p["min_length"], "max_value": p["max_length"]}
            elif rule.validator == "InSetValidator":
                spec["isin"] = list(p["allowed_values"])
        columns[column.name] = spec
    return {
        "schema_type": "dataframe",
        "api": "pandas",
        "columns": columns,
        "checks": None,
        "index": None,
        "coerce": False,
        "strict": False,
        "unique": None,
    }
