#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "../arrow_fixture.hpp"
#include "truthound/hash.hpp"
#include "truthound/profile/finalize.hpp"
#include "truthound/profile/merge_tree.hpp"

using truthound::CorruptPartial;
using truthound::InvalidInput;
using truthound::Partial;
using truthound::ProfileOptions;
using truthound::TreeMerger;
using namespace truthound::testing;

namespace {

// A three-column table (int64 "i", float64 "f", utf8 "s") with owned buffers.
struct ThreeColumns {
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<int32_t> offsets{0};
  std::string chars;
  ArrowSchema child_schema[3]{}, table_schema{};
  ArrowSchema* schema_children[3] = {&child_schema[0], &child_schema[1], &child_schema[2]};
  const void* int_buffers[2]{}, *float_buffers[2]{}, *string_buffers[3]{};
  ArrowArray child[3]{}, table{};
  ArrowArray* array_children[3] = {&child[0], &child[1], &child[2]};
  const void* struct_buffers[1] = {nullptr};

  void finish() {
    const auto n = static_cast<int64_t>(ints.size());
    for (int c = 0; c < 3; ++c) {  // after a copy the pointers must be this object's
      schema_children[c] = &child_schema[c];
      array_children[c] = &child[c];
    }
    const char* formats[3] = {"l", "g", "u"};
    const char* names[3] = {"i", "f", "s"};
    for (int c = 0; c < 3; ++c)
      child_schema[c] = {formats[c], names[c], nullptr, ARROW_FLAG_NULLABLE, 0,
                         nullptr,    nullptr,  no_release_schema, nullptr};
    table_schema = {"+s", "", nullptr, 0, 3, schema_children, nullptr, no_release_schema, nullptr};
    int_buffers[1] = ints.data();
    float_buffers[1] = floats.data();
    chars.reserve(chars.size() + 8);
    string_buffers[1] = offsets.data();
    string_buffers[2] = chars.data();
    child[0] = {n, 0, 0, 2, 0, int_buffers, nullptr, nullptr, no_release_array, nullptr};
    child[1] = {n, 0, 0, 2, 0, float_buffers, nullptr, nullptr, no_release_array, nullptr};
    child[2] = {n, 0, 0, 3, 0, string_buffers, nullptr, nullptr, no_release_array, nullptr};
    table = {n, 0, 0, 1, 3, struct_buffers, array_children, nullptr, no_release_array, nullptr};
  }
};

// Small options so that a few hundred small units pass every exact threshold: the distinct sets
// turn into HyperLogLogs, the frequency tables into Misra-Gries summaries, the KLL compacts.
ProfileOptions small_options() {
  ProfileOptions o;
  o.distinct_exact_limit = 500;
  o.frequent_exact_capacity = 64;
  o.frequent_sketch_capacity = 16;
  o.row_exact_limit = 2'000;
  return o;
}

ThreeColumns unit_table(uint64_t unit, int rows = 40) {
  ThreeColumns t;
  for (int r = 0; r < rows; ++r) {
    uint64_t h = truthound::hash::splitmix64(unit * 1'000 + static_cast<uint64_t>(r));
    t.ints.push_back(static_cast<int64_t>(h % 3'000) - 1'000);
    t.floats.push_back(std::ldexp(static_cast<double>(h >> 11), -53) * 100.0 - 20.0);
    std::string s = "v" + std::to_string((h >> 20) % (r % 2 ? 7 : 5'000));
    t.chars += s;
    t.offsets.push_back(static_cast<int32_t>(t.chars.size()));
  }
  return t;
}

Partial unit_partial(uint64_t unit, const ProfileOptions& options) {
  ThreeColumns t = unit_table(unit);
  t.finish();
  Partial p(options, unit, true);
  p.begin(t.table_schema, {});
  p.update(t.table_schema, t.table);
  return p;
}

std::vector<Partial> units(uint64_t n, const ProfileOptions& options = small_options(), uint64_t first = 0) {
  std::vector<Partial> v;
  for (uint64_t u = first; u < first + n; ++u) v.push_back(unit_partial(u, options));
  return v;
}

std::vector<std::string> bytes_of_all(const std::vector<Partial>& partials) {
  std::vector<std::string> out;
  for (const Partial& p : partials) out.push_back(p.serialize());
  return out;
}

std::vector<Partial> read_all(const std::vector<std::string>& blobs) {
  std::vector<Partial> out;
  for (const std::string& b : blobs) out.push_back(Partial::deserialize(b));
  return out;
}

bool same_values(const std::vector<truthound::ValueCount>& a, const std::vector<truthound::ValueCount>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.value == y.value && x.truncated == y.truncated && x.count == y.count;
  });
}

std::vector<uint64_t> nodes_per_level(const TreeMerger& t) {
  std::vector<uint64_t> out;
  for (const auto& s : t.stats()) out.push_back(s.nodes);
  return out;
}

}  // namespace

TEST(MergeTree, LevelSizes) {
  using truthound::tree::level_sizes;
  EXPECT_EQ(level_sizes(0, 64), std::vector<uint64_t>{});
  EXPECT_EQ(level_sizes(1, 64), std::vector<uint64_t>{1});
  EXPECT_EQ(level_sizes(64, 64), std::vector<uint64_t>{1});
  EXPECT_EQ(level_sizes(65, 64), (std::vector<uint64_t>{2, 1}));
  EXPECT_EQ(level_sizes(4096, 64), (std::vector<uint64_t>{64, 1}));
  EXPECT_EQ(level_sizes(4097, 64), (std::vector<uint64_t>{65, 2, 1}));
  EXPECT_EQ(level_sizes(1'000'000, 64), (std::vector<uint64_t>{15'625, 245, 4, 1}));
  EXPECT_THROW(level_sizes(10, 1), InvalidInput);
  EXPECT_THROW(TreeMerger(0), InvalidInput);
  EXPECT_THROW(truthound::merge_tree(units(3), 1), InvalidInput);
}

TEST(MergeTree, EmptyInputIsRejected) {
  EXPECT_THROW(truthound::merge_tree({}), InvalidInput);
  EXPECT_THROW(truthound::merge_group({}), InvalidInput);
  TreeMerger t(4);
  EXPECT_THROW(t.finish(), InvalidInput);
}

TEST(MergeTree, OnePartialIsReturnedAsItIs) {
  std::string bytes = unit_partial(7, small_options()).serialize();
  EXPECT_EQ(truthound::merge_tree(read_all({bytes}), 4).serialize(), bytes);
  EXPECT_EQ(truthound::merge_group(read_all({bytes})).serialize(), bytes);
}

TEST(MergeTree, AtMostFanInEqualsTheFlatOrderedMerge) {
  for (uint64_t n : {2u, 5u, 16u}) {
    std::vector<std::string> blobs = bytes_of_all(units(n));
    std::string flat = truthound::merge_partials(read_all(blobs), truthound::MergeOrder::ByUnit).serialize();
    EXPECT_EQ(truthound::merge_tree(read_all(blobs), 16).serialize(), flat) << n;
    EXPECT_EQ(truthound::merge_group(read_all(blobs)).serialize(), flat) << n;
  }
}

TEST(MergeTree, ByteIdenticalWhateverTheArrivalOrder) {
  std::vector<std::string> blobs = bytes_of_all(units(300));
  std::string reference = truthound::merge_tree(read_all(blobs), 4).serialize();
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 5; ++trial) {
    std::shuffle(blobs.begin(), blobs.end(), rng);
    EXPECT_EQ(truthound::merge_tree(read_all(blobs), 4).serialize(), reference) << trial;
  }
  std::reverse(blobs.begin(), blobs.end());
  EXPECT_EQ(truthound::merge_tree(read_all(blobs), 4).serialize(), reference);
}

TEST(MergeTree, StreamingEqualsBatchAndCountsLevels) {
  std::vector<std::string> blobs = bytes_of_all(units(300));
  std::string batch = truthound::merge_tree(read_all(blobs), 4).serialize();
  TreeMerger t(4);
  for (const std::string& b : blobs) t.add_bytes(b);
  EXPECT_EQ(t.finish().serialize(), batch);
  EXPECT_EQ(nodes_per_level(t), truthound::tree::level_sizes(300, 4));
  // 300 -> 75 -> 19 -> 5 -> 2 -> 1: the root folds 2 partials, the only ones a driver receives.
  EXPECT_EQ(t.stats().back().inputs, 2u);
  EXPECT_EQ(t.stats().front().inputs, 300u);
  uint64_t leaf_bytes = 0;
  for (const std::string& b : blobs) leaf_bytes += b.size();
  EXPECT_EQ(t.stats().front().input_bytes, leaf_bytes);
  // The merger is reusable.
  for (const std::string& b : blobs) t.add_bytes(b);
  EXPECT_EQ(t.finish().serialize(), batch);
}

TEST(MergeTree, PowerOfFanInEndsOneLevelLower) {
  std::vector<std::string> blobs = bytes_of_all(units(16));
  TreeMerger t(4);
  for (const std::string& b : blobs) t.add_bytes(b);
  std::string root = t.finish().serialize();
  EXPECT_EQ(nodes_per_level(t), (std::vector<uint64_t>{4, 1}));
  // By hand: four groups of four, then one group of the four nodes, each crossing as bytes.
  std::vector<std::string> nodes;
  for (size_t g = 0; g < 4; ++g)
    nodes.push_back(truthound::merge_group(read_all({blobs.begin() + 4 * g, blobs.begin() + 4 * g + 4})).serialize());
  EXPECT_EQ(truthound::merge_group(read_all(nodes)).serialize(), root);
}

TEST(MergeTree, NodesAreGroupsOfConsecutiveUnits) {
  // 10 leaves, fan_in 3: [0..2] [3..5] [6..8] [9] -> [0..8] [9] -> root.
  std::vector<std::string> blobs = bytes_of_all(units(10));
  auto group = [&](size_t from, size_t to) {
    return truthound::merge_group(read_all({blobs.begin() + from, blobs.begin() + to})).serialize();
  };
  std::vector<std::string> level0 = {group(0, 3), group(3, 6), group(6, 9), group(9, 10)};
  std::vector<std::string> level1 = {truthound::merge_group(read_all({level0[0], level0[1], level0[2]})).serialize(),
                                     truthound::merge_group(read_all({level0[3]})).serialize()};
  std::string root = truthound::merge_group(read_all(level1)).serialize();
  EXPECT_EQ(truthound::merge_tree(read_all(blobs), 3).serialize(), root);
  EXPECT_EQ(Partial::deserialize(level1[0]).first_unit(), 0u);
  EXPECT_EQ(Partial::deserialize(level1[0]).last_unit(), 8u);
}

TEST(MergeTree, WholeSubtreesMayBeMergedFirst) {
  // A worker that ran an aligned run of fan_in^k units merges it with merge_tree and ships one
  // partial; the tree over those partials is the tree over the units. The last run is short.
  std::vector<std::string> blobs = bytes_of_all(units(150));
  std::string reference = truthound::merge_tree(read_all(blobs), 4).serialize();
  for (size_t run : {4u, 16u, 64u}) {
    std::vector<std::string> shipped;
    for (size_t from = 0; from < blobs.size(); from += run) {
      size_t to = std::min(blobs.size(), from + run);
      shipped.push_back(truthound::merge_tree(read_all({blobs.begin() + from, blobs.begin() + to}), 4).serialize());
    }
    EXPECT_EQ(truthound::merge_tree(read_all(shipped), 4).serialize(), reference) << run;
  }
}

TEST(MergeTree, EqualsTheFlatMergeInEveryExactStatistic) {
  for (bool sketches : {false, true}) {
    const ProfileOptions options = sketches ? small_options() : ProfileOptions{};
    std::vector<std::string> blobs = bytes_of_all(units(400, options));
    std::vector<double> truth;
    for (uint64_t u = 0; u < 400; ++u) {
      ThreeColumns t = unit_table(u);
      truth.insert(truth.end(), t.floats.begin(), t.floats.end());
    }
    std::sort(truth.begin(), truth.end());
    auto tree = truthound::finalize(truthound::merge_tree(read_all(blobs), 4), {});
    auto flat = truthound::finalize(truthound::merge_partials(read_all(blobs)), {});
    EXPECT_EQ(tree.rows, flat.rows);
    EXPECT_EQ(tree.units, 400u);
    EXPECT_EQ(tree.units, flat.units);
    EXPECT_EQ(tree.duplicate_rows, flat.duplicate_rows);
    EXPECT_EQ(tree.duplicates_exact, flat.duplicates_exact);
    EXPECT_EQ(tree.duplicates_exact, !sketches);
    ASSERT_EQ(tree.columns.size(), flat.columns.size());
    for (size_t c = 0; c < tree.columns.size(); ++c) {
      const auto& a = tree.columns[c];
      const auto& b = flat.columns[c];
      SCOPED_TRACE(a.name);
      EXPECT_EQ(a.counts, b.counts);
      // Exact sets and HyperLogLog registers are both independent of the merge order.
      EXPECT_EQ(a.distinct_count, b.distinct_count);
      EXPECT_EQ(a.distinct_exact, b.distinct_exact);
      EXPECT_TRUE(a.int_min == b.int_min);
      EXPECT_TRUE(a.int_max == b.int_max);
      EXPECT_EQ(a.float_min, b.float_min);
      EXPECT_EQ(a.float_max, b.float_max);
      EXPECT_EQ(a.bytes_min, b.bytes_min);
      EXPECT_EQ(a.bytes_max, b.bytes_max);
      EXPECT_EQ(a.int_sum.has_value(), b.int_sum.has_value());
      EXPECT_TRUE(a.int_sum == b.int_sum);
      EXPECT_EQ(a.frequencies_exact, b.frequencies_exact);
      if (a.frequencies_exact) {
        EXPECT_TRUE(same_values(a.top_values, b.top_values));
        EXPECT_TRUE(same_values(a.bottom_values, b.bottom_values));
      }
      ASSERT_EQ(a.lengths.has_value(), b.lengths.has_value());
      if (a.lengths) {
        EXPECT_EQ(a.lengths->min_chars, b.lengths->min_chars);
        EXPECT_EQ(a.lengths->max_chars, b.lengths->max_chars);
        EXPECT_EQ(a.lengths->mean_bytes, b.lengths->mean_bytes);
      }
      // Floating moments differ in the last bits only (compensated sums, pairwise moments).
      ASSERT_EQ(a.moments.has_value(), b.moments.has_value());
      if (a.moments) {
        EXPECT_NEAR(*a.moments->mean, *b.moments->mean, 1e-12 * (1 + std::abs(*b.moments->mean)));
        EXPECT_NEAR(*a.moments->variance, *b.moments->variance, 1e-10 * *b.moments->variance);
      }
      // 16,000 values: exact whatever the plan (from the frequency table, or from the values
      // retained after it spilled), so the tree and the flat merge agree to the bit.
      ASSERT_EQ(a.quantiles.size(), b.quantiles.size());
      EXPECT_EQ(a.quantiles_exact, b.quantiles_exact);
      if (a.name != "s") {
        EXPECT_TRUE(a.quantiles_exact);
        for (size_t k = 0; k < a.quantiles.size(); ++k) EXPECT_EQ(a.quantiles[k].value, b.quantiles[k].value);
      }
      if (sketches) {  // the small options pushed every part past its exact limit
        EXPECT_FALSE(a.distinct_exact);
        EXPECT_FALSE(a.frequencies_exact);
      }
      if (a.name == "f") {
        for (const auto& q : a.quantiles) {
          double rank = static_cast<double>(std::lower_bound(truth.begin(), truth.end(), q.value) - truth.begin());
          // An exact quantile interpolates between neighbours: its rank is within 1/n of q.
          EXPECT_LE(std::abs(rank / static_cast<double>(truth.size()) - q.q),
                    a.quantile_rank_error + 1.0 / static_cast<double>(truth.size()))
              << q.q;
        }
      }
    }
  }
}

TEST(MergeTree, TheTreeIsNotTheFlatFoldBeyondFanIn) {
  // Why the order must be fixed: past fan_in the tree and the left fold differ in floating bytes
  // (moments, KLL items), so a local run must use the same tree as a cluster.
  std::vector<std::string> blobs = bytes_of_all(units(64));
  EXPECT_NE(truthound::merge_tree(read_all(blobs), 4).serialize(),
            truthound::merge_partials(read_all(blobs), truthound::MergeOrder::ByUnit).serialize());
}

TEST(MergeTree, OverlapsAndDisorderAreRejected) {
  std::vector<Partial> v = units(3);
  v.push_back(unit_partial(1, small_options()));
  EXPECT_THROW(truthound::merge_tree(std::move(v), 2), InvalidInput);
  std::vector<Partial> w = units(2);
  w.push_back(unit_partial(0, small_options()));
  EXPECT_THROW(truthound::merge_group(std::move(w)), InvalidInput);
  TreeMerger t(2);
  t.add(unit_partial(5, small_options()));
  EXPECT_THROW(t.add(unit_partial(5, small_options())), InvalidInput);
  EXPECT_THROW(t.add(unit_partial(3, small_options())), InvalidInput);
}

TEST(MergeTree, DifferentOptionsAreRejected) {
  std::vector<Partial> v = units(3);
  v.push_back(unit_partial(3, ProfileOptions{}));
  EXPECT_THROW(truthound::merge_tree(std::move(v), 2), InvalidInput);
}

TEST(MergeTree, PeekUnitsReadsTheHeaderOnly) {
  std::vector<Partial> parts;
  parts.push_back(unit_partial(3, small_options()));
  parts.push_back(unit_partial(4, small_options()));
  std::string bytes = truthound::merge_group(std::move(parts)).serialize();
  auto span = truthound::peek_units(bytes);
  EXPECT_EQ(span.first, 3u);
  EXPECT_EQ(span.last, 4u);
  EXPECT_THROW(truthound::peek_units(bytes.substr(0, 10)), CorruptPartial);
  EXPECT_THROW(truthound::peek_units(bytes.substr(0, bytes.size() - 1)), CorruptPartial);
  std::string bad_magic = bytes;
  bad_magic[0] = 'X';
  EXPECT_THROW(truthound::peek_units(bad_magic), CorruptPartial);
  std::string bad_version = bytes;
  bad_version[4] = 9;
  EXPECT_THROW(truthound::peek_units(bad_version), CorruptPartial);
  // The checksum is left to the full read.
  std::string bad_body = bytes;
  bad_body.back() ^= 1;
  EXPECT_NO_THROW(truthound::peek_units(bad_body));
  EXPECT_THROW(Partial::deserialize(bad_body), CorruptPartial);
}

// A merge node folds its inputs one at a time: it holds its running state plus one decoded input,
// whatever the fan-in, and the bytes equal the flat ordered merge.
TEST(StreamingFold, HoldsItsStatePlusOneDecodedInput) {
  std::vector<std::string> blobs = bytes_of_all(units(200));
  std::vector<std::string_view> views(blobs.rbegin(), blobs.rend());  // any order: sorted by header
  const uint64_t before = truthound::tree::live_decoded_states();
  truthound::tree::reset_peak_decoded_states();
  Partial merged = truthound::merge_group_bytes(views);
  EXPECT_LE(truthound::tree::peak_decoded_states() - before, 2u);
  EXPECT_EQ(truthound::tree::live_decoded_states(), before);
  EXPECT_EQ(merged.serialize(), truthound::merge_partials(read_all(blobs)).serialize());
}

TEST(StreamingFold, TheTreeHoldsOneStatePerLevelPlusOneInput) {
  std::vector<std::string> blobs = bytes_of_all(units(130));
  const uint64_t before = truthound::tree::live_decoded_states();
  truthound::tree::reset_peak_decoded_states();
  TreeMerger tree(4);
  for (const std::string& b : blobs) tree.add_bytes(b);
  Partial root = tree.finish();
  const uint64_t levels = truthound::tree::level_sizes(130, 4).size();
  EXPECT_LE(truthound::tree::peak_decoded_states() - before, levels + 1);
  EXPECT_EQ(truthound::tree::live_decoded_states(), before);
  EXPECT_EQ(root.serialize(), truthound::merge_tree(read_all(blobs), 4).serialize());
}

TEST(StreamingFold, AsGivenIsTheUnionOfTables) {
  std::vector<std::string> blobs = bytes_of_all(units(5));
  std::vector<std::string_view> views(blobs.begin(), blobs.end());
  Partial folded = truthound::fold_bytes(views, truthound::MergeOrder::AsGiven);
  EXPECT_EQ(folded.serialize(),
            truthound::merge_partials(read_all(blobs), truthound::MergeOrder::AsGiven).serialize());
  EXPECT_THROW(truthound::fold_bytes({}, truthound::MergeOrder::AsGiven), InvalidInput);
}

TEST(StreamingFold, ACorruptInputIsNamedAndNothingLeaks) {
  std::vector<std::string> blobs = bytes_of_all(units(3));
  blobs[1][blobs[1].size() - 1] ^= 1;
  std::vector<std::string_view> views(blobs.begin(), blobs.end());
  const uint64_t before = truthound::tree::live_decoded_states();
  try {
    truthound::merge_group_bytes(views);
    FAIL() << "a corrupt input was merged";
  } catch (const CorruptPartial& e) {
    EXPECT_NE(std::string(e.what()).find("partial #1"), std::string::npos) << e.what();
  }
  EXPECT_EQ(truthound::tree::live_decoded_states(), before);
}

TEST(BucketMerge, SumsTheBucketsDuplicateRows) {
  std::vector<Partial> buckets = units(4, ProfileOptions{});
  std::vector<std::string> blobs = bytes_of_all(buckets);
  std::vector<std::string_view> views(blobs.begin(), blobs.end());
  truthound::BucketMerge m = truthound::merge_buckets(views);
  uint64_t expected = 0;
  for (const Partial& b : buckets) expected += *truthound::finalize(b, {}).duplicate_rows;
  ASSERT_TRUE(m.duplicate_rows.has_value());
  EXPECT_EQ(*m.duplicate_rows, expected);
  EXPECT_TRUE(m.duplicates_exact);
  EXPECT_EQ(m.merged.serialize(), truthound::merge_partials(read_all(blobs)).serialize());
}
