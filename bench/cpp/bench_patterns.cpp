// Cost of PatternStats::update per string value, against the per-value work a string column does
// anyway (XXH64 of the bytes and a UTF-8 character count), on 10M-row columns.
//
//   g++ -std=c++20 -O3 -Icpp/include bench/cpp/bench_patterns.cpp cpp/src/stats/patterns.cpp
//       -o /tmp/bench_patterns && /tmp/bench_patterns [rows] [repeats]
//
// Columns are laid out as Arrow strings (one byte buffer, offsets). Each timing is the best of
// several interleaved runs, in thread CPU time, since the machine may be shared.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <time.h>

#include "truthound/bytes.hpp"
#include "truthound/hash.hpp"
#include "truthound/stats/patterns.hpp"

using namespace truthound;

namespace {

struct Column {
  std::string name;
  std::string data;
  std::vector<uint32_t> offsets{0};
  size_t size() const { return offsets.size() - 1; }
  std::string_view at(size_t i) const {
    return std::string_view(data).substr(offsets[i], offsets[i + 1] - offsets[i]);
  }
  void push(std::string_view v) {
    data.append(v);
    offsets.push_back(static_cast<uint32_t>(data.size()));
  }
};

const char* const WORDS[] = {"lorem", "ipsum", "dolor", "sit", "amet", "consectetur",
                             "adipiscing", "elit", "sed", "do", "eiusmod", "tempor",
                             "incididunt", "ut", "labore", "et", "dolore", "magna"};

std::string email(std::mt19937_64& rng, uint64_t i) {
  return std::string(WORDS[rng() % 18]) + "." + std::to_string(i) + "@" + WORDS[rng() % 18] +
         ".example.com";
}
std::string uuid(std::mt19937_64& rng) {
  char buf[40];
  const uint64_t a = rng(), b = rng();
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-4%03llx-%04llx-%012llx",
                static_cast<unsigned long long>(a >> 32),
                static_cast<unsigned long long>((a >> 16) & 0xffff),
                static_cast<unsigned long long>(a & 0xfff),
                static_cast<unsigned long long>(b >> 48),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}
std::string text(std::mt19937_64& rng) {
  std::string s;
  const int words = 2 + static_cast<int>(rng() % 8);
  for (int w = 0; w < words; ++w) {
    if (w) s += ' ';
    s += WORDS[rng() % 18];
  }
  s += ' ';
  s += std::to_string(rng() % 100000);
  return s;
}

Column make(const std::string& name, size_t rows, uint64_t seed,
            const std::function<std::string(std::mt19937_64&, uint64_t)>& gen) {
  Column c;
  c.name = name;
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i < rows; ++i) c.push(gen(rng, i));
  return c;
}

// Code points: bytes that are not UTF-8 continuation bytes.
inline uint64_t chars(std::string_view v) {
  uint64_t n = 0;
  for (char c : v) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// CPU time of this thread: time spent descheduled on a shared machine does not count.
double thread_ns() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

// Runs the timed functions in turn, `repeats` rounds, and keeps each one's best ns per value:
// interleaving keeps a load spike on a shared machine from favouring one of them.
std::vector<double> best_ns_per_value(size_t rows, int repeats,
                                      const std::vector<std::function<void()>>& runs) {
  std::vector<double> best(runs.size(), 1e300);
  for (int r = 0; r < repeats; ++r) {
    for (size_t i = 0; i < runs.size(); ++i) {
      const double t0 = thread_ns();
      runs[i]();
      best[i] = std::min(best[i], (thread_ns() - t0) / static_cast<double>(rows));
    }
  }
  return best;
}

volatile uint64_t sink;

void bench(const Column& col, int repeats) {
  const size_t n = col.size();
  std::vector<uint64_t> hashes(n);
  for (size_t i = 0; i < n; ++i) hashes[i] = hash::of_bytes(col.at(i));

  PatternStats last;
  const std::vector<double> ns = best_ns_per_value(n, repeats, {
      [&] {  // the column's own per-value work: hash and character count
        uint64_t acc = 0;
        for (size_t i = 0; i < n; ++i) {
          const std::string_view v = col.at(i);
          acc += hash::of_bytes(v) ^ chars(v);
        }
        sink = acc;
      },
      [&] {  // the same plus PatternStats::update
        PatternStats st;
        uint64_t acc = 0;
        for (size_t i = 0; i < n; ++i) {
          const std::string_view v = col.at(i);
          const uint64_t h = hash::of_bytes(v);
          acc += h ^ chars(v);
          st.update(h, v);
        }
        sink = acc;
        last = std::move(st);
      },
      [&] {  // update alone, hashes precomputed (the caller's hash is shared with other stats)
        PatternStats st;
        for (size_t i = 0; i < n; ++i) st.update(hashes[i], col.at(i));
        sink = st.total();
      },
  });
  const double base = ns[0], with = ns[1], alone = ns[2];

  // 64 partials merged, then finalized; and the size of one partial.
  std::vector<PatternStats> parts(64);
  for (size_t i = 0; i < n; ++i) parts[i * 64 / n].update(hashes[i], col.at(i));
  const auto m0 = std::chrono::steady_clock::now();
  PatternStats merged;
  for (const PatternStats& p : parts) merged.merge(p);
  const auto m1 = std::chrono::steady_clock::now();
  const std::vector<PatternResult> results = merged.finalize();
  const auto m2 = std::chrono::steady_clock::now();
  ByteWriter out;
  merged.serialize(out);
  const std::string bytes = out.take();
  ByteWriter again;
  last.serialize(again);

  std::printf("%-34s %9.2f %9.2f %9.2f %8.0f%%  %7zu B  %6.2f ms  %6.2f ms %s\n", col.name.c_str(),
              base, with, alone, 100.0 * base / with, bytes.size(),
              std::chrono::duration<double, std::milli>(m1 - m0).count(),
              std::chrono::duration<double, std::milli>(m2 - m1).count(),
              again.buffer() == bytes ? "" : "(merge != single pass!)");
  for (const PatternResult& r : results)
    std::printf("%34s %s %.4f%s (se %.4f)\n", "", r.pattern.c_str(), r.match_ratio,
                r.exact ? " exact" : "", r.standard_error);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t rows = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10'000'000;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
  std::printf("%zu rows per column, best of %d runs; ns per value\n", rows, repeats);
  std::printf("%-34s %9s %9s %9s %9s  %9s  %9s  %9s\n", "column", "baseline", "+patterns",
              "update", "through", "partial", "merge 64", "finalize");

  std::vector<Column> columns;
  columns.push_back(make("mixed: email/uuid/text (distinct)", rows, 1, [](auto& rng, uint64_t i) {
    switch (i % 3) {
      case 0: return email(rng, i);
      case 1: return uuid(rng);
      default: return text(rng);
    }
  }));
  columns.push_back(make("emails (distinct)", rows, 2, [](auto& rng, uint64_t i) { return email(rng, i); }));
  columns.push_back(make("integers and decimals", rows, 3, [](auto& rng, uint64_t) {
    return rng() % 2 ? std::to_string(rng() % 1'000'000) : std::to_string(rng() % 10'000) + "." + std::to_string(rng() % 100);
  }));
  columns.push_back(make("iso datetimes", rows, 4, [](auto& rng, uint64_t) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "2024-%02d-%02dT%02d:%02d:%02d", static_cast<int>(1 + rng() % 12),
                  static_cast<int>(1 + rng() % 28), static_cast<int>(rng() % 24),
                  static_cast<int>(rng() % 60), static_cast<int>(rng() % 60));
    return std::string(buf);
  }));
  columns.push_back(make("low cardinality (200 values)", rows, 5, [](auto& rng, uint64_t) {
    return std::string("category_") + std::to_string(rng() % 200);
  }));
  for (const Column& c : columns) bench(c, repeats);
}
