#include "truthound/stats/comoments.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "truthound/error.hpp"

namespace truthound {
namespace {

// Pébay (2008) eq. 3.12: the co-moment of a union from its two parts' states.
void combine(CoMoments::Pair& a, const CoMoments::Pair& b) {
  if (b.n == 0) return;
  if (a.n == 0) {
    a = b;
    return;
  }
  const double na = static_cast<double>(a.n), nb = static_cast<double>(b.n), n = na + nb;
  const double dx = b.mean_x - a.mean_x, dy = b.mean_y - a.mean_y;
  const double f = na * nb / n;
  a.m2_x += b.m2_x + dx * dx * f;
  a.m2_y += b.m2_y + dy * dy * f;
  a.c += b.c + dx * dy * f;
  a.mean_x += dx * (nb / n);
  a.mean_y += dy * (nb / n);
  a.n += b.n;
}

// Two passes over the rows where both values count.
CoMoments::Pair masked_pair(const double* x, const double* y, uint32_t rows) {
  CoMoments::Pair p;
  double sx = 0, sy = 0;
  uint64_t n = 0;
  for (uint32_t r = 0; r < rows; ++r) {
    if (std::isnan(x[r]) || std::isnan(y[r])) continue;
    sx += x[r];
    sy += y[r];
    ++n;
  }
  if (n == 0) return p;
  p.n = n;
  p.mean_x = sx / static_cast<double>(n);
  p.mean_y = sy / static_cast<double>(n);
  for (uint32_t r = 0; r < rows; ++r) {
    if (std::isnan(x[r]) || std::isnan(y[r])) continue;
    double dx = x[r] - p.mean_x, dy = y[r] - p.mean_y;
    p.m2_x += dx * dx;
    p.m2_y += dy * dy;
    p.c += dx * dy;
  }
  return p;
}

double dot(const double* a, const double* b, uint32_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  uint32_t r = 0;
  for (; r + 4 <= n; r += 4) {
    s0 += a[r] * b[r];
    s1 += a[r + 1] * b[r + 1];
    s2 += a[r + 2] * b[r + 2];
    s3 += a[r + 3] * b[r + 3];
  }
  for (; r < n; ++r) s0 += a[r] * b[r];
  return (s0 + s1) + (s2 + s3);
}

}  // namespace

CoMoments::CoMoments(uint32_t columns) : k_(columns) {
  if (columns > MAX_COLUMNS)
    throw InvalidInput("co-moments over " + std::to_string(columns) + " columns, at most " +
                       std::to_string(MAX_COLUMNS));
  pairs_.resize(static_cast<size_t>(k_) * (k_ ? k_ - 1 : 0) / 2);
}

void CoMoments::update(const std::vector<const double*>& values, uint32_t rows) {
  if (values.size() != k_) throw InvalidInput("co-moments: " + std::to_string(values.size()) + " columns given, expected " + std::to_string(k_));
  if (k_ < 2) return;
  if (pending_.empty()) pending_.resize(static_cast<size_t>(k_) * BLOCK);
  uint32_t done = 0;
  while (done < rows) {
    uint32_t take = std::min(rows - done, BLOCK - pending_rows_);
    for (uint32_t c = 0; c < k_; ++c)
      std::copy(values[c] + done, values[c] + done + take, pending_.data() + static_cast<size_t>(c) * BLOCK + pending_rows_);
    pending_rows_ += take;
    done += take;
    if (pending_rows_ == BLOCK) reduce_pending();
  }
}

void CoMoments::reduce_pending() {
  const uint32_t rows = pending_rows_;
  pending_rows_ = 0;
  if (rows == 0) return;
  // Scratch reused from block to block: complete flags, means, M2s and the centred values.
  scratch_.resize(3 * static_cast<size_t>(k_) + static_cast<size_t>(k_) * rows);
  double* complete = scratch_.data();
  double* mean = complete + k_;
  double* m2 = mean + k_;
  double* centred = m2 + k_;
  for (uint32_t c = 0; c < k_; ++c) {
    const double* x = pending_.data() + static_cast<size_t>(c) * BLOCK;
    bool all = true;
    double s = 0;
    for (uint32_t r = 0; r < rows; ++r) {
      all = all && !std::isnan(x[r]);
      s += x[r];
    }
    complete[c] = all ? 1.0 : 0.0;
    if (!all) continue;
    mean[c] = s / rows;
    double* d = centred + static_cast<size_t>(c) * rows;
    double q = 0;
    for (uint32_t r = 0; r < rows; ++r) {
      d[r] = x[r] - mean[c];
      q += d[r] * d[r];
    }
    m2[c] = q;
  }
  for (uint32_t i = 0; i < k_; ++i) {
    for (uint32_t j = i + 1; j < k_; ++j) {
      Pair block;
      if (complete[i] != 0 && complete[j] != 0) {
        block.n = rows;
        block.mean_x = mean[i];
        block.mean_y = mean[j];
        block.m2_x = m2[i];
        block.m2_y = m2[j];
        block.c = dot(centred + static_cast<size_t>(i) * rows, centred + static_cast<size_t>(j) * rows, rows);
      } else {
        block = masked_pair(pending_.data() + static_cast<size_t>(i) * BLOCK,
                            pending_.data() + static_cast<size_t>(j) * BLOCK, rows);
      }
      combine(pairs_[index(i, j)], block);
    }
  }
}

CoMoments CoMoments::flushed() const {
  CoMoments out = *this;
  out.reduce_pending();
  out.pending_.clear();
  out.pending_.shrink_to_fit();
  out.scratch_.clear();
  out.scratch_.shrink_to_fit();
  return out;
}

void CoMoments::merge(const CoMoments& other) {
  if (other.k_ != k_)
    throw InvalidInput("cannot merge co-moments of " + std::to_string(k_) + " and " + std::to_string(other.k_) + " columns");
  reduce_pending();
  const CoMoments theirs = other.flushed();
  for (size_t p = 0; p < pairs_.size(); ++p) combine(pairs_[p], theirs.pairs_[p]);
}

CoMoments::Pair CoMoments::pair(uint32_t i, uint32_t j) const {
  if (pending_rows_ == 0) return pairs_[index(i, j)];
  return flushed().pairs_[index(i, j)];
}

std::optional<double> CoMoments::pearson(uint32_t i, uint32_t j) const {
  Pair p = pair(i, j);
  if (p.n < 2 || !(p.m2_x > 0) || !(p.m2_y > 0)) return std::nullopt;
  double r = p.c / (std::sqrt(p.m2_x) * std::sqrt(p.m2_y));
  if (!std::isfinite(r)) return std::nullopt;
  return std::clamp(r, -1.0, 1.0);  // rounding can push |r| a hair past 1
}

void CoMoments::serialize(ByteWriter& out) const {
  const CoMoments f = pending_rows_ ? flushed() : *this;
  out.put_varint(k_);
  uint64_t used = 0;
  for (const Pair& p : f.pairs_) used += p.n > 0;
  out.put_varint(used);
  for (size_t i = 0; i < f.pairs_.size(); ++i) {
    const Pair& p = f.pairs_[i];
    if (p.n == 0) continue;
    out.put_varint(i);
    out.put_varint(p.n);
    out.put_f64(p.mean_x);
    out.put_f64(p.mean_y);
    out.put_f64(p.m2_x);
    out.put_f64(p.m2_y);
    out.put_f64(p.c);
  }
}

CoMoments CoMoments::deserialize(ByteReader& in) {
  uint64_t k = in.get_count("co-moment column count", MAX_COLUMNS);
  CoMoments m(static_cast<uint32_t>(k));
  uint64_t used = in.get_count("co-moment pair count", m.pairs_.size());
  int64_t last = -1;
  for (uint64_t u = 0; u < used; ++u) {
    uint64_t i = in.get_count("co-moment pair index", m.pairs_.size() - 1);
    if (static_cast<int64_t>(i) <= last) in.fail("co-moment pairs out of order at index " + std::to_string(i));
    last = static_cast<int64_t>(i);
    Pair& p = m.pairs_[i];
    p.n = in.get_varint("co-moment pair rows");
    p.mean_x = in.get_f64("co-moment mean");
    p.mean_y = in.get_f64("co-moment mean");
    p.m2_x = in.get_f64("co-moment M2");
    p.m2_y = in.get_f64("co-moment M2");
    p.c = in.get_f64("co-moment");
    if (p.n == 0) in.fail("co-moment pair " + std::to_string(i) + " stored with 0 rows");
    // Values near the double limit overflow the products (inf, NaN): such a pair has no r, but
    // its state is still what the data gave. A negative second moment is never produced.
    if (p.m2_x < 0 || p.m2_y < 0) in.fail("co-moment pair " + std::to_string(i) + " has a negative second moment");
  }
  return m;
}

bool CoMoments::operator==(const CoMoments& other) const {
  if (k_ != other.k_) return false;
  return flushed().pairs_ == other.flushed().pairs_;
}

}  // namespace truthound
