// Pairwise co-moments of k numeric columns, for Pearson correlation that merges exactly.
// For each pair (i, j) it keeps, over the rows where both values are finite: the count, both
// means, both second central moments and the co-moment C = sum (x - mean_x)(y - mean_y); then
// r = C / sqrt(M2x * M2y), the same as numpy.corrcoef over those rows.
// Rows are reduced in blocks of BLOCK rows (cut by row count, not by the Arrow batches the rows
// came in, so a unit gives the same bits however it was batched): a block where every column is
// complete is centred once per column and its pairs are dot products; other pairs are reduced
// with their own masks. Each block's pair state joins the running one by the pairwise update of
// Pébay (2008, "Formulas for robust, one-pass parallel computation of covariances and
// arbitrary-order statistical moments", SAND2008-6212, eq. 3.12), the form Chan, Golub & LeVeque
// (1979) give for the variance; merges of partials use the same update.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "truthound/bytes.hpp"

namespace truthound {

class CoMoments {
 public:
  static constexpr uint32_t BLOCK = 256;
  static constexpr uint32_t MAX_COLUMNS = 1024;

  struct Pair {
    uint64_t n = 0;
    double mean_x = 0, mean_y = 0, m2_x = 0, m2_y = 0, c = 0;
    bool operator==(const Pair&) const = default;
  };

  CoMoments() = default;
  explicit CoMoments(uint32_t columns);

  uint32_t columns() const { return k_; }
  // Rows [0, rows) of each column: values[c][r]. NaN marks a value that does not count (null,
  // NaN or infinite); a row counts for a pair when both of its values count.
  void update(const std::vector<const double*>& values, uint32_t rows);
  void merge(const CoMoments& other);  // same column count, else InvalidInput
  void serialize(ByteWriter& out) const;
  static CoMoments deserialize(ByteReader& in);
  bool operator==(const CoMoments& other) const;

  // The pair's state with every pending row reduced; i < j < columns().
  Pair pair(uint32_t i, uint32_t j) const;
  // Pearson's r of the pair, nullopt when fewer than 2 rows count or a column is constant there.
  std::optional<double> pearson(uint32_t i, uint32_t j) const;

 private:
  size_t index(uint32_t i, uint32_t j) const { return static_cast<size_t>(i) * k_ - static_cast<size_t>(i) * (i + 1) / 2 + (j - i - 1); }
  void reduce_pending();  // the pending block into pairs_
  CoMoments flushed() const;

  uint32_t k_ = 0;
  uint32_t pending_rows_ = 0;
  std::vector<double> pending_;  // k_ columns of BLOCK values (column c at c * BLOCK), allocated at the first row
  std::vector<Pair> pairs_;      // upper triangle, row by row
  std::vector<double> scratch_;  // reduce_pending's buffers, not part of the state
};

}  // namespace truthound
