#include "truthound/stats/moments.hpp"

#include <algorithm>
#include <cmath>

namespace truthound {
namespace {

// Neumaier's improvement of Kahan summation: exact to the last bit for most real data.
void neumaier_add(double& sum, double& compensation, double x) {
  double t = sum + x;
  if (std::fabs(sum) >= std::fabs(x))
    compensation += (sum - t) + x;
  else
    compensation += (x - t) + sum;
  sum = t;
}

}  // namespace

void Moments::update(const double* values, size_t n) {
  while (n > 0) {
    if (pending_.empty() && n >= BLOCK) {  // a whole block straight from the caller's buffer
      reduce(values, BLOCK);
      values += BLOCK;
      n -= BLOCK;
      continue;
    }
    size_t take = std::min(n, BLOCK - pending_.size());
    pending_.insert(pending_.end(), values, values + take);
    values += take;
    n -= take;
    if (pending_.size() == BLOCK) {
      reduce(pending_.data(), BLOCK);
      pending_.clear();
    }
  }
}

Moments Moments::flushed() const {
  Moments out = *this;
  if (!out.pending_.empty()) {
    out.pending_.clear();
    out.reduce(pending_.data(), pending_.size());
  }
  return out;
}

bool Moments::operator==(const Moments& other) const {
  Moments a = flushed(), b = other.flushed();
  return a.n_ == b.n_ && a.mean_ == b.mean_ && a.m2_ == b.m2_ && a.m3_ == b.m3_ && a.m4_ == b.m4_ &&
         a.sum_ == b.sum_ && a.sum_compensation_ == b.sum_compensation_;
}

void Moments::reduce(const double* values, size_t n) {
  if (n == 0) return;
  Moments batch;
  double sum = 0, compensation = 0;
  bool constant = true;
  for (size_t i = 0; i < n; ++i) {
    neumaier_add(sum, compensation, values[i]);
    constant &= values[i] == values[0];
  }
  batch.n_ = n;
  if (!std::isfinite(sum + compensation)) {
    // A partial sum overflowed although the mean of finite values cannot: sum again scaled by a
    // power of two (exact), so the mean and, where it is representable, the sum stay finite.
    double scaled = 0, scaled_compensation = 0;
    for (size_t i = 0; i < n; ++i) neumaier_add(scaled, scaled_compensation, values[i] * SCALE);
    double total = scaled + scaled_compensation;
    sum = total / SCALE;
    compensation = 0;
    batch.mean_ = (total / static_cast<double>(n)) / SCALE;
  } else {
    batch.mean_ = (sum + compensation) / static_cast<double>(n);
  }
  batch.sum_ = sum;
  batch.sum_compensation_ = compensation;
  if (constant) {  // exactly zero spread: the rounded mean would otherwise leave ulp-sized moments
    batch.mean_ = values[0];
    combine(batch);
    return;
  }
  double m2 = 0, m3 = 0, m4 = 0;
  for (size_t i = 0; i < n; ++i) {
    double d = values[i] - batch.mean_;
    double d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  batch.m2_ = m2;
  batch.m3_ = m3;
  batch.m4_ = m4;
  combine(batch);
}

void Moments::merge(const Moments& other) {
  if (!other.pending_.empty()) {
    merge(other.flushed());
    return;
  }
  if (!pending_.empty()) {  // this state's values come before the other's
    std::vector<double> block;
    block.swap(pending_);
    reduce(block.data(), block.size());
  }
  combine(other);
}

void Moments::combine(const Moments& other) {
  if (other.n_ == 0) return;
  if (n_ == 0) {
    *this = other;
    return;
  }
  double na = static_cast<double>(n_), nb = static_cast<double>(other.n_);
  double n = na + nb;
  double delta = other.mean_ - mean_;
  double delta_n = delta / n;
  double delta_n2 = delta_n * delta_n;
  double m2 = m2_ + other.m2_ + delta * delta_n * na * nb;
  double m3 = m3_ + other.m3_ + delta * delta_n2 * na * nb * (na - nb) +
              3.0 * delta_n * (na * other.m2_ - nb * m2_);
  double m4 = m4_ + other.m4_ + delta * delta_n2 * delta_n * na * nb * (na * na - na * nb + nb * nb) +
              6.0 * delta_n2 * (na * na * other.m2_ + nb * nb * m2_) + 4.0 * delta_n * (na * other.m3_ - nb * m3_);
  neumaier_add(sum_, sum_compensation_, other.sum_);
  sum_compensation_ += other.sum_compensation_;
  n_ += other.n_;
  // Means of opposite sign near the double limit overflow delta: weigh them instead.
  mean_ = std::isfinite(delta) ? mean_ + delta_n * nb : mean_ * (na / n) + other.mean_ * (nb / n);
  // Rounding can push m2 and m4 a hair below zero for constant data.
  m2_ = std::max(m2, 0.0);
  m3_ = m3;
  m4_ = std::max(m4, 0.0);
}

void Moments::serialize(ByteWriter& out) const {
  if (!pending_.empty()) {
    flushed().serialize(out);
    return;
  }
  out.put_varint(n_);
  if (n_ == 0) return;
  out.put_f64(mean_);
  out.put_f64(m2_);
  out.put_f64(m3_);
  out.put_f64(m4_);
  out.put_f64(sum_);
  out.put_f64(sum_compensation_);
}

Moments Moments::deserialize(ByteReader& in) {
  Moments m;
  m.n_ = in.get_varint("moment count");
  if (m.n_ == 0) return m;
  m.mean_ = in.get_f64("mean");
  m.m2_ = in.get_f64("second moment");
  m.m3_ = in.get_f64("third moment");
  m.m4_ = in.get_f64("fourth moment");
  m.sum_ = in.get_f64("sum");
  m.sum_compensation_ = in.get_f64("sum compensation");
  if (m.m2_ < 0 || m.m4_ < 0) in.fail("negative even central moment");
  return m;
}

MomentsResult Moments::finalize() const {
  if (!pending_.empty()) return flushed().finalize();
  MomentsResult r;
  r.sum = sum_ + sum_compensation_;
  if (n_ == 0) return r;
  double n = static_cast<double>(n_);
  // The compensated sum gives a mean correct to the last bit; the running mean only feeds M2..M4.
  // Without spread every value equals the running mean, which is then exact.
  r.mean = std::isfinite(r.sum) && m2_ > 0 ? r.sum / n : mean_;
  if (n_ >= 2) {
    r.variance = m2_ / (n - 1);
    r.std = std::sqrt(*r.variance);
  }
  // Undefined without spread; where M2..M4 overflowed their ratios are meaningless, not NaN.
  if (m2_ > 0 && std::isfinite(m2_) && std::isfinite(m3_) && std::isfinite(m4_)) {
    double skewness = std::sqrt(n) * m3_ / std::pow(m2_, 1.5);
    double kurtosis = n * m4_ / (m2_ * m2_) - 3.0;
    if (std::isfinite(skewness) && std::isfinite(kurtosis)) {
      r.skewness = skewness;
      r.kurtosis = kurtosis;
    }
  }
  return r;
}

}  // namespace truthound
