#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

#include "tempo/common/result.h"

namespace tempo {

// A 128-bit trace ID, big-endian bytes as on the wire. A value type.
struct TraceId {
  std::array<uint8_t, 16> bytes{};

  static TraceId FromBytes(std::string_view raw);  // raw.size() must be 16
  std::string_view view() const {
    return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  bool IsZero() const;
  // 32 lower-case hex characters.
  std::string ToHex() const;
  // Lower-case hex without leading zeros, as Tempo's search results print trace IDs ("0" if zero).
  std::string ToShortHex() const;

  friend bool operator==(const TraceId& a, const TraceId& b) { return a.bytes == b.bytes; }
  friend auto operator<=>(const TraceId& a, const TraceId& b) { return a.bytes <=> b.bytes; }
};

struct TraceIdHash {
  size_t operator()(const TraceId& id) const {
    uint64_t a, b;
    std::memcpy(&a, id.bytes.data(), 8);
    std::memcpy(&b, id.bytes.data() + 8, 8);
    return static_cast<size_t>(a * 0x9E3779B97F4A7C15ull ^ b);
  }
};

// Parses a trace ID from the query API's path segment (spec/query-api.md §8.4): case-insensitive
// hex; an odd length gets a leading 0; longer than 16 bytes is an error; shorter is left-padded
// with zero bytes. Errors are kInvalidArgument with Tempo's texts.
Result<TraceId> ParseTraceIdHex(std::string_view text);

// A new random block ID: a version-4 UUID in its text form, as Tempo names blocks. Thread-safe.
std::string NewBlockId();

// Lower-case hex of arbitrary bytes.
std::string HexEncode(std::string_view bytes);
// Strict hex decoding (even length, hex digits only); false on bad input.
bool HexDecode(std::string_view hex, std::string* out);

}  // namespace tempo
