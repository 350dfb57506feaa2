// Exact null co-occurrence of k columns: rows, nulls per column and, per pair, the rows where
// both are null. Counts merge by addition, so the nullity correlation (the phi coefficient of
// the null indicators, as missingno's heatmap shows it) of a merge is that of the whole.
// Nulls are counted 64 rows at a time: one bitmap word per column, AND and popcount per pair,
// and only for columns that have a null in the batch.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "truthound/bytes.hpp"

namespace truthound {

class NullityCounts {
 public:
  static constexpr uint32_t MAX_COLUMNS = 1024;

  NullityCounts() = default;
  explicit NullityCounts(uint32_t columns);

  uint32_t columns() const { return k_; }
  // `rows` more rows; null_bits[c] has bit r set when row r of column c is null (words of 64
  // rows), or is null when the column has no null in these rows.
  void update(const std::vector<const uint64_t*>& null_bits, uint64_t rows);
  void merge(const NullityCounts& other);  // same column count, else InvalidInput
  void serialize(ByteWriter& out) const;
  static NullityCounts deserialize(ByteReader& in);
  bool operator==(const NullityCounts&) const = default;

  uint64_t rows() const { return rows_; }
  uint64_t nulls(uint32_t c) const { return nulls_[c]; }
  uint64_t both_null(uint32_t i, uint32_t j) const { return both_[index(i, j)]; }
  // The correlation of the two null indicators; nullopt when either column is never or always null.
  std::optional<double> correlation(uint32_t i, uint32_t j) const;

 private:
  size_t index(uint32_t i, uint32_t j) const {
    return static_cast<size_t>(i) * k_ - static_cast<size_t>(i) * (i + 1) / 2 + (j - i - 1);
  }

  uint32_t k_ = 0;
  uint64_t rows_ = 0;
  std::vector<uint64_t> nulls_;
  std::vector<uint64_t> both_;  // upper triangle, row by row
};

}  // namespace truthound
