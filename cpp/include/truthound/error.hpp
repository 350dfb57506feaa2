// Errors raised by the core. Each maps to one Python exception in truthound.profiler.errors.
// A message says what, where, expected and got.
#pragma once

#include <stdexcept>
#include <string>

namespace truthound {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Data the caller handed us is malformed: an Arrow array whose buffers disagree with its length,
// a column name that does not exist, an option out of range.
class InvalidInput : public Error {
 public:
  using Error::Error;
};

// Partial-profile bytes that are truncated, corrupted, from another version or not ours.
class CorruptPartial : public Error {
 public:
  using Error::Error;
};

// Well-formed input that this version does not handle (an Arrow format we do not know).
class Unsupported : public Error {
 public:
  using Error::Error;
};

}  // namespace truthound
