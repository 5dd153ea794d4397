#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/common/request_context.h"
#include "tempo/common/result.h"
#include "tempo/querier/querier.h"
#include "tempo/traceql/engine.h"
#include "tempo/traceql/token.h"
#include "tempo/traceql/trace_view.h"
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

// A validated tag-names request. Immutable once built; copyable across threads.
struct TagNamesRequest {
  std::string scope;   // "" = all scopes
  uint32_t limit = 0;  // per scope; 0 = unlimited
  TimeWindow window;
  std::optional<traceql::SearchQuery> filter;  // q, when it compiles (Tempo ignores a bad q)
};

// Validates the parameters of the tag-names endpoints (scope, q, start, end, limit). Errors:
// kInvalidArgument with the body of Tempo's 400 ("invalid scope: foo", ...).
Result<TagNamesRequest> PrepareTagNames(const std::map<std::string, std::string>& params,
                                        uint64_t now_unix_nano);
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
struct TagValuesRequest {
  ParsedTag tag;
  bool v2 = true;      // v2 understands scopes and intrinsics and applies q; v1 takes a bare name
  uint32_t limit = 0;  // 0 = unlimited
  TimeWindow window;
  std::optional<traceql::SearchQuery> filter;
};

// Validates a tag (already percent-decoded) and the parameters (q, start, end, limit). Errors:
// kInvalidArgument with the body of Tempo's 400 ("please provide a valid tagName: ...").
Result<TagValuesRequest> PrepareTagValues(const std::string& tag, bool v2,
                                          const std::map<std::string, std::string>& params,
                                          uint64_t now_unix_nano);
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
// start/end in seconds, both or neither (default: the 15 minutes before `now`).
Status ParseTagWindow(const std::map<std::string, std::string>& params, uint64_t now_unix_nano,
                      TimeWindow* window);
// `limit`: a non-numeric or missing value means unlimited (0).
uint32_t LenientLimit(const std::map<std::string, std::string>& params);
// `q` compiled, or nullopt when absent or invalid (Tempo ignores it then).
std::optional<traceql::SearchQuery> LenientFilter(const std::map<std::string, std::string>& params);
// The spans of `trace` the filter selects (every span without a filter or on evaluation error).
std::vector<uint32_t> SelectedSpans(const std::optional<traceql::SearchQuery>& filter,
                                    const traceql::TraceView& trace);
void FillMetrics(uint64_t bytes, uint32_t blocks, tempopb::MetadataMetrics* metrics);
// Whether `tag` is one of the intrinsic tag names listed by the tag-names queries.
bool IsIntrinsicTag(std::string_view tag);
}  // namespace internal

}  // namespace tempo::api::query
