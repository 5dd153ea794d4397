#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "tempo/common/request_context.h"
#include "tempo/common/status.h"
#include "tempo/traceql/trace_view.h"
#include "tempo/traceql/values.h"

namespace re2 {
class RE2;
}

// The fetch interface between the TraceQL engine and the places traces live (DESIGN decision 6):
// the engine derives a FetchRequest from a query; backend blocks and the ingester's live traces
// implement SpansetFetcher and hand back candidate traces. The engine never sees a storage format.
namespace tempo::traceql {

// One field a query reads, optionally with a comparison against a literal that storage may push
// down: `span.http.status_code = 500`, `duration > 100ms`, `resource.service.name =~ "api.*"`,
// `span.foo != nil` (op kNeq with a nil operand: "the field exists").
//
// Semantics match the engine exactly (traceql.md §8-§11): a span lacking the field never satisfies
// a condition with an operator; custom attributes compared with an int (float) literal only match
// int (float) values; unscoped attributes (`.x`, scope kNone) are satisfied when the value in any
// of span, resource, event, link or instrumentation scope satisfies the comparison; event and link
// conditions are satisfied by any event/link of the span. Regexes are fully anchored.
struct Condition {
  Attribute attribute;
  // The comparison, or nullopt when the field is only read (by(), select(), aggregates, or parts
  // of filters that cannot be pushed down). One of = != < <= > >= =~ !~.
  std::optional<BinaryOp> op;
  Static operand;  // the literal; kNil only for existence (`!= nil`)
  // Compiled, anchored operand for =~ and !~ (shared, immutable); null otherwise.
  std::shared_ptr<const re2::RE2> regex;

  friend bool operator==(const Condition& a, const Condition& b) {
    return a.attribute == b.attribute && a.op == b.op && a.operand == b.operand;
  }
};

// What the engine needs from storage for one search.
struct FetchRequest {
  // Only traces overlapping [start, end] are wanted (trace start <= end && trace end >= start).
  std::optional<uint64_t> start_unix_nano;
  std::optional<uint64_t> end_unix_nano;
  // Every field the query reads appears in at least one condition (so a storage knows which
  // columns to materialize). Conditions with an operator are the pruning predicates:
  std::vector<Condition> conditions;
  // true: a trace can match only if *every* condition with an operator holds on some span of it.
  // false: a trace can match only if *at least one* condition with an operator holds on some span
  // of it; when no condition has an operator nothing may be pruned.
  bool all_conditions = false;
  // true (only with all_conditions): a trace can match only if one and the same span satisfies
  // every condition with an operator (counting, as for each condition, its resource, scope,
  // events and links). Set when the query's only spanset is one filter whose pushed conditions
  // are joined by && alone.
  bool same_span = false;
  // The query uses structural operators or nested-set intrinsics (so parent links matter).
  bool needs_structure = false;
  // true: the consumer reads no attribute other than those named by `conditions` (any scope),
  // resource `service.name` and link `opentracing.ref_type` (search results: root service,
  // service stats, root detection), and no span, event, link or scope field other than those
  // the conditions name and the ones search results read (IDs, parents, names, times, status
  // codes), so storage may leave every other attribute and field out of the traces it hands out
  // (trace states, flags, dropped counts, schema URLs, ...). false (the default): whole traces.
  bool named_attributes_only = false;

  bool has_predicates() const {
    for (const Condition& c : conditions) {
      if (c.op) return true;
    }
    return false;
  }
};

// Storage that can hand traces to the engine. Implementations are thread-safe.
class SpansetFetcher {
 public:
  virtual ~SpansetFetcher() = default;

  // Calls `consume` with candidate traces, each complete (every span of the trace), until there
  // are no more or `consume` returns false. Candidates are a superset of the matches: pruning with
  // `request` (time range, conditions) is an optimisation, never required. Implementations
  // document their order; the engine prefers newest-first (by trace start). Errors (I/O,
  // corruption, cancellation through `ctx`) end the fetch and are returned.
  virtual Status Fetch(const RequestContext& ctx, const FetchRequest& request,
                       const std::function<bool(TraceView&&)>& consume) const = 0;
};

// Cheap tests a storage may use to prune with column statistics and dictionaries. Each answers
// "could a span whose field has such a value satisfy `condition`?"; true when unsure, always true
// for conditions without an operator. For unscoped conditions apply them to every scope's column.

// Values of an int-typed column (ints; nanoseconds for duration intrinsics) in [min, max].
bool MayMatchRange(const Condition& condition, int64_t min, int64_t max);
// Values of a float-typed column in [min, max].
bool MayMatchRange(const Condition& condition, double min, double max);
// One string value (e.g. a dictionary entry).
bool MayMatchString(const Condition& condition, std::string_view value);
// One value of any type (status and kind as their enums, durations as kDuration).
bool MayMatchValue(const Condition& condition, const Static& value);

}  // namespace tempo::traceql
