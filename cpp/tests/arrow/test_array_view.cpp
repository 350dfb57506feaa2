#include <gtest/gtest.h>

#include "../arrow_fixture.hpp"
#include "truthound/profile/finalize.hpp"
#include "truthound/profile/partial.hpp"

using truthound::InvalidInput;
using truthound::Partial;
using namespace truthound::testing;

namespace {

Partial profile(OneColumn& t) {
  Partial p({}, 0, true);
  p.begin(t.table_schema, {});
  p.update(t.table_schema, t.table);
  return p;
}

std::vector<int32_t> offsets(std::initializer_list<int32_t> v) { return v; }

}  // namespace

TEST(ArrayView, ReadsSlicedInt64WithValidity) {
  OneColumn t("l", 3, {bits({true, true, false, true, true}), bytes_of<int64_t>({9, 1, 2, 3, 4})}, true, -1, 2);
  auto r = truthound::finalize(profile(t), {});
  ASSERT_EQ(r.columns.size(), 1u);
  EXPECT_EQ(r.columns[0].counts.rows, 3u);
  EXPECT_EQ(r.columns[0].counts.nulls, 1u);
  EXPECT_EQ(static_cast<int64_t>(*r.columns[0].int_min), 3);
  EXPECT_EQ(static_cast<int64_t>(*r.columns[0].int_max), 4);
}

TEST(ArrayView, AbsentValidityMeansNoNulls) {
  OneColumn t("g", 2, {bytes_of<double>({1.5, 2.5})}, false, 0);
  auto r = truthound::finalize(profile(t), {});
  EXPECT_EQ(r.columns[0].counts.nulls, 0u);
  EXPECT_DOUBLE_EQ(*r.columns[0].moments->mean, 2.0);
}

TEST(ArrayView, WrongBufferCountIsRejected) {
  OneColumn t("l", 2, {bytes_of<int64_t>({1, 2}), bytes_of<int64_t>({1, 2})}, false);
  EXPECT_THROW(profile(t), InvalidInput);
}

TEST(ArrayView, NegativeOrOversizedNullCountIsRejected) {
  OneColumn t("l", 2, {bytes_of<int64_t>({1, 2})}, false, 7);
  EXPECT_THROW(profile(t), InvalidInput);
}

TEST(ArrayView, DecreasingOffsetsAreRejected) {
  OneColumn t("u", 2, {bytes_of(offsets({0, 3, 1})), bytes_of<char>({'a', 'b', 'c'})}, false);
  EXPECT_THROW(profile(t), InvalidInput);
}

TEST(ArrayView, OffsetsPastTheLastAreRejected) {
  OneColumn t("u", 2, {bytes_of(offsets({0, 100, 3})), bytes_of<char>({'a', 'b', 'c'})}, false);
  EXPECT_THROW(profile(t), InvalidInput);
}

TEST(ArrayView, NullDataBufferWithNonEmptyStringsIsRejected) {
  OneColumn t("u", 1, {bytes_of(offsets({0, 3}))}, false);
  t.buffer_pointers.push_back(nullptr);
  t.column.buffers = t.buffer_pointers.data();  // push_back may have moved them
  t.column.n_buffers = 3;
  EXPECT_THROW(profile(t), InvalidInput);
}

TEST(ArrayView, ViewPointingPastItsBufferIsRejected) {
  std::vector<uint8_t> view(16 + 8, 0);
  int32_t len = 20, buffer = 0, off = 0;
  std::memcpy(view.data(), &len, 4);
  std::memcpy(view.data() + 8, &buffer, 4);
  std::memcpy(view.data() + 12, &off, 4);
  std::vector<uint8_t> data(10, 'x');
  std::vector<int64_t> sizes = {10};
  OneColumn t("vu", 1, {view, data, bytes_of(sizes)}, false);
  EXPECT_THROW(profile(t), InvalidInput);
}

TEST(ArrayView, DictionaryIndexOutOfRangeIsRejected) {
  OneColumn dict("u", 1, {bytes_of(offsets({0, 1})), bytes_of<char>({'a'})}, false);
  OneColumn t("i", 2, {bytes_of<int32_t>({0, 5})}, false);
  t.column_schema.dictionary = &dict.column_schema;
  t.column.dictionary = &dict.column;
  try {
    profile(t);
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("dictionary index 5"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("column \"c\""), std::string::npos) << e.what();
  }
}

TEST(ArrayView, ChildShorterThanTheBatchIsRejected) {
  OneColumn t("l", 2, {bytes_of<int64_t>({1, 2})}, false);
  t.table.length = 5;
  EXPECT_THROW(profile(t), InvalidInput);
}

TEST(ArrayView, UnknownFormatIsCountedNotProfiled) {
  OneColumn t("+w:2", 2, {}, false);
  auto r = truthound::finalize(profile(t), {});
  EXPECT_EQ(r.columns[0].counts.rows, 2u);
  EXPECT_NE(r.columns[0].note.find("not profiled"), std::string::npos);
}
