#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tempo/traceql/fetcher.h"

namespace tempo::querier {

// Rules out search predicates on a live trace from its serialized fragments alone, without
// decoding them. Protobuf stores strings as their raw bytes, so a predicate on a custom attribute
// can hold only if the attribute's key occurs in the bytes (a span lacking the field never
// satisfies a condition with an operator), and an equality with a string literal only if the
// literal occurs; `status = error|ok` and `kind = server|...` need the field's tag byte followed by
// the enum value (the OTLP encoding of a non-default code or kind). Anything else (other
// intrinsics, regexes, `parent.` attributes, the `service.name` = "unknown_service" that combining adds to
// resources without attributes) is left undecided. Answers are a superset: false only when the
// predicate cannot hold. Immutable after construction; thread-safe.
class RawTraceFilter {
 public:
  // The predicates are the conditions of `request` with an operator, in order.
  explicit RawTraceFilter(const traceql::FetchRequest& request);

  size_t predicates() const { return needles_.size(); }
  // Whether predicate `p` may hold on a trace whose serialized fragments are `data`.
  bool MayHold(size_t p, std::string_view data) const;

 private:
  // Per predicate: byte strings that must all occur for it to hold (none: undecided).
  std::vector<std::vector<std::string>> needles_;
};

}  // namespace tempo::querier
