// Tests for KllSketch: empty, one value, ±inf, exact mode (against a linear-quantile reference and
// numpy golden values), estimation mode (against the stated rank / PMF bounds), merge, round
// trip, and one case per corrupt-input check.
#include "truthound/stats/kll.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "truthound/bytes.hpp"
#include "truthound/error.hpp"
#include "truthound/hash.hpp"

namespace truthound {
namespace {

constexpr double INF = std::numeric_limits<double>::infinity();
const std::vector<double> QS = {0, .01, .05, .25, .5, .75, .95, .99, 1};

std::string to_bytes(const KllSketch& sketch) {
  ByteWriter out;
  sketch.serialize(out);
  return out.take();
}

KllSketch from_bytes(const std::string& bytes) {
  ByteReader in(bytes, "test");
  KllSketch sketch = KllSketch::deserialize(in);
  in.expect_end();
  return sketch;
}

KllSketch sketch_of(const std::vector<double>& values, uint16_t k = kll::DEFAULT_K, uint64_t seed = 0) {
  KllSketch sketch(k, seed);
  sketch.update(values.data(), values.size());
  return sketch;
}

bool same_bits(double a, double b) { return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b); }

// numpy.quantile(x, q) with the default method "linear", written from numpy's definition:
// virtual index (n - 1) * q, then numpy's _lerp between the neighbouring order statistics.
double reference_quantile_sorted(const std::vector<double>& x, double q) {
  const double index = static_cast<double>(x.size() - 1) * q;
  if (index >= static_cast<double>(x.size() - 1)) return x.back();
  const size_t i = static_cast<size_t>(std::floor(index));
  const double gamma = index - std::floor(index);
  const double a = x[i];
  const double b = x[i + 1];
  const double diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

double reference_quantile(std::vector<double> x, double q) {
  std::sort(x.begin(), x.end());
  return reference_quantile_sorted(x, q);
}

// Passes when q lies within eps of the normalized true rank interval [count(< v), count(<= v)] / n.
::testing::AssertionResult rank_within(const std::vector<double>& sorted, double v, double q, double eps) {
  const double n = static_cast<double>(sorted.size());
  const double below = static_cast<double>(std::lower_bound(sorted.begin(), sorted.end(), v) - sorted.begin()) / n;
  const double upto = static_cast<double>(std::upper_bound(sorted.begin(), sorted.end(), v) - sorted.begin()) / n;
  if (q >= below - eps && q <= upto + eps) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "q " << q << " -> " << v << " has true rank [" << below << ", " << upto
                                       << "], more than eps " << eps << " away";
}

// Counts of numpy.histogram(x, bins, range=(lo, hi)) by a plain floor, which differs from numpy's
// edge rule only within an ulp of a bin edge (see HistogramEdgesLikeNumpy for those).
std::vector<double> true_histogram(const std::vector<double>& values, double lo, double hi, uint32_t bins) {
  std::vector<double> counts(bins, 0.0);
  for (double x : values) {
    if (!(x >= lo && x <= hi)) continue;
    size_t i = static_cast<size_t>((x - lo) / (hi - lo) * bins);
    counts[std::min<size_t>(i, bins - 1)] += 1;
  }
  return counts;
}

// Uniform doubles in (0, 1) from a seeded mt19937_64: unlike std::uniform_real_distribution, the
// same on every standard library.
struct Unit {
  explicit Unit(uint64_t seed) : rng(seed) {}
  double operator()() { return (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53; }
  std::mt19937_64 rng;
};

std::vector<double> uniform_values(size_t n, uint64_t seed) {
  Unit unit(seed);
  std::vector<double> values(n);
  for (double& v : values) v = unit();
  return values;
}

// Many distinct values within 1e-9 next to rare huge outliers: the radix sort's fallback case.
double narrow_with_outliers(Unit& unit) {
  const double base = unit() < 0.001 ? -1e300 : 1.0;
  return base + unit() * 1e-9;
}

// Box-Muller.
std::vector<double> normal_values(size_t n, uint64_t seed) {
  Unit unit(seed);
  std::vector<double> values(n);
  for (size_t i = 0; i < n; i += 2) {
    const double r = std::sqrt(-2.0 * std::log(unit()));
    const double theta = 2.0 * std::numbers::pi * unit();
    values[i] = r * std::cos(theta);
    if (i + 1 < n) values[i + 1] = r * std::sin(theta);
  }
  return values;
}

// ---- Empty ----------------------------------------------------------------------------------

TEST(KllSketchEmpty, ReportsNothing) {
  const KllSketch sketch;
  EXPECT_EQ(sketch.k(), kll::DEFAULT_K);
  EXPECT_TRUE(sketch.is_empty());
  EXPECT_TRUE(sketch.is_exact());
  EXPECT_EQ(sketch.n(), 0u);
  EXPECT_EQ(sketch.retained(), 0u);
  EXPECT_TRUE(std::isnan(sketch.min_item()));
  EXPECT_TRUE(std::isnan(sketch.max_item()));
  EXPECT_TRUE(std::isnan(sketch.quantile(0.5)));
  EXPECT_EQ(sketch.histogram(0, 1, 4), std::vector<double>(4, 0.0));
  EXPECT_EQ(sketch.normalized_rank_error(), 0.0);
  EXPECT_EQ(sketch.pmf_error(), 0.0);
}

TEST(KllSketchEmpty, RejectsBadArguments) {
  EXPECT_THROW(KllSketch(7), InvalidInput);
  EXPECT_NO_THROW(KllSketch(8));
  EXPECT_NO_THROW(KllSketch(65535));
  const KllSketch sketch = sketch_of({1, 2, 3});
  EXPECT_THROW(sketch.quantile(-0.01), InvalidInput);
  EXPECT_THROW(sketch.quantile(1.01), InvalidInput);
  EXPECT_THROW(sketch.quantile(std::nan("")), InvalidInput);
  EXPECT_THROW(sketch.histogram(1, 1, 4), InvalidInput);
  EXPECT_THROW(sketch.histogram(0, INF, 4), InvalidInput);
  EXPECT_THROW(sketch.histogram(0, 1, 0), InvalidInput);
}

TEST(KllSketchEmpty, MergeIsIdentity) {
  KllSketch empty;
  const KllSketch full = sketch_of(uniform_values(10000, 1), kll::DEFAULT_K, 9);
  KllSketch a = full;
  a.merge(empty);
  EXPECT_EQ(to_bytes(a), to_bytes(full));
  empty.merge(full);
  EXPECT_EQ(to_bytes(empty), to_bytes(full));
  KllSketch both_empty;
  both_empty.merge(KllSketch());
  EXPECT_TRUE(both_empty.is_empty());
}

// ---- One value ------------------------------------------------------------------------------

TEST(KllSketchOneValue, EveryQuantileIsTheValue) {
  KllSketch sketch;
  sketch.update(3.5);
  EXPECT_EQ(sketch.n(), 1u);
  EXPECT_TRUE(sketch.is_exact());
  EXPECT_EQ(sketch.min_item(), 3.5);
  EXPECT_EQ(sketch.max_item(), 3.5);
  for (double q : QS) EXPECT_EQ(sketch.quantile(q), 3.5);
  EXPECT_EQ(sketch.histogram(0, 7, 2), (std::vector<double>{0, 1}));
  EXPECT_EQ(sketch.histogram(3.5, 7, 2), (std::vector<double>{1, 0}));
  EXPECT_EQ(sketch.histogram(0, 3.5, 2), (std::vector<double>{0, 1}));  // last bin closed
}

TEST(KllSketchOneValue, NegativeZeroIsStoredAsZero) {
  KllSketch sketch;
  sketch.update(-0.0);
  EXPECT_FALSE(std::signbit(sketch.min_item()));
  EXPECT_FALSE(std::signbit(sketch.quantile(0.5)));
}

TEST(KllSketchOneValue, AllEqualValues) {
  const KllSketch sketch = sketch_of(std::vector<double>(100000, -2.25));
  EXPECT_FALSE(sketch.is_exact());
  for (double q : QS) EXPECT_EQ(sketch.quantile(q), -2.25);
  EXPECT_EQ(sketch.histogram(-3, -2, 4), (std::vector<double>{0, 0, 0, 100000}));
}

// ---- ±inf -----------------------------------------------------------------------------------

TEST(KllSketchInfinity, ExactModeTakesTheLimit) {
  // numpy gives NaN for several of these; we return the limit of the interpolation.
  const KllSketch sketch = sketch_of({-INF, 1.0, 2.0, INF});
  EXPECT_EQ(sketch.min_item(), -INF);
  EXPECT_EQ(sketch.max_item(), INF);
  EXPECT_EQ(sketch.quantile(0), -INF);
  EXPECT_EQ(sketch.quantile(0.2), -INF);  // between -inf and 1
  EXPECT_EQ(sketch.quantile(0.5), 1.5);
  EXPECT_EQ(sketch.quantile(0.9), INF);  // between 2 and inf
  EXPECT_EQ(sketch.quantile(1), INF);
  EXPECT_EQ(sketch_of({-INF, INF}).quantile(0.25), -INF);
  EXPECT_EQ(sketch_of({-INF, INF}).quantile(0.75), INF);
  EXPECT_EQ(sketch_of({INF, INF}).quantile(0.5), INF);
  EXPECT_EQ(sketch.histogram(0, 4, 2), (std::vector<double>{1, 1}));  // infinities are outside
}

TEST(KllSketchInfinity, EstimationModeKeepsExtremes) {
  std::vector<double> values = uniform_values(100000, 2);
  values[500] = INF;
  values[70000] = -INF;
  const KllSketch sketch = sketch_of(values);
  EXPECT_FALSE(sketch.is_exact());
  EXPECT_EQ(sketch.quantile(0), -INF);
  EXPECT_EQ(sketch.quantile(1), INF);
  std::sort(values.begin(), values.end());
  EXPECT_TRUE(rank_within(values, sketch.quantile(0.5), 0.5, sketch.normalized_rank_error()));
  EXPECT_EQ(to_bytes(from_bytes(to_bytes(sketch))), to_bytes(sketch));
}

// ---- Exact mode -----------------------------------------------------------------------------

TEST(KllSketchExact, MatchesLinearQuantiles) {
  for (size_t n : {1, 2, 10, 4096}) {
    std::vector<double> values = normal_values(n, n);
    for (size_t i = 0; i < n; i += 7) values[i] = std::round(values[i]);  // some duplicates
    const KllSketch sketch = sketch_of(values);
    ASSERT_TRUE(sketch.is_exact()) << n;
    EXPECT_EQ(sketch.normalized_rank_error(), 0.0);
    EXPECT_EQ(sketch.retained(), n);
    const std::vector<double> got = sketch.quantiles(QS);
    for (size_t i = 0; i < QS.size(); ++i) {
      EXPECT_TRUE(same_bits(got[i], reference_quantile(values, QS[i]))) << "n " << n << " q " << QS[i];
      EXPECT_TRUE(same_bits(sketch.quantile(QS[i]), got[i]));
    }
    EXPECT_EQ(sketch.min_item(), *std::min_element(values.begin(), values.end()));
    EXPECT_EQ(sketch.max_item(), *std::max_element(values.begin(), values.end()));
  }
}

TEST(KllSketchExact, SortsEveryKindOfData) {
  // Quantiles at q = i / (n - 1) read every pair of neighbouring order statistics, so they match
  // the reference only if level 0 is sorted exactly. The data covers every path of the sort:
  // the insertion sort of a few items, the radix sort of all varying bits (integers, three
  // values), the sort by the top bits plus tie fixing (uniform, signs and exponents all over),
  // and its fallback (many distinct values within 1e-9 beside huge outliers).
  const size_t n = kll::LEVEL0_CAPACITY;
  Unit u(8);
  std::vector<std::vector<double>> datasets(7, std::vector<double>(n));
  for (size_t i = 0; i < n; ++i) {
    datasets[0][i] = u();
    datasets[1][i] = u();
    datasets[2][i] = narrow_with_outliers(u);
    const double mantissa = 1.0 + u();
    const int exponent = static_cast<int>(u() * 400) - 200;
    datasets[3][i] = std::ldexp(u() < 0.5 ? -mantissa : mantissa, exponent);
    datasets[4][i] = static_cast<double>(n - i);
    datasets[5][i] = std::floor(u() * 3);
    datasets[6][i] = std::floor(u() * 1000) + 1;
  }
  datasets[1].resize(50);
  std::vector<double> qs;
  for (size_t i = 0; i < n; ++i) qs.push_back(static_cast<double>(i) / static_cast<double>(n - 1));
  for (size_t d = 0; d < datasets.size(); ++d) {
    const KllSketch sketch = sketch_of(datasets[d]);
    ASSERT_TRUE(sketch.is_exact());
    const std::vector<double> got = sketch.quantiles(qs);
    std::vector<double> sorted = datasets[d];
    std::sort(sorted.begin(), sorted.end());
    size_t mismatches = 0;
    for (size_t i = 0; i < qs.size(); ++i) mismatches += !same_bits(got[i], reference_quantile_sorted(sorted, qs[i]));
    EXPECT_EQ(mismatches, 0u) << "dataset " << d;
  }
}

TEST(KllSketchExact, MatchesNumpyGolden) {
  // numpy 2.x: np.quantile(x, q) and np.histogram(x, bins, range) on these values.
  const KllSketch sketch = sketch_of({3.5, -1.0, 2.0, 8.0, 0.25, 7.0, 7.0, 100.0, -3.125, 1e-3});
  const std::vector<double> expected = {-0x1.9p+1,          -0x1.77851eb851eb8p+1, -0x1.159999999999ap+1,
                                        0x1.03126e978d4fep-4, 0x1.6p+1,             0x1.cp+2,
                                        0x1.d4cccccccccbfp+5, 0x1.6ee147ae147afp+6, 0x1.9p+6};
  const std::vector<double> got = sketch.quantiles(QS);
  for (size_t i = 0; i < QS.size(); ++i) EXPECT_TRUE(same_bits(got[i], expected[i])) << "q " << QS[i];
  EXPECT_EQ(sketch.histogram(-3.125, 100, 7), (std::vector<double>{9, 0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(sketch.histogram(0, 7, 3), (std::vector<double>{3, 1, 2}));
}

TEST(KllSketchExact, HistogramIsExact) {
  const std::vector<double> values = uniform_values(3000, 3);
  const KllSketch sketch = sketch_of(values);
  EXPECT_EQ(sketch.histogram(0.1, 0.9, 16), true_histogram(values, 0.1, 0.9, 16));
}

TEST(KllSketchExact, HistogramEdgesLikeNumpy) {
  // Values where floor((x - lo) / width * bins) is one bin off numpy's edge comparison
  // (found by comparing against numpy.histogram).
  EXPECT_EQ(sketch_of({-6.952322166735185}).histogram(-9.669447289429417, -1.5180719213467206, 3),
            (std::vector<double>{1, 0, 0}));
  std::vector<double> expected(16, 0.0);
  expected[1] = 1;
  EXPECT_EQ(sketch_of({2.9124142755704807}).histogram(2.739233746429086, 5.510122212691402, 16), expected);
  EXPECT_EQ(sketch_of({0.3}).histogram(0, 1, 10)[2], 1);
}

TEST(KllSketchExact, HistogramOfTheWidestRange) {
  // hi - lo overflows to inf; the bins are still well defined.
  EXPECT_EQ(sketch_of({1, 2, -3e307, 1e308}).histogram(-1e308, 1e308, 4), (std::vector<double>{0, 1, 2, 1}));
}

TEST(KllSketchExact, StaysExactAcrossMergesWithinCapacity) {
  const std::vector<double> values = uniform_values(kll::LEVEL0_CAPACITY, 4);
  KllSketch merged;
  for (size_t part = 0; part < 4; ++part) {
    const size_t from = part * 1024;
    KllSketch piece(kll::DEFAULT_K, part);
    piece.update(values.data() + from, 1024);
    merged.merge(piece);
  }
  ASSERT_TRUE(merged.is_exact());
  EXPECT_EQ(merged.n(), values.size());
  for (double q : QS) EXPECT_TRUE(same_bits(merged.quantile(q), reference_quantile(values, q))) << q;
  merged.update(0.5);
  EXPECT_FALSE(merged.is_exact());
  EXPECT_GT(merged.normalized_rank_error(), 0.0);
}

TEST(KllSketchExact, MergeBeyondCapacityCompacts) {
  KllSketch a = sketch_of(uniform_values(3000, 5));
  a.merge(sketch_of(uniform_values(3000, 6)));
  EXPECT_FALSE(a.is_exact());
  EXPECT_EQ(a.n(), 6000u);
  EXPECT_LT(a.retained(), 6000u);
}

TEST(KllSketchExact, SingleAndBatchUpdatesAgree) {
  const std::vector<double> values = normal_values(20000, 7);
  KllSketch one_by_one(kll::DEFAULT_K, 3);
  for (double v : values) one_by_one.update(v);
  KllSketch batched(kll::DEFAULT_K, 3);
  batched.update(values.data(), 12345);
  batched.update(values.data() + 12345, values.size() - 12345);
  EXPECT_EQ(to_bytes(one_by_one), to_bytes(batched));
  EXPECT_TRUE(one_by_one == batched);
}

// ---- Estimation mode ------------------------------------------------------------------------

void expect_within_bounds(const char* name, std::vector<double> values, uint16_t k = kll::DEFAULT_K) {
  SCOPED_TRACE(name);
  const KllSketch sketch = sketch_of(values, k, 42);
  ASSERT_FALSE(sketch.is_exact());
  EXPECT_EQ(sketch.n(), values.size());
  const double eps = sketch.normalized_rank_error();
  EXPECT_EQ(eps, KllSketch::rank_error(k));
  // Memory stays bounded: level 0 plus about 3k items above it.
  EXPECT_LE(sketch.retained(), kll::LEVEL0_CAPACITY + 3 * size_t{k} + 64);
  EXPECT_LE(to_bytes(sketch).size(), 48u * 1024);
  EXPECT_NO_THROW(from_bytes(to_bytes(sketch)));  // every invariant holds, levels are sorted

  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sketch.min_item(), sorted.front());
  EXPECT_EQ(sketch.max_item(), sorted.back());
  const std::vector<double> got = sketch.quantiles(QS);
  for (size_t i = 0; i < QS.size(); ++i) {
    EXPECT_TRUE(rank_within(sorted, got[i], QS[i], eps));
    EXPECT_TRUE(same_bits(sketch.quantile(QS[i]), got[i]));
  }
  for (double q = 0.001; q < 1; q += 0.0173) EXPECT_TRUE(rank_within(sorted, sketch.quantile(q), q, eps));

  const double lo = sorted[sorted.size() / 20];
  const double hi = sorted[sorted.size() * 19 / 20];
  if (lo < hi) {
    const uint32_t bins = 20;
    const std::vector<double> estimate = sketch.histogram(lo, hi, bins);
    const std::vector<double> truth = true_histogram(values, lo, hi, bins);
    const double bound = sketch.pmf_error() * static_cast<double>(values.size());
    for (uint32_t b = 0; b < bins; ++b) EXPECT_NEAR(estimate[b], truth[b], bound) << "bin " << b;
  }
}

// The acceptance case: 4M lognormal floats, the worst rank error over p1 .. p99 within
// 0.25 % and within the stated bound, for several seeds; histogram bins within the stated PMF
// error. One seed goes the profiler's way: 16 parts, each serialized and read back, merged.
TEST(KllSketchEstimation, LognormalFourMillionPercentilesAndHistogram) {
  const size_t n = 4'000'000;
  EXPECT_LE(KllSketch::rank_error(kll::DEFAULT_K), 0.0025);
  for (uint64_t seed : {1, 2, 3}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    std::lognormal_distribution<double> lognormal(0.0, 1.0);
    std::vector<double> values(n);
    for (double& v : values) v = lognormal(rng);
    KllSketch sketch(kll::DEFAULT_K, seed);
    if (seed == 3) {
      const size_t part = n / 16;
      for (size_t p = 0; p < 16; ++p) {
        KllSketch piece(kll::DEFAULT_K, seed * 100 + p);
        piece.update(values.data() + p * part, part);
        sketch.merge(from_bytes(to_bytes(piece)));
      }
    } else {
      sketch.update(values.data(), n);
    }
    ASSERT_FALSE(sketch.is_exact());
    EXPECT_LE(to_bytes(sketch).size(), 32u * 1024);
    std::vector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    const double eps = sketch.normalized_rank_error();
    for (int p = 1; p <= 99; ++p) {
      const double q = p / 100.0;
      EXPECT_TRUE(rank_within(sorted, sketch.quantile(q), q, eps)) << "p" << p;
    }
    const double lo = sorted[n / 100];
    const double hi = sorted[n - n / 100];
    const std::vector<double> estimate = sketch.histogram(lo, hi, 50);
    const std::vector<double> truth = true_histogram(values, lo, hi, 50);
    for (uint32_t b = 0; b < 50; ++b)
      EXPECT_NEAR(estimate[b], truth[b], sketch.pmf_error() * static_cast<double>(n)) << "bin " << b;
  }
}

TEST(KllSketchEstimation, Uniform) { expect_within_bounds("uniform", uniform_values(1'000'000, 11)); }

TEST(KllSketchEstimation, Normal) { expect_within_bounds("normal", normal_values(1'000'000, 12)); }

TEST(KllSketchEstimation, HeavyDuplicates) {
  std::mt19937_64 rng(13);
  std::vector<double> values(1'000'000);
  for (double& v : values) v = (rng() % 10 < 7) ? 42.0 : static_cast<double>(rng() % 20);
  expect_within_bounds("heavy duplicates", values);
}

TEST(KllSketchEstimation, SortedInput) {
  std::vector<double> values(1'000'000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i) * 0.5;
  expect_within_bounds("sorted", values);
}

TEST(KllSketchEstimation, ReverseSortedInput) {
  std::vector<double> values(1'000'000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = -static_cast<double>(i) * 1e-3;
  expect_within_bounds("reverse sorted", values);
}

TEST(KllSketchEstimation, HeavyTailAndNarrowRange) {
  // Values that defeat the radix sort's shortcut: many distinct values inside a tiny range next to
  // huge outliers, and a heavy tail.
  Unit u(14);
  std::vector<double> narrow(300'000);
  for (double& v : narrow) v = narrow_with_outliers(u);
  expect_within_bounds("narrow with outliers", narrow);
  std::vector<double> pareto(300'000);
  for (double& v : pareto) v = 1.0 / (1.0 - u());
  expect_within_bounds("pareto", pareto);
}

TEST(KllSketchEstimation, SmallAndLargeK) {
  expect_within_bounds("k=8", uniform_values(200'000, 15), 8);
  expect_within_bounds("k=1000", normal_values(500'000, 16), 1000);
}

TEST(KllSketchEstimation, HundredMillionItems) {
  // The same million values 100 times: normalized ranks equal those of the million.
  std::vector<double> values = normal_values(1'000'000, 17);
  KllSketch sketch(kll::DEFAULT_K, 3);
  for (int round = 0; round < 100; ++round) sketch.update(values.data(), values.size());
  EXPECT_EQ(sketch.n(), 100'000'000u);
  EXPECT_LE(sketch.retained(), kll::LEVEL0_CAPACITY + 3 * size_t{kll::DEFAULT_K} + 64);
  EXPECT_LE(to_bytes(sketch).size(), 48u * 1024);
  std::sort(values.begin(), values.end());
  for (double q : QS) EXPECT_TRUE(rank_within(values, sketch.quantile(q), q, sketch.normalized_rank_error()));
}

TEST(KllSketchEstimation, ErrorFormulas) {
  EXPECT_NEAR(KllSketch::rank_error(200), 0.0133, 0.0001);
  EXPECT_NEAR(KllSketch::pmf_rank_error(200), 0.0165, 0.0001);
  EXPECT_GT(KllSketch::rank_error(100), KllSketch::rank_error(200));
}

// ---- Merge ----------------------------------------------------------------------------------

KllSketch merge_parts(const std::vector<double>& values, size_t parts) {
  KllSketch merged;
  const size_t per_part = values.size() / parts;
  for (size_t p = 0; p < parts; ++p) {
    KllSketch part(kll::DEFAULT_K, p);
    part.update(values.data() + p * per_part, p + 1 == parts ? values.size() - p * per_part : per_part);
    merged.merge(part);
  }
  return merged;
}

TEST(KllSketchMerge, SixtyFourPartsMatchOnePass) {
  const std::vector<double> values = normal_values(1'000'000, 21);
  const KllSketch merged = merge_parts(values, 64);
  const KllSketch single = sketch_of(values);
  EXPECT_EQ(merged.n(), single.n());
  EXPECT_EQ(merged.min_item(), single.min_item());
  EXPECT_EQ(merged.max_item(), single.max_item());
  EXPECT_LE(merged.retained(), kll::LEVEL0_CAPACITY + 3 * size_t{kll::DEFAULT_K} + 64);
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  const double eps = merged.normalized_rank_error();
  for (double q : QS) {
    EXPECT_TRUE(rank_within(sorted, merged.quantile(q), q, eps));
    EXPECT_TRUE(rank_within(sorted, single.quantile(q), q, eps));
  }
  const std::vector<double> m = merged.histogram(-2, 2, 8);
  const std::vector<double> s = single.histogram(-2, 2, 8);
  const std::vector<double> truth = true_histogram(values, -2, 2, 8);
  const double bound = merged.pmf_error() * static_cast<double>(values.size());
  for (size_t b = 0; b < truth.size(); ++b) {
    EXPECT_NEAR(m[b], truth[b], bound);
    EXPECT_NEAR(s[b], truth[b], bound);
  }
}

TEST(KllSketchMerge, SameOrderGivesIdenticalBytes) {
  const std::vector<double> values = uniform_values(300'000, 22);
  EXPECT_EQ(to_bytes(merge_parts(values, 64)), to_bytes(merge_parts(values, 64)));
  EXPECT_EQ(to_bytes(merge_parts(values, 7)), to_bytes(merge_parts(values, 7)));
}

TEST(KllSketchMerge, MergedSeedDependsOnBothInputs) {
  const std::vector<double> values = uniform_values(50'000, 23);
  KllSketch a = sketch_of(values, kll::DEFAULT_K, 1);
  KllSketch b = sketch_of(values, kll::DEFAULT_K, 1);
  a.merge(sketch_of(values, kll::DEFAULT_K, 2));
  b.merge(sketch_of(values, kll::DEFAULT_K, 3));
  EXPECT_NE(to_bytes(a), to_bytes(b));
}

TEST(KllSketchMerge, DifferentKIsRejected) {
  KllSketch a(200);
  a.update(1.0);
  KllSketch b(100);
  b.update(2.0);
  EXPECT_THROW(a.merge(b), InvalidInput);
  EXPECT_NO_THROW(a.merge(KllSketch(100)));  // empty is the identity whatever its k
}

TEST(KllSketchMerge, SelfMergeDoublesCounts) {
  KllSketch a = sketch_of(uniform_values(3000, 24));
  a.merge(a);
  EXPECT_EQ(a.n(), 6000u);
  EXPECT_FALSE(a.is_exact());
}

TEST(KllSketchMerge, CountOverflowIsRejected) {
  // A valid sketch of 2^63 items (one item at level 63), merged with itself.
  ByteWriter out;
  out.put_u8(kll::FORMAT_VERSION);
  out.put_u16(kll::DEFAULT_K);
  out.put_u64(0);
  out.put_varint(1);
  out.put_varint(uint64_t{1} << 63);
  out.put_f64(1.0);
  out.put_f64(1.0);
  out.put_varint(64);
  for (int h = 0; h < 63; ++h) out.put_varint(0);
  out.put_array(std::vector<double>{1.0});
  KllSketch huge = from_bytes(out.take());
  EXPECT_EQ(huge.quantile(0.5), 1.0);
  EXPECT_THROW(huge.merge(huge), InvalidInput);
}

TEST(KllSketchMerge, OtherIsUntouched) {
  const KllSketch other = sketch_of(uniform_values(20000, 25));
  const std::string before = to_bytes(other);
  KllSketch a = sketch_of(uniform_values(20000, 26));
  a.merge(other);
  EXPECT_EQ(to_bytes(other), before);
}

// ---- Round trip -----------------------------------------------------------------------------

TEST(KllSketchRoundTrip, IdenticalBytes) {
  std::vector<KllSketch> sketches;
  sketches.emplace_back();
  sketches.push_back(sketch_of({1.5}));
  sketches.push_back(sketch_of(uniform_values(1000, 31)));
  sketches.push_back(sketch_of(normal_values(1'000'000, 32), kll::DEFAULT_K, 77));
  sketches.push_back(sketch_of(normal_values(1'000'000, 32), 200, 77));
  sketches.push_back(merge_parts(uniform_values(100'000, 33), 5));
  for (const KllSketch& sketch : sketches) {
    const std::string bytes = to_bytes(sketch);
    const KllSketch back = from_bytes(bytes);
    EXPECT_EQ(to_bytes(back), bytes);
    EXPECT_TRUE(back == from_bytes(bytes));
    EXPECT_EQ(back.is_exact(), sketch.is_exact());
    EXPECT_EQ(back.n(), sketch.n());
    EXPECT_TRUE(same_bits(back.min_item(), sketch.min_item()));
    EXPECT_TRUE(same_bits(back.max_item(), sketch.max_item()));
    if (sketch.is_exact()) {
      // Every item travels: the very same sketch comes back.
      EXPECT_TRUE(back == sketch);
      EXPECT_TRUE(same_bits(back.quantile(0.3), sketch.quantile(0.3)));
    } else {
      // Level 0 travels compacted: at most one leftover item, the upper levels within capacity.
      EXPECT_LE(back.retained(), sketch.retained());
      EXPECT_LE(bytes.size(), 32u * 1024);
    }
  }
}

TEST(KllSketchRoundTrip, ContinuesIdentically) {
  // An exact sketch read back behaves exactly like the original under further updates.
  const std::vector<double> values = normal_values(200'000, 34);
  KllSketch original = sketch_of(std::vector<double>(values.begin(), values.begin() + 3000), 200, 5);
  KllSketch copy = from_bytes(to_bytes(original));
  original.update(values.data() + 3000, 100'000);
  copy.update(values.data() + 3000, 100'000);
  EXPECT_EQ(to_bytes(copy), to_bytes(original));
}

TEST(KllSketchRoundTrip, SerializingLeavesTheSketchAlone) {
  // serialize() compacts a copy of level 0, never the sketch: one that was serialized midway
  // ends with the bytes of one that never was.
  const std::vector<double> values = normal_values(200'000, 35);
  KllSketch serialized(kll::DEFAULT_K, 5);
  KllSketch untouched(kll::DEFAULT_K, 5);
  serialized.update(values.data(), 100'001);
  untouched.update(values.data(), 100'001);
  const std::string midway = to_bytes(serialized);
  EXPECT_LT(midway.size(), 8 * serialized.retained());
  serialized.update(values.data() + 100'001, 99'999);
  untouched.update(values.data() + 100'001, 99'999);
  EXPECT_TRUE(serialized == untouched);
}

// ---- Memory --------------------------------------------------------------------------------

TEST(KllSketchMemory, GrowsWithContent) {
  const KllSketch empty;
  EXPECT_LE(empty.memory_bytes(), 256u);
  const KllSketch small = sketch_of(uniform_values(10, 36));
  EXPECT_LE(small.memory_bytes(), 256u + 10 * 8 * 2);
  // Level 0 at its capacity, plus about 3k items above it and the run of LEVEL0_CAPACITY / 2 that
  // a flush of level 0 adds to level 1, each level's buffer at most twice its items.
  const KllSketch large = sketch_of(uniform_values(1'000'000, 37));
  const size_t above = 3 * size_t{kll::DEFAULT_K} + kll::LEVEL0_CAPACITY / 2;
  EXPECT_LE(large.memory_bytes(), 256u + kll::LEVEL0_CAPACITY * 8 + 2 * above * 8);
}

// ---- Golden bytes of format version 1 ------------------------------------------------------

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

TEST(KllSketchGolden, ExactSketchBytes) {
  KllSketch sketch(200, 7);
  for (double v : {1.5, -2.0, 3.0}) sketch.update(v);
  EXPECT_EQ(hex(to_bytes(sketch)),
            "01"                // version
            "c800"              // k = 200
            "0700000000000000"  // seed
            "00"                // compaction counter
            "03"                // n
            "00000000000000c0"  // min -2.0
            "0000000000000840"  // max 3.0
            "01"                // one level
            "03"                // level 0: 3 items in arrival order
            "000000000000f83f00000000000000c00000000000000840");
}

TEST(KllSketchGolden, EstimationSketchBytes) {
  // Pins the sort, the coins and the compaction schedule: every partial ever written depends on
  // them, so a change here needs a new FORMAT_VERSION. (Since level 0 travels compacted the bytes
  // of an estimating sketch changed, 18,222 to 4,564 here; the encoding did not, and a reader of
  // either age reads both.)
  KllSketch sketch(200, 1);
  for (int i = 0; i < 100000; ++i) sketch.update(static_cast<double>((i * 7919) % 100003) * 0.5);
  const std::string bytes = to_bytes(sketch);
  EXPECT_EQ(bytes.size(), 4564u);
  EXPECT_EQ(hash::xxh64(bytes.data(), bytes.size(), 0), 0x4d156986a7eccc6eULL);
}

// ---- Corrupt input --------------------------------------------------------------------------

// The serialized fields, to build valid and invalid inputs by hand.
struct Raw {
  uint8_t version = kll::FORMAT_VERSION;
  uint16_t k = 200;
  uint64_t seed = 0;
  uint64_t counter = 1;
  uint64_t n = 5;
  double min = 0.5;
  double max = 9.0;
  std::vector<std::vector<double>> levels = {{5.0}, {1.0, 3.0}};  // 1 + 2 * 2 = 5
};

std::string encode(const Raw& raw) {
  ByteWriter out;
  out.put_u8(raw.version);
  out.put_u16(raw.k);
  out.put_u64(raw.seed);
  out.put_varint(raw.counter);
  out.put_varint(raw.n);
  if (raw.n > 0) {
    out.put_f64(raw.min);
    out.put_f64(raw.max);
  }
  out.put_varint(raw.levels.size());
  for (const auto& level : raw.levels) out.put_array(level);
  return out.take();
}

void expect_corrupt(const Raw& raw, const std::string& message_part) {
  const std::string bytes = encode(raw);
  ByteReader in(bytes, "test");
  try {
    KllSketch::deserialize(in);
    ADD_FAILURE() << "no exception, expected one mentioning \"" << message_part << "\"";
  } catch (const CorruptPartial& e) {
    EXPECT_NE(std::string(e.what()).find(message_part), std::string::npos) << e.what();
  }
}

TEST(KllSketchCorrupt, HandBuiltBaseIsValid) {
  const KllSketch sketch = from_bytes(encode(Raw{}));
  EXPECT_EQ(sketch.n(), 5u);
  EXPECT_FALSE(sketch.is_exact());
  EXPECT_EQ(sketch.min_item(), 0.5);
  EXPECT_EQ(sketch.max_item(), 9.0);
}

TEST(KllSketchCorrupt, TruncatedAtEveryPrefix) {
  for (const KllSketch& sketch : {sketch_of({4, 1, 3}), sketch_of(uniform_values(5000, 41))}) {
    const std::string bytes = to_bytes(sketch);
    for (size_t length = 0; length < bytes.size(); ++length) {
      ByteReader in(std::string_view(bytes).substr(0, length), "test");
      EXPECT_THROW(KllSketch::deserialize(in), CorruptPartial) << "prefix " << length;
    }
  }
}

TEST(KllSketchCorrupt, BadVersion) {
  Raw raw;
  raw.version = 2;
  expect_corrupt(raw, "KLL version 2");
}

TEST(KllSketchCorrupt, KTooSmall) {
  Raw raw;
  raw.k = 7;
  expect_corrupt(raw, "KLL k 7");
}

TEST(KllSketchCorrupt, UnsortedLevel) {
  Raw raw;
  raw.levels[1] = {3.0, 1.0};
  expect_corrupt(raw, "not sorted");
}

TEST(KllSketchCorrupt, InconsistentN) {
  Raw raw;
  raw.n = 6;
  expect_corrupt(raw, "levels weigh 5");
  raw.n = 4;
  expect_corrupt(raw, "more than the item count");
  raw.n = 1;
  raw.levels = std::vector<std::vector<double>>(64);
  raw.levels[0] = {5.0};
  raw.levels[63] = {1.0};
  expect_corrupt(raw, "more than the item count");  // weight 2^63, no overflow
}

TEST(KllSketchCorrupt, NaNItem) {
  Raw raw;
  raw.levels[0] = {std::nan("")};
  expect_corrupt(raw, "NaN");
  raw = Raw{};
  raw.levels[1] = {1.0, std::nan("")};
  expect_corrupt(raw, "NaN");
}

TEST(KllSketchCorrupt, NegativeZeroItem) {
  Raw raw;
  raw.min = -1.0;
  raw.levels[1] = {-0.0, 3.0};
  expect_corrupt(raw, "-0.0");
}

TEST(KllSketchCorrupt, ItemOutsideMinMax) {
  Raw raw;
  raw.levels[1] = {1.0, 30.0};
  expect_corrupt(raw, "outside [min, max]");
}

TEST(KllSketchCorrupt, MinAboveMaxOrNaN) {
  Raw raw;
  raw.min = 10.0;
  expect_corrupt(raw, "expected min <= max");
  raw = Raw{};
  raw.max = std::nan("");
  expect_corrupt(raw, "expected min <= max");
}

TEST(KllSketchCorrupt, HugeCounts) {
  {
    ByteWriter out;  // level count far beyond 64
    out.put_u8(kll::FORMAT_VERSION);
    out.put_u16(200);
    out.put_u64(0);
    out.put_varint(0);
    out.put_varint(0);
    out.put_varint(uint64_t{1} << 60);
    const std::string bytes = out.take();
    ByteReader in(bytes, "test");
    EXPECT_THROW(KllSketch::deserialize(in), CorruptPartial);
  }
  Raw raw;
  raw.levels = std::vector<std::vector<double>>(65);
  expect_corrupt(raw, "KLL level count 65");
  raw = Raw{};
  raw.levels[0] = std::vector<double>(kll::LEVEL0_CAPACITY + 1, 5.0);
  expect_corrupt(raw, "KLL level 0 items 4097");
  raw = Raw{};
  raw.levels[1] = std::vector<double>(1000, 3.0);  // level 1 as top level holds at most k = 200
  expect_corrupt(raw, "KLL level 1 items 1000");
  raw = Raw{};
  raw.levels = {};
  expect_corrupt(raw, "KLL level count 0");
}

TEST(KllSketchCorrupt, EmptyTopLevel) {
  Raw raw;
  raw.levels.push_back({});
  expect_corrupt(raw, "top level 2 is empty");
}

TEST(KllSketchCorrupt, ExactSketchChecks) {
  Raw raw;
  raw.n = 2;
  raw.levels = {{1.0, 2.0}};
  raw.min = 1.0;
  raw.max = 2.0;
  raw.counter = 3;
  expect_corrupt(raw, "exact sketch, expected 0");
  raw.counter = 0;
  raw.min = 0.5;
  expect_corrupt(raw, "do not match the items");
  raw.min = 1.0;
  EXPECT_NO_THROW(from_bytes(encode(raw)));
}

}  // namespace
}  // namespace truthound
