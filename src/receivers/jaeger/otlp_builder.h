#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace tempo::receivers::otlp_builder {

// Helpers that the Jaeger and Zipkin translators share to build OTLP messages. Attribute lists
// behave like the collector's attribute map: putting an existing key replaces its value in place,
// so a key appears at most once. Stateless; thread-safe.

namespace common = opentelemetry::proto::common::v1;
namespace trace = opentelemetry::proto::trace::v1;
using KeyValues = google::protobuf::RepeatedPtrField<common::KeyValue>;

// The value slot of `key`: the existing entry (its value cleared) or a new one at the end.
common::AnyValue* Put(KeyValues* attrs, std::string_view key);
inline void PutString(KeyValues* attrs, std::string_view key, std::string_view value) {
  Put(attrs, key)->set_string_value(value.data(), value.size());
}
inline void PutInt(KeyValues* attrs, std::string_view key, int64_t value) {
  Put(attrs, key)->set_int_value(value);
}
inline void PutDouble(KeyValues* attrs, std::string_view key, double value) {
  Put(attrs, key)->set_double_value(value);
}
inline void PutBool(KeyValues* attrs, std::string_view key, bool value) {
  Put(attrs, key)->set_bool_value(value);
}
inline void PutBytes(KeyValues* attrs, std::string_view key, std::string_view value) {
  Put(attrs, key)->set_bytes_value(value.data(), value.size());
}

// The entry's value, or nullptr.
const common::AnyValue* Find(const KeyValues& attrs, std::string_view key);
// Removes `key`, keeping the order of the others. Returns whether it was there.
bool Remove(KeyValues* attrs, std::string_view key);
// The string value (pdata's Str(): "" for any other type).
std::string_view Str(const common::AnyValue& value);

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF), which protobuf requires of string fields.
bool IsValidUtf8(std::string_view text);
// Replaces every byte that is not part of a well-formed sequence with U+FFFD. Returns whether
// anything changed.
bool FixUtf8(std::string* text);
// Makes every string of the request (names, keys, string values at any depth, trace states,
// status messages) valid UTF-8, so that it serializes and parses again. Thrift and the `bytes`
// declarations of our Jaeger/Zipkin protos let any bytes through, as the Go decoders do.
void SanitizeUtf8(opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* request);

// 16 bytes, high half first; empty when both halves are zero (the collector drops zero ids).
std::string TraceIdBytes(uint64_t high, uint64_t low);
// 8 bytes big-endian; empty when zero.
std::string SpanIdBytes(uint64_t id);

}  // namespace tempo::receivers::otlp_builder
