#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

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

// The row sample's key is the duplicate count's row hash when the unit profiles the whole row,
// and the same hash computed apart (add_value_hashes) when it does not (track_rows off, as for a
// column group): the two must give one sample, value for value, for every kind of column.
TEST(Partial, RowSampleKeysAreTheSameWithOrWithoutTheRowHashes) {
  const std::vector<bool> valid = {true, true, false, true, true, true, true, true, true, true, true, true};
  const int64_t n = 12;
  auto sample_of = [&](OneColumn& t, bool track_rows) {
    truthound::RelationsOptions o;
    o.sample_size = 5;
    o.seed = 3;
    Partial p({}, 0, track_rows);
    p.set_relations(o);
    p.begin(t.table_schema, {});
    p.update(t.table_schema, t.table);
    return p.relations()->sample();
  };
  auto check = [&](const char* what, OneColumn t) {
    truthound::RowSample with = sample_of(t, true), without = sample_of(t, false);
    EXPECT_EQ(with.rows().size(), 5u) << what;
    EXPECT_EQ(with, without) << what;
  };
  check("int8", OneColumn("c", n, {bits(valid), bytes_of<int8_t>({1, -1, 3, 0, 5, -128, 127, 8, 9, 1, 2, 3})}, true));
  check("double", OneColumn("g", n,
                            {bits(valid), bytes_of<double>({0.0, -0.0, 1.0, std::nan(""), -std::nan(""), INFINITY,
                                                            -INFINITY, 1.5, -2.5, 1e300, 0.0, 7.0})},
                            true));
  check("float", OneColumn("f", n, {bits(valid), bytes_of<float>({0.0f, -0.0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, NAN})}, true));
  check("half", OneColumn("e", n,
                          {bits(valid), bytes_of<uint16_t>({0x0000, 0x8000, 0x3c00, 0x7e00, 0xfc00, 0x0001, 0x3555,
                                                            0xc000, 0x7bff, 0x0400, 0x5640, 0x1234})},
                          true));
  check("uint64", OneColumn("L", n, {bits(valid), bytes_of<uint64_t>({0, 1, 2, UINT64_MAX, 4, 5, 6, 7, 8, 9, 10, 11})}, true));
  check("date64", OneColumn("tdm", n,
                            {bits(valid), bytes_of<int64_t>({0, -1, 86'400'000, -86'400'001, 5, 6, 7, 8, 9, 10, 11, 12})},
                            true));
  check("time32", OneColumn("tts", n, {bits(valid), bytes_of<int32_t>({0, -1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})}, true));
  check("timestamp", OneColumn("tsu:UTC", n, {bits(valid), bytes_of<int64_t>({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})}, true));
  std::vector<int64_t> decimals;  // 128-bit two's complement, low word first
  for (int64_t v : {125, -350, 0, 1, -1, 2, 3, 4, 5, 6, 7, 8}) decimals.push_back(v), decimals.push_back(v < 0 ? -1 : 0);
  check("decimal", OneColumn("d:10,2", n, {bits(valid), bytes_of(decimals)}, true));
  check("bool", OneColumn("b", n, {bits(valid), bits({true, false, true, true, false, false, true, false, true, true,
                                                       false, true})},
                          true));
  std::string text = "aébbcccddddeeeeeffffffg";
  std::vector<int32_t> offsets = {0, 1, 3, 5, 8, 12, 17, 23, 24, 24, 24, 25, 25};
  text += "hh";
  check("string", OneColumn("u", n, {bits(valid), bytes_of(offsets), std::vector<uint8_t>(text.begin(), text.end())}, true));
  check("binary", OneColumn("z", n, {bits(valid), bytes_of(offsets), std::vector<uint8_t>(text.begin(), text.end())}, true));
}

// A relations section of the first layout (tag 1: a sample keyed by row position) is refused
// with a message that says so, not merged with content-keyed samples.
TEST(Partial, PositionKeyedRelationsSectionIsRefused) {
  OneColumn t("l", 3, {bytes_of<int64_t>({1, 2, 3})}, false, 0);
  truthound::RelationsOptions o;
  o.sample_size = 2;
  Partial p({}, 0, true);
  p.set_relations(o);
  p.begin(t.table_schema, {});
  p.update(t.table_schema, t.table);
  std::string bytes = p.serialize();
  truthound::ByteWriter section;
  p.relations()->serialize(section);
  const size_t tag = bytes.size() - section.take().size() - 1;
  ASSERT_EQ(static_cast<uint8_t>(bytes[tag]), truthound::partial::SECTION_RELATIONS);
  bytes[tag] = static_cast<char>(truthound::partial::SECTION_POSITION_RELATIONS);
  const std::string_view payload = std::string_view(bytes).substr(truthound::partial::HEADER_BYTES);
  const uint64_t checksum = truthound::hash::xxh64(payload.data(), payload.size(), 0);
  std::memcpy(bytes.data() + truthound::partial::HEADER_BYTES - 8, &checksum, 8);
  try {
    Partial::deserialize(bytes);
    FAIL() << "read a position-keyed relations section";
  } catch (const CorruptPartial& e) {
    EXPECT_NE(std::string(e.what()).find("keyed by row position"), std::string::npos) << e.what();
  }
}

// Format 3 writes retained values as deltas of their order-preserving bits: every double, negative
// numbers, zero and infinities included, comes back exactly, the state's bytes round-trip, and a
// repeated value takes one byte.
namespace {
Partial double_partial(const std::vector<double>& values) {
  OneColumn t("g", static_cast<int64_t>(values.size()), {bytes_of(values)}, false, 0);
  Partial p({}, 0, false);
  p.begin(t.table_schema, {});
  p.update(t.table_schema, t.table);
  return p;
}
}  // namespace

TEST(Partial, RetainedValuesRoundTripInFormat3) {
  std::vector<double> values;
  for (int i = 0; i < 20'000; ++i) values.push_back((i % 2 ? -1.0 : 1.0) * (i * 0.37 + 1e-300));
  values.push_back(0.0);
  values.push_back(-0.0);
  values.push_back(std::numeric_limits<double>::infinity());
  values.push_back(-std::numeric_limits<double>::infinity());
  values.push_back(std::numeric_limits<double>::denorm_min());
  values.push_back(-std::numeric_limits<double>::max());
  const std::string distinct_bytes = double_partial(values).serialize();
  for (int i = 0; i < 20'000; ++i) values.push_back((i % 2 ? -1.0 : 1.0) * (i * 0.37 + 1e-300));
  const Partial p = double_partial(values);
  const truthound::ColumnState& c = p.columns().at(0);
  ASSERT_TRUE(c.spilled());
  ASSERT_FALSE(c.quantiles());
  const std::string bytes = p.serialize();
  const Partial q = Partial::deserialize(bytes);
  EXPECT_EQ(q.serialize(), bytes);
  std::vector<double> a = c.retained_values(), b = q.columns().at(0).retained_values();
  std::sort(a.begin(), a.end());
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(std::bit_cast<uint64_t>(a[i]), std::bit_cast<uint64_t>(b[i])) << i;
  // 20,000 repeats: a byte each (a zero delta), plus what the summaries add.
  EXPECT_LE(bytes.size(), distinct_bytes.size() + 20'000 + 4'000);
}
