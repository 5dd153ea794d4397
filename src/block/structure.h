#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace tempo::block {

// What the structure computation needs of a span, in trace order (ResourceSpans, ScopeSpans,
// spans as they come).
struct SpanLinkage {
  std::string_view span_id;
  std::string_view parent_span_id;
  int kind = 0;  // OTLP SpanKind
};

// The depth-first order of a trace and the structural numbers stored per span. All vectors are
// indexed by position in depth-first order except where noted. Tempo's nested-set numbers follow
// from them: for the connected spans, in position order, a counter from 1 gives left on entry
// and right on exit (the TraceQL engine numbers its spans so; blocks do not store them).
struct TraceStructure {
  std::vector<uint32_t> order;        // order[pos] = index of the span in trace order
  std::vector<int32_t> parent_pos;    // position of the parent; -1 for a start of a walk
  std::vector<uint32_t> subtree_end;  // position of the last span of the subtree (>= pos)
  std::vector<uint8_t> disconnected;  // 1 when the span has no nested-set numbers
};

// Orders the spans of one trace and numbers them the way Tempo does (spec/query-api.md §11,
// spec/traceql.md §14.1):
//  - the parent of a span is the span whose ID equals its parent ID; when two spans share that
//    ID (Zipkin client/server pairs) the child takes the server one, or the client one if the
//    child is itself a server span; a span with an empty parent ID is a root;
//  - roots are walked depth-first in trace order, children in trace order;
//  - spans not reachable from a root (missing parent, cycles) follow, walked from each span
//    whose parent is missing, then from any span still left; they are marked disconnected (no
//    nested-set numbers);
//  - if no root exists or an ID is shared by more than two spans, every span is marked
//    disconnected (the walk order is kept).
// Thread-safe (pure function).
void ComputeStructure(std::span<const SpanLinkage> spans, TraceStructure* out);

}  // namespace tempo::block
