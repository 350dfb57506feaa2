"""Drift measures between two column distributions, each with its method, its error from the
sketches' own bounds, and its noise (the score two samples of one distribution would have at
these sizes). The engine computes the numbers from both merged states in one pass
(``_core.compare``, cpp/src/profile/compare.cpp and drift.cpp); this module words them and
applies the thresholds.

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

from truthound.profiler.comparison.settings import CompareSettings

__all__ = ["Drift", "engine_drift", "not_compared", "null_drift"]


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


def _test(metric: str, p: float, statistic: float, what: str, s: CompareSettings) -> Drift:
    return Drift(
        metric,
        p,
        s.p_value_threshold,
        p < s.p_value_threshold,
        f"{what} (small sample; score is the p-value, drift below the threshold)",
        0.0,
        None,
        {"statistic": statistic},
    )


def _kolmogorov_sf(d: float, n: int) -> float:
    """P(D_n ≥ d) of the one-sample Kolmogorov distribution: the KS p-value the engine leaves to
    scipy (a side past 10,000 values beside one under ``small_sample_rows``, as ks_2samp does)."""
    from scipy import stats

    return min(max(float(stats.kstwo.sf(d, n)), 0.0), 1.0)


def engine_drift(d: dict[str, Any], path: str, s: CompareSettings) -> Drift:
    """The drift check of one column from the engine's numbers (``_core.compare``'s ``drift``)
    on the ``numeric`` or ``categorical`` path."""
    metric = d["metric"]
    if metric is None:
        what = "no finite values" if path == "numeric" else "no values"
        where = "both sides" if d["no_values_on_either_side"] else "one side"
        return not_compared(f"not compared: {what} on {where}")
    if metric == "ks":
        n = d["ks_asymptotic_n"]
        p = d["score"] if n is None else _kolmogorov_sf(d["ks_asymptotic_d"], n)
        return _test(
            "ks", p, d["statistic"], "two-sample Kolmogorov–Smirnov test on the exact values", s
        )
    if metric == "chi_squared":
        return _test(
            "chi_squared",
            d["score"],
            d["statistic"],
            "chi-squared test of homogeneity on the exact frequencies, values expected fewer "
            "than 5 times pooled",
            s,
        )
    exact = "exact, from the frequency tables"
    if metric == "wasserstein":
        how = (
            exact
            if d["exact"]
            else f"from the quantile sketches on a {s.quantile_grid}-point grid, within ± error "
            "(KLL rank bound)"
        )
        return _distance_drift(
            "wasserstein",
            d["score"],
            s.numeric_threshold,
            f"Wasserstein-1 distance in baseline standard deviations, {how}",
            d["error"],
            d["noise"],
            s,
        )
    how = (
        exact
        if d["exact"]
        else "from the frequent-items sketches, values they dropped pooled as one cell; "
        "within ± error of the pooled truth (Misra–Gries bound)"
    )
    return _distance_drift(
        "jensen_shannon",
        d["score"],
        s.categorical_threshold,
        f"Jensen–Shannon distance (natural log), {how}",
        d["error"],
        d["noise"],
        s,
    )


def null_drift(rows_a: int, nulls_a: int, rows_b: int, nulls_b: int, s: CompareSettings) -> Drift:
    """Cohen's h between the two null ratios."""
    if rows_a == 0 or rows_b == 0:
        return not_compared("not compared: no rows on one side")
    pa_, pb = nulls_a / rows_a, nulls_b / rows_b
    h = abs(2 * math.asin(math.sqrt(pb)) - 2 * math.asin(math.sqrt(pa_)))
    noise = math.sqrt(1 / rows_a + 1 / rows_b)  # 2·asin√p̂ has variance 1/n
    return _distance_drift(
        "cohens_h",
        h,
        s.null_threshold,
        "Cohen's h between the null ratios, exact counts",
        0.0,
        noise,
        s,
    )
