// A deterministic, mergeable row sample: the k rows of smallest priority, where a row's priority
// is a seeded hash of its position in the source (file, row). The bottom-k of a union is the
// bottom-k of the parts' bottom-k's, so the sample of a merge is the sample of the whole, for any
// partitioning; this is the bottom-k (order) sampling of Cohen & Kaplan (2007), with a hash as
// the random rank.
// A row's cells are kept as the values' own Arrow bytes (fixed-width values as stored, strings
// and binaries as bytes, dictionary values resolved), so the row can be rebuilt exactly with the
// column's Arrow type. Units that read different column groups of the same rows pick the same
// positions; merging them joins each row's cells.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "truthound/arrow/array_view.hpp"
#include "truthound/bytes.hpp"

namespace truthound {

namespace sample {
inline constexpr uint32_t MAX_SIZE = 1'000'000;
inline constexpr uint32_t MAX_VALUE_BYTES = 4096;  // longer strings keep their first bytes
inline constexpr uint64_t MAX_POSITION = UINT64_MAX;
// Priority of the row at `position` (see Partial: file index << 40 | row in file).
uint64_t priority(uint64_t seed, uint64_t position);
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
    uint64_t priority = 0;
    uint64_t position = 0;
    std::string cells;  // per column: tag byte, then for a value its length (varint) and bytes
    bool operator==(const Row&) const = default;
  };

  RowSample() = default;
  RowSample(uint32_t capacity, uint64_t seed, std::vector<SampleColumn> columns);

  uint32_t capacity() const { return capacity_; }
  uint64_t seed() const { return seed_; }
  const std::vector<SampleColumn>& columns() const { return columns_; }
  // Rows in ascending priority.
  std::vector<Row> rows() const;
  // Offers rows [0, n) of `views` (one per column, in columns() order) at `positions`.
  void update(const std::vector<ArrayView>& views, const uint64_t* positions, int64_t n);
  // Union by position (cells of the same row joined), then the k smallest priorities.
  void merge(const RowSample& other);
  // The other sample's rows drawn again (a different table: its positions are not this one's).
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
  void merge_rows(std::vector<Row> theirs, const std::vector<SampleColumn>& their_columns);

  uint32_t capacity_ = 0;
  uint64_t seed_ = 0;
  std::vector<SampleColumn> columns_;
  std::vector<Row> heap_;  // a max-heap on (priority, position) while updating
};

}  // namespace truthound
