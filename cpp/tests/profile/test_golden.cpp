// Golden bytes of format version 1 (cpp/tests/golden/partial_v1.bin, written by truthound 0.1.0
// from a 6-row table: id int64, price double, city string, day date32, unit 7). A change that
// breaks reading them must bump partial::FORMAT_VERSION and keep a reader for version 1.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "truthound/profile/finalize.hpp"
#include "truthound/profile/partial.hpp"

namespace {

std::string golden(const char* name) {
  std::ifstream in(std::string(TRUTHOUND_GOLDEN_DIR) + "/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST(GoldenPartial, Version1ReadsAndFinalizes) {
  std::string bytes = golden("partial_v1.bin");
  ASSERT_FALSE(bytes.empty());
  truthound::Partial p = truthound::Partial::deserialize(bytes);
  EXPECT_EQ(p.first_unit(), 7u);
  EXPECT_EQ(p.serialize(), bytes);
  truthound::TableResult r = truthound::finalize(p, {});
  ASSERT_EQ(r.columns.size(), 4u);
  EXPECT_EQ(r.rows, 6u);
  const auto& id = r.columns[0];
  EXPECT_EQ(id.name, "id");
  EXPECT_EQ(id.counts.nulls, 1u);
  EXPECT_EQ(static_cast<int64_t>(*id.int_sum), 15);
  const auto& price = r.columns[1];
  EXPECT_EQ(price.counts.nan, 1u);
  EXPECT_DOUBLE_EQ(*price.float_min, -4.0);
  EXPECT_DOUBLE_EQ(*price.moments->mean, 2.5);
  const auto& city = r.columns[2];
  EXPECT_EQ(city.distinct_count, 4u);
  EXPECT_EQ(city.counts.empty, 1u);
  EXPECT_EQ(city.top_values.at(0).value, "Seoul");
  const auto& day = r.columns[3];
  EXPECT_EQ(static_cast<int64_t>(*day.int_min), 20454);  // 2026-01-01 in days since the epoch
}

// Format-1 partials still merge with each other (and stay format 1).
TEST(GoldenPartial, Version1MergesWithVersion1) {
  truthound::Partial a = truthound::Partial::deserialize(golden("partial_v1.bin"));
  truthound::Partial b = truthound::Partial::deserialize(golden("partial_v1.bin"));
  a.merge_table(b);
  EXPECT_EQ(a.format_version(), 1u);
  truthound::Partial again = truthound::Partial::deserialize(a.serialize());
  EXPECT_EQ(again.format_version(), 1u);
  truthound::TableResult r = truthound::finalize(again, {});
  EXPECT_EQ(r.rows, 12u);
  EXPECT_EQ(r.columns[2].distinct_count, 4u);
  EXPECT_EQ(r.columns[2].top_values.at(0).count, 4u);  // "Seoul" twice in each
}

// Golden bytes of format version 2 (partial_v2.bin, written by make_partial.py from the same
// 6-row table): ExaLogLog distinct counters, frequency-first column state.
TEST(GoldenPartial, Version2ReadsAndFinalizes) {
  std::string bytes = golden("partial_v2.bin");
  ASSERT_FALSE(bytes.empty());
  truthound::Partial p = truthound::Partial::deserialize(bytes);
  EXPECT_EQ(p.format_version(), 2u);
  EXPECT_EQ(p.first_unit(), 7u);
  EXPECT_EQ(p.serialize(), bytes);
  truthound::TableResult r = truthound::finalize(p, {});
  ASSERT_EQ(r.columns.size(), 4u);
  EXPECT_EQ(r.rows, 6u);
  EXPECT_EQ(static_cast<int64_t>(*r.columns[0].int_sum), 15);
  EXPECT_DOUBLE_EQ(*r.columns[1].moments->mean, 2.5);
  EXPECT_EQ(r.columns[2].distinct_count, 4u);
  EXPECT_EQ(r.columns[2].top_values.at(0).value, "Seoul");
  EXPECT_EQ(static_cast<int64_t>(*r.columns[3].int_min), 20454);
  EXPECT_TRUE(r.columns[0].quantiles_exact);
}

TEST(GoldenPartial, Version1AndVersion2DoNotMerge) {
  truthound::Partial v1 = truthound::Partial::deserialize(golden("partial_v1.bin"));
  truthound::Partial v2 = truthound::Partial::deserialize(golden("partial_v2.bin"));
  for (int order = 0; order < 2; ++order) {
    truthound::Partial a = order ? v2 : v1;
    const truthound::Partial& b = order ? v1 : v2;
    try {
      a.merge_table(b);
      FAIL() << "merged format 1 with format 2";
    } catch (const truthound::InvalidInput& e) {
      std::string what = e.what();
      EXPECT_NE(what.find("format-1"), std::string::npos) << what;
      EXPECT_NE(what.find("format-2"), std::string::npos) << what;
    }
  }
}

// Golden bytes of format version 3 (partial_v3.bin, make_partial.py, the same table): the states
// of format 2 with compact frequency tables and retained values, columns length-prefixed.
TEST(GoldenPartial, Version3ReadsAndFinalizesAsVersion2) {
  std::string bytes = golden("partial_v3.bin");
  ASSERT_FALSE(bytes.empty());
  truthound::Partial p = truthound::Partial::deserialize(bytes);
  EXPECT_EQ(p.format_version(), 3u);
  EXPECT_EQ(p.serialize(), bytes);
  EXPECT_LT(bytes.size(), golden("partial_v2.bin").size());
  truthound::Partial v2 = truthound::Partial::deserialize(golden("partial_v2.bin"));
  truthound::TableResult a = truthound::finalize(p, {}), b = truthound::finalize(v2, {});
  ASSERT_EQ(a.columns.size(), b.columns.size());
  for (size_t i = 0; i < a.columns.size(); ++i) {
    EXPECT_EQ(a.columns[i].distinct_count, b.columns[i].distinct_count);
    ASSERT_EQ(a.columns[i].top_values.size(), b.columns[i].top_values.size());
    for (size_t j = 0; j < a.columns[i].top_values.size(); ++j) {
      EXPECT_EQ(a.columns[i].top_values[j].value, b.columns[i].top_values[j].value);
      EXPECT_EQ(a.columns[i].top_values[j].count, b.columns[i].top_values[j].count);
    }
    ASSERT_EQ(a.columns[i].quantiles.size(), b.columns[i].quantiles.size());
    for (size_t j = 0; j < a.columns[i].quantiles.size(); ++j)
      EXPECT_EQ(a.columns[i].quantiles[j].value, b.columns[i].quantiles[j].value);
  }
}

// Formats 2 and 3 hold the same states: they merge, the result is format 3, and it equals the
// merge of two format-3 partials; a format-1 partial merges with neither.
TEST(GoldenPartial, Version2MergesWithVersion3) {
  const truthound::Partial v2 = truthound::Partial::deserialize(golden("partial_v2.bin"));
  const truthound::Partial v3 = truthound::Partial::deserialize(golden("partial_v3.bin"));
  truthound::Partial both3 = v3;
  both3.merge_table(v3);
  for (int order = 0; order < 2; ++order) {
    truthound::Partial a = order ? v3 : v2;
    a.merge_table(order ? v2 : v3);
    EXPECT_EQ(a.format_version(), 3u);
    EXPECT_EQ(a.serialize(), both3.serialize());
  }
  truthound::Partial v1 = truthound::Partial::deserialize(golden("partial_v1.bin"));
  EXPECT_THROW(v1.merge_table(v3), truthound::InvalidInput);
}
