"""Text for the HTML report: escaping, data values and approximate figures. Numbers, counts and
percentages read as in every output (:mod:`truthound.profiler.display`).

Every function returning HTML escapes what it is given; everything from the data reaches the page
through :func:`esc` (text and attribute values alike, quotes included).
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from typing import Any

from truthound.profiler.display import DASH, clip, count, number, percent, show

__all__ = [
    "DASH",
    "approx_html",
    "clip",
    "count",
    "duration",
    "esc",
    "method_name",
    "number",
    "percent",
    "show",
    "size_bytes",
    "timestamp",
    "value_html",
]

# C0 controls, DEL and C1 controls: shown as escapes (HTML forbids most of them as text).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_VISIBLE = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
_METHOD_NAMES = {
    "exact": "exact",
    "exaloglog": "ExaLogLog",
    "hyperloglog": "HyperLogLog",
    "kll": "KLL sketch",
    "misra_gries": "Misra–Gries sketch",
    "unknown": "not computed",
}


def esc(text: Any) -> str:
    """``text`` as HTML text or a quoted attribute value: ``& < > " '`` escaped, control
    characters shown as ``\\xNN``, lone surrogates (undecodable bytes) replaced."""
    s = str(text)
    if _CONTROL.search(s):
        s = _CONTROL.sub(lambda m: _VISIBLE.get(m.group(), f"\\x{ord(m.group()):02x}"), s)
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        s = s.encode("utf-8", "replace").decode("utf-8")
    return html.escape(s, quote=True)


def size_bytes(n: Any) -> str:
    """Bytes in decimal units: ``561 kB``, ``1.2 GB``."""
    if not isinstance(n, (int, float)) or n < 0:
        return DASH
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            v = n / scale
            return f"{v:,.1f} {unit}" if v < 100 else f"{v:,.0f} {unit}"
    return f"{int(n)} B"


def duration(ms: Any) -> str:
    """A duration in milliseconds as ``850 ms``, ``3.42 s`` or ``2 min 5 s``."""
    if not isinstance(ms, (int, float)) or ms < 0:
        return DASH
    if ms < 1000:
        return f"{ms:.0f} ms"
    if ms < 60_000:
        return f"{ms / 1000:.2f} s"
    minutes, seconds = divmod(round(ms / 1000), 60)
    return f"{minutes} min {seconds} s"


def timestamp(t: Any) -> str:
    """When a profile was made, to the second."""
    if t is None:
        return DASH
    if isinstance(t, datetime):
        text = t.strftime("%Y-%m-%d %H:%M:%S")
        offset = t.utcoffset()
        if offset is not None:
            text += " UTC" if offset == timedelta(0) else t.strftime(" %z")
        return text
    return str(t)


def value_html(v: Any, width: int = 48, code: bool = False) -> str:
    """A data value as HTML: escaped, cut to ``width`` characters (the whole value, up to 1,000
    characters, in the tooltip); empty and blank strings shown by name; ``code``: a number
    without thousands separators."""
    if v is None:
        return '<span class="mu">null</span>'
    if isinstance(v, str):
        if v == "":
            return '<span class="mu">(empty)</span>'
        if v.isspace():
            what = "space" if v == " " * len(v) else "whitespace character"
            return f'<span class="mu">({len(v)} {what}{"s" if len(v) > 1 else ""})</span>'
    text = show(v, code)
    short = clip(text, width)
    if not isinstance(v, str) and short == text:
        return esc(text)  # numbers, dates: nothing to preserve
    if short == text:
        return f'<span class="v">{esc(text)}</span>'
    return f'<span class="v" title="{esc(clip(text, 1000))}">{esc(short)}</span>'


def method_name(method: Any) -> str:
    """A ``*_method`` value for people: ``kll`` → ``KLL sketch``."""
    return _METHOD_NAMES.get(str(method), str(method))


def approx_html(text_html: str, note: str) -> str:
    """An approximate figure: muted, prefixed with ``≈``, the bound in a tooltip.
    ``text_html`` is already HTML; ``note`` is plain text."""
    return f'<span class="ax" title="{esc(note)}">≈&#8239;{text_html}</span>'
