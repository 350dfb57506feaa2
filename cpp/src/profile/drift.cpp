#include "truthound/profile/drift.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numbers>
#include <numeric>

namespace truthound::drift {
namespace {

// Cumulative counts: c[0] = 0, c[i + 1] = w[0] + ... + w[i] added left to right (numpy.cumsum).
std::vector<double> cumulative(const std::vector<double>& w) {
  std::vector<double> c(w.size() + 1, 0.0);
  double run = 0;
  for (size_t i = 0; i < w.size(); ++i) c[i + 1] = run += w[i];
  return c;
}

// Rounds half to even, as numpy.round and Python's round (the default floating-point mode).
double round_even(double x) { return std::nearbyint(x); }

}  // namespace

double sum(const double* x, size_t n) {
  if (n < 8) {
    double r = 0.;
    for (size_t i = 0; i < n; ++i) r += x[i];
    return r;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = x[j];
    size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += x[i + j];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += x[i];
    return res;
  }
  size_t half = n / 2;
  half -= half % 8;
  return sum(x, half) + sum(x + half, n - half);
}

double wasserstein_exact(Table a, Table b) {
  const double wa = sum(a.weights), wb = sum(b.weights);
  const std::vector<double> ca = cumulative(a.weights), cb = cumulative(b.weights);
  // Walk the union of both value sets: at each point below the last, |F_a − F_b| times the gap
  // to the next point.
  std::vector<double> terms;
  terms.reserve(a.numbers.size() + b.numbers.size());
  size_t i = 0, j = 0;
  const size_t na = a.numbers.size(), nb = b.numbers.size();
  double z = std::min(na ? a.numbers[0] : b.numbers[0], nb ? b.numbers[0] : a.numbers[0]);
  for (;;) {
    while (i < na && a.numbers[i] <= z) ++i;
    while (j < nb && b.numbers[j] <= z) ++j;
    if (i == na && j == nb) break;
    const double next = i == na ? b.numbers[j] : j == nb ? a.numbers[i] : std::min(a.numbers[i], b.numbers[j]);
    terms.push_back(std::abs(ca[i] / wa - cb[j] / wb) * (next - z));
    z = next;
  }
  return sum(terms);
}

double spread_exact(Table a) {
  if (a.numbers.size() < 2) return 0.0;
  const double w = sum(a.weights);
  std::vector<double> terms(a.numbers.size() - 1);
  double run = 0;
  for (size_t i = 0; i + 1 < a.numbers.size(); ++i) {
    run += a.weights[i];
    const double f = run / w;
    terms[i] = std::sqrt(f * (1 - f)) * (a.numbers[i + 1] - a.numbers[i]);
  }
  return sum(terms);
}

double spread_grid(const std::vector<double>& u, const std::vector<double>& q) {
  if (u.size() < 2) return 0.0;
  std::vector<double> terms(u.size() - 1);
  for (size_t i = 0; i + 1 < u.size(); ++i) {
    const double mid = (u[i + 1] + u[i]) / 2;
    terms[i] = std::sqrt(mid * (1 - mid)) * (q[i + 1] - q[i]);
  }
  return sum(terms);
}

double std_dev(Table a) {
  const double n = sum(a.weights);
  if (n <= 0) return 0.0;
  std::vector<double> t(a.numbers.size());
  for (size_t i = 0; i < t.size(); ++i) t[i] = a.weights[i] * a.numbers[i];
  const double mean = sum(t) / n;
  for (size_t i = 0; i < t.size(); ++i) {
    const double d = a.numbers[i] - mean;
    t[i] = a.weights[i] * (d * d);
  }
  return std::sqrt(std::max(sum(t) / n, 0.0));
}

double std_dev(const std::vector<double>& x) {
  const double n = static_cast<double>(x.size());
  const double mean = sum(x) / n;
  std::vector<double> t(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const double d = x[i] - mean;
    t[i] = d * d;
  }
  return std::sqrt(sum(t) / n);
}

double table_quantile(Table a, double u) {
  const double w = sum(a.weights);
  double run = 0;
  for (size_t i = 0; i < a.numbers.size(); ++i) {
    run += a.weights[i];
    if (run / w >= u) return a.numbers[i];
  }
  return a.numbers.back();
}

double linear_quantile(const std::vector<double>& x, double q) {
  const double n = static_cast<double>(x.size());
  const double at = (n - 1) * q;
  if (at >= n - 1) return x.back();
  const double below = std::floor(at);
  const size_t i = static_cast<size_t>(below);
  const double gamma = at - below;
  const double lo = x[i], hi = x[i + 1], diff = hi - lo;
  return gamma >= 0.5 ? hi - diff * (1 - gamma) : lo + diff * gamma;
}

namespace {

// P(D_{n,n} ≥ h / n): 2 Σ_k (−1)^(k+1) C(2n, n − kh) / C(2n, n), each term relative to the
// next factored out (Horner), so no term is formed whole.
double ks_equal_sizes(int64_t n, int64_t h) {
  double p = 0.0;
  for (int64_t k = static_cast<int64_t>(std::floor(static_cast<double>(n) / static_cast<double>(h))); k >= 0; --k) {
    double term = 1.0;
    for (int64_t j = 0; j < h; ++j)
      term = static_cast<double>(n - k * h - j) * term / static_cast<double>(n + k * h + j + 1);
    p = term * (1.0 - p);
  }
  return 2 * p;
}

// 1 − (share of the lattice paths from (0, 0) to (m, n) with |x/m − y/n| < h / lcm(m, n)
// throughout), one column of the lattice at a time in a window that slides along the diagonal;
// each entry holds the share of the paths to it that left the band, which is 1 outside it.
std::optional<double> ks_unequal_sizes(int64_t m, int64_t n, int64_t g, int64_t h) {
  if (m < n) std::swap(m, n);
  const int64_t mg = m / g, ng = n / g;
  const auto dm = static_cast<double>(mg);
  int64_t minj = 0;
  int64_t maxj = std::min(static_cast<int64_t>(std::ceil(static_cast<double>(h) / dm)), n + 1);
  int64_t curlen = maxj - minj;
  const int64_t size = std::min(2 * maxj + 2, n + 1);
  std::vector<double> a(static_cast<size_t>(size), 1.0);
  for (int64_t j = minj; j < maxj && j < size; ++j) a[static_cast<size_t>(j)] = 0.0;
  for (int64_t i = 1; i <= m; ++i) {
    const int64_t lastminj = minj, lastlen = curlen;
    minj = std::max(static_cast<int64_t>(std::floor(static_cast<double>(ng * i - h) / dm)) + 1, int64_t{0});
    minj = std::min(minj, n);
    maxj = std::min(static_cast<int64_t>(std::ceil(static_cast<double>(ng * i + h) / dm)), n + 1);
    if (maxj <= minj) return 1.0;
    double val = minj == 0 ? 0.0 : 1.0;
    for (int64_t jj = 0; jj < maxj - minj; ++jj) {
      const int64_t j = jj + minj, from = jj + minj - lastminj;
      if (from < 0 || from >= size || jj >= size) return std::nullopt;  // the window left its buffer
      val = (a[static_cast<size_t>(from)] * static_cast<double>(i) + val * static_cast<double>(j)) /
            static_cast<double>(i + j);
      a[static_cast<size_t>(jj)] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen)
      for (int64_t k = curlen; k < curlen + (lastlen - curlen) && k < size; ++k) a[static_cast<size_t>(k)] = 1.0;
  }
  const int64_t last = maxj - minj - 1;
  if (last < 0 || last >= size) return std::nullopt;
  return a[static_cast<size_t>(last)];
}

}  // namespace

std::optional<double> ks_exact_p(uint64_t n1, uint64_t n2, uint64_t h) {
  const auto a = static_cast<int64_t>(n1), b = static_cast<int64_t>(n2), hh = static_cast<int64_t>(h);
  std::optional<double> p =
      n1 == n2 ? std::optional<double>(ks_equal_sizes(a, hh)) : ks_unequal_sizes(a, b, std::gcd(a, b), hh);
  if (!p || !(*p >= 0 && *p <= 1)) return std::nullopt;
  return p;
}

KsResult ks_test(Table a, Table b) {
  KsResult r;
  const double wa = sum(a.weights), wb = sum(b.weights);
  const std::vector<double> ca = cumulative(a.weights), cb = cumulative(b.weights);
  size_t i = 0, j = 0;
  const size_t na = a.numbers.size(), nb = b.numbers.size();
  while (i < na || j < nb) {
    const double z = i == na ? b.numbers[j] : j == nb ? a.numbers[i] : std::min(a.numbers[i], b.numbers[j]);
    while (i < na && a.numbers[i] <= z) ++i;
    while (j < nb && b.numbers[j] <= z) ++j;
    r.statistic = std::max(r.statistic, std::abs(ca[i] / wa - cb[j] / wb));
  }
  const auto n1 = static_cast<uint64_t>(wa), n2 = static_cast<uint64_t>(wb);
  double d = r.statistic;
  if (n1 + n2 > KS_EXACT_TOTAL) {
    r.asymptotic_d = d;
    r.asymptotic_n = static_cast<uint64_t>(round_even(static_cast<double>(n1 * n2) / static_cast<double>(n1 + n2)));
    return r;
  }
  if (std::max(n1, n2) <= KS_EXACT_SIZE) {
    const uint64_t g = std::gcd(n1, n2);
    const auto lcm = static_cast<double>((n1 / g) * n2);
    const auto h = static_cast<uint64_t>(round_even(d * lcm));
    d = static_cast<double>(h) * 1.0 / lcm;
    if (h == 0) {
      r.p_value = 1.0;
      return r;
    }
    if (std::optional<double> p = ks_exact_p(n1, n2, h)) {
      r.p_value = std::clamp(*p, 0.0, 1.0);
      return r;
    }
  }
  const double big = static_cast<double>(std::max(n1, n2)), small = static_cast<double>(std::min(n1, n2));
  r.asymptotic_d = d;
  r.asymptotic_n = static_cast<uint64_t>(round_even(big * small / (big + small)));
  return r;
}

double js_distance(const std::vector<double>& p, const std::vector<double>& q) {
  const double sp = sum(p), sq = sum(q);
  std::vector<double> pn(p.size()), qn(q.size()), m(p.size());
  for (size_t i = 0; i < p.size(); ++i) {
    pn[i] = p[i] / sp;
    qn[i] = q[i] / sq;
    m[i] = (pn[i] + qn[i]) / 2;
  }
  auto kl = [&](const std::vector<double>& x) {
    std::vector<double> t;
    t.reserve(x.size());
    for (size_t i = 0; i < x.size(); ++i)
      if (x[i] > 0) t.push_back(x[i] * std::log(x[i] / m[i]));
    return sum(t);
  };
  return std::sqrt(std::max((kl(pn) + kl(qn)) / 2, 0.0));
}

namespace {

// A cell's share of the JS divergence when side a holds x of its c pooled values.
double jsd_term(double x, double c, double n_a, double n_b) {
  const double p = x / n_a, q = (c - x) / n_b, m = (p + q) / 2;
  const double t = (p > 0 ? p * std::log(p / m) : 0.0) + (q > 0 ? q * std::log(q / m) : 0.0);
  return t / 2;
}

}  // namespace

double expected_jsd(const std::vector<double>& pooled, double n_a, double n_b) {
  const double n = n_a + n_b;
  std::vector<double> big;
  std::map<double, double> small;  // cell size -> how many cells
  for (double c : pooled) {
    if (!(c > 0)) continue;
    if (c > EXACT_CELL)
      big.push_back(c);
    else
      small[c] += 1;
  }
  double total = 0.0;
  if (n > 1) {
    const double denominator = 8 * n_a * n_b * (n - 1);
    for (double& c : big) c = n * (n - c) / denominator;
    total = sum(big);
  }
  if (small.empty()) return total;
  constexpr int X = EXACT_CELL + 1;
  std::vector<double> rows;
  rows.reserve(small.size());
  double row[X];
  for (const auto& [c, _] : small) {
    // P(X = 0) = Π_{j<c} (N − n_a − j) / (N − j); then the hypergeometric ratio P(x+1) / P(x).
    // A cell larger than side b puts at least c − n_b values on side a: P(X < c − n_b) = 0, and
    // the ratio starts at the least possible x, its probability from log-binomials.
    const double least = std::max(c - n_b, 0.0);
    double first = 1.0;
    if (least > 0) {
      auto log_choose = [](double m, double k) { return std::lgamma(m + 1) - std::lgamma(k + 1) - std::lgamma(m - k + 1); };
      first = std::exp(log_choose(c, least) + log_choose(n - c, n_a - least) - log_choose(n, n_a));
    } else {
      for (int j = 0; j < EXACT_CELL; ++j) first *= j < c ? (n - n_a - j) / (n - j) : 1.0;
    }
    double run = 1.0;
    for (int x = 0; x < X; ++x) {
      if (x > least) {
        const double xp = x - 1;
        double ratio = (c - xp) * (n_a - xp) / ((xp + 1) * (n - c - n_a + xp + 1));
        ratio = xp < c ? (std::isnan(ratio) ? ratio : std::max(ratio, 0.0)) : 0.0;
        run *= ratio;
      }
      const double pmf = x < least ? 0.0 : first * run;
      const double term = x <= c ? jsd_term(std::min<double>(x, c), c, n_a, n_b) : 0.0;
      row[x] = pmf * term;
    }
    rows.push_back(sum(row, X));
  }
  size_t k = 0;
  for (const auto& [c, multiplicity] : small) rows[k++] *= multiplicity;
  return total + sum(rows);
}

ChiSquaredResult chi_squared_test(const std::vector<double>& a, const std::vector<double>& b) {
  const size_t k = a.size();
  std::vector<double> both(a);
  both.insert(both.end(), b.begin(), b.end());
  const double total = sum(both), row_a = sum(a), row_b = sum(b);
  std::vector<double> oa, ob, rare_a, rare_b;
  for (size_t j = 0; j < k; ++j) {
    const double col = a[j] + b[j];
    if (col * row_a / total < 5 || col * row_b / total < 5) {
      rare_a.push_back(a[j]);
      rare_b.push_back(b[j]);
    } else {
      oa.push_back(a[j]);
      ob.push_back(b[j]);
    }
  }
  if (!rare_a.empty()) {
    oa.push_back(sum(rare_a));
    ob.push_back(sum(rare_b));
  }
  std::vector<double> pa, pb;
  for (size_t j = 0; j < oa.size(); ++j)
    if (oa[j] + ob[j] > 0) {
      pa.push_back(oa[j]);
      pb.push_back(ob[j]);
    }
  ChiSquaredResult r;
  if (pa.size() < 2) return r;
  const double ra = sum(pa), rb = sum(pb);
  std::vector<double> observed(pa);
  observed.insert(observed.end(), pb.begin(), pb.end());
  const double n = sum(observed);
  std::vector<double> terms(observed.size());
  const size_t cells = pa.size();
  for (size_t i = 0; i < observed.size(); ++i) {
    const double col = pa[i % cells] + pb[i % cells];
    const double expected = (i < cells ? ra : rb) * col / n;
    const double d = observed[i] - expected;
    terms[i] = d * d / expected;
  }
  r.statistic = sum(terms);
  r.p_value = gamma_q(static_cast<double>(cells - 1) / 2, r.statistic / 2);
  return r;
}

namespace {

// ln(1 + t) − t, without the cancellation of the two near t = 0: with u = t / (2 + t),
// ln(1 + t) = 2 atanh u = 2 Σ u^(2i+1) / (2i+1) and t = 2 Σ u^k, so the difference is
// −Σ_{k≥2} c_k u^k, c_k = 2 for even k and 2 − 2/k for odd k (|u| ≤ 1/3 here).
double log1p_minus(double t) {
  if (t < -0.5 || t > 1.0) return std::log1p(t) - t;
  const double u = t / (2 + t);
  double power = u * u, total = 0;
  for (int k = 2; k < 200; ++k) {
    const double term = (k % 2 == 0 ? 2.0 : 2.0 - 2.0 / k) * power;
    total += term;
    if (std::abs(term) <= std::abs(total) * std::numeric_limits<double>::epsilon()) break;
    power *= u;
  }
  return -total;
}

// ln(x^a e^−x / Γ(a)). For large a the terms a ln x, x and ln Γ(a) are large and nearly cancel:
// with ln Γ(a) = (a − ½) ln a − a + ½ ln 2π + s(a) (Stirling; s(a) its remainder series), it is
// a·(ln(1 + t) − t) + ½ ln(a / 2π) − s(a) with t = (x − a) / a, each part small or exact.
double log_gamma_density(double a, double x) {
  if (a < 10) return a * std::log(x) - x - std::lgamma(a);
  const double r = 1 / a, r2 = r * r;
  const double stirling =
      r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680 - r2 * (1.0 / 1188 - r2 * (691.0 / 360360 - r2 / 156))))));
  return a * log1p_minus((x - a) / a) + 0.5 * std::log(a / (2 * std::numbers::pi)) - stirling;
}

}  // namespace

double gamma_q(double a, double x) {
  if (std::isnan(a) || std::isnan(x)) return std::numeric_limits<double>::quiet_NaN();
  if (x <= 0) return 1.0;
  if (std::isinf(x)) return 0.0;
  constexpr double EPS = std::numeric_limits<double>::epsilon();
  const double log_prefactor = log_gamma_density(a, x);
  if (x < a + 1) {
    // P(a, x) = x^a e^-x / Γ(a + 1) Σ_n x^n / ((a + 1)…(a + n)); Q = 1 − P is not small here
    double ap = a, term = 1.0 / a, total = term;
    for (int i = 0; i < 100000; ++i) {
      ap += 1;
      term *= x / ap;
      total += term;
      if (std::abs(term) < std::abs(total) * EPS) break;
    }
    return 1.0 - total * std::exp(log_prefactor);
  }
  // Q(a, x) = x^a e^-x / Γ(a) · 1 / (x + 1 − a − 1·(1 − a) / (x + 3 − a − 2·(2 − a) / (x + 5 − a − …)))
  constexpr double TINY = std::numeric_limits<double>::min() / EPS;
  double b = x + 1 - a, c = 1 / TINY, d = 1 / b, h = d;
  for (int i = 1; i < 100000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (std::abs(c) < TINY) c = TINY;
    d = 1 / d;
    const double step = d * c;
    h *= step;
    if (std::abs(step - 1) < EPS) break;
  }
  return std::exp(log_prefactor) * h;
}

}  // namespace truthound::drift
