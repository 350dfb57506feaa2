// profile / merge / finalize: Arrow capsules in, partial bytes across, plain dicts out.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <optional>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "truthound/arrow/c_abi.hpp"
#include "truthound/profile/finalize.hpp"
#include "truthound/profile/partial.hpp"

namespace nb = nanobind;
using namespace nb::literals;
using truthound::int128;

namespace {

template <typename T>
T* capsule_pointer(nb::handle capsule, const char* name) {
  auto* p = static_cast<T*>(PyCapsule_GetPointer(capsule.ptr(), name));
  if (p == nullptr) throw nb::python_error();
  return p;
}

truthound::ProfileOptions make_options(uint64_t seed, uint16_t kll_k, uint32_t distinct_exact_limit,
                                       uint8_t hll_precision, uint8_t ell_precision,
                                       uint32_t frequent_exact_capacity,
                                       uint32_t frequent_sketch_capacity, uint32_t row_exact_limit,
                                       uint32_t pattern_sample_size) {
  truthound::ProfileOptions o;
  o.seed = seed;
  o.kll_k = kll_k;
  o.distinct_exact_limit = distinct_exact_limit;
  o.hll_precision = hll_precision;
  o.ell_precision = ell_precision;
  o.frequent_exact_capacity = frequent_exact_capacity;
  o.frequent_sketch_capacity = frequent_sketch_capacity;
  o.row_exact_limit = row_exact_limit;
  o.pattern_sample_size = pattern_sample_size;
  o.validate();
  return o;
}

nb::bytes to_bytes(const std::string& s) { return nb::bytes(s.data(), s.size()); }

// The `relations` argument of profile(): None, or a dict with "numeric" and "nullity" (column
// names), "sample_size", "count_pairs" and optionally "sample_columns" (names; absent or empty:
// the profiled columns).
std::optional<truthound::RelationsOptions> relations_options(nb::handle relations, uint64_t seed) {
  if (relations.is_none()) return std::nullopt;
  nb::dict d = nb::cast<nb::dict>(relations);
  truthound::RelationsOptions o;
  o.numeric = nb::cast<std::vector<std::string>>(d["numeric"]);
  o.nullity = nb::cast<std::vector<std::string>>(d["nullity"]);
  o.sample_size = nb::cast<uint32_t>(d["sample_size"]);
  o.count_pairs = nb::cast<bool>(d["count_pairs"]);
  if (d.contains("sample_columns") && !d["sample_columns"].is_none())
    o.sample_columns = nb::cast<std::vector<std::string>>(d["sample_columns"]);
  o.seed = seed;
  return o;
}

nb::bytes profile(nb::handle source, uint64_t unit_id, std::vector<std::string> columns, bool track_rows,
                  nb::handle relations, uint64_t seed, uint16_t kll_k, uint32_t distinct_exact_limit,
                  uint8_t hll_precision, uint8_t ell_precision,
                  uint32_t frequent_exact_capacity, uint32_t frequent_sketch_capacity, uint32_t row_exact_limit,
                  uint32_t pattern_sample_size) {
  truthound::ProfileOptions options = make_options(seed, kll_k, distinct_exact_limit, hll_precision, ell_precision,
                                                   frequent_exact_capacity, frequent_sketch_capacity,
                                                   row_exact_limit, pattern_sample_size);
  std::optional<truthound::RelationsOptions> rel = relations_options(relations, seed);
  std::string out;
  if (nb::hasattr(source, "__arrow_c_stream__")) {
    nb::object capsule = source.attr("__arrow_c_stream__")();
    auto* stream = capsule_pointer<ArrowArrayStream>(capsule, "arrow_array_stream");
    ArrowArrayStream moved = *stream;
    stream->release = nullptr;  // the capsule no longer owns it
    nb::gil_scoped_release unlocked;
    out = truthound::profile_stream(&moved, options, unit_id, columns, track_rows, rel ? &*rel : nullptr).serialize();
  } else if (nb::hasattr(source, "__arrow_c_array__")) {
    nb::tuple capsules = nb::cast<nb::tuple>(source.attr("__arrow_c_array__")());
    truthound::arrow::OwnedSchema schema(*capsule_pointer<ArrowSchema>(capsules[0], "arrow_schema"));
    capsule_pointer<ArrowSchema>(capsules[0], "arrow_schema")->release = nullptr;
    truthound::arrow::OwnedArray array(*capsule_pointer<ArrowArray>(capsules[1], "arrow_array"));
    capsule_pointer<ArrowArray>(capsules[1], "arrow_array")->release = nullptr;
    nb::gil_scoped_release unlocked;
    truthound::Partial partial(options, unit_id, track_rows);
    if (rel) partial.set_relations(*rel);
    partial.begin(*schema.get(), columns);
    partial.update(*schema.get(), *array.get());
    out = partial.serialize();
  } else {
    throw nb::type_error(("expected an Arrow table (an object with __arrow_c_stream__ or __arrow_c_array__), got " +
                          std::string(nb::type_name(source.type()).c_str()))
                             .c_str());
  }
  return to_bytes(out);
}

nb::bytes merge(const std::vector<nb::bytes>& blobs, bool by_unit) {
  std::vector<std::string> copies;
  copies.reserve(blobs.size());
  for (const nb::bytes& b : blobs) copies.emplace_back(b.c_str(), b.size());
  std::string out;
  {
    nb::gil_scoped_release unlocked;
    std::vector<truthound::Partial> partials;
    partials.reserve(copies.size());
    for (size_t i = 0; i < copies.size(); ++i) {
      try {
        partials.push_back(truthound::Partial::deserialize(copies[i]));
      } catch (const truthound::CorruptPartial& e) {
        throw truthound::CorruptPartial("partial #" + std::to_string(i) + ": " + e.what());
      }
    }
    out = truthound::merge_partials(std::move(partials), by_unit ? truthound::MergeOrder::ByUnit
                                                                       : truthound::MergeOrder::AsGiven)
              .serialize();
  }
  return to_bytes(out);
}

nb::object int128_to_python(int128 v) {
  if (v >= INT64_MIN && v <= INT64_MAX) return nb::steal(PyLong_FromLongLong(static_cast<long long>(v)));
  char bytes[16];
  std::memcpy(bytes, &v, 16);
  return nb::module_::import_("builtins").attr("int").attr("from_bytes")(nb::bytes(bytes, 16), "little",
                                                                         "signed"_a = true);
}

// Canonical value bytes (see column_update.cpp) back to a Python value of the column's kind.
nb::object decode_value(const truthound::ColumnType& type, const std::string& bytes) {
  using truthound::Kind;
  auto u64 = [&] {
    uint64_t v = 0;
    std::memcpy(&v, bytes.data(), std::min<size_t>(8, bytes.size()));
    return v;
  };
  switch (type.kind) {
    case Kind::Boolean: return nb::bool_(u64() != 0);
    case Kind::Unsigned: return nb::steal(PyLong_FromUnsignedLongLong(u64()));
    case Kind::Float: {
      double d;
      uint64_t bits = u64();
      std::memcpy(&d, &bits, 8);
      return nb::float_(d);
    }
    case Kind::Decimal: {
      int128 v = 0;
      std::memcpy(&v, bytes.data(), std::min<size_t>(16, bytes.size()));
      return int128_to_python(v);
    }
    case Kind::String:
      return nb::steal(PyUnicode_DecodeUTF8(bytes.data(), static_cast<Py_ssize_t>(bytes.size()), "replace"));
    case Kind::Binary: return nb::bytes(bytes.data(), bytes.size());
    default: return nb::steal(PyLong_FromLongLong(static_cast<long long>(u64())));
  }
}

nb::object optional_float(const std::optional<double>& v) { return v ? nb::object(nb::float_(*v)) : nb::none(); }

nb::dict column_dict(const truthound::ColumnResult& c) {
  using truthound::Kind;
  nb::dict d;
  d["name"] = c.name;
  d["ordinal"] = c.ordinal;
  d["kind"] = truthound::kind_name(c.type.kind);
  d["physical_type"] = c.type.name;
  d["unit"] = truthound::unit_name(c.type.unit);
  d["timezone"] = c.type.timezone;
  d["precision"] = c.type.precision;
  d["scale"] = c.type.scale;
  d["note"] = c.note;
  const truthound::Counts& n = c.counts;
  nb::dict counts;
  counts["rows"] = n.rows;
  counts["nulls"] = n.nulls;
  counts["nan"] = n.nan;
  counts["pos_inf"] = n.pos_inf;
  counts["neg_inf"] = n.neg_inf;
  counts["zeros"] = n.zeros;
  counts["negatives"] = n.negatives;
  counts["trues"] = n.trues;
  counts["falses"] = n.falses;
  counts["empty"] = n.empty;
  counts["whitespace"] = n.whitespace;
  counts["invalid_utf8"] = n.invalid_utf8;
  d["counts"] = counts;
  if (c.has_distinct) {
    d["distinct_count"] = c.distinct_count;
    d["distinct_exact"] = c.distinct_exact;
    d["distinct_error"] = c.distinct_error;
    d["distinct_method"] = c.distinct_method;
  }
  nb::object min = nb::none(), max = nb::none();
  if (c.int_min) {
    min = int128_to_python(*c.int_min);
    max = int128_to_python(*c.int_max);
  } else if (c.float_min) {
    min = nb::float_(*c.float_min);
    max = nb::float_(*c.float_max);
  } else if (c.bytes_min) {
    min = decode_value(c.type, *c.bytes_min);
    max = decode_value(c.type, *c.bytes_max);
  }
  d["min"] = min;
  d["max"] = max;
  if (c.moments) {
    nb::dict m;
    m["sum"] = c.int_sum ? int128_to_python(*c.int_sum) : nb::object(nb::float_(c.moments->sum));
    m["mean"] = optional_float(c.moments->mean);
    m["variance"] = optional_float(c.moments->variance);
    m["std"] = optional_float(c.moments->std);
    m["skewness"] = optional_float(c.moments->skewness);
    m["kurtosis"] = optional_float(c.moments->kurtosis);
    d["moments"] = m;
  }
  if (!c.quantiles.empty()) {
    nb::list qs;
    for (const auto& q : c.quantiles) qs.append(nb::make_tuple(q.q, q.value));
    d["quantiles"] = qs;
    d["quantiles_exact"] = c.quantiles_exact;
    d["quantile_rank_error"] = c.quantile_rank_error;
  }
  if (c.histogram) {
    nb::dict h;
    h["lo"] = c.histogram->lo;
    h["hi"] = c.histogram->hi;
    nb::list counts_list;
    for (double v : c.histogram->counts) counts_list.append(v);
    h["counts"] = counts_list;
    nb::list edges_list;
    for (double v : c.histogram->edges) edges_list.append(v);
    h["edges"] = edges_list;
    h["count_error"] = c.histogram->count_error;
    d["histogram"] = h;
  }
  if (c.has_distinct) {
    auto values = [&](const std::vector<truthound::ValueCount>& items) {
      nb::list out;
      for (const auto& item : items) out.append(nb::make_tuple(decode_value(c.type, item.value), item.count, item.truncated));
      return out;
    };
    d["top_values"] = values(c.top_values);
    d["bottom_values"] = values(c.bottom_values);
    d["frequencies_exact"] = c.frequencies_exact;
    d["frequency_error"] = c.frequency_error;
  }
  if (c.lengths) {
    nb::dict l;
    l["min_chars"] = c.lengths->min_chars;
    l["max_chars"] = c.lengths->max_chars;
    l["mean_chars"] = c.lengths->mean_chars;
    l["min_bytes"] = c.lengths->min_bytes;
    l["max_bytes"] = c.lengths->max_bytes;
    l["mean_bytes"] = c.lengths->mean_bytes;
    d["lengths"] = l;
  }
  if (!c.patterns.empty()) {
    nb::list patterns;
    for (size_t i = 0; i < c.patterns.size(); ++i) {
      const truthound::PatternResult& p = c.patterns[i];
      nb::dict item;
      item["pattern"] = p.pattern;
      item["regex"] = p.regex;
      item["match_ratio"] = p.match_ratio;
      item["exact"] = p.exact;
      item["matches"] = p.matches;
      item["total"] = p.total;
      item["standard_error"] = p.standard_error;
      item["data_type"] = c.pattern_data_types[i];
      nb::list samples;
      for (const std::string& s : p.sample_matches)
        samples.append(nb::steal(PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace")));
      item["sample_matches"] = samples;
      patterns.append(item);
    }
    d["patterns"] = patterns;
  }
  d["pattern_type"] = c.pattern_type;
  return d;
}

nb::dict finalize(const nb::bytes& blob, uint32_t top_n, uint32_t histogram_bins, std::vector<double> quantiles,
                  uint32_t all_values_up_to) {
  std::string copy(blob.c_str(), blob.size());
  truthound::FinalizeOptions options;
  options.top_n = top_n;
  options.all_values_up_to = all_values_up_to;
  options.histogram_bins = histogram_bins;
  options.quantiles = std::move(quantiles);
  truthound::TableResult t;
  {
    nb::gil_scoped_release unlocked;
    t = truthound::finalize(truthound::Partial::deserialize(copy), options);
  }
  nb::dict d;
  d["rows"] = t.rows;
  d["units"] = t.units;
  d["format_version"] = t.format_version;
  d["duplicate_rows"] = t.duplicate_rows ? nb::object(nb::int_(*t.duplicate_rows)) : nb::none();
  d["duplicates_exact"] = t.duplicates_exact;
  d["duplicates_error"] = t.duplicates_error;
  d["duplicates_method"] = t.duplicates_method;
  d["estimated_memory_bytes"] = t.estimated_memory_bytes;
  nb::list columns;
  for (const auto& c : t.columns) columns.append(column_dict(c));
  d["columns"] = columns;
  return d;
}

nb::dict describe(const nb::bytes& blob) {
  std::string_view view(blob.c_str(), blob.size());
  std::optional<truthound::Partial> decoded;
  {
    nb::gil_scoped_release unlocked;  // a full decode: other threads (a cache's readers) go on
    decoded.emplace(truthound::Partial::deserialize(view));
  }
  const truthound::Partial& p = *decoded;
  nb::dict d;
  d["first_unit"] = p.first_unit();
  d["last_unit"] = p.last_unit();
  d["unit_count"] = p.unit_count();
  d["rows"] = p.rows();
  d["seed"] = p.options().seed;
  d["format_version"] = p.format_version();
  nb::list names;
  for (const auto& c : p.columns()) names.append(c.name());
  d["columns"] = names;
  return d;
}

uint64_t partial_checksum(const nb::bytes& blob) {
  std::string_view view(blob.c_str(), blob.size());
  nb::gil_scoped_release unlocked;
  return truthound::Partial::checksum(view);
}

// Heap and inline bytes of a partial's decoded state, per column and per accumulator (issue 14:
// tests assert memory in proportion to content through this).
nb::dict state_memory(const nb::bytes& blob, bool indexed) {
  std::string copy(blob.c_str(), blob.size());
  truthound::Partial p = [&] {
    nb::gil_scoped_release unlocked;
    truthound::Partial decoded = truthound::Partial::deserialize(copy);
    if (indexed) decoded.index_tables();
    return decoded;
  }();
  nb::dict d;
  size_t total = sizeof(truthound::Partial);
  nb::list columns;
  for (const auto& c : p.columns()) {
    nb::dict col;
    col["name"] = c.name();
    col["total"] = c.memory_bytes();
    col["frequent"] = c.frequent() ? c.frequent()->memory_bytes() : 0;
    col["distinct"] = c.distinct() ? c.distinct()->memory_bytes() : 0;
    col["quantiles"] = c.quantiles() ? c.quantiles()->memory_bytes() : 0;
    col["retained"] = c.retained_values().capacity() * sizeof(double);
    col["patterns"] = c.patterns() ? c.patterns()->memory_bytes() : 0;
    col["spilled"] = c.spilled();
    total += c.memory_bytes();
    columns.append(col);
  }
  const size_t rows = p.row_distinct() ? p.row_distinct()->memory_bytes() : 0;
  d["row_distinct"] = rows;
  d["total"] = total + rows;
  d["columns"] = columns;
  return d;
}

}  // namespace

void bind_profile(nb::module_& m) {
  truthound::ProfileOptions defaults;
  m.def("profile", &profile, "source"_a, "unit_id"_a = 0, "columns"_a = std::vector<std::string>{},
        "track_rows"_a = true, "relations"_a = nb::none(), "seed"_a = defaults.seed, "kll_k"_a = defaults.kll_k,
        "distinct_exact_limit"_a = defaults.distinct_exact_limit, "hll_precision"_a = defaults.hll_precision,
        "ell_precision"_a = defaults.ell_precision,
        "frequent_exact_capacity"_a = defaults.frequent_exact_capacity,
        "frequent_sketch_capacity"_a = defaults.frequent_sketch_capacity,
        "row_exact_limit"_a = defaults.row_exact_limit, "pattern_sample_size"_a = defaults.pattern_sample_size,
        "Profile an Arrow stream or record batch into partial-profile bytes (GIL released).");
  m.def("merge", &merge, "partials"_a, "by_unit"_a = true,
        "Merge partial-profile bytes into one: in unit order (by_unit) or in the order given.");
  m.def("finalize", &finalize, "partial"_a, "top_n"_a = 10, "histogram_bins"_a = 20,
        "quantiles"_a = truthound::FinalizeOptions{}.quantiles, "all_values_up_to"_a = 0,
        "Turn partial bytes into statistics; columns with an exact frequency table of at most "
        "all_values_up_to values return them all as top values.");
  m.def("state_memory", &state_memory, "partial"_a, "indexed"_a = false,
        "Bytes the decoded state of a partial holds: total, the duplicate-row counter, and per column "
        "its total and each accumulator's memory_bytes(). A decoded state holds its tables densely; "
        "indexed=True builds their indexes first, as the first update does (a state being profiled).");
  m.def("partial_checksum", &partial_checksum, "partial"_a,
        "The checksum in a partial's header, after checking the header and the bytes against it "
        "(one hash, no decode); raises CorruptPartialError as a decode would.");
  m.def("describe", &describe, "partial"_a, "Header facts of a partial: units, rows, columns, seed.");
  m.attr("PARTIAL_FORMAT_VERSION") = truthound::partial::FORMAT_VERSION;
  m.attr("PARTIAL_OLDEST_FORMAT_VERSION") = truthound::partial::OLDEST_FORMAT_VERSION;
}
