#pragma once

#include <optional>
#include <utility>

#include "tempo/common/check.h"
#include "tempo/common/status.h"

namespace tempo {

// Either a value of type T or a non-ok Status. `value()` on an error is a programming error and
// aborts (TEMPO_CHECK). A value type; not thread-safe to mutate concurrently.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    TEMPO_CHECK(!status_.ok(), "Result constructed from an ok Status without a value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & {
    TEMPO_CHECK(ok(), status_.ToString().c_str());
    return *value_;
  }
  const T& value() const& {
    TEMPO_CHECK(ok(), status_.ToString().c_str());
    return *value_;
  }
  T&& value() && {
    TEMPO_CHECK(ok(), status_.ToString().c_str());
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace tempo

// Evaluates `rexpr` (a Result<T>); on error returns its Status, else moves the value into `lhs`.
#define TEMPO_ASSIGN_OR_RETURN(lhs, rexpr) \
  TEMPO_ASSIGN_OR_RETURN_IMPL(TEMPO_STATUS_CONCAT(tempo_result_, __LINE__), lhs, rexpr)
#define TEMPO_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                \
  if (!tmp.ok()) {                                   \
    return tmp.status();                             \
  }                                                  \
  lhs = std::move(tmp).value()
