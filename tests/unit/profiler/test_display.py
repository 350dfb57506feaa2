"""How values read: integer codes (years, clock times, zip codes, keys) without thousands
separators in every place the report and the console print them; tied values by value, then by
type."""

import math
import re
from datetime import date, datetime

import numpy as np
import pyarrow as pa

import truthound.profiler as tp
from truthound.profiler.display import number, order_key, show
from truthound.profiler.render import render_console
from truthound.profiler.report import render_html


def test_numbers_and_codes():
    assert number(2013) == "2,013" and number(2013, code=True) == "2013"
    assert number(1545.0, code=True) == "1545" and number(1356.5, code=True) == "1356.5"
    assert number(float("nan"), code=True) == "NaN"
    assert show(2013, code=True) == "2013" and show("2,013") == "2,013"


def test_ties_by_value_then_type():
    assert sorted([1, 5, -7, -1], key=order_key) == [-7, -1, 1, 5]
    mixed = ["b", 2, float("nan"), 1.5, None, True, "a", float("inf"), b"\x00"]
    ordered = sorted(mixed, key=order_key)
    assert ordered[:3] == [True, 1.5, 2] and ordered[3] == float("inf")
    assert math.isnan(ordered[4]) and ordered[5:] == ["a", "b", b"\x00", None]
    assert sorted([date(2020, 1, 2), datetime(2020, 1, 1), date(2020, 1, 1)], key=order_key)


def test_top_values_with_equal_counts_are_in_value_order():
    p = tp.profile(pa.table({"x": [1, 5, -7, -1] * 3, "s": ["b", "c", "a"] * 4}))
    assert [v.value for v in p["x"].top_values] == [-7, -1, 1, 5]
    assert [v.value for v in p["x"].bottom_values] == [-7, -1, 1, 5]
    assert [v.value for v in p["s"].top_values] == ["a", "b", "c"]
    # the values kept when ties straddle top_n are the smallest
    q = tp.profile(pa.table({"x": list(range(100, 0, -1)) * 2}), top_n=3)
    assert [v.value for v in q["x"].top_values] == [1, 2, 3]


def _section(page: str, i: int) -> str:
    return re.search(rf'<details class="col" id="c-{i}".*?</details>', page, re.S).group(0)


def test_codes_print_without_separators_everywhere():
    rng = np.random.default_rng(8)
    n = 5_000
    hhmm = rng.integers(5, 24, n) * 100 + rng.integers(0, 60, n)
    p = tp.profile(
        pa.table(
            {
                "year": [2013] * n,
                "sched_dep_time": hhmm,
                "distance": rng.integers(1000, 5000, n),
            }
        )
    )
    assert (p["year"].integer_code, p["sched_dep_time"].integer_code) == ("year", "hhmm")
    page = render_html(p)
    year, clock, distance = _section(page, 0), _section(page, 1), _section(page, 2)
    assert "2013" in year and "2,013" not in year
    lo, hi = int(hhmm.min()), int(hhmm.max())
    # min/max, percentiles, histogram axis and bin tooltips (counts keep their separators)
    thousands = re.compile(r"\d,\d{3}")
    for block in (
        r"<h4>Range</h4>.*?</dl>",
        r"<h4>Percentiles</h4>.*?</dl>",
        r'<div class="axis">.*?</div>',
        r'<svg class="box".*?</svg>',
    ):
        (text,) = re.findall(block, clock, re.S)
        assert not thousands.search(text), text
        assert thousands.search(re.findall(block, distance, re.S)[0])  # a measurement keeps them
    bins = re.findall(r"<title>([^<:]*):", clock)
    assert bins and not any(thousands.search(b) for b in bins)
    assert f">{lo}<" in clock and f">{hi}<" in clock
    (constant,) = [a for a in p.alerts if a.kind == "constant"]
    assert constant.message.endswith(": 2013")
    console = render_console(p)
    assert "min 2013" in console and "2,013" not in console
