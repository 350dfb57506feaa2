#include "truthound/arrow/column_type.hpp"

#include <cstdlib>
#include <cstring>

namespace truthound {
namespace {

TimeUnit parse_unit(char c) {
  switch (c) {
    case 's': return TimeUnit::Second;
    case 'm': return TimeUnit::Milli;
    case 'u': return TimeUnit::Micro;
    case 'n': return TimeUnit::Nano;
    default: return TimeUnit::None;
  }
}

const char* short_unit(TimeUnit u) {
  switch (u) {
    case TimeUnit::Second: return "s";
    case TimeUnit::Milli: return "ms";
    case TimeUnit::Micro: return "us";
    case TimeUnit::Nano: return "ns";
    case TimeUnit::Day: return "day";
    default: return "";
  }
}

ColumnType simple(Kind kind, const char* name) {
  ColumnType t;
  t.kind = kind;
  t.name = name;
  return t;
}

ColumnType nested(std::string_view format, const char* what) {
  ColumnType t;
  t.kind = Kind::Nested;
  t.name = std::string(what) + " (" + std::string(format) + ")";
  return t;
}

// "list<int64>", "struct<a: string, b: double>", "map<string, int64>": readable names for the
// columns that are counted but not profiled.
std::string child_name(const ArrowSchema& schema, int64_t i);

ColumnType nested_type(const ArrowSchema& schema, std::string_view format) {
  ColumnType t;
  t.kind = Kind::Nested;
  auto children = [&](bool with_names) {
    std::string out;
    for (int64_t i = 0; i < schema.n_children && i < 8; ++i) {
      const ArrowSchema* c = schema.children ? schema.children[i] : nullptr;
      if (c == nullptr) continue;
      if (!out.empty()) out += ", ";
      if (with_names) out += std::string(c->name ? c->name : "") + ": ";
      out += child_name(schema, i);
    }
    if (schema.n_children > 8) out += ", ...";
    return out;
  };
  if (format == "+l" || format == "+L" || format == "+vl" || format == "+vL") {
    const char* kind = format == "+l" ? "list" : format == "+L" ? "large_list" : "list_view";
    t.name = std::string(kind) + "<" + children(false) + ">";
  } else if (format.starts_with("+w:")) {
    t.name = "fixed_size_list<" + children(false) + ">[" + std::string(format.substr(3)) + "]";
  } else if (format == "+s") {
    t.name = "struct<" + children(true) + ">";
  } else if (format == "+m") {
    // A map's one child is a struct of key and value.
    const ArrowSchema* entries = schema.n_children == 1 && schema.children ? schema.children[0] : nullptr;
    std::string inner = entries ? parse_column_type(*entries).name : "?";
    if (inner.starts_with("struct<")) inner = inner.substr(7, inner.size() - 8);
    t.name = "map<" + inner + ">";
  } else if (format.starts_with("+u")) {
    t.name = "union<" + children(false) + ">";
  } else if (format == "+r") {
    t.name = "run_end_encoded<" + children(false) + ">";
  } else {
    t.name = "unsupported type (" + std::string(format) + ")";
  }
  return t;
}

std::string child_name(const ArrowSchema& schema, int64_t i) {
  return parse_column_type(*schema.children[i]).name;
}

}  // namespace

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::Null: return "null";
    case Kind::Boolean: return "boolean";
    case Kind::Signed: return "integer";
    case Kind::Unsigned: return "unsigned";
    case Kind::Float: return "float";
    case Kind::Decimal: return "decimal";
    case Kind::String: return "string";
    case Kind::Binary: return "binary";
    case Kind::Date: return "date";
    case Kind::Timestamp: return "timestamp";
    case Kind::Time: return "time";
    case Kind::Duration: return "duration";
    case Kind::Nested: return "nested";
  }
  return "unknown";
}

const char* unit_name(TimeUnit unit) { return short_unit(unit); }

ColumnType parse_column_type(const ArrowSchema& schema) {
  if (schema.dictionary != nullptr) return parse_column_type(*schema.dictionary);
  const char* f = schema.format == nullptr ? "" : schema.format;
  std::string_view format(f);
  if (format.size() == 1) {
    switch (format[0]) {
      case 'n': return simple(Kind::Null, "null");
      case 'b': return simple(Kind::Boolean, "bool");
      case 'c': return simple(Kind::Signed, "int8");
      case 's': return simple(Kind::Signed, "int16");
      case 'i': return simple(Kind::Signed, "int32");
      case 'l': return simple(Kind::Signed, "int64");
      case 'C': return simple(Kind::Unsigned, "uint8");
      case 'S': return simple(Kind::Unsigned, "uint16");
      case 'I': return simple(Kind::Unsigned, "uint32");
      case 'L': return simple(Kind::Unsigned, "uint64");
      case 'e': return simple(Kind::Float, "float16");
      case 'f': return simple(Kind::Float, "float");
      case 'g': return simple(Kind::Float, "double");
      case 'u': case 'U': return simple(Kind::String, "string");
      case 'z': case 'Z': return simple(Kind::Binary, "binary");
      default: break;
    }
  }
  if (format == "vu") return simple(Kind::String, "string");
  if (format == "vz") return simple(Kind::Binary, "binary");
  if (format.starts_with("w:")) {
    ColumnType t = simple(Kind::Binary, "");
    t.name = "fixed_size_binary[" + std::string(format.substr(2)) + "]";
    return t;
  }
  if (format.starts_with("d:")) {
    // d:precision,scale[,bitwidth]; only 128-bit decimals are read (the common case).
    ColumnType t;
    char* end = nullptr;
    long precision = std::strtol(f + 2, &end, 10);
    long scale = (end && *end == ',') ? std::strtol(end + 1, &end, 10) : 0;
    long bits = (end && *end == ',') ? std::strtol(end + 1, &end, 10) : 128;
    if (bits != 128 || precision <= 0 || precision > 38 || scale < -100 || scale > 100) {
      // Counted, not profiled (see docs/profile-schema.md): a readable name, never a rounded value.
      t.kind = Kind::Nested;
      t.name = "decimal" + std::to_string(bits) + "(" + std::to_string(precision) + ", " +
               std::to_string(scale) + ")";
      return t;
    }
    t.kind = Kind::Decimal;
    t.precision = static_cast<int32_t>(precision);
    t.scale = static_cast<int32_t>(scale);
    t.name = "decimal128(" + std::to_string(precision) + ", " + std::to_string(scale) + ")";
    return t;
  }
  if (format == "tdD" || format == "tdm") {
    ColumnType t = simple(Kind::Date, format == "tdD" ? "date32[day]" : "date64[ms]");
    t.unit = TimeUnit::Day;
    return t;
  }
  if (format.size() == 3 && format[0] == 't' && (format[1] == 't' || format[1] == 'D')) {
    TimeUnit unit = parse_unit(format[2]);
    if (unit != TimeUnit::None) {
      bool is_time = format[1] == 't';
      ColumnType t = simple(is_time ? Kind::Time : Kind::Duration, "");
      t.unit = unit;
      t.name = std::string(is_time ? (unit <= TimeUnit::Milli ? "time32[" : "time64[") : "duration[") +
               short_unit(unit) + "]";
      return t;
    }
  }
  if (format.size() >= 4 && format.starts_with("ts") && format[3] == ':') {
    TimeUnit unit = parse_unit(format[2]);
    if (unit != TimeUnit::None) {
      ColumnType t = simple(Kind::Timestamp, "");
      t.unit = unit;
      t.timezone = std::string(format.substr(4));
      t.name = std::string("timestamp[") + short_unit(unit) +
               (t.timezone.empty() ? "" : ", tz=" + t.timezone) + "]";
      return t;
    }
  }
  if (format.starts_with("+")) return nested_type(schema, format);
  if (format == "tiM") return simple(Kind::Nested, "month_interval");
  if (format == "tiD") return simple(Kind::Nested, "day_time_interval");
  if (format == "tin") return simple(Kind::Nested, "month_day_nano_interval");
  if (format.starts_with("ti")) return nested(format, "interval");
  return nested(format, "unsupported type");
}

}  // namespace truthound
