"""Drift measures between two column distributions, each with its method, its error from the
sketches' own bounds, and its noise (the score two samples of one distribution would have at
these sizes).

- Numbers, dates and times: the Wasserstein-1 distance in baseline standard deviations
  (Evidently's "normed Wasserstein"). Exact from two exact frequency tables (the area between
  the two empirical distribution functions); else from quantile functions on a grid, within
  ``2 (ε + 1/2m) · range / σ`` per sketched side (ε the KLL rank error: the band between a
  quantile function shifted left and right by ε has area 2ε · range).
- Categories: the Jensen–Shannon distance (natural log, as scipy's ``jensenshannon``) between the
  frequency tables, values a sketch dropped pooled as one "other" cell; within
  ``√(ln2·TV_a) + √(ln2·TV_b)`` of the pooled truth, TV ≤ min(k·e, other) / n (JSD ≤ ln2 · TV,
  Lin 1991; the distance is a metric).
- Null share: Cohen's h, ``|2 asin √p_b − 2 asin √p_a|``.
- Small samples (exact tables, under ``small_sample_rows``): two-sample Kolmogorov–Smirnov or
  chi-squared test of homogeneity, score = p-value.

Noise is the root-mean-square score of two samples of one distribution at these sizes, and
drift is judged on √(score² − noise²): Wasserstein ``√(1/n_a + 1/n_b) · ∫√(F(1−F)) dx / σ``
(F̂_a − F̂_b at x has variance F(1−F)(1/n_a + 1/n_b); Cauchy–Schwarz bounds the mean square of
its integral by the square of this); Jensen–Shannon √E[JSD] with the pooled values split at
random (hypergeometric per value, exact); Cohen's h ``√(1/N_a + 1/N_b)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from truthound.profiler.comparison.distribution import Distribution
from truthound.profiler.comparison.settings import CompareSettings

__all__ = ["Drift", "categorical_drift", "not_compared", "null_drift", "numeric_drift"]

_LN2 = math.log(2)
# Up to this many values on both sides together, scipy's exact two-sample KS p-value.
_KS_EXACT_UP_TO = 100_000
# Cells of at most this many pooled values get their exact expected JS term.
_EXACT_CELL = 32


@dataclass(frozen=True)
class Drift:
    """One drift check of one column.

    Distances: ``score`` is the distance between the two samples (as scipy and Evidently compute
    it), ``noise`` the root-mean-square score of two samples of one distribution at these sizes,
    ``corrected`` = √(score² − noise²), and ``drifted`` is ``corrected > threshold``. p-values
    (``metric`` ``ks`` or ``chi_squared``): ``drifted`` is ``score < threshold``.
    """

    metric: str | None
    score: float | None
    threshold: float | None
    drifted: bool
    method: str
    error: float | None = None
    noise: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = {
            "metric": self.metric,
            "score": _num(self.score),
            "threshold": self.threshold,
            "drifted": self.drifted,
            "method": self.method,
            "error": _num(self.error),
            "noise": _num(self.noise),
        }
        d.update({k: _num(v) for k, v in self.extra.items()})
        return d


def _num(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return repr(v)  # JSON has no NaN/inf: "inf", as in profiles
    return v


def not_compared(why: str) -> Drift:
    return Drift(None, None, None, False, why)


def _corrected(score: float, noise: float, s: CompareSettings) -> float:
    """The score less its sampling noise, added in quadrature: an estimate of the distance
    between the two populations rather than between the two samples."""
    if not s.noise_correction or not math.isfinite(score):
        return score
    return math.sqrt(max(score * score - noise * noise, 0.0))


def _distance_drift(
    metric: str,
    score: float,
    threshold: float,
    method: str,
    error: float,
    noise: float,
    s: CompareSettings,
) -> Drift:
    corrected = _corrected(score, noise, s)
    return Drift(
        metric,
        score,
        threshold,
        bool(corrected > threshold),
        method,
        error,
        noise,
        {"corrected": corrected},
    )


# ---------------------------------------------------------------------------------------------
# numbers


def _cdf(numbers: np.ndarray, weights: np.ndarray, at: np.ndarray) -> np.ndarray:
    cum = np.concatenate(([0.0], np.cumsum(weights))) / weights.sum()
    return cum[np.searchsorted(numbers, at, side="right")]


def _exact_wasserstein(a: Distribution, b: Distribution) -> float:
    z = np.union1d(a.numbers, b.numbers)
    diff = np.abs(_cdf(a.numbers, a.weights, z[:-1]) - _cdf(b.numbers, b.weights, z[:-1]))
    return float((diff * np.diff(z)).sum())


def _spread_exact(a: Distribution) -> float:
    """∫ √(F(1−F)) dx of an exact table."""
    f = np.cumsum(a.weights)[:-1] / a.weights.sum()
    return float((np.sqrt(f * (1 - f)) * np.diff(a.numbers)).sum())


def _spread_grid(u: np.ndarray, q: np.ndarray) -> float:
    """∫ √(u(1−u)) dQ(u) of a quantile function on a grid."""
    mid = (u[1:] + u[:-1]) / 2
    return float((np.sqrt(mid * (1 - mid)) * np.diff(q)).sum())


def _ks_test(a: Distribution, b: Distribution, s: CompareSettings) -> Drift:
    from scipy import stats

    z = np.union1d(a.numbers, b.numbers)
    statistic = float(np.max(np.abs(_cdf(a.numbers, a.weights, z) - _cdf(b.numbers, b.weights, z))))
    n_a, n_b = int(a.weights.sum()), int(b.weights.sum())
    if n_a + n_b <= _KS_EXACT_UP_TO:
        x = np.repeat(a.numbers, a.weights.astype(np.int64))
        y = np.repeat(b.numbers, b.weights.astype(np.int64))
        p = float(stats.ks_2samp(x, y).pvalue)
    else:  # one side small, the other large: the Kolmogorov distribution at n_eff
        p = float(stats.kstwo.sf(statistic, round(n_a * n_b / (n_a + n_b))))
    return Drift(
        "ks",
        p,
        s.p_value_threshold,
        p < s.p_value_threshold,
        "two-sample Kolmogorov–Smirnov test on the exact values (small sample; score is the "
        "p-value, drift below the threshold)",
        0.0,
        None,
        {"statistic": statistic},
    )


def numeric_drift(a: Distribution, b: Distribution, s: CompareSettings) -> Drift:
    """Normalized Wasserstein distance (or a KS test for small exact samples) of ordered columns."""
    has_a = a.numbers is not None and len(a.numbers) or a.grid is not None and len(a.grid)
    has_b = b.numbers is not None and len(b.numbers) or b.grid is not None and len(b.grid)
    if not has_a or not has_b:
        return not_compared(
            "not compared: no finite values on "
            + ("both sides" if not (has_a or has_b) else "one side")
        )
    n_a, n_b = a.finite, b.finite
    both_exact = a.numbers is not None and b.numbers is not None
    if both_exact and min(n_a, n_b) < s.small_sample_rows:
        return _ks_test(a, b, s)
    if both_exact:
        distance = _exact_wasserstein(a, b)
        spread = _spread_exact(a)
        error = 0.0
        how = "exact, from the frequency tables"
    else:
        if a.grid is not None and b.grid is not None:
            u = np.intersect1d(a.grid_u, b.grid_u)
            qa = a.grid[np.isin(a.grid_u, u)]
            qb = b.grid[np.isin(b.grid_u, u)]
        else:
            u = a.grid_u if a.grid is not None else b.grid_u
            qa, qb = a.quantiles(u), b.quantiles(u)
        m = s.quantile_grid
        distance = float(np.mean(np.abs(qa - qb))) if len(u) else 0.0
        spread = _spread_exact(a) if a.numbers is not None else _spread_grid(u, qa)
        error = 0.0
        for side in (a, b):
            eps = side.rank_error + 0.5 / m
            if side.low is not None and side.high is not None:
                error += 2 * eps * (side.high - side.low)
        how = f"from the quantile sketches on a {m}-point grid, within ± error (KLL rank bound)"
    scale = a.std() or b.std()
    if scale > 0:
        score = distance / scale
        error /= scale
        noise = math.sqrt(1 / n_a + 1 / n_b) * spread / scale
    else:  # both sides constant
        score = 0.0 if distance == 0 else math.inf
        error, noise = 0.0, 0.0
    return _distance_drift(
        "wasserstein",
        score,
        s.numeric_threshold,
        f"Wasserstein-1 distance in baseline standard deviations, {how}",
        error,
        noise,
        s,
    )


# ---------------------------------------------------------------------------------------------
# categories


def _aligned(a: Distribution, b: Distribution) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts of the union of both tables' values (keys ascending), one row per side, and the
    union's keys."""
    keys = np.union1d(a.keys, b.keys)
    table = np.zeros((2, len(keys)))
    table[0, np.searchsorted(keys, a.keys)] = a.counts
    table[1, np.searchsorted(keys, b.keys)] = b.counts
    return table, keys, np.array([a.total - a.listed, b.total - b.listed])


def _js_distance(p: np.ndarray, q: np.ndarray) -> float:
    p = p / p.sum()
    q = q / q.sum()
    m = (p + q) / 2

    def kl(x: np.ndarray) -> float:
        nz = x > 0
        return float((x[nz] * np.log(x[nz] / m[nz])).sum())

    return math.sqrt(max((kl(p) + kl(q)) / 2, 0.0))


def _jsd_terms(x: np.ndarray, c: np.ndarray, n_a: float, n_b: float) -> np.ndarray:
    """A cell's share of the JS divergence when side a holds x of its c pooled values."""
    p, q = x / n_a, (c - x) / n_b
    m = (p + q) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(p > 0, p * np.log(p / m), 0.0) + np.where(q > 0, q * np.log(q / m), 0.0)
    return t / 2


def _expected_jsd(pooled: np.ndarray, n_a: float, n_b: float) -> float:
    """E[JS divergence] when the pooled values are split at random into samples of n_a and n_b
    (no drift): by linearity, the sum over cells of each cell's expected term, its count on side
    a hypergeometric. Exact for cells of at most ``_EXACT_CELL`` values; above, the second-order
    term N(N − c) / (8 n_a n_b (N − 1)) (which sums to about (k − 1)(1/n_a + 1/n_b) / 8)."""
    c = pooled[pooled > 0]
    n = n_a + n_b
    big = c[c > _EXACT_CELL]
    total = float(np.sum(n * (n - big) / (8 * n_a * n_b * (n - 1)))) if n > 1 else 0.0
    small, multiplicity = np.unique(c[c <= _EXACT_CELL], return_counts=True)
    if len(small):
        x = np.arange(_EXACT_CELL + 1, dtype=np.float64)[None, :]
        cc = small[:, None]
        # P(X = 0) = prod_{j<c} (N - n_a - j) / (N - j); then the hypergeometric ratio
        j = np.arange(_EXACT_CELL, dtype=np.float64)[None, :]
        first = np.where(j < cc, (n - n_a - j) / (n - j), 1.0).prod(axis=1, keepdims=True)
        ratio = (
            (cc - x[:, :-1])
            * (n_a - x[:, :-1])
            / ((x[:, :-1] + 1) * (n - cc - n_a + x[:, :-1] + 1))
        )
        ratio = np.where(x[:, :-1] < cc, np.clip(ratio, 0.0, None), 0.0)
        pmf = first * np.concatenate([np.ones_like(first), np.cumprod(ratio, axis=1)], axis=1)
        terms = np.where(x <= cc, _jsd_terms(np.minimum(x, cc), cc, n_a, n_b), 0.0)
        total += float(((pmf * terms).sum(axis=1) * multiplicity).sum())
    return total


def _chi_squared_test(table: np.ndarray, s: CompareSettings) -> Drift:
    from scipy import stats

    # Cochran: pool the values expected fewer than 5 times on either side into one cell.
    expected = table.sum(axis=0, keepdims=True) * table.sum(axis=1, keepdims=True) / table.sum()
    rare = (expected < 5).any(axis=0)
    pooled = table[:, ~rare]
    if rare.any():
        pooled = np.column_stack([pooled, table[:, rare].sum(axis=1)])
    pooled = pooled[:, pooled.sum(axis=0) > 0]
    if pooled.shape[1] < 2:
        p, statistic = 1.0, 0.0
    else:
        result = stats.chi2_contingency(pooled, correction=False)
        p, statistic = float(result.pvalue), float(result.statistic)
    return Drift(
        "chi_squared",
        p,
        s.p_value_threshold,
        p < s.p_value_threshold,
        "chi-squared test of homogeneity on the exact frequencies, values expected fewer than 5 "
        "times pooled (small sample; score is the p-value, drift below the threshold)",
        0.0,
        None,
        {"statistic": statistic},
    )


def categorical_drift(a: Distribution, b: Distribution, s: CompareSettings) -> Drift:
    """Jensen–Shannon distance (or a chi-squared test for small exact samples) of two frequency
    tables."""
    if a.keys is None or b.keys is None or a.total == 0 or b.total == 0:
        return not_compared(
            "not compared: no values on "
            + ("both sides" if a.total == b.total == 0 else "one side")
        )
    table, _, other = _aligned(a, b)
    if a.exact and b.exact and min(a.total, b.total) < s.small_sample_rows:
        return _chi_squared_test(table, s)
    cells = np.column_stack([table, other])
    score = _js_distance(cells[0], cells[1])
    error = 0.0
    for side, n, rest in ((a, a.total, other[0]), (b, b.total, other[1])):
        if not side.exact:
            tv = min(len(table[0]) * side.max_error, rest) / n
            error += math.sqrt(_LN2 * tv)
    noise = math.sqrt(_expected_jsd(cells.sum(axis=0), float(a.total), float(b.total)))
    how = (
        "exact, from the frequency tables"
        if a.exact and b.exact
        else "from the frequent-items sketches, values they dropped pooled as one cell; "
        "within ± error of the pooled truth (Misra–Gries bound)"
    )
    return _distance_drift(
        "jensen_shannon",
        score,
        s.categorical_threshold,
        f"Jensen–Shannon distance (natural log), {how}",
        error,
        noise,
        s,
    )


# ---------------------------------------------------------------------------------------------
# null share


def null_drift(a: Distribution, b: Distribution, s: CompareSettings) -> Drift:
    """Cohen's h between the two null ratios."""
    if a.rows == 0 or b.rows == 0:
        return not_compared("not compared: no rows on one side")
    pa_, pb = a.nulls / a.rows, b.nulls / b.rows
    h = abs(2 * math.asin(math.sqrt(pb)) - 2 * math.asin(math.sqrt(pa_)))
    noise = math.sqrt(1 / a.rows + 1 / b.rows)  # 2·asin√p̂ has variance 1/n
    return _distance_drift(
        "cohens_h",
        h,
        s.null_threshold,
        "Cohen's h between the null ratios, exact counts",
        0.0,
        noise,
        s,
    )
