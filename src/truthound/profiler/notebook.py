"""``TableProfile._repr_html_``: a compact overview for notebooks (Jupyter, VS Code, Colab):
the table's size, then one row per column with its type, nulls, distinct values, a sparkline and
its alerts. One HTML fragment with a scoped style and no script, so it needs no Jupyter package
and shows the same in any front end; about 500 bytes a column (under 1 MB for 1,000 columns)."""

from __future__ import annotations

from truthound.profiler.model import TableProfile, register
from truthound.profiler.report import charts
from truthound.profiler.report.alerts import column_chips
from truthound.profiler.report.format import clip, count, esc, percent

__all__ = ["overview_html"]

_STYLE = (
    ".th-nb{font:12.5px/1.35 system-ui,sans-serif;color:#18202b;max-width:100%}"
    ".th-nb .th-h{margin:0 0 6px}.th-nb .th-h b{font-size:14px}"
    ".th-nb table{border-collapse:collapse}.th-nb th{text-align:left;color:#768192;font-weight:500;"
    "border-bottom:1px solid #e2e6ec;padding:2px 10px 2px 0}"
    ".th-nb td{padding:2px 10px 2px 0;border-bottom:1px solid #eef1f5;vertical-align:middle}"
    ".th-nb td.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".th-nb .hi{color:#b3261e;font-weight:600}.th-nb .mu{color:#768192}"
    ".th-nb .c{display:inline-block;border-radius:9px;padding:0 7px;margin:1px 3px 1px 0;"
    "font-size:11px;background:#e7edf7;color:#35507a}.th-nb .c.w{background:#fdefd3;color:#8f4a00}"
    ".th-nb svg.spark{width:64px;height:18px;display:block}.th-nb svg.spark path{stroke:#5a84d8;fill:none}"
    ".th-nb svg.spark .s0{fill:#5a84d8}.th-nb svg.spark .s1{fill:#9db6e8}.th-nb svg.spark .bg{fill:#eef1f5}"
    ".th-nb .sc{max-height:540px;overflow:auto}"
)


def _spark(c) -> str:
    if c.histogram is not None and c.histogram.counts:
        return charts.sparkline(c.histogram.counts, "histogram")
    if c.kind == "boolean" and c.row_count > 0:
        return charts.share_bar(
            [(c.true_count, "s0"), (c.false_count, "s1")], c.row_count, "true / false"
        )
    if c.top_values and c.non_null_count > 0:
        parts = [
            (v.count, f"s{i % 2}")
            for i, v in enumerate(c.top_values[:5])
            if isinstance(v.count, (int, float))
        ]
        return charts.share_bar(parts, c.non_null_count, "commonest values")
    return ""


@register("overview_html")
def overview_html(profile: TableProfile) -> str:
    """The notebook view of ``profile`` (see the module docstring)."""
    chips = column_chips(profile)
    rows = []
    for c, alerts in zip(profile.columns, chips):
        shown = "".join(
            f'<span class="c{" w" if a.level == "warn" else ""}" title="{esc(clip(a.detail, 200))}">{esc(a.label)}</span>'
            for a in alerts[:4]
        )
        if len(alerts) > 4:
            shown += f'<span class="mu">+{len(alerts) - 4}</span>'
        null_cls = "n hi" if c.null_ratio >= 0.2 else "n"
        distinct = "" if c.distinct_count is None else count(c.distinct_count)
        rows.append(
            f'<tr><td title="{esc(clip(c.name, 500))}">{esc(clip(c.name, 40))}</td>'
            f"<td>{esc(c.inferred_type.value)}</td>"
            f'<td class="{null_cls}">{esc(percent(c.null_ratio))}</td>'
            f'<td class="n">{esc(distinct)}</td><td>{_spark(c)}</td><td>{shown}</td></tr>'
        )
    table_alerts = [a for a in profile.alerts if a.column is None]
    correlated = sum(a.kind == "high_correlation" for a in profile.alerts)
    facts = [
        f"<b>{esc(clip(profile.name or profile.source or 'table', 80))}</b>",
        f"{count(profile.row_count)} rows",
        f"{count(profile.column_count)} columns",
        f"{count(len(profile.alerts))} alerts",
    ]
    if profile.duplicate_row_count:
        facts.append(f"{count(profile.duplicate_row_count)} duplicate rows")
    if correlated:
        facts.append(f"{count(correlated)} highly correlated pairs")
    extra = "".join(f'<p class="mu">{esc(a.message)}</p>' for a in table_alerts[:3])
    return (
        f'<div class="th-nb"><style>{_STYLE}</style><p class="th-h">{" · ".join(facts)}</p>{extra}'
        '<div class="sc"><table><thead><tr><th>column</th><th>type</th><th>null</th>'
        f"<th>distinct</th><th>distribution</th><th>alerts</th></tr></thead><tbody>{''.join(rows)}"
        '</tbody></table></div><p class="mu">profile.to_html() for the full report</p></div>'
    )
