"""The report page without a browser: structure, self-containment, escaping, approximate
figures, saved profiles, every column kind, size."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from decimal import Decimal
from html.parser import HTMLParser
from importlib import resources

import numpy as np
import pyarrow as pa
import pytest

import truthound.profiler as tp
from truthound.profiler.model import PatternMatch, TableProfile
from truthound.profiler.report import render_html, write_html

from .conftest import HOSTILE_NAME, HOSTILE_VALUES


class _Page(HTMLParser):
    """Tags, attributes and text of a page."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]


def test_structure(trips_profile):
    html = render_html(trips_profile)
    page = _Page(html)
    assert html.startswith("<!doctype html>")
    assert len(page.all("script")) == 1 and len(page.all("style")) == 1
    sections = [a for t, a in page.tags if t == "details" and "col" in (a.get("class") or "")]
    assert [s["id"] for s in sections] == [f"c-{i}" for i in range(len(trips_profile.columns))]
    rows = [a for t, a in page.tags if t == "tr" and "data-i" in a]
    assert len(rows) == len(trips_profile.columns)
    text = "".join(page.text)
    for c in trips_profile.columns:
        assert c.name in text
    for fact in ("5,000", "examples/trips.csv", "local", "row_based", "1 unit", "561 kB"):
        assert fact in text


def test_self_contained(trips_profile):
    html = render_html(trips_profile)
    page = _Page(html)
    links = [
        a.get(k)
        for _, a in page.tags
        for k in ("src", "href", "action", "data", "poster")
        if a.get(k)
    ]
    assert all(link.startswith("#") or link == "data:," for link in links), links
    assert not re.search(r"https?://|//cdn|@import|url\(", html)
    (csp,) = [
        a["content"] for a in page.all("meta") if a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp


def test_hostile_text_is_escaped(hostile_profile):
    html = render_html(hostile_profile)
    page = _Page(html)
    assert len(page.all("script")) == 1
    assert not page.all("img") and not page.all("b")
    assert not [k for _, a in page.tags for k in a if k.startswith("on")]
    text = "".join(page.text)
    assert HOSTILE_NAME in text
    for value in HOSTILE_VALUES:
        assert value in text
    # inside attributes (tooltips, search keys) too
    assert any(a.get("title") == HOSTILE_NAME for _, a in page.tags)
    assert any(HOSTILE_NAME.lower() in (a.get("data-s") or "") for _, a in page.tags)


def test_control_characters_and_bad_text_render():
    p = tp.profile(pa.table({"ctrl\tname\n": ["a\x00b", "line\nbreak", "\x07", "\u202eevil"]}))
    html = render_html(p)
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", html)
    text = "".join(_Page(html).text)
    for shown in ("ctrl\\tname\\n", "a\\x00b", "line\\nbreak", "\\x07", "\u202eevil"):
        assert shown in text, shown
    html.encode("utf-8")


def test_saved_profile_renders_the_same_text(trips_profile, tmp_path):
    trips_profile.save(tmp_path / "p.json")
    loaded = TableProfile.load(tmp_path / "p.json")
    assert isinstance(loaded["pickup_at"].min, str)  # values come back as JSON text
    live, saved = _Page(render_html(trips_profile)), _Page(render_html(loaded))
    assert "".join(live.text) == "".join(saved.text)
    without_state = TableProfile.from_json(trips_profile.to_json(include_state=False))
    assert "".join(_Page(render_html(without_state)).text).count("≈") == "".join(live.text).count(
        "≈"
    )


def test_approximate_figures_are_marked():
    rng = np.random.default_rng(3)
    n = 150_000
    keys = pa.array(rng.integers(0, 40_000, n)).cast(pa.string())
    p = tp.profile(pa.table({"x": rng.permutation(n), "key": keys}))
    x = p["x"]
    assert x.distinct_count_method == "exaloglog" and x.quantiles_method == "kll"
    assert x.histogram.method == "kll" and p["key"].top_values_method == "misra_gries"
    p = replace(p, duplicate_row_count_is_exact=False, duplicate_row_method="exaloglog")
    html = render_html(p)
    titles = [
        a["title"]
        for _, a in _Page(html).tags
        if "ax" in (a.get("class") or "").split() and a.get("title")
    ]
    joined = "\n".join(titles)
    assert (
        f"ExaLogLog estimate, relative standard error ±{x.distinct_count_error * 100:.1f}%"
        in joined
    )
    assert f"rank is within ±{x.quantiles_rank_error * 100:.1f}%" in joined
    assert f"each within ± {round(x.histogram.count_error):,}" in joined
    assert f"low by at most {p['key'].top_values_max_error:,}" in joined
    assert "ExaLogLog estimate, relative standard error ±0.4%" in joined  # duplicate rows
    assert html.count("≈") > 10


def test_exact_profiles_have_no_estimates():
    html = render_html(tp.profile(pa.table({"x": [1, 2, 3, 3], "s": ["a", "b", "a", None]})))
    assert 'class="ax"' not in html.replace('<span class="ax">≈</span> are estimates', "")


def test_every_kind_renders():
    t = pa.table(
        {
            "nested": pa.array([[1, 2], [3], None]),
            "all_null": pa.array([None, None, None], pa.int64()),
            "binary": pa.array([b"\x00\xff", b"ab", None]),
            "decimal": pa.array([Decimal("1.50"), Decimal("2.25"), None]),
            "duration": pa.array([dt.timedelta(seconds=5), dt.timedelta(hours=1), None]),
            "tz": pa.array([dt.datetime(2026, 1, 1, tzinfo=dt.UTC)] * 3),
            "time": pa.array([dt.time(1, 2, 3), dt.time(4, 5, 6), None]),
            "bool": pa.array([True, False, None]),
            "special": pa.array([float("nan"), float("inf"), -1.0]),
        }
    )
    p = tp.profile(t)
    html = render_html(p)
    text = "".join(_Page(html).text)
    assert "not profiled" in text and "all null" in text and "00ff" in text and "0:00:05" in text
    # "special" holds NaN, +inf and -1: its max renders as ∞, and nothing is -inf.
    assert "min-1max∞" in text and "+∞1" in text and "−∞1" not in text
    saved = TableProfile.from_json(p.to_json(include_state=True))
    assert "".join(_Page(render_html(saved)).text) == text


def test_patterns_and_validators_are_shown(trips_profile):
    email = replace(
        trips_profile["rider_email"],
        detected_patterns=(
            PatternMatch("email", r"^[^@\s]+@[^@\s]+$", 0.97, ("a@b.kr", "<x>@y.com")),
        ),
    )
    p = replace(trips_profile, columns=(email,), column_count=1)
    page = _Page(render_html(p))
    text = "".join(page.text)
    assert (
        "Detected patterns" in text and "97.0%" in text and "<x>@y.com" in text and "a@b.kr" in text
    )
    assert email.suggested_validators
    assert any(v.startswith("CompletenessRatioValidator(") for v in email.suggested_validators)
    for validator in email.suggested_validators:
        assert validator in text


def test_empty_profiles_render():
    for table in (pa.table({}), pa.table({"x": pa.array([], pa.int64())})):
        html = render_html(tp.profile(table))
        assert "0 of 0 columns" in html or "1 of 1 columns" in html


def test_write_html(trips_profile, tmp_path):
    out = write_html(trips_profile, tmp_path / "r.html")
    assert out == tmp_path / "r.html"
    assert out.read_text(encoding="utf-8") == render_html(trips_profile)


def test_deterministic(trips_profile):
    assert render_html(trips_profile) == render_html(trips_profile)


def test_rejects_what_is_not_a_profile():
    with pytest.raises(TypeError, match="expects a TableProfile, got dict"):
        render_html({"columns": []})


def test_assets_are_package_data():
    assets = resources.files("truthound.profiler.report").joinpath("assets")
    assert {p.name for p in assets.iterdir()} >= {"report.css", "report.js"}


def test_wide_profile_stays_small(wide_profile):
    html = render_html(wide_profile)
    assert len(html.encode("utf-8")) <= 5_000_000
    assert html.count('<details class="col"') == 1000
    assert " open>" not in html  # large profiles start collapsed
