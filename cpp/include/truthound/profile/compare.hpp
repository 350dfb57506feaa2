// Comparing two profiles column by column from their merged partials (issue 17): for each column,
// what each side holds, a drift measure (drift.hpp) chosen by the column's kind and by whether
// its frequency tables are exact, both sides' shares on common histogram bins, the categories
// side by side with the values only one side has, and exact percentiles.
//
// Each side of a column is read as a comparison sees it (distribution.hpp): ordered columns
// (numbers, dates, times, durations; times in seconds) as their finite values with counts while
// the frequency table is exact, else the quantile function on a grid of (i + 0.5) / m; other
// columns as their frequency table. Nothing here reads a row.
//
//   numbers on one line:  Wasserstein-1 distance in baseline standard deviations, or a two-sample
//                         Kolmogorov–Smirnov test when both tables are exact and a side holds
//                         fewer than `small_sample_rows` finite values;
//   strings, binary, booleans of one kind:  Jensen–Shannon distance of the tables (values a
//                         sketch dropped pooled as one cell), or a chi-squared test of
//                         homogeneity for small exact tables;
//   anything else:        not compared (the reason is the path).
//
// Thresholds, noise corrections and the wording of methods are the caller's: this returns the
// numbers they need.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "truthound/arrow/column_type.hpp"
#include "truthound/profile/partial.hpp"
#include "truthound/stats/counts.hpp"

namespace truthound {

struct CompareOptions {
  uint32_t quantile_grid = 1024;  // points of a quantile function read from a sketch
  uint32_t histogram_bins = 20;
  uint64_t small_sample_rows = 1000;
  uint32_t listed_values = 50;     // at most this many new and missing values
  uint32_t categories_shown = 20;  // at most this many categories side by side
  unsigned threads = 1;            // columns compared at once
};

// The percentiles a comparison reports exactly (p1, p5, p25, p50, p75, p95, p99).
inline constexpr std::array<double, 7> COMPARED_PERCENTILES = {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99};

// What one side of a column holds.
struct ComparedSide {
  ColumnType type;
  Counts counts;
  bool exact = true;  // the frequency table lists every value with its true count
  // From an exact table of an integer or float column without infinities: linear interpolation
  // between order statistics (numpy's default), at COMPARED_PERCENTILES.
  std::optional<std::array<double, 7>> percentiles;
};

enum class DriftPath : uint8_t {
  Numeric,      // both sides on one number line
  Categorical,  // both sides strings, binary or booleans of one kind
  TypeChanged,  // the kinds differ (signed and unsigned integers are one)
  NotProfiled,  // one kind whose values are not profiled (nested, null)
};

enum class DriftMetric : uint8_t { None, Wasserstein, KolmogorovSmirnov, JensenShannon, ChiSquared };

struct DriftNumbers {
  DriftMetric metric = DriftMetric::None;
  bool no_values_on_either_side = false;  // metric None on a Numeric or Categorical path
  bool exact = false;                     // distances: from exact tables on both sides
  double score = 0;                       // the distance, or the p-value of a test
  double error = 0;                       // distances: bound from the sketches
  double noise = 0;                       // distances: rms score of two samples of one distribution
  double statistic = 0;                   // tests: the test statistic
  // KS p-values the exact count cannot give: read the Kolmogorov distribution of n at d.
  std::optional<uint64_t> ks_asymptotic_n;
  double ks_asymptotic_d = 0;
};

struct ComparedHistogram {
  std::vector<double> edges;            // bins + 1 common edges (seconds or days for time kinds)
  std::vector<double> baseline, current;  // each side's share of its finite values per bin
  bool clipped = false;                 // values beyond the edges were counted in the end bins
  bool exact = false;                   // both sides from exact tables (else quantile grids)
};

struct ComparedCategory {
  std::string value;  // canonical bytes
  uint64_t baseline_count = 0, current_count = 0;
  double baseline_share = 0, current_share = 0;
};

struct ListedValue {
  std::string value;
  uint64_t count = 0;
};

struct OneSidedValues {
  std::vector<ListedValue> listed;  // commonest first
  uint64_t count = 0;               // how many such values there are
};

struct ColumnComparisonResult {
  std::string name;
  std::optional<ComparedSide> baseline, current;  // empty on the side that lacks the column
  DriftPath path = DriftPath::NotProfiled;
  DriftNumbers drift;
  std::optional<ComparedHistogram> histogram;
  std::vector<ComparedCategory> categories;
  // Values the current side holds and the baseline lacks, and the reverse; empty when the other
  // side's table is not exact (a sketch cannot say a value is absent).
  std::optional<OneSidedValues> new_values, missing_values;
};

// Compares the named columns (each in at least one partial; unknown names throw InvalidInput)
// in the order given.
std::vector<ColumnComparisonResult> compare_partials(const Partial& baseline, const Partial& current,
                                                     const std::vector<std::string>& columns,
                                                     const CompareOptions& options);

// compare_partials on serialized partials, both decoded at once when options.threads > 1. Bytes
// that do not decode throw as Partial::deserialize does, the message prefixed by the side's
// label (labels: baseline, current).
std::vector<ColumnComparisonResult> compare_serialized(std::string_view baseline, std::string_view current,
                                                       const std::array<std::string, 2>& labels,
                                                       const std::vector<std::string>& columns,
                                                       const CompareOptions& options);

}  // namespace truthound
