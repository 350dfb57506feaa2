// Hand-built Arrow arrays for tests: one column, owned buffers, nothing released by the consumer.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "truthound/arrow/c_abi.hpp"

namespace truthound::testing {

inline void no_release_schema(ArrowSchema* s) { s->release = nullptr; }
inline void no_release_array(ArrowArray* a) { a->release = nullptr; }

// A one-column table: schema {+s: [column]} and a batch holding the column array.
struct OneColumn {
  std::string format;
  std::vector<std::vector<uint8_t>> buffers;
  std::vector<const void*> buffer_pointers;
  ArrowSchema column_schema{}, table_schema{};
  ArrowSchema* schema_children[1] = {&column_schema};
  ArrowArray column{}, table{};
  ArrowArray* array_children[1] = {&column};
  const void* struct_buffers[1] = {nullptr};

  OneColumn(std::string fmt, int64_t length, std::vector<std::vector<uint8_t>> bufs, bool with_validity,
            int64_t null_count = -1, int64_t offset = 0)
      : format(std::move(fmt)), buffers(std::move(bufs)) {
    if (!with_validity) buffer_pointers.push_back(nullptr);
    for (auto& b : buffers) buffer_pointers.push_back(b.data());
    column_schema = {format.c_str(), "c", nullptr, ARROW_FLAG_NULLABLE, 0, nullptr, nullptr, no_release_schema, nullptr};
    table_schema = {"+s", "", nullptr, 0, 1, schema_children, nullptr, no_release_schema, nullptr};
    column = {length + offset, null_count, offset, static_cast<int64_t>(buffer_pointers.size()), 0,
              buffer_pointers.data(), nullptr, nullptr, no_release_array, nullptr};
    table = {length, 0, 0, 1, 1, struct_buffers, array_children, nullptr, no_release_array, nullptr};
    // The column's own length includes the slice offset; the table reads `length` rows after it.
    column.length = length + offset;
    column.offset = offset;
  }
};

template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T>& v) {
  std::vector<uint8_t> out(v.size() * sizeof(T) + 8);
  if (!v.empty()) std::memcpy(out.data(), v.data(), v.size() * sizeof(T));
  return out;
}

inline std::vector<uint8_t> bits(const std::vector<bool>& v) {
  std::vector<uint8_t> out((v.size() + 7) / 8 + 8, 0);
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i]) out[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
  return out;
}

}  // namespace truthound::testing
