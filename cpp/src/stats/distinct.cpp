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
// Below this many slots (128 KiB) the table sits in L2 and prefetching only costs.
constexpr size_t PREFETCH_MIN_SLOTS = size_t{1} << 14;
// How many hashes ahead the batch path prefetches a slot.
constexpr size_t PREFETCH_AHEAD = 8;

// The capacity streaming inserts reach for `count` non-zero hashes: the smallest power of two
// of at least MIN_CAPACITY that keeps the load at or below 1/2.
size_t capacity_for(uint64_t count) {
  return std::max(MIN_CAPACITY, std::bit_ceil(static_cast<size_t>(count) * 2));
}

}  // namespace

DistinctCounter::DistinctCounter(uint32_t exact_limit, uint8_t precision)
    : exact_limit_(exact_limit), precision_(precision) {
  if (precision < hll::MIN_PRECISION || precision > hll::MAX_PRECISION)
    throw InvalidInput("DistinctCounter precision " + std::to_string(precision) + ", expected " +
                       std::to_string(hll::MIN_PRECISION) + ".." +
                       std::to_string(hll::MAX_PRECISION));
}

void DistinctCounter::update(const uint64_t* hashes, size_t n) {
  size_t i = 0;
  while (i < n && !hll_) {
    // A large table misses the cache on almost every insert; start the load a few hashes early.
    // (A prefetch computed before a rehash only hints at a stale slot, which is harmless.)
    if (table_.size() >= PREFETCH_MIN_SLOTS && i + PREFETCH_AHEAD < n)
      __builtin_prefetch(table_.data() + slot_of(hashes[i + PREFETCH_AHEAD]));
    insert_exact(hashes[i]);
    ++i;
  }
  if (i < n) {
    HyperLogLog& sketch = *hll_;
    for (; i < n; ++i) sketch.update(hashes[i]);
  }
}

void DistinctCounter::insert_slow(uint64_t hash) {
  // Here a non-zero hash is known to be absent: the fast path probed for it, or the table is empty.
  if (hash == 0 && has_zero_) return;
  if (exact_count() >= exact_limit_) {
    to_sketch();
    hll_->update(hash);
    return;
  }
  if (hash == 0) {
    has_zero_ = true;
    return;
  }
  if ((count_ + 1) * 2 > table_.size()) rehash(capacity_for(count_ + 1));
  const size_t mask = table_.size() - 1;
  size_t i = slot_of(hash);
  while (table_[i] != 0) i = (i + 1) & mask;
  table_[i] = hash;
  ++count_;
}

void DistinctCounter::rehash(size_t capacity) {
  std::vector<uint64_t> old(capacity, 0);
  old.swap(table_);
  shift_ = 64u - static_cast<unsigned>(std::countr_zero(capacity));
  const size_t mask = capacity - 1;
  for (uint64_t h : old) {
    if (h == 0) continue;
    size_t i = slot_of(h);
    while (table_[i] != 0) i = (i + 1) & mask;
    table_[i] = h;
  }
}

void DistinctCounter::to_sketch() {
  hll_.emplace(precision_);
  for (uint64_t h : table_)
    if (h != 0) hll_->update(h);
  if (has_zero_) hll_->update(0);
  std::vector<uint64_t>().swap(table_);
  shift_ = 64;
  count_ = 0;
  has_zero_ = false;
}

void DistinctCounter::merge(const DistinctCounter& other) {
  if (other.exact_limit_ != exact_limit_ || other.precision_ != precision_)
    throw InvalidInput("cannot merge DistinctCounters with exact limit " +
                       std::to_string(exact_limit_) + ", precision " + std::to_string(precision_) +
                       " and exact limit " + std::to_string(other.exact_limit_) + ", precision " +
                       std::to_string(other.precision_));
  if (&other == this) return;  // a union with itself changes nothing
  if (other.hll_) {
    if (!hll_) to_sketch();
    hll_->merge(*other.hll_);
    return;
  }
  // Inserting other's hashes one by one switches to the sketch at exactly the same point as a
  // single pass would, and the sketch ends up holding every hash of the union.
  if (other.has_zero_) update(0);
  for (uint64_t h : other.table_)
    if (h != 0) update(h);
}

uint64_t DistinctCounter::estimate() const {
  if (!hll_) return exact_count();
  const double e = std::round(hll_->estimate());
  // 2^64 as a double; the estimate cannot reach it in practice, but the cast would be undefined.
  constexpr double TWO_64 = 18446744073709551616.0;
  return e >= TWO_64 ? std::numeric_limits<uint64_t>::max() : static_cast<uint64_t>(e);
}

double DistinctCounter::relative_standard_error() const {
  return hll_ ? hll_->relative_standard_error() : 0.0;
}

size_t DistinctCounter::memory_bytes() const {
  size_t bytes = sizeof(*this) + table_.capacity() * sizeof(uint64_t);
  if (hll_) bytes += hll_->memory_bytes() - sizeof(HyperLogLog);
  return bytes;
}

std::vector<uint64_t> DistinctCounter::sorted_hashes() const {
  std::vector<uint64_t> out;
  out.reserve(exact_count());
  if (has_zero_) out.push_back(0);
  for (uint64_t h : table_)
    if (h != 0) out.push_back(h);
  std::sort(out.begin() + (has_zero_ ? 1 : 0), out.end());
  return out;
}

void DistinctCounter::serialize(ByteWriter& out) const {
  out.put_varint(exact_limit_);
  out.put_u8(precision_);
  if (hll_) {
    out.put_u8(distinct::MODE_SKETCH);
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

DistinctCounter DistinctCounter::deserialize(ByteReader& in) {
  const auto limit = static_cast<uint32_t>(
      in.get_count("DistinctCounter exact limit", std::numeric_limits<uint32_t>::max()));
  const uint8_t precision = in.get_u8("DistinctCounter precision");
  if (precision < hll::MIN_PRECISION || precision > hll::MAX_PRECISION)
    in.fail("DistinctCounter precision " + std::to_string(precision) + ", expected " +
            std::to_string(hll::MIN_PRECISION) + ".." + std::to_string(hll::MAX_PRECISION));
  DistinctCounter counter(limit, precision);
  const uint8_t mode = in.get_u8("DistinctCounter mode");
  if (mode == distinct::MODE_EXACT) {
    const uint64_t n = in.get_count("DistinctCounter exact count", limit);
    // Every hash takes at least one byte; checked before sizing the table from n.
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
    if (nonzero > 0) counter.rehash(capacity_for(nonzero));
    const size_t mask = counter.table_.size() - 1;
    for (uint64_t h : hashes) {
      if (h == 0) continue;
      size_t i = counter.slot_of(h);
      while (counter.table_[i] != 0) i = (i + 1) & mask;
      counter.table_[i] = h;
    }
    counter.count_ = nonzero;
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
  if (exact_limit_ != other.exact_limit_ || precision_ != other.precision_) return false;
  if (hll_ || other.hll_) return hll_ == other.hll_;
  if (count_ != other.count_ || has_zero_ != other.has_zero_) return false;
  if (count_ == 0) return true;
  // Same size, so equal iff every hash of ours is in other's table.
  const size_t mask = other.table_.size() - 1;
  for (uint64_t h : table_) {
    if (h == 0) continue;
    size_t i = other.slot_of(h);
    for (;;) {
      const uint64_t slot = other.table_[i];
      if (slot == h) break;
      if (slot == 0) return false;
      i = (i + 1) & mask;
    }
  }
  return true;
}

}  // namespace truthound
