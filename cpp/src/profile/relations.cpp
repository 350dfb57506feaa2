#include "truthound/profile/relations.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "truthound/arrow/array_view.hpp"
#include "truthound/error.hpp"
#include "truthound/hash.hpp"
#include "truthound/profile/column_state.hpp"

namespace truthound {
namespace {

constexpr double MISSING = std::numeric_limits<double>::quiet_NaN();

// `scale` divides decimals (10^scale of the column's type).
double number_at(const ArrayView& v, int64_t i, double scale) {
  if (v.layout() == Layout::Dictionary) {
    if (!v.is_valid(i)) return MISSING;
    return number_at(v.dictionary(), v.dictionary_index(i), scale);
  }
  if (v.layout() != Layout::Fixed || !v.is_valid(i)) return MISSING;
  double x;
  switch (v.format_char()) {
    case 'c': x = v.fixed_at<int8_t>(i); break;
    case 'C': x = v.fixed_at<uint8_t>(i); break;
    case 's': x = v.fixed_at<int16_t>(i); break;
    case 'S': x = v.fixed_at<uint16_t>(i); break;
    case 'i': x = v.fixed_at<int32_t>(i); break;
    case 'I': x = v.fixed_at<uint32_t>(i); break;
    case 'l': x = static_cast<double>(v.fixed_at<int64_t>(i)); break;
    case 'L': x = static_cast<double>(v.fixed_at<uint64_t>(i)); break;
    case 'f': x = v.fixed_at<float>(i); break;
    case 'g': x = v.fixed_at<double>(i); break;
    case 'd': x = static_cast<double>(v.fixed_at<int128>(i)) / scale; break;
    default: return MISSING;
  }
  return std::isfinite(x) ? x : MISSING;
}

template <typename T>
void widen(const ArrayView& v, double* out, int64_t rows) {
  for (int64_t r = 0; r < rows; ++r) out[r] = static_cast<double>(v.fixed_at<T>(r));
}

// Rows [0, rows) of a numeric view as doubles, NaN where a value does not count: one type
// switch per window, loops the compiler can vectorise, nulls and non-finite values marked after.
void fill_numbers(const ArrayView& v, double scale, double* out, int64_t rows) {
  if (v.layout() != Layout::Fixed) {
    for (int64_t r = 0; r < rows; ++r) out[r] = number_at(v, r, scale);
    return;
  }
  bool floats = false;
  switch (v.format_char()) {
    case 'c': widen<int8_t>(v, out, rows); break;
    case 'C': widen<uint8_t>(v, out, rows); break;
    case 's': widen<int16_t>(v, out, rows); break;
    case 'S': widen<uint16_t>(v, out, rows); break;
    case 'i': widen<int32_t>(v, out, rows); break;
    case 'I': widen<uint32_t>(v, out, rows); break;
    case 'l': widen<int64_t>(v, out, rows); break;
    case 'L': widen<uint64_t>(v, out, rows); break;
    case 'f': widen<float>(v, out, rows), floats = true; break;
    case 'g': widen<double>(v, out, rows), floats = true; break;
    case 'd':
      for (int64_t r = 0; r < rows; ++r) {
        const int128 x = v.fixed_at<int128>(r);
        const auto low = static_cast<int64_t>(x);
        // most decimals fit 64 bits, whose conversion is one instruction (128-bit is a call)
        out[r] = (static_cast<int128>(low) == x ? static_cast<double>(low) : static_cast<double>(x)) / scale;
      }
      break;
    default:
      for (int64_t r = 0; r < rows; ++r) out[r] = MISSING;
      return;
  }
  if (floats)
    for (int64_t r = 0; r < rows; ++r)
      if (!std::isfinite(out[r])) out[r] = MISSING;
  if (v.has_validity())
    for (int64_t r = 0; r < rows; ++r)
      if (!v.is_valid(r)) out[r] = MISSING;
}

std::string format_of(const ArrowSchema& s) {
  const ArrowSchema* values = s.dictionary != nullptr ? s.dictionary : &s;
  return values->format ? values->format : "";
}

std::vector<int64_t> resolve(const ArrowSchema& schema, const std::vector<std::string>& names, const char* what) {
  std::map<std::string, int64_t> by_name;
  for (int64_t i = 0; i < schema.n_children; ++i)
    by_name.emplace(schema.children[i]->name ? schema.children[i]->name : "", i);
  std::vector<int64_t> out;
  for (const std::string& name : names) {
    auto it = by_name.find(name);
    if (it == by_name.end()) throw InvalidInput(std::string(what) + " column \"" + name + "\" not found in the table");
    out.push_back(it->second);
  }
  return out;
}

}  // namespace

Relations::Relations(RelationsOptions options)
    : options_(std::move(options)),
      comoments_(static_cast<uint32_t>(options_.numeric.size())),
      nullity_(static_cast<uint32_t>(options_.nullity.size())) {
  if (options_.numeric.size() > CoMoments::MAX_COLUMNS || options_.nullity.size() > NullityCounts::MAX_COLUMNS)
    throw InvalidInput("relations over more than " + std::to_string(CoMoments::MAX_COLUMNS) + " columns");
  sample_ = RowSample(options_.sample_size, options_.seed, {});
}

void Relations::begin(const ArrowSchema& schema, const std::vector<int64_t>& profiled,
                      const std::vector<uint32_t>& ordinals, const std::vector<std::string>& names) {
  if (options_.count_pairs) {
    numeric_children_ = resolve(schema, options_.numeric, "correlation");
    numeric_scales_.clear();
    for (int64_t child : numeric_children_) {
      const std::string format = format_of(*schema.children[child]);
      double scale = 1;
      if (format.starts_with("d:")) {
        size_t comma = format.find(',');
        if (comma == std::string::npos || format.find(',', comma + 1) != std::string::npos)
          throw InvalidInput("correlation column \"" + options_.numeric[numeric_scales_.size()] +
                             "\": only 128-bit decimals are supported, got format " + format);
        scale = std::pow(10.0, std::stoi(format.substr(comma + 1)));
      }
      numeric_scales_.push_back(scale);
    }
    nullity_children_ = resolve(schema, options_.nullity, "nullity");
  }
  // The sample's columns in table order; a unit that does not offer its rows keeps none.
  std::vector<std::pair<int64_t, SampleColumn>> chosen;
  if (options_.count_pairs && options_.sample_size > 0) {
    if (options_.sample_columns.empty()) {
      for (size_t c = 0; c < profiled.size(); ++c) chosen.push_back({profiled[c], {ordinals[c], names[c], ""}});
    } else {
      std::vector<int64_t> children = resolve(schema, options_.sample_columns, "sample");
      for (size_t c = 0; c < children.size(); ++c)
        chosen.push_back({children[c], {static_cast<uint32_t>(children[c]), options_.sample_columns[c], ""}});
    }
    std::stable_sort(chosen.begin(), chosen.end(),
                     [](const auto& a, const auto& b) { return a.second.ordinal < b.second.ordinal; });
  }
  sample_children_.clear();
  sample_types_.clear();
  std::vector<SampleColumn> columns;
  for (auto& [child, column] : chosen) {
    column.format = format_of(*schema.children[child]);
    sample_children_.push_back(child);
    sample_types_.push_back(parse_column_type(*schema.children[child]));
    columns.push_back(std::move(column));
  }
  sample_ = RowSample(options_.sample_size, options_.seed, std::move(columns));
}

void Relations::update(const ArrowSchema& schema, const ArrowArray& batch, const uint64_t* row_hashes,
                       uint64_t unit_id) {
  const int64_t n = batch.length;
  // One view per column and batch (validated once); windows of it are cheap copies.
  auto view = [&](int64_t child) {
    std::string where = "unit " + std::to_string(unit_id) + ", column \"" +
                        (schema.children[child]->name ? schema.children[child]->name : "") + "\"";
    return ArrayView(*schema.children[child], *batch.children[child], batch.offset, where, n);
  };
  auto views_of = [&](const std::vector<int64_t>& children) {
    std::vector<ArrayView> out;
    out.reserve(children.size());
    for (int64_t child : children) out.push_back(view(child));
    return out;
  };
  const bool sampling = !sample_children_.empty();
  std::vector<ArrayView> sample_views, numeric_views, nullity_views;
  if (sampling) {
    sample_views = views_of(sample_children_);
    if (row_hashes == nullptr) {  // the row's content hashes, as the duplicate count takes them
      row_hashes_.assign(static_cast<size_t>(n), hash::P1);
      for (size_t c = 0; c < sample_views.size(); ++c) add_value_hashes(sample_types_[c], sample_views[c], row_hashes_.data());
      row_hashes = row_hashes_.data();
    }
  }
  if (options_.count_pairs) {
    if (numeric_children_.size() >= 2) numeric_views = views_of(numeric_children_);
    nullity_views = views_of(nullity_children_);
  }
  std::vector<ArrayView> windows;
  for (int64_t start = 0; start < n; start += relations::WINDOW_ROWS) {
    const int64_t rows = std::min<int64_t>(relations::WINDOW_ROWS, n - start);
    if (sampling) {
      windows.clear();
      for (const ArrayView& v : sample_views) windows.push_back(v.window(start, rows));
      sample_.update(windows, row_hashes + start, rows);
    }
    const size_t k = numeric_views.size();
    if (k >= 2) {
      numbers_.resize(k * static_cast<size_t>(rows));
      std::vector<const double*> columns(k);
      for (size_t c = 0; c < k; ++c) {
        ArrayView v = numeric_views[c].window(start, rows);
        double* out = numbers_.data() + c * static_cast<size_t>(rows);
        fill_numbers(v, numeric_scales_[c], out, rows);
        columns[c] = out;
      }
      comoments_.update(columns, static_cast<uint32_t>(rows));
    }
    const size_t m = nullity_views.size();
    if (m > 0) {
      const size_t words = static_cast<size_t>(rows + 63) / 64;
      null_bits_.assign(m * words, 0);
      std::vector<const uint64_t*> bits(m, nullptr);
      for (size_t c = 0; c < m; ++c) {
        if (!nullity_views[c].has_validity() || nullity_views[c].null_count() == 0) continue;
        ArrayView v = nullity_views[c].window(start, rows);
        uint64_t* out = null_bits_.data() + c * words;
        bool any = false;
        for (int64_t r = 0; r < rows; ++r) {
          if (!v.is_valid(r)) {
            out[r >> 6] |= uint64_t{1} << (r & 63);
            any = true;
          }
        }
        if (any) bits[c] = out;
      }
      nullity_.update(bits, static_cast<uint64_t>(rows));
    }
  }
}

void Relations::merge(const Relations& other) {
  if (!options_.same_state(other.options_))
    throw InvalidInput("cannot merge relations profiled with different correlation columns or sample settings");
  comoments_.merge(other.comoments_);
  nullity_.merge(other.nullity_);
  sample_.merge(other.sample_);
}

void Relations::merge_table(const Relations& other) {
  if (options_.numeric == other.options_.numeric && options_.nullity == other.options_.nullity) {
    comoments_.merge(other.comoments_);
    nullity_.merge(other.nullity_);
  } else {  // pairs of different column sets cannot be joined: none are kept
    options_.numeric.clear();
    options_.nullity.clear();
    comoments_ = CoMoments(0);
    nullity_ = NullityCounts(0);
  }
  if (options_.sample_size == other.options_.sample_size && options_.seed == other.options_.seed) {
    sample_.merge_table(other.sample_);
  } else {
    options_.sample_size = 0;
    sample_ = RowSample(0, options_.seed, {});
  }
}

void Relations::renumber(const std::vector<std::pair<std::string, uint32_t>>& ordinals) {
  sample_.renumber(ordinals);
}

void Relations::serialize(ByteWriter& out) const {
  out.put_varint(options_.numeric.size());
  for (const std::string& s : options_.numeric) out.put_bytes(s);
  out.put_varint(options_.nullity.size());
  for (const std::string& s : options_.nullity) out.put_bytes(s);
  out.put_varint(options_.sample_size);
  out.put_u64(options_.seed);
  comoments_.serialize(out);
  nullity_.serialize(out);
  sample_.serialize(out);
}

Relations Relations::deserialize(ByteReader& in) {
  RelationsOptions o;
  uint64_t k = in.get_count("correlation column count", CoMoments::MAX_COLUMNS);
  for (uint64_t i = 0; i < k; ++i) o.numeric.emplace_back(in.get_bytes("correlation column name"));
  uint64_t m = in.get_count("nullity column count", NullityCounts::MAX_COLUMNS);
  for (uint64_t i = 0; i < m; ++i) o.nullity.emplace_back(in.get_bytes("nullity column name"));
  o.sample_size = static_cast<uint32_t>(in.get_count("sample size", sample::MAX_SIZE));
  o.seed = in.get_u64("sample seed");
  Relations r(o);
  r.comoments_ = CoMoments::deserialize(in);
  if (r.comoments_.columns() != k) in.fail("co-moments over " + std::to_string(r.comoments_.columns()) + " columns, expected " + std::to_string(k));
  r.nullity_ = NullityCounts::deserialize(in);
  if (r.nullity_.columns() != m) in.fail("nullity over " + std::to_string(r.nullity_.columns()) + " columns, expected " + std::to_string(m));
  r.sample_ = RowSample::deserialize(in);
  if (r.sample_.capacity() != o.sample_size || r.sample_.seed() != o.seed) in.fail("sample size or seed disagrees with the relations' options");
  return r;
}

bool Relations::operator==(const Relations& other) const {
  ByteWriter a, b;
  serialize(a);
  other.serialize(b);
  return a.take() == b.take();
}

}  // namespace truthound
