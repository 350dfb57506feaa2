#include "truthound/stats/lengths.hpp"

namespace truthound {

void Lengths::merge(const Lengths& other) {
  n_ += other.n_;
  min_chars_ = std::min(min_chars_, other.min_chars_);
  max_chars_ = std::max(max_chars_, other.max_chars_);
  sum_chars_ += other.sum_chars_;
  min_bytes_ = std::min(min_bytes_, other.min_bytes_);
  max_bytes_ = std::max(max_bytes_, other.max_bytes_);
  sum_bytes_ += other.sum_bytes_;
}

void Lengths::serialize(ByteWriter& out) const {
  out.put_varint(n_);
  if (n_ == 0) return;
  out.put_varint(min_chars_);
  out.put_varint(max_chars_);
  out.put_varint(sum_chars_);
  out.put_varint(min_bytes_);
  out.put_varint(max_bytes_);
  out.put_varint(sum_bytes_);
}

Lengths Lengths::deserialize(ByteReader& in) {
  Lengths l;
  l.n_ = in.get_varint("length count");
  if (l.n_ == 0) return l;
  l.min_chars_ = in.get_varint("minimum length");
  l.max_chars_ = in.get_varint("maximum length");
  l.sum_chars_ = in.get_varint("total length");
  l.min_bytes_ = in.get_varint("minimum byte length");
  l.max_bytes_ = in.get_varint("maximum byte length");
  l.sum_bytes_ = in.get_varint("total byte length");
  if (l.min_chars_ > l.max_chars_ || l.min_bytes_ > l.max_bytes_ || l.max_chars_ > l.max_bytes_ ||
      l.min_chars_ > l.min_bytes_)
    in.fail("string length bounds are inconsistent");
  return l;
}

}  // namespace truthound
