#include "tempo/common/ids.h"

#include <cstdio>
#include <random>

namespace tempo {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char kHexDigits[] = "0123456789abcdef";

}  // namespace

TraceId TraceId::FromBytes(std::string_view raw) {
  TraceId id;
  TEMPO_DCHECK(raw.size() == 16, "trace id must be 16 bytes");
  std::memcpy(id.bytes.data(), raw.data(), std::min<size_t>(raw.size(), 16));
  return id;
}

bool TraceId::IsZero() const {
  for (uint8_t b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

std::string TraceId::ToHex() const { return HexEncode(view()); }

std::string TraceId::ToShortHex() const {
  std::string hex = ToHex();
  size_t first = hex.find_first_not_of('0');
  if (first == std::string::npos) return "0";
  return hex.substr(first);
}

Result<TraceId> ParseTraceIdHex(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (HexValue(text[i]) < 0) {
      return InvalidArgumentError(
          "trace IDs can only contain hex characters: invalid character '" +
          std::string(1, text[i]) + "' at position " + std::to_string(i + 1));
    }
  }
  std::string padded;
  if (text.size() % 2 == 1) padded = "0";
  padded.append(text);
  if (padded.size() > 32) return InvalidArgumentError("trace IDs can't be larger than 128 bits");
  TraceId id;
  size_t offset = 16 - padded.size() / 2;
  for (size_t i = 0; i < padded.size() / 2; ++i) {
    id.bytes[offset + i] =
        static_cast<uint8_t>(HexValue(padded[2 * i]) << 4 | HexValue(padded[2 * i + 1]));
  }
  return id;
}

std::string HexEncode(std::string_view bytes) {
  std::string out;
  out.resize(bytes.size() * 2);
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto b = static_cast<uint8_t>(bytes[i]);
    out[2 * i] = kHexDigits[b >> 4];
    out[2 * i + 1] = kHexDigits[b & 0xF];
  }
  return out;
}

bool HexDecode(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  out->clear();
  out->reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = HexValue(hex[i]);
    int lo = HexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi << 4 | lo));
  }
  return true;
}

std::string NewBlockId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t hi = rng(), lo = rng();
  hi = (hi & ~0xF000ull) | 0x4000ull;  // version 4
  lo = (lo & ~(3ull << 62)) | (2ull << 62);  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof(out), "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(hi >> 32), static_cast<unsigned>((hi >> 16) & 0xFFFF),
                static_cast<unsigned>(hi & 0xFFFF), static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
  return out;
}

}  // namespace tempo
