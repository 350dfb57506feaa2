// The mergeable state of one column: the accumulators that apply to its kind, fed one Arrow
// array at a time. Which accumulators exist depends only on the column's Kind, so two states of
// the same column always hold the same parts and merge part by part.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "truthound/arrow/array_view.hpp"
#include "truthound/arrow/column_type.hpp"
#include "truthound/bytes.hpp"
#include "truthound/profile/options.hpp"
#include "truthound/stats/counts.hpp"
#include "truthound/stats/distinct.hpp"
#include "truthound/stats/frequent.hpp"
#include "truthound/stats/kll.hpp"
#include "truthound/stats/lengths.hpp"
#include "truthound/stats/moments.hpp"
#include "truthound/stats/patterns.hpp"
#include "truthound/stats/range.hpp"

namespace truthound {

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
  void serialize(ByteWriter& out) const;
  static ColumnState deserialize(ByteReader& in, const ProfileOptions& options);
  bool operator==(const ColumnState&) const = default;

  const std::string& name() const { return name_; }
  uint32_t ordinal() const { return ordinal_; }
  const ColumnType& type() const { return type_; }
  const Counts& counts() const { return counts_; }
  const std::optional<DistinctCounter>& distinct() const { return distinct_; }
  const std::optional<FrequentItems>& frequent() const { return frequent_; }
  const std::optional<KllSketch>& quantiles() const { return quantiles_; }
  const std::optional<IntRange>& int_range() const { return int_range_; }
  const std::optional<FloatRange>& float_range() const { return float_range_; }
  const std::optional<BytesRange>& bytes_range() const { return bytes_range_; }
  const std::optional<Lengths>& lengths() const { return lengths_; }
  const std::optional<Moments>& moments() const { return moments_; }
  std::optional<int128> int_sum() const { return int_sum_; }
  const std::optional<PatternStats>& patterns() const { return patterns_; }

 private:
  ColumnState() = default;
  static constexpr int64_t WINDOW_ROWS = 4096;

  void create_parts(const ProfileOptions& options, uint64_t sketch_seed);
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
  ColumnType type_;
  Counts counts_;
  std::optional<DistinctCounter> distinct_;
  std::optional<FrequentItems> frequent_;
  std::optional<KllSketch> quantiles_;
  std::optional<IntRange> int_range_;
  std::optional<FloatRange> float_range_;
  std::optional<BytesRange> bytes_range_;
  std::optional<Lengths> lengths_;
  std::optional<Moments> moments_;
  std::optional<int128> int_sum_;
  std::optional<PatternStats> patterns_;
};

// The hash a null contributes to its row's hash.
inline constexpr uint64_t NULL_VALUE_HASH = 0x6e756c6c6e756c6cULL;  // "nullnull"

}  // namespace truthound
