"""The result of comparing two profiles: :class:`ProfileComparison` and its
:class:`ColumnComparison` entries. JSON field names are stable (pipelines rely on them): see
docs/user-guide.md, "Compare profiles"."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from truthound.profiler.comparison.drift import Drift
from truthound.profiler.model import behaviour
from truthound.profiler.comparison.settings import CompareSettings

__all__ = ["COMPARISON_SCHEMA_VERSION", "ColumnComparison", "ProfileComparison", "change_types"]

COMPARISON_SCHEMA_VERSION = "1.0.0"

ADDED, REMOVED, CHANGED, UNCHANGED = "added", "removed", "changed", "unchanged"


def change_types(change: dict[str, Any]) -> str:
    """The types of a ``schema_changes`` entry as text: ``int64 → string`` for a type change,
    the one type of an added or removed column."""
    if change["change"] == "type_changed":
        return f"{change['baseline_type']} → {change['current_type']}"
    return change.get("current_type") or change.get("baseline_type") or ""


@dataclass(frozen=True)
class ColumnComparison:
    """One column of a comparison.

    ``status`` is ``added`` or ``removed`` when the column is on one side only, ``changed`` when
    its type changed or a drift check fired (values or null share), else ``unchanged``.
    ``deltas`` maps a statistic to ``{"baseline", "current", "difference"}`` (differences of
    dates and times in seconds). ``new_values`` / ``missing_values`` (categorical columns) are
    values one side's exact frequency table holds and the other's lacks, commonest first, at most
    ``CompareSettings.listed_values`` of them; ``None`` when the other side's table is not exact
    (a sketch cannot say a value is absent).
    """

    name: str
    status: str
    kind: str | None
    baseline_type: str | None
    current_type: str | None
    deltas: dict[str, dict[str, Any]] = field(default_factory=dict)
    drift: Drift | None = None
    null_drift: Drift | None = None
    new_values: list[dict[str, Any]] | None = None
    missing_values: list[dict[str, Any]] | None = None
    new_value_count: int | None = None
    missing_value_count: int | None = None
    histogram: dict[str, Any] | None = None
    categories: list[dict[str, Any]] | None = None

    @property
    def drifted(self) -> bool:
        return bool(
            (self.drift is not None and self.drift.drifted)
            or (self.null_drift is not None and self.null_drift.drifted)
        )

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "status": self.status,
            "kind": self.kind,
            "baseline_type": self.baseline_type,
            "current_type": self.current_type,
            "deltas": self.deltas,
            "new_values": self.new_values,
            "missing_values": self.missing_values,
            "new_value_count": self.new_value_count,
            "missing_value_count": self.missing_value_count,
            "drift": self.drift.to_dict() if self.drift is not None else None,
            "null_drift": self.null_drift.to_dict() if self.null_drift is not None else None,
        }
        if self.histogram is not None:
            d["histogram"] = self.histogram
        if self.categories is not None:
            d["categories"] = self.categories
        return d


@dataclass(frozen=True)
class ProfileComparison:
    """Two profiles compared: schema changes, one entry per column, the drifted columns and a
    summary.

    Examples
    --------
    >>> import pyarrow as pa, truthound.profiler as tp
    >>> a = tp.profile(pa.table({"x": list(range(2000)), "s": ["a", "b"] * 1000}))
    >>> b = tp.profile(pa.table({"x": [v + 1500 for v in range(2000)], "t": [1.0] * 2000}))
    >>> c = tp.compare(a, b)
    >>> c.drifted_columns, [(s["column"], s["change"]) for s in c.schema_changes]
    (['x'], [('s', 'removed'), ('t', 'added')])
    """

    baseline: dict[str, Any]
    current: dict[str, Any]
    settings: CompareSettings
    schema_changes: list[dict[str, Any]]
    columns: tuple[ColumnComparison, ...]
    summary: dict[str, Any]

    @property
    def drifted_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.drifted]

    @property
    def dataset_drift(self) -> bool:
        return bool(self.summary["dataset_drift"])

    def __getitem__(self, name: str) -> ColumnComparison:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"no column named {name!r} in the comparison")

    def to_dict(self) -> dict[str, Any]:
        return {
            "comparison_schema_version": COMPARISON_SCHEMA_VERSION,
            "baseline": self.baseline,
            "current": self.current,
            "settings": self.settings.to_dict(),
            "schema_changes": self.schema_changes,
            "columns": [c.to_dict() for c in self.columns],
            "drifted_columns": self.drifted_columns,
            "summary": self.summary,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_html(self, path: str | Path | None = None) -> str:
        """The self-contained side-by-side HTML report; also written to ``path`` when given."""
        html = behaviour("render_comparison_html")(self)
        if path is not None:
            Path(path).write_text(html, encoding="utf-8")
        return html
