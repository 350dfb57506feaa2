#include "truthound/stats/kll.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "truthound/error.hpp"
#include "truthound/stats/exact_values.hpp"
#include "truthound/hash.hpp"

namespace truthound {
namespace {

constexpr uint64_t SIGN_BIT = uint64_t{1} << 63;
constexpr uint64_t GOLDEN_GAMMA = 0x9E3779B97F4A7C15ULL;  // SplitMix64's stream increment
constexpr double INF = std::numeric_limits<double>::infinity();
constexpr double NOT_A_NUMBER = std::numeric_limits<double>::quiet_NaN();
// An item at level h weighs 2^h <= n < 2^64, so levels 0..63 at most.
constexpr size_t MAX_LEVELS = 64;

// ---- Order-preserving keys ------------------------------------------------------------------
// Flipping the sign bit of a non-negative double and every bit of a negative one makes unsigned
// integer order equal numeric order (given -0.0 canonicalised to +0.0, and no NaN).

uint64_t to_key(double v) {
  uint64_t bits = std::bit_cast<uint64_t>(v);
  // 0 - (bits >> 63) rather than an arithmetic shift: SSE2 has no 64-bit one, and this loop
  // must vectorise at plain -O3.
  return bits ^ ((uint64_t{0} - (bits >> 63)) | SIGN_BIT);
}

double from_key(uint64_t key) {
  // Top bit set: the double was non-negative, only its sign bit was flipped.
  return std::bit_cast<double>(key ^ (((key >> 63) - 1) | SIGN_BIT));
}

// ---- Sorting level 0 ------------------------------------------------------------------------
// A textbook LSD radix sort of 64-bit keys needs 6-8 scatter passes. Instead we sort by the top
// CODE_BITS of the bits that vary (two 11-bit passes), which leaves only keys that agree on those
// bits out of order; with 4096 keys such ties are rare, and an insertion pass fixes them. If the
// data is so concentrated that ties are common (insertion work over budget), we fall back to the
// full radix sort of every varying bit. Digits that are equal for all keys are skipped, which
// makes integers stored as doubles and narrow ranges cheap.

constexpr int DIGIT_BITS = 11;
constexpr size_t DIGIT_VALUES = size_t{1} << DIGIT_BITS;
constexpr uint64_t DIGIT_MASK = DIGIT_VALUES - 1;
constexpr int CODE_BITS = 2 * DIGIT_BITS;
constexpr size_t INSERTION_SORT_MAX = 64;
constexpr size_t TIE_FIX_BUDGET_PER_KEY = 4;  // element moves per key before falling back

// Turns digit counts into exclusive prefix sums (the first output slot of each digit). Four
// interleaved running sums: one serial chain costs a cycle per digit value, which for 4096 keys
// and 2048 digit values is a visible share of the whole sort.
void exclusive_prefix_sum(uint32_t* counts) {
  constexpr size_t QUARTER = DIGIT_VALUES / 4;
  std::array<uint32_t, 4> next{};
  for (size_t q = 1; q < 4; ++q) {
    uint32_t total = 0;
    for (size_t b = 0; b < QUARTER; ++b) total += counts[(q - 1) * QUARTER + b];
    next[q] = next[q - 1] + total;
  }
  for (size_t b = 0; b < QUARTER; ++b) {
    for (size_t q = 0; q < 4; ++q) {
      const uint32_t count = counts[q * QUARTER + b];
      counts[q * QUARTER + b] = next[q];
      next[q] += count;
    }
  }
}

// Stable LSD radix sort of keys[0, n) by bits [lo_bit, hi_bit); tmp is scratch for n keys.
void radix_sort(uint64_t* keys, uint64_t* tmp, size_t n, int lo_bit, int hi_bit) {
  const int digits = (hi_bit - lo_bit + DIGIT_BITS - 1) / DIGIT_BITS;
  std::vector<uint32_t> counts(static_cast<size_t>(digits) * DIGIT_VALUES);
  // Two digits per counting pass: the usual sort has exactly two, and a loop over a runtime
  // number of digits costs as much as the counting itself.
  for (int d = 0; d < digits; d += 2) {
    uint32_t* low = counts.data() + static_cast<size_t>(d) * DIGIT_VALUES;
    const int shift = lo_bit + d * DIGIT_BITS;
    if (d + 1 == digits) {
      for (size_t i = 0; i < n; ++i) ++low[(keys[i] >> shift) & DIGIT_MASK];
      break;
    }
    uint32_t* high = low + DIGIT_VALUES;
    for (size_t i = 0; i < n; ++i) {
      const uint64_t key = keys[i];
      ++low[(key >> shift) & DIGIT_MASK];
      ++high[(key >> (shift + DIGIT_BITS)) & DIGIT_MASK];
    }
  }
  uint64_t* src = keys;
  uint64_t* dst = tmp;
  for (int d = 0; d < digits; ++d) {
    uint32_t* offset = counts.data() + static_cast<size_t>(d) * DIGIT_VALUES;
    const int shift = lo_bit + d * DIGIT_BITS;
    if (offset[(src[0] >> shift) & DIGIT_MASK] == n) continue;  // same digit everywhere
    exclusive_prefix_sum(offset);
    for (size_t i = 0; i < n; ++i) {
      const uint64_t key = src[i];
      dst[offset[(key >> shift) & DIGIT_MASK]++] = key;
    }
    std::swap(src, dst);
  }
  if (src != keys) std::memcpy(keys, src, n * sizeof(uint64_t));
}

// Insertion sort that gives up (returns false) after `budget` element moves.
bool insertion_sort(uint64_t* keys, size_t n, size_t budget) {
  size_t moves = 0;
  for (size_t i = 1; i < n; ++i) {
    const uint64_t key = keys[i];
    if (key >= keys[i - 1]) continue;
    size_t j = i;
    do {
      keys[j] = keys[j - 1];
      --j;
    } while (j > 0 && key < keys[j - 1]);
    keys[j] = key;
    moves += i - j;
    if (moves > budget) return false;
  }
  return true;
}

// Sorts keys ascending; `varying` has the bits that differ between keys (OR ^ AND of all keys).
void sort_keys(uint64_t* keys, size_t n, uint64_t varying) {
  if (n < 2 || varying == 0) return;
  if (n <= INSERTION_SORT_MAX) {
    insertion_sort(keys, n, std::numeric_limits<size_t>::max());
    return;
  }
  auto tmp = std::make_unique_for_overwrite<uint64_t[]>(n);
  const int lo_bit = std::countr_zero(varying);
  const int hi_bit = static_cast<int>(std::bit_width(varying));
  if (hi_bit - lo_bit <= CODE_BITS) {
    radix_sort(keys, tmp.get(), n, lo_bit, hi_bit);
    return;
  }
  radix_sort(keys, tmp.get(), n, hi_bit - CODE_BITS, hi_bit);
  if (!insertion_sort(keys, n, TIE_FIX_BUDGET_PER_KEY * n)) radix_sort(keys, tmp.get(), n, lo_bit, hi_bit);
}

// ---- Levels ---------------------------------------------------------------------------------

// KLL capacity of level h >= 1 when the top level is `top`: max(2, ceil(k * (2/3)^(top - h))),
// in exact integer arithmetic so every platform agrees on it.
uint64_t level_capacity(uint16_t k, size_t top, size_t h) {
  const size_t depth = top - h;
  // 65535 * (2/3)^26 < 2, and 3^40 still fits in 64 bits.
  if (depth > 40) return 2;
  uint64_t power_of_3 = 1;
  for (size_t i = 0; i < depth; ++i) power_of_3 *= 3;
  const uint64_t scaled = uint64_t{k} << depth;
  return std::max<uint64_t>(2, (scaled + power_of_3 - 1) / power_of_3);
}

uint64_t total_capacity(uint16_t k, size_t top) {
  uint64_t total = 0;
  for (size_t h = 1; h <= top; ++h) total += level_capacity(k, top, h);
  return total;
}

// Merges the sorted `run` into the sorted `level`. Equal doubles are equal bit patterns here
// (no NaN, no -0.0), so the result does not depend on how ties are ordered.
void merge_into(std::vector<double>& level, std::vector<double> run) {
  if (run.empty()) return;
  if (level.empty()) {
    level = std::move(run);
    return;
  }
  const std::vector<double>& small = level.size() <= run.size() ? level : run;
  const std::vector<double>& large = level.size() <= run.size() ? run : level;
  std::vector<double> merged;
  merged.reserve(level.size() + run.size());
  if (small.size() * 16 <= large.size()) {
    // The usual case during a compaction cascade: a few leftovers and a long run. Binary search
    // and bulk copies instead of a comparison per item.
    auto from = large.begin();
    for (double x : small) {
      const auto to = std::upper_bound(from, large.end(), x);
      merged.insert(merged.end(), from, to);
      merged.push_back(x);
      from = to;
    }
    merged.insert(merged.end(), from, large.end());
  } else {
    // Comparable lengths: a branch-free merge, the comparison picks the source and the cursor.
    merged.resize(level.size() + run.size());
    const double* a = level.data();
    const double* const a_end = a + level.size();
    const double* b = run.data();
    const double* const b_end = b + run.size();
    double* out = merged.data();
    while (a != a_end && b != b_end) {
      const bool take_b = *b < *a;
      *out++ = take_b ? *b : *a;
      b += take_b;
      a += !take_b;
    }
    out = std::copy(a, a_end, out);
    std::copy(b, b_end, out);
  }
  level.swap(merged);
}

// ---- Queries --------------------------------------------------------------------------------

// numpy.quantile(sorted, q, method="linear") for non-empty sorted data.
double linear_quantile(const std::vector<double>& sorted, double q) {
  const size_t last = sorted.size() - 1;
  const double index = static_cast<double>(last) * q;
  if (index >= static_cast<double>(last)) return sorted[last];
  const double below = std::floor(index);
  const size_t i = static_cast<size_t>(below);
  return numpy_lerp(sorted[i], sorted[i + 1], index - below);
}

bool is_negative_zero(double v) { return v == 0.0 && std::signbit(v); }

// A double for an error message, with every digit (std::to_string shows 1e-9 as 0.000000).
std::string show(double v) {
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%.17g", v);
  return text.data();
}

void check_q(double q, const char* where) {
  if (!(q >= 0.0 && q <= 1.0))
    throw InvalidInput(std::string(where) + ": q " + show(q) + ", expected in [0, 1]");
}

std::string level_name(size_t h) { return "KLL level " + std::to_string(h) + " items"; }

}  // namespace

// Retained items in ascending order with cumulative weights (cumulative.back() == n).
struct KllSketch::SortedView {
  std::vector<double> items;
  std::vector<uint64_t> cumulative;
};

KllSketch::KllSketch(uint16_t k, uint64_t seed) : k_(k), seed_(seed), min_(INF), max_(-INF) {
  if (k < kll::MIN_K)
    throw InvalidInput("KllSketch: k " + std::to_string(k) + ", expected in [" +
                       std::to_string(kll::MIN_K) + ", 65535]");
}

void KllSketch::update(double v) {
  assert(!std::isnan(v) && "KllSketch::update: NaN is not an item");
  if (level0_.size() == kll::LEVEL0_CAPACITY) flush_level0();
  const uint64_t key = to_key(v + 0.0);  // + 0.0 turns -0.0 into +0.0
  level0_.push_back(key);
  level0_or_ |= key;
  level0_and_ &= key;
  ++n_;
}

void KllSketch::update(const double* values, size_t count) {
  assert(std::none_of(values, values + count, [](double v) { return std::isnan(v); }) &&
         "KllSketch::update: NaN is not an item");
  while (count > 0) {
    if (level0_.size() == kll::LEVEL0_CAPACITY) flush_level0();
    const size_t chunk = std::min<size_t>(count, kll::LEVEL0_CAPACITY - level0_.size());
    const size_t old_size = level0_.size();
    level0_.resize(old_size + chunk);
    uint64_t* out = level0_.data() + old_size;
    uint64_t any = level0_or_;
    uint64_t all = level0_and_;
    for (size_t i = 0; i < chunk; ++i) {
      const uint64_t key = to_key(values[i] + 0.0);
      out[i] = key;
      any |= key;
      all &= key;
    }
    level0_or_ = any;
    level0_and_ = all;
    n_ += chunk;
    values += chunk;
    count -= chunk;
  }
}

void KllSketch::append_keys(const uint64_t* keys, size_t count) {
  while (count > 0) {
    if (level0_.size() == kll::LEVEL0_CAPACITY) flush_level0();
    const size_t chunk = std::min<size_t>(count, kll::LEVEL0_CAPACITY - level0_.size());
    for (size_t i = 0; i < chunk; ++i) {
      level0_or_ |= keys[i];
      level0_and_ &= keys[i];
    }
    level0_.insert(level0_.end(), keys, keys + chunk);
    keys += chunk;
    count -= chunk;
  }
}

bool KllSketch::next_coin() {
  // The counter-th output of a SplitMix64 generator seeded with seed_.
  return (hash::splitmix64(seed_ + GOLDEN_GAMMA * counter_++) >> 63) != 0;
}

void KllSketch::flush_level0() {
  const size_t size = level0_.size();
  assert(size >= 2);
  sort_keys(level0_.data(), size, level0_or_ ^ level0_and_);
  min_ = std::min(min_, from_key(level0_.front()));
  max_ = std::max(max_, from_key(level0_.back()));
  const size_t leftover = size & 1;  // an odd smallest item stays at level 0
  std::vector<double> run((size - leftover) / 2);
  const uint64_t* from = level0_.data() + leftover + (next_coin() ? 1 : 0);
  for (size_t j = 0; j < run.size(); ++j) run[j] = from_key(from[2 * j]);
  if (upper_.empty()) upper_.emplace_back();
  merge_into(level(1), std::move(run));
  level0_.resize(leftover);
  level0_or_ = leftover ? level0_[0] : 0;
  level0_and_ = leftover ? level0_[0] : ~uint64_t{0};
  compress();
}

void KllSketch::compact_level(size_t h) {
  if (h == top()) upper_.emplace_back();
  std::vector<double>& items = level(h);
  const size_t leftover = items.size() & 1;  // an odd smallest item stays at level h
  std::vector<double> run((items.size() - leftover) / 2);
  const double* from = items.data() + leftover + (next_coin() ? 1 : 0);
  for (size_t j = 0; j < run.size(); ++j) run[j] = from[2 * j];
  items.resize(leftover);
  merge_into(level(h + 1), std::move(run));
}

void KllSketch::compress() {
  std::array<uint64_t, MAX_LEVELS> capacity{};
  for (;;) {
    const size_t levels = top();
    assert(levels < MAX_LEVELS);  // a level-h item weighs 2^h <= n < 2^64
    uint64_t stored = 0;
    uint64_t total = 0;
    for (size_t h = 1; h <= levels; ++h) {
      capacity[h] = level_capacity(k_, levels, h);
      stored += level(h).size();
      total += capacity[h];
    }
    if (stored <= total) return;
    // Some level is over its capacity (else stored <= total), and every capacity is >= 2, so
    // compacting it makes progress.
    size_t h = 1;
    while (level(h).size() < capacity[h]) ++h;
    compact_level(h);
  }
}

void KllSketch::merge(const KllSketch& other) {
  if (other.is_empty()) return;
  if (other.k_ != k_)
    throw InvalidInput("KllSketch::merge: k " + std::to_string(other.k_) + ", expected " +
                       std::to_string(k_));
  if (&other == this) {
    const KllSketch copy(other);
    merge(copy);
    return;
  }
  if (is_empty()) {
    *this = other;
    return;
  }
  if (other.n_ > std::numeric_limits<uint64_t>::max() - n_)
    throw InvalidInput("KllSketch::merge: combined item count exceeds 2^64 - 1");
  // The merged coins depend on both inputs; the counter keeps counting all compactions.
  seed_ = hash::splitmix64(hash::combine(seed_, other.seed_));
  counter_ += other.counter_;
  n_ += other.n_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  if (upper_.size() < other.upper_.size()) upper_.resize(other.upper_.size());
  for (size_t h = 1; h <= other.top(); ++h) merge_into(level(h), other.level(h));
  append_keys(other.level0_.data(), other.level0_.size());
  compress();
}

double KllSketch::min_item() const {
  if (is_empty()) return NOT_A_NUMBER;
  if (level0_.empty()) return min_;
  return std::min(min_, from_key(*std::min_element(level0_.begin(), level0_.end())));
}

double KllSketch::max_item() const {
  if (is_empty()) return NOT_A_NUMBER;
  if (level0_.empty()) return max_;
  return std::max(max_, from_key(*std::max_element(level0_.begin(), level0_.end())));
}

size_t KllSketch::retained() const {
  size_t total = level0_.size();
  for (const auto& items : upper_) total += items.size();
  return total;
}

size_t KllSketch::memory_bytes() const {
  size_t bytes = sizeof(*this) + level0_.capacity() * sizeof(uint64_t) +
                 upper_.capacity() * sizeof(std::vector<double>);
  for (const auto& items : upper_) bytes += items.capacity() * sizeof(double);
  return bytes;
}

KllSketch::SortedView KllSketch::sorted_view() const {
  std::vector<uint64_t> keys = level0_;
  sort_keys(keys.data(), keys.size(), level0_or_ ^ level0_and_);
  std::vector<std::pair<double, uint64_t>> weighted(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) weighted[i] = {from_key(keys[i]), 1};
  std::vector<std::pair<double, uint64_t>> level_items;
  std::vector<std::pair<double, uint64_t>> merged;
  const auto by_value = [](const auto& a, const auto& b) { return a.first < b.first; };
  for (size_t h = 1; h <= top(); ++h) {
    level_items.clear();
    for (double x : level(h)) level_items.emplace_back(x, uint64_t{1} << h);
    merged.resize(weighted.size() + level_items.size());
    std::merge(weighted.begin(), weighted.end(), level_items.begin(), level_items.end(), merged.begin(),
               by_value);
    weighted.swap(merged);
  }
  SortedView view;
  view.items.reserve(weighted.size());
  view.cumulative.reserve(weighted.size());
  uint64_t sum = 0;
  for (const auto& [x, weight] : weighted) {
    sum += weight;
    view.items.push_back(x);
    view.cumulative.push_back(sum);
  }
  return view;
}

double KllSketch::quantile(double q) const { return quantiles({q})[0]; }

std::vector<double> KllSketch::quantiles(const std::vector<double>& qs) const {
  for (double q : qs) check_q(q, "KllSketch::quantile");
  std::vector<double> result(qs.size(), NOT_A_NUMBER);
  if (is_empty() || qs.empty()) return result;
  const SortedView view = sorted_view();
  if (is_exact()) {
    for (size_t i = 0; i < qs.size(); ++i) result[i] = linear_quantile(view.items, qs[i]);
    return result;
  }
  const double n = static_cast<double>(n_);
  for (size_t i = 0; i < qs.size(); ++i) {
    const double q = qs[i];
    if (q == 0.0) {
      result[i] = min_item();
    } else if (q == 1.0) {
      result[i] = max_item();
    } else {
      const double target = q * n;
      auto it = std::lower_bound(view.cumulative.begin(), view.cumulative.end(), target,
                                 [](uint64_t c, double t) { return static_cast<double>(c) < t; });
      const size_t at = std::min<size_t>(static_cast<size_t>(it - view.cumulative.begin()), view.items.size() - 1);
      result[i] = view.items[at];
    }
  }
  return result;
}

std::vector<double> KllSketch::histogram(double lo, double hi, uint32_t bins) const {
  if (!(std::isfinite(lo) && std::isfinite(hi) && lo < hi) || bins == 0)
    throw InvalidInput("KllSketch::histogram: range [" + show(lo) + ", " + show(hi) +
                       "] with " + std::to_string(bins) + " bins, expected finite lo < hi and bins >= 1");
  // A range wider than the largest double (say [-1e308, 1e308]) is binned at half scale, which
  // is exact for normal numbers and keeps every difference finite.
  const double scale = std::isfinite(hi - lo) ? 1.0 : 0.5;
  const double first = lo * scale;
  const double last = hi * scale;
  const double width = last - first;
  // Bin edges and index correction exactly as numpy.linspace / numpy.histogram compute them.
  const double step = width / bins;
  std::vector<double> edges(size_t{bins} + 1);
  for (size_t i = 0; i <= bins; ++i)
    edges[i] = (step == 0 ? static_cast<double>(i) / bins * width : static_cast<double>(i) * step) + first;
  edges[bins] = last;
  std::vector<double> counts(bins, 0.0);
  const auto add = [&](double x, double weight) {
    if (!(x >= lo && x <= hi)) return;
    x *= scale;
    size_t i = static_cast<size_t>((x - first) / width * bins);
    if (i >= bins) i = bins - 1;
    if (x < edges[i] && i > 0) {
      --i;
    } else if (i != bins - 1 && x >= edges[i + 1]) {
      ++i;
    }
    counts[i] += weight;
  };
  for (uint64_t key : level0_) add(from_key(key), 1.0);
  for (size_t h = 1; h <= top(); ++h) {
    const double weight = std::ldexp(1.0, static_cast<int>(h));
    for (double x : level(h)) add(x, weight);
  }
  return counts;
}

std::vector<double> KllSketch::histogram(const std::vector<double>& edges) const {
  if (edges.size() < 2) throw InvalidInput("KllSketch::histogram: fewer than 2 edges");
  std::vector<double> counts(edges.size() - 1, 0.0);
  const auto add = [&](double x, double weight) {
    const std::ptrdiff_t b = histogram_bin(edges, x);
    if (b >= 0) counts[static_cast<size_t>(b)] += weight;
  };
  for (uint64_t key : level0_) add(from_key(key), 1.0);
  for (size_t h = 1; h <= top(); ++h) {
    const double weight = std::ldexp(1.0, static_cast<int>(h));
    for (double x : level(h)) add(x, weight);
  }
  return counts;
}

double KllSketch::rank_error(uint16_t k) { return 2.296 / std::pow(static_cast<double>(k), 0.9723); }

double KllSketch::pmf_rank_error(uint16_t k) { return 2.446 / std::pow(static_cast<double>(k), 0.9433); }

double KllSketch::normalized_rank_error() const { return is_exact() ? 0.0 : rank_error(k_); }

double KllSketch::pmf_error() const { return is_exact() ? 0.0 : pmf_rank_error(k_); }

bool KllSketch::operator==(const KllSketch& other) const {
  return k_ == other.k_ && seed_ == other.seed_ && counter_ == other.counter_ && n_ == other.n_ &&
         std::bit_cast<uint64_t>(min_item()) == std::bit_cast<uint64_t>(other.min_item()) &&
         std::bit_cast<uint64_t>(max_item()) == std::bit_cast<uint64_t>(other.max_item()) &&
         level0_ == other.level0_ && upper_ == other.upper_;
}

// Format (version 1): u8 version, u16 k, u64 seed, varint counter, varint n, [f64 min, f64 max
// when n > 0], varint level count, then per level a varint count and its items as f64 (level 0
// in arrival order, the others ascending).
void KllSketch::serialize(ByteWriter& out) const {
  // Level 0 holds up to kll::LEVEL0_CAPACITY unsorted items (32 KB) because sorting them in bulk
  // is what makes updates fast. Once the sketch is estimating, its bytes carry level 0 compacted
  // like any other level (one more weight-1 compaction, negligible next to the rank error), so a
  // serialized sketch holds at most about 3k items: 28.9 KB at k = 1,200. Exact sketches keep
  // every item. A sketch read back has level 0 already compacted, so its bytes are the same.
  if (!is_exact() && level0_.size() > 1) {
    KllSketch compacted(*this);
    compacted.flush_level0();
    compacted.serialize(out);
    return;
  }
  out.put_u8(kll::FORMAT_VERSION);
  out.put_u16(k_);
  out.put_u64(seed_);
  out.put_varint(counter_);
  out.put_varint(n_);
  if (!is_empty()) {
    out.put_f64(min_item());
    out.put_f64(max_item());
  }
  out.put_varint(1 + upper_.size());
  std::vector<double> items0(level0_.size());
  std::transform(level0_.begin(), level0_.end(), items0.begin(), from_key);
  out.put_array(items0);
  for (const auto& items : upper_) out.put_array(items);
}

KllSketch KllSketch::deserialize(ByteReader& in) {
  const uint8_t version = in.get_u8("KLL version");
  if (version != kll::FORMAT_VERSION)
    in.fail("KLL version " + std::to_string(version) + ", expected " + std::to_string(kll::FORMAT_VERSION));
  const uint16_t k = in.get_u16("KLL k");
  if (k < kll::MIN_K) in.fail("KLL k " + std::to_string(k) + ", at least " + std::to_string(kll::MIN_K));
  KllSketch sketch(k, in.get_u64("KLL seed"));
  sketch.counter_ = in.get_varint("KLL compaction counter");
  sketch.n_ = in.get_varint("KLL item count");
  double lo = INF;
  double hi = -INF;
  if (!sketch.is_empty()) {
    lo = in.get_f64("KLL min");
    hi = in.get_f64("KLL max");
    if (!(lo <= hi) || is_negative_zero(lo) || is_negative_zero(hi))
      in.fail("KLL min " + show(lo) + " and max " + show(hi) +
              ", expected min <= max, neither NaN nor -0.0");
  }
  const size_t levels = in.get_count("KLL level count", MAX_LEVELS);
  if (levels == 0) in.fail("KLL level count 0, expected at least 1");

  // Items are canonical (no NaN, no -0.0) and inside [min, max]; levels above 0 are sorted.
  const auto check_items = [&](const std::vector<double>& items, size_t h, bool sorted) {
    for (size_t i = 0; i < items.size(); ++i) {
      const double x = items[i];
      if (std::isnan(x) || is_negative_zero(x))
        in.fail("KLL level " + std::to_string(h) + " item " + std::to_string(i) + " is NaN or -0.0");
      if (x < lo || x > hi)
        in.fail("KLL level " + std::to_string(h) + " item " + std::to_string(i) + " = " + show(x) +
                ", outside [min, max] = [" + show(lo) + ", " + show(hi) + "]");
      if (sorted && i > 0 && x < items[i - 1])
        in.fail("KLL level " + std::to_string(h) + " not sorted at item " + std::to_string(i));
    }
  };

  const std::vector<double> items0 = in.get_array<double>("KLL level 0 items", kll::LEVEL0_CAPACITY);
  check_items(items0, 0, false);
  const size_t top = levels - 1;
  const uint64_t capacity = total_capacity(k, top);
  uint64_t stored = 0;
  sketch.upper_.resize(top);
  for (size_t h = 1; h <= top; ++h) {
    const std::string what = level_name(h);
    sketch.level(h) = in.get_array<double>(what.c_str(), capacity - stored);
    stored += sketch.level(h).size();
    check_items(sketch.level(h), h, true);
  }
  if (top > 0 && sketch.level(top).empty())
    in.fail("KLL top level " + std::to_string(top) + " is empty, expected the top level to hold items");

  // Weights: sum(size_h * 2^h) must be n exactly.
  uint64_t unaccounted = sketch.n_;
  for (size_t h = 0; h <= top; ++h) {
    const uint64_t size = h == 0 ? items0.size() : sketch.level(h).size();
    if (size > (unaccounted >> h))
      in.fail("KLL level " + std::to_string(h) + " holds " + std::to_string(size) +
              " items of weight 2^" + std::to_string(h) + ", more than the item count " +
              std::to_string(sketch.n_) + " allows");
    unaccounted -= size << h;
  }
  if (unaccounted != 0)
    in.fail("KLL item count " + std::to_string(sketch.n_) + ", but the levels weigh " +
            std::to_string(sketch.n_ - unaccounted));

  if (sketch.is_exact()) {
    if (sketch.counter_ != 0)
      in.fail("KLL compaction counter " + std::to_string(sketch.counter_) + " in an exact sketch, expected 0");
    if (!items0.empty() && (*std::min_element(items0.begin(), items0.end()) != lo ||
                            *std::max_element(items0.begin(), items0.end()) != hi))
      in.fail("KLL min / max do not match the items of an exact sketch");
  }

  sketch.min_ = lo;
  sketch.max_ = hi;
  sketch.level0_.resize(items0.size());
  std::transform(items0.begin(), items0.end(), sketch.level0_.begin(), to_key);
  for (uint64_t key : sketch.level0_) {
    sketch.level0_or_ |= key;
    sketch.level0_and_ &= key;
  }
  return sketch;
}

}  // namespace truthound
