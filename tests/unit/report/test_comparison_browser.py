"""The comparison report in a real headless Chromium: both histograms and paired categories
drawn, new and vanished values shown, the overview sorts and filters, nothing is fetched, a
1,000-column comparison is small (its load time is recorded in build/test-artifacts), hostile
names and values show as text."""

from __future__ import annotations

import re

import pyarrow as pa
import pytest

import truthound.profiler as tp

from ..comparison.tables import table
from .conftest import HOSTILE_NAME, HOSTILE_VALUES, requires_browser, wide_table
from .test_browser import _assert_offline, _dom_content_loaded_ms, _open, _screenshot, _type

pytestmark = [pytest.mark.browser, requires_browser]

MAX_BYTES = 6_000_000  # two histograms and a table of deltas per column
SCORES = "return [...document.querySelectorAll('#ov tbody tr')].map(r => +r.cells[5].dataset.v)"


def _rows(browser) -> int:
    return browser.execute_script(
        "return document.querySelectorAll('#ov tbody tr:not([hidden])').length"
    )


@pytest.fixture(scope="module")
def comparison():
    return tp.compare(table(1), table(3, changed=True))


def test_side_by_side(browser, comparison, tmp_path, artifacts):
    from selenium.webdriver.common.by import By

    path = tmp_path / "compare.html"
    comparison.to_html(path)
    page_url = _open(browser, path)
    names = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "details.col .nm")]
    assert names == [c.name for c in comparison.columns]
    sections = {
        s.find_element(By.CSS_SELECTOR, ".nm").text: s
        for s in browser.find_elements(By.CSS_SELECTOR, "details.col")
    }
    for c in comparison.columns:
        section = sections[c.name]
        if c.histogram is not None:
            bars = section.find_element(By.CSS_SELECTOR, "svg.hist2 path.b")
            outline = section.find_element(By.CSS_SELECTOR, "svg.hist2 path.c")
            tips = section.find_elements(By.CSS_SELECTOR, "svg.hist2 .tips title")
            assert len(tips) == len(c.histogram["baseline"])
            assert bars.size["height"] > 0 and outline.size["height"] > 0  # drawn
        if c.categories:
            drawn = section.find_elements(By.CSS_SELECTOR, "ol.pairs li")
            assert len(drawn) == min(len(c.categories), 12)
    color = sections["color"].text
    assert "NEW VALUES · " in color.upper() and "violet" in color and "blue" in color
    status = {
        r.find_element(By.CSS_SELECTOR, ".cn").text: r.find_element(By.CSS_SELECTOR, ".st").text
        for r in browser.find_elements(By.CSS_SELECTOR, "#ov tbody tr")
    }
    assert status == {c.name: c.status for c in comparison.columns}
    header = browser.find_element(By.CSS_SELECTOR, "header.top").text
    assert "legacy" in header and "channel" in header  # schema changes
    _assert_offline(browser, page_url)
    assert browser.get_log("browser") == []  # no script errors, no CSP violations
    _screenshot(browser, artifacts / "compare-generated.png")


def test_filter_and_sort(browser, comparison, tmp_path):
    from selenium.webdriver.common.by import By

    path = tmp_path / "compare.html"
    comparison.to_html(path)
    _open(browser, path)
    n = len(comparison.columns)
    assert _rows(browser) == n
    browser.find_element(By.ID, "wo").click()
    assert _rows(browser) == len(comparison.drifted_columns) == 3
    browser.find_element(By.ID, "wo").click()
    _type(browser, "jensen")
    assert _rows(browser) == 1
    _type(browser, "")
    header = browser.find_element(
        By.XPATH, "//table[@id='ov']/thead//th[normalize-space()='Score']"
    )
    header.click()
    scores = [s for s in browser.execute_script(SCORES) if s is not None]  # NaN: no score
    assert scores == sorted(scores)
    header.click()
    scores = [s for s in browser.execute_script(SCORES) if s is not None]
    assert scores == sorted(scores, reverse=True)


def test_wide_comparison_is_small_and_fast(browser, tmp_path, artifacts):
    a, b = wide_table(seed=7), wide_table(seed=8)
    html = tp.compare(tp.profile(a), tp.profile(b)).to_html()
    size = len(html.encode("utf-8"))
    assert size <= MAX_BYTES
    path = tmp_path / "wide.html"
    path.write_text(html, encoding="utf-8")
    timings = []
    for _ in range(2):
        page_url = _open(browser, path)
        timings.append(_dom_content_loaded_ms(browser))
    # timings are recorded, not asserted (the machine is shared): see the artifact
    _assert_offline(browser, page_url)
    got = browser.execute_script(
        "return [document.querySelectorAll('details.col').length,"
        " document.querySelectorAll('#ov tbody tr').length]"
    )
    assert got == [1000, 1000]
    (artifacts / "compare-wide-timing.txt").write_text(
        f"bytes {size}\ndom_content_loaded_ms {timings}\n", encoding="utf-8"
    )


def test_hostile_names_and_values_are_text(browser, tmp_path, artifacts):
    values = HOSTILE_VALUES * 300
    a = tp.profile(pa.table({HOSTILE_NAME: values, "n": list(range(len(values)))}))
    b = tp.profile(pa.table({HOSTILE_NAME: values[::-1][:900] + ["<i>new</i>"] * 900}))
    html = tp.compare(a, b).to_html()
    unguarded = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    assert unguarded != html
    for name, page in (("guarded", html), ("unguarded", unguarded)):
        path = tmp_path / f"{name}.html"
        path.write_text(page, encoding="utf-8")
        browser.execute_cdp_cmd(
            "Page.addScriptToEvaluateOnNewDocument",
            {
                "source": "window.__alerts = []; window.alert = (m) => window.__alerts.push(String(m));"
            },
        )
        page_url = _open(browser, path)
        assert browser.execute_script("return window.__alerts") == []
        injected = browser.execute_script(
            "return ['script', 'img', 'svg[onload]', '[onerror]', '[onmouseover]']"
            ".map(s => document.querySelectorAll(s).length)"
        )
        assert injected == [1, 0, 0, 0, 0]
        text = browser.execute_script("return document.body.textContent")
        assert HOSTILE_NAME in text and "<i>new</i>" in text
        for value in HOSTILE_VALUES:
            assert value in text, value
        _assert_offline(browser, page_url)
    _screenshot(browser, artifacts / "compare-hostile.png")
