#include "block/text_codec.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "block/coding.h"
#include "block/value_codec.h"

namespace tempo::block {
namespace {

// Widest hex-text value (bounds the shape's positions).
constexpr uint64_t kMaxHexWidth = 4096;

// The nibble of each hex digit (either case), 0xFF for other bytes.
struct HexNibbles {
  uint8_t of[256];
  constexpr HexNibbles() : of() {
    for (int c = 0; c < 256; ++c) of[c] = 0xFF;
    for (int c = 0; c < 10; ++c) of['0' + c] = static_cast<uint8_t>(c);
    for (int c = 0; c < 6; ++c) {
      of['a' + c] = static_cast<uint8_t>(10 + c);
      of['A' + c] = static_cast<uint8_t>(10 + c);
    }
  }
};
constexpr HexNibbles kHexNibbles;

// Whether every value has the shape of the first (length, '-' positions, hex digits of one case
// elsewhere) with at least kMinHexDigits digits. Fills the digit positions and the case.
bool HexShape(std::span<const std::string_view> values, std::vector<uint16_t>* digits,
              bool* upper) {
  const std::string_view first = values[0];
  if (first.size() > kMaxHexWidth) return false;
  for (size_t i = 0; i < first.size(); ++i) {
    if (first[i] != '-') digits->push_back(static_cast<uint16_t>(i));
  }
  if (digits->size() < kMinHexDigits) return false;
  bool lower_seen = false, upper_seen = false;
  for (std::string_view v : values) {
    if (v.size() != first.size()) return false;
    size_t d = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      const auto c = static_cast<unsigned char>(v[i]);
      if (d < digits->size() && (*digits)[d] == i) {
        ++d;
        if (kHexNibbles.of[c] == 0xFF) return false;
        lower_seen |= c >= 'a';
        upper_seen |= c >= 'A' && c <= 'F';
      } else if (c != '-') {
        return false;
      }
    }
  }
  *upper = upper_seen;
  return !(lower_seen && upper_seen);
}

// Writes the kHexText payload of `values`, whose shape HexShape found.
Encoding EncodeHexText(std::span<const std::string_view> values,
                       const std::vector<uint16_t>& digits, bool upper, std::string* out) {
  const size_t width = values[0].size();
  PutVarint(out, width);
  PutVarint(out, width - digits.size());
  for (size_t i = 0, d = 0; i < width; ++i) {
    if (d < digits.size() && digits[d] == i) {
      ++d;
    } else {
      PutVarint(out, i);
    }
  }
  out->push_back(upper ? 1 : 0);
  const size_t per_value = (digits.size() + 1) / 2;
  size_t at = out->size();
  out->resize(at + values.size() * per_value);
  char* dst = out->data() + at;
  for (std::string_view v : values) {
    size_t j = 0;
    for (; j + 1 < digits.size(); j += 2) {
      *dst++ = static_cast<char>(kHexNibbles.of[static_cast<unsigned char>(v[digits[j]])] << 4 |
                                 kHexNibbles.of[static_cast<unsigned char>(v[digits[j + 1]])]);
    }
    if (j < digits.size()) {
      *dst++ = static_cast<char>(kHexNibbles.of[static_cast<unsigned char>(v[digits[j]])] << 4);
    }
  }
  return Encoding::kHexText;
}

Status ExpandHexText(std::string_view payload, uint32_t n, uint32_t first, uint32_t count,
                     std::string_view what, std::string* out) {
  ByteReader r(payload, "hex text page");
  uint64_t width = 0, dashes = 0;
  if (!r.ReadVarint(&width) || width < kMinHexDigits || width > kMaxHexWidth ||
      !r.ReadVarint(&dashes) || dashes > width - kMinHexDigits) {
    return CorruptionIn(what, "bad hex text shape");
  }
  std::string shape(static_cast<size_t>(width), '\0');
  uint64_t next = 0;  // dash positions ascend
  for (uint64_t i = 0; i < dashes; ++i) {
    uint64_t pos = 0;
    if (!r.ReadVarint(&pos) || pos < next || pos >= width) {
      return CorruptionIn(what, "bad hex text dash position");
    }
    shape[static_cast<size_t>(pos)] = '-';
    next = pos + 1;
  }
  std::string_view case_byte;
  if (!r.ReadRaw(1, &case_byte) || static_cast<uint8_t>(case_byte[0]) > 1) {
    return CorruptionIn(what, "bad hex text case");
  }
  const char* alphabet = case_byte[0] == 1 ? "0123456789ABCDEF" : "0123456789abcdef";
  std::vector<uint16_t> digits;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] != '-') digits.push_back(static_cast<uint16_t>(i));
  }
  const uint64_t per_value = (digits.size() + 1) / 2;
  if (r.remaining() != n * per_value) return CorruptionIn(what, "hex text page size mismatch");
  if (n * width > kMaxPageBytes) return CorruptionIn(what, "hex text page expands too far");
  PutVarint(out, width);
  const size_t at = out->size();
  out->resize(at + static_cast<size_t>(count * width));
  char* dst = out->data() + at;
  const auto* src =
      reinterpret_cast<const uint8_t*>(payload.data() + r.position()) + first * per_value;
  const bool odd = digits.size() % 2 == 1;
  for (uint32_t v = 0; v < count; ++v, dst += width) {
    std::memcpy(dst, shape.data(), shape.size());
    size_t j = 0;
    for (; j + 1 < digits.size(); j += 2, ++src) {
      dst[digits[j]] = alphabet[*src >> 4];
      dst[digits[j + 1]] = alphabet[*src & 15];
    }
    if (odd) {
      if ((*src & 15) != 0) {
        out->resize(at - VarintSize(width));
        return CorruptionIn(what, "hex text padding nibble is not zero");
      }
      dst[digits[j]] = alphabet[*src++ >> 4];
    }
  }
  return Status::Ok();
}

// Parses a dotted-decimal IPv4 address without leading zeros into network-order bytes.
bool ParseIpv4(std::string_view v, uint8_t* bytes) {
  if (v.size() < 7 || v.size() > 15) return false;
  size_t at = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (at >= v.size() || v[at] != '.') return false;
      ++at;
    }
    size_t begin = at;
    unsigned value = 0;
    while (at < v.size() && at - begin < 3 && v[at] >= '0' && v[at] <= '9') {
      value = value * 10 + static_cast<unsigned>(v[at] - '0');
      ++at;
    }
    const size_t digits = at - begin;
    if (digits == 0 || value > 255 || (digits > 1 && v[begin] == '0')) return false;
    bytes[part] = static_cast<uint8_t>(value);
  }
  return at == v.size();
}

// kIpv4Text when every value parses (n x 4 bytes); false leaves `out` as it was.
bool EncodeIpv4Text(std::span<const std::string_view> values, std::string* out) {
  const size_t at = out->size();
  out->resize(at + values.size() * 4);
  auto* dst = reinterpret_cast<uint8_t*>(out->data() + at);
  for (std::string_view v : values) {
    if (!ParseIpv4(v, dst)) {
      out->resize(at);
      return false;
    }
    dst += 4;
  }
  return true;
}

Status ExpandIpv4Text(std::string_view payload, uint32_t n, uint32_t first, uint32_t count,
                      std::string_view what, std::string* out) {
  if (payload.size() != static_cast<uint64_t>(n) * 4) {
    return CorruptionIn(what, "IPv4 text page size mismatch");
  }
  out->reserve(out->size() + static_cast<size_t>(count) * 16);
  const auto* src = reinterpret_cast<const uint8_t*>(payload.data()) + size_t{first} * 4;
  char text[16];
  for (uint32_t i = 0; i < count; ++i, src += 4) {
    char* p = text;
    for (int part = 0; part < 4; ++part) {
      if (part > 0) *p++ = '.';
      const unsigned b = src[part];
      if (b >= 100) *p++ = static_cast<char>('0' + b / 100);
      if (b >= 10) *p++ = static_cast<char>('0' + b / 10 % 10);
      *p++ = static_cast<char>('0' + b % 10);
    }
    PutBytes(out, std::string_view(text, static_cast<size_t>(p - text)));
  }
  return Status::Ok();
}

}  // namespace

Encoding EncodeStrings(std::span<const std::string_view> values, std::string* out) {
  if (values.empty()) return EncodeBytes(values, out);
  std::vector<uint16_t> digits;
  bool upper = false;
  if (HexShape(values, &digits, &upper)) return EncodeHexText(values, digits, upper, out);
  if (EncodeIpv4Text(values, out)) return Encoding::kIpv4Text;
  return EncodeBytes(values, out);
}

bool IsPackedText(Encoding encoding) {
  return encoding == Encoding::kHexText || encoding == Encoding::kIpv4Text;
}

Result<Encoding> ExpandText(Encoding encoding, std::string_view payload, uint32_t n,
                            std::string_view what, std::string* out, uint32_t first,
                            uint32_t count) {
  if (first > n) return CorruptionIn(what, "value range outside the page");
  count = std::min(count, n - first);
  if (encoding == Encoding::kHexText) {
    TEMPO_RETURN_IF_ERROR(ExpandHexText(payload, n, first, count, what, out));
    return Encoding::kFixedWidth;
  }
  if (encoding == Encoding::kIpv4Text) {
    TEMPO_RETURN_IF_ERROR(ExpandIpv4Text(payload, n, first, count, what, out));
    return Encoding::kLengthPrefixed;
  }
  return CorruptionIn(what, "not a packed text encoding");
}

}  // namespace tempo::block
