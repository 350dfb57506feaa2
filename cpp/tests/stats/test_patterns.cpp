#include "truthound/stats/patterns.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "truthound/error.hpp"
#include "truthound/hash.hpp"

namespace truthound {
namespace {

// ---------------------------------------------------------------------------------------------
// Helpers

void add(PatternStats& st, std::string_view v) { st.update(hash::of_bytes(v), v); }

PatternStats feed(const std::vector<std::string>& values,
                  uint32_t k = patterns::DEFAULT_SAMPLE_SIZE) {
  PatternStats st(k);
  for (const std::string& v : values) add(st, v);
  return st;
}

std::string bytes_of(const PatternStats& st) {
  ByteWriter out;
  st.serialize(out);
  return out.take();
}

PatternStats from_bytes(std::string_view bytes) {
  ByteReader in(bytes, "test");
  PatternStats st = PatternStats::deserialize(in);
  in.expect_end();
  return st;
}

std::optional<PatternResult> result_for(const std::vector<PatternResult>& results,
                                       std::string_view name) {
  for (const PatternResult& r : results)
    if (r.pattern == name) return r;
  return std::nullopt;
}

std::string hex(std::string_view s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (char c : s) {
    out.push_back(digits[static_cast<unsigned char>(c) >> 4]);
    out.push_back(digits[static_cast<unsigned char>(c) & 15]);
  }
  return out;
}

std::string unhex(std::string_view h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return out;
}

// Binomial standard error with n = the sample size: the bound the estimates are held to.
double binomial_se(double p, uint32_t n) { return std::sqrt(p * (1 - p) / n); }

// Distinct e-mail addresses and look-alike non-addresses of the same first byte and length range,
// so that the strata cannot tell them apart and the estimate rests on the sample alone.
std::string email_value(uint64_t i) { return "u" + std::to_string(i) + "x@mail.example.com"; }
std::string text_value(uint64_t i) { return "u" + std::to_string(i) + "x at mail example com"; }

// ---------------------------------------------------------------------------------------------
// Matchers

struct Cases {
  PatternId id;
  std::vector<std::string> yes;
  std::vector<std::string> no;
};

std::vector<Cases> matcher_cases() {
  return {
      {PatternId::KoreanRrn,
       {"900101-1234567", "991231-2000000", "000229-3123456", "850715-4999999", "120531-1000001"},
       {"900101-5234567", "901301-1234567", "900100-1234567", "9001011234567", "900101-123456",
        " 900101-1234567", "900132-1234567"}},
      {PatternId::KoreanPhone,
       {"010-1234-5678", "011-123-4567", "01012345678", "0161234567", "019-9999-0000"},
       {"010-12345-678", "02-1234-5678", "010-1234-567", "010-123-45678", "010 1234 5678",
        "010-1234-5678 ", "010-12345678"}},
      {PatternId::KoreanBusinessNumber,
       {"123-45-67890", "000-00-00000", "999-99-99999", "220-81-62517", "101-10-10101"},
       {"123-456-7890", "12-345-67890", "123-45-6789", "123-45-678901", "1234567890", "abc-de-fghij"}},
      {PatternId::Uuid,
       {"550e8400-e29b-41d4-a716-446655440000", "00000000-0000-0000-0000-000000000000",
        "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "123e4567-E89B-12d3-a456-426614174000",
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
       {"550e8400-e29b-41d4-a716-44665544000", "550e8400e29b41d4a716446655440000",
        "550e840-0e29b-41d4-a716-446655440000", "550e8400-e29b-41d4-a716-44665544000g",
        "{550e8400-e29b-41d4-a716-446655440000}", "550e8400-e29b-41d4-a7164-46655440000"}},
      {PatternId::Email,
       {"john.doe@example.com", "a@b.io", "x_y%z+tag@sub-domain.example.co.uk", "1@2.ab",
        "first.last@x-y.org"},
       {"a@b", "a@b.c", "@example.com", "a@.com", "a@-x.com", "a@x-.com", "a b@x.com",
        "a@x.com ", "a@@x.com", "a@x..com", "a@x.c0m"}},
      {PatternId::Url,
       {"http://example.com", "https://a.b/c?d=e#f", "ftp://files.example.org/pub",
        "https://[::1]:8080/x", "https://ko.wikipedia.org/wiki/\xec\x84\x9c\xec\x9a\xb8",
        "http://user:pw@host:80"},
       {"example.com", "http://", "http:///path", "https://a.b/c d", "mailto:a@b.co",
        "HTTP://EXAMPLE.COM", "http://.example.com", "https://a.b/\x7f"}},
      {PatternId::Ipv4,
       {"192.168.0.1", "255.255.255.255", "0.0.0.0", "10.0.0.254", "1.2.3.4"},
       {"999.1.1.1", "256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.", "1..2.3", "a.b.c.d"}},
      {PatternId::Ipv6,
       {"::", "::1", "fe80::1", "2001:db8::8a2e:370:7334", "1:2:3:4:5:6:7:8", "::ffff:192.0.2.1",
        "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7::"},
       {":", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", "1:2:3:4:5:6:7", "::ffff:999.0.0.1",
        "fe80::1%eth0", "1:2:3:4:5:6:7:1.2.3.4", "g::1"}},
      {PatternId::Phone,
       {"+14155552671", "+821012345678", "(555) 123-4567", "555-123-4567", "+1 555.123.4567",
        "+82-10-1234-5678", "010-1234-5678", "(02)1234-5678"},
       {"+1234567", "+1234567890123456", "14155552671", "+0123456789", "555-1234",
        "(5) 123-4567", "555--123-4567", "+1555-123-4567", "555-123-45678"}},
      {PatternId::Json,
       {"{}", "[]", "{\"a\": [1, 2.5e3, -0.1, true, false, null, \"x\\u00e9\\n\"]}",
        "[[[]]]", "[{\"k\":{}}]", "[\"\xc3\xa9\"]", "{\n  \"a\": 1\n}"},
       {"{", "[1,]", "{\"a\":1,}", "[01]", "{'a': 1}", "[1] ", " [1]", "\"str\"", "42", "[NaN]",
        "{\"a\" 1}", "[\"a\x01\"]", "[\"\\x\"]", "[1}", "{\"a\":1]", "[tru]"}},
      {PatternId::CurrencyString,
       {"$1,234.56", "\xe2\x82\xac" "10", "1,000\xec\x9b\x90", "\xe2\x82\xa9" "5000", "-$3.00",
        "1,234", "\xc2\xa3 7.50", "10 \xe2\x82\xac", "\xc2\xa5" "300", "5\xe5\x86\x86"},
       {"$", "1234", "$1,23", "$1.5", "1,234.5", "--$3", "$ -3", "12,34", "1234,567", "3.00",
        "$1,234 ", "USD 5"}},
      {PatternId::PercentageString,
       {"12%", "-3.5 %", ".5%", "+100%", "0%", "99.99%"},
       {"%", "12", "12 %%", "12.%", "--5%", "12%%", "1,000%", "12  %", " 12%"}},
      {PatternId::FloatString,
       {"1.5", "-0.25", "1e5", "1.", ".5", "+3.0E-7", "12.34e+10", "123E-45678"},
       {"1", "--5", ".", "e5", "1e", "1.2.3", "1,5", "NaN", "inf", "1.5 ", "0x1p3", "1234-56789",
        "1234.5-6"}},
      {PatternId::IntegerString,
       {"0", "-17", "+42", "123456789012345678901234567890", "007"},
       {"--5", "+-5", "-", "1.0", "1e5", "1 000", "12a", " 12", "\xd9\xa3"}},
      {PatternId::IsoDate,
       {"2024-02-29", "2023-12-31", "1999-01-01", "2000-02-29", "1900-02-28"},
       {"2023-02-30", "2023-02-29", "1900-02-29", "2023-13-01", "2023-00-10", "2023-04-31",
        "2023-1-01", "23-01-01", "2023/01/01", "2023-01-01T00:00"}},
      {PatternId::IsoDatetime,
       {"2024-01-15T10:30", "2024-01-15 10:30:59", "2024-01-15T10:30:59.123456Z",
        "2024-01-15T23:59:59+09:00", "2024-01-15T00:00-05:30"},
       {"2024-01-15", "2024-01-15T24:00", "2024-01-15T10:60", "2024-01-15t10:30",
        "2024-02-30T10:30", "2024-01-15T10:30:59.", "2024-01-15T10:30+0900", "2024-01-15T10:30 "}},
      {PatternId::Time,
       {"10:30", "23:59:59", "00:00:00.5", "12:00:00.000001", "09:05"},
       {"24:00", "9:30", "10:61", "10:30:60", "10:30:", "10:30:00.", "10:30Z", "1030"}},
      {PatternId::BooleanString,
       {"true", "False", "YES", "no", "y", "N", "t", "F", "0", "1"},
       {"2", "tru", "yes ", "on", "off", "nope", "truee", "ye", "\xc5\xbf" "es"}},
  };
}

TEST(PatternMatchers, PositiveAndNegativeExamples) {
  for (const Cases& c : matcher_cases()) {
    const std::string_view name = patterns::info(c.id).name;
    EXPECT_GE(c.yes.size(), 5u) << name;
    EXPECT_GE(c.no.size(), 5u) << name;
    for (const std::string& v : c.yes) {
      EXPECT_TRUE(patterns::matches(c.id, v)) << name << " should match \"" << v << "\"";
      EXPECT_TRUE((patterns::match_mask(v) >> static_cast<unsigned>(c.id)) & 1) << name << " " << v;
    }
    for (const std::string& v : c.no) {
      EXPECT_FALSE(patterns::matches(c.id, v)) << name << " should not match \"" << v << "\"";
      EXPECT_FALSE((patterns::match_mask(v) >> static_cast<unsigned>(c.id)) & 1) << name << " " << v;
    }
  }
}

TEST(PatternMatchers, ExactMaskIsTheExactPartOfTheFullMask) {
  uint32_t exact_ids = 0;
  for (size_t i = 0; i < patterns::PATTERN_COUNT; ++i)
    if (patterns::info(static_cast<PatternId>(i)).exact) exact_ids |= 1u << i;
  for (const Cases& c : matcher_cases()) {
    for (const std::vector<std::string>* list : {&c.yes, &c.no})
      for (const std::string& v : *list)
        EXPECT_EQ(patterns::exact_mask(v), patterns::match_mask(v) & exact_ids) << v;
  }
}

TEST(PatternMatchers, WhitespaceIsNeverTrimmed) {
  for (const char* v : {" 42", "42 ", "\t1.5", "true\n", " a@b.io", "2024-01-01 ", "   ", " "})
    EXPECT_EQ(patterns::match_mask(v), 0u) << '"' << v << '"';
}

TEST(PatternMatchers, EmptyMatchesNothing) { EXPECT_EQ(patterns::match_mask(""), 0u); }

TEST(PatternMatchers, JsonNestingIsCappedAt64) {
  const std::string ok = std::string(64, '[') + std::string(64, ']');
  const std::string deep = std::string(65, '[') + std::string(65, ']');
  EXPECT_TRUE(patterns::matches(PatternId::Json, ok));
  EXPECT_FALSE(patterns::matches(PatternId::Json, deep));
  std::string objects;
  for (int i = 0; i < 64; ++i) objects += "{\"a\":";
  objects += "1" + std::string(64, '}');
  EXPECT_TRUE(patterns::matches(PatternId::Json, objects));
  EXPECT_FALSE(patterns::matches(PatternId::Json, "{\"a\":" + objects + "}"));
}

TEST(PatternMatchers, EmbeddedNulAndInvalidUtf8) {
  const std::string nul("12\0" "3", 4);
  EXPECT_EQ(patterns::match_mask(nul), 0u);
  EXPECT_EQ(patterns::match_mask(std::string("a@b.io\0", 7)), 0u);
  EXPECT_FALSE(patterns::matches(PatternId::Json, std::string("[\"\0\"]", 5)));
  for (const char* v : {"\xff", "\xc3", "\xe2\x82", "\x80\x80", "$\xe2\x82", "\xe2\x82\xac", "1,000\xec\x9b"})
    EXPECT_EQ(patterns::match_mask(v) & ~patterns::match_mask("x"), 0u) << hex(v);
  // Bytes ≥ 0x80 inside JSON strings and URL paths are taken as they are.
  EXPECT_TRUE(patterns::matches(PatternId::Json, "[\"\xff\"]"));
}

TEST(PatternMatchers, SixteenMegabyteValuesAreLinear) {
  const size_t n = size_t{16} << 20;
  const auto start = std::chrono::steady_clock::now();
  std::string digits(n, '7');
  EXPECT_EQ(patterns::match_mask(digits), 1u << static_cast<unsigned>(PatternId::IntegerString));
  std::string local(n, 'a');
  EXPECT_EQ(patterns::match_mask(local), 0u);
  local += "@example.com";
  EXPECT_TRUE(patterns::matches(PatternId::Email, local));
  std::string array = "[" + std::string(n, '1') + "]";
  EXPECT_TRUE(patterns::matches(PatternId::Json, array));
  std::string opens(n, '[');
  EXPECT_FALSE(patterns::matches(PatternId::Json, opens));
  std::string commas = "[1";
  while (commas.size() < n) commas += ",1";
  EXPECT_FALSE(patterns::matches(PatternId::Json, commas));
  commas += "]";
  EXPECT_TRUE(patterns::matches(PatternId::Json, commas));
  std::string url = "https://example.com/" + std::string(n, 'x');
  EXPECT_TRUE(patterns::matches(PatternId::Url, url));
  std::string fraction = "12:00:00." + std::string(n, '5');
  EXPECT_TRUE(patterns::matches(PatternId::Time, fraction));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Linear work takes well under a second optimised. The bound only catches quadratic matching
  // (hours on 16 MiB values), with room for sanitizers on a loaded machine; speed is measured by
  // bench/cpp/bench_patterns.cpp, not asserted here.
  EXPECT_LT(seconds, 300.0);
}

TEST(PatternInfoTable, NamesPrioritiesAndFlags) {
  std::set<std::string_view> names;
  for (size_t i = 0; i < patterns::PATTERN_COUNT; ++i) {
    const patterns::PatternInfo& pi = patterns::info(static_cast<PatternId>(i));
    EXPECT_TRUE(names.insert(pi.name).second) << pi.name;
    EXPECT_EQ(patterns::find(pi.name), static_cast<PatternId>(i));
    EXPECT_FALSE(pi.regex.empty());
    EXPECT_FALSE(pi.data_type.empty());
  }
  EXPECT_EQ(patterns::find("ip_address"), std::nullopt);
  auto priority = [](PatternId id) { return patterns::info(id).priority; };
  EXPECT_EQ(priority(PatternId::KoreanRrn), 100);
  EXPECT_EQ(priority(PatternId::KoreanPhone), 100);
  EXPECT_EQ(priority(PatternId::KoreanBusinessNumber), 100);
  EXPECT_EQ(priority(PatternId::Uuid), 90);
  EXPECT_EQ(priority(PatternId::Email), 80);
  EXPECT_EQ(priority(PatternId::Url), 80);
  EXPECT_EQ(priority(PatternId::Ipv4), 70);
  EXPECT_EQ(priority(PatternId::Ipv6), 70);
  EXPECT_EQ(priority(PatternId::Phone), 60);
  EXPECT_EQ(priority(PatternId::Json), 50);
  EXPECT_EQ(priority(PatternId::CurrencyString), 45);
  EXPECT_EQ(priority(PatternId::PercentageString), 45);
  EXPECT_EQ(priority(PatternId::FloatString), 40);
  EXPECT_EQ(priority(PatternId::IntegerString), 35);
  EXPECT_EQ(priority(PatternId::IsoDate), 30);
  EXPECT_EQ(priority(PatternId::IsoDatetime), 30);
  EXPECT_EQ(priority(PatternId::Time), 30);
  EXPECT_EQ(priority(PatternId::BooleanString), 20);
  std::set<std::string_view> exact;
  for (size_t i = 0; i < patterns::PATTERN_COUNT; ++i)
    if (patterns::info(static_cast<PatternId>(i)).exact)
      exact.insert(patterns::info(static_cast<PatternId>(i)).name);
  EXPECT_EQ(exact, (std::set<std::string_view>{"integer_string", "float_string", "iso_date",
                                               "iso_datetime", "boolean_string"}));
  EXPECT_EQ(patterns::info(PatternId::Ipv4).data_type, "ip_address");
  EXPECT_EQ(patterns::info(PatternId::Ipv6).data_type, "ip_address");
}

TEST(PatternInfoTable, StrataCoverTheirRange) {
  std::set<uint32_t> seen;
  for (size_t n : {1, 2, 3, 4, 5, 7, 8, 11, 12, 15, 16, 23, 24, 31, 32, 47, 48, 63, 64, 127, 128, 255, 256, 5000})
    for (char c : std::string("0a+{\x80 "))
      seen.insert(patterns::stratum_of(std::string(n, c)));
  EXPECT_EQ(seen.size(), patterns::STRATUM_COUNT);
  EXPECT_LT(*seen.rbegin(), patterns::STRATUM_COUNT);
  EXPECT_LT(patterns::stratum_of(""), patterns::STRATUM_COUNT);
}

// ---------------------------------------------------------------------------------------------
// Accumulator: settings, empty, one value

TEST(PatternStatsSettings, InvalidThrowInvalidInput) {
  EXPECT_THROW(PatternStats{0}, InvalidInput);
  EXPECT_THROW(PatternStats{patterns::MAX_SAMPLE_SIZE + 1}, InvalidInput);
  EXPECT_NO_THROW(PatternStats{patterns::MAX_SAMPLE_SIZE});
  PatternStats a(16), b(32);
  EXPECT_THROW(a.merge(b), InvalidInput);
  EXPECT_THROW((void)a.finalize(-0.1), InvalidInput);
  EXPECT_THROW((void)a.finalize(1.5), InvalidInput);
  EXPECT_THROW((void)a.finalize(std::nan("")), InvalidInput);
}

TEST(PatternStatsEmpty, NothingToReport) {
  PatternStats st;
  EXPECT_EQ(st.total(), 0u);
  EXPECT_TRUE(st.is_exact());
  EXPECT_TRUE(st.finalize().empty());
  EXPECT_TRUE(st.finalize(0).empty());
  EXPECT_EQ(from_bytes(bytes_of(st)), st);
}

TEST(PatternStatsEmpty, IsTheMergeIdentity) {
  PatternStats st = feed({"a@b.io", "42", "x"});
  const std::string before = bytes_of(st);
  st.merge(PatternStats());
  EXPECT_EQ(bytes_of(st), before);
  PatternStats empty;
  empty.merge(feed({"a@b.io", "42", "x"}));
  EXPECT_EQ(bytes_of(empty), before);
}

TEST(PatternStatsOneValue, ReportsItExactly) {
  PatternStats st = feed({"john@example.com"});
  const std::vector<PatternResult> r = st.finalize();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].pattern, "email");
  EXPECT_EQ(r[0].regex, patterns::info(PatternId::Email).regex);
  EXPECT_EQ(r[0].match_ratio, 1.0);
  EXPECT_TRUE(r[0].exact);
  EXPECT_EQ(r[0].matches, 1u);
  EXPECT_EQ(r[0].total, 1u);
  EXPECT_EQ(r[0].standard_error, 0.0);
  EXPECT_EQ(r[0].sample_matches, std::vector<std::string>{"john@example.com"});
  EXPECT_EQ(infer_data_type(r), "email");
}

TEST(PatternStatsOneValue, NoMatchReportsNothing) {
  EXPECT_TRUE(feed({"hello world"}).finalize(0).empty());
  EXPECT_TRUE(feed({"   "}).finalize(0).empty());
}

// ---------------------------------------------------------------------------------------------
// Exact mode

TEST(PatternStatsExact, FewDistinctValuesAreExactForEveryPattern) {
  std::vector<std::string> values;
  for (int i = 0; i < 1000; ++i) {
    values.push_back(i % 10 == 0 ? "n/a" : "user" + std::to_string(i % 300) + "@example.com");
  }
  PatternStats st = feed(values);
  EXPECT_TRUE(st.is_exact());
  const std::vector<PatternResult> r = st.finalize(0);
  const std::optional<PatternResult> email = result_for(r, "email");
  ASSERT_NE(email, std::nullopt);
  EXPECT_TRUE(email->exact);
  EXPECT_EQ(email->matches, 900u);
  EXPECT_DOUBLE_EQ(email->match_ratio, 0.9);
  EXPECT_EQ(email->sample_matches.size(), patterns::MAX_SAMPLE_MATCHES);
}

TEST(PatternStatsExact, CheapPatternsAreCountedOverEveryValue) {
  // 50,000 distinct values: far more than the sample. Exact patterns still count every value.
  std::vector<std::string> values;
  uint64_t ints = 0, floats = 0, dates = 0, datetimes = 0, bools = 0;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 50'000; ++i) {
    switch (rng() % 6) {
      case 0: values.push_back(std::to_string(i + 10)); ++ints; break;
      case 1: values.push_back(std::to_string(i) + ".5"); ++floats; break;
      case 2: values.push_back("20" + std::to_string(10 + i % 90) + "-0" + std::to_string(1 + i % 9) + "-1" + std::to_string(i % 10)); ++dates; break;
      case 3: values.push_back("2024-01-15T10:" + std::to_string(10 + i % 50) + ":00." + std::to_string(i)); ++datetimes; break;
      case 4: values.push_back(i % 2 ? "yes" : "FALSE"); ++bools; break;
      default: values.push_back("word " + std::to_string(i)); break;
    }
  }
  PatternStats st = feed(values, 64);
  EXPECT_FALSE(st.is_exact());
  const std::vector<PatternResult> r = st.finalize(0);
  auto check = [&](std::string_view name, uint64_t want) {
    const std::optional<PatternResult> p = result_for(r, name);
    ASSERT_NE(p, std::nullopt) << name;
    EXPECT_TRUE(p->exact) << name;
    EXPECT_EQ(p->matches, want) << name;
    EXPECT_EQ(p->total, values.size());
    EXPECT_DOUBLE_EQ(p->match_ratio, static_cast<double>(want) / static_cast<double>(values.size()));
    EXPECT_EQ(p->standard_error, 0.0);
  };
  check("integer_string", ints);
  check("float_string", floats);
  check("iso_date", dates);
  check("iso_datetime", datetimes);
  check("boolean_string", bools);
}

TEST(PatternStatsExact, ResultsAreSortedByRatioThenPriorityThenName) {
  // Every value is an integer and a phone-free 0/1: integer_string (35) and boolean_string (20)
  // both at 1.0, float_string absent; then a lower-ratio pattern last.
  std::vector<std::string> values = {"0", "1", "1", "0", "1", "0", "1", "0", "1", "2024-01-01"};
  const std::vector<PatternResult> r = feed(values).finalize(0);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].pattern, "integer_string");
  EXPECT_EQ(r[1].pattern, "boolean_string");
  EXPECT_EQ(r[2].pattern, "iso_date");
  EXPECT_DOUBLE_EQ(r[0].match_ratio, 0.9);
  EXPECT_DOUBLE_EQ(r[2].match_ratio, 0.1);
  EXPECT_EQ(infer_data_type(r), "integer");
  // Equal ratios and priorities fall back to the name.
  const std::vector<PatternResult> ip = feed({"1.2.3.4", "::1"}).finalize(0);
  ASSERT_GE(ip.size(), 2u);
  EXPECT_EQ(ip[0].pattern, "ipv4");
  EXPECT_EQ(ip[1].pattern, "ipv6");
}

TEST(PatternStatsExact, ReportThresholdIsInclusive) {
  std::vector<std::string> values(8, "a@b.io");
  values.push_back("x");
  values.push_back("y");
  const std::vector<PatternResult> r = feed(values).finalize();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_DOUBLE_EQ(r[0].match_ratio, 0.8);
  values.push_back("z");
  EXPECT_TRUE(feed(values).finalize().empty());
}

TEST(PatternStatsExact, InferenceFollowsPriorityNotRatio) {
  // korean_phone (100) at 0.92 beats phone (60) and integer_string (35) at 1.0.
  std::vector<std::string> values;
  for (int i = 0; i < 92; ++i) values.push_back("010-" + std::to_string(1000 + i) + "-5678");
  for (int i = 0; i < 8; ++i) values.push_back("02-" + std::to_string(100 + i) + "-5678");
  const std::vector<PatternResult> r = feed(values).finalize();
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r[0].pattern, "phone");
  EXPECT_EQ(infer_data_type(r), "korean_phone");
  EXPECT_EQ(infer_data_type(r, 0.95), "phone");
  EXPECT_EQ(infer_data_type({}), std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// Estimation mode

TEST(PatternStatsEstimate, MixedColumnsWithinThreeBinomialErrors) {
  const uint32_t k = patterns::DEFAULT_SAMPLE_SIZE;
  for (double purity : {0.5, 0.85, 0.95}) {
    for (uint64_t seed : {1, 2, 3}) {
      std::mt19937_64 rng(seed * 1000 + static_cast<uint64_t>(purity * 100));
      std::bernoulli_distribution is_email(purity);
      PatternStats st(k);
      uint64_t emails = 0;
      const uint64_t n = 200'000;
      for (uint64_t i = 0; i < n; ++i) {
        if (is_email(rng)) {
          add(st, email_value(i));
          ++emails;
        } else {
          add(st, text_value(i));
        }
      }
      const double truth = static_cast<double>(emails) / static_cast<double>(n);
      const std::vector<PatternResult> all = st.finalize(0);
      const std::optional<PatternResult> r = result_for(all, "email");
      ASSERT_NE(r, std::nullopt);
      EXPECT_FALSE(r->exact);
      EXPECT_EQ(r->total, n);
      const double bound = 3 * binomial_se(truth, k);
      EXPECT_NEAR(r->match_ratio, truth, bound) << "purity " << purity << " seed " << seed;
      // The stated standard error is of the binomial's size.
      EXPECT_GT(r->standard_error, 0.5 * binomial_se(truth, k));
      EXPECT_LT(r->standard_error, 1.5 * binomial_se(truth, k));
      EXPECT_NEAR(r->match_ratio, truth, 3 * r->standard_error + 1e-9);
      const bool reported = result_for(st.finalize(), "email") != std::nullopt;
      EXPECT_EQ(reported, r->match_ratio >= patterns::REPORT_RATIO);
      if (purity == 0.5) {
        EXPECT_FALSE(reported);
      }
      if (purity == 0.95) {
        EXPECT_TRUE(reported);
      }
      EXPECT_EQ(r->sample_matches.size(), patterns::MAX_SAMPLE_MATCHES);
    }
  }
}

TEST(PatternStatsEstimate, HeadOfColumnIsNotTheColumn) {
  PatternStats st;
  for (uint64_t i = 0; i < 1'000; ++i) add(st, email_value(i));
  for (uint64_t i = 1'000; i < 100'000; ++i) add(st, text_value(i));
  EXPECT_EQ(result_for(st.finalize(), "email"), std::nullopt);
  const std::optional<PatternResult> r = result_for(st.finalize(0), "email");
  if (r != std::nullopt) {
    EXPECT_NEAR(r->match_ratio, 0.01, 3 * binomial_se(0.01, st.sample_size()));
  }
}

TEST(PatternStatsEstimate, RepeatedPlaceholderIsCounted) {
  // 60% distinct addresses, 40% one placeholder: the placeholder is a single distinct value, so a
  // sample of distinct values would almost never hold it; its stratum reserve always does.
  for (const char* placeholder : {"N/A", "-", "unknown", "none"}) {
    PatternStats st;
    for (uint64_t i = 0; i < 100'000; ++i) {
      if (i % 5 < 3) {
        add(st, email_value(i));
      } else {
        add(st, placeholder);
      }
    }
    const std::optional<PatternResult> r = result_for(st.finalize(0), "email");
    ASSERT_NE(r, std::nullopt);
    EXPECT_NEAR(r->match_ratio, 0.6, 3 * binomial_se(0.6, st.sample_size())) << placeholder;
    EXPECT_EQ(result_for(st.finalize(), "email"), std::nullopt) << placeholder;
  }
}

TEST(PatternStatsEstimate, DuplicatesWeighByTheirCounts) {
  // 2,000 distinct UUIDs seen 50 times each and 100,000 distinct non-UUIDs of the same length and
  // first-byte class: half the rows are UUIDs though 2% of the distinct values are.
  PatternStats st;
  std::mt19937_64 rng(11);
  auto uuid_of = [](uint64_t a, uint64_t b) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx",
                  static_cast<unsigned long long>(a & 0xffffffff),
                  static_cast<unsigned long long>((a >> 32) & 0xffff),
                  static_cast<unsigned long long>((a >> 48) & 0xffff),
                  static_cast<unsigned long long>(b & 0xffff),
                  static_cast<unsigned long long>((b >> 16) & 0xffffffffffffULL));
    return std::string(buf);
  };
  std::vector<std::string> uuids;
  for (int i = 0; i < 2'000; ++i) uuids.push_back(uuid_of(rng(), rng()));
  for (int round = 0; round < 50; ++round) {
    for (const std::string& u : uuids) add(st, u);
    for (int i = 0; i < 2'000; ++i) {
      std::string v = uuid_of(rng(), rng());
      v[8] = '_';  // same length and first byte, not a UUID
      add(st, v);
    }
  }
  const std::optional<PatternResult> r = result_for(st.finalize(0), "uuid");
  ASSERT_NE(r, std::nullopt);
  EXPECT_FALSE(r->exact);
  // Cluster sampling: the error grows with the spread of the counts; the stated error says so.
  EXPECT_NEAR(r->match_ratio, 0.5, 3 * r->standard_error);
  EXPECT_GT(r->standard_error, binomial_se(0.5, st.sample_size()));
  EXPECT_LT(r->standard_error, 0.2);
}

TEST(PatternStatsEstimate, MatchesAreComputedOnTheFullValue) {
  // A 1 MiB JSON array: matched when it enters the sample, kept cut to 256 bytes for display.
  std::string big = "[1";
  while (big.size() < (size_t{1} << 20)) big += ",1";
  big += "]";
  PatternStats st = feed({big});
  const std::vector<PatternResult> r = st.finalize();
  const std::optional<PatternResult> json = result_for(r, "json");
  ASSERT_NE(json, std::nullopt);
  EXPECT_TRUE(json->exact);
  ASSERT_EQ(json->sample_matches.size(), 1u);
  EXPECT_EQ(json->sample_matches[0], big.substr(0, patterns::MAX_SAMPLE_VALUE_BYTES));
  EXPECT_EQ(from_bytes(bytes_of(st)), st);
}

TEST(PatternStatsEstimate, DisplayCutKeepsUtf8Characters) {
  std::string v = "[\"" + std::string(patterns::MAX_SAMPLE_VALUE_BYTES - 3, 'a');
  for (int i = 0; i < 100; ++i) v += "\xea\xb0\x80";  // 가
  v += "\"]";
  const std::optional<PatternResult> r = result_for(feed({v}).finalize(), "json");
  ASSERT_NE(r, std::nullopt);
  ASSERT_EQ(r->sample_matches.size(), 1u);
  EXPECT_EQ(r->sample_matches[0].size(), patterns::MAX_SAMPLE_VALUE_BYTES - 1);
  EXPECT_EQ(r->sample_matches[0], v.substr(0, patterns::MAX_SAMPLE_VALUE_BYTES - 1));
}

TEST(PatternStatsEstimate, SampleMatchesAreTheSmallestHashes) {
  std::vector<std::string> values;
  for (int i = 0; i < 5'000; ++i) values.push_back(email_value(static_cast<uint64_t>(i)));
  const std::optional<PatternResult> r = result_for(feed(values).finalize(), "email");
  ASSERT_NE(r, std::nullopt);
  std::vector<std::pair<uint64_t, std::string>> by_key;
  for (const std::string& v : values) by_key.push_back({hash::of_bytes(v) >> 7, v});
  std::sort(by_key.begin(), by_key.end());
  std::vector<std::string> want;
  for (size_t i = 0; i < patterns::MAX_SAMPLE_MATCHES; ++i) want.push_back(by_key[i].second);
  EXPECT_EQ(r->sample_matches, want);
}

// ---------------------------------------------------------------------------------------------
// Corrupt input. A raw view of the format, to change one field at a time.

struct RawEntry {
  uint64_t key;
  uint64_t count;
  uint64_t mask;
  std::string bytes;
};
struct Raw {
  uint64_t k = 0, total = 0;
  std::vector<uint64_t> exact;
  std::vector<std::pair<uint64_t, uint64_t>> strata;  // stratum, count
  std::vector<RawEntry> entries;
  uint64_t entry_count_override = UINT64_MAX;
};

Raw parse(std::string_view bytes) {
  ByteReader in(bytes, "raw");
  Raw r;
  r.k = in.get_varint("k");
  r.total = in.get_varint("total");
  for (int i = 0; i < 5; ++i) r.exact.push_back(in.get_varint("exact"));
  const uint64_t strata = in.get_varint("strata");
  for (uint64_t i = 0; i < strata; ++i) {
    const uint64_t s = in.get_u8("s");
    r.strata.push_back({s, in.get_varint("c")});
  }
  const uint64_t n = in.get_varint("n");
  for (uint64_t i = 0; i < n; ++i) {
    RawEntry e;
    e.key = in.get_u64("key");
    e.count = in.get_varint("count");
    e.mask = in.get_varint("mask");
    e.bytes = std::string(in.get_bytes("bytes"));
    r.entries.push_back(std::move(e));
  }
  in.expect_end();
  return r;
}

std::string write(const Raw& r) {
  ByteWriter out;
  out.put_varint(r.k);
  out.put_varint(r.total);
  for (uint64_t c : r.exact) out.put_varint(c);
  out.put_varint(r.strata.size());
  for (auto [s, c] : r.strata) {
    out.put_u8(static_cast<uint8_t>(s));
    out.put_varint(c);
  }
  out.put_varint(r.entry_count_override != UINT64_MAX ? r.entry_count_override : r.entries.size());
  for (const RawEntry& e : r.entries) {
    out.put_u64(e.key);
    out.put_varint(e.count);
    out.put_varint(e.mask);
    out.put_bytes(e.bytes);
  }
  return out.take();
}

// ---------------------------------------------------------------------------------------------
// Merge

std::vector<std::string> mixed_column(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> v;
  v.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    switch (rng() % 8) {
      case 0: v.push_back(email_value(rng() % 5'000)); break;
      case 1: v.push_back("N/A"); break;
      case 2: v.push_back(std::to_string(rng() % 1'000)); break;
      case 3: v.push_back(text_value(i)); break;
      case 4: v.push_back("2024-0" + std::to_string(1 + rng() % 9) + "-1" + std::to_string(rng() % 10)); break;
      case 5: v.push_back(rng() % 2 ? "true" : "false"); break;
      case 6: v.push_back("{\"id\":" + std::to_string(rng() % 300) + "}"); break;
      default: v.push_back(std::to_string(rng() % 100) + "." + std::to_string(rng() % 100) + "%"); break;
    }
  }
  return v;
}

TEST(PatternStatsMerge, EqualsSinglePassForAnyPartitioningAndOrder) {
  const std::vector<std::string> values = mixed_column(60'000, 5);
  const uint32_t k = 256;
  const std::string single = bytes_of(feed(values, k));
  std::mt19937_64 rng(99);
  for (size_t parts : {1, 7, 64}) {
    for (bool random_assignment : {false, true}) {
      std::vector<PatternStats> states(parts, PatternStats(k));
      for (size_t i = 0; i < values.size(); ++i) {
        const size_t part = random_assignment ? rng() % parts : i * parts / values.size();
        add(states[part], values[i]);
      }
      PatternStats in_order(k);
      for (const PatternStats& s : states) in_order.merge(s);
      EXPECT_EQ(bytes_of(in_order), single) << parts << " parts in order";
      EXPECT_EQ(in_order, feed(values, k));

      std::vector<size_t> order(parts);
      for (size_t i = 0; i < parts; ++i) order[i] = i;
      std::shuffle(order.begin(), order.end(), rng);
      PatternStats shuffled(k);
      for (size_t i : order) shuffled.merge(states[i]);
      EXPECT_EQ(bytes_of(shuffled), single) << parts << " parts shuffled";

      // A tree of merges, each through the bytes, as workers would.
      std::vector<PatternStats> level = states;
      while (level.size() > 1) {
        std::vector<PatternStats> next;
        for (size_t i = 0; i < level.size(); i += 2) {
          PatternStats a = from_bytes(bytes_of(level[i]));
          if (i + 1 < level.size()) a.merge(from_bytes(bytes_of(level[i + 1])));
          next.push_back(std::move(a));
        }
        level = std::move(next);
      }
      EXPECT_EQ(bytes_of(level[0]), single) << parts << " parts as a tree";
    }
  }
}

// The state as specified, from the multiset of values: every distinct value's key, count and mask;
// keep the k smallest keys and the STRATUM_RESERVE smallest of each stratum; bytes for the
// MAX_SAMPLE_MATCHES smallest kept keys of the k matching each pattern.
std::string reference_bytes(const std::vector<std::string>& values, uint32_t k) {
  std::map<uint64_t, std::pair<std::string, uint64_t>> by_key;  // key → value, count
  std::map<uint64_t, uint64_t> strata;
  std::vector<uint64_t> exact(patterns::PATTERN_COUNT, 0);
  for (const std::string& v : values) {
    const uint64_t key = (hash::of_bytes(v) & ~uint64_t{127}) | patterns::stratum_of(v);
    auto& slot = by_key[key];
    slot.first = v;
    ++slot.second;
    ++strata[patterns::stratum_of(v)];
    for (size_t p = 0; p < patterns::PATTERN_COUNT; ++p)
      if (patterns::info(static_cast<PatternId>(p)).exact && patterns::matches(static_cast<PatternId>(p), v)) ++exact[p];
  }
  Raw r;
  r.k = k;
  r.total = values.size();
  for (PatternId id : {PatternId::FloatString, PatternId::IntegerString, PatternId::IsoDate,
                       PatternId::IsoDatetime, PatternId::BooleanString})
    r.exact.push_back(exact[static_cast<size_t>(id)]);
  for (auto [s, c] : strata) r.strata.push_back({s, c});
  std::map<uint64_t, size_t> per_stratum;
  std::vector<size_t> shown(patterns::PATTERN_COUNT, 0);
  size_t rank = 0;
  for (const auto& [key, vc] : by_key) {
    const bool global = rank++ < k;
    const bool reserve = per_stratum[key & 127]++ < patterns::STRATUM_RESERVE;
    if (!global && !reserve) continue;
    const uint32_t mask = patterns::match_mask(vc.first);
    bool show = false;
    for (size_t p = 0; p < patterns::PATTERN_COUNT && global; ++p)
      if (((mask >> p) & 1) && shown[p] < patterns::MAX_SAMPLE_MATCHES) {
        ++shown[p];
        show = true;
      }
    std::string bytes = show ? vc.first.substr(0, patterns::MAX_SAMPLE_VALUE_BYTES) : "";
    r.entries.push_back({key, vc.second, mask, bytes});
  }
  return write(r);
}

TEST(PatternStatsMerge, StreamingEqualsTheSpecifiedState) {
  for (uint32_t k : {1u, 5u, 64u, 1024u}) {
    for (uint64_t seed : {1, 2}) {
      const std::vector<std::string> values = mixed_column(k == 1024 ? 50'000 : 8'000, seed);
      EXPECT_EQ(hex(bytes_of(feed(values, k))), hex(reference_bytes(values, k))) << "k " << k;
    }
  }
}

TEST(PatternStatsMerge, UpdatesAfterAMergeContinueTheSameState) {
  const std::vector<std::string> values = mixed_column(20'000, 6);
  PatternStats a(128), b(128);
  for (size_t i = 0; i < values.size() / 2; ++i) add(a, values[i]);
  b.merge(a);
  for (size_t i = values.size() / 2; i < values.size(); ++i) {
    add(a, values[i]);
    add(b, values[i]);
  }
  EXPECT_EQ(bytes_of(a), bytes_of(b));
  EXPECT_EQ(bytes_of(a), bytes_of(feed(values, 128)));
}

TEST(PatternStatsMerge, WithItselfDoublesTheCounts) {
  const std::vector<std::string> values = mixed_column(5'000, 8);
  PatternStats st = feed(values, 64);
  PatternStats twice(64);
  for (int round = 0; round < 2; ++round)
    for (const std::string& v : values) add(twice, v);
  st.merge(st);
  EXPECT_EQ(bytes_of(st), bytes_of(twice));
}

// ---------------------------------------------------------------------------------------------
// Bytes

TEST(PatternStatsBytes, RoundTripIdenticalBytes) {
  for (uint32_t k : {1u, 16u, 1024u}) {
    const PatternStats st = feed(mixed_column(30'000, k), k);
    const std::string bytes = bytes_of(st);
    const PatternStats back = from_bytes(bytes);
    EXPECT_EQ(back, st);
    EXPECT_EQ(bytes_of(back), bytes);
    EXPECT_EQ(back.finalize(0), st.finalize(0));
  }
}

TEST(PatternStatsBytes, SerializedSizes) {
  // Recorded for the report; a loose ceiling guards against regressions.
  std::vector<std::string> emails;
  for (uint64_t i = 0; i < 100'000; ++i) emails.push_back(email_value(i));
  const std::string full = bytes_of(feed(emails));
  EXPECT_LT(full.size(), 48'000u);
  std::vector<std::string> text;
  for (uint64_t i = 0; i < 100'000; ++i) text.push_back(text_value(i));
  const std::string no_match = bytes_of(feed(text));
  EXPECT_LT(no_match.size(), 16'000u);
  EXPECT_LT(bytes_of(feed({"a"})).size(), 40u);
  std::printf("[ sizes    ] 100k e-mails: %zu bytes; 100k unmatched: %zu bytes\n", full.size(),
              no_match.size());
}

// Serialized PatternStats(4) after "a@b.co", "42", "42", "2024-01-15", "x y".
constexpr std::string_view GOLDEN_HEX =
    "04" "05" "0002010000"                             // k 4, total 5, exact counts float..boolean
    "04" "0102" "0501" "1001" "1201"                   // 4 strata: (stratum, count)
    "04"                                               // 4 kept values, increasing keys:
    "057f33e13250e053" "01" "808001" "0a" "323032342d30312d3135"  // "2024-01-15" x1, iso_date
    "01d9da5128779c84" "02" "8040" "02" "3432"                   // "42" x2, integer_string
    "12dd930643d7d5a3" "01" "10" "06" "6140622e636f"             // "a@b.co" x1, email
    "90f73a562d66c1d6" "01" "00" "00";                           // "x y" x1, no match

TEST(PatternStatsBytes, GoldenBytes) {
  PatternStats st(4);
  for (const char* v : {"a@b.co", "42", "42", "2024-01-15", "x y"}) add(st, v);
  const std::string bytes = bytes_of(st);
  EXPECT_EQ(hex(bytes), GOLDEN_HEX);
  EXPECT_EQ(from_bytes(unhex(GOLDEN_HEX)), st);
}

// A small valid state: sample size 4, more distinct values than that, so not complete.
PatternStats small_state() {
  PatternStats st(4);
  for (uint64_t i = 0; i < 40; ++i) add(st, email_value(i));
  for (const char* v : {"42", "42", "7", "2024-01-15", "x y", "N/A", "N/A"}) add(st, v);
  return st;
}

// The same values with every distinct value kept (complete).
PatternStats complete_state() { return feed({"a@b.co", "42", "42", "2024-01-15", "x y"}, 16); }

void expect_corrupt(const Raw& r, const char* what) {
  EXPECT_THROW(from_bytes(write(r)), CorruptPartial) << what;
}

TEST(PatternStatsCorrupt, TheRawViewRoundTrips) {
  for (const PatternStats& st : {small_state(), complete_state()}) {
    const std::string bytes = bytes_of(st);
    EXPECT_EQ(write(parse(bytes)), bytes);
    EXPECT_NO_THROW(from_bytes(bytes));
  }
}

TEST(PatternStatsCorrupt, EveryTruncationThrows) {
  for (const PatternStats& st : {small_state(), complete_state(), PatternStats(),
                                 feed(mixed_column(3'000, 3), 32)}) {
    const std::string bytes = bytes_of(st);
    for (size_t n = 0; n < bytes.size(); ++n) {
      ByteReader in(std::string_view(bytes).substr(0, n), "test");
      EXPECT_THROW(PatternStats::deserialize(in), CorruptPartial) << n << " of " << bytes.size();
    }
  }
}

TEST(PatternStatsCorrupt, TrailingBytesThrow) {
  std::string bytes = bytes_of(small_state()) + "x";
  EXPECT_THROW(from_bytes(bytes), CorruptPartial);
}

TEST(PatternStatsCorrupt, PaddedVarintsThrow) {
  // "80 00" also reads as 0: accepting it would let two byte strings stand for one state.
  const std::string bytes = bytes_of(complete_state());
  ASSERT_EQ(static_cast<uint8_t>(bytes[0]), 16);  // sample size, one byte
  std::string padded = std::string(1, static_cast<char>(0x90)) + '\0' + bytes.substr(1);
  EXPECT_THROW(from_bytes(padded), CorruptPartial);
  // The length of the first entry's bytes.
  Raw r = parse(bytes);
  std::string tail = write(r);
  const std::string key(reinterpret_cast<const char*>(&r.entries[0].key), 8);
  const size_t at = tail.find(key) + 8 + 1 + (r.entries[0].mask < 128 ? 1 : r.entries[0].mask < 16384 ? 2 : 3);
  ASSERT_EQ(static_cast<uint8_t>(tail[at]), r.entries[0].bytes.size());
  tail.insert(at + 1, 1, '\0');
  tail[at] = static_cast<char>(tail[at] | 0x80);
  EXPECT_THROW(from_bytes(tail), CorruptPartial);
}

TEST(PatternStatsCorrupt, SampleSize) {
  Raw r = parse(bytes_of(small_state()));
  r.k = 0;
  expect_corrupt(r, "k = 0");
  r.k = patterns::MAX_SAMPLE_SIZE + 1;
  expect_corrupt(r, "k too large");
}

TEST(PatternStatsCorrupt, ExactCountAboveTotal) {
  Raw r = parse(bytes_of(small_state()));
  r.exact[1] = r.total + 1;
  expect_corrupt(r, "exact count > total");
}

TEST(PatternStatsCorrupt, Strata) {
  const Raw good = parse(bytes_of(small_state()));
  ASSERT_GE(good.strata.size(), 2u);
  Raw r = good;
  r.strata[0].first = patterns::STRATUM_COUNT;
  std::swap(r.strata[0], r.strata.back());
  expect_corrupt(r, "stratum out of range");
  r = good;
  std::swap(r.strata[0], r.strata[1]);
  expect_corrupt(r, "strata not increasing");
  r = good;
  r.strata.push_back(r.strata.back());
  expect_corrupt(r, "duplicate stratum");
  r = good;
  r.strata[0].second = 0;
  expect_corrupt(r, "stratum count 0");
  r = good;
  r.strata[0].second = r.total + 1;
  expect_corrupt(r, "stratum count > total");
  r = good;
  r.total += 1;
  expect_corrupt(r, "strata do not sum to the total");
  r = good;
  r.strata.resize(patterns::STRATUM_COUNT + 1, {0, 1});
  expect_corrupt(r, "too many strata");
}

TEST(PatternStatsCorrupt, EntryCount) {
  Raw r = parse(bytes_of(small_state()));
  r.entry_count_override = r.k + patterns::STRATUM_COUNT * patterns::STRATUM_RESERVE + 1;
  expect_corrupt(r, "entry count above the maximum");
}

TEST(PatternStatsCorrupt, KeysNotIncreasing) {
  const Raw good = parse(bytes_of(small_state()));
  Raw r = good;
  std::swap(r.entries[0], r.entries[1]);
  expect_corrupt(r, "unsorted keys");
  r = good;
  r.entries[1].key = r.entries[0].key;
  expect_corrupt(r, "duplicate key");
}

TEST(PatternStatsCorrupt, KeyStratum) {
  const Raw good = parse(bytes_of(small_state()));
  Raw r = good;
  r.entries.back().key = (r.entries.back().key & ~uint64_t{127}) | 127;
  expect_corrupt(r, "key stratum out of range");
  // A stratum that holds no values.
  std::set<uint64_t> used;
  for (auto [s, c] : good.strata) used.insert(s);
  uint64_t unused = 0;
  while (used.count(unused)) ++unused;
  r = good;
  r.entries.back().key = (r.entries.back().key & ~uint64_t{127}) | unused;
  expect_corrupt(r, "key in an empty stratum");
}

TEST(PatternStatsCorrupt, Counts) {
  const Raw good = parse(bytes_of(small_state()));
  Raw r = good;
  r.entries[0].count = 0;
  expect_corrupt(r, "count 0");
  r = good;
  r.entries[0].count = good.total;
  expect_corrupt(r, "count above its stratum");
}

TEST(PatternStatsCorrupt, Masks) {
  const Raw good = parse(bytes_of(small_state()));
  size_t matched = 0;
  while (good.entries[matched].mask == 0) ++matched;
  Raw r = good;
  r.entries[matched].mask = uint64_t{1} << patterns::PATTERN_COUNT;
  expect_corrupt(r, "mask out of range");
  r = good;
  r.entries[matched].mask ^= 1u << static_cast<unsigned>(PatternId::Uuid);
  expect_corrupt(r, "mask disagrees with the value");
  r = good;
  r.entries[matched].mask = 0;
  expect_corrupt(r, "bytes stored for no match");  // then the value is not shown
  r = good;
  r.entries[matched].bytes.clear();
  expect_corrupt(r, "bytes missing for a match");
  r = good;
  r.entries[matched].bytes = std::string(patterns::MAX_SAMPLE_VALUE_BYTES + 1, 'a');
  expect_corrupt(r, "bytes too long");
  r = good;
  r.entries[matched].bytes = "1" + r.entries[matched].bytes;  // same mask, other stratum length
  expect_corrupt(r, "stratum disagrees with the value");
}

TEST(PatternStatsCorrupt, BytesOnlyForShownValues) {
  // small_state keeps 4 values in its global sample; addresses kept only by their stratum's reserve
  // are not shown, so their bytes must not be stored.
  Raw r = parse(bytes_of(small_state()));
  size_t reserve_only = r.entries.size();
  for (size_t i = 4; i < r.entries.size(); ++i) {
    for (uint64_t j = 0; j < 40; ++j) {
      const std::string v = email_value(j);
      if (((hash::of_bytes(v) & ~uint64_t{127}) | patterns::stratum_of(v)) == r.entries[i].key) {
        reserve_only = i;
        r.entries[i].bytes = v;
      }
    }
  }
  ASSERT_LT(reserve_only, r.entries.size());
  ASSERT_FALSE(r.entries[reserve_only].bytes.empty());
  expect_corrupt(r, "bytes stored for a value not shown");
}

TEST(PatternStatsCorrupt, RetentionRule) {
  // An extra entry beyond the sample in a stratum whose reserve is already full.
  PatternStats st(4);
  for (uint64_t i = 0; i < 200; ++i) add(st, email_value(i));
  Raw r = parse(bytes_of(st));
  ASSERT_EQ(r.strata.size(), 1u);
  const uint64_t s = r.strata[0].first;
  ASSERT_EQ(r.entries.size(), std::max<size_t>(4, patterns::STRATUM_RESERVE));
  std::string extra = "zzzz@example.com";
  r.entries.push_back({(UINT64_MAX & ~uint64_t{127}) | s, 1, patterns::match_mask(extra), extra});
  ASSERT_EQ(patterns::stratum_of(extra), s);
  expect_corrupt(r, "entry outside sample and reserve");
  // Dropping a kept entry leaves a stratum that lost values with a short reserve.
  r = parse(bytes_of(st));
  r.entries.pop_back();
  expect_corrupt(r, "short reserve");
}

TEST(PatternStatsCorrupt, ShortGlobalSample) {
  // A sample that lost values yet holds fewer than k entries: claim k = 65 for a state of 64.
  PatternStats st(64);
  for (uint64_t i = 0; i < 2'000; ++i) add(st, email_value(i));
  Raw r = parse(bytes_of(st));
  ASSERT_EQ(r.entries.size(), 64u);
  r.k = 65;
  expect_corrupt(r, "incomplete sample smaller than k");
}

TEST(PatternStatsCorrupt, CompleteSampleDisagreesWithExactCount) {
  Raw r = parse(bytes_of(complete_state()));
  const size_t integer_slot = 1;  // exact counts in id order: float, integer, date, datetime, bool
  ASSERT_EQ(r.exact[integer_slot], 2u);
  r.exact[integer_slot] = 1;
  expect_corrupt(r, "exact count below the complete sample's");
}

TEST(PatternStatsCorrupt, EmptyStratumSample) {
  Raw r = parse(bytes_of(complete_state()));
  // Move one value from an entry's stratum into a new stratum with no entries.
  std::set<uint64_t> used;
  for (auto [s, c] : r.strata) used.insert(s);
  uint64_t unused = 0;
  while (used.count(unused)) ++unused;
  r.strata.push_back({unused, 1});
  std::sort(r.strata.begin(), r.strata.end());
  r.total += 1;
  expect_corrupt(r, "stratum with values but no sample");
}

TEST(PatternStatsCorrupt, RandomBytesNeverCrash) {
  std::mt19937_64 rng(3);
  const std::string good = bytes_of(feed(mixed_column(2'000, 4), 16));
  for (int trial = 0; trial < 3'000; ++trial) {
    std::string bytes = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    try {
      PatternStats st = from_bytes(bytes);
      (void)st.finalize(0);
      EXPECT_EQ(bytes_of(st), bytes);  // anything accepted is canonical
    } catch (const CorruptPartial&) {
    }
  }
  for (int trial = 0; trial < 3'000; ++trial) {
    std::string bytes(rng() % 64, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    try {
      (void)from_bytes(bytes).finalize(0);
    } catch (const CorruptPartial&) {
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Hostile values

TEST(PatternStatsHostile, HugeInvalidAndWhitespaceValues) {
  PatternStats st(16);
  const std::string huge(size_t{16} << 20, '9');
  add(st, huge);
  std::string huge_json = "{\"a\":\"" + std::string(size_t{16} << 20, 'x') + "\"}";
  add(st, huge_json);
  for (const char* v : {"\xff\xfe", "\xc3\x28", "\xe2\x82", "   ", "\t\n", "a\0b"}) add(st, v);
  add(st, std::string("1\0" "2", 3));
  add(st, std::string(5'000, ' '));
  const std::vector<PatternResult> r = st.finalize(0);
  const std::optional<PatternResult> integer = result_for(r, "integer_string");
  ASSERT_NE(integer, std::nullopt);
  EXPECT_EQ(integer->matches, 1u);
  ASSERT_EQ(integer->sample_matches.size(), 1u);
  EXPECT_EQ(integer->sample_matches[0].size(), patterns::MAX_SAMPLE_VALUE_BYTES);
  const std::optional<PatternResult> json = result_for(r, "json");
  ASSERT_NE(json, std::nullopt);
  EXPECT_EQ(json->matches, 1u);
  const std::string bytes = bytes_of(st);
  EXPECT_LT(bytes.size(), 2'000u);
  EXPECT_EQ(from_bytes(bytes), st);
}

TEST(PatternStatsHostile, ManyDistinctLongValuesStayLinear) {
  // Values that enter the sample are matched once; 20,000 distinct 4 KiB values.
  PatternStats st(64);
  std::string v(4096, 'a');
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20'000; ++i) {
    std::memcpy(v.data(), &i, sizeof i);
    add(st, v);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 300.0);  // catches quadratic work only (see SixteenMegabyteValuesAreLinear)
  EXPECT_EQ(st.total(), 20'000u);
}

}  // namespace
}  // namespace truthound
