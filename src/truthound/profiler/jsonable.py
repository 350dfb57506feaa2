"""Values as JSON: dates and times as ISO text, decimals as text, bytes as hex, NaN and
infinities as text. Shared by the model and the modules below it."""

from __future__ import annotations

from typing import Any

__all__ = ["_jsonable", "_jsonable_tree"]


def _jsonable_tree(v: Any) -> Any:
    """:func:`_jsonable` through lists and dicts."""
    if isinstance(v, dict):
        return {str(k): _jsonable_tree(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable_tree(x) for x in v]
    return _jsonable(v)


def _jsonable(v: Any) -> Any:
    """Values as JSON: dates and times as ISO text, decimals as text, bytes as hex."""
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            return repr(v)  # JSON has no NaN/inf; "nan", "inf", "-inf"
        return v
    if isinstance(v, bytes):
        return v.hex()
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if hasattr(v, "total_seconds"):
        return str(v)
    return str(v)
