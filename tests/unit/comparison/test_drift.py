"""The drift measures against independent computations: scipy's Wasserstein, Jensen–Shannon, KS
and chi-squared on the raw data; the sketch paths within their stated error; the noise against
random splits of the pooled data (the no-drift distribution it predicts)."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

import truthound.profiler as tp
from truthound import _core


def _profile(values, **settings):
    return tp.profile(pa.table({"x": values}), **settings)


def _compare(x, y, **options):
    return tp.compare(_profile(x), _profile(y), **options)["x"]


def _counts(x, y):
    values = np.union1d(x, y)
    return (
        np.array([np.sum(x == v) for v in values], dtype=float),
        np.array([np.sum(y == v) for v in values], dtype=float),
    )


@pytest.mark.parametrize("seed", range(3))
def test_exact_wasserstein_equals_scipy(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 300, 5000)
    y = rng.integers(20, 320, 7000)
    drift = _compare(x, y).drift
    assert drift.method.endswith("exact, from the frequency tables") and drift.error == 0
    assert drift.score == pytest.approx(stats.wasserstein_distance(x, y) / np.std(x), rel=1e-12)


@pytest.mark.parametrize(
    "make",
    [
        lambda rng, n, s: rng.normal(s, 1, n),
        lambda rng, n, s: rng.lognormal(s, 0.8, n),
        lambda rng, n, s: np.concatenate(
            [rng.normal(s, 1, n // 2), rng.normal(5 + s, 0.3, n // 2)]
        ),
    ],
    ids=["normal", "lognormal", "bimodal"],
)
def test_sketched_wasserstein_within_its_error(make):
    """Past the exact frequency table the score comes from KLL grids: it must lie within the
    stated bound of scipy's exact value (and in practice far inside it)."""
    rng = np.random.default_rng(11)
    for shift in (0.0, 0.3):
        x, y = make(rng, 60_000, 0.0), make(rng, 50_000, shift)
        drift = _compare(x, y).drift
        assert "quantile sketches" in drift.method and drift.error > 0
        truth = stats.wasserstein_distance(x, y) / np.std(x)
        assert abs(drift.score - truth) <= drift.error
        assert abs(drift.score - truth) <= drift.error / 10  # the bound is a worst case


def test_js_distance_equals_scipy_and_chi_squared_small_samples():
    rng = np.random.default_rng(5)
    cats = np.array(["a", "b", "c", "d", "e", "f"])
    x = rng.choice(cats, 4000, p=[0.3, 0.2, 0.2, 0.1, 0.1, 0.1])
    y = rng.choice(cats[:5], 3000, p=[0.2, 0.2, 0.2, 0.2, 0.2])
    drift = _compare(x, y).drift
    p, q = _counts(x, y)
    assert drift.metric == "jensen_shannon"
    assert drift.score == pytest.approx(jensenshannon(p, q), rel=1e-12)

    small = _compare(x[:300], y[:400]).drift
    p, q = _counts(x[:300], y[:400])
    assert small.metric == "chi_squared" and "p-value" in small.method
    # no value is expected fewer than 5 times here, so nothing is pooled
    assert small.score == pytest.approx(
        stats.chi2_contingency(np.vstack([p, q]), correction=False).pvalue
    )
    assert small.drifted == (small.score < 0.05)


def test_ks_small_samples_equal_scipy():
    rng = np.random.default_rng(8)
    x, y = rng.normal(0, 1, 400), rng.normal(0.3, 1, 600)
    drift = _compare(x, y).drift
    result = stats.ks_2samp(x, y)
    assert drift.metric == "ks" and drift.score == pytest.approx(result.pvalue, rel=1e-9)
    assert drift.extra["statistic"] == pytest.approx(result.statistic, rel=1e-12)
    assert drift.drifted == (result.pvalue < 0.05)


def test_sketched_frequencies_within_error_of_the_pooled_truth():
    """Past the exact frequency table the JS distance is that of the tracked values plus one
    'other' cell: within the stated error of the same cells' true distance, which is itself at
    most the full distance."""
    rng = np.random.default_rng(3)
    n = 40_000
    x = np.array([f"v{i}" for i in rng.zipf(1.6, n) % 3000])
    y = np.array([f"v{i}" for i in (rng.zipf(1.5, n) + 3) % 3000])
    settings = {"frequent_exact_capacity": 256, "frequent_sketch_capacity": 64}
    a, b = _profile(x, **settings), _profile(y, **settings)
    drift = tp.compare(a, b)["x"].drift
    assert "sketches" in drift.method and drift.error > 0
    tracked = set()
    for partial in (a.partial, b.partial):
        f = _core.distributions(partial)[0]["frequencies"]
        raw, at = f["value_bytes"], f["value_offsets"]
        tracked |= {raw[at[i] : at[i + 1]].decode() for i in range(len(at) - 1)}
    tracked = sorted(tracked)

    def cells(v):
        counts = np.array([np.sum(v == t) for t in tracked], dtype=float)
        return np.append(counts, len(v) - counts.sum())

    pooled_truth = jensenshannon(cells(x), cells(y))
    assert abs(drift.score - pooled_truth) <= drift.error
    p, q = _counts(x, y)
    assert pooled_truth <= jensenshannon(p, q) + 1e-12


def test_lins_bound_behind_the_frequency_error():
    """JSD (nats) ≤ ln 2 · total variation, on random distributions."""
    rng = np.random.default_rng(0)
    for _ in range(2000):
        k = rng.integers(2, 20)
        p, q = rng.dirichlet(np.ones(k) * 0.3), rng.dirichlet(np.ones(k) * 0.3)
        jsd = jensenshannon(p, q) ** 2
        assert jsd <= math.log(2) * 0.5 * np.abs(p - q).sum() + 1e-12


@pytest.mark.parametrize("k,n_a,n_b", [(5, 3000, 2000), (400, 3000, 4000), (3000, 1500, 1500)])
def test_js_noise_is_the_mean_of_random_splits(k, n_a, n_b):
    """The expected JSD of a random split of the pooled values (no drift), dense and sparse: the
    noise² of two samples that together hold the pooled values."""
    rng = np.random.default_rng(k)
    pooled = rng.integers(0, k, n_a + n_b)
    words = np.array([f"w{i}" for i in range(k)])
    drift = _compare(words[pooled[:n_a]], words[pooled[n_a:]]).drift
    assert drift.metric == "jensen_shannon"
    splits = []
    for _ in range(300):
        perm = rng.permutation(pooled)
        p = np.bincount(perm[:n_a], minlength=k).astype(float)
        q = np.bincount(perm[n_a:], minlength=k).astype(float)
        splits.append(jensenshannon(p, q) ** 2)
    assert drift.noise**2 == pytest.approx(np.mean(splits), rel=0.03)


def test_wasserstein_noise_bounds_random_splits():
    """The noise is the root-mean-square W/σ of random splits, up to the Cauchy–Schwarz bound
    it uses (about 25 % above the truth for a normal)."""
    rng = np.random.default_rng(4)
    x = rng.normal(0, 1, 3000)
    y = rng.normal(0, 1, 2000)
    noise = _compare(x, y).drift.noise
    pooled = np.concatenate([x, y])
    rms = []
    for _ in range(200):
        perm = rng.permutation(pooled)
        rms.append(
            (stats.wasserstein_distance(perm[:3000], perm[3000:]) / np.std(perm[:3000])) ** 2
        )
    rms = math.sqrt(np.mean(rms))
    assert rms <= noise <= 1.5 * rms


def test_null_share_is_cohens_h():
    n = 5000
    x = pa.array(np.arange(n), mask=np.arange(n) % 10 == 0)
    y = pa.array(np.arange(n), mask=np.arange(n) % 4 == 0)
    check = tp.compare(tp.profile(pa.table({"x": x})), tp.profile(pa.table({"x": y})))[
        "x"
    ].null_drift
    assert check.score == pytest.approx(
        abs(2 * math.asin(math.sqrt(0.25)) - 2 * math.asin(math.sqrt(0.1)))
    )
    assert check.noise == pytest.approx(math.sqrt(2 / n))
    assert check.drifted


def test_unique_identifiers_are_not_drift():
    """Every value distinct on both sides: the samples are disjoint whatever the distribution, so
    the raw distance is its maximum and all of it is noise."""
    a = [f"id-{i:06d}" for i in range(5000)]
    b = [f"id-{i:06d}" for i in range(5000, 10000)]
    drift = _compare(np.array(a), np.array(b)).drift
    assert drift.score == pytest.approx(math.sqrt(math.log(2)))
    assert drift.extra["corrected"] == pytest.approx(0, abs=1e-6) and not drift.drifted


@pytest.mark.parametrize(
    "n_a, n_b, shift",
    [
        (400, 400, 0.0),  # equal sizes: the reflection series
        (400, 400, 0.4),
        (300, 700, 0.1),  # unequal, gcd 100: the inside recursion
        (997, 991, 0.05),  # coprime
        (999, 9000, 0.2),
        (600, 12_000, 0.1),  # one side past 10,000: the Kolmogorov distribution at n_eff
        (50, 150_000, 0.3),  # together past 100,000
    ],
)
def test_ks_p_values_equal_scipy_across_sizes(n_a, n_b, shift):
    rng = np.random.default_rng(n_a + n_b)
    x, y = rng.normal(0, 1, n_a).round(2), rng.normal(shift, 1, n_b).round(2)  # with ties
    drift = _compare(x, y).drift
    assert drift.metric == "ks"
    result = stats.ks_2samp(x, y)
    # scipy reports sup |F_a − F_b| rounded to the lattice of the exact count (h / lcm)
    assert drift.extra["statistic"] == pytest.approx(result.statistic, rel=1e-14)
    if n_a + n_b <= 100_000:
        assert drift.score == pytest.approx(result.pvalue, rel=1e-12, abs=1e-300)
    else:  # the profile's rule: the Kolmogorov distribution at n_eff, as scipy's asymptotic mode
        n = round(n_a * n_b / (n_a + n_b))
        assert drift.score == pytest.approx(stats.kstwo.sf(result.statistic, n), rel=1e-12)


def _pooled(p, q):
    """Cochran's rule, written out: cells expected fewer than 5 times on either side pooled."""
    table = np.vstack([p, q])
    expected = table.sum(axis=0) * table.sum(axis=1)[:, None] / table.sum()
    rare = (expected < 5).any(axis=0)
    cells = [table[:, ~rare]] + ([table[:, rare].sum(axis=1)[:, None]] if rare.any() else [])
    pooled = np.hstack(cells)
    return pooled[:, pooled.sum(axis=0) > 0]


@pytest.mark.parametrize(
    "k, n_a, n_b", [(3, 200, 300), (12, 500, 400), (40, 900, 950), (150, 990, 999)]
)
def test_chi_squared_equals_scipy_with_rare_cells_pooled(k, n_a, n_b):
    """Many cells (up to 149 degrees of freedom: the incomplete gamma far from its series), with
    rare ones pooled."""
    rng = np.random.default_rng(k)
    weights = rng.dirichlet(np.ones(k) * 0.7)
    cats = np.array([f"c{i:03d}" for i in range(k)])
    x = rng.choice(cats, n_a, p=weights)
    y = rng.choice(cats, n_b, p=np.roll(weights, 1) * 0.3 + weights * 0.7)
    drift = _compare(x, y).drift
    assert drift.metric == "chi_squared"
    table = _pooled(*_counts(x, y))
    result = stats.chi2_contingency(table, correction=False)
    assert drift.extra["statistic"] == pytest.approx(result.statistic, rel=1e-12)
    assert drift.score == pytest.approx(result.pvalue, rel=1e-12, abs=1e-300)


def test_histograms_equal_numpy_on_the_raw_values():
    """Exact sides: edges from the inverse of the empirical distribution at 0.5 % and 99.5 %
    (numpy's inverted_cdf), shares from numpy.histogram of the values clipped to the edges."""
    rng = np.random.default_rng(2)
    x = rng.integers(0, 400, 6000)
    y = np.concatenate([rng.integers(50, 450, 5000), [10_000]])  # one far outlier
    h = _compare(x, y).histogram
    lo = min(np.quantile(v, 0.005, method="inverted_cdf") for v in (x, y))
    hi = max(np.quantile(v, 0.995, method="inverted_cdf") for v in (x, y))
    edges = np.linspace(lo, hi, 21)
    assert h["edges"] == edges.tolist() and h["method"] == "exact" and h["clipped"]
    for side, v in (("baseline", x), ("current", y)):
        counts, _ = np.histogram(np.clip(v, lo, hi), bins=edges)
        assert h[side] == (counts / len(v)).tolist()
