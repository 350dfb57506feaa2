#include <gtest/gtest.h>

#include "../arrow_fixture.hpp"
#include "truthound/hash.hpp"
#include "truthound/profile/finalize.hpp"
#include "truthound/profile/partial.hpp"

using truthound::CorruptPartial;
using truthound::InvalidInput;
using truthound::Partial;
using namespace truthound::testing;

namespace {

Partial int_partial(uint64_t unit, std::vector<int64_t> values) {
  OneColumn t("l", static_cast<int64_t>(values.size()), {bytes_of(values)}, false, 0);
  Partial p({}, unit, true);
  p.begin(t.table_schema, {});
  p.update(t.table_schema, t.table);
  return p;
}

}  // namespace

TEST(Partial, EmptyTableRoundTrips) {
  OneColumn t("l", 0, {bytes_of<int64_t>({})}, false, 0);
  Partial p({}, 0, true);
  p.begin(t.table_schema, {});
  std::string bytes = p.serialize();
  EXPECT_EQ(Partial::deserialize(bytes).serialize(), bytes);
  auto r = truthound::finalize(p, {});
  EXPECT_EQ(r.rows, 0u);
  EXPECT_FALSE(r.columns[0].int_min.has_value());
}

TEST(Partial, RoundTripIsByteIdentical) {
  Partial p = int_partial(3, {5, 1, 5, -2});
  std::string bytes = p.serialize();
  Partial q = Partial::deserialize(bytes);
  EXPECT_EQ(q.serialize(), bytes);
  EXPECT_EQ(q.first_unit(), 3u);
}

TEST(Partial, MergeEqualsSinglePassForExactStatistics) {
  Partial whole = int_partial(0, {1, 2, 3, 4, 5, 6});
  std::vector<Partial> parts;
  parts.push_back(int_partial(1, {4, 5, 6}));
  parts.push_back(int_partial(0, {1, 2, 3}));
  Partial merged = truthound::merge_partials(std::move(parts));
  auto a = truthound::finalize(whole, {});
  auto b = truthound::finalize(merged, {});
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.columns[0].distinct_count, b.columns[0].distinct_count);
  EXPECT_EQ(static_cast<int64_t>(*a.columns[0].int_sum), static_cast<int64_t>(*b.columns[0].int_sum));
  EXPECT_DOUBLE_EQ(*a.columns[0].moments->variance, *b.columns[0].moments->variance);
  EXPECT_EQ(b.units, 2u);
}

TEST(Partial, MergeOrderOfArrivalDoesNotMatter) {
  auto make = [] {
    std::vector<Partial> v;
    for (uint64_t u = 0; u < 5; ++u) v.push_back(int_partial(u, {static_cast<int64_t>(u), 7, 9}));
    return v;
  };
  std::vector<Partial> forward = make(), backward = make();
  std::reverse(backward.begin(), backward.end());
  EXPECT_EQ(truthound::merge_partials(std::move(forward)).serialize(),
            truthound::merge_partials(std::move(backward)).serialize());
}

TEST(Partial, OverlappingUnitsAreRejected) {
  std::vector<Partial> v;
  v.push_back(int_partial(2, {1}));
  v.push_back(int_partial(2, {1}));
  EXPECT_THROW(truthound::merge_partials(std::move(v)), InvalidInput);
}

TEST(Partial, DifferentOptionsDoNotMerge) {
  OneColumn t("l", 1, {bytes_of<int64_t>({1})}, false, 0);
  truthound::ProfileOptions other;
  other.seed = 7;
  Partial a = int_partial(0, {1});
  Partial b(other, 1, true);
  b.begin(t.table_schema, {});
  EXPECT_THROW(a.merge(b), InvalidInput);
}

TEST(Partial, DuplicateRowsAreCounted) {
  auto r = truthound::finalize(int_partial(0, {1, 1, 2, 1}), {});
  ASSERT_TRUE(r.duplicate_rows.has_value());
  EXPECT_EQ(*r.duplicate_rows, 2u);
}

// One test per check of the reader.
class PartialCorruption : public ::testing::Test {
 protected:
  std::string bytes = int_partial(0, {3, 1, 4, 1, 5}).serialize();
  // Rewrites the payload and fixes the header so only the targeted check can fire.
  std::string with_payload(std::string payload) {
    std::string out = bytes.substr(0, 8);
    uint64_t size = payload.size();
    uint64_t checksum = truthound::hash::xxh64(payload.data(), payload.size(), 0);
    out.append(reinterpret_cast<const char*>(&size), 8);
    out.append(reinterpret_cast<const char*>(&checksum), 8);
    return out + payload;
  }
};

TEST_F(PartialCorruption, EveryTruncationThrows) {
  for (size_t n = 0; n < bytes.size(); ++n) EXPECT_THROW(Partial::deserialize(bytes.substr(0, n)), CorruptPartial) << n;
}

TEST_F(PartialCorruption, BadMagic) {
  bytes[0] = 'X';
  EXPECT_THROW(Partial::deserialize(bytes), CorruptPartial);
}

TEST_F(PartialCorruption, BadVersion) {
  bytes[4] = 9;
  EXPECT_THROW(Partial::deserialize(bytes), CorruptPartial);
}

TEST_F(PartialCorruption, BadKind) {
  bytes[6] = 9;
  EXPECT_THROW(Partial::deserialize(bytes), CorruptPartial);
}

TEST_F(PartialCorruption, ChecksumMismatch) {
  bytes.back() ^= 1;
  EXPECT_THROW(Partial::deserialize(bytes), CorruptPartial);
}

TEST_F(PartialCorruption, TrailingBytesInPayload) {
  EXPECT_THROW(Partial::deserialize(with_payload(bytes.substr(truthound::partial::HEADER_BYTES) + "x")),
               CorruptPartial);
}

TEST_F(PartialCorruption, BadOptionInPayload) {
  std::string payload = bytes.substr(truthound::partial::HEADER_BYTES);
  payload[8] = 1;  // kll_k low byte: k = 1, below the minimum
  payload[9] = 0;
  EXPECT_THROW(Partial::deserialize(with_payload(payload)), CorruptPartial);
}

TEST_F(PartialCorruption, RandomPayloadBytesNeverCrash) {
  std::string payload = bytes.substr(truthound::partial::HEADER_BYTES);
  uint64_t state = 1;
  for (int round = 0; round < 2000; ++round) {
    std::string p = payload;
    state = truthound::hash::splitmix64(state);
    p[state % p.size()] = static_cast<char>(state >> 32);
    try {
      Partial q = Partial::deserialize(with_payload(p));
      truthound::finalize(q, {});
    } catch (const truthound::Error&) {
    }
  }
}
