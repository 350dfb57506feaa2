// The fixed merge tree: the canonical order in which the partials of one plan are merged.
//
// Partials are sorted by first unit. Level 0 groups them in runs of `fan_in` consecutive partials
// (the last run may be shorter); every level above groups the nodes of the level below the same
// way, until a level has one node: the root. A node is merge_group() of its children, a left fold
// in unit order, and every node but the root crosses as bytes (it is serialized and read back
// before its parent folds it in), exactly as when nodes run on different machines. The shape
// depends only on the number of partials and fan_in, so the result is byte-identical whichever
// engine ran which node and in whatever order the nodes finished. Two consequences:
//   - at most fan_in partials form one group, so the tree then equals the flat ordered fold
//     (merge_partials with MergeOrder::ByUnit);
//   - a run of fan_in^k partials starting at a multiple of fan_in^k is a whole subtree: merging it
//     with merge_tree() gives the tree's node of level k-1, so a worker may merge its units first.
// Exact statistics (counts, extremes, integer sums, exact distinct sets, HyperLogLog registers,
// exact frequency tables, lengths, row sets) do not depend on the shape at all; floating moments,
// KLL items and Misra-Gries summaries depend on the order of merges, which the tree fixes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "truthound/profile/partial.hpp"

namespace truthound {

namespace tree {
inline constexpr uint32_t DEFAULT_FAN_IN = 64;
inline constexpr uint32_t MIN_FAN_IN = 2;
inline constexpr uint32_t MAX_FAN_IN = 1u << 20;
// Throws InvalidInput unless MIN_FAN_IN <= fan_in <= MAX_FAN_IN.
void check_fan_in(uint64_t fan_in);
// Nodes per level for `leaves` partials: ceil(leaves / fan_in), then ceil(that / fan_in), ... down
// to 1. One level when leaves <= fan_in; empty when leaves == 0.
std::vector<uint64_t> level_sizes(uint64_t leaves, uint32_t fan_in);
}  // namespace tree

// The unit range of a partial read from its header and options, without the checksum or the
// columns: enough to sort partials before reading them. Throws CorruptPartial on a bad header.
struct UnitSpan {
  uint64_t first = 0, last = 0;
};
UnitSpan peek_units(std::string_view bytes);

// Live decoded states: every partial a merge path has decoded (a node's running state, or the one
// input being folded into it) counts while it is alive, so tests can assert that a merge holds its
// state plus one decoded input, whatever the fan-in. Counted across threads.
namespace tree {
uint64_t live_decoded_states();
// The most states alive at once since the last reset_peak_decoded_states().
uint64_t peak_decoded_states();
void reset_peak_decoded_states();
}  // namespace tree

// A partial held by a merge path, counted in tree::live_decoded_states() while it lives.
class DecodedPartial {
 public:
  explicit DecodedPartial(Partial partial);
  DecodedPartial(DecodedPartial&& other) noexcept;
  DecodedPartial& operator=(DecodedPartial&& other) noexcept;
  DecodedPartial(const DecodedPartial&) = delete;
  DecodedPartial& operator=(const DecodedPartial&) = delete;
  ~DecodedPartial();

  Partial& operator*() { return partial_; }
  Partial* operator->() { return &partial_; }
  // The partial, no longer counted.
  Partial release() &&;

 private:
  Partial partial_;
  bool counted_ = true;
};

// The streaming fold every merge node runs: inputs are folded into the running state one at a
// time, each decoded only when its turn comes, so a fold holds its state plus one decoded input.
// ByUnit sorts the inputs by the unit range in their headers (overlaps rejected) before decoding
// any; AsGiven merges whole tables in the order given (Partial::merge_table).
class StreamingFold {
 public:
  explicit StreamingFold(MergeOrder order = MergeOrder::ByUnit) : order_(order) {}
  // Decodes and folds in the next input (CorruptPartial on bad bytes).
  void add_bytes(std::string_view bytes);
  // Folds in an input already decoded.
  void add(Partial input);
  bool empty() const { return !state_; }
  // The merged state; InvalidInput if nothing was added. The fold is empty afterwards.
  Partial finish();

 private:
  MergeOrder order_;
  std::optional<DecodedPartial> state_;
};

// One node of the tree over serialized inputs: sorted by the unit ranges in their headers,
// overlaps rejected, then decoded and folded one at a time (StreamingFold). Errors name the input
// by its index in `inputs`. None throws InvalidInput.
Partial merge_group_bytes(const std::vector<std::string_view>& inputs);
// Serialized inputs folded one at a time in `order` (AsGiven: the order given).
Partial fold_bytes(const std::vector<std::string_view>& inputs, MergeOrder order);

// One node of the tree: sorted by first unit, overlapping unit ranges rejected (InvalidInput),
// folded left. One partial is returned as it is; none throws InvalidInput.
Partial merge_group(std::vector<Partial> partials);

// The roots of a HASH plan's buckets merged into one partial (streaming, in unit order), with the
// duplicate-row count summed over the buckets: equal rows share a bucket, so each bucket's count
// (exact up to its own row_exact_limit) adds up to the table's. No count when a bucket has none.
struct BucketMerge {
  Partial merged;
  std::optional<uint64_t> duplicate_rows;
  bool duplicates_exact = false;
  double duplicates_error = 0;  // the largest bucket's relative standard error
};
BucketMerge merge_buckets(const std::vector<std::string_view>& roots);

// The whole tree over `partials` (any order; sorted by first unit, overlaps rejected).
Partial merge_tree(std::vector<Partial> partials, uint32_t fan_in = tree::DEFAULT_FAN_IN);

// What one level of a tree did: its nodes, the partials they folded, the serialized bytes of those
// inputs (0 for leaves added as Partial objects rather than bytes), and the time spent reading the
// inputs, merging them and writing the nodes out.
struct TreeLevelStats {
  uint64_t nodes = 0;
  uint64_t inputs = 0;
  uint64_t input_bytes = 0;
  uint64_t max_input_bytes = 0;
  double seconds = 0;
};

// The tree, fed one leaf at a time in unit order: it holds one open node per level (about
// log_fan_in(leaves) partials), never the leaves, so memory does not grow with their number.
// merge_tree() is this class run over sorted partials.
class TreeMerger {
 public:
  explicit TreeMerger(uint32_t fan_in = tree::DEFAULT_FAN_IN);

  // The next leaf; its first unit must come after the previous leaf's last unit (else InvalidInput).
  // `bytes` is its serialized size, for the statistics only.
  void add(Partial leaf, uint64_t bytes = 0);
  // Reads and adds a serialized leaf (CorruptPartial on bad bytes).
  void add_bytes(std::string_view bytes);
  // Closes the open nodes bottom up and returns the root. InvalidInput if no leaf was added; the
  // merger is empty afterwards and may be reused. After an exception it must be discarded.
  Partial finish();

  uint32_t fan_in() const { return fan_in_; }
  uint64_t leaves() const { return leaves_; }
  // Per level, complete after finish(): the root's level is the last, and its inputs are what a
  // driver receives when the levels below run on a cluster (at most fan_in).
  const std::vector<TreeLevelStats>& stats() const { return stats_; }

 private:
  struct Open {
    std::optional<DecodedPartial> node;
    uint64_t children = 0;
  };
  void accept(const Partial& leaf);  // checks unit order, counts the leaf
  void push(size_t level, Partial child, uint64_t bytes, double read_seconds);
  void close(size_t level);
  TreeLevelStats& level_stats(size_t level);

  uint32_t fan_in_;
  uint64_t leaves_ = 0;
  std::optional<uint64_t> last_unit_;
  std::vector<Open> open_;
  std::vector<TreeLevelStats> stats_;
  bool finished_ = false;
};

}  // namespace truthound
