"""The page shows the profile's alerts (``TableProfile.alerts``) and nothing else: every alert as
a chip and a line with its message, none when the list is empty, whatever the statistics say."""

import re
from dataclasses import replace
from html import unescape

import numpy as np
import pyarrow as pa
import pytest

import truthound.profiler as tp
from truthound.profiler.model import Alert
from truthound.profiler.report import render_html
from truthound.profiler.report.alerts import chips, column_chips, table_chips


@pytest.fixture(scope="module")
def profile():
    rng = np.random.default_rng(2)
    n = 500
    return tp.profile(
        pa.table(
            {
                "one": ["x"] * n,
                "sparse": pa.array(rng.normal(size=n), mask=rng.random(n) < 0.5),
                "delay": rng.lognormal(0, 1.5, n),
                "dup": [1, 1] * (n // 2),
            }
        )
    )


def _items(page: str) -> list[tuple[str, str]]:
    """(kind, message) of every alert line on the page."""
    return [
        (kind, unescape(text))
        for kind, text in re.findall(
            r'<li class="\w+" data-kind="([a-z_]+)"><strong>[^<]*</strong> ([^<]*)</li>', page
        )
    ]


def test_every_alert_of_the_profile_is_on_the_page(profile):
    assert profile.alerts, "the fixture must raise alerts"
    page = render_html(profile)
    assert sorted(_items(page)) == sorted((a.kind, a.message) for a in profile.alerts)
    for a in profile.alerts:
        assert f'data-kind="{a.kind}"' in page


def test_the_page_computes_no_alert_of_its_own(profile):
    page = render_html(replace(profile, alerts=()))
    assert _items(page) == [] and 'class="chip' not in page
    invented = Alert("one", "mixed_types", "warning", "made up for this test", 0.7)
    page = render_html(replace(profile, alerts=(invented,)))
    assert _items(page) == [("mixed_types", "made up for this test")]


def test_a_loaded_profile_shows_its_saved_alerts(profile, tmp_path):
    profile.save(tmp_path / "p.json")
    loaded = tp.TableProfile.load(tmp_path / "p.json")
    assert sorted(_items(render_html(loaded))) == sorted(_items(render_html(profile)))


def test_chips():
    alerts = [
        Alert("a", "high_null_ratio", "warning", "m1", 0.3),
        Alert("a", "zeros", "info", "m2", 0.25),
        Alert(None, "duplicates", "warning", "m3", 0.5),
        Alert("b", "all_null", "error", "m4", 9),
    ]
    assert [(c.label, c.level) for c in chips(alerts)] == [
        ("30.0% null", "warn"),
        ("25.0% zeros", "info"),
        ("duplicate rows", "warn"),
        ("all null", "warn"),
    ]
    p = tp.TableProfile(
        columns=(
            tp.ColumnProfile("a", "double"),
            tp.ColumnProfile("b", "double"),
            tp.ColumnProfile("c", "double"),
        ),
        alerts=tuple(alerts),
    )
    assert [[c.detail for c in cs] for cs in column_chips(p)] == [["m1", "m2"], ["m4"], []]
    assert [c.detail for c in table_chips(p)] == ["m3"]
