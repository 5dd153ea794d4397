#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tempo/block/block_tags.h"
#include "tempo/querier/tag_values.h"
#include "tempo/traceql/engine.h"
#include "tempo/traceql/trace_view.h"

namespace opentelemetry::proto::common::v1 {
class AnyValue;
}

// Helpers of the tag queries that look at decoded traces (live data, and blocks when a filter
// must be evaluated) and that print values. Stateless; thread-safe. Private to src/querier.
namespace tempo::querier {

// The v2 type and text of an attribute value ("string", "int", "float" with `.0` added to
// integral values, "bool"); false for bytes, arrays, kvlists and unset values.
bool TypedTagValue(const opentelemetry::proto::common::v1::AnyValue& value, std::string* type,
                   std::string* text);
// The same for a value read from a block.
void TypedTagValue(const block::TagValueRef& value, std::string* type, std::string* text);

// The spans of `trace` that `filter` selects; every span without a filter, for a match-all
// filter, and when evaluating it fails.
std::vector<uint32_t> SelectedSpans(const std::optional<traceql::SearchQuery>& filter,
                                    const traceql::TraceView& trace);

// Adds (scope name, key) for every attribute of the spans `spans` of `trace`, their resources,
// scopes, events and links. Stops when `out` is complete.
void CollectTagNames(const traceql::TraceView& trace, const std::vector<uint32_t>& spans,
                     DistinctTagValues* out);

// Adds the values of `column` found on the spans `spans` of `trace` (root names once per trace,
// when it has a root span and `spans` is not empty). Stops when `out` is complete.
void CollectTagValues(const block::TagColumn& column, const traceql::TraceView& trace,
                      const std::vector<uint32_t>& spans, DistinctTagValues* out);

}  // namespace tempo::querier
