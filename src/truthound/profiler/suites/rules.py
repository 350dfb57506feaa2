"""The suggested validators of a profile as data: ``RangeValidator(min_value=1, max_value=12)`` on
column ``month`` becomes ``Rule("month", "RangeValidator", {"min_value": 1, "max_value": 12})``.

``ColumnProfile.suggested_validators`` holds truthound's spelling, a Python call with literal
keyword arguments; it is read with :mod:`ast` (never evaluated), so a saved profile exports too.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from truthound.profiler.errors import InvalidInputError
from truthound.profiler.model import ColumnProfile, TableProfile

__all__ = ["Rule", "column_rules", "parse_validator", "profile_rules"]


@dataclass(frozen=True)
class Rule:
    """One validator on one column: truthound's class name and its keyword arguments."""

    column: str
    validator: str
    params: dict[str, Any] = field(default_factory=dict)


def parse_validator(text: str) -> tuple[str, dict[str, Any]]:
    """``"RangeValidator(min_value=1, max_value=12)"`` → ``("RangeValidator", {...})``."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        node = None
    if (
        not isinstance(node, ast.Call)
        or not isinstance(node.func, ast.Name)
        or node.args
        or any(k.arg is None for k in node.keywords)
    ):
        raise InvalidInputError(
            f"suggested validator {text!r} is not a call with keyword arguments, "
            "such as RangeValidator(min_value=1, max_value=12)"
        )
    try:
        params = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
    except ValueError:
        raise InvalidInputError(
            f"suggested validator {text!r} has an argument that is not a literal"
        ) from None
    return node.func.id, params


def column_rules(column: ColumnProfile) -> list[Rule]:
    """The rules of one column, in the order of its ``suggested_validators``."""
    out = []
    for text in column.suggested_validators:
        try:
            name, params = parse_validator(text)
        except InvalidInputError as exc:
            raise InvalidInputError(f"column {column.name!r}: {exc}") from None
        out.append(Rule(column.name, name, params))
    return out


def profile_rules(profile: TableProfile) -> list[Rule]:
    """Every column's rules, in column order."""
    return [rule for column in profile.columns for rule in column_rules(column)]
