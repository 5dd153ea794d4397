#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/common/request_context.h"
#include "tempo/common/result.h"
#include "tempo/overrides/overrides.h"
#include "tempo/querier/querier.h"
#include "tempo/traceql/ast.h"
#include "tempo/traceql/engine.h"
#include "tempo/traceql/token.h"
#include "tempopb/tempo.pb.h"

// The tag name and tag value queries as both transports run them (HTTP /api/search/tags,
// /api/v2/search/tags, /api/[v2/]search/tag/<tag>/values, and the gRPC StreamingQuerier tag
// methods; spec/query-api.md §8.9-§8.12): one validation and one execution for both. Prepare*
// run on the caller's thread and are cheap; Run* are blocking (a query pool or a gRPC thread,
// never an io thread). Private to src/api.
namespace tempo::api::query {

// The [start, end] window of a tag query, unix nanoseconds.
struct TimeWindow {
  uint64_t start_nano = 0;
  uint64_t end_nano = 0;
};

// The most OR-expanded condition groups a tag query's `q` may have (Tempo's default of
// max_condition_groups_per_tag_query); more is 400 "maximum condition groups reached".
inline constexpr uint64_t kMaxConditionGroups = 100;

// The parameters every tag query takes (internal::ParseTagQueryParams fills them).
struct TagQueryParams {
  uint32_t limit = 0;             // names: per scope; 0 = unlimited
  uint32_t max_stale_values = 0;  // maxStaleValues; 0 = off
  uint64_t max_bytes = 0;         // max_bytes_per_tag_values_query of the tenants; 0 = off
  TimeWindow window;
  std::optional<traceql::SearchQuery> filter;  // q, when it compiles (Tempo ignores a bad q)
};

// A validated tag-names request. Immutable once built; copyable across threads.
struct TagNamesRequest : TagQueryParams {
  std::string scope;  // "" = all scopes
};

// The smallest max_bytes_per_tag_values_query of `tenants` (0 when none sets one).
uint64_t TagBytesLimitFor(const overrides::Overrides& overrides,
                          const std::vector<std::string>& tenants);

// Validates the parameters of the tag-names endpoints (scope, q, start, end, since, limit,
// maxStaleValues); `max_bytes` caps the response. Errors: kInvalidArgument with the body of
// Tempo's 400 ("invalid scope: foo", "maximum condition groups reached", ...).
Result<TagNamesRequest> PrepareTagNames(const std::map<std::string, std::string>& params,
                                        uint64_t now_unix_nano, uint64_t max_bytes);
// Tag names of the spans the filter selects, for every tenant, per scope (v2) or merged (v1).
Result<tempopb::SearchTagsV2Response> RunTagNamesV2(const querier::Querier& querier,
                                                    const RequestContext& ctx,
                                                    const std::vector<std::string>& tenants,
                                                    const TagNamesRequest& request);
Result<tempopb::SearchTagsResponse> RunTagNamesV1(const querier::Querier& querier,
                                                  const RequestContext& ctx,
                                                  const std::vector<std::string>& tenants,
                                                  const TagNamesRequest& request);

// A tag of the values endpoints, recognised: an intrinsic or a scoped attribute name.
struct ParsedTag {
  enum Kind { kCustom, kName, kStatus, kKind, kEmpty, kRootName, kRootService, kStatusMessage };
  Kind kind = kCustom;
  traceql::AttributeScope scope = traceql::AttributeScope::kNone;
  std::string name;
};

// A validated tag-values request. Immutable once built; copyable across threads.
struct TagValuesRequest : TagQueryParams {
  ParsedTag tag;
  bool v2 = true;  // v2 understands scopes and intrinsics and applies q; v1 takes a bare name
};

// Validates a tag (already percent-decoded) and the parameters (q, start, end, since, limit,
// maxStaleValues); `max_bytes` caps the response. Errors: kInvalidArgument with the body of
// Tempo's 400 ("please provide a valid tagName: ...", "maximum condition groups reached").
Result<TagValuesRequest> PrepareTagValues(const std::string& tag, bool v2,
                                          const std::map<std::string, std::string>& params,
                                          uint64_t now_unix_nano, uint64_t max_bytes);
// Typed values (v2) or plain values (v1) of the tag over every tenant.
Result<tempopb::SearchTagValuesV2Response> RunTagValuesV2(const querier::Querier& querier,
                                                          const RequestContext& ctx,
                                                          const std::vector<std::string>& tenants,
                                                          const TagValuesRequest& request);
Result<tempopb::SearchTagValuesResponse> RunTagValuesV1(const querier::Querier& querier,
                                                        const RequestContext& ctx,
                                                        const std::vector<std::string>& tenants,
                                                        const TagValuesRequest& request);

// Shared by the two .cpp files of the tag queries.
namespace internal {
// The parameters both tag queries take, in Tempo's order: a `q` longer than kMaxQueryBytes is
// refused, then the window (ParseTagWindow), limit and maxStaleValues (LenientUint), and, when
// `with_filter`, `q` compiled (LenientFilter); `max_bytes` is stored as given. Errors:
// kInvalidArgument with the body of Tempo's 400.
Status ParseTagQueryParams(const std::map<std::string, std::string>& params, uint64_t now_unix_nano,
                           uint64_t max_bytes, bool with_filter, TagQueryParams* out);
// start/end in seconds, both or neither (default: the 15 minutes before `now`); `since` (a
// Prometheus duration) overrides them with [now - since, now].
Status ParseTagWindow(const std::map<std::string, std::string>& params, uint64_t now_unix_nano,
                      TimeWindow* window);
// Prometheus' duration syntax ("90s", "1h30m", "2d", "1w", "1y", "500ms"), in nanoseconds.
// Errors: kInvalidArgument `not a valid duration string: "x"`.
Result<uint64_t> ParsePrometheusDuration(const std::string& text);
// An unsigned parameter (`limit`, `maxStaleValues`): a non-numeric or missing value means 0.
uint32_t LenientUint(const std::map<std::string, std::string>& params, const std::string& name);
// `q` compiled, or nullopt when absent or invalid (Tempo ignores it then). Errors:
// kInvalidArgument "maximum condition groups reached" when its first spanset filter has more
// than kMaxConditionGroups OR-expanded condition groups.
Result<std::optional<traceql::SearchQuery>> LenientFilter(
    const std::map<std::string, std::string>& params);
// The OR-expanded condition groups of the first spanset filter of `root` (`a && (b || c)`: 2),
// at most kMaxConditionGroups + 1; 0 when the query starts with a spanset operation.
uint64_t ConditionGroups(const traceql::RootExpr& root);
void FillMetrics(const querier::TagQueryStats& stats, tempopb::MetadataMetrics* metrics);
// Whether `tag` is one of the intrinsic tag names listed by the tag-names queries.
bool IsIntrinsicTag(std::string_view tag);
}  // namespace internal

}  // namespace tempo::api::query
