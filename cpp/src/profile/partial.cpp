#include "truthound/profile/partial.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <unordered_map>

#include "truthound/arrow/array_view.hpp"
#include "truthound/hash.hpp"

namespace truthound {
namespace {

uint64_t sketch_seed(uint64_t seed, uint64_t unit_id, uint32_t ordinal) {
  return hash::splitmix64(seed ^ hash::splitmix64(unit_id ^ hash::splitmix64(ordinal)));
}

std::string column_where(uint64_t unit, const std::string& name) {
  return "unit " + std::to_string(unit) + ", column \"" + name + "\"";
}

}  // namespace

Partial::Partial(const ProfileOptions& options, uint64_t unit_id, bool track_rows)
    : options_(options), first_unit_(unit_id), last_unit_(unit_id) {
  options_.validate();
  if (track_rows)
    row_distinct_.emplace(std::max<uint32_t>(options_.row_exact_limit, 1), options_.ell_precision,
                          DistinctSketch::ExaLogLog);
}

void Partial::begin(const ArrowSchema& schema, const std::vector<std::string>& selected) {
  std::string format = schema.format ? schema.format : "";
  if (format != "+s")
    throw InvalidInput("a table stream must yield struct batches (format +s), got format '" + format + "'");
  if (schema.n_children < 0 || (schema.n_children > 0 && schema.children == nullptr))
    throw InvalidInput("table schema has an invalid child list");
  std::map<std::string, int64_t> by_name;
  for (int64_t i = 0; i < schema.n_children; ++i) {
    const ArrowSchema* child = schema.children[i];
    if (child == nullptr) throw InvalidInput("table schema child " + std::to_string(i) + " is null");
    by_name.emplace(child->name ? child->name : "", i);
  }
  std::vector<int64_t> chosen;
  if (selected.empty()) {
    for (int64_t i = 0; i < schema.n_children; ++i) chosen.push_back(i);
  } else {
    for (const std::string& name : selected) {
      auto it = by_name.find(name);
      if (it == by_name.end()) {
        std::string known;
        for (int64_t i = 0; i < schema.n_children && i < 20; ++i)
          known += std::string(i ? ", " : "") + "\"" + (schema.children[i]->name ? schema.children[i]->name : "") + "\"";
        throw InvalidInput("column \"" + name + "\" not found; the table has " + known);
      }
      chosen.push_back(it->second);
    }
  }
  for (int64_t i : chosen) {
    const ArrowSchema& child = *schema.children[i];
    std::string name = child.name ? child.name : "";
    auto ordinal = static_cast<uint32_t>(i);
    columns_.emplace_back(name, ordinal, parse_column_type(child), options_,
                          sketch_seed(options_.seed, first_unit_, ordinal));
    child_index_.push_back(i);
  }
  if (relations_) {
    std::vector<uint32_t> ordinals;
    std::vector<std::string> names;
    for (const ColumnState& c : columns_) {
      ordinals.push_back(c.ordinal());
      names.push_back(c.name());
    }
    relations_->begin(schema, child_index_, ordinals, names);
  }
  // Row hashes cover the columns read: the caller tracks rows only when they make up a whole row
  // (every column, or the columns the user selected), never for one column group of several.
}

void Partial::update(const ArrowSchema& schema, const ArrowArray& batch) {
  if (batch.n_children != schema.n_children || (batch.n_children > 0 && batch.children == nullptr))
    throw InvalidInput("unit " + std::to_string(first_unit_) + ": batch has " + std::to_string(batch.n_children) +
                       " columns, schema has " + std::to_string(schema.n_children));
  if (batch.length < 0 || batch.offset < 0)
    throw InvalidInput("unit " + std::to_string(first_unit_) + ": batch has a negative length or offset");
  const int64_t n = batch.length;
  uint64_t* row_hashes = nullptr;
  if (row_distinct_) {
    row_hashes_.assign(static_cast<size_t>(n), hash::P1);
    row_hashes = row_hashes_.data();
  }
  for (size_t c = 0; c < columns_.size(); ++c) {
    int64_t i = child_index_[c];
    const ArrowArray* child = batch.children[i];
    std::string where = column_where(first_unit_, columns_[c].name());
    if (child == nullptr) throw InvalidInput("invalid Arrow array (" + where + "): child array is null");
    if (child->length < batch.offset + n)
      throw InvalidInput("invalid Arrow array (" + where + "): " + std::to_string(child->length) +
                         " values for a batch of " + std::to_string(batch.offset + n) + " rows");
    // A struct child longer than the batch is legal; only the batch's rows are read.
    ArrayView view(*schema.children[i], *child, batch.offset, where, n);
    columns_[c].update(view, row_hashes, scratch_);
  }
  if (relations_) {
    // The row hashes cover the profiled columns: the sample's key when those are its columns.
    const bool same_row = row_distinct_ && relations_->sample_children() == child_index_;
    relations_->update(schema, batch, same_row ? row_hashes_.data() : nullptr, first_unit_);
  }
  rows_ += static_cast<uint64_t>(n);
  if (row_distinct_) {
    row_distinct_->update(row_hashes_.data(), row_hashes_.size());
    tracked_rows_ += static_cast<uint64_t>(n);
  }
}

void Partial::check_mergeable(const Partial& other) const {
  // Formats 2 and 3 hold the same states (3 encodes them more compactly); 1 holds others.
  if ((version_ == 1) != (other.version_ == 1))
    throw InvalidInput("cannot merge a format-" + std::to_string(version_) + " partial (units " +
                       std::to_string(first_unit_) + ".." + std::to_string(last_unit_) + ") with a format-" +
                       std::to_string(other.version_) + " partial (units " + std::to_string(other.first_unit_) +
                       ".." + std::to_string(other.last_unit_) +
                       "): their distinct-count sketches differ (format 1 HyperLogLog, formats 2 and 3 ExaLogLog); "
                       "profile the format-" + std::to_string(std::min(version_, other.version_)) +
                       " source again");
  if (!(options_ == other.options_))
    throw InvalidInput("cannot merge partials profiled with different options (units " +
                       std::to_string(first_unit_) + " and " + std::to_string(other.first_unit_) + ")");
}

void Partial::merge(const Partial& other) {
  check_mergeable(other);
  // Partials of one plan list the same columns in the same order: match by position, and by name
  // (through an index built once) only where that fails, so a merge of wide partials is linear in
  // the columns, not quadratic (100,000 columns: 49 s before).
  std::unordered_map<std::string_view, size_t> by_name;  // views of names in columns_:
  const size_t mine = columns_.size();
  columns_.reserve(mine + other.columns_.size());        // no reallocation moves them
  for (size_t i = 0; i < other.columns_.size(); ++i) {
    const ColumnState& theirs = other.columns_[i];
    if (i < mine && columns_[i].name() == theirs.name()) {
      columns_[i].merge(theirs);
      continue;
    }
    if (by_name.empty())
      for (size_t j = 0; j < mine; ++j) by_name.emplace(columns_[j].name(), j);
    auto it = by_name.find(theirs.name());
    if (it == by_name.end())
      columns_.push_back(theirs);
    else
      columns_[it->second].merge(theirs);
  }
  if (columns_.size() > mine)
    std::stable_sort(columns_.begin(), columns_.end(),
                     [](const ColumnState& a, const ColumnState& b) { return a.ordinal() < b.ordinal(); });
  if (relations_ && other.relations_)
    relations_->merge(*other.relations_);
  else if (other.relations_)
    relations_ = other.relations_;
  merge_rest(other);
}

void Partial::merge_rest(const Partial& other) {
  version_ = std::max(version_, other.version_);
  if (row_distinct_ && other.row_distinct_) {
    row_distinct_->merge(*other.row_distinct_);
  } else if (other.row_distinct_) {
    row_distinct_ = other.row_distinct_;
  }
  tracked_rows_ += other.tracked_rows_;
  rows_ += other.rows_;
  first_unit_ = std::min(first_unit_, other.first_unit_);
  last_unit_ = std::max(last_unit_, other.last_unit_);
  unit_count_ += other.unit_count_;
}

uint64_t Partial::table_rows() const { return columns_.empty() ? rows_ : columns_.front().counts().rows; }

void Partial::merge_table(const Partial& other) {
  auto same_columns = [&] {
    if (columns_.size() != other.columns_.size()) return false;
    for (size_t i = 0; i < columns_.size(); ++i)
      if (columns_[i].name() != other.columns_[i].name() || columns_[i].ordinal() != other.columns_[i].ordinal())
        return false;
    return true;
  };
  if (same_columns()) {
    // Another table with the same columns: states merge as units do.
    check_mergeable(other);
    for (size_t i = 0; i < columns_.size(); ++i) columns_[i].merge(other.columns_[i]);
    if (relations_ && other.relations_)
      relations_->merge_table(*other.relations_);
    else
      relations_.reset();
    merge_rest(other);
    return;
  }
  check_mergeable(other);
  const uint64_t mine = table_rows(), theirs = other.table_rows();
  auto find = [](const std::vector<ColumnState>& in, const std::string& name) {
    return std::find_if(in.begin(), in.end(), [&](const ColumnState& c) { return c.name() == name; });
  };
  for (ColumnState& c : columns_) {
    auto it = find(other.columns_, c.name());
    if (it == other.columns_.end())
      c.add_absent_rows(theirs);
    else
      c.merge(*it);
  }
  for (const ColumnState& theirs_column : other.columns_) {
    if (find(columns_, theirs_column.name()) != columns_.end()) continue;
    columns_.push_back(theirs_column);
    columns_.back().add_absent_rows(mine);
  }
  for (size_t i = 0; i < columns_.size(); ++i) columns_[i].set_ordinal(static_cast<uint32_t>(i));
  if (relations_ && other.relations_) {
    relations_->merge_table(*other.relations_);
    std::vector<std::pair<std::string, uint32_t>> ordinals;
    for (const ColumnState& c : columns_) ordinals.emplace_back(c.name(), c.ordinal());
    relations_->renumber(ordinals);
  } else {
    relations_.reset();  // one side has none: nothing to say about the union
  }
  row_distinct_.reset();
  tracked_rows_ = 0;
  version_ = std::max(version_, other.version_);
  rows_ += other.rows_;
  first_unit_ = std::min(first_unit_, other.first_unit_);
  last_unit_ = std::max(last_unit_, other.last_unit_);
  unit_count_ += other.unit_count_;
}

std::string Partial::serialize() const {
  ByteWriter body;
  options_.serialize(body, version_);
  body.put_u64(first_unit_);
  body.put_u64(last_unit_);
  body.put_varint(unit_count_);
  body.put_varint(rows_);
  body.put_varint(tracked_rows_);
  body.put_bool(row_distinct_.has_value());
  if (row_distinct_) row_distinct_->serialize(body);
  body.put_varint(columns_.size());
  for (const ColumnState& c : columns_) {
    if (version_ < 3) {
      c.serialize(body, version_);
      continue;
    }
    // Format 3: each column is length-prefixed, so a reader can step over columns it does not
    // need (finalize reads one column at a time) and column groups concatenate as bytes.
    ByteWriter column;
    c.serialize(column, version_);
    body.put_bytes(column.buffer());
  }
  if (relations_) {
    body.put_u8(partial::SECTION_RELATIONS);
    relations_->serialize(body);
  }

  std::string payload = body.take();
  ByteWriter out;
  out.put_u32(partial::MAGIC);
  out.put_u16(version_);
  out.put_u16(partial::KIND_TABLE);
  out.put_u64(payload.size());
  out.put_u64(hash::xxh64(payload.data(), payload.size(), 0));
  out.put_raw(payload.data(), payload.size());
  return out.take();
}

uint64_t Partial::checksum(std::string_view bytes) {
  ByteReader header(bytes, "header");
  uint32_t magic = header.get_u32("magic number");
  if (magic != partial::MAGIC) header.fail("not a truthound partial profile (bad magic number)");
  uint16_t version = header.get_u16("format version");
  if (version < partial::OLDEST_FORMAT_VERSION || version > partial::FORMAT_VERSION)
    header.fail("format version " + std::to_string(version) + ", this build reads versions " +
                std::to_string(partial::OLDEST_FORMAT_VERSION) + " to " + std::to_string(partial::FORMAT_VERSION));
  uint16_t kind = header.get_u16("kind");
  if (kind != partial::KIND_TABLE) header.fail("kind " + std::to_string(kind) + ", expected a table partial");
  uint64_t size = header.get_u64("payload size");
  uint64_t stored = header.get_u64("checksum");
  if (size != header.remaining())
    header.fail("payload of " + std::to_string(header.remaining()) + " bytes, header says " + std::to_string(size));
  std::string_view payload = bytes.substr(partial::HEADER_BYTES);
  if (hash::xxh64(payload.data(), payload.size(), 0) != stored) header.fail("checksum mismatch");
  return stored;
}

Partial Partial::deserialize(std::string_view bytes) {
  checksum(bytes);
  ByteReader header(bytes, "header");
  header.get_u32("magic number");
  const uint16_t version = header.get_u16("format version");  // both checked by checksum()
  std::string_view payload = bytes.substr(partial::HEADER_BYTES);

  ByteReader in(payload, "payload");
  Partial p;
  p.version_ = version;
  p.options_ = ProfileOptions::deserialize(in, version);
  p.first_unit_ = in.get_u64("first unit");
  p.last_unit_ = in.get_u64("last unit");
  in.set_context("units " + std::to_string(p.first_unit_) + ".." + std::to_string(p.last_unit_));
  if (p.first_unit_ > p.last_unit_) in.fail("first unit after last unit");
  p.unit_count_ = in.get_varint("unit count");
  if (p.unit_count_ == 0) in.fail("unit count 0");
  p.rows_ = in.get_varint("row count");
  p.tracked_rows_ = in.get_varint("tracked row count");
  const DistinctSketch sketch = version == 1 ? DistinctSketch::HyperLogLog : DistinctSketch::ExaLogLog;
  if (in.get_bool("row state flag")) p.row_distinct_ = DistinctCounter::deserialize(in, sketch);
  uint64_t n = in.get_count("column count", in.remaining());
  p.columns_.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    if (version >= 3) {
      ByteReader column(in.get_bytes("column bytes"), in.context());
      p.columns_.push_back(ColumnState::deserialize(column, p.options_, version));
      column.expect_end();
    } else {
      p.columns_.push_back(ColumnState::deserialize(in, p.options_, version));
    }
    if (i > 0 && p.columns_[i].ordinal() <= p.columns_[i - 1].ordinal())
      in.fail("columns out of order at \"" + p.columns_[i].name() + "\"");
  }
  if (in.remaining() > 0) {
    uint8_t section = in.get_u8("section tag");
    if (section == partial::SECTION_POSITION_RELATIONS)
      in.fail("relations section of an earlier build (a row sample keyed by row position, tag 1): profile the "
              "source again");
    if (section != partial::SECTION_RELATIONS) in.fail("unknown section " + std::to_string(section));
    p.relations_ = Relations::deserialize(in);
  }
  in.expect_end();
  return p;
}

bool Partial::operator==(const Partial& other) const { return serialize() == other.serialize(); }

Partial merge_partials(std::vector<Partial> partials, MergeOrder order) {
  if (partials.empty()) throw InvalidInput("nothing to merge: no partial profiles given");
  if (order == MergeOrder::AsGiven) {
    Partial merged = std::move(partials[0]);
    for (size_t i = 1; i < partials.size(); ++i) merged.merge_table(partials[i]);
    return merged;
  }
  std::stable_sort(partials.begin(), partials.end(),
                   [](const Partial& a, const Partial& b) { return a.first_unit() < b.first_unit(); });
  for (size_t i = 1; i < partials.size(); ++i) {
    if (partials[i].first_unit() <= partials[i - 1].last_unit())
      throw InvalidInput("partials overlap: units " + std::to_string(partials[i - 1].first_unit()) + ".." +
                         std::to_string(partials[i - 1].last_unit()) + " and " +
                         std::to_string(partials[i].first_unit()) + ".." + std::to_string(partials[i].last_unit()) +
                         " (the same unit merged twice?)");
  }
  Partial merged = std::move(partials[0]);
  for (size_t i = 1; i < partials.size(); ++i) merged.merge(partials[i]);
  return merged;
}

Partial profile_stream(ArrowArrayStream* stream, const ProfileOptions& options, uint64_t unit_id,
                       const std::vector<std::string>& columns, bool track_rows,
                       const RelationsOptions* relations) {
  arrow::OwnedStream owned(*stream);
  stream->release = nullptr;
  auto check = [&](int code, const char* what) {
    if (code == 0) return;
    const char* message = owned->get_last_error ? owned->get_last_error(owned.get()) : nullptr;
    throw InvalidInput(std::string("unit ") + std::to_string(unit_id) + ": reading the Arrow stream failed at " +
                       what + " (code " + std::to_string(code) + ")" + (message ? std::string(": ") + message : ""));
  };
  arrow::OwnedSchema schema;
  check(owned->get_schema(owned.get(), schema.get()), "get_schema");
  Partial p(options, unit_id, track_rows);
  if (relations) p.set_relations(*relations);
  p.begin(*schema.get(), columns);
  for (;;) {
    arrow::OwnedArray batch;
    check(owned->get_next(owned.get(), batch.get()), "get_next");
    if (batch->release == nullptr) break;
    p.update(*schema.get(), *batch.get());
  }
  return p;
}

}  // namespace truthound
