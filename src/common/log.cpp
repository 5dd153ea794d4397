#include "tempo/common/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace tempo::log {
namespace {

std::atomic<Level> g_level{Level::kInfo};

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Escapes a logfmt value: quotes and backslashes, and newlines so that an event stays one line.
void AppendQuoted(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  out += '"';
}

}  // namespace

bool ParseLevel(std::string_view text, Level* out) {
  if (text == "debug") *out = Level::kDebug;
  else if (text == "info") *out = Level::kInfo;
  else if (text == "warn") *out = Level::kWarn;
  else if (text == "error") *out = Level::kError;
  else return false;
  return true;
}

void SetLevel(Level level) { g_level.store(level, std::memory_order_relaxed); }
Level GetLevel() { return g_level.load(std::memory_order_relaxed); }
bool Enabled(Level level) { return level >= GetLevel(); }

Line::Line(Level level, const char* file, int line) : level_(level), file_(file), line_(line) {}

Line::~Line() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
            1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char ts[96];  // sized for any int the compiler assumes, so nothing can be cut off
  std::snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  std::string_view file(file_);
  if (auto slash = file.rfind('/'); slash != std::string_view::npos) file.remove_prefix(slash + 1);

  std::string out;
  out.reserve(128);
  out += "level=";
  out += LevelName(level_);
  out += " ts=";
  out += ts;
  out += " caller=";
  out += file;
  out += ':';
  out += std::to_string(line_);
  out += " msg=";
  AppendQuoted(out, stream_.str());
  out += '\n';
  std::fwrite(out.data(), 1, out.size(), stderr);
}

bool RateLimiter::Allow() {
  int64_t now = NowMs();
  int64_t next = next_allowed_ms_.load(std::memory_order_relaxed);
  if (now < next) return false;
  return next_allowed_ms_.compare_exchange_strong(next, now + interval_ms_);
}

}  // namespace tempo::log
