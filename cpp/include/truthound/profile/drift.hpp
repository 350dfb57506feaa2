// Drift measures between two distributions of one column (issue 17), on plain arrays: the
// frequency tables (distinct values with their counts) or quantile functions a comparison reads
// from two merged partials (see compare.hpp).
//
//   - Wasserstein-1 distance: from two exact tables, the area between the two empirical
//     distribution functions; its noise term ∫ √(F(1−F)) dx (also on a quantile grid).
//   - Two-sample Kolmogorov–Smirnov test: the statistic and its exact two-sided p-value by
//     counting lattice paths (Hodges, "The significance probability of the Smirnov two-sample
//     test", Ark. Mat. 3, 1958): for equal sizes the alternating reflection series in Horner
//     form, else the "inside" recursion, carried as the share of paths that stay inside so that
//     1 − p does not cancel (Viehmann, arXiv:2102.08037, 2021). The same steps as
//     scipy.stats.ks_2samp, so the same p-values.
//   - Jensen–Shannon distance (natural log) between two tables, and the expected divergence of
//     a random split of the pooled values (each cell's count on one side hypergeometric).
//   - Chi-squared test of homogeneity (Pearson's statistic) and its p-value, the regularized
//     upper incomplete gamma Q(dof / 2, x / 2) (power series below a + 1, Lentz's continued
//     fraction above; Numerical Recipes, 3rd ed., §6.2).
//
// Sums run in numpy's pairwise order (`sum`), so each number equals that of the numpy expression
// it replaced wherever the operations are the same (logarithms may differ from numpy's vector
// log in the last place).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace truthound::drift {

// Σ x in numpy's pairwise order (blocks of 128 summed with 8 accumulators, halves recursively).
double sum(const double* x, size_t n);
inline double sum(const std::vector<double>& x) { return sum(x.data(), x.size()); }

// A distribution as distinct finite values ascending with their counts (as doubles).
struct Table {
  const std::vector<double>& numbers;
  const std::vector<double>& weights;
};

// The area between the two empirical distribution functions.
double wasserstein_exact(Table a, Table b);
// ∫ √(F(1 − F)) dx of a table.
double spread_exact(Table a);
// ∫ √(u(1 − u)) dQ(u) of a quantile function q on the grid u (both ascending).
double spread_grid(const std::vector<double>& u, const std::vector<double>& q);
// Population standard deviation of a table (0 when it is empty).
double std_dev(Table a);
// numpy.std of an array (population, mean first).
double std_dev(const std::vector<double>& x);
// The quantile function of a table at u: the least value whose cumulative share reaches u.
double table_quantile(Table a, double u);
// numpy.quantile(x, q) of an ascending array (linear interpolation between order statistics).
double linear_quantile(const std::vector<double>& x, double q);

struct KsResult {
  double statistic = 0;           // sup |F_a − F_b|
  std::optional<double> p_value;  // exact; empty when the Kolmogorov distribution must give it
  double asymptotic_d = 0;        // then: its argument and its n
  uint64_t asymptotic_n = 0;
};
// Two-sample KS test of two tables, two-sided: exact p-value while both sides hold at most
// KS_EXACT_SIZE values and together at most KS_EXACT_TOTAL; else (or when the exact count is
// not a probability) the n at which to read the Kolmogorov distribution.
inline constexpr uint64_t KS_EXACT_SIZE = 10'000;
inline constexpr uint64_t KS_EXACT_TOTAL = 100'000;
KsResult ks_test(Table a, Table b);
// P(D ≥ h / lcm(n1, n2)) by counting lattice paths; empty when the count is not a probability.
std::optional<double> ks_exact_p(uint64_t n1, uint64_t n2, uint64_t h);

// Jensen–Shannon distance (natural log) between two count vectors over the same cells.
double js_distance(const std::vector<double>& p, const std::vector<double>& q);
// E[JS divergence] when the pooled counts are split at random into samples of n_a and n_b.
// Exact for cells of at most EXACT_CELL values; above, the second-order term.
inline constexpr int EXACT_CELL = 32;
double expected_jsd(const std::vector<double>& pooled, double n_a, double n_b);

struct ChiSquaredResult {
  double statistic = 0;
  double p_value = 1;
};
// Chi-squared test of homogeneity of two count rows over the same cells: cells expected fewer
// than 5 times on either side pooled into one (Cochran), empty cells dropped; p = 1 with fewer
// than two cells left.
ChiSquaredResult chi_squared_test(const std::vector<double>& a, const std::vector<double>& b);
// Q(a, x) = Γ(a, x) / Γ(a), the regularized upper incomplete gamma function (a > 0, x ≥ 0).
double gamma_q(double a, double x);

}  // namespace truthound::drift
