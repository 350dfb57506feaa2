// XXH64 (Yann Collet's xxHash, 64-bit variant), written from its specification. Every value is
// canonicalised to bytes and hashed with this one function, so distinct counts, frequent items
// and duplicate rows agree across engines, partitionings and processes.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace truthound::hash {

inline constexpr uint64_t P1 = 0x9E3779B185EBCA87ULL;
inline constexpr uint64_t P2 = 0xC2B2AE3D27D4EB4FULL;
inline constexpr uint64_t P3 = 0x165667B19E3779F9ULL;
inline constexpr uint64_t P4 = 0x85EBCA77C2B2AE63ULL;
inline constexpr uint64_t P5 = 0x27D4EB2F165667C5ULL;

// Seed for value hashes; part of the partial format (changing it changes every sketch).
inline constexpr uint64_t VALUE_SEED = 0x7472757468686173ULL;  // "truthhas"

namespace detail {
inline uint64_t read64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint32_t read32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t round(uint64_t acc, uint64_t input) {
  acc += input * P2;
  acc = std::rotl(acc, 31);
  return acc * P1;
}
inline uint64_t merge_round(uint64_t acc, uint64_t val) {
  acc ^= round(0, val);
  return acc * P1 + P4;
}
inline uint64_t avalanche(uint64_t h) {
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}
}  // namespace detail

inline uint64_t xxh64(const void* data, size_t len, uint64_t seed) {
  const char* p = static_cast<const char*>(data);
  const char* end = p + len;
  uint64_t h;
  if (len >= 32) {
    uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
    const char* limit = end - 32;
    do {
      v1 = detail::round(v1, detail::read64(p));
      v2 = detail::round(v2, detail::read64(p + 8));
      v3 = detail::round(v3, detail::read64(p + 16));
      v4 = detail::round(v4, detail::read64(p + 24));
      p += 32;
    } while (p <= limit);
    h = std::rotl(v1, 1) + std::rotl(v2, 7) + std::rotl(v3, 12) + std::rotl(v4, 18);
    h = detail::merge_round(h, v1);
    h = detail::merge_round(h, v2);
    h = detail::merge_round(h, v3);
    h = detail::merge_round(h, v4);
  } else {
    h = seed + P5;
  }
  h += static_cast<uint64_t>(len);
  while (p + 8 <= end) {
    h ^= detail::round(0, detail::read64(p));
    h = std::rotl(h, 27) * P1 + P4;
    p += 8;
  }
  if (p + 4 <= end) {
    h ^= static_cast<uint64_t>(detail::read32(p)) * P1;
    h = std::rotl(h, 23) * P2 + P3;
    p += 4;
  }
  while (p < end) {
    h ^= static_cast<uint64_t>(static_cast<uint8_t>(*p)) * P5;
    h = std::rotl(h, 11) * P1;
    ++p;
  }
  return detail::avalanche(h);
}

// XXH64 of the 8 little-endian bytes of `v`, inlined: the hash of every numeric value.
inline uint64_t xxh64_u64(uint64_t v, uint64_t seed) {
  uint64_t h = seed + P5 + 8;
  h ^= detail::round(0, v);
  h = std::rotl(h, 27) * P1 + P4;
  return detail::avalanche(h);
}

inline uint64_t of_bytes(std::string_view s) { return xxh64(s.data(), s.size(), VALUE_SEED); }
inline uint64_t of_u64(uint64_t v) { return xxh64_u64(v, VALUE_SEED); }

namespace detail {
// The inverse of an odd number modulo 2^64, by Newton's iteration (x ← x·(2 − a·x) doubles the
// correct low bits; an odd a is its own inverse modulo 8).
constexpr uint64_t inverse_odd(uint64_t a) {
  uint64_t x = a;
  for (int i = 0; i < 5; ++i) x *= 2 - a * x;
  return x;
}
}  // namespace detail

// The value whose of_u64 is `h`. XXH64 of 8 bytes is a bijection of them: each step is a
// multiplication by an odd constant, a rotation, an addition or xor of a constant, or x ^= x >> s,
// all invertible. So a table of 8-byte values keyed by this hash needs no copy of the values
// (frequent.hpp).
inline uint64_t inverse_of_u64(uint64_t h) {
  using namespace detail;
  constexpr uint64_t IP1 = inverse_odd(P1), IP2 = inverse_odd(P2), IP3 = inverse_odd(P3);
  h ^= h >> 32;  // avalanche, backwards
  h *= IP3;
  h ^= (h >> 29) ^ (h >> 58);
  h *= IP2;
  h ^= h >> 33;
  h = std::rotr((h - P4) * IP1, 27) ^ (VALUE_SEED + P5 + 8);  // h = round(0, v)
  return std::rotr(h * IP1, 31) * IP2;
}

// Order-dependent combination of column hashes into a row hash.
inline uint64_t combine(uint64_t acc, uint64_t h) { return detail::round(acc ^ P5, h) + P4; }

// splitmix64: the seeded generator behind every coin flip in the sketches.
inline uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace truthound::hash
