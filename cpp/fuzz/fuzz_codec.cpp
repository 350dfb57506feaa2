// libFuzzer target: arbitrary bytes into the partial-profile reader. Every input must either be
// rejected with a truthound::Error or round-trip to identical bytes and finalize cleanly.
// Inputs that do not start with the magic number are wrapped in a valid header (with their
// checksum), so the fuzzer reaches the payload parser instead of stopping at the checksum.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "truthound/bytes.hpp"
#include "truthound/hash.hpp"
#include "truthound/profile/finalize.hpp"
#include "truthound/profile/partial.hpp"

namespace {

std::string with_header(std::string_view payload) {
  truthound::ByteWriter out;
  out.put_u32(truthound::partial::MAGIC);
  out.put_u16(truthound::partial::FORMAT_VERSION);
  out.put_u16(truthound::partial::KIND_TABLE);
  out.put_u64(payload.size());
  out.put_u64(truthound::hash::xxh64(payload.data(), payload.size(), 0));
  out.put_raw(payload.data(), payload.size());
  return out.take();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  std::string wrapped;
  if (!raw.starts_with("TRPF")) wrapped = with_header(raw);
  std::string_view bytes = wrapped.empty() ? raw : std::string_view(wrapped);
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
