// Distinct count: exact while small, then a sketch: ExaLogLog (exaloglog.hpp, partial format 2)
// or HyperLogLog (hll.hpp, partial format 1, kept so that format-1 partials load and merge).
//
// Up to `exact_limit` distinct hashes are kept in an open-addressing hash set (linear probing,
// power-of-two capacity, load at most 1/4 while the table is small and 1/2 beyond), so the count
// is exact. The insert that would exceed the limit replays every hash of the set into a
// sketch and drops the set; from then on only the sketch is updated. The sketch then
// holds exactly what it would hold had it seen the whole stream, and the mode depends only on the
// number of distinct hashes, so the state is a function of the set of hashes alone: any
// partitioning and any merge order give byte-identical partials.
//
// Inputs are already hashed (hash::of_u64 / hash::of_bytes) and must be uniform: the table is
// indexed by their top bits, and the counter never hashes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "truthound/bytes.hpp"
#include "truthound/stats/exaloglog.hpp"
#include "truthound/stats/hll.hpp"

namespace truthound {

namespace distinct {
inline constexpr uint32_t DEFAULT_EXACT_LIMIT = 100'000;
// Serialized mode tags.
inline constexpr uint8_t MODE_EXACT = 0;
inline constexpr uint8_t MODE_SKETCH = 1;
}  // namespace distinct

// The sketch a counter turns into past its exact limit. Not serialized: the partial's format
// version says which (1: HyperLogLog, 2: ExaLogLog).
enum class DistinctSketch : uint8_t { HyperLogLog = 1, ExaLogLog = 2 };

class DistinctCounter {
 public:
  // Exact up to `exact_limit` distinct hashes, then a sketch of `precision` (HyperLogLog 4..18,
  // ExaLogLog 4..16, else InvalidInput).
  explicit DistinctCounter(uint32_t exact_limit = distinct::DEFAULT_EXACT_LIMIT,
                           uint8_t precision = ell::DEFAULT_PRECISION,
                           DistinctSketch sketch = DistinctSketch::ExaLogLog);

  // Adds one hashed value.
  void update(uint64_t hash) {
    if (ell_) {
      ell_->update(hash);
    } else if (hll_) {
      hll_->update(hash);
    } else {
      insert_exact(hash);
    }
  }
  // Adds n hashed values; same result as n single updates, faster for large sets.
  void update(const uint64_t* hashes, size_t n);
  // Set union while the union has at most exact_limit hashes, else the sketch of the union;
  // other untouched. Different settings (sketch kind included) throw InvalidInput.
  void merge(const DistinctCounter& other);

  // True while the count is exact (at most exact_limit distinct hashes seen).
  bool is_exact() const { return !hll_ && !ell_; }
  // The exact count when is_exact(), else the sketch's estimate rounded to the nearest integer.
  uint64_t estimate() const;
  // 0 when exact, else the sketch's own standard error: ExaLogLog 0.3524 / sqrt(m) (0.389% at
  // p = 13), HyperLogLog 1.04 / sqrt(m).
  double relative_standard_error() const;
  // What relative_standard_error() becomes once past the exact limit.
  double sketch_standard_error() const;
  uint32_t exact_limit() const { return exact_limit_; }
  uint8_t precision() const { return precision_; }
  DistinctSketch sketch_kind() const { return sketch_; }
  // Bytes held by this counter, table or sketch included.
  size_t memory_bytes() const;

  // varint exact_limit, u8 precision, u8 mode, then either the exact set (varint count, then the
  // sorted hashes delta-coded as varints) or the sketch.
  void serialize(ByteWriter& out) const;
  // Throws CorruptPartial on bad settings, mode, count, order or sketch. `sketch` comes from the
  // partial's format version.
  static DistinctCounter deserialize(ByteReader& in, DistinctSketch sketch = DistinctSketch::ExaLogLog);

  // Same settings and the same set (exact) or the same registers (sketch).
  bool operator==(const DistinctCounter& other) const;

 private:
  // The table is indexed by the top bits of the hash (inputs are XXH64 outputs, already uniform),
  // so slot order is nearly hash order: serialization sorts in linear time and deserialization
  // fills the table front to back.
  size_t home_of(uint64_t hash) const { return static_cast<size_t>(hash >> shift_); }
  // Fast path: a repeat found in its first two slots (almost every repeat), or a new hash whose
  // home slot is free while there is room. Everything else (hash 0, the first insert, longer
  // probes, growth, the switch to HLL) goes to insert_slow.
  void insert_exact(uint64_t hash) {
    if (hash != 0 && !table_.empty()) {
      const size_t i = home_of(hash);
      const uint64_t a = table_[i];
      const uint64_t b = table_[i + 1];  // the pad slot after the last one is always 0
      // One branch instead of two: a compare-and-branch per slot mispredicts on displaced keys.
      if (std::min(a ^ hash, b ^ hash) == 0) return;
      if (a == 0 && count_ < fast_room_) {
        table_[i] = hash;
        ++count_;
        return;
      }
    }
    insert_slow(hash);
  }
  void insert_slow(uint64_t hash);
  // Rebuilds the table with `new_capacity` slots (a power of two, at least capacity_for(count_)).
  void rehash(size_t new_capacity);
  // Lays out sorted non-zero hashes in the empty table.
  void place_sorted(const uint64_t* hashes, size_t n);
  // Recomputes fast_room_ after the capacity or the zero flag changed.
  void update_room();
  // Replays the set into a new sketch and drops the set.
  void to_sketch();
  void sketch_update(uint64_t hash) {
    if (ell_)
      ell_->update(hash);
    else
      hll_->update(hash);
  }
  uint64_t exact_count() const { return count_ + (has_zero_ ? 1 : 0); }
  size_t capacity() const { return table_.empty() ? 0 : table_.size() - 1; }
  bool contains(uint64_t hash) const;
  // The exact set, sorted.
  std::vector<uint64_t> sorted_hashes() const;

  uint32_t exact_limit_;
  uint8_t precision_;
  DistinctSketch sketch_;
  // Exact mode: 0 marks an empty slot, so the hash 0 is kept in has_zero_.
  bool has_zero_ = false;
  unsigned shift_ = 64;  // 64 - log2(capacity)
  size_t count_ = 0;     // non-zero hashes in table_
  // Inserts allowed on the fast path while count_ is below this: the load and the limit in one.
  size_t fast_room_ = 0;
  // capacity() slots plus one pad slot that stays 0, so the fast path may read table_[i + 1].
  std::vector<uint64_t> table_;
  // Sketch mode: one of these is set once the limit is exceeded; table_ is then empty.
  std::optional<HyperLogLog> hll_;
  std::optional<ExaLogLog> ell_;
};

}  // namespace truthound
