// Distinct count: exact while small, then HyperLogLog.
//
// Up to `exact_limit` distinct hashes are kept in an open-addressing hash set (linear probing,
// power-of-two capacity, load at most 1/2), so the count is exact. The insert that would exceed the
// limit replays every hash of the set into a HyperLogLog (hll.hpp) and drops the set; from then on
// only the sketch is updated. The HLL then holds exactly what it would hold had it seen the whole
// stream, and the mode depends only on the number of distinct hashes, so the state is a function of
// the set of hashes alone: any partitioning and any merge order give byte-identical partials.
//
// Inputs are already hashed (hash::of_u64 / hash::of_bytes): the counter never hashes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "truthound/bytes.hpp"
#include "truthound/stats/hll.hpp"

namespace truthound {

namespace distinct {
inline constexpr uint32_t DEFAULT_EXACT_LIMIT = 100'000;
// Serialized mode tags.
inline constexpr uint8_t MODE_EXACT = 0;
inline constexpr uint8_t MODE_SKETCH = 1;
}  // namespace distinct

class DistinctCounter {
 public:
  // Exact up to `exact_limit` distinct hashes, then an HLL of `precision` (4..18, else
  // InvalidInput).
  explicit DistinctCounter(uint32_t exact_limit = distinct::DEFAULT_EXACT_LIMIT,
                           uint8_t precision = hll::DEFAULT_PRECISION);

  // Adds one hashed value.
  void update(uint64_t hash) {
    if (hll_) {
      hll_->update(hash);
    } else {
      insert_exact(hash);
    }
  }
  // Adds n hashed values; same result as n single updates, faster for large sets.
  void update(const uint64_t* hashes, size_t n);
  // Set union while the union has at most exact_limit hashes, else the HLL of the union; other
  // untouched. Different settings throw InvalidInput.
  void merge(const DistinctCounter& other);

  // True while the count is exact (at most exact_limit distinct hashes seen).
  bool is_exact() const { return !hll_; }
  // The exact count when is_exact(), else the HLL estimate rounded to the nearest integer.
  uint64_t estimate() const;
  // 0 when exact, else the HLL's 1.04 / sqrt(m).
  double relative_standard_error() const;
  uint32_t exact_limit() const { return exact_limit_; }
  uint8_t precision() const { return precision_; }
  // Bytes held by this counter, table or sketch included.
  size_t memory_bytes() const;

  // varint exact_limit, u8 precision, u8 mode, then either the exact set (varint count, then the
  // sorted hashes delta-coded as varints) or the HyperLogLog.
  void serialize(ByteWriter& out) const;
  // Throws CorruptPartial on bad settings, mode, count, order or sketch.
  static DistinctCounter deserialize(ByteReader& in);

  // Same settings and the same set (exact) or the same registers (sketch).
  bool operator==(const DistinctCounter& other) const;

 private:
  // Fibonacci hashing: a multiply spreads even poorly mixed inputs over the table.
  size_t slot_of(uint64_t hash) const {
    return static_cast<size_t>((hash * 0x9E3779B97F4A7C15ULL) >> shift_);
  }
  // Fast path: a hash already present, or a new one that fits without growing. Everything else
  // (hash 0, the first insert, growth, the switch to HLL) goes to insert_slow.
  void insert_exact(uint64_t hash) {
    if (hash != 0 && !table_.empty()) {
      const size_t mask = table_.size() - 1;
      size_t i = slot_of(hash);
      for (;;) {
        const uint64_t slot = table_[i];
        if (slot == hash) return;
        if (slot == 0) break;
        i = (i + 1) & mask;
      }
      if (exact_count() < exact_limit_ && (count_ + 1) * 2 <= table_.size()) {
        table_[i] = hash;
        ++count_;
        return;
      }
    }
    insert_slow(hash);
  }
  void insert_slow(uint64_t hash);
  // Rebuilds the table with `capacity` slots (a power of two above twice the count).
  void rehash(size_t capacity);
  // Replays the set into a new HLL and drops the set.
  void to_sketch();
  uint64_t exact_count() const { return count_ + (has_zero_ ? 1 : 0); }
  // The exact set, sorted.
  std::vector<uint64_t> sorted_hashes() const;

  uint32_t exact_limit_;
  uint8_t precision_;
  // Exact mode: 0 marks an empty slot, so the hash 0 is kept in has_zero_.
  bool has_zero_ = false;
  unsigned shift_ = 64;
  size_t count_ = 0;  // non-zero hashes in table_
  std::vector<uint64_t> table_;
  // Sketch mode: set once the limit is exceeded; table_ is then empty.
  std::optional<HyperLogLog> hll_;
};

}  // namespace truthound
