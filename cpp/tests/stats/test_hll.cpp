#include "truthound/stats/hll.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "truthound/bytes.hpp"
#include "truthound/error.hpp"
#include "truthound/hash.hpp"

namespace truthound {
namespace {

std::string to_bytes(const HyperLogLog& s) {
  ByteWriter out;
  s.serialize(out);
  return out.take();
}

// Deserializes a whole buffer, as a partial codec would: trailing bytes are an error too.
HyperLogLog from_bytes(const std::string& bytes) {
  ByteReader in(bytes, "test");
  HyperLogLog s = HyperLogLog::deserialize(in);
  in.expect_end();
  return s;
}

// The hash whose register index is `index` and whose rank is `rank` under precision p.
uint64_t hash_for(uint8_t p, uint64_t index, unsigned rank) {
  const uint64_t rest = rank > 64u - p ? 0 : uint64_t{1} << (64 - p - rank);
  return (index << (64 - p)) | rest;
}

HyperLogLog fed(uint8_t p, uint64_t first, uint64_t n) {
  HyperLogLog s(p);
  for (uint64_t i = first; i < first + n; ++i) s.update(hash::of_u64(i));
  return s;
}

double relative_error(double estimate, double truth) { return std::abs(estimate - truth) / truth; }

// ---- empty ----------------------------------------------------------------------------------

TEST(HyperLogLog, EmptyEstimatesZero) {
  HyperLogLog s;
  EXPECT_EQ(s.precision(), hll::DEFAULT_PRECISION);
  EXPECT_EQ(s.estimate(), 0.0);
  EXPECT_DOUBLE_EQ(s.relative_standard_error(), 1.04 / 128.0);
}

TEST(HyperLogLog, EmptyIsTheMergeIdentity) {
  HyperLogLog s = fed(12, 0, 5000);
  const std::string before = to_bytes(s);
  s.merge(HyperLogLog(12));
  EXPECT_EQ(to_bytes(s), before);
  HyperLogLog empty(12);
  empty.merge(s);
  EXPECT_EQ(empty, s);
}

TEST(HyperLogLog, PrecisionOutsideRangeThrows) {
  EXPECT_THROW(HyperLogLog(3), InvalidInput);
  EXPECT_THROW(HyperLogLog(19), InvalidInput);
  EXPECT_THROW(HyperLogLog(0), InvalidInput);
  EXPECT_NO_THROW(HyperLogLog(4));
  EXPECT_NO_THROW(HyperLogLog(18));
}

// ---- one value ------------------------------------------------------------------------------

TEST(HyperLogLog, OneValue) {
  for (uint8_t p : std::vector<uint8_t>{4, 10, 14, 18}) {
    HyperLogLog s(p);
    s.update(hash::of_u64(42));
    EXPECT_NEAR(s.estimate(), 1.0, 3 * s.relative_standard_error()) << "p=" << int(p);
    s.update(hash::of_u64(42));
    EXPECT_NEAR(s.estimate(), 1.0, 3 * s.relative_standard_error()) << "p=" << int(p);
  }
}

TEST(HyperLogLog, IndexAndRankFollowTheHashBits) {
  // p = 4: index = top 4 bits; rank = leading zeros of the remaining 60 bits + 1, at most 61.
  HyperLogLog s(4);
  s.update(0x0800000000000000ULL);  // index 0, next bit set: rank 1
  s.update(0x1000000000000000ULL);  // index 1, rest all zero: rank 61 (capped)
  s.update(0xF000000000000001ULL);  // index 15, lowest bit only: rank 60
  ByteWriter expected;
  expected.put_u8(4);
  expected.put_u8(hll::FORMAT_DENSE);  // 3 non-zero registers >= m/8 = 2, so dense
  std::vector<uint8_t> regs(16, 0);
  regs[0] = 1;
  regs[1] = 61;
  regs[15] = 60;
  expected.put_raw(regs.data(), regs.size());
  EXPECT_EQ(to_bytes(s), expected.take());
  EXPECT_EQ(s.max_rank(), 61);
}

// ---- estimation mode ------------------------------------------------------------------------

TEST(HyperLogLog, SmallCardinalitiesWithinBound) {
  for (uint64_t n : {2, 10, 100, 1000, 10000, 50000}) {
    HyperLogLog s = fed(14, 0, n);
    EXPECT_LE(relative_error(s.estimate(), double(n)), 3 * s.relative_standard_error()) << n;
  }
}

TEST(HyperLogLog, MillionWithinBound) {
  HyperLogLog s = fed(14, 0, 1'000'000);
  EXPECT_LE(relative_error(s.estimate(), 1e6), 3 * s.relative_standard_error());
}

TEST(HyperLogLog, TenMillionWithinBound) {
  HyperLogLog s = fed(14, 0, 10'000'000);
  EXPECT_LE(relative_error(s.estimate(), 1e7), 3 * s.relative_standard_error());
}

TEST(HyperLogLog, ErrorOverManyStreamsMatchesTheStatedBound) {
  // One estimate is within 1% only about 78% of the time at p = 14 (1% is 1.2 standard errors),
  // so the 1% promise is checked where it holds: the root-mean-square error over 32 independent
  // streams of 10^6 (expected 0.81%; above 1% with probability about 1%). The mean error checks
  // that the estimator is unbiased.
  const int streams = 32;
  double sum = 0, sum_sq = 0;
  for (int t = 0; t < streams; ++t) {
    const double e = (fed(14, uint64_t(t + 1) << 40, 1'000'000).estimate() - 1e6) / 1e6;
    sum += e;
    sum_sq += e * e;
  }
  const double rse = HyperLogLog(14).relative_standard_error();
  EXPECT_LE(std::sqrt(sum_sq / streams), 0.01);
  EXPECT_LE(std::abs(sum / streams), 3 * rse / std::sqrt(double(streams)));
}

TEST(HyperLogLog, EveryPrecisionWithinBound) {
  for (uint8_t p = hll::MIN_PRECISION; p <= hll::MAX_PRECISION; ++p) {
    HyperLogLog s = fed(p, uint64_t{p} << 40, 200'000);
    EXPECT_LE(relative_error(s.estimate(), 2e5), 3 * s.relative_standard_error()) << int(p);
  }
}

TEST(HyperLogLog, StringHashesWithinBound) {
  HyperLogLog s(12);
  for (int i = 0; i < 300'000; ++i) s.update(hash::of_bytes("user-" + std::to_string(i)));
  EXPECT_LE(relative_error(s.estimate(), 3e5), 3 * s.relative_standard_error());
}

TEST(HyperLogLog, SaturatedRegistersStayFinite) {
  // Every register at the maximum rank: tau(0) = 0 must not divide by zero.
  HyperLogLog s(4);
  for (uint64_t i = 0; i < 16; ++i) s.update(hash_for(4, i, 61));
  EXPECT_EQ(s.estimate(), 18446744073709551616.0);  // capped at 2^64, the number of hashes
}

TEST(HyperLogLog, HeavyDuplicates) {
  HyperLogLog once = fed(14, 0, 1000);
  HyperLogLog many(14);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 1'000'000; ++i) many.update(hash::of_u64(rng() % 1000));
  EXPECT_EQ(to_bytes(many), to_bytes(once));
  EXPECT_LE(relative_error(many.estimate(), 1000), 3 * many.relative_standard_error());
}

// ---- merge ----------------------------------------------------------------------------------

TEST(HyperLogLog, MergeEqualsSinglePass) {
  const HyperLogLog single = fed(14, 0, 300'000);
  HyperLogLog merged = fed(14, 0, 100'000);
  merged.merge(fed(14, 100'000, 150'000));
  merged.merge(fed(14, 250'000, 50'000));
  EXPECT_EQ(to_bytes(merged), to_bytes(single));
  EXPECT_EQ(merged, single);
}

TEST(HyperLogLog, MergeOrderDoesNotMatter) {
  // Random partitions of a stream with repeats, merged in shuffled orders and as a tree.
  std::mt19937_64 rng(11);
  std::vector<uint64_t> values(200'000);
  for (auto& v : values) v = hash::of_u64(rng() % 120'000);
  HyperLogLog single(12);
  for (uint64_t v : values) single.update(v);
  const std::string expected = to_bytes(single);

  std::vector<HyperLogLog> parts(9, HyperLogLog(12));
  for (uint64_t v : values) parts[rng() % parts.size()].update(v);
  for (int trial = 0; trial < 5; ++trial) {
    std::shuffle(parts.begin(), parts.end(), rng);
    HyperLogLog acc(12);
    for (const auto& part : parts) acc.merge(part);
    EXPECT_EQ(to_bytes(acc), expected);
  }
  std::vector<HyperLogLog> level = parts;
  while (level.size() > 1) {
    std::vector<HyperLogLog> next;
    for (size_t i = 0; i + 1 < level.size(); i += 2) {
      next.push_back(level[i + 1]);
      next.back().merge(level[i]);
    }
    if (level.size() % 2) next.push_back(level.back());
    level = std::move(next);
  }
  EXPECT_EQ(to_bytes(level[0]), expected);
}

TEST(HyperLogLog, MergeIsIdempotent) {
  HyperLogLog s = fed(10, 0, 20'000);
  const HyperLogLog copy = s;
  s.merge(copy);
  s.merge(s);
  EXPECT_EQ(s, copy);
}

TEST(HyperLogLog, MergeDifferentPrecisionThrows) {
  HyperLogLog a(12);
  EXPECT_THROW(a.merge(HyperLogLog(14)), InvalidInput);
}

// ---- round trip -----------------------------------------------------------------------------

TEST(HyperLogLog, RoundTripIdenticalBytes) {
  for (uint8_t p : std::vector<uint8_t>{4, 9, 14, 18}) {
    for (uint64_t n : {0, 1, 5, 300, 100'000}) {
      const HyperLogLog s = fed(p, 0, n);
      const std::string bytes = to_bytes(s);
      const HyperLogLog back = from_bytes(bytes);
      EXPECT_EQ(back, s) << int(p) << " " << n;
      EXPECT_EQ(to_bytes(back), bytes) << int(p) << " " << n;
    }
  }
}

TEST(HyperLogLog, SparseBelowOneEighthDenseFromIt) {
  // p = 8: m = 256, m/8 = 32.
  HyperLogLog s(8);
  for (uint64_t i = 0; i < 31; ++i) s.update(hash_for(8, i * 8, 3));
  std::string bytes = to_bytes(s);
  EXPECT_EQ(uint8_t(bytes[1]), hll::FORMAT_SPARSE);
  EXPECT_EQ(bytes.size(), 2u + 1u + 31u * 2u);
  EXPECT_EQ(from_bytes(bytes), s);
  s.update(hash_for(8, 255, 3));
  bytes = to_bytes(s);
  EXPECT_EQ(uint8_t(bytes[1]), hll::FORMAT_DENSE);
  EXPECT_EQ(bytes.size(), 2u + 256u);
  EXPECT_EQ(from_bytes(bytes), s);
}

TEST(HyperLogLog, DenseSizeIsOneBytePerRegister) {
  EXPECT_EQ(to_bytes(fed(14, 0, 1'000'000)).size(), 2u + 16384u);
}

// ---- golden bytes ---------------------------------------------------------------------------

TEST(HyperLogLog, GoldenSparseBytes) {
  HyperLogLog s(14);
  s.update(hash_for(14, 3, 2));
  s.update(hash_for(14, 200, 51));
  s.update(hash_for(14, 3, 1));  // lower rank: register 3 keeps 2
  // precision 14, sparse tag, 2 registers: index 3 (delta 3) rank 2, index 200 (delta 197 =
  // varint C5 01) rank 51.
  const std::string expected("\x0e\x00\x02\x03\x02\xc5\x01\x33", 8);
  EXPECT_EQ(to_bytes(s), expected);
  EXPECT_EQ(from_bytes(expected), s);
}

// ---- corrupt input: one case per check ------------------------------------------------------

using Entries = std::vector<std::pair<uint64_t, int>>;  // (index delta, rank)

std::string sparse_bytes(uint8_t p, const Entries& entries, uint64_t count) {
  ByteWriter w;
  w.put_u8(p);
  w.put_u8(hll::FORMAT_SPARSE);
  w.put_varint(count);
  for (const auto& [delta, rank] : entries) {
    w.put_varint(delta);
    w.put_u8(static_cast<uint8_t>(rank));
  }
  return w.take();
}

TEST(HyperLogLogCorrupt, EveryTruncationThrows) {
  for (const HyperLogLog& s : {fed(10, 0, 40), fed(10, 0, 5000), HyperLogLog(10)}) {
    const std::string bytes = to_bytes(s);
    for (size_t len = 0; len < bytes.size(); ++len)
      EXPECT_THROW(from_bytes(bytes.substr(0, len)), CorruptPartial) << len;
  }
}

TEST(HyperLogLogCorrupt, TrailingBytesThrow) {
  EXPECT_THROW(from_bytes(to_bytes(fed(10, 0, 40)) + '\0'), CorruptPartial);
}

TEST(HyperLogLogCorrupt, BadPrecision) {
  for (uint8_t p : std::vector<uint8_t>{0, 3, 19, 255}) {
    std::string bytes = to_bytes(HyperLogLog(4));
    bytes[0] = static_cast<char>(p);
    EXPECT_THROW(from_bytes(bytes), CorruptPartial) << int(p);
  }
}

TEST(HyperLogLogCorrupt, BadTag) {
  std::string bytes = to_bytes(fed(10, 0, 40));
  bytes[1] = 2;
  EXPECT_THROW(from_bytes(bytes), CorruptPartial);
}

TEST(HyperLogLogCorrupt, SparseIndicesNotIncreasing) {
  EXPECT_NO_THROW(from_bytes(sparse_bytes(10, {{5, 1}, {1, 1}}, 2)));
  EXPECT_THROW(from_bytes(sparse_bytes(10, {{5, 1}, {0, 1}}, 2)),
               CorruptPartial);
}

TEST(HyperLogLogCorrupt, SparseIndexOutOfRange) {
  EXPECT_NO_THROW(from_bytes(sparse_bytes(10, {{1023, 1}}, 1)));
  EXPECT_THROW(from_bytes(sparse_bytes(10, {{1024, 1}}, 1)), CorruptPartial);
  EXPECT_THROW(from_bytes(sparse_bytes(10, {{1000, 1}, {24, 1}}, 2)),
               CorruptPartial);
  // A delta that would wrap the index around 2^64.
  EXPECT_THROW(from_bytes(sparse_bytes(10, {{1, 1}, {~uint64_t{0}, 1}}, 2)),
               CorruptPartial);
}

TEST(HyperLogLogCorrupt, SparseRankTooLarge) {
  // p = 10: ranks 1..55.
  EXPECT_NO_THROW(from_bytes(sparse_bytes(10, {{0, 55}}, 1)));
  EXPECT_THROW(from_bytes(sparse_bytes(10, {{0, 56}}, 1)), CorruptPartial);
}

TEST(HyperLogLogCorrupt, SparseRankZero) {
  EXPECT_THROW(from_bytes(sparse_bytes(10, {{0, 0}}, 1)), CorruptPartial);
}

TEST(HyperLogLogCorrupt, SparseCountTooLarge) {
  // m/8 = 128 or more non-zero registers must be written dense.
  Entries entries(128, {1, 1});
  entries[0].first = 0;
  const Entries fewer(entries.begin(), entries.end() - 1);
  EXPECT_NO_THROW(from_bytes(sparse_bytes(10, fewer, 127)));
  EXPECT_THROW(from_bytes(sparse_bytes(10, entries, 128)), CorruptPartial);
}

TEST(HyperLogLogCorrupt, DenseRankTooLarge) {
  std::string bytes = to_bytes(fed(10, 0, 5000));
  ASSERT_EQ(uint8_t(bytes[1]), hll::FORMAT_DENSE);
  bytes[2 + 700] = 55;
  EXPECT_NO_THROW(from_bytes(bytes));
  bytes[2 + 700] = 56;
  EXPECT_THROW(from_bytes(bytes), CorruptPartial);
}

TEST(HyperLogLogCorrupt, DenseWithTooFewRegisters) {
  // Fewer than m/8 non-zero registers must be written sparse.
  ByteWriter w;
  w.put_u8(10);
  w.put_u8(hll::FORMAT_DENSE);
  std::vector<uint8_t> regs(1024, 0);
  for (size_t i = 0; i < 127; ++i) regs[i * 8] = 1;
  w.put_raw(regs.data(), regs.size());
  EXPECT_THROW(from_bytes(w.take()), CorruptPartial);
}

TEST(HyperLogLogCorrupt, RandomBytesNeverCrash) {
  // A cheap stand-in for the fuzzer: random mutations either parse or throw CorruptPartial.
  std::mt19937_64 rng(3);
  const std::vector<std::string> seeds = {to_bytes(fed(6, 0, 3)), to_bytes(fed(6, 0, 500))};
  for (int trial = 0; trial < 20'000; ++trial) {
    std::string bytes = seeds[trial % 2];
    const int flips = 1 + int(rng() % 4);
    for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    try {
      const HyperLogLog s = from_bytes(bytes);
      EXPECT_EQ(from_bytes(to_bytes(s)), s);
    } catch (const CorruptPartial&) {
    }
  }
}

}  // namespace
}  // namespace truthound
