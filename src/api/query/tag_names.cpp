// Tag names (spec/query-api.md §8.9, §8.10) and the helpers both tag queries share.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <set>
#include <string_view>

#include "api/query/search_params.h"
#include "api/query/tag_query.h"

namespace tempo::api::query {
namespace internal {

Status ParseTagWindow(const std::map<std::string, std::string>& params, uint64_t now_unix_nano,
                      TimeWindow* window) {
  std::optional<uint32_t> start, end;
  TEMPO_RETURN_IF_ERROR(ParseUint32Param(params, "start", &start));
  TEMPO_RETURN_IF_ERROR(ParseUint32Param(params, "end", &end));
  if (!start && !end) {
    window->end_nano = now_unix_nano;
    window->start_nano = now_unix_nano - 15ull * 60 * 1'000'000'000;
    return Status::Ok();
  }
  if (!start || !end) {
    return InvalidArgumentError(
        "error parsing date range: only one of start and end provided: must provide both or "
        "neither");
  }
  if (*end <= *start) {
    return InvalidArgumentError("http parameter start must be before end. received start=" +
                                std::to_string(*start) + " end=" + std::to_string(*end));
  }
  window->start_nano = uint64_t{*start} * 1'000'000'000;
  window->end_nano =
      std::min<uint64_t>(uint64_t{*end} * 1'000'000'000 + 999'999'999, now_unix_nano);
  if (window->end_nano < window->start_nano) window->start_nano = 0;
  return Status::Ok();
}

uint32_t LenientLimit(const std::map<std::string, std::string>& params) {
  auto it = params.find("limit");
  if (it == params.end()) return 0;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end != '\0' || errno == ERANGE || it->second[0] == '-' ||
      v > UINT32_MAX) {
    return 0;
  }
  return static_cast<uint32_t>(v);
}

std::optional<traceql::SearchQuery> LenientFilter(
    const std::map<std::string, std::string>& params) {
  auto it = params.find("q");
  if (it == params.end() || it->second.empty()) return std::nullopt;
  Result<traceql::SearchQuery> compiled = traceql::SearchQuery::Compile(it->second);
  if (!compiled.ok()) return std::nullopt;
  return std::move(compiled).value();
}

std::vector<uint32_t> SelectedSpans(const std::optional<traceql::SearchQuery>& filter,
                                    const traceql::TraceView& trace) {
  std::vector<uint32_t> spans;
  if (filter) {
    Result<std::vector<traceql::Spanset>> sets = traceql::EvaluateSpansets(*filter, trace);
    if (sets.ok()) {
      for (const traceql::Spanset& set : *sets) {
        spans.insert(spans.end(), set.spans.begin(), set.spans.end());
      }
      std::sort(spans.begin(), spans.end());
      spans.erase(std::unique(spans.begin(), spans.end()), spans.end());
      return spans;
    }
  }
  spans.resize(trace.span_count());
  for (uint32_t i = 0; i < spans.size(); ++i) spans[i] = i;
  return spans;
}

void FillMetrics(uint64_t bytes, uint32_t blocks, tempopb::MetadataMetrics* metrics) {
  metrics->set_inspectedbytes(bytes);
  metrics->set_totalblocks(blocks);
  metrics->set_totaljobs(blocks + 1);
  metrics->set_completedjobs(blocks + 1);
}

}  // namespace internal

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

// Attribute names of the selected spans, per scope, and what reading them cost.
struct TagNames {
  std::set<std::string> resource, span, event, link, instrumentation;
  bool any = false;
  uint64_t bytes = 0;
  uint32_t blocks = 0;
};

void CollectNames(const traceql::TraceView& trace, const std::vector<uint32_t>& spans,
                  TagNames* names) {
  for (uint32_t i : spans) {
    const traceql::SpanRef& ref = trace.spans()[i];
    names->any = true;
    for (const auto& kv : ref.resource->attributes()) names->resource.insert(kv.key());
    for (const auto& kv : ref.span->attributes()) names->span.insert(kv.key());
    for (const auto& event : ref.span->events()) {
      for (const auto& kv : event.attributes()) names->event.insert(kv.key());
    }
    for (const auto& link : ref.span->links()) {
      for (const auto& kv : link.attributes()) names->link.insert(kv.key());
    }
    for (const auto& kv : ref.scope->attributes()) names->instrumentation.insert(kv.key());
  }
}

Result<TagNames> Collect(const querier::Querier& querier, const RequestContext& ctx,
                         const std::vector<std::string>& tenants, const TagNamesRequest& request) {
  TagNames names;
  for (const std::string& tenant : tenants) {
    RequestContext tenant_ctx = ctx;
    tenant_ctx.tenant = tenant;
    TEMPO_RETURN_IF_ERROR(querier.ForEachTrace(
        tenant_ctx, request.window.start_nano, request.window.end_nano,
        [&](traceql::TraceView&& trace) {
          CollectNames(trace, internal::SelectedSpans(request.filter, trace), &names);
          return true;
        },
        &names.bytes, &names.blocks));
  }
  // Tempo's storage always reports resource `service.name` when any data is in range.
  if (names.any) names.resource.insert("service.name");
  return names;
}

void AddLimited(const std::set<std::string>& values, uint32_t limit,
                google::protobuf::RepeatedPtrField<std::string>* out) {
  for (const std::string& v : values) {
    if (limit && static_cast<uint32_t>(out->size()) >= limit) break;
    *out->Add() = v;
  }
}

using ScopedNames = std::pair<std::string_view, const std::set<std::string>*>;

std::vector<ScopedNames> Scoped(const TagNames& names) {
  return {{"resource", &names.resource},
          {"span", &names.span},
          {"event", &names.event},
          {"link", &names.link},
          {"instrumentation", &names.instrumentation}};
}

bool AllScopes(const std::string& scope) { return scope.empty() || scope == "none"; }

}  // namespace

bool internal::IsIntrinsicTag(std::string_view tag) {
  return std::find(std::begin(kIntrinsicTags), std::end(kIntrinsicTags), tag) !=
         std::end(kIntrinsicTags);
}

Result<TagNamesRequest> PrepareTagNames(const std::map<std::string, std::string>& params,
                                        uint64_t now_unix_nano) {
  TagNamesRequest request;
  if (auto it = params.find("scope"); it != params.end()) request.scope = it->second;
  static const std::set<std::string> kScopes = {
      "", "none", "span", "resource", "event", "link", "instrumentation", "trace", "intrinsic"};
  if (!kScopes.count(request.scope)) {
    return InvalidArgumentError("invalid scope: " + request.scope);
  }
  if (auto it = params.find("q"); it != params.end() && it->second.size() > kMaxQueryBytes) {
    return InvalidArgumentError(QueryTooLargeMessage());
  }
  TEMPO_RETURN_IF_ERROR(internal::ParseTagWindow(params, now_unix_nano, &request.window));
  request.limit = internal::LenientLimit(params);
  request.filter = internal::LenientFilter(params);
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
               request.limit, scope->mutable_tags());
  }
  for (const auto& [name, set] : Scoped(names)) {
    if (!(all || request.scope == name) || set->empty()) continue;
    auto* scope = response.add_scopes();
    scope->set_name(std::string(name));
    AddLimited(*set, request.limit, scope->mutable_tags());
  }
  internal::FillMetrics(names.bytes, names.blocks, response.mutable_metrics());
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
  for (const auto& [name, set] : Scoped(names)) {
    if (AllScopes(request.scope) || request.scope == name) merged.insert(set->begin(), set->end());
  }
  tempopb::SearchTagsResponse response;
  AddLimited(merged, request.limit, response.mutable_tagnames());
  internal::FillMetrics(names.bytes, names.blocks, response.mutable_metrics());
  return response;
}

}  // namespace tempo::api::query
