// truthound._core: the nanobind module. It converts types and releases the GIL; no logic.
#include <nanobind/nanobind.h>

namespace nb = nanobind;

void bind_errors(nb::module_& m);
void bind_profile(nb::module_& m);
void bind_merge(nb::module_& m);
void bind_distribution(nb::module_& m);
void bind_relations(nb::module_& m);
void bind_compare(nb::module_& m);

NB_MODULE(_core, m) {
  m.doc() = "truthound's C++ profiling engine: one-pass kernels, mergeable partial profiles.";
  bind_errors(m);
  bind_profile(m);
  bind_merge(m);
  bind_distribution(m);
  bind_relations(m);
  bind_compare(m);
}
