#pragma once
// Result<T>: a T or the Status that explains why there is none.
//
//   Result<Gallery> r = store.GetGallery(id);
//   if (!r.ok()) return r.status();
//   const Gallery& g = *r;
//
// GALLERY_ASSIGN_OR_RETURN(auto g, store.GetGallery(id)); does the same in one line.

#include <cassert>
#include <optional>
#include <type_traits>
#include <utility>

#include "common/status.h"

namespace gallery {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok() && "a Result built from a Status must hold an error");
    if (status_.ok()) {
      status_ = Status::Internal("Result constructed from an OK status without a value");
    }
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const& { return status_; }
  Status status() && { return std::move(status_); }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T&& operator*() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace gallery

#define GALLERY_CONCAT_INNER(a, b) a##b
#define GALLERY_CONCAT(a, b) GALLERY_CONCAT_INNER(a, b)
#define GALLERY_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) {                                    \
    return std::move(tmp).status();                   \
  }                                                   \
  lhs = std::move(tmp).value()
// Evaluates `expr` (a Result<T>); on error returns its Status, else assigns the value to `lhs`.
#define GALLERY_ASSIGN_OR_RETURN(lhs, expr) \
  GALLERY_ASSIGN_OR_RETURN_IMPL(GALLERY_CONCAT(gallery_result_, __LINE__), lhs, expr)
