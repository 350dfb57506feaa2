"""compare() on generated tables: every change reported in the JSON fields, the unchanged column
and a second sample of the baseline's distribution not flagged, scores equal to scipy's on the
same data (within the sketches' stated error), and thresholds far from both."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import wasserstein_distance

import truthound.profiler as tp
from truthound.profiler.errors import InvalidInputError

from .tables import SHIFT_SIGMAS, table


@pytest.fixture(scope="module")
def tables():
    return table(1), table(2), table(3, changed=True)


@pytest.fixture(scope="module")
def profiles(tables):
    return tuple(tp.profile(t) for t in tables)


@pytest.fixture(scope="module")
def changed(profiles):
    return json.loads(tp.compare(profiles[0], profiles[2]).to_json())


@pytest.fixture(scope="module")
def same(profiles):
    return json.loads(tp.compare(profiles[0], profiles[1]).to_json())


def _columns(d):
    return {c["name"]: c for c in d["columns"]}


def _w_normed(x, y):
    return wasserstein_distance(x, y) / np.std(x)


def _js(x, y):
    values = sorted(set(x) | set(y))
    p = np.array([np.sum(x == v) for v in values], dtype=float)
    q = np.array([np.sum(y == v) for v in values], dtype=float)
    return jensenshannon(p, q)


def test_every_change_is_reported(changed, tables):
    base, _, cur = tables
    assert sorted((s["column"], s["change"]) for s in changed["schema_changes"]) == [
        ("channel", "added"),
        ("legacy", "removed"),
    ]
    cols = _columns(changed)
    assert cols["channel"]["status"] == "added" and cols["legacy"]["status"] == "removed"
    assert cols["channel"]["drift"] is None and cols["legacy"]["deltas"]["mean"]["current"] is None

    amount = cols["amount"]
    assert amount["status"] == "changed" and amount["drift"]["metric"] == "wasserstein"
    truth = _w_normed(base["amount"].to_numpy(), cur["amount"].to_numpy())
    assert abs(amount["drift"]["score"] - truth) <= amount["drift"]["error"]
    assert amount["drift"]["drifted"]
    mean = amount["deltas"]["mean"]
    assert mean["difference"] == pytest.approx(mean["current"] - mean["baseline"])
    assert mean["difference"] / np.std(base["amount"].to_numpy()) == pytest.approx(
        SHIFT_SIGMAS, abs=0.05
    )
    assert set(amount["deltas"]) >= {
        "row_count",
        "null_ratio",
        "distinct_count",
        "mean",
        "std",
        "min",
        "max",
        "p50",
        "p99",
    }

    color = cols["color"]
    assert color["status"] == "changed" and color["drift"]["metric"] == "jensen_shannon"
    x, y = base["color"].to_numpy(), cur["color"].to_numpy()
    assert color["drift"]["score"] == pytest.approx(_js(x, y), rel=1e-9)  # exact tables
    assert color["drift"]["error"] == 0 and color["drift"]["drifted"]
    assert color["new_values"] == [{"value": "violet", "count": int(np.sum(y == "violet"))}]
    assert color["missing_values"] == [{"value": "blue", "count": int(np.sum(x == "blue"))}]

    rating = cols["rating"]
    nulls = rating["deltas"]["null_ratio"]
    assert nulls["baseline"] == pytest.approx(0.05, abs=0.01)
    assert nulls["current"] == pytest.approx(0.40, abs=0.01)
    assert rating["null_drift"]["drifted"] and rating["status"] == "changed"
    assert not rating["drift"]["drifted"]  # the non-null values did not move

    units = cols["units"]
    assert units["status"] == "unchanged" and not units["drift"]["drifted"]
    assert units["drift"]["error"] == 0  # integers 0..499: exact frequency table
    assert units["drift"]["score"] == pytest.approx(
        _w_normed(base["units"].to_numpy(), cur["units"].to_numpy()), rel=1e-9
    )

    assert changed["drifted_columns"] == ["amount", "color", "rating"]
    s = changed["summary"]
    assert (s["columns_compared"], s["columns_drifted"]) == (4, 3)
    assert s["drifted_share"] == 0.75 and s["dataset_drift"] is True
    assert (s["columns_added"], s["columns_removed"], s["columns_type_changed"]) == (1, 1, 0)


def test_second_sample_is_not_flagged(same):
    assert same["drifted_columns"] == [] and same["schema_changes"] == []
    assert all(c["status"] == "unchanged" for c in same["columns"])
    assert same["summary"]["dataset_drift"] is False


def test_thresholds_are_far_from_noise_and_from_the_changes(same, changed):
    """A second sample scores under a third of each threshold; each change over three times."""
    for c in _columns(same).values():
        for check in (c["drift"], c["null_drift"]):
            assert check["score"] < check["threshold"] / 3, (c["name"], check)
            # the noise estimate is the size of a second sample's score
            assert check["score"] < 3 * check["noise"] + 1e-12, (c["name"], check)
    cols = _columns(changed)
    for name, key in (("amount", "drift"), ("color", "drift"), ("rating", "null_drift")):
        check = cols[name][key]
        assert check["corrected"] > 3 * check["threshold"], (name, check)


def test_profile_compare_and_saved_profiles_agree(profiles, tmp_path, changed):
    a, _, b = profiles
    a.save(tmp_path / "a.json")
    b.save(tmp_path / "b.json")
    from_files = json.loads(tp.compare(tmp_path / "a.json", str(tmp_path / "b.json")).to_json())
    from_method = json.loads(a.compare(b).to_json())
    for d in (from_files, from_method):
        assert d["columns"] == changed["columns"]
        assert d["drifted_columns"] == changed["drifted_columns"]


def test_data_sides_are_profiled(tables, changed):
    d = json.loads(tp.compare(tables[0], tables[2]).to_json())
    assert d["drifted_columns"] == changed["drifted_columns"]
    assert _columns(d)["color"]["drift"] == _columns(changed)["color"]["drift"]


def test_columns_option_and_unknown_names(profiles):
    c = tp.compare(profiles[0], profiles[2], columns=["color", "channel"])
    assert [x.name for x in c.columns] == ["color", "channel"]
    with pytest.raises(InvalidInputError, match="no column named 'nope'"):
        tp.compare(profiles[0], profiles[2], columns=["nope"])


def test_settings_as_keywords(profiles):
    c = tp.compare(profiles[0], profiles[2], numeric_threshold=10.0, categorical_threshold=0.9)
    assert c.settings.numeric_threshold == 10.0
    assert c.drifted_columns == ["rating"]
    with pytest.raises(InvalidInputError, match="numeric_threshold"):
        tp.compare(profiles[0], profiles[2], numeric_threshold=-1)


def test_profile_without_state_is_refused(profiles, tmp_path):
    profiles[0].save(tmp_path / "bare.json", include_state=False)
    with pytest.raises(InvalidInputError, match="no mergeable state"):
        tp.compare(tmp_path / "bare.json", profiles[1])


def test_type_change_and_constant_columns():
    import pyarrow as pa

    a = tp.profile(pa.table({"k": list(range(2000)), "c": [7] * 2000}))
    b = tp.profile(pa.table({"k": [str(i) for i in range(2000)], "c": [9] * 2000}))
    c = tp.compare(a, b)
    assert c.schema_changes == [
        {
            "column": "k",
            "change": "type_changed",
            "baseline_type": "int64",
            "current_type": "string",
            "baseline_kind": "integer",
            "current_kind": "string",
        }
    ]
    assert c["k"].status == "changed" and c["k"].drift.metric is None
    # both sides constant, different values: infinitely many standard deviations apart
    assert c["c"].drift.score == math.inf and c["c"].drift.drifted
    assert json.loads(c.to_json())["columns"][1]["drift"]["score"] == "inf"
    same = tp.compare(a, a)
    assert same["c"].drift.score == 0 and not same["c"].drifted


def test_percentile_deltas_are_exact_while_the_table_is():
    """Number columns whose frequency table is exact get numpy's percentiles (linear), whatever
    the row count; the profile's own are KLL estimates past 4,096 values."""
    import pyarrow as pa

    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 500, 20_000), rng.normal(size=20_000).round(2)
    c = tp.compare(pa.table({"x": x, "y": y}), pa.table({"x": x[::2], "y": y[::2]}))
    for key in ("p1", "p5", "p25", "p50", "p75", "p95", "p99"):
        q = float(key[1:]) / 100
        for name, values in (("x", x), ("y", y)):
            delta = c[name].deltas[key]
            assert delta["baseline"] == pytest.approx(np.quantile(values, q), abs=1e-12)
            assert delta["current"] == pytest.approx(np.quantile(values[::2], q), abs=1e-12)


def test_every_kind_compares_the_same_fresh_and_saved(tmp_path):
    """Dates, times, durations, timestamps, decimals, booleans, binary, nested, all-null and
    NaN-only columns: a loaded profile (values as JSON text) compares exactly as the fresh one;
    columns without comparable values say why."""
    import datetime as dt
    from decimal import Decimal

    import pyarrow as pa

    rng = np.random.default_rng(0)
    n = 3000

    def make(shift):
        days = rng.integers(0, 100 + int(shift * 100), n)
        return pa.table(
            {
                "d": pa.array([dt.date(2024, 1, 1) + dt.timedelta(days=int(x)) for x in days]),
                "ts": pa.array(
                    [
                        dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=int(x))
                        for x in days
                    ]
                ),
                "tm": pa.array([dt.time(int(h), 0) for h in rng.integers(0, 24, n)]),
                "dur": pa.array([dt.timedelta(seconds=int(x)) for x in rng.integers(0, 1000, n)]),
                "dec": pa.array(
                    [Decimal(int(x)) / 100 for x in rng.integers(0, 10_000, n)],
                    pa.decimal128(10, 2),
                ),
                "b": rng.random(n) < 0.3 + shift,
                "bin": pa.array([bytes([int(x)]) for x in rng.integers(0, 5, n)]),
                "nested": pa.array([[1, 2]] * n),
                "nulls": pa.nulls(n),
                "nan": pa.array([float("nan")] * n),
            }
        )

    a, b = tp.profile(make(0.0)), make(0.2)
    a.save(tmp_path / "a.json")
    fresh = json.loads(tp.compare(a, b).to_json())
    saved = json.loads(tp.compare(tmp_path / "a.json", b).to_json())
    assert saved["columns"] == fresh["columns"]
    cols = _columns(fresh)
    assert cols["dur"]["deltas"]["max"]["difference"] is not None
    assert cols["d"]["drift"]["drifted"] and cols["b"]["drift"]["metric"] == "jensen_shannon"
    for name in ("nested", "nulls", "nan"):
        assert cols[name]["drift"]["metric"] is None and cols[name]["drift"]["method"].startswith(
            "not compared"
        )
