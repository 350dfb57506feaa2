// A column's value distribution as plain data, read from a merged partial profile: what a
// comparison of two profiles needs and nothing else.
//
//   - the frequency table: every distinct value and its count while the column's frequent-items
//     state is exact; past it, the values the Misra–Gries summary still tracks, each count a lower
//     bound within `max_error` of the truth (Agarwal et al., "Mergeable Summaries", PODS 2012);
//   - the quantile function on a grid u_i = (i + 0.5) / m, only when the frequency table is not
//     exact (an exact table gives the exact quantile function itself): exact from the column's
//     retained values up to column::EXACT_QUANTILE_VALUES of them, else KLL estimates, each
//     within `rank_error` in rank of the truth (Karnin, Lang, Liberty 2016).
//
// This reads today's ColumnState parts (FrequentItems, KllSketch, Moments) through their public
// getters only, so a new column state changes this file and nothing that uses it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "truthound/arrow/column_type.hpp"
#include "truthound/profile/partial.hpp"
#include "truthound/stats/counts.hpp"

namespace truthound {

struct FrequencyTable {
  bool exact = true;       // every distinct value is listed with its true count
  uint64_t total = 0;      // non-null values counted (exact)
  uint64_t max_error = 0;  // each count may be low by at most this; 0 when exact
  // One entry per tracked value. Ordered columns (numbers, dates, times): ascending by `number`,
  // NaN last. Others: ascending by `key`.
  std::vector<uint64_t> keys;       // identity of the value (equal values, equal keys)
  std::vector<double> numbers;      // the value on the number line (ordered columns only)
  std::vector<uint64_t> counts;     // count, or its lower bound when not exact
  std::vector<std::string> values;  // canonical bytes (unordered columns only)
};

struct QuantileGrid {
  bool exact = true;
  double rank_error = 0;  // bound on each grid value's normalized rank error
  uint64_t n = 0;         // non-NaN values the sketch holds
  double min = 0, max = 0;
  std::vector<double> values;  // quantile at u_i = (i + 0.5) / values.size()
};

struct ColumnDistribution {
  std::string name;
  ColumnType type;
  Counts counts;
  bool ordered = false;  // numbers, dates, times and durations: values lie on a line
  std::optional<FrequencyTable> frequencies;
  std::optional<QuantileGrid> quantiles;
  // Exact moments of the finite values (numeric columns only): count, mean, population variance.
  std::optional<uint64_t> moment_count;
  std::optional<double> mean, variance;
};

namespace distribution {
inline constexpr uint32_t DEFAULT_GRID = 1024;
inline constexpr uint32_t MAX_GRID = 1u << 20;
}  // namespace distribution

// The distribution of one column; `grid` (1..MAX_GRID, not checked here) is the size of the
// quantile grid.
ColumnDistribution column_distribution(const ColumnState& state, uint32_t grid);

// The distributions of `columns` (all when empty; unknown names throw InvalidInput), in the
// partial's column order. `grid` (1..MAX_GRID) is the size of the quantile grid.
std::vector<ColumnDistribution> column_distributions(const Partial& partial, const std::vector<std::string>& columns,
                                                     uint32_t grid = distribution::DEFAULT_GRID);

}  // namespace truthound
