#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tempo/common/ids.h"

namespace tempopb {
class Trace;
}
namespace opentelemetry::proto::trace::v1 {
class Span;
}
namespace opentelemetry::proto::resource::v1 {
class Resource;
}
namespace opentelemetry::proto::common::v1 {
class AnyValue;
class InstrumentationScope;
}  // namespace opentelemetry::proto::common::v1

namespace tempo::traceql {

// One span of a TraceView: pointers into the view's trace plus its place in the span tree.
struct SpanRef {
  const opentelemetry::proto::trace::v1::Span* span = nullptr;
  // The span's resource and instrumentation scope; never null (default instances when absent).
  const opentelemetry::proto::resource::v1::Resource* resource = nullptr;
  const opentelemetry::proto::common::v1::InstrumentationScope* scope = nullptr;
  std::string_view service_name;  // the resource's `service.name`, "" when absent
  int32_t parent = -1;            // index of the parent span in TraceView::spans(), -1 if none
  uint32_t child_count = 0;       // spans whose parent this span is
  // Nested-set numbers (query-api.md §11, traceql.md §14.1): 0 for spans not connected to a
  // root, nested_set_parent = -1 for roots.
  int32_t nested_set_left = 0;
  int32_t nested_set_right = 0;
  int32_t nested_set_parent = 0;

  bool connected() const { return nested_set_left != 0; }
};

// One span attribute, flattened for fast lookups: the key and a pointer to the value in the trace.
struct AttributeRef {
  std::string_view key;
  const opentelemetry::proto::common::v1::AnyValue* value = nullptr;
};

// A trace prepared for TraceQL evaluation: the trace itself (shared, immutable) plus, per span,
// its resource/scope, parent, children and nested-set numbers, and the trace-level values the
// intrinsics need (start, end, root span). Built once per fetched trace by Build(); afterwards
// immutable. Copies are cheap (they share the data) and may be used from any number of threads.
//
// Structure rules (our implementation of query-api.md §11 / storage-design.md §2):
//  - spans are numbered in trace order (ResourceSpans, ScopeSpans, spans as stored);
//  - the parent of a span is the other span whose ID equals its parent span ID. When two spans
//    share that ID (a Zipkin client/server pair) a server child takes the client one and any
//    other child the server one. A span whose parent ID equals its own ID and that has no such
//    partner, or whose parent is absent, is disconnected (never a root);
//  - roots are the spans with an empty parent span ID; they are walked depth-first in trace
//    order, children in trace order, with one counter from 1: left on entry, right on exit,
//    nested-set parent = the parent's left (-1 for a root). Unreachable spans keep 0s;
//  - if a span ID is shared by more than two spans, every span keeps 0s (structure_valid()).
//  - the root span of the trace (rootName, rootServiceName) is the last span in trace order with
//    an empty parent ID and no link to the same trace whose `opentracing.ref_type` is `child_of`.
class TraceView {
 public:
  // An empty trace (no spans, zero ID).
  TraceView();

  // Builds the view of `trace`, whose spans all belong to trace `id`. Never fails; spans with
  // odd IDs simply end up disconnected. O(spans).
  static TraceView Build(TraceId id, tempopb::Trace trace);
  static TraceView Build(TraceId id, std::shared_ptr<const tempopb::Trace> trace);

  const TraceId& id() const { return data_->id; }
  // Lower-case hex of the ID without leading zeros ("" for the zero ID), as search results and
  // `trace:id` print it.
  const std::string& id_text() const { return data_->id_text; }
  const tempopb::Trace& trace() const { return *data_->trace; }
  std::span<const SpanRef> spans() const { return data_->spans; }
  size_t span_count() const { return data_->spans.size(); }
  // Indices of the direct children of span `index`, in trace order.
  std::span<const uint32_t> children(uint32_t index) const {
    return std::span<const uint32_t>(data_->children)
        .subspan(data_->child_offsets[index],
                 data_->child_offsets[index + 1] - data_->child_offsets[index]);
  }
  // The attributes of span `index` in stored order, laid out contiguously per trace (lookups scan
  // these instead of chasing the protobuf's per-attribute allocations).
  std::span<const AttributeRef> span_attributes(uint32_t index) const {
    return std::span<const AttributeRef>(data_->attributes)
        .subspan(data_->attribute_offsets[index],
                 data_->attribute_offsets[index + 1] - data_->attribute_offsets[index]);
  }
  // Index of the root span (see above), or -1 when the trace has none.
  int32_t root() const { return data_->root; }
  // Earliest span start, latest span end (0 for an empty trace) and their difference.
  uint64_t start_unix_nano() const { return data_->start_unix_nano; }
  uint64_t end_unix_nano() const { return data_->end_unix_nano; }
  uint64_t duration_nanos() const { return data_->end_unix_nano - data_->start_unix_nano; }
  // Name and `service.name` of the root span; "" when there is no root span.
  std::string_view root_span_name() const;
  std::string_view root_service_name() const;
  // False when some span ID is shared by more than two spans (no nested-set numbers at all).
  bool structure_valid() const { return data_->structure_valid; }

 private:
  struct Data {
    TraceId id;
    std::string id_text;
    std::shared_ptr<const tempopb::Trace> trace;
    std::vector<SpanRef> spans;
    std::vector<uint32_t> child_offsets;  // spans.size() + 1 entries
    std::vector<uint32_t> children;
    std::vector<uint32_t> attribute_offsets;  // spans.size() + 1 entries
    std::vector<AttributeRef> attributes;
    int32_t root = -1;
    uint64_t start_unix_nano = 0;
    uint64_t end_unix_nano = 0;
    bool structure_valid = true;
  };

  explicit TraceView(std::shared_ptr<const Data> data) : data_(std::move(data)) {}

  std::shared_ptr<const Data> data_;
};

}  // namespace tempo::traceql
