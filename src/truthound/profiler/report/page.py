"""The report page: a header, an overview table of all columns and a collapsible section per
column, as one HTML string with the stylesheet and script inline.

Built from a :class:`TableProfile` alone; a profile loaded from JSON (values as strings) renders
too. Every text from the profile goes through :func:`esc`; the script reads what it needs from
the DOM (``data-*`` attributes), never from generated JavaScript.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

from truthound.profiler.display import is_code
from truthound.profiler.model import SCHEMA_VERSION, ColumnProfile, TableProfile
from truthound.profiler.report import charts
from truthound.profiler.report.alerts import Chip, column_chips, table_chips
from truthound.profiler.report.format import (
    DASH,
    approx_html,
    clip,
    count,
    duration,
    esc,
    method_name,
    number,
    percent,
    show,
    size_bytes,
    timestamp,
    value_html,
)
from truthound.profiler.report.relations import (
    correlations_section,
    heatmap_css,
    missing_section,
    sample_section,
)

__all__ = ["OPEN_SECTIONS_UP_TO", "render_page"]

# Profiles with at most this many columns open every column section; larger ones start closed.
OPEN_SECTIONS_UP_TO = 20
# Header alert chips shown before "and N more".
_HEADER_ALERTS = 12
_NUMERIC_KINDS = {"integer", "unsigned", "float", "decimal"}
# Top values are drawn for histogram columns only when there are this few distinct values.
_FEW_DISTINCT = 20


@cache
def _asset(name: str) -> str:
    return (
        resources.files("truthound.profiler.report")
        .joinpath("assets", name)
        .read_text(encoding="utf-8")
    )


def _hll_error(profile: TableProfile) -> float:
    """The duplicate-row estimate's relative standard error: the engine's own figure when the
    profile has it, else that of the sketch its settings imply (ExaLogLog for ``ell_precision``,
    HyperLogLog for profiles of format 1, which only carry ``hll_precision``)."""
    stated = getattr(profile, "duplicate_row_error", None)
    if stated:
        return float(stated)
    settings = profile.settings if isinstance(profile.settings, dict) else {}
    if "ell_precision" in settings:
        return 0.3524 / math.sqrt(2 ** int(settings["ell_precision"]))
    return 1.04 / math.sqrt(2 ** int(settings.get("hll_precision", 14)))


# ---------------------------------------------------------------------------------------------
# approximate figures


def _is_approx(method: Any) -> bool:
    return method not in (None, "exact")


def _distinct_html(c: ColumnProfile) -> str:
    text = count(c.distinct_count)
    if c.distinct_count_is_exact and not _is_approx(c.distinct_count_method):
        return text
    err = c.distinct_count_error
    bound = (
        f", relative standard error ±{percent(err)}"
        if isinstance(err, (int, float)) and err
        else ""
    )
    return approx_html(text, f"{method_name(c.distinct_count_method)} estimate{bound}")


def _quantile_note(c: ColumnProfile) -> str:
    err = c.quantiles_rank_error
    bound = (
        f": each value's rank is within ±{percent(err)} of the requested rank"
        if isinstance(err, (int, float))
        else ""
    )
    return f"{method_name(c.quantiles_method)} estimate{bound}"


def _quantile_html(c: ColumnProfile, v: Any) -> str:
    text = _value(c, v, 28)
    # the bound is on the list (one tooltip for all); each value still says it is an estimate
    return f"≈&#8239;{text}" if _is_approx(c.quantiles_method) else text


def _top_note(c: ColumnProfile) -> str:
    low = count(c.top_values_max_error)
    return f"{method_name(c.top_values_method)}: each count may be low by at most {low}"


# ---------------------------------------------------------------------------------------------
# small pieces


def _chips(alerts: Iterable[Chip]) -> str:
    return "".join(
        f'<span class="chip {a.level}" data-kind="{esc(a.kind)}" title="{esc(a.detail)}">'
        f"{esc(a.label)}</span>"
        for a in alerts
    )


def _facts(title: str, rows: list[tuple[str, str]], note: str = "", approx: str = "") -> str:
    """A titled list of (label, value HTML) rows; labels are ours (escaped anyway). ``approx``
    (plain text) marks every value as an estimate with that bound."""
    if not rows:
        return ""
    body = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows)
    attrs = f' class="ax" title="{esc(approx)}"' if approx else ""
    tail = f'<p class="note">{note}</p>' if note else ""
    return f'<div class="facts"><h4>{esc(title)}</h4><dl{attrs}>{body}</dl>{tail}</div>'


def _value(c: ColumnProfile, v: Any, width: int = 48) -> str:
    """A value of column ``c`` as HTML; a loaded profile's ``"nan"``, ``"inf"`` and ``"-inf"``
    of a numeric column read as the numbers they stand for."""
    if isinstance(v, str) and c.kind in _NUMERIC_KINDS and v in ("nan", "inf", "-inf"):
        v = float(v)
    return value_html(v, width, code=is_code(c))


def _num_html(v: Any, code: bool = False) -> str:
    return esc(number(v, code)) if v is not None else f'<span class="mu">{DASH}</span>'


def _with_ratio(n: int, ratio: float) -> str:
    return f'{esc(count(n))} <span class="mu">{esc(percent(ratio))}</span>'


_FRACTION = re.compile(r"^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d)\.\d+")


def _edge(v: Any, code: bool = False) -> str:
    """A bin edge as text; timestamps to the second (edges fall between values anyway); codes
    without thousands separators."""
    return _FRACTION.sub(r"\1", show(v, code))


def _bin_labels(edges: tuple[Any, ...], n: int, code: bool = False) -> list[str]:
    labels = []
    for i in range(n):
        a = _edge(edges[i], code) if i < len(edges) else "?"
        b = _edge(edges[i + 1], code) if i + 1 < len(edges) else "?"
        labels.append(f"{a} – {b}")
    return labels


# ---------------------------------------------------------------------------------------------
# charts of one column


def _box(c: ColumnProfile) -> str:
    """The percentiles as a box plot under a numeric column's histogram, on its x scale."""
    h = c.histogram
    if c.kind not in _NUMERIC_KINDS or h is None or len(h.edges) < 2:
        return ""
    nums = {
        k: v for k, v in c.percentiles.items() if isinstance(v, (int, float)) and math.isfinite(v)
    }
    lo, hi = h.edges[0], h.edges[-1]
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (lo, hi)):
        return ""
    approx = "≈ " if _is_approx(c.quantiles_method) else ""
    names = (("p5", "p5"), ("p25", "p25"), ("median", "p50"), ("p75", "p75"), ("p95", "p95"))
    code = is_code(c)
    label = approx + " · ".join(f"{name} {number(nums.get(key), code)}" for name, key in names)
    return charts.box(float(lo), float(hi), nums, label)


def _histogram_figure(c: ColumnProfile) -> str:
    h = c.histogram
    if h is None or not h.counts:
        return ""
    approx = _is_approx(h.method) or bool(h.count_error)
    bound = f"± {count(h.count_error)}" if approx else ""
    code = is_code(c)
    svg = charts.histogram(_bin_labels(h.edges, len(h.counts), code), h.counts, bound)
    top = max((float(x) for x in h.counts if isinstance(x, (int, float))), default=0)
    caption = f"Histogram · {len(h.counts)} equal-width bins"
    note = ""
    if approx:
        source = method_name(h.method)
        within = count(h.count_error)
        note = approx_html(
            f"counts {esc(bound)}",
            f"Bin counts estimated from the {source}: each within ± {within} of the truth",
        )
    svg += _box(c)
    lo = f"<span>{esc(_edge(h.edges[0], code))}</span>" if h.edges else ""
    hi = f"<span>{esc(_edge(h.edges[-1], code))}</span>" if h.edges else ""
    return (
        f'<figure class="chart"><figcaption>{caption}<span>{note}</span></figcaption>'
        f'<div class="plot"><span class="ymax">{esc(count(top))}</span>{svg}</div>'
        f'<div class="axis">{lo}{hi}</div></figure>'
    )


def _bars(
    rows: list[tuple[str, Any, float | None]],
    approx_note: str = "",
    other: tuple[Any, bool] | None = None,
) -> str:
    """Horizontal bars: (value HTML, count, ratio) rows; each bar's length relative to the
    largest count. ``other`` adds a muted row for the values not listed."""
    top = max((float(n) for _, n, _ in rows if isinstance(n, (int, float))), default=0) or 1
    items = []
    for label, n, ratio in rows:
        w = 100 * float(n) / top if isinstance(n, (int, float)) else 0
        shown = esc(count(n))
        if approx_note:
            shown = approx_html(shown, approx_note)
        pct = f'<span class="bp">{esc(percent(ratio))}</span>' if ratio is not None else ""
        items.append(
            f'<li style="--w:{w:.1f}%"><span class="bl">{label}</span>'
            f'<span class="bn">{shown}</span>{pct}</li>'
        )
    if other is not None:
        n, approx = other
        shown = esc(count(n))
        if approx:
            shown = approx_html(shown, approx_note)
        items.append(
            '<li class="other"><span class="bl">other values</span>'
            f'<span class="bn">{shown}</span></li>'
        )
    return f'<ol class="bars">{"".join(items)}</ol>'


def _top_values_figure(c: ColumnProfile) -> str:
    if not c.top_values:
        return ""
    approx = _is_approx(c.top_values_method)
    note = _top_note(c) if approx else ""
    every_count_one = all(v.count == 1 for v in c.top_values)
    if every_count_one and c.distinct_count > len(c.top_values):
        samples = ", ".join(_value(c, v.value, 24) for v in c.top_values[:5])
        return (
            '<figure class="chart"><figcaption>Sample values</figcaption>'
            f'<p class="sample">No value repeats among the commonest; e.g. {samples}, …</p>'
            "</figure>"
        )
    rows = [(_value(c, v.value), v.count, v.ratio) for v in c.top_values]
    listed = sum(v.count for v in c.top_values if isinstance(v.count, (int, float)))
    rest = c.non_null_count - listed
    other = (rest, approx) if rest > 0 else None
    caption = f"Most common values · {len(c.top_values)} of {esc(count(c.distinct_count))}"
    if approx:
        caption += f"<span>{approx_html('counts', note)}</span>"
    bars = _bars(rows, note, other)
    figure = f'<figure class="chart"><figcaption>{caption}</figcaption>{bars}</figure>'
    bottom = [v for v in c.bottom_values if v.value not in {t.value for t in c.top_values}]
    if bottom and not every_count_one:
        rare = ", ".join(
            f'{_value(c, v.value, 24)} <span class="mu">{esc(count(v.count))}</span>'
            for v in bottom[:5]
        )
        figure += f'<p class="sample">Least common: {rare}</p>'
    return figure


def _boolean_figure(c: ColumnProfile) -> str:
    if c.kind != "boolean" or c.row_count <= 0:
        return ""
    rows = [
        ('<span class="v">true</span>', c.true_count, c.true_count / c.row_count),
        ('<span class="v">false</span>', c.false_count, c.false_count / c.row_count),
    ]
    if c.null_count:
        rows.append(('<span class="mu">null</span>', c.null_count, c.null_ratio))
    return f'<figure class="chart"><figcaption>Values</figcaption>{_bars(rows)}</figure>'


def _sparkline(c: ColumnProfile) -> str:
    if c.histogram is not None and c.histogram.counts:
        return charts.sparkline(c.histogram.counts, f"histogram of {c.name}")
    if c.kind == "boolean" and c.row_count > 0:
        return charts.share_bar(
            [(c.true_count, "s0"), (c.false_count, "s1")], c.row_count, "true / false share"
        )
    if c.top_values and c.non_null_count > 0:
        parts = [
            (v.count, f"s{i % 2}")
            for i, v in enumerate(c.top_values)
            if isinstance(v.count, (int, float))
        ]
        return charts.share_bar(parts, c.non_null_count, "share of the most common values")
    return ""


# ---------------------------------------------------------------------------------------------
# one column


def _counts_facts(c: ColumnProfile) -> str:
    rows = [
        ("rows", esc(count(c.row_count))),
        ("non-null", esc(count(c.non_null_count))),
        ("null", _with_ratio(c.null_count, c.null_ratio)),
        ("distinct", f'{_distinct_html(c)} <span class="mu">{esc(percent(c.unique_ratio))}</span>'),
    ]
    specials = [
        ("empty strings", c.empty_string_count),
        ("whitespace only", c.whitespace_string_count),
        ("invalid UTF-8", c.invalid_utf8_count),
        ("zeros", c.zero_count),
        ("negative", c.negative_count),
        ("NaN", c.nan_count),
        ("+∞", c.positive_infinity_count),
        ("−∞", c.negative_infinity_count),
    ]
    if c.kind == "boolean":
        specials = [("true", c.true_count), ("false", c.false_count)]
    rows += [(label, esc(count(n))) for label, n in specials if n or c.kind == "boolean"]
    return _facts("Counts", rows)


def _range_facts(c: ColumnProfile) -> str:
    rows = []
    if c.min is not None or c.max is not None:
        rows += [("min", _value(c, c.min, 30)), ("max", _value(c, c.max, 30))]
    if c.min_date is not None and c.date_gaps:
        rows.append(("date gaps", esc(count(c.date_gaps))))
    return _facts("Range", rows)


def _moment_facts(c: ColumnProfile) -> str:
    d = c.distribution
    if d is None:
        return ""
    pairs = [
        ("mean", d.mean),
        ("std", d.std),
        ("variance", d.variance),
        ("skewness", d.skewness),
        ("kurtosis", d.kurtosis),
        ("sum", d.sum),
    ]
    # the mean of codes is in the codes' units (a year): shown as they are
    code = is_code(c)
    rows = [(k, _num_html(v, code and k == "mean")) for k, v in pairs if v is not None]
    return _facts("Moments", rows)


def _percentile_facts(c: ColumnProfile) -> str:
    if not c.percentiles:
        return ""
    rows = [(k, _quantile_html(c, v)) for k, v in c.percentiles.items()]
    if not _is_approx(c.quantiles_method):
        return _facts("Percentiles", rows)
    err = c.quantiles_rank_error
    bound = f", rank error ± {percent(err)}" if isinstance(err, (int, float)) else ""
    note = approx_html(esc(f"{method_name(c.quantiles_method)}{bound}"), _quantile_note(c))
    return _facts("Percentiles", rows, note, approx=_quantile_note(c))


def _mean_length(v: Any) -> str:
    return (
        f"{v:,.2f}".rstrip("0").rstrip(".")
        if isinstance(v, float) and math.isfinite(v)
        else _num_html(v)
    )


def _length_facts(c: ColumnProfile) -> str:
    if c.min_length is None:
        return ""
    rows = [
        ("min chars", esc(count(c.min_length))),
        ("mean chars", _mean_length(c.avg_length)),
        ("max chars", esc(count(c.max_length))),
    ]
    if c.min_length_bytes is not None and (
        c.max_length_bytes != c.max_length or c.min_length_bytes != c.min_length
    ):
        rows += [
            ("min bytes", esc(count(c.min_length_bytes))),
            ("mean bytes", _mean_length(c.avg_length_bytes)),
            ("max bytes", esc(count(c.max_length_bytes))),
        ]
    return _facts("Length", rows)


def _patterns(c: ColumnProfile) -> str:
    if not c.detected_patterns:
        return ""
    rows = []
    for p in c.detected_patterns:
        samples = (
            ", ".join(value_html(s, 32) for s in p.sample_matches[:5])
            or f'<span class="mu">{DASH}</span>'
        )
        regex = f'<code title="{esc(clip(p.regex, 1000))}">{esc(clip(p.regex, 48))}</code>'
        rows.append(
            f'<tr><td>{esc(p.pattern)}</td><td class="num">{esc(percent(p.match_ratio))}</td>'
            f"<td>{regex}</td><td>{samples}</td></tr>"
        )
    head = (
        '<tr><th>pattern</th><th class="num">match</th><th>regex</th><th>sample matches</th></tr>'
    )
    return (
        '<div class="block"><h4>Detected patterns</h4><table class="mini">'
        f"<thead>{head}</thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _validators(c: ColumnProfile) -> str:
    if not c.suggested_validators:
        return ""
    items = "".join(f"<li><code>{esc(v)}</code></li>" for v in c.suggested_validators)
    return f'<div class="block"><h4>Suggested validators</h4><ul class="code">{items}</ul></div>'


def _type_name(c: ColumnProfile) -> str:
    """``integer``, or with its code: ``integer · hhmm``."""
    code = f" · {c.integer_code}" if c.integer_code else ""
    return f"{c.inferred_type.value}{code}"


def _column_section(i: int, c: ColumnProfile, alerts: list[Chip], open_: bool) -> str:
    summary = (
        f'<summary><span class="nm" title="{esc(clip(c.name, 1000))}">'
        f"{esc(clip(c.name, 80))}</span>"
        f'<code class="ty">{esc(clip(c.physical_type, 40))}</code>'
        f'<span class="it" title="{esc(c.type_evidence)}">{esc(_type_name(c))}</span>'
        f"{_chips(alerts)}"
        f'<span class="sm">{esc(percent(c.null_ratio))} null · {_distinct_html(c)} distinct</span>'
        "</summary>"
    )
    alert_list = ""
    if alerts:
        items = "".join(
            f'<li class="{a.level}" data-kind="{esc(a.kind)}"><strong>{esc(a.label)}</strong> '
            f"{esc(a.detail)}</li>"
            for a in alerts
        )
        alert_list = f'<ul class="alerts">{items}</ul>'
    figures = _histogram_figure(c) + _boolean_figure(c)
    if c.kind != "boolean" and (not c.histogram or c.distinct_count <= _FEW_DISTINCT):
        figures += _top_values_figure(c)
    if not figures:
        figures = f'<p class="mu">{esc(c.note) if c.note else "No values to chart."}</p>'
    facts = (
        _counts_facts(c)
        + _range_facts(c)
        + _moment_facts(c)
        + _percentile_facts(c)
        + _length_facts(c)
    )
    return (
        f'<details class="col" id="c-{i}"{" open" if open_ else ""}>{summary}'
        f'<div class="cb">{alert_list}<div class="cg"><div class="viz">{figures}</div>'
        f'<div class="fx">{facts}</div></div>{_patterns(c)}{_validators(c)}</div></details>'
    )


# ---------------------------------------------------------------------------------------------
# overview


def _sort_key(v: Any) -> str:
    """A number for the overview's sort (``data-v``); NaN sorts last."""
    return repr(float(v)) if isinstance(v, (int, float)) else "NaN"


def _overview_row(i: int, c: ColumnProfile, alerts: list[Chip]) -> str:
    search = " ".join(
        [c.name, c.physical_type, c.inferred_type.value, c.kind, *(a.label for a in alerts)]
    ).lower()
    warns = sum(a.level == "warn" for a in alerts)
    many_nulls = any(a.kind in ("high_null_ratio", "all_null") for a in alerts)
    null_cls = ' class="num hi"' if many_nulls else ' class="num"'
    name = f'<a href="#c-{i}" title="{esc(clip(c.name, 1000))}">{esc(clip(c.name, 48))}</a>'
    return (
        f'<tr data-i="{i}" data-s="{esc(search)}" data-w="{warns}">'
        f'<td class="num mu" data-v="{i}">{i + 1}</td><td class="cn">{name}</td>'
        f"<td><code>{esc(clip(c.physical_type, 28))}</code></td>"
        f'<td title="{esc(_type_name(c))}: {esc(c.type_evidence)}">{esc(c.inferred_type.value)}</td>'
        f'<td{null_cls} data-v="{_sort_key(c.null_ratio)}">{esc(percent(c.null_ratio))}</td>'
        f'<td class="num" data-v="{_sort_key(c.distinct_count)}">{_distinct_html(c)}</td>'
        f'<td class="mm">{_value(c, c.min, 22) if c.min is not None else ""}</td>'
        f'<td class="mm">{_value(c, c.max, 22) if c.max is not None else ""}</td>'
        f"<td>{_sparkline(c)}</td>"
        f'<td data-v="{warns * 100 + len(alerts)}">{_chips(alerts)}</td></tr>'
    )


def _overview(profile: TableProfile, all_alerts: list[list[Chip]]) -> str:
    head = (
        '<tr><th class="num" data-sort="num" aria-sort="ascending">#</th>'
        '<th data-sort="text">Column</th><th data-sort="text">Type</th>'
        '<th data-sort="text">Inferred</th>'
        '<th class="num" data-sort="num">Null</th><th class="num" data-sort="num">Distinct</th>'
        '<th>Min</th><th>Max</th><th>Distribution</th><th data-sort="num">Alerts</th></tr>'
    )
    rows = "".join(
        _overview_row(i, c, a) for i, (c, a) in enumerate(zip(profile.columns, all_alerts))
    )
    n = len(profile.columns)
    return (
        '<section id="overview"><div class="bar"><h2>Columns</h2>'
        '<input id="q" type="search" placeholder="Filter by name, type or alert  ( / )" '
        'aria-label="Filter columns" autocomplete="off" spellcheck="false">'
        '<label class="tg"><input id="wo" type="checkbox"> with warnings only</label>'
        f'<span id="shown" class="mu">{n:,} of {n:,} columns</span>'
        '<span class="sp"></span><button type="button" id="ex">Expand all</button>'
        '<button type="button" id="co">Collapse all</button></div>'
        f'<div class="tw"><table id="ov"><thead>{head}</thead><tbody>{rows}</tbody></table></div>'
        '<p id="none" class="mu" hidden>No column matches.</p></section>'
    )


# ---------------------------------------------------------------------------------------------
# header and footer


def _duplicates_html(profile: TableProfile) -> str:
    n = profile.duplicate_row_count
    method = profile.duplicate_row_method
    if n is None or method == "unknown":
        return f'<span class="mu" title="not computed: no unit saw whole rows">{DASH}</span>'
    ratio = profile.duplicate_row_ratio
    text = esc(count(n))
    if not profile.duplicate_row_count_is_exact or _is_approx(method):
        bound = percent(_hll_error(profile))
        text = approx_html(
            text, f"{method_name(method)} estimate, relative standard error ±{bound}"
        )
    return f"{text}<small>{esc(percent(ratio)) if ratio is not None else ''}</small>"


def _header(profile: TableProfile, all_alerts: list[list[Chip]]) -> str:
    title = profile.source or profile.name or "table"
    units = f"{count(profile.unit_count)} unit{'' if profile.unit_count == 1 else 's'}"
    plan = f"<small>{esc(profile.partition_strategy)} · {esc(units)}</small>"
    cards = [
        ("Rows", esc(count(profile.row_count)), ""),
        ("Columns", esc(count(profile.column_count)), ""),
        ("Duplicate rows", _duplicates_html(profile), ""),
        ("Memory", esc(size_bytes(profile.estimated_memory_bytes)), "estimated size as Arrow"),
        ("Duration", esc(duration(profile.profile_duration_ms)), ""),
        (
            "Backend",
            esc(profile.backend) + plan,
            "backend · partition strategy · units of work",
        ),
    ]
    card_html = "".join(
        f'<div title="{esc(tip)}"><dt>{esc(k)}</dt><dd>{v}</dd></div>'
        if tip
        else f"<div><dt>{esc(k)}</dt><dd>{v}</dd></div>"
        for k, v, tip in cards
    )
    kinds = Counter(c.kind for c in profile.columns)
    kind_html = " ".join(
        f'<span class="kd">{esc(count(n))} {esc(k)}</span>' for k, n in kinds.most_common()
    )
    flagged = [
        (i, c, [a for a in al if a.level == "warn"])
        for i, (c, al) in enumerate(zip(profile.columns, all_alerts))
    ]
    flagged = [(i, c, al) for i, c, al in flagged if al]
    table = table_chips(profile)
    alert_html = ""
    if table:
        items = "".join(
            f'<li class="{a.level}" data-kind="{esc(a.kind)}"><strong>{esc(a.label)}</strong> '
            f"{esc(a.detail)}</li>"
            for a in table
        )
        alert_html += f'<ul class="alerts table">{items}</ul>'
    if flagged:
        links = "".join(
            f'<a class="fl" href="#c-{i}"><strong>{esc(clip(c.name, 32))}</strong>{_chips(al)}</a>'
            for i, c, al in flagged[:_HEADER_ALERTS]
        )
        more = len(flagged) - _HEADER_ALERTS
        if more > 0:
            links += f'<a id="more" class="mu" href="#overview">and {more:,} more</a>'
        columns = f"{len(flagged):,} column{'s' if len(flagged) != 1 else ''}"
        alert_html += f'<div class="flags"><h3>{columns} to look at</h3>{links}</div>'
    return (
        '<header class="top"><div class="wrap"><p class="brand">truthound profile</p>'
        f'<h1 title="{esc(clip(title, 1000))}">{esc(clip(title, 120))}</h1>'
        f'<p class="sub">Profiled {esc(timestamp(profile.profiled_at))}</p>'
        f'<dl class="cards">{card_html}</dl><p class="kinds">{kind_html}</p>{alert_html}'
        "</div></header>"
    )


def _relations(profile: TableProfile) -> str:
    return correlations_section(profile) + missing_section(profile) + sample_section(profile)


def _footer(profile: TableProfile, version: str) -> str:
    settings = ""
    if isinstance(profile.settings, dict) and profile.settings:
        items = "".join(
            f"<dt>{esc(k)}</dt><dd><code>{esc(show(v))}</code></dd>"
            for k, v in profile.settings.items()
        )
        settings = (
            f'<details class="settings"><summary>Settings</summary><dl>{items}</dl></details>'
        )
    return (
        f'<footer><div class="wrap">{settings}<p>Generated by truthound {esc(version)} · '
        f"profile schema {esc(SCHEMA_VERSION)} · this page is self-contained and makes no network "
        'requests · figures marked <span class="ax">≈</span> are estimates; hover for their '
        "error bound.</p></div></footer>"
    )


def _csp(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    # Nothing may load from anywhere; only our own script (by hash) runs.
    return (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src 'sha256-{digest}'"
    )


def render_page(profile: TableProfile, version: str) -> str:
    """The whole report for ``profile`` as one HTML document."""
    all_alerts = column_chips(profile)
    open_ = len(profile.columns) <= OPEN_SECTIONS_UP_TO
    sections = "".join(
        _column_section(i, c, a, open_)
        for i, (c, a) in enumerate(zip(profile.columns, all_alerts, strict=True))
    )
    title = profile.source or profile.name or "table"
    script = _asset("report.js")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(_csp(script))}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<meta name="generator" content="truthound {esc(version)}">'
        f"<title>{esc(clip(title, 120))} · truthound profile</title>"
        '<link rel="icon" href="data:,">'
        f"<style>{_asset('report.css')}{heatmap_css()}</style></head><body>"
        f'{_header(profile, all_alerts)}<main class="wrap">{_overview(profile, all_alerts)}'
        f'<section id="columns"><h2>Column details</h2>{sections}</section>'
        f"{_relations(profile)}</main>{_footer(profile, version)}"
        f"<script>{script}</script></body></html>\n"
    )
