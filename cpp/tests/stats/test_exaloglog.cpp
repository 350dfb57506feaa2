#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "truthound/bytes.hpp"
#include "truthound/error.hpp"
#include "truthound/hash.hpp"
#include "truthound/stats/exaloglog.hpp"

namespace truthound {
namespace {

std::string to_bytes(const ExaLogLog& s) {
  ByteWriter out;
  s.serialize(out);
  return out.take();
}

// Deserializes a whole buffer, as a partial codec would: trailing bytes are an error too.
ExaLogLog from_bytes(const std::string& bytes) {
  ByteReader in(bytes, "test");
  ExaLogLog s = ExaLogLog::deserialize(in);
  in.expect_end();
  return s;
}

// Distinct hashes of stream `seed`: values i in [first, first + n).
ExaLogLog fed(uint64_t seed, uint64_t first, uint64_t n, uint8_t p = ell::DEFAULT_PRECISION) {
  ExaLogLog s(p);
  for (uint64_t i = first; i < first + n; ++i) s.update(hash::splitmix64(i + (seed << 40)));
  return s;
}

// ---- A model of the registers, written from the paper's definitions ------------------------
// For every register the set of update values seen; the dense register keeps the maximum u and
// which of u-1 .. u-D are in the set.

uint32_t update_value(uint64_t hash, unsigned p) {
  const uint64_t sub = (hash >> (64 - p - ell::T)) & 3;
  unsigned nlz = 0;
  while (nlz < 64 - p - ell::T && ((hash >> (63 - p - ell::T - nlz)) & 1) == 0) ++nlz;
  return static_cast<uint32_t>(4 * nlz + sub + 1);
}

std::string model_dense_bytes(const std::vector<uint64_t>& hashes, unsigned p) {
  std::vector<std::set<uint32_t>> seen(size_t{1} << p);
  for (uint64_t h : hashes) seen[h >> (64 - p)].insert(update_value(h, p));
  std::vector<bool> bits;
  for (const auto& values : seen) {
    const uint32_t u = values.empty() ? 0 : *values.rbegin();
    uint32_t r = u << ell::D;
    for (uint32_t delta = 1; delta <= ell::D && delta < u; ++delta)
      if (values.count(u - delta)) r |= uint32_t{1} << (ell::D - delta);
    for (unsigned b = 0; b < ell::REGISTER_BITS; ++b) bits.push_back((r >> b) & 1);
  }
  ByteWriter out;
  out.put_u8(static_cast<uint8_t>(p));
  out.put_u8(ell::FORMAT_DENSE);
  for (size_t i = 0; i < bits.size(); i += 8) {
    uint8_t byte = 0;
    for (size_t b = 0; b < 8 && i + b < bits.size(); ++b)
      byte |= static_cast<uint8_t>(bits[i + b] << b);
    out.put_u8(byte);
  }
  return out.take();
}

// ---- The stated error from first principles ---------------------------------------------
// lambda^2 * I(lambda) of one register under the Poisson model, I the Fisher information about
// lambda = n / m, by summing over the register's maximum u (Cramer-Rao: Var(n_hat) / n^2 >=
// 1 / (m * lambda^2 * I)).
double register_information(double lambda, unsigned p) {
  const unsigned cap = 64 - p - ell::T;
  const unsigned K = (cap + 1) << ell::T;
  std::vector<double> rho(K + 1), q(K + 1), rho_above(K + 2, 0.0), log_none_above(K + 2, 0.0);
  for (unsigned k = 1; k <= K; ++k) {
    const unsigned j = (k - 1) >> ell::T;
    rho[k] = std::ldexp(1.0, -static_cast<int>(ell::T + std::min(j + 1, cap)));
    q[k] = -std::expm1(-lambda * rho[k]);
  }
  for (unsigned k = K; k >= 1; --k) {
    rho_above[k] = rho_above[k + 1] + rho[k];
    log_none_above[k] = log_none_above[k + 1] - lambda * rho[k];
  }
  // The score is sum over observed values of rho (X - q) / q; given u its mean is the part from
  // the values above u and u itself, its variance the part from the history.
  double info = std::exp(log_none_above[1]) * rho_above[1] * rho_above[1];
  for (unsigned u = 1; u <= K; ++u) {
    const double pu = q[u] * std::exp(log_none_above[u + 1]);
    if (pu < 1e-300) continue;
    const double mean = -rho_above[u + 1] + rho[u] * (1 - q[u]) / q[u];
    double var = 0;
    for (unsigned k = u > ell::D ? u - ell::D : 1; k < u; ++k)
      var += rho[k] * rho[k] * (1 - q[k]) / q[k];
    info += pu * (mean * mean + var);
  }
  return lambda * lambda * info;
}

// ---- empty ----------------------------------------------------------------------------------

TEST(ExaLogLog, EmptyEstimatesZeroAndIsSmall) {
  ExaLogLog s;
  EXPECT_TRUE(s.is_empty());
  EXPECT_TRUE(s.is_sparse());
  EXPECT_EQ(s.precision(), ell::DEFAULT_PRECISION);
  EXPECT_EQ(s.estimate(), 0.0);
  EXPECT_LE(s.memory_bytes(), 128u);
  EXPECT_EQ(to_bytes(s), std::string("\x0d\x00\x00", 3));
}

TEST(ExaLogLog, EmptyIsTheMergeIdentity) {
  for (uint64_t n : {100, 100000}) {
    ExaLogLog s = fed(1, 0, n);
    const std::string before = to_bytes(s);
    s.merge(ExaLogLog());
    EXPECT_EQ(to_bytes(s), before);
    ExaLogLog empty;
    empty.merge(s);
    EXPECT_EQ(empty, s);
    EXPECT_EQ(to_bytes(empty), before);
  }
}

TEST(ExaLogLog, PrecisionOutsideRangeThrows) {
  EXPECT_THROW(ExaLogLog(3), InvalidInput);
  EXPECT_THROW(ExaLogLog(17), InvalidInput);
  EXPECT_NO_THROW(ExaLogLog(4));
  EXPECT_NO_THROW(ExaLogLog(16));
  ExaLogLog a(12);
  EXPECT_THROW(a.merge(ExaLogLog(13)), InvalidInput);
}

// ---- one value ------------------------------------------------------------------------------

TEST(ExaLogLog, OneValue) {
  for (uint8_t p : std::vector<uint8_t>{4, 10, 13, 16}) {
    ExaLogLog s(p);
    s.update(hash::of_u64(42));
    EXPECT_NEAR(s.estimate(), 1.0, 0.01) << int(p);
    const std::string once = to_bytes(s);
    s.update(hash::of_u64(42));
    EXPECT_EQ(to_bytes(s), once) << "a repeat changes nothing";
  }
}

TEST(ExaLogLog, TokenFollowsTheHashBits) {
  // p = 4: index = top 4 bits, then 2 sub-level bits, then the leading zeros of the other 58.
  ExaLogLog s(4);
  s.update(0x0200000000000000ULL);  // index 0, sub 0, next bit set: nlz 0, value 1
  s.update(0x1C00000000000000ULL);  // index 1, sub 3, rest all zero: nlz 58 (capped), value 236
  ByteWriter expected;
  expected.put_u8(4);
  expected.put_u8(ell::FORMAT_SPARSE);
  expected.put_varint(2);
  expected.put_varint((0u << 8) | 1);
  expected.put_varint(((1u << 8) | 236) - 1);
  EXPECT_EQ(to_bytes(s), expected.take());
}

// ---- sparse mode ----------------------------------------------------------------------------

TEST(ExaLogLog, SparseUntilAQuarterOfTheRegisters) {
  // Tokens are (index, value) pairs; with p = 13 and 1,000 hashes nearly all are distinct.
  ExaLogLog s = fed(2, 0, 1000);
  EXPECT_TRUE(s.is_sparse());
  EXPECT_LE(to_bytes(s).size(), 3 + 1000 * 3u);
  EXPECT_LE(s.memory_bytes(), 128 + 2048 * 4u);
  ExaLogLog big = fed(2, 0, 3000);
  EXPECT_FALSE(big.is_sparse());
  EXPECT_EQ(to_bytes(big).size(), 2 + 8192 * 30 / 8u);
}

TEST(ExaLogLog, SparseAndDenseGiveTheSameRegisters) {
  // The dense bytes of a sketch that went dense equal the registers the model builds from all
  // hashes, whatever happened while sparse.
  for (uint8_t p : std::vector<uint8_t>{4, 8, 13}) {
    std::vector<uint64_t> hashes;
    for (uint64_t i = 0; i < 5000; ++i) hashes.push_back(hash::splitmix64(i * 7 + p));
    ExaLogLog s(p);
    s.update(hashes.data(), hashes.size());
    ASSERT_FALSE(s.is_sparse()) << int(p);
    EXPECT_EQ(to_bytes(s), model_dense_bytes(hashes, p)) << int(p);
  }
}

TEST(ExaLogLog, RegistersFollowTheModelForCraftedValues) {
  // Update values far apart and close together in the same register: history shifts, drops
  // values more than D below the maximum and fills bits below it.
  const unsigned p = 4;
  std::vector<uint64_t> hashes;
  std::mt19937_64 rng(5);
  for (int i = 0; i < 4000; ++i) {
    // Register 3 only, a geometric spread of values.
    const uint64_t h = (uint64_t{3} << 60) | (rng() >> (4 + rng() % 50));
    hashes.push_back(h);
  }
  for (uint64_t i = 0; i < 20; ++i) hashes.push_back(hash::splitmix64(i));  // other registers
  ExaLogLog s(p);
  for (uint64_t h : hashes) s.update(h);
  // Below the sparse limit (4 tokens for p = 4) only if few tokens: force the comparison dense.
  ASSERT_FALSE(s.is_sparse());
  EXPECT_EQ(to_bytes(s), model_dense_bytes(hashes, p));
}

// ---- estimation mode ------------------------------------------------------------------------

TEST(ExaLogLog, StatedErrorFollowsFromTheFisherInformation) {
  // Worst over one period of log2(lambda), deep in the asymptotic range.
  const unsigned p = ell::DEFAULT_PRECISION;
  double worst = 1e300;
  for (int i = 0; i < 32; ++i)
    worst = std::min(worst, register_information(std::exp2(18 + i / 32.0), p));
  const double rse_sqrt_m = 1 / std::sqrt(worst);
  EXPECT_GE(ell::RSE_SQRT_M, rse_sqrt_m);
  EXPECT_NEAR(ell::RSE_SQRT_M, rse_sqrt_m, 0.001);
  // HyperLogLog's ML estimator in the same model would be 1.04 / sqrt(m): ExaLogLog stores 5x
  // the bits per register for an 8.6x smaller variance per register.
  EXPECT_LE(ExaLogLog().relative_standard_error(), 0.004);
  EXPECT_DOUBLE_EQ(ExaLogLog().relative_standard_error(), ell::RSE_SQRT_M / std::sqrt(8192.0));
}

TEST(ExaLogLog, RmsErrorOverSeededStreamsIsTheStatedError) {
  // 32 seeded streams at each of 4 cardinalities where the asymptotic error applies, every
  // stream its own seed: 128 independent relative errors. Their RMS has a relative standard
  // deviation of about 1 / sqrt(2 * 128) = 6 %, so 1.2 x the stated error is over 3 standard
  // deviations away; the mean error (bias) must be within 3 standard errors of 0.
  const double stated = ExaLogLog().relative_standard_error();
  double sum_sq = 0;
  double sum = 0;
  int runs = 0;
  uint64_t seed = 100;
  for (uint64_t n : {200000, 500000, 1000000, 2000000}) {
    for (int stream = 0; stream < 32; ++stream) {
      const double rel = fed(seed++, 0, n).estimate() / static_cast<double>(n) - 1;
      sum_sq += rel * rel;
      sum += rel;
      ++runs;
    }
  }
  const double rms = std::sqrt(sum_sq / runs);
  EXPECT_LE(rms, 1.2 * stated) << "rms " << rms << ", stated " << stated;
  EXPECT_GE(rms, 0.8 * stated) << "an error far below the stated one means the statement is wrong";
  EXPECT_LE(std::abs(sum / runs), 3 * stated / std::sqrt(runs));
}

TEST(ExaLogLog, SmallCardinalitiesAreNearlyExact) {
  // Few hashes per register: the history remembers almost every value, so the error is far below
  // the asymptotic one.
  for (uint64_t n : {1, 2, 10, 100, 1000, 10000}) {
    double sum_sq = 0;
    for (uint64_t seed = 0; seed < 32; ++seed) {
      const double rel = fed(seed, 0, n).estimate() / static_cast<double>(n) - 1;
      sum_sq += rel * rel;
    }
    EXPECT_LE(std::sqrt(sum_sq / 32), ExaLogLog().relative_standard_error()) << n;
  }
}

TEST(ExaLogLog, HugeCardinalityStaysFinite) {
  // Every register at its largest value with full history: the estimator's infinity, capped.
  ExaLogLog s(4);
  for (uint64_t index = 0; index < 16; ++index)
    for (uint64_t sub = 0; sub < 4; ++sub)
      for (unsigned nlz = 0; nlz <= 58; ++nlz) {
        const uint64_t rest = nlz == 58 ? 0 : uint64_t{1} << (57 - nlz);
        s.update((index << 60) | (sub << 58) | rest);
      }
  EXPECT_EQ(s.estimate(), 18446744073709551616.0);
}

TEST(ExaLogLog, DuplicatesDoNotCount) {
  ExaLogLog once = fed(3, 0, 50000);
  ExaLogLog thrice = fed(3, 0, 50000);
  for (int r = 0; r < 2; ++r)
    for (uint64_t i = 0; i < 50000; ++i) thrice.update(hash::splitmix64(i + (uint64_t{3} << 40)));
  EXPECT_EQ(to_bytes(once), to_bytes(thrice));
}

// ---- merge ----------------------------------------------------------------------------------

TEST(ExaLogLog, MergeEqualsSinglePass) {
  // Split points that keep both sides sparse, make one side dense, or both.
  for (uint64_t split : {0, 300, 1500, 4000, 20000}) {
    const uint64_t n = split < 1500 ? 1800 : 40000;
    const ExaLogLog whole = fed(4, 0, n);
    ExaLogLog left = fed(4, 0, split);
    left.merge(fed(4, split, n - split));
    EXPECT_EQ(to_bytes(left), to_bytes(whole)) << split;
    EXPECT_EQ(left, whole) << split;
  }
}

TEST(ExaLogLog, MergeOrderDoesNotMatter) {
  std::vector<ExaLogLog> parts;
  for (uint64_t i = 0; i < 6; ++i) parts.push_back(fed(5, i * 700, 300 + i * 500));
  ExaLogLog forward;
  for (const auto& p : parts) forward.merge(p);
  ExaLogLog backward;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) backward.merge(*it);
  ExaLogLog tree = parts[0];
  tree.merge(parts[1]);
  ExaLogLog right = parts[4];
  right.merge(parts[5]);
  ExaLogLog middle = parts[2];
  middle.merge(parts[3]);
  middle.merge(right);
  tree.merge(middle);
  EXPECT_EQ(to_bytes(forward), to_bytes(backward));
  EXPECT_EQ(to_bytes(forward), to_bytes(tree));
}

TEST(ExaLogLog, MergeIsIdempotent) {
  for (uint64_t n : {500, 50000}) {
    ExaLogLog s = fed(6, 0, n);
    const std::string before = to_bytes(s);
    const ExaLogLog copy = s;
    s.merge(copy);
    s.merge(s);
    EXPECT_EQ(to_bytes(s), before) << n;
  }
}

// ---- bytes ----------------------------------------------------------------------------------

TEST(ExaLogLog, RoundTripKeepsTheBytes) {
  for (uint8_t p : std::vector<uint8_t>{4, 13, 16})
    for (uint64_t n : {0, 1, 3, 1000, 100000}) {
      const ExaLogLog s = fed(7, 0, n, p);
      const std::string bytes = to_bytes(s);
      const ExaLogLog back = from_bytes(bytes);
      EXPECT_EQ(back, s) << int(p) << " " << n;
      EXPECT_EQ(to_bytes(back), bytes) << int(p) << " " << n;
      EXPECT_EQ(back.estimate(), s.estimate()) << int(p) << " " << n;
    }
}

TEST(ExaLogLog, DenseSizeIsThirtyBitsPerRegister) {
  const std::string bytes = to_bytes(fed(8, 0, 1000000));
  EXPECT_EQ(bytes.size(), 2u + 30720u);
  EXPECT_LE(bytes.size(), 32u * 1024);
}

// ---- corrupt input: one case per check ------------------------------------------------------

void expect_corrupt(const std::string& bytes, const std::string& fragment) {
  try {
    from_bytes(bytes);
    FAIL() << "accepted; expected an error containing \"" << fragment << "\"";
  } catch (const CorruptPartial& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

std::string sparse_bytes(uint8_t p, const std::vector<uint64_t>& deltas) {
  ByteWriter out;
  out.put_u8(p);
  out.put_u8(ell::FORMAT_SPARSE);
  out.put_varint(deltas.size());
  for (uint64_t d : deltas) out.put_varint(d);
  return out.take();
}

// A valid dense p = 4 sketch with register `index` set to r (others 0).
std::string dense_bytes(uint32_t r, size_t index = 0) {
  std::vector<uint32_t> regs(16, 0);
  regs[index] = r;
  std::vector<uint8_t> packed(60, 0);
  for (size_t i = 0; i < 16; ++i)
    for (unsigned b = 0; b < 30; ++b)
      if ((regs[i] >> b) & 1)
        packed[(30 * i + b) / 8] |= static_cast<uint8_t>(1u << ((30 * i + b) % 8));
  ByteWriter out;
  out.put_u8(4);
  out.put_u8(ell::FORMAT_DENSE);
  out.put_raw(packed.data(), packed.size());
  return out.take();
}

TEST(ExaLogLog, CorruptPrecision) {
  expect_corrupt(std::string("\x03\x00\x00", 3), "precision 3");
  expect_corrupt(std::string("\x11\x00\x00", 3), "precision 17");
}

TEST(ExaLogLog, CorruptFormatTag) { expect_corrupt(std::string("\x0d\x02", 2), "format tag 2"); }

TEST(ExaLogLog, CorruptTruncated) {
  expect_corrupt(std::string("\x0d", 1), "truncated");
  expect_corrupt(sparse_bytes(13, {5, 6}).substr(0, 4), "truncated");
  expect_corrupt(dense_bytes(1u << 22).substr(0, 40), "truncated");
}

TEST(ExaLogLog, CorruptSparseCountOverTheLimit) {
  std::vector<uint64_t> deltas(5, 1);
  expect_corrupt(sparse_bytes(4, deltas), "token count 5, at most 4");
}

TEST(ExaLogLog, CorruptSparseRepeatedToken) {
  expect_corrupt(sparse_bytes(13, {5, 0}), "strictly increasing");
}

TEST(ExaLogLog, CorruptSparseTokenOutOfRange) {
  expect_corrupt(sparse_bytes(4, {16u << 8}), "expected below 4096");
  expect_corrupt(sparse_bytes(4, {1, ~uint64_t{0}}), "expected below 4096");
}

TEST(ExaLogLog, CorruptSparseUpdateValue) {
  expect_corrupt(sparse_bytes(4, {1u << 8}), "update value 0");
  expect_corrupt(sparse_bytes(4, {237}), "update value 237, expected 1..236");
}

TEST(ExaLogLog, CorruptDenseMaximum) { expect_corrupt(dense_bytes(237u << 22, 5), "maximum 237"); }

TEST(ExaLogLog, CorruptDenseHistoryBelowOne) {
  EXPECT_NO_THROW(from_bytes(dense_bytes((3u << 22) | (3u << 20))));  // values 2 and 1
  expect_corrupt(dense_bytes((3u << 22) | (1u << 19)), "below 1");    // value 0
  expect_corrupt(dense_bytes(1u), "below 1");                         // empty with history
}

TEST(ExaLogLog, CorruptDenseAllEmpty) { expect_corrupt(dense_bytes(0), "every register empty"); }

}  // namespace
}  // namespace truthound
