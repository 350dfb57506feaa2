// libFuzzer target: arbitrary bytes into the sketch readers that the partial codec calls. The
// first byte picks the sketch (0: ExaLogLog, 1: KLL); the rest is its serialized form. Every
// input must either be rejected with a truthound::Error or give a sketch whose bytes are stable
// from the first re-serialization on, whose queries are sane, and that merges with itself.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "truthound/bytes.hpp"
#include "truthound/error.hpp"
#include "truthound/stats/exaloglog.hpp"
#include "truthound/stats/kll.hpp"

namespace {

template <typename Sketch>
std::string bytes_of(const Sketch& s) {
  truthound::ByteWriter out;
  s.serialize(out);
  return out.take();
}

template <typename Sketch>
Sketch read(std::string_view bytes) {
  truthound::ByteReader in(bytes, "fuzz");
  Sketch s = Sketch::deserialize(in);
  in.expect_end();
  return s;
}

void check_exaloglog(std::string_view bytes) {
  const auto s = read<truthound::ExaLogLog>(bytes);
  const std::string once = bytes_of(s);
  // The reader accepts non-minimal varints (as everywhere in the codec), so the input need not
  // come back byte for byte; the state must.
  if (!(read<truthound::ExaLogLog>(once) == s) ||
      bytes_of(read<truthound::ExaLogLog>(once)) != once)
    std::abort();
  const double estimate = s.estimate();
  if (!(estimate >= 0 && estimate <= 18446744073709551616.0)) std::abort();
  truthound::ExaLogLog twice = s;
  twice.merge(s);
  if (bytes_of(twice) != once) std::abort();  // merge is idempotent
}

void check_kll(std::string_view bytes) {
  const auto s = read<truthound::KllSketch>(bytes);
  const std::string once = bytes_of(s);
  if (bytes_of(read<truthound::KllSketch>(once)) != once) std::abort();
  const double median = s.quantile(0.5);
  if (!s.is_empty() && !(median >= s.min_item() && median <= s.max_item())) std::abort();
  if (!s.is_empty() && s.min_item() < s.max_item() && std::isfinite(s.min_item()) &&
      std::isfinite(s.max_item()))
    s.histogram(s.min_item(), s.max_item(), 7);
  truthound::KllSketch twice = s;
  twice.merge(s);
  if (twice.n() != 2 * s.n()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    if (data[0] % 2 == 0) {
      check_exaloglog(bytes);
    } else {
      check_kll(bytes);
    }
  } catch (const truthound::Error&) {
  }
  return 0;
}
