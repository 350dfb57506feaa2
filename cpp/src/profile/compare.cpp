#include "truthound/profile/compare.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <numeric>
#include <thread>
#include <unordered_map>

#include "truthound/error.hpp"
#include "truthound/profile/distribution.hpp"
#include "truthound/profile/drift.hpp"

namespace truthound {
namespace {

// Seconds per unit, so that times of different units compare on one line; dates stay in days.
double seconds_per_unit(const ColumnType& type) {
  if (type.kind != Kind::Timestamp && type.kind != Kind::Time && type.kind != Kind::Duration) return 1.0;
  switch (type.unit) {
    case TimeUnit::Second: return 1.0;
    case TimeUnit::Milli: return 1e-3;
    case TimeUnit::Micro: return 1e-6;
    case TimeUnit::Nano: return 1e-9;
    default: return 1.0;
  }
}

// One side of a column as the comparison reads it.
struct Side {
  ColumnDistribution d;
  bool exact = true;
  uint64_t total = 0;  // non-null values
  uint64_t max_error = 0;
  double finite = 0;  // non-null values that are neither NaN nor infinite
  // ordered, exact table: the finite values ascending (in seconds for times) and their counts
  bool has_numbers = false;
  std::vector<double> numbers, weights;
  // ordered, sketched: the finite points of the quantile function at u = (i + 0.5) / m
  bool has_grid = false;
  std::vector<double> grid, grid_u;
  double rank_error = 0;
  std::optional<double> low, high;  // finite min / max
  std::optional<double> moment_std;
  // unordered: the table, keys ascending
  bool has_keys = false;
  std::vector<double> counts;

  drift::Table table() const { return {numbers, weights}; }
  bool has_values() const { return (has_numbers && !numbers.empty()) || (has_grid && !grid.empty()); }
  double std_dev() const {
    if (has_numbers) return drift::std_dev(table());
    if (moment_std) return *moment_std;
    if (has_grid && !grid.empty()) return drift::std_dev(grid);  // of the grid: an approximation
    return 0.0;
  }
};

Side read_side(const ColumnState& state, uint32_t grid) {
  Side s;
  s.d = column_distribution(state, grid);
  const ColumnDistribution& d = s.d;
  s.total = d.counts.rows - d.counts.nulls;
  s.finite = static_cast<double>(s.total - d.counts.nan - (d.counts.pos_inf + d.counts.neg_inf));
  if (d.variance) s.moment_std = std::sqrt(std::max(*d.variance, 0.0));
  if (!d.frequencies) return s;
  const FrequencyTable& f = *d.frequencies;
  s.exact = f.exact;
  s.max_error = f.max_error;
  const double scale = seconds_per_unit(d.type);
  if (!d.ordered) {
    s.has_keys = true;
    s.counts.assign(f.counts.begin(), f.counts.end());
    return s;
  }
  if (f.exact) {
    s.has_numbers = true;
    for (size_t i = 0; i < f.numbers.size(); ++i)
      if (std::isfinite(f.numbers[i])) {
        s.numbers.push_back(f.numbers[i] * scale);
        s.weights.push_back(static_cast<double>(f.counts[i]));
      }
    if (!s.numbers.empty()) s.low = s.numbers.front(), s.high = s.numbers.back();
  } else if (d.quantiles && !d.quantiles->values.empty()) {
    const QuantileGrid& q = *d.quantiles;
    s.has_grid = true;
    const double m = static_cast<double>(q.values.size());
    for (size_t i = 0; i < q.values.size(); ++i)
      if (std::isfinite(q.values[i])) {
        s.grid.push_back(q.values[i] * scale);
        s.grid_u.push_back((static_cast<double>(i) + 0.5) / m);
      }
    s.rank_error = q.rank_error;
    if (std::isfinite(q.min))
      s.low = q.min * scale;
    else if (!s.grid.empty())
      s.low = s.grid.front();
    if (std::isfinite(q.max))
      s.high = q.max * scale;
    else if (!s.grid.empty())
      s.high = s.grid.back();
  }
  return s;
}

std::optional<std::array<double, 7>> exact_percentiles(const Side& s) {
  const Kind k = s.d.type.kind;
  if (k != Kind::Signed && k != Kind::Unsigned && k != Kind::Float) return std::nullopt;
  if (!s.has_numbers || s.numbers.empty() || s.d.counts.pos_inf + s.d.counts.neg_inf > 0) return std::nullopt;
  std::vector<double> cum(s.weights.size());
  double run = 0;
  for (size_t i = 0; i < cum.size(); ++i) cum[i] = run += s.weights[i];
  const size_t last = s.numbers.size() - 1;
  std::array<double, 7> out{};
  for (size_t p = 0; p < out.size(); ++p) {
    const double h = (cum.back() - 1) * COMPARED_PERCENTILES[p];
    const double lo = std::floor(h);
    auto first_above = [&](double x) {
      return static_cast<size_t>(std::upper_bound(cum.begin(), cum.end(), x) - cum.begin());
    };
    const double below = s.numbers[std::min(first_above(lo), last)];
    const double above = s.numbers[std::min(first_above(lo + 1), last)];
    out[p] = below + (h - lo) * (above - below);
  }
  return out;
}

bool line_of_numbers(Kind k) { return k == Kind::Signed || k == Kind::Unsigned || k == Kind::Float || k == Kind::Decimal; }
bool line_of_time(Kind k) { return k == Kind::Date || k == Kind::Timestamp || k == Kind::Time || k == Kind::Duration; }
bool same_line(Kind a, Kind b) {
  if (line_of_numbers(a)) return line_of_numbers(b);
  return line_of_time(a) && a == b;
}
Kind family(Kind k) { return k == Kind::Unsigned ? Kind::Signed : k; }

// ---------------------------------------------------------------------------------------------
// numbers

DriftNumbers numeric_drift(const Side& a, const Side& b, const CompareOptions& o) {
  DriftNumbers r;
  const bool has_a = a.has_values(), has_b = b.has_values();
  if (!has_a || !has_b) {
    r.no_values_on_either_side = !has_a && !has_b;
    return r;
  }
  const double n_a = a.finite, n_b = b.finite;
  const bool both_exact = a.has_numbers && b.has_numbers;
  if (both_exact && std::min(n_a, n_b) < static_cast<double>(o.small_sample_rows)) {
    r.metric = DriftMetric::KolmogorovSmirnov;
    const drift::KsResult ks = drift::ks_test(a.table(), b.table());
    r.statistic = ks.statistic;
    if (ks.p_value) {
      r.score = *ks.p_value;
    } else {
      r.ks_asymptotic_n = ks.asymptotic_n;
      r.ks_asymptotic_d = ks.asymptotic_d;
    }
    return r;
  }
  r.metric = DriftMetric::Wasserstein;
  double distance = 0, spread = 0, error = 0;
  if (both_exact) {
    r.exact = true;
    distance = drift::wasserstein_exact(a.table(), b.table());
    spread = drift::spread_exact(a.table());
  } else {
    std::vector<double> u, qa, qb;
    if (a.has_grid && b.has_grid) {  // the points both grids hold
      for (size_t i = 0, j = 0; i < a.grid_u.size() && j < b.grid_u.size();) {
        if (a.grid_u[i] < b.grid_u[j]) {
          ++i;
        } else if (b.grid_u[j] < a.grid_u[i]) {
          ++j;
        } else {
          u.push_back(a.grid_u[i]);
          qa.push_back(a.grid[i++]);
          qb.push_back(b.grid[j++]);
        }
      }
    } else {  // one side exact: its quantile function on the other's grid
      const Side& sketched = a.has_grid ? a : b;
      const Side& exact = a.has_grid ? b : a;
      u = sketched.grid_u;
      std::vector<double> q(u.size());
      for (size_t i = 0; i < u.size(); ++i) q[i] = drift::table_quantile(exact.table(), u[i]);
      qa = a.has_grid ? a.grid : q;
      qb = a.has_grid ? q : b.grid;
    }
    if (!u.empty()) {
      std::vector<double> gaps(u.size());
      for (size_t i = 0; i < u.size(); ++i) gaps[i] = std::abs(qa[i] - qb[i]);
      distance = drift::sum(gaps) / static_cast<double>(u.size());
    }
    spread = a.has_numbers ? drift::spread_exact(a.table()) : drift::spread_grid(u, qa);
    const double m = o.quantile_grid;
    for (const Side* side : {&a, &b}) {
      const double eps = side->rank_error + 0.5 / m;
      if (side->low && side->high) error += 2 * eps * (*side->high - *side->low);
    }
  }
  const double sa = a.std_dev();
  const double scale = sa != 0 ? sa : b.std_dev();
  if (scale > 0) {
    r.score = distance / scale;
    r.error = error / scale;
    r.noise = std::sqrt(1 / n_a + 1 / n_b) * spread / scale;
  } else {  // both sides constant
    r.score = distance == 0 ? 0.0 : HUGE_VAL;
  }
  return r;
}

// The exact quantile function of a table (the least value whose share reaches u), else the
// linear interpolation of a grid's points.
std::optional<std::pair<double, double>> central_range(const Side& s, double low, double high) {
  if (s.has_numbers && !s.numbers.empty())
    return std::pair{drift::table_quantile(s.table(), low), drift::table_quantile(s.table(), high)};
  if (s.has_grid && !s.grid.empty())
    return std::pair{drift::linear_quantile(s.grid, low), drift::linear_quantile(s.grid, high)};
  return std::nullopt;
}

// Each bin's share of the side's finite values; values beyond the edges count in the end bins,
// values on an inner edge in the bin above it.
std::vector<double> shares(const Side& s, const std::vector<double>& edges) {
  const size_t bins = edges.size() - 1;
  std::vector<double> out(bins, 0.0);
  const std::vector<double>* values = nullptr;
  std::vector<double> ones;
  const std::vector<double>* weights = nullptr;
  if (s.has_numbers && !s.numbers.empty()) {
    values = &s.numbers, weights = &s.weights;
  } else if (s.has_grid && !s.grid.empty()) {
    ones.assign(s.grid.size(), 1.0);
    values = &s.grid, weights = &ones;
  } else {
    return out;
  }
  // the values are ascending: the cumulative weight below each edge, the last edge inclusive
  std::vector<double> below(edges.size());
  double run = 0;
  size_t i = 0;
  const double lo = edges.front(), hi = edges.back();
  auto clipped = [&](size_t k) { return std::clamp((*values)[k], lo, hi); };
  for (size_t e = 0; e < edges.size(); ++e) {
    const bool last = e + 1 == edges.size();
    while (i < values->size() && (last ? clipped(i) <= edges[e] : clipped(i) < edges[e])) run += (*weights)[i++];
    below[e] = run;
  }
  const double total = drift::sum(*weights);
  for (size_t k = 0; k < bins; ++k) out[k] = (below[k + 1] - below[k]) / total;
  return out;
}

std::optional<ComparedHistogram> histogram(const Side& a, const Side& b, uint32_t bins) {
  std::optional<double> lo, hi;
  for (const Side* s : {&a, &b})
    if (auto r = central_range(*s, 0.005, 0.995)) {
      lo = lo ? std::min(*lo, r->first) : r->first;
      hi = hi ? std::max(*hi, r->second) : r->second;
    }
  if (!lo || !std::isfinite(*lo) || !std::isfinite(*hi)) return std::nullopt;
  ComparedHistogram h;
  if (*hi > *lo) {  // numpy.linspace(lo, hi, bins + 1)
    const double delta = *hi - *lo, div = bins, step = delta / div;
    h.edges.resize(bins + 1);
    for (uint32_t i = 0; i <= bins; ++i) {
      const double x = i;
      h.edges[i] = (step == 0 ? x / div * delta : x * step) + *lo;
    }
    h.edges[bins] = *hi;
  } else {
    h.edges = {*lo, *lo + 1.0};
  }
  h.baseline = shares(a, h.edges);
  h.current = shares(b, h.edges);
  h.exact = a.has_numbers && b.has_numbers;
  std::optional<double> low, high;
  for (const Side* s : {&a, &b}) {
    if (s->low) low = low ? std::min(*low, *s->low) : *s->low;
    if (s->high) high = high ? std::max(*high, *s->high) : *s->high;
  }
  h.clipped = low && high && (*low < *lo || *high > *hi);
  return h;
}

// ---------------------------------------------------------------------------------------------
// categories

// Both tables over the union of their values (keys ascending): where each union entry is listed
// on each side (or -1).
struct Aligned {
  std::vector<std::ptrdiff_t> in_a, in_b;
  std::vector<double> a, b;  // counts
};

Aligned align(const Side& a, const Side& b) {
  const std::vector<uint64_t>& ka = a.d.frequencies->keys;
  const std::vector<uint64_t>& kb = b.d.frequencies->keys;
  Aligned t;
  size_t i = 0, j = 0;
  while (i < ka.size() || j < kb.size()) {
    const bool take_a = j == kb.size() || (i < ka.size() && ka[i] <= kb[j]);
    const bool take_b = i == ka.size() || (j < kb.size() && kb[j] <= ka[i]);
    t.in_a.push_back(take_a ? static_cast<std::ptrdiff_t>(i) : -1);
    t.in_b.push_back(take_b ? static_cast<std::ptrdiff_t>(j) : -1);
    t.a.push_back(take_a ? a.counts[i++] : 0.0);
    t.b.push_back(take_b ? b.counts[j++] : 0.0);
  }
  return t;
}

DriftNumbers categorical_drift(const Side& a, const Side& b, const Aligned& t, const CompareOptions& o) {
  DriftNumbers r;
  if (!a.has_keys || !b.has_keys || a.total == 0 || b.total == 0) {
    r.no_values_on_either_side = a.total == 0 && b.total == 0;
    return r;
  }
  const double other_a = static_cast<double>(a.total) - drift::sum(a.counts);
  const double other_b = static_cast<double>(b.total) - drift::sum(b.counts);
  if (a.exact && b.exact && std::min(a.total, b.total) < o.small_sample_rows) {
    r.metric = DriftMetric::ChiSquared;
    const drift::ChiSquaredResult c = drift::chi_squared_test(t.a, t.b);
    r.score = c.p_value;
    r.statistic = c.statistic;
    return r;
  }
  r.metric = DriftMetric::JensenShannon;
  r.exact = a.exact && b.exact;
  std::vector<double> ca(t.a), cb(t.b);
  ca.push_back(other_a);
  cb.push_back(other_b);
  r.score = drift::js_distance(ca, cb);
  const double k = static_cast<double>(t.a.size());
  for (const auto& [side, rest] : {std::pair{&a, other_a}, std::pair{&b, other_b}}) {
    if (side->exact) continue;
    const double tv = std::min(k * static_cast<double>(side->max_error), rest) / static_cast<double>(side->total);
    r.error += std::sqrt(std::log(2.0) * tv);
  }
  std::vector<double> pooled(ca.size());
  for (size_t i = 0; i < ca.size(); ++i) pooled[i] = ca[i] + cb[i];
  r.noise = std::sqrt(drift::expected_jsd(pooled, static_cast<double>(a.total), static_cast<double>(b.total)));
  return r;
}

const std::string& value_at(const Side& a, const Side& b, const Aligned& t, size_t i) {
  return t.in_a[i] >= 0 ? a.d.frequencies->values[static_cast<size_t>(t.in_a[i])]
                        : b.d.frequencies->values[static_cast<size_t>(t.in_b[i])];
}

// Values `mine` lists and `theirs` lacks, commonest first (ties in key order).
OneSidedValues only_on(const std::vector<double>& mine, const std::vector<double>& theirs, const Side& a,
                       const Side& b, const Aligned& t, uint32_t listed) {
  std::vector<size_t> idx;
  for (size_t i = 0; i < mine.size(); ++i)
    if (theirs[i] == 0 && mine[i] > 0) idx.push_back(i);
  OneSidedValues out;
  out.count = idx.size();
  std::stable_sort(idx.begin(), idx.end(), [&](size_t x, size_t y) { return -mine[x] < -mine[y]; });
  if (idx.size() > listed) idx.resize(listed);
  for (size_t i : idx) out.listed.push_back({value_at(a, b, t, i), static_cast<uint64_t>(mine[i])});
  return out;
}

void categories(const Side& a, const Side& b, const Aligned& t, const CompareOptions& o, ColumnComparisonResult& r) {
  const size_t k = t.a.size();
  const double ta = static_cast<double>(std::max<uint64_t>(a.total, 1));
  const double tb = static_cast<double>(std::max<uint64_t>(b.total, 1));
  std::vector<double> share_a(k), share_b(k);
  for (size_t i = 0; i < k; ++i) share_a[i] = t.a[i] / ta, share_b[i] = t.b[i] / tb;
  std::vector<size_t> order(k);
  std::iota(order.begin(), order.end(), size_t{0});
  // the larger share first, then the larger count, then key order
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    const double mx = -std::max(share_a[x], share_b[x]), my = -std::max(share_a[y], share_b[y]);
    if (mx != my) return mx < my;
    return -(t.a[x] + t.b[x]) < -(t.a[y] + t.b[y]);
  });
  if (order.size() > o.categories_shown) order.resize(o.categories_shown);
  for (size_t i : order)
    r.categories.push_back({value_at(a, b, t, i), static_cast<uint64_t>(t.a[i]), static_cast<uint64_t>(t.b[i]),
                            share_a[i], share_b[i]});
  if (a.exact) r.new_values = only_on(t.b, t.a, a, b, t, o.listed_values);
  if (b.exact) r.missing_values = only_on(t.a, t.b, a, b, t, o.listed_values);
}

ComparedSide summary(const Side& s) {
  ComparedSide out;
  out.type = s.d.type;
  out.counts = s.d.counts;
  out.exact = s.exact;
  out.percentiles = exact_percentiles(s);
  return out;
}

ColumnComparisonResult compare_column(const std::string& name, const ColumnState* in_a, const ColumnState* in_b,
                                      const CompareOptions& o) {
  ColumnComparisonResult r;
  r.name = name;
  if (in_a == nullptr || in_b == nullptr) {  // added or removed: what the side is, nothing more
    const ColumnState& c = in_a ? *in_a : *in_b;
    ComparedSide side;
    side.type = c.type();
    side.counts = c.counts();
    side.exact = !c.frequent() || c.frequent()->is_exact();
    (in_a ? r.baseline : r.current) = side;
    return r;
  }
  const Side a = read_side(*in_a, o.quantile_grid);
  const Side b = read_side(*in_b, o.quantile_grid);
  r.baseline = summary(a);
  r.current = summary(b);
  const Kind ka = a.d.type.kind, kb = b.d.type.kind;
  const bool unordered = ka == Kind::String || ka == Kind::Binary || ka == Kind::Boolean;
  if (same_line(ka, kb)) {
    r.path = DriftPath::Numeric;
    r.drift = numeric_drift(a, b, o);
    r.histogram = histogram(a, b, o.histogram_bins);
  } else if (unordered && ka == kb) {
    r.path = DriftPath::Categorical;
    if (a.has_keys && b.has_keys) {
      const Aligned t = align(a, b);
      r.drift = categorical_drift(a, b, t, o);
      categories(a, b, t, o, r);
    } else {
      r.drift = categorical_drift(a, b, Aligned{}, o);
    }
  } else {
    r.path = family(ka) != family(kb) ? DriftPath::TypeChanged : DriftPath::NotProfiled;
  }
  return r;
}

}  // namespace

std::vector<ColumnComparisonResult> compare_partials(const Partial& baseline, const Partial& current,
                                                     const std::vector<std::string>& columns,
                                                     const CompareOptions& options) {
  if (options.quantile_grid < 1 || options.quantile_grid > distribution::MAX_GRID)
    throw InvalidInput("quantile grid of " + std::to_string(options.quantile_grid) + " points, expected 1 to " +
                       std::to_string(distribution::MAX_GRID));
  if (options.histogram_bins < 1) throw InvalidInput("a histogram needs at least one bin");
  std::unordered_map<std::string_view, const ColumnState*> a, b;
  for (const ColumnState& c : baseline.columns()) a.emplace(c.name(), &c);
  for (const ColumnState& c : current.columns()) b.emplace(c.name(), &c);
  std::vector<std::pair<const ColumnState*, const ColumnState*>> pairs;
  pairs.reserve(columns.size());
  for (const std::string& name : columns) {
    auto ia = a.find(name), ib = b.find(name);
    if (ia == a.end() && ib == b.end()) throw InvalidInput("no column named \"" + name + "\" in either profile");
    pairs.emplace_back(ia == a.end() ? nullptr : ia->second, ib == b.end() ? nullptr : ib->second);
  }
  std::vector<ColumnComparisonResult> out(columns.size());
  std::atomic<size_t> next{0};
  std::exception_ptr failure;
  std::atomic<bool> failed{false};
  auto work = [&] {
    for (size_t i; !failed && (i = next++) < columns.size();) {
      try {
        out[i] = compare_column(columns[i], pairs[i].first, pairs[i].second, options);
      } catch (...) {
        if (!failed.exchange(true)) failure = std::current_exception();
      }
    }
  };
  const unsigned threads = std::clamp<unsigned>(options.threads, 1, static_cast<unsigned>(std::max<size_t>(columns.size(), 1)));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  return out;
}

namespace {

// Decodes a partial; a failure keeps its type and names the side.
Partial decode(std::string_view bytes, const std::string& label) {
  try {
    return Partial::deserialize(bytes);
  } catch (const CorruptPartial& e) {
    throw CorruptPartial(label + ": " + e.what());
  } catch (const InvalidInput& e) {
    throw InvalidInput(label + ": " + e.what());
  } catch (const Unsupported& e) {
    throw Unsupported(label + ": " + e.what());
  }
}

}  // namespace

std::vector<ColumnComparisonResult> compare_serialized(std::string_view baseline, std::string_view current,
                                                       const std::array<std::string, 2>& labels,
                                                       const std::vector<std::string>& columns,
                                                       const CompareOptions& options) {
  std::optional<Partial> a, b;
  std::exception_ptr failure;
  if (options.threads > 1) {
    std::thread other([&] {
      try {
        b.emplace(decode(current, labels[1]));
      } catch (...) {
        failure = std::current_exception();
      }
    });
    try {
      a.emplace(decode(baseline, labels[0]));
    } catch (...) {
      other.join();
      throw;
    }
    other.join();
    if (failure) std::rethrow_exception(failure);
  } else {
    a.emplace(decode(baseline, labels[0]));
    b.emplace(decode(current, labels[1]));
  }
  return compare_partials(*a, *b, columns, options);
}

}  // namespace truthound
