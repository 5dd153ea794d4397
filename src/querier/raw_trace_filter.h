#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "tempo/traceql/fetcher.h"

namespace tempo::querier {

// Rules out search predicates on a live trace from its serialized fragments, without decoding
// them: one walk over the wire format (model::WalkTraceWire) reads each span's name, kind, times,
// status and each attribute's key and value, and compares them with the predicates using the
// engine's own comparison (traceql::MayMatchValue). Decided exactly: span intrinsics (duration,
// name, status, status message, kind), event names, instrumentation name and version, and custom
// attributes of spans, resources, scopes, events and links. Left undecided (assumed to hold):
// trace-level intrinsics (they belong to the combined trace), IDs and structure, `parent.`
// attributes, array and kvlist values, empty string intrinsics, `service.name` comparisons that
// "unknown_service" would satisfy (combining gives attribute-less resources that name), and
// bytes that do not parse. Answers are a superset: a predicate is ruled out only when it cannot
// hold on any span. Immutable after construction; thread-safe.
class RawTraceFilter {
 public:
  // The predicates are the conditions of `request` with an operator, in order. `request` must
  // outlive the filter.
  explicit RawTraceFilter(const traceql::FetchRequest& request);

  size_t predicates() const { return predicates_.size(); }
  // Sets holds[p] to 1 for every predicate p that may hold on some span of the trace whose
  // serialized fragments are `data`; other entries are left as they are. `holds` has
  // predicates() entries.
  void Evaluate(std::string_view data, uint8_t* holds) const;

  // How a predicate is decided on the wire.
  enum class Mode : uint8_t {
    kUndecided,
    kAttribute,  // custom attribute of the owners in `owners`
    kSpan,       // span intrinsic, from WireSpan
    kEventName,
    kScopeName,
    kScopeVersion,
  };
  struct Predicate {
    const traceql::Condition* condition = nullptr;
    Mode mode = Mode::kUndecided;
    uint8_t owners = 0;  // bit (1 << WireOwner) per owner whose attributes count
  };

 private:
  std::vector<Predicate> predicates_;
};

}  // namespace tempo::querier
