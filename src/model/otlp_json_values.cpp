#include "model/otlp_json_values.h"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>
#include <utility>

#include "tempo/model/tempo_json.h"

namespace tempo::model::otlp_json {
namespace {

template <typename T>
bool ParseDecimal(const std::string& s, T* out) {
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

int HexValue(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr std::array<int8_t, 256> MakeBase64Table() {
  std::array<int8_t, 256> table{};
  for (auto& t : table) t = -1;
  for (int i = 0; i < 26; ++i) {
    table['A' + i] = static_cast<int8_t>(i);
    table['a' + i] = static_cast<int8_t>(26 + i);
  }
  for (int i = 0; i < 10; ++i) table['0' + i] = static_cast<int8_t>(52 + i);
  table['+'] = 62;
  table['/'] = 63;
  table['-'] = 62;  // URL-safe alphabet, which Go's protojson also accepts
  table['_'] = 63;
  return table;
}
constexpr std::array<int8_t, 256> kBase64Table = MakeBase64Table();

}  // namespace

std::string Describe(const Scalar& v) {
  switch (v.kind) {
    case Scalar::Kind::kNull:
      return "null";
    case Scalar::Kind::kBool:
      return v.b ? "true" : "false";
    case Scalar::Kind::kInt:
      return "number " + std::to_string(v.i);
    case Scalar::Kind::kUint:
      return "number " + std::to_string(v.u);
    case Scalar::Kind::kFloat:
      return "number " + std::to_string(v.d);
    case Scalar::Kind::kString: {
      constexpr size_t kMaxShown = 40;
      std::string shown = ToValidUtf8(v.s->substr(0, kMaxShown));
      return "string \"" + shown + (v.s->size() > kMaxShown ? "...\"" : "\"");
    }
  }
  return "value";
}

std::string FieldPath(Msg msg, const FieldSpec& f) {
  std::string path(MsgName(msg));
  path.push_back('.');
  path.append(f.camel);
  return path;
}

Status BadValue(Msg msg, const FieldSpec& f, std::string_view want, const Scalar& got) {
  return InvalidArgumentError("invalid value for " + FieldPath(msg, f) + ": expected " +
                              std::string(want) + ", got " + Describe(got));
}

bool ToUint64(const Scalar& v, uint64_t* out) {
  switch (v.kind) {
    case Scalar::Kind::kUint:
      *out = v.u;
      return true;
    case Scalar::Kind::kInt:
      if (v.i < 0) return false;
      *out = static_cast<uint64_t>(v.i);
      return true;
    case Scalar::Kind::kFloat:
      // 1e3 style integers are accepted; fractions and out-of-range values are not.
      if (!std::isfinite(v.d) || std::trunc(v.d) != v.d || v.d < 0 ||
          v.d >= 18446744073709551616.0) {
        return false;
      }
      *out = static_cast<uint64_t>(v.d);
      return true;
    case Scalar::Kind::kString:
      return ParseDecimal(*v.s, out);
    default:
      return false;
  }
}

bool ToInt64(const Scalar& v, int64_t* out) {
  switch (v.kind) {
    case Scalar::Kind::kInt:
      *out = v.i;
      return true;
    case Scalar::Kind::kUint:
      if (v.u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
      *out = static_cast<int64_t>(v.u);
      return true;
    case Scalar::Kind::kFloat:
      if (!std::isfinite(v.d) || std::trunc(v.d) != v.d || v.d < -9223372036854775808.0 ||
          v.d >= 9223372036854775808.0) {
        return false;
      }
      *out = static_cast<int64_t>(v.d);
      return true;
    case Scalar::Kind::kString:
      return ParseDecimal(*v.s, out);
    default:
      return false;
  }
}

bool ToUint32(const Scalar& v, uint32_t* out) {
  uint64_t wide = 0;
  if (!ToUint64(v, &wide) || wide > std::numeric_limits<uint32_t>::max()) return false;
  *out = static_cast<uint32_t>(wide);
  return true;
}

bool ToDouble(const Scalar& v, double* out) {
  switch (v.kind) {
    case Scalar::Kind::kFloat:
      *out = v.d;
      return true;
    case Scalar::Kind::kInt:
      *out = static_cast<double>(v.i);
      return true;
    case Scalar::Kind::kUint:
      *out = static_cast<double>(v.u);
      return true;
    case Scalar::Kind::kString: {
      const std::string& s = *v.s;
      if (s == "NaN") {
        *out = std::numeric_limits<double>::quiet_NaN();
      } else if (s == "Infinity") {
        *out = std::numeric_limits<double>::infinity();
      } else if (s == "-Infinity") {
        *out = -std::numeric_limits<double>::infinity();
      } else {
        return ParseDecimal(s, out);
      }
      return true;
    }
    default:
      return false;
  }
}

bool ToBool(const Scalar& v, bool* out) {
  if (v.kind == Scalar::Kind::kBool) {
    *out = v.b;
    return true;
  }
  if (v.kind == Scalar::Kind::kString && (*v.s == "true" || *v.s == "false")) {
    *out = *v.s == "true";
    return true;
  }
  return false;
}

// An enum as a number (any int32: proto3 enums are open), a decimal string or a value name.
Status ToEnum(Msg msg, const FieldSpec& f, const Scalar& v, std::span<const EnumName> names,
              int* out) {
  if (v.kind == Scalar::Kind::kString) {
    for (const EnumName& e : names) {
      if (*v.s == e.name) {
        *out = e.value;
        return Status::Ok();
      }
    }
  }
  int64_t number = 0;
  if (ToInt64(v, &number) && number >= std::numeric_limits<int32_t>::min() &&
      number <= std::numeric_limits<int32_t>::max()) {
    *out = static_cast<int>(number);
    return Status::Ok();
  }
  if (v.kind == Scalar::Kind::kString) {
    return InvalidArgumentError("unknown enum value for " + FieldPath(msg, f) + ": " + Describe(v));
  }
  return BadValue(msg, f, "an enum name or a 32-bit integer", v);
}

// Decodes a hex trace id (`want_bytes` 16) or span id (8); "" means absent.
Status DecodeHexId(Msg msg, const FieldSpec& f, const Scalar& v, size_t want_bytes,
                   std::string* out) {
  if (v.kind != Scalar::Kind::kString) return BadValue(msg, f, "a hex string", v);
  const std::string& hex = *v.s;
  const std::string_view what = want_bytes == 16 ? "trace id" : "span id";
  if (hex.empty()) {
    out->clear();
    return Status::Ok();
  }
  if (hex.size() != want_bytes * 2) {
    return InvalidArgumentError("invalid " + std::string(what) + " length in " + FieldPath(msg, f) +
                                ": got " + std::to_string(hex.size()) + " hex characters, want " +
                                std::to_string(want_bytes * 2));
  }
  std::string bytes(want_bytes, '\0');
  for (size_t i = 0; i < want_bytes; ++i) {
    const int hi = HexValue(static_cast<unsigned char>(hex[2 * i]));
    const int lo = HexValue(static_cast<unsigned char>(hex[2 * i + 1]));
    if (hi < 0 || lo < 0) {
      const size_t pos = hi < 0 ? 2 * i : 2 * i + 1;
      return InvalidArgumentError("invalid " + std::string(what) + " in " + FieldPath(msg, f) +
                                  ": non-hex character at position " + std::to_string(pos + 1));
    }
    bytes[i] = static_cast<char>((hi << 4) | lo);
  }
  *out = std::move(bytes);
  return Status::Ok();
}

// Base64, standard or URL-safe alphabet, padded or not.
bool DecodeBase64(std::string_view in, std::string* out) {
  size_t len = in.size();
  if (len % 4 == 0 && len > 0 && in[len - 1] == '=') {
    --len;
    if (in[len - 1] == '=') --len;
  }
  if (len % 4 == 1) return false;
  std::string bytes;
  bytes.reserve(len / 4 * 3 + 2);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < len; ++i) {
    const int8_t v = kBase64Table[static_cast<unsigned char>(in[i])];
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  *out = std::move(bytes);
  return true;
}

}  // namespace tempo::model::otlp_json
