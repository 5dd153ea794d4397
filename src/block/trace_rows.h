#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "block/schema.h"
#include "tempo/common/result.h"

namespace tempopb {
class Trace;
}
namespace opentelemetry::proto::common::v1 {
class AnyValue;
}

namespace tempo::block {

// One trace laid out as the rows RowGroupBuilder::AddTrace shreds: plain fields and views, read
// from a decoded tempopb::Trace (FromMessage), straight from the serialized fragments of a live
// trace, combined as model::CombineFragments combines them (FromFragments), or from a block's
// decoded columns (TraceAssembler::AssembleRows). Reading bytes or columns spares block cuts and
// compactions the protobuf objects, which were most of their time; ToMessage builds the message
// where one is needed. The views point into the message, bytes or columns given (and static
// strings); they stay valid until the next Clear/From* call while those are unchanged. Not
// thread-safe; reused across traces.
struct TraceRows {
  // [begin, end) in one of the vectors below.
  struct Range {
    uint32_t begin = 0;
    uint32_t end = 0;
    uint32_t size() const { return end - begin; }
  };
  struct Attr {
    std::string_view key;
    AttrType type = AttrType::kUnset;
    // kString, kBytes; kComplex from fragments: the serialized AnyValue; kComplex from a block
    // (block_encoded): the block's encoding of it (EncodeAnyValue).
    std::string_view bytes;
    const opentelemetry::proto::common::v1::AnyValue* complex = nullptr;  // kComplex from a message
    bool block_encoded = false;
    int64_t int_value = 0;                                                // kBool (0/1), kInt
    double double_value = 0;                                              // kDouble
  };
  // A resource or an instrumentation scope.
  struct Owner {
    bool present = false;
    // Non-zero: owners with the same origin have the same content (a producer that knows it
    // sets it: TraceAssembler, one per resource or scope row it read). 0: not known.
    uint64_t origin = 0;
    std::string_view name, version;  // scopes only
    uint32_t dropped_attributes = 0;
    Range attrs;
  };
  struct ResourceSpans {
    Owner resource;
    std::string_view schema_url;
    Range scope_spans;
  };
  struct ScopeSpans {
    Owner scope;
    std::string_view schema_url;
    Range spans;  // in span_order
  };
  struct Span {
    std::string_view trace_id, span_id, trace_state, parent_span_id, name, status_message;
    int32_t kind = 0;
    int32_t status_code = 0;
    bool status_present = false;
    uint32_t flags = 0;
    uint64_t start = 0, end = 0;
    uint32_t dropped_attributes = 0, dropped_events = 0, dropped_links = 0;
    Range attrs, events, links;
  };
  struct Event {
    uint64_t time = 0;
    std::string_view name;
    uint32_t dropped_attributes = 0;
    Range attrs;
  };
  struct Link {
    std::string_view trace_id, span_id, trace_state;
    uint32_t flags = 0;
    uint32_t dropped_attributes = 0;
    Range attrs;
  };

  TraceRows();
  ~TraceRows();
  TraceRows(const TraceRows&) = delete;
  TraceRows& operator=(const TraceRows&) = delete;

  // The trace as decoded, container for container.
  void FromMessage(const tempopb::Trace& trace);
  // The concatenated serialized tempopb.Trace fragments `bytes`, combined: one ResourceSpans per
  // distinct (resource, schema URL) and one ScopeSpans per distinct (scope, schema URL) within it,
  // in order of first appearance; a span whose (span ID, kind) came before is dropped; containers
  // left without spans are dropped; a resource without attributes gets service.name
  // "unknown_service"; every span has a status. Resources and scopes are told apart by their
  // bytes (CombineFragments compares re-serialized messages: the same for every encoder that
  // writes fields in order, as protobuf libraries do). Returns false, with the object cleared,
  // where bytes do not parse or use what only a full parse reproduces (a singular message field
  // given twice, groups): the caller then parses and combines the messages.
  bool FromFragments(std::string_view bytes);
  void Clear();
  // Builds the trace as a message (cleared first), container for container and spans in
  // span_order. kCorruption where a complex value does not decode.
  [[nodiscard]] Status ToMessage(tempopb::Trace* out) const;
  // Appends the trace as a serialized tempopb.Trace (the bytes ToMessage + serialization give,
  // without the message: trace_rows_encode.cpp). kCorruption where a block-encoded complex value
  // does not decode.
  [[nodiscard]] Status AppendSerialized(std::string* out) const;

  // Whether combining the trace (FromFragments of its serialization, model::CombineTraces of
  // its message) would leave it unchanged: every resource present with attributes, no two
  // resource spans with the same resource and schema URL, no two scope spans of one resource
  // spans with the same scope and schema URL, no container without spans, every span with a
  // status, no two spans with the same (span ID, kind). Owners are compared by origin, so owners
  // without one give false (not known), as may span IDs that collide in a 64-bit key.
  bool IsCombined() const;

  size_t span_count() const { return span_order.size(); }
  const Span& span(uint32_t pos) const { return spans[span_order[pos]]; }

  std::vector<ResourceSpans> resource_spans;
  std::vector<ScopeSpans> scope_spans;
  std::vector<uint32_t> span_order;  // indexes into `spans`, container by container
  std::vector<Span> spans;
  std::vector<Event> events;
  std::vector<Link> links;
  std::vector<Attr> attrs;
  uint64_t duplicate_spans = 0;  // FromFragments: spans dropped as duplicates

 private:
  struct Combiner;  // FromFragments' grouping state (trace_rows_wire.cpp), kept for its capacity
  std::unique_ptr<Combiner> combiner_;
};

// The block encoding (EncodeAnyValue) of the kComplex attribute `a`: its bytes when already
// block-encoded, else encoded into `*scratch` (`*parsed` holds a value read from bytes).
// Bytes from FromFragments parsed as part of a whole fragment, so their AnyValue parses too.
std::string_view ComplexEncoding(const TraceRows::Attr& a, std::string* scratch,
                                 opentelemetry::proto::common::v1::AnyValue* parsed);

}  // namespace tempo::block
