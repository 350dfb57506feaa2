// A deterministic, mergeable row sample: the k rows of smallest key, where a row's key is a
// seeded hash of its content (the canonical hashes of all its values, nulls included, the ones
// the duplicate-row count combines). This is bottom-k sampling (Cohen & Kaplan 2007, "Summarizing
// data using bottom-k sketches"; the k-minimum-values idea of Bar-Yossef et al. 2002 and Beyer
// et al. 2007 applied to rows), with a hash of the row as its random rank.
//
// Because the key depends only on what a row holds, not on where it sits, the sample is the same
// for any split of the rows into units, any order of the rows and any engine: the bottom-k of a
// union is the bottom-k of the parts' bottom-k's. Rows of equal key are ordered by their cells'
// bytes, so the order is total; identical rows are interchangeable, and each copy counts (the
// sample of a multiset is a multiset).
// A row's cells are kept as the values' own Arrow bytes (fixed-width values as stored, strings
// and binaries as bytes, dictionary values resolved), so the row can be rebuilt exactly with the
// column's Arrow type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "truthound/arrow/array_view.hpp"
#include "truthound/bytes.hpp"

namespace truthound {

namespace sample {
inline constexpr uint32_t MAX_SIZE = 1'000'000;
inline constexpr uint32_t MAX_VALUE_BYTES = 4096;  // longer strings keep their first bytes
// The key of a row whose value hashes combine to `row_hash` (see add_value_hashes).
uint64_t key(uint64_t seed, uint64_t row_hash);
}  // namespace sample

struct SampleColumn {
  uint32_t ordinal = 0;
  std::string name;
  std::string format;  // the Arrow format of the values (a dictionary's value format)
  bool operator==(const SampleColumn&) const = default;
};

// One cell: how it is held, then (for values) its bytes.
enum class CellTag : uint8_t { Missing = 0, Null = 1, Value = 2, Truncated = 3, Unsupported = 4 };

class RowSample {
 public:
  struct Row {
    uint64_t key = 0;
    std::string cells;  // per column: tag byte, then for a value its length (varint) and bytes
    bool operator==(const Row&) const = default;
  };

  RowSample() = default;
  RowSample(uint32_t capacity, uint64_t seed, std::vector<SampleColumn> columns);

  uint32_t capacity() const { return capacity_; }
  uint64_t seed() const { return seed_; }
  const std::vector<SampleColumn>& columns() const { return columns_; }
  // Rows in ascending (key, cells).
  std::vector<Row> rows() const;
  // Offers rows [0, n) of `views` (one per column, in columns() order); `row_hashes` are the
  // rows' content hashes over those columns.
  void update(const std::vector<ArrayView>& views, const uint64_t* row_hashes, int64_t n);
  // The k smallest rows of both (a multiset union). A sample without rows or columns (a unit
  // that offered no rows) is the identity.
  void merge(const RowSample& other);
  // The same, for the sample of another table: columns are matched by name, the other's new
  // columns go after this side's, and a column one side lacks is Missing in its rows.
  void merge_table(const RowSample& other);
  // New ordinals by column name (a merge of tables renumbered the columns); columns it does not
  // name keep theirs. Cells follow their columns into ordinal order.
  void renumber(const std::vector<std::pair<std::string, uint32_t>>& ordinals);
  void serialize(ByteWriter& out) const;
  static RowSample deserialize(ByteReader& in);
  bool operator==(const RowSample& other) const;

  // The decoded cells of a row: one (tag, bytes) per column.
  std::vector<std::pair<CellTag, std::string_view>> cells(const Row& row) const;

 private:
  void check_same_settings(const RowSample& other) const;
  void merge_rows(std::vector<Row> theirs, const std::vector<SampleColumn>& their_columns);

  uint32_t capacity_ = 0;
  uint64_t seed_ = 0;
  uint64_t key_seed_ = 0;  // derived from seed_
  std::vector<SampleColumn> columns_;
  std::vector<Row> heap_;  // a max-heap on (key, cells) while updating
};

}  // namespace truthound
