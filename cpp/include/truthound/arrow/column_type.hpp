// The logical type of a column as the profiler sees it, parsed from an Arrow format string.
// Producers disagree on physical details (int32 vs int64, utf8 vs utf8_view, dictionary or not);
// the Kind decides which statistics apply and how values are canonicalised before hashing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "truthound/arrow/c_abi.hpp"

namespace truthound {

enum class Kind : uint8_t {
  Null = 0,
  Boolean = 1,
  Signed = 2,
  Unsigned = 3,
  Float = 4,
  Decimal = 5,
  String = 6,
  Binary = 7,
  Date = 8,
  Timestamp = 9,
  Time = 10,
  Duration = 11,
  Nested = 12,  // list, struct, map, union, run-end encoded...: counted, not profiled
};

enum class TimeUnit : uint8_t { None = 0, Second = 1, Milli = 2, Micro = 3, Nano = 4, Day = 5 };

struct ColumnType {
  Kind kind = Kind::Null;
  TimeUnit unit = TimeUnit::None;
  int32_t precision = 0;  // decimal only
  int32_t scale = 0;      // decimal only
  std::string timezone;   // timestamp only; empty for naive timestamps
  std::string name;       // readable physical type: "int64", "string", "timestamp[us, tz=UTC]"

  bool is_numeric() const {
    return kind == Kind::Signed || kind == Kind::Unsigned || kind == Kind::Float || kind == Kind::Decimal;
  }
  bool is_temporal() const {
    return kind == Kind::Date || kind == Kind::Timestamp || kind == Kind::Time || kind == Kind::Duration;
  }
  bool is_text() const { return kind == Kind::String || kind == Kind::Binary; }
  // Columns whose values are ordered on a line: min/max, quantiles and histograms apply.
  bool is_ordered_number() const { return is_numeric() || is_temporal(); }
  bool operator==(const ColumnType&) const = default;
};

const char* kind_name(Kind kind);
const char* unit_name(TimeUnit unit);

// Parses a schema (following dictionary encoding to the value type). Never throws for an unknown
// but well-formed format: such columns become Kind::Nested with the format in `name`.
ColumnType parse_column_type(const ArrowSchema& schema);

}  // namespace truthound
