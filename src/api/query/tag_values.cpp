// Tag values (spec/query-api.md §8.11, §8.12).
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "api/query/tag_query.h"
#include "tempo/model/tempo_json.h"
#include "tempo/traceql/parser.h"

namespace tempo::api::query {
namespace {

using Scope = traceql::AttributeScope;

std::optional<ParsedTag> RecognizeTag(std::string_view tag) {
  ParsedTag parsed;
  static const std::map<std::string_view, ParsedTag::Kind> kIntrinsics = {
      {"name", ParsedTag::kName},
      {"span:name", ParsedTag::kName},
      {"status", ParsedTag::kStatus},
      {"span:status", ParsedTag::kStatus},
      {"kind", ParsedTag::kKind},
      {"span:kind", ParsedTag::kKind},
      {"rootName", ParsedTag::kRootName},
      {"trace:rootName", ParsedTag::kRootName},
      {"rootServiceName", ParsedTag::kRootService},
      {"trace:rootService", ParsedTag::kRootService},
      {"statusMessage", ParsedTag::kStatusMessage},
      {"span:statusMessage", ParsedTag::kStatusMessage},
  };
  if (auto it = kIntrinsics.find(tag); it != kIntrinsics.end()) {
    parsed.kind = it->second;
    return parsed;
  }
  if (internal::IsIntrinsicTag(tag)) {
    parsed.kind = ParsedTag::kEmpty;
    return parsed;
  }
  static const std::pair<std::string_view, Scope> kScopes[] = {
      {"resource.", Scope::kResource},
      {"span.", Scope::kSpan},
      {"event.", Scope::kEvent},
      {"link.", Scope::kLink},
      {"instrumentation.", Scope::kInstrumentation},
      {".", Scope::kNone},
  };
  for (const auto& [prefix, scope] : kScopes) {
    if (!tag.starts_with(prefix)) continue;
    std::string_view rest = tag.substr(prefix.size());
    if (rest.empty()) return std::nullopt;
    if (rest.front() == '"') {
      if (rest.size() < 2 || rest.back() != '"') return std::nullopt;
      std::string name;
      for (size_t i = 1; i + 1 < rest.size(); ++i) {
        if (rest[i] == '\\' && i + 2 < rest.size()) ++i;
        name.push_back(rest[i]);
      }
      parsed.name = std::move(name);
    } else {
      for (char c : rest) {
        if (c == ' ' || c == '{' || c == '}' || c == '(' || c == ')' || c == '=' || c == '"' ||
            c == '!' || c == '<' || c == '>' || c == '&' || c == '|' || c == '~' || c == ',') {
          return std::nullopt;
        }
      }
      parsed.name = std::string(rest);
    }
    parsed.scope = scope;
    return parsed;
  }
  return std::nullopt;
}

std::string TagError(std::string_view tag) {
  std::string text = "{" + std::string(tag) + "}";
  auto parsed = traceql::Parse(text);
  std::string detail =
      parsed.ok() ? "unknown identifier: " + std::string(tag) : parsed.status().message();
  return "please provide a valid tagName: failed to parse identifier " + std::string(tag) + ": " +
         detail;
}

// The (type, value) pairs of the tag in the order found (at most `limit`, within the byte
// cap), and what reading them cost.
struct TagValues {
  std::vector<querier::TagValue> values;
  querier::TagQueryStats stats;
};

// What the querier reads for a tag; nullopt for tags whose values are fixed or empty.
std::optional<block::TagColumn> ColumnOf(const TagValuesRequest& request) {
  using Kind = block::TagColumn::Kind;
  block::TagColumn column;
  switch (request.tag.kind) {
    case ParsedTag::kName:
      column.kind = Kind::kSpanName;
      return column;
    case ParsedTag::kStatusMessage:
      column.kind = Kind::kSpanStatusMessage;
      return column;
    case ParsedTag::kRootName:
      column.kind = Kind::kRootSpanName;
      return column;
    case ParsedTag::kRootService:
      column.kind = Kind::kRootServiceName;
      return column;
    case ParsedTag::kCustom:
      break;
    default:
      return std::nullopt;  // status and kind: fixed keyword lists (KeywordValues); others: none
  }
  column.kind = Kind::kAttribute;
  column.key = request.tag.name;
  using block::AttributeOwner;
  using block::OwnerBit;
  if (!request.v2) {
    // v1: a bare name, matched on span and resource attributes.
    column.owners = OwnerBit(AttributeOwner::kSpan) | OwnerBit(AttributeOwner::kResource);
    return column;
  }
  switch (request.tag.scope) {
    case Scope::kSpan:
      column.owners = OwnerBit(AttributeOwner::kSpan);
      break;
    case Scope::kResource:
      column.owners = OwnerBit(AttributeOwner::kResource);
      break;
    case Scope::kEvent:
      column.owners = OwnerBit(AttributeOwner::kEvent);
      break;
    case Scope::kLink:
      column.owners = OwnerBit(AttributeOwner::kLink);
      break;
    case Scope::kInstrumentation:
      column.owners = OwnerBit(AttributeOwner::kScope);
      break;
    default:
      column.owners = block::kAllAttributeOwners;  // unscoped `.x`: every scope
      break;
  }
  return column;
}

Result<TagValues> Collect(const querier::Querier& querier, const RequestContext& ctx,
                          const std::vector<std::string>& tenants,
                          const TagValuesRequest& request) {
  TagValues out;
  std::optional<block::TagColumn> column = ColumnOf(request);
  if (!column) return out;
  querier::DistinctTagValues found({.max_values = request.limit,
                                    .max_stale_values = request.max_stale_values,
                                    .max_bytes = request.max_bytes});
  querier::TagValuesQuery query;
  query.column = *column;
  query.start_unix_nano = request.window.start_nano;
  query.end_unix_nano = request.window.end_nano;
  query.filter = request.filter;
  for (const std::string& tenant : tenants) {
    RequestContext tenant_ctx = ctx;
    tenant_ctx.tenant = tenant;
    TEMPO_RETURN_IF_ERROR(querier.TagValues(tenant_ctx, query, &found, &out.stats));
  }
  out.values = found.values();
  return out;
}

// The keyword values of status and kind, in Tempo's order (never cut by the limit); empty for
// other tags.
std::vector<std::string> KeywordValues(ParsedTag::Kind kind) {
  std::vector<std::string> values;
  if (kind == ParsedTag::kStatus) values = {"ok", "error", "unset"};
  if (kind == ParsedTag::kKind) {
    values = {"client", "server", "producer", "consumer", "internal", "unspecified"};
  }
  return values;
}

}  // namespace

Result<TagValuesRequest> PrepareTagValues(const std::string& tag, bool v2,
                                          const std::map<std::string, std::string>& params,
                                          uint64_t now_unix_nano, uint64_t max_bytes) {
  if (tag.empty()) return InvalidArgumentError("please provide a non-empty tagName");
  TagValuesRequest request;
  request.v2 = v2;
  if (v2) {
    std::optional<ParsedTag> recognized = RecognizeTag(tag);
    if (!recognized) return InvalidArgumentError(TagError(tag));
    request.tag = *recognized;
  } else {
    request.tag.name = tag;
  }
  // v1 ignores q (its size is still checked).
  TEMPO_RETURN_IF_ERROR(internal::ParseTagQueryParams(params, now_unix_nano, max_bytes,
                                                      /*with_filter=*/v2, &request));
  return request;
}

Result<tempopb::SearchTagValuesV2Response> RunTagValuesV2(const querier::Querier& querier,
                                                          const RequestContext& ctx,
                                                          const std::vector<std::string>& tenants,
                                                          const TagValuesRequest& request) {
  TEMPO_ASSIGN_OR_RETURN(TagValues collected, Collect(querier, ctx, tenants, request));
  tempopb::SearchTagValuesV2Response response;
  for (const std::string& keyword : KeywordValues(request.tag.kind)) {
    auto* value = response.add_tagvalues();
    value->set_type("keyword");
    value->set_value(keyword);
  }
  std::set<std::pair<std::string, std::string>> sorted;
  for (querier::TagValue& v : collected.values)
    sorted.emplace(std::move(v.type), std::move(v.value));
  for (const auto& [type, text] : sorted) {
    auto* value = response.add_tagvalues();
    value->set_type(type);
    value->set_value(model::ToValidUtf8(text));
  }
  internal::FillMetrics(collected.stats, response.mutable_metrics());
  return response;
}

Result<tempopb::SearchTagValuesResponse> RunTagValuesV1(const querier::Querier& querier,
                                                        const RequestContext& ctx,
                                                        const std::vector<std::string>& tenants,
                                                        const TagValuesRequest& request) {
  TEMPO_ASSIGN_OR_RETURN(TagValues collected, Collect(querier, ctx, tenants, request));
  std::set<std::string> unique;
  for (querier::TagValue& v : collected.values) unique.insert(std::move(v.value));
  tempopb::SearchTagValuesResponse response;
  for (const std::string& text : unique) *response.add_tagvalues() = model::ToValidUtf8(text);
  internal::FillMetrics(collected.stats, response.mutable_metrics());
  return response;
}

}  // namespace tempo::api::query
