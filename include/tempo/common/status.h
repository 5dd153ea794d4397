#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace tempo {

// The few error codes of the project. Mapped to HTTP and gRPC answers only in receivers/ and api/
// (see docs/architecture.md, "Errors").
enum class StatusCode : uint8_t {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kResourceExhausted,
  kUnavailable,
  kDeadlineExceeded,
  kCancelled,
  kCorruption,
  kIOError,
  kInternal,
  kFailedPrecondition,
  kUnimplemented,
};

std::string_view StatusCodeName(StatusCode code);

// The result of a fallible operation: a code plus a human message naming what is wrong. Cheap to
// copy when ok (no allocation). A value type; not thread-safe to mutate concurrently.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message);

  static Status Ok() { return Status(); }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return state_ ? state_->code : StatusCode::kOk; }
  const std::string& message() const;

  // Seconds after which a client may retry (RetryInfo / Retry-After); 0 = no hint.
  int retry_after_seconds() const { return state_ ? state_->retry_after_seconds : 0; }
  Status WithRetryAfter(int seconds) const;

  // "<CodeName>: <message>", or "OK".
  std::string ToString() const;

  // Marks a status that is dropped on purpose, so that every swallowed error is greppable.
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.message() == b.message();
  }

 private:
  struct State {
    StatusCode code;
    std::string message;
    int retry_after_seconds = 0;
  };
  std::shared_ptr<const State> state_;
};

Status InvalidArgumentError(std::string message);
Status NotFoundError(std::string message);
Status ResourceExhaustedError(std::string message);
Status UnavailableError(std::string message);
Status DeadlineExceededError(std::string message);
Status CancelledError(std::string message);
Status CorruptionError(std::string message);
Status IOError(std::string message);
Status InternalError(std::string message);
Status FailedPreconditionError(std::string message);
Status UnimplementedError(std::string message);

}  // namespace tempo

#define TEMPO_STATUS_CONCAT_INNER(a, b) a##b
#define TEMPO_STATUS_CONCAT(a, b) TEMPO_STATUS_CONCAT_INNER(a, b)

// Returns from the enclosing function if `expr` (a Status) is not ok.
#define TEMPO_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::tempo::Status tempo_status_tmp_ = (expr);    \
    if (!tempo_status_tmp_.ok()) {                 \
      return tempo_status_tmp_;                    \
    }                                              \
  } while (0)
