// A deliberately broken fuzz target: a signed integer overflow on every non-empty input.
// scripts/test.sh runs it exactly as it runs the real targets and fails unless this run fails, so
// a fuzz run whose undefined-behaviour reports only print (and exit 0) cannot pass again.
#include <climits>
#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  volatile int big = INT_MAX;
  volatile int sum = big + static_cast<int>(data[0] % 2 + 1);  // always past INT_MAX
  (void)sum;
  return 0;
}
