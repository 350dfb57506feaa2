"""Alerts: what a profile says a user should look at, as data (``TableProfile.alerts``).

Each rule reads the profile's own statistics and, where it knows them, every distinct value with
its count (exact frequencies); each kind's threshold is a field of
:class:`~truthound.profiler.settings.AlertSettings` (``None`` turns it off). A figure the profile
only estimates is labelled as an estimate in the message, and a rule that cannot be stated
honestly from what the profile knows (outliers without quartiles, imbalance without every count)
does not fire. ``docs/profile-schema.md`` lists the rules.

Correlations: :func:`correlation_alerts` turns ``TableProfile.correlations`` into
``high_correlation`` alerts; it runs on every profile and fires once correlations are computed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from truthound.profiler.display import count, is_code, number, percent, show
from truthound.profiler.errors import InvalidInputError
from truthound.profiler.model import SEVERITIES, Alert, ColumnProfile, DataType
from truthound.profiler.settings import AlertSettings

__all__ = [
    "SEVERITY",
    "column_alerts",
    "correlation_alerts",
    "duplicate_alerts",
    "parse_fail_on",
    "select_alerts",
]

# The severity of each kind: errors are broken data, warnings need a look, info is worth knowing.
SEVERITY = {
    "all_null": "error",
    "invalid_utf8": "error",
    "high_null_ratio": "warning",
    "constant": "warning",
    "duplicates": "warning",
    "mixed_types": "warning",
    "infinite": "warning",
    "nan": "warning",
    "skewed": "info",
    "zeros": "info",
    "outliers": "info",
    "imbalance": "info",
    "high_cardinality": "info",
    "unique": "info",
    "high_correlation": "info",
    "blank_strings": "info",
    "not_profiled": "info",
}
assert set(SEVERITY) == set(AlertSettings.kinds())

_NUMERIC_KINDS = ("integer", "unsigned", "float", "decimal")
_KEY_KINDS = ("integer", "unsigned", "string", "binary")
_SKETCH_NAMES = {"exaloglog": "ExaLogLog", "hyperloglog": "HyperLogLog"}


def _alert(column: str | None, kind: str, message: str, value: Any) -> Alert:
    return Alert(column, kind, SEVERITY[kind], message, value)


def _plural(n: int, noun: str) -> str:
    return f"{count(n)} {noun}{'' if n == 1 else 's'}"


def _finite(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    x = float(v)
    return x if math.isfinite(x) else None


def _is_measurement(c: ColumnProfile) -> bool:
    """Numbers that measure something: not codes, keys or categories (their skew, zeros and
    outliers say nothing)."""
    return (
        c.kind in _NUMERIC_KINDS
        and c.integer_code is None
        and c.inferred_type in (DataType.INTEGER, DataType.FLOAT)
    )


def _outliers(c: ColumnProfile, k: float, values: Sequence[tuple[Any, int]] | None) -> Alert | None:
    """Values beyond Tukey's fences ``q1 - k·IQR`` and ``q3 + k·IQR``: counted exactly from the
    frequencies when every value is known, else bounded from the histogram."""
    q1, q3 = _finite(c.percentiles.get("p25")), _finite(c.percentiles.get("p75"))
    if q1 is None or q3 is None or not q3 > q1 or c.non_null_count <= 0:
        return None
    iqr = q3 - q1
    lo, hi = q1 - k * iqr, q3 + k * iqr
    approx_q = c.quantiles_method not in (None, "exact")
    fences = f"below {number(lo)} or above {number(hi)}"
    rule = f"beyond Tukey's fences at {number(k)} × IQR ({fences})"
    if approx_q:
        rule += f", quartiles estimated (rank ±{percent(c.quantiles_rank_error)})"
    value: dict[str, Any] = {"low_fence": lo, "high_fence": hi}
    if values is not None:
        n = 0
        for v, m in values:
            x = _finite(v)  # ±inf are the infinite alert's
            if x is not None and (x < lo or x > hi):
                n += m
        if n == 0:
            return None
        value.update(count=n, method="exact")
        share = percent(n / c.non_null_count)
        return _alert(c.name, "outliers", f"{_plural(n, 'value')} ({share}) {rule}", value)
    h = c.histogram
    if h is None or len(h.edges) != len(h.counts) + 1 or not h.counts:
        return None
    # per side: bins wholly beyond the fence (certain) and the bin the fence cuts (maybe)
    certain = {"low": 0.0, "high": 0.0}
    maybe = {"low": 0.0, "high": 0.0}
    last = len(h.counts) - 1
    for i, n_bin in enumerate(h.counts):
        a, b = h.edges[i], h.edges[i + 1]
        if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
            return None
        if b <= lo if i < last else b < lo:
            certain["low"] += n_bin
        elif a < lo:
            maybe["low"] += n_bin
        if a > hi:
            certain["high"] += n_bin
        elif b > hi:
            maybe["high"] += n_bin
    # The bins of one side form one range of the quantile sketch, whose count is within the
    # histogram's count_error (the sketch's PMF error times n; 0 when exact), however many
    # bins it spans.
    e = h.count_error
    low = sum(max(0.0, certain[side] - e) for side in certain)
    if low <= 0:
        return None
    # a side can hold values only where its fence falls inside [min, max] (exact)
    reachable = {"low": lo > h.edges[0], "high": hi < h.edges[-1]}
    high = sum(certain[s] + maybe[s] + (e if reachable[s] else 0.0) for s in certain)
    high = min(high, float(c.non_null_count))
    value.update(count_min=round(low), count_max=round(high), method="histogram")
    how = "from the histogram" + (
        f", each side ±{count(h.count_error)}" if h.count_error else ", exact bins"
    )
    message = f"between {count(low)} and {count(high)} values {rule} ({how})"
    return _alert(c.name, "outliers", message, value)


def _imbalance(
    c: ColumnProfile, threshold: float, values: Sequence[tuple[Any, int]] | None
) -> Alert | None:
    """``1 - H / log k`` over the k classes (H the entropy of their shares): 0 when every class
    is as common, 1 when one holds nearly everything. Categories with every count known, and
    booleans."""
    if c.kind == "boolean":
        counts = [(True, c.true_count), (False, c.false_count)]
    elif c.inferred_type == DataType.CATEGORICAL and values is not None:
        counts = list(values)
    else:
        return None
    counts = [(v, n) for v, n in counts if n > 0]
    total = sum(n for _, n in counts)
    k = len(counts)
    if k < 2 or total <= 0:
        return None
    entropy = -sum(n / total * math.log(n / total) for _, n in counts)
    score = 1 - entropy / math.log(k)
    if score <= threshold:
        return None
    top_value, top_n = max(counts, key=lambda item: item[1])
    shown = show(top_value, code=is_code(c))
    message = (
        f"imbalance {score:.2f}: {shown!s} holds {percent(top_n / total)} of "
        f"{count(total)} values across {k} classes"
    )
    return _alert(c.name, "imbalance", message, round(score, 4))


def column_alerts(
    c: ColumnProfile,
    settings: AlertSettings | None = None,
    values: Sequence[tuple[Any, int]] | None = None,
) -> list[Alert]:
    """The alerts of one column, most serious first.

    ``values``: every distinct non-null value with its count, when the profile knows them
    (exact frequencies); without it the rules use only the column's statistics.
    """
    s = settings or AlertSettings()
    out: list[Alert] = []
    if c.note:
        if s.not_profiled is not None:
            out.append(_alert(c.name, "not_profiled", c.note, None))
        return out
    if c.row_count <= 0:
        return out
    if c.null_count >= c.row_count:
        if s.all_null is not None and c.row_count >= s.all_null:
            message = f"every value is null ({_plural(c.row_count, 'row')})"
            out.append(_alert(c.name, "all_null", message, c.row_count))
        return out
    if (
        s.invalid_utf8 is not None
        and c.invalid_utf8_count
        and c.invalid_utf8_count >= s.invalid_utf8
    ):
        n = c.invalid_utf8_count
        verb = "is" if n == 1 else "are"
        out.append(
            _alert(c.name, "invalid_utf8", f"{_plural(n, 'value')} {verb} not valid UTF-8", n)
        )
    if s.high_null_ratio is not None and c.null_ratio >= s.high_null_ratio:
        message = f"{count(c.null_count)} of {count(c.row_count)} values ({percent(c.null_ratio)}) are null"
        out.append(_alert(c.name, "high_null_ratio", message, c.null_ratio))
    if s.constant is not None and c.is_constant and c.non_null_count >= max(s.constant, 1):
        only = f": {show(c.top_values[0].value, code=True)}" if c.top_values else ""
        value = c.top_values[0].value if c.top_values else None
        out.append(_alert(c.name, "constant", f"every non-null value is the same{only}", value))
    if s.mixed_types is not None and c.kind == "string" and c.detected_patterns:
        best = max(c.detected_patterns, key=lambda p: p.match_ratio)
        if s.mixed_types <= best.match_ratio < 1:
            share = percent(best.match_ratio)
            if best.method != "exact":
                share = f"≈ {share} (sampled, ±{percent(best.standard_error)})"
            message = f"{share} of values match {best.pattern}, the rest do not"
            out.append(_alert(c.name, "mixed_types", message, best.match_ratio))
    infinities = c.positive_infinity_count + c.negative_infinity_count
    if s.infinite is not None and infinities and infinities >= s.infinite:
        message = (
            f"{_plural(infinities, 'infinite value')} "
            f"(+∞ {count(c.positive_infinity_count)}, −∞ {count(c.negative_infinity_count)})"
        )
        out.append(_alert(c.name, "infinite", message, infinities))
    if s.nan is not None and c.nan_count and c.nan_count >= s.nan:
        out.append(_alert(c.name, "nan", _plural(c.nan_count, "NaN value"), c.nan_count))
    measurement = _is_measurement(c)
    skew = _finite(c.distribution.skewness) if c.distribution is not None else None
    if s.skewed is not None and measurement and skew is not None and abs(skew) > s.skewed:
        side = "right" if skew > 0 else "left"
        out.append(_alert(c.name, "skewed", f"skewness {number(skew)} (long {side} tail)", skew))
    if s.zeros is not None and measurement and c.non_null_count and c.zero_count:
        share = c.zero_count / c.non_null_count
        if share >= s.zeros:
            message = f"{count(c.zero_count)} zeros ({percent(share)} of non-null values)"
            out.append(_alert(c.name, "zeros", message, share))
    if s.outliers is not None and measurement:
        alert = _outliers(c, s.outliers, values)
        if alert is not None:
            out.append(alert)
    if s.imbalance is not None:
        alert = _imbalance(c, s.imbalance, values)
        if alert is not None:
            out.append(alert)
    if (
        s.high_cardinality is not None
        and c.kind == "string"
        and c.inferred_type == DataType.STRING
        and c.distinct_count > s.high_cardinality
    ):
        approx = "" if c.distinct_count_is_exact else "≈ "
        message = (
            f"{approx}{count(c.distinct_count)} distinct values ({percent(c.unique_ratio)}): "
            "too many for a category, too few for a key"
        )
        out.append(_alert(c.name, "high_cardinality", message, c.distinct_count))
    if s.unique is not None and c.kind in _KEY_KINDS and c.non_null_count >= max(s.unique, 2):
        if c.is_unique:
            message = f"every one of {count(c.non_null_count)} non-null values is distinct"
            out.append(_alert(c.name, "unique", message, 1.0))
        elif c.inferred_type == DataType.IDENTIFIER:
            how = (
                ""
                if c.distinct_count_is_exact
                else f" ({_SKETCH_NAMES.get(c.distinct_count_method, c.distinct_count_method)}"
                f" estimate, ±{percent(c.distinct_count_error)})"
            )
            message = f"{percent(c.unique_ratio)} of values distinct{how}: a near-unique key"
            out.append(_alert(c.name, "unique", message, c.unique_ratio))
    blank = c.empty_string_count + c.whitespace_string_count
    if s.blank_strings is not None and blank and blank >= s.blank_strings:
        message = (
            f"{count(c.empty_string_count)} empty, "
            f"{count(c.whitespace_string_count)} whitespace only"
        )
        out.append(_alert(c.name, "blank_strings", message, blank))
    order = {name: i for i, name in enumerate(reversed(SEVERITIES))}
    return sorted(out, key=lambda a: order[a.severity])


def duplicate_alerts(
    duplicate_rows: int | None,
    ratio: float | None,
    method: str,
    settings: AlertSettings | None = None,
    relative_error: float = 0.0,
) -> list[Alert]:
    """The table's ``duplicates`` alert. An estimated count (HyperLogLog) must clear the
    threshold by three standard errors of the distinct-row estimate."""
    s = settings or AlertSettings()
    if s.duplicates is None or duplicate_rows is None or ratio is None or method == "unknown":
        return []
    if method == "exact":
        if duplicate_rows <= 0 or ratio <= s.duplicates:
            return []
        message = f"{_plural(duplicate_rows, 'row')} ({percent(ratio)}) repeat an earlier row"
        return [_alert(None, "duplicates", message, ratio)]
    margin = 3 * relative_error
    if ratio <= s.duplicates + margin:
        return []
    message = (
        f"≈ {_plural(duplicate_rows, 'row')} ({percent(ratio)}) repeat an earlier row "
        f"({_SKETCH_NAMES.get(method, method)} estimate, ±{percent(relative_error)} "
        "of the distinct rows)"
    )
    return [_alert(None, "duplicates", message, ratio)]


def correlation_alerts(
    correlations: Iterable[tuple[str, str, float]], settings: AlertSettings | None = None
) -> list[Alert]:
    """``high_correlation`` for each pair in ``TableProfile.correlations`` with |r| at or above
    the threshold (the alert's column is the first of the pair)."""
    s = settings or AlertSettings()
    if s.high_correlation is None:
        return []
    out = []
    for a, b, r in correlations:
        x = _finite(r)
        if x is not None and abs(x) >= s.high_correlation:
            out.append(_alert(a, "high_correlation", f"correlation {x:.3f} with {b!r}", x))
    return out


def parse_fail_on(text: str) -> tuple[str, ...]:
    """``"warning,constant"`` → ``("warning", "constant")``; each word a severity or a kind."""
    words = tuple(w.strip().lower() for w in text.split(",") if w.strip())
    known = (*SEVERITIES, *AlertSettings.kinds())
    unknown = [w for w in words if w not in known]
    if not words or unknown:
        raise InvalidInputError(
            f"--fail-on expects severities ({', '.join(SEVERITIES)}) or alert kinds "
            f"({', '.join(AlertSettings.kinds())}), got {text!r}"
        )
    return words


def select_alerts(alerts: Iterable[Alert], words: Iterable[str]) -> list[Alert]:
    """The alerts a ``--fail-on`` list matches: a severity matches that severity and worse, a
    kind matches itself."""
    words = set(words)
    rank = {name: i for i, name in enumerate(SEVERITIES)}
    floor = min((rank[w] for w in words if w in rank), default=len(SEVERITIES))
    return [a for a in alerts if a.kind in words or rank.get(a.severity, -1) >= floor]
