#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "../arrow_fixture.hpp"
#include "truthound/error.hpp"
#include "truthound/hash.hpp"
#include "truthound/profile/column_state.hpp"
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

// One int64 column of `values` (no nulls) as a sample's view; the rows' hashes as a table's.
struct Int64Rows {
  std::vector<int64_t> values;
  testing::OneColumn table;
  explicit Int64Rows(std::vector<int64_t> v)
      : values(std::move(v)),
        table("l", static_cast<int64_t>(values.size()), {testing::bytes_of(values)}, false, 0) {}
  ArrayView view() const {
    return ArrayView(table.column_schema, table.column, 0, "test", static_cast<int64_t>(values.size()));
  }
  std::vector<uint64_t> hashes() const {
    std::vector<uint64_t> h(values.size(), hash::P1);
    add_value_hashes(parse_column_type(table.column_schema), view(), h.data());
    return h;
  }
};

RowSample sample_of(const std::vector<int64_t>& values, uint32_t k = 50, uint64_t seed = 9) {
  RowSample s(k, seed, {{0, "c", "l"}});
  Int64Rows rows(values);
  std::vector<uint64_t> h = rows.hashes();
  s.update({rows.view()}, h.data(), static_cast<int64_t>(values.size()));
  return s;
}

std::vector<int64_t> iota(int64_t from, int64_t to) {
  std::vector<int64_t> v;
  for (int64_t x = from; x < to; ++x) v.push_back(x * 7919 % 100'003);
  return v;
}

TEST(RowSample, BottomKOfAUnionAnyOrderAndAnySplit) {
  std::vector<int64_t> all = iota(0, 10'000);
  RowSample whole = sample_of(all);
  ASSERT_EQ(whole.rows().size(), 50u);
  RowSample a = sample_of(iota(0, 3'000)), b = sample_of(iota(3'000, 6'500)), c = sample_of(iota(6'500, 10'000));
  RowSample abc = a, cba = c;
  abc.merge(b);
  abc.merge(c);
  cba.merge(b);
  cba.merge(a);
  EXPECT_EQ(abc, whole);
  EXPECT_EQ(cba, whole);
  // the key is the row's content: the rows in another order give the same sample
  std::vector<int64_t> reversed(all.rbegin(), all.rend());
  EXPECT_EQ(sample_of(reversed), whole);
  uint64_t last = 0;
  for (const auto& row : whole.rows()) {
    EXPECT_GE(row.key, last);
    last = row.key;
  }
  // the k smallest keys of the whole table
  std::vector<uint64_t> keys;
  for (uint64_t h : Int64Rows(all).hashes()) keys.push_back(sample::key(9, h));
  std::sort(keys.begin(), keys.end());
  for (size_t i = 0; i < 50; ++i) EXPECT_EQ(whole.rows()[i].key, keys[i]);
  RowSample other(40, 9, {{0, "c", "l"}});
  EXPECT_THROW(whole.merge(other), InvalidInput);
  EXPECT_NE(sample_of(all, 50, 10), whole);  // another seed, another sample
}

TEST(RowSample, IdenticalRowsAreAMultiset) {
  // 30 distinct values, each 10 times: the sample of 25 keeps copies as often as they fall in
  std::vector<int64_t> rows;
  for (int r = 0; r < 300; ++r) rows.push_back(r % 30);
  RowSample whole = sample_of(rows, 25);
  ASSERT_EQ(whole.rows().size(), 25u);
  // bottom-k of the multiset: the 25 smallest of the 300 keys, copies included
  std::vector<uint64_t> keys;
  for (uint64_t h : Int64Rows(rows).hashes()) keys.push_back(sample::key(9, h));
  std::sort(keys.begin(), keys.end());
  for (size_t i = 0; i < 25; ++i) EXPECT_EQ(whole.rows()[i].key, keys[i]) << i;
  EXPECT_EQ(whole.rows()[0], whole.rows()[9]);  // the smallest row's ten copies
  // any split merges to the same multiset
  for (size_t cut : {1ul, 7ul, 150ul, 299ul}) {
    RowSample left = sample_of({rows.begin(), rows.begin() + static_cast<long>(cut)}, 25);
    RowSample right = sample_of({rows.begin() + static_cast<long>(cut), rows.end()}, 25);
    right.merge(left);
    EXPECT_EQ(right, whole) << cut;
  }
}

TEST(RowSample, EqualKeysAreOrderedByCells) {
  // two different rows under the same key (as a 64-bit collision would give): both kept in
  // cell order, whatever order they arrive in
  Int64Rows rows({5, 3});
  std::vector<uint64_t> same = {42, 42};
  RowSample one(2, 1, {{0, "c", "l"}}), two(2, 1, {{0, "c", "l"}});
  one.update({rows.view()}, same.data(), 2);
  Int64Rows swapped({3, 5});
  two.update({swapped.view()}, same.data(), 2);
  EXPECT_EQ(one, two);
  ASSERT_EQ(one.rows().size(), 2u);
  EXPECT_LT(one.rows()[0].cells, one.rows()[1].cells);
  RowSample small(1, 1, {{0, "c", "l"}}), small_swapped(1, 1, {{0, "c", "l"}});
  small.update({rows.view()}, same.data(), 2);
  small_swapped.update({swapped.view()}, same.data(), 2);
  EXPECT_EQ(small, small_swapped);
}

TEST(RowSample, AnEmptyUnitIsTheIdentity) {
  RowSample whole = sample_of(iota(0, 500));
  RowSample none(50, 9, {});  // a column group that offered no rows
  RowSample a = whole, b = none;
  a.merge(none);
  b.merge(whole);
  EXPECT_EQ(a, whole);
  EXPECT_EQ(b, whole);
}

TEST(RowSample, RoundTripAndCorruptBytes) {
  RowSample whole = sample_of(iota(0, 2'000));
  ByteWriter out;
  whole.serialize(out);
  std::string bytes = out.take();
  ByteReader in(bytes);
  EXPECT_EQ(RowSample::deserialize(in), whole);
  in.expect_end();
  for (size_t cut = 0; cut < bytes.size(); cut += 7) {
    ByteReader truncated(std::string_view(bytes).substr(0, cut));
    EXPECT_THROW(RowSample::deserialize(truncated), CorruptPartial) << cut;
  }
  // rows out of order: the second row's key made smaller than the first's
  std::vector<RowSample::Row> rows = whole.rows();
  ByteWriter swapped;
  swapped.put_varint(50);
  swapped.put_u64(9);
  swapped.put_varint(1);
  swapped.put_varint(0);
  swapped.put_bytes("c");
  swapped.put_bytes("l");
  swapped.put_varint(2);
  swapped.put_u64(rows[1].key);
  swapped.put_bytes(rows[1].cells);
  swapped.put_u64(rows[0].key);
  swapped.put_bytes(rows[0].cells);
  std::string bad = swapped.take();
  ByteReader bad_in(bad);
  try {
    RowSample::deserialize(bad_in);
    FAIL() << "read rows out of order";
  } catch (const CorruptPartial& e) {
    EXPECT_NE(std::string(e.what()).find("out of order"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace truthound
