#include "truthound/stats/distinct.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "truthound/bytes.hpp"
#include "truthound/error.hpp"
#include "truthound/hash.hpp"

namespace truthound {
namespace {

// The HyperLogLog counter of format-1 partials; the ExaLogLog counter is tested at the end.
constexpr DistinctSketch HLL = DistinctSketch::HyperLogLog;

std::string to_bytes(const DistinctCounter& c) {
  ByteWriter out;
  c.serialize(out);
  return out.take();
}

DistinctCounter from_bytes(const std::string& bytes) {
  ByteReader in(bytes, "test");
  DistinctCounter c = DistinctCounter::deserialize(in, HLL);
  in.expect_end();
  return c;
}

// Hashes of the counters first .. first + n - 1.
std::vector<uint64_t> hashes(uint64_t first, uint64_t n) {
  std::vector<uint64_t> out(n);
  for (uint64_t i = 0; i < n; ++i) out[i] = hash::of_u64(first + i);
  return out;
}

DistinctCounter fed(const std::vector<uint64_t>& values, uint32_t limit, uint8_t p) {
  DistinctCounter c(limit, p, HLL);
  for (uint64_t v : values) c.update(v);
  return c;
}

// The bytes of a counter in sketch mode whose HLL saw exactly `values`.
std::string expected_sketch_bytes(const std::vector<uint64_t>& values, uint32_t limit, uint8_t p) {
  HyperLogLog s(p);
  for (uint64_t v : values) s.update(v);
  ByteWriter out;
  out.put_varint(limit);
  out.put_u8(p);
  out.put_u8(distinct::MODE_SKETCH);
  s.serialize(out);
  return out.take();
}

double relative_error(double estimate, double truth) { return std::abs(estimate - truth) / truth; }

// ---- empty ----------------------------------------------------------------------------------

TEST(DistinctCounter, Empty) {
  DistinctCounter c(distinct::DEFAULT_EXACT_LIMIT, hll::DEFAULT_PRECISION, HLL);
  EXPECT_TRUE(c.is_exact());
  EXPECT_EQ(c.estimate(), 0u);
  EXPECT_EQ(c.relative_standard_error(), 0.0);
  EXPECT_EQ(c.exact_limit(), distinct::DEFAULT_EXACT_LIMIT);
  EXPECT_EQ(c.precision(), hll::DEFAULT_PRECISION);
  EXPECT_EQ(c.memory_bytes(), sizeof(DistinctCounter));  // nothing allocated until used
  EXPECT_EQ(to_bytes(c), std::string("\xa0\x8d\x06\x0e\x00\x00", 6));
  EXPECT_EQ(from_bytes(to_bytes(c)), c);
}

TEST(DistinctCounter, EmptyIsTheMergeIdentity) {
  DistinctCounter c = fed(hashes(0, 500), 1000, 10);
  const std::string before = to_bytes(c);
  c.merge(DistinctCounter(1000, 10, HLL));
  EXPECT_EQ(to_bytes(c), before);
  DistinctCounter empty(1000, 10, HLL);
  empty.merge(c);
  EXPECT_EQ(to_bytes(empty), before);
}

TEST(DistinctCounter, PrecisionOutsideRangeThrows) {
  EXPECT_THROW(DistinctCounter(100, 3, HLL), InvalidInput);
  EXPECT_THROW(DistinctCounter(100, 19, HLL), InvalidInput);
}

// ---- one value ------------------------------------------------------------------------------

TEST(DistinctCounter, OneValue) {
  DistinctCounter c(distinct::DEFAULT_EXACT_LIMIT, hll::DEFAULT_PRECISION, HLL);
  c.update(hash::of_bytes("x"));
  c.update(hash::of_bytes("x"));
  EXPECT_TRUE(c.is_exact());
  EXPECT_EQ(c.estimate(), 1u);
}

TEST(DistinctCounter, HashZeroIsAValue) {
  // 0 marks empty slots in the table, so the hash 0 is tracked apart; it must count once.
  DistinctCounter c(3, 8, HLL);
  c.update(0);
  c.update(0);
  EXPECT_EQ(c.estimate(), 1u);
  c.update(5);
  c.update(0);
  EXPECT_EQ(c.estimate(), 2u);
  EXPECT_EQ(from_bytes(to_bytes(c)), c);
  EXPECT_EQ(to_bytes(from_bytes(to_bytes(c))), to_bytes(c));
  c.update(7);
  EXPECT_TRUE(c.is_exact());
  c.update(9);  // the fourth distinct hash: the sketch must include 0
  EXPECT_FALSE(c.is_exact());
  EXPECT_EQ(to_bytes(c), expected_sketch_bytes({0, 5, 7, 9}, 3, 8));

  DistinctCounter only_zero(3, 8, HLL);
  only_zero.update(0);
  EXPECT_EQ(only_zero.memory_bytes(), sizeof(DistinctCounter));
  EXPECT_EQ(from_bytes(to_bytes(only_zero)).memory_bytes(), sizeof(DistinctCounter));
}

// ---- exact mode -----------------------------------------------------------------------------

TEST(DistinctCounter, ExactMatchesUnorderedSet) {
  std::mt19937_64 rng(1);
  for (uint64_t n : {1, 7, 16, 17, 1000, 65'537, 100'000}) {
    // Every value 0..n-1 once, plus n random repeats, shuffled.
    std::vector<uint64_t> values = hashes(0, n);
    for (uint64_t i = 0; i < n; ++i) values.push_back(hash::of_u64(rng() % n));
    std::shuffle(values.begin(), values.end(), rng);
    const std::unordered_set<uint64_t> truth(values.begin(), values.end());
    DistinctCounter c(distinct::DEFAULT_EXACT_LIMIT, hll::DEFAULT_PRECISION, HLL);
    for (uint64_t v : values) c.update(v);
    EXPECT_TRUE(c.is_exact()) << n;
    EXPECT_EQ(c.estimate(), truth.size()) << n;
    EXPECT_EQ(c.relative_standard_error(), 0.0);
  }
}

TEST(DistinctCounter, BatchEqualsSingleUpdates) {
  std::mt19937_64 rng(2);
  for (uint64_t distinct_values : {3'000, 300'000}) {
    std::vector<uint64_t> values(500'000);
    for (auto& v : values) v = hash::of_u64(rng() % distinct_values);
    const DistinctCounter single = fed(values, distinct::DEFAULT_EXACT_LIMIT, 14);
    DistinctCounter batched(distinct::DEFAULT_EXACT_LIMIT, hll::DEFAULT_PRECISION, HLL);
    for (size_t i = 0; i < values.size();) {
      const size_t n = std::min<size_t>(values.size() - i, rng() % 5000);
      batched.update(values.data() + i, n);
      i += n;
    }
    EXPECT_EQ(to_bytes(batched), to_bytes(single)) << distinct_values;
  }
}

TEST(DistinctCounter, ClusteredHashesStayExact) {
  // Hashes crafted to share their top bits make one long probe cluster, wrapping around the end
  // of the table (top bits all ones) or piling up at its front (all zeros). The set, its sorted
  // serialization and its round trip must not care.
  std::vector<uint64_t> values;
  for (uint64_t i = 0; i < 3000; ++i) {
    values.push_back(~uint64_t{0} - i * 7);
    values.push_back(i * 13 + 1);
  }
  values.push_back(0);
  std::mt19937_64 rng(8);
  std::shuffle(values.begin(), values.end(), rng);
  const DistinctCounter c = fed(values, 10'000, 12);
  EXPECT_EQ(c.estimate(), values.size());
  std::sort(values.begin(), values.end());
  ByteWriter expected;
  expected.put_varint(10'000);
  expected.put_u8(12);
  expected.put_u8(distinct::MODE_EXACT);
  expected.put_varint(values.size());
  for (size_t i = 0; i < values.size(); ++i)
    expected.put_varint(values[i] - (i ? values[i - 1] : 0));
  const std::string bytes = to_bytes(c);
  EXPECT_EQ(bytes, expected.take());
  const DistinctCounter back = from_bytes(bytes);
  EXPECT_EQ(back, c);
  EXPECT_EQ(to_bytes(back), bytes);
  DistinctCounter repeated = back;
  for (uint64_t v : values) repeated.update(v);
  EXPECT_EQ(repeated, c);
  DistinctCounter merged(10'000, 12, HLL);
  merged.merge(back);
  EXPECT_EQ(to_bytes(merged), bytes);
}

TEST(DistinctCounter, EqualityIgnoresInsertionOrder) {
  std::vector<uint64_t> values = hashes(0, 5000);
  const DistinctCounter a = fed(values, 10'000, 12);
  std::reverse(values.begin(), values.end());
  const DistinctCounter b = fed(values, 10'000, 12);
  EXPECT_EQ(a, b);
  values.back() = hash::of_u64(999'999);
  EXPECT_NE(a, fed(values, 10'000, 12));
  EXPECT_NE(a, fed(hashes(0, 5000), 10'001, 12));
}

// ---- exact -> sketch transition -------------------------------------------------------------

TEST(DistinctCounter, SwitchesToSketchJustPastTheLimit) {
  const uint32_t limit = 1000;
  const std::vector<uint64_t> values = hashes(0, limit + 1);
  DistinctCounter c(limit, 12, HLL);
  for (uint32_t i = 0; i < limit; ++i) {
    c.update(values[i]);
    c.update(values[i / 2]);  // repeats never count towards the limit
  }
  EXPECT_TRUE(c.is_exact());
  EXPECT_EQ(c.estimate(), limit);
  c.update(values[limit]);
  EXPECT_FALSE(c.is_exact());
  EXPECT_GT(c.relative_standard_error(), 0.0);
  // The sketch equals one fed every hash directly.
  EXPECT_EQ(to_bytes(c), expected_sketch_bytes(values, limit, 12));
  const std::vector<uint64_t> more = hashes(limit + 1, 50'000);
  for (uint64_t v : more) c.update(v);
  EXPECT_EQ(to_bytes(c), expected_sketch_bytes(hashes(0, limit + 1 + 50'000), limit, 12));
}

TEST(DistinctCounter, LimitZeroIsASketchFromTheFirstValue) {
  DistinctCounter c(0, 10, HLL);
  EXPECT_TRUE(c.is_exact());
  c.update(hash::of_u64(1));
  EXPECT_FALSE(c.is_exact());
  EXPECT_EQ(to_bytes(c), expected_sketch_bytes({hash::of_u64(1)}, 0, 10));
}

TEST(DistinctCounter, MemoryDropsAfterTheSwitch) {
  DistinctCounter c(distinct::DEFAULT_EXACT_LIMIT, hll::DEFAULT_PRECISION, HLL);
  const std::vector<uint64_t> values = hashes(0, distinct::DEFAULT_EXACT_LIMIT + 1);
  c.update(values.data(), values.size() - 1);
  // 100k hashes at load <= 1/2: 2^18 slots of 8 bytes, plus a pad slot.
  EXPECT_EQ(c.memory_bytes(), sizeof(DistinctCounter) + ((size_t{1} << 18) + 1) * 8);
  c.update(values.back());
  EXPECT_EQ(c.memory_bytes(), sizeof(DistinctCounter) + (size_t{1} << 14));
}

// ---- estimation mode ------------------------------------------------------------------------

TEST(DistinctCounter, MillionWithinBound) {
  DistinctCounter c(distinct::DEFAULT_EXACT_LIMIT, hll::DEFAULT_PRECISION, HLL);
  const std::vector<uint64_t> values = hashes(1ULL << 40, 1'000'000);
  c.update(values.data(), values.size());
  EXPECT_FALSE(c.is_exact());
  EXPECT_LE(relative_error(double(c.estimate()), 1e6), 3 * c.relative_standard_error());
}

TEST(DistinctCounter, TenMillionWithinBound) {
  DistinctCounter c(distinct::DEFAULT_EXACT_LIMIT, hll::DEFAULT_PRECISION, HLL);
  for (uint64_t i = 0; i < 10'000'000; ++i) c.update(hash::of_u64(i));
  EXPECT_LE(relative_error(double(c.estimate()), 1e7), 3 * c.relative_standard_error());
}

TEST(DistinctCounter, SaturatedSketchEstimateIsCapped) {
  DistinctCounter c(0, 4, HLL);
  for (uint64_t i = 0; i < 16; ++i) c.update(i << 60);  // every register at its maximum rank
  EXPECT_EQ(c.estimate(), std::numeric_limits<uint64_t>::max());
}

TEST(DistinctCounter, HeavyDuplicates) {
  std::mt19937_64 rng(4);
  // Under the limit: exact despite a million updates.
  DistinctCounter small(distinct::DEFAULT_EXACT_LIMIT, hll::DEFAULT_PRECISION, HLL);
  for (int i = 0; i < 1'000'000; ++i) small.update(hash::of_u64(rng() % 5000));
  EXPECT_TRUE(small.is_exact());
  EXPECT_EQ(small.estimate(), 5000u);
  // Over the limit: identical to the sketch of the distinct values alone.
  DistinctCounter big(20'000, 14, HLL);
  for (int i = 0; i < 1'000'000; ++i) big.update(hash::of_u64(rng() % 50'000));
  EXPECT_EQ(to_bytes(big), expected_sketch_bytes(hashes(0, 50'000), 20'000, 14));
  EXPECT_LE(relative_error(double(big.estimate()), 5e4), 3 * big.relative_standard_error());
}

// ---- merge ----------------------------------------------------------------------------------

TEST(DistinctCounter, MergeEqualsSinglePass) {
  const uint32_t limit = 1000;
  struct Case {
    const char* name;
    uint64_t left, right, overlap;  // distinct hashes in each side, shared between them
  };
  for (const Case& k : {Case{"exact+exact stays exact", 400, 500, 100},
                        Case{"exact+exact exceeds the limit", 700, 700, 100},
                        Case{"exact+exact exactly at the limit", 600, 500, 100},
                        Case{"exact into sketch", 300, 5000, 50},
                        Case{"sketch into exact", 5000, 300, 50},
                        Case{"sketch+sketch", 4000, 6000, 1000}}) {
    const std::vector<uint64_t> left = hashes(0, k.left);
    const std::vector<uint64_t> right = hashes(k.left - k.overlap, k.right);
    const std::vector<uint64_t> all = hashes(0, k.left + k.right - k.overlap);
    const DistinctCounter single = fed(all, limit, 10);
    DistinctCounter merged = fed(left, limit, 10);
    merged.merge(fed(right, limit, 10));
    EXPECT_EQ(to_bytes(merged), to_bytes(single)) << k.name;
    EXPECT_EQ(merged, single) << k.name;
    DistinctCounter reversed = fed(right, limit, 10);
    reversed.merge(fed(left, limit, 10));
    EXPECT_EQ(to_bytes(reversed), to_bytes(single)) << k.name;
  }
}

// Partitions `values` at random into `parts` counters.
std::vector<DistinctCounter> partition(const std::vector<uint64_t>& values, size_t parts,
                                       uint32_t limit, uint8_t p, std::mt19937_64& rng) {
  std::vector<DistinctCounter> out(parts, DistinctCounter(limit, p, HLL));
  for (uint64_t v : values) out[rng() % parts].update(v);
  return out;
}

TEST(DistinctCounter, MergeOrderDoesNotMatter) {
  std::mt19937_64 rng(5);
  const uint32_t limit = 2000;
  // Total distinct counts below, at and above the limit: the parts are then all exact, some exact
  // and some sketches, or all sketches.
  for (uint64_t distinct_values : {1500, 2000, 2001, 6000, 40'000}) {
    std::vector<uint64_t> values(3 * distinct_values);
    for (auto& v : values) v = hash::of_u64(rng() % distinct_values);
    for (uint64_t i = 0; i < distinct_values; ++i) values.push_back(hash::of_u64(i));
    std::shuffle(values.begin(), values.end(), rng);
    const std::string expected = to_bytes(fed(values, limit, 12));

    std::vector<DistinctCounter> parts = partition(values, 12, limit, 12, rng);
    for (int trial = 0; trial < 6; ++trial) {
      std::shuffle(parts.begin(), parts.end(), rng);
      DistinctCounter acc(limit, 12, HLL);
      for (const auto& part : parts) acc.merge(part);
      EXPECT_EQ(to_bytes(acc), expected) << distinct_values;
    }
    // Balanced tree of merges, each partial crossing a serialization boundary.
    std::vector<std::string> level;
    for (const auto& part : parts) level.push_back(to_bytes(part));
    while (level.size() > 1) {
      std::vector<std::string> next;
      for (size_t i = 0; i + 1 < level.size(); i += 2) {
        DistinctCounter a = from_bytes(level[i + 1]);
        a.merge(from_bytes(level[i]));
        next.push_back(to_bytes(a));
      }
      if (level.size() % 2) next.push_back(level.back());
      level = std::move(next);
    }
    EXPECT_EQ(level[0], expected) << distinct_values;
  }
}

TEST(DistinctCounter, MergeWithItself) {
  for (uint64_t n : {10, 5000}) {
    DistinctCounter c = fed(hashes(0, n), 1000, 10);
    const std::string before = to_bytes(c);
    c.merge(c);
    EXPECT_EQ(to_bytes(c), before);
  }
}

TEST(DistinctCounter, MergeDifferentSettingsThrows) {
  DistinctCounter c(1000, 12, HLL);
  EXPECT_THROW(c.merge(DistinctCounter(1001, 12, HLL)), InvalidInput);
  EXPECT_THROW(c.merge(DistinctCounter(1000, 13, HLL)), InvalidInput);
}

// The bytes a counter must have after seeing exactly the hashes in `set`.
std::string model_bytes(const std::set<uint64_t>& set, uint32_t limit, uint8_t p) {
  if (set.size() > limit) return expected_sketch_bytes({set.begin(), set.end()}, limit, p);
  ByteWriter out;
  out.put_varint(limit);
  out.put_u8(p);
  out.put_u8(distinct::MODE_EXACT);
  out.put_varint(set.size());
  uint64_t prev = 0;
  for (uint64_t h : set) {
    out.put_varint(h - prev);
    prev = h;
  }
  return out.take();
}

TEST(DistinctCounter, MatchesASetModelUnderRandomOperations) {
  // Random updates, batches, merges and round trips on a few counters, checked after every step
  // against std::set: the state must depend on the set of hashes alone. The hash mixes include
  // 0 and values crafted to pile into long probe clusters at both ends of the table.
  std::mt19937_64 rng(9);
  for (int trial = 0; trial < 150; ++trial) {
    const auto limit = static_cast<uint32_t>(trial % 3 == 0 ? rng() % 20 : rng() % 3000);
    const auto p = static_cast<uint8_t>(hll::MIN_PRECISION + rng() % 15);
    const int kind = trial % 4;
    auto draw = [&]() -> uint64_t {
      const uint64_t r = rng();
      switch (kind) {
        case 0: return hash::of_u64(r % 5000);
        case 1: return r % 50 == 0 ? 0 : hash::of_u64(r % 300);
        case 2: return (r & 1) ? ~uint64_t{0} - r % 2000 : r % 2000;
        default: return (r % 7) << 61 | r % 500;
      }
    };
    const size_t parts = 1 + rng() % 4;
    std::vector<DistinctCounter> counters(parts, DistinctCounter(limit, p, HLL));
    std::vector<std::set<uint64_t>> sets(parts);
    for (int step = 0; step < 20; ++step) {
      const size_t i = rng() % parts;
      const uint64_t op = rng() % 10;
      if (op < 5) {
        for (uint64_t k = rng() % 300; k > 0; --k) {
          const uint64_t h = draw();
          counters[i].update(h);
          sets[i].insert(h);
        }
      } else if (op < 7) {
        std::vector<uint64_t> batch(rng() % 1500);
        for (auto& h : batch) sets[i].insert(h = draw());
        counters[i].update(batch.data(), batch.size());
      } else if (op < 9) {
        const size_t j = rng() % parts;
        counters[i].merge(counters[j]);
        sets[i].insert(sets[j].begin(), sets[j].end());
      } else {
        counters[i] = from_bytes(to_bytes(counters[i]));
      }
      ASSERT_EQ(to_bytes(counters[i]), model_bytes(sets[i], limit, p))
          << "trial " << trial << " step " << step;
      if (sets[i].size() <= limit) {
        ASSERT_EQ(counters[i].estimate(), sets[i].size());
      }
    }
  }
}

// ---- round trip -----------------------------------------------------------------------------

TEST(DistinctCounter, RoundTripIdenticalBytes) {
  for (uint64_t n : {0, 1, 999, 1000, 1001, 100'000}) {
    std::vector<uint64_t> values = hashes(0, n);
    if (n == 999) values.push_back(0);
    const DistinctCounter c = fed(values, 1000, 12);
    const std::string bytes = to_bytes(c);
    const DistinctCounter back = from_bytes(bytes);
    EXPECT_EQ(back, c) << n;
    EXPECT_EQ(to_bytes(back), bytes) << n;
    EXPECT_EQ(back.memory_bytes(), c.memory_bytes()) << n;
  }
}

TEST(DistinctCounter, SerializedSizes) {
  DistinctCounter exact(distinct::DEFAULT_EXACT_LIMIT, hll::DEFAULT_PRECISION, HLL);
  const std::vector<uint64_t> values = hashes(0, distinct::DEFAULT_EXACT_LIMIT + 1);
  exact.update(values.data(), distinct::DEFAULT_EXACT_LIMIT);
  const size_t exact_size = to_bytes(exact).size();
  // Gaps between 10^5 sorted random 64-bit hashes average 2^47.4: mostly 7-byte varints.
  EXPECT_LT(exact_size, 71 * size_t{distinct::DEFAULT_EXACT_LIMIT} / 10);
  DistinctCounter sketch = exact;
  sketch.update(values.back());
  const size_t sketch_size = to_bytes(sketch).size();
  EXPECT_EQ(sketch_size, 3u + 1u + 1u + 2u + 16384u);
  RecordProperty("exact_100k_bytes", std::to_string(exact_size));
  RecordProperty("sketch_p14_bytes", std::to_string(sketch_size));
}

// ---- golden bytes ---------------------------------------------------------------------------

TEST(DistinctCounter, GoldenExactBytes) {
  DistinctCounter c(5, 4, HLL);
  for (uint64_t h : {300, 0, 1, 300}) c.update(h);
  // limit 5, precision 4, exact, 3 hashes: 0, +1, +299 (varint AB 02).
  const std::string expected("\x05\x04\x00\x03\x00\x01\xab\x02", 8);
  EXPECT_EQ(to_bytes(c), expected);
  EXPECT_EQ(from_bytes(expected), c);
}

// ---- corrupt input: one case per check ------------------------------------------------------

std::string exact_bytes(uint64_t limit, uint8_t p, uint64_t count,
                        const std::vector<uint64_t>& deltas) {
  ByteWriter w;
  w.put_varint(limit);
  w.put_u8(p);
  w.put_u8(distinct::MODE_EXACT);
  w.put_varint(count);
  for (uint64_t d : deltas) w.put_varint(d);
  return w.take();
}

TEST(DistinctCounterCorrupt, EveryTruncationThrows) {
  std::vector<uint64_t> with_zero = hashes(0, 50);
  with_zero.push_back(0);
  for (const DistinctCounter& c :
       {DistinctCounter(distinct::DEFAULT_EXACT_LIMIT, hll::DEFAULT_PRECISION, HLL), fed(hashes(0, 50), 100, 10), fed(with_zero, 100, 10),
        fed(hashes(0, 150), 100, 10), fed(hashes(0, 5000), 100, 10)}) {
    const std::string bytes = to_bytes(c);
    for (size_t len = 0; len < bytes.size(); ++len)
      EXPECT_THROW(from_bytes(bytes.substr(0, len)), CorruptPartial) << len;
  }
}

TEST(DistinctCounterCorrupt, TrailingBytesThrow) {
  EXPECT_THROW(from_bytes(to_bytes(fed(hashes(0, 50), 100, 10)) + '\x01'), CorruptPartial);
}

TEST(DistinctCounterCorrupt, BadMode) {
  std::string bytes = to_bytes(fed(hashes(0, 50), 100, 10));
  ASSERT_EQ(bytes[2], char(distinct::MODE_EXACT));
  bytes[2] = 2;
  EXPECT_THROW(from_bytes(bytes), CorruptPartial);
}

TEST(DistinctCounterCorrupt, BadPrecision) {
  for (uint8_t p : std::vector<uint8_t>{0, 3, 19, 200}) {
    EXPECT_THROW(from_bytes(exact_bytes(100, p, 0, {})), CorruptPartial) << int(p);
  }
  EXPECT_NO_THROW(from_bytes(exact_bytes(100, 4, 0, {})));
}

TEST(DistinctCounterCorrupt, LimitAboveUint32) {
  EXPECT_NO_THROW(from_bytes(exact_bytes(std::numeric_limits<uint32_t>::max(), 12, 0, {})));
  EXPECT_THROW(from_bytes(exact_bytes(uint64_t{1} << 32, 12, 0, {})), CorruptPartial);
}

TEST(DistinctCounterCorrupt, CountOverLimit) {
  EXPECT_NO_THROW(from_bytes(exact_bytes(3, 12, 3, {1, 1, 1})));
  EXPECT_THROW(from_bytes(exact_bytes(3, 12, 4, {1, 1, 1, 1})), CorruptPartial);
}

TEST(DistinctCounterCorrupt, CountBeyondTheData) {
  // A hostile count must fail before anything is sized from it.
  EXPECT_THROW(from_bytes(exact_bytes(std::numeric_limits<uint32_t>::max(), 12, 4'000'000'000,
                                      {1, 1})),
               CorruptPartial);
}

TEST(DistinctCounterCorrupt, DuplicateHash) {
  EXPECT_THROW(from_bytes(exact_bytes(10, 12, 3, {7, 1, 0})), CorruptPartial);
}

TEST(DistinctCounterCorrupt, UnsortedHashes) {
  // 5 then 3: the delta wraps around 2^64.
  EXPECT_THROW(from_bytes(exact_bytes(10, 12, 2, {5, ~uint64_t{0} - 1})), CorruptPartial);
  // The largest hash is fine; one past it is not.
  EXPECT_NO_THROW(from_bytes(exact_bytes(10, 12, 2, {5, ~uint64_t{0} - 5})));
  EXPECT_THROW(from_bytes(exact_bytes(10, 12, 2, {5, ~uint64_t{0} - 4})), CorruptPartial);
}

TEST(DistinctCounterCorrupt, SketchPrecisionMismatch) {
  ByteWriter w;
  w.put_varint(100);
  w.put_u8(12);
  w.put_u8(distinct::MODE_SKETCH);
  HyperLogLog(10).serialize(w);
  EXPECT_THROW(from_bytes(w.take()), CorruptPartial);
}

TEST(DistinctCounterCorrupt, CorruptSketchInside) {
  std::string bytes = to_bytes(fed(hashes(0, 5000), 100, 10));
  ASSERT_EQ(bytes[2], char(distinct::MODE_SKETCH));
  bytes[4] = 9;  // the HLL format tag
  EXPECT_THROW(from_bytes(bytes), CorruptPartial);
}

TEST(DistinctCounterCorrupt, RandomBytesNeverCrash) {
  std::mt19937_64 rng(6);
  const std::vector<std::string> seeds = {to_bytes(fed(hashes(0, 20), 30, 6)),
                                          to_bytes(fed(hashes(0, 500), 30, 6))};
  for (int trial = 0; trial < 20'000; ++trial) {
    std::string bytes = seeds[trial % 2];
    const int flips = 1 + int(rng() % 4);
    for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    try {
      const DistinctCounter c = from_bytes(bytes);
      EXPECT_EQ(from_bytes(to_bytes(c)), c);
    } catch (const CorruptPartial&) {
    }
  }
}


// ---- the ExaLogLog counter of format-2 partials ----------------------------------------------

constexpr DistinctSketch ELL = DistinctSketch::ExaLogLog;

std::string ell_round_trip(const DistinctCounter& c) {
  ByteWriter out;
  c.serialize(out);
  return out.take();
}

DistinctCounter ell_from_bytes(const std::string& bytes) {
  ByteReader in(bytes, "test");
  DistinctCounter c = DistinctCounter::deserialize(in, ELL);
  in.expect_end();
  return c;
}

TEST(DistinctCounterEll, DefaultIsExaLogLogP13WithItsOwnStandardError) {
  DistinctCounter c;
  EXPECT_EQ(c.sketch_kind(), ELL);
  EXPECT_EQ(c.precision(), ell::DEFAULT_PRECISION);
  EXPECT_EQ(c.relative_standard_error(), 0.0);
  EXPECT_DOUBLE_EQ(c.sketch_standard_error(), ExaLogLog::relative_standard_error(13));
  EXPECT_LE(c.sketch_standard_error(), 0.004);
  EXPECT_THROW(DistinctCounter(100, 17, ELL), InvalidInput);
  EXPECT_THROW(DistinctCounter(100, 3, ELL), InvalidInput);
}

TEST(DistinctCounterEll, SwitchHoldsTheExaLogLogOfEveryHash) {
  const std::vector<uint64_t> values = hashes(0, 5'000);
  DistinctCounter c(1'000, 12, ELL);
  c.update(values.data(), values.size());
  ASSERT_FALSE(c.is_exact());
  ExaLogLog e(12);
  for (uint64_t v : values) e.update(v);
  ByteWriter expected;
  expected.put_varint(1'000);
  expected.put_u8(12);
  expected.put_u8(distinct::MODE_SKETCH);
  e.serialize(expected);
  EXPECT_EQ(ell_round_trip(c), expected.take());
  EXPECT_EQ(c.estimate(), static_cast<uint64_t>(std::round(e.estimate())));
  EXPECT_DOUBLE_EQ(c.relative_standard_error(), e.relative_standard_error());
  EXPECT_EQ(ell_from_bytes(ell_round_trip(c)), c);
}

TEST(DistinctCounterEll, MergeEqualsOnePassWhateverTheSplit) {
  const std::vector<uint64_t> values = hashes(0, 30'000);
  DistinctCounter whole(10'000, 13, ELL);
  whole.update(values.data(), values.size());
  for (size_t parts : {2, 3, 7}) {
    std::vector<DistinctCounter> counters(parts, DistinctCounter(10'000, 13, ELL));
    for (size_t i = 0; i < values.size(); ++i) counters[(i * 7919) % parts].update(values[i]);
    DistinctCounter merged = counters[0];
    for (size_t k = 1; k < parts; ++k) merged.merge(counters[k]);
    EXPECT_EQ(ell_round_trip(merged), ell_round_trip(whole)) << parts;
  }
}

TEST(DistinctCounterEll, KindsDoNotMerge) {
  DistinctCounter a(100, 12, ELL), b(100, 12, HLL);
  EXPECT_THROW(a.merge(b), InvalidInput);
  EXPECT_THROW(b.merge(a), InvalidInput);
}

// The stated error is the sketch's own standard error, checked as the RMS relative error over 32
// independently seeded streams past the exact limit. With 32 samples the RMS itself varies by
// about 1/sqrt(64) = 12.5%, so 1.4x the stated error is over 3 of its standard deviations.
TEST(DistinctCounterEll, RmsErrorOver32SeededStreamsIsTheStatedError) {
  const uint64_t n = 200'000;
  double sum_sq = 0;
  double stated = 0;
  for (uint64_t seed = 1; seed <= 32; ++seed) {
    DistinctCounter c(1'000, ell::DEFAULT_PRECISION, ELL);
    for (uint64_t i = 0; i < n; ++i) c.update(hash::splitmix64(i ^ (seed << 40)));
    stated = c.relative_standard_error();
    const double e = (static_cast<double>(c.estimate()) - double(n)) / double(n);
    sum_sq += e * e;
  }
  const double rms = std::sqrt(sum_sq / 32);
  EXPECT_LE(stated, 0.004);
  EXPECT_LE(rms, 1.4 * stated) << "rms " << rms << " stated " << stated;
  std::printf("ExaLogLog counter p=13, n=%llu, 32 streams: RMS %.4f%%, stated %.4f%%\n",
              static_cast<unsigned long long>(n), 100 * rms, 100 * stated);
}

}  // namespace
}  // namespace truthound
