#include "truthound/profile/merge_tree.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <numeric>
#include <utility>

namespace truthound {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

bool by_first_unit(const Partial& a, const Partial& b) { return a.first_unit() < b.first_unit(); }

std::string span_text(uint64_t first, uint64_t last) {
  return std::to_string(first) + ".." + std::to_string(last);
}

// Sorted partials must cover disjoint unit ranges: the same unit merged twice would count twice.
void reject_overlaps(const std::vector<Partial>& sorted) {
  for (size_t i = 1; i < sorted.size(); ++i) {
    const Partial& a = sorted[i - 1];
    const Partial& b = sorted[i];
    if (b.first_unit() <= a.last_unit())
      throw InvalidInput("partials overlap: units " + span_text(a.first_unit(), a.last_unit()) + " and " +
                         span_text(b.first_unit(), b.last_unit()) + " (the same unit merged twice?)");
  }
}

std::atomic<uint64_t> live_states{0};
std::atomic<uint64_t> peak_states{0};

void count_state() {
  const uint64_t now = live_states.fetch_add(1, std::memory_order_relaxed) + 1;
  uint64_t peak = peak_states.load(std::memory_order_relaxed);
  while (now > peak && !peak_states.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}

void uncount_state() { live_states.fetch_sub(1, std::memory_order_relaxed); }

// Prefixes a CorruptPartial's message with the index of the input it came from.
template <typename F>
auto naming_input(size_t i, F&& f) {
  try {
    return f();
  } catch (const CorruptPartial& e) {
    throw CorruptPartial("partial #" + std::to_string(i) + ": " + e.what());
  }
}

}  // namespace

DecodedPartial::DecodedPartial(Partial partial) : partial_(std::move(partial)) { count_state(); }

DecodedPartial::DecodedPartial(DecodedPartial&& other) noexcept
    : partial_(std::move(other.partial_)), counted_(other.counted_) {
  other.counted_ = false;
}

DecodedPartial& DecodedPartial::operator=(DecodedPartial&& other) noexcept {
  if (this != &other) {
    if (counted_) uncount_state();
    partial_ = std::move(other.partial_);
    counted_ = other.counted_;
    other.counted_ = false;
  }
  return *this;
}

DecodedPartial::~DecodedPartial() {
  if (counted_) uncount_state();
}

Partial DecodedPartial::release() && {
  if (counted_) uncount_state();
  counted_ = false;
  return std::move(partial_);
}

void StreamingFold::add(Partial input) {
  DecodedPartial next(std::move(input));
  if (!state_) {
    state_.emplace(std::move(next));
  } else if (order_ == MergeOrder::ByUnit) {
    (*state_)->merge(*next);
  } else {
    (*state_)->merge_table(*next);
  }
}

void StreamingFold::add_bytes(std::string_view bytes) { add(Partial::deserialize(bytes)); }

Partial StreamingFold::finish() {
  if (!state_) throw InvalidInput("nothing to merge: no partial profiles given");
  Partial out = std::move(*state_).release();
  state_.reset();
  return out;
}

namespace {

// The order in which a node folds serialized inputs: by the first unit in their headers, overlaps
// rejected, without decoding any of them.
std::vector<size_t> unit_order(const std::vector<std::string_view>& inputs) {
  std::vector<UnitSpan> spans(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) spans[i] = naming_input(i, [&] { return peek_units(inputs[i]); });
  std::vector<size_t> order(inputs.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return spans[a].first < spans[b].first; });
  for (size_t j = 1; j < order.size(); ++j) {
    const UnitSpan& a = spans[order[j - 1]];
    const UnitSpan& b = spans[order[j]];
    if (b.first <= a.last)
      throw InvalidInput("partials overlap: units " + span_text(a.first, a.last) + " and " +
                         span_text(b.first, b.last) + " (the same unit merged twice?)");
  }
  return order;
}

}  // namespace

Partial fold_bytes(const std::vector<std::string_view>& inputs, MergeOrder order) {
  if (inputs.empty()) throw InvalidInput("nothing to merge: no partial profiles given");
  StreamingFold fold(order);
  if (order == MergeOrder::AsGiven) {
    for (size_t i = 0; i < inputs.size(); ++i) naming_input(i, [&] { fold.add_bytes(inputs[i]); return 0; });
  } else {
    for (size_t i : unit_order(inputs)) naming_input(i, [&] { fold.add_bytes(inputs[i]); return 0; });
  }
  return fold.finish();
}

Partial merge_group_bytes(const std::vector<std::string_view>& inputs) {
  return fold_bytes(inputs, MergeOrder::ByUnit);
}

BucketMerge merge_buckets(const std::vector<std::string_view>& roots) {
  if (roots.empty()) throw InvalidInput("nothing to merge: no partial profiles given");
  StreamingFold fold(MergeOrder::ByUnit);
  uint64_t duplicates = 0;
  bool known = true, exact = true;
  double error = 0;
  for (size_t i : unit_order(roots)) {
    Partial bucket = naming_input(i, [&] { return Partial::deserialize(roots[i]); });
    const auto& rows = bucket.row_distinct();
    const uint64_t n = bucket.columns().empty() ? bucket.rows() : bucket.columns().front().counts().rows;
    if (rows && bucket.tracked_rows() == n) {
      duplicates += n - std::min<uint64_t>(rows->estimate(), n);
      exact = exact && rows->is_exact();
      error = std::max(error, rows->relative_standard_error());
    } else {
      known = false;
    }
    fold.add(std::move(bucket));
  }
  BucketMerge out{fold.finish(), std::nullopt, false, 0};
  if (known) {
    out.duplicate_rows = duplicates;
    out.duplicates_exact = exact;
    out.duplicates_error = exact ? 0 : error;
  }
  return out;
}

namespace tree {

uint64_t live_decoded_states() { return live_states.load(std::memory_order_relaxed); }
uint64_t peak_decoded_states() { return peak_states.load(std::memory_order_relaxed); }
void reset_peak_decoded_states() { peak_states.store(live_states.load(std::memory_order_relaxed)); }

void check_fan_in(uint64_t fan_in) {
  if (fan_in < MIN_FAN_IN || fan_in > MAX_FAN_IN)
    throw InvalidInput("merge tree fan_in " + std::to_string(fan_in) + ", expected " +
                       std::to_string(MIN_FAN_IN) + ".." + std::to_string(MAX_FAN_IN));
}

std::vector<uint64_t> level_sizes(uint64_t leaves, uint32_t fan_in) {
  check_fan_in(fan_in);
  std::vector<uint64_t> sizes;
  uint64_t n = leaves;
  while (n > 0) {
    n = n / fan_in + (n % fan_in != 0);
    sizes.push_back(n);
    if (n == 1) break;
  }
  return sizes;
}

}  // namespace tree

UnitSpan peek_units(std::string_view bytes) {
  ByteReader header(bytes, "header");
  if (header.get_u32("magic number") != partial::MAGIC)
    header.fail("not a truthound partial profile (bad magic number)");
  uint16_t version = header.get_u16("format version");
  if (version < partial::OLDEST_FORMAT_VERSION || version > partial::FORMAT_VERSION)
    header.fail("format version " + std::to_string(version) + ", this build reads versions " +
                std::to_string(partial::OLDEST_FORMAT_VERSION) + " to " + std::to_string(partial::FORMAT_VERSION));
  uint16_t kind = header.get_u16("kind");
  if (kind != partial::KIND_TABLE) header.fail("kind " + std::to_string(kind) + ", expected a table partial");
  uint64_t size = header.get_u64("payload size");
  header.get_u64("checksum");  // verified when the partial is read in full
  if (size != header.remaining())
    header.fail("payload of " + std::to_string(header.remaining()) + " bytes, header says " + std::to_string(size));
  ByteReader in(bytes.substr(partial::HEADER_BYTES), "payload");
  ProfileOptions::deserialize(in, version);
  UnitSpan span;
  span.first = in.get_u64("first unit");
  span.last = in.get_u64("last unit");
  if (span.first > span.last) in.fail("first unit after last unit (units " + span_text(span.first, span.last) + ")");
  return span;
}

Partial merge_group(std::vector<Partial> partials) {
  if (partials.empty()) throw InvalidInput("nothing to merge: no partial profiles given");
  std::stable_sort(partials.begin(), partials.end(), by_first_unit);
  reject_overlaps(partials);
  StreamingFold fold(MergeOrder::ByUnit);
  for (Partial& p : partials) fold.add(std::move(p));
  return fold.finish();
}

Partial merge_tree(std::vector<Partial> partials, uint32_t fan_in) {
  tree::check_fan_in(fan_in);
  if (partials.empty()) throw InvalidInput("nothing to merge: no partial profiles given");
  std::stable_sort(partials.begin(), partials.end(), by_first_unit);
  reject_overlaps(partials);
  TreeMerger tree(fan_in);
  for (Partial& p : partials) tree.add(std::move(p));  // a moved-from leaf holds no buffers
  return tree.finish();
}

TreeMerger::TreeMerger(uint32_t fan_in) : fan_in_(fan_in) { tree::check_fan_in(fan_in); }

TreeLevelStats& TreeMerger::level_stats(size_t level) {
  if (stats_.size() <= level) stats_.resize(level + 1);
  return stats_[level];
}

void TreeMerger::accept(const Partial& leaf) {
  if (finished_) {
    stats_.clear();
    finished_ = false;
  }
  if (last_unit_ && leaf.first_unit() <= *last_unit_)
    throw InvalidInput("merge tree: units " + span_text(leaf.first_unit(), leaf.last_unit()) +
                       " arrived after unit " + std::to_string(*last_unit_) +
                       " (leaves must come in unit order, each unit once)");
  last_unit_ = leaf.last_unit();
  ++leaves_;
}

void TreeMerger::add(Partial leaf, uint64_t bytes) {
  accept(leaf);
  push(0, std::move(leaf), bytes, 0);
}

void TreeMerger::add_bytes(std::string_view bytes) {
  auto start = std::chrono::steady_clock::now();
  Partial leaf = Partial::deserialize(bytes);
  double read = seconds_since(start);
  accept(leaf);
  push(0, std::move(leaf), bytes.size(), read);
}

void TreeMerger::push(size_t level, Partial child, uint64_t bytes, double read_seconds) {
  auto start = std::chrono::steady_clock::now();
  if (open_.size() <= level) open_.resize(level + 1);
  TreeLevelStats& s = level_stats(level);
  ++s.inputs;
  s.input_bytes += bytes;
  s.max_input_bytes = std::max(s.max_input_bytes, bytes);
  Open& o = open_[level];
  DecodedPartial input(std::move(child));
  if (!o.node) {
    o.node.emplace(std::move(input));
    o.children = 1;
    ++s.nodes;
  } else {
    (*o.node)->merge(*input);
    ++o.children;
  }
  s.seconds += read_seconds + seconds_since(start);
  if (o.children == fan_in_) close(level);
}

void TreeMerger::close(size_t level) {
  // The node crosses to its parent as bytes, as it would between machines; reading it back also
  // frees the memory the merge grew (hash tables sized for their peak).
  auto start = std::chrono::steady_clock::now();
  std::string bytes = (*open_[level].node)->serialize();
  open_[level].node.reset();
  open_[level].children = 0;
  level_stats(level).seconds += seconds_since(start);
  start = std::chrono::steady_clock::now();
  Partial child = Partial::deserialize(bytes);
  double read = seconds_since(start);
  const uint64_t size = bytes.size();
  { std::string freed = std::move(bytes); }  // before the parent's merge grows its own state
  push(level + 1, std::move(child), size, read);
}

Partial TreeMerger::finish() {
  if (leaves_ == 0) throw InvalidInput("nothing to merge: no partial profiles given");
  // Levels below the top close their last (short) node; the top level is the one no node has left.
  size_t level = 0;
  while (level + 1 < open_.size()) {
    if (open_[level].node) close(level);
    ++level;
  }
  Open& top = open_[level];
  Partial root = std::move(*top.node).release();
  // A top node with one child is that child: the level below already had a single node (the
  // leaves were an exact power of fan_in), so the tree ends there.
  if (top.children == 1 && level > 0) stats_.pop_back();
  open_.clear();
  leaves_ = 0;
  last_unit_.reset();
  finished_ = true;
  return root;
}

}  // namespace truthound
