// Pattern analysis of a string column: which share of its values look like e-mail addresses,
// UUIDs, ISO dates, Korean resident numbers… (truthound's `detected_patterns`, reference §2.2).
//
// Matchers. One hand-written scanner per pattern, no regex engine: each reads the value once, left
// to right, and stops at the first byte that cannot match, so it costs O(length) and usually a few
// bytes. Each pattern also carries a reference regular expression (PatternInfo::regex) that accepts
// exactly the same strings when used with Python's `re.fullmatch` on the decoded value (`re.match`
// differs only in also accepting one trailing "\n"; `$` is kept for portability to polars/Rust and
// JavaScript, where it is the strict end). It uses [0-9], never \d, which in Python also matches
// non-ASCII digits. `json` is the exception: nesting is not regular, so its expression is only the
// necessary condition truthound uses and the matcher is a validating JSON scanner. Nothing trims:
// a value with leading or trailing whitespace matches no pattern.
//
// Accumulator. PatternStats is a mergeable state with three parts:
//  * exact counts, over every value, of the five cheap patterns (integer_string, float_string,
//    iso_date, iso_datetime, boolean_string); a look at the first and last byte rules out most
//    other values, and the scanners use eight bytes per step (SWAR) where it pays;
//  * exact counts of values per stratum, a stratum being (class of the first byte × length bucket),
//    patterns::STRATUM_COUNT of them;
//  * a sample of distinct values, keyed by their value hash (low 7 bits replaced by the stratum), and
//    kept if the key is among the `sample_size` smallest of the column, or among the
//    patterns::STRATUM_RESERVE smallest of its stratum. For each kept value: its exact count, the
//    bitmask of every pattern it matches (computed on the full value when it enters) and, for the
//    values shown (per pattern, the MAX_SAMPLE_MATCHES smallest keys of the global sample matching
//    it), up to MAX_SAMPLE_VALUE_BYTES of it. A value that is not shown when it enters never
//    becomes shown, so the bytes of the others are never kept.
// Membership depends only on the key, so a value that is kept has been kept since its first
// occurrence and its count is exact, and the state is a function of the multiset of values: any
// partitioning and any merge order give byte-identical partials (bottom-k sampling; Cohen & Kaplan,
// "Summarizing data using bottom-k sketches", PODC 2007). Two distinct values with equal keys count
// as one; among d distinct values this happens with probability about d²/2^58, and only the ≤ ~1,700
// kept at once matter, so it is ignored.
//
// Estimate. A sampled pattern's share is the post-stratified ratio estimator
//     r = Σ_s (N_s / N) · (Σ_{kept v in s} c_v·[v matches]) / (Σ_{kept v in s} c_v),
// with N_s the exact stratum counts. The kept values of a stratum are its distinct values with the
// smallest keys, a uniform random sample of them, so r describes the whole column, not its head.
// Where a stratum holds at most STRATUM_RESERVE distinct values (a placeholder such as "N/A" or "-"
// repeated on many rows, whose length or first byte differs from the real values) it is known
// exactly; when every stratum is, the result is exact. Otherwise, for values of similar counts, the
// standard error is about that of a binomial with n = sample_size, sqrt(r(1-r)/n) (1.25 points at
// r = 0.8, 1.56 at r = 0.5 with the default 1,024). Each result carries its own estimate
// (cluster-sampling formula, per stratum), which grows when a few frequent values carry most of
// the rows of a stratum. Limit: a frequent value that shares its stratum with many distinct values
// is in the sample with probability ~ sample_size / distinct values; when it is not, its rows are
// counted as its stratum's sampled values are, and nothing in the state can tell.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "truthound/bytes.hpp"

namespace truthound {

namespace patterns {
inline constexpr uint32_t DEFAULT_SAMPLE_SIZE = 1024;
inline constexpr uint32_t MAX_SAMPLE_SIZE = 1u << 16;
inline constexpr double REPORT_RATIO = 0.8;  // truthound's min_pattern_match_ratio
inline constexpr double INFER_RATIO = 0.9;   // truthound's PatternBasedTypeInferrer threshold
// Distinct values kept per stratum whatever their rank in the whole column.
inline constexpr uint32_t STRATUM_RESERVE = 8;
// First-byte classes (digit, ASCII letter, one of "+-.($", "{" or "[", non-ASCII, other) × 14
// length buckets (1, 2, 3, 4, 5–7, 8–11, 12–15, 16–23, 24–31, 32–47, 48–63, 64–127, 128–255, more).
inline constexpr uint32_t LENGTH_BUCKETS = 14;
inline constexpr uint32_t STRATUM_COUNT = 6 * LENGTH_BUCKETS;
inline constexpr uint32_t STRATUM_BITS = 7;  // low bits of a sample key holding the stratum
// Sampled values are kept for display cut to this many bytes (at a UTF-8 character boundary).
inline constexpr uint32_t MAX_SAMPLE_VALUE_BYTES = 256;
inline constexpr uint32_t MAX_SAMPLE_MATCHES = 5;
inline constexpr uint32_t MAX_JSON_DEPTH = 64;  // deeper JSON is not matched
}  // namespace patterns

// The patterns, in truthound's order; the value is the bit in a match mask (part of the format).
enum class PatternId : uint8_t {
  KoreanRrn = 0,
  KoreanPhone = 1,
  KoreanBusinessNumber = 2,
  Uuid = 3,
  Email = 4,
  Url = 5,
  Ipv4 = 6,
  Ipv6 = 7,
  Phone = 8,
  Json = 9,
  CurrencyString = 10,
  PercentageString = 11,
  FloatString = 12,
  IntegerString = 13,
  IsoDate = 14,
  IsoDatetime = 15,
  Time = 16,
  BooleanString = 17,
};

namespace patterns {
inline constexpr size_t PATTERN_COUNT = 18;
inline constexpr uint32_t ALL_MASK = (1u << PATTERN_COUNT) - 1;

struct PatternInfo {
  std::string_view name;       // truthound's name: "email", "korean_rrn", "iso_date", …
  std::string_view regex;      // reference expression, equivalent under Python's re.fullmatch
  std::string_view data_type;  // the truthound DataType it implies: "email", "ip_address", "date", …
  int priority;                // truthound's priority: higher wins ties and type inference
  bool exact;                  // counted on every value; else estimated from the sample
};

// The description of one pattern.
const PatternInfo& info(PatternId id);
// The pattern with truthound name `name`, if any.
std::optional<PatternId> find(std::string_view name);

// Whether `value` (bytes, any content) matches pattern `id`. O(value.size()), no allocation.
bool matches(PatternId id, std::string_view value);
// Bit i set iff `value` matches pattern i: every pattern.
uint32_t match_mask(std::string_view value);
// The same restricted to the exact-count patterns.
uint32_t exact_mask(std::string_view value);

namespace detail {
// Stratum base of a first byte: class × LENGTH_BUCKETS, classes 0 digit, 1 ASCII letter,
// 2 "+-.($", 3 "{[", 4 non-ASCII, 5 other.
constexpr std::array<uint8_t, 256> make_first_class() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    int v = 5;
    if (c >= '0' && c <= '9') {
      v = 0;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      v = 1;
    } else if (c == '+' || c == '-' || c == '.' || c == '(' || c == '$') {
      v = 2;
    } else if (c == '{' || c == '[') {
      v = 3;
    } else if (c >= 0x80) {
      v = 4;
    }
    t[static_cast<size_t>(c)] = static_cast<uint8_t>(v * LENGTH_BUCKETS);
  }
  return t;
}
inline constexpr std::array<uint8_t, 256> FIRST_CLASS = make_first_class();

// Length bucket of lengths 0..63 (0 shares the bucket of 1).
constexpr std::array<uint8_t, 64> make_small_buckets() {
  std::array<uint8_t, 64> t{};
  constexpr int UPPER[] = {1, 2, 3, 4, 7, 11, 15, 23, 31, 47, 63};  // last length of bucket b
  int b = 0;
  for (int n = 0; n < 64; ++n) {
    if (n > UPPER[b]) ++b;
    t[static_cast<size_t>(n)] = static_cast<uint8_t>(b);
  }
  return t;
}
inline constexpr std::array<uint8_t, 64> SMALL_BUCKETS = make_small_buckets();

// Every exact-count pattern is a boolean of at most 5 bytes, or starts with a digit, "+", "-" or
// "." and ends with a digit, "." or "Z" (integer, float, date, datetime). Bit 1: may start a
// number or date; bit 2: may start a boolean; bit 4: may end a number or date.
constexpr std::array<uint8_t, 256> make_exact_ends() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    int v = 0;
    const bool digit = c >= '0' && c <= '9';
    if (digit || c == '+' || c == '-' || c == '.') v |= 1;
    if (c == '0' || c == '1') v |= 2;
    for (char b : std::string_view("tTfFyYnN"))
      if (c == static_cast<unsigned char>(b)) v |= 2;
    if (digit || c == '.' || c == 'Z') v |= 4;
    t[static_cast<size_t>(c)] = static_cast<uint8_t>(v);
  }
  return t;
}
inline constexpr std::array<uint8_t, 256> EXACT_ENDS = make_exact_ends();

// False only if `value` matches no exact-count pattern: two table lookups, no scan.
inline bool may_match_exact(std::string_view value) {
  const size_t n = value.size();
  if (n == 0) return false;
  const uint8_t first = EXACT_ENDS[static_cast<unsigned char>(value[0])];
  if (n <= 5) return (first & 3) != 0;
  return (first & 1) && (EXACT_ENDS[static_cast<unsigned char>(value[n - 1])] & 4);
}
}  // namespace detail

// Stratum of a value, in [0, STRATUM_COUNT): class of the first byte and bucket of the length.
inline uint32_t stratum_of(std::string_view value) {
  const size_t n = value.size();
  if (n == 0) return 5 * LENGTH_BUCKETS;  // "other", first bucket
  const uint32_t first = detail::FIRST_CLASS[static_cast<unsigned char>(value[0])];
  const uint32_t bucket = n < 64    ? detail::SMALL_BUCKETS[n]
                          : n < 128 ? 11u
                          : n < 256 ? 12u
                                    : 13u;
  return first + bucket;
}
}  // namespace patterns

struct PatternResult {
  std::string pattern;   // truthound name
  std::string regex;     // PatternInfo::regex
  double match_ratio;    // share of the values matching, in [0, 1]
  bool exact;            // match_ratio is an exact count over every value, not an estimate
  uint64_t matches;      // matching values: exact, or round(match_ratio · total) when estimated
  uint64_t total;        // values seen (the number of update calls)
  double standard_error; // 0 when exact; else the estimated standard error of match_ratio
  std::vector<std::string> sample_matches;  // ≤ 5 matching values of the global sample, smallest
                                            // hash first, cut to MAX_SAMPLE_VALUE_BYTES
  bool operator==(const PatternResult&) const = default;
};

class PatternStats {
 public:
  // Requires 1 ≤ sample_size ≤ patterns::MAX_SAMPLE_SIZE, else InvalidInput.
  explicit PatternStats(uint32_t sample_size = patterns::DEFAULT_SAMPLE_SIZE);

  // Adds one non-null value: `hash` is hash::of_bytes(value), computed by the caller. Empty values
  // are meant to be left out by the caller (they match nothing but count in the total). Most values
  // cost a few table lookups and two comparisons; the matchers run on a value only when it enters
  // the sample. Defined below: the per-value hot path.
  void update(uint64_t hash, std::string_view value);
  // Adds other's values; other untouched; an empty state is the identity. Commutative and
  // associative to the byte. Different sample sizes (or totals past 2^64 − 1) throw InvalidInput.
  void merge(const PatternStats& other);

  // Canonical form: varint sample_size, varint total, varint count of each exact-count pattern (in
  // id order), varint number of non-empty strata then (u8 stratum, varint count) in increasing
  // stratum order, varint entry count, then per kept value in increasing key order: u64 key, varint
  // count, varint match mask, length-prefixed display bytes (non-empty exactly for shown values).
  void serialize(ByteWriter& out) const;
  // Checks every field: sample size, exact counts and stratum counts against the total, strictly
  // increasing keys, entry counts against their stratum, the retention rule, bytes present exactly
  // for shown values, masks and strata against the stored bytes (when not cut), and, when every
  // value is kept, the exact counts against the sample; throws CorruptPartial, never reads past the
  // end.
  static PatternStats deserialize(ByteReader& in);

  // Patterns matching at least `min_ratio` (in [0, 1], else InvalidInput) of the values and at
  // least one value, sorted by match_ratio descending, then priority descending, then name.
  std::vector<PatternResult> finalize(double min_ratio = patterns::REPORT_RATIO) const;

  // Same settings, totals, counts and kept values.
  bool operator==(const PatternStats& other) const;

  uint32_t sample_size() const { return sample_size_; }
  uint64_t total() const { return total_; }
  // Distinct values currently kept (≤ sample_size + STRATUM_COUNT · STRATUM_RESERVE).
  size_t kept() const { return entries_.size(); }
  // Builds the key index of a decoded or merged state (what the first value would do).
  void index() {
    if (slots_.empty()) index_entries();
  }
  // Every distinct value seen is kept, so every ratio is exact.
  bool is_exact() const;
  // Bytes held by this state.
  size_t memory_bytes() const;

  // A moved-from PatternStats may only be assigned to or destroyed.

 private:
  struct Entry {
    uint64_t key;
    uint64_t count;
    uint32_t mask;
    std::string bytes;  // display prefix, for shown values only
  };

  static std::vector<bool> shown_flags(const std::vector<Entry>& sorted, uint64_t k);
  bool shown_insert(size_t p, uint64_t key, std::optional<uint64_t>& dropped);
  bool is_shown(uint64_t key, uint32_t mask) const;
  void unshow(const Entry& e);
  void count_exact(std::string_view value);
  void update_sample(uint64_t key, std::string_view value);
  void insert_new(uint64_t key, std::string_view value);
  void erase_key(uint64_t key);
  size_t find_slot(uint64_t key) const;
  void index_entries();
  const Entry& entry_of(uint64_t key) const;  // a kept key's entry, with or without the index
  void rebuild(std::vector<Entry> sorted);
  std::vector<const Entry*> sorted_entries() const;
  bool in_global(uint64_t key) const;
  bool in_reserve(uint64_t key) const;

  uint32_t sample_size_;
  uint64_t total_ = 0;
  std::array<uint64_t, patterns::PATTERN_COUNT> exact_counts_{};  // non-zero only for exact ids
  std::array<uint64_t, patterns::STRATUM_COUNT> stratum_counts_{};

  std::vector<Entry> entries_;  // kept values, in key order while sorted_
  bool sorted_ = true;
  // Open addressing on the key: entry index + 1, 0 = empty. Empty until a value reaches the
  // sample (a decoded or merged state has no index: it is only read).
  std::vector<uint32_t> slots_;
  size_t slot_mask_ = 0;
  // The sample_size smallest keys as a max-heap, and its top once full (else UINT64_MAX).
  std::vector<uint64_t> global_heap_;
  uint64_t global_threshold_ = UINT64_MAX;
  // Per stratum, its STRATUM_RESERVE smallest keys ascending, how many, and the largest once full.
  std::array<std::array<uint64_t, patterns::STRATUM_RESERVE>, patterns::STRATUM_COUNT> reserve_{};
  std::array<uint8_t, patterns::STRATUM_COUNT> reserve_size_{};
  std::array<uint64_t, patterns::STRATUM_COUNT> reserve_threshold_;
  // Per pattern, the keys shown (sample_matches): the smallest of the global sample matching it.
  std::array<std::array<uint64_t, patterns::MAX_SAMPLE_MATCHES>, patterns::PATTERN_COUNT> shown_{};
  std::array<uint8_t, patterns::PATTERN_COUNT> shown_size_{};
};

inline void PatternStats::update(uint64_t hash, std::string_view value) {
  ++total_;
  const uint32_t s = patterns::stratum_of(value);
  ++stratum_counts_[s];
  if (patterns::detail::may_match_exact(value)) count_exact(value);
  const uint64_t key = (hash & ~((uint64_t{1} << patterns::STRATUM_BITS) - 1)) | s;
  // A key above both thresholds is not in the sample and never will be: they only go down.
  if (key > global_threshold_ && key > reserve_threshold_[s]) return;
  update_sample(key, value);
}

// truthound's PatternBasedTypeInferrer on finalized results: the data_type of the highest-priority
// pattern (ties in id order) whose match_ratio ≥ min_ratio, or nullopt.
std::optional<std::string_view> infer_data_type(const std::vector<PatternResult>& results,
                                                double min_ratio = patterns::INFER_RATIO);

}  // namespace truthound
