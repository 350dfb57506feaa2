// Lengths of string and binary values, in Unicode code points and in bytes: min, max and sum.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "truthound/bytes.hpp"

namespace truthound {

class Lengths {
 public:
  void update(uint64_t chars, uint64_t bytes) {
    ++n_;
    min_chars_ = std::min(min_chars_, chars);
    max_chars_ = std::max(max_chars_, chars);
    sum_chars_ += chars;
    min_bytes_ = std::min(min_bytes_, bytes);
    max_bytes_ = std::max(max_bytes_, bytes);
    sum_bytes_ += bytes;
  }
  void merge(const Lengths& other);
  void serialize(ByteWriter& out) const;
  static Lengths deserialize(ByteReader& in);

  uint64_t count() const { return n_; }
  uint64_t min_chars() const { return min_chars_; }
  uint64_t max_chars() const { return max_chars_; }
  double mean_chars() const { return n_ ? static_cast<double>(sum_chars_) / static_cast<double>(n_) : 0; }
  uint64_t min_bytes() const { return min_bytes_; }
  uint64_t max_bytes() const { return max_bytes_; }
  uint64_t sum_bytes() const { return sum_bytes_; }
  double mean_bytes() const { return n_ ? static_cast<double>(sum_bytes_) / static_cast<double>(n_) : 0; }
  bool operator==(const Lengths&) const = default;

 private:
  uint64_t n_ = 0;
  uint64_t min_chars_ = std::numeric_limits<uint64_t>::max(), max_chars_ = 0, sum_chars_ = 0;
  uint64_t min_bytes_ = std::numeric_limits<uint64_t>::max(), max_bytes_ = 0, sum_bytes_ = 0;
};

}  // namespace truthound
