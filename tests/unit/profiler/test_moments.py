"""Moments at the edges of floating point: constant, near-constant and near-overflow columns,
checked against exact rational arithmetic (fractions) on the very doubles profiled."""

import math
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pytest

import truthound.profiler as tp
from tests.unit.profiler.helpers import profile_in_chunks


def _exact_moments(xs):
    n = len(xs)
    fx = [Fraction(x) for x in xs]
    mean = sum(fx) / n
    m2 = sum((x - mean) ** 2 for x in fx)
    m3 = sum((x - mean) ** 3 for x in fx)
    m4 = sum((x - mean) ** 4 for x in fx)
    skew = math.copysign(math.sqrt(float(n * m3 * m3 / (m2 * m2 * m2))), m3)
    kurt = float(n * m4 / (m2 * m2)) - 3
    return float(mean), math.sqrt(float(m2 / (n - 1))), skew, kurt


@pytest.mark.parametrize("value", [0.1, -3.7, 1e300, 5e-324, 123456789.123])
@pytest.mark.parametrize("chunks", [1, 3])
def test_constant_column_has_no_spread(value, chunks):
    p = profile_in_chunks(pa.table({"x": [value] * 100_000}), chunks)
    d = p["x"].distribution
    assert d.mean == value
    assert d.std == 0.0 and d.variance == 0.0
    assert d.skewness is None and d.kurtosis is None
    assert not any(a.kind == "skewed" for a in p.alerts)


@pytest.mark.parametrize(
    "base, step",
    [(0.1, 1e-12), (1e9, 1e-3), (123.456, 1e-11), (-7.25, 3e-15)],
)
def test_near_constant_moments_are_stable_to_the_data_precision(base, step):
    rng = np.random.default_rng(3)
    xs = (base + rng.integers(0, 3, 20_000) * step).tolist()
    d = tp.profile(pa.table({"x": xs}))["x"].distribution
    mean, std, skew, kurt = _exact_moments(xs)
    # Each deviation from the mean is known to about one ulp of the mean: that is the data's
    # precision, relative to the spread.
    precision = math.ulp(abs(mean)) / std
    assert d.mean == pytest.approx(mean, rel=4 * 2**-52)
    assert d.std == pytest.approx(std, rel=100 * precision)
    assert d.skewness == pytest.approx(skew, abs=100 * precision)
    assert d.kurtosis == pytest.approx(kurt, abs=100 * precision)


def test_mean_near_the_double_limit_is_finite():
    xs = [1.7e308, 1.7e308, -1.7e308, 1.0]
    d = tp.profile(pa.table({"x": xs}))["x"].distribution
    exact = sum(Fraction(x) for x in xs)
    assert d.mean == float(exact / len(xs))
    assert d.sum == float(exact)
    assert d.skewness is None or math.isfinite(d.skewness)


def test_mean_near_the_double_limit_across_units():
    xs = [1.7e308] * 5000 + [-1.7e308] * 5000 + [2.0]
    d = profile_in_chunks(pa.table({"x": xs}), 4)["x"].distribution
    assert d.mean == pytest.approx(float(sum(Fraction(x) for x in xs) / len(xs)), abs=1e292)
    assert not math.isnan(d.mean)
