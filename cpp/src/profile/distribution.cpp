#include "truthound/profile/distribution.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <numeric>
#include <unordered_set>

#include "truthound/error.hpp"

namespace truthound {
namespace {

// Canonical value bytes (see column_update.cpp) as a point on the number line.
double to_number(const ColumnType& type, std::string_view bytes) {
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

FrequencyTable frequency_table(const ColumnState& state, bool ordered) {
  const FrequentItems& f = *state.frequent();
  FrequencyTable t;
  t.exact = f.is_exact();
  t.total = f.total();
  t.max_error = f.maximum_error();
  if (!ordered) {
    // In hash order: the hash is the engine's identity of the value.
    const std::vector<HashedItem> all = f.by_hash();
    t.keys.reserve(all.size());
    t.counts.reserve(all.size());
    t.values.reserve(all.size());
    for (const HashedItem& e : all) {
      t.keys.push_back(e.hash);
      t.counts.push_back(e.count);
      t.values.emplace_back(e.value);
    }
    return t;
  }
  // Ordered: by number, NaN last (-0.0 was stored as +0.0, so the numbers are distinct).
  std::vector<std::pair<double, uint64_t>> all;
  all.reserve(f.size());
  f.for_each([&](uint64_t, uint64_t count, std::string_view value, bool) {
    all.emplace_back(to_number(state.type(), value), count);
  });
  auto nan = std::partition(all.begin(), all.end(), [](const auto& e) { return !std::isnan(e.first); });
  std::sort(all.begin(), nan, [](const auto& a, const auto& b) { return a.first < b.first; });
  t.numbers.reserve(all.size());
  t.counts.reserve(all.size());
  for (const auto& [number, count] : all) {
    t.numbers.push_back(number);
    t.counts.push_back(count);
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

}  // namespace

ColumnDistribution column_distribution(const ColumnState& state, uint32_t grid) {
  ColumnDistribution d;
  d.name = state.name();
  d.type = state.type();
  d.counts = state.counts();
  d.ordered = d.type.is_ordered_number();
  if (state.frequent()) d.frequencies = frequency_table(state, d.ordered);
  // The quantile function of an exact table is the table itself. Past it, the retained values
  // (exact) or the KLL sketch.
  if (!(d.frequencies && d.frequencies->exact)) {
    if (state.quantiles()) {
      d.quantiles = quantile_grid(*state.quantiles(), grid);
    } else if (std::optional<WeightedValues> exact = state.exact_values(); exact && !exact->empty()) {
      QuantileGrid q;
      q.n = exact->n();
      q.min = exact->min();
      q.max = exact->max();
      q.values.resize(grid);
      for (uint32_t i = 0; i < grid; ++i) q.values[i] = exact->quantile((i + 0.5) / grid);
      d.quantiles = std::move(q);
    }
  }
  if (const auto& m = state.moments(); m && m->count() > 0) {
    MomentsResult r = m->finalize();
    d.moment_count = m->count();
    d.mean = r.mean;
    double n = static_cast<double>(m->count());
    d.variance = r.variance ? *r.variance * (n - 1) / n : 0.0;
  }
  return d;
}

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
    if (wanted.empty() || wanted.count(c.name())) out.push_back(column_distribution(c, grid));
  return out;
}

}  // namespace truthound
