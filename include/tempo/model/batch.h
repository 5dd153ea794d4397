#pragma once

#include <cstddef>
#include <vector>

#include "tempo/common/status.h"
#include "tempo/model/fragment.h"

namespace opentelemetry::proto::collector::trace::v1 {
class ExportTraceServiceRequest;
}

namespace tempo::model {

// The decoded form of every ingest request: receivers turn their protocol into this OTLP request.
using OtlpRequest = opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

// Number of spans in the request (after NormalizeRequest).
size_t CountSpans(const OtlpRequest& request);

// Moves the deprecated field-1000 scope spans into scope_spans where scope_spans is empty, as
// Tempo's decoder does for old senders.
void NormalizeRequest(OtlpRequest& request);

// Tempo's ID checks (spec/ingest-protocols.md §2 step 4): every trace ID is exactly 16 bytes and
// not all zero; every span ID is exactly 8 bytes and not all zero. The first bad span rejects the
// request with kInvalidArgument and Tempo's message.
Status ValidateIds(const OtlpRequest& request);

// Cuts keys and string values of resource, scope, span, event and link attributes that are longer
// than `max_bytes` to that many bytes (nested arrays/kvlists untouched). Returns how many were cut.
// `max_bytes` == 0 disables truncation.
size_t TruncateAttributes(OtlpRequest& request, size_t max_bytes);

// Regroups the spans per trace ID, keeping resource and scope. Fragments come out in the order in
// which each trace ID first appears. Assumes ValidateIds passed.
std::vector<TraceFragment> SplitByTrace(const OtlpRequest& request);

}  // namespace tempo::model
