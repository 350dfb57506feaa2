#include "truthound/stats/range.hpp"

#include <cmath>

namespace truthound {
void IntRange::merge(const IntRange& other) {
  if (other.any_) {
    update(other.min_);
    update(other.max_);
  }
}

void IntRange::serialize(ByteWriter& out) const {
  out.put_bool(any_);
  if (!any_) return;
  out.put_i128(min_);
  out.put_i128(max_);
}

IntRange IntRange::deserialize(ByteReader& in) {
  IntRange r;
  r.any_ = in.get_bool("integer range flag");
  if (!r.any_) return r;
  r.min_ = in.get_i128("integer minimum");
  r.max_ = in.get_i128("integer maximum");
  if (r.min_ > r.max_) in.fail("integer minimum is greater than the maximum");
  return r;
}

void FloatRange::merge(const FloatRange& other) {
  if (other.any_) {
    update(other.min_);
    update(other.max_);
  }
}

void FloatRange::serialize(ByteWriter& out) const {
  out.put_bool(any_);
  if (!any_) return;
  out.put_f64(min_);
  out.put_f64(max_);
}

FloatRange FloatRange::deserialize(ByteReader& in) {
  FloatRange r;
  r.any_ = in.get_bool("float range flag");
  if (!r.any_) return r;
  r.min_ = in.get_f64("float minimum");
  r.max_ = in.get_f64("float maximum");
  if (std::isnan(r.min_) || std::isnan(r.max_) || r.min_ > r.max_)
    in.fail("float range is NaN or its minimum exceeds its maximum");
  return r;
}

void BytesRange::update_slow(std::string_view v, uint64_t key) {
  if (!any_) {
    min_.assign(v);
    max_.assign(v);
    min_key_ = max_key_ = key;
    any_ = true;
    return;
  }
  // A key below min's is a value below min; an equal key needs the bytes, unless both values fit
  // in the key with the same length (then they are equal).
  const bool fits = v.size() <= 8;
  if (key < min_key_ || (key == min_key_ && !(fits && v.size() == min_.size()) && v < std::string_view(min_))) {
    min_.assign(v);
    min_key_ = key;
  } else if (key > max_key_ ||
             (key == max_key_ && !(fits && v.size() == max_.size()) && v > std::string_view(max_))) {
    max_.assign(v);
    max_key_ = key;
  }
}

void BytesRange::merge(const BytesRange& other) {
  if (other.any_) {
    update(other.min_);
    update(other.max_);
  }
}

void BytesRange::serialize(ByteWriter& out) const {
  out.put_bool(any_);
  if (!any_) return;
  out.put_bytes(min_);
  out.put_bytes(max_);
}

BytesRange BytesRange::deserialize(ByteReader& in) {
  BytesRange r;
  r.any_ = in.get_bool("string range flag");
  if (!r.any_) return r;
  r.min_ = std::string(in.get_bytes("string minimum"));
  r.max_ = std::string(in.get_bytes("string maximum"));
  r.min_key_ = prefix_key(r.min_);
  r.max_key_ = prefix_key(r.max_);
  if (r.min_ > r.max_) in.fail("string minimum sorts after the maximum");
  return r;
}

}  // namespace truthound
