// Expected<T, E>: a value or an error, for entry points that fail as Linux does.
// Result<T> carries an errno; a guest access carries the signal it raised.
#pragma once

#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

#include "vmlab/errno.h"

namespace vmlab {

template <class E>
struct Unexpected {
  E error;
};

template <class T, class E>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  Expected(E error) : v_(std::in_place_index<1>, error) {}             // NOLINT: implicit
  Expected(Unexpected<E> u) : v_(std::in_place_index<1>, u.error) {}   // NOLINT: implicit

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Reading the value of a failed result is a misuse of the API.
  T& value() & {
    if (!ok()) throw std::logic_error("vmlab: value() of a failed result");
    return std::get<0>(v_);
  }
  const T& value() const& {
    if (!ok()) throw std::logic_error("vmlab: value() of a failed result");
    return std::get<0>(v_);
  }
  T&& value() && {
    if (!ok()) throw std::logic_error("vmlab: value() of a failed result");
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  E error() const {
    if (ok()) throw std::logic_error("vmlab: error() of a successful result");
    return std::get<1>(v_);
  }

 private:
  std::variant<T, E> v_;
};

template <class E>
class [[nodiscard]] Expected<void, E> {
 public:
  Expected() = default;
  Expected(E error) : failed_(true), error_(error) {}            // NOLINT: implicit
  Expected(Unexpected<E> u) : failed_(true), error_(u.error) {}  // NOLINT: implicit

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  void value() const {
    if (failed_) throw std::logic_error("vmlab: value() of a failed result");
  }
  E error() const {
    if (!failed_) throw std::logic_error("vmlab: error() of a successful result");
    return error_;
  }

 private:
  bool failed_ = false;
  E error_{};
};

template <class T>
using Result = Expected<T, Errno>;

}  // namespace vmlab
