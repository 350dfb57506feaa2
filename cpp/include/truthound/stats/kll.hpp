// KLL quantile sketch over doubles (Karnin, Lang, Liberty, "Optimal Quantile Approximation in
// Streams", FOCS 2016), deterministic and mergeable.
//
// Levels: level h holds items of weight 2^h. Level 0 is a large unsorted buffer
// (kll::LEVEL0_CAPACITY items) that is sorted only when full, by a radix sort on order-preserving
// integer keys; it is then compacted into level 1. Levels above 0 are kept sorted and have the KLL
// capacities max(2, ceil(k * (2/3)^(top - h))). Compacting a level keeps every other item of the
// sorted level (odd or even offset chosen by a coin) and merges them into the next level; an odd
// leftover item stays behind, so sum(size_h * 2^h) == n holds exactly. Compaction is lazy, as in
// Apache DataSketches: after level 0 is compacted, the lowest level at or over its capacity is
// compacted while the levels above 0 together exceed their total capacity.
//
// Error (99% confidence, empirical constants of Apache DataSketches): single-sided normalized rank
// error 2.296 / k^0.9723 (k = 200: 1.33%; the default k = 1,200: 0.233%), double-sided (PMF,
// histograms) 2.446 / k^0.9433 (k = 1,200: 0.305%). On 4M lognormal floats the worst error over
// p1 .. p99 at k = 1,200 was 0.108% (5 seeds; docs/scaling.md has the accuracy-per-byte table).
//
// Bytes: an estimating sketch serializes level 0 compacted, so it ships at most about 3k items
// (28.2 KB at k = 1,200); an exact one ships every item (8 bytes each). While
// no compaction has happened (n <= LEVEL0_CAPACITY, also after merges that stay within it) every
// item is retained and all results are exact.
//
// Determinism: the coin of the i-th compaction is the i-th output of SplitMix64 seeded with the
// sketch's seed; seed and compaction counter are part of the state and of the serialized bytes, so
// the same sequence of updates and merges gives byte-identical bytes. Give each partition its own
// seed if its coins should be independent of the other partitions'.
//
// NaN is not an item: callers skip it (checked by an assert in debug builds only). -0.0 is stored
// as +0.0. ±inf are ordinary items.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "truthound/bytes.hpp"

namespace truthound {

namespace kll {
// Stated rank error 0.233 %, PMF error 0.305 %; at most about 3k items serialized (28.9 KB).
inline constexpr uint16_t DEFAULT_K = 1200;
inline constexpr uint16_t MIN_K = 8;
// Items held unsorted at level 0 before the first sort; also the largest n that stays exact.
inline constexpr uint32_t LEVEL0_CAPACITY = 4096;
// Version byte of the serialized sketch.
inline constexpr uint8_t FORMAT_VERSION = 1;
}  // namespace kll

class KllSketch {
 public:
  // k in [kll::MIN_K, 65535] sets the accuracy; `seed` starts the compaction coins.
  explicit KllSketch(uint16_t k = kll::DEFAULT_K, uint64_t seed = 0);

  // Adds one item; v must not be NaN.
  void update(double v);
  // Adds `count` items; none may be NaN. The fast path: a vectorisable copy into level 0.
  void update(const double* values, size_t count);
  // Adds the items of `other` (left untouched). An empty `other` is the identity, merging into an
  // empty sketch copies `other`; a non-empty `other` with a different k throws InvalidInput. The
  // result (seed and compaction counter included) depends on (this, other) only.
  void merge(const KllSketch& other);

  void serialize(ByteWriter& out) const;
  // Reads one sketch and validates every field; throws CorruptPartial. Does not require the end
  // of the input (a sketch is usually one field of a larger partial).
  static KllSketch deserialize(ByteReader& in);

  uint16_t k() const { return k_; }
  uint64_t n() const { return n_; }
  bool is_empty() const { return n_ == 0; }
  // True while no compaction has happened: every item is retained with weight 1.
  bool is_exact() const { return upper_.empty(); }
  // Exact smallest / largest item; NaN when empty.
  double min_item() const;
  double max_item() const;

  // q in [0, 1], else InvalidInput; NaN when empty. Exact mode: linear interpolation between order
  // statistics, equal to numpy.quantile(x, q) (method "linear") for finite data; where numpy's
  // arithmetic gives NaN on infinite neighbours we return the limit (the infinite neighbour, or the
  // nearer one between -inf and +inf). Estimation mode: the first retained item whose weighted
  // normalized rank reaches q; q = 0 gives min_item(), q = 1 gives max_item().
  double quantile(double q) const;
  // quantile() for each q, sorting the retained items once.
  std::vector<double> quantiles(const std::vector<double>& qs) const;
  // Estimated number of items in each of `bins` equal-width bins over [lo, hi], the last bin
  // closed, binned exactly as numpy.histogram(x, bins, range=(lo, hi)); exact in exact mode.
  // Needs finite lo < hi and bins >= 1, else InvalidInput.
  std::vector<double> histogram(double lo, double hi, uint32_t bins) const;
  // Estimated items per bin of increasing `edges` (at least 2), binned as numpy.histogram(x,
  // edges): [edges[i], edges[i+1]), the last bin closed; exact in exact mode.
  std::vector<double> histogram(const std::vector<double>& edges) const;

  // Bound on |estimated rank - true rank| / n of one quantile (0 when exact).
  double normalized_rank_error() const;
  // Bound on the error of one histogram bin's count, as a fraction of n (0 when exact).
  double pmf_error() const;
  static double rank_error(uint16_t k);
  static double pmf_rank_error(uint16_t k);

  // Items currently stored (all levels).
  size_t retained() const;
  // Bytes held by this sketch, its level buffers included.
  size_t memory_bytes() const;
  // Same observable state: equal serialized bytes.
  bool operator==(const KllSketch& other) const;

 private:
  struct SortedView;
  SortedView sorted_view() const;
  void append_keys(const uint64_t* keys, size_t count);
  void flush_level0();
  void compress();
  void compact_level(size_t h);
  bool next_coin();
  std::vector<double>& level(size_t h) { return upper_[h - 1]; }
  const std::vector<double>& level(size_t h) const { return upper_[h - 1]; }
  size_t top() const { return upper_.size(); }

  uint16_t k_;
  uint64_t seed_;
  uint64_t counter_ = 0;  // compactions so far, including those of merged-in sketches
  uint64_t n_ = 0;
  // Exact min / max of the items that have passed through levels above 0 or come in by merge;
  // level 0's own extremes are found by scanning it when asked.
  double min_;
  double max_;
  // Level 0: order-preserving keys of the items (see kll.cpp), in arrival order.
  std::vector<uint64_t> level0_;
  // OR and AND of all keys in level0_: their XOR is the set of bits the radix sort must look at.
  uint64_t level0_or_ = 0;
  uint64_t level0_and_ = ~uint64_t{0};
  // upper_[h - 1] is level h >= 1, sorted ascending. Empty vector <=> exact mode.
  std::vector<std::vector<double>> upper_;
};

}  // namespace truthound
