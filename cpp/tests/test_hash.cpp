#include <gtest/gtest.h>

#include <string>

#include "truthound/hash.hpp"

using truthound::hash::xxh64;

// Reference values of XXH64 from the xxHash project's published test vectors and from the
// `xxhash` Python package (xxh64_intdigest), which implements the same specification.
TEST(Xxh64, MatchesReferenceVectors) {
  EXPECT_EQ(xxh64("", 0, 0), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(xxh64("a", 1, 0), 0xD24EC4F1A98C6E5BULL);
  EXPECT_EQ(xxh64("abc", 3, 0), 0x44BC2CF5AD770999ULL);
  const std::string fox = "The quick brown fox jumps over the lazy dog";
  EXPECT_EQ(xxh64(fox.data(), fox.size(), 0), 0x0B242D361FDA71BCULL);
}

TEST(Xxh64, InlineEightByteFormAgreesWithTheGeneralOne) {
  for (uint64_t v : {0ULL, 1ULL, 0xFFFFFFFFFFFFFFFFULL, 0x0123456789ABCDEFULL}) {
    EXPECT_EQ(truthound::hash::xxh64_u64(v, 7), xxh64(&v, 8, 7));
  }
}

TEST(Xxh64, ValueHashOfEightBytesIsInvertible) {
  using truthound::hash::inverse_of_u64;
  using truthound::hash::of_u64;
  for (uint64_t v : {0ULL, 1ULL, 0xFFFFFFFFFFFFFFFFULL, 0x8000000000000000ULL, 0x7ff8000000000000ULL}) {
    EXPECT_EQ(inverse_of_u64(of_u64(v)), v);
  }
  uint64_t x = 12345;
  for (int i = 0; i < 100000; ++i) {
    x = truthound::hash::splitmix64(x);
    ASSERT_EQ(inverse_of_u64(of_u64(x)), x) << x;
    ASSERT_EQ(of_u64(inverse_of_u64(x)), x) << x;  // and onto: every hash is some value's
  }
}
