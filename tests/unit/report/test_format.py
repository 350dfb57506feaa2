"""Text for the report: escaping, numbers, values, approximate figures."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from truthound.profiler.report.format import (
    approx_html,
    count,
    duration,
    esc,
    number,
    percent,
    show,
    size_bytes,
    timestamp,
    value_html,
)


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("a\"b'c&d", "a&quot;b&#x27;c&amp;d"),
        ("line\nbreak\ttab", "line\\nbreak\\ttab"),
        ("nul\x00bell\x07", "nul\\x00bell\\x07"),
        ("lone \udcff surrogate", "lone ? surrogate"),
        ("여기서 세워주세요 café", "여기서 세워주세요 café"),
    ],
)
def test_esc(raw, escaped):
    assert esc(raw) == escaped


@pytest.mark.parametrize(
    ("v", "text"),
    [
        (None, "—"),
        (True, "true"),
        (1234567, "1,234,567"),
        (-42, "-42"),
        (0.0, "0"),
        (2.0, "2"),
        (1234.5678, "1,234.57"),
        (4.69909, "4.69909"),
        (0.00012345, "0.00012345"),
        (0.000012345, "1.234e-05"),
        (3.2e18, "3.2e18"),
        (float("nan"), "NaN"),
        (float("inf"), "∞"),
        (float("-inf"), "−∞"),
        ("nan", "NaN"),
        ("-inf", "−∞"),
    ],
)
def test_number(v, text):
    assert number(v) == text


def test_counts_and_ratios():
    assert count(None) == "—"
    assert count(82.578) == "83"
    assert count(5000) == "5,000"
    assert [percent(r) for r in (0, 0.0004, 0.031, 0.5, 0.9996, 1.0, None)] == [
        "0%",
        "<0.1%",
        "3.1%",
        "50.0%",
        ">99.9%",
        "100%",
        "—",
    ]


def test_sizes_durations_timestamps():
    assert [size_bytes(n) for n in (512, 561_058, 2_500_000, 123_456_789_000)] == [
        "512 B",
        "561 kB",
        "2.5 MB",
        "123 GB",
    ]
    assert [duration(ms) for ms in (0.4, 850, 3420, 125_000)] == [
        "0 ms",
        "850 ms",
        "3.42 s",
        "2 min 5 s",
    ]
    assert timestamp(datetime(2026, 3, 1, 9, 5, 7, tzinfo=UTC)) == "2026-03-01 09:05:07 UTC"
    assert timestamp(None) == "—"


def test_show_values():
    assert show(date(2026, 3, 1)) == "2026-03-01"
    assert show(datetime(2026, 3, 1, 0, 9, 22)) == "2026-03-01T00:09:22"
    assert show(timedelta(seconds=5)) == "0:00:05"
    assert show(Decimal("1.50")) == "1.50"
    assert show(b"\x00\xff") == "00ff"


def test_value_html():
    assert value_html("<b>x</b>") == '<span class="v">&lt;b&gt;x&lt;/b&gt;</span>'
    assert value_html("") == '<span class="mu">(empty)</span>'
    assert value_html("  ") == '<span class="mu">(2 spaces)</span>'
    assert value_html("\t") == '<span class="mu">(1 whitespace character)</span>'
    assert value_html(None) == '<span class="mu">null</span>'
    assert value_html(1234) == "1,234"
    long = "<" * 100
    html = value_html(long, 10)
    assert html == f'<span class="v" title="{"&lt;" * 100}">{"&lt;" * 9}…</span>'


def test_approx_html_escapes_the_note():
    html = approx_html("1,234", 'bound "±1%" <b>')
    title = "bound &quot;±1%&quot; &lt;b&gt;"
    assert html == f'<span class="ax" title="{title}">≈&#8239;1,234</span>'
