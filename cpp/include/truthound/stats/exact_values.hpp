// Exact order statistics of a multiset of doubles, held as its sorted distinct values with their
// counts: what finalize reads from an exact frequency table (frequency first, column_state.hpp)
// or from a column's retained values, so that percentiles, the median, the IQR and histograms
// are exact while the data allows.
//
// quantile(q) is numpy.quantile(x, q) (method "linear") of the expanded multiset, with numpy's
// own interpolation arithmetic (_lerp); where that arithmetic gives NaN next to an infinity the
// limit is returned instead (as KllSketch does). histogram(edges) is numpy.histogram(x, edges):
// bin i holds edges[i] <= x < edges[i + 1], the last bin also x == edges.back().
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace truthound {

class WeightedValues {
 public:
  WeightedValues() = default;
  // From (value, count) pairs in any order; equal values are combined, counts of 0 dropped. No
  // value may be NaN (callers skip it).
  static WeightedValues from_pairs(std::vector<std::pair<double, uint64_t>> pairs);
  // From single values in any order.
  static WeightedValues from_values(std::vector<double> values);

  uint64_t n() const { return cumulative_.empty() ? 0 : cumulative_.back(); }
  size_t distinct() const { return values_.size(); }
  bool empty() const { return values_.empty(); }
  double min() const { return values_.front(); }
  double max() const { return values_.back(); }
  const std::vector<double>& values() const { return values_; }
  uint64_t count(size_t i) const { return cumulative_[i] - (i ? cumulative_[i - 1] : 0); }

  // The rank-th smallest item (0-based), rank < n().
  double at(uint64_t rank) const;
  // numpy.quantile(x, q, method="linear"), q in [0, 1]; NaN when empty.
  double quantile(double q) const;
  // numpy.histogram(x, bins=edges)[0]; edges strictly increasing, at least 2 of them.
  std::vector<double> histogram(const std::vector<double>& edges) const;
  // Calls fn(value) for every item in ascending order (each value count times), in chunks.
  template <typename Fn>
  void expand(Fn&& fn) const {
    std::vector<double> chunk;
    chunk.reserve(4096);
    for (size_t i = 0; i < values_.size(); ++i) {
      for (uint64_t c = count(i); c > 0; --c) {
        chunk.push_back(values_[i]);
        if (chunk.size() == 4096) {
          fn(chunk.data(), chunk.size());
          chunk.clear();
        }
      }
    }
    if (!chunk.empty()) fn(chunk.data(), chunk.size());
  }

 private:
  std::vector<double> values_;       // ascending, distinct
  std::vector<uint64_t> cumulative_;  // cumulative_[i]: items <= values_[i]
};

// numpy's _lerp(a, b, t) = a + (b - a) t, computed from b when t >= 0.5; the limit instead of
// NaN next to an infinity.
double numpy_lerp(double a, double b, double t);
// numpy.histogram's bin of x for increasing edges, or -1 when x lies outside [front, back].
std::ptrdiff_t histogram_bin(const std::vector<double>& edges, double x);
// numpy.linspace(lo, hi, bins + 1) as numpy.histogram(x, bins, range=(lo, hi)) computes it;
// finite lo < hi.
std::vector<double> equal_width_edges(double lo, double hi, uint32_t bins);

}  // namespace truthound
