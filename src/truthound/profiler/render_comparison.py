"""Console rendering of a ProfileComparison: the two sides, schema changes, then one line per
column with its status, drift score against its threshold and null ratios, within 100 columns."""

from __future__ import annotations

from typing import Any

from truthound.profiler.comparison import ColumnComparison, ProfileComparison
from truthound.profiler.comparison.model import change_types

__all__ = ["render_comparison_console"]

WIDTH = 100
_METRICS = {
    "wasserstein": "W/σ",
    "jensen_shannon": "JS",
    "ks": "KS p",
    "chi_squared": "χ² p",
    "cohens_h": "h",
}


def _fit(line: str) -> str:
    return line if len(line) <= WIDTH else line[: WIDTH - 1] + "…"


def _score(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    return f"{v:.3g}" if abs(v) >= 0.001 or v == 0 else f"{v:.1e}"


def _pct(v: Any) -> str:
    return "-" if not isinstance(v, (int, float)) else f"{v * 100:.1f}%"


def _line(c: ColumnComparison) -> str:
    mark = "!" if c.drifted else " "
    d = c.drift
    if d is None or d.metric is None:
        drift = "-" if d is None else "not compared"
    else:
        err = f" ±{_score(d.error)}" if d.error else ""
        drift = f"{_METRICS.get(d.metric, d.metric)} {_score(d.score)}{err} / {_score(d.threshold)}"
    nulls = c.deltas.get("null_ratio", {})
    null_text = f"{_pct(nulls.get('baseline'))} → {_pct(nulls.get('current'))}"
    extra = ""
    if c.new_value_count:
        extra += f"  +{c.new_value_count} new"
    if c.missing_value_count:
        extra += f"  −{c.missing_value_count} gone"
    name = c.name if len(c.name) <= 28 else c.name[:27] + "…"
    return _fit(f"{mark} {name:<28} {c.status:<9} {drift:<30} nulls {null_text}{extra}")


def render_comparison_console(comparison: ProfileComparison) -> str:
    a, b, s = comparison.baseline, comparison.current, comparison.summary
    lines = [
        _fit(
            f"Baseline  {a['source'] or a['name']}  ({a['row_count']:,} rows × {a['column_count']} columns)"
        ),
        _fit(
            f"Current   {b['source'] or b['name']}  ({b['row_count']:,} rows × {b['column_count']} columns)"
        ),
        (
            f"  {s['columns_drifted']} of {s['columns_compared']} columns drifted "
            f"({s['drifted_share']:.0%}; dataset drift {'yes' if s['dataset_drift'] else 'no'} at "
            f"{s['drift_share_threshold']:.0%})   added {s['columns_added']}   removed "
            f"{s['columns_removed']}   type changed {s['columns_type_changed']}"
        ),
        "",
    ]
    for change in comparison.schema_changes:
        lines.append(_fit(f"  {change['change']:<12} {change['column']}  {change_types(change)}"))
    if comparison.schema_changes:
        lines.append("")
    lines.append(f"  {'column':<28} {'status':<9} {'drift score / threshold':<30} null ratio")
    lines.extend(_line(c) for c in comparison.columns)
    return "\n".join(lines) + "\n"
