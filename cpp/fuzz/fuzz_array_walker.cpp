// libFuzzer target: malformed Arrow arrays into the kernel. The harness sizes every buffer to what
// the declared length, offset and last string offset imply (the interface carries no sizes, so no
// consumer can defend against less); every other field and byte comes from the fuzzer. The kernel
// must reject bad arrays with truthound::Error and never read out of bounds.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "truthound/profile/finalize.hpp"
#include "truthound/profile/partial.hpp"

namespace {

class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  int64_t small(int64_t max) { return static_cast<int64_t>(byte() | (byte() << 8)) % (max + 1); }
  std::vector<uint8_t> bytes(size_t n) {
    std::vector<uint8_t> out(n);
    for (auto& b : out) b = byte();
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_, pos_ = 0;
};

void no_release_schema(ArrowSchema* s) { s->release = nullptr; }
void no_release_array(ArrowArray* a) { a->release = nullptr; }

const char* const FORMATS[] = {"n", "b", "c", "C", "s", "S", "i", "I", "l", "L", "e", "f", "g", "u", "U", "z",
                               "vu", "tdD", "tdm", "tsu:UTC", "tsn:", "tts", "ttn", "tDm", "d:10,2", "w:3", "+l"};

int width_of(const std::string& f) {
  if (f == "c" || f == "C") return 1;
  if (f == "s" || f == "S" || f == "e") return 2;
  if (f == "i" || f == "I" || f == "f" || f == "tdD" || f == "tts") return 4;
  if (f == "d:10,2") return 16;
  if (f == "w:3") return 3;
  return 8;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  std::string format = FORMATS[in.byte() % (sizeof(FORMATS) / sizeof(FORMATS[0]))];
  bool dictionary = in.byte() % 5 == 0 && format != "n" && format != "+l";
  int64_t length = in.small(300);
  int64_t offset = in.small(64);
  int64_t null_count = in.small(400) - 1;
  int64_t slots = offset + length;

  std::vector<std::vector<uint8_t>> owned;
  auto buffer = [&](size_t n) {
    owned.push_back(in.bytes(n + 1));
    return static_cast<const void*>(owned.back().data());
  };
  std::vector<const void*> buffers;
  std::vector<int64_t> variadic_sizes;
  ArrowArray dictionary_array{};
  ArrowSchema dictionary_schema{};
  std::string index_format = "i";

  auto fill = [&](const std::string& f, int64_t n_slots, std::vector<const void*>& out) {
    out.push_back(in.byte() % 3 == 0 ? nullptr : buffer(static_cast<size_t>((n_slots + 7) / 8)));
    if (f == "n") {
      out.clear();
    } else if (f == "b") {
      out.push_back(buffer(static_cast<size_t>((n_slots + 7) / 8)));
    } else if (f == "u" || f == "z" || f == "U") {
      bool large = f == "U";
      std::vector<uint8_t> offsets = in.bytes(static_cast<size_t>(n_slots + 1) * (large ? 8 : 4));
      int64_t last = 0;
      if (large) {
        last = static_cast<int64_t>(in.small(2000));
        std::memcpy(offsets.data() + n_slots * 8, &last, 8);
      } else {
        int32_t last32 = static_cast<int32_t>(in.small(2000));
        std::memcpy(offsets.data() + n_slots * 4, &last32, 4);
        last = last32;
      }
      owned.push_back(std::move(offsets));
      out.push_back(owned.back().data());
      out.push_back(buffer(static_cast<size_t>(last)));
    } else if (f == "vu") {
      std::vector<uint8_t> views = in.bytes(static_cast<size_t>(n_slots) * 16);
      owned.push_back(std::move(views));
      out.push_back(owned.back().data());
      int64_t n_data = in.small(3);
      for (int64_t k = 0; k < n_data; ++k) {
        int64_t bytes = in.small(500);
        variadic_sizes.push_back(bytes);
        out.push_back(buffer(static_cast<size_t>(bytes)));
      }
      out.push_back(variadic_sizes.data());
    } else if (f == "+l") {
      out.push_back(buffer(static_cast<size_t>(n_slots + 1) * 4));
    } else {
      out.push_back(buffer(static_cast<size_t>(n_slots * width_of(f))));
    }
  };

  std::vector<const void*> dictionary_buffers;
  if (dictionary) {
    int64_t dict_length = in.small(50);
    fill(format, dict_length, dictionary_buffers);
    dictionary_schema = {format.c_str(), "", nullptr, 2, 0, nullptr, nullptr, no_release_schema, nullptr};
    dictionary_array = {dict_length, -1, 0, static_cast<int64_t>(dictionary_buffers.size()), 0,
                        dictionary_buffers.data(), nullptr, nullptr, no_release_array, nullptr};
    buffers.push_back(in.byte() % 3 == 0 ? nullptr : buffer(static_cast<size_t>((slots + 7) / 8)));
    buffers.push_back(buffer(static_cast<size_t>(slots) * 4));
  } else {
    fill(format, slots, buffers);
  }
  // A wrong buffer count. Not for views: their buffer count is the only record of how many data
  // buffers there are, so dropping one shifts the sizes buffer in a way no consumer can detect.
  if (in.byte() % 17 == 0 && !buffers.empty() && format != "vu") buffers.pop_back();

  ArrowSchema column_schema = {dictionary ? index_format.c_str() : format.c_str(), "c", nullptr, 2, 0, nullptr,
                               dictionary ? &dictionary_schema : nullptr, no_release_schema, nullptr};
  ArrowArray column = {slots - offset, null_count, offset, static_cast<int64_t>(buffers.size()), 0,
                       buffers.data(), nullptr, dictionary ? &dictionary_array : nullptr, no_release_array, nullptr};
  ArrowSchema* schema_children[] = {&column_schema};
  ArrowArray* array_children[] = {&column};
  ArrowSchema table_schema = {"+s", "", nullptr, 0, 1, schema_children, nullptr, no_release_schema, nullptr};
  const void* struct_buffers[] = {nullptr};
  ArrowArray table = {length, 0, 0, 1, 1, struct_buffers, array_children, nullptr, no_release_array, nullptr};

  try {
    truthound::Partial p({}, 0, true);
    p.begin(table_schema, {});
    p.update(table_schema, table);
    truthound::finalize(truthound::Partial::deserialize(p.serialize()), {});
  } catch (const truthound::Error&) {
  }
  return 0;
}
