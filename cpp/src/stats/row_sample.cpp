#include "truthound/stats/row_sample.hpp"

#include <algorithm>
#include <utility>

#include "truthound/error.hpp"
#include "truthound/hash.hpp"

namespace truthound {
namespace {

uint64_t key_seed(uint64_t seed) { return hash::splitmix64(seed ^ 0x73616d706c65ULL); }  // "sample"

uint64_t mix(uint64_t key_seed, uint64_t row_hash) { return hash::splitmix64(key_seed ^ hash::splitmix64(row_hash)); }

bool before(const RowSample::Row& a, const RowSample::Row& b) {
  return a.key != b.key ? a.key < b.key : a.cells < b.cells;
}

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(static_cast<uint8_t>(v) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_value(std::string& out, std::string_view bytes) {
  bool cut = bytes.size() > sample::MAX_VALUE_BYTES;
  if (cut) bytes = bytes.substr(0, sample::MAX_VALUE_BYTES);
  out.push_back(static_cast<char>(cut ? CellTag::Truncated : CellTag::Value));
  put_varint(out, bytes.size());
  out.append(bytes.data(), bytes.size());
}

void put_cell(std::string& out, const ArrayView& v, int64_t i) {
  if (v.layout() == Layout::Null || !v.is_valid(i)) {
    out.push_back(static_cast<char>(CellTag::Null));
    return;
  }
  switch (v.layout()) {
    case Layout::Bits: {
      char b = v.bit_at(i) ? 1 : 0;
      put_value(out, std::string_view(&b, 1));
      return;
    }
    case Layout::Fixed:
      put_value(out, std::string_view(reinterpret_cast<const char*>(v.fixed_ptr(i)), static_cast<size_t>(v.width())));
      return;
    case Layout::Offsets32:
    case Layout::Offsets64:
    case Layout::View:
    case Layout::FixedBinary: put_value(out, v.bytes_at(i)); return;
    case Layout::Dictionary: put_cell(out, v.dictionary(), v.dictionary_index(i)); return;
    default: out.push_back(static_cast<char>(CellTag::Unsupported)); return;
  }
}

// Splits a row's cells; throws CorruptPartial (through `in`) or InvalidInput when malformed.
std::vector<std::pair<CellTag, std::string_view>> split_cells(std::string_view cells, size_t columns) {
  std::vector<std::pair<CellTag, std::string_view>> out;
  out.reserve(columns);
  ByteReader in(cells, "sample row");
  for (size_t c = 0; c < columns; ++c) {
    uint8_t tag = in.get_u8("sample cell tag");
    if (tag > static_cast<uint8_t>(CellTag::Unsupported)) in.fail("sample cell tag " + std::to_string(tag));
    auto t = static_cast<CellTag>(tag);
    std::string_view bytes;
    if (t == CellTag::Value || t == CellTag::Truncated) bytes = in.get_bytes("sample cell");
    out.emplace_back(t, bytes);
  }
  in.expect_end();
  return out;
}

void put_split(std::string& out, CellTag tag, std::string_view bytes) {
  out.push_back(static_cast<char>(tag));
  if (tag == CellTag::Value || tag == CellTag::Truncated) {
    put_varint(out, bytes.size());
    out.append(bytes.data(), bytes.size());
  }
}

}  // namespace

uint64_t sample::key(uint64_t seed, uint64_t row_hash) { return mix(key_seed(seed), row_hash); }

RowSample::RowSample(uint32_t capacity, uint64_t seed, std::vector<SampleColumn> columns)
    : capacity_(capacity),
      seed_(seed),
      key_seed_(key_seed(seed)),
      columns_(std::move(columns)) {
  if (capacity_ > sample::MAX_SIZE)
    throw InvalidInput("sample size " + std::to_string(capacity_) + ", at most " + std::to_string(sample::MAX_SIZE));
}

std::vector<RowSample::Row> RowSample::rows() const {
  std::vector<Row> out = heap_;
  std::sort(out.begin(), out.end(), before);
  return out;
}

std::vector<std::pair<CellTag, std::string_view>> RowSample::cells(const Row& row) const {
  return split_cells(row.cells, columns_.size());
}

void RowSample::update(const std::vector<ArrayView>& views, const uint64_t* row_hashes, int64_t n) {
  if (capacity_ == 0) return;
  if (views.size() != columns_.size())
    throw InvalidInput("row sample: " + std::to_string(views.size()) + " columns given, expected " +
                       std::to_string(columns_.size()));
  Row row;
  for (int64_t r = 0; r < n; ++r) {
    row.key = mix(key_seed_, row_hashes[r]);
    const bool full = heap_.size() >= capacity_;
    // Most rows: compared with the largest kept key, nothing built. Equal keys (identical rows,
    // or a 64-bit collision) are ordered by their cells.
    if (full && row.key > heap_.front().key) continue;
    row.cells.clear();
    for (const ArrayView& v : views) put_cell(row.cells, v, r);
    if (full) {
      if (!before(row, heap_.front())) continue;
      std::pop_heap(heap_.begin(), heap_.end(), before);
      std::swap(heap_.back(), row);
    } else {
      heap_.push_back(row);
    }
    std::push_heap(heap_.begin(), heap_.end(), before);
  }
}

void RowSample::merge_rows(std::vector<Row> theirs, const std::vector<SampleColumn>& their_columns) {
  auto within = [](const std::vector<SampleColumn>& some, const std::vector<SampleColumn>& all) {
    return std::all_of(some.begin(), some.end(), [&](const SampleColumn& c) {
      return std::any_of(all.begin(), all.end(), [&](const SampleColumn& a) { return a == c; });
    });
  };
  // A unit that offered no rows has no columns: nothing to lay out again.
  if (theirs.empty() && within(their_columns, columns_)) return;
  if (heap_.empty() && within(columns_, their_columns)) columns_ = their_columns;
  std::vector<Row> mine = std::move(heap_);
  heap_.clear();
  if (their_columns != columns_) {
    std::vector<SampleColumn> all = columns_;
    for (const SampleColumn& c : their_columns)
      if (std::none_of(all.begin(), all.end(), [&](const SampleColumn& a) { return a.name == c.name; })) all.push_back(c);
    std::stable_sort(all.begin(), all.end(), [](const SampleColumn& a, const SampleColumn& b) { return a.ordinal < b.ordinal; });
    auto relayout = [&](std::vector<Row>& rows, const std::vector<SampleColumn>& from) {
      if (from == all) return;
      std::vector<size_t> where(all.size(), SIZE_MAX);
      for (size_t i = 0; i < all.size(); ++i)
        for (size_t j = 0; j < from.size(); ++j)
          if (from[j].name == all[i].name) where[i] = j;
      for (Row& row : rows) {
        auto parts = split_cells(row.cells, from.size());
        std::string cells;
        for (size_t i = 0; i < all.size(); ++i) {
          if (where[i] == SIZE_MAX)
            cells.push_back(static_cast<char>(CellTag::Missing));
          else
            put_split(cells, parts[where[i]].first, parts[where[i]].second);
        }
        row.cells = std::move(cells);
      }
    };
    relayout(mine, columns_);
    relayout(theirs, their_columns);
    columns_ = std::move(all);
  }
  std::sort(mine.begin(), mine.end(), before);
  std::sort(theirs.begin(), theirs.end(), before);
  std::vector<Row> rows;
  rows.reserve(std::min<size_t>(mine.size() + theirs.size(), capacity_));
  auto a = mine.begin(), b = theirs.begin();
  while (rows.size() < capacity_ && (a != mine.end() || b != theirs.end())) {
    if (b == theirs.end() || (a != mine.end() && !before(*b, *a)))
      rows.push_back(std::move(*a++));
    else
      rows.push_back(std::move(*b++));
  }
  heap_ = std::move(rows);
  std::make_heap(heap_.begin(), heap_.end(), before);
}

void RowSample::check_same_settings(const RowSample& other) const {
  if (other.capacity_ != capacity_ || other.seed_ != seed_)
    throw InvalidInput("cannot merge row samples of different sizes or seeds (" + std::to_string(capacity_) + " and " +
                       std::to_string(other.capacity_) + " rows)");
}

void RowSample::merge(const RowSample& other) {
  check_same_settings(other);
  merge_rows(other.heap_, other.columns_);
}

void RowSample::merge_table(const RowSample& other) {
  check_same_settings(other);
  // Keys hash contents, not places: the rows of another table compete with this one's as the
  // rows of one more unit would, and the result is the sample of the two tables together.
  std::vector<SampleColumn> their_columns = other.columns_;
  uint32_t next = 0;
  for (const SampleColumn& c : columns_) next = std::max(next, c.ordinal + 1);
  for (SampleColumn& c : their_columns) {
    auto it = std::find_if(columns_.begin(), columns_.end(), [&](const SampleColumn& a) { return a.name == c.name; });
    c.ordinal = it != columns_.end() ? it->ordinal : next++;
  }
  merge_rows(other.heap_, their_columns);
}

void RowSample::renumber(const std::vector<std::pair<std::string, uint32_t>>& ordinals) {
  std::vector<SampleColumn> renamed = columns_;
  for (SampleColumn& c : renamed)
    for (const auto& [name, ordinal] : ordinals)
      if (name == c.name) c.ordinal = ordinal;
  std::vector<size_t> order(renamed.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return renamed[a].ordinal < renamed[b].ordinal; });
  bool moved = false;
  for (size_t i = 0; i < order.size(); ++i) moved = moved || order[i] != i;
  if (moved) {
    for (Row& row : heap_) {
      auto parts = split_cells(row.cells, columns_.size());
      std::string cells;
      for (size_t i : order) put_split(cells, parts[i].first, parts[i].second);
      row.cells = std::move(cells);
    }
  }
  columns_.clear();
  for (size_t i : order) columns_.push_back(renamed[i]);
}

void RowSample::serialize(ByteWriter& out) const {
  out.put_varint(capacity_);
  out.put_u64(seed_);
  out.put_varint(columns_.size());
  for (const SampleColumn& c : columns_) {
    out.put_varint(c.ordinal);
    out.put_bytes(c.name);
    out.put_bytes(c.format);
  }
  std::vector<Row> sorted = rows();
  out.put_varint(sorted.size());
  for (const Row& row : sorted) {
    out.put_u64(row.key);
    out.put_bytes(row.cells);
  }
}

RowSample RowSample::deserialize(ByteReader& in) {
  uint32_t capacity = static_cast<uint32_t>(in.get_count("sample size", sample::MAX_SIZE));
  uint64_t seed = in.get_u64("sample seed");
  uint64_t n_columns = in.get_count("sample column count", in.remaining());
  std::vector<SampleColumn> columns(n_columns);
  for (SampleColumn& c : columns) {
    c.ordinal = static_cast<uint32_t>(in.get_count("sample column ordinal", UINT32_MAX));
    c.name = std::string(in.get_bytes("sample column name"));
    c.format = std::string(in.get_bytes("sample column format"));
  }
  for (size_t i = 1; i < columns.size(); ++i)
    if (columns[i].ordinal <= columns[i - 1].ordinal) in.fail("sample columns out of order at \"" + columns[i].name + "\"");
  RowSample s(capacity, seed, std::move(columns));
  uint64_t n = in.get_count("sample row count", capacity);
  s.heap_.reserve(n);
  for (uint64_t r = 0; r < n; ++r) {
    Row row;
    row.key = in.get_u64("sample row key");
    row.cells = std::string(in.get_bytes("sample row cells"));
    if (!s.heap_.empty() && before(row, s.heap_.back())) in.fail("sample rows out of order at row " + std::to_string(r));
    try {
      split_cells(row.cells, s.columns_.size());
    } catch (const CorruptPartial& e) {
      in.fail(std::string("sample row ") + std::to_string(r) + ": " + e.what());
    }
    s.heap_.push_back(std::move(row));
  }
  std::make_heap(s.heap_.begin(), s.heap_.end(), before);
  return s;
}

bool RowSample::operator==(const RowSample& other) const {
  ByteWriter a, b;
  serialize(a);
  other.serialize(b);
  return a.take() == b.take();
}

}  // namespace truthound
