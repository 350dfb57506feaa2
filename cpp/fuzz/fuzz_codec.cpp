// libFuzzer target: arbitrary bytes into the partial-profile reader. Every input must either be
// rejected with a truthound::Error or round-trip to identical bytes and finalize cleanly.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "truthound/profile/finalize.hpp"
#include "truthound/profile/partial.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    truthound::Partial p = truthound::Partial::deserialize(bytes);
    std::string again = p.serialize();
    if (truthound::Partial::deserialize(again).serialize() != again) std::abort();
    truthound::finalize(p, {});
    truthound::Partial twice = p;
    twice.merge(p);
  } catch (const truthound::Error&) {
  }
  return 0;
}
