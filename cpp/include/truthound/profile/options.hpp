// Settings that shape a partial profile's state. Two partials merge only when these agree,
// so they travel inside every partial.
#pragma once

#include <cstdint>

#include "truthound/bytes.hpp"

namespace truthound {

namespace partial {
// Version 3 is written: the states of version 2 (ExaLogLog distinct counts, frequency first)
// with compact frequency tables and retained values (no stored hash for a value whose hash can be
// recomputed; sorted numbers delta-coded). Versions 2 and 3 merge with each other; version 1
// (HyperLogLog) is still read and merged with version 1.
inline constexpr uint16_t FORMAT_VERSION = 3;
inline constexpr uint16_t OLDEST_FORMAT_VERSION = 1;
}  // namespace partial

struct ProfileOptions {
  uint64_t seed = 42;
  uint16_t kll_k = 1200;  // rank error 0.233% (kll.hpp)
  uint32_t distinct_exact_limit = 100'000;
  // HyperLogLog precision of format-1 partials (read and merged, no longer written).
  uint8_t hll_precision = 14;
  // ExaLogLog precision (4..16) of the distinct counters of format-2 partials: 0.389% at 13.
  uint8_t ell_precision = 13;
  uint32_t frequent_exact_capacity = 16'384;
  uint32_t frequent_sketch_capacity = 768;  // k: each count low by at most n/(k+1)
  // Distinct rows tracked exactly (for the duplicate-row count) before switching to HyperLogLog.
  uint32_t row_exact_limit = 1'000'000;
  // Distinct string values sampled for pattern detection; 0 turns pattern detection off.
  uint32_t pattern_sample_size = 1'024;

  void validate() const;  // throws InvalidInput naming the bad option
  // The fields of partial format `version`: 1 carries hll_precision, 2 and 3 ell_precision in
  // its place.
  void serialize(ByteWriter& out, uint16_t version) const;
  static ProfileOptions deserialize(ByteReader& in, uint16_t version);
  bool operator==(const ProfileOptions&) const = default;
};

}  // namespace truthound
