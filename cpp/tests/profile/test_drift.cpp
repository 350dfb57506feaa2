// The drift measures against scipy's values on small samples (computed once with scipy 1.17 and
// written here), and the summation order against numpy's.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "truthound/profile/drift.hpp"

namespace drift = truthound::drift;

namespace {

// A sample as a table: its distinct values ascending and their counts.
struct Sample {
  std::vector<double> numbers, weights;
  explicit Sample(std::vector<double> xs) {
    std::sort(xs.begin(), xs.end());
    for (double x : xs) {
      if (!numbers.empty() && numbers.back() == x) {
        weights.back() += 1;
      } else {
        numbers.push_back(x);
        weights.push_back(1);
      }
    }
  }
  drift::Table table() const { return {numbers, weights}; }
};

}  // namespace

TEST(Drift, SumFollowsNumpysPairwiseOrder) {
  // 1 + 1e-16 · 200: added left to right the small terms vanish; pairwise they meet first.
  std::vector<double> x(201, 1e-16);
  x[0] = 1.0;
  double left_to_right = 0;
  for (double v : x) left_to_right += v;
  EXPECT_EQ(left_to_right, 1.0);
  EXPECT_GT(drift::sum(x), 1.0);
  EXPECT_EQ(drift::sum(x.data(), 0), 0.0);
  std::vector<double> small = {1, 2, 3};
  EXPECT_EQ(drift::sum(small), 6.0);
}

TEST(Drift, KolmogorovSmirnovEqualsScipy) {
  Sample a({1, 2, 2, 3, 5, 8}), b({2, 3, 4, 4, 9, 10, 11});
  drift::KsResult r = drift::ks_test(a.table(), b.table());
  EXPECT_DOUBLE_EQ(r.statistic, 0.42857142857142855);
  ASSERT_TRUE(r.p_value);
  EXPECT_DOUBLE_EQ(*r.p_value, 0.4335664335664336);  // stats.ks_2samp: sizes differ

  Sample c({1, 2, 3, 4, 5}), d({3, 4, 5, 6, 7});
  r = drift::ks_test(c.table(), d.table());
  EXPECT_DOUBLE_EQ(r.statistic, 0.4);
  ASSERT_TRUE(r.p_value);
  EXPECT_DOUBLE_EQ(*r.p_value, 0.873015873015873);  // equal sizes

  r = drift::ks_test(c.table(), c.table());
  EXPECT_EQ(r.statistic, 0.0);
  EXPECT_EQ(*r.p_value, 1.0);
}

TEST(Drift, KolmogorovSmirnovLeavesLargeSamplesToTheKolmogorovDistribution) {
  std::vector<double> many(20'000), few(500);
  std::iota(many.begin(), many.end(), 0.0);
  std::iota(few.begin(), few.end(), 100.0);
  drift::KsResult r = drift::ks_test(Sample(few).table(), Sample(many).table());
  EXPECT_FALSE(r.p_value);  // past KS_EXACT_SIZE on one side
  EXPECT_EQ(r.asymptotic_n, 488u);  // round(20000 · 500 / 20500)
  EXPECT_EQ(r.asymptotic_d, r.statistic);
}

// scipy.special.gammaincc (a different algorithm, cephes): agreement to about 1e-14 relative.
TEST(Drift, RegularizedGammaEqualsScipy) {
  auto near = [](double got, double want) { EXPECT_NEAR(got, want, 1e-13 * want) << got << " vs " << want; };
  near(drift::gamma_q(0.5, 2.0), std::erfc(std::sqrt(2.0)));
  near(drift::gamma_q(3.0, 2.5), 0.5438131158833297);
  near(drift::gamma_q(50.5, 60.0), 0.09554063007025347);
  near(drift::gamma_q(0.5, 0.01), 0.887537083981715);
  near(drift::gamma_q(200, 150), 0.9999429031142579);
  near(drift::gamma_q(1000.5, 1020.0), 0.2666253991759573);
  near(drift::gamma_q(5000, 4900), 0.922055043773486);
  EXPECT_EQ(drift::gamma_q(2, 0), 1.0);
  EXPECT_EQ(drift::gamma_q(2, INFINITY), 0.0);
}

TEST(Drift, ChiSquaredEqualsScipyAndPoolsRareCells) {
  drift::ChiSquaredResult r = drift::chi_squared_test({30, 10, 15, 12}, {25, 20, 11, 14});
  EXPECT_DOUBLE_EQ(r.statistic, 4.493570857003693);
  EXPECT_NEAR(r.p_value, 0.21286446963201217, 1e-14);
  // the last two cells are expected fewer than 5 times: pooled, scipy's value of the pooled table
  r = drift::chi_squared_test({30, 10, 2, 1}, {25, 20, 1, 3});
  EXPECT_DOUBLE_EQ(r.statistic, 3.554550180084116);
  EXPECT_NEAR(r.p_value, 0.16909829768487916, 1e-14);
  // every cell rare: one cell left, nothing to test
  r = drift::chi_squared_test({2, 1}, {1, 0});
  EXPECT_EQ(r.statistic, 0.0);
  EXPECT_EQ(r.p_value, 1.0);
}

TEST(Drift, DistancesEqualScipy) {
  Sample a({1, 2, 2, 3, 5, 8}), b({2, 3, 4, 4, 9, 10, 11});
  EXPECT_DOUBLE_EQ(drift::wasserstein_exact(a.table(), b.table()), 2.642857142857143);
  EXPECT_EQ(drift::wasserstein_exact(a.table(), a.table()), 0.0);
  EXPECT_NEAR(drift::js_distance({3, 1, 0, 2}, {1, 1, 4, 0}), 0.624641979265204, 1e-15);
  EXPECT_EQ(drift::js_distance({3, 1}, {3, 1}), 0.0);
  // disjoint supports: the largest distance, √ln 2
  EXPECT_NEAR(drift::js_distance({1, 0}, {0, 1}), std::sqrt(std::log(2.0)), 1e-15);
}

namespace {

double choose(int m, int k) {
  if (k < 0 || k > m) return 0;
  double r = 1;
  for (int i = 1; i <= k; ++i) r = r * (m - k + i) / i;
  return r;
}

// E[JSD] over every split of two cells of c1 and c2 values into samples of n_a and n_b: side a
// takes x of the first cell (hypergeometric) and n_a − x of the second.
double expected_by_enumeration(int c1, int c2, int n_a, int n_b) {
  double total = 0;
  for (int x = 0; x <= c1; ++x) {
    const double p = choose(c1, x) * choose(c2, n_a - x) / choose(n_a + n_b, n_a);
    if (p == 0) continue;
    const double d = drift::js_distance({double(x), double(n_a - x)}, {double(c1 - x), double(c2 - n_a + x)});
    total += p * d * d;
  }
  return total;
}

}  // namespace

TEST(Drift, ExpectedJensenShannonEqualsTheSumOverEverySplit) {
  // every value in one cell: any split gives the same shares, no divergence
  EXPECT_EQ(drift::expected_jsd({500}, 200, 300), 0.0);
  EXPECT_NEAR(drift::expected_jsd({2, 3}, 2, 3), expected_by_enumeration(2, 3, 2, 3), 1e-15);
  EXPECT_NEAR(drift::expected_jsd({7, 13}, 9, 11), expected_by_enumeration(7, 13, 9, 11), 1e-15);
  // a cell larger than side b: at least c − n_b of its values on side a
  EXPECT_NEAR(drift::expected_jsd({3, 5}, 4, 4), expected_by_enumeration(3, 5, 4, 4), 1e-15);
  EXPECT_NEAR(drift::expected_jsd({20, 2}, 12, 10), expected_by_enumeration(20, 2, 12, 10), 1e-15);
}

TEST(Drift, QuantilesAndSpreads) {
  Sample a({1, 2, 2, 3});
  EXPECT_EQ(drift::table_quantile(a.table(), 0.25), 1.0);
  EXPECT_EQ(drift::table_quantile(a.table(), 0.26), 2.0);
  EXPECT_EQ(drift::table_quantile(a.table(), 1.0), 3.0);
  // numpy.quantile([0, 1, 2, 3], q) = 3q
  std::vector<double> x = {0, 1, 2, 3};
  EXPECT_DOUBLE_EQ(drift::linear_quantile(x, 0.5), 1.5);
  EXPECT_DOUBLE_EQ(drift::linear_quantile(x, 0.995), 2.985);
  EXPECT_EQ(drift::linear_quantile(x, 1.0), 3.0);
  EXPECT_DOUBLE_EQ(drift::std_dev(a.table()), std::sqrt(0.5));
  EXPECT_DOUBLE_EQ(drift::std_dev(x), std::sqrt(1.25));
  // ∫ √(F(1 − F)) dx: F = 1/4 on [1, 2), 3/4 on [2, 3)
  EXPECT_DOUBLE_EQ(drift::spread_exact(a.table()), 2 * std::sqrt(0.25 * 0.75));
}
