// Distinct-count sketches side by side: ExaLogLog (p = 13, the profiler's beyond-exact sketch)
// against HyperLogLog at p = 14 and p = 16. Per sketch: update cost, serialized bytes, the RMS
// relative error over seeded streams against the stated error, merge and estimate times.
// A standalone program, not a test:
//
//   g++ -std=c++20 -O3 -DNDEBUG -Icpp/include cpp/src/stats/exaloglog.cpp cpp/src/stats/hll.cpp
//       bench/cpp/bench_distinct.cpp -o /tmp/bench_distinct && /tmp/bench_distinct [n] [seeds]
//
// Plain -O3, no -march (the numbers of a portable wheel). Times are process CPU time, best of 5.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "truthound/bytes.hpp"
#include "truthound/hash.hpp"
#include "truthound/stats/exaloglog.hpp"
#include "truthound/stats/hll.hpp"

namespace {

using truthound::ByteWriter;
using truthound::ExaLogLog;
using truthound::HyperLogLog;
namespace hash = truthound::hash;

constexpr int REPEATS = 5;

double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

template <typename Sketch>
size_t serialized_size(const Sketch& s) {
  ByteWriter out;
  s.serialize(out);
  return out.size();
}

ExaLogLog make(const ExaLogLog*, int) { return ExaLogLog(); }
HyperLogLog make(const HyperLogLog*, int p) { return HyperLogLog(static_cast<uint8_t>(p)); }

template <typename Sketch>
void bench(const char* name, int p, const std::vector<uint64_t>& hashes, uint64_t n, int seeds) {
  const Sketch* tag = nullptr;
  double single = 1e30;
  double batched = 1e30;
  Sketch full = make(tag, p);
  for (int r = 0; r < REPEATS; ++r) {
    Sketch s = make(tag, p);
    double start = cpu_seconds();
    for (uint64_t h : hashes) s.update(h);
    single = std::min(single, cpu_seconds() - start);
    Sketch b = make(tag, p);
    start = cpu_seconds();
    if constexpr (requires { b.update(hashes.data(), hashes.size()); }) {
      b.update(hashes.data(), hashes.size());
    } else {
      for (uint64_t h : hashes) b.update(h);
    }
    batched = std::min(batched, cpu_seconds() - start);
    full = std::move(s);
  }
  double merge = 1e30;
  for (int r = 0; r < REPEATS; ++r) {
    Sketch into = full;
    const double start = cpu_seconds();
    into.merge(full);
    merge = std::min(merge, cpu_seconds() - start);
  }
  double estimate_seconds = 1e30;
  double estimate = 0;
  for (int r = 0; r < REPEATS; ++r) {
    const double start = cpu_seconds();
    estimate = full.estimate();
    estimate_seconds = std::min(estimate_seconds, cpu_seconds() - start);
  }
  double sum_sq = 0;
  for (int seed = 0; seed < seeds; ++seed) {
    Sketch s = make(tag, p);
    for (uint64_t i = 0; i < n; ++i) s.update(hash::splitmix64(i + (uint64_t(seed) << 40)));
    const double rel = s.estimate() / static_cast<double>(n) - 1;
    sum_sq += rel * rel;
  }
  const auto count = static_cast<double>(hashes.size());
  std::printf(
      "%-15s %5.2f ns/value (batched %5.2f)  %6zu bytes  stated %.3f%%  rms %.3f%% over %d streams "
      "of %llu"
      "  merge %6.1f us  estimate %6.1f us  (estimate of %zu: %.0f)\n",
      name, single * 1e9 / count, batched * 1e9 / count, serialized_size(full),
      100 * full.relative_standard_error(), 100 * std::sqrt(sum_sq / seeds), seeds,
      static_cast<unsigned long long>(n), merge * 1e6, estimate_seconds * 1e6, hashes.size(),
      estimate);
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  const int seeds = argc > 2 ? std::atoi(argv[2]) : 32;
  // Update cost over 10M distinct hashes, every register busy.
  std::vector<uint64_t> hashes(10'000'000);
  for (size_t i = 0; i < hashes.size(); ++i) hashes[i] = hash::of_u64(i);
  bench<ExaLogLog>("ExaLogLog p=13", 13, hashes, n, seeds);
  bench<HyperLogLog>("HLL p=14", 14, hashes, n, seeds);
  bench<HyperLogLog>("HLL p=16", 16, hashes, n, seeds);
  return 0;
}
