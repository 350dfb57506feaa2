#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "truthound/stats/range.hpp"

namespace truthound {
namespace {

// The 8-byte prefix shortcut must agree with plain bytewise comparison, including values that
// share 8 bytes, contain zero bytes, or are prefixes of one another.
TEST(BytesRange, MatchesBytewiseMinMax) {
  std::mt19937_64 rng(7);
  const std::string alphabet("\0\1ab\xff", 5);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<std::string> values;
    const std::string stem = std::string(rng() % 10, 'x');
    for (int i = 0; i < 50; ++i) {
      std::string v = rng() % 2 ? stem : "";
      for (size_t len = rng() % 12; len > 0; --len) v += alphabet[rng() % alphabet.size()];
      values.push_back(v);
    }
    BytesRange r;
    for (const std::string& v : values) r.update(v);
    EXPECT_EQ(r.min(), *std::min_element(values.begin(), values.end()));
    EXPECT_EQ(r.max(), *std::max_element(values.begin(), values.end()));
  }
}

TEST(BytesRange, MergeAndRoundTrip) {
  BytesRange a, b;
  for (const char* v : {"pear", "apple", "applesauce!"}) a.update(v);
  for (const char* v : {"zebra", "apples"}) b.update(v);
  a.merge(b);
  EXPECT_EQ(a.min(), "apple");
  EXPECT_EQ(a.max(), "zebra");
  ByteWriter out;
  a.serialize(out);
  std::string bytes = out.take();
  ByteReader in(bytes, "test");
  BytesRange c = BytesRange::deserialize(in);
  EXPECT_EQ(c, a);
  c.update("banana");  // strictly inside: the restored prefix keys must be right
  EXPECT_EQ(c.min(), "apple");
  EXPECT_EQ(c.max(), "zebra");
  c.update("a");
  EXPECT_EQ(c.min(), "a");
}

}  // namespace
}  // namespace truthound
