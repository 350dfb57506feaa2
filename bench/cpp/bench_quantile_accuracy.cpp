// Accuracy per byte of the KLL sketch as k grows: on 4M lognormal(0, 1) floats per seed, the
// stated rank error against the worst observed rank error over p1 .. p99, the stated PMF error
// against the worst error of 50 equal-width histogram bins over [p1, p99], the serialized bytes
// and the update cost. The numbers that chose kll::DEFAULT_K (docs/scaling.md). A standalone
// program, not a test:
//
//   g++ -std=c++20 -O3 -DNDEBUG -Icpp/include cpp/src/stats/kll.cpp
//       bench/cpp/bench_quantile_accuracy.cpp -o /tmp/bench_qa && /tmp/bench_qa [seeds]
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <vector>

#include "truthound/bytes.hpp"
#include "truthound/stats/kll.hpp"

namespace {

using truthound::KllSketch;

constexpr size_t N = 4'000'000;
constexpr size_t BATCH = 65536;

double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

// Distance of q from the true normalized rank interval [count(< x), count(<= x)] / n.
double rank_error(const std::vector<double>& sorted, double x, double q) {
  const auto n = static_cast<double>(sorted.size());
  const double below =
      static_cast<double>(std::lower_bound(sorted.begin(), sorted.end(), x) - sorted.begin()) / n;
  const double upto =
      static_cast<double>(std::upper_bound(sorted.begin(), sorted.end(), x) - sorted.begin()) / n;
  return q < below ? below - q : q > upto ? q - upto : 0.0;
}

}  // namespace

int main(int argc, char** argv) {
  const int seeds = argc > 1 ? std::atoi(argv[1]) : 5;
  std::vector<std::vector<double>> streams;
  std::vector<std::vector<double>> sorted;
  for (int seed = 0; seed < seeds; ++seed) {
    std::mt19937_64 rng(static_cast<uint64_t>(seed) + 11);
    std::lognormal_distribution<double> lognormal(0.0, 1.0);
    std::vector<double> v(N);
    for (double& x : v) x = lognormal(rng);
    streams.push_back(v);
    std::sort(v.begin(), v.end());
    sorted.push_back(std::move(v));
  }
  std::printf("4M lognormal(0, 1) floats, %d seeds, batches of %zu\n", seeds, BATCH);
  std::printf("%6s %12s %14s %11s %14s %8s %10s\n", "k", "stated rank", "worst p1..p99",
              "stated PMF", "worst 50 bins", "bytes", "ns/value");
  for (int k : {200, 400, 800, 1000, 1200, 1330}) {
    double worst_rank = 0;
    double worst_bin = 0;
    double seconds = 0;
    size_t bytes = 0;
    for (int seed = 0; seed < seeds; ++seed) {
      KllSketch sketch(static_cast<uint16_t>(k), static_cast<uint64_t>(seed));
      const double start = cpu_seconds();
      for (size_t i = 0; i < N; i += BATCH)
        sketch.update(streams[seed].data() + i, std::min(BATCH, N - i));
      seconds += cpu_seconds() - start;
      truthound::ByteWriter out;
      sketch.serialize(out);
      bytes = std::max(bytes, out.size());
      const std::vector<double>& s = sorted[seed];
      for (int p = 1; p <= 99; ++p)
        worst_rank = std::max(worst_rank, rank_error(s, sketch.quantile(p / 100.0), p / 100.0));
      const double lo = s[N / 100];
      const double hi = s[N - N / 100];
      const std::vector<double> counts = sketch.histogram(lo, hi, 50);
      for (int b = 0; b < 50; ++b) {
        // numpy.histogram's edges, the last bin closed.
        const double left = lo + (hi - lo) * b / 50;
        const double right = b == 49 ? hi : lo + (hi - lo) * (b + 1) / 50;
        const auto end = b == 49 ? std::upper_bound(s.begin(), s.end(), right)
                                 : std::lower_bound(s.begin(), s.end(), right);
        const auto truth = static_cast<double>(end - std::lower_bound(s.begin(), s.end(), left));
        worst_bin = std::max(worst_bin, std::abs(counts[b] - truth) / static_cast<double>(N));
      }
    }
    std::printf("%6d %11.3f%% %13.3f%% %10.3f%% %13.3f%% %8zu %10.2f\n", k,
                100 * KllSketch::rank_error(static_cast<uint16_t>(k)), 100 * worst_rank,
                100 * KllSketch::pmf_rank_error(static_cast<uint16_t>(k)), 100 * worst_bin, bytes,
                seconds * 1e9 / (static_cast<double>(seeds) * N));
  }
  return 0;
}
