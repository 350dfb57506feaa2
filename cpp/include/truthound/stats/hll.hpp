// HyperLogLog: a mergeable distinct-count sketch over 64-bit hashes (Flajolet, Fusy, Gandouet,
// Meunier 2007). m = 2^p one-byte registers each keep the largest "rank" (position of the first
// 1-bit after the p index bits) seen for their bucket; merge is a register-wise max, so it is
// commutative, associative and idempotent. The estimate is Ertl's improved raw estimator
// ("New cardinality estimation algorithms for HyperLogLog sketches", 2017, arXiv:1702.01284,
// Algorithm 6), which is unbiased from 0 to 2^64 without bias tables or linear counting; its
// relative standard error is about 1.04 / sqrt(m).
//
// Inputs are already hashed (hash::of_u64 / hash::of_bytes): the sketch never hashes.
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

#include "truthound/bytes.hpp"

namespace truthound {

namespace hll {
inline constexpr uint8_t MIN_PRECISION = 4;
inline constexpr uint8_t MAX_PRECISION = 18;
inline constexpr uint8_t DEFAULT_PRECISION = 14;
// Serialized format tags.
inline constexpr uint8_t FORMAT_SPARSE = 0;
inline constexpr uint8_t FORMAT_DENSE = 1;
}  // namespace hll

class HyperLogLog {
 public:
  // m = 2^precision registers; precision outside [4, 18] throws InvalidInput.
  explicit HyperLogLog(uint8_t precision = hll::DEFAULT_PRECISION);

  // Adds one hashed value: register = top p bits, rank = leading zeros of the rest + 1.
  void update(uint64_t hash) {
    // The sentinel bit caps the rank at 64 - p + 1 without a branch.
    const uint64_t rest = (hash << precision_) | (uint64_t{1} << (precision_ - 1));
    const auto rank = static_cast<uint8_t>(std::countl_zero(rest) + 1);
    uint8_t& reg = registers_[hash >> (64 - precision_)];
    reg = rank > reg ? rank : reg;
  }
  // Register-wise max; other untouched. Different precisions throw InvalidInput.
  void merge(const HyperLogLog& other);
  // Estimated number of distinct hashes seen: 0 for an empty sketch, at most 2^64.
  double estimate() const;
  // 1.04 / sqrt(m): one standard deviation of estimate() / true count.
  double relative_standard_error() const;
  uint8_t precision() const { return precision_; }
  // Largest valid register value, 64 - p + 1.
  uint8_t max_rank() const { return static_cast<uint8_t>(64 - precision_ + 1); }
  // Bytes held by this sketch.
  size_t memory_bytes() const { return sizeof(*this) + registers_.capacity(); }

  // Canonical form (equal registers give equal bytes): u8 precision, u8 format tag, then either
  // sparse (fewer than m/8 non-zero registers: varint count, then per register varint index delta
  // and u8 rank, indices increasing) or dense (m bytes, one per register).
  void serialize(ByteWriter& out) const;
  // Throws CorruptPartial on bad precision, tag, index, rank, order or a non-canonical form.
  static HyperLogLog deserialize(ByteReader& in);

  bool operator==(const HyperLogLog&) const = default;

 private:
  uint8_t precision_;
  std::vector<uint8_t> registers_;
};

}  // namespace truthound
