"""Accuracy on 1M generated rows against values computed independently (numpy, pyarrow.compute)."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import truthound.profiler as tp

N = 1_000_000


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(7)
    normal = rng.normal(50.0, 12.0, N)
    normal[rng.random(N) < 0.01] = np.nan
    ints = rng.integers(-1_000_000, 1_000_000, N)
    mask = rng.random(N) < 0.05
    codes = rng.choice(
        np.array(["red", "green", "blue", "cyan", ""]), N, p=[0.4, 0.3, 0.2, 0.09, 0.01]
    )
    return pa.table(
        {
            "normal": pa.array(normal),
            "ints": pa.array(ints, mask=mask),
            "unique": pa.array(np.arange(N) * 7 - 3),
            "codes": pa.array(codes),
        }
    )


@pytest.fixture(scope="module")
def profile(table):
    return tp.profile(table)


def _rank_interval(sorted_values, v):
    return (
        np.searchsorted(sorted_values, v, "left") / len(sorted_values),
        np.searchsorted(sorted_values, v, "right") / len(sorted_values),
    )


def test_exact_statistics_match_numpy(table, profile):
    x = table["normal"].to_numpy(zero_copy_only=False)
    finite = x[~np.isnan(x)]
    c = profile["normal"]
    assert c.row_count == N
    assert c.nan_count == np.isnan(x).sum()
    assert c.distribution.mean == pytest.approx(finite.mean(), rel=1e-9)
    assert c.distribution.std == pytest.approx(finite.std(ddof=1), rel=1e-9)
    assert c.distribution.variance == pytest.approx(finite.var(ddof=1), rel=1e-9)
    assert c.distribution.min == finite.min() and c.distribution.max == finite.max()
    m = finite - finite.mean()
    skew = (m**3).mean() / (m**2).mean() ** 1.5
    kurt = (m**4).mean() / (m**2).mean() ** 2 - 3
    assert c.distribution.skewness == pytest.approx(skew, rel=1e-6, abs=1e-9)
    assert c.distribution.kurtosis == pytest.approx(kurt, rel=1e-6, abs=1e-9)


def test_integer_column_is_exact(table, profile):
    col = table["ints"]
    c = profile["ints"]
    assert c.null_count == col.null_count
    assert c.distribution.sum == pc.sum(col).as_py()
    assert c.min == pc.min(col).as_py() and c.max == pc.max(col).as_py()
    assert c.negative_count == pc.sum(pc.less(col, 0)).as_py()
    assert c.zero_count == pc.sum(pc.equal(col, 0)).as_py()
    assert c.distribution.mean == pytest.approx(pc.mean(col).as_py(), rel=1e-12)


def test_distinct_counts_within_the_stated_error_beyond_the_exact_threshold(table, profile):
    # distinct_count_error is ExaLogLog's relative standard error (0.3524 / sqrt(2**13), 0.389 %);
    # 4 of them bound a single estimate with probability above 99.99 %.
    for name in ("normal", "ints", "unique"):
        truth = pc.count_distinct(table[name], mode="only_valid").as_py()
        c = profile[name]
        assert truth > 100_000
        assert not c.distinct_count_is_exact
        assert c.distinct_count_method == "exaloglog"
        assert c.distinct_count_error == pytest.approx(0.3524 / 2**6.5, rel=0.01)
        assert c.distinct_count_error <= 0.004
        assert abs(c.distinct_count - truth) / truth <= 4 * c.distinct_count_error, name


def test_distinct_sketch_error_over_seeds_matches_its_stated_error():
    # Values are hashed the same way whatever the sketch seed (so engines agree), so independent
    # trials are independent data: 12 seeds of random values. Over them the root-mean-square
    # relative error is the stated standard error; its sample value lies below 2x the stated one
    # with probability above 99.9 %, and each estimate lies within 4 standard errors.
    errors = []
    for seed in range(12):
        values = np.unique(np.random.default_rng(seed).integers(0, 2**62, 200_000))
        c = tp.profile(pa.table({"v": values}))["v"]
        assert not c.distinct_count_is_exact
        relative = (c.distinct_count - len(values)) / len(values)
        assert abs(relative) <= 4 * c.distinct_count_error, seed
        errors.append(relative)
    rms = float(np.sqrt(np.mean(np.square(errors))))
    assert rms <= 2 * c.distinct_count_error
    assert len(set(errors)) > 1


def test_low_cardinality_counts_are_exact(table, profile):
    c = profile["codes"]
    counts = table["codes"].value_counts().to_pylist()
    truth = sorted(((d["counts"], d["values"]) for d in counts), reverse=True)
    assert c.distinct_count == len(truth) and c.distinct_count_is_exact
    assert [(v.count, v.value) for v in c.top_values] == truth
    assert c.empty_string_count == dict((v, n) for n, v in truth)[""]
    assert c.top_values_method == "exact"


@pytest.mark.parametrize("name", ["normal", "ints", "unique"])
def test_every_percentile_within_its_stated_rank_error(table, profile, name):
    values = table[name].drop_null().to_numpy()
    values = np.sort(values[~np.isnan(values)] if values.dtype.kind == "f" else values)
    c = profile[name]
    assert c.quantiles_method == "kll"
    eps = c.quantiles_rank_error
    assert 0 < eps < 0.02
    for key, q in {
        "p1": 0.01,
        "p5": 0.05,
        "p25": 0.25,
        "p50": 0.5,
        "p75": 0.75,
        "p95": 0.95,
        "p99": 0.99,
    }.items():
        lo, hi = _rank_interval(values, c.percentiles[key])
        assert lo - eps <= q <= hi + eps, (key, lo, hi, q)


def test_histogram_counts_within_bound(table, profile):
    x = table["unique"].to_numpy()
    c = profile["unique"]
    h = c.histogram
    truth, _ = np.histogram(x, bins=len(h.counts), range=(x.min(), x.max()))
    assert sum(h.counts) == pytest.approx(N)
    for got, want in zip(h.counts, truth):
        assert abs(got - want) <= h.count_error + 1


@pytest.mark.parametrize("n", [1, 2, 3, 10, 1000, 4096])
def test_quantiles_are_exact_while_small(n):
    rng = np.random.default_rng(n)
    x = rng.normal(size=n)
    p = tp.profile(pa.table({"x": x}))["x"]
    assert p.quantiles_method == "exact" and p.quantiles_rank_error == 0
    for key, q in {"p1": 0.01, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p99": 0.99}.items():
        assert p.percentiles[key] == pytest.approx(np.quantile(x, q), rel=1e-12, abs=1e-12)
    h = p.histogram
    assert h.method == "exact" and h.count_error == 0
    truth, _ = np.histogram(x, bins=np.array(h.edges))
    assert list(h.counts) == list(truth)
    if n <= 20:  # no more distinct values than bins: one bar per value, starting at the value
        assert list(h.counts) == [1] * n and list(h.edges[:-1]) == sorted(x)
    else:
        assert len(h.counts) == 20 and (h.edges[0], h.edges[-1]) == (x.min(), x.max())
