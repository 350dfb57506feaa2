#include "truthound/stats/patterns.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "truthound/error.hpp"

namespace truthound {

namespace patterns {
namespace {

using Byte = unsigned char;
constexpr size_t NPOS = static_cast<size_t>(-1);

// ---------------------------------------------------------------------------------------------
// Byte classes

enum : uint16_t {
  DIGIT = 1 << 0,
  HEX = 1 << 1,
  ALPHA = 1 << 2,
  EMAIL_LOCAL = 1 << 3,  // [A-Za-z0-9._%+-]
  LABEL = 1 << 4,        // [A-Za-z0-9-]: a domain label
  URL_AUTH = 1 << 5,     // [A-Za-z0-9._~%!$&'()*+,;=:@[\]-]: a URL's authority
  JSON_WS = 1 << 6,      // space, \t, \n, \r
};

constexpr std::array<uint16_t, 256> make_classes() {
  std::array<uint16_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    uint16_t v = 0;
    const bool digit = c >= '0' && c <= '9';
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (digit) v |= DIGIT;
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) v |= HEX;
    if (alpha) v |= ALPHA;
    if (digit || alpha || c == '.' || c == '_' || c == '%' || c == '+' || c == '-') v |= EMAIL_LOCAL;
    if (digit || alpha || c == '-') v |= LABEL;
    for (char u : std::string_view("._~%!$&'()*+,;=:@[]-"))
      if (c == static_cast<unsigned char>(u)) v |= URL_AUTH;
    if (digit || alpha) v |= URL_AUTH;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') v |= JSON_WS;
    t[static_cast<size_t>(c)] = v;
  }
  return t;
}
constexpr std::array<uint16_t, 256> CLASSES = make_classes();

inline bool is_digit(Byte c) { return static_cast<unsigned>(c - '0') < 10u; }
inline bool has(Byte c, uint16_t cls) { return (CLASSES[c] & cls) != 0; }

// SWAR (eight bytes per 64-bit word, little-endian) helpers for the digit scans that run on every
// value of numeric and date columns.
constexpr uint64_t HIGH_BITS = 0x8080808080808080ULL;

inline uint64_t load8(const Byte* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// The n ≤ 8 bytes at p, zero-padded to a word, without reading past p + n.
inline uint64_t load_upto8(const Byte* p, size_t n) {
  if (n >= 4) {  // two 4-byte loads that overlap where n < 8; overlapping bytes are equal
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    return uint64_t{lo} | (uint64_t{hi} << (8 * (n - 4)));
  }
  if (n == 0) return 0;
  return uint64_t{p[0]} | (uint64_t{p[n / 2]} << (8 * (n / 2))) | (uint64_t{p[n - 1]} << (8 * (n - 1)));
}

// The high bit of each byte of the result is set iff that byte of x is not an ASCII digit.
inline uint64_t non_digits(uint64_t x) {
  const uint64_t low = x & ~HIGH_BITS;                 // each byte + 0x50 stays below 0x100
  const uint64_t at_least_0 = low + 0x5050505050505050ULL;  // high bit iff low ≥ 0x30
  const uint64_t above_9 = low + 0x4646464646464646ULL;     // high bit iff low ≥ 0x3A
  return (x | ~at_least_0 | above_9) & HIGH_BITS;
}

inline size_t first_flagged(uint64_t flags) { return static_cast<size_t>(std::countr_zero(flags)) / 8; }

// The first index ≥ i whose byte is not an ASCII digit, or n.
[[gnu::always_inline]] inline size_t digit_end(const Byte* p, size_t n, size_t i) {
  if (i >= n) return n;
  if (n <= 8) {  // zero padding counts as a non-digit
    const uint64_t flags = non_digits(load_upto8(p, n)) & (~uint64_t{0} << (8 * i));
    return flags ? first_flagged(flags) : n;
  }
  for (; i + 8 <= n; i += 8)
    if (const uint64_t flags = non_digits(load8(p + i))) return i + first_flagged(flags);
  if (i == n) return n;
  // The last eight bytes, less those before i (known digits).
  const uint64_t flags = non_digits(load8(p + n - 8)) >> (8 * (i + 8 - n));
  return flags ? i + first_flagged(flags) : n;
}

// The high bit of each byte of the result is set iff that byte of x is zero.
inline uint64_t zero_bytes(uint64_t x) {
  return ~(((x & ~HIGH_BITS) + ~HIGH_BITS) | x) & HIGH_BITS;
}

inline uint64_t repeat_byte(uint8_t c) { return 0x0101010101010101ULL * c; }

// Length of the run of ASCII digits starting at i (i may be n).
inline size_t digit_run(const Byte* p, size_t n, size_t i) { return digit_end(p, n, i) - i; }

// Value of the two digits at p (caller checked they are digits).
inline int two_digits(const Byte* p) { return (p[0] - '0') * 10 + (p[1] - '0'); }

// ---------------------------------------------------------------------------------------------
// Dates and times

bool all_digits(const Byte* p, size_t n) { return digit_run(p, n, 0) == n; }

// Byte b of a word, as a value.
constexpr uint64_t byte_at(int b, uint64_t v) { return v << (8 * b); }

// YYYY-MM-DD at p[0..10) with a real month and day (proleptic Gregorian leap years).
inline bool date_at(const Byte* p) {
  const uint64_t x = load8(p);  // "YYYY-MM-"
  constexpr uint64_t DIGIT_BYTES = byte_at(0, 0x80) | byte_at(1, 0x80) | byte_at(2, 0x80) |
                                   byte_at(3, 0x80) | byte_at(5, 0x80) | byte_at(6, 0x80);
  constexpr uint64_t DASH_BYTES = byte_at(4, 0xFF) | byte_at(7, 0xFF);
  constexpr uint64_t DASHES = byte_at(4, '-') | byte_at(7, '-');
  if ((non_digits(x) & DIGIT_BYTES) != 0 || (x & DASH_BYTES) != DASHES || !is_digit(p[8]) ||
      !is_digit(p[9]))
    return false;
  const uint64_t d = x & 0x0F0F0F0F0F0F0F0FULL;  // digit values
  auto digit = [d](int b) { return static_cast<int>((d >> (8 * b)) & 0xF); };
  const int month = digit(5) * 10 + digit(6);
  const int day = two_digits(p + 8);
  if (month < 1 || month > 12 || day < 1) return false;
  if (day <= 28) return true;
  static constexpr int DAYS[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (day > DAYS[month - 1]) return false;
  if (month != 2 || day != 29) return true;
  const int year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

// HH:MM[:SS[.f+]] starting at i; the index after it, or NPOS.
size_t time_end(const Byte* p, size_t n, size_t i) {
  if (n - i < 5 || !is_digit(p[i]) || !is_digit(p[i + 1]) || p[i + 2] != ':' ||
      !is_digit(p[i + 3]) || !is_digit(p[i + 4]) || two_digits(p + i) > 23 ||
      two_digits(p + i + 3) > 59)
    return NPOS;
  i += 5;
  if (i < n && p[i] == ':') {
    if (n - i < 3 || !is_digit(p[i + 1]) || !is_digit(p[i + 2]) || two_digits(p + i + 1) > 59)
      return NPOS;
    i += 3;
    if (i < n && p[i] == '.') {
      const size_t r = digit_run(p, n, i + 1);
      if (r == 0) return NPOS;
      i += 1 + r;
    }
  }
  return i;
}

bool iso_date(const Byte* p, size_t n) { return n == 10 && date_at(p); }

bool iso_datetime(const Byte* p, size_t n) {
  if (n < 16 || !date_at(p)) return false;
  // "DDTHH:MM" in one word (DD already checked by date_at).
  const uint64_t y = load8(p + 8);
  constexpr uint64_t DIGIT_BYTES = byte_at(3, 0x80) | byte_at(4, 0x80) | byte_at(6, 0x80) |
                                   byte_at(7, 0x80);
  const uint64_t separator = (y >> 16) & 0xFF;
  if ((non_digits(y) & DIGIT_BYTES) != 0 || (separator != 'T' && separator != ' ') ||
      ((y >> 40) & 0xFF) != ':')
    return false;
  const uint64_t d = y & 0x0F0F0F0F0F0F0F0FULL;
  auto digit = [d](int b) { return static_cast<int>((d >> (8 * b)) & 0xF); };
  if (digit(3) * 10 + digit(4) > 23 || digit(6) > 5) return false;
  size_t i = 16;
  if (i < n && p[i] == ':') {  // seconds, and maybe a fraction
    if (n - i < 3 || !is_digit(p[i + 1]) || !is_digit(p[i + 2]) || p[i + 1] > '5') return false;
    i += 3;
    if (i < n && p[i] == '.') {
      const size_t r = digit_run(p, n, i + 1);
      if (r == 0) return false;
      i += 1 + r;
    }
  }
  if (i == n) return true;
  if (p[i] == 'Z') return i + 1 == n;
  // ±HH:MM
  return (p[i] == '+' || p[i] == '-') && n - i == 6 && is_digit(p[i + 1]) && is_digit(p[i + 2]) &&
         p[i + 3] == ':' && is_digit(p[i + 4]) && is_digit(p[i + 5]) &&
         two_digits(p + i + 1) <= 23 && two_digits(p + i + 4) <= 59;
}

bool time_of_day(const Byte* p, size_t n) { return time_end(p, n, 0) == n; }

// ---------------------------------------------------------------------------------------------
// Numbers and booleans

constexpr uint32_t bit(PatternId id) { return 1u << static_cast<unsigned>(id); }

// integer_string, float_string or neither (0).
inline uint32_t number_kind(const Byte* p, size_t n) {
  if (n <= 8) {
    // Without branches on the data, so that a column mixing integers and decimals does not pay a
    // mispredicted branch a value: one word, its non-digits, dots and exponent letters.
    const uint64_t x = load_upto8(p, n);
    const uint64_t valid = HIGH_BITS >> (8 * (8 - n));
    const uint64_t exponents = zero_bytes((x | repeat_byte(0x20)) ^ repeat_byte('e')) & valid;
    if (exponents == 0) {
      const bool has_sign = p[0] == '+' || p[0] == '-';
      const uint64_t others = non_digits(x) & valid & ~(has_sign ? uint64_t{0x80} : 0);
      const uint64_t dots = zero_bytes(x ^ repeat_byte('.')) & valid;
      const size_t body = n - has_sign;
      const bool integer = others == 0 && body > 0;
      const bool one_dot = dots != 0 && (dots & (dots - 1)) == 0;  // not popcount: a libcall on baseline x86-64
      const bool decimal = others == dots && one_dot && body >= 2;
      return (integer ? bit(PatternId::IntegerString) : 0) |
             (decimal ? bit(PatternId::FloatString) : 0);
    }
  }
  size_t i = (p[0] == '+' || p[0] == '-') ? 1 : 0;
  const size_t int_digits = digit_run(p, n, i);
  i += int_digits;
  if (i == n) return int_digits > 0 ? bit(PatternId::IntegerString) : 0;
  if (p[i] == '.') {
    const size_t frac_digits = digit_run(p, n, i + 1);
    if (int_digits + frac_digits == 0) return 0;
    i += 1 + frac_digits;
    if (i == n) return bit(PatternId::FloatString);
  } else if (int_digits == 0) {
    return 0;
  }
  if (p[i] != 'e' && p[i] != 'E') return 0;
  size_t j = i + 1;
  if (j < n && (p[j] == '+' || p[j] == '-')) ++j;
  const size_t exp_digits = digit_run(p, n, j);
  return exp_digits > 0 && j + exp_digits == n ? bit(PatternId::FloatString) : 0;
}

bool boolean_string(const Byte* p, size_t n) {
  auto lower = [](Byte c) { return static_cast<Byte>(c | 0x20); };  // letters only below
  auto word = [&](const char* w) {
    for (size_t i = 0; i < n; ++i) {
      const Byte c = p[i];
      if (!has(c, ALPHA) || lower(c) != static_cast<Byte>(w[i])) return false;
    }
    return true;
  };
  switch (n) {
    case 1: {
      const Byte c = p[0];
      if (c == '0' || c == '1') return true;
      if (!has(c, ALPHA)) return false;
      const Byte l = lower(c);
      return l == 't' || l == 'f' || l == 'y' || l == 'n';
    }
    case 2: return word("no");
    case 3: return word("yes");
    case 4: return word("true");
    case 5: return word("false");
    default: return false;
  }
}

// Money: an optional "-", then a prefix symbol ($ € £ ¥ ₩) and an amount, an amount and a suffix
// symbol (원 円 €), or a bare amount grouped by commas. Amount: digits, or 1–3 digits and groups of
// ",ddd"; then optionally "." and exactly two digits.
size_t prefix_symbol(const Byte* p, size_t n, size_t i) {
  if (i >= n) return 0;
  if (p[i] == '$') return 1;
  if (n - i >= 2 && p[i] == 0xC2 && (p[i + 1] == 0xA3 || p[i + 1] == 0xA5)) return 2;  // £ ¥
  if (n - i >= 3 && p[i] == 0xE2 && p[i + 1] == 0x82 && (p[i + 2] == 0xAC || p[i + 2] == 0xA9))
    return 3;  // € ₩
  return 0;
}

bool is_suffix_symbol(const Byte* p, size_t n, size_t i) {
  if (n - i != 3) return false;
  return (p[i] == 0xEC && p[i + 1] == 0x9B && p[i + 2] == 0x90) ||  // 원
         (p[i] == 0xE5 && p[i + 1] == 0x86 && p[i + 2] == 0x86) ||  // 円
         (p[i] == 0xE2 && p[i + 1] == 0x82 && p[i + 2] == 0xAC);    // €
}

// An amount at i; advances i. Sets grouped when it has thousands separators.
bool amount(const Byte* p, size_t n, size_t& i, bool& grouped) {
  const size_t lead = digit_run(p, n, i);
  if (lead == 0) return false;
  i += lead;
  if (i < n && p[i] == ',') {
    if (lead > 3) return false;
    while (i < n && p[i] == ',') {
      if (digit_run(p, n, i + 1) != 3) return false;
      i += 4;
    }
    grouped = true;
  }
  if (i < n && p[i] == '.') {
    if (digit_run(p, n, i + 1) != 2) return false;
    i += 3;
  }
  return true;
}

bool currency_string(const Byte* p, size_t n) {
  size_t i = p[0] == '-' ? 1 : 0;
  bool grouped = false;
  if (const size_t symbol = prefix_symbol(p, n, i)) {
    i += symbol;
    if (i < n && p[i] == ' ') ++i;
    return amount(p, n, i, grouped) && i == n;
  }
  if (!amount(p, n, i, grouped)) return false;
  if (i == n) return grouped;
  if (p[i] == ' ') ++i;
  return i < n && is_suffix_symbol(p, n, i);
}

bool percentage_string(const Byte* p, size_t n) {
  size_t i = (p[0] == '+' || p[0] == '-') ? 1 : 0;
  const size_t int_digits = digit_run(p, n, i);
  i += int_digits;
  if (i < n && p[i] == '.') {
    const size_t frac_digits = digit_run(p, n, i + 1);
    if (frac_digits == 0) return false;
    i += 1 + frac_digits;
  } else if (int_digits == 0) {
    return false;
  }
  if (i < n && p[i] == ' ') ++i;
  return i + 1 == n && p[i] == '%';
}

// ---------------------------------------------------------------------------------------------
// Identifiers and addresses

bool korean_rrn(const Byte* p, size_t n) {
  if (n != 14 || !all_digits(p, 6) || p[6] != '-' || p[7] < '1' || p[7] > '4' ||
      !all_digits(p + 8, 6))
    return false;
  const int month = two_digits(p + 2);
  const int day = two_digits(p + 4);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

bool korean_phone(const Byte* p, size_t n) {
  if (n < 10 || n > 13 || p[0] != '0' || p[1] != '1' || !is_digit(p[2])) return false;
  if (p[3] != '-') return (n == 10 || n == 11) && all_digits(p + 3, n - 3);
  const size_t middle = digit_run(p, n, 4);
  if (middle != 3 && middle != 4) return false;
  const size_t j = 4 + middle;
  return j < n && p[j] == '-' && n - (j + 1) == 4 && all_digits(p + j + 1, 4);
}

bool korean_business_number(const Byte* p, size_t n) {
  return n == 12 && all_digits(p, 3) && p[3] == '-' && all_digits(p + 4, 2) && p[6] == '-' &&
         all_digits(p + 7, 5);
}

bool uuid(const Byte* p, size_t n) {
  if (n != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (p[i] != '-') return false;
    } else if (!has(p[i], HEX)) {
      return false;
    }
  }
  return true;
}

bool email(const Byte* p, size_t n) {
  size_t i = 0;
  while (i < n && has(p[i], EMAIL_LOCAL)) ++i;
  if (i == 0 || i == n || p[i] != '@') return false;
  ++i;
  size_t labels = 0;
  for (;;) {
    const size_t start = i;
    bool letters = true;
    while (i < n && has(p[i], LABEL)) {
      letters = letters && has(p[i], ALPHA);
      ++i;
    }
    const size_t length = i - start;
    if (length == 0) return false;
    if (i == n) return labels > 0 && letters && length >= 2;  // the top-level domain
    if (p[i] != '.' || p[start] == '-' || p[i - 1] == '-') return false;
    ++labels;
    ++i;
  }
}

bool starts_with(const Byte* p, size_t n, std::string_view prefix) {
  return n >= prefix.size() && std::memcmp(p, prefix.data(), prefix.size()) == 0;
}

bool url(const Byte* p, size_t n) {
  size_t i;
  if (starts_with(p, n, "http://")) {
    i = 7;
  } else if (starts_with(p, n, "https://")) {
    i = 8;
  } else if (starts_with(p, n, "ftp://")) {
    i = 6;
  } else {
    return false;
  }
  if (i == n || !(has(p[i], ALPHA | DIGIT) || p[i] == '[')) return false;
  ++i;
  while (i < n && has(p[i], URL_AUTH)) ++i;
  if (i == n) return true;
  if (p[i] != '/' && p[i] != '?' && p[i] != '#') return false;
  for (++i; i < n; ++i)
    if (p[i] <= 0x20 || p[i] == 0x7F) return false;
  return true;
}

bool ipv4(const Byte* p, size_t n) {
  if (n < 7 || n > 15) return false;
  size_t i = 0;
  for (int part = 0; part < 4; ++part) {
    const size_t r = digit_run(p, n, i);
    if (r == 0 || r > 3 || (r > 1 && p[i] == '0')) return false;
    int value = 0;
    for (size_t j = i; j < i + r; ++j) value = value * 10 + (p[j] - '0');
    if (value > 255) return false;
    i += r;
    if (part < 3) {
      if (i == n || p[i] != '.') return false;
      ++i;
    }
  }
  return i == n;
}

// RFC 4291 text form: eight groups of 1–4 hex digits, or fewer around one "::" (standing for at
// least one group), the last two groups optionally written as an IPv4 address. No zone index.
bool ipv6(const Byte* p, size_t n) {
  if (n < 2 || n > 45) return false;
  size_t i = 0;
  int groups = 0;
  bool compressed = false;
  if (p[0] == ':') {
    if (p[1] != ':') return false;
    compressed = true;
    i = 2;
    if (i == n) return true;
  }
  for (;;) {
    size_t j = i;
    while (j < n && j - i < 5 && has(p[j], HEX)) ++j;
    if (j < n && p[j] == '.') {  // an IPv4 tail: must run to the end
      if (!ipv4(p + i, n - i)) return false;
      groups += 2;
      break;
    }
    const size_t digits = j - i;
    if (digits == 0 || digits > 4) return false;
    ++groups;
    i = j;
    if (i == n) break;
    if (p[i] != ':') return false;
    ++i;
    if (i < n && p[i] == ':') {
      if (compressed) return false;
      compressed = true;
      ++i;
      if (i == n) break;
    } else if (i == n) {
      return false;
    }
  }
  return compressed ? groups <= 7 : groups == 8;
}

// E.164 ("+" and 8–15 digits, the first not 0), or a national number: an optional country code
// ("+1".."+999" then a space or "-"), an area code "(dd–dddd)" plus an optional space or "dd–dddd"
// plus one of "-. ", then ddd–dddd, one of "-. ", and dddd.
bool phone(const Byte* p, size_t n) {
  size_t i = 0;
  if (p[0] == '+') {
    if (n < 2 || p[1] < '1' || p[1] > '9') return false;
    const size_t r = digit_run(p, n, 1);
    if (1 + r == n) return r >= 8 && r <= 15;
    if (r > 3 || (p[1 + r] != ' ' && p[1 + r] != '-')) return false;
    i = 2 + r;
  }
  auto separator = [](Byte c) { return c == '-' || c == '.' || c == ' '; };
  if (i < n && p[i] == '(') {
    const size_t r = digit_run(p, n, i + 1);
    if (r < 2 || r > 4 || i + 1 + r >= n || p[i + 1 + r] != ')') return false;
    i += 2 + r;
    if (i < n && p[i] == ' ') ++i;
  } else {
    const size_t r = digit_run(p, n, i);
    if (r < 2 || r > 4 || i + r >= n || !separator(p[i + r])) return false;
    i += r + 1;
  }
  const size_t r = digit_run(p, n, i);
  if (r < 3 || r > 4 || i + r >= n || !separator(p[i + r])) return false;
  i += r + 1;
  return digit_run(p, n, i) == 4 && i + 4 == n;
}

// ---------------------------------------------------------------------------------------------
// JSON: a validating scanner for an object or array (RFC 8259 grammar; string bytes ≥ 0x80 are
// accepted as they are), iterative, nesting at most MAX_JSON_DEPTH, no whitespace outside the
// outermost brackets.

size_t json_string_end(const Byte* p, size_t n, size_t i) {  // p[i] == '"'
  for (++i; i < n;) {
    const Byte c = p[i];
    if (c == '"') return i + 1;
    if (c < 0x20) return NPOS;
    if (c != '\\') {
      ++i;
      continue;
    }
    if (++i == n) return NPOS;
    const Byte e = p[i];
    if (e == 'u') {
      if (n - i < 5) return NPOS;
      for (size_t k = 1; k <= 4; ++k)
        if (!has(p[i + k], HEX)) return NPOS;
      i += 5;
    } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
               e == 't') {
      ++i;
    } else {
      return NPOS;
    }
  }
  return NPOS;
}

size_t json_number_end(const Byte* p, size_t n, size_t i) {
  if (p[i] == '-') ++i;
  if (i == n) return NPOS;
  if (p[i] == '0') {
    ++i;
  } else if (is_digit(p[i])) {
    i += digit_run(p, n, i);
  } else {
    return NPOS;
  }
  if (i < n && p[i] == '.') {
    const size_t r = digit_run(p, n, i + 1);
    if (r == 0) return NPOS;
    i += 1 + r;
  }
  if (i < n && (p[i] == 'e' || p[i] == 'E')) {
    size_t j = i + 1;
    if (j < n && (p[j] == '+' || p[j] == '-')) ++j;
    const size_t r = digit_run(p, n, j);
    if (r == 0) return NPOS;
    i = j + r;
  }
  return i;
}

bool json(const Byte* p, size_t n) {
  if (n < 2 || (p[0] != '{' && p[0] != '[')) return false;
  enum class State { Value, ValueOrClose, Key, KeyOrClose, Colon, Next };
  uint64_t objects = 0;  // bit d: the container at depth d is an object
  uint32_t depth = 0;
  State state = State::Value;
  size_t i = 0;
  for (;;) {
    while (i < n && has(p[i], JSON_WS)) ++i;
    if (i == n) return false;
    const Byte c = p[i];
    bool close = false;
    switch (state) {
      case State::Value:
      case State::ValueOrClose:
        if (c == '{' || c == '[') {
          if (depth == MAX_JSON_DEPTH) return false;
          if (c == '{') {
            objects |= uint64_t{1} << depth;
          } else {
            objects &= ~(uint64_t{1} << depth);
          }
          ++depth;
          ++i;
          state = c == '{' ? State::KeyOrClose : State::ValueOrClose;
          continue;
        }
        if (c == ']' && state == State::ValueOrClose) {
          close = true;
          break;
        }
        if (c == '"') {
          i = json_string_end(p, n, i);
        } else if (c == '-' || is_digit(c)) {
          i = json_number_end(p, n, i);
        } else if (c == 't' && starts_with(p + i, n - i, "true")) {
          i += 4;
        } else if (c == 'f' && starts_with(p + i, n - i, "false")) {
          i += 5;
        } else if (c == 'n' && starts_with(p + i, n - i, "null")) {
          i += 4;
        } else {
          return false;
        }
        if (i == NPOS) return false;
        state = State::Next;
        continue;
      case State::KeyOrClose:
      case State::Key:
        if (c == '}' && state == State::KeyOrClose) {
          close = true;
          break;
        }
        if (c != '"') return false;
        i = json_string_end(p, n, i);
        if (i == NPOS) return false;
        state = State::Colon;
        continue;
      case State::Colon:
        if (c != ':') return false;
        ++i;
        state = State::Value;
        continue;
      case State::Next: {
        const bool in_object = (objects >> (depth - 1)) & 1;
        if (c == ',') {
          ++i;
          state = in_object ? State::Key : State::Value;
          continue;
        }
        if (c != (in_object ? '}' : ']')) return false;
        close = true;
        break;
      }
    }
    if (close) {
      --depth;
      ++i;
      if (depth == 0) return i == n;
      state = State::Next;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Dispatch

enum : uint8_t { FIRST_OTHER, FIRST_DIGIT, FIRST_SIGN, FIRST_BOOL };

constexpr std::array<uint8_t, 256> make_first_dispatch() {
  std::array<uint8_t, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[static_cast<size_t>(c)] = FIRST_DIGIT;
  for (char c : std::string_view("+-.")) t[static_cast<unsigned char>(c)] = FIRST_SIGN;
  for (char c : std::string_view("tTfFyYnN")) t[static_cast<unsigned char>(c)] = FIRST_BOOL;
  return t;
}
constexpr std::array<uint8_t, 256> FIRST_DISPATCH = make_first_dispatch();

// ---------------------------------------------------------------------------------------------
// The table

#define TH_DATE                                                                                   \
  "(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]" \
  "|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]" \
  "|[13579][26])00)-02-29)"
#define TH_TIME "(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\\.[0-9]+)?)?"
#define TH_OCTET "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
#define TH_IPV4 "(?:" TH_OCTET "\\.){3}" TH_OCTET
#define TH_H "[0-9A-Fa-f]{1,4}"
#define TH_AMOUNT "(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\\.[0-9]{2})?"

constexpr std::array<PatternInfo, PATTERN_COUNT> INFOS = {{
    {"korean_rrn",
     "^[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])-[1-4][0-9]{6}$", "korean_rrn", 100,
     false},
    {"korean_phone", "^01[0-9](?:-[0-9]{3,4}-[0-9]{4}|[0-9]{7,8})$", "korean_phone", 100, false},
    {"korean_business_number", "^[0-9]{3}-[0-9]{2}-[0-9]{5}$", "korean_business_number", 100,
     false},
    {"uuid",
     "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", "uuid", 90,
     false},
    {"email",
     "^[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\\.)+[A-Za-z]{2,}$", "email",
     80, false},
    {"url",
     "^(?:https?|ftp)://[A-Za-z0-9\\[][A-Za-z0-9._~%!$&'()*+,;=:@\\[\\]-]*"
     "(?:[/?#][^\\x00-\\x20\\x7f]*)?$",
     "url", 80, false},
    {"ipv4", "^" TH_IPV4 "$", "ip_address", 70, false},
    {"ipv6",
     "^(?:(?:" TH_H ":){7}" TH_H "|::(?:" TH_H "(?::" TH_H "){0,6})?|" TH_H ":"
     ":(?:" TH_H "(?::" TH_H "){0,5})?|(?:" TH_H ":){2}:(?:" TH_H "(?::" TH_H "){0,4})?|(?:" TH_H
     ":){3}:(?:" TH_H "(?::" TH_H "){0,3})?|(?:" TH_H ":){4}:(?:" TH_H "(?::" TH_H
     "){0,2})?|(?:" TH_H ":){5}:(?:" TH_H "(?::" TH_H "){0,1})?|(?:" TH_H ":){6}:(?:" TH_H
     ")?|(?:" TH_H ":){7}:|(?:" TH_H ":){6}" TH_IPV4 "|::(?:" TH_H ":){0,5}" TH_IPV4 "|" TH_H
     "::(?:" TH_H ":){0,4}" TH_IPV4 "|(?:" TH_H ":){2}:(?:" TH_H ":){0,3}" TH_IPV4 "|(?:" TH_H
     ":){3}:(?:" TH_H ":){0,2}" TH_IPV4 "|(?:" TH_H ":){4}:(?:" TH_H ":){0,1}" TH_IPV4
     "|(?:" TH_H ":){5}:" TH_IPV4 ")$",
     "ip_address", 70, false},
    {"phone",
     "^(?:\\+[1-9][0-9]{7,14}|(?:\\+[1-9][0-9]{0,2}[ -])?(?:\\([0-9]{2,4}\\) ?|[0-9]{2,4}[-. ])"
     "[0-9]{3,4}[-. ][0-9]{4})$",
     "phone", 60, false},
    {"json", "(?s)^[\\[{].*[\\]}]$", "json", 50, false},
    {"currency_string",
     "^-?(?:[$€£¥₩] ?" TH_AMOUNT "|" TH_AMOUNT " ?(?:원|円|€)|[0-9]{1,3}(?:,[0-9]{3})+"
     "(?:\\.[0-9]{2})?)$",
     "currency", 45, false},
    {"percentage_string", "^[+-]?(?:[0-9]+(?:\\.[0-9]+)?|\\.[0-9]+) ?%$", "percentage", 45,
     false},
    {"float_string",
     "^[+-]?(?:(?:[0-9]+\\.[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+)$", "float",
     40, true},
    {"integer_string", "^[+-]?[0-9]+$", "integer", 35, true},
    {"iso_date", "^" TH_DATE "$", "date", 30, true},
    {"iso_datetime",
     "^" TH_DATE "[T ]" TH_TIME "(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?$", "datetime", 30,
     true},
    {"time", "^" TH_TIME "$", "time", 30, false},
    {"boolean_string",
     "^(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[Yy][Ee][Ss]|[Nn][Oo]|[01TtFfYyNn])$", "boolean",
     20, true},
}};

#undef TH_DATE
#undef TH_TIME
#undef TH_OCTET
#undef TH_IPV4
#undef TH_H
#undef TH_AMOUNT

constexpr uint32_t make_exact_ids_mask() {
  uint32_t m = 0;
  for (size_t i = 0; i < PATTERN_COUNT; ++i)
    if (INFOS[i].exact) m |= 1u << i;
  return m;
}
constexpr uint32_t EXACT_IDS = make_exact_ids_mask();
static_assert(EXACT_IDS == (bit(PatternId::FloatString) | bit(PatternId::IntegerString) |
                            bit(PatternId::IsoDate) | bit(PatternId::IsoDatetime) |
                            bit(PatternId::BooleanString)));

inline const Byte* bytes_of(std::string_view v) { return reinterpret_cast<const Byte*>(v.data()); }

}  // namespace

const PatternInfo& info(PatternId id) { return INFOS[static_cast<size_t>(id)]; }

std::optional<PatternId> find(std::string_view name) {
  for (size_t i = 0; i < PATTERN_COUNT; ++i)
    if (INFOS[i].name == name) return static_cast<PatternId>(i);
  return std::nullopt;
}

bool matches(PatternId id, std::string_view value) {
  const Byte* p = bytes_of(value);
  const size_t n = value.size();
  if (n == 0) return false;
  switch (id) {
    case PatternId::KoreanRrn: return korean_rrn(p, n);
    case PatternId::KoreanPhone: return korean_phone(p, n);
    case PatternId::KoreanBusinessNumber: return korean_business_number(p, n);
    case PatternId::Uuid: return uuid(p, n);
    case PatternId::Email: return email(p, n);
    case PatternId::Url: return url(p, n);
    case PatternId::Ipv4: return ipv4(p, n);
    case PatternId::Ipv6: return ipv6(p, n);
    case PatternId::Phone: return phone(p, n);
    case PatternId::Json: return json(p, n);
    case PatternId::CurrencyString: return currency_string(p, n);
    case PatternId::PercentageString: return percentage_string(p, n);
    case PatternId::FloatString: return number_kind(p, n) == bit(PatternId::FloatString);
    case PatternId::IntegerString: return number_kind(p, n) == bit(PatternId::IntegerString);
    case PatternId::IsoDate: return iso_date(p, n);
    case PatternId::IsoDatetime: return iso_datetime(p, n);
    case PatternId::Time: return time_of_day(p, n);
    case PatternId::BooleanString: return boolean_string(p, n);
  }
  return false;
}

uint32_t exact_mask(std::string_view value) {
  const size_t n = value.size();
  if (n == 0) return 0;
  const Byte* p = bytes_of(value);
  switch (FIRST_DISPATCH[p[0]]) {
    case FIRST_DIGIT: {
      // Four digits and "-" cannot start a number: a date or datetime, or nothing.
      if (n >= 10 && p[4] == '-' && is_digit(p[1]) && is_digit(p[2]) && is_digit(p[3])) {
        if (n == 10) return date_at(p) ? bit(PatternId::IsoDate) : 0;
        return iso_datetime(p, n) ? bit(PatternId::IsoDatetime) : 0;
      }
      uint32_t m = number_kind(p, n);
      if (n == 1 && p[0] <= '1') m |= bit(PatternId::BooleanString);
      return m;
    }
    case FIRST_SIGN:
      return number_kind(p, n);
    case FIRST_BOOL:
      return n <= 5 && boolean_string(p, n) ? bit(PatternId::BooleanString) : 0;
    default:
      return 0;
  }
}

uint32_t match_mask(std::string_view value) {
  const size_t n = value.size();
  if (n == 0) return 0;
  const Byte* p = bytes_of(value);
  uint32_t m = exact_mask(value);
  auto set = [&m](PatternId id, bool on) {
    if (on) m |= bit(id);
  };
  set(PatternId::KoreanRrn, korean_rrn(p, n));
  set(PatternId::KoreanPhone, korean_phone(p, n));
  set(PatternId::KoreanBusinessNumber, korean_business_number(p, n));
  set(PatternId::Uuid, uuid(p, n));
  set(PatternId::Email, email(p, n));
  set(PatternId::Url, url(p, n));
  set(PatternId::Ipv4, ipv4(p, n));
  set(PatternId::Ipv6, ipv6(p, n));
  set(PatternId::Phone, phone(p, n));
  set(PatternId::Json, json(p, n));
  set(PatternId::CurrencyString, currency_string(p, n));
  set(PatternId::PercentageString, percentage_string(p, n));
  set(PatternId::Time, time_of_day(p, n));
  return m;
}

}  // namespace patterns

// =============================================================================================
// PatternStats

namespace {

using patterns::PATTERN_COUNT;
using patterns::STRATUM_COUNT;
using patterns::STRATUM_RESERVE;

constexpr uint64_t STRATUM_KEY_MASK = (uint64_t{1} << patterns::STRATUM_BITS) - 1;
static_assert(patterns::STRATUM_COUNT <= (1u << patterns::STRATUM_BITS));
constexpr size_t MIN_SLOTS = 16;
constexpr uint64_t MAX_KEPT_EXTRA = uint64_t{STRATUM_COUNT} * STRATUM_RESERVE;

inline uint32_t stratum_of_key(uint64_t key) { return static_cast<uint32_t>(key & STRATUM_KEY_MASK); }

// The bytes kept of a value for display: all of it up to MAX_SAMPLE_VALUE_BYTES, else a prefix cut
// back to the start of the UTF-8 character the cut would split (at most 3 bytes).
std::string display_prefix(std::string_view value) {
  if (value.size() <= patterns::MAX_SAMPLE_VALUE_BYTES) return std::string(value);
  size_t n = patterns::MAX_SAMPLE_VALUE_BYTES;
  for (int back = 0; back < 3 && (static_cast<uint8_t>(value[n]) & 0xC0) == 0x80; ++back) --n;
  return std::string(value.substr(0, n));
}

// A cut prefix is at least MAX_SAMPLE_VALUE_BYTES − 3 long; anything shorter is the whole value.
bool is_whole_value(std::string_view bytes) {
  return bytes.size() + 3 < patterns::MAX_SAMPLE_VALUE_BYTES;
}

size_t table_size_for(size_t entries) {
  size_t size = MIN_SLOTS;
  while (size < 2 * entries) size *= 2;
  return size;
}

// A varint in its shortest encoding: the reader accepts padded ones ("80 00" for 0), which would
// let two byte strings stand for one state.
size_t varint_size(uint64_t v) { return v == 0 ? 1 : (static_cast<size_t>(std::bit_width(v)) + 6) / 7; }

uint64_t get_minimal_varint(ByteReader& in, const char* what) {
  const size_t start = in.position();
  const uint64_t v = in.get_varint(what);
  const size_t minimal = varint_size(v);
  if (in.position() - start != minimal)
    in.fail(std::string(what) + ": varint of " + std::to_string(in.position() - start) +
            " bytes for " + std::to_string(v) + ", expected " + std::to_string(minimal));
  return v;
}

uint64_t get_minimal_count(ByteReader& in, const char* what, uint64_t max) {
  const uint64_t v = get_minimal_varint(in, what);
  if (v > max) in.fail(std::string(what) + " " + std::to_string(v) + ", at most " + std::to_string(max));
  return v;
}

constexpr uint32_t EXACT_PATTERN_IDS[] = {
    static_cast<uint32_t>(PatternId::FloatString), static_cast<uint32_t>(PatternId::IntegerString),
    static_cast<uint32_t>(PatternId::IsoDate), static_cast<uint32_t>(PatternId::IsoDatetime),
    static_cast<uint32_t>(PatternId::BooleanString)};

}  // namespace

PatternStats::PatternStats(uint32_t sample_size) : sample_size_(sample_size) {
  if (sample_size < 1 || sample_size > patterns::MAX_SAMPLE_SIZE)
    throw InvalidInput("pattern stats: sample size " + std::to_string(sample_size) +
                       ", expected 1 to " + std::to_string(patterns::MAX_SAMPLE_SIZE));
  reserve_threshold_.fill(UINT64_MAX);
}

// The key index, built on the first value that reaches the sample: a state that is only merged
// (or decoded and finalized) never needs one.
void PatternStats::index_entries() {
  slots_.assign(table_size_for(entries_.size()), 0);
  slot_mask_ = slots_.size() - 1;
  for (size_t i = 0; i < entries_.size(); ++i)
    slots_[find_slot(entries_[i].key)] = static_cast<uint32_t>(i + 1);
}

const PatternStats::Entry& PatternStats::entry_of(uint64_t key) const {
  if (!slots_.empty()) return entries_[slots_[find_slot(key)] - 1];
  if (sorted_)
    return *std::lower_bound(entries_.begin(), entries_.end(), key,
                             [](const Entry& e, uint64_t k) { return e.key < k; });
  return *std::find_if(entries_.begin(), entries_.end(), [key](const Entry& e) { return e.key == key; });
}

void PatternStats::count_exact(std::string_view value) {
  for (uint32_t m = patterns::exact_mask(value); m != 0; m &= m - 1)
    ++exact_counts_[static_cast<size_t>(std::countr_zero(m))];
}

// A key at or below a threshold: a kept value seen again, or a new one entering.
void PatternStats::update_sample(uint64_t key, std::string_view value) {
  if (slots_.empty()) index_entries();
  const size_t slot = find_slot(key);
  if (slots_[slot] != 0) {
    ++entries_[slots_[slot] - 1].count;
    return;
  }
  insert_new(key, value);
}

size_t PatternStats::find_slot(uint64_t key) const {
  // Linear probing on hash bits above the stratum: XXH64 output is already well mixed.
  for (size_t i = (key >> patterns::STRATUM_BITS) & slot_mask_;; i = (i + 1) & slot_mask_) {
    const uint32_t e = slots_[i];
    if (e == 0 || entries_[e - 1].key == key) return i;
  }
}

bool PatternStats::in_global(uint64_t key) const { return key <= global_threshold_; }

bool PatternStats::in_reserve(uint64_t key) const {
  return key <= reserve_threshold_[stratum_of_key(key)];
}

// Adds `key` to the values shown for pattern p if it is among its MAX_SAMPLE_MATCHES smallest;
// returns whether it is, and sets `dropped` to a key it pushes out.
bool PatternStats::shown_insert(size_t p, uint64_t key, std::optional<uint64_t>& dropped) {
  auto& list = shown_[p];
  size_t size = shown_size_[p];
  if (size == patterns::MAX_SAMPLE_MATCHES) {
    if (key > list[size - 1]) return false;
    dropped = list[size - 1];
    --size;
  }
  size_t at = size;
  while (at > 0 && list[at - 1] > key) {
    list[at] = list[at - 1];
    --at;
  }
  list[at] = key;
  shown_size_[p] = static_cast<uint8_t>(size + 1);
  return true;
}

bool PatternStats::is_shown(uint64_t key, uint32_t mask) const {
  for (uint32_t m = mask; m != 0; m &= m - 1) {
    const auto p = static_cast<size_t>(std::countr_zero(m));
    for (size_t i = 0; i < shown_size_[p]; ++i)
      if (shown_[p][i] == key) return true;
  }
  return false;
}

// A key leaving the global sample stops being shown (it was the largest of any list it was in).
void PatternStats::unshow(const Entry& e) {
  for (uint32_t m = e.mask; m != 0; m &= m - 1) {
    const auto p = static_cast<size_t>(std::countr_zero(m));
    const size_t size = shown_size_[p];
    if (size != 0 && shown_[p][size - 1] == e.key) shown_size_[p] = static_cast<uint8_t>(size - 1);
  }
}

// A key not kept yet, below at least one threshold: keep it, then drop whatever it pushes out of
// both the global bottom-k and its stratum's reserve.
void PatternStats::insert_new(uint64_t key, std::string_view value) {
  const uint32_t mask = patterns::match_mask(value);  // on the full value, whatever its length
  if (2 * (entries_.size() + 1) > slots_.size()) {
    slots_.assign(slots_.size() * 2, 0);
    slot_mask_ = slots_.size() - 1;
    for (size_t i = 0; i < entries_.size(); ++i) slots_[find_slot(entries_[i].key)] = static_cast<uint32_t>(i + 1);
  }
  const bool global = key < global_threshold_;

  // Shown values: the smallest keys of the global sample matching each pattern. A value that is
  // not one when it enters never becomes one (smaller keys only arrive, larger ones only leave), so
  // its bytes are never needed.
  bool shown = false;
  if (global) {
    for (uint32_t m = mask; m != 0; m &= m - 1) {
      std::optional<uint64_t> dropped;
      shown = shown_insert(static_cast<size_t>(std::countr_zero(m)), key, dropped) || shown;
      if (dropped) {
        Entry& d = entries_[slots_[find_slot(*dropped)] - 1];
        if (!is_shown(d.key, d.mask)) std::string().swap(d.bytes);
      }
    }
  }
  sorted_ = false;
  entries_.push_back({key, 1, mask, shown ? display_prefix(value) : std::string()});
  slots_[find_slot(key)] = static_cast<uint32_t>(entries_.size());

  bool evicted_global = false, evicted_reserve = false;
  uint64_t out_global = 0, out_reserve = 0;
  if (global) {
    global_heap_.push_back(key);
    std::push_heap(global_heap_.begin(), global_heap_.end());
    if (global_heap_.size() > sample_size_) {
      std::pop_heap(global_heap_.begin(), global_heap_.end());
      out_global = global_heap_.back();
      global_heap_.pop_back();
      evicted_global = true;
      Entry& out = entries_[slots_[find_slot(out_global)] - 1];
      unshow(out);
      std::string().swap(out.bytes);
    }
    if (global_heap_.size() == sample_size_) global_threshold_ = global_heap_.front();
  }
  const uint32_t s = stratum_of_key(key);
  if (key < reserve_threshold_[s]) {
    auto& r = reserve_[s];
    size_t size = reserve_size_[s];
    if (size == STRATUM_RESERVE) {
      out_reserve = r[STRATUM_RESERVE - 1];
      evicted_reserve = true;
      --size;
    }
    size_t at = size;
    while (at > 0 && r[at - 1] > key) {
      r[at] = r[at - 1];
      --at;
    }
    r[at] = key;
    ++size;
    reserve_size_[s] = static_cast<uint8_t>(size);
    if (size == STRATUM_RESERVE) reserve_threshold_[s] = r[STRATUM_RESERVE - 1];
  }
  if (evicted_global && !in_reserve(out_global)) erase_key(out_global);
  if (evicted_reserve && !(evicted_global && out_reserve == out_global) && !in_global(out_reserve))
    erase_key(out_reserve);
}

// Removes a kept key: backward-shift deletion in the table, then the last entry fills the hole.
void PatternStats::erase_key(uint64_t key) {
  size_t hole = find_slot(key);
  const uint32_t index = slots_[hole] - 1;
  slots_[hole] = 0;
  for (size_t j = (hole + 1) & slot_mask_; slots_[j] != 0; j = (j + 1) & slot_mask_) {
    const size_t home = (entries_[slots_[j] - 1].key >> patterns::STRATUM_BITS) & slot_mask_;
    // Slot j's entry stays unless the hole lies cyclically in [home, j): then it moves back.
    const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (stays) continue;
    slots_[hole] = slots_[j];
    slots_[j] = 0;
    hole = j;
  }
  const size_t last = entries_.size() - 1;
  sorted_ = false;
  if (index != last) {
    entries_[index] = std::move(entries_[last]);
    slots_[find_slot(entries_[index].key)] = index + 1;
  }
  entries_.pop_back();
}

// For entries in increasing key order, the first `k` being the global sample: whether each is
// among the MAX_SAMPLE_MATCHES first of the global sample matching some pattern.
std::vector<bool> PatternStats::shown_flags(const std::vector<Entry>& sorted, uint64_t k) {
  std::array<uint32_t, PATTERN_COUNT> taken{};
  std::vector<bool> shown(sorted.size(), false);
  for (size_t i = 0; i < sorted.size() && i < k; ++i) {
    for (uint32_t m = sorted[i].mask; m != 0; m &= m - 1) {
      const auto p = static_cast<size_t>(std::countr_zero(m));
      if (taken[p] < patterns::MAX_SAMPLE_MATCHES) {
        ++taken[p];
        shown[i] = true;
      }
    }
  }
  return shown;
}

// Replaces the sample with the kept part of `sorted` (strictly increasing keys, counts merged).
void PatternStats::rebuild(std::vector<Entry> sorted) {
  std::array<uint32_t, STRATUM_COUNT> seen{};
  entries_.clear();
  global_heap_.clear();
  reserve_size_.fill(0);
  reserve_threshold_.fill(UINT64_MAX);
  for (size_t rank = 0; rank < sorted.size(); ++rank) {
    Entry& e = sorted[rank];
    const uint32_t s = stratum_of_key(e.key);
    const bool global = rank < sample_size_;
    const bool reserve = seen[s] < STRATUM_RESERVE;
    if (global) global_heap_.push_back(e.key);
    if (reserve) reserve_[s][reserve_size_[s]++] = e.key;
    ++seen[s];
    if (global || reserve) entries_.push_back(std::move(e));
  }
  std::make_heap(global_heap_.begin(), global_heap_.end());
  global_threshold_ = global_heap_.size() == sample_size_ ? global_heap_.front() : UINT64_MAX;
  const std::vector<bool> shown = shown_flags(entries_, sample_size_);
  shown_size_.fill(0);
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (!shown[i]) {
      std::string().swap(entries_[i].bytes);
      continue;
    }
    for (uint32_t m = entries_[i].mask; m != 0; m &= m - 1) {
      const auto p = static_cast<size_t>(std::countr_zero(m));
      if (shown_size_[p] < patterns::MAX_SAMPLE_MATCHES) shown_[p][shown_size_[p]++] = entries_[i].key;
    }
  }
  for (uint32_t s = 0; s < STRATUM_COUNT; ++s)
    if (reserve_size_[s] == STRATUM_RESERVE) reserve_threshold_[s] = reserve_[s][STRATUM_RESERVE - 1];
  // In key order, without an index until a value arrives (index_entries).
  sorted_ = true;
  std::vector<uint32_t>().swap(slots_);
  slot_mask_ = 0;
}

std::vector<const PatternStats::Entry*> PatternStats::sorted_entries() const {
  std::vector<const Entry*> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) out.push_back(&e);
  if (sorted_) return out;
  std::sort(out.begin(), out.end(), [](const Entry* a, const Entry* b) { return a->key < b->key; });
  return out;
}

void PatternStats::merge(const PatternStats& other) {
  if (sample_size_ != other.sample_size_)
    throw InvalidInput("pattern stats merge: sample size " + std::to_string(sample_size_) + " vs " +
                       std::to_string(other.sample_size_));
  if (other.total_ > UINT64_MAX - total_)
    throw InvalidInput("pattern stats merge: total " + std::to_string(total_) + " plus " +
                       std::to_string(other.total_) + " exceeds 2^64 - 1");
  // Union by key, in key order; equal keys are one value (or a 2^-57 collision, resolved the same
  // way whatever the order: the smaller mask, then stored bytes over none, then the smaller bytes).
  const std::vector<const Entry*> a = sorted_entries();
  const std::vector<const Entry*> b = other.sorted_entries();
  std::vector<Entry> all;
  all.reserve(a.size() + b.size());
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && a[i]->key < b[j]->key)) {
      all.push_back(*a[i++]);
    } else if (i == a.size() || b[j]->key < a[i]->key) {
      all.push_back(*b[j++]);
    } else {
      const Entry& x = *a[i++];
      const Entry& y = *b[j++];
      const bool take_y = std::make_tuple(y.mask, y.bytes.empty(), std::string_view(y.bytes)) <
                          std::make_tuple(x.mask, x.bytes.empty(), std::string_view(x.bytes));
      all.push_back(take_y ? y : x);
      all.back().count = x.count + y.count;  // ≤ total: no overflow
    }
  }
  total_ += other.total_;
  for (size_t p = 0; p < PATTERN_COUNT; ++p) exact_counts_[p] += other.exact_counts_[p];
  for (size_t s = 0; s < STRATUM_COUNT; ++s) stratum_counts_[s] += other.stratum_counts_[s];
  rebuild(std::move(all));
}

void PatternStats::serialize(ByteWriter& out) const {
  out.put_varint(sample_size_);
  out.put_varint(total_);
  for (uint32_t id : EXACT_PATTERN_IDS) out.put_varint(exact_counts_[id]);
  uint32_t strata = 0;
  for (uint64_t c : stratum_counts_) strata += c != 0;
  out.put_varint(strata);
  for (uint32_t s = 0; s < STRATUM_COUNT; ++s) {
    if (stratum_counts_[s] == 0) continue;
    out.put_u8(static_cast<uint8_t>(s));
    out.put_varint(stratum_counts_[s]);
  }
  const std::vector<const Entry*> sorted = sorted_entries();
  out.put_varint(sorted.size());
  for (const Entry* e : sorted) {
    out.put_u64(e->key);
    out.put_varint(e->count);
    out.put_varint(e->mask);
    out.put_bytes(e->bytes);
  }
}

PatternStats PatternStats::deserialize(ByteReader& in) {
  const uint64_t k = get_minimal_count(in, "pattern sample size", patterns::MAX_SAMPLE_SIZE);
  if (k < 1) in.fail("pattern sample size 0, expected at least 1");
  PatternStats st(static_cast<uint32_t>(k));
  const uint64_t total = get_minimal_varint(in, "pattern total");
  st.total_ = total;
  for (uint32_t id : EXACT_PATTERN_IDS) {
    const uint64_t c = get_minimal_varint(in, "pattern exact count");
    if (c > total)
      in.fail("pattern count of " + std::string(patterns::INFOS[id].name) + " " +
              std::to_string(c) + " exceeds the total " + std::to_string(total));
    st.exact_counts_[id] = c;
  }

  const uint64_t strata = get_minimal_count(in, "pattern stratum count", STRATUM_COUNT);
  uint64_t sum = 0;
  int last = -1;
  for (uint64_t i = 0; i < strata; ++i) {
    const uint8_t s = in.get_u8("pattern stratum");
    if (s >= STRATUM_COUNT || static_cast<int>(s) <= last)
      in.fail("pattern stratum " + std::to_string(s) + " after " + std::to_string(last) +
              ", expected increasing strata below " + std::to_string(STRATUM_COUNT));
    last = s;
    const uint64_t c = get_minimal_varint(in, "pattern stratum value count");
    if (c == 0) in.fail("pattern stratum " + std::to_string(s) + " has a count of 0");
    if (c > total - sum)
      in.fail("pattern stratum counts exceed the total " + std::to_string(total));
    sum += c;
    st.stratum_counts_[s] = c;
  }
  if (sum != total)
    in.fail("pattern stratum counts sum to " + std::to_string(sum) + ", expected the total " +
            std::to_string(total));

  const uint64_t n = get_minimal_count(in, "pattern sample entry count", k + MAX_KEPT_EXTRA);
  std::vector<Entry> entries;
  entries.reserve(std::min<uint64_t>(n, in.remaining() / 11));  // ≥ 11 bytes an entry
  std::array<uint64_t, STRATUM_COUNT> budget = st.stratum_counts_;
  std::array<uint64_t, STRATUM_COUNT> kept{};
  std::array<uint64_t, PATTERN_COUNT> sampled{};
  for (uint64_t e = 0; e < n; ++e) {
    // Built only for a message: per entry it would cost more than reading the entry.
    const auto where_text = [e] { return " of sample entry " + std::to_string(e); };
    const uint64_t key = in.get_u64("pattern sample key");
    if (!entries.empty() && key <= entries.back().key)
      in.fail("pattern sample key" + where_text() + " is not greater than the last");
    const uint32_t s = stratum_of_key(key);
    if (s >= STRATUM_COUNT || st.stratum_counts_[s] == 0)
      in.fail("pattern sample stratum " + std::to_string(s) + where_text() + " has no values");
    const uint64_t count = get_minimal_varint(in, "pattern sample count");
    if (count == 0) in.fail("pattern sample count" + where_text() + " is 0");
    if (count > budget[s])
      in.fail("pattern sample counts exceed the count " + std::to_string(st.stratum_counts_[s]) +
              " of stratum " + std::to_string(s) + " at entry " + std::to_string(e));
    budget[s] -= count;
    ++kept[s];
    const uint32_t mask =
        static_cast<uint32_t>(get_minimal_count(in, "pattern sample match mask", patterns::ALL_MASK));
    const size_t length_at = in.position();
    const std::string_view bytes = in.get_bytes("pattern sample value");
    if (in.position() - length_at - bytes.size() != varint_size(bytes.size()))
      in.fail("pattern sample value length" + where_text() + ": padded varint");
    if (bytes.size() > patterns::MAX_SAMPLE_VALUE_BYTES)
      in.fail("pattern sample value" + where_text() + " of " + std::to_string(bytes.size()) +
              " bytes, at most " + std::to_string(patterns::MAX_SAMPLE_VALUE_BYTES));
    if (!bytes.empty() && is_whole_value(bytes) &&
        (patterns::match_mask(bytes) != mask || patterns::stratum_of(bytes) != s))
      in.fail("pattern sample entry " + std::to_string(e) + ": mask or stratum disagrees with its value");
    for (uint32_t m = mask; m != 0; m &= m - 1) sampled[static_cast<size_t>(std::countr_zero(m))] += count;
    entries.push_back({key, count, mask, std::string(bytes)});
  }

  // The kept set is exactly what the retention rule keeps: each entry is among the k smallest keys
  // or the STRATUM_RESERVE smallest of its stratum; a stratum that lost values has a full reserve;
  // a column that lost values has a full global sample.
  std::array<uint32_t, STRATUM_COUNT> rank_in_stratum{};
  bool complete = true;
  for (size_t rank = 0; rank < entries.size(); ++rank) {
    const uint32_t s = stratum_of_key(entries[rank].key);
    if (rank >= k && rank_in_stratum[s] >= STRATUM_RESERVE)
      in.fail("pattern sample entry " + std::to_string(rank) + " is outside both the sample and its stratum reserve");
    ++rank_in_stratum[s];
  }
  for (uint32_t s = 0; s < STRATUM_COUNT; ++s) {
    if (st.stratum_counts_[s] == 0) continue;
    if (kept[s] == 0) in.fail("pattern stratum " + std::to_string(s) + " has values but no sample");
    if (budget[s] != 0) {
      complete = false;
      if (kept[s] < STRATUM_RESERVE)
        in.fail("pattern stratum " + std::to_string(s) + " lost values with a reserve of only " +
                std::to_string(kept[s]));
    }
  }
  if (!complete && entries.size() < k)
    in.fail("pattern sample lost values with only " + std::to_string(entries.size()) +
            " of " + std::to_string(k) + " kept");
  // Bytes are stored exactly for the values shown.
  const std::vector<bool> shown = shown_flags(entries, k);
  for (size_t i = 0; i < entries.size(); ++i)
    if (shown[i] == entries[i].bytes.empty())
      in.fail("pattern sample value of entry " + std::to_string(i) +
              (shown[i] ? " missing for a shown match" : " stored but not shown"));
  if (complete) {
    for (uint32_t id : EXACT_PATTERN_IDS)
      if (sampled[id] != st.exact_counts_[id])
        in.fail("pattern count of " + std::string(patterns::INFOS[id].name) + " " +
                std::to_string(st.exact_counts_[id]) + " disagrees with the complete sample's " +
                std::to_string(sampled[id]));
  }
  st.rebuild(std::move(entries));
  return st;
}

bool PatternStats::is_exact() const {
  std::array<uint64_t, STRATUM_COUNT> weight{};
  for (const Entry& e : entries_) weight[stratum_of_key(e.key)] += e.count;
  return weight == stratum_counts_;
}

std::vector<PatternResult> PatternStats::finalize(double min_ratio) const {
  if (!(min_ratio >= 0 && min_ratio <= 1))
    throw InvalidInput("pattern stats: minimum ratio " + std::to_string(min_ratio) +
                       ", expected 0 to 1");
  std::vector<PatternResult> out;
  if (total_ == 0) return out;

  // Per stratum: kept values n, their weight W = Σc, Σc², and per pattern Σc·[match], Σc²·[match].
  struct Stratum {
    double n = 0, w = 0, w2 = 0;
    std::array<double, PATTERN_COUNT> m{}, m2{};
  };
  std::vector<Stratum> strata(STRATUM_COUNT);
  std::array<uint64_t, PATTERN_COUNT> sampled_matches{};
  std::array<uint64_t, STRATUM_COUNT> weight{};
  for (const Entry& e : entries_) {
    const uint32_t s = stratum_of_key(e.key);
    Stratum& t = strata[s];
    const double c = static_cast<double>(e.count);
    t.n += 1;
    t.w += c;
    t.w2 += c * c;
    weight[s] += e.count;
    for (uint32_t m = e.mask; m != 0; m &= m - 1) {
      const auto p = static_cast<size_t>(std::countr_zero(m));
      t.m[p] += c;
      t.m2[p] += c * c;
      sampled_matches[p] += e.count;
    }
  }
  const bool complete = weight == stratum_counts_;
  const double total = static_cast<double>(total_);

  for (size_t p = 0; p < PATTERN_COUNT; ++p) {
    const patterns::PatternInfo& pi = patterns::INFOS[p];
    PatternResult r{std::string(pi.name), std::string(pi.regex), 0, true, 0, total_, 0, {}};
    if (pi.exact || complete) {
      r.matches = pi.exact ? exact_counts_[p] : sampled_matches[p];
      r.match_ratio = static_cast<double>(r.matches) / total;
    } else {
      double ratio = 0, variance = 0;
      for (uint32_t s = 0; s < STRATUM_COUNT; ++s) {
        if (stratum_counts_[s] == 0) continue;
        const Stratum& t = strata[s];
        const double share = static_cast<double>(stratum_counts_[s]) / total;
        const double rs = t.m[p] / t.w;
        ratio += share * rs;
        if (weight[s] == stratum_counts_[s]) continue;  // every value of the stratum is kept
        // Ratio estimator over a sample of clusters (distinct values of c_v rows each):
        // var ≈ Σ c_v²(m_v − r)² / (n(n−1)) / (W/n)², with m_v² = m_v.
        double v = 0.25;  // one value: no estimate of the spread, take the binomial maximum
        if (t.n >= 2) {
          const double spread = (1 - 2 * rs) * t.m2[p] + rs * rs * t.w2;
          const double mean = t.w / t.n;
          v = std::max(0.0, spread) / (t.n * (t.n - 1)) / (mean * mean);
        }
        variance += share * share * v;
      }
      r.match_ratio = std::clamp(ratio, 0.0, 1.0);
      r.exact = false;
      r.standard_error = std::sqrt(variance);
      r.matches = static_cast<uint64_t>(std::llround(r.match_ratio * total));
      r.matches = std::min(r.matches, total_);
    }
    if (r.matches == 0 || r.match_ratio < min_ratio) continue;
    for (size_t i = 0; i < shown_size_[p]; ++i)
      r.sample_matches.push_back(entry_of(shown_[p][i]).bytes);
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const PatternResult& a, const PatternResult& b) {
    if (a.match_ratio != b.match_ratio) return a.match_ratio > b.match_ratio;
    const int pa = patterns::INFOS[static_cast<size_t>(*patterns::find(a.pattern))].priority;
    const int pb = patterns::INFOS[static_cast<size_t>(*patterns::find(b.pattern))].priority;
    if (pa != pb) return pa > pb;
    return a.pattern < b.pattern;
  });
  return out;
}

bool PatternStats::operator==(const PatternStats& other) const {
  if (sample_size_ != other.sample_size_ || total_ != other.total_ ||
      exact_counts_ != other.exact_counts_ || stratum_counts_ != other.stratum_counts_ ||
      entries_.size() != other.entries_.size())
    return false;
  const std::vector<const Entry*> a = sorted_entries();
  const std::vector<const Entry*> b = other.sorted_entries();
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i]->key != b[i]->key || a[i]->count != b[i]->count || a[i]->mask != b[i]->mask ||
        a[i]->bytes != b[i]->bytes)
      return false;
  }
  return true;
}

size_t PatternStats::memory_bytes() const {
  size_t bytes = sizeof(*this) + entries_.capacity() * sizeof(Entry) +
                 slots_.capacity() * sizeof(uint32_t) + global_heap_.capacity() * sizeof(uint64_t);
  for (const Entry& e : entries_)
    if (e.bytes.capacity() > 15) bytes += e.bytes.capacity() + 1;
  return bytes;
}

std::optional<std::string_view> infer_data_type(const std::vector<PatternResult>& results,
                                                double min_ratio) {
  std::optional<PatternId> best;
  for (const PatternResult& r : results) {
    if (r.match_ratio < min_ratio) continue;
    const std::optional<PatternId> id = patterns::find(r.pattern);
    if (!id) continue;
    if (!best || patterns::info(*id).priority > patterns::info(*best).priority ||
        (patterns::info(*id).priority == patterns::info(*best).priority && *id < *best))
      best = id;
  }
  if (!best) return std::nullopt;
  return patterns::info(*best).data_type;
}

}  // namespace truthound
