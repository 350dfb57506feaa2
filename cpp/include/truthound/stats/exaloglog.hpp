// ExaLogLog: a mergeable distinct-count sketch over 64-bit hashes (Otmar Ertl, "ExaLogLog:
// Space-Efficient and Practical Approximate Distinct Counting up to the Exa-Scale", 2024,
// arXiv:2402.13726), with the maximum-likelihood estimator of that paper.
//
// m = 2^p registers. A hash gives a register index (its top p bits) and an update value
// k = 4 * nlz + s + 1, where s is the next ell::T = 2 bits and nlz the number of leading zeros of
// the remaining 64 - p - 2 bits (capped at 64 - p - 2). A register holds the largest update value
// u it has seen (8 bits) and, in ell::D = 22 more bits, which of the values u - 1 .. u - 22 it
// has seen too: 30 bits per register against HyperLogLog's 6, but with a memory-variance product
// of 3.72 against 6.45 (Fisher information of the Poisson model, worst over a period of log n).
// With the default p = 13 the dense sketch serializes to 30,720 bytes with a relative standard
// error of 0.389 %; HyperLogLog needs 2^16 six-bit registers (48 KB) for 0.41 %.
//
// Sparse first: until more than m / 4 distinct (index, update value) tokens have arrived the
// sketch is the set of those tokens, in a hash table of 4-byte slots, so an empty sketch takes
// a few dozen bytes and a small one a few bytes per distinct value. Replaying the tokens into
// registers gives exactly the registers the hashes would have given, and the mode depends only on
// the set of tokens, so the state is a function of the set of hashes alone: any partitioning and
// any merge order give byte-identical bytes. Merge is a set union or a register-wise union of the
// seen values; it is commutative, associative and idempotent.
//
// Inputs are already hashed (hash::of_u64 / hash::of_bytes): the sketch never hashes.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "truthound/bytes.hpp"

namespace truthound {

namespace ell {
// Sub-levels per power of two: update values come in groups of 2^T.
inline constexpr unsigned T = 2;
// Values below the register's maximum that the register remembers.
inline constexpr unsigned D = 22;
// Bits per register in the serialized dense form: 6 + T for the maximum, D for the history.
inline constexpr unsigned REGISTER_BITS = 6 + T + D;
inline constexpr uint8_t MIN_PRECISION = 4;
inline constexpr uint8_t MAX_PRECISION = 16;
inline constexpr uint8_t DEFAULT_PRECISION = 13;
// sqrt(m) times the relative standard error of the estimate: 1 / sqrt(n^2 I(n) / m), with I the
// Fisher information of m registers under the Poisson model, at its worst over a period of
// log2(n) (it varies by under 0.1 % there), rounded up. Recomputed from first principles in the
// tests.
inline constexpr double RSE_SQRT_M = 0.3524;
// Serialized format tags.
inline constexpr uint8_t FORMAT_SPARSE = 0;
inline constexpr uint8_t FORMAT_DENSE = 1;
}  // namespace ell

class ExaLogLog {
 public:
  // m = 2^precision registers; precision outside [4, 16] throws InvalidInput.
  explicit ExaLogLog(uint8_t precision = ell::DEFAULT_PRECISION);

  // Adds one hashed value.
  void update(uint64_t hash) {
    const uint32_t token = token_of(hash);
    if (registers_.empty()) {
      insert_token(token);
    } else {
      apply(registers_.data(), token);
    }
  }
  // Adds n hashed values; the same state as n single updates.
  void update(const uint64_t* hashes, size_t n);
  // Union with `other` (left untouched). Different precisions throw InvalidInput.
  void merge(const ExaLogLog& other);

  // Maximum-likelihood estimate of the number of distinct hashes seen: 0 when empty, at most
  // 2^64.
  double estimate() const;
  // One standard deviation of estimate() / true count: ell::RSE_SQRT_M / sqrt(m).
  double relative_standard_error() const { return relative_standard_error(precision_); }
  static double relative_standard_error(uint8_t precision);
  uint8_t precision() const { return precision_; }
  bool is_empty() const { return registers_.empty() && token_count_ == 0; }
  // True while the sketch is its set of tokens (at most m / 4 of them).
  bool is_sparse() const { return registers_.empty(); }
  // Bytes held by this sketch.
  size_t memory_bytes() const;

  // Canonical form: u8 precision, u8 format tag, then either sparse (varint token count, then
  // the tokens ascending, the first as a varint and each next one as a varint delta) or dense
  // (the m registers packed at ell::REGISTER_BITS bits each, little-endian bit order).
  void serialize(ByteWriter& out) const;
  // Throws CorruptPartial on a bad precision, tag, count, token, order or register.
  static ExaLogLog deserialize(ByteReader& in);

  // Same precision and the same token set (sparse) or the same registers (dense).
  bool operator==(const ExaLogLog& other) const;

 private:
  static constexpr uint32_t HISTORY_MASK = (uint32_t{1} << ell::D) - 1;

  // (register index << 8) | update value: everything a hash contributes, never 0.
  uint32_t token_of(uint64_t hash) const {
    const unsigned p = precision_;
    const unsigned index_and_sub = p + ell::T;
    const auto sub = static_cast<uint32_t>((hash >> (64 - index_and_sub)) & ((1u << ell::T) - 1));
    // The sentinel bit caps nlz at 64 - p - T without a branch.
    const uint64_t rest = (hash << index_and_sub) | (uint64_t{1} << (index_and_sub - 1));
    const auto nlz = static_cast<uint32_t>(std::countl_zero(rest));
    const auto index = static_cast<uint32_t>(hash >> (64 - p));
    return (index << 8) | ((nlz << ell::T) + sub + 1);
  }
  // Adds one token to the dense registers.
  static void apply(uint32_t* registers, uint32_t token) {
    uint32_t& r = registers[token >> 8];
    const uint32_t k = token & 0xFF;
    const uint32_t u = r >> ell::D;
    // Most values of a busy sketch fall more than D below the maximum: test that first.
    if (k + ell::D < u) return;
    if (k > u) {
      const uint32_t delta = k - u;
      // The old maximum and its history move down by delta; u == 0 means nothing was seen.
      const uint32_t history =
          u != 0 && delta <= ell::D ? ((uint32_t{1} << ell::D) | (r & HISTORY_MASK)) >> delta : 0;
      r = (k << ell::D) | history;
    } else if (k < u) {
      r |= uint32_t{1} << (ell::D - (u - k));
    }
  }
  static uint32_t merge_register(uint32_t a, uint32_t b);
  uint32_t max_update_value() const { return (65u - precision_ - ell::T) << ell::T; }
  size_t sparse_limit() const { return (size_t{1} << precision_) / 4; }
  void insert_token(uint32_t token);
  void grow_table(size_t capacity);
  // The dense registers the sparse tokens make.
  std::vector<uint32_t> registers_of_tokens() const;
  void to_dense();
  std::vector<uint32_t> sorted_tokens() const;

  uint8_t precision_;
  // Sparse mode: open addressing with linear probing, 0 marks an empty slot, load at most 1/2.
  std::vector<uint32_t> table_;
  size_t token_count_ = 0;
  // Dense mode: m registers of ell::REGISTER_BITS bits, one per uint32; table_ is then empty.
  std::vector<uint32_t> registers_;
};

}  // namespace truthound
