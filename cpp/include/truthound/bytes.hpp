// Little-endian byte writer and a bounds-checked reader: the only way partial profiles are
// produced and consumed. Every read checks the remaining length first and throws CorruptPartial
// naming what was being read, so no input can make the reader go past the end.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "truthound/error.hpp"

namespace truthound {

// 128-bit integers hold exact sums and extremes of int64, uint64 and decimal128 values.
__extension__ typedef __int128 int128;
__extension__ typedef unsigned __int128 uint128;

static_assert(std::endian::native == std::endian::little, "truthound assumes a little-endian host");

class ByteWriter {
 public:
  void put_u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void put_u16(uint16_t v) { put_raw(&v, sizeof v); }
  void put_u32(uint32_t v) { put_raw(&v, sizeof v); }
  void put_u64(uint64_t v) { put_raw(&v, sizeof v); }
  void put_i64(int64_t v) { put_raw(&v, sizeof v); }
  void put_f64(double v) { put_raw(&v, sizeof v); }
  void put_bool(bool v) { put_u8(v ? 1 : 0); }
  void put_i128(int128 v) {
    auto u = static_cast<uint128>(v);
    put_u64(static_cast<uint64_t>(u));
    put_u64(static_cast<uint64_t>(u >> 64));
  }
  // Unsigned LEB128: small counts and deltas take one byte.
  void put_varint(uint64_t v) {
    while (v >= 0x80) {
      put_u8(static_cast<uint8_t>(v) | 0x80);
      v >>= 7;
    }
    put_u8(static_cast<uint8_t>(v));
  }
  // Length-prefixed byte string.
  void put_bytes(std::string_view s) {
    put_varint(s.size());
    out_.append(s.data(), s.size());
  }
  void put_raw(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  template <typename T>
  void put_array(const std::vector<T>& v) {
    put_varint(v.size());
    if (!v.empty()) put_raw(v.data(), v.size() * sizeof(T));
  }

  size_t size() const { return out_.size(); }
  std::string& buffer() { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class ByteReader {
 public:
  // `context` names what is being read ("partial unit 17, column \"price\"") for error messages.
  explicit ByteReader(std::string_view data, std::string context = "partial profile")
      : data_(data), context_(std::move(context)) {}

  uint8_t get_u8(const char* what) { return get_pod<uint8_t>(what); }
  uint16_t get_u16(const char* what) { return get_pod<uint16_t>(what); }
  uint32_t get_u32(const char* what) { return get_pod<uint32_t>(what); }
  uint64_t get_u64(const char* what) { return get_pod<uint64_t>(what); }
  int64_t get_i64(const char* what) { return get_pod<int64_t>(what); }
  double get_f64(const char* what) { return get_pod<double>(what); }
  int128 get_i128(const char* what) {
    uint64_t lo = get_u64(what);
    uint64_t hi = get_u64(what);
    return static_cast<int128>((static_cast<uint128>(hi) << 64) | lo);
  }
  bool get_bool(const char* what) {
    uint8_t b = get_u8(what);
    if (b > 1) fail(std::string(what) + ": boolean byte " + std::to_string(b) + ", expected 0 or 1");
    return b == 1;
  }
  uint64_t get_varint(const char* what) {
    if (remaining() >= 10) [[likely]] {  // room for the longest varint: no check per byte
      const auto* p = reinterpret_cast<const uint8_t*>(data_.data() + pos_);
      uint64_t v = 0;
      for (int i = 0; i < 10; ++i) {
        const uint8_t b = p[i];
        v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) {
          if (i == 9 && b > 1) break;
          pos_ += static_cast<size_t>(i) + 1;
          return v;
        }
      }
      fail(std::string(what) + ": varint longer than 64 bits");
    }
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = get_u8(what);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        if (shift == 63 && b > 1) break;
        return v;
      }
    }
    fail(std::string(what) + ": varint longer than 64 bits");
  }
  // A count that must not exceed `max`; protects allocations from hostile lengths.
  uint64_t get_count(const char* what, uint64_t max) {
    uint64_t n = get_varint(what);
    if (n > max) fail(std::string(what) + " " + std::to_string(n) + ", at most " + std::to_string(max));
    return n;
  }
  std::string_view get_bytes(const char* what) {
    uint64_t n = get_varint(what);
    require(n, what);
    std::string_view s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  // The next n bytes, unprefixed.
  std::string_view get_view(uint64_t n, const char* what) {
    require(n, what);
    std::string_view s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  template <typename T>
  std::vector<T> get_array(const char* what, uint64_t max_count) {
    uint64_t n = get_count(what, max_count);
    require(n * sizeof(T), what);
    std::vector<T> v(n);
    if (n) std::memcpy(v.data(), data_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
    return v;
  }
  void get_raw(void* out, size_t n, const char* what) {
    require(n, what);
    std::memcpy(out, data_.data() + pos_, n);
    pos_ += n;
  }

  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  // Every partial must be consumed exactly; trailing bytes mean a foreign or corrupt input.
  void expect_end() const {
    if (pos_ != data_.size())
      fail(std::to_string(data_.size() - pos_) + " trailing bytes after the end of the data");
  }
  const std::string& context() const { return context_; }
  void set_context(std::string context) { context_ = std::move(context); }

  [[noreturn]] void fail(const std::string& message) const {
    throw CorruptPartial("corrupt partial (" + context_ + "): " + message);
  }

 private:
  void require(uint64_t n, const char* what) const {
    if (n > remaining())
      fail(std::string("truncated while reading ") + what + ": need " + std::to_string(n) +
           " bytes, " + std::to_string(remaining()) + " left");
  }
  template <typename T>
  T get_pod(const char* what) {
    require(sizeof(T), what);
    T v;
    std::memcpy(&v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  std::string_view data_;
  size_t pos_ = 0;
  std::string context_;
};

}  // namespace truthound
