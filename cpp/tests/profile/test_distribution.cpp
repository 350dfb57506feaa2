#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "../arrow_fixture.hpp"
#include "truthound/profile/distribution.hpp"
#include "truthound/profile/partial.hpp"

using truthound::InvalidInput;
using truthound::Partial;
using namespace truthound::testing;

namespace {

template <typename T>
Partial partial_of(const std::string &format, const std::vector<T> &values, truthound::ProfileOptions options = {}) {
  OneColumn t(format, static_cast<int64_t>(values.size()), {bytes_of(values)}, false, 0);
  Partial p(options, 0, false);
  p.begin(t.table_schema, {});
  p.update(t.table_schema, t.table);
  return p;
}

}  // namespace

TEST(Distribution, ExactTableListsEveryValueSortedWithItsCount) {
  std::vector<int64_t> values = {5, -2, 5, 7, 5, -2, 0};
  auto d = truthound::column_distributions(partial_of("l", values), {});
  ASSERT_EQ(d.size(), 1u);
  ASSERT_TRUE(d[0].ordered && d[0].frequencies);
  const auto &f = *d[0].frequencies;
  EXPECT_TRUE(f.exact);
  EXPECT_EQ(f.total, values.size());
  EXPECT_EQ(f.numbers, (std::vector<double>{-2, 0, 5, 7}));
  EXPECT_EQ(f.counts, (std::vector<uint64_t>{2, 1, 3, 1}));
  EXPECT_FALSE(d[0].quantiles);  // the exact table is its own quantile function
  ASSERT_TRUE(d[0].variance);
  double mean = 18.0 / 7, var = 0;
  for (int64_t v : values) var += (static_cast<double>(v) - mean) * (static_cast<double>(v) - mean);
  EXPECT_NEAR(*d[0].variance, var / 7, 1e-12);  // population variance
}

TEST(Distribution, FloatsPutNanLastAndKeepInfinities) {
  std::vector<double> values = {1.5, NAN, -INFINITY, 1.5, INFINITY, -0.0, 0.0};
  auto d = truthound::column_distributions(partial_of("g", values), {});
  const auto &f = *d[0].frequencies;
  ASSERT_EQ(f.numbers.size(), 5u);
  EXPECT_EQ(f.numbers[0], -INFINITY);
  EXPECT_EQ(f.numbers[1], 0.0);  // -0.0 and 0.0 are one value
  EXPECT_EQ(f.counts[1], 2u);
  EXPECT_EQ(f.numbers[3], INFINITY);
  EXPECT_TRUE(std::isnan(f.numbers[4]));
}

// Past the frequency table: up to column::EXACT_QUANTILE_VALUES values the grid is exact (from the
// retained values), beyond it KLL estimates within their rank error.
TEST(Distribution, SketchModeGivesLowerBoundsAndAGridWithinRankError) {
  truthound::ProfileOptions options;
  options.frequent_exact_capacity = 64;
  options.frequent_sketch_capacity = 16;
  for (int size : {20000, 100000}) {
    std::vector<double> values;
    for (int i = 0; i < size; ++i) values.push_back(std::fmod(i * 7919.0, 10007.0));
    auto d = truthound::column_distributions(partial_of("g", values, options), {}, 256);
    const auto &f = *d[0].frequencies;
    EXPECT_FALSE(f.exact);
    EXPECT_GT(f.max_error, 0u);
    std::map<double, uint64_t> truth;
    for (double v : values) ++truth[v];
    for (size_t i = 0; i < f.numbers.size(); ++i) {
      EXPECT_LE(f.counts[i], truth[f.numbers[i]]);
      EXPECT_GE(f.counts[i] + f.max_error, truth[f.numbers[i]]);
    }
    ASSERT_TRUE(d[0].quantiles);
    const auto &q = *d[0].quantiles;
    EXPECT_EQ(q.exact, size <= 65536) << size;
    EXPECT_EQ(q.rank_error == 0, size <= 65536) << size;
    ASSERT_EQ(q.values.size(), 256u);
    std::vector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < q.values.size(); ++i) {
      double u = (static_cast<double>(i) + 0.5) / 256;
      const double n = static_cast<double>(sorted.size());
      // Ties: any rank between the first and the last copy of the value is right.
      auto first = std::lower_bound(sorted.begin(), sorted.end(), q.values[i]) - sorted.begin();
      auto after = std::upper_bound(sorted.begin(), sorted.end(), q.values[i]) - sorted.begin();
      const double tol = q.rank_error + 1.0 / n;
      EXPECT_GE(u, static_cast<double>(first) / n - tol) << size << " " << i;
      EXPECT_LE(u, static_cast<double>(after) / n + tol) << size << " " << i;
    }
  }
}

TEST(Distribution, StringsCarryTheirBytesSortedByKey) {
  // offsets + data of ["b", "a", "b", ""]
  std::vector<int32_t> offsets = {0, 1, 2, 3, 3};
  std::vector<uint8_t> data = {'b', 'a', 'b'};
  data.resize(16);
  OneColumn t("u", 4, {bytes_of(offsets), data}, false, 0);
  Partial p({}, 0, false);
  p.begin(t.table_schema, {});
  p.update(t.table_schema, t.table);
  auto d = truthound::column_distributions(p, {"c"});
  const auto &f = *d[0].frequencies;
  EXPECT_FALSE(d[0].ordered);
  ASSERT_EQ(f.values.size(), 3u);
  EXPECT_TRUE(std::is_sorted(f.keys.begin(), f.keys.end()));
  std::map<std::string, uint64_t> got;
  for (size_t i = 0; i < f.values.size(); ++i) got[f.values[i]] = f.counts[i];
  EXPECT_EQ(got, (std::map<std::string, uint64_t>{{"", 1}, {"a", 1}, {"b", 2}}));
}

TEST(Distribution, RejectsUnknownColumnsAndBadGrids) {
  Partial p = partial_of<int64_t>("l", {1, 2});
  EXPECT_THROW(truthound::column_distributions(p, {"nope"}), InvalidInput);
  EXPECT_THROW(truthound::column_distributions(p, {}, 0), InvalidInput);
  EXPECT_THROW(truthound::column_distributions(p, {}, truthound::distribution::MAX_GRID + 1), InvalidInput);
}
