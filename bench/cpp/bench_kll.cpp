// Timing of KllSketch updates, merges and queries (a standalone program, not a test).
//
//   g++ -std=c++20 -O3 -DNDEBUG -Icpp/include cpp/src/stats/kll.cpp bench/cpp/bench_kll.cpp
//       -o /tmp/bench_kll && /tmp/bench_kll [n] [k]
//
// Plain -O3 (baseline x86-64, SSE2), no -march: the numbers are those of a portable wheel. Without
// -DNDEBUG the debug-only NaN check adds a pass over every batch. Times are process CPU time, which
// other load on the machine disturbs less than wall time.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <vector>

#include "truthound/bytes.hpp"
#include "truthound/stats/kll.hpp"

namespace {

using truthound::ByteWriter;
using truthound::KllSketch;

constexpr size_t BATCH = 65536;  // values per update() call, like one Arrow record batch
constexpr int REPEATS = 5;       // best of

double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

double seconds_since(double start) { return cpu_seconds() - start; }

size_t serialized_size(const KllSketch& sketch) {
  ByteWriter out;
  sketch.serialize(out);
  return out.size();
}

uint16_t k_under_test = truthound::kll::DEFAULT_K;

void bench_batch(const char* name, const std::vector<double>& values) {
  double best = 1e30;
  KllSketch sketch(k_under_test);
  for (int r = 0; r < REPEATS; ++r) {
    KllSketch fresh(k_under_test);
    const double start = cpu_seconds();
    for (size_t i = 0; i < values.size(); i += BATCH)
      fresh.update(values.data() + i, std::min(BATCH, values.size() - i));
    best = std::min(best, seconds_since(start));
    sketch = std::move(fresh);
  }
  std::printf("%-22s %6.2f ns/value  retained %5zu  serialized %6zu bytes  median %.6g\n", name,
              best * 1e9 / static_cast<double>(values.size()), sketch.retained(), serialized_size(sketch),
              sketch.quantile(0.5));
}

// The profiler updates every accumulator from one record batch while it is in cache: the same
// BATCH values, again and again, separate the sketch's own cost from reading memory.
void bench_cached_batch(const char* name, const std::vector<double>& values) {
  double best = 1e30;
  const size_t rounds = values.size() / BATCH;
  for (int r = 0; r < REPEATS; ++r) {
    KllSketch sketch(k_under_test);
    const double start = cpu_seconds();
    for (size_t i = 0; i < rounds; ++i) sketch.update(values.data(), BATCH);
    best = std::min(best, seconds_since(start));
  }
  std::printf("%-22s %6.2f ns/value\n", name, best * 1e9 / static_cast<double>(rounds * BATCH));
}

void bench_single(const char* name, const std::vector<double>& values) {
  double best = 1e30;
  for (int r = 0; r < REPEATS; ++r) {
    KllSketch sketch(k_under_test);
    const double start = cpu_seconds();
    for (double v : values) sketch.update(v);
    best = std::min(best, seconds_since(start));
    if (sketch.n() != values.size()) std::abort();
  }
  std::printf("%-22s %6.2f ns/value\n", name, best * 1e9 / static_cast<double>(values.size()));
}

void bench_merge_and_query(const std::vector<double>& values) {
  const size_t parts = 64;
  const size_t per_part = values.size() / parts;
  std::vector<KllSketch> sketches;
  for (size_t p = 0; p < parts; ++p) {
    sketches.emplace_back(k_under_test, p);
    sketches.back().update(values.data() + p * per_part, per_part);
  }
  double start = cpu_seconds();
  KllSketch merged(k_under_test);
  for (const KllSketch& s : sketches) merged.merge(s);
  const double merge_seconds = seconds_since(start);

  start = cpu_seconds();
  std::vector<double> qs;
  for (int i = 0; i <= 100; ++i) qs.push_back(i / 100.0);
  const std::vector<double> result = merged.quantiles(qs);
  const double query_seconds = seconds_since(start);

  start = cpu_seconds();
  const std::vector<double> hist = merged.histogram(0, 1, 100);
  const double hist_seconds = seconds_since(start);

  std::printf("merge of %zu sketches  %8.1f us total (%.1f us each)\n", parts, merge_seconds * 1e6,
              merge_seconds * 1e6 / parts);
  std::printf("101 quantiles          %8.1f us  (p50 %.4f)\n", query_seconds * 1e6, result[50]);
  std::printf("100-bin histogram      %8.1f us  (bin 0 %.0f)\n", hist_seconds * 1e6, hist[0]);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10'000'000;
  if (argc > 2) k_under_test = static_cast<uint16_t>(std::strtoul(argv[2], nullptr, 10));
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double> normal;
  std::vector<double> values(n);

  std::printf("n = %zu, k = %u, batches of %zu, best of %d\n", n, k_under_test, BATCH, REPEATS);
  for (double& v : values) v = unit(rng);
  bench_batch("uniform [0,1)", values);
  bench_cached_batch("uniform, cached batch", values);
  bench_single("uniform, one at a time", values);
  bench_merge_and_query(values);
  for (double& v : values) v = normal(rng);
  bench_batch("normal", values);
  for (double& v : values) v = std::floor(unit(rng) * 1e6);
  bench_batch("integers 0..1e6", values);
  for (double& v : values) v = std::floor(unit(rng) * 100);
  bench_batch("integers 0..99", values);
  for (double& v : values) v = std::exp(normal(rng) * 2.5);
  bench_batch("lognormal(0, 2.5)", values);
  for (size_t i = 0; i < n; ++i) values[i] = static_cast<double>(i);
  bench_batch("sorted", values);
  return 0;
}
