"""The report's relationship sections: one heatmap per correlation measure (a tooltip per cell),
missing values (nulls per column and the nullity heatmap) and the sample rows. Plain HTML tables
with inline colours: no script, nothing fetched; every label from the data is escaped."""

from __future__ import annotations

import math
from typing import Any

from truthound.profiler.model import TableProfile
from truthound.profiler.report.format import clip, count, esc, percent

__all__ = ["correlations_section", "heatmap", "heatmap_css", "missing_section", "sample_section"]

MEASURES = (
    ("pearson", "Pearson", "exact, over every row where both values are present"),
    ("spearman", "Spearman", "rank correlation of the row sample"),
    ("cramers_v", "Cramér's V", "bias-corrected, of the row sample's categories"),
    (
        "correlation_ratio",
        "Correlation ratio",
        "η of each number (rows) by each category (columns), of the row sample",
    ),
)
SAMPLE_ROWS_SHOWN = 50
TOOLTIP_CELLS_UP_TO = 16  # larger heatmaps get their tooltips from report.js
SAMPLE_COLUMNS_SHOWN = 100
_STEPS = 10  # colour steps each side of 0 (CSS classes p0..p10, n1..n10)
SAMPLE_VALUE_CHARS = 60


def _colour(r: float | None) -> str:
    """The CSS class of a cell: blue steps for positive, red for negative; grey when undefined."""
    if r is None or not isinstance(r, (int, float)) or math.isnan(r):
        return "na"
    step = round(max(-1.0, min(1.0, float(r))) * _STEPS)
    return f"p{step}" if step >= 0 else f"n{-step}"


def heatmap_css() -> str:
    """The colour steps of :func:`heatmap` (report.css has the rest)."""
    rules = []
    for k in range(_STEPS + 1):
        a = k / _STEPS
        rules.append(
            f".hm .p{k}{{background:rgb({round(255 - 190 * a)},{round(255 - 120 * a)},255)}}"
        )
        if k:
            rules.append(
                f".hm .n{k}{{background:rgb(255,{round(255 - 190 * a)},{round(255 - 150 * a)})}}"
            )
    return "".join(rules) + ".hm .na{background:#eee}"


def _fmt(r: Any) -> str:
    return "—" if r is None else f"{r:.3f}"


def heatmap(measure: dict[str, Any], label: str, table_id: str) -> str:
    """A square table of coloured cells; each cell's tooltip names the pair, the value, and how
    it was computed (pairs counted, sample size, error)."""
    names = measure["columns"]
    row_names = measure.get("row_columns", names)  # a rectangular measure names its rows
    square = row_names is names
    matrix = measure["matrix"]
    counts = measure.get("pair_counts")
    errors = measure.get("error")
    short = [esc(clip(n, 18)) for n in row_names]
    head = "".join(
        f'<th class="hh" title="{esc(n)}"><span>{esc(clip(n, 18))}</span></th>' for n in names
    )
    compact = len(names) > TOOLTIP_CELLS_UP_TO or len(row_names) > TOOLTIP_CELLS_UP_TO
    rows = []
    for i, a in enumerate(row_names):
        cells = []
        for j, b in enumerate(names):
            r = matrix[i][j]
            if compact:  # report.js makes the tooltip from the row's data-v
                cells.append(f'<td class="{_colour(r)}"></td>')
                continue
            tip = f"{a} ~ {b}: {_fmt(r)}"
            off_diagonal = not square or i != j
            if counts is not None and off_diagonal:
                tip += f" ({count(counts[i][j])} rows)"
            if errors is not None and off_diagonal and errors[i][j] is not None:
                tip += f" ± {errors[i][j]:.3f}"
            text = _fmt(r) if off_diagonal else ""
            cells.append(f'<td class="{_colour(r)}" title="{esc(tip)}">{text}</td>')
        data = ""
        if compact:
            data = ' data-v="' + ",".join("" if r is None else f"{r:.3f}" for r in matrix[i]) + '"'
        rows.append(f'<tr{data}><th title="{esc(a)}">{short[i]}</th>{"".join(cells)}</tr>')
    return (
        f'<div class="hmw"><table class="hm" id="{table_id}"><thead><tr><th></th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _method_note(measure: dict[str, Any]) -> str:
    if measure.get("method") == "sample":
        note = f"from a sample of {count(measure.get('sample_size', 0))} rows"
        return note + ("; hover for the error" if measure.get("error") else "")
    return "exact"


def correlations_section(profile: TableProfile) -> str:
    corr = profile.correlations or {}
    figures = []
    for key, label, what in MEASURES:
        m = corr.get(key)
        if not m or len(m.get("columns", ())) < 2:
            continue
        figures.append(
            f'<figure class="hmf" id="corr-{key}"><figcaption><strong>{esc(label)}</strong> · {esc(what)} · '
            f'<span class="mu">{esc(_method_note(m))}</span></figcaption>'
            f"{heatmap(m, label, f'hm-{key}')}</figure>"
        )
    if not figures:
        return ""
    return (
        '<section id="correlations"><h2>Correlations</h2>'
        f'<div class="hms">{"".join(figures)}</div></section>'
    )


def missing_section(profile: TableProfile) -> str:
    with_nulls = [c for c in profile.columns if c.null_count]
    if not with_nulls:
        return ""
    top = max(c.null_ratio for c in with_nulls) or 1.0
    bars = "".join(
        f'<tr><td class="cn" title="{esc(c.name)}">{esc(clip(c.name, 40))}</td>'
        f'<td class="num">{esc(count(c.null_count))}</td><td class="num">{esc(percent(c.null_ratio))}</td>'
        f'<td class="nb"><span style="width:{100 * c.null_ratio / top:.1f}%"></span></td></tr>'
        for c in sorted(with_nulls, key=lambda c: -c.null_count)[:200]
    )
    more = (
        f'<p class="mu">{len(with_nulls) - 200:,} more columns with nulls are not shown.</p>'
        if len(with_nulls) > 200
        else ""
    )
    nullity = ""
    m = (profile.correlations or {}).get("nullity")
    if m and len(m.get("columns", ())) >= 2:
        nullity = (
            '<figure class="hmf" id="corr-nullity"><figcaption><strong>Nullity correlation</strong> · '
            "how often columns are null together (1: always together, −1: never) · "
            '<span class="mu">exact</span></figcaption>'
            f"{heatmap(m, 'nullity correlation', 'hm-nullity')}</figure>"
        )
    return (
        '<section id="missing"><h2>Missing values</h2>'
        f'<table class="mini nulls"><thead><tr><th>column</th><th class="num">nulls</th>'
        f'<th class="num">share</th><th></th></tr></thead><tbody>{bars}</tbody></table>{more}'
        f"{nullity}</section>"
    )


def _cell(v: Any) -> str:
    if v is None:
        return '<td class="mu">null</td>'
    text = v.hex() if isinstance(v, bytes) else str(v)
    return f'<td title="{esc(clip(text, 1000))}">{esc(clip(text, SAMPLE_VALUE_CHARS))}</td>'


def sample_section(profile: TableProfile) -> str:
    table = profile.sample
    if table is None or table.num_rows == 0:
        return ""
    shown = table.slice(0, SAMPLE_ROWS_SHOWN)
    names = table.column_names[:SAMPLE_COLUMNS_SHOWN]
    head = "".join(f'<th title="{esc(n)}">{esc(clip(n, 24))}</th>' for n in names)
    columns = [shown.column(n).to_pylist() for n in names]
    body = "".join(
        "<tr>" + "".join(_cell(col[r]) for col in columns) + "</tr>" for r in range(shown.num_rows)
    )
    note = (
        f"{count(shown.num_rows)} of the {count(table.num_rows)} sampled rows: the rows of smallest "
        "seeded hash of their values (in that order), the same for every plan, backend and row order"
    )
    if len(table.column_names) > len(names):
        note += f"; the first {len(names)} of {len(table.column_names)} columns"
    return (
        f'<section id="sample"><h2>Sample rows</h2><p class="mu">{esc(note)}.</p>'
        f'<div class="tw"><table class="mini sample"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div></section>"
    )
