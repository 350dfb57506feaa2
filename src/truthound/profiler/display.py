"""How values read to people, in every output (console, HTML, alert messages): numbers with
thousands separators except where an integer is a code (a year, a clock time, a zip code, a key),
percentages, data values as plain text, and the order of values tied on a count (by value, then by
type for mixed values)."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

__all__ = [
    "DASH",
    "clip",
    "count",
    "is_code",
    "number",
    "order_key",
    "percent",
    "show",
]

DASH = "—"


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 1] + "…"


def is_code(column: Any) -> bool:
    """Whether the numbers of ``column`` (a ColumnProfile) are codes, shown without thousands
    separators: an integer code (year, HHMM time, zip code), a key or a category."""
    if getattr(column, "integer_code", None):
        return True
    inferred = getattr(getattr(column, "inferred_type", None), "value", None)
    return inferred in ("identifier", "categorical")


def _code(x: float | Decimal) -> str:
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float) and x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}" if isinstance(x, float) else str(x)


def _float(x: float) -> str:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == 0:
        return "0"
    mag = abs(x)
    if mag >= 1e15 or mag < 1e-4:
        return f"{x:.4g}".replace("e+", "e")
    if x == int(x):
        return f"{int(x):,}"
    # six significant digits, trailing zeros dropped
    decimals = max(0, 5 - math.floor(math.log10(mag)))
    return f"{x:,.{decimals}f}".rstrip("0").rstrip(".")


def number(v: Any, code: bool = False) -> str:
    """A number for people: thousands separators, six significant digits; NaN and ±∞ by name.
    ``code``: an integer code (``2013``, ``1545``), no separators. Strings (a profile loaded from
    JSON writes NaN as ``"nan"``) pass through."""
    if v is None:
        return DASH
    if isinstance(v, bool):
        return "true" if v else "false"
    if code and isinstance(v, (int, float, Decimal)) and not _special(v):
        return _code(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return _float(v)
    if isinstance(v, str):
        return {"nan": "NaN", "inf": "∞", "-inf": "−∞"}.get(v, v)
    return show(v)


def _special(v: Any) -> bool:
    return isinstance(v, float) and not math.isfinite(v)


def count(n: Any) -> str:
    """A count with thousands separators (rounded when estimated); ``—`` when unknown."""
    if n is None:
        return DASH
    if isinstance(n, float) and math.isfinite(n):
        return f"{round(n):,}"
    return number(n)


def percent(ratio: Any) -> str:
    """A ratio in [0, 1] as a percentage: ``0%``, ``<0.1%``, ``12.3%``, ``>99.9%``, ``100%``."""
    if ratio is None or isinstance(ratio, str):
        return DASH if ratio is None else ratio
    r = float(ratio)
    if math.isnan(r):
        return DASH
    if r <= 0:
        return "0%"
    if r >= 1:
        return "100%"
    if r < 0.001:
        return "<0.1%"
    if r > 0.999:
        return ">99.9%"
    return f"{r * 100:.1f}%"


def show(v: Any, code: bool = False) -> str:
    """Any value from the data as plain text (not escaped): numbers formatted (``code``: without
    separators), dates as ISO 8601, bytes as hex, strings as they are."""
    if v is None:
        return DASH
    if isinstance(v, (bool, int, float)) or (code and isinstance(v, Decimal)):
        return number(v, code)
    if isinstance(v, (datetime, date, time)):
        return v.isoformat()
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).hex()
    return str(v)


_TEMPORAL = (datetime, date, time, timedelta)


def order_key(v: Any) -> tuple:
    """A sort key that orders values by value, and values of different types by type: booleans,
    numbers (NaN after +∞), strings, bytes, dates and times (each type apart), anything else as
    text, null last. Used for ties: values with equal counts are listed in this order."""
    if v is None:
        return (9, "", 0)
    if isinstance(v, bool):
        return (0, "", int(v))
    if isinstance(v, (int, float, Decimal)):
        if isinstance(v, float) and math.isnan(v):
            return (1, "nan", 0)
        return (1, "", v)
    if isinstance(v, str):
        return (2, "", v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return (3, "", bytes(v))
    if isinstance(v, _TEMPORAL):
        # naive and aware datetimes do not compare: keep them apart
        aware = isinstance(v, (datetime, time)) and v.tzinfo is not None
        return (4, f"{type(v).__name__}{'+tz' if aware else ''}", v)
    return (5, type(v).__name__, str(v))
