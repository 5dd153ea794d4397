#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace opentelemetry::proto::common::v1 {
class AnyValue;
class KeyValue;
}  // namespace opentelemetry::proto::common::v1
namespace opentelemetry::proto::trace::v1 {
class ResourceSpans;
}
namespace tempopb {
class Trace;
class TraceByIDResponse;
class SearchResponse;
class SearchMetrics;
class MetadataMetrics;
class SearchTagsResponse;
class SearchTagsV2Response;
class SearchTagValuesResponse;
class SearchTagValuesV2Response;
}  // namespace tempopb

namespace tempo::model {

// Tempo's JSON output for the query API (spec/query-api.md §3.2, gogo jsonpb defaults): proto JSON
// names, fields in field-number order, zero values omitted, present-but-empty messages as `{}`,
// 64-bit integers as strings, enums as names (zero value omitted), bytes (including trace/span
// ids) as padded standard base64, AnyValue's oneof always written, compact, no trailing newline.
// Strings are escaped so that any byte string gives valid JSON (invalid UTF-8 -> \ufffd).
// All functions are stateless and thread-safe; Append* functions append to `out`.

// Trace-by-id v1 body: {"batches":[ResourceSpans...]} ({} when there are no batches).
std::string TraceToJsonV1(const tempopb::Trace& trace);

// Trace-by-id v2 body: {"trace":{"resourceSpans":[...]},"metrics":{"inspectedBytes":"123"},
// "status":"PARTIAL","message":"..."}. A present but empty trace gives "trace":{}, so the
// not-found body is {"trace":{},"metrics":{}}.
std::string TraceByIdResponseToJson(const tempopb::TraceByIDResponse& response);

// The same bodies for a trace given as a serialized tempopb.Trace, written from its bytes
// without building the message (tempo_json_trace.cpp; the functions above take that path too).
// v2 carries `inspected_bytes` as metrics.inspectedBytes. Append to `out`; false, with `out`
// unchanged, where `trace` does not parse.
bool TraceBytesToJsonV1(std::string_view trace, std::string* out);
bool TraceByIdBytesToJson(std::string_view trace, uint64_t inspected_bytes, std::string* out);
// {"<key>":[ResourceSpans...]} ({} for an empty trace) from a serialized tempopb.Trace.
bool AppendTraceBytesJson(std::string& out, std::string_view trace, std::string_view key);

// One ResourceSpans object (resource, scopeSpans, schemaUrl). The deprecated field 1000 is not
// written (Tempo's schema does not have it).
void AppendResourceSpansJson(std::string& out,
                             const opentelemetry::proto::trace::v1::ResourceSpans& resource_spans);

// One KeyValue object: {"key":"k","value":{...}}.
void AppendKeyValueJson(std::string& out, const opentelemetry::proto::common::v1::KeyValue& kv);

// One AnyValue object; the set oneof member is always written, an unset value is {}.
void AppendAnyValueJson(std::string& out, const opentelemetry::proto::common::v1::AnyValue& value);

// A JSON string literal (with quotes) for arbitrary bytes: `"` `\` and control characters escaped
// (\n \r \t, else \u00XX), U+2028/U+2029 escaped, each invalid UTF-8 byte replaced by \ufffd.
void AppendJsonString(std::string& out, std::string_view s);

// A double as Go's encoding/json writes it (shortest round-trip digits; exponent form below 1e-6
// and from 1e21 on); NaN and infinities as the strings "NaN", "Infinity", "-Infinity".
void AppendJsonDouble(std::string& out, double value);

// `s` with each byte that is not part of a valid UTF-8 sequence replaced by U+FFFD (for proto3
// string fields, whose serializer complains about invalid UTF-8).
std::string ToValidUtf8(std::string_view s);

// Standard base64 with padding, without quotes.
void AppendBase64(std::string& out, std::string_view bytes);

// Search body (query-api.md §8.8): {"traces":[...],"metrics":{...}}; "traces" omitted when empty,
// "metrics" always present ({} when all zero). spanSet/spanSets, serviceStats map, 64-bit ints as
// strings, zero values omitted (src/model/tempo_json_search.cpp).
std::string SearchResponseToJson(const tempopb::SearchResponse& response);
// SearchMetrics / MetadataMetrics objects ({} when all zero).
void AppendSearchMetricsJson(std::string& out, const tempopb::SearchMetrics& metrics);
void AppendMetadataMetricsJson(std::string& out, const tempopb::MetadataMetrics& metrics);
// Tag endpoint bodies (§8.9-§8.12); "metrics" always present.
std::string SearchTagsResponseToJson(const tempopb::SearchTagsResponse& response);
std::string SearchTagsV2ResponseToJson(const tempopb::SearchTagsV2Response& response);
std::string SearchTagValuesResponseToJson(const tempopb::SearchTagValuesResponse& response);
std::string SearchTagValuesV2ResponseToJson(const tempopb::SearchTagValuesV2Response& response);

}  // namespace tempo::model
