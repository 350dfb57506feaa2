// Count, sum, mean and central moments M2..M4 of finite values.
// Each batch is reduced on its own (two passes over values already in cache), then combined with
// the running state by the pairwise formulas of Chan, Golub & LeVeque (1979) and Pébay (2008).
// The sum is Neumaier-compensated, so results barely depend on how the data was partitioned.
#pragma once

#include <cstdint>
#include <optional>

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
  void update(const double* values, size_t n);  // finite values only
  void merge(const Moments& other);
  void serialize(ByteWriter& out) const;
  static Moments deserialize(ByteReader& in);
  MomentsResult finalize() const;
  uint64_t count() const { return n_; }
  bool operator==(const Moments&) const = default;

 private:
  uint64_t n_ = 0;
  double mean_ = 0, m2_ = 0, m3_ = 0, m4_ = 0;
  double sum_ = 0, sum_compensation_ = 0;
};

}  // namespace truthound
