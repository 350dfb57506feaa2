// Kernel throughput on one in-memory float64 or int64 column (no Python): ns per value for the
// full column profile. Build: g++ -O3 -std=c++20 -Icpp/include bench/cpp/bench_kernel.cpp
// build/cpp/libtruthound_core.a. Usage: bench_kernel [f|i|s] [rows] [distinct] (distinct values of
// the integer and string columns: 1,000 and 100,000 by default; floats are normal, all distinct).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "truthound/profile/partial.hpp"

namespace {
void no_release_schema(ArrowSchema* s) { s->release = nullptr; }
void no_release_array(ArrowArray* a) { a->release = nullptr; }
}  // namespace

int main(int argc, char** argv) {
  char kind = argc > 1 ? argv[1][0] : 'f';
  int64_t n = argc > 2 ? std::atoll(argv[2]) : 10'000'000;
  const uint64_t distinct = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : (kind == 'i' ? 1000 : 100000);
  std::mt19937_64 rng(1);
  std::vector<double> doubles;
  std::vector<int64_t> ints;
  std::vector<int32_t> offsets{0};
  std::string chars;
  const void* buffers[3] = {nullptr, nullptr, nullptr};
  const char* format = "g";
  if (kind == 'f') {
    std::normal_distribution<double> normal(100, 15);
    for (int64_t i = 0; i < n; ++i) doubles.push_back(normal(rng));
    buffers[1] = doubles.data();
  } else if (kind == 'i') {
    format = "l";
    for (int64_t i = 0; i < n; ++i) ints.push_back(static_cast<int64_t>(rng() % distinct));
    buffers[1] = ints.data();
  } else {
    format = "u";
    for (int64_t i = 0; i < n; ++i) {
      chars += "user" + std::to_string(rng() % distinct) + "@example.com";
      offsets.push_back(static_cast<int32_t>(chars.size()));
    }
    buffers[1] = offsets.data();
    buffers[2] = chars.data();
  }
  ArrowSchema column_schema = {format, "x", nullptr, 2, 0, nullptr, nullptr, no_release_schema, nullptr};
  ArrowSchema* children[] = {&column_schema};
  ArrowSchema schema = {"+s", "", nullptr, 0, 1, children, nullptr, no_release_schema, nullptr};
  ArrowArray column = {n, 0, 0, kind == 's' ? 3 : 2, 0, buffers, nullptr, nullptr, no_release_array, nullptr};
  ArrowArray* array_children[] = {&column};
  const void* struct_buffers[] = {nullptr};
  ArrowArray batch = {n, 0, 0, 1, 1, struct_buffers, array_children, nullptr, no_release_array, nullptr};

  auto start = std::chrono::steady_clock::now();
  truthound::Partial p({}, 0, false);
  p.begin(schema, {});
  p.update(schema, batch);
  std::string bytes = p.serialize();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%c: %.2f ns/value, partial %zu bytes\n", kind, seconds * 1e9 / static_cast<double>(n), bytes.size());
}
