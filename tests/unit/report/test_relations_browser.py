"""The relationship sections of the report and the notebook view, in a real headless Chromium:
heatmaps per measure with a tooltip per cell (written, or made on hover for large maps), the
missing-values section, the sample rows; offline. The notebook view (``_repr_html_``) renders
on its own page, with no script and no Jupyter package, under 1 MB for 1,000 columns."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

import truthound.profiler as tp
from truthound.profiler.report import write_html
from truthound.profiler.report.format import percent

from .conftest import requires_browser
from .test_browser import _assert_offline, _open, _screenshot

pytestmark = [pytest.mark.browser, requires_browser]


@pytest.fixture(scope="module")
def related_profile():
    rng = np.random.default_rng(11)
    n = 5_000
    x = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], n)
    return tp.profile(
        pa.table(
            {
                "x": pa.array(x, mask=rng.random(n) < 0.1),
                "y": 0.9 * x + 0.3 * rng.normal(size=n),
                "z": pa.array(np.exp(x), mask=rng.random(n) < 0.1),
                "colour": colour,
                "shade": np.char.add(colour, "-ish"),
                "note": pa.array(["<script>alert(1)</script>"] * n, mask=rng.random(n) < 0.5),
            }
        ),
        correlations=True,
    )


def test_relationship_sections(browser, related_profile, tmp_path, artifacts):
    from selenium.webdriver.common.by import By

    path = write_html(related_profile, tmp_path / "related.html")
    page_url = _open(browser, path)
    for section in ("correlations", "missing", "sample"):
        assert browser.find_element(By.ID, section).is_displayed(), section
    for measure in ("pearson", "spearman", "cramers_v", "correlation_ratio", "nullity"):
        assert browser.find_elements(By.ID, f"hm-{measure}"), measure
    tips = browser.execute_script(
        "return [...document.querySelectorAll('#hm-pearson td')].map(td => td.title)"
    )
    r = related_profile.correlations["pearson"]["matrix"][0][1]
    assert any(t.startswith(f"x ~ y: {r:.3f}") for t in tips)
    nulls = browser.execute_script(
        "return [...document.querySelectorAll('#missing table.nulls td.cn')].map(td => td.textContent)"
    )
    assert set(nulls) == {"x", "z", "note"}
    shown = browser.execute_script(
        "return document.querySelectorAll('#sample table.sample tbody tr').length"
    )
    assert shown == 50
    # the hostile value is text, not markup
    assert browser.execute_script("return document.querySelectorAll('script').length") == 1
    _assert_offline(browser, page_url)
    _screenshot(browser, artifacts / "report-relations.png")


def test_large_heatmap_tooltips_come_on_hover(browser, wide_profile, tmp_path):
    from selenium.webdriver.common.by import By

    path = write_html(wide_profile, tmp_path / "wide.html")
    _open(browser, path)
    pearson = wide_profile.correlations["pearson"]
    assert len(pearson["columns"]) == 64
    cell = browser.find_element(
        By.CSS_SELECTOR, "#hm-pearson tbody tr:nth-child(1) td:nth-child(3)"
    )
    assert cell.get_attribute("title") == ""
    # the pointer reaching the cell (a real mouseover event, dispatched where the cell is)
    browser.execute_script(
        "arguments[0].dispatchEvent(new MouseEvent('mouseover', {bubbles: true}))", cell
    )
    r = pearson["matrix"][0][1]
    expected = f"{pearson['columns'][0]} ~ {pearson['columns'][1]}: {r:.3f}"
    assert cell.get_attribute("title") == expected


def test_notebook_view(browser, wide_profile, tmp_path, artifacts):
    html = wide_profile._repr_html_()
    assert len(html.encode()) < 1_000_000
    assert "<script" not in html
    page = tmp_path / "notebook.html"
    page.write_text(f"<!doctype html><meta charset='utf-8'><body>{html}</body>", encoding="utf-8")
    page_url = _open(browser, page)
    rows = browser.execute_script("return document.querySelectorAll('.th-nb tbody tr').length")
    assert rows == 1_000
    sparks = browser.execute_script("return document.querySelectorAll('.th-nb svg.spark').length")
    assert sparks >= 900
    nulls = browser.execute_script(
        "return [...document.querySelectorAll('.th-nb tbody tr')].slice(0, 3).map(r => r.cells[2].textContent)"
    )
    assert nulls == [percent(c.null_ratio) for c in wide_profile.columns[:3]]
    header = browser.execute_script("return document.querySelector('.th-nb .th-h').textContent")
    assert "1,000 columns" in header and "300 rows" in header
    _assert_offline(browser, page_url)
    _screenshot(browser, artifacts / "notebook-view.png")
