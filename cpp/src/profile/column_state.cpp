#include "truthound/profile/column_state.hpp"

#include <utility>

#include "truthound/hash.hpp"

namespace truthound {
namespace {

enum Part : uint16_t {
  DISTINCT = 1 << 0,
  FREQUENT = 1 << 1,
  QUANTILES = 1 << 2,
  INT_RANGE = 1 << 3,
  FLOAT_RANGE = 1 << 4,
  BYTES_RANGE = 1 << 5,
  LENGTHS = 1 << 6,
  MOMENTS = 1 << 7,
  INT_SUM = 1 << 8,
  PATTERNS = 1 << 9,
};

bool is_integer_kind(Kind k) { return k == Kind::Signed || k == Kind::Unsigned; }

// Integers of either signedness share every part, so Spark's int32 and pandas' uint8 views of
// one column can merge.
bool compatible(const ColumnType& a, const ColumnType& b) {
  if (is_integer_kind(a.kind) && is_integer_kind(b.kind)) return true;
  if (a.kind != b.kind) return false;
  if (a.kind == Kind::Decimal) return a.scale == b.scale;
  if (a.is_temporal()) return a.unit == b.unit && a.timezone == b.timezone;
  return true;
}

void put_type(ByteWriter& out, const ColumnType& t) {
  out.put_u8(static_cast<uint8_t>(t.kind));
  out.put_u8(static_cast<uint8_t>(t.unit));
  out.put_u32(static_cast<uint32_t>(t.precision));
  out.put_u32(static_cast<uint32_t>(t.scale));
  out.put_bytes(t.timezone);
  out.put_bytes(t.name);
}

ColumnType get_type(ByteReader& in) {
  ColumnType t;
  uint8_t kind = in.get_u8("column kind");
  if (kind > static_cast<uint8_t>(Kind::Nested)) in.fail("column kind " + std::to_string(kind) + ", at most 12");
  t.kind = static_cast<Kind>(kind);
  uint8_t unit = in.get_u8("time unit");
  if (unit > static_cast<uint8_t>(TimeUnit::Day)) in.fail("time unit " + std::to_string(unit) + ", at most 5");
  t.unit = static_cast<TimeUnit>(unit);
  t.precision = static_cast<int32_t>(in.get_u32("decimal precision"));
  t.scale = static_cast<int32_t>(in.get_u32("decimal scale"));
  if (t.kind == Kind::Decimal && (t.precision < 1 || t.precision > 38 || t.scale < -100 || t.scale > 100))
    in.fail("decimal precision/scale out of range");
  t.timezone = std::string(in.get_bytes("timezone"));
  t.name = std::string(in.get_bytes("physical type"));
  return t;
}

template <typename T>
void merge_part(std::optional<T>& mine, const std::optional<T>& theirs) {
  if (mine && theirs) mine->merge(*theirs);
}

// Which accumulators a column of this type carries.
uint16_t parts_for(const ColumnType& type, bool patterns) {
  Kind k = type.kind;
  if (k == Kind::Null || k == Kind::Nested) return 0;
  uint16_t parts = DISTINCT | FREQUENT;
  if (type.is_ordered_number()) parts |= QUANTILES;
  if (is_integer_kind(k) || k == Kind::Decimal || type.is_temporal()) parts |= INT_RANGE;
  if (k == Kind::Float) parts |= FLOAT_RANGE;
  if (type.is_numeric()) parts |= MOMENTS;
  if (is_integer_kind(k)) parts |= INT_SUM;
  if (type.is_text()) parts |= BYTES_RANGE | LENGTHS;
  if (k == Kind::String && patterns) parts |= PATTERNS;
  return parts;
}

}  // namespace

ColumnState::ColumnState(std::string name, uint32_t ordinal, ColumnType type, const ProfileOptions& options,
                         uint64_t sketch_seed)
    : name_(std::move(name)), ordinal_(ordinal), type_(std::move(type)) {
  create_parts(options, sketch_seed);
}

void ColumnState::create_parts(const ProfileOptions& options, uint64_t sketch_seed) {
  uint16_t parts = parts_for(type_, options.pattern_sample_size > 0);
  if (parts & DISTINCT) distinct_.emplace(options.distinct_exact_limit, options.hll_precision);
  if (parts & FREQUENT) frequent_.emplace(options.frequent_exact_capacity, options.frequent_sketch_capacity);
  if (parts & QUANTILES) quantiles_.emplace(options.kll_k, sketch_seed);
  if (parts & INT_RANGE) int_range_.emplace();
  if (parts & FLOAT_RANGE) float_range_.emplace();
  if (parts & BYTES_RANGE) bytes_range_.emplace();
  if (parts & LENGTHS) lengths_.emplace();
  if (parts & MOMENTS) moments_.emplace();
  if (parts & INT_SUM) int_sum_ = 0;
  if (parts & PATTERNS) patterns_.emplace(options.pattern_sample_size);
}

void ColumnState::add_absent_rows(uint64_t rows) {
  counts_.rows += rows;
  counts_.nulls += rows;
}

void ColumnState::merge(const ColumnState& other) {
  if (other.name_ != name_)
    throw InvalidInput("cannot merge column \"" + other.name_ + "\" into column \"" + name_ + "\"");
  // A column that held only nulls in one part takes the type the other part saw.
  if (type_.kind == Kind::Null && other.type_.kind != Kind::Null) {
    Counts counts = counts_;
    *this = other;
    counts_.merge(counts);
    return;
  }
  if (other.type_.kind == Kind::Null) {
    counts_.merge(other.counts_);
    return;
  }
  if (!compatible(type_, other.type_))
    throw InvalidInput("cannot merge column \"" + name_ + "\": type " + type_.name + " and type " +
                       other.type_.name + " differ");
  if (type_.kind == Kind::Unsigned && other.type_.kind == Kind::Signed) {
    type_.kind = Kind::Signed;
    type_.name = other.type_.name;
  }
  counts_.merge(other.counts_);
  merge_part(distinct_, other.distinct_);
  merge_part(frequent_, other.frequent_);
  merge_part(quantiles_, other.quantiles_);
  merge_part(int_range_, other.int_range_);
  merge_part(float_range_, other.float_range_);
  merge_part(bytes_range_, other.bytes_range_);
  merge_part(lengths_, other.lengths_);
  merge_part(moments_, other.moments_);
  // Real data cannot overflow 128 bits (2^64 values of at most 2^64 each); a sum that does comes
  // from a corrupt or forged partial, and wrapping it would be a silent wrong number.
  if (int_sum_ && other.int_sum_ && __builtin_add_overflow(*int_sum_, *other.int_sum_, &*int_sum_))
    throw InvalidInput("cannot merge column \"" + name_ +
                       "\": its integer sums overflow 128 bits, so a partial is corrupt");
  merge_part(patterns_, other.patterns_);
}

void ColumnState::serialize(ByteWriter& out) const {
  out.put_bytes(name_);
  out.put_varint(ordinal_);
  put_type(out, type_);
  counts_.serialize(out);
  out.put_u16(parts_for(type_, patterns_.has_value()));
  if (distinct_) distinct_->serialize(out);
  if (frequent_) frequent_->serialize(out);
  if (quantiles_) quantiles_->serialize(out);
  if (int_range_) int_range_->serialize(out);
  if (float_range_) float_range_->serialize(out);
  if (bytes_range_) bytes_range_->serialize(out);
  if (lengths_) lengths_->serialize(out);
  if (moments_) moments_->serialize(out);
  if (int_sum_) out.put_i128(*int_sum_);
  if (patterns_) patterns_->serialize(out);
}

ColumnState ColumnState::deserialize(ByteReader& in, const ProfileOptions& options) {
  ColumnState c;
  c.name_ = std::string(in.get_bytes("column name"));
  std::string context = in.context();
  in.set_context(context + ", column \"" + c.name_ + "\"");
  c.ordinal_ = static_cast<uint32_t>(in.get_count("column ordinal", UINT32_MAX));
  c.type_ = get_type(in);
  c.counts_ = Counts::deserialize(in);
  uint16_t parts = in.get_u16("column parts");
  // The parts present must be exactly those the kind implies: anything else is not our data.
  if (parts != parts_for(c.type_, options.pattern_sample_size > 0))
    in.fail("column parts " + std::to_string(parts) + " do not match kind " + kind_name(c.type_.kind));
  if (parts & DISTINCT) c.distinct_ = DistinctCounter::deserialize(in);
  if (parts & FREQUENT) c.frequent_ = FrequentItems::deserialize(in);
  if (parts & QUANTILES) c.quantiles_ = KllSketch::deserialize(in);
  if (parts & INT_RANGE) c.int_range_ = IntRange::deserialize(in);
  if (parts & FLOAT_RANGE) c.float_range_ = FloatRange::deserialize(in);
  if (parts & BYTES_RANGE) c.bytes_range_ = BytesRange::deserialize(in);
  if (parts & LENGTHS) c.lengths_ = Lengths::deserialize(in);
  if (parts & MOMENTS) c.moments_ = Moments::deserialize(in);
  if (parts & INT_SUM) c.int_sum_ = in.get_i128("integer sum");
  if (parts & PATTERNS) {
    c.patterns_ = PatternStats::deserialize(in);
    if (c.patterns_->sample_size() != options.pattern_sample_size) in.fail("pattern sample size differs from the options");
  }
  in.set_context(context);
  return c;
}

}  // namespace truthound
