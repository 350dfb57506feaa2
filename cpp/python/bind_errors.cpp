// Maps each truthound::Error subclass to its exception in truthound.profiler.errors. The Python
// classes are looked up when an error is raised, so importing this module imports nothing else.
#include <nanobind/nanobind.h>

#include "truthound/error.hpp"

namespace nb = nanobind;

namespace {

void raise_as(const char* class_name, const char* message) {
  nb::object errors = nb::module_::import_("truthound.profiler.errors");
  PyErr_SetString(errors.attr(class_name).ptr(), message);
}

}  // namespace

void bind_errors(nb::module_&) {
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const truthound::CorruptPartial& e) {
      raise_as("CorruptPartialError", e.what());
    } catch (const truthound::InvalidInput& e) {
      raise_as("InvalidInputError", e.what());
    } catch (const truthound::Unsupported& e) {
      raise_as("UnsupportedError", e.what());
    } catch (const truthound::Error& e) {
      raise_as("ProfilerError", e.what());
    }
  });
}
