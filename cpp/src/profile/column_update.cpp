// The per-value loops: canonicalise each value, count it, hash it, and hand numbers to the
// batch accumulators. One loop per kind, templated on the element reader so dictionary-encoded
// arrays resolve to their values without a second copy of each loop.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "truthound/hash.hpp"
#include "truthound/profile/column_state.hpp"

namespace truthound {
namespace {

// IEEE 754 binary16 to double.
double half_to_double(uint16_t h) {
  int exponent = (h >> 10) & 0x1f;
  int mantissa = h & 0x3ff;
  double sign = (h & 0x8000) ? -1.0 : 1.0;
  if (exponent == 0) return sign * std::ldexp(mantissa, -24);
  if (exponent == 31) return mantissa ? std::nan("") : sign * INFINITY;
  return sign * std::ldexp(mantissa + 1024, exponent - 25);
}

constexpr uint64_t CANONICAL_NAN_BITS = 0x7ff8000000000000ULL;

std::string_view key_bytes(const uint64_t& key) { return {reinterpret_cast<const char*>(&key), 8}; }

bool is_ascii_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// Code points of valid UTF-8, or -1 where the bytes are not UTF-8 (RFC 3629: no overlongs,
// no surrogates, nothing above U+10FFFF).
int64_t utf8_length(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  int64_t chars = 0;
  while (i < n) {
    // Eight ASCII bytes at a time: the common case.
    if (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, p + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        chars += 8;
        continue;
      }
    }
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
    } else if (c >= 0xC2 && c <= 0xDF) {
      if (i + 1 >= n || (p[i + 1] & 0xC0) != 0x80) return -1;
      i += 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      if (i + 2 >= n || (p[i + 1] & 0xC0) != 0x80 || (p[i + 2] & 0xC0) != 0x80) return -1;
      if (c == 0xE0 && p[i + 1] < 0xA0) return -1;
      if (c == 0xED && p[i + 1] > 0x9F) return -1;
      i += 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      if (i + 3 >= n || (p[i + 1] & 0xC0) != 0x80 || (p[i + 2] & 0xC0) != 0x80 || (p[i + 3] & 0xC0) != 0x80)
        return -1;
      if (c == 0xF0 && p[i + 1] < 0x90) return -1;
      if (c == 0xF4 && p[i + 1] > 0x8F) return -1;
      i += 4;
    } else {
      return -1;
    }
    ++chars;
  }
  return chars;
}

int64_t days_from_date64(int64_t ms) {
  int64_t days = ms / 86'400'000;
  if (ms % 86'400'000 < 0) --days;
  return days;
}

}  // namespace

template <bool HasValidity, typename Read, typename OnValue>
void ColumnState::for_each_value(const ArrayView& array, uint64_t* row_hashes, Read read, OnValue on_value) {
  const int64_t n = array.length();
  uint64_t nulls = 0;
  if (array.layout() == Layout::Dictionary) {
    const ArrayView& dictionary = array.dictionary();
    for (int64_t i = 0; i < n; ++i) {
      if (array.is_valid(i)) {
        int64_t k = array.dictionary_index(i);
        if (dictionary.is_valid(k)) {
          uint64_t h = on_value(read(dictionary, k));
          if (row_hashes) row_hashes[i] = hash::combine(row_hashes[i], h);
          continue;
        }
      }
      ++nulls;
      if (row_hashes) row_hashes[i] = hash::combine(row_hashes[i], NULL_VALUE_HASH);
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      if (HasValidity && !array.is_valid(i)) {
        ++nulls;
        if (row_hashes) row_hashes[i] = hash::combine(row_hashes[i], NULL_VALUE_HASH);
        continue;
      }
      uint64_t h = on_value(read(array, i));
      if (row_hashes) row_hashes[i] = hash::combine(row_hashes[i], h);
    }
  }
  counts_.nulls += nulls;
}

template <typename Read, typename OnValue>
void ColumnState::visit(const ArrayView& array, uint64_t* row_hashes, Read read, OnValue on_value) {
  if (array.has_validity() || array.layout() == Layout::Dictionary)
    for_each_value<true>(array, row_hashes, read, on_value);
  else
    for_each_value<false>(array, row_hashes, read, on_value);
}

void ColumnState::update(const ArrayView& array, uint64_t* row_hashes, BatchScratch& scratch) {
  counts_.rows += static_cast<uint64_t>(array.length());
  const ArrayView& values = array.layout() == Layout::Dictionary ? array.dictionary() : array;
  // A column typed null in one batch arrives as "n"; any typed batch of it is read normally.
  if (values.layout() == Layout::Null || values.layout() == Layout::Opaque || type_.kind == Kind::Null ||
      type_.kind == Kind::Nested) {
    update_opaque(array, row_hashes);
    return;
  }
  // Frequency first: the table tells us when it is about to overflow, so the spill happens while
  // it is still exact. The hook and the scratch pointer live for this call only.
  struct Hooked {
    ColumnState& c;
    ~Hooked() {
      if (c.frequent_) c.frequent_->set_overflow_hook(nullptr, nullptr);
      c.scratch_ = nullptr;
    }
  } hooked{*this};
  scratch_ = &scratch;
  if (format_ != 1 && frequent_ && !spilled_) frequent_->set_overflow_hook(&ColumnState::on_table_overflow, this);
  // Arrow batches can hold millions of rows; windows keep the scratch buffers in cache.
  for (int64_t start = 0; start < array.length(); start += WINDOW_ROWS) {
    int64_t length = std::min<int64_t>(WINDOW_ROWS, array.length() - start);
    update_window(array.window(start, length), row_hashes ? row_hashes + start : nullptr, scratch);
  }
}

void ColumnState::update_window(const ArrayView& array, uint64_t* row_hashes, BatchScratch& scratch) {
  scratch.numbers.clear();
  scratch.hashes.clear();
  feed_numbers_from_ = 0;
  feed_hashes_from_ = 0;
  switch (type_.kind) {
    case Kind::Boolean: update_booleans(array, row_hashes, scratch); break;
    case Kind::Signed:
    case Kind::Unsigned: update_integers(array, row_hashes, scratch); break;
    case Kind::Float: update_floats(array, row_hashes, scratch); break;
    case Kind::Decimal: update_decimals(array, row_hashes, scratch); break;
    case Kind::String:
    case Kind::Binary: update_strings(array, row_hashes, scratch); break;
    default: update_temporals(array, row_hashes, scratch); break;
  }
  flush_hashes(scratch);
}

// Before the spill (format 2) the table holds every value: nothing else is fed.
void ColumnState::flush_hashes(BatchScratch& scratch) {
  if (!distinct_ || !spilled()) return;
  const size_t from = format_ == 1 ? 0 : feed_hashes_from_;
  if (scratch.hashes.size() > from) distinct_->update(scratch.hashes.data() + from, scratch.hashes.size() - from);
}

void ColumnState::flush_numbers(BatchScratch& scratch, bool all_finite) {
  if (scratch.numbers.empty()) return;
  if (format_ == 1) {
    if (quantiles_) quantiles_->update(scratch.numbers.data(), scratch.numbers.size());
  } else if (spilled_ && scratch.numbers.size() > feed_numbers_from_) {
    add_numbers(scratch.numbers.data() + feed_numbers_from_, scratch.numbers.size() - feed_numbers_from_);
  }
  if (!moments_) return;
  if (all_finite) {
    moments_->update(scratch.numbers.data(), scratch.numbers.size());
    return;
  }
  size_t kept = 0;
  for (double v : scratch.numbers)
    if (std::isfinite(v)) scratch.numbers[kept++] = v;
  moments_->update(scratch.numbers.data(), kept);
}

void ColumnState::update_opaque(const ArrayView& array, uint64_t* row_hashes) {
  const int64_t n = array.length();
  for (int64_t i = 0; i < n; ++i) {
    bool valid = array.is_valid(i);
    counts_.nulls += valid ? 0 : 1;
    // Values of nested columns are not read, so rows differing only there hash alike; the
    // duplicate count says so through its note.
    if (row_hashes) row_hashes[i] = hash::combine(row_hashes[i], valid ? 1 : NULL_VALUE_HASH);
  }
}

void ColumnState::update_booleans(const ArrayView& array, uint64_t* row_hashes, BatchScratch& scratch) {
  visit(array, row_hashes, [](const ArrayView& a, int64_t i) { return a.bit_at(i); },
        [&](bool v) {
          uint64_t key = v ? 1 : 0;
          (v ? counts_.trues : counts_.falses)++;
          uint64_t h = hash::of_u64(key);
          frequent_->update(h, key_bytes(key));
          scratch.hashes.push_back(h);
          return h;
        });
}

void ColumnState::update_integers(const ArrayView& array, uint64_t* row_hashes, BatchScratch& scratch) {
  const ArrayView& values = array.layout() == Layout::Dictionary ? array.dictionary() : array;
  int128 sum = 0;
  auto on_value = [&](auto v) {
    int128 wide = static_cast<int128>(v);
    counts_.zeros += v == 0;
    if constexpr (std::is_signed_v<decltype(v)>) counts_.negatives += v < 0;
    int_range_->update(wide);
    sum += wide;
    uint64_t key = static_cast<uint64_t>(v);
    uint64_t h = hash::of_u64(key);
    // The table first: an overflow spills it before this value enters the scratch buffers.
    frequent_->update(h, key_bytes(key));
    scratch.numbers.push_back(static_cast<double>(v));
    scratch.hashes.push_back(h);
    return h;
  };
  auto run = [&](auto tag) {
    using T = decltype(tag);
    visit(array, row_hashes, [](const ArrayView& a, int64_t i) { return a.fixed_at<T>(i); }, on_value);
  };
  switch (values.format_char()) {
    case 'c': run(int8_t{}); break;
    case 'C': run(uint8_t{}); break;
    case 's': run(int16_t{}); break;
    case 'S': run(uint16_t{}); break;
    case 'i': run(int32_t{}); break;
    case 'I': run(uint32_t{}); break;
    case 'l': run(int64_t{}); break;
    case 'L': run(uint64_t{}); break;
    default: throw InvalidInput("column \"" + name_ + "\": integer column with a non-integer array");
  }
  if (__builtin_add_overflow(*int_sum_, sum, &*int_sum_))
    throw InvalidInput("column \"" + name_ + "\": its integer sum overflows 128 bits");
  flush_numbers(scratch, true);
}

void ColumnState::update_floats(const ArrayView& array, uint64_t* row_hashes, BatchScratch& scratch) {
  const ArrayView& values = array.layout() == Layout::Dictionary ? array.dictionary() : array;
  bool all_finite = true;
  auto on_value = [&](double v) {
    uint64_t key;
    if (std::isnan(v)) {
      ++counts_.nan;
      key = CANONICAL_NAN_BITS;
    } else {
      if (v == 0) {
        v = 0.0;  // -0.0 and +0.0 are one value
        ++counts_.zeros;
      } else if (v < 0) {
        ++counts_.negatives;
      }
      if (std::isinf(v)) {
        all_finite = false;
        (v > 0 ? counts_.pos_inf : counts_.neg_inf)++;
      }
      float_range_->update(v);
      key = std::bit_cast<uint64_t>(v);
    }
    uint64_t h = hash::of_u64(key);
    frequent_->update(h, key_bytes(key));
    if (key != CANONICAL_NAN_BITS) scratch.numbers.push_back(v);
    scratch.hashes.push_back(h);
    return h;
  };
  switch (values.format_char()) {
    case 'e':
      visit(array, row_hashes, [](const ArrayView& a, int64_t i) { return half_to_double(a.fixed_at<uint16_t>(i)); },
            on_value);
      break;
    case 'f':
      visit(array, row_hashes, [](const ArrayView& a, int64_t i) { return static_cast<double>(a.fixed_at<float>(i)); },
            on_value);
      break;
    case 'g':
      visit(array, row_hashes, [](const ArrayView& a, int64_t i) { return a.fixed_at<double>(i); }, on_value);
      break;
    default: throw InvalidInput("column \"" + name_ + "\": float column with a non-float array");
  }
  flush_numbers(scratch, all_finite);
}

void ColumnState::update_decimals(const ArrayView& array, uint64_t* row_hashes, BatchScratch& scratch) {
  const double scale = std::pow(10.0, type_.scale);
  visit(array, row_hashes,
        [](const ArrayView& a, int64_t i) {
          int128 v;
          std::memcpy(&v, a.fixed_ptr(i), 16);
          return v;
        },
        [&](int128 v) {
          counts_.zeros += v == 0;
          counts_.negatives += v < 0;
          int_range_->update(v);
          char bytes[16];
          std::memcpy(bytes, &v, 16);
          uint64_t h = hash::of_bytes({bytes, 16});
          frequent_->update(h, {bytes, 16});
          scratch.numbers.push_back(static_cast<double>(v) / scale);
          scratch.hashes.push_back(h);
          return h;
        });
  flush_numbers(scratch, true);
}

void ColumnState::update_temporals(const ArrayView& array, uint64_t* row_hashes, BatchScratch& scratch) {
  const ArrayView& values = array.layout() == Layout::Dictionary ? array.dictionary() : array;
  // date64 holds milliseconds; dates are canonicalised to days so date32 and date64 agree.
  bool date64 = type_.kind == Kind::Date && values.width() == 8;
  auto on_value = [&](int64_t v) {
    if (date64) v = days_from_date64(v);
    int_range_->update(v);
    uint64_t key = static_cast<uint64_t>(v);
    uint64_t h = hash::of_u64(key);
    frequent_->update(h, key_bytes(key));
    scratch.numbers.push_back(static_cast<double>(v));
    scratch.hashes.push_back(h);
    return h;
  };
  if (values.width() == 4)
    visit(array, row_hashes, [](const ArrayView& a, int64_t i) { return static_cast<int64_t>(a.fixed_at<int32_t>(i)); },
          on_value);
  else
    visit(array, row_hashes, [](const ArrayView& a, int64_t i) { return a.fixed_at<int64_t>(i); }, on_value);
  flush_numbers(scratch, true);
}

void ColumnState::update_strings(const ArrayView& array, uint64_t* row_hashes, BatchScratch& scratch) {
  const bool text = type_.kind == Kind::String;
  visit(array, row_hashes, [](const ArrayView& a, int64_t i) { return a.bytes_at(i); },
        [&](std::string_view v) {
          uint64_t chars = v.size();
          if (v.empty()) {
            ++counts_.empty;
          } else if (text) {
            int64_t decoded = utf8_length(v);
            if (decoded < 0)
              ++counts_.invalid_utf8;
            else
              chars = static_cast<uint64_t>(decoded);
            bool blank = true;
            for (unsigned char c : v) {
              if (!is_ascii_space(c)) {
                blank = false;
                break;
              }
            }
            counts_.whitespace += blank;
          }
          lengths_->update(chars, v.size());
          bytes_range_->update(v);
          uint64_t h = hash::of_bytes(v);
          frequent_->update(h, v);
          scratch.hashes.push_back(h);
          if (patterns_ && !v.empty()) patterns_->update(h, v);
          return h;
        });
}

// Mirrors the hashes of the loops above (and update_opaque): a change to how a kind is
// canonicalised there must be made here too (test_relations.cpp checks that they agree).
void add_value_hashes(const ColumnType& type, const ArrayView& array, uint64_t* row_hashes) {
  const int64_t n = array.length();
  const bool dictionary = array.layout() == Layout::Dictionary;
  const ArrayView& values = dictionary ? array.dictionary() : array;
  if (values.layout() == Layout::Null || values.layout() == Layout::Opaque || type.kind == Kind::Null ||
      type.kind == Kind::Nested) {
    for (int64_t i = 0; i < n; ++i) row_hashes[i] = hash::combine(row_hashes[i], array.is_valid(i) ? 1 : NULL_VALUE_HASH);
    return;
  }
  auto each = [&](auto hash_at) {
    for (int64_t i = 0; i < n; ++i) {
      uint64_t h = NULL_VALUE_HASH;
      if (array.is_valid(i)) {
        if (!dictionary) {
          h = hash_at(array, i);
        } else {
          const int64_t k = array.dictionary_index(i);
          if (values.is_valid(k)) h = hash_at(values, k);
        }
      }
      row_hashes[i] = hash::combine(row_hashes[i], h);
    }
  };
  auto integers = [&](auto tag) {
    using T = decltype(tag);
    each([](const ArrayView& a, int64_t i) { return hash::of_u64(static_cast<uint64_t>(a.fixed_at<T>(i))); });
  };
  auto floats = [&](auto read) {
    each([&](const ArrayView& a, int64_t i) {
      double v = read(a, i);
      if (std::isnan(v)) return hash::of_u64(CANONICAL_NAN_BITS);
      if (v == 0) v = 0.0;
      return hash::of_u64(std::bit_cast<uint64_t>(v));
    });
  };
  switch (type.kind) {
    case Kind::Boolean: each([](const ArrayView& a, int64_t i) { return hash::of_u64(a.bit_at(i) ? 1 : 0); }); break;
    case Kind::Signed:
    case Kind::Unsigned:
      switch (values.format_char()) {
        case 'c': integers(int8_t{}); break;
        case 'C': integers(uint8_t{}); break;
        case 's': integers(int16_t{}); break;
        case 'S': integers(uint16_t{}); break;
        case 'i': integers(int32_t{}); break;
        case 'I': integers(uint32_t{}); break;
        case 'l': integers(int64_t{}); break;
        case 'L': integers(uint64_t{}); break;
        default: throw InvalidInput("column of type " + type.name + ": integer column with a non-integer array");
      }
      break;
    case Kind::Float:
      switch (values.format_char()) {
        case 'e': floats([](const ArrayView& a, int64_t i) { return half_to_double(a.fixed_at<uint16_t>(i)); }); break;
        case 'f': floats([](const ArrayView& a, int64_t i) { return static_cast<double>(a.fixed_at<float>(i)); }); break;
        case 'g': floats([](const ArrayView& a, int64_t i) { return a.fixed_at<double>(i); }); break;
        default: throw InvalidInput("column of type " + type.name + ": float column with a non-float array");
      }
      break;
    case Kind::Decimal:
      each([](const ArrayView& a, int64_t i) {
        return hash::of_bytes({reinterpret_cast<const char*>(a.fixed_ptr(i)), 16});
      });
      break;
    case Kind::String:
    case Kind::Binary: each([](const ArrayView& a, int64_t i) { return hash::of_bytes(a.bytes_at(i)); }); break;
    default: {
      const bool date64 = type.kind == Kind::Date && values.width() == 8;
      if (values.width() == 4)
        each([](const ArrayView& a, int64_t i) {
          return hash::of_u64(static_cast<uint64_t>(static_cast<int64_t>(a.fixed_at<int32_t>(i))));
        });
      else
        each([&](const ArrayView& a, int64_t i) {
          int64_t v = a.fixed_at<int64_t>(i);
          return hash::of_u64(static_cast<uint64_t>(date64 ? days_from_date64(v) : v));
        });
      break;
    }
  }
}

}  // namespace truthound
