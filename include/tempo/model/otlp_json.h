#pragma once

#include <string>
#include <string_view>

#include "tempo/common/status.h"

namespace opentelemetry::proto::collector::trace::v1 {
class ExportTraceServiceRequest;
}

namespace tempo::model {

// OTLP/HTTP JSON (spec/ingest-protocols.md §5.5) and google.rpc.Status error bodies (§5.4).
// All functions are stateless and thread-safe.

// Decodes an OTLP/HTTP JSON body into `out` (cleared first). Lenient like Tempo's decoder:
// lowerCamelCase and snake_case keys; unknown keys skipped; null = absent; trace/span ids as hex
// of either case (empty = absent); enums as numbers or names ("SPAN_KIND_SERVER"); 64-bit and
// 32-bit integers as numbers or decimal strings; doubles as numbers, numeric strings or
// "NaN"/"Infinity"/"-Infinity"; bytesValue as base64 (padded or not). `deprecatedScopeSpans` and
// `instrumentationLibrarySpans` go into ResourceSpans.deprecated_scope_spans (field 1000); the
// caller decides whether to use them (NormalizeRequest).
// Errors (all kInvalidArgument, `out` then holds a partial request): invalid JSON (the parser's
// message with line/column), a value of the wrong JSON type, a trace id that is not 16 bytes or a
// span id that is not 8 bytes, non-hex ids, bad base64, unknown enum names, out-of-range numbers,
// nesting deeper than 64 levels. Never throws and never crashes on any input.
[[nodiscard]] Status DecodeOtlpJson(
    std::string_view body,
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* out);

// A google.rpc.Status as compact proto JSON, e.g.
// {"code":8,"message":"...","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo",
// "retryDelay":"5s"}]}. `code` is a gRPC code; zero code / empty message are omitted as in proto3
// JSON; the RetryInfo detail is added only when `retry_after_seconds` > 0.
std::string EncodeRpcStatusJson(int code, std::string_view message, int retry_after_seconds);

// The same google.rpc.Status serialized as protobuf bytes (RetryInfo packed into an Any with type
// URL "type.googleapis.com/google.rpc.RetryInfo" when `retry_after_seconds` > 0).
std::string EncodeRpcStatusProto(int code, std::string_view message, int retry_after_seconds);

}  // namespace tempo::model
