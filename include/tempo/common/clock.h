#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace tempo {

// Wall and monotonic time, behind an interface so tests can use a fake. Implementations must be
// thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowUnixNanos() const = 0;
  virtual std::chrono::steady_clock::time_point Monotonic() const = 0;

  // The process-wide real clock.
  static Clock& Real();
};

// A clock that moves only when told to. Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t start_unix_nanos = 1'700'000'000'000'000'000) : now_(start_unix_nanos) {}
  int64_t NowUnixNanos() const override { return now_.load(); }
  std::chrono::steady_clock::time_point Monotonic() const override {
    return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(now_.load()));
  }
  void Advance(std::chrono::nanoseconds d) { now_ += d.count(); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace tempo
