#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/common/status.h"
#include "tempo/model/fragment.h"

namespace tempo::model {

// A serialized OTLP ExportTraceServiceRequest, checked and indexed without building message
// objects: the ingest path of the OTLP receivers. Parse accepts exactly what libprotobuf's
// ParseFromArray accepts (wire format, proto3 UTF-8 checks of string fields, nesting limit 100)
// and records where each resource, scope and span sits in the bytes. The batch operations of
// batch.h then work on that index: IDs are checked on the recorded views, only the spans (and
// resources, scopes) that hold an attribute longer than the limit are decoded and re-encoded for
// truncation, and the per-trace fragments are assembled by copying byte ranges (tempopb.Trace
// field 1 has the layout of the request's field 1). The deprecated field-1000 scope spans are used
// where a resource has no scope_spans, as NormalizeRequest does.
//
// Views point into the parsed bytes, which must stay valid and unchanged while the object is used
// (the distributor needs them only until Push returns), and into storage the object owns (merged
// or re-encoded parts; moving the object keeps those views valid). Not thread-safe; a value type.
class OtlpWireRequest {
 public:
  OtlpWireRequest() = default;
  OtlpWireRequest(OtlpWireRequest&&) = default;
  OtlpWireRequest& operator=(OtlpWireRequest&&) = default;
  OtlpWireRequest(const OtlpWireRequest&) = delete;
  OtlpWireRequest& operator=(const OtlpWireRequest&) = delete;

  // Checks and indexes `bytes`. `check_utf8` = false skips the UTF-8 checks, for bytes this
  // process serialized itself from a message (other receivers' requests). Errors:
  // kInvalidArgument "proto: cannot parse invalid wire-format data" where ParseFromArray fails;
  // then the object is empty.
  [[nodiscard]] Status Parse(std::string_view bytes, bool check_utf8 = true);

  size_t span_count() const { return spans_.size(); }
  // Size of the serialized request.
  size_t byte_size() const { return bytes_.size(); }

  // ValidateIds of batch.h on the indexed spans: same checks, order and messages.
  [[nodiscard]] Status ValidateIds() const;

  // TruncateAttributes of batch.h: cuts keys and string values of resource, scope, span, event
  // and link attributes longer than `max_bytes` (0 = off); returns how many were cut. Decodes and
  // re-encodes only the parts that hold such an attribute.
  size_t TruncateAttributes(size_t max_bytes);

  // SplitByTrace of batch.h: one serialized tempopb.Trace per trace ID, in order of first
  // appearance, consecutive spans of one scope sharing a ScopeSpans. Assumes ValidateIds passed.
  std::vector<TraceFragment> SplitByTrace() const;

 private:
  friend class OtlpWireScanner;

  struct Resource {
    std::string_view data;        // Resource payload (several occurrences merged), may be empty
    std::string_view schema_url;  // the last occurrence
    uint32_t max_attribute_bytes = 0;  // longest key or string value among its attributes
  };
  struct Scope {
    std::string_view data;  // InstrumentationScope payload
    std::string_view schema_url;
    uint32_t resource = 0;  // index into resources_
    uint32_t max_attribute_bytes = 0;
  };
  struct Span {
    std::string_view data;  // Span payload
    std::string_view trace_id;
    std::string_view span_id;
    uint64_t start_unix_nano = 0;
    uint64_t end_unix_nano = 0;
    uint32_t scope = 0;  // index into scopes_
    // Longest key or string value among the attributes of the span, its events and its links.
    uint32_t max_attribute_bytes = 0;
  };

  std::string_view bytes_;
  std::vector<Resource> resources_;
  std::vector<Scope> scopes_;
  std::vector<Span> spans_;
  std::deque<std::string> owned_;  // merged or re-encoded payloads the views above point into
};

}  // namespace tempo::model
