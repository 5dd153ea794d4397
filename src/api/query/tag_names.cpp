// Tag names (spec/query-api.md §8.9, §8.10): scopes and intrinsic names here, attribute keys
// from the querier (block catalogs, live traces).
#include <algorithm>
#include <array>
#include <set>
#include <string_view>

#include "api/query/tag_query.h"

namespace tempo::api::query {
namespace {

constexpr std::string_view kIntrinsicTags[] = {"duration",
                                               "event:name",
                                               "event:timeSinceStart",
                                               "instrumentation:name",
                                               "instrumentation:version",
                                               "kind",
                                               "link:spanID",
                                               "link:traceID",
                                               "name",
                                               "rootName",
                                               "rootServiceName",
                                               "span:duration",
                                               "span:id",
                                               "span:kind",
                                               "span:name",
                                               "span:parentID",
                                               "span:status",
                                               "span:statusMessage",
                                               "status",
                                               "statusMessage",
                                               "trace:duration",
                                               "trace:id",
                                               "trace:rootName",
                                               "trace:rootService",
                                               "traceDuration"};

// Attribute names per scope (indexed by querier::TagScope), and what reading them cost.
struct TagNames {
  std::array<std::set<std::string>, querier::kTagScopeCount> scoped;
  querier::TagQueryStats stats;
};

constexpr querier::TagScope kScopeOrder[] = {querier::TagScope::kResource, querier::TagScope::kSpan,
                                             querier::TagScope::kEvent, querier::TagScope::kLink,
                                             querier::TagScope::kScope};

bool AllScopes(const std::string& scope) { return scope.empty() || scope == "none"; }

// Whether names of attribute scopes are needed at all (`intrinsic` and `trace` list none).
bool NeedsData(const std::string& scope) {
  if (AllScopes(scope)) return true;
  for (querier::TagScope s : kScopeOrder) {
    if (querier::TagScopeName(s) == scope) return true;
  }
  return false;
}

Result<TagNames> Collect(const querier::Querier& querier, const RequestContext& ctx,
                         const std::vector<std::string>& tenants, const TagNamesRequest& request) {
  TagNames names;
  if (!NeedsData(request.scope)) return names;
  // Limit and byte cap apply to the sorted names when the answer is built (so the smallest
  // names are kept); only staleness ends the collection.
  querier::DistinctTagValues found({.max_stale_values = request.max_stale_values});
  querier::TagNamesQuery query;
  query.start_unix_nano = request.window.start_nano;
  query.end_unix_nano = request.window.end_nano;
  query.filter = request.filter;
  for (const std::string& tenant : tenants) {
    RequestContext tenant_ctx = ctx;
    tenant_ctx.tenant = tenant;
    TEMPO_RETURN_IF_ERROR(querier.TagNames(tenant_ctx, query, &found, &names.stats));
  }
  for (const querier::TagValue& v : found.values()) {
    for (querier::TagScope s : kScopeOrder) {
      if (querier::TagScopeName(s) == v.type) names.scoped[static_cast<size_t>(s)].insert(v.value);
    }
  }
  // Tempo's storage always reports resource `service.name` when any data is in range.
  if (names.stats.any_data) {
    names.scoped[static_cast<size_t>(querier::TagScope::kResource)].insert("service.name");
  }
  return names;
}

// Adds `values` in order, at most `limit` (0: all), while they fit in `*budget` bytes (null: no
// cap); a name that does not fit ends the answer (the rest is dropped silently, as Tempo does).
void AddLimited(const std::set<std::string>& values, uint32_t limit, uint64_t* budget,
                google::protobuf::RepeatedPtrField<std::string>* out) {
  for (const std::string& v : values) {
    if (limit && static_cast<uint32_t>(out->size()) >= limit) break;
    if (budget != nullptr) {
      if (v.size() > *budget) {
        *budget = 0;
        break;
      }
      *budget -= v.size();
    }
    *out->Add() = v;
  }
}

}  // namespace

bool internal::IsIntrinsicTag(std::string_view tag) {
  return std::find(std::begin(kIntrinsicTags), std::end(kIntrinsicTags), tag) !=
         std::end(kIntrinsicTags);
}

Result<TagNamesRequest> PrepareTagNames(const std::map<std::string, std::string>& params,
                                        uint64_t now_unix_nano, uint64_t max_bytes) {
  TagNamesRequest request;
  if (auto it = params.find("scope"); it != params.end()) request.scope = it->second;
  static const std::set<std::string> kScopes = {
      "", "none", "span", "resource", "event", "link", "instrumentation", "trace", "intrinsic"};
  if (!kScopes.count(request.scope)) {
    return InvalidArgumentError("invalid scope: " + request.scope);
  }
  TEMPO_RETURN_IF_ERROR(internal::ParseTagQueryParams(params, now_unix_nano, max_bytes,
                                                      /*with_filter=*/true, &request));
  return request;
}

Result<tempopb::SearchTagsV2Response> RunTagNamesV2(const querier::Querier& querier,
                                                    const RequestContext& ctx,
                                                    const std::vector<std::string>& tenants,
                                                    const TagNamesRequest& request) {
  TEMPO_ASSIGN_OR_RETURN(TagNames names, Collect(querier, ctx, tenants, request));
  const bool all = AllScopes(request.scope);
  tempopb::SearchTagsV2Response response;
  if (all || request.scope == "intrinsic") {
    auto* scope = response.add_scopes();
    scope->set_name("intrinsic");
    AddLimited(std::set<std::string>(std::begin(kIntrinsicTags), std::end(kIntrinsicTags)),
               request.limit, nullptr, scope->mutable_tags());
  }
  uint64_t budget = request.max_bytes;
  for (querier::TagScope s : kScopeOrder) {
    const std::string_view name = querier::TagScopeName(s);
    const std::set<std::string>& set = names.scoped[static_cast<size_t>(s)];
    if (!(all || request.scope == name) || set.empty()) continue;
    tempopb::SearchTagsV2Scope scope;
    scope.set_name(std::string(name));
    AddLimited(set, request.limit, request.max_bytes ? &budget : nullptr, scope.mutable_tags());
    if (scope.tags_size() > 0) *response.add_scopes() = std::move(scope);
  }
  internal::FillMetrics(names.stats, response.mutable_metrics());
  return response;
}

Result<tempopb::SearchTagsResponse> RunTagNamesV1(const querier::Querier& querier,
                                                  const RequestContext& ctx,
                                                  const std::vector<std::string>& tenants,
                                                  const TagNamesRequest& request) {
  TEMPO_ASSIGN_OR_RETURN(TagNames names, Collect(querier, ctx, tenants, request));
  std::set<std::string> merged;
  if (request.scope == "intrinsic")
    merged.insert(std::begin(kIntrinsicTags), std::end(kIntrinsicTags));
  for (querier::TagScope s : kScopeOrder) {
    if (AllScopes(request.scope) || request.scope == querier::TagScopeName(s)) {
      merged.insert(names.scoped[static_cast<size_t>(s)].begin(),
                    names.scoped[static_cast<size_t>(s)].end());
    }
  }
  tempopb::SearchTagsResponse response;
  uint64_t budget = request.max_bytes;
  AddLimited(merged, request.limit, request.max_bytes ? &budget : nullptr,
             response.mutable_tagnames());
  internal::FillMetrics(names.stats, response.mutable_metrics());
  return response;
}

}  // namespace tempo::api::query
