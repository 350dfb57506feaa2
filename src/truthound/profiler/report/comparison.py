"""The side-by-side HTML report of a :class:`~truthound.profiler.ProfileComparison`.

Same style and offline rules as the profile report: one file, stylesheet, script and SVG
inline, a Content-Security-Policy that forbids loading anything. A header with both sides and
the schema changes, an overview of every column that sorts and filters, and per column its
histograms overlaid (or its categories paired), the deltas, new and vanished values and the
drift checks with their method, error and noise.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from truthound.profiler.comparison import ColumnComparison, ProfileComparison
from truthound.profiler.comparison.drift import Drift
from truthound.profiler.comparison.model import change_types
from truthound.profiler.model import register
from truthound.profiler.report import comparison_charts as charts
from truthound.profiler.report.format import DASH, clip, count, esc, number, percent, show
from truthound.profiler.report.page import _asset, _csp

__all__ = ["render_comparison_html"]

OPEN_SECTIONS_UP_TO = 20
# Drawn per column (the JSON keeps more): categories paired, new and vanished values listed.
_CATEGORIES_DRAWN = 12
_VALUES_LISTED = 20
_METRICS = {
    "wasserstein": "Wasserstein / σ",
    "jensen_shannon": "Jensen–Shannon",
    "ks": "KS p-value",
    "chi_squared": "χ² p-value",
    "cohens_h": "Cohen's h",
}
_DELTA_LABELS = {
    "row_count": "rows",
    "null_ratio": "null ratio",
    "distinct_count": "distinct",
}
_EPOCH = dt.datetime(1970, 1, 1)


def _v(x: Any) -> str:
    return esc(number(x)) if x is not None else f'<span class="mu">{DASH}</span>'


def _score(x: Any) -> str:
    if x is None:
        return DASH
    if isinstance(x, str):
        return number(x)
    return f"{x:.3g}" if x == 0 or abs(x) >= 0.001 else f"{x:.2e}"


def _sort(x: Any) -> str:
    return repr(float(x)) if isinstance(x, (int, float)) and not isinstance(x, bool) else "NaN"


def _status(status: str) -> str:
    return f'<span class="st {esc(status)}">{esc(status.replace("_", " "))}</span>'


def _edge_label(x: float, unit: str) -> str:
    try:
        if unit.startswith("days since"):
            return (_EPOCH + dt.timedelta(days=x)).date().isoformat()
        if unit.startswith("seconds since 1970"):
            return (_EPOCH + dt.timedelta(seconds=x)).isoformat(sep=" ", timespec="seconds")
        if unit == "seconds since midnight":
            return str(dt.timedelta(seconds=round(x)))
    except (OverflowError, ValueError):
        pass
    return number(x)


def _histogram_figure(c: ColumnComparison) -> str:
    h = c.histogram
    if not h:
        return ""
    edges, unit = h["edges"], h["edge_unit"]
    labels = [
        f"{_edge_label(edges[i], unit)} – {_edge_label(edges[i + 1], unit)}"
        for i in range(len(edges) - 1)
    ]
    if h.get("clipped"):
        labels[0] = "≤ " + labels[0].split(" – ")[1]
        labels[-1] = "≥ " + labels[-1].split(" – ")[0]
    low, high = _edge_label(edges[0], unit), _edge_label(edges[-1], unit)
    if h.get("clipped"):
        low, high = "≤ " + low, "≥ " + high
    svg = charts.overlaid_histograms(labels, h["baseline"], h["current"])
    how = "" if h["method"] == "exact" else " · ≈ from the quantile sketch"
    if h.get("clipped"):
        how += " · central 99 %, tails in the end bins"
    return (
        f'<figure class="chart"><figcaption>Distribution · {len(labels)} common bins{esc(how)}'
        '<span class="legend"><span><i class="b"></i>baseline</span>'
        '<span><i class="c"></i>current</span></span></figcaption>'
        f'<div class="plot">{svg}</div><div class="axis"><span>{esc(low)}</span>'
        f"<span>{esc(high)}</span></div></figure>"
    )


def _value_html(v: Any) -> str:
    if v is None:
        return '<span class="mu">null</span>'
    if v == "":
        return '<span class="mu">(empty)</span>'
    text = show(v)
    short = clip(text, 40)
    title = f' title="{esc(clip(text, 1000))}"' if short != text else ""
    return f'<span class="v"{title}>{esc(short)}</span>'


def _categories_figure(c: ColumnComparison) -> str:
    if not c.categories:
        return ""
    rows = [
        (_value_html(x["value"]), x["baseline_share"], x["current_share"])
        for x in c.categories[:_CATEGORIES_DRAWN]
    ]
    return (
        '<figure class="chart"><figcaption>Commonest values · share of non-null'
        '<span class="legend"><span><i class="b"></i>baseline</span>'
        '<span><i class="c" style="background:var(--cur);border:0"></i>current</span></span>'
        f"</figcaption>{charts.paired_bars(rows)}</figure>"
    )


def _values_list(title: str, values: list[dict[str, Any]] | None, total: int | None) -> str:
    if values is None:
        return (
            f'<h4>{esc(title)}</h4><p class="mu">unknown: the other side\'s frequencies are a '
            "sketch, which cannot say a value is absent</p>"
        )
    if not values:
        return f'<h4>{esc(title)}</h4><p class="mu">none</p>'
    items = "".join(
        f'<li>{_value_html(x["value"])} <span class="mu">{esc(count(x["count"]))}</span></li>'
        for x in values
    )
    more = (
        f'<p class="mu">and {total - len(values):,} more</p>'
        if total and total > len(values)
        else ""
    )
    return f"<h4>{esc(title)} · {esc(count(total))}</h4><ul>{items}</ul>{more}"


def _delta_class(key: str, diff: Any, c: ColumnComparison) -> str:
    if key == "null_ratio" and c.null_drift is not None and c.null_drift.drifted:
        return ' class="up"'
    return ""


def _deltas_table(c: ColumnComparison) -> str:
    rows = []
    for key, d in c.deltas.items():
        if d["baseline"] is None and d["current"] is None:
            continue
        label = _DELTA_LABELS.get(key, key)
        if key == "null_ratio":
            cells = [percent(d["baseline"]), percent(d["current"])]
            diff = d["difference"]
            diff_text = f"{diff * 100:+.1f} pt" if isinstance(diff, (int, float)) else DASH
            cells_html = "".join(f"<td>{esc(x)}</td>" for x in cells)
            rows.append(
                f"<tr><td>{esc(label)}</td>{cells_html}"
                f"<td{_delta_class(key, diff, c)}>{esc(diff_text)}</td></tr>"
            )
            continue
        diff = d["difference"]
        diff_html = _v(diff) if not isinstance(diff, (int, float)) or diff <= 0 else "+" + _v(diff)
        rows.append(
            f"<tr><td>{esc(label)}</td><td>{_v(d['baseline'])}</td><td>{_v(d['current'])}</td>"
            f"<td>{diff_html}</td></tr>"
        )
    unit = ""
    if c.kind in ("date", "timestamp", "time", "duration"):
        unit = '<p class="note mu">differences of dates and times in seconds</p>'
    return (
        '<div class="block"><table class="deltas"><thead><tr><th>statistic</th><th>baseline</th>'
        f"<th>current</th><th>difference</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"{unit}</div>"
    )


def _drift_facts(title: str, d: Drift | None) -> str:
    if d is None:
        return ""
    if d.metric is None:
        return f'<div class="facts"><h4>{esc(title)}</h4><p class="mu">{esc(d.method)}</p></div>'
    rows = [
        ("measure", esc(_METRICS.get(d.metric, d.metric))),
        ("score", f"<strong>{esc(_score(d.score))}</strong>"),
        ("threshold", esc(_score(d.threshold))),
        ("drifted", "yes" if d.drifted else "no"),
    ]
    if d.error:
        rows.append(
            (
                "error",
                f'<span class="ax" title="bound from the sketches">± {esc(_score(d.error))}</span>',
            )
        )
    if d.noise is not None:
        rows.append(
            (
                "noise",
                f'<span title="expected score without drift at these sizes">{esc(_score(d.noise))}</span>',
            )
        )
    for k, v in d.extra.items():
        rows.append((k, esc(_score(v))))
    body = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows)
    return (
        f'<div class="facts"><h4>{esc(title)}</h4><dl>{body}</dl>'
        f'<p class="note mu">{esc(d.method)}</p></div>'
    )


def _section(i: int, c: ColumnComparison, open_: bool) -> str:
    d = c.drift
    score = (
        f"{esc(_METRICS.get(d.metric, d.metric))} {esc(_score(d.score))}"
        if d is not None and d.metric
        else ""
    )
    types = esc(clip(c.baseline_type or DASH, 30)) + " → " + esc(clip(c.current_type or DASH, 30))
    summary = (
        f'<summary><span class="nm" title="{esc(clip(c.name, 1000))}">{esc(clip(c.name, 80))}</span>'
        f'<code class="ty">{types}</code>{_status(c.status)}<span class="sm">{score}</span></summary>'
    )
    figures = _histogram_figure(c) + _categories_figure(c)
    if not figures:
        figures = '<p class="mu">No values to chart on both sides.</p>'
    values = ""
    if c.categories is not None:
        values = (
            '<div class="vals">'
            + _values_list("New values", c.new_values, c.new_value_count)
            + _values_list("Vanished values", c.missing_values, c.missing_value_count)
            + "</div>"
        )
    facts = _drift_facts("Value drift", c.drift) + _drift_facts("Null share", c.null_drift)
    return (
        f'<details class="col" id="c-{i}"{" open" if open_ else ""}>{summary}<div class="cb">'
        f'<div class="cg"><div class="viz">{figures}{values}</div><div class="fx">{facts}</div>'
        f"</div>{_deltas_table(c)}</div></details>"
    )


def _drift_text(c: ColumnComparison) -> str:
    what = []
    if c.drift is not None and c.drift.drifted:
        what.append("values")
    if c.null_drift is not None and c.null_drift.drifted:
        what.append("null share")
    return " and ".join(what)


def _when(iso: str | None) -> str:
    """A side's profiling time to the second."""
    if not iso:
        return DASH
    try:
        return dt.datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    except ValueError:
        return iso


def _overview_row(i: int, c: ColumnComparison) -> str:
    d = c.drift
    metric = _METRICS.get(d.metric, d.metric) if d is not None and d.metric else DASH
    score = d.score if d is not None else None
    ratio = (
        score / d.threshold
        if d is not None
        and isinstance(score, (int, float))
        and d.threshold
        and d.metric not in ("ks", "chi_squared")
        else None
    )
    nulls = c.deltas.get("null_ratio", {})
    null_text = f"{percent(nulls.get('baseline'))} → {percent(nulls.get('current'))}"
    search = " ".join(
        [c.name, c.status, c.kind or "", metric, "drifted" if c.drifted else ""]
    ).lower()
    err = f" ± {_score(d.error)}" if d is not None and d.error else ""
    return (
        f'<tr data-i="{i}" data-s="{esc(search)}" data-w="{1 if c.drifted else 0}">'
        f'<td class="num mu" data-v="{i}">{i + 1}</td>'
        f'<td class="cn"><a href="#c-{i}" title="{esc(clip(c.name, 1000))}">{esc(clip(c.name, 48))}</a></td>'
        f"<td>{_status(c.status)}</td><td>{esc(c.kind or DASH)}</td><td>{esc(metric)}</td>"
        f'<td class="num{" hi" if c.drifted else ""}" data-v="{_sort(ratio if ratio is not None else score)}">'
        f"{esc(_score(score))}{esc(err)}</td>"
        f'<td class="num mu">{esc(_score(d.threshold)) if d is not None and d.threshold is not None else DASH}</td>'
        f'<td data-v="{_sort(nulls.get("difference"))}">{esc(null_text)}</td>'
        f'<td class="mu">{esc(_drift_text(c))}</td></tr>'
    )


def _overview(comparison: ProfileComparison) -> str:
    head = (
        '<tr><th class="num" data-sort="num" aria-sort="ascending">#</th>'
        '<th data-sort="text">Column</th><th data-sort="text">Status</th>'
        '<th data-sort="text">Kind</th><th data-sort="text">Measure</th>'
        '<th class="num" data-sort="num" title="sorts by score / threshold">Score</th>'
        '<th class="num">Threshold</th><th data-sort="num">Null ratio</th><th>Drift</th></tr>'
    )
    rows = "".join(_overview_row(i, c) for i, c in enumerate(comparison.columns))
    n = len(comparison.columns)
    return (
        '<section id="overview"><div class="bar"><h2>Columns</h2>'
        '<input id="q" type="search" placeholder="Filter by name, status or measure" '
        'aria-label="Filter columns" autocomplete="off" spellcheck="false">'
        '<label class="tg"><input id="wo" type="checkbox"> drifted only</label>'
        f'<span id="shown" class="mu">{n:,} of {n:,} columns</span>'
        '<span class="sp"></span><button type="button" id="ex">Expand all</button>'
        '<button type="button" id="co">Collapse all</button></div>'
        f'<div class="tw"><table id="ov" class="cmp"><thead>{head}</thead><tbody>{rows}</tbody>'
        '</table></div><p id="none" class="mu" hidden>No column matches.</p></section>'
    )


def _header(comparison: ProfileComparison) -> str:
    a, b, s = comparison.baseline, comparison.current, comparison.summary
    title = f"{a['source'] or a['name'] or 'baseline'} → {b['source'] or b['name'] or 'current'}"
    cards = [
        ("Baseline rows", esc(count(a["row_count"])), a["source"] or a["name"]),
        ("Current rows", esc(count(b["row_count"])), b["source"] or b["name"]),
        ("Columns compared", esc(count(s["columns_compared"])), ""),
        (
            "Drifted",
            f"{esc(count(s['columns_drifted']))}<small>{esc(percent(s['drifted_share']))} of compared</small>",
            "",
        ),
        (
            "Dataset drift",
            ("yes" if s["dataset_drift"] else "no")
            + f"<small>at {esc(percent(s['drift_share_threshold']))} drifted</small>",
            "",
        ),
        ("Schema changes", esc(count(len(comparison.schema_changes))), ""),
    ]
    card_html = "".join(
        f'<div title="{esc(clip(str(tip), 300))}"><dt>{esc(k)}</dt><dd>{v}</dd></div>'
        for k, v, tip in cards
    )
    index = {c.name: i for i, c in enumerate(comparison.columns)}
    schema = ""
    if comparison.schema_changes:
        links = []
        for ch in comparison.schema_changes:
            kind, what = ch["change"], change_types(ch)
            i = index.get(ch["column"])
            href = f' href="#c-{i}"' if i is not None else ""
            links.append(
                f'<a class="fl"{href}><strong>{esc(clip(ch["column"], 32))}</strong>'
                f'{_status(kind)}<span class="mu">{esc(clip(what, 40))}</span></a>'
            )
        schema = f'<div class="schema"><h3>Schema changes</h3>{"".join(links)}</div>'
    drifted = [c for c in comparison.columns if c.drifted]
    flags = ""
    if drifted:
        links = "".join(
            f'<a class="fl" href="#c-{index[c.name]}"><strong>{esc(clip(c.name, 32))}</strong>'
            f'<span class="chip warn">{esc(_score(c.drift.score) if c.drift and c.drift.drifted else "null share")}</span></a>'
            for c in drifted[:12]
        )
        more = (
            f'<span class="mu">and {len(drifted) - 12:,} more</span>' if len(drifted) > 12 else ""
        )
        flags = f'<div class="flags"><h3>Drifted columns</h3>{links}{more}</div>'
    return (
        '<header class="top"><div class="wrap"><p class="brand">truthound comparison</p>'
        f'<h1 title="{esc(clip(title, 1000))}">{esc(clip(title, 140))}</h1>'
        f'<p class="sub">Baseline profiled {esc(_when(a["profiled_at"]))} · current profiled '
        f'{esc(_when(b["profiled_at"]))}</p><dl class="cards">{card_html}</dl>{schema}{flags}'
        "</div></header>"
    )


def _footer(comparison: ProfileComparison, version: str) -> str:
    s = comparison.settings.to_dict()
    items = "".join(f"<dt>{esc(k)}</dt><dd><code>{esc(show(v))}</code></dd>" for k, v in s.items())
    return (
        '<footer><div class="wrap"><details class="settings"><summary>Settings</summary>'
        f"<dl>{items}</dl></details><p>Generated by truthound {esc(version)} · this page is "
        "self-contained and makes no network requests · noise is the score two samples of one "
        "distribution would have at these sizes; a distance drifted when √(score² − noise²) "
        "(corrected) exceeds its threshold, a p-value when it is below · ± and error are bounds "
        "from the sketches.</p></div></footer>"
    )


@register("render_comparison_html")
def render_comparison_html(comparison: ProfileComparison) -> str:
    """The comparison as one self-contained HTML document."""
    if not isinstance(comparison, ProfileComparison):
        raise TypeError(f"expected a ProfileComparison, got {type(comparison).__name__}")
    from truthound import __version__

    open_ = len(comparison.columns) <= OPEN_SECTIONS_UP_TO
    sections = "".join(_section(i, c, open_) for i, c in enumerate(comparison.columns))
    script = _asset("report.js")  # the profile report's: filter, sort, open sections
    a, b = comparison.baseline, comparison.current
    title = f"{a['source'] or a['name']} → {b['source'] or b['name']}"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(_csp(script))}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<meta name="generator" content="truthound {esc(__version__)}">'
        f"<title>{esc(clip(title, 120))} · truthound comparison</title>"
        '<link rel="icon" href="data:,">'
        f"<style>{_asset('report.css')}{_asset('comparison.css')}</style></head><body>"
        f'{_header(comparison)}<main class="wrap">{_overview(comparison)}'
        f'<section id="columns"><h2>Column details</h2>{sections}</section></main>'
        f"{_footer(comparison, __version__)}<script>{script}</script></body></html>\n"
    )
