// distributions: a merged partial's per-column frequency tables and quantile grids as numpy
// arrays and plain values, for comparing two profiles.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <string>
#include <vector>

#include "truthound/profile/distribution.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace {

// A numpy array that owns a moved-in vector.
template <typename T>
nb::object to_numpy(std::vector<T>&& v) {
  auto* owned = new std::vector<T>(std::move(v));
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  return nb::cast(nb::ndarray<nb::numpy, T, nb::ndim<1>>(owned->data(), {owned->size()}, owner));
}

nb::dict to_dict(truthound::ColumnDistribution&& d) {
  nb::dict out;
  out["name"] = d.name;
  out["kind"] = truthound::kind_name(d.type.kind);
  out["physical_type"] = d.type.name;
  out["unit"] = truthound::unit_name(d.type.unit);
  out["timezone"] = d.type.timezone;
  out["scale"] = d.type.scale;
  out["ordered"] = d.ordered;
  out["rows"] = d.counts.rows;
  out["nulls"] = d.counts.nulls;
  out["nan"] = d.counts.nan;
  out["pos_inf"] = d.counts.pos_inf;
  out["neg_inf"] = d.counts.neg_inf;
  out["moment_count"] = d.moment_count ? nb::object(nb::int_(*d.moment_count)) : nb::none();
  out["mean"] = d.mean ? nb::object(nb::float_(*d.mean)) : nb::none();
  out["variance"] = d.variance ? nb::object(nb::float_(*d.variance)) : nb::none();
  if (d.frequencies) {
    truthound::FrequencyTable& t = *d.frequencies;
    nb::dict f;
    f["exact"] = t.exact;
    f["total"] = t.total;
    f["max_error"] = t.max_error;
    f["keys"] = to_numpy(std::move(t.keys));
    f["counts"] = to_numpy(std::move(t.counts));
    if (d.ordered) {
      f["numbers"] = to_numpy(std::move(t.numbers));
    } else {
      // All values in one buffer with offsets: Python decodes only the few it shows.
      std::vector<int64_t> offsets(t.values.size() + 1, 0);
      for (size_t i = 0; i < t.values.size(); ++i)
        offsets[i + 1] = offsets[i] + static_cast<int64_t>(t.values[i].size());
      std::string buffer;
      buffer.reserve(static_cast<size_t>(offsets.back()));
      for (const std::string& v : t.values) buffer += v;
      f["numbers"] = nb::none();
      f["value_bytes"] = nb::bytes(buffer.data(), buffer.size());
      f["value_offsets"] = to_numpy(std::move(offsets));
    }
    out["frequencies"] = f;
  } else {
    out["frequencies"] = nb::none();
  }
  if (d.quantiles) {
    truthound::QuantileGrid& q = *d.quantiles;
    nb::dict g;
    g["exact"] = q.exact;
    g["rank_error"] = q.rank_error;
    g["n"] = q.n;
    g["min"] = q.min;
    g["max"] = q.max;
    g["values"] = to_numpy(std::move(q.values));
    out["quantiles"] = g;
  } else {
    out["quantiles"] = nb::none();
  }
  return out;
}

nb::list distributions(const nb::bytes& blob, const std::vector<std::string>& columns, uint32_t grid) {
  std::string copy(blob.c_str(), blob.size());
  std::vector<truthound::ColumnDistribution> result;
  {
    nb::gil_scoped_release unlocked;
    result = truthound::column_distributions(truthound::Partial::deserialize(copy), columns, grid);
  }
  nb::list out;
  for (auto& d : result) out.append(to_dict(std::move(d)));
  return out;
}

}  // namespace

void bind_distribution(nb::module_& m) {
  m.def("distributions", &distributions, "partial"_a, "columns"_a = std::vector<std::string>{},
        "grid"_a = truthound::distribution::DEFAULT_GRID,
        "Per-column frequency tables (exact, else Misra-Gries lower bounds) and, where the table is not "
        "exact, KLL quantiles on a grid of (i + 0.5) / grid, from partial-profile bytes (GIL released).");
}
