#include "truthound/stats/nullity.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>

#include "truthound/error.hpp"

namespace truthound {

NullityCounts::NullityCounts(uint32_t columns) : k_(columns) {
  if (columns > MAX_COLUMNS)
    throw InvalidInput("nullity over " + std::to_string(columns) + " columns, at most " + std::to_string(MAX_COLUMNS));
  nulls_.assign(k_, 0);
  both_.assign(static_cast<size_t>(k_) * (k_ ? k_ - 1 : 0) / 2, 0);
}

void NullityCounts::update(const std::vector<const uint64_t*>& null_bits, uint64_t rows) {
  if (null_bits.size() != k_) throw InvalidInput("nullity: " + std::to_string(null_bits.size()) + " columns given, expected " + std::to_string(k_));
  rows_ += rows;
  const uint64_t words = (rows + 63) / 64;
  for (uint32_t i = 0; i < k_; ++i) {
    const uint64_t* a = null_bits[i];
    if (a == nullptr) continue;
    uint64_t n = 0;
    for (uint64_t w = 0; w < words; ++w) n += static_cast<uint64_t>(std::popcount(a[w]));
    nulls_[i] += n;
    for (uint32_t j = i + 1; j < k_; ++j) {
      const uint64_t* b = null_bits[j];
      if (b == nullptr) continue;
      uint64_t both = 0;
      for (uint64_t w = 0; w < words; ++w) both += static_cast<uint64_t>(std::popcount(a[w] & b[w]));
      both_[index(i, j)] += both;
    }
  }
}

void NullityCounts::merge(const NullityCounts& other) {
  if (other.k_ != k_)
    throw InvalidInput("cannot merge nullity counts of " + std::to_string(k_) + " and " + std::to_string(other.k_) + " columns");
  rows_ += other.rows_;
  for (uint32_t c = 0; c < k_; ++c) nulls_[c] += other.nulls_[c];
  for (size_t p = 0; p < both_.size(); ++p) both_[p] += other.both_[p];
}

std::optional<double> NullityCounts::correlation(uint32_t i, uint32_t j) const {
  const double n = static_cast<double>(rows_);
  const double a = static_cast<double>(nulls_[i]), b = static_cast<double>(nulls_[j]);
  if (a == 0 || b == 0 || a == n || b == n) return std::nullopt;
  const double ab = static_cast<double>(both_[index(i, j)]);
  // phi = (n*ab - a*b) / sqrt(a (n - a) b (n - b)), all in exact integers up to 2^53
  double r = (n * ab - a * b) / std::sqrt(a * (n - a) * b * (n - b));
  return std::max(-1.0, std::min(1.0, r));
}

void NullityCounts::serialize(ByteWriter& out) const {
  out.put_varint(k_);
  out.put_varint(rows_);
  for (uint64_t v : nulls_) out.put_varint(v);
  for (uint64_t v : both_) out.put_varint(v);
}

NullityCounts NullityCounts::deserialize(ByteReader& in) {
  uint64_t k = in.get_count("nullity column count", MAX_COLUMNS);
  NullityCounts c(static_cast<uint32_t>(k));
  c.rows_ = in.get_varint("nullity rows");
  for (uint64_t& v : c.nulls_) {
    v = in.get_varint("nullity null count");
    if (v > c.rows_) in.fail("nullity: " + std::to_string(v) + " nulls in " + std::to_string(c.rows_) + " rows");
  }
  for (uint32_t i = 0; i < c.k_; ++i)
    for (uint32_t j = i + 1; j < c.k_; ++j) {
      uint64_t& v = c.both_[c.index(i, j)];
      v = in.get_varint("nullity pair count");
      if (v > c.nulls_[i] || v > c.nulls_[j]) in.fail("nullity: a pair has more joint nulls than one of its columns");
    }
  return c;
}

}  // namespace truthound
