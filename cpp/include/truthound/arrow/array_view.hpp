// A validated, typed view of one Arrow array (C Data Interface), with the offset of a sliced
// array and of its parent struct already applied. Construction checks everything that can be
// checked without buffer sizes (the interface does not carry them): buffer counts, required
// buffers, lengths, offsets and null counts. Per-element checks that would otherwise cost a
// separate pass (monotonic offsets, view bounds, dictionary indices) happen in the accessors.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "truthound/arrow/c_abi.hpp"
#include "truthound/arrow/column_type.hpp"
#include "truthound/error.hpp"

namespace truthound {

enum class Layout : uint8_t {
  Null,         // no buffers, every slot null
  Bits,         // bit-packed booleans
  Fixed,        // fixed-width numbers (width 1, 2, 4, 8 or 16 bytes)
  Offsets32,    // utf8 / binary
  Offsets64,    // large_utf8 / large_binary
  View,         // utf8_view / binary_view
  FixedBinary,  // fixed_size_binary[w]
  Dictionary,   // indices into `dictionary`
  Opaque,       // nested or unsupported: only validity is read
};

class ArrayView {
 public:
  // `where` names the column for error messages. `parent_offset` is the struct parent's offset
  // and `length` the parent's length (a struct child may be longer); -1 means the array's own.
  ArrayView(const ArrowSchema& schema, const ArrowArray& array, int64_t parent_offset,
            const std::string& where, int64_t length = -1);

  // Rows [start, start + length) of this view; the dictionary, if any, is shared.
  ArrayView window(int64_t start, int64_t length) const {
    ArrayView w = *this;
    w.offset_ += start;
    w.length_ = length;
    w.null_count_ = -1;  // not counted for windows; callers test validity per row
    return w;
  }

  Layout layout() const { return layout_; }
  int64_t length() const { return length_; }
  int64_t null_count() const { return null_count_; }
  int width() const { return width_; }
  char format_char() const { return format_char_; }
  bool index_signed() const { return index_signed_; }
  const ArrayView& dictionary() const { return *dictionary_; }

  bool is_valid(int64_t i) const {
    if (validity_ == nullptr) return layout_ != Layout::Null;
    int64_t j = offset_ + i;
    return (validity_[j >> 3] >> (j & 7)) & 1;
  }
  bool has_validity() const { return validity_ != nullptr || layout_ == Layout::Null; }

  bool bit_at(int64_t i) const {
    int64_t j = offset_ + i;
    return (values_[j >> 3] >> (j & 7)) & 1;
  }
  template <typename T>
  T fixed_at(int64_t i) const {
    T v;
    std::memcpy(&v, values_ + (offset_ + i) * static_cast<int64_t>(sizeof(T)), sizeof(T));
    return v;
  }
  const uint8_t* fixed_ptr(int64_t i) const { return values_ + (offset_ + i) * width_; }

  std::string_view bytes_at(int64_t i) const {
    int64_t j = offset_ + i;
    switch (layout_) {
      case Layout::Offsets32: {
        int32_t a, b;
        std::memcpy(&a, static_cast<const char*>(offsets_) + j * 4, 4);
        std::memcpy(&b, static_cast<const char*>(offsets_) + (j + 1) * 4, 4);
        if (a < 0 || b < a || b > data_end_) bad_offsets(i, a, b);
        return {reinterpret_cast<const char*>(data_) + a, static_cast<size_t>(b - a)};
      }
      case Layout::Offsets64: {
        int64_t a, b;
        std::memcpy(&a, static_cast<const char*>(offsets_) + j * 8, 8);
        std::memcpy(&b, static_cast<const char*>(offsets_) + (j + 1) * 8, 8);
        if (a < 0 || b < a || b > data_end_) bad_offsets(i, a, b);
        return {reinterpret_cast<const char*>(data_) + a, static_cast<size_t>(b - a)};
      }
      case Layout::View: return view_at(j, i);
      case Layout::FixedBinary:
        return {reinterpret_cast<const char*>(values_) + j * width_, static_cast<size_t>(width_)};
      default: return {};
    }
  }

  int64_t dictionary_index(int64_t i) const {
    int64_t k;
    switch (width_) {
      case 1: k = index_signed_ ? fixed_at<int8_t>(i) : fixed_at<uint8_t>(i); break;
      case 2: k = index_signed_ ? fixed_at<int16_t>(i) : fixed_at<uint16_t>(i); break;
      case 4: k = index_signed_ ? fixed_at<int32_t>(i) : fixed_at<uint32_t>(i); break;
      default: k = fixed_at<int64_t>(i); break;
    }
    if (k < 0 || k >= dictionary_->length()) bad_index(i, k);
    return k;
  }

  const std::string& where() const { return where_; }

 private:
  std::string_view view_at(int64_t j, int64_t i) const {
    const uint8_t* v = values_ + j * 16;
    int32_t len;
    std::memcpy(&len, v, 4);
    if (len < 0) bad_view(i, "negative length");
    if (len <= 12) return {reinterpret_cast<const char*>(v + 4), static_cast<size_t>(len)};
    int32_t buffer, off;
    std::memcpy(&buffer, v + 8, 4);
    std::memcpy(&off, v + 12, 4);
    if (buffer < 0 || buffer >= n_variadic_) bad_view(i, "buffer index out of range");
    int64_t size;
    std::memcpy(&size, variadic_sizes_ + buffer, 8);
    if (off < 0 || static_cast<int64_t>(off) + len > size) bad_view(i, "bytes past the end of its buffer");
    return {static_cast<const char*>(variadic_[buffer]) + off, static_cast<size_t>(len)};
  }
  [[noreturn]] void bad_offsets(int64_t i, int64_t a, int64_t b) const;
  [[noreturn]] void bad_view(int64_t i, const char* what) const;
  [[noreturn]] void bad_index(int64_t i, int64_t k) const;

  Layout layout_ = Layout::Opaque;
  int64_t length_ = 0;
  int64_t offset_ = 0;
  int64_t null_count_ = 0;
  int width_ = 0;
  char format_char_ = 0;
  bool index_signed_ = true;
  const uint8_t* validity_ = nullptr;
  const uint8_t* values_ = nullptr;
  const void* offsets_ = nullptr;
  const uint8_t* data_ = nullptr;
  int64_t data_end_ = 0;  // the last offset: no value may end past it
  const void* const* variadic_ = nullptr;
  const int64_t* variadic_sizes_ = nullptr;
  int64_t n_variadic_ = 0;
  std::shared_ptr<ArrayView> dictionary_;
  std::string where_;
};

}  // namespace truthound
