// Most and least frequent values of a column ("top values" and "bottom values").
//
// Exact while the column has at most `exact_capacity` distinct values: an open-addressing hash map
// from each value's 64-bit hash to its count and its bytes (cut to MAX_VALUE_BYTES). One more
// distinct value turns it into a Misra–Gries summary (Misra & Gries 1982) with k =
// `sketch_capacity` counters, in the batched, mergeable form of Agarwal, Cormode, Huang, Phillips,
// Wei and Yi, "Mergeable Summaries" (PODS 2012): counters are added; whenever 2k values are
// tracked (and on leaving the exact mode) a purge subtracts the (k+1)-th largest count c from
// every counter, drops those left at zero and adds c to the error offset. Each purge removes at
// least (k+1)·c of weight, so for every value
//     true count − maximum_error() ≤ estimate ≤ true count,   maximum_error() ≤ n / (k+1),
// a value not tracked has a true count of at most maximum_error(), and every value whose true
// count exceeds maximum_error() is tracked. The set a purge keeps, {count > c}, does not depend on
// the order of the counters, so state, merge and bytes are deterministic whatever the layout.
//
// Identity is the 64-bit hash alone (hash::of_bytes of the canonical value bytes): two distinct
// values with equal hashes count as one. Among d distinct values that happens with probability
// about d²/2⁶⁵ (3e-8 at a million), so it is ignored.
//
// Memory in proportion to content (issue 14). The table is linear probing over a slot array
// of any size, each hash's home slot being hash·size/2⁶⁴ (Lemire's multiply-shift range
// reduction, "Fast random integer generation in an interval", 2019), so it grows by half, not by
// doubling; it is at most 1/4 full up to 16,384 slots (a repeat nearly always hits its home slot,
// which keeps the kernel's per-value cost) and at most 1/2 full beyond. A slot is 16 bytes: hash
// and count. Values of 8 bytes
// whose hash is hash::of_u64 of them (numbers, dates, booleans: `fixed_width`) are not stored at
// all, since that hash is a bijection (hash::inverse_of_u64 gives the value back); other values'
// bytes sit in one arena, with an 8-byte reference per slot. An empty summary holds no table,
// and a decoded one holds only its entries, densely, until something is added to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "truthound/bytes.hpp"
#include "truthound/hash.hpp"

namespace truthound {

namespace frequent {
inline constexpr uint32_t DEFAULT_EXACT_CAPACITY = 16'384;  // distinct values tracked exactly
inline constexpr uint32_t DEFAULT_SKETCH_CAPACITY = 768;  // Misra–Gries counters k once past it
inline constexpr uint32_t MAX_CAPACITY = 1u << 20;          // upper limit of either setting
// Longer values are stored cut (at a UTF-8 character boundary when the cut would split one, so at
// most 3 bytes shorter) and flagged truncated; their identity stays the hash of the full value.
inline constexpr uint32_t MAX_VALUE_BYTES = 1'024;
// Serialized mode tags.
inline constexpr uint8_t MODE_EXACT = 0;
inline constexpr uint8_t MODE_SKETCH = 1;
// How the entries are written: with their hashes (partial formats 1 and 2), or compactly
// (format 3; see serialize()).
enum class Layout : uint8_t { Hashed, Compact };
}  // namespace frequent

struct FrequentItem {
  std::string value;     // the value's canonical bytes, at most MAX_VALUE_BYTES of them
  bool truncated;        // value holds only a prefix of the real value
  uint64_t count;        // estimated count (exact when the summary is exact)
  uint64_t lower_bound;  // the true count is at least this (= count)
  uint64_t upper_bound;  // the true count is at most this (= count + maximum_error())
  bool operator==(const FrequentItem&) const = default;
};

// One tracked value with its hash (FrequentItems::by_hash).
struct HashedItem {
  uint64_t hash;
  uint64_t count;
  std::string value;
  bool truncated;
};

class FrequentItems {
 public:
  // Requires 1 ≤ sketch_capacity ≤ exact_capacity ≤ frequent::MAX_CAPACITY, else InvalidInput.
  // `fixed_width`: every value is 8 bytes and its hash is hash::of_u64 of them.
  explicit FrequentItems(uint32_t exact_capacity = frequent::DEFAULT_EXACT_CAPACITY,
                         uint32_t sketch_capacity = frequent::DEFAULT_SKETCH_CAPACITY,
                         bool fixed_width = false);

  // Adds `count` occurrences of one non-null value: `hash` is hash::of_bytes(value) (hash::of_u64
  // for numbers). The bytes are read only when the hash is new (never when fixed_width). Throws
  // InvalidInput if the total would pass 2^64 − 1. Defined below: the per-value hot path.
  void update(uint64_t hash, std::string_view value, uint64_t count = 1);
  // Adds other's counts and error offsets; stays exact if both are and the union fits, else purges
  // as above. Other untouched; an empty summary is the identity. Deterministic and commutative.
  // Different settings (or a total past 2^64 − 1) throw InvalidInput.
  void merge(const FrequentItems& other);

  // Every count is exact and every distinct value seen is present.
  bool is_exact() const { return mode_ == frequent::MODE_EXACT; }
  // Total count seen, n.
  uint64_t total() const { return total_; }
  // 0 when exact; else the most any count may be under-estimated (the Misra–Gries offset).
  uint64_t maximum_error() const { return offset_; }
  // Number of distinct values tracked: ≤ exact_capacity when exact, < 2·sketch_capacity otherwise.
  size_t size() const { return size_; }
  uint32_t exact_capacity() const { return exact_capacity_; }
  uint32_t sketch_capacity() const { return sketch_capacity_; }
  bool fixed_width() const { return fixed_; }

  // The n largest counts, count descending, ties by value bytes ascending (a truncated value after
  // an untruncated one with the same bytes), then hash ascending.
  std::vector<FrequentItem> top(size_t n) const;
  // The n smallest counts, count ascending, same tie rule; empty unless is_exact(), since a sketch
  // knows nothing of the values it dropped.
  std::vector<FrequentItem> bottom(size_t n) const;
  // Every tracked value, in increasing hash order.
  std::vector<HashedItem> by_hash() const;

  // Canonical form: varint exact_capacity, varint sketch_capacity, u8 mode, varint total, varint
  // error offset, varint entry count, then the entries.
  //  - Layout::Hashed, in strictly increasing hash order: u64 hash, varint count, bool truncated,
  //    length-prefixed value bytes.
  //  - Layout::Compact, fixed_width: in strictly increasing order of the value read as a u64
  //    little-endian, varint (value − previous value, the first against 0), varint count. Else in
  //    strictly increasing hash order: varint count, varint (length · 2 + truncated), the value
  //    bytes, and the u64 hash only for a truncated value (whose hash is the full value's).
  void serialize(ByteWriter& out, frequent::Layout layout = frequent::Layout::Compact) const;
  // Throws CorruptPartial on bad settings, mode, offset, entry count, order, count, value length,
  // a fixed-width entry whose bytes or hash disagree, or counts that do not add up to the total;
  // never reads past the end.
  static FrequentItems deserialize(ByteReader& in, bool fixed_width = false,
                                   frequent::Layout layout = frequent::Layout::Compact);

  // Calls fn(hash, count, value, truncated) once per tracked entry, in table order (which depends
  // on the insertion history: callers that need an order sort). The value view lives for the call.
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].count == 0) continue;
      if (fixed_) {
        char bytes[8];
        const uint64_t v = value_bits(slots_[i].hash);
        std::memcpy(bytes, &v, 8);
        fn(slots_[i].hash, slots_[i].count, std::string_view(bytes, 8), false);
        continue;
      }
      const Ref ref = refs_[i];
      fn(slots_[i].hash, slots_[i].count,
         std::string_view(arena_).substr(ref.offset, ref.length & ~TRUNCATED_BIT),
         (ref.length & TRUNCATED_BIT) != 0);
    }
  }
  // Calls fn(hash, count) once per tracked entry, in table order (no value bytes).
  template <typename Fn>
  void for_each_hash(Fn&& fn) const {
    for (const Slot& s : slots_)
      if (s.count != 0) fn(s.hash, s.count);
  }
  // Whether a value with this hash is tracked.
  bool contains(uint64_t hash) const;
  // Distinct values of the union with `other` while both are exact (no change to either's
  // content; a dense summary gets its table).
  size_t union_size(const FrequentItems& other);
  // The summary was decoded and nothing has been added since: its entries are held densely,
  // in the order they were written, without a hash table (a merge input is only read). The first update or merge
  // into it builds the table.
  bool is_dense() const { return dense_; }
  // Builds the hash table of a dense summary (what the first update would do).
  void index() {
    if (dense_) make_table();
  }

  // Called, while the summary is still exact and before anything changes, when a distinct value
  // past exact_capacity() arrives through update(): the column state moves the exact table into
  // its sketches then (frequency first, column_state.hpp). Not part of the state: not copied into
  // comparisons or bytes; set only for the duration of one update.
  using OverflowHook = void (*)(void* context);
  void set_overflow_hook(OverflowHook hook, void* context) {
    hook_ = hook;
    hook_context_ = context;
  }

  // Same settings, mode, total, offset and entries (the hash-map layout is not compared).
  bool operator==(const FrequentItems& other) const;
  // Bytes held by this summary.
  size_t memory_bytes() const;

  // A moved-from FrequentItems may only be assigned to or destroyed.

 private:
  // The probed part of the table, 16 bytes a slot; count == 0 marks an empty slot.
  struct Slot {
    uint64_t hash = 0;
    uint64_t count = 0;
  };
  // Where slot i's value bytes are in arena_ (refs_[i], read only on insert and output; none
  // when fixed_); length's top bit marks a truncated value.
  struct Ref {
    uint32_t offset = 0;
    uint32_t length = 0;
  };
  struct Item;  // a tracked value with its bytes as a view: the unit of merge and output

  static uint64_t value_bits(uint64_t hash) { return hash::inverse_of_u64(hash); }
  size_t home(uint64_t hash) const {
    return static_cast<size_t>((static_cast<uint128>(hash) * slots_.size()) >> 64);
  }
  size_t next(size_t i) const { return i + 1 == slots_.size() ? 0 : i + 1; }
  void insert_new(size_t slot, uint64_t hash, std::string_view value, uint64_t count);
  void make_table();  // a table to probe: the first one, or the dense entries indexed
  void resize_table(size_t slots);
  void grow();
  size_t place(uint64_t hash, uint64_t count, Ref ref);
  void index_slots();
  void assign_dense(const std::vector<Item>& items, uint8_t mode, bool by_hash);
  [[noreturn]] static void throw_total_overflow(uint64_t total, uint64_t count);
  std::vector<Item> items() const;
  std::vector<Item> items_by_hash() const;
  std::vector<FrequentItem> ranked(size_t n, bool descending) const;
  void purge(std::vector<Item>& items);
  void purge_table();
  void rebuild(const std::vector<Item>& items, uint8_t mode);
  void serialize_compact(ByteWriter& out, const std::vector<Item>& by_hash) const;

  uint32_t exact_capacity_;
  uint32_t sketch_capacity_;
  bool fixed_ = false;
  uint8_t mode_ = frequent::MODE_EXACT;
  bool dense_ = false;
  bool dense_by_hash_ = false;  // dense entries in hash order (else in value order)
  uint64_t total_ = 0;
  uint64_t offset_ = 0;  // sum of the counts subtracted by purges
  size_t size_ = 0;
  size_t room_ = 0;  // entries the table holds before it grows; 0 while there is no table
  std::vector<Slot> slots_;
  std::vector<Ref> refs_;
  std::string arena_;  // the tracked values' bytes
  static constexpr uint32_t TRUNCATED_BIT = 0x8000'0000u;
  OverflowHook hook_ = nullptr;
  void* hook_context_ = nullptr;
  // In sketch mode, the occupied slots in any order: a purge reads and clears these 2k slots
  // instead of sweeping the whole (mostly empty) table. Unused in exact mode.
  std::vector<uint32_t> used_;
};

inline void FrequentItems::update(uint64_t hash, std::string_view value, uint64_t count) {
  if (count > UINT64_MAX - total_) [[unlikely]]
    throw_total_overflow(total_, count);
  total_ += count;
  if (room_ == 0) [[unlikely]]
    make_table();  // an empty summary holds no table, a decoded one only its entries (issue 14)
  Slot* const slots = slots_.data();
  const size_t n = slots_.size();
  for (size_t i = home(hash);;) {
    Slot& s = slots[i];
    if (s.hash == hash && s.count != 0) {
      s.count += count;
      return;
    }
    if (s.count == 0) {
      insert_new(i, hash, value, count);
      return;
    }
    if (++i == n) i = 0;
  }
}

}  // namespace truthound
