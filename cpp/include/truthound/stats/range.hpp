// Exact minimum and maximum. Integers, decimals and temporal values are compared as 128-bit
// integers (wide enough for uint64 and decimal128), floats as doubles (NaN never enters), and
// strings and binaries bytewise. Merge takes the min of mins and the max of maxes.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
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
  // Most values differ from both the minimum and the maximum in their first 8 bytes, so one
  // integer comparison of those (big-endian, zero-padded) settles them without a memcmp: a key
  // strictly between the keys of min and max is a value strictly between min and max.
  void update(std::string_view v) {
    const uint64_t key = prefix_key(v);
    if (any_ && key > min_key_ && key < max_key_) return;
    update_slow(v, key);
  }
  void merge(const BytesRange& other);
  void serialize(ByteWriter& out) const;
  static BytesRange deserialize(ByteReader& in);
  bool empty() const { return !any_; }
  const std::string& min() const { return min_; }
  const std::string& max() const { return max_; }
  bool operator==(const BytesRange& o) const { return any_ == o.any_ && min_ == o.min_ && max_ == o.max_; }

 private:
  // The first 8 bytes as a big-endian integer, zero-padded: keys order as the bytes do, except
  // that equal keys may hold different values (longer, or differing after byte 8).
  static uint64_t prefix_key(std::string_view v) {
    uint64_t key = 0;
    if (v.size() >= 8) {
      std::memcpy(&key, v.data(), 8);
      return std::endian::native == std::endian::little ? __builtin_bswap64(key) : key;
    }
    for (size_t i = 0; i < v.size(); ++i)
      key |= static_cast<uint64_t>(static_cast<uint8_t>(v[i])) << (56 - 8 * i);
    return key;
  }
  void update_slow(std::string_view v, uint64_t key);

  bool any_ = false;
  std::string min_, max_;
  uint64_t min_key_ = 0, max_key_ = 0;  // prefix_key of min_ and max_
};

}  // namespace truthound
