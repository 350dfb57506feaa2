#include "truthound/stats/frequent.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <string_view>
#include <tuple>
#include <string>
#include <utility>
#include <vector>

#include "truthound/error.hpp"
#include "truthound/hash.hpp"

namespace truthound {
namespace {

// Serialized FrequentItems(16, 4) after "a" x2, "b" x1, u64 7 x3 (see GoldenBytes).
constexpr const char* GOLDEN_HEX =
    "10" "04" "00" "06" "00" "03"  // settings 16/4, exact, total 6, offset 0, 3 entries
    "a958e9192077a124" "03" "00" "08" "0700000000000000"  // u64 7 x3
    "5c041c493e8517b0" "02" "00" "01" "61"                // "a" x2
    "6ab15696c12e12e4" "01" "00" "01" "62";               // "b" x1

std::string u64_bytes(uint64_t v) {
  std::string s(8, '\0');
  std::memcpy(s.data(), &v, 8);
  return s;
}

uint64_t bytes_u64(const std::string& s) {
  uint64_t v = 0;
  EXPECT_EQ(s.size(), 8u);
  std::memcpy(&v, s.data(), std::min<size_t>(8, s.size()));
  return v;
}

void add_u64(FrequentItems& f, uint64_t v, uint64_t count = 1) {
  f.update(hash::of_u64(v), u64_bytes(v), count);
}

void add_str(FrequentItems& f, std::string_view s, uint64_t count = 1) {
  f.update(hash::of_bytes(s), s, count);
}

// The tests below the compact section use the layout of partial formats 1 and 2 (Hashed), whose
// bytes they spell out; the compact section tests format 3's.
std::string bytes_of(const FrequentItems& f, frequent::Layout layout = frequent::Layout::Hashed) {
  ByteWriter out;
  f.serialize(out, layout);
  return out.take();
}

FrequentItems from_bytes(std::string_view bytes, bool fixed_width = false,
                         frequent::Layout layout = frequent::Layout::Hashed) {
  ByteReader in(bytes, "test");
  FrequentItems f = FrequentItems::deserialize(in, fixed_width, layout);
  in.expect_end();
  return f;
}

// Expected top/bottom of untruncated values from a truth map: count, then value bytes.
std::vector<std::pair<std::string, uint64_t>> sorted_truth(
    const std::map<std::string, uint64_t>& truth, bool descending) {
  std::vector<std::pair<std::string, uint64_t>> v(truth.begin(), truth.end());
  std::stable_sort(v.begin(), v.end(), [descending](const auto& a, const auto& b) {
    return descending ? a.second > b.second : a.second < b.second;
  });  // stable: equal counts keep the map's value order
  return v;
}

// Zipf(s) over {0, ..., universe-1} by inverse CDF; values are scrambled so order means nothing.
class Zipf {
 public:
  Zipf(size_t universe, double s, uint64_t seed) : rng_(seed), cdf_(universe) {
    double acc = 0;
    for (size_t i = 0; i < universe; ++i)
      cdf_[i] = acc += 1.0 / std::pow(static_cast<double>(i + 1), s);
    for (double& c : cdf_) c /= acc;
  }
  size_t next_rank() {
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    const auto rank = std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin();
    return std::min<size_t>(rank, cdf_.size() - 1);
  }
  static uint64_t value_of(size_t rank) { return hash::splitmix64(rank); }

 private:
  std::mt19937_64 rng_;
  std::vector<double> cdf_;
};

// Every tracked estimate within [true − error, true], every value with true count > error tracked,
// and error ≤ n / (k+1) (the spec asks for 2n / (k+1); the purge guarantees n / (k+1)).
void expect_within_bounds(const FrequentItems& f, const std::map<uint64_t, uint64_t>& truth) {
  const uint64_t err = f.maximum_error();
  uint64_t n = 0;
  for (const auto& [v, c] : truth) n += c;
  ASSERT_EQ(f.total(), n);
  EXPECT_LE(err * (uint64_t{f.sketch_capacity()} + 1), n);
  EXPECT_LE(err, 2 * n / (uint64_t{f.sketch_capacity()} + 1));
  std::map<uint64_t, uint64_t> est;
  for (const FrequentItem& item : f.top(f.size())) {
    const uint64_t v = bytes_u64(item.value);
    const uint64_t t = truth.count(v) ? truth.at(v) : 0;
    EXPECT_LE(item.count, t) << "value " << v;
    EXPECT_GE(item.count + err, t) << "value " << v;
    EXPECT_EQ(item.lower_bound, item.count);
    EXPECT_EQ(item.upper_bound, item.count + err);
    est[v] = item.count;
  }
  for (const auto& [v, c] : truth) {
    if (c > err) {
      EXPECT_TRUE(est.count(v)) << "value " << v << " with count " << c << " > error " << err;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Settings

TEST(FrequentItemsSettings, InvalidSettingsThrowInvalidInput) {
  EXPECT_THROW(FrequentItems(16, 0), InvalidInput);
  EXPECT_THROW(FrequentItems(16, 17), InvalidInput);
  EXPECT_THROW(FrequentItems(frequent::MAX_CAPACITY + 1, 4), InvalidInput);
  EXPECT_NO_THROW(FrequentItems(1, 1));
  EXPECT_NO_THROW(FrequentItems(frequent::MAX_CAPACITY, frequent::MAX_CAPACITY));
}

// ---------------------------------------------------------------------------------------------
// Empty

TEST(FrequentItemsEmpty, NothingSeen) {
  FrequentItems f;
  EXPECT_TRUE(f.is_exact());
  EXPECT_EQ(f.total(), 0u);
  EXPECT_EQ(f.maximum_error(), 0u);
  EXPECT_EQ(f.size(), 0u);
  EXPECT_TRUE(f.top(10).empty());
  EXPECT_TRUE(f.bottom(10).empty());
  EXPECT_EQ(from_bytes(bytes_of(f)), f);
}

TEST(FrequentItemsEmpty, IsTheMergeIdentity) {
  FrequentItems f(64, 8), empty(64, 8);
  for (uint64_t v = 0; v < 200; ++v) add_u64(f, v % 37, v % 5 + 1);
  const std::string before = bytes_of(f);
  f.merge(empty);
  EXPECT_EQ(bytes_of(f), before);
  empty.merge(f);
  EXPECT_EQ(bytes_of(empty), before);
  // And for a sketch.
  FrequentItems s(64, 8), empty2(64, 8);
  for (uint64_t v = 0; v < 1000; ++v) add_u64(s, v);
  ASSERT_FALSE(s.is_exact());
  const std::string sketch_before = bytes_of(s);
  s.merge(empty2);
  EXPECT_EQ(bytes_of(s), sketch_before);
  empty2.merge(s);
  EXPECT_EQ(bytes_of(empty2), sketch_before);
}

TEST(FrequentItemsEmpty, ZeroCountIsNotSeen) {
  FrequentItems f;
  add_str(f, "x", 0);
  EXPECT_EQ(f.size(), 0u);
  EXPECT_EQ(f, FrequentItems());
}

// ---------------------------------------------------------------------------------------------
// One value

TEST(FrequentItemsOneValue, TopAndBottomAreIt) {
  FrequentItems f;
  add_u64(f, 42);
  const std::vector<FrequentItem> expected = {{u64_bytes(42), false, 1, 1, 1}};
  EXPECT_EQ(f.top(5), expected);
  EXPECT_EQ(f.bottom(5), expected);
  EXPECT_EQ(f.total(), 1u);
  EXPECT_TRUE(f.top(0).empty());
}

TEST(FrequentItemsOneValue, WeightedUpdatesAdd) {
  FrequentItems f;
  add_str(f, "abc", 7);
  add_str(f, "abc");
  add_str(f, "abc", 0);
  EXPECT_EQ(f.top(1), (std::vector<FrequentItem>{{"abc", false, 8, 8, 8}}));
  EXPECT_EQ(f.total(), 8u);
}

// In place of NaN/±inf (values are opaque bytes here): empty and NUL-containing values are values.
TEST(FrequentItemsOneValue, EmptyAndNulBytesAreDistinctValues) {
  FrequentItems f;
  add_str(f, "", 3);
  add_str(f, std::string_view("\0", 1), 2);
  add_str(f, std::string_view("\0\0", 2), 1);
  const std::vector<FrequentItem> expected = {{"", false, 3, 3, 3},
                                              {std::string("\0", 1), false, 2, 2, 2},
                                              {std::string("\0\0", 2), false, 1, 1, 1}};
  EXPECT_EQ(f.top(3), expected);
  EXPECT_EQ(from_bytes(bytes_of(f)).top(3), expected);
}

TEST(FrequentItemsTotal, OverflowThrowsInvalidInput) {
  FrequentItems f;
  add_str(f, "a", UINT64_MAX - 1);
  add_str(f, "b", 1);
  EXPECT_THROW(add_str(f, "a", 1), InvalidInput);
  FrequentItems g;
  add_str(g, "a", 5);
  EXPECT_THROW(g.merge(f), InvalidInput);
}

// ---------------------------------------------------------------------------------------------
// Exact mode

TEST(FrequentItemsExact, TopAndBottomEqualTruthWithTies) {
  std::mt19937_64 rng(7);
  FrequentItems f;
  std::map<std::string, uint64_t> truth;
  // Short strings over {a, b}, including "", so many prefixes and many equal counts.
  for (int i = 0; i < 20'000; ++i) {
    std::string s(rng() % 7, 'a');
    for (char& c : s) c = static_cast<char>('a' + rng() % 2);
    const uint64_t w = 1 + rng() % 3;
    add_str(f, s, w);
    truth[s] += w;
  }
  ASSERT_TRUE(f.is_exact());
  EXPECT_EQ(f.size(), truth.size());
  EXPECT_EQ(f.maximum_error(), 0u);
  for (bool descending : {true, false}) {
    const auto want = sorted_truth(truth, descending);
    for (size_t n : {size_t{0}, size_t{1}, size_t{10}, want.size(), want.size() + 5}) {
      const auto got = descending ? f.top(n) : f.bottom(n);
      ASSERT_EQ(got.size(), std::min(n, want.size()));
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i], (FrequentItem{want[i].first, false, want[i].second, want[i].second,
                                        want[i].second}))
            << (descending ? "top " : "bottom ") << n << " at " << i;
      }
    }
  }
}

TEST(FrequentItemsExact, StaysExactUpToCapacityThenBecomesASketch) {
  FrequentItems f(100, 10);
  for (uint64_t v = 0; v < 100; ++v) add_u64(f, v, v + 1);
  EXPECT_TRUE(f.is_exact());
  EXPECT_EQ(f.size(), 100u);
  EXPECT_EQ(f.bottom(1), (std::vector<FrequentItem>{{u64_bytes(0), false, 1, 1, 1}}));
  add_u64(f, 50);  // an existing value keeps it exact
  EXPECT_TRUE(f.is_exact());
  add_u64(f, 1000);  // the 101st distinct value
  EXPECT_FALSE(f.is_exact());
  EXPECT_GE(f.maximum_error(), 1u);
  EXPECT_LE(f.size(), 10u);
  EXPECT_TRUE(f.bottom(5).empty());
  std::map<uint64_t, uint64_t> truth;
  for (uint64_t v = 0; v < 100; ++v) truth[v] = v + 1;
  truth[50] += 1;
  truth[1000] = 1;
  expect_within_bounds(f, truth);
  // The 11th largest of the counts 1..100 (51 became 52) and 1 is 90: 91..100 keep 1..10.
  EXPECT_EQ(f.maximum_error(), 90u);
  EXPECT_EQ(f.size(), 10u);
  EXPECT_EQ(f.top(1), (std::vector<FrequentItem>{{u64_bytes(99), false, 10, 10, 100}}));
}

TEST(FrequentItemsExact, SixteenMegabyteValueIsStoredTruncatedAndCounted) {
  std::string big(16u << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + i / 4096 % 26);
  std::string big2 = big;
  big2.back() = 'y';  // same 1 KB prefix, different value
  FrequentItems f;
  add_str(f, big);
  add_str(f, big, 2);
  add_str(f, big2);
  add_str(f, big.substr(0, frequent::MAX_VALUE_BYTES));  // fits exactly: not truncated
  ASSERT_EQ(f.size(), 3u);
  const auto top = f.top(3);
  EXPECT_EQ(top[0], (FrequentItem{big.substr(0, frequent::MAX_VALUE_BYTES), true, 3, 3, 3}));
  // Equal counts and bytes: the untruncated value first, then the truncated one by hash.
  EXPECT_EQ(top[1], (FrequentItem{big.substr(0, frequent::MAX_VALUE_BYTES), false, 1, 1, 1}));
  EXPECT_EQ(top[2], (FrequentItem{big.substr(0, frequent::MAX_VALUE_BYTES), true, 1, 1, 1}));
  EXPECT_LT(f.memory_bytes(), 64u << 10);  // the 16 MB were not kept
  EXPECT_EQ(bytes_of(from_bytes(bytes_of(f))), bytes_of(f));
}

TEST(FrequentItemsExact, TruncationDoesNotSplitAUtf8Character) {
  // é (2 bytes) and 😀 (4 bytes) straddling the cut.
  const std::string two = std::string(frequent::MAX_VALUE_BYTES - 1, 'a') + "\xC3\xA9" + "tail";
  const std::string four = std::string(frequent::MAX_VALUE_BYTES - 2, 'a') + "\xF0\x9F\x98\x80";
  const std::string ascii = std::string(frequent::MAX_VALUE_BYTES + 5, 'a');
  FrequentItems f;
  add_str(f, two, 3);
  add_str(f, four, 2);
  add_str(f, ascii, 1);
  const auto top = f.top(3);
  EXPECT_EQ(top[0], (FrequentItem{two.substr(0, frequent::MAX_VALUE_BYTES - 1), true, 3, 3, 3}));
  EXPECT_EQ(top[1], (FrequentItem{four.substr(0, frequent::MAX_VALUE_BYTES - 2), true, 2, 2, 2}));
  EXPECT_EQ(top[2], (FrequentItem{ascii.substr(0, frequent::MAX_VALUE_BYTES), true, 1, 1, 1}));
}

// ---------------------------------------------------------------------------------------------
// Estimation mode

TEST(FrequentItemsEstimation, ZipfCountsWithinTheBound) {
  Zipf zipf(200'000, 1.1, 20240601);
  FrequentItems f;
  std::map<uint64_t, uint64_t> truth;
  std::vector<uint64_t> rank_counts(200'000);
  const size_t n = 1'500'000;
  for (size_t i = 0; i < n; ++i) {
    const size_t r = zipf.next_rank();
    const uint64_t v = Zipf::value_of(r);
    add_u64(f, v);
    ++truth[v];
    ++rank_counts[r];
  }
  ASSERT_FALSE(f.is_exact());
  EXPECT_GT(f.maximum_error(), 0u);
  EXPECT_LT(f.size(), 2u * frequent::DEFAULT_SKETCH_CAPACITY);
  expect_within_bounds(f, truth);
  // The true top 10 are present, and in that order when their gaps exceed the error.
  std::vector<size_t> ranks(rank_counts.size());
  for (size_t i = 0; i < ranks.size(); ++i) ranks[i] = i;
  std::partial_sort(ranks.begin(), ranks.begin() + 10, ranks.end(),
                    [&](size_t a, size_t b) { return rank_counts[a] > rank_counts[b]; });
  const auto top = f.top(f.size());
  for (size_t i = 0; i < 10; ++i) {
    ASSERT_GT(rank_counts[ranks[i]], f.maximum_error());
    const std::string v = u64_bytes(Zipf::value_of(ranks[i]));
    EXPECT_TRUE(std::any_of(top.begin(), top.end(),
                            [&](const FrequentItem& t) { return t.value == v; }))
        << "true rank " << i;
  }
  EXPECT_EQ(top[0].value, u64_bytes(Zipf::value_of(ranks[0])));
  EXPECT_LT(f.memory_bytes(), 256u << 10);
}

TEST(FrequentItemsEstimation, HeavyHittersSurviveAStreamOfDistinctValues) {
  FrequentItems f(64, 16);
  std::map<uint64_t, uint64_t> truth;
  for (uint64_t i = 0; i < 200'000; ++i) {
    const uint64_t v = i % 10 == 0 ? i % 30 : 1'000'000 + i;  // 0, 10, 20 each 1/30 of the stream
    add_u64(f, v);
    ++truth[v];
  }
  expect_within_bounds(f, truth);
  const auto top = f.top(3);
  ASSERT_EQ(top.size(), 3u);
  std::vector<uint64_t> got;
  for (const FrequentItem& item : top) got.push_back(bytes_u64(item.value));
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<uint64_t>{0, 10, 20}));
}

TEST(FrequentItemsEstimation, WeightedUpdatesWithinTheBound) {
  std::mt19937_64 rng(99);
  FrequentItems f(256, 32);
  std::map<uint64_t, uint64_t> truth;
  for (int i = 0; i < 100'000; ++i) {
    const uint64_t v = rng() % 5000 < 4000 ? rng() % 50 : rng() % 100'000;
    const uint64_t w = 1 + rng() % 20;
    add_u64(f, v, w);
    truth[v] += w;
  }
  ASSERT_FALSE(f.is_exact());
  expect_within_bounds(f, truth);
}

TEST(FrequentItemsEstimation, MemoryStaysBounded) {
  FrequentItems f;
  std::string s(3000, 'z');
  for (uint64_t i = 0; i < 100'000; ++i) {
    std::memcpy(s.data(), &i, 8);
    add_str(f, s);
    EXPECT_LE(f.size(), i < frequent::DEFAULT_EXACT_CAPACITY
                            ? frequent::DEFAULT_EXACT_CAPACITY
                            : 2 * frequent::DEFAULT_SKETCH_CAPACITY - 1);
  }
  // A table of 8192 24-byte slots plus at most 2k values of 1 KB, twice for string growth.
  EXPECT_LT(f.memory_bytes(), 8192 * 24 + 2 * 2 * 1024 * 1024 + 1024);
}

// ---------------------------------------------------------------------------------------------
// Merge equals single pass

TEST(FrequentItemsMerge, SixtyFourExactPartitionsEqualSinglePass) {
  std::mt19937_64 rng(3);
  std::vector<std::pair<std::string, uint64_t>> stream;
  for (int i = 0; i < 50'000; ++i)
    stream.emplace_back("v" + std::to_string(rng() % 3000), 1 + rng() % 4);
  FrequentItems single;
  std::vector<FrequentItems> parts(64);
  for (size_t i = 0; i < stream.size(); ++i) {
    add_str(single, stream[i].first, stream[i].second);
    add_str(parts[i * 64 / stream.size()], stream[i].first, stream[i].second);
  }
  FrequentItems merged;
  for (const FrequentItems& p : parts) merged.merge(p);
  ASSERT_TRUE(merged.is_exact());
  EXPECT_EQ(bytes_of(merged), bytes_of(single));
  EXPECT_EQ(merged, single);
  EXPECT_EQ(merged.top(20), single.top(20));
  EXPECT_EQ(merged.bottom(20), single.bottom(20));
  // A tree of merges gives the same exact state.
  std::vector<FrequentItems> level = parts;
  while (level.size() > 1) {
    std::vector<FrequentItems> next;
    for (size_t i = 0; i < level.size(); i += 2) {
      next.push_back(level[i]);
      next.back().merge(level[i + 1]);
    }
    level = std::move(next);
  }
  EXPECT_EQ(bytes_of(level[0]), bytes_of(single));
}

TEST(FrequentItemsMerge, SixtyFourSketchPartitionsWithinTheBound) {
  // Default settings: exact parts whose union overflows. Small settings: sketch parts.
  for (auto [exact, sketch, parts_exact] :
       {std::tuple<uint32_t, uint32_t, bool>{frequent::DEFAULT_EXACT_CAPACITY,
                                             frequent::DEFAULT_SKETCH_CAPACITY, true},
        {256, 64, false}}) {
    Zipf zipf(500'000, 1.05, 11);
    std::map<uint64_t, uint64_t> truth;
    std::vector<FrequentItems> parts(64, FrequentItems(exact, sketch));
    const size_t n = 1'000'000;
    for (size_t i = 0; i < n; ++i) {
      const uint64_t v = Zipf::value_of(zipf.next_rank());
      add_u64(parts[i % 64], v);
      ++truth[v];
    }
    FrequentItems merged(exact, sketch);
    for (const FrequentItems& p : parts) {
      EXPECT_EQ(p.is_exact(), parts_exact);
      merged.merge(p);
    }
    ASSERT_FALSE(merged.is_exact());
    EXPECT_LT(merged.size(), 2u * sketch);
    expect_within_bounds(merged, truth);
  }
}

TEST(FrequentItemsMerge, ExactPartsWhoseUnionOverflowsBecomeASketch) {
  FrequentItems a(100, 10), b(100, 10);
  std::map<uint64_t, uint64_t> truth;
  for (uint64_t v = 0; v < 80; ++v) {
    add_u64(a, v, v % 7 + 1);
    truth[v] += v % 7 + 1;
    add_u64(b, v + 40, 2);
    truth[v + 40] += 2;
  }
  ASSERT_TRUE(a.is_exact() && b.is_exact());
  a.merge(b);
  EXPECT_FALSE(a.is_exact());
  EXPECT_LE(a.size(), 10u);
  expect_within_bounds(a, truth);
}

TEST(FrequentItemsMerge, DifferentSettingsThrowInvalidInput) {
  FrequentItems a(100, 10), b(100, 20), c(200, 10);
  EXPECT_THROW(a.merge(b), InvalidInput);
  EXPECT_THROW(a.merge(c), InvalidInput);
}

// ---------------------------------------------------------------------------------------------
// Merge order

TEST(FrequentItemsMergeOrder, SameOrderTwiceGivesIdenticalBytes) {
  Zipf zipf(50'000, 1.0, 5);
  std::vector<FrequentItems> parts(16, FrequentItems(512, 64));
  for (size_t i = 0; i < 400'000; ++i)
    add_u64(parts[(i * 7919) % 16], Zipf::value_of(zipf.next_rank()));
  FrequentItems first(512, 64), second(512, 64);
  for (const FrequentItems& p : parts) first.merge(p);
  // Round-tripped parts have other table layouts; the merge must not care.
  for (const FrequentItems& p : parts) second.merge(from_bytes(bytes_of(p)));
  ASSERT_FALSE(first.is_exact());
  EXPECT_EQ(bytes_of(first), bytes_of(second));
}

TEST(FrequentItemsMergeOrder, MergeIsCommutative) {
  FrequentItems a(512, 64), b(512, 64);
  std::mt19937_64 rng(17);
  for (int i = 0; i < 50'000; ++i) add_u64(a, rng() % (i % 2 ? 40 : 5000));
  for (int i = 0; i < 30'000; ++i) add_u64(b, rng() % (i % 3 ? 60 : 9000));
  FrequentItems ab = a, ba = b;
  ab.merge(b);
  ba.merge(a);
  EXPECT_EQ(bytes_of(ab), bytes_of(ba));
}

TEST(FrequentItemsMergeOrder, SelfMergeDoublesCounts) {
  FrequentItems f;
  add_str(f, "a", 3);
  add_str(f, "b");
  f.merge(f);
  EXPECT_EQ(f.top(2), (std::vector<FrequentItem>{{"a", false, 6, 6, 6}, {"b", false, 2, 2, 2}}));
  EXPECT_EQ(f.total(), 8u);
}

// ---------------------------------------------------------------------------------------------
// Round trip

TEST(FrequentItemsRoundTrip, IdenticalBytesExactAndSketch) {
  FrequentItems exact, sketch(128, 16);
  std::mt19937_64 rng(1);
  for (int i = 0; i < 20'000; ++i) {
    add_str(exact, std::to_string(rng() % 500));
    add_u64(sketch, rng() % (i % 2 ? 30 : 100'000));
  }
  add_str(exact, std::string(5000, 'L'));
  for (const FrequentItems* f : {&exact, &sketch}) {
    const std::string bytes = bytes_of(*f);
    const FrequentItems back = from_bytes(bytes);
    EXPECT_EQ(back, *f);
    EXPECT_EQ(bytes_of(back), bytes);
    EXPECT_EQ(back.top(50), f->top(50));
    EXPECT_EQ(back.bottom(50), f->bottom(50));
    // Continuing from the round-tripped state matches continuing from the original.
    FrequentItems a = *f, b = back;
    for (uint64_t v = 0; v < 5000; ++v) {
      add_u64(a, v % 300);
      add_u64(b, v % 300);
    }
    EXPECT_EQ(bytes_of(a), bytes_of(b));
  }
}

// The current format, byte for byte; a change here is a format change.
TEST(FrequentItemsRoundTrip, GoldenBytes) {
  FrequentItems f(16, 4);
  add_str(f, "a", 2);
  add_str(f, "b");
  add_u64(f, 7, 3);
  std::string hex;
  for (unsigned char c : bytes_of(f)) {
    static const char* digits = "0123456789abcdef";
    hex += digits[c >> 4];
    hex += digits[c & 15];
  }
  EXPECT_EQ(hex, GOLDEN_HEX);
}

// ---------------------------------------------------------------------------------------------
// Corrupt input: one case per check in deserialize.

struct RawEntry {
  uint64_t hash;
  uint64_t count;
  uint8_t truncated;
  std::string value;
};

struct Raw {
  uint64_t exact = 16;
  uint64_t sketch = 4;
  uint8_t mode = frequent::MODE_EXACT;
  uint64_t total = 3;
  uint64_t offset = 0;
  std::optional<uint64_t> entry_count;  // defaults to entries.size()
  std::vector<RawEntry> entries = {{10, 1, 0, "a"}, {20, 2, 0, "b"}};

  std::string encode() const {
    ByteWriter out;
    out.put_varint(exact);
    out.put_varint(sketch);
    out.put_u8(mode);
    out.put_varint(total);
    out.put_varint(offset);
    out.put_varint(entry_count.value_or(entries.size()));
    for (const RawEntry& e : entries) {
      out.put_u64(e.hash);
      out.put_varint(e.count);
      out.put_u8(e.truncated);
      out.put_bytes(e.value);
    }
    return out.take();
  }
};

// Decoding must throw CorruptPartial whose message names the failed check.
void expect_corrupt(const std::string& bytes, const std::string& what) {
  try {
    from_bytes(bytes);
    ADD_FAILURE() << "no exception, expected one about: " << what;
  } catch (const CorruptPartial& e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

Raw valid_sketch() {
  Raw r;
  r.mode = frequent::MODE_SKETCH;
  r.offset = 2;
  r.total = 3 + 2 * 5;  // counts + (k+1)·offset
  return r;
}

TEST(FrequentItemsCorrupt, ValidRawInputsDecode) {
  EXPECT_NO_THROW(from_bytes(Raw().encode()));
  const FrequentItems s = from_bytes(valid_sketch().encode());
  EXPECT_FALSE(s.is_exact());
  EXPECT_EQ(s.maximum_error(), 2u);
  EXPECT_EQ(s.top(2), (std::vector<FrequentItem>{{"b", false, 2, 2, 4}, {"a", false, 1, 1, 3}}));
}

TEST(FrequentItemsCorrupt, EveryTruncationThrows) {
  FrequentItems exact, sketch(64, 8);
  for (uint64_t v = 0; v < 40; ++v) add_u64(exact, v, v + 1);
  add_str(exact, std::string(2000, 'T'));
  for (uint64_t v = 0; v < 500; ++v) add_u64(sketch, v % 50 == 0 ? 1 : v);
  for (const FrequentItems* f : {&exact, &sketch}) {
    const std::string bytes = bytes_of(*f);
    for (size_t len = 0; len < bytes.size(); ++len) {
      ByteReader in(std::string_view(bytes).substr(0, len), "test");
      EXPECT_THROW(FrequentItems::deserialize(in, false, frequent::Layout::Hashed), CorruptPartial)
          << "prefix " << len;
    }
  }
}

TEST(FrequentItemsCorrupt, ExactCapacityOutOfRange) {
  Raw r;
  r.exact = frequent::MAX_CAPACITY + 1;
  expect_corrupt(r.encode(), "exact capacity 1048577, at most 1048576");
}

TEST(FrequentItemsCorrupt, SketchCapacityOutOfRange) {
  Raw r;
  r.sketch = frequent::MAX_CAPACITY + 1;
  expect_corrupt(r.encode(), "sketch capacity 1048577, at most 1048576");
}

TEST(FrequentItemsCorrupt, SketchCapacityZero) {
  Raw r;
  r.sketch = 0;
  expect_corrupt(r.encode(), "sketch capacity 0, expected 1 <= sketch capacity");
}

TEST(FrequentItemsCorrupt, SketchCapacityAboveExact) {
  Raw r;
  r.sketch = 17;
  expect_corrupt(r.encode(), "sketch capacity 17, expected 1 <= sketch capacity");
}

TEST(FrequentItemsCorrupt, BadMode) {
  Raw r;
  r.mode = 2;
  expect_corrupt(r.encode(), "mode 2, expected 0 (exact) or 1 (sketch)");
}

TEST(FrequentItemsCorrupt, ExactModeWithErrorOffset) {
  Raw r;
  r.offset = 1;
  expect_corrupt(r.encode(), "error offset 1 in exact mode, expected 0");
}

TEST(FrequentItemsCorrupt, SketchModeWithoutErrorOffset) {
  Raw r = valid_sketch();
  r.offset = 0;
  expect_corrupt(r.encode(), "error offset 0 in sketch mode");
}

TEST(FrequentItemsCorrupt, ErrorOffsetAboveTotalOverKPlusOne) {
  Raw r = valid_sketch();
  r.offset = r.total / 5 + 1;
  expect_corrupt(r.encode(), "exceeds total 13 / (k+1) = 2");
}

TEST(FrequentItemsCorrupt, TooManyEntriesForExactMode) {
  Raw r;
  r.entry_count = 17;
  expect_corrupt(r.encode(), "entry count 17, at most 16");
}

TEST(FrequentItemsCorrupt, TooManyEntriesForSketchMode) {
  Raw r = valid_sketch();
  r.entry_count = 8;  // at most 2k − 1 = 7
  expect_corrupt(r.encode(), "entry count 8, at most 7");
}

TEST(FrequentItemsCorrupt, UnsortedHashes) {
  Raw r;
  std::swap(r.entries[0].hash, r.entries[1].hash);
  expect_corrupt(r.encode(), "hash of entry 1 is not greater than the last");
}

TEST(FrequentItemsCorrupt, DuplicateHashes) {
  Raw r;
  r.entries[1].hash = r.entries[0].hash;
  expect_corrupt(r.encode(), "hash of entry 1 is not greater than the last");
}

TEST(FrequentItemsCorrupt, ZeroCount) {
  Raw r;
  r.entries[0].count = 0;
  r.total = 2;
  expect_corrupt(r.encode(), "count of entry 0 is 0");
}

TEST(FrequentItemsCorrupt, BadTruncatedFlag) {
  Raw r;
  r.entries[0].truncated = 2;
  expect_corrupt(r.encode(), "truncated flag: boolean byte 2");
}

TEST(FrequentItemsCorrupt, OversizeValue) {
  Raw r;
  r.entries[0].value = std::string(frequent::MAX_VALUE_BYTES + 1, 'v');
  expect_corrupt(r.encode(), "value of 1025 bytes, at most 1024");
  r.entries[0].value.pop_back();  // exactly the limit is fine
  EXPECT_NO_THROW(from_bytes(r.encode()));
}

TEST(FrequentItemsCorrupt, CountsExceedTotal) {
  Raw r;
  r.total = 2;
  expect_corrupt(r.encode(), "counts exceed the total 2 at entry 1");
  Raw s = valid_sketch();
  s.total -= 1;  // counts + (k+1)·offset no longer fit
  expect_corrupt(s.encode(), "counts exceed the total 12 at entry 1");
  Raw h;  // counts near 2^64 must not wrap around
  h.total = UINT64_MAX;
  h.entries[0].count = UINT64_MAX;
  expect_corrupt(h.encode(), "counts exceed the total 18446744073709551615 at entry 1");
}

TEST(FrequentItemsCorrupt, ExactCountsBelowTotal) {
  Raw r;
  r.total = 4;
  expect_corrupt(r.encode(), "counts sum to 3 in exact mode, expected the total 4");
}

}  // namespace
}  // namespace truthound

namespace truthound {
namespace {

// ---------------------------------------------------------------------------------------------
// Partial format 3: the compact layout, fixed-width tables, dense decoding, memory (issue 14).

FrequentItems compact_round_trip(const FrequentItems& f) {
  const std::string bytes = bytes_of(f, frequent::Layout::Compact);
  FrequentItems back = from_bytes(bytes, f.fixed_width(), frequent::Layout::Compact);
  EXPECT_EQ(bytes_of(back, frequent::Layout::Compact), bytes);
  return back;
}

TEST(FrequentItemsCompact, GoldenBytes) {
  FrequentItems strings(16, 4);
  add_str(strings, "a", 2);
  add_str(strings, "b");
  // Hash order as in the hashed layout ("a" < "b" by hash), no hashes: count, length·2, bytes.
  EXPECT_EQ(bytes_of(strings, frequent::Layout::Compact),
            std::string("\x10\x04\x00\x03\x00\x02" "\x02\x02" "a" "\x01\x02" "b", 12));
  FrequentItems numbers(16, 4, true);
  add_u64(numbers, 300, 2);
  add_u64(numbers, 7, 3);
  // Value order, deltas: 7 (count 3), 293 = 0xa5 0x02 (count 2).
  EXPECT_EQ(bytes_of(numbers, frequent::Layout::Compact),
            std::string("\x10\x04\x00\x05\x00\x02" "\x07\x03" "\xa5\x02\x02", 11));
}

TEST(FrequentItemsCompact, FixedWidthKeepsOnlyHashes) {
  FrequentItems fixed(16'384, 768, true), bytes(16'384, 768, false);
  std::mt19937_64 rng(3);
  for (int i = 0; i < 50'000; ++i) {
    const uint64_t v = rng() % 5'000;
    add_u64(fixed, v);
    add_u64(bytes, v);
  }
  // Same answers, same hashed bytes (the layout of formats 1 and 2 does not see the difference).
  EXPECT_EQ(fixed.top(100), bytes.top(100));
  EXPECT_EQ(fixed.bottom(100), bytes.bottom(100));
  EXPECT_EQ(bytes_of(fixed), bytes_of(bytes));
  // 16 bytes a slot, at most 1/2 full past 16,384 slots and grown by half: at least 1/3 full
  // (48 bytes a value) but for the step from 1/4 to 1/2 (4,096 to 5,000 values: 64 bytes a value).
  EXPECT_LE(fixed.memory_bytes(), 64 * fixed.size() + sizeof(FrequentItems));
  EXPECT_LT(fixed.memory_bytes(), bytes.memory_bytes());
}

TEST(FrequentItemsCompact, RoundTripExactSketchAndTruncated) {
  for (bool fixed : {false, true}) {
    FrequentItems exact(16'384, 768, fixed), sketch(128, 16, fixed);
    std::mt19937_64 rng(1);
    for (int i = 0; i < 20'000; ++i) {
      const uint64_t v = rng() % 500;
      if (fixed)
        add_u64(exact, v * 1'000'003 - 250'000'000);  // negative values too
      else
        add_str(exact, std::to_string(v));
      add_u64(sketch, rng() % (i % 2 ? 30 : 100'000));
    }
    if (!fixed) add_str(exact, std::string(5000, 'L'));  // truncated: its hash is written
    for (const FrequentItems* f : {&exact, &sketch}) {
      if (!fixed && f == &sketch) continue;  // u64 values in a bytes table: covered above
      const FrequentItems back = compact_round_trip(*f);
      EXPECT_TRUE(back.is_dense());
      EXPECT_EQ(back, *f);
      EXPECT_EQ(back.top(50), f->top(50));
      EXPECT_EQ(back.bottom(50), f->bottom(50));
      EXPECT_EQ(bytes_of(back), bytes_of(*f));  // and the hashed layout from a dense state
      FrequentItems a = *f, b = back;
      for (uint64_t v = 0; v < 5000; ++v) {
        add_u64(a, v % 300);
        add_u64(b, v % 300);
      }
      EXPECT_FALSE(b.is_dense());
      EXPECT_EQ(bytes_of(a, frequent::Layout::Compact), bytes_of(b, frequent::Layout::Compact));
      // Merging a dense input equals merging the state it came from.
      FrequentItems into_a = *f, into_b = *f;
      into_a.merge(*f);
      into_b.merge(back);
      EXPECT_EQ(into_a, into_b);
    }
  }
}

TEST(FrequentItemsCompact, SmallerThanHashed) {
  FrequentItems numbers(16'384, 768, true);
  for (uint64_t v = 0; v < 2'000; ++v) add_u64(numbers, v * 500);
  // A delta of 500 (2 bytes) and a count (1 byte) against 8 + 1 + 1 + 1 + 8.
  EXPECT_LE(bytes_of(numbers, frequent::Layout::Compact).size(), 3 * 2'000 + 16);
  EXPECT_GE(bytes_of(numbers).size(), 19 * 2'000);
}

TEST(FrequentItemsCompact, FixedWidthHashedEntryMustMatchItsValue) {
  Raw r;  // hashes 10 and 20 are no value's of_u64
  r.entries = {{hash::of_u64(5), 1, 0, u64_bytes(5)}, {0, 2, 0, u64_bytes(6)}};
  if (r.entries[1].hash < r.entries[0].hash) std::swap(r.entries[0], r.entries[1]);
  try {
    from_bytes(r.encode(), true);
    ADD_FAILURE() << "accepted a fixed-width entry whose hash is not its value's";
  } catch (const CorruptPartial& e) {
    EXPECT_NE(std::string(e.what()).find("fixed-width"), std::string::npos) << e.what();
  }
  Raw ok;
  ok.entries = {{hash::of_u64(5), 1, 0, u64_bytes(5)}, {hash::of_u64(6), 2, 0, u64_bytes(6)}};
  std::sort(ok.entries.begin(), ok.entries.end(),
            [](const RawEntry& a, const RawEntry& b) { return a.hash < b.hash; });
  EXPECT_EQ(from_bytes(ok.encode(), true).top(1).at(0).value, u64_bytes(6));
  ok.entries[0].value = "short";
  EXPECT_THROW(from_bytes(ok.encode(), true), CorruptPartial);
}

void expect_compact_corrupt(const std::string& bytes, bool fixed, const std::string& what) {
  try {
    from_bytes(bytes, fixed, frequent::Layout::Compact);
    ADD_FAILURE() << "no exception, expected one about: " << what;
  } catch (const CorruptPartial& e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

std::string compact_header(uint64_t total, uint64_t entries) {
  ByteWriter out;
  out.put_varint(16);
  out.put_varint(4);
  out.put_u8(frequent::MODE_EXACT);
  out.put_varint(total);
  out.put_varint(0);
  out.put_varint(entries);
  return out.take();
}

TEST(FrequentItemsCompact, CorruptInput) {
  // Fixed width: a repeated value (delta 0 after the first), a value past 2^64 − 1.
  expect_compact_corrupt(compact_header(2, 2) + std::string("\x05\x01\x00\x01", 4), true,
                         "value of entry 1 is not greater than the last");
  ByteWriter wrap;
  wrap.put_varint(UINT64_MAX);
  wrap.put_varint(1);
  wrap.put_varint(1);
  wrap.put_varint(1);
  expect_compact_corrupt(compact_header(2, 2) + wrap.take(), true,
                         "value of entry 1 is not greater than the last");
  expect_compact_corrupt(compact_header(2, 2) + std::string("\x05\x00", 2) + std::string("\x01\x01", 2),
                         true, "count of entry 0 is 0");
  // Bytes: out of hash order, too long, truncated without its hash.
  std::string a = "\x01\x02" "a", b = "\x01\x02" "b";
  const bool a_first = hash::of_bytes("a") < hash::of_bytes("b");
  expect_compact_corrupt(compact_header(2, 2) + (a_first ? b + a : a + b), false,
                         "hash of entry 1 is not greater than the last");
  ByteWriter long_value;
  long_value.put_varint(1);
  long_value.put_varint(2 * (frequent::MAX_VALUE_BYTES + 1));
  expect_compact_corrupt(compact_header(1, 1) + long_value.take() + std::string(1025, 'x'), false,
                         "value of 1025 bytes, at most 1024");
  expect_compact_corrupt(compact_header(1, 1) + std::string("\x01\x03" "a", 3), false,
                         "truncated while reading frequent items hash");
  // Every prefix of valid bytes throws.
  FrequentItems f(64, 8, true);
  for (uint64_t v = 0; v < 40; ++v) add_u64(f, v * 977, v + 1);
  const std::string bytes = bytes_of(f, frequent::Layout::Compact);
  for (size_t len = 0; len < bytes.size(); ++len) {
    ByteReader in(std::string_view(bytes).substr(0, len), "test");
    EXPECT_THROW(FrequentItems::deserialize(in, true, frequent::Layout::Compact), CorruptPartial)
        << "prefix " << len;
  }
}

TEST(FrequentItemsCompact, MixedWidthsDoNotMerge) {
  FrequentItems fixed(16, 4, true), bytes(16, 4, false);
  add_u64(fixed, 1);
  add_u64(bytes, 1);
  EXPECT_THROW(fixed.merge(bytes), InvalidInput);
}

}  // namespace
}  // namespace truthound
