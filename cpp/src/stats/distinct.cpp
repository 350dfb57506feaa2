#include "truthound/stats/distinct.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <string>

#include "truthound/error.hpp"

namespace truthound {

namespace {

constexpr size_t MIN_CAPACITY = 16;
// Up to this many slots (64 KiB) the load stays at or below 1/4, beyond it at or below 1/2: a
// sparser small table finds nearly every repeat in its first two slots, and costs little.
constexpr size_t SMALL_CAPACITY = size_t{1} << 13;
// From this many slots (512 KiB) the batch path prefetches: the table no longer sits in L2.
constexpr size_t PREFETCH_MIN_CAPACITY = size_t{1} << 16;
// How many hashes ahead the batch path prefetches a slot.
constexpr size_t PREFETCH_AHEAD = 8;
// The batch path re-checks the table size once per chunk.
constexpr size_t BATCH_CHUNK = 1024;

// Most non-zero hashes a table of `capacity` slots holds.
size_t max_count(size_t capacity) {
  return capacity <= SMALL_CAPACITY ? capacity / 4 : capacity / 2;
}

// The smallest capacity that holds `count` non-zero hashes: what streaming inserts reach, so a
// deserialized counter takes as much memory as the one that was serialized.
size_t capacity_for(uint64_t count) {
  size_t capacity = MIN_CAPACITY;
  while (max_count(capacity) < count) capacity *= 2;
  return capacity;
}

// Sorts v[0, n), which is nearly sorted: linear in n plus the inversions, with std::sort as the
// fallback should there be many (hashes crafted to collide).
void sort_nearly_sorted(uint64_t* v, size_t n) {
  const size_t budget = 8 * n + 64;
  size_t moves = 0;
  for (size_t i = 1; i < n; ++i) {
    const uint64_t x = v[i];
    size_t j = i;
    for (; j > 0 && v[j - 1] > x; --j) v[j] = v[j - 1];
    v[j] = x;
    moves += i - j;
    if (moves > budget) {
      std::sort(v, v + n);
      return;
    }
  }
}

// Moves the hashes of a table of `cap` slots indexed by `hash >> shift` to its front, nearly
// sorted, and returns how many. Slot order is hash order except inside probe clusters, and except
// for the cluster at the front, whose members may have wrapped around from the end: those go last.
size_t compact_nearly_sorted(uint64_t* table, size_t cap, unsigned shift) {
  size_t end_of_front = 0;
  while (table[end_of_front] != 0) ++end_of_front;  // stops: the load is at most 1/2
  std::vector<uint64_t> front, wrapped;
  for (size_t i = 0; i < end_of_front; ++i)
    ((table[i] >> shift) > i ? wrapped : front).push_back(table[i]);
  size_t k = front.size();
  // Branch-free: slots are empty or not at random, which no predictor guesses.
  for (size_t i = end_of_front; i < cap; ++i) {
    const uint64_t h = table[i];
    table[k] = h;
    k += h != 0;
  }
  std::copy(front.begin(), front.end(), table);
  std::copy(wrapped.begin(), wrapped.end(), table + k);
  return k + wrapped.size();
}

}  // namespace

namespace {

uint8_t min_precision(DistinctSketch sketch) {
  return sketch == DistinctSketch::ExaLogLog ? ell::MIN_PRECISION : hll::MIN_PRECISION;
}
uint8_t max_precision(DistinctSketch sketch) {
  return sketch == DistinctSketch::ExaLogLog ? ell::MAX_PRECISION : hll::MAX_PRECISION;
}
const char* sketch_name(DistinctSketch sketch) {
  return sketch == DistinctSketch::ExaLogLog ? "ExaLogLog" : "HyperLogLog";
}

}  // namespace

DistinctCounter::DistinctCounter(uint32_t exact_limit, uint8_t precision, DistinctSketch sketch)
    : exact_limit_(exact_limit), precision_(precision), sketch_(sketch) {
  if (sketch != DistinctSketch::ExaLogLog && sketch != DistinctSketch::HyperLogLog)
    throw InvalidInput("DistinctCounter sketch kind " + std::to_string(static_cast<int>(sketch)) + " unknown");
  if (precision < min_precision(sketch) || precision > max_precision(sketch))
    throw InvalidInput("DistinctCounter " + std::string(sketch_name(sketch)) + " precision " +
                       std::to_string(precision) + ", expected " + std::to_string(min_precision(sketch)) +
                       ".." + std::to_string(max_precision(sketch)));
}

void DistinctCounter::update(const uint64_t* hashes, size_t n) {
  size_t i = 0;
  while (i < n && is_exact()) {
    const size_t end = std::min(n, i + BATCH_CHUNK);
    if (capacity() >= PREFETCH_MIN_CAPACITY) {
      // A large table misses the cache on most inserts; start each load a few hashes early. A
      // prefetch computed before a rehash only hints at a stale slot, which is harmless.
      for (; i < end && is_exact(); ++i) {
        if (i + PREFETCH_AHEAD < n)
          __builtin_prefetch(table_.data() + home_of(hashes[i + PREFETCH_AHEAD]));
        insert_exact(hashes[i]);
      }
    } else {
      for (; i < end && is_exact(); ++i) insert_exact(hashes[i]);
    }
  }
  if (i < n) {
    if (ell_) {
      ell_->update(hashes + i, n - i);
    } else {
      HyperLogLog& sketch = *hll_;
      for (; i < n; ++i) sketch.update(hashes[i]);
    }
  }
}

void DistinctCounter::update_room() {
  const size_t limit_room = exact_limit_ - (has_zero_ ? 1 : 0);  // has_zero_ implies limit >= 1
  fast_room_ = std::min(max_count(capacity()), limit_room);
}

void DistinctCounter::insert_slow(uint64_t hash) {
  if (hash == 0) {
    if (has_zero_) return;
    if (exact_count() >= exact_limit_) {
      to_sketch();
      sketch_update(hash);
      return;
    }
    has_zero_ = true;
    update_room();
    return;
  }
  if (contains(hash)) return;
  if (exact_count() >= exact_limit_) {
    to_sketch();
    sketch_update(hash);
    return;
  }
  if (count_ + 1 > max_count(capacity())) rehash(capacity_for(count_ + 1));
  const size_t mask = capacity() - 1;
  size_t i = home_of(hash);
  while (table_[i] != 0) i = (i + 1) & mask;
  table_[i] = hash;
  ++count_;
}

bool DistinctCounter::contains(uint64_t hash) const {
  if (hash == 0) return has_zero_;
  if (table_.empty()) return false;
  const size_t mask = capacity() - 1;
  for (size_t i = home_of(hash);; i = (i + 1) & mask) {
    const uint64_t slot = table_[i];
    if (slot == hash) return true;
    if (slot == 0) return false;
  }
}

void DistinctCounter::place_sorted(const uint64_t* hashes, size_t n) {
  // Sorted hashes have non-decreasing home slots, so each goes to the first free slot at or after
  // both its home and the previous one's slot, until the end of the table wraps around.
  const size_t cap = capacity();
  size_t next = 0;
  size_t wrap = 0;
  for (size_t k = 0; k < n; ++k) {
    const uint64_t h = hashes[k];
    const size_t i = std::max(home_of(h), next);
    if (i < cap) {
      table_[i] = h;
      next = i + 1;
    } else {
      while (table_[wrap] != 0) ++wrap;
      table_[wrap++] = h;
    }
  }
}

void DistinctCounter::rehash(size_t new_capacity) {
  // Gather the old hashes without a branch per slot, then reinsert them. They come nearly in hash
  // order, so the inserts walk the new table front to back. (Sorting them first so that
  // place_sorted could skip the probes measured slower.)
  const size_t n = count_ > 0 ? compact_nearly_sorted(table_.data(), capacity(), shift_) : 0;
  std::vector<uint64_t> old(new_capacity + 1, 0);
  old.swap(table_);
  shift_ = 64u - static_cast<unsigned>(std::countr_zero(new_capacity));
  const size_t mask = new_capacity - 1;
  for (size_t k = 0; k < n; ++k) {
    const uint64_t h = old[k];
    size_t i = home_of(h);
    while (table_[i] != 0) i = (i + 1) & mask;
    table_[i] = h;
  }
  update_room();
}

void DistinctCounter::to_sketch() {
  if (sketch_ == DistinctSketch::ExaLogLog)
    ell_.emplace(precision_);
  else
    hll_.emplace(precision_);
  for (uint64_t h : table_)
    if (h != 0) sketch_update(h);
  if (has_zero_) sketch_update(0);
  std::vector<uint64_t>().swap(table_);
  shift_ = 64;
  count_ = 0;
  has_zero_ = false;
  fast_room_ = 0;
}

void DistinctCounter::merge(const DistinctCounter& other) {
  if (other.exact_limit_ != exact_limit_ || other.precision_ != precision_ || other.sketch_ != sketch_)
    throw InvalidInput("cannot merge DistinctCounters with exact limit " + std::to_string(exact_limit_) + ", " +
                       sketch_name(sketch_) + " precision " + std::to_string(precision_) + " and exact limit " +
                       std::to_string(other.exact_limit_) + ", " + sketch_name(other.sketch_) + " precision " +
                       std::to_string(other.precision_));
  if (&other == this) return;  // a union with itself changes nothing
  if (is_exact() && exact_count() == 0) {
    *this = other;  // the first merge into a fresh accumulator: a copy
    return;
  }
  if (!other.is_exact()) {
    if (is_exact()) to_sketch();
    if (ell_)
      ell_->merge(*other.ell_);
    else
      hll_->merge(*other.hll_);
    return;
  }
  if (is_exact()) {
    // Other's slots arrive in home order. Into a smaller table they would all land at its front
    // and pile into one cluster (quadratic), so first grow to at least other's capacity.
    const uint64_t union_bound =
        std::min<uint64_t>(exact_count() + other.exact_count(), exact_limit_);
    const size_t wanted = capacity_for(union_bound);
    if (other.count_ > 0 && wanted > capacity()) rehash(wanted);
  }
  // Inserting other's hashes one by one switches to the sketch at exactly the same point as a
  // single pass would, and the sketch ends up holding every hash of the union.
  if (other.has_zero_) update(0);
  for (uint64_t h : other.table_)
    if (h != 0) update(h);
}

uint64_t DistinctCounter::estimate() const {
  if (is_exact()) return exact_count();
  const double e = std::round(ell_ ? ell_->estimate() : hll_->estimate());
  // 2^64 as a double; the sketch caps its estimate there, where the cast would be undefined.
  constexpr double TWO_64 = 18446744073709551616.0;
  return e >= TWO_64 ? std::numeric_limits<uint64_t>::max() : static_cast<uint64_t>(e);
}

double DistinctCounter::relative_standard_error() const { return is_exact() ? 0.0 : sketch_standard_error(); }

double DistinctCounter::sketch_standard_error() const {
  if (sketch_ == DistinctSketch::ExaLogLog) return ExaLogLog::relative_standard_error(precision_);
  return 1.04 / std::sqrt(std::ldexp(1.0, precision_));
}

size_t DistinctCounter::memory_bytes() const {
  size_t bytes = sizeof(*this) + table_.capacity() * sizeof(uint64_t);
  if (hll_) bytes += hll_->memory_bytes() - sizeof(HyperLogLog);
  if (ell_) bytes += ell_->memory_bytes() - sizeof(ExaLogLog);
  return bytes;
}

std::vector<uint64_t> DistinctCounter::sorted_hashes() const {
  std::vector<uint64_t> out;
  if (!table_.empty()) {
    out = table_;
    out.resize(compact_nearly_sorted(out.data(), capacity(), shift_));
    sort_nearly_sorted(out.data(), out.size());
  }
  if (has_zero_) out.insert(out.begin(), 0);
  return out;
}

void DistinctCounter::serialize(ByteWriter& out) const {
  out.put_varint(exact_limit_);
  out.put_u8(precision_);
  if (!is_exact()) {
    out.put_u8(distinct::MODE_SKETCH);
    if (ell_)
      ell_->serialize(out);
    else
      hll_->serialize(out);
    return;
  }
  out.put_u8(distinct::MODE_EXACT);
  const std::vector<uint64_t> hashes = sorted_hashes();
  out.put_varint(hashes.size());
  uint64_t prev = 0;
  for (uint64_t h : hashes) {
    out.put_varint(h - prev);
    prev = h;
  }
}

DistinctCounter DistinctCounter::deserialize(ByteReader& in, DistinctSketch kind) {
  const auto limit = static_cast<uint32_t>(
      in.get_count("DistinctCounter exact limit", std::numeric_limits<uint32_t>::max()));
  const uint8_t precision = in.get_u8("DistinctCounter precision");
  if (precision < min_precision(kind) || precision > max_precision(kind))
    in.fail("DistinctCounter " + std::string(sketch_name(kind)) + " precision " + std::to_string(precision) +
            ", expected " + std::to_string(min_precision(kind)) + ".." + std::to_string(max_precision(kind)));
  DistinctCounter counter(limit, precision, kind);
  const uint8_t mode = in.get_u8("DistinctCounter mode");
  if (mode == distinct::MODE_EXACT) {
    const uint64_t n = in.get_count("DistinctCounter exact count", limit);
    // Every hash takes at least one byte; checked before sizing anything from n.
    if (n > in.remaining())
      in.fail("DistinctCounter exact count " + std::to_string(n) + " but only " +
              std::to_string(in.remaining()) + " bytes left");
    std::vector<uint64_t> hashes(n);
    uint64_t prev = 0;
    for (uint64_t k = 0; k < n; ++k) {
      const uint64_t delta = in.get_varint("DistinctCounter exact hash delta");
      if ((k > 0 && delta == 0) || delta > std::numeric_limits<uint64_t>::max() - prev)
        in.fail("DistinctCounter exact hash " + std::to_string(k) + ": delta " +
                std::to_string(delta) + " after " + std::to_string(prev) +
                ", expected strictly increasing hashes below 2^64");
      prev += delta;
      hashes[k] = prev;
    }
    // Only the first hash can be 0. Size the table as streaming inserts would have.
    counter.has_zero_ = n > 0 && hashes[0] == 0;
    const uint64_t nonzero = n - (counter.has_zero_ ? 1 : 0);
    if (nonzero > 0) {
      counter.rehash(capacity_for(nonzero));
      counter.place_sorted(hashes.data() + (counter.has_zero_ ? 1 : 0), nonzero);
      counter.count_ = nonzero;
    }
    counter.update_room();
  } else if (mode == distinct::MODE_SKETCH && kind == DistinctSketch::ExaLogLog) {
    ExaLogLog sketch = ExaLogLog::deserialize(in);
    if (sketch.precision() != precision)
      in.fail("DistinctCounter sketch precision " + std::to_string(sketch.precision()) +
              ", expected " + std::to_string(precision));
    counter.ell_.emplace(std::move(sketch));
  } else if (mode == distinct::MODE_SKETCH) {
    HyperLogLog sketch = HyperLogLog::deserialize(in);
    if (sketch.precision() != precision)
      in.fail("DistinctCounter sketch precision " + std::to_string(sketch.precision()) +
              ", expected " + std::to_string(precision));
    counter.hll_.emplace(std::move(sketch));
  } else {
    in.fail("DistinctCounter mode " + std::to_string(mode) + ", expected " +
            std::to_string(distinct::MODE_EXACT) + " (exact) or " +
            std::to_string(distinct::MODE_SKETCH) + " (sketch)");
  }
  return counter;
}

bool DistinctCounter::operator==(const DistinctCounter& other) const {
  if (exact_limit_ != other.exact_limit_ || precision_ != other.precision_ || sketch_ != other.sketch_)
    return false;
  if (ell_ || other.ell_) return ell_ == other.ell_;
  if (hll_ || other.hll_) return hll_ == other.hll_;
  if (count_ != other.count_ || has_zero_ != other.has_zero_) return false;
  // Same size, so equal iff every hash of ours is in other's table.
  for (uint64_t h : table_)
    if (h != 0 && !other.contains(h)) return false;
  return true;
}

}  // namespace truthound
