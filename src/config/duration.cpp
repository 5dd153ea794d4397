#include <cstdint>
#include <string>

#include "tempo/config/loader.h"

namespace tempo::config {
namespace {

using u128 = unsigned __int128;

constexpr uint64_t kMaxNanos = static_cast<uint64_t>(INT64_MAX);

// Nanoseconds per unit, 0 for an unknown unit. Go accepts both micro signs (U+00B5, U+03BC).
uint64_t UnitNanos(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1'000;
  if (unit == "ms") return 1'000'000;
  if (unit == "s") return 1'000'000'000;
  if (unit == "m") return 60ull * 1'000'000'000;
  if (unit == "h") return 3600ull * 1'000'000'000;
  return 0;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Status Invalid(std::string_view text, std::string_view why) {
  return InvalidArgumentError("invalid duration \"" + std::string(text) +
                              "\": " + std::string(why));
}

}  // namespace

Result<std::chrono::nanoseconds> ParseDuration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return Invalid(text, "empty");

  u128 total = 0;
  while (!s.empty()) {
    if (!IsDigit(s.front()) && s.front() != '.') return Invalid(text, "expected a number");
    // Integer part.
    u128 whole = 0;
    size_t int_digits = 0;
    while (!s.empty() && IsDigit(s.front())) {
      whole = whole * 10 + static_cast<unsigned>(s.front() - '0');
      if (whole > kMaxNanos) return Invalid(text, "overflow");
      s.remove_prefix(1);
      ++int_digits;
    }
    // Fraction: keep at most 18 digits, enough for nanosecond precision of hours.
    u128 frac = 0;
    u128 scale = 1;
    size_t frac_digits = 0;
    if (!s.empty() && s.front() == '.') {
      s.remove_prefix(1);
      while (!s.empty() && IsDigit(s.front())) {
        if (frac_digits < 18) {
          frac = frac * 10 + static_cast<unsigned>(s.front() - '0');
          scale *= 10;
        }
        s.remove_prefix(1);
        ++frac_digits;
      }
    }
    if (int_digits == 0 && frac_digits == 0) return Invalid(text, "expected a number");
    // Unit: everything up to the next digit or dot.
    size_t unit_len = 0;
    while (unit_len < s.size() && !IsDigit(s[unit_len]) && s[unit_len] != '.') ++unit_len;
    if (unit_len == 0) return Invalid(text, "missing unit (ns, us, ms, s, m, h)");
    uint64_t unit = UnitNanos(s.substr(0, unit_len));
    if (unit == 0) {
      return Invalid(text, "unknown unit \"" + std::string(s.substr(0, unit_len)) + "\"");
    }
    s.remove_prefix(unit_len);
    total += whole * unit + frac * unit / scale;
    if (total > kMaxNanos) return Invalid(text, "overflow");
  }
  auto nanos = static_cast<int64_t>(total);
  return std::chrono::nanoseconds(negative ? -nanos : nanos);
}

}  // namespace tempo::config
