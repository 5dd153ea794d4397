// String and duration literals of the lexer (traceql.md §2.4, §2.5).
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "tempo/traceql/lexer.h"
#include "traceql/parse_error.h"

namespace tempo::traceql {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Prometheus style: integer components in the order y w d h m s ms, at least one.
std::optional<int64_t> ParsePrometheusDuration(std::string_view s) {
  struct Unit {
    std::string_view suffix;
    int64_t nanos;
  };
  static constexpr std::array<Unit, 7> kUnits = {{{"y", 365 * kDay},
                                                  {"w", 7 * kDay},
                                                  {"d", kDay},
                                                  {"h", kHour},
                                                  {"m", kMinute},
                                                  {"s", kSecond},
                                                  {"ms", 1'000'000}}};
  if (s.empty()) return std::nullopt;
  size_t next_unit = 0;
  int64_t total = 0;
  while (!s.empty()) {
    size_t digits = 0;
    while (digits < s.size() && IsDigit(s[digits])) ++digits;
    if (digits == 0) return std::nullopt;
    int64_t value = 0;
    for (size_t i = 0; i < digits; ++i) {
      if (value > (std::numeric_limits<int64_t>::max() - 9) / 10) return std::nullopt;
      value = value * 10 + (s[i] - '0');
    }
    s.remove_prefix(digits);
    // "ms" must win over "m" followed by "s".
    std::optional<size_t> unit;
    if (s.substr(0, 2) == "ms") {
      unit = 6;
    } else {
      for (size_t u = 0; u < 6; ++u) {
        if (!s.empty() && s.substr(0, 1) == kUnits[u].suffix) unit = u;
      }
    }
    if (!unit || *unit < next_unit) return std::nullopt;
    s.remove_prefix(kUnits[*unit].suffix.size());
    next_unit = *unit + 1;
    if (value > std::numeric_limits<int64_t>::max() / kUnits[*unit].nanos) return std::nullopt;
    value *= kUnits[*unit].nanos;
    if (total > std::numeric_limits<int64_t>::max() - value) return std::nullopt;
    total += value;
  }
  return total;
}

// Go `time.ParseDuration` style without a sign: [0-9]*(.[0-9]*)?unit, repeated.
std::optional<int64_t> ParseGoDuration(std::string_view s) {
  if (s.empty()) return std::nullopt;
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t total = 0;
  while (!s.empty()) {
    uint64_t value = 0;
    size_t i = 0;
    bool pre = false, post = false;
    for (; i < s.size() && IsDigit(s[i]); ++i) {
      if (value > (kMax - 9) / 10) return std::nullopt;
      value = value * 10 + static_cast<uint64_t>(s[i] - '0');
      pre = true;
    }
    uint64_t fraction = 0;
    double scale = 1;
    if (i < s.size() && s[i] == '.') {
      ++i;
      bool overflow = false;
      for (; i < s.size() && IsDigit(s[i]); ++i) {
        post = true;
        if (overflow || fraction > (kMax - 9) / 10) {
          overflow = true;  // further digits cannot matter at nanosecond precision
          continue;
        }
        fraction = fraction * 10 + static_cast<uint64_t>(s[i] - '0');
        scale *= 10;
      }
    }
    if (!pre && !post) return std::nullopt;
    size_t unit_start = i;
    while (i < s.size() && !IsDigit(s[i]) && s[i] != '.') ++i;
    std::string_view unit = s.substr(unit_start, i - unit_start);
    uint64_t unit_nanos = 0;
    if (unit == "ns") {
      unit_nanos = 1;
    } else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {
      unit_nanos = 1'000;
    } else if (unit == "ms") {
      unit_nanos = 1'000'000;
    } else if (unit == "s") {
      unit_nanos = kSecond;
    } else if (unit == "m") {
      unit_nanos = kMinute;
    } else if (unit == "h") {
      unit_nanos = kHour;
    } else {
      return std::nullopt;
    }
    if (value > kMax / unit_nanos) return std::nullopt;
    value *= unit_nanos;
    if (fraction > 0) {
      value += static_cast<uint64_t>(static_cast<double>(fraction) *
                                     (static_cast<double>(unit_nanos) / scale));
      if (value > kMax) return std::nullopt;
    }
    total += value;
    if (total > kMax) return std::nullopt;
    s.remove_prefix(i);
  }
  return static_cast<int64_t>(total);
}

}  // namespace

std::string FormatParseError(int line, int col, std::string_view detail) {
  return "parse error at line " + std::to_string(line) + ", col " + std::to_string(col) + ": " +
         std::string(detail);
}

std::optional<int64_t> ParseDurationLiteral(std::string_view text) {
  if (auto nanos = ParsePrometheusDuration(text)) return nanos;
  return ParseGoDuration(text);
}

Token Lexer::ScanString(size_t start, int line, int col) {
  Advance();
  std::string value;
  for (;;) {
    if (AtEnd() || PeekChar() == '\n') return Fail("string literal not terminated", line, col);
    char c = PeekChar();
    if (c == '"') {
      Advance();
      break;
    }
    if (c != '\\') {
      value += c;
      Advance();
      continue;
    }
    int esc_line = line_, esc_col = col_;
    char e = PeekChar(1);
    Advance(2);
    switch (e) {
      case 'a':
        value += '\a';
        continue;
      case 'b':
        value += '\b';
        continue;
      case 'f':
        value += '\f';
        continue;
      case 'n':
        value += '\n';
        continue;
      case 'r':
        value += '\r';
        continue;
      case 't':
        value += '\t';
        continue;
      case 'v':
        value += '\v';
        continue;
      case '\\':
        value += '\\';
        continue;
      case '"':
        value += '"';
        continue;
      default:
        break;
    }
    int digits = 0, base = 16;
    if (e == 'x') digits = 2;
    if (e == 'u') digits = 4;
    if (e == 'U') digits = 8;
    if (e >= '0' && e <= '7') {
      digits = 2;  // the first octal digit is `e` itself
      base = 8;
    }
    if (digits == 0) return Fail("invalid escape sequence in string literal", esc_line, esc_col);
    uint32_t cp = base == 8 ? static_cast<uint32_t>(e - '0') : 0;
    for (int i = 0; i < digits; ++i) {
      int d = HexValue(PeekChar());
      if (d < 0 || d >= base)
        return Fail("invalid escape sequence in string literal", esc_line, esc_col);
      cp = cp * static_cast<uint32_t>(base) + static_cast<uint32_t>(d);
      Advance();
    }
    if (e == 'x' || base == 8) {
      if (cp > 0xFF) return Fail("octal escape value > 255", esc_line, esc_col);
      value += static_cast<char>(cp);  // a raw byte, as in Go
    } else {
      if (cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) {
        return Fail("escape sequence is invalid Unicode code point", esc_line, esc_col);
      }
      AppendUtf8(value, cp);
    }
  }
  Token t = Make(TokenKind::kString, start, line, col);
  t.text = std::move(value);
  return t;
}

}  // namespace tempo::traceql
