// The table-level, mergeable state of how columns relate: co-moments of the chosen numeric
// columns (Pearson), null co-occurrence of the chosen columns (nullity correlation) and a
// deterministic row sample (Spearman, Cramér's V and the report's sample rows are computed from
// it in Python). Held by the table's Partial as its own serialized section.
//
// A row's position in its source comes from the column POSITION_COLUMN when the stream has one
// (Python adds it: file index << 40 | row in file), else from the row's number in the unit's
// stream. The position column is never profiled.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "truthound/arrow/c_abi.hpp"
#include "truthound/bytes.hpp"
#include "truthound/stats/comoments.hpp"
#include "truthound/stats/nullity.hpp"
#include "truthound/stats/row_sample.hpp"

namespace truthound {

namespace relations {
inline constexpr const char* POSITION_COLUMN = "__truthound_position__";
inline constexpr uint32_t WINDOW_ROWS = 1024;
}  // namespace relations

struct RelationsOptions {
  std::vector<std::string> numeric;  // co-moment columns (Pearson), in table order
  std::vector<std::string> nullity;  // nullity columns, in table order
  uint32_t sample_size = 0;          // rows kept in the sample; 0 = no sample
  uint64_t seed = 0;
  // Whether this unit adds its rows to the co-moments and nullity counts: of the units that
  // read the same rows (column groups), exactly one does. Not part of the state.
  bool count_pairs = true;

  bool same_state(const RelationsOptions& o) const {
    return numeric == o.numeric && nullity == o.nullity && sample_size == o.sample_size && seed == o.seed;
  }
};

class Relations {
 public:
  explicit Relations(RelationsOptions options);

  // Resolves the columns in `schema` (a struct of the table's columns). `sample_children` are the
  // schema children the unit profiles (ordinal and name from ordinals / names), which the sample keeps.
  void begin(const ArrowSchema& schema, const std::vector<int64_t>& sample_children,
             const std::vector<uint32_t>& ordinals, const std::vector<std::string>& names);
  // Rows of one batch; `first_row` numbers them when the stream has no position column.
  void update(const ArrowSchema& schema, const ArrowArray& batch, uint64_t first_row, uint64_t unit_id);
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
  int64_t position_child_ = -1;
  std::vector<int64_t> numeric_children_, nullity_children_, sample_children_;
  std::vector<double> numeric_scales_;  // 10^scale of decimal columns, else 1
  std::vector<double> numbers_;
  std::vector<uint64_t> null_bits_, positions_;
};

}  // namespace truthound
