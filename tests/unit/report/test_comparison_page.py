"""The comparison page as text: self-contained (inline style and script, a CSP that forbids
loading anything), every column present, values escaped, clipped tails said."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

import truthound.profiler as tp
from truthound.profiler.report.comparison import render_comparison_html

from ..comparison.tables import table


def test_self_contained():
    c = tp.compare(table(1, rows=3000), table(3, changed=True, rows=3000))
    html = render_comparison_html(c)
    assert html.startswith("<!doctype html>") and html == c.to_html()
    assert "default-src &#x27;none&#x27;" in html and "script-src &#x27;sha256-" in html
    assert "http://" not in html and "https://" not in html
    assert '<link rel="stylesheet"' not in html and "<script src" not in html
    for col in c.columns:
        assert f">{col.name}<" in html


def test_long_tails_are_clipped_into_the_end_bins():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 1, 5000), [1e6]])
    c = tp.compare(pa.table({"x": x}), pa.table({"x": x + 0.5}))
    h = c["x"].histogram
    assert h["clipped"] and h["edges"][-1] < 10  # not stretched to the outlier
    assert sum(h["baseline"]) == 1.0 or abs(sum(h["baseline"]) - 1) < 1e-12
    assert "tails in the end bins" in c.to_html() and "≥ " in c.to_html()


def test_values_are_escaped():
    a = tp.profile(pa.table({"<b>x</b>": ["<script>alert(1)</script>"] * 2000}))
    b = tp.profile(pa.table({"<b>x</b>": ["<img src=x onerror=alert(2)>"] * 2000}))
    html = tp.compare(a, b).to_html()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;x&lt;/b&gt;" in html
