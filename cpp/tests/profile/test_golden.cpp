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
