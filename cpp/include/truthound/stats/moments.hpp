// Count, sum, mean and central moments M2..M4 of finite values.
// Values are reduced in blocks of BLOCK consecutive values (two passes over values already in
// cache), each combined with the running state by the pairwise formulas of Chan, Golub & LeVeque
// (1979) and Pébay (2008). Blocks are cut by value count, not by the Arrow batches the values came
// in, so a unit gives the same bits however its rows were batched; the last, short block is
// reduced when the state is merged, serialized or finalized. The sum is Neumaier-compensated, so
// results barely depend on how the data was partitioned.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "truthound/bytes.hpp"

namespace truthound {

struct MomentsResult {
  double sum = 0;
  std::optional<double> mean;      // n >= 1
  std::optional<double> variance;  // n >= 2, ddof = 1
  std::optional<double> std;       // n >= 2
  std::optional<double> skewness;  // biased (population) skewness; n >= 1 and variance > 0
  std::optional<double> kurtosis;  // Fisher (excess), biased; n >= 1 and variance > 0
};

class Moments {
 public:
  static constexpr size_t BLOCK = 4096;
  // 2^-13: BLOCK finite values scaled by it sum to at most DBL_MAX / 2.
  static constexpr double SCALE = 1.0 / 8192.0;

  void update(const double* values, size_t n);  // finite values only
  void merge(const Moments& other);
  void serialize(ByteWriter& out) const;
  static Moments deserialize(ByteReader& in);
  MomentsResult finalize() const;
  uint64_t count() const { return n_ + pending_.size(); }
  bool operator==(const Moments& other) const;

 private:
  void reduce(const double* values, size_t n);  // one block into the running state
  void combine(const Moments& other);            // both without pending values
  Moments flushed() const;                       // with the pending block reduced

  std::vector<double> pending_;  // the current block, fewer than BLOCK values
  uint64_t n_ = 0;
  double mean_ = 0, m2_ = 0, m3_ = 0, m4_ = 0;
  double sum_ = 0, sum_compensation_ = 0;
};

}  // namespace truthound
