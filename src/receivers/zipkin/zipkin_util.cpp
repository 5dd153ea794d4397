// Id and address helpers with Go's semantics (strconv.ParseUint, net.IP).

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

#include "receivers/zipkin/zipkin_decoder.h"

namespace tempo::receivers::zipkin {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char kHex[] = "0123456789abcdef";

}  // namespace

bool ParseHex64(std::string_view text, uint64_t* out) {
  if (text.empty()) return false;
  uint64_t v = 0;
  for (char c : text) {
    int d = HexDigit(c);
    if (d < 0 || (v >> 60) != 0) return false;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

bool ParseTraceIdHex(std::string_view text, uint64_t* high, uint64_t* low) {
  if (text.size() > 16) {
    return ParseHex64(text.substr(0, text.size() - 16), high) &&
           ParseHex64(text.substr(text.size() - 16), low);
  }
  *high = 0;
  return ParseHex64(text, low);
}

std::string FormatIp(std::string_view raw) {
  if (raw.empty()) return "";
  const auto* b = reinterpret_cast<const uint8_t*>(raw.data());
  auto dotted = [](const uint8_t* p) {
    return std::to_string(p[0]) + "." + std::to_string(p[1]) + "." + std::to_string(p[2]) + "." +
           std::to_string(p[3]);
  };
  if (raw.size() == 4) return dotted(b);
  if (raw.size() != 16) {
    std::string out = "?";
    for (uint8_t c : raw) {
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
    return out;
  }
  static const uint8_t kV4Prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, kV4Prefix, 12) == 0) return dotted(b + 12);
  uint16_t groups[8];
  for (int i = 0; i < 8; ++i) groups[i] = static_cast<uint16_t>((b[2 * i] << 8) | b[2 * i + 1]);
  // The longest run of two or more zero groups becomes "::" (the first one on a tie).
  int best_start = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_len && j - i >= 2) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    char buf[8];
    int n = std::snprintf(buf, sizeof(buf), "%x", groups[i]);
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

bool CanonicalIp(std::string_view text, std::string* out) {
  if (text.size() > 64) return false;
  std::string s(text);
  uint8_t buf[16];
  if (s.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, s.c_str(), buf) != 1) return false;
    *out = FormatIp(std::string_view(reinterpret_cast<const char*>(buf), 4));
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), buf) != 1) return false;
  *out = FormatIp(std::string_view(reinterpret_cast<const char*>(buf), 16));
  return true;
}

}  // namespace tempo::receivers::zipkin
