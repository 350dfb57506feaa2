#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "truthound/error.hpp"
#include "truthound/stats/comoments.hpp"
#include "truthound/stats/nullity.hpp"
#include "truthound/stats/row_sample.hpp"

namespace truthound {
namespace {

std::vector<std::vector<double>> columns(size_t k, size_t n, uint64_t seed, double missing_share) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> unit;
  std::vector<std::vector<double>> out(k, std::vector<double>(n));
  for (size_t r = 0; r < n; ++r) {
    double x = normal(rng);
    for (size_t c = 0; c < k; ++c) {
      out[c][r] = c == 0 ? x : 0.5 * x + normal(rng) + static_cast<double>(c) * 100;
      if (unit(rng) < missing_share) out[c][r] = std::nan("");
    }
  }
  return out;
}

CoMoments feed(const std::vector<std::vector<double>>& data, size_t from, size_t to, size_t step) {
  CoMoments m(static_cast<uint32_t>(data.size()));
  for (size_t at = from; at < to; at += step) {
    size_t n = std::min(step, to - at);
    std::vector<const double*> ptrs;
    for (const auto& col : data) ptrs.push_back(col.data() + at);
    m.update(ptrs, static_cast<uint32_t>(n));
  }
  return m;
}

double pearson_two_pass(const std::vector<double>& x, const std::vector<double>& y) {
  double sx = 0, sy = 0, n = 0;
  for (size_t r = 0; r < x.size(); ++r)
    if (!std::isnan(x[r]) && !std::isnan(y[r])) sx += x[r], sy += y[r], ++n;
  double mx = sx / n, my = sy / n, c = 0, qx = 0, qy = 0;
  for (size_t r = 0; r < x.size(); ++r) {
    if (std::isnan(x[r]) || std::isnan(y[r])) continue;
    c += (x[r] - mx) * (y[r] - my);
    qx += (x[r] - mx) * (x[r] - mx);
    qy += (y[r] - my) * (y[r] - my);
  }
  return c / std::sqrt(qx * qy);
}

TEST(CoMoments, EmptyAndOneRow) {
  CoMoments m(3);
  EXPECT_FALSE(m.pearson(0, 1));
  double a = 1, b = 2, c = 3;
  m.update({&a, &b, &c}, 1);
  EXPECT_EQ(m.pair(0, 2).n, 1u);
  EXPECT_FALSE(m.pearson(0, 2));  // one row: undefined
  CoMoments empty(3);
  CoMoments copy = m;
  copy.merge(empty);
  EXPECT_EQ(copy, m);
}

TEST(CoMoments, MatchesTwoPassWithMissingValues) {
  auto data = columns(4, 10'000, 1, 0.1);
  CoMoments m = feed(data, 0, 10'000, 777);
  for (uint32_t i = 0; i < 4; ++i)
    for (uint32_t j = i + 1; j < 4; ++j) EXPECT_NEAR(*m.pearson(i, j), pearson_two_pass(data[i], data[j]), 1e-12);
}

TEST(CoMoments, BatchingDoesNotChangeTheBits) {
  auto data = columns(3, 5'000, 2, 0.05);
  ByteWriter a, b;
  feed(data, 0, 5'000, 13).serialize(a);
  feed(data, 0, 5'000, 4096).serialize(b);
  EXPECT_EQ(a.take(), b.take());
}

TEST(CoMoments, MergeEqualsSinglePassAndRoundTrips) {
  auto data = columns(5, 20'000, 3, 0.02);
  CoMoments whole = feed(data, 0, 20'000, 1000);
  CoMoments left = feed(data, 0, 7'001, 1000), right = feed(data, 7'001, 20'000, 1000);
  left.merge(right);
  for (uint32_t i = 0; i < 5; ++i)
    for (uint32_t j = i + 1; j < 5; ++j) {
      EXPECT_EQ(left.pair(i, j).n, whole.pair(i, j).n);
      EXPECT_NEAR(*left.pearson(i, j), *whole.pearson(i, j), 1e-13);
    }
  ByteWriter out;
  left.serialize(out);
  std::string bytes = out.take();
  ByteReader in(bytes);
  CoMoments back = CoMoments::deserialize(in);
  in.expect_end();
  EXPECT_EQ(back, left);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    ByteReader truncated(std::string_view(bytes).substr(0, cut));
    EXPECT_THROW(CoMoments::deserialize(truncated), CorruptPartial) << cut;
  }
  CoMoments other(4);
  EXPECT_THROW(left.merge(other), InvalidInput);
}

TEST(NullityCounts, CountsAndMergeByAddition) {
  // rows 0..129: column 0 null on even rows, column 1 null on rows divisible by 4, column 2 never
  std::vector<uint64_t> a(3, 0), b(3, 0);
  uint64_t n0 = 0, n1 = 0, both = 0;
  for (int r = 0; r < 130; ++r) {
    bool x = r % 2 == 0, y = r % 4 == 0;
    if (x) a[r >> 6] |= uint64_t{1} << (r & 63), ++n0;
    if (y) b[r >> 6] |= uint64_t{1} << (r & 63), ++n1;
    both += x && y;
  }
  NullityCounts c(3);
  c.update({a.data(), b.data(), nullptr}, 130);
  EXPECT_EQ(c.nulls(0), n0);
  EXPECT_EQ(c.nulls(1), n1);
  EXPECT_EQ(c.both_null(0, 1), both);
  EXPECT_FALSE(c.correlation(0, 2));  // never null: undefined
  NullityCounts twice = c;
  twice.merge(c);
  EXPECT_EQ(twice.both_null(0, 1), 2 * both);
  EXPECT_DOUBLE_EQ(*twice.correlation(0, 1), *c.correlation(0, 1));
  ByteWriter out;
  twice.serialize(out);
  std::string bytes = out.take();
  ByteReader in(bytes);
  EXPECT_EQ(NullityCounts::deserialize(in), twice);
}

TEST(RowSample, BottomKOfAUnionAnyOrder) {
  std::vector<SampleColumn> cols;  // no columns: the positions alone
  auto sample_of = [&](uint64_t from, uint64_t to) {
    RowSample s(50, 9, cols);
    std::vector<uint64_t> positions;
    for (uint64_t p = from; p < to; ++p) positions.push_back(p);
    s.update({}, positions.data(), static_cast<int64_t>(positions.size()));
    return s;
  };
  RowSample whole = sample_of(0, 10'000);
  RowSample a = sample_of(0, 3'000), b = sample_of(3'000, 6'500), c = sample_of(6'500, 10'000);
  RowSample abc = a, cba = c;
  abc.merge(b);
  abc.merge(c);
  cba.merge(b);
  cba.merge(a);
  EXPECT_EQ(abc, whole);
  EXPECT_EQ(cba, whole);
  ASSERT_EQ(whole.rows().size(), 50u);
  uint64_t last = 0;
  for (const auto& row : whole.rows()) {
    EXPECT_EQ(row.priority, sample::priority(9, row.position));
    EXPECT_GE(row.priority, last);
    last = row.priority;
  }
  RowSample other(40, 9, cols);
  EXPECT_THROW(whole.merge(other), InvalidInput);
  ByteWriter out;
  whole.serialize(out);
  std::string bytes = out.take();
  for (size_t cut = 0; cut < bytes.size(); cut += 7) {
    ByteReader truncated(std::string_view(bytes).substr(0, cut));
    EXPECT_THROW(RowSample::deserialize(truncated), CorruptPartial) << cut;
  }
}

}  // namespace
}  // namespace truthound
