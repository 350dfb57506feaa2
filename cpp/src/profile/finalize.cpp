#include "truthound/profile/finalize.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "truthound/stats/exact_values.hpp"

namespace truthound {
namespace {

uint64_t value_width(const ColumnType& type) {
  switch (type.kind) {
    case Kind::Null: return 0;
    case Kind::Boolean: return 1;
    case Kind::Decimal: return 16;
    default: return 8;
  }
}

bool integer_valued(const ColumnType& type) {
  return type.kind == Kind::Signed || type.kind == Kind::Unsigned || type.is_temporal();
}

// A width past which `v + width` no longer moves: a relative step instead.
double bar_width(double v, double gap) {
  double w = gap > 0 ? gap : 1.0;
  if (v + w == v) w = std::max(std::abs(v) * 0x1p-40, std::numeric_limits<double>::min());
  return w;
}

// The histogram's edges over [lo, hi] (finite):
//   - an exact column with at most `bins` distinct values: one bar per value, [v_i, v_(i+1)), the
//     last one [v_last, v_last + w] (w = 1 for integers, else the last gap);
//   - integers, dates and times: bars `w` integers wide starting at lo (w = ceil((hi - lo + 1) /
//     bins)), so no bar lies between two neighbouring integers and each covers the same integers;
//   - anything else: `bins` equal-width bins over [lo, hi], as numpy.histogram(x, bins).
std::vector<double> histogram_edges(const ColumnType& type, double lo, double hi, uint32_t bins,
                                    const WeightedValues* exact) {
  const bool integers = integer_valued(type) && std::floor(lo) == lo && std::floor(hi) == hi &&
                        hi - lo < 0x1p52;
  if (exact && exact->distinct() <= bins) {
    std::vector<double> edges = exact->values();
    const double last = edges.back();
    const double gap = integers ? 1.0 : edges.size() > 1 ? last - edges[edges.size() - 2] : 1.0;
    edges.push_back(last + bar_width(last, gap));
    return edges;
  }
  if (integers) {
    const double span = hi - lo + 1;
    const double width = std::ceil(span / bins);
    const auto n = static_cast<size_t>(std::ceil(span / width));
    std::vector<double> edges(n + 1);
    for (size_t i = 0; i <= n; ++i) edges[i] = lo + width * static_cast<double>(i);
    return edges;
  }
  if (lo == hi) return {lo, lo + bar_width(lo, 1.0)};
  return equal_width_edges(lo, hi, bins);
}

const char* distinct_method(const DistinctCounter& d) {
  if (d.is_exact()) return "exact";
  return d.sketch_kind() == DistinctSketch::ExaLogLog ? "exaloglog" : "hyperloglog";
}

ColumnResult finalize_column(const ColumnState& state, const FinalizeOptions& options) {
  ColumnResult r;
  r.name = state.name();
  r.ordinal = state.ordinal();
  r.type = state.type();
  r.counts = state.counts();
  if (r.type.kind == Kind::Nested) r.note = "nested values are not profiled: row and null counts only";

  if (const auto& f = state.frequent(); f && f->is_exact()) {
    // Frequency first: an exact table knows every distinct value.
    r.has_distinct = true;
    r.distinct_count = f->size();
  } else if (const auto& d = state.distinct()) {
    r.has_distinct = true;
    r.distinct_count = d->estimate();
    r.distinct_exact = d->is_exact();
    r.distinct_error = d->relative_standard_error();
    r.distinct_method = distinct_method(*d);
  }
  if (const auto& range = state.int_range(); range && !range->empty()) {
    r.int_min = range->min();
    r.int_max = range->max();
  }
  if (const auto& range = state.float_range(); range && !range->empty()) {
    r.float_min = range->min();
    r.float_max = range->max();
  }
  if (const auto& range = state.bytes_range(); range && !range->empty()) {
    r.bytes_min = range->min();
    r.bytes_max = range->max();
  }
  if (const auto& m = state.moments(); m && m->count() > 0) r.moments = m->finalize();
  r.int_sum = state.int_sum();

  if (std::optional<WeightedValues> exact = state.exact_values()) {
    if (!exact->empty()) {
      for (double q : options.quantiles) r.quantiles.push_back({q, exact->quantile(q)});
      r.quantiles_exact = true;
      r.quantile_rank_error = 0;
      if (options.histogram_bins > 0 && std::isfinite(exact->min()) && std::isfinite(exact->max())) {
        HistogramResult h;
        h.edges = histogram_edges(state.type(), exact->min(), exact->max(), options.histogram_bins, &*exact);
        h.counts = exact->histogram(h.edges);
        h.lo = h.edges.front();
        h.hi = h.edges.back();
        r.histogram = std::move(h);
      }
    }
  } else if (const auto& kll = state.quantiles(); kll && !kll->is_empty()) {
    std::vector<double> values = kll->quantiles(options.quantiles);
    for (size_t i = 0; i < values.size(); ++i) r.quantiles.push_back({options.quantiles[i], values[i]});
    r.quantiles_exact = kll->is_exact();
    r.quantile_rank_error = kll->normalized_rank_error();
    double lo = kll->min_item(), hi = kll->max_item();
    if (options.histogram_bins > 0 && std::isfinite(lo) && std::isfinite(hi)) {
      HistogramResult h;
      h.edges = histogram_edges(state.type(), lo, hi, options.histogram_bins, nullptr);
      h.counts = kll->histogram(h.edges);
      h.lo = h.edges.front();
      h.hi = h.edges.back();
      h.count_error = kll->pmf_error() * static_cast<double>(kll->n());
      r.histogram = std::move(h);
    }
  }

  if (const auto& f = state.frequent()) {
    r.frequencies_exact = f->is_exact();
    r.frequency_error = f->maximum_error();
    size_t n = options.top_n;
    if (f->is_exact() && f->size() <= options.all_values_up_to) n = std::max(n, f->size());
    for (const FrequentItem& item : f->top(n))
      r.top_values.push_back({item.value, item.truncated, item.count});
    for (const FrequentItem& item : f->bottom(n))
      r.bottom_values.push_back({item.value, item.truncated, item.count});
  }

  if (const auto& p = state.patterns()) {
    r.patterns = p->finalize(options.pattern_report_ratio);
    for (const PatternResult& result : r.patterns) {
      auto id = patterns::find(result.pattern);
      r.pattern_data_types.emplace_back(id ? patterns::info(*id).data_type : std::string_view{});
    }
    if (auto type = infer_data_type(r.patterns, options.pattern_type_ratio)) r.pattern_type = *type;
  }
  if (const auto& l = state.lengths(); l && l->count() > 0) {
    r.lengths = LengthResult{l->min_chars(), l->max_chars(), l->mean_chars(),
                             l->min_bytes(), l->max_bytes(), l->mean_bytes()};
  }
  return r;
}

}  // namespace

void FinalizeOptions::validate() const {
  if (top_n > 100'000) throw InvalidInput("top_n " + std::to_string(top_n) + ", at most 100000");
  if (all_values_up_to > 100'000)
    throw InvalidInput("all_values_up_to " + std::to_string(all_values_up_to) + ", at most 100000");
  if (histogram_bins > 10'000)
    throw InvalidInput("histogram_bins " + std::to_string(histogram_bins) + ", at most 10000");
  if (!(pattern_report_ratio >= 0 && pattern_report_ratio <= 1) || !(pattern_type_ratio >= 0 && pattern_type_ratio <= 1))
    throw InvalidInput("pattern ratios must lie in [0, 1]");
  for (double q : quantiles)
    if (!(q >= 0 && q <= 1)) throw InvalidInput("quantile " + std::to_string(q) + " outside [0, 1]");
}

TableResult finalize(const Partial& partial, const FinalizeOptions& options) {
  options.validate();
  TableResult t;
  t.units = partial.unit_count();
  t.format_version = partial.format_version();
  for (const ColumnState& c : partial.columns()) t.columns.push_back(finalize_column(c, options));
  // Column-split plans read each row range once per column group: the columns' row counts agree
  // and are the table's; the unit row total is used only when there are no columns.
  t.rows = partial.columns().empty() ? partial.rows() : partial.columns().front().counts().rows;
  for (const ColumnResult& c : t.columns) {
    uint64_t bytes = value_width(c.type) * c.counts.rows;
    if (c.type.is_text() && c.lengths) bytes = static_cast<uint64_t>(c.lengths->mean_bytes * double(c.counts.rows - c.counts.nulls)) + 4 * c.counts.rows;
    t.estimated_memory_bytes += bytes;
  }
  if (const auto& rows = partial.row_distinct(); rows && partial.tracked_rows() == t.rows) {
    uint64_t distinct = std::min<uint64_t>(rows->estimate(), t.rows);
    t.duplicate_rows = t.rows - distinct;
    t.duplicates_exact = rows->is_exact();
    t.duplicates_error = rows->relative_standard_error();
    t.duplicates_method = distinct_method(*rows);
  }
  return t;
}

}  // namespace truthound
