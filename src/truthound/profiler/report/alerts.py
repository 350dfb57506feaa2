"""The profile's alerts (``TableProfile.alerts``) as the page shows them: a short chip label per
alert, its sentence in the tooltip, and a level for the colour. The page computes no alert of its
own: a profile loaded from JSON shows the alerts it was saved with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from truthound.profiler.display import number, percent
from truthound.profiler.model import Alert, TableProfile

__all__ = ["Chip", "chips", "column_chips", "table_chips"]

_LABELS = {
    "all_null": "all null",
    "constant": "constant",
    "invalid_utf8": "invalid UTF-8",
    "mixed_types": "mixed types",
    "skewed": "skewed",
    "zeros": "zeros",
    "infinite": "±∞",
    "nan": "NaN",
    "outliers": "outliers",
    "imbalance": "imbalanced",
    "high_cardinality": "high cardinality",
    "unique": "unique",
    "duplicates": "duplicate rows",
    "high_correlation": "correlated",
    "blank_strings": "blank strings",
    "not_profiled": "not profiled",
}


@dataclass(frozen=True)
class Chip:
    """One alert on the page: ``label`` for the chip, ``detail`` (the alert's message),
    ``level`` ``"warn"`` (errors and warnings: look at it) or ``"info"``, and its ``kind``."""

    kind: str
    label: str
    detail: str
    level: str


def _label(a: Alert) -> str:
    if a.kind == "high_null_ratio" and isinstance(a.value, (int, float)):
        return f"{percent(a.value)} null"
    if a.kind == "zeros" and isinstance(a.value, (int, float)):
        return f"{percent(a.value)} zeros"
    if a.kind == "high_correlation" and isinstance(a.value, (int, float)):
        return f"correlated {number(a.value)}"
    return _LABELS.get(a.kind, a.kind.replace("_", " "))


def chips(alerts: Any) -> list[Chip]:
    """Chips of ``alerts`` in their order."""
    return [
        Chip(a.kind, _label(a), a.message, "info" if a.severity == "info" else "warn")
        for a in alerts
    ]


def column_chips(profile: TableProfile) -> list[list[Chip]]:
    """The chips of each column of ``profile``, in column order."""
    by_name: dict[str, list[Alert]] = {}
    for a in profile.alerts:
        if a.column is not None:
            by_name.setdefault(a.column, []).append(a)
    return [chips(by_name.get(c.name, ())) for c in profile.columns]


def table_chips(profile: TableProfile) -> list[Chip]:
    """The chips of the alerts about the whole table (duplicate rows)."""
    return chips(a for a in profile.alerts if a.column is None)
