#include "truthound/profile/distribution.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <numeric>
#include <unordered_set>

#include "truthound/error.hpp"
#include "truthound/hash.hpp"

namespace truthound {
namespace {

// Canonical value bytes (see column_update.cpp) as a point on the number line.
double to_number(const ColumnType& type, const std::string& bytes) {
  if (type.kind == Kind::Decimal) {
    int128 v = 0;
    std::memcpy(&v, bytes.data(), std::min<size_t>(16, bytes.size()));
    return static_cast<double>(v) / std::pow(10.0, type.scale);
  }
  uint64_t bits = 0;
  std::memcpy(&bits, bytes.data(), std::min<size_t>(8, bytes.size()));
  switch (type.kind) {
    case Kind::Float: return std::bit_cast<double>(bits);
    case Kind::Unsigned: return static_cast<double>(bits);
    default: return static_cast<double>(static_cast<int64_t>(bits));
  }
}

// Equal values give equal keys on both sides of a comparison; a truncated prefix never equals
// the whole value it starts.
uint64_t key_of(const std::string& bytes, bool truncated) {
  uint64_t h = hash::of_bytes(bytes);
  return truncated ? hash::combine(h, 0x7472756e63617465ULL) : h;  // "truncate"
}

FrequencyTable frequency_table(const ColumnState& state, bool ordered) {
  const FrequentItems& f = *state.frequent();
  FrequencyTable t;
  t.exact = f.is_exact();
  t.total = f.total();
  t.max_error = f.maximum_error();
  std::vector<FrequentItem> items = f.top(f.size());
  const size_t n = items.size();
  std::vector<uint64_t> keys(n);
  std::vector<double> numbers(ordered ? n : 0);
  for (size_t i = 0; i < n; ++i) {
    keys[i] = key_of(items[i].value, items[i].truncated);
    if (ordered) numbers[i] = to_number(state.type(), items[i].value);
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  if (ordered) {
    // NaN last; -0.0 was stored as +0.0, so numbers are distinct
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      bool na = std::isnan(numbers[a]), nb = std::isnan(numbers[b]);
      if (na != nb) return nb;
      return !na && numbers[a] < numbers[b];
    });
  } else {
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return keys[a] < keys[b]; });
  }
  t.keys.reserve(n);
  t.counts.reserve(n);
  for (size_t i : order) {
    t.keys.push_back(keys[i]);
    t.counts.push_back(items[i].count);
    if (ordered) {
      t.numbers.push_back(numbers[i]);
    } else {
      t.values.push_back(std::move(items[i].value));
      t.truncated.push_back(items[i].truncated);
    }
  }
  return t;
}

QuantileGrid quantile_grid(const KllSketch& kll, uint32_t grid) {
  QuantileGrid q;
  q.exact = kll.is_exact();
  q.rank_error = kll.normalized_rank_error();
  q.n = kll.n();
  q.min = kll.min_item();
  q.max = kll.max_item();
  if (kll.is_empty()) return q;
  std::vector<double> us(grid);
  for (uint32_t i = 0; i < grid; ++i) us[i] = (i + 0.5) / grid;
  q.values = kll.quantiles(us);
  return q;
}

ColumnDistribution distribution_of(const ColumnState& state, uint32_t grid) {
  ColumnDistribution d;
  d.name = state.name();
  d.type = state.type();
  d.counts = state.counts();
  d.ordered = d.type.is_ordered_number();
  if (state.frequent()) d.frequencies = frequency_table(state, d.ordered);
  // The quantile function of an exact table is the table itself.
  if (state.quantiles() && !(d.frequencies && d.frequencies->exact))
    d.quantiles = quantile_grid(*state.quantiles(), grid);
  if (const auto& m = state.moments(); m && m->count() > 0) {
    MomentsResult r = m->finalize();
    d.moment_count = m->count();
    d.mean = r.mean;
    double n = static_cast<double>(m->count());
    d.variance = r.variance ? *r.variance * (n - 1) / n : 0.0;
  }
  return d;
}

}  // namespace

std::vector<ColumnDistribution> column_distributions(const Partial& partial, const std::vector<std::string>& columns,
                                                     uint32_t grid) {
  if (grid < 1 || grid > distribution::MAX_GRID)
    throw InvalidInput("quantile grid of " + std::to_string(grid) + " points, expected 1 to " +
                       std::to_string(distribution::MAX_GRID));
  std::unordered_set<std::string> wanted(columns.begin(), columns.end());
  for (const std::string& name : wanted) {
    bool found = std::any_of(partial.columns().begin(), partial.columns().end(),
                             [&](const ColumnState& c) { return c.name() == name; });
    if (!found) throw InvalidInput("no column named \"" + name + "\" in the profile");
  }
  std::vector<ColumnDistribution> out;
  for (const ColumnState& c : partial.columns())
    if (wanted.empty() || wanted.count(c.name())) out.push_back(distribution_of(c, grid));
  return out;
}

}  // namespace truthound
