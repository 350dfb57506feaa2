#include "truthound/arrow/array_view.hpp"

#include <string_view>

namespace truthound {
namespace {

[[noreturn]] void invalid(const std::string& where, const std::string& what) {
  throw InvalidInput("invalid Arrow array (" + where + "): " + what);
}

int64_t count_nulls(const uint8_t* validity, int64_t offset, int64_t length) {
  int64_t valid = 0;
  int64_t i = 0;
  for (; i < length && ((offset + i) & 7) != 0; ++i) valid += (validity[(offset + i) >> 3] >> ((offset + i) & 7)) & 1;
  for (; i + 64 <= length; i += 64) {
    uint64_t word;
    std::memcpy(&word, validity + ((offset + i) >> 3), 8);
    valid += std::popcount(word);
  }
  for (; i < length; ++i) valid += (validity[(offset + i) >> 3] >> ((offset + i) & 7)) & 1;
  return length - valid;
}

}  // namespace

ArrayView::ArrayView(const ArrowSchema& schema, const ArrowArray& array, int64_t parent_offset,
                     const std::string& where, int64_t length)
    : where_(where) {
  if (array.release == nullptr) invalid(where, "array already released");
  if (array.length < 0) invalid(where, "negative length " + std::to_string(array.length));
  if (array.offset < 0) invalid(where, "negative offset " + std::to_string(array.offset));
  if (array.null_count < -1 || array.null_count > array.length)
    invalid(where, "null_count " + std::to_string(array.null_count) + " outside [-1, " +
                       std::to_string(array.length) + "]");
  if (array.n_buffers < 0 || (array.n_buffers > 0 && array.buffers == nullptr))
    invalid(where, "buffer list missing");
  if (length > array.length - parent_offset)
    invalid(where, std::to_string(array.length) + " values for " + std::to_string(parent_offset + length) + " rows");
  length_ = length >= 0 ? length : array.length;
  offset_ = array.offset + parent_offset;

  std::string_view format(schema.format == nullptr ? "" : schema.format);
  auto need_buffers = [&](int64_t n) {
    if (array.n_buffers != n)
      invalid(where, "format '" + std::string(format) + "' needs " + std::to_string(n) +
                         " buffers, got " + std::to_string(array.n_buffers));
  };
  auto buffer = [&](int64_t k) { return static_cast<const uint8_t*>(array.buffers[k]); };
  auto need_data = [&](int64_t k, const char* what) {
    if (length_ > 0 && array.buffers[k] == nullptr) invalid(where, std::string(what) + " buffer is null");
  };

  if (schema.dictionary != nullptr) {
    if (array.dictionary == nullptr) invalid(where, "dictionary-encoded schema but no dictionary array");
    layout_ = Layout::Dictionary;
    need_buffers(2);
    need_data(1, "index");
    static constexpr std::string_view index_formats = "cCsSiIlL";
    size_t pos = format.size() == 1 ? index_formats.find(format[0]) : std::string_view::npos;
    if (pos == std::string_view::npos) invalid(where, "dictionary index format '" + std::string(format) + "'");
    width_ = 1 << (pos / 2);
    index_signed_ = pos % 2 == 0;
    values_ = buffer(1);
    dictionary_ = std::make_shared<ArrayView>(*schema.dictionary, *array.dictionary, 0, where + " dictionary");
  } else if (format == "n") {
    layout_ = Layout::Null;
  } else if (format == "b") {
    layout_ = Layout::Bits;
    need_buffers(2);
    need_data(1, "values");
    values_ = buffer(1);
  } else if (format.size() == 1 && std::string_view("cCsSiIlLefg").find(format[0]) != std::string_view::npos) {
    layout_ = Layout::Fixed;
    need_buffers(2);
    need_data(1, "values");
    format_char_ = format[0];
    switch (format_char_) {
      case 'c': case 'C': width_ = 1; break;
      case 's': case 'S': case 'e': width_ = 2; break;
      case 'i': case 'I': case 'f': width_ = 4; break;
      default: width_ = 8; break;
    }
    values_ = buffer(1);
  } else if (format == "tdD" || (format.size() == 3 && format.starts_with("tt") &&
                                 (format[2] == 's' || format[2] == 'm'))) {
    layout_ = Layout::Fixed;
    need_buffers(2);
    need_data(1, "values");
    format_char_ = 'i';
    width_ = 4;
    values_ = buffer(1);
  } else if (format == "tdm" || (format.size() == 3 && format.starts_with("tt")) ||
             (format.size() == 3 && format.starts_with("tD")) || (format.size() >= 4 && format.starts_with("ts"))) {
    layout_ = Layout::Fixed;
    need_buffers(2);
    need_data(1, "values");
    format_char_ = 'l';
    width_ = 8;
    values_ = buffer(1);
  } else if (format.starts_with("d:")) {
    layout_ = Layout::Fixed;
    need_buffers(2);
    need_data(1, "values");
    format_char_ = 'd';
    width_ = 16;
    values_ = buffer(1);
  } else if (format == "u" || format == "z" || format == "U" || format == "Z") {
    bool large = format == "U" || format == "Z";
    layout_ = large ? Layout::Offsets64 : Layout::Offsets32;
    need_buffers(3);
    need_data(1, "offsets");
    if (length_ > 0 && array.buffers[2] == nullptr) {
      // A null data buffer is legal only when every string is empty; point at a harmless byte.
      static const uint8_t empty = 0;
      data_ = &empty;
    } else {
      data_ = buffer(2);
    }
    offsets_ = array.buffers[1];
    // The data buffer's size is not part of the interface; the last offset is its bound.
    if (length_ > 0) {
      int64_t end = offset_ + length_;
      if (large) {
        std::memcpy(&data_end_, static_cast<const char*>(offsets_) + end * 8, 8);
      } else {
        int32_t last;
        std::memcpy(&last, static_cast<const char*>(offsets_) + end * 4, 4);
        data_end_ = last;
      }
      if (data_end_ < 0) invalid(where, "last offset " + std::to_string(data_end_) + " is negative");
      if (array.buffers[2] == nullptr && data_end_ > 0)
        invalid(where, "data buffer is null but offsets reach " + std::to_string(data_end_));
    }
  } else if (format == "vu" || format == "vz") {
    layout_ = Layout::View;
    if (array.n_buffers < 3)
      invalid(where, "view format needs at least 3 buffers, got " + std::to_string(array.n_buffers));
    need_data(1, "views");
    values_ = buffer(1);
    n_variadic_ = array.n_buffers - 3;
    variadic_ = reinterpret_cast<const void* const*>(array.buffers + 2);
    variadic_sizes_ = static_cast<const int64_t*>(array.buffers[array.n_buffers - 1]);
    if (n_variadic_ > 0 && variadic_sizes_ == nullptr) invalid(where, "variadic buffer sizes missing");
  } else if (format.starts_with("w:")) {
    layout_ = Layout::FixedBinary;
    need_buffers(2);
    need_data(1, "values");
    long w = std::strtol(schema.format + 2, nullptr, 10);
    if (w < 0 || w > (1 << 30)) invalid(where, "fixed_size_binary width " + std::to_string(w));
    width_ = static_cast<int>(w);
    values_ = buffer(1);
  } else {
    layout_ = Layout::Opaque;
  }

  // Unions and run-end encoded arrays have no validity buffer; everything else has it at 0.
  bool has_validity_slot = layout_ != Layout::Null && !format.starts_with("+u") && format != "+r";
  if (has_validity_slot && array.n_buffers > 0) validity_ = buffer(0);
  if (layout_ == Layout::Null) {
    null_count_ = length_;
  } else if (validity_ == nullptr) {
    null_count_ = 0;
  } else {
    bool whole = length_ == array.length && parent_offset == 0;
    null_count_ = whole && array.null_count >= 0 ? array.null_count : count_nulls(validity_, offset_, length_);
  }
}

void ArrayView::bad_offsets(int64_t i, int64_t a, int64_t b) const {
  invalid(where_, "row " + std::to_string(i) + ": offsets go from " + std::to_string(a) + " to " +
                      std::to_string(b) + ", expected non-negative and non-decreasing");
}

void ArrayView::bad_view(int64_t i, const char* what) const {
  invalid(where_, "row " + std::to_string(i) + ": string view " + what);
}

void ArrayView::bad_index(int64_t i, int64_t k) const {
  invalid(where_, "row " + std::to_string(i) + ": dictionary index " + std::to_string(k) +
                      " outside [0, " + std::to_string(dictionary_->length()) + ")");
}

}  // namespace truthound
