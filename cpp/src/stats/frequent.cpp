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
  std::string_view value;  // into an arena, or the caller's bytes, alive until the next rebuild
  bool truncated;
};

namespace {

constexpr size_t MIN_TABLE_SIZE = 16;
// Smallest serialized entry: u64 hash, 1-byte count, flag and length.
constexpr size_t MIN_ENTRY_BYTES = 11;

// Most keys a table of `table_size` slots holds. Linear probing on a hit costs a mispredicted
// branch whenever the key is not in its home slot, so small tables (up to 256 KB, the common case
// of few distinct values) stay at most 1/4 full, which halves the cost of a hit at 100 to 16,000
// distinct values; larger ones stay at most 1/2 full to bound memory.
constexpr size_t SMALL_TABLE_SIZE = size_t{1} << 14;
size_t max_entries(size_t table_size) {
  return table_size <= SMALL_TABLE_SIZE ? table_size / 4 : table_size / 2;
}

// Smallest table that holds `entries` keys.
size_t table_size_for(size_t entries) {
  size_t size = MIN_TABLE_SIZE;
  while (max_entries(size) < entries) size *= 2;
  return size;
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
// inlined `rep movs`, whose start-up costs as much as the rest of an insertion; a number's 8 bytes
// are appended with a constant size, which compiles to one move.
void append_bytes(std::string& out, std::string_view bytes) {
  if (bytes.size() == 8)
    out.append(bytes.data(), 8);
  else
    out.append(bytes);
}

std::string settings_text(uint32_t exact, uint32_t sketch) {
  return "exact capacity " + std::to_string(exact) + ", sketch capacity " + std::to_string(sketch);
}

}  // namespace

FrequentItems::FrequentItems(uint32_t exact_capacity, uint32_t sketch_capacity)
    : exact_capacity_(exact_capacity), sketch_capacity_(sketch_capacity) {
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
  slots_.assign(MIN_TABLE_SIZE, Slot{});
  refs_.assign(MIN_TABLE_SIZE, Ref{});
  mask_ = MIN_TABLE_SIZE - 1;
}

// Decoded entries as they are: one slot each, in hash order, no table until one is needed.
void FrequentItems::assign_dense(const std::vector<Item>& sorted_by_hash, uint8_t mode) {
  size_t bytes = 0;
  for (const Item& item : sorted_by_hash) bytes += item.value.size();
  std::string arena;
  arena.reserve(bytes);
  slots_.clear();
  refs_.clear();
  slots_.reserve(sorted_by_hash.size());
  refs_.reserve(sorted_by_hash.size());
  for (const Item& item : sorted_by_hash) {
    refs_.push_back({static_cast<uint32_t>(arena.size()),
                     static_cast<uint32_t>(item.value.size()) | (item.truncated ? TRUNCATED_BIT : 0)});
    slots_.push_back({item.hash, item.count});
    arena.append(item.value);
  }
  arena_.swap(arena);
  size_ = sorted_by_hash.size();
  mode_ = mode;
  mask_ = 0;
  dense_ = !sorted_by_hash.empty();
  used_.clear();
}

void FrequentItems::throw_total_overflow(uint64_t total, uint64_t count) {
  throw InvalidInput("frequent items: total count " + std::to_string(total) + " plus " +
                     std::to_string(count) + " exceeds 2^64 - 1");
}

// Out of the hot path: a hash not in the table lands here with the empty slot that ends its probe.
void FrequentItems::insert_new(size_t slot, uint64_t hash, std::string_view value, uint64_t count) {
  if (count == 0) return;  // zero occurrences: nothing seen
  const std::string_view kept = stored_prefix(value);
  const bool truncated = kept.size() < value.size();
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
  const Ref ref{static_cast<uint32_t>(arena_.size()),
                static_cast<uint32_t>(kept.size()) | (truncated ? TRUNCATED_BIT : 0)};
  append_bytes(arena_, kept);
  if (size_ + 1 > max_entries(slots_.size())) {  // only in exact mode: a sketch table fits 2k
    grow();
    place(hash, count, ref);
    if (mode_ == frequent::MODE_SKETCH) index_slots();
  } else {
    slots_[slot] = {hash, count};
    refs_[slot] = ref;
    if (mode_ == frequent::MODE_SKETCH) used_.push_back(static_cast<uint32_t>(slot));
  }
  ++size_;
  if (mode_ == frequent::MODE_SKETCH && size_ == 2 * size_t{sketch_capacity_}) purge_table();
}

// Puts a key known to be absent into its first empty slot, and returns that slot.
size_t FrequentItems::place(uint64_t hash, uint64_t count, Ref ref) {
  size_t i = hash & mask_;
  while (slots_[i].count != 0) i = (i + 1) & mask_;
  slots_[i] = {hash, count};
  refs_[i] = ref;
  return i;
}

// Rebuilds used_ from the table (after a merge or rebuild).
void FrequentItems::index_slots() {
  used_.clear();
  for (size_t i = 0; i < slots_.size(); ++i)
    if (slots_[i].count != 0) used_.push_back(static_cast<uint32_t>(i));
}

void FrequentItems::grow() {
  std::vector<Slot> old_slots(slots_.size() * 2);
  std::vector<Ref> old_refs(refs_.size() * 2);
  old_slots.swap(slots_);
  old_refs.swap(refs_);
  mask_ = slots_.size() - 1;
  for (size_t i = 0; i < old_slots.size(); ++i)
    if (old_slots[i].count != 0) place(old_slots[i].hash, old_slots[i].count, old_refs[i]);
}

std::vector<FrequentItems::Item> FrequentItems::items() const {
  std::vector<Item> out;
  out.reserve(size_);
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].count == 0) continue;
    const Ref ref = refs_[i];
    out.push_back({slots_[i].hash, slots_[i].count,
                   std::string_view(arena_).substr(ref.offset, ref.length & ~TRUNCATED_BIT),
                   (ref.length & TRUNCATED_BIT) != 0});
  }
  return out;
}

std::vector<FrequentItems::Item> FrequentItems::items_by_hash() const {
  std::vector<Item> out = items();
  if (dense_) return out;  // already in hash order
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
    entries[j] = {slots_[i].hash, slots_[i].count, refs_[i]};
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

  size_t bytes = 0;
  for (size_t i = 0; i < n; ++i)
    bytes += entries[i].count > c ? entries[i].ref.length & ~TRUNCATED_BIT : 0;
  std::string arena;
  arena.reserve(bytes);
  for (size_t i = 0; i < n; ++i) {
    const Entry& e = entries[i];
    if (e.count <= c) continue;
    const Ref ref{static_cast<uint32_t>(arena.size()), e.ref.length};
    arena.append(arena_, e.ref.offset, e.ref.length & ~TRUNCATED_BIT);
    used_.push_back(static_cast<uint32_t>(place(e.hash, e.count - c, ref)));
    ++size_;
  }
  arena_.swap(arena);  // not move-assign: from a short (SSO) string it would keep our old buffer
}

// Replaces the table and arena with `items` (whose views may point into the current arena).
void FrequentItems::rebuild(const std::vector<Item>& items, uint8_t mode) {
  size_t bytes = 0;
  for (const Item& item : items) bytes += item.value.size();
  std::string arena;
  arena.reserve(bytes);
  const size_t table_size = table_size_for(mode == frequent::MODE_EXACT
                                               ? items.size()
                                               : 2 * size_t{sketch_capacity_});
  if (mode == frequent::MODE_EXACT && items.empty()) {  // empty: no table at all
    slots_ = std::vector<Slot>();
    refs_ = std::vector<Ref>();
    mask_ = 0;
  } else if (slots_.size() == table_size) {
    std::fill(slots_.begin(), slots_.end(), Slot{});
  } else {  // fresh vectors, so that a shrink frees the memory
    slots_ = std::vector<Slot>(table_size);
    refs_ = std::vector<Ref>(table_size);
  }
  mask_ = slots_.empty() ? 0 : table_size - 1;
  dense_ = false;
  for (const Item& item : items) {
    const Ref ref{static_cast<uint32_t>(arena.size()),
                  static_cast<uint32_t>(item.value.size()) | (item.truncated ? TRUNCATED_BIT : 0)};
    arena.append(item.value);
    place(item.hash, item.count, ref);
  }
  arena_.swap(arena);  // not move-assign: from a short (SSO) string it would keep our old buffer
  size_ = items.size();
  mode_ = mode;
  used_.clear();
  if (mode == frequent::MODE_SKETCH) index_slots();
}

bool FrequentItems::contains(uint64_t hash) const {
  if (dense_)
    return std::binary_search(slots_.begin(), slots_.end(), Slot{hash, 0},
                              [](const Slot& a, const Slot& b) { return a.hash < b.hash; });
  if (slots_.empty()) return false;
  for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.count == 0) return false;
    if (s.hash == hash) return true;
  }
}

size_t FrequentItems::union_size(const FrequentItems& other) const {
  size_t n = size_;
  for (const Slot& o : other.slots_)
    if (o.count != 0 && !contains(o.hash)) ++n;
  return n;
}

void FrequentItems::merge(const FrequentItems& other) {
  if (exact_capacity_ != other.exact_capacity_ || sketch_capacity_ != other.sketch_capacity_)
    throw InvalidInput("frequent items merge: " + settings_text(exact_capacity_, sketch_capacity_) +
                       " vs " + settings_text(other.exact_capacity_, other.sketch_capacity_));
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
  if (mask_ == 0) make_table();
  // Other's counters go into our table one by one: O(|other|), not a rebuild of both. The table
  // may hold more than its mode allows until the purge below, which sees the same union as before.
  // A sketch holds the whole union until its purge: grow once, before, not while inserting.
  if (!is_exact())
    while (max_entries(slots_.size()) < size_ + other.size_) grow();
  const size_t n = other.slots_.size();
  // A dense input's next slots are known: their probes' first cache lines are fetched ahead, as
  // most of a merge's time is these random reads of a table larger than the L1 cache.
  constexpr size_t AHEAD = 24;
  for (size_t i = 0; i < n; ++i) {
    if (other.dense_ && i + AHEAD < n) __builtin_prefetch(&slots_[other.slots_[i + AHEAD].hash & mask_]);
    const Slot& o = other.slots_[i];
    if (o.count == 0) continue;
    size_t j = o.hash & mask_;
    for (; slots_[j].count != 0; j = (j + 1) & mask_)
      if (slots_[j].hash == o.hash) break;
    if (slots_[j].count != 0) {
      slots_[j].count += o.count;
      continue;
    }
    const Ref r = other.refs_[i];
    const Ref ref{static_cast<uint32_t>(arena_.size()), r.length};
    arena_.append(other.arena_, r.offset, r.length & ~TRUNCATED_BIT);
    if (size_ + 1 > max_entries(slots_.size())) {
      grow();
      place(o.hash, o.count, ref);
    } else {
      slots_[j] = o;
      refs_[j] = ref;
    }
    ++size_;
  }
  total_ += other.total_;
  offset_ += other.offset_;
  if (both_exact && size_ <= exact_capacity_) return;
  const bool need_purge = both_exact || size_ >= 2 * size_t{sketch_capacity_};
  mode_ = frequent::MODE_SKETCH;
  index_slots();
  if (need_purge) purge_table();
  // The sketch's insert path never grows: it needs room for 2k entries.
  if (max_entries(slots_.size()) < 2 * size_t{sketch_capacity_}) {
    while (max_entries(slots_.size()) < 2 * size_t{sketch_capacity_}) grow();
    index_slots();
  }
}

std::vector<FrequentItem> FrequentItems::top(size_t n) const {
  std::vector<Item> all = items();
  n = std::min(n, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(),
                    [](const Item& a, const Item& b) {
                      if (a.count != b.count) return a.count > b.count;
                      return value_less(a, b);
                    });
  std::vector<FrequentItem> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i)
    out.push_back({std::string(all[i].value), all[i].truncated, all[i].count, all[i].count,
                   all[i].count + offset_});
  return out;
}

std::vector<FrequentItem> FrequentItems::bottom(size_t n) const {
  if (!is_exact()) return {};
  std::vector<Item> all = items();
  n = std::min(n, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(),
                    [](const Item& a, const Item& b) {
                      if (a.count != b.count) return a.count < b.count;
                      return value_less(a, b);
                    });
  std::vector<FrequentItem> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i)
    out.push_back({std::string(all[i].value), all[i].truncated, all[i].count, all[i].count,
                   all[i].count});
  return out;
}

void FrequentItems::serialize(ByteWriter& out) const {
  out.put_varint(exact_capacity_);
  out.put_varint(sketch_capacity_);
  out.put_u8(mode_);
  out.put_varint(total_);
  out.put_varint(offset_);
  const std::vector<Item> all = items_by_hash();
  out.put_varint(all.size());
  for (const Item& item : all) {
    out.put_u64(item.hash);
    out.put_varint(item.count);
    out.put_bool(item.truncated);
    out.put_bytes(item.value);
  }
}

FrequentItems FrequentItems::deserialize(ByteReader& in) {
  const uint64_t exact = in.get_count("frequent items exact capacity", frequent::MAX_CAPACITY);
  const uint64_t sketch = in.get_count("frequent items sketch capacity", frequent::MAX_CAPACITY);
  if (sketch < 1 || sketch > exact)
    in.fail("frequent items " + settings_text(static_cast<uint32_t>(exact),
                                               static_cast<uint32_t>(sketch)) +
            ", expected 1 <= sketch capacity <= exact capacity");
  FrequentItems f(static_cast<uint32_t>(exact), static_cast<uint32_t>(sketch));

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
  for (uint64_t e = 0; e < n; ++e) {
    const uint64_t hash = in.get_u64("frequent items hash");
    if (!all.empty() && hash <= all.back().hash)
      in.fail("frequent items hash of entry " + std::to_string(e) +
              " is not greater than the last");
    const uint64_t count = in.get_varint("frequent items count");
    if (count == 0) in.fail("frequent items count of entry " + std::to_string(e) + " is 0");
    if (count > budget)
      in.fail("frequent items counts exceed the total " + std::to_string(total) + " at entry " +
              std::to_string(e));
    budget -= count;
    const bool truncated = in.get_bool("frequent items truncated flag");
    const std::string_view value = in.get_bytes("frequent items value");
    if (value.size() > frequent::MAX_VALUE_BYTES)
      in.fail("frequent items value of " + std::to_string(value.size()) + " bytes, at most " +
              std::to_string(frequent::MAX_VALUE_BYTES));
    all.push_back({hash, count, value, truncated});
  }
  if (mode == frequent::MODE_EXACT && budget != 0)
    in.fail("frequent items counts sum to " + std::to_string(total - budget) +
            " in exact mode, expected the total " + std::to_string(total));
  f.assign_dense(all, mode);
  f.total_ = total;
  f.offset_ = offset;
  return f;
}

bool FrequentItems::operator==(const FrequentItems& other) const {
  if (exact_capacity_ != other.exact_capacity_ || sketch_capacity_ != other.sketch_capacity_ ||
      mode_ != other.mode_ || total_ != other.total_ || offset_ != other.offset_ ||
      size_ != other.size_)
    return false;
  const std::vector<Item> a = items_by_hash();
  const std::vector<Item> b = other.items_by_hash();
  for (size_t i = 0; i < a.size(); ++i) {
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
