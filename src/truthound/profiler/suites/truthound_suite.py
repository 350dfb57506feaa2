"""The suggested validators as a truthound validation suite: the JSON that truthound's
``save_suite(suite, path, "json")`` writes and ``load_suite(path)`` reads
(``truthound.profiler.generators.suite_generator``): ``{name, rules: [{name, validator_class,
category, parameters, columns, confidence, description, rationale, mostly}], source_profile,
strictness, metadata, summary}``."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from truthound.profiler.errors import InvalidInputError
from truthound.profiler.model import TableProfile
from truthound.profiler.suites.rules import Rule, profile_rules

__all__ = ["CATEGORIES", "CONFIDENCES", "STRICTNESSES", "read_truthound_suite", "truthound_suite"]

# truthound's RuleCategory, RuleConfidence and Strictness values
CATEGORIES = (
    "schema",
    "completeness",
    "uniqueness",
    "format",
    "distribution",
    "pattern",
    "temporal",
    "relationship",
    "anomaly",
)
CONFIDENCES = ("low", "medium", "high")
STRICTNESSES = ("loose", "medium", "strict")

_CATEGORY = {
    "NotNullValidator": "completeness",
    "CompletenessRatioValidator": "completeness",
    "UniqueValidator": "uniqueness",
    "UniqueRatioValidator": "uniqueness",
    "RangeValidator": "distribution",
    "InSetValidator": "distribution",
    "DateRangeValidator": "temporal",
    "LengthValidator": "format",
}


def _snake(name: str) -> str:
    base = name.removesuffix("Validator")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", base).lower()


def _rule_dict(rule: Rule, profile: TableProfile) -> dict[str, Any]:
    column = profile.get(rule.column)
    estimated = column is not None and not column.distinct_count_is_exact
    confidence = "medium" if rule.validator == "UniqueValidator" and estimated else "high"
    args = ", ".join(f"{k}={v!r}" for k, v in rule.params.items())
    return {
        "name": f"{_snake(rule.validator)}_{rule.column}",
        "validator_class": rule.validator,
        "category": _CATEGORY.get(rule.validator, "format"),
        "parameters": dict(rule.params),
        "columns": [rule.column],
        "confidence": confidence,
        "description": f"{rule.validator}({args}) on column {rule.column!r}",
        "rationale": (column.type_evidence if column is not None else ""),
        "mostly": None,
    }


def truthound_suite(profile: TableProfile, name: str | None = None) -> dict[str, Any]:
    """The suite of ``profile``'s suggested validators, as a JSON-ready dict."""
    rules = [_rule_dict(r, profile) for r in profile_rules(profile)]
    from truthound import __version__

    return {
        "name": name or f"{profile.name or 'profile'} suite",
        "rules": rules,
        "source_profile": profile.name,
        "strictness": "medium",
        "metadata": {
            "generator": f"truthound profiler {__version__}",
            "profile_row_count": profile.row_count,
            "profile_column_count": profile.column_count,
        },
        "summary": {
            "total_rules": len(rules),
            "by_category": dict(Counter(r["category"] for r in rules)),
            "by_confidence": dict(Counter(r["confidence"] for r in rules)),
        },
    }


def read_truthound_suite(suite: dict[str, Any]) -> list[Rule]:
    """The rules of a suite dict, checked as truthound's ``load_suite`` reads it (its enum
    values, one column per rule as we write them)."""
    if not isinstance(suite, dict) or not isinstance(suite.get("rules"), list):
        raise InvalidInputError("a truthound suite is a JSON object with a list of 'rules'")
    if suite.get("strictness", "medium") not in STRICTNESSES:
        raise InvalidInputError(
            f"suite strictness {suite.get('strictness')!r} is not one of {STRICTNESSES}"
        )
    out = []
    for i, r in enumerate(suite["rules"]):
        missing = [k for k in ("name", "validator_class", "category") if k not in r]
        if missing:
            raise InvalidInputError(f"suite rule {i} lacks {', '.join(missing)}")
        if r["category"] not in CATEGORIES:
            raise InvalidInputError(
                f"suite rule {i}: category {r['category']!r} is not truthound's"
            )
        if r.get("confidence", "medium") not in CONFIDENCES:
            raise InvalidInputError(
                f"suite rule {i}: confidence {r['confidence']!r} is not truthound's"
            )
        columns = r.get("columns", [])
        if len(columns) != 1:
            raise InvalidInputError(f"suite rule {i}: expected one column, got {columns!r}")
        out.append(Rule(columns[0], r["validator_class"], dict(r.get("parameters", {}))))
    return out
