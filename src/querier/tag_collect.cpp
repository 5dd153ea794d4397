#include "querier/tag_collect.h"

#include <algorithm>

#include "tempo/model/tempo_json.h"
#include "tempopb/tempo.pb.h"

namespace tempo::querier {
namespace {

namespace common_pb = opentelemetry::proto::common::v1;

// Go's %g-like shortest form of a float tag value, with ".0" when it looks like an integer.
std::string FloatText(double value) {
  std::string out;
  model::AppendJsonDouble(out, value);
  if (!out.empty() && out.front() == '"') out = out.substr(1, out.size() - 2);
  if (out.find_first_of(".eIN") == std::string::npos) out += ".0";
  return out;
}

template <typename KeyValues>
bool AddKeys(const KeyValues& attributes, TagScope scope, DistinctTagValues* out) {
  for (const auto& kv : attributes) {
    if (!out->Add(TagScopeName(scope), kv.key())) return false;
  }
  return true;
}

template <typename KeyValues>
bool AddValuesOf(const KeyValues& attributes, const std::string& key, DistinctTagValues* out) {
  std::string type, text;
  for (const auto& kv : attributes) {
    if (kv.key() != key || !TypedTagValue(kv.value(), &type, &text)) continue;
    if (!out->Add(type, text)) return false;
  }
  return true;
}

bool Has(uint8_t owners, TagScope scope) { return (owners & block::OwnerBit(scope)) != 0; }

}  // namespace

bool TypedTagValue(const common_pb::AnyValue& value, std::string* type, std::string* text) {
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
    case common_pb::AnyValue::kDoubleValue:
      *type = "float";
      *text = FloatText(value.double_value());
      return true;
    default:
      return false;
  }
}

void TypedTagValue(const block::TagValueRef& value, std::string* type, std::string* text) {
  switch (value.type) {
    case block::TagValueRef::Type::kString:
      *type = "string";
      text->assign(value.str);
      return;
    case block::TagValueRef::Type::kInt:
      *type = "int";
      *text = std::to_string(value.int_value);
      return;
    case block::TagValueRef::Type::kBool:
      *type = "bool";
      *text = value.int_value != 0 ? "true" : "false";
      return;
    case block::TagValueRef::Type::kDouble:
      *type = "float";
      *text = FloatText(value.double_value);
      return;
  }
}

std::vector<uint32_t> SelectedSpans(const std::optional<traceql::SearchQuery>& filter,
                                    const traceql::TraceView& trace) {
  std::vector<uint32_t> spans;
  if (filter && !MatchesEverySpan(*filter)) {
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

void CollectTagNames(const traceql::TraceView& trace, const std::vector<uint32_t>& spans,
                     DistinctTagValues* out) {
  for (uint32_t i : spans) {
    const traceql::SpanRef& ref = trace.spans()[i];
    if (!AddKeys(ref.resource->attributes(), TagScope::kResource, out) ||
        !AddKeys(ref.span->attributes(), TagScope::kSpan, out)) {
      return;
    }
    for (const auto& event : ref.span->events()) {
      if (!AddKeys(event.attributes(), TagScope::kEvent, out)) return;
    }
    for (const auto& link : ref.span->links()) {
      if (!AddKeys(link.attributes(), TagScope::kLink, out)) return;
    }
    if (!AddKeys(ref.scope->attributes(), TagScope::kScope, out)) return;
  }
}

void CollectTagValues(const block::TagColumn& column, const traceql::TraceView& trace,
                      const std::vector<uint32_t>& spans, DistinctTagValues* out) {
  using Kind = block::TagColumn::Kind;
  if (spans.empty()) return;
  if (column.kind == Kind::kRootSpanName || column.kind == Kind::kRootServiceName) {
    const std::string_view root =
        column.kind == Kind::kRootSpanName ? trace.root_span_name() : trace.root_service_name();
    if (trace.root() >= 0 && !root.empty()) out->Add("string", root);
    return;
  }
  for (uint32_t i : spans) {
    const traceql::SpanRef& ref = trace.spans()[i];
    if (column.kind == Kind::kSpanName) {
      if (!out->Add("string", ref.span->name())) return;
      continue;
    }
    if (column.kind == Kind::kSpanStatusMessage) {
      if (!out->Add("string", ref.span->status().message())) return;
      continue;
    }
    const uint8_t owners = column.owners;
    if (Has(owners, TagScope::kSpan) && !AddValuesOf(ref.span->attributes(), column.key, out)) {
      return;
    }
    if (Has(owners, TagScope::kResource) &&
        !AddValuesOf(ref.resource->attributes(), column.key, out)) {
      return;
    }
    if (Has(owners, TagScope::kEvent)) {
      for (const auto& e : ref.span->events()) {
        if (!AddValuesOf(e.attributes(), column.key, out)) return;
      }
    }
    if (Has(owners, TagScope::kLink)) {
      for (const auto& l : ref.span->links()) {
        if (!AddValuesOf(l.attributes(), column.key, out)) return;
      }
    }
    if (Has(owners, TagScope::kScope) && !AddValuesOf(ref.scope->attributes(), column.key, out)) {
      return;
    }
  }
}

}  // namespace tempo::querier
