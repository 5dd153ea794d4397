#include "block/trace_rows.h"

#include "tempopb/tempo.pb.h"

namespace tempo::block {
namespace {

namespace otlp_common = opentelemetry::proto::common::v1;

AttrType TypeOf(const otlp_common::KeyValue& kv) {
  if (!kv.has_value()) return AttrType::kUnset;
  switch (kv.value().value_case()) {
    case otlp_common::AnyValue::kStringValue:
      return AttrType::kString;
    case otlp_common::AnyValue::kBoolValue:
      return AttrType::kBool;
    case otlp_common::AnyValue::kIntValue:
      return AttrType::kInt;
    case otlp_common::AnyValue::kDoubleValue:
      return AttrType::kDouble;
    case otlp_common::AnyValue::kBytesValue:
      return AttrType::kBytes;
    case otlp_common::AnyValue::VALUE_NOT_SET:
      return AttrType::kEmpty;
    default:
      return AttrType::kComplex;  // arrays, kvlists, string_value_strindex
  }
}

TraceRows::Range AddAttrs(const google::protobuf::RepeatedPtrField<otlp_common::KeyValue>& kvs,
                          std::vector<TraceRows::Attr>* out) {
  TraceRows::Range range;
  range.begin = static_cast<uint32_t>(out->size());
  for (const otlp_common::KeyValue& kv : kvs) {
    TraceRows::Attr& a = out->emplace_back();
    a.key = kv.key();
    a.type = TypeOf(kv);
    const otlp_common::AnyValue& v = kv.value();
    switch (a.type) {
      case AttrType::kString:
        a.bytes = v.string_value();
        break;
      case AttrType::kBytes:
        a.bytes = v.bytes_value();
        break;
      case AttrType::kBool:
        a.int_value = v.bool_value() ? 1 : 0;
        break;
      case AttrType::kInt:
        a.int_value = v.int_value();
        break;
      case AttrType::kDouble:
        a.double_value = v.double_value();
        break;
      case AttrType::kComplex:
        a.complex = &v;
        break;
      default:
        break;
    }
  }
  range.end = static_cast<uint32_t>(out->size());
  return range;
}

}  // namespace

void TraceRows::Clear() {
  resource_spans.clear();
  scope_spans.clear();
  span_order.clear();
  spans.clear();
  events.clear();
  links.clear();
  attrs.clear();
  duplicate_spans = 0;
}

void TraceRows::FromMessage(const tempopb::Trace& trace) {
  Clear();
  for (const auto& rs : trace.resourcespans()) {
    ResourceSpans& out_rs = resource_spans.emplace_back();
    out_rs.resource.present = rs.has_resource();
    if (out_rs.resource.present) {
      const auto& r = rs.resource();
      out_rs.resource.dropped_attributes = r.dropped_attributes_count();
      out_rs.resource.attrs = AddAttrs(r.attributes(), &attrs);
    }
    out_rs.schema_url = rs.schema_url();
    out_rs.scope_spans.begin = static_cast<uint32_t>(scope_spans.size());
    for (const auto& ss : rs.scope_spans()) {
      ScopeSpans& out_ss = scope_spans.emplace_back();
      out_ss.scope.present = ss.has_scope();
      if (out_ss.scope.present) {
        const auto& scope = ss.scope();
        out_ss.scope.name = scope.name();
        out_ss.scope.version = scope.version();
        out_ss.scope.dropped_attributes = scope.dropped_attributes_count();
        out_ss.scope.attrs = AddAttrs(scope.attributes(), &attrs);
      }
      out_ss.schema_url = ss.schema_url();
      out_ss.spans.begin = static_cast<uint32_t>(span_order.size());
      for (const auto& s : ss.spans()) {
        span_order.push_back(static_cast<uint32_t>(spans.size()));
        Span& out = spans.emplace_back();
        out.trace_id = s.trace_id();
        out.span_id = s.span_id();
        out.trace_state = s.trace_state();
        out.parent_span_id = s.parent_span_id();
        out.name = s.name();
        out.kind = s.kind();
        out.flags = s.flags();
        out.start = s.start_time_unix_nano();
        out.end = s.end_time_unix_nano();
        out.status_present = s.has_status();
        out.status_code = s.status().code();
        out.status_message = s.status().message();
        out.dropped_attributes = s.dropped_attributes_count();
        out.dropped_events = s.dropped_events_count();
        out.dropped_links = s.dropped_links_count();
        out.attrs = AddAttrs(s.attributes(), &attrs);
        out.events.begin = static_cast<uint32_t>(events.size());
        for (const auto& ev : s.events()) {
          Event& e = events.emplace_back();
          e.time = ev.time_unix_nano();
          e.name = ev.name();
          e.dropped_attributes = ev.dropped_attributes_count();
          e.attrs = AddAttrs(ev.attributes(), &attrs);
        }
        out.events.end = static_cast<uint32_t>(events.size());
        out.links.begin = static_cast<uint32_t>(links.size());
        for (const auto& link : s.links()) {
          Link& l = links.emplace_back();
          l.trace_id = link.trace_id();
          l.span_id = link.span_id();
          l.trace_state = link.trace_state();
          l.flags = link.flags();
          l.dropped_attributes = link.dropped_attributes_count();
          l.attrs = AddAttrs(link.attributes(), &attrs);
        }
        out.links.end = static_cast<uint32_t>(links.size());
      }
      out_ss.spans.end = static_cast<uint32_t>(span_order.size());
    }
    out_rs.scope_spans.end = static_cast<uint32_t>(scope_spans.size());
  }
}

}  // namespace tempo::block
