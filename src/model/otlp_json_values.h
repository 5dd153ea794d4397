#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "model/otlp_json_schema.h"
#include "tempo/common/status.h"

namespace tempo::model::otlp_json {

// Conversions of JSON scalars to OTLP field values, as lenient as Tempo's (Go protojson) decoder:
// integers as numbers or decimal strings, doubles also as "NaN"/"Infinity"/"-Infinity", enums as
// numbers or value names, ids as hex, bytes as base64. Private to the OTLP JSON decoder; all
// functions are stateless and thread-safe. The `To*` helpers return false on a value of the wrong
// type or range and leave `*out` unspecified; the Status-returning ones fail with
// kInvalidArgument naming the field.

// One JSON scalar as delivered by the SAX parser.
struct Scalar {
  enum class Kind : uint8_t { kNull, kBool, kInt, kUint, kFloat, kString };
  Kind kind = Kind::kNull;
  bool b = false;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  std::string* s = nullptr;
};

// `v` for error messages: its JSON type and value, long strings cut and made valid UTF-8.
std::string Describe(const Scalar& v);

// "<message>.<field>" (lowerCamelCase), e.g. "span.traceId", for error messages.
std::string FieldPath(Msg msg, const FieldSpec& f);

// kInvalidArgument "invalid value for <path>: expected <want>, got <Describe(got)>".
Status BadValue(Msg msg, const FieldSpec& f, std::string_view want, const Scalar& got);

// An unsigned integer: a non-negative number (1e3 style allowed, no fraction) or decimal string.
bool ToUint64(const Scalar& v, uint64_t* out);
// A signed integer: a number (1e3 style allowed, no fraction) or decimal string.
bool ToInt64(const Scalar& v, int64_t* out);
// As ToUint64, but at most UINT32_MAX.
bool ToUint32(const Scalar& v, uint32_t* out);
// A number, a numeric string, or "NaN"/"Infinity"/"-Infinity".
bool ToDouble(const Scalar& v, double* out);
// true/false, as booleans or as strings.
bool ToBool(const Scalar& v, bool* out);

// One value name of a proto enum.
struct EnumName {
  std::string_view name;
  int value;
};

// Value names of Span.SpanKind and Status.StatusCode.
inline constexpr EnumName kSpanKindNames[] = {
    {"SPAN_KIND_UNSPECIFIED", 0}, {"SPAN_KIND_INTERNAL", 1}, {"SPAN_KIND_SERVER", 2},
    {"SPAN_KIND_CLIENT", 3},      {"SPAN_KIND_PRODUCER", 4}, {"SPAN_KIND_CONSUMER", 5},
};
inline constexpr EnumName kStatusCodeNames[] = {
    {"STATUS_CODE_UNSET", 0},
    {"STATUS_CODE_OK", 1},
    {"STATUS_CODE_ERROR", 2},
};

// An enum as a number (any int32: proto3 enums are open), a decimal string or a value name.
Status ToEnum(Msg msg, const FieldSpec& f, const Scalar& v, std::span<const EnumName> names,
              int* out);

// Decodes a hex trace id (`want_bytes` 16) or span id (8); "" means absent.
Status DecodeHexId(Msg msg, const FieldSpec& f, const Scalar& v, size_t want_bytes,
                   std::string* out);

// Base64, standard or URL-safe alphabet, padded or not.
bool DecodeBase64(std::string_view in, std::string* out);

}  // namespace tempo::model::otlp_json
