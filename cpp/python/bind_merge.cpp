// merge_tree / merge_group / TreeMerger: the fixed merge tree over partial bytes (GIL released).
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <mutex>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

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

nb::bytes merge_group(const std::vector<nb::bytes>& blobs) {
  std::vector<std::string_view> in = views(blobs);
  std::string out;
  {
    nb::gil_scoped_release unlocked;
    std::vector<truthound::Partial> partials;
    partials.reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i)
      partials.push_back(naming_partial(i, [&] { return truthound::Partial::deserialize(in[i]); }));
    out = truthound::merge_group(std::move(partials)).serialize();
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
  m.attr("MERGE_TREE_FAN_IN") = fan_in;
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
