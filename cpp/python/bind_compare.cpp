// compare: two partial profiles column by column (drift numbers, histograms, categories,
// percentiles) as plain dicts and lists; values as their canonical bytes.
#include <nanobind/nanobind.h>
#include <nanobind/stl/array.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <array>
#include <string>
#include <vector>

#include "truthound/profile/compare.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace {

const char* path_name(truthound::DriftPath p) {
  switch (p) {
    case truthound::DriftPath::Numeric: return "numeric";
    case truthound::DriftPath::Categorical: return "categorical";
    case truthound::DriftPath::TypeChanged: return "type_changed";
    case truthound::DriftPath::NotProfiled: return "not_profiled";
  }
  return "not_profiled";
}

nb::object metric_name(truthound::DriftMetric m) {
  switch (m) {
    case truthound::DriftMetric::None: return nb::none();
    case truthound::DriftMetric::Wasserstein: return nb::str("wasserstein");
    case truthound::DriftMetric::KolmogorovSmirnov: return nb::str("ks");
    case truthound::DriftMetric::JensenShannon: return nb::str("jensen_shannon");
    case truthound::DriftMetric::ChiSquared: return nb::str("chi_squared");
  }
  return nb::none();
}

nb::list to_list(const std::vector<double>& v) {
  nb::list out;
  for (double x : v) out.append(x);
  return out;
}

nb::object side_dict(const std::optional<truthound::ComparedSide>& s) {
  if (!s) return nb::none();
  nb::dict d;
  d["kind"] = truthound::kind_name(s->type.kind);
  d["physical_type"] = s->type.name;
  d["rows"] = s->counts.rows;
  d["nulls"] = s->counts.nulls;
  d["exact"] = s->exact;
  if (s->percentiles) {
    nb::list p;
    for (double x : *s->percentiles) p.append(x);
    d["percentiles"] = p;
  } else {
    d["percentiles"] = nb::none();
  }
  return d;
}

nb::object values_tuple(const std::optional<truthound::OneSidedValues>& v) {
  if (!v) return nb::none();
  nb::list listed;
  for (const auto& x : v->listed) listed.append(nb::make_tuple(nb::bytes(x.value.data(), x.value.size()), x.count));
  return nb::make_tuple(listed, v->count);
}

nb::dict result_dict(const truthound::ColumnComparisonResult& r) {
  nb::dict d;
  d["name"] = r.name;
  d["baseline"] = side_dict(r.baseline);
  d["current"] = side_dict(r.current);
  d["path"] = path_name(r.path);
  nb::dict drift;
  const truthound::DriftNumbers& n = r.drift;
  drift["metric"] = metric_name(n.metric);
  drift["no_values_on_either_side"] = n.no_values_on_either_side;
  drift["exact"] = n.exact;
  drift["score"] = n.score;
  drift["error"] = n.error;
  drift["noise"] = n.noise;
  drift["statistic"] = n.statistic;
  drift["ks_asymptotic_n"] = n.ks_asymptotic_n ? nb::object(nb::int_(*n.ks_asymptotic_n)) : nb::none();
  drift["ks_asymptotic_d"] = n.ks_asymptotic_d;
  d["drift"] = drift;
  if (r.histogram) {
    nb::dict h;
    h["edges"] = to_list(r.histogram->edges);
    h["baseline"] = to_list(r.histogram->baseline);
    h["current"] = to_list(r.histogram->current);
    h["clipped"] = r.histogram->clipped;
    h["exact"] = r.histogram->exact;
    d["histogram"] = h;
  } else {
    d["histogram"] = nb::none();
  }
  nb::list categories;
  for (const auto& c : r.categories)
    categories.append(nb::make_tuple(nb::bytes(c.value.data(), c.value.size()), c.baseline_count, c.current_count,
                                     c.baseline_share, c.current_share));
  d["categories"] = categories;
  d["new_values"] = values_tuple(r.new_values);
  d["missing_values"] = values_tuple(r.missing_values);
  return d;
}

nb::list compare(const nb::bytes& baseline, const nb::bytes& current, const std::vector<std::string>& columns,
                 const std::array<std::string, 2>& labels, uint32_t quantile_grid, uint32_t histogram_bins,
                 uint64_t small_sample_rows, uint32_t listed_values, uint32_t categories_shown, unsigned threads) {
  truthound::CompareOptions o;
  o.quantile_grid = quantile_grid;
  o.histogram_bins = histogram_bins;
  o.small_sample_rows = small_sample_rows;
  o.listed_values = listed_values;
  o.categories_shown = categories_shown;
  o.threads = threads;
  std::string_view a(baseline.c_str(), baseline.size()), b(current.c_str(), current.size());
  std::vector<truthound::ColumnComparisonResult> results;
  {
    nb::gil_scoped_release unlocked;
    results = truthound::compare_serialized(a, b, labels, columns, o);
  }
  nb::list out;
  for (const auto& r : results) out.append(result_dict(r));
  return out;
}

}  // namespace

void bind_compare(nb::module_& m) {
  truthound::CompareOptions defaults;
  m.def("compare", &compare, "baseline"_a, "current"_a, "columns"_a,
        "labels"_a = std::array<std::string, 2>{"baseline", "current"}, "quantile_grid"_a = defaults.quantile_grid,
        "histogram_bins"_a = defaults.histogram_bins, "small_sample_rows"_a = defaults.small_sample_rows,
        "listed_values"_a = defaults.listed_values, "categories_shown"_a = defaults.categories_shown,
        "threads"_a = defaults.threads,
        "Compare the named columns of two partial profiles (GIL released): per column each side's kind, "
        "counts and exact percentiles, the drift numbers, the histogram on common bins, the categories "
        "side by side and the values only one side has (as canonical bytes).");
}
