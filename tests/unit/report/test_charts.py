"""SVG charts: shape and escaping."""

import re

from truthound.profiler.report.charts import histogram, share_bar, sparkline


def test_sparkline_draws_one_stroke_per_non_empty_bin():
    svg = sparkline([3, 0, 1, 5], "histogram of <x>")
    assert svg.count("M") == 3
    assert 'aria-label="histogram of &lt;x&gt;"' in svg
    assert sparkline([], "empty") == ""
    assert sparkline([0, 0], "zeros").count("M") == 0


def test_histogram_has_a_bar_and_tooltip_per_non_empty_bin():
    svg = histogram(["0 – 1", "1 – 2", "<2> – 3"], [10, 0, 5.4], "± 2")
    assert svg.count("<rect") == 2
    titles = re.findall(r"<title>(.*?)</title>", svg)
    assert titles == ["0 – 1: ≈ 10 ± 2", "&lt;2&gt; – 3: ≈ 5 ± 2"]
    heights = [float(h) for h in re.findall(r'height="([\d.]+)"', svg)]
    assert heights[0] > heights[1] > 0


def test_share_bar_never_overflows():
    svg = share_bar([(60, "s0"), (60, "s1")], 100, "share")
    xs = [float(x) + float(w) for x, w in re.findall(r'x="([\d.]+)" y="3" width="([\d.]+)"', svg)]
    assert max(xs) <= 64
    assert share_bar([], 0, "nothing") == ""
