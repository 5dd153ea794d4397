#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "receivers/zipkin/zipkin_model.h"
#include "tempo/common/result.h"
#include "tempo/model/batch.h"

namespace tempo::receivers::zipkin {

// Decoders for every Zipkin body (spec/ingest-protocols.md §6) and the translation to OTLP.
// Pure functions of their input; thread-safe. Malformed input gives kInvalidArgument with a
// parser-style message (the receiver answers it with 400), never a crash.

// v2 JSON: an array of span objects (keys matched case-insensitively, as Go does).
Status DecodeV2Json(std::string_view body, std::vector<Span>* out);
// v2 proto3: zipkin.proto3.ListOfSpans.
Status DecodeV2Proto(std::string_view body, std::vector<Span>* out);
// v1 JSON: an array of v1 span objects.
Status DecodeV1Json(std::string_view body, std::vector<V1Span>* out);
// v1 thrift: list<zipkincore.Span> in the binary protocol (list header, then the structs).
Status DecodeV1Thrift(std::string_view body, std::vector<V1Span>* out);

// v2 → OTLP (§6.3). Sorts `spans` by local service and scope. Errors: kInvalidArgument for an
// otlp.link.N tag that does not parse.
Status TranslateV2(std::vector<Span>& spans, model::OtlpRequest* out);
// v1 → OTLP (§6.4). `now_unix_nanos` is the start of spans without any time (JSON only:
// `from_json`).
void TranslateV1(const std::vector<V1Span>& spans, bool from_json, uint64_t now_unix_nanos,
                 model::OtlpRequest* out);

// Decode + translate in one call, for the receiver and the benchmarks.
Status V2JsonToOtlp(std::string_view body, model::OtlpRequest* out);
Status V2ProtoToOtlp(std::string_view body, model::OtlpRequest* out);
Status V1JsonToOtlp(std::string_view body, uint64_t now_unix_nanos, model::OtlpRequest* out);
Status V1ThriftToOtlp(std::string_view body, uint64_t now_unix_nanos, model::OtlpRequest* out);

// ---- helpers shared by the decoders (exposed for tests) ---------------------------------------

// Go's strconv.ParseUint(text, 16, 64): hex digits only, value must fit.
bool ParseHex64(std::string_view text, uint64_t* out);
// zipkin-go's TraceIDFromHex: up to 16 digits = low half; longer = high digits, then 16 low.
bool ParseTraceIdHex(std::string_view text, uint64_t* high, uint64_t* low);
// Go's net.IP.String() for raw bytes: 4 → dotted, 16 → RFC 5952 (dotted when IPv4-mapped),
// anything else "?" + hex. Empty input gives "".
std::string FormatIp(std::string_view raw);
// Go's net.ParseIP followed by String(): false when `text` is not an IPv4 or IPv6 address.
bool CanonicalIp(std::string_view text, std::string* out);

}  // namespace tempo::receivers::zipkin
