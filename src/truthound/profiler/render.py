"""Console rendering of a TableProfile: a summary, then one compact block per column, within
100 terminal columns."""

from __future__ import annotations

import re
import textwrap
from typing import Any

from truthound.profiler.model import SEVERITIES, ColumnProfile, TableProfile

__all__ = ["render_console", "escape_controls"]

WIDTH = 100

# C0 and C1 control characters, DEL, and the bidirectional overrides: data that reaches a terminal
# raw can clear the screen, move the cursor or reorder what is shown.
_CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def escape_controls(text: str) -> str:
    """``text`` with every control character but the newline shown as an escape (``\\x1b``)."""

    def escaped(m: re.Match[str]) -> str:
        c = ord(m.group())
        return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"

    return _CONTROLS.sub(escaped, text)


def _short(v: Any, width: int = 28) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        text = f"{v:.6g}"
    elif hasattr(v, "hour") and hasattr(v, "date"):  # datetime: to the second, no microseconds
        text = v.isoformat(sep=" ", timespec="seconds")
    elif hasattr(v, "isoformat"):
        text = v.isoformat()
    else:
        text = str(v)
    text = text.replace("\n", "\\n").replace("\t", "\\t")
    return text if len(text) <= width else text[: width - 1] + "…"


def _count(n: int | None) -> str:
    return "-" if n is None else f"{n:,}"


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def _column_block(c: ColumnProfile) -> list[str]:
    code = f" ({c.integer_code})" if c.integer_code else ""
    head = f"── {_short(c.name, 40)} · {c.physical_type} · {c.inferred_type.value}{code} "
    lines = [head + "─" * max(0, WIDTH - len(head))]
    if c.type_evidence:
        lines.append(_fit(f"  type: {_short(c.type_evidence, 200)}"))
    distinct = _count(c.distinct_count) + (
        "" if c.distinct_count_is_exact else f" (±{c.distinct_count_error:.1%})"
    )
    lines.append(
        f"  rows {_count(c.row_count)}   nulls {_count(c.null_count)} ({_pct(c.null_ratio)})   distinct {distinct}"
        + ("   unique" if c.is_unique else "")
        + ("   constant" if c.is_constant and c.non_null_count else "")
    )
    if c.note:
        lines.append(f"  {c.note}")
    if c.min is not None:
        lines.append(f"  min {_short(c.min)}   max {_short(c.max)}")
    d = c.distribution
    if d is not None and d.mean is not None:
        lines.append(
            f"  mean {_short(d.mean, 14)}   std {_short(d.std, 14)}   skew {_short(d.skewness, 10)}"
            f"   kurt {_short(d.kurtosis, 10)}"
        )
    if c.percentiles:
        approx = "" if c.quantiles_method == "exact" else f"  ≈ rank ±{c.quantiles_rank_error:.1%}"
        keys = (
            ("p5", "p25", "p50", "p75", "p95")
            if c.kind not in ("timestamp", "time")
            else ("p25", "p50", "p75")
        )
        parts = "  ".join(f"{k} {_short(c.percentiles[k], 19)}" for k in keys if k in c.percentiles)
        lines.append(f"  {parts}{approx}")
    specials = [
        (c.nan_count, "NaN"),
        (c.positive_infinity_count, "+inf"),
        (c.negative_infinity_count, "-inf"),
        (c.empty_string_count, "empty"),
        (c.whitespace_string_count, "blank"),
        (c.invalid_utf8_count, "bad UTF-8"),
        (c.true_count, "true"),
        (c.false_count, "false"),
    ]
    shown = [f"{label} {_count(n)}" for n, label in specials if n]
    if shown:
        lines.append("  " + "   ".join(shown))
    if c.min_length is not None:
        lines.append(f"  length {c.min_length}–{c.max_length} chars, mean {c.avg_length:.1f}")
    if c.top_values:
        approx = (
            ""
            if c.top_values_method == "exact"
            else f" (counts −{c.top_values_max_error:,} at most)"
        )
        items = ", ".join(f"{_short(v.value, 20)} ({_count(v.count)})" for v in c.top_values[:5])
        lines.append(_fit(f"  top{approx}: {items}"))
    if c.detected_patterns:
        pats = ", ".join(f"{p.pattern} {p.match_ratio:.0%}" for p in c.detected_patterns)
        lines.append(_fit(f"  patterns: {pats}"))
    return lines


def _alert_lines(profile: TableProfile) -> list[str]:
    """The profile's alerts, most serious first, one line each."""
    if not profile.alerts:
        return []
    rank = {name: i for i, name in enumerate(reversed(SEVERITIES))}
    alerts = sorted(profile.alerts, key=lambda a: rank.get(a.severity, len(rank)))
    tally = ", ".join(
        f"{n} {name}"
        for name in reversed(SEVERITIES)
        if (n := sum(a.severity == name for a in alerts))
    )
    lines = [f"Alerts ({len(alerts)}: {tally})"]
    for a in alerts:
        where = _short(a.column, 24) if a.column is not None else "(table)"
        head = f"  {a.severity:<8} {where} · {a.kind}: "
        lines.extend(
            textwrap.wrap(
                _short(a.message, 400),
                WIDTH,
                initial_indent=head,
                subsequent_indent=" " * 13,
                break_on_hyphens=False,
            )
        )
    return [*lines, ""]


def _fit(line: str) -> str:
    return line if len(line) <= WIDTH else line[: WIDTH - 1] + "…"


def _cache_line(profile: TableProfile) -> list[str]:
    c = profile.cache
    if c is None:
        return []
    units = c["hits"] + c["misses"]
    return [
        f"  cache: {c['hits']:,} of {units:,} units from the cache, {c['misses']:,} computed   "
        f"read {c['bytes_read'] / 1e6:,.1f} MB, wrote {c['bytes_written'] / 1e6:,.1f} MB"
    ]


def render_console(profile: TableProfile) -> str:
    dup = profile.duplicate_row_count
    dup_text = (
        "-"
        if dup is None
        else _count(dup) + ("" if profile.duplicate_row_count_is_exact else " (estimate)")
    )
    lines = [
        f"Profile of {_short(profile.source or profile.name, 70)}",
        f"  {_count(profile.row_count)} rows × {profile.column_count} columns   duplicates {dup_text}"
        f"   memory ≈ {profile.estimated_memory_bytes / 1e6:,.1f} MB   {profile.profile_duration_ms / 1000:.2f} s"
        f"   backend {profile.backend}",
        *_cache_line(profile),
        "",
    ]
    lines.extend(_alert_lines(profile))
    for c in profile.columns:
        lines.extend(_column_block(c))
    shown = escape_controls("\n".join(lines)).split("\n")
    return "\n".join(_fit(line) for line in shown) + "\n"
