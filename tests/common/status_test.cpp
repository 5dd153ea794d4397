#include "tempo/common/status.h"

#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "tempo/common/result.h"

namespace tempo {
namespace {

TEST_CASE("A default Status is ok and prints OK", "[common]") {
  Status status;
  CHECK(status.ok());
  CHECK(status.code() == StatusCode::kOk);
  CHECK(status.message().empty());
  CHECK(status.ToString() == "OK");
  CHECK(status == Status::Ok());
  CHECK(status.retry_after_seconds() == 0);
}

TEST_CASE("Error constructors set their code and message", "[common]") {
  CHECK(InvalidArgumentError("x").code() == StatusCode::kInvalidArgument);
  CHECK(NotFoundError("x").code() == StatusCode::kNotFound);
  CHECK(ResourceExhaustedError("x").code() == StatusCode::kResourceExhausted);
  CHECK(UnavailableError("x").code() == StatusCode::kUnavailable);
  CHECK(DeadlineExceededError("x").code() == StatusCode::kDeadlineExceeded);
  CHECK(CancelledError("x").code() == StatusCode::kCancelled);
  CHECK(CorruptionError("x").code() == StatusCode::kCorruption);
  CHECK(IOError("x").code() == StatusCode::kIOError);
  CHECK(InternalError("x").code() == StatusCode::kInternal);
  CHECK(FailedPreconditionError("x").code() == StatusCode::kFailedPrecondition);
  CHECK(UnimplementedError("x").code() == StatusCode::kUnimplemented);

  Status status = InvalidArgumentError("bad span");
  CHECK_FALSE(status.ok());
  CHECK(status.message() == "bad span");
  CHECK(status.ToString() == "InvalidArgument: bad span");
}

TEST_CASE("Status equality compares code and message", "[common]") {
  CHECK(NotFoundError("a") == NotFoundError("a"));
  CHECK_FALSE(NotFoundError("a") == NotFoundError("b"));
  CHECK_FALSE(NotFoundError("a") == InternalError("a"));
  CHECK(Status(StatusCode::kOk, "ignored").ok());
}

TEST_CASE("WithRetryAfter adds a hint without changing the original", "[common]") {
  Status limited = ResourceExhaustedError("rate limited");
  Status hinted = limited.WithRetryAfter(5);
  CHECK(hinted.retry_after_seconds() == 5);
  CHECK(hinted.code() == StatusCode::kResourceExhausted);
  CHECK(hinted.message() == "rate limited");
  CHECK(limited.retry_after_seconds() == 0);
  CHECK(Status::Ok().WithRetryAfter(5).ok());
  CHECK(Status::Ok().WithRetryAfter(5).retry_after_seconds() == 0);
}

TEST_CASE("Every status code has a name", "[common]") {
  CHECK(StatusCodeName(StatusCode::kOk) == "OK");
  CHECK(StatusCodeName(StatusCode::kDeadlineExceeded) == "DeadlineExceeded");
  CHECK(StatusCodeName(StatusCode::kUnimplemented) == "Unimplemented");
}

Status FailIf(bool fail) { return fail ? UnavailableError("down") : Status::Ok(); }

Status Chain(bool fail, int* reached) {
  TEMPO_RETURN_IF_ERROR(FailIf(fail));
  *reached = 1;
  return Status::Ok();
}

Result<int> Half(int v) {
  if (v % 2 != 0) return InvalidArgumentError("odd: " + std::to_string(v));
  return v / 2;
}

Result<int> Quarter(int v) {
  TEMPO_ASSIGN_OR_RETURN(int half, Half(v));
  TEMPO_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST_CASE("TEMPO_RETURN_IF_ERROR returns the first error", "[common]") {
  int reached = 0;
  CHECK(Chain(true, &reached).code() == StatusCode::kUnavailable);
  CHECK(reached == 0);
  CHECK(Chain(false, &reached).ok());
  CHECK(reached == 1);
}

TEST_CASE("Result holds a value or an error and TEMPO_ASSIGN_OR_RETURN propagates it", "[common]") {
  Result<int> ok = Quarter(8);
  REQUIRE(ok.ok());
  CHECK(*ok == 2);
  CHECK(ok.status().ok());

  Result<int> odd = Quarter(6);
  REQUIRE_FALSE(odd.ok());
  CHECK(odd.status() == InvalidArgumentError("odd: 3"));

  Result<std::unique_ptr<std::string>> moved = std::make_unique<std::string>("payload");
  std::unique_ptr<std::string> taken = std::move(moved).value();
  CHECK(*taken == "payload");
}

}  // namespace
}  // namespace tempo
