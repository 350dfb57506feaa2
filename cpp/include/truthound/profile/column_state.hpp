// The mergeable state of one column: the accumulators that apply to its kind, fed one Arrow
// array at a time. Which accumulators exist depends only on the column's Kind, so two states of
// the same column always hold the same parts and merge part by part.
//
// Frequency first (partial format 2). While the column has at most frequent_exact_capacity
// distinct values, the exact frequency table (FrequentItems) is the only place its values are
// stored: distinct count, top and bottom values, quantiles and the histogram are all read from it
// at finalize. The distinct counter and the quantile state do not exist yet. When a distinct
// value past the capacity arrives (in an update or a merge), the table is spilled: its hashes go
// into a DistinctCounter (exact to distinct_exact_limit, then ExaLogLog) and its values, in
// ascending order, into the quantile state, before the table becomes a Misra–Gries summary. The
// quantile state keeps the values themselves up to column::EXACT_QUANTILE_VALUES of them (exact
// quantiles whatever the cardinality), then a KLL sketch fed with them in ascending order. Both
// spills depend only on the multiset of values, so exact statistics are identical for every
// partitioning; the sketches' bytes may differ by plan.
//
// Format-1 states (read from old partials) keep their layout: a DistinctCounter with HyperLogLog,
// the frequency table and a KLL sketch side by side.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "truthound/arrow/array_view.hpp"
#include "truthound/arrow/column_type.hpp"
#include "truthound/boxed.hpp"
#include "truthound/bytes.hpp"
#include "truthound/profile/options.hpp"
#include "truthound/stats/counts.hpp"
#include "truthound/stats/distinct.hpp"
#include "truthound/stats/exact_values.hpp"
#include "truthound/stats/frequent.hpp"
#include "truthound/stats/kll.hpp"
#include "truthound/stats/lengths.hpp"
#include "truthound/stats/moments.hpp"
#include "truthound/stats/patterns.hpp"
#include "truthound/stats/range.hpp"

namespace truthound {

namespace column {
// Values kept exactly (8 bytes each) once the frequency table has spilled, before the KLL sketch
// takes over: quantiles are exact up to this many non-null values whatever the cardinality.
inline constexpr uint32_t EXACT_QUANTILE_VALUES = 65'536;
}  // namespace column

// Buffers reused from batch to batch so the hot loop does not allocate.
struct BatchScratch {
  std::vector<double> numbers;
  std::vector<uint64_t> hashes;
};

class ColumnState {
 public:
  ColumnState(std::string name, uint32_t ordinal, ColumnType type, const ProfileOptions& options,
              uint64_t sketch_seed);

  // Adds one array's values. `row_hashes` (one per row, or null) receives each value's hash so
  // the table can count duplicate rows.
  void update(const ArrayView& array, uint64_t* row_hashes, BatchScratch& scratch);
  void merge(const ColumnState& other);  // same column (name and compatible type), else InvalidInput
  // For merges of different tables (Partial::merge_table): `rows` more rows, all null, from a
  // table without this column; and the column's place in the merged table.
  void add_absent_rows(uint64_t rows);
  void set_ordinal(uint32_t ordinal) { ordinal_ = ordinal; }
  // `format`: the partial format version written (1, 2 or 3; the layout must be that of format 1
  // for 1, of format 2 for 2 and 3).
  void serialize(ByteWriter& out, uint16_t format) const;
  // `format` is the partial's format version (1, 2 or 3).
  static ColumnState deserialize(ByteReader& in, const ProfileOptions& options, uint16_t format);
  // Same serialized bytes.
  bool operator==(const ColumnState& other) const;

  const std::string& name() const { return name_; }
  uint32_t ordinal() const { return ordinal_; }
  const ColumnType& type() const { return type_; }
  const Counts& counts() const { return counts_; }
  const Boxed<DistinctCounter>& distinct() const { return distinct_; }
  const std::optional<FrequentItems>& frequent() const { return frequent_; }
  const Boxed<KllSketch>& quantiles() const { return quantiles_; }
  const std::optional<IntRange>& int_range() const { return int_range_; }
  const std::optional<FloatRange>& float_range() const { return float_range_; }
  const Boxed<BytesRange>& bytes_range() const { return bytes_range_; }
  const std::optional<Lengths>& lengths() const { return lengths_; }
  const std::optional<Moments>& moments() const { return moments_; }
  std::optional<int128> int_sum() const { return int_sum_; }
  const Boxed<PatternStats>& patterns() const { return patterns_; }
  uint16_t format() const { return format_; }
  // Format 2: the frequency table has overflowed into the sketches (always true of format 1).
  bool spilled() const { return format_ == 1 || spilled_; }
  // Format 2, spilled, quantile kinds: the values kept exactly until the KLL sketch takes over.
  const std::vector<double>& retained_values() const { return raw_; }
  // The column's non-NaN numbers as an exact multiset, when it is known exactly: from the exact
  // frequency table, else from the retained values. nullopt for non-numeric kinds and once the
  // KLL sketch holds the values.
  std::optional<WeightedValues> exact_values() const;
  // Heap and inline bytes held by this state and its accumulators.
  size_t memory_bytes() const;
  // Builds the indexes a decoded state leaves out until it is updated (frequency table, pattern
  // sample), so memory_bytes() is that of a state being updated.
  void index_tables() {
    if (frequent_) frequent_->index();
    if (patterns_) patterns_->index();
  }

 private:
  ColumnState() = default;
  static constexpr int64_t WINDOW_ROWS = 4096;

  void create_parts(const ProfileOptions& options, uint64_t sketch_seed);
  void take_settings(const ProfileOptions& options);
  // Frequency first: moves the exact table into the distinct counter and the quantile state.
  void spill();
  static void on_table_overflow(void* self);
  // Adds numbers to the quantile state of a spilled column (retained values, then KLL).
  void add_numbers(const double* values, size_t n);
  void retained_to_sketch();
  void feed_table(const FrequentItems& table);  // another exact table into the spilled state
  void feed_hashes(const FrequentItems& table);
  void merge_frequency_first(const ColumnState& other);
  // Non-NaN numbers of an exact frequency table, decoded from the canonical value bytes.
  WeightedValues table_values(const FrequentItems& table) const;
  void update_window(const ArrayView& array, uint64_t* row_hashes, BatchScratch& scratch);
  void flush_numbers(BatchScratch& scratch, bool all_finite);
  void flush_hashes(BatchScratch& scratch);

  template <bool HasValidity, typename Read, typename OnValue>
  void for_each_value(const ArrayView& array, uint64_t* row_hashes, Read read, OnValue on_value);
  template <typename Read, typename OnValue>
  void visit(const ArrayView& array, uint64_t* row_hashes, Read read, OnValue on_value);

  void update_integers(const ArrayView& array, uint64_t* row_hashes, BatchScratch& scratch);
  void update_floats(const ArrayView& array, uint64_t* row_hashes, BatchScratch& scratch);
  void update_decimals(const ArrayView& array, uint64_t* row_hashes, BatchScratch& scratch);
  void update_temporals(const ArrayView& array, uint64_t* row_hashes, BatchScratch& scratch);
  void update_booleans(const ArrayView& array, uint64_t* row_hashes, BatchScratch& scratch);
  void update_strings(const ArrayView& array, uint64_t* row_hashes, BatchScratch& scratch);
  void update_opaque(const ArrayView& array, uint64_t* row_hashes);

  std::string name_;
  uint32_t ordinal_ = 0;
  uint16_t format_ = 2;  // partial format version of the layout: 1, or 2 (for formats 2 and 3)
  ColumnType type_;
  Counts counts_;
  Boxed<DistinctCounter> distinct_;  // on the heap: only once the frequency table has spilled
  std::optional<FrequentItems> frequent_;
  Boxed<KllSketch> quantiles_;  // on the heap: only once the frequency table has spilled
  std::optional<IntRange> int_range_;
  std::optional<FloatRange> float_range_;
  Boxed<BytesRange> bytes_range_;  // on the heap: string columns only
  std::optional<Lengths> lengths_;
  std::optional<Moments> moments_;
  std::optional<int128> int_sum_;
  Boxed<PatternStats> patterns_;  // on the heap: string columns only
  // Format 2 (see the top of this file).
  bool spilled_ = false;
  uint64_t sketch_seed_ = 0;
  std::vector<double> raw_;  // retained values, in arrival order
  // Settings the spill needs, from the options (not serialized: the options travel in the partial).
  uint32_t distinct_limit_ = 0;
  uint8_t ell_precision_ = ell::DEFAULT_PRECISION;
  uint16_t kll_k_ = kll::DEFAULT_K;
  // During one update: where the scratch buffers' values start being new to the sketches (a spill
  // in the middle of a window moves the values before it in with the table).
  BatchScratch* scratch_ = nullptr;
  size_t feed_numbers_from_ = 0;
  size_t feed_hashes_from_ = 0;
};

// The hash a null contributes to its row's hash.
inline constexpr uint64_t NULL_VALUE_HASH = 0x6e756c6c6e756c6cULL;  // "nullnull"

// Combines each value's canonical hash into its row's hash (`row_hashes`, one per row of
// `array`), exactly as ColumnState::update does for a column of type `type`, without a state:
// for columns a unit reads but does not profile (the row sample of a column group).
void add_value_hashes(const ColumnType& type, const ArrayView& array, uint64_t* row_hashes);

}  // namespace truthound
