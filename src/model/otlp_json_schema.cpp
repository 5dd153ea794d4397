#include "model/otlp_json_schema.h"

#include <cstddef>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace tempo::model::otlp_json {
namespace {

namespace collectorpb = opentelemetry::proto::collector::trace::v1;
namespace commonpb = opentelemetry::proto::common::v1;
namespace resourcepb = opentelemetry::proto::resource::v1;
namespace tracepb = opentelemetry::proto::trace::v1;

constexpr Shape kS = Shape::kScalar;
constexpr Shape kM = Shape::kMessage;
constexpr Shape kR = Shape::kRepeated;

constexpr FieldSpec kRequestFields[] = {
    {"resourceSpans", "resource_spans", Field::kResourceSpans, kR, Msg::kResourceSpans},
};
constexpr FieldSpec kResourceSpansFields[] = {
    {"resource", "", Field::kRsResource, kM, Msg::kResource},
    {"scopeSpans", "scope_spans", Field::kRsScopeSpans, kR, Msg::kScopeSpans},
    {"schemaUrl", "schema_url", Field::kRsSchemaUrl, kS, Msg::kRequest},
    {"deprecatedScopeSpans", "deprecated_scope_spans", Field::kRsDeprecatedScopeSpans, kR,
     Msg::kScopeSpans},
    {"instrumentationLibrarySpans", "instrumentation_library_spans", Field::kRsDeprecatedScopeSpans,
     kR, Msg::kScopeSpans},
};
constexpr FieldSpec kResourceFields[] = {
    {"attributes", "", Field::kResAttributes, kR, Msg::kKeyValue},
    {"droppedAttributesCount", "dropped_attributes_count", Field::kResDroppedAttributes, kS,
     Msg::kRequest},
};
constexpr FieldSpec kScopeSpansFields[] = {
    {"scope", "", Field::kSsScope, kM, Msg::kScope},
    {"spans", "", Field::kSsSpans, kR, Msg::kSpan},
    {"schemaUrl", "schema_url", Field::kSsSchemaUrl, kS, Msg::kRequest},
    {"instrumentationLibrary", "instrumentation_library", Field::kSsScope, kM, Msg::kScope},
};
constexpr FieldSpec kScopeFields[] = {
    {"name", "", Field::kScName, kS, Msg::kRequest},
    {"version", "", Field::kScVersion, kS, Msg::kRequest},
    {"attributes", "", Field::kScAttributes, kR, Msg::kKeyValue},
    {"droppedAttributesCount", "dropped_attributes_count", Field::kScDroppedAttributes, kS,
     Msg::kRequest},
};
constexpr FieldSpec kSpanFields[] = {
    {"traceId", "trace_id", Field::kSpTraceId, kS, Msg::kRequest},
    {"spanId", "span_id", Field::kSpSpanId, kS, Msg::kRequest},
    {"parentSpanId", "parent_span_id", Field::kSpParentSpanId, kS, Msg::kRequest},
    {"name", "", Field::kSpName, kS, Msg::kRequest},
    {"kind", "", Field::kSpKind, kS, Msg::kRequest},
    {"startTimeUnixNano", "start_time_unix_nano", Field::kSpStart, kS, Msg::kRequest},
    {"endTimeUnixNano", "end_time_unix_nano", Field::kSpEnd, kS, Msg::kRequest},
    {"attributes", "", Field::kSpAttributes, kR, Msg::kKeyValue},
    {"status", "", Field::kSpStatus, kM, Msg::kStatus},
    {"events", "", Field::kSpEvents, kR, Msg::kEvent},
    {"links", "", Field::kSpLinks, kR, Msg::kLink},
    {"flags", "", Field::kSpFlags, kS, Msg::kRequest},
    {"traceState", "trace_state", Field::kSpTraceState, kS, Msg::kRequest},
    {"droppedAttributesCount", "dropped_attributes_count", Field::kSpDroppedAttributes, kS,
     Msg::kRequest},
    {"droppedEventsCount", "dropped_events_count", Field::kSpDroppedEvents, kS, Msg::kRequest},
    {"droppedLinksCount", "dropped_links_count", Field::kSpDroppedLinks, kS, Msg::kRequest},
};
constexpr FieldSpec kEventFields[] = {
    {"timeUnixNano", "time_unix_nano", Field::kEvTime, kS, Msg::kRequest},
    {"name", "", Field::kEvName, kS, Msg::kRequest},
    {"attributes", "", Field::kEvAttributes, kR, Msg::kKeyValue},
    {"droppedAttributesCount", "dropped_attributes_count", Field::kEvDroppedAttributes, kS,
     Msg::kRequest},
};
constexpr FieldSpec kLinkFields[] = {
    {"traceId", "trace_id", Field::kLkTraceId, kS, Msg::kRequest},
    {"spanId", "span_id", Field::kLkSpanId, kS, Msg::kRequest},
    {"traceState", "trace_state", Field::kLkTraceState, kS, Msg::kRequest},
    {"attributes", "", Field::kLkAttributes, kR, Msg::kKeyValue},
    {"droppedAttributesCount", "dropped_attributes_count", Field::kLkDroppedAttributes, kS,
     Msg::kRequest},
    {"flags", "", Field::kLkFlags, kS, Msg::kRequest},
};
constexpr FieldSpec kStatusFields[] = {
    {"message", "", Field::kStMessage, kS, Msg::kRequest},
    {"code", "", Field::kStCode, kS, Msg::kRequest},
};
constexpr FieldSpec kKeyValueFields[] = {
    {"key", "", Field::kKvKey, kS, Msg::kRequest},
    {"value", "", Field::kKvValue, kM, Msg::kAnyValue},
};
constexpr FieldSpec kAnyValueFields[] = {
    {"stringValue", "string_value", Field::kAvString, kS, Msg::kRequest},
    {"intValue", "int_value", Field::kAvInt, kS, Msg::kRequest},
    {"boolValue", "bool_value", Field::kAvBool, kS, Msg::kRequest},
    {"doubleValue", "double_value", Field::kAvDouble, kS, Msg::kRequest},
    {"arrayValue", "array_value", Field::kAvArray, kM, Msg::kArrayValue},
    {"kvlistValue", "kvlist_value", Field::kAvKvlist, kM, Msg::kKeyValueList},
    {"bytesValue", "bytes_value", Field::kAvBytes, kS, Msg::kRequest},
};
constexpr FieldSpec kArrayValueFields[] = {
    {"values", "", Field::kArrValues, kR, Msg::kAnyValue},
};
constexpr FieldSpec kKeyValueListFields[] = {
    {"values", "", Field::kKvlValues, kR, Msg::kKeyValue},
};

template <size_t N>
const FieldSpec* FindIn(const FieldSpec (&fields)[N], std::string_view key) {
  for (const FieldSpec& f : fields) {
    if (key == f.camel || (!f.snake.empty() && key == f.snake)) return &f;
  }
  return &kUnknownField;
}

}  // namespace

std::string_view MsgName(Msg msg) {
  switch (msg) {
    case Msg::kRequest:
      return "request";
    case Msg::kResourceSpans:
      return "resourceSpans";
    case Msg::kResource:
      return "resource";
    case Msg::kScopeSpans:
      return "scopeSpans";
    case Msg::kScope:
      return "scope";
    case Msg::kSpan:
      return "span";
    case Msg::kEvent:
      return "event";
    case Msg::kLink:
      return "link";
    case Msg::kStatus:
      return "status";
    case Msg::kKeyValue:
      return "keyValue";
    case Msg::kAnyValue:
      return "anyValue";
    case Msg::kArrayValue:
      return "arrayValue";
    case Msg::kKeyValueList:
      return "kvlistValue";
  }
  return "message";
}

const FieldSpec* FindField(Msg msg, std::string_view key) {
  switch (msg) {
    case Msg::kRequest:
      return FindIn(kRequestFields, key);
    case Msg::kResourceSpans:
      return FindIn(kResourceSpansFields, key);
    case Msg::kResource:
      return FindIn(kResourceFields, key);
    case Msg::kScopeSpans:
      return FindIn(kScopeSpansFields, key);
    case Msg::kScope:
      return FindIn(kScopeFields, key);
    case Msg::kSpan:
      return FindIn(kSpanFields, key);
    case Msg::kEvent:
      return FindIn(kEventFields, key);
    case Msg::kLink:
      return FindIn(kLinkFields, key);
    case Msg::kStatus:
      return FindIn(kStatusFields, key);
    case Msg::kKeyValue:
      return FindIn(kKeyValueFields, key);
    case Msg::kAnyValue:
      return FindIn(kAnyValueFields, key);
    case Msg::kArrayValue:
      return FindIn(kArrayValueFields, key);
    case Msg::kKeyValueList:
      return FindIn(kKeyValueListFields, key);
  }
  return &kUnknownField;
}

// Adds one element to the repeated message field `field` of `parent` and returns it.
void* AddElement(Field field, void* parent) {
  switch (field) {
    case Field::kResourceSpans:
      return static_cast<collectorpb::ExportTraceServiceRequest*>(parent)->add_resource_spans();
    case Field::kRsScopeSpans:
      return static_cast<tracepb::ResourceSpans*>(parent)->add_scope_spans();
    case Field::kRsDeprecatedScopeSpans:
      return static_cast<tracepb::ResourceSpans*>(parent)->add_deprecated_scope_spans();
    case Field::kResAttributes:
      return static_cast<resourcepb::Resource*>(parent)->add_attributes();
    case Field::kSsSpans:
      return static_cast<tracepb::ScopeSpans*>(parent)->add_spans();
    case Field::kScAttributes:
      return static_cast<commonpb::InstrumentationScope*>(parent)->add_attributes();
    case Field::kSpAttributes:
      return static_cast<tracepb::Span*>(parent)->add_attributes();
    case Field::kSpEvents:
      return static_cast<tracepb::Span*>(parent)->add_events();
    case Field::kSpLinks:
      return static_cast<tracepb::Span*>(parent)->add_links();
    case Field::kEvAttributes:
      return static_cast<tracepb::Span::Event*>(parent)->add_attributes();
    case Field::kLkAttributes:
      return static_cast<tracepb::Span::Link*>(parent)->add_attributes();
    case Field::kArrValues:
      return static_cast<commonpb::ArrayValue*>(parent)->add_values();
    case Field::kKvlValues:
      return static_cast<commonpb::KeyValueList*>(parent)->add_values();
    default:
      return nullptr;
  }
}

// Returns the (now present) singular message field `field` of `parent`.
void* MutableMessage(Field field, void* parent) {
  switch (field) {
    case Field::kRsResource:
      return static_cast<tracepb::ResourceSpans*>(parent)->mutable_resource();
    case Field::kSsScope:
      return static_cast<tracepb::ScopeSpans*>(parent)->mutable_scope();
    case Field::kSpStatus:
      return static_cast<tracepb::Span*>(parent)->mutable_status();
    case Field::kKvValue:
      return static_cast<commonpb::KeyValue*>(parent)->mutable_value();
    case Field::kAvArray:
      return static_cast<commonpb::AnyValue*>(parent)->mutable_array_value();
    case Field::kAvKvlist:
      return static_cast<commonpb::AnyValue*>(parent)->mutable_kvlist_value();
    default:
      return nullptr;
  }
}

}  // namespace tempo::model::otlp_json
