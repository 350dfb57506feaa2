#include "truthound/stats/hll.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>

#include "truthound/error.hpp"

namespace truthound {

namespace {

// alpha_inf = 1 / (2 ln 2), the limit of the HLL bias constant as m grows (Ertl 2017).
constexpr double ALPHA_INF = 0.72134752044448170368;
// There are only 2^64 distinct hashes.
constexpr double TWO_64 = 18446744073709551616.0;

// sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1); the correction for empty registers (Ertl 2017).
double sigma(double x) {
  if (x == 1.0) return std::numeric_limits<double>::infinity();
  double y = 1.0;
  double z = x;
  for (;;) {
    x *= x;
    const double z_old = z;
    z += x * y;
    y += y;
    if (z == z_old) return z;
  }
}

// tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3; the correction for saturated
// registers (Ertl 2017).
double tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0;
  double z = 1.0 - x;
  for (;;) {
    x = std::sqrt(x);
    const double z_old = z;
    y *= 0.5;
    z -= (1.0 - x) * (1.0 - x) * y;
    if (z == z_old) return z / 3.0;
  }
}

void check_precision(uint8_t precision) {
  if (precision < hll::MIN_PRECISION || precision > hll::MAX_PRECISION)
    throw InvalidInput("HyperLogLog precision " + std::to_string(precision) + ", expected " +
                       std::to_string(hll::MIN_PRECISION) + ".." +
                       std::to_string(hll::MAX_PRECISION));
}

}  // namespace

HyperLogLog::HyperLogLog(uint8_t precision) : precision_(precision) {
  check_precision(precision);
  registers_.assign(size_t{1} << precision, 0);
}

void HyperLogLog::merge(const HyperLogLog& other) {
  if (other.precision_ != precision_)
    throw InvalidInput("cannot merge HyperLogLog sketches of precision " +
                       std::to_string(precision_) + " and " + std::to_string(other.precision_));
  const size_t m = registers_.size();
  uint8_t* dst = registers_.data();
  const uint8_t* src = other.registers_.data();
  for (size_t i = 0; i < m; ++i) dst[i] = src[i] > dst[i] ? src[i] : dst[i];
}

double HyperLogLog::estimate() const {
  // Histogram of register values: 0..q+1 with q = 64 - p.
  const unsigned q = 64u - precision_;
  std::array<uint32_t, 66> counts{};
  for (uint8_t r : registers_) ++counts[r];
  const auto m = static_cast<double>(registers_.size());
  if (counts[0] == registers_.size()) return 0.0;
  double z = m * tau(1.0 - counts[q + 1] / m);
  for (unsigned k = q; k >= 1; --k) z = 0.5 * (z + counts[k]);
  z += m * sigma(counts[0] / m);
  // z is 0 when every register is saturated (the estimator's infinity); also cap near-saturation.
  return z > 0 ? std::min(ALPHA_INF * m * m / z, TWO_64) : TWO_64;
}

double HyperLogLog::relative_standard_error() const {
  return 1.04 / std::sqrt(static_cast<double>(registers_.size()));
}

void HyperLogLog::serialize(ByteWriter& out) const {
  const size_t m = registers_.size();
  size_t nonzero = 0;
  for (uint8_t r : registers_) nonzero += r != 0;
  out.put_u8(precision_);
  if (nonzero < m / 8) {
    out.put_u8(hll::FORMAT_SPARSE);
    out.put_varint(nonzero);
    size_t prev = 0;
    for (size_t i = 0; i < m; ++i) {
      if (registers_[i] == 0) continue;
      out.put_varint(i - prev);
      out.put_u8(registers_[i]);
      prev = i;
    }
  } else {
    out.put_u8(hll::FORMAT_DENSE);
    out.put_raw(registers_.data(), m);
  }
}

HyperLogLog HyperLogLog::deserialize(ByteReader& in) {
  const uint8_t precision = in.get_u8("HyperLogLog precision");
  if (precision < hll::MIN_PRECISION || precision > hll::MAX_PRECISION)
    in.fail("HyperLogLog precision " + std::to_string(precision) + ", expected " +
            std::to_string(hll::MIN_PRECISION) + ".." + std::to_string(hll::MAX_PRECISION));
  HyperLogLog sketch(precision);
  const size_t m = sketch.registers_.size();
  const uint8_t max_rank = sketch.max_rank();
  const uint8_t format = in.get_u8("HyperLogLog format tag");
  if (format == hll::FORMAT_SPARSE) {
    // Canonical form: sparse exactly when fewer than m/8 registers are non-zero.
    const uint64_t n = in.get_count("HyperLogLog sparse register count", m / 8 - 1);
    uint64_t index = 0;
    for (uint64_t k = 0; k < n; ++k) {
      const uint64_t delta = in.get_varint("HyperLogLog sparse index delta");
      if (k > 0 && delta == 0)
        in.fail("HyperLogLog sparse entry " + std::to_string(k) + ": index " +
                std::to_string(index) + " repeated, expected strictly increasing indices");
      // Compare before adding so a huge delta cannot wrap around.
      if (delta >= m - index)
        in.fail("HyperLogLog sparse entry " + std::to_string(k) + ": index " +
                std::to_string(index) + " + " + std::to_string(delta) + ", expected below " +
                std::to_string(m));
      index += delta;
      const uint8_t rank = in.get_u8("HyperLogLog sparse rank");
      if (rank == 0 || rank > max_rank)
        in.fail("HyperLogLog register " + std::to_string(index) + ": rank " +
                std::to_string(rank) + ", expected 1.." + std::to_string(max_rank));
      sketch.registers_[index] = rank;
    }
  } else if (format == hll::FORMAT_DENSE) {
    in.get_raw(sketch.registers_.data(), m, "HyperLogLog dense registers");
    size_t nonzero = 0;
    for (size_t i = 0; i < m; ++i) {
      const uint8_t rank = sketch.registers_[i];
      if (rank > max_rank)
        in.fail("HyperLogLog register " + std::to_string(i) + ": rank " + std::to_string(rank) +
                ", at most " + std::to_string(max_rank));
      nonzero += rank != 0;
    }
    if (nonzero < m / 8)
      in.fail("HyperLogLog dense form with " + std::to_string(nonzero) +
              " non-zero registers, expected at least " + std::to_string(m / 8) +
              " (fewer must be sparse)");
  } else {
    in.fail("HyperLogLog format tag " + std::to_string(format) + ", expected " +
            std::to_string(hll::FORMAT_SPARSE) + " (sparse) or " +
            std::to_string(hll::FORMAT_DENSE) + " (dense)");
  }
  return sketch;
}

}  // namespace truthound
