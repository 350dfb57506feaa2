#include "truthound/stats/exact_values.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace truthound {

WeightedValues WeightedValues::from_pairs(std::vector<std::pair<double, uint64_t>> pairs) {
  std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  WeightedValues w;
  w.values_.reserve(pairs.size());
  w.cumulative_.reserve(pairs.size());
  uint64_t total = 0;
  for (const auto& [v, c] : pairs) {
    if (c == 0) continue;
    total += c;
    if (!w.values_.empty() && w.values_.back() == v) {
      w.cumulative_.back() = total;
    } else {
      w.values_.push_back(v == 0 ? 0.0 : v);  // -0.0 and +0.0 are one value
      w.cumulative_.push_back(total);
    }
  }
  return w;
}

WeightedValues WeightedValues::from_values(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  WeightedValues w;
  uint64_t total = 0;
  for (double v : values) {
    ++total;
    if (!w.values_.empty() && w.values_.back() == v) {
      w.cumulative_.back() = total;
    } else {
      w.values_.push_back(v == 0 ? 0.0 : v);
      w.cumulative_.push_back(total);
    }
  }
  return w;
}

double WeightedValues::at(uint64_t rank) const {
  auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), rank);
  return values_[static_cast<size_t>(it - cumulative_.begin())];
}

double numpy_lerp(double a, double b, double t) {
  if (a == b) return a;
  if (std::isinf(a) || std::isinf(b)) {
    if (t == 0) return a;
    if (std::isinf(a) && std::isinf(b)) return t < 0.5 ? a : b;
    return std::isinf(a) ? a : b;
  }
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

double WeightedValues::quantile(double q) const {
  if (empty()) return std::numeric_limits<double>::quiet_NaN();
  const uint64_t last = n() - 1;
  const double index = static_cast<double>(last) * q;
  if (index >= static_cast<double>(last)) return max();
  const double below = std::floor(index);
  const auto i = static_cast<uint64_t>(below);
  return numpy_lerp(at(i), at(i + 1), index - below);
}

std::ptrdiff_t histogram_bin(const std::vector<double>& edges, double x) {
  if (!(x >= edges.front() && x <= edges.back())) return -1;
  if (x == edges.back()) return static_cast<std::ptrdiff_t>(edges.size()) - 2;
  return (std::upper_bound(edges.begin(), edges.end(), x) - edges.begin()) - 1;
}

std::vector<double> WeightedValues::histogram(const std::vector<double>& edges) const {
  std::vector<double> counts(edges.size() - 1, 0.0);
  for (size_t i = 0; i < values_.size(); ++i) {
    const std::ptrdiff_t b = histogram_bin(edges, values_[i]);
    if (b >= 0) counts[static_cast<size_t>(b)] += static_cast<double>(count(i));
  }
  return counts;
}

std::vector<double> equal_width_edges(double lo, double hi, uint32_t bins) {
  // A range wider than the largest double is laid out at half scale (as KllSketch::histogram).
  const double scale = std::isfinite(hi - lo) ? 1.0 : 0.5;
  const double first = lo * scale, last = hi * scale, width = last - first;
  const double step = width / bins;
  std::vector<double> edges(size_t{bins} + 1);
  for (size_t i = 0; i <= bins; ++i)
    edges[i] = ((step == 0 ? static_cast<double>(i) / bins * width : static_cast<double>(i) * step) + first) / scale;
  edges.front() = lo;
  edges.back() = hi;
  return edges;
}

}  // namespace truthound
