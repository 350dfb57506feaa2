// Exact minimum and maximum. Integers, decimals and temporal values are compared as 128-bit
// integers (wide enough for uint64 and decimal128), floats as doubles (NaN never enters), and
// strings and binaries bytewise. Merge takes the min of mins and the max of maxes.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <string>
#include <string_view>

#include "truthound/bytes.hpp"

namespace truthound {

class IntRange {
 public:
  void update(int128 v) {
    if (!any_) {
      min_ = max_ = v;
      any_ = true;
      return;
    }
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }
  void merge(const IntRange& other);
  void serialize(ByteWriter& out) const;
  static IntRange deserialize(ByteReader& in);
  bool empty() const { return !any_; }
  int128 min() const { return min_; }
  int128 max() const { return max_; }
  bool operator==(const IntRange&) const = default;

 private:
  bool any_ = false;
  int128 min_ = 0, max_ = 0;
};

class FloatRange {
 public:
  // Callers pass non-NaN values only; -0.0 and +0.0 compare equal and the first seen is kept.
  void update(double v) {
    if (!any_) {
      min_ = max_ = v;
      any_ = true;
      return;
    }
    if (v < min_) min_ = v;
    if (v > max_) max_ = v;
  }
  void merge(const FloatRange& other);
  void serialize(ByteWriter& out) const;
  static FloatRange deserialize(ByteReader& in);
  bool empty() const { return !any_; }
  double min() const { return min_; }
  double max() const { return max_; }
  bool operator==(const FloatRange& o) const {
    return any_ == o.any_ && std::bit_cast<uint64_t>(min_) == std::bit_cast<uint64_t>(o.min_) &&
           std::bit_cast<uint64_t>(max_) == std::bit_cast<uint64_t>(o.max_);
  }

 private:
  bool any_ = false;
  double min_ = 0, max_ = 0;
};

class BytesRange {
 public:
  void update(std::string_view v) {
    if (!any_) {
      min_.assign(v);
      max_.assign(v);
      any_ = true;
      return;
    }
    if (v < std::string_view(min_)) min_.assign(v);
    if (v > std::string_view(max_)) max_.assign(v);
  }
  void merge(const BytesRange& other);
  void serialize(ByteWriter& out) const;
  static BytesRange deserialize(ByteReader& in);
  bool empty() const { return !any_; }
  const std::string& min() const { return min_; }
  const std::string& max() const { return max_; }
  bool operator==(const BytesRange&) const = default;

 private:
  bool any_ = false;
  std::string min_, max_;
};

}  // namespace truthound
