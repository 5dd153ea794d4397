#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "tempo/block/block_tags.h"
#include "tempo/traceql/engine.h"

// Value types of the tag names and tag values queries of the Querier (spec/query-api.md
// §8.9-§8.12): what is asked, the limits, and the collector both kinds of query fill.
namespace tempo::querier {

// The scopes of tag names: resource, span, event, link, instrumentation (AttributeOwner::kScope).
using TagScope = block::AttributeOwner;
inline constexpr size_t kTagScopeCount = block::kAttributeOwnerCount;
// "resource", "span", "event", "link", "instrumentation".
std::string_view TagScopeName(TagScope scope);

// Limits of one tag query; 0 means unlimited / off.
struct TagLimits {
  uint32_t max_values = 0;        // `limit`: distinct values kept
  uint32_t max_stale_values = 0;  // `maxStaleValues`: stop after this many consecutive values
                                  // that were already seen
  uint64_t max_bytes = 0;  // max_bytes_per_tag_values_query: the values' bytes stay within it
};

// One distinct result: a typed tag value ("string", "int", "float", "bool" and its text as the
// v2 endpoint prints it) or, for tag names, a scope name and an attribute key.
struct TagValue {
  std::string type;
  std::string value;
  friend bool operator==(const TagValue&, const TagValue&) = default;
};

// The distinct (type, value) pairs of one query in the order they were found, under its limits:
// a value past `max_bytes` (its value bytes counted) is dropped and ends the collection, as do
// reaching `max_values` values and `max_stale_values` consecutive values already held. Not
// thread-safe; the querier fills it from one thread at a time.
class DistinctTagValues {
 public:
  explicit DistinctTagValues(TagLimits limits = {}) : limits_(limits) {}

  // Adds the value unless it is held already. Returns false once the collection is complete
  // (this value may then have been dropped); later calls take nothing.
  bool Add(std::string_view type, std::string_view value);
  // Ends the collection as if a limit had been reached.
  void Stop() { done_ = limited_ = true; }

  bool done() const { return done_; }
  // A count or byte limit ended the collection (staleness does not count).
  bool limited() const { return limited_; }
  const TagLimits& limits() const { return limits_; }
  const std::vector<TagValue>& values() const { return values_; }
  uint64_t bytes() const { return bytes_; }

 private:
  TagLimits limits_;
  std::vector<TagValue> values_;
  std::unordered_set<std::string> seen_;  // type '\0' value
  std::string key_;                       // scratch
  uint64_t bytes_ = 0;
  uint32_t stale_ = 0;
  bool done_ = false;
  bool limited_ = false;
};

// What a tag query read and did, summed over calls (one per tenant).
struct TagQueryStats {
  uint64_t inspected_bytes = 0;  // bytes read from blocks plus live data walked
  uint32_t blocks = 0;           // blocks overlapping the window
  uint64_t block_bytes = 0;      // their size
  uint32_t total_jobs = 0;       // live data, plus one per block
  uint32_t completed_jobs = 0;
  bool any_data = false;  // some span (live, or in a row group of a block) was in the window
};

// A tag names query: the attribute keys of the spans in [start, end], per scope.
struct TagNamesQuery {
  uint64_t start_unix_nano = 0;
  uint64_t end_unix_nano = UINT64_MAX;
  // Only spans this query selects (their resource, scope, events and links included). Unset or
  // a match-all filter (`{}`, `{ true }`): every span, and blocks are served from catalogs.
  std::optional<traceql::SearchQuery> filter;
};

// A tag values query: the distinct values of one field over the spans in [start, end].
struct TagValuesQuery {
  // Attribute `key` of the owners in `owners`, or one intrinsic (span name, status message,
  // root span name, root service name; empty root names are never listed: in blocks "" stands
  // for "no root span").
  block::TagColumn column;
  uint64_t start_unix_nano = 0;
  uint64_t end_unix_nano = UINT64_MAX;
  std::optional<traceql::SearchQuery> filter;  // as for TagNamesQuery
};

// Whether `query` selects every span (`{}`, `{ true }`): its values need not be evaluated.
bool MatchesEverySpan(const traceql::SearchQuery& query);

}  // namespace tempo::querier
