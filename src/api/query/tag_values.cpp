// Tag values (spec/query-api.md §8.11, §8.12).
#include <functional>
#include <map>
#include <set>
#include <string_view>
#include <utility>

#include "api/query/search_params.h"
#include "api/query/tag_query.h"
#include "tempo/model/tempo_json.h"
#include "tempo/traceql/parser.h"

namespace tempo::api::query {
namespace {

namespace common_pb = opentelemetry::proto::common::v1;
using Scope = traceql::AttributeScope;

// A typed tag value (§8.11) of an attribute value; false for arrays, lists and bytes.
bool TypedValue(const common_pb::AnyValue& value, std::string* type, std::string* text) {
  switch (value.value_case()) {
    case common_pb::AnyValue::kStringValue:
      *type = "string";
      *text = value.string_value();
      return true;
    case common_pb::AnyValue::kIntValue:
      *type = "int";
      *text = std::to_string(value.int_value());
      return true;
    case common_pb::AnyValue::kBoolValue:
      *type = "bool";
      *text = value.bool_value() ? "true" : "false";
      return true;
    case common_pb::AnyValue::kDoubleValue: {
      *type = "float";
      std::string out;
      model::AppendJsonDouble(out, value.double_value());
      if (!out.empty() && out.front() == '"') out = out.substr(1, out.size() - 2);
      if (out.find_first_of(".eIN") == std::string::npos) out += ".0";
      *text = out;
      return true;
    }
    default:
      return false;
  }
}

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

// The (type, value) pairs of the tag, sorted, at most `limit`; and what reading them cost.
struct TagValues {
  std::set<std::pair<std::string, std::string>> values;
  uint64_t bytes = 0;
  uint32_t blocks = 0;
};

// Values of a custom (attribute) tag of the selected spans of one trace.
void AddAttributeValues(const TagValuesRequest& request, const traceql::SpanRef& ref,
                        const std::function<void(std::string, std::string)>& add) {
  auto add_attrs = [&](const auto& attributes) {
    for (const auto& kv : attributes) {
      if (kv.key() != request.tag.name) continue;
      std::string type, text;
      if (TypedValue(kv.value(), &type, &text)) add(std::move(type), std::move(text));
    }
  };
  if (!request.v2) {
    add_attrs(ref.span->attributes());
    add_attrs(ref.resource->attributes());
    return;
  }
  Scope scope = request.tag.scope;
  if (scope == Scope::kNone || scope == Scope::kSpan) add_attrs(ref.span->attributes());
  if (scope == Scope::kNone || scope == Scope::kResource) add_attrs(ref.resource->attributes());
  if (scope == Scope::kNone || scope == Scope::kEvent) {
    for (const auto& e : ref.span->events()) add_attrs(e.attributes());
  }
  if (scope == Scope::kNone || scope == Scope::kLink) {
    for (const auto& l : ref.span->links()) add_attrs(l.attributes());
  }
  if (scope == Scope::kNone || scope == Scope::kInstrumentation) {
    add_attrs(ref.scope->attributes());
  }
}

Result<TagValues> Collect(const querier::Querier& querier, const RequestContext& ctx,
                          const std::vector<std::string>& tenants,
                          const TagValuesRequest& request) {
  TagValues out;
  std::function<void(std::string, std::string)> add = [&](std::string type, std::string value) {
    if (request.limit && out.values.size() >= request.limit) return;
    out.values.emplace(std::move(type), std::move(value));
  };
  const ParsedTag::Kind kind = request.tag.kind;
  if (kind == ParsedTag::kStatus || kind == ParsedTag::kKind || kind == ParsedTag::kEmpty) {
    return out;  // fixed keyword lists (see KeywordValues) or nothing: no data to read
  }
  for (const std::string& tenant : tenants) {
    RequestContext tenant_ctx = ctx;
    tenant_ctx.tenant = tenant;
    TEMPO_RETURN_IF_ERROR(querier.ForEachTrace(
        tenant_ctx, request.window.start_nano, request.window.end_nano,
        [&](traceql::TraceView&& trace) {
          std::vector<uint32_t> spans = internal::SelectedSpans(request.filter, trace);
          if (spans.empty()) return true;
          if (kind == ParsedTag::kRootName || kind == ParsedTag::kRootService) {
            if (trace.root() >= 0) {
              add("string", std::string(kind == ParsedTag::kRootName ? trace.root_span_name()
                                                                     : trace.root_service_name()));
            }
            return true;
          }
          for (uint32_t i : spans) {
            const traceql::SpanRef& ref = trace.spans()[i];
            if (kind == ParsedTag::kName) {
              add("string", ref.span->name());
            } else if (kind == ParsedTag::kStatusMessage) {
              add("string", ref.span->status().message());
            } else {
              AddAttributeValues(request, ref, add);
            }
          }
          return true;
        },
        &out.bytes, &out.blocks));
  }
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
                                          uint64_t now_unix_nano) {
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
  if (auto it = params.find("q"); it != params.end() && it->second.size() > kMaxQueryBytes) {
    return InvalidArgumentError(QueryTooLargeMessage());
  }
  TEMPO_RETURN_IF_ERROR(internal::ParseTagWindow(params, now_unix_nano, &request.window));
  request.limit = internal::LenientLimit(params);
  if (v2) request.filter = internal::LenientFilter(params);
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
  for (const auto& [type, text] : collected.values) {
    auto* value = response.add_tagvalues();
    value->set_type(type);
    value->set_value(model::ToValidUtf8(text));
  }
  internal::FillMetrics(collected.bytes, collected.blocks, response.mutable_metrics());
  return response;
}

Result<tempopb::SearchTagValuesResponse> RunTagValuesV1(const querier::Querier& querier,
                                                        const RequestContext& ctx,
                                                        const std::vector<std::string>& tenants,
                                                        const TagValuesRequest& request) {
  TEMPO_ASSIGN_OR_RETURN(TagValues collected, Collect(querier, ctx, tenants, request));
  std::set<std::string> unique;
  for (const auto& [type, text] : collected.values) unique.insert(text);
  tempopb::SearchTagValuesResponse response;
  for (const std::string& text : unique) *response.add_tagvalues() = model::ToValidUtf8(text);
  internal::FillMetrics(collected.bytes, collected.blocks, response.mutable_metrics());
  return response;
}

}  // namespace tempo::api::query
