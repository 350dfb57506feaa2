// relations: a partial's correlations, nullity counts and row sample as plain Python values.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>

#include <string>

#include "truthound/profile/partial.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace {

nb::object relations(const nb::bytes& blob) {
  std::string copy(blob.c_str(), blob.size());
  std::optional<truthound::Partial> p;
  {
    nb::gil_scoped_release unlocked;
    p.emplace(truthound::Partial::deserialize(copy));
  }
  if (!p->relations()) return nb::none();
  const truthound::Relations& r = *p->relations();
  nb::dict d;

  nb::dict pearson;
  const auto& numeric = r.options().numeric;
  nb::list names, pairs;
  for (const std::string& n : numeric) names.append(n);
  const truthound::CoMoments& m = r.comoments();
  for (uint32_t i = 0; i < m.columns(); ++i)
    for (uint32_t j = i + 1; j < m.columns(); ++j) {
      truthound::CoMoments::Pair q = m.pair(i, j);
      std::optional<double> rho = m.pearson(i, j);
      pairs.append(nb::make_tuple(i, j, q.n, rho ? nb::object(nb::float_(*rho)) : nb::none()));
    }
  pearson["columns"] = names;
  pearson["pairs"] = pairs;
  d["pearson"] = pearson;

  nb::dict nullity;
  const truthound::NullityCounts& c = r.nullity();
  nb::list nnames, nulls, npairs;
  for (const std::string& n : r.options().nullity) nnames.append(n);
  for (uint32_t i = 0; i < c.columns(); ++i) nulls.append(c.nulls(i));
  for (uint32_t i = 0; i < c.columns(); ++i)
    for (uint32_t j = i + 1; j < c.columns(); ++j) {
      std::optional<double> rho = c.correlation(i, j);
      npairs.append(nb::make_tuple(i, j, c.both_null(i, j), rho ? nb::object(nb::float_(*rho)) : nb::none()));
    }
  nullity["columns"] = nnames;
  nullity["rows"] = c.rows();
  nullity["nulls"] = nulls;
  nullity["pairs"] = npairs;
  d["nullity"] = nullity;

  nb::dict sample;
  const truthound::RowSample& s = r.sample();
  sample["capacity"] = s.capacity();
  nb::list columns;
  for (const truthound::SampleColumn& col : s.columns())
    columns.append(nb::make_tuple(col.ordinal, col.name, col.format));
  sample["columns"] = columns;
  nb::list keys;
  std::vector<nb::list> cells(s.columns().size());
  for (const truthound::RowSample::Row& row : s.rows()) {
    keys.append(row.key);
    auto parts = s.cells(row);
    for (size_t i = 0; i < parts.size(); ++i) {
      auto [tag, bytes] = parts[i];
      switch (tag) {
        case truthound::CellTag::Value: cells[i].append(nb::bytes(bytes.data(), bytes.size())); break;
        case truthound::CellTag::Truncated: cells[i].append(nb::make_tuple(nb::bytes(bytes.data(), bytes.size()))); break;
        case truthound::CellTag::Null: cells[i].append(nb::none()); break;
        case truthound::CellTag::Missing: cells[i].append(nb::str("missing")); break;
        case truthound::CellTag::Unsupported: cells[i].append(nb::str("unsupported")); break;
      }
    }
  }
  nb::list values;
  for (nb::list& l : cells) values.append(l);
  sample["keys"] = keys;
  sample["cells"] = values;
  d["sample"] = sample;
  return d;
}

}  // namespace

void bind_relations(nb::module_& m) {
  m.def("relations", &relations, "partial"_a,
        "The relations section of partial bytes (None when it has none): Pearson pairs (i, j, rows, r), "
        "nullity counts and pairs (i, j, both null, r), and the row sample's columns, keys (ascending) and cells "
        "(bytes; a 1-tuple of bytes when truncated; None when null; 'missing' or 'unsupported').");
}
