#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/common/ids.h"

namespace tempo::testing {

using OtlpRequest = opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using OtlpSpan = opentelemetry::proto::trace::v1::Span;

// 16 bytes with `n` in the last byte(s): TraceIdBytes(1) = 00..01.
std::string TraceIdBytes(uint64_t n);
// 8 bytes with `n` big-endian.
std::string SpanIdBytes(uint64_t n);

// Builds OTLP requests for tests: one resource per service, one scope, spans appended in order.
// Not thread-safe.
class TraceBuilder {
 public:
  // Adds a span of `service` (a new ResourceSpans whenever the service changes).
  OtlpSpan& AddSpan(const std::string& service, uint64_t trace, uint64_t span,
                    uint64_t parent = 0, const std::string& name = "op");
  OtlpRequest Build() const { return request_; }
  OtlpRequest& request() { return request_; }

 private:
  OtlpRequest request_;
  std::string last_service_;
};

}  // namespace tempo::testing
