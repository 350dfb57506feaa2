#include "truthound/profile/column_state.hpp"

#include <bit>
#include <cmath>
#include <cstring>
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
  // Format 2: not a part but the flag of a spilled frequency table.
  SPILLED = 1 << 15,
};

constexpr uint8_t QUANTILES_RETAINED = 0;
constexpr uint8_t QUANTILES_SKETCH = 1;
constexpr uint64_t CANONICAL_NAN_BITS = 0x7ff8000000000000ULL;

bool is_integer_kind(Kind k) { return k == Kind::Signed || k == Kind::Unsigned; }

// Kinds whose canonical value is 8 bytes hashed with hash::of_u64 (column_update.cpp): their
// frequency table keeps only the hashes (frequent.hpp).
bool fixed_width_kind(Kind k) {
  switch (k) {
    case Kind::Boolean:
    case Kind::Signed:
    case Kind::Unsigned:
    case Kind::Float:
    case Kind::Date:
    case Kind::Timestamp:
    case Kind::Time:
    case Kind::Duration: return true;
    default: return false;
  }
}

frequent::Layout layout_of(uint16_t format) {
  return format >= 3 ? frequent::Layout::Compact : frequent::Layout::Hashed;
}

// Doubles as unsigned integers in the same order (negative numbers bit-flipped, others with the
// sign bit set): ascending retained values become small non-negative deltas.
uint64_t order_bits(double v) {
  const uint64_t b = std::bit_cast<uint64_t>(v);
  return (b >> 63) ? ~b : b | (uint64_t{1} << 63);
}
double from_order_bits(uint64_t u) {
  return std::bit_cast<double>((u >> 63) ? u & ~(uint64_t{1} << 63) : ~u);
}

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

template <typename Part>
void merge_part(Part& mine, const Part& theirs) {
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

void ColumnState::take_settings(const ProfileOptions& options) {
  distinct_limit_ = options.distinct_exact_limit;
  ell_precision_ = options.ell_precision;
  kll_k_ = options.kll_k;
}

// New states are always format 2: the distinct counter and the quantile state appear at the spill.
void ColumnState::create_parts(const ProfileOptions& options, uint64_t sketch_seed) {
  take_settings(options);
  sketch_seed_ = sketch_seed;
  uint16_t parts = parts_for(type_, options.pattern_sample_size > 0);
  if (parts & FREQUENT)
    frequent_.emplace(options.frequent_exact_capacity, options.frequent_sketch_capacity, fixed_width_kind(type_.kind));
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
  if (format_ != other.format_)
    throw InvalidInput("cannot merge column \"" + name_ + "\" of partial format " + std::to_string(format_) +
                       " with one of format " + std::to_string(other.format_));
  counts_.merge(other.counts_);
  if (format_ == 1) {
    merge_part(distinct_, other.distinct_);
    merge_part(frequent_, other.frequent_);
    merge_part(quantiles_, other.quantiles_);
  } else {
    merge_frequency_first(other);
  }
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

void ColumnState::serialize(ByteWriter& out, uint16_t format) const {
  const frequent::Layout layout = layout_of(format);
  out.put_bytes(name_);
  out.put_varint(ordinal_);
  put_type(out, type_);
  counts_.serialize(out);
  if (format_ == 1) {
    out.put_u16(parts_for(type_, patterns_.has_value()));
    if (distinct_) distinct_->serialize(out);
    if (frequent_) frequent_->serialize(out, layout);
    if (quantiles_) quantiles_->serialize(out);
  } else {
    const uint16_t parts = parts_for(type_, patterns_.has_value());
    out.put_u16(static_cast<uint16_t>(parts | (spilled_ ? SPILLED : 0)));
    if (parts & QUANTILES) out.put_u64(sketch_seed_);
    if (spilled_ && (parts & DISTINCT)) distinct_->serialize(out);
    if (frequent_) frequent_->serialize(out, layout);
    if (spilled_ && (parts & QUANTILES)) {
      if (quantiles_) {
        out.put_u8(QUANTILES_SKETCH);
        quantiles_->serialize(out);
      } else {
        // Ascending, so the bytes do not depend on arrival order.
        std::vector<double> sorted = raw_;
        std::sort(sorted.begin(), sorted.end());
        out.put_u8(QUANTILES_RETAINED);
        out.put_varint(sorted.size());
        if (layout == frequent::Layout::Compact) {
          // Format 3: deltas of the order-preserving bits (repeats and close values take a byte).
          uint64_t previous = 0;
          for (double v : sorted) {
            out.put_varint(order_bits(v) - previous);
            previous = order_bits(v);
          }
        } else {
          for (double v : sorted) out.put_f64(v);
        }
      }
    }
  }
  if (int_range_) int_range_->serialize(out);
  if (float_range_) float_range_->serialize(out);
  if (bytes_range_) bytes_range_->serialize(out);
  if (lengths_) lengths_->serialize(out);
  if (moments_) moments_->serialize(out);
  if (int_sum_) out.put_i128(*int_sum_);
  if (patterns_) patterns_->serialize(out);
}

ColumnState ColumnState::deserialize(ByteReader& in, const ProfileOptions& options, uint16_t format) {
  ColumnState c;
  c.format_ = format == 1 ? 1 : 2;  // the layout: formats 2 and 3 hold the same states
  c.name_ = std::string(in.get_bytes("column name"));
  std::string context = in.context();
  in.set_context(context + ", column \"" + c.name_ + "\"");
  c.ordinal_ = static_cast<uint32_t>(in.get_count("column ordinal", UINT32_MAX));
  c.type_ = get_type(in);
  c.counts_ = Counts::deserialize(in);
  c.take_settings(options);
  uint16_t parts = in.get_u16("column parts");
  if (format != 1) {
    c.spilled_ = (parts & SPILLED) != 0;
    parts = static_cast<uint16_t>(parts & ~SPILLED);
  }
  // The parts present must be exactly those the kind implies: anything else is not our data.
  if (parts != parts_for(c.type_, options.pattern_sample_size > 0))
    in.fail("column parts " + std::to_string(parts) + " do not match kind " + kind_name(c.type_.kind));
  if (format == 1) {
    if (parts & DISTINCT) c.distinct_ = DistinctCounter::deserialize(in, DistinctSketch::HyperLogLog);
    if (parts & FREQUENT) c.frequent_ = FrequentItems::deserialize(in, fixed_width_kind(c.type_.kind), layout_of(format));
    if (parts & QUANTILES) c.quantiles_ = KllSketch::deserialize(in);
  } else {
    if (c.spilled_ && !(parts & FREQUENT)) in.fail("spilled flag on a column without a frequency table");
    if (parts & QUANTILES) c.sketch_seed_ = in.get_u64("sketch seed");
    if (c.spilled_ && (parts & DISTINCT)) {
      c.distinct_ = DistinctCounter::deserialize(in, DistinctSketch::ExaLogLog);
      if (c.distinct_->exact_limit() != options.distinct_exact_limit || c.distinct_->precision() != options.ell_precision)
        in.fail("distinct counter settings differ from the options");
    }
    if (parts & FREQUENT) {
      c.frequent_ = FrequentItems::deserialize(in, fixed_width_kind(c.type_.kind), layout_of(format));
      if (c.frequent_->is_exact() == c.spilled_)
        in.fail(c.spilled_ ? "spilled column with an exact frequency table"
                           : "frequency table not exact on a column that did not spill");
      if (c.frequent_->exact_capacity() != options.frequent_exact_capacity ||
          c.frequent_->sketch_capacity() != options.frequent_sketch_capacity)
        in.fail("frequency table settings differ from the options");
    }
    if (c.spilled_ && (parts & QUANTILES)) {
      const uint8_t mode = in.get_u8("quantile state mode");
      if (mode == QUANTILES_SKETCH) {
        c.quantiles_ = KllSketch::deserialize(in);
        if (c.quantiles_->k() != options.kll_k) in.fail("KLL k differs from the options");
      } else if (mode == QUANTILES_RETAINED) {
        const uint64_t n = in.get_count("retained value count", column::EXACT_QUANTILE_VALUES);
        const bool compact = layout_of(format) == frequent::Layout::Compact;
        if (n > in.remaining() / (compact ? 1 : 8)) in.fail("retained value count " + std::to_string(n) + " past the end");
        c.raw_.resize(n);
        uint64_t previous = 0;
        for (uint64_t i = 0; i < n; ++i) {
          double v;
          if (compact) {
            const uint64_t delta = in.get_varint("retained value delta");
            if (delta > UINT64_MAX - previous) in.fail("retained value delta past the largest value at " + std::to_string(i));
            previous += delta;
            v = from_order_bits(previous);
          } else {
            v = in.get_f64("retained value");
          }
          if (std::isnan(v) || (i > 0 && v < c.raw_[i - 1]) || (v == 0 && std::signbit(v)))
            in.fail("retained values not ascending non-NaN numbers at " + std::to_string(i));
          c.raw_[i] = v;
        }
      } else {
        in.fail("quantile state mode " + std::to_string(mode) + ", expected 0 or 1");
      }
    }
  }
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

bool ColumnState::operator==(const ColumnState& other) const {
  ByteWriter a, b;
  serialize(a, format_ == 1 ? 1 : partial::FORMAT_VERSION);
  other.serialize(b, other.format_ == 1 ? 1 : partial::FORMAT_VERSION);
  return a.take() == b.take();
}

WeightedValues ColumnState::table_values(const FrequentItems& table) const {
  std::vector<std::pair<double, uint64_t>> pairs;
  pairs.reserve(table.size());
  const Kind kind = type_.kind;
  const double scale = kind == Kind::Decimal ? std::pow(10.0, type_.scale) : 1.0;
  table.for_each([&](uint64_t, uint64_t count, std::string_view bytes, bool) {
    if (kind == Kind::Decimal) {
      int128 v = 0;
      std::memcpy(&v, bytes.data(), std::min<size_t>(16, bytes.size()));
      pairs.emplace_back(static_cast<double>(v) / scale, count);
      return;
    }
    uint64_t bits = 0;
    std::memcpy(&bits, bytes.data(), std::min<size_t>(8, bytes.size()));
    switch (kind) {
      case Kind::Float:
        if (bits == CANONICAL_NAN_BITS) return;  // NaN is counted apart, never a quantile item
        pairs.emplace_back(std::bit_cast<double>(bits), count);
        break;
      case Kind::Unsigned: pairs.emplace_back(static_cast<double>(bits), count); break;
      default: pairs.emplace_back(static_cast<double>(static_cast<int64_t>(bits)), count); break;
    }
  });
  return WeightedValues::from_pairs(std::move(pairs));
}

std::optional<WeightedValues> ColumnState::exact_values() const {
  if (!type_.is_ordered_number() || !frequent_) return std::nullopt;
  if (frequent_->is_exact()) return table_values(*frequent_);
  if (format_ != 1 && spilled_ && !quantiles_) return WeightedValues::from_values(raw_);
  return std::nullopt;
}

void ColumnState::retained_to_sketch() {
  quantiles_.emplace(kll_k_, sketch_seed_);
  std::sort(raw_.begin(), raw_.end());  // ascending: the sketch does not depend on arrival order
  quantiles_->update(raw_.data(), raw_.size());
  std::vector<double>().swap(raw_);
}

void ColumnState::add_numbers(const double* values, size_t n) {
  if (n == 0) return;
  if (!quantiles_ && raw_.size() + n > column::EXACT_QUANTILE_VALUES) retained_to_sketch();
  if (quantiles_)
    quantiles_->update(values, n);
  else
    raw_.insert(raw_.end(), values, values + n);
}

void ColumnState::spill() {
  spilled_ = true;
  const FrequentItems& table = *frequent_;
  distinct_.emplace(distinct_limit_, ell_precision_, DistinctSketch::ExaLogLog);
  feed_hashes(table);
  if (type_.is_ordered_number()) {
    const WeightedValues values = table_values(table);
    if (values.n() > column::EXACT_QUANTILE_VALUES) quantiles_.emplace(kll_k_, sketch_seed_);
    values.expand([&](const double* v, size_t n) { add_numbers(v, n); });
  }
}

void ColumnState::on_table_overflow(void* self) {
  auto* c = static_cast<ColumnState*>(self);
  // The values of this window so far are in the table; those after it go to the sketches.
  if (c->scratch_) {
    c->feed_numbers_from_ = c->scratch_->numbers.size();
    c->feed_hashes_from_ = c->scratch_->hashes.size();
  }
  c->spill();
}

// A table's hashes into the distinct counter, as one batch: its exact set (up to megabytes) is
// probed with prefetching.
void ColumnState::feed_hashes(const FrequentItems& table) {
  std::vector<uint64_t> hashes;
  hashes.reserve(table.size());
  table.for_each_hash([&](uint64_t hash, uint64_t) { hashes.push_back(hash); });
  distinct_->update(hashes.data(), hashes.size());
}

void ColumnState::feed_table(const FrequentItems& table) {
  feed_hashes(table);
  if (type_.is_ordered_number())
    table_values(table).expand([&](const double* v, size_t n) { add_numbers(v, n); });
}

void ColumnState::merge_frequency_first(const ColumnState& other) {
  if (!frequent_ || !other.frequent_) return;
  // The union is counted only when the sizes alone do not show that it fits.
  const size_t capacity = frequent_->exact_capacity();
  const bool fits = !spilled_ && !other.spilled_ &&
                    (frequent_->size() + other.frequent_->size() <= capacity ||
                     frequent_->union_size(*other.frequent_) <= capacity);
  if (!fits) {
    if (!spilled_) spill();
    if (!other.spilled_) {
      feed_table(*other.frequent_);
    } else {
      distinct_->merge(*other.distinct_);
      if (type_.is_ordered_number()) {
        if (other.quantiles_) {
          if (!quantiles_) retained_to_sketch();
          quantiles_->merge(*other.quantiles_);
        } else {
          std::vector<double> theirs = other.raw_;
          std::sort(theirs.begin(), theirs.end());
          add_numbers(theirs.data(), theirs.size());
        }
      }
    }
  }
  frequent_->merge(*other.frequent_);
}

size_t ColumnState::memory_bytes() const {
  size_t bytes = sizeof(*this) + name_.capacity() + raw_.capacity() * sizeof(double);
  // Boxed parts live wholly on the heap; frequent_ is inline.
  if (frequent_) bytes += frequent_->memory_bytes() - sizeof(FrequentItems);
  if (distinct_) bytes += distinct_->memory_bytes();
  if (quantiles_) bytes += quantiles_->memory_bytes();
  if (patterns_) bytes += patterns_->memory_bytes();
  if (bytes_range_) bytes += sizeof(BytesRange) + (bytes_range_->empty() ? 0 : bytes_range_->min().size() + bytes_range_->max().size());
  return bytes;
}

}  // namespace truthound
