// compare_partials: the paths by kind, one-sided columns, categories and one-sided values, and
// errors that name the side.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../arrow_fixture.hpp"
#include "truthound/profile/compare.hpp"
#include "truthound/profile/partial.hpp"

using truthound::DriftMetric;
using truthound::DriftPath;
using truthound::InvalidInput;
using truthound::Partial;
using namespace truthound::testing;

namespace {

template <typename T>
Partial partial_of(const std::string &format, const std::vector<T> &values) {
  OneColumn t(format, static_cast<int64_t>(values.size()), {bytes_of(values)}, false, 0);
  Partial p(truthound::ProfileOptions{}, 0, false);
  p.begin(t.table_schema, {});
  p.update(t.table_schema, t.table);
  return p;
}

}  // namespace

TEST(Compare, NumbersOfOneLineGetAKsTestWhenSmall) {
  auto r = truthound::compare_partials(partial_of<int64_t>("l", {1, 2, 2, 3, 5, 8}),
                                       partial_of<double>("g", {2, 3, 4, 4, 9, 10, 11}), {"c"}, {});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].path, DriftPath::Numeric);  // integers and floats lie on one line
  EXPECT_EQ(r[0].drift.metric, DriftMetric::KolmogorovSmirnov);
  EXPECT_DOUBLE_EQ(r[0].drift.score, 0.4335664335664336);
  ASSERT_TRUE(r[0].histogram);
  EXPECT_EQ(r[0].histogram->edges.size(), 21u);
  double total = 0;
  for (double s : r[0].histogram->baseline) total += s;
  EXPECT_NEAR(total, 1.0, 1e-12);
  ASSERT_TRUE(r[0].baseline->percentiles);
  EXPECT_DOUBLE_EQ((*r[0].baseline->percentiles)[3], 2.5);  // numpy.percentile(..., 50)
  EXPECT_TRUE(r[0].current->percentiles);
}

TEST(Compare, OneSidedColumnsAndUnknownNames) {
  Partial a = partial_of<int64_t>("l", {1, 2, 3});
  auto r = truthound::compare_partials(a, a, {"c"}, {});
  EXPECT_EQ(r[0].drift.metric, DriftMetric::KolmogorovSmirnov);
  EXPECT_EQ(r[0].drift.score, 1.0);
  EXPECT_THROW(truthound::compare_partials(a, a, {"nope"}, {}), InvalidInput);
}

TEST(Compare, CorruptBytesNameTheirSide) {
  std::string good = partial_of<int64_t>("l", {1, 2, 3}).serialize();
  std::string bad = good;
  bad[bad.size() / 2] ^= 0x5a;
  truthound::CompareOptions o;
  o.threads = 2;
  try {
    truthound::compare_serialized(good, bad, {"old.json", "new.json"}, {"c"}, o);
    FAIL() << "expected CorruptPartial";
  } catch (const truthound::CorruptPartial &e) {
    EXPECT_EQ(std::string(e.what()).rfind("new.json: ", 0), 0u) << e.what();
  }
}
