#include "truthound/stats/exaloglog.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <string>
#include <utility>

#include "truthound/error.hpp"

namespace truthound {

namespace {

// There are only 2^64 distinct hashes.
constexpr double TWO_64 = 18446744073709551616.0;
constexpr size_t FIRST_TABLE_CAPACITY = 16;

size_t slot_of(uint32_t token, unsigned shift) {
  // Fibonacci hashing: the low byte of a token (the update value) is far from uniform.
  return static_cast<uint32_t>(token * 0x9E3779B1u) >> shift;
}

std::string precision_range() {
  return std::to_string(ell::MIN_PRECISION) + ".." + std::to_string(ell::MAX_PRECISION);
}

// Sufficient statistics of the likelihood (see estimate()): `unseen` is the total rate of the
// update values known not to have occurred, in units of 2^-(64 - p); seen[e] counts the values
// known to have occurred whose rate is 2^e units.
struct Likelihood {
  uint128 unseen = 0;
  std::array<uint64_t, 64> seen{};
};

}  // namespace

ExaLogLog::ExaLogLog(uint8_t precision) : precision_(precision) {
  if (precision < ell::MIN_PRECISION || precision > ell::MAX_PRECISION)
    throw InvalidInput("ExaLogLog precision " + std::to_string(precision) + ", expected " +
                       precision_range());
}

double ExaLogLog::relative_standard_error(uint8_t precision) {
  return ell::RSE_SQRT_M / std::sqrt(std::ldexp(1.0, precision));
}

void ExaLogLog::update(const uint64_t* hashes, size_t n) {
  size_t i = 0;
  while (i < n && registers_.empty()) update(hashes[i++]);
  uint32_t* registers = registers_.data();
  for (; i < n; ++i) apply(registers, token_of(hashes[i]));
}

void ExaLogLog::grow_table(size_t capacity) {
  std::vector<uint32_t> old = std::move(table_);
  table_.assign(capacity, 0);
  const auto shift = static_cast<unsigned>(32 - std::countr_zero(capacity));
  const size_t mask = capacity - 1;
  for (uint32_t token : old) {
    if (token == 0) continue;
    size_t i = slot_of(token, shift);
    while (table_[i] != 0) i = (i + 1) & mask;
    table_[i] = token;
  }
}

void ExaLogLog::insert_token(uint32_t token) {
  if (table_.empty()) grow_table(FIRST_TABLE_CAPACITY);
  const size_t capacity = table_.size();
  const auto shift = static_cast<unsigned>(32 - std::countr_zero(capacity));
  const size_t mask = capacity - 1;
  size_t i = slot_of(token, shift);
  while (table_[i] != 0) {
    if (table_[i] == token) return;
    i = (i + 1) & mask;
  }
  if (token_count_ == sparse_limit()) {
    // The new token is the first past the limit: the registers from here on.
    to_dense();
    apply(registers_.data(), token);
    return;
  }
  table_[i] = token;
  ++token_count_;
  if (2 * token_count_ > capacity) grow_table(2 * capacity);
}

std::vector<uint32_t> ExaLogLog::registers_of_tokens() const {
  std::vector<uint32_t> registers(size_t{1} << precision_, 0);
  for (uint32_t token : table_)
    if (token != 0) apply(registers.data(), token);
  return registers;
}

void ExaLogLog::to_dense() {
  registers_ = registers_of_tokens();
  std::vector<uint32_t>().swap(table_);
  token_count_ = 0;
}

std::vector<uint32_t> ExaLogLog::sorted_tokens() const {
  std::vector<uint32_t> tokens;
  tokens.reserve(token_count_);
  for (uint32_t token : table_)
    if (token != 0) tokens.push_back(token);
  std::sort(tokens.begin(), tokens.end());
  return tokens;
}

uint32_t ExaLogLog::merge_register(uint32_t a, uint32_t b) {
  if ((a >> ell::D) < (b >> ell::D)) std::swap(a, b);
  const uint32_t delta = (a >> ell::D) - (b >> ell::D);
  if (b == 0 || delta > ell::D) return a;
  if (delta == 0) return a | b;
  // b's maximum and history, seen from a's maximum.
  return a | (((uint32_t{1} << ell::D) | (b & HISTORY_MASK)) >> delta);
}

void ExaLogLog::merge(const ExaLogLog& other) {
  if (other.precision_ != precision_)
    throw InvalidInput("cannot merge ExaLogLog sketches of precision " +
                       std::to_string(precision_) + " and " + std::to_string(other.precision_));
  if (&other == this) return;  // idempotent
  if (other.is_sparse()) {
    // Table order is a function of the token set, and the result does not depend on it anyway.
    for (uint32_t token : other.table_) {
      if (token == 0) continue;
      if (registers_.empty()) {
        insert_token(token);
      } else {
        apply(registers_.data(), token);
      }
    }
    return;
  }
  if (is_sparse()) to_dense();
  uint32_t* dst = registers_.data();
  const uint32_t* src = other.registers_.data();
  for (size_t i = 0; i < registers_.size(); ++i) dst[i] = merge_register(dst[i], src[i]);
}

// Poisson model (Ertl 2024, section 3): with n distinct hashes, update value k arrives in a given
// register a Poisson number of times with mean n / m * rho(k), independently for every k and
// register. rho(k) = 2^-(T + j + 1) for level j = (k - 1) >> T below the cap, and the capped top
// level has rho = 2^-(T + cap), like the level under it. A register tells for each value whether
// it occurred (its maximum, and the history bits that are set), did not occur (values above the
// maximum, history bits that are clear) or is unknown (further below). With y = n / 2^64 the
// log-likelihood is
//     -y * unseen + sum_e seen[e] * log(1 - exp(-y * 2^e)),
// rates in units of 2^-(64 - p) = 2^-(T + cap); it is concave in y with a unique maximum where
//     sum_e seen[e] * 2^e / (exp(y * 2^e) - 1) = unseen.
double ExaLogLog::estimate() const {
  if (is_empty()) return 0.0;
  const unsigned cap = 64u - precision_ - ell::T;  // top level index
  // Rate of one value of level j, as an exponent of 2 in units.
  const auto rate_exponent = [cap](uint32_t j) { return j < cap ? cap - 1 - j : 0u; };
  Likelihood like;
  const auto add_register = [&](uint32_t r) {
    const uint32_t u = r >> ell::D;
    if (u == 0) {
      like.unseen += uint128{1} << (cap + ell::T);  // every value, total rate 1
      return;
    }
    const uint32_t j = (u - 1) >> ell::T;
    const uint32_t sub = (u - 1) & ((1u << ell::T) - 1);
    // Values above u: the rest of level j, then every higher level (2^(cap - j - 1 + T) units).
    like.unseen += uint128{(1u << ell::T) - 1 - sub} << rate_exponent(j);
    if (j < cap) like.unseen += uint128{1} << (cap - j - 1 + ell::T);
    ++like.seen[rate_exponent(j)];
    // History bit D - delta stands for value u - delta. Walk it level by level (the values of a
    // level share a rate): first the values of u's level below u, then whole levels of 2^T.
    uint32_t remaining = std::min<uint32_t>(ell::D, u - 1);
    uint32_t top_bit = ell::D;
    uint32_t level = j;
    uint32_t length = sub;
    while (remaining > 0) {
      length = std::min(length, remaining);
      if (length > 0) {
        const uint32_t mask = ((uint32_t{1} << length) - 1) << (top_bit - length);
        const auto seen = static_cast<uint32_t>(std::popcount(r & mask));
        const uint32_t e = rate_exponent(level);
        like.seen[e] += seen;
        like.unseen += uint128{length - seen} << e;
        top_bit -= length;
        remaining -= length;
      }
      --level;
      length = 1u << ell::T;
    }
  };
  if (is_sparse()) {
    // The registers the tokens make: the estimate of the same state as if dense.
    for (uint32_t r : registers_of_tokens()) add_register(r);
  } else {
    for (uint32_t r : registers_) add_register(r);
  }
  const double unseen = static_cast<double>(like.unseen);
  if (unseen == 0) return TWO_64;  // every value of every register seen: beyond 2^64
  // The left side decreases from +inf to 0 as y grows; bisect log2(y) over n in [2^-16, 2^80].
  const auto excess = [&](double y) {
    double sum = 0;
    for (unsigned e = 0; e < like.seen.size(); ++e)
      if (like.seen[e] != 0) {
        const double rate = std::ldexp(1.0, static_cast<int>(e));
        sum += static_cast<double>(like.seen[e]) * rate / std::expm1(y * rate);
      }
    return sum - unseen;
  };
  double lo = -80.0;
  double hi = 16.0;
  for (int i = 0; i < 100 && hi - lo > 1e-13; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (excess(std::exp2(mid)) > 0) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return std::min(std::exp2(0.5 * (lo + hi) + 64.0), TWO_64);
}

size_t ExaLogLog::memory_bytes() const {
  return sizeof(*this) + (table_.capacity() + registers_.capacity()) * sizeof(uint32_t);
}

void ExaLogLog::serialize(ByteWriter& out) const {
  out.put_u8(precision_);
  if (is_sparse()) {
    out.put_u8(ell::FORMAT_SPARSE);
    const std::vector<uint32_t> tokens = sorted_tokens();
    out.put_varint(tokens.size());
    uint32_t prev = 0;
    for (uint32_t token : tokens) {
      out.put_varint(token - prev);
      prev = token;
    }
    return;
  }
  out.put_u8(ell::FORMAT_DENSE);
  // Little-endian bit packing: register i occupies bits [30 i, 30 i + 30) of the stream.
  uint64_t bits = 0;
  unsigned held = 0;
  for (uint32_t r : registers_) {
    bits |= uint64_t{r} << held;
    held += ell::REGISTER_BITS;
    while (held >= 8) {
      out.put_u8(static_cast<uint8_t>(bits));
      bits >>= 8;
      held -= 8;
    }
  }
}

ExaLogLog ExaLogLog::deserialize(ByteReader& in) {
  const uint8_t precision = in.get_u8("ExaLogLog precision");
  if (precision < ell::MIN_PRECISION || precision > ell::MAX_PRECISION)
    in.fail("ExaLogLog precision " + std::to_string(precision) + ", expected " + precision_range());
  ExaLogLog sketch(precision);
  const size_t m = size_t{1} << precision;
  const uint32_t max_u = sketch.max_update_value();
  const uint8_t format = in.get_u8("ExaLogLog format tag");
  if (format == ell::FORMAT_SPARSE) {
    const uint64_t count = in.get_count("ExaLogLog sparse token count", sketch.sparse_limit());
    uint64_t token = 0;
    for (uint64_t i = 0; i < count; ++i) {
      const uint64_t delta = in.get_varint("ExaLogLog sparse token delta");
      if (i > 0 && delta == 0)
        in.fail("ExaLogLog sparse token " + std::to_string(i) + " repeats " +
                std::to_string(token) + ", expected strictly increasing tokens");
      // Compare before adding so a huge delta cannot wrap around.
      if (delta >= (m << 8) - token)
        in.fail("ExaLogLog sparse token " + std::to_string(i) + ": " + std::to_string(token) +
                " + " + std::to_string(delta) + ", expected below " + std::to_string(m << 8));
      token += delta;
      const uint64_t k = token & 0xFF;
      if (k == 0 || k > max_u)
        in.fail("ExaLogLog sparse token " + std::to_string(i) + ": update value " +
                std::to_string(k) + ", expected 1.." + std::to_string(max_u));
      sketch.insert_token(static_cast<uint32_t>(token));
    }
  } else if (format == ell::FORMAT_DENSE) {
    const size_t bytes = (m * ell::REGISTER_BITS + 7) / 8;
    std::vector<uint8_t> packed(bytes);
    in.get_raw(packed.data(), bytes, "ExaLogLog dense registers");
    sketch.registers_.assign(m, 0);
    uint64_t bits = 0;
    unsigned held = 0;
    size_t next = 0;
    // m is a multiple of 4 and 4 registers fill 15 bytes: no padding bits.
    for (size_t i = 0; i < m; ++i) {
      while (held < ell::REGISTER_BITS) {
        bits |= uint64_t{packed[next++]} << held;
        held += 8;
      }
      const auto r = static_cast<uint32_t>(bits & ((uint64_t{1} << ell::REGISTER_BITS) - 1));
      bits >>= ell::REGISTER_BITS;
      held -= ell::REGISTER_BITS;
      const uint32_t u = r >> ell::D;
      if (u > max_u)
        in.fail("ExaLogLog register " + std::to_string(i) + ": maximum " + std::to_string(u) +
                ", expected at most " + std::to_string(max_u));
      // History bits stand for the values u - 1 .. u - D; those below 1 do not exist.
      const uint32_t impossible = u == 0 ? HISTORY_MASK : u <= ell::D ? HISTORY_MASK >> (u - 1) : 0;
      if ((r & impossible) != 0)
        in.fail("ExaLogLog register " + std::to_string(i) + " with maximum " + std::to_string(u) +
                " remembers update values below 1");
      sketch.registers_[i] = r;
    }
    if (std::all_of(sketch.registers_.begin(), sketch.registers_.end(),
                    [](uint32_t r) { return r == 0; }))
      in.fail("ExaLogLog dense form with every register empty, expected the sparse form");
  } else {
    in.fail("ExaLogLog format tag " + std::to_string(format) + ", expected " +
            std::to_string(ell::FORMAT_SPARSE) + " (sparse) or " +
            std::to_string(ell::FORMAT_DENSE) + " (dense)");
  }
  return sketch;
}

bool ExaLogLog::operator==(const ExaLogLog& other) const {
  if (precision_ != other.precision_ || is_sparse() != other.is_sparse()) return false;
  if (!is_sparse()) return registers_ == other.registers_;
  return token_count_ == other.token_count_ && sorted_tokens() == other.sorted_tokens();
}

}  // namespace truthound
