#include "truthound/stats/frequent.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>
#include <functional>
#include <string>
#include <utility>

#include "truthound/error.hpp"

namespace truthound {

struct FrequentItems::Item {
  uint64_t hash;
  uint64_t count;
  // Into an arena, or the caller's bytes, alive until the next rebuild; empty when fixed_ unless
  // the caller filled it (items_with_values).
  std::string_view value;
  bool truncated;
};

namespace {

constexpr size_t MIN_TABLE_SLOTS = 16;
// Up to this many slots (256 KB of slots) a table is at most 1/4 full, beyond it at most 1/2: a
// repeat then nearly always hits its home slot (one predictable branch). Measured with
// bench/cpp/bench_kernel.cpp, 7/10 past 1,024 slots made 1,000 distinct integers 42 % slower to
// profile and high-cardinality columns (whose sketch misses probe to an empty slot) 17 % slower.
constexpr size_t SMALL_TABLE_SLOTS = 16'384;
// Smallest serialized entry: a 1-byte delta and a 1-byte count (compact, fixed width).
constexpr size_t MIN_ENTRY_BYTES = 2;

// Most keys a table of `slots` slots holds.
size_t max_entries(size_t slots) { return slots <= SMALL_TABLE_SLOTS ? slots / 4 : slots / 2; }

// The next table size: half as large again (a multiple of 8), not twice: a table just grown is
// 2/3 as full as before, not half.
size_t grown(size_t slots) { return (slots + slots / 2 + 7) / 8 * 8; }

// Smallest table on the growth path that holds `entries` keys: what streaming inserts reach, so a
// decoded summary takes the memory the one that was serialized took.
size_t table_slots_for(size_t entries) {
  size_t slots = MIN_TABLE_SLOTS;
  while (max_entries(slots) < entries) slots = grown(slots);
  return slots;
}

// The bytes kept of a value: all of it up to MAX_VALUE_BYTES, else a prefix cut back to the start
// of the UTF-8 character the cut would split (at most 3 bytes; binary data just loses up to 3).
std::string_view stored_prefix(std::string_view value) {
  if (value.size() <= frequent::MAX_VALUE_BYTES) return value;
  size_t n = frequent::MAX_VALUE_BYTES;
  // value[n] is the first byte dropped; a continuation byte (10xxxxxx) there splits a character.
  for (int back = 0; back < 3 && (static_cast<uint8_t>(value[n]) & 0xC0) == 0x80; ++back) --n;
  return value.substr(0, n);
}

// Value bytes ascending; an untruncated value before a truncated one with the same stored bytes
// (it is a prefix of the latter, so sorts first in full-byte order); then hash.
template <typename T>
bool value_less(const T& a, const T& b) {
  if (int c = a.value.compare(b.value); c != 0) return c < 0;
  if (a.truncated != b.truncated) return !a.truncated;
  return a.hash < b.hash;
}

// std::string::append. GCC knows that a kept value has at most 1024 bytes and copies it with an
// inlined `rep movs`, whose start-up costs as much as the rest of an insertion; a decimal's 16
// bytes are appended with a constant size, which compiles to two moves.
void append_bytes(std::string& out, std::string_view bytes) {
  if (bytes.size() == 16)
    out.append(bytes.data(), 16);
  else
    out.append(bytes);
}

std::string settings_text(uint32_t exact, uint32_t sketch) {
  return "exact capacity " + std::to_string(exact) + ", sketch capacity " + std::to_string(sketch);
}

}  // namespace

FrequentItems::FrequentItems(uint32_t exact_capacity, uint32_t sketch_capacity, bool fixed_width)
    : exact_capacity_(exact_capacity), sketch_capacity_(sketch_capacity), fixed_(fixed_width) {
  if (sketch_capacity < 1 || sketch_capacity > exact_capacity ||
      exact_capacity > frequent::MAX_CAPACITY)
    throw InvalidInput("frequent items: " + settings_text(exact_capacity, sketch_capacity) +
                       ", expected 1 <= sketch capacity <= exact capacity <= " +
                       std::to_string(frequent::MAX_CAPACITY));
}

void FrequentItems::make_table() {
  if (dense_) {
    const std::vector<Item> all = items();  // views into arena_, which rebuild() replaces last
    rebuild(all, mode_);
    return;
  }
  slots_.assign(MIN_TABLE_SLOTS, Slot{});
  if (!fixed_) refs_.assign(MIN_TABLE_SLOTS, Ref{});
  room_ = max_entries(MIN_TABLE_SLOTS);
}

// Decoded entries as they are: one slot each, in the order given, no table until one is needed.
void FrequentItems::assign_dense(const std::vector<Item>& entries, uint8_t mode, bool by_hash) {
  std::string arena;
  slots_.clear();
  refs_.clear();
  slots_.reserve(entries.size());
  if (!fixed_) {
    size_t bytes = 0;
    for (const Item& item : entries) bytes += item.value.size();
    arena.reserve(bytes);
    refs_.reserve(entries.size());
  }
  for (const Item& item : entries) {
    slots_.push_back({item.hash, item.count});
    if (fixed_) continue;
    refs_.push_back({static_cast<uint32_t>(arena.size()),
                     static_cast<uint32_t>(item.value.size()) | (item.truncated ? TRUNCATED_BIT : 0)});
    arena.append(item.value);
  }
  arena_.swap(arena);
  size_ = entries.size();
  mode_ = mode;
  room_ = 0;
  dense_ = !entries.empty();
  dense_by_hash_ = by_hash;
  used_.clear();
}

void FrequentItems::throw_total_overflow(uint64_t total, uint64_t count) {
  throw InvalidInput("frequent items: total count " + std::to_string(total) + " plus " +
                     std::to_string(count) + " exceeds 2^64 - 1");
}

// Out of the hot path: a hash not in the table lands here with the empty slot that ends its probe.
void FrequentItems::insert_new(size_t slot, uint64_t hash, std::string_view value, uint64_t count) {
  if (count == 0) return;  // zero occurrences: nothing seen
  const std::string_view kept = fixed_ ? std::string_view() : stored_prefix(value);
  const bool truncated = !fixed_ && kept.size() < value.size();
  if (mode_ == frequent::MODE_EXACT && size_ == exact_capacity_) {
    if (hook_) {
      const OverflowHook hook = hook_;
      hook_ = nullptr;  // once: the summary is a sketch from here on
      hook(hook_context_);
    }
    // One distinct value too many: become a sketch. purge() leaves at most k < 2k counters.
    std::vector<Item> all = items();
    all.push_back({hash, count, kept, truncated});
    purge(all);
    rebuild(all, frequent::MODE_SKETCH);
    return;
  }
  Ref ref;
  if (!fixed_) {
    ref = {static_cast<uint32_t>(arena_.size()),
           static_cast<uint32_t>(kept.size()) | (truncated ? TRUNCATED_BIT : 0)};
    append_bytes(arena_, kept);
  }
  if (size_ + 1 > room_) {  // only in exact mode: a sketch table fits 2k
    grow();
    const size_t at = place(hash, count, ref);
    if (mode_ == frequent::MODE_SKETCH) used_.push_back(static_cast<uint32_t>(at));
  } else {
    slots_[slot] = {hash, count};
    if (!fixed_) refs_[slot] = ref;
    if (mode_ == frequent::MODE_SKETCH) used_.push_back(static_cast<uint32_t>(slot));
  }
  ++size_;
  if (mode_ == frequent::MODE_SKETCH && size_ == 2 * size_t{sketch_capacity_}) purge_table();
}

// Puts a key known to be absent into its first empty slot, and returns that slot.
size_t FrequentItems::place(uint64_t hash, uint64_t count, Ref ref) {
  size_t i = home(hash);
  while (slots_[i].count != 0) i = next(i);
  slots_[i] = {hash, count};
  if (!fixed_) refs_[i] = ref;
  return i;
}

// Rebuilds used_ from the table (after a merge or rebuild).
void FrequentItems::index_slots() {
  used_.clear();
  for (size_t i = 0; i < slots_.size(); ++i)
    if (slots_[i].count != 0) used_.push_back(static_cast<uint32_t>(i));
}

// Moves every entry into a table of `slots` slots (which holds them all).
void FrequentItems::resize_table(size_t slots) {
  std::vector<Slot> old_slots(slots);
  std::vector<Ref> old_refs(fixed_ ? 0 : slots);
  old_slots.swap(slots_);
  old_refs.swap(refs_);
  room_ = max_entries(slots);
  for (size_t i = 0; i < old_slots.size(); ++i)
    if (old_slots[i].count != 0)
      place(old_slots[i].hash, old_slots[i].count, fixed_ ? Ref{} : old_refs[i]);
  if (mode_ == frequent::MODE_SKETCH) index_slots();
}

void FrequentItems::grow() { resize_table(grown(slots_.size())); }

std::vector<FrequentItems::Item> FrequentItems::items() const {
  std::vector<Item> out;
  out.reserve(size_);
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].count == 0) continue;
    if (fixed_) {
      out.push_back({slots_[i].hash, slots_[i].count, std::string_view(), false});
      continue;
    }
    const Ref ref = refs_[i];
    out.push_back({slots_[i].hash, slots_[i].count,
                   std::string_view(arena_).substr(ref.offset, ref.length & ~TRUNCATED_BIT),
                   (ref.length & TRUNCATED_BIT) != 0});
  }
  return out;
}

std::vector<FrequentItems::Item> FrequentItems::items_by_hash() const {
  std::vector<Item> out = items();
  if (dense_ && dense_by_hash_) return out;  // already in hash order
  std::sort(out.begin(), out.end(), [](const Item& a, const Item& b) { return a.hash < b.hash; });
  return out;
}

// Misra–Gries reduction: subtract c, the (k+1)-th largest count, from every counter and drop those
// left at zero. At least k+1 counters lose c each, so the offset grows by c while the tracked
// weight shrinks by at least (k+1)·c. The kept set {count > c} is the same in any order of `items`.
void FrequentItems::purge(std::vector<Item>& items) {
  const size_t k = sketch_capacity_;
  assert(items.size() > k);
  std::vector<uint64_t> counts(items.size());
  for (size_t i = 0; i < items.size(); ++i) counts[i] = items[i].count;
  std::nth_element(counts.begin(), counts.begin() + static_cast<std::ptrdiff_t>(k), counts.end(),
                   std::greater<>());
  const uint64_t c = counts[k];
  std::erase_if(items, [c](const Item& item) { return item.count <= c; });
  for (Item& item : items) item.count -= c;
  offset_ += c;  // cannot overflow: offset·(k+1) ≤ total
}

// purge() on the table itself, for the streaming sketch (once per k or more new values): the same
// reduction without building Items, reading and clearing only the occupied slots (used_).
void FrequentItems::purge_table() {
  const size_t k = sketch_capacity_;
  assert(size_ > k && used_.size() == size_);
  struct Entry {
    uint64_t hash;
    uint64_t count;
    Ref ref;
  };
  std::vector<Entry> entries(size_);
  uint64_t highest = 0;
  for (size_t j = 0; j < size_; ++j) {
    const uint32_t i = used_[j];
    entries[j] = {slots_[i].hash, slots_[i].count, fixed_ ? Ref{} : refs_[i]};
    highest = std::max(highest, slots_[i].count);
    slots_[i] = Slot{};
  }
  const size_t n = size_;
  used_.clear();
  size_ = 0;
  // A stream of distinct values leaves every counter at 1: then c is 1 and nothing survives, so
  // skip the selection and the re-insertion (the common case for high-cardinality columns).
  if (highest == 1) {
    offset_ += 1;
    arena_.clear();
    return;
  }
  std::vector<uint64_t> counts(n);
  for (size_t i = 0; i < n; ++i) counts[i] = entries[i].count;
  std::nth_element(counts.begin(), counts.begin() + static_cast<std::ptrdiff_t>(k), counts.end(),
                   std::greater<>());
  const uint64_t c = counts[k];
  offset_ += c;  // cannot overflow: offset·(k+1) ≤ total

  std::string arena;
  if (!fixed_) {
    size_t bytes = 0;
    for (size_t i = 0; i < n; ++i)
      bytes += entries[i].count > c ? entries[i].ref.length & ~TRUNCATED_BIT : 0;
    arena.reserve(bytes);
  }
  for (size_t i = 0; i < n; ++i) {
    const Entry& e = entries[i];
    if (e.count <= c) continue;
    Ref ref;
    if (!fixed_) {
      ref = {static_cast<uint32_t>(arena.size()), e.ref.length};
      arena.append(arena_, e.ref.offset, e.ref.length & ~TRUNCATED_BIT);
    }
    used_.push_back(static_cast<uint32_t>(place(e.hash, e.count - c, ref)));
    ++size_;
  }
  arena_.swap(arena);  // not move-assign: from a short (SSO) string it would keep our old buffer
}

// Replaces the table and arena with `items` (whose views may point into the current arena).
void FrequentItems::rebuild(const std::vector<Item>& items, uint8_t mode) {
  std::string arena;
  if (!fixed_) {
    size_t bytes = 0;
    for (const Item& item : items) bytes += item.value.size();
    arena.reserve(bytes);
  }
  const size_t table_slots = table_slots_for(mode == frequent::MODE_EXACT
                                                 ? items.size()
                                                 : 2 * size_t{sketch_capacity_});
  if (mode == frequent::MODE_EXACT && items.empty()) {  // empty: no table at all
    slots_ = std::vector<Slot>();
    refs_ = std::vector<Ref>();
    room_ = 0;
  } else if (!dense_ && slots_.size() == table_slots) {
    std::fill(slots_.begin(), slots_.end(), Slot{});
    room_ = max_entries(table_slots);
  } else {  // fresh vectors, so that a shrink frees the memory
    slots_ = std::vector<Slot>(table_slots);
    refs_ = std::vector<Ref>(fixed_ ? 0 : table_slots);
    room_ = max_entries(table_slots);
  }
  dense_ = false;
  for (const Item& item : items) {
    Ref ref;
    if (!fixed_) {
      ref = {static_cast<uint32_t>(arena.size()),
             static_cast<uint32_t>(item.value.size()) | (item.truncated ? TRUNCATED_BIT : 0)};
      arena.append(item.value);
    }
    place(item.hash, item.count, ref);
  }
  arena_.swap(arena);  // not move-assign: from a short (SSO) string it would keep our old buffer
  size_ = items.size();
  mode_ = mode;
  used_.clear();
  if (mode == frequent::MODE_SKETCH) index_slots();
}

bool FrequentItems::contains(uint64_t hash) const {
  if (dense_ && dense_by_hash_)
    return std::binary_search(slots_.begin(), slots_.end(), Slot{hash, 0},
                              [](const Slot& a, const Slot& b) { return a.hash < b.hash; });
  if (dense_)  // in value order: a scan (merges probe only tables; see union_size)
    return std::any_of(slots_.begin(), slots_.end(), [hash](const Slot& s) { return s.hash == hash; });
  if (room_ == 0) return false;
  for (size_t i = home(hash);; i = next(i)) {
    const Slot& s = slots_[i];
    if (s.count == 0) return false;
    if (s.hash == hash) return true;
  }
}

size_t FrequentItems::union_size(const FrequentItems& other) {
  if (dense_) make_table();
  size_t n = size_;
  for (const Slot& o : other.slots_)
    if (o.count != 0 && !contains(o.hash)) ++n;
  return n;
}

void FrequentItems::merge(const FrequentItems& other) {
  if (exact_capacity_ != other.exact_capacity_ || sketch_capacity_ != other.sketch_capacity_)
    throw InvalidInput("frequent items merge: " + settings_text(exact_capacity_, sketch_capacity_) +
                       " vs " + settings_text(other.exact_capacity_, other.sketch_capacity_));
  if (fixed_ != other.fixed_)
    throw InvalidInput("frequent items merge: fixed-width values with variable-width ones");
  if (other.total_ > UINT64_MAX - total_) throw_total_overflow(total_, other.total_);
  if (&other == this) {
    const FrequentItems copy = other;
    merge(copy);
    return;
  }
  const bool both_exact = is_exact() && other.is_exact();
  if (other.size_ == 0 && other.is_exact()) {  // only a total of zero-count updates: nothing tracked
    total_ += other.total_;
    return;
  }
  if (room_ == 0) make_table();
  // Other's counters go into our table one by one: O(|other|), not a rebuild of both. The table
  // may hold more than its mode allows until the purge below, which sees the same union as before.
  // A sketch holds the whole union until its purge: grow once, before, not while inserting.
  const bool was_sketch = !is_exact();
  if (was_sketch && room_ < size_ + other.size_) {
    size_t slots = slots_.size();
    while (max_entries(slots) < size_ + other.size_) slots = grown(slots);
    resize_table(slots);  // indexes used_ (sketch mode); new entries are added to it below
  }
  const size_t n = other.slots_.size();
  // A dense input's next slots are known: their probes' first cache lines are fetched ahead, as
  // most of a merge's time is these random reads of a table larger than the L1 cache.
  constexpr size_t AHEAD = 16;
  for (size_t i = 0; i < n; ++i) {
    if (other.dense_ && i + AHEAD < n) __builtin_prefetch(&slots_[home(other.slots_[i + AHEAD].hash)]);
    const Slot& o = other.slots_[i];
    if (o.count == 0) continue;
    size_t j = home(o.hash);
    for (; slots_[j].count != 0; j = next(j))
      if (slots_[j].hash == o.hash) break;
    if (slots_[j].count != 0) {
      slots_[j].count += o.count;
      continue;
    }
    Ref ref;
    if (!fixed_) {
      const Ref r = other.refs_[i];
      ref = {static_cast<uint32_t>(arena_.size()), r.length};
      arena_.append(other.arena_, r.offset, r.length & ~TRUNCATED_BIT);
    }
    if (size_ + 1 > room_) {  // exact targets only: a sketch grew above
      grow();
      place(o.hash, o.count, ref);
    } else {
      slots_[j] = o;
      if (!fixed_) refs_[j] = ref;
      if (was_sketch) used_.push_back(static_cast<uint32_t>(j));
    }
    ++size_;
  }
  total_ += other.total_;
  offset_ += other.offset_;
  if (both_exact && size_ <= exact_capacity_) return;
  const bool need_purge = both_exact || size_ >= 2 * size_t{sketch_capacity_};
  mode_ = frequent::MODE_SKETCH;
  if (!was_sketch) index_slots();
  if (need_purge) purge_table();
  // The sketch's insert path never grows: it needs room for 2k entries. A table grown for a
  // merge keeps its size for the next ones unless it holds more than 8k slots' worth.
  const size_t k = sketch_capacity_;
  if (room_ < 2 * k)
    resize_table(table_slots_for(2 * k));
  else if (slots_.size() > table_slots_for(8 * k) && size_ < 2 * k)
    resize_table(table_slots_for(2 * k));
}

std::vector<FrequentItem> FrequentItems::ranked(size_t n, bool descending) const {
  std::vector<Item> all = items();
  // Fixed-width values are ranked by their bytes, as the others: they are written out once.
  std::string backing;
  if (fixed_) {
    backing.resize(8 * all.size());
    for (size_t i = 0; i < all.size(); ++i) {
      const uint64_t v = value_bits(all[i].hash);
      std::memcpy(backing.data() + 8 * i, &v, 8);
      all[i].value = std::string_view(backing).substr(8 * i, 8);
    }
  }
  n = std::min(n, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(),
                    [descending](const Item& a, const Item& b) {
                      if (a.count != b.count) return descending ? a.count > b.count : a.count < b.count;
                      return value_less(a, b);
                    });
  std::vector<FrequentItem> out;
  out.reserve(n);
  const uint64_t error = descending ? offset_ : 0;
  for (size_t i = 0; i < n; ++i)
    out.push_back({std::string(all[i].value), all[i].truncated, all[i].count, all[i].count,
                   all[i].count + error});
  return out;
}

std::vector<FrequentItem> FrequentItems::top(size_t n) const { return ranked(n, true); }

std::vector<FrequentItem> FrequentItems::bottom(size_t n) const {
  if (!is_exact()) return {};
  return ranked(n, false);
}

std::vector<HashedItem> FrequentItems::by_hash() const {
  std::vector<HashedItem> out;
  out.reserve(size_);
  for (const Item& item : items_by_hash()) {
    if (fixed_) {
      std::string bytes(8, '\0');
      const uint64_t v = value_bits(item.hash);
      std::memcpy(bytes.data(), &v, 8);
      out.push_back({item.hash, item.count, std::move(bytes), false});
    } else {
      out.push_back({item.hash, item.count, std::string(item.value), item.truncated});
    }
  }
  return out;
}

void FrequentItems::serialize(ByteWriter& out, frequent::Layout layout) const {
  out.put_varint(exact_capacity_);
  out.put_varint(sketch_capacity_);
  out.put_u8(mode_);
  out.put_varint(total_);
  out.put_varint(offset_);
  const std::vector<Item> all = items_by_hash();
  out.put_varint(all.size());
  if (layout == frequent::Layout::Compact) {
    serialize_compact(out, all);
    return;
  }
  for (const Item& item : all) {
    out.put_u64(item.hash);
    out.put_varint(item.count);
    out.put_bool(item.truncated);
    if (fixed_) {
      const uint64_t v = value_bits(item.hash);
      out.put_varint(8);
      out.put_raw(&v, 8);
    } else {
      out.put_bytes(item.value);
    }
  }
}

void FrequentItems::serialize_compact(ByteWriter& out, const std::vector<Item>& by_hash) const {
  if (fixed_) {
    // Sorted values delta-coded: close values (most columns) take a byte or two, not 8 + 8.
    std::vector<std::pair<uint64_t, uint64_t>> values;
    values.reserve(by_hash.size());
    for (const Item& item : by_hash) values.emplace_back(value_bits(item.hash), item.count);
    std::sort(values.begin(), values.end());
    uint64_t previous = 0;
    for (const auto& [v, count] : values) {
      out.put_varint(v - previous);
      out.put_varint(count);
      previous = v;
    }
    return;
  }
  for (const Item& item : by_hash) {
    out.put_varint(item.count);
    out.put_varint(uint64_t{item.value.size()} * 2 + (item.truncated ? 1 : 0));
    out.put_raw(item.value.data(), item.value.size());
    if (item.truncated) out.put_u64(item.hash);  // the full value's hash: not recomputable
  }
}

FrequentItems FrequentItems::deserialize(ByteReader& in, bool fixed_width, frequent::Layout layout) {
  const uint64_t exact = in.get_count("frequent items exact capacity", frequent::MAX_CAPACITY);
  const uint64_t sketch = in.get_count("frequent items sketch capacity", frequent::MAX_CAPACITY);
  if (sketch < 1 || sketch > exact)
    in.fail("frequent items " + settings_text(static_cast<uint32_t>(exact),
                                               static_cast<uint32_t>(sketch)) +
            ", expected 1 <= sketch capacity <= exact capacity");
  FrequentItems f(static_cast<uint32_t>(exact), static_cast<uint32_t>(sketch), fixed_width);

  const uint8_t mode = in.get_u8("frequent items mode");
  if (mode != frequent::MODE_EXACT && mode != frequent::MODE_SKETCH)
    in.fail("frequent items mode " + std::to_string(mode) + ", expected 0 (exact) or 1 (sketch)");
  const uint64_t total = in.get_varint("frequent items total");
  const uint64_t offset = in.get_varint("frequent items error offset");
  if (mode == frequent::MODE_EXACT && offset != 0)
    in.fail("frequent items error offset " + std::to_string(offset) + " in exact mode, expected 0");
  if (mode == frequent::MODE_SKETCH && offset == 0)
    in.fail("frequent items error offset 0 in sketch mode, expected at least 1");

  // Exact: the counts add up to the total. Sketch: each purge removed at least (k+1)·c of weight,
  // so the counts add up to at most total − (k+1)·offset.
  if (mode == frequent::MODE_SKETCH && offset > total / (sketch + 1))
    in.fail("frequent items error offset " + std::to_string(offset) + " exceeds total " +
            std::to_string(total) + " / (k+1) = " + std::to_string(total / (sketch + 1)));
  uint64_t budget = mode == frequent::MODE_EXACT ? total : total - offset * (sketch + 1);

  const uint64_t max_entries = mode == frequent::MODE_EXACT ? exact : 2 * sketch - 1;
  const uint64_t n = in.get_count("frequent items entry count", max_entries);
  std::vector<Item> all;
  all.reserve(std::min<uint64_t>(n, in.remaining() / MIN_ENTRY_BYTES));
  bool by_hash = true;
  auto take_count = [&](uint64_t e) {
    const uint64_t count = in.get_varint("frequent items count");
    if (count == 0) in.fail("frequent items count of entry " + std::to_string(e) + " is 0");
    if (count > budget)
      in.fail("frequent items counts exceed the total " + std::to_string(total) + " at entry " +
              std::to_string(e));
    budget -= count;
    return count;
  };
  if (layout == frequent::Layout::Hashed) {
    for (uint64_t e = 0; e < n; ++e) {
      const uint64_t hash = in.get_u64("frequent items hash");
      if (!all.empty() && hash <= all.back().hash)
        in.fail("frequent items hash of entry " + std::to_string(e) + " is not greater than the last");
      const uint64_t count = take_count(e);
      const bool truncated = in.get_bool("frequent items truncated flag");
      const std::string_view value = in.get_bytes("frequent items value");
      if (value.size() > frequent::MAX_VALUE_BYTES)
        in.fail("frequent items value of " + std::to_string(value.size()) + " bytes, at most " +
                std::to_string(frequent::MAX_VALUE_BYTES));
      if (fixed_width) {
        uint64_t v = 0;
        if (value.size() == 8) std::memcpy(&v, value.data(), 8);
        if (truncated || value.size() != 8 || hash::of_u64(v) != hash)
          in.fail("frequent items entry " + std::to_string(e) +
                  " of a fixed-width column: expected 8 value bytes whose hash is the entry's");
        all.push_back({hash, count, std::string_view(), false});
      } else {
        all.push_back({hash, count, value, truncated});
      }
    }
  } else if (fixed_width) {
    uint64_t previous = 0;
    for (uint64_t e = 0; e < n; ++e) {
      const uint64_t delta = in.get_varint("frequent items value delta");
      if ((e > 0 && delta == 0) || delta > UINT64_MAX - previous)
        in.fail("frequent items value of entry " + std::to_string(e) +
                " is not greater than the last");
      previous += delta;
      all.push_back({hash::of_u64(previous), take_count(e), std::string_view(), false});
    }
    // Left in value order: a merge input is only iterated, and sorting costs more than reading.
    by_hash = false;
  } else {
    for (uint64_t e = 0; e < n; ++e) {
      const uint64_t count = take_count(e);
      const uint64_t length = in.get_varint("frequent items value length");
      if (length / 2 > frequent::MAX_VALUE_BYTES)
        in.fail("frequent items value of " + std::to_string(length / 2) + " bytes, at most " +
                std::to_string(frequent::MAX_VALUE_BYTES));
      const bool truncated = (length & 1) != 0;
      const std::string_view value = in.get_view(length / 2, "frequent items value");
      const uint64_t hash = truncated ? in.get_u64("frequent items hash") : hash::of_bytes(value);
      if (!all.empty() && hash <= all.back().hash)
        in.fail("frequent items hash of entry " + std::to_string(e) + " is not greater than the last");
      all.push_back({hash, count, value, truncated});
    }
  }
  if (mode == frequent::MODE_EXACT && budget != 0)
    in.fail("frequent items counts sum to " + std::to_string(total - budget) +
            " in exact mode, expected the total " + std::to_string(total));
  f.assign_dense(all, mode, by_hash);
  f.total_ = total;
  f.offset_ = offset;
  return f;
}

bool FrequentItems::operator==(const FrequentItems& other) const {
  if (exact_capacity_ != other.exact_capacity_ || sketch_capacity_ != other.sketch_capacity_ ||
      fixed_ != other.fixed_ || mode_ != other.mode_ || total_ != other.total_ ||
      offset_ != other.offset_ || size_ != other.size_)
    return false;
  const std::vector<Item> a = items_by_hash();
  const std::vector<Item> b = other.items_by_hash();
  for (size_t i = 0; i < a.size(); ++i) {
    // A fixed-width value is its hash's inverse: equal hashes, equal values.
    if (a[i].hash != b[i].hash || a[i].count != b[i].count || a[i].truncated != b[i].truncated ||
        a[i].value != b[i].value)
      return false;
  }
  return true;
}

size_t FrequentItems::memory_bytes() const {
  return sizeof(*this) + slots_.capacity() * sizeof(Slot) + refs_.capacity() * sizeof(Ref) +
         used_.capacity() * sizeof(uint32_t) + arena_.capacity();
}

}  // namespace truthound
