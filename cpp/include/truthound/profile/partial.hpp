// A partial profile: the mergeable state of a table after some units of work. It is the only
// thing that crosses a process or machine boundary, as a versioned, little-endian,
// length-checked byte string with a checksum (format in docs/partial-format.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "truthound/arrow/c_abi.hpp"
#include "truthound/profile/column_state.hpp"
#include "truthound/profile/options.hpp"
#include "truthound/profile/relations.hpp"
#include "truthound/stats/distinct.hpp"

namespace truthound {

namespace partial {
inline constexpr uint32_t MAGIC = 0x46505254;  // "TRPF" little-endian
// FORMAT_VERSION and OLDEST_FORMAT_VERSION: options.hpp.
inline constexpr uint16_t KIND_TABLE = 1;
inline constexpr size_t HEADER_BYTES = 4 + 2 + 2 + 8 + 8;
// Optional sections after the columns, each a tag byte then its state.
// Relations whose row sample is keyed by row content (tag 2). Tag 1, the first relations
// section, whose sample was keyed by row position, is rejected with a message: its samples
// cannot merge with content-keyed ones.
inline constexpr uint8_t SECTION_RELATIONS = 2;
inline constexpr uint8_t SECTION_POSITION_RELATIONS = 1;
}  // namespace partial

class Partial {
 public:
  // An empty partial for unit `unit_id`; `track_rows` keeps row hashes of the columns read for
  // the duplicate count (meaningful when they make up a whole row: every column of the table, or
  // the user's selection; not one column group of several).
  Partial(const ProfileOptions& options, uint64_t unit_id, bool track_rows);

  // Keeps relations between columns (correlations, nullity, a row sample): call before begin().
  void set_relations(const RelationsOptions& options) { relations_.emplace(options); }
  // Declares the columns from a stream's schema (a struct whose children are the columns).
  // `selected` names the columns to profile (empty = all), in schema order.
  void begin(const ArrowSchema& schema, const std::vector<std::string>& selected);
  // Adds one record batch (a struct array matching the schema given to begin()).
  void update(const ArrowSchema& schema, const ArrowArray& batch);

  // Folds `other` in. Partials are merged in unit order by the caller (see merge_partials).
  void merge(const Partial& other);
  // Folds in the profile of another table (MergeOrder::AsGiven): columns are matched by name and
  // their union is kept, this side's first; a column one side lacks counts that side's rows as
  // nulls. Types that cannot merge throw InvalidInput naming the column. Rows of tables with
  // different columns cannot be compared, so the merged duplicate count is unknown.
  void merge_table(const Partial& other);
  std::string serialize() const;
  static Partial deserialize(std::string_view bytes);
  // The checksum in the header of serialized bytes, after checking the header (magic, version,
  // kind, payload size) and the payload against it; throws CorruptPartial as deserialize() does.
  // Reads nothing past the header, so it costs one hash of the bytes.
  static uint64_t checksum(std::string_view bytes);
  bool operator==(const Partial& other) const;

  const ProfileOptions& options() const { return options_; }
  uint16_t format_version() const { return version_; }
  uint64_t first_unit() const { return first_unit_; }
  uint64_t last_unit() const { return last_unit_; }
  uint64_t unit_count() const { return unit_count_; }
  uint64_t rows() const { return rows_; }
  uint64_t tracked_rows() const { return tracked_rows_; }
  const std::optional<DistinctCounter>& row_distinct() const { return row_distinct_; }
  const std::vector<ColumnState>& columns() const { return columns_; }
  const std::optional<Relations>& relations() const { return relations_; }
  // Builds every column's indexes (ColumnState::index_tables).
  void index_tables() {
    for (ColumnState& c : columns_) c.index_tables();
  }

 private:
  Partial() = default;

  ProfileOptions options_;
  uint16_t version_ = partial::FORMAT_VERSION;
  uint64_t first_unit_ = 0, last_unit_ = 0, unit_count_ = 1;
  uint64_t rows_ = 0;          // rows this unit read (units of one row range may repeat it)
  uint64_t tracked_rows_ = 0;  // rows whose hashes entered row_distinct_
  std::optional<DistinctCounter> row_distinct_;
  std::vector<ColumnState> columns_;
  std::optional<Relations> relations_;

  uint64_t table_rows() const;  // as finalize counts them: the first column's rows
  void check_mergeable(const Partial& other) const;  // same format version and options
  void merge_rest(const Partial& other);  // row hashes, counts and units, after the columns

  // Per-stream bookkeeping, not serialised.
  std::vector<int64_t> child_index_;  // schema child of each column
  BatchScratch scratch_;
  std::vector<uint64_t> row_hashes_;
};

enum class MergeOrder {
  // Sorted by first unit, overlapping unit ranges rejected: the result does not depend on the
  // order in which the partials arrived. For the units of one plan.
  ByUnit,
  // Folded in the order given: for profiles of separate tables or days, whose units may repeat.
  AsGiven,
};

Partial merge_partials(std::vector<Partial> partials, MergeOrder order = MergeOrder::ByUnit);

// Profiles one stream into a partial. Consumes (releases) the stream.
Partial profile_stream(ArrowArrayStream* stream, const ProfileOptions& options, uint64_t unit_id,
                       const std::vector<std::string>& columns, bool track_rows,
                       const RelationsOptions* relations = nullptr);

}  // namespace truthound
