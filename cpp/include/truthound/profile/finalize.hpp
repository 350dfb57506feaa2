// Turns a partial profile's states into statistics: quantiles, histogram, top and bottom values,
// string lengths, the duplicate-row count. Every approximate figure carries its method and bound.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "truthound/profile/partial.hpp"

namespace truthound {

struct FinalizeOptions {
  uint32_t top_n = 10;
  // An exact frequency table with at most this many values returns them all as top values (and
  // bottom values): type inference and alerts read every value and count. 0: top_n only.
  uint32_t all_values_up_to = 0;
  uint32_t histogram_bins = 20;
  std::vector<double> quantiles = {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99};
  double pattern_report_ratio = 0.8;  // truthound's min_pattern_match_ratio
  double pattern_type_ratio = 0.9;    // truthound's type-inference threshold
  void validate() const;
};

struct QuantileResult {
  double q = 0;
  double value = 0;
};

struct HistogramResult {
  double lo = 0, hi = 0;        // edges.front(), edges.back()
  // counts[i] items in [edges[i], edges[i+1]), the last bin closed: numpy.histogram(x, edges).
  // One bar per value for exact columns of at most `bins` distinct values; bars a whole number
  // of integers wide for integer, date and time columns; else equal width over [min, max].
  std::vector<double> edges;
  std::vector<double> counts;   // exact, or estimated from the KLL sketch
  double count_error = 0;       // bound on each bin's count error (0 = exact)
};

struct ValueCount {
  std::string value;  // canonical bytes: 8 (integers, floats, dates...), 16 (decimals) or the string itself
  bool truncated = false;
  uint64_t count = 0;
};

struct LengthResult {
  uint64_t min_chars = 0, max_chars = 0;
  double mean_chars = 0;
  uint64_t min_bytes = 0, max_bytes = 0;
  double mean_bytes = 0;
};

struct ColumnResult {
  std::string name;
  uint32_t ordinal = 0;
  ColumnType type;
  Counts counts;
  std::string note;  // why a column is not profiled, when it is not

  bool has_distinct = false;
  uint64_t distinct_count = 0;
  bool distinct_exact = true;
  double distinct_error = 0;  // relative standard error (0 = exact)
  std::string distinct_method = "exact";  // "exact", "exaloglog" or "hyperloglog" (format 1)

  std::optional<int128> int_min, int_max;
  std::optional<double> float_min, float_max;
  std::optional<std::string> bytes_min, bytes_max;
  std::optional<MomentsResult> moments;
  std::optional<int128> int_sum;

  std::vector<QuantileResult> quantiles;
  bool quantiles_exact = true;
  double quantile_rank_error = 0;  // normalized rank error (0 = exact)
  std::optional<HistogramResult> histogram;

  std::vector<ValueCount> top_values, bottom_values;
  bool frequencies_exact = true;
  uint64_t frequency_error = 0;  // bound on how far any count may be under-estimated
  std::optional<LengthResult> lengths;
  std::vector<PatternResult> patterns;         // ratio ≥ FinalizeOptions::pattern_report_ratio
  std::string pattern_type;                    // truthound DataType implied by a pattern (≥ 0.9), or ""
  std::vector<std::string> pattern_data_types;  // data type of each entry of `patterns`
};

struct TableResult {
  uint64_t rows = 0;
  uint64_t units = 0;
  uint16_t format_version = 0;  // of the partial finalized
  std::optional<uint64_t> duplicate_rows;
  bool duplicates_exact = true;
  double duplicates_error = 0;  // relative standard error of the distinct-row estimate
  std::string duplicates_method = "exact";  // as ColumnResult::distinct_method
  uint64_t estimated_memory_bytes = 0;
  std::vector<ColumnResult> columns;
};

TableResult finalize(const Partial& partial, const FinalizeOptions& options);

}  // namespace truthound
