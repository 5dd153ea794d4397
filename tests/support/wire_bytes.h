#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tempo::testing {

// Protobuf wire bytes built by hand, for tests that feed encodings an encoder does not write
// (fields out of order, singular fields twice, unknown fields, groups).
inline std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>(v | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
  return out;
}

// A length-delimited field with the given number and payload.
inline std::string Field(uint32_t number, std::string_view payload) {
  return Varint(number << 3 | 2) + Varint(payload.size()) + std::string(payload);
}

}  // namespace tempo::testing
