// merge_tree / merge_group / TreeMerger: the fixed merge tree over partial bytes (GIL released).
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <mutex>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "truthound/profile/finalize.hpp"
#include "truthound/profile/merge_tree.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace {

nb::bytes to_bytes(const std::string& s) { return nb::bytes(s.data(), s.size()); }

// Views of the caller's bytes objects: they are immutable and `blobs` keeps them alive while the
// GIL is released, so nothing is copied.
std::vector<std::string_view> views(const std::vector<nb::bytes>& blobs) {
  std::vector<std::string_view> out;
  out.reserve(blobs.size());
  for (const nb::bytes& b : blobs) out.emplace_back(b.c_str(), b.size());
  return out;
}

template <typename F>
auto naming_partial(size_t i, F&& f) {
  try {
    return f();
  } catch (const truthound::CorruptPartial& e) {
    throw truthound::CorruptPartial("partial #" + std::to_string(i) + ": " + e.what());
  }
}

// One node: inputs sorted by the unit ranges in their headers, then decoded one at a time.
nb::bytes merge_group(const std::vector<nb::bytes>& blobs) {
  std::vector<std::string_view> in = views(blobs);
  std::string out;
  {
    nb::gil_scoped_release unlocked;
    out = truthound::merge_group_bytes(in).serialize();
  }
  return to_bytes(out);
}

// The streaming fold over any iterable of bytes: by unit (the inputs are gathered first, to sort
// them by their headers; still decoded one at a time), or in the order given, taking each input
// from the iterable only when its turn comes (a generator reading saved profiles one by one).
nb::bytes merge_stream(nb::iterable items, bool by_unit) {
  std::string out;
  if (by_unit) {
    std::vector<nb::bytes> blobs;
    for (nb::handle item : items) blobs.push_back(nb::bytes(nb::borrow(item)));
    std::vector<std::string_view> in = views(blobs);
    nb::gil_scoped_release unlocked;
    out = truthound::fold_bytes(in, truthound::MergeOrder::ByUnit).serialize();
    return to_bytes(out);
  }
  truthound::StreamingFold fold(truthound::MergeOrder::AsGiven);
  size_t i = 0;
  for (nb::handle item : items) {
    nb::bytes blob = nb::bytes(nb::borrow(item));
    std::string_view view(blob.c_str(), blob.size());
    nb::gil_scoped_release unlocked;
    naming_partial(i++, [&] { fold.add_bytes(view); return 0; });
  }
  {
    nb::gil_scoped_release unlocked;
    out = fold.finish().serialize();
  }
  return to_bytes(out);
}

// Sorts by the unit range in each header, then streams the leaves through the tree one at a time,
// so at most one leaf per level is held deserialized.
nb::bytes merge_tree(const std::vector<nb::bytes>& blobs, uint32_t fan_in) {
  std::vector<std::string_view> in = views(blobs);
  std::string out;
  {
    nb::gil_scoped_release unlocked;
    truthound::tree::check_fan_in(fan_in);
    if (in.empty()) throw truthound::InvalidInput("nothing to merge: no partial profiles given");
    std::vector<truthound::UnitSpan> spans(in.size());
    for (size_t i = 0; i < in.size(); ++i) spans[i] = naming_partial(i, [&] { return truthound::peek_units(in[i]); });
    std::vector<size_t> order(in.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return spans[a].first < spans[b].first; });
    for (size_t j = 1; j < order.size(); ++j) {
      const auto& a = spans[order[j - 1]];
      const auto& b = spans[order[j]];
      if (b.first <= a.last)
        throw truthound::InvalidInput("partials overlap: units " + std::to_string(a.first) + ".." +
                                      std::to_string(a.last) + " and " + std::to_string(b.first) + ".." +
                                      std::to_string(b.last) + " (the same unit merged twice?)");
    }
    truthound::TreeMerger tree(fan_in);
    for (size_t i : order) naming_partial(i, [&] { tree.add_bytes(in[i]); return 0; });
    out = tree.finish().serialize();
  }
  return to_bytes(out);
}

// (merged bytes, duplicate rows or None, exact, relative error) of a HASH plan's bucket roots.
nb::tuple merge_buckets(const std::vector<nb::bytes>& blobs) {
  std::vector<std::string_view> in = views(blobs);
  std::string out;
  std::optional<uint64_t> duplicates;
  bool exact = false;
  double error = 0;
  {
    nb::gil_scoped_release unlocked;
    truthound::BucketMerge result = truthound::merge_buckets(in);
    out = result.merged.serialize();
    duplicates = result.duplicate_rows;
    exact = result.duplicates_exact;
    error = result.duplicates_error;
  }
  nb::object count = duplicates ? nb::object(nb::int_(*duplicates)) : nb::object(nb::none());
  return nb::make_tuple(to_bytes(out), count, exact, error);
}

nb::list stats_list(const std::vector<truthound::TreeLevelStats>& stats) {
  nb::list levels;
  for (const auto& s : stats) {
    nb::dict d;
    d["nodes"] = s.nodes;
    d["inputs"] = s.inputs;
    d["input_bytes"] = s.input_bytes;
    d["max_input_bytes"] = s.max_input_bytes;
    d["seconds"] = s.seconds;
    levels.append(d);
  }
  return levels;
}

// The streaming tree for Python: add() calls may come from several threads, one at a time.
class PyTreeMerger {
 public:
  explicit PyTreeMerger(uint32_t fan_in) : tree_(fan_in) {}

  void add(const nb::bytes& blob) {
    std::string_view view(blob.c_str(), blob.size());
    nb::gil_scoped_release unlocked;
    std::lock_guard<std::mutex> lock(mutex_);
    naming_partial(tree_.leaves(), [&] { tree_.add_bytes(view); return 0; });
  }

  nb::bytes finish() {
    std::string out;
    {
      nb::gil_scoped_release unlocked;
      std::lock_guard<std::mutex> lock(mutex_);
      out = tree_.finish().serialize();
    }
    return to_bytes(out);
  }

  nb::list stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_list(tree_.stats());
  }
  uint64_t leaves() {
    std::lock_guard<std::mutex> lock(mutex_);
    return tree_.leaves();
  }
  uint32_t fan_in() const { return tree_.fan_in(); }

 private:
  std::mutex mutex_;
  truthound::TreeMerger tree_;
};

}  // namespace

void bind_merge(nb::module_& m) {
  const uint32_t fan_in = truthound::tree::DEFAULT_FAN_IN;
  m.def("merge_group", &merge_group, "partials"_a,
        "Merge partial-profile bytes as one node of the merge tree: sorted by unit, overlaps rejected, "
        "folded left.");
  m.def("merge_tree", &merge_tree, "partials"_a, "fan_in"_a = fan_in,
        "Merge partial-profile bytes (any order) through the fixed merge tree: groups of fan_in "
        "consecutive units, level by level. The canonical merge of one plan's partials.");
  m.def(
      "merge_tree_levels",
      [](uint64_t leaves, uint32_t f) { return truthound::tree::level_sizes(leaves, f); }, "leaves"_a,
      "fan_in"_a = fan_in, "Nodes per level of the merge tree over `leaves` partials.");
  m.def("merge_stream", &merge_stream, "partials"_a, "by_unit"_a = false,
        "Fold partial-profile bytes one at a time (each decoded only when its turn comes): by unit, "
        "or in the order given as the union of tables (taken from the iterable one by one).");
  m.def("merge_buckets", &merge_buckets, "roots"_a,
        "Merge a HASH plan's bucket roots; returns (bytes, duplicate_rows or None, exact, error), the "
        "duplicate rows summed over buckets (equal rows share one).");
  m.def("live_decoded_states", &truthound::tree::live_decoded_states,
        "Partials the merge paths hold decoded right now (running states and inputs).");
  m.def("peak_decoded_states", &truthound::tree::peak_decoded_states,
        "The most partials the merge paths held decoded at once since reset_peak_decoded_states().");
  m.def("reset_peak_decoded_states", &truthound::tree::reset_peak_decoded_states,
        "Start a new peak of live_decoded_states() from its current value.");
  m.attr("MERGE_TREE_FAN_IN") = fan_in;
  m.attr("MERGE_TREE_MIN_FAN_IN") = truthound::tree::MIN_FAN_IN;
  m.attr("MERGE_TREE_MAX_FAN_IN") = truthound::tree::MAX_FAN_IN;
  m.attr("DEFAULT_TOP_N") = truthound::FinalizeOptions{}.top_n;
  m.attr("DEFAULT_HISTOGRAM_BINS") = truthound::FinalizeOptions{}.histogram_bins;
  nb::class_<PyTreeMerger>(m, "TreeMerger",
                           "The merge tree fed one partial at a time in unit order; holds one open "
                           "node per level.")
      .def(nb::init<uint32_t>(), "fan_in"_a = fan_in)
      .def("add", &PyTreeMerger::add, "partial"_a, "Add the next partial (its units after the previous one's).")
      .def("finish", &PyTreeMerger::finish, "Close the open nodes and return the root's bytes.")
      .def("stats", &PyTreeMerger::stats,
           "Per level: nodes, inputs, input_bytes, max_input_bytes, seconds (complete after finish()).")
      .def_prop_ro("leaves", &PyTreeMerger::leaves)
      .def_prop_ro("fan_in", &PyTreeMerger::fan_in);
}
