#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/common/status.h"

namespace tempopb {
class Trace;
}

namespace tempo::model {

// Counts of what CombineFragments did.
struct CombineStats {
  uint64_t input_bytes = 0;
  uint32_t spans = 0;
  uint32_t duplicate_spans = 0;
};

// Combines fragments of one trace (each a serialized tempopb.Trace) into `out`: ResourceSpans with
// an identical resource and schema URL are merged, and within them ScopeSpans with an identical
// scope; a span whose (span ID, kind) was already seen is dropped. Order of first appearance is
// kept. Resources without attributes get service.name = "unknown_service" (Grafana drops spans of
// attribute-less resources). When `out` lives on a protobuf arena the fragments are parsed onto
// that arena too (far fewer allocations; the arena then also holds the parsed fragments until it
// is freed). Errors: kCorruption if a fragment does not parse.
Status CombineFragments(const std::vector<std::string_view>& fragments, tempopb::Trace* out,
                        CombineStats* stats);

// CombineFragments for fragments already parsed: their spans, resources and scopes are moved
// into `out` (the fragments are left valid but unspecified), which costs no copy when they are
// on `out`'s arena. stats->input_bytes stays 0.
void CombineTraces(const std::vector<tempopb::Trace*>& fragments, tempopb::Trace* out,
                   CombineStats* stats);

}  // namespace tempo::model
