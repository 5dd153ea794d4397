// Tag name and tag value endpoints of the HTTP API (spec/query-api.md §8.9-§8.12).
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>

#include "tempo/api/http_api.h"
#include "api/http/handler_util.h"
#include "search_params.h"
#include "tempo/common/log.h"
#include "tempo/common/tenant.h"
#include "tempo/model/tempo_json.h"
#include "tempo/traceql/engine.h"
#include "tempo/traceql/parser.h"
#include "tempopb/tempo.pb.h"

namespace tempo::api {
namespace {

namespace http = boost::beast::http;
namespace common_pb = opentelemetry::proto::common::v1;
using http_util::BadRequest;
using http_util::InternalError;
using http_util::NowUnixNano;
using http_util::WantsProtobuf;

std::optional<traceql::SearchQuery> LenientFilter(const std::map<std::string, std::string>& query) {
  auto it = query.find("q");
  if (it == query.end() || it->second.empty()) return std::nullopt;
  Result<traceql::SearchQuery> compiled = traceql::SearchQuery::Compile(it->second);
  if (!compiled.ok()) return std::nullopt;
  return std::move(compiled).value();
}

// The spans of `trace` the filter selects (every span without a filter or on evaluation error).
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

struct TimeWindow {
  uint64_t start_nano = 0;
  uint64_t end_nano = 0;
};

// start/end of the tag endpoints: seconds, both or neither (default: the last 15 minutes).
Status ParseTagWindow(const std::map<std::string, std::string>& query, TimeWindow* window) {
  std::optional<uint32_t> start, end;
  TEMPO_RETURN_IF_ERROR(ParseUint32Param(query, "start", &start));
  TEMPO_RETURN_IF_ERROR(ParseUint32Param(query, "end", &end));
  uint64_t now = NowUnixNano();
  if (!start && !end) {
    window->end_nano = now;
    window->start_nano = now - 15ull * 60 * 1'000'000'000;
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
  window->end_nano = std::min<uint64_t>(uint64_t{*end} * 1'000'000'000 + 999'999'999, now);
  if (window->end_nano < window->start_nano) window->start_nano = 0;
  return Status::Ok();
}

uint32_t LenientLimit(const std::map<std::string, std::string>& query) {
  auto it = query.find("limit");
  if (it == query.end()) return 0;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end != '\0' || errno == ERANGE || it->second[0] == '-' ||
      v > UINT32_MAX) {
    return 0;
  }
  return static_cast<uint32_t>(v);
}

constexpr std::string_view kIntrinsicTags[] = {
    "duration",        "event:name",         "event:timeSinceStart", "instrumentation:name",
    "instrumentation:version", "kind",       "link:spanID",          "link:traceID",
    "name",            "rootName",           "rootServiceName",      "span:duration",
    "span:id",         "span:kind",          "span:name",            "span:parentID",
    "span:status",     "span:statusMessage", "status",               "statusMessage",
    "trace:duration",  "trace:id",           "trace:rootName",       "trace:rootService",
    "traceDuration"};

// Attribute names of the selected spans, per scope.
struct TagNames {
  std::set<std::string> resource, span, event, link, instrumentation;
  bool any = false;
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

void AddLimited(const std::set<std::string>& values, uint32_t limit,
                google::protobuf::RepeatedPtrField<std::string>* out) {
  for (const std::string& v : values) {
    if (limit && static_cast<uint32_t>(out->size()) >= limit) break;
    *out->Add() = v;
  }
}

// A tag of the v2 values endpoint, recognised.
struct ParsedTag {
  enum Kind { kCustom, kName, kStatus, kKind, kEmpty, kRootName, kRootService, kStatusMessage };
  Kind kind = kCustom;
  traceql::AttributeScope scope = traceql::AttributeScope::kNone;
  std::string name;
};

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
  for (std::string_view intrinsic : kIntrinsicTags) {
    if (tag == intrinsic) {
      parsed.kind = ParsedTag::kEmpty;
      return parsed;
    }
  }
  static const std::pair<std::string_view, traceql::AttributeScope> kScopes[] = {
      {"resource.", traceql::AttributeScope::kResource},
      {"span.", traceql::AttributeScope::kSpan},
      {"event.", traceql::AttributeScope::kEvent},
      {"link.", traceql::AttributeScope::kLink},
      {"instrumentation.", traceql::AttributeScope::kInstrumentation},
      {".", traceql::AttributeScope::kNone},
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
  std::string detail = parsed.ok() ? "unknown identifier: " + std::string(tag)
                                   : parsed.status().message();
  return "please provide a valid tagName: failed to parse identifier " + std::string(tag) + ": " +
         detail;
}

}  // namespace

void HttpApi::HandleSearchTags(net::IncomingRequest&& incoming, net::Responder respond, bool v2) {
  const net::HttpRequest& request = incoming.message;
  std::vector<std::string> tenants;
  if (!RequestTenants(request, respond, &tenants)) return;
  auto query = net::ParseQuery(incoming.query);
  std::string scope;
  if (auto it = query.find("scope"); it != query.end()) scope = it->second;
  static const std::set<std::string> kScopes = {"",     "none",     "span",
                                                "resource", "event", "link",
                                                "instrumentation", "trace", "intrinsic"};
  if (!kScopes.count(scope)) {
    respond(BadRequest(request, "invalid scope: " + scope));
    return;
  }
  if (auto it = query.find("q"); it != query.end() && it->second.size() > kMaxQueryBytes) {
    respond(BadRequest(request, QueryTooLargeMessage()));
    return;
  }
  TimeWindow window;
  if (Status s = ParseTagWindow(query, &window); !s.ok()) {
    respond(BadRequest(request, s.message()));
    return;
  }
  uint32_t limit = LenientLimit(query);
  std::optional<traceql::SearchQuery> filter = LenientFilter(query);
  boost::asio::post(query_pool_, [this, v2, scope, limit, window, filter = std::move(filter),
                                  tenants = std::move(tenants),
                                  header = net::HttpRequest(request.base()),
                                  respond = std::move(respond)]() {
    TagNames names;
    uint64_t bytes = 0;
    uint32_t blocks = 0;
    for (const std::string& tenant : tenants) {
      RequestContext ctx;
      ctx.tenant = tenant;
      Status s = querier_.ForEachTrace(
          ctx, window.start_nano, window.end_nano,
          [&](traceql::TraceView&& trace) {
            CollectNames(trace, SelectedSpans(filter, trace), &names);
            return true;
          },
          &bytes, &blocks);
      if (!s.ok()) {
        respond(InternalError(header, s));
        return;
      }
    }
    // Tempo's storage always reports resource `service.name` when any data is in range.
    if (names.any) names.resource.insert("service.name");
    const bool all = scope.empty() || scope == "none";
    const std::pair<std::string_view, const std::set<std::string>*> scoped[] = {
        {"resource", &names.resource}, {"span", &names.span}, {"event", &names.event},
        {"link", &names.link},         {"instrumentation", &names.instrumentation}};
    std::set<std::string> intrinsics(std::begin(kIntrinsicTags), std::end(kIntrinsicTags));
    auto fill_metrics = [&](tempopb::MetadataMetrics* m) {
      m->set_inspectedbytes(bytes);
      m->set_totalblocks(blocks);
      m->set_totaljobs(blocks + 1);
      m->set_completedjobs(blocks + 1);
    };
    bool protobuf = WantsProtobuf(header);
    std::string body;
    if (v2) {
      tempopb::SearchTagsV2Response response;
      if (all || scope == "intrinsic") {
        auto* s = response.add_scopes();
        s->set_name("intrinsic");
        AddLimited(intrinsics, limit, s->mutable_tags());
      }
      for (const auto& [name, set] : scoped) {
        if (!(all || scope == name) || set->empty()) continue;
        auto* s = response.add_scopes();
        s->set_name(std::string(name));
        AddLimited(*set, limit, s->mutable_tags());
      }
      fill_metrics(response.mutable_metrics());
      body = protobuf ? response.SerializeAsString() : model::SearchTagsV2ResponseToJson(response);
    } else {
      tempopb::SearchTagsResponse response;
      std::set<std::string> merged;
      if (scope == "intrinsic") merged = intrinsics;
      for (const auto& [name, set] : scoped) {
        if (all || scope == name) merged.insert(set->begin(), set->end());
      }
      AddLimited(merged, limit, response.mutable_tagnames());
      fill_metrics(response.mutable_metrics());
      body = protobuf ? response.SerializeAsString() : model::SearchTagsResponseToJson(response);
    }
    respond(net::MakeResponse(header, http::status::ok, std::move(body),
                              protobuf ? "application/protobuf" : "application/json"));
  });
}

void HttpApi::HandleTagValues(net::IncomingRequest&& incoming, net::Responder respond, bool v2) {
  const net::HttpRequest& request = incoming.message;
  std::vector<std::string> tenants;
  if (!RequestTenants(request, respond, &tenants)) return;
  std::string_view path = incoming.path;
  std::string_view prefix = v2 ? "/api/v2/search/tag/" : "/api/search/tag/";
  std::string_view rest = path.substr(prefix.size());
  if (!rest.ends_with("/values")) {
    respond(net::MakeResponse(request, http::status::not_found, "404 page not found\n"));
    return;
  }
  std::string tag = net::PercentDecode(rest.substr(0, rest.size() - std::string_view("/values").size()));
  if (tag.empty()) {
    respond(BadRequest(request, "please provide a non-empty tagName"));
    return;
  }
  ParsedTag parsed;
  if (v2) {
    std::optional<ParsedTag> recognized = RecognizeTag(tag);
    if (!recognized) {
      respond(BadRequest(request, TagError(tag)));
      return;
    }
    parsed = *recognized;
  } else {
    parsed.name = tag;
  }
  auto query = net::ParseQuery(incoming.query);
  if (auto it = query.find("q"); it != query.end() && it->second.size() > kMaxQueryBytes) {
    respond(BadRequest(request, QueryTooLargeMessage()));
    return;
  }
  TimeWindow window;
  if (Status s = ParseTagWindow(query, &window); !s.ok()) {
    respond(BadRequest(request, s.message()));
    return;
  }
  uint32_t limit = LenientLimit(query);
  std::optional<traceql::SearchQuery> filter = v2 ? LenientFilter(query) : std::nullopt;
  boost::asio::post(query_pool_, [this, v2, parsed = std::move(parsed), limit, window,
                                  filter = std::move(filter), tenants = std::move(tenants),
                                  header = net::HttpRequest(request.base()),
                                  respond = std::move(respond)]() {
    std::set<std::pair<std::string, std::string>> values;  // (type, value)
    uint64_t bytes = 0;
    uint32_t blocks = 0;
    auto add = [&](std::string type, std::string value) {
      if (limit && values.size() >= limit) return;
      values.emplace(std::move(type), std::move(value));
    };
    auto add_attrs = [&](const auto& attributes) {
      for (const auto& kv : attributes) {
        if (kv.key() != parsed.name) continue;
        std::string type, text;
        if (TypedValue(kv.value(), &type, &text)) add(std::move(type), std::move(text));
      }
    };
    using Scope = traceql::AttributeScope;
    if (parsed.kind == ParsedTag::kStatus) {
      for (const char* v : {"ok", "error", "unset"}) add("keyword", v);
    } else if (parsed.kind == ParsedTag::kKind) {
      for (const char* v : {"client", "server", "producer", "consumer", "internal", "unspecified"}) {
        add("keyword", v);
      }
    } else if (parsed.kind != ParsedTag::kEmpty) {
      for (const std::string& tenant : tenants) {
        RequestContext ctx;
        ctx.tenant = tenant;
        Status s = querier_.ForEachTrace(
            ctx, window.start_nano, window.end_nano,
            [&](traceql::TraceView&& trace) {
              std::vector<uint32_t> spans = SelectedSpans(filter, trace);
              if (spans.empty()) return true;
              switch (parsed.kind) {
                case ParsedTag::kRootName:
                  if (trace.root() >= 0) add("string", std::string(trace.root_span_name()));
                  return true;
                case ParsedTag::kRootService:
                  if (trace.root() >= 0) add("string", std::string(trace.root_service_name()));
                  return true;
                default:
                  break;
              }
              for (uint32_t i : spans) {
                const traceql::SpanRef& ref = trace.spans()[i];
                if (parsed.kind == ParsedTag::kName) {
                  add("string", ref.span->name());
                } else if (parsed.kind == ParsedTag::kStatusMessage) {
                  add("string", ref.span->status().message());
                } else if (!v2) {
                  add_attrs(ref.span->attributes());
                  add_attrs(ref.resource->attributes());
                } else {
                  Scope scope = parsed.scope;
                  if (scope == Scope::kNone || scope == Scope::kSpan) {
                    add_attrs(ref.span->attributes());
                  }
                  if (scope == Scope::kNone || scope == Scope::kResource) {
                    add_attrs(ref.resource->attributes());
                  }
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
              }
              return true;
            },
            &bytes, &blocks);
        if (!s.ok()) {
          respond(InternalError(header, s));
          return;
        }
      }
    }
    bool protobuf = WantsProtobuf(header);
    std::string body;
    auto fill_metrics = [&](tempopb::MetadataMetrics* m) {
      m->set_inspectedbytes(bytes);
      m->set_totalblocks(blocks);
      m->set_totaljobs(blocks + 1);
      m->set_completedjobs(blocks + 1);
    };
    if (v2) {
      tempopb::SearchTagValuesV2Response response;
      // Fixed keyword lists keep Tempo's order; storage values are sorted (type, value).
      if (parsed.kind == ParsedTag::kStatus || parsed.kind == ParsedTag::kKind) {
        std::vector<std::string> order =
            parsed.kind == ParsedTag::kStatus
                ? std::vector<std::string>{"ok", "error", "unset"}
                : std::vector<std::string>{"client",   "server",   "producer",
                                           "consumer", "internal", "unspecified"};
        for (const std::string& v : order) {
          auto* tv = response.add_tagvalues();
          tv->set_type("keyword");
          tv->set_value(v);
        }
      } else {
        for (const auto& [type, value] : values) {
          auto* tv = response.add_tagvalues();
          tv->set_type(type);
          tv->set_value(model::ToValidUtf8(value));
        }
      }
      fill_metrics(response.mutable_metrics());
      body = protobuf ? response.SerializeAsString()
                      : model::SearchTagValuesV2ResponseToJson(response);
    } else {
      tempopb::SearchTagValuesResponse response;
      std::set<std::string> unique;
      for (const auto& [type, value] : values) unique.insert(value);
      for (const std::string& v : unique) *response.add_tagvalues() = model::ToValidUtf8(v);
      fill_metrics(response.mutable_metrics());
      body = protobuf ? response.SerializeAsString()
                      : model::SearchTagValuesResponseToJson(response);
    }
    respond(net::MakeResponse(header, http::status::ok, std::move(body),
                              protobuf ? "application/protobuf" : "application/json"));
  });
}

}  // namespace tempo::api
