#pragma once
// The result of asynchronous work: a value or the ApiError that explains why not.
#include <utility>
#include <variant>

#include "parley/core/error.hpp"

namespace parley {

template <class T>
class Outcome {
 public:
  Outcome(T value) : v_(std::move(value)) {}
  Outcome(ApiError error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  const ApiError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, ApiError> v_;
};

struct Unit {};

}  // namespace parley
