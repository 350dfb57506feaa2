// Exact counters of one column: rows, nulls and the special values of each kind.
// Merge is addition, so any partitioning gives the same counts.
#pragma once

#include <cstdint>

#include "truthound/bytes.hpp"

namespace truthound {

struct Counts {
  uint64_t rows = 0;
  uint64_t nulls = 0;
  uint64_t nan = 0;
  uint64_t pos_inf = 0;
  uint64_t neg_inf = 0;
  uint64_t zeros = 0;
  uint64_t negatives = 0;
  uint64_t trues = 0;
  uint64_t falses = 0;
  uint64_t empty = 0;         // empty strings
  uint64_t whitespace = 0;    // non-empty strings of ASCII whitespace only
  uint64_t invalid_utf8 = 0;  // string values that are not valid UTF-8

  void merge(const Counts& other);
  void serialize(ByteWriter& out) const;
  static Counts deserialize(ByteReader& in);
  bool operator==(const Counts&) const = default;
};

}  // namespace truthound
