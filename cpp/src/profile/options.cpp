#include "truthound/profile/options.hpp"

#include <string>

#include "truthound/error.hpp"

namespace truthound {
namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw InvalidInput("invalid profile option: " + message);
}

}  // namespace

void ProfileOptions::validate() const {
  require(kll_k >= 8, "kll_k " + std::to_string(kll_k) + ", expected 8..65535");
  require(distinct_exact_limit >= 1 && distinct_exact_limit <= 50'000'000,
          "distinct_exact_limit " + std::to_string(distinct_exact_limit) + ", expected 1..50000000");
  require(hll_precision >= 4 && hll_precision <= 18,
          "hll_precision " + std::to_string(hll_precision) + ", expected 4..18");
  require(ell_precision >= 4 && ell_precision <= 16,
          "ell_precision " + std::to_string(ell_precision) + ", expected 4..16");
  require(frequent_exact_capacity >= 1 && frequent_exact_capacity <= 10'000'000,
          "frequent_exact_capacity " + std::to_string(frequent_exact_capacity) + ", expected 1..10000000");
  require(frequent_sketch_capacity >= 8 && frequent_sketch_capacity <= 1'000'000,
          "frequent_sketch_capacity " + std::to_string(frequent_sketch_capacity) + ", expected 8..1000000");
  require(row_exact_limit <= 100'000'000,
          "row_exact_limit " + std::to_string(row_exact_limit) + ", expected 0..100000000");
  require(pattern_sample_size == 0 || (pattern_sample_size >= 16 && pattern_sample_size <= 65'536),
          "pattern_sample_size " + std::to_string(pattern_sample_size) + ", expected 0 (off) or 16..65536");
}

void ProfileOptions::serialize(ByteWriter& out, uint16_t version) const {
  out.put_u64(seed);
  out.put_u16(kll_k);
  out.put_u32(distinct_exact_limit);
  out.put_u8(version == 1 ? hll_precision : ell_precision);
  out.put_u32(frequent_exact_capacity);
  out.put_u32(frequent_sketch_capacity);
  out.put_u32(row_exact_limit);
  out.put_u32(pattern_sample_size);
}

ProfileOptions ProfileOptions::deserialize(ByteReader& in, uint16_t version) {
  ProfileOptions o;
  o.seed = in.get_u64("seed");
  o.kll_k = in.get_u16("kll_k");
  o.distinct_exact_limit = in.get_u32("distinct_exact_limit");
  if (version == 1)
    o.hll_precision = in.get_u8("hll_precision");
  else
    o.ell_precision = in.get_u8("ell_precision");
  o.frequent_exact_capacity = in.get_u32("frequent_exact_capacity");
  o.frequent_sketch_capacity = in.get_u32("frequent_sketch_capacity");
  o.row_exact_limit = in.get_u32("row_exact_limit");
  o.pattern_sample_size = in.get_u32("pattern_sample_size");
  try {
    o.validate();
  } catch (const InvalidInput& e) {
    in.fail(e.what());
  }
  return o;
}

}  // namespace truthound
