// Profiles a small in-memory table through the Arrow C stream interface, in two units, merges
// the serialised partials and prints the finalized statistics: the core used without Python.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "truthound/profile/finalize.hpp"
#include "truthound/profile/partial.hpp"

namespace {

// A one-batch stream of {x: int64, name: utf8}, built by hand as any Arrow producer would.
struct Table {
  std::vector<int64_t> x;
  std::vector<uint8_t> x_valid;
  std::vector<int32_t> offsets;
  std::string chars;
};

struct StreamData {
  Table table;
  bool done = false;
  ArrowSchema x_schema{}, name_schema{};
  ArrowSchema* schema_children[2] = {&x_schema, &name_schema};
  const void* x_buffers[2] = {};
  const void* name_buffers[3] = {};
  ArrowArray x_array{}, name_array{};
  ArrowArray* array_children[2] = {&x_array, &name_array};
  const void* struct_buffers[1] = {nullptr};
};

void release_schema(ArrowSchema* s) { s->release = nullptr; }
void release_array(ArrowArray* a) { a->release = nullptr; }

int get_schema(ArrowArrayStream* stream, ArrowSchema* out) {
  auto* d = static_cast<StreamData*>(stream->private_data);
  d->x_schema = {"l", "x", nullptr, ARROW_FLAG_NULLABLE, 0, nullptr, nullptr, release_schema, nullptr};
  d->name_schema = {"u", "name", nullptr, ARROW_FLAG_NULLABLE, 0, nullptr, nullptr, release_schema, nullptr};
  *out = {"+s", "", nullptr, 0, 2, d->schema_children, nullptr, release_schema, nullptr};
  return 0;
}

int get_next(ArrowArrayStream* stream, ArrowArray* out) {
  auto* d = static_cast<StreamData*>(stream->private_data);
  if (d->done) {
    out->release = nullptr;
    return 0;
  }
  d->done = true;
  auto n = static_cast<int64_t>(d->table.x.size());
  d->x_buffers[0] = d->table.x_valid.data();
  d->x_buffers[1] = d->table.x.data();
  d->name_buffers[0] = nullptr;
  d->name_buffers[1] = d->table.offsets.data();
  d->name_buffers[2] = d->table.chars.data();
  d->x_array = {n, -1, 0, 2, 0, d->x_buffers, nullptr, nullptr, release_array, nullptr};
  d->name_array = {n, 0, 0, 3, 0, d->name_buffers, nullptr, nullptr, release_array, nullptr};
  *out = {n, 0, 0, 1, 2, d->struct_buffers, d->array_children, nullptr, release_array, nullptr};
  return 0;
}

const char* last_error(ArrowArrayStream*) { return nullptr; }
void release_stream(ArrowArrayStream* s) { s->release = nullptr; }

ArrowArrayStream make_stream(StreamData& data) {
  return {get_schema, get_next, last_error, release_stream, &data};
}

Table make_table(int64_t first, int64_t n) {
  Table t;
  t.offsets.push_back(0);
  t.x_valid.assign(static_cast<size_t>((n + 7) / 8), 0);
  const char* names[] = {"ada", "grace", "edsger", "barbara"};
  for (int64_t i = 0; i < n; ++i) {
    int64_t v = first + i;
    t.x.push_back(v);
    if (v % 10 != 0) t.x_valid[static_cast<size_t>(i / 8)] |= static_cast<uint8_t>(1 << (i % 8));
    t.chars += names[v % 4];
    t.offsets.push_back(static_cast<int32_t>(t.chars.size()));
  }
  return t;
}

}  // namespace

int main() {
  truthound::ProfileOptions options;
  std::vector<std::string> blobs;
  for (uint64_t unit = 0; unit < 2; ++unit) {
    StreamData data;
    data.table = make_table(static_cast<int64_t>(unit) * 500, 500);
    ArrowArrayStream stream = make_stream(data);
    blobs.push_back(truthound::profile_stream(&stream, options, unit, {}, true).serialize());
  }
  // Partials travel as bytes; merge them in unit order whatever order they arrived in.
  std::vector<truthound::Partial> partials;
  partials.push_back(truthound::Partial::deserialize(blobs[1]));
  partials.push_back(truthound::Partial::deserialize(blobs[0]));
  truthound::TableResult result = truthound::finalize(truthound::merge_partials(std::move(partials)), {});

  const truthound::ColumnResult& x = result.columns.at(0);
  const truthound::ColumnResult& name = result.columns.at(1);
  std::printf("rows %llu, duplicate rows %llu\n", static_cast<unsigned long long>(result.rows),
              static_cast<unsigned long long>(result.duplicate_rows.value_or(0)));
  std::printf("x: nulls %llu, distinct %llu, mean %.4f, median %.1f\n",
              static_cast<unsigned long long>(x.counts.nulls), static_cast<unsigned long long>(x.distinct_count),
              x.moments->mean.value_or(0), x.quantiles.at(3).value);
  std::printf("name: distinct %llu, top %s (%llu)\n", static_cast<unsigned long long>(name.distinct_count),
              name.top_values.at(0).value.c_str(), static_cast<unsigned long long>(name.top_values.at(0).count));
  // 1000 rows, 0..999 with every tenth null: 900 values, mean 500, 4 names of 250 each.
  bool ok = result.rows == 1000 && x.counts.nulls == 100 && x.distinct_count == 900 &&
            x.moments->mean.value_or(0) == 500.0 && name.distinct_count == 4 && name.top_values.at(0).count == 250;
  std::puts(ok ? "ok" : "MISMATCH");
  return ok ? 0 : 1;
}
