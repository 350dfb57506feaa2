// The table-level, mergeable state of how columns relate: co-moments of the chosen numeric
// columns (Pearson), null co-occurrence of the chosen columns (nullity correlation) and a
// deterministic row sample (Spearman, Cramér's V and the report's sample rows are computed from
// it in Python). Held by the table's Partial as its own serialized section.
//
// The sample is keyed by each row's content (RowSample), so it needs every column of the row:
// a unit that profiles the whole row reuses the row hashes of the duplicate count; a column-group
// unit that offers its rows reads the sample's other columns too and hashes them here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "truthound/arrow/c_abi.hpp"
#include "truthound/arrow/column_type.hpp"
#include "truthound/bytes.hpp"
#include "truthound/stats/comoments.hpp"
#include "truthound/stats/nullity.hpp"
#include "truthound/stats/row_sample.hpp"

namespace truthound {

namespace relations {
inline constexpr uint32_t WINDOW_ROWS = 1024;
}  // namespace relations

struct RelationsOptions {
  std::vector<std::string> numeric;  // co-moment columns (Pearson), in table order
  std::vector<std::string> nullity;  // nullity columns, in table order
  uint32_t sample_size = 0;          // rows kept in the sample; 0 = no sample
  uint64_t seed = 0;
  // Whether this unit adds its rows to the co-moments, the nullity counts and the sample: of the
  // units that read the same rows (column groups), exactly one does. Not part of the state.
  bool count_pairs = true;
  // The columns of a sampled row, in table order (empty: the columns the unit profiles). Not
  // part of the state.
  std::vector<std::string> sample_columns;

  bool same_state(const RelationsOptions& o) const {
    return numeric == o.numeric && nullity == o.nullity && sample_size == o.sample_size && seed == o.seed;
  }
};

class Relations {
 public:
  explicit Relations(RelationsOptions options);

  // Resolves the columns in `schema` (a struct of the table's columns). `profiled` are the schema
  // children the unit profiles (ordinal and name from ordinals / names): the sample's columns
  // unless the options name them.
  void begin(const ArrowSchema& schema, const std::vector<int64_t>& profiled, const std::vector<uint32_t>& ordinals,
             const std::vector<std::string>& names);
  // Schema children of the sampled row, in the sample's column order (empty: no sample).
  const std::vector<int64_t>& sample_children() const { return sample_children_; }
  // Rows of one batch. `row_hashes`, when given, are the rows' content hashes over
  // sample_children() (the duplicate count's); otherwise they are computed here.
  void update(const ArrowSchema& schema, const ArrowArray& batch, const uint64_t* row_hashes, uint64_t unit_id);
  void merge(const Relations& other);        // same options, else InvalidInput
  void merge_table(const Relations& other);  // another table: what cannot merge is dropped
  // Ordinals of the sample's columns after a merge of tables renumbered them.
  void renumber(const std::vector<std::pair<std::string, uint32_t>>& ordinals);
  void serialize(ByteWriter& out) const;
  static Relations deserialize(ByteReader& in);
  bool operator==(const Relations& other) const;

  const RelationsOptions& options() const { return options_; }
  const CoMoments& comoments() const { return comoments_; }
  const NullityCounts& nullity() const { return nullity_; }
  const RowSample& sample() const { return sample_; }

 private:
  RelationsOptions options_;
  CoMoments comoments_;
  NullityCounts nullity_;
  RowSample sample_;

  // Per-stream bookkeeping, not serialised.
  std::vector<int64_t> numeric_children_, nullity_children_, sample_children_;
  std::vector<ColumnType> sample_types_;
  std::vector<double> numeric_scales_;  // 10^scale of decimal columns, else 1
  std::vector<double> numbers_;
  std::vector<uint64_t> null_bits_, row_hashes_;
};

}  // namespace truthound
