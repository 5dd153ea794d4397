#pragma once

#include <atomic>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

namespace tempo::log {

enum class Level : uint8_t { kDebug = 0, kInfo, kWarn, kError };

// Parses "debug", "info", "warn" or "error" (Tempo's -log.level values).
bool ParseLevel(std::string_view text, Level* out);
void SetLevel(Level level);
Level GetLevel();
bool Enabled(Level level);

// One log event, written as a single logfmt line (`level=info ts=... msg="..."`) to stderr when
// destroyed. Thread-safe: each line is written with one call. Use through the TEMPO_LOG macros.
class Line {
 public:
  Line(Level level, const char* file, int line);
  ~Line();
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;

  template <typename T>
  Line& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }

 private:
  Level level_;
  const char* file_;
  int line_;
  std::ostringstream stream_;
};

// Lets at most one event per `interval_ms` through (for logging bad input from the network without
// flooding). Thread-safe.
class RateLimiter {
 public:
  explicit RateLimiter(int64_t interval_ms) : interval_ms_(interval_ms) {}
  bool Allow();

 private:
  int64_t interval_ms_;
  std::atomic_int64_t next_allowed_ms_{0};
};

}  // namespace tempo::log

#define TEMPO_LOG(level)                                 \
  if (!::tempo::log::Enabled(::tempo::log::Level::level)) \
    ;                                                    \
  else                                                   \
    ::tempo::log::Line(::tempo::log::Level::level, __FILE__, __LINE__)

#define LOG_DEBUG TEMPO_LOG(kDebug)
#define LOG_INFO TEMPO_LOG(kInfo)
#define LOG_WARN TEMPO_LOG(kWarn)
#define LOG_ERROR TEMPO_LOG(kError)
