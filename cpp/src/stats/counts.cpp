#include "truthound/stats/counts.hpp"

#include <array>
#include <string>
#include <utility>

namespace truthound {
namespace {

using Field = std::pair<uint64_t Counts::*, const char*>;
constexpr std::array<Field, 12> FIELDS = {{
    {&Counts::rows, "row count"},
    {&Counts::nulls, "null count"},
    {&Counts::nan, "NaN count"},
    {&Counts::pos_inf, "+inf count"},
    {&Counts::neg_inf, "-inf count"},
    {&Counts::zeros, "zero count"},
    {&Counts::negatives, "negative count"},
    {&Counts::trues, "true count"},
    {&Counts::falses, "false count"},
    {&Counts::empty, "empty string count"},
    {&Counts::whitespace, "whitespace count"},
    {&Counts::invalid_utf8, "invalid UTF-8 count"},
}};

}  // namespace

void Counts::merge(const Counts& other) {
  for (auto [field, name] : FIELDS) this->*field += other.*field;
}

void Counts::serialize(ByteWriter& out) const {
  for (auto [field, name] : FIELDS) out.put_varint(this->*field);
}

Counts Counts::deserialize(ByteReader& in) {
  Counts c;
  for (auto [field, name] : FIELDS) c.*field = in.get_varint(name);
  for (auto [field, name] : FIELDS) {
    if (c.*field > c.rows)
      in.fail(std::string(name) + " " + std::to_string(c.*field) + " exceeds the row count " +
              std::to_string(c.rows));
  }
  return c;
}

}  // namespace truthound
