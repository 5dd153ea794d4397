#include "block/trace_rows.h"

#include <algorithm>
#include <cstring>
#include <functional>

#include "block/any_value_codec.h"
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

// Sets a string field from a view without a temporary std::string: protobuf's (pointer, size)
// setter, which needs a non-null pointer even for an empty value.
template <typename Setter>
void SetFrom(std::string_view v, Setter set) {
  set(v.empty() ? "" : v.data(), v.size());
}

Status FillKeyValues(const TraceRows& rows, TraceRows::Range range,
                     google::protobuf::RepeatedPtrField<otlp_common::KeyValue>* out) {
  out->Reserve(static_cast<int>(range.size()));
  for (uint32_t k = range.begin; k < range.end; ++k) {
    const TraceRows::Attr& a = rows.attrs[k];
    otlp_common::KeyValue* kv = out->Add();
    SetFrom(a.key, [&](const char* p, size_t n) { kv->set_key(p, n); });
    if (a.type == AttrType::kUnset) continue;
    otlp_common::AnyValue* v = kv->mutable_value();
    switch (a.type) {
      case AttrType::kString:
        SetFrom(a.bytes, [&](const char* p, size_t n) { v->set_string_value(p, n); });
        break;
      case AttrType::kBool:
        v->set_bool_value(a.int_value != 0);
        break;
      case AttrType::kInt:
        v->set_int_value(a.int_value);
        break;
      case AttrType::kDouble:
        v->set_double_value(a.double_value);
        break;
      case AttrType::kBytes:
        SetFrom(a.bytes, [&](const char* p, size_t n) { v->set_bytes_value(p, n); });
        break;
      case AttrType::kComplex:
        if (a.complex != nullptr) {
          *v = *a.complex;
        } else if (a.block_encoded) {
          TEMPO_RETURN_IF_ERROR(DecodeAnyValue(a.bytes, v));
        } else if (!v->ParseFromArray(a.bytes.data(), static_cast<int>(a.bytes.size()))) {
          return CorruptionError("attribute '" + std::string(a.key) + "': value does not parse");
        }
        break;
      default:  // kEmpty: a value with nothing set
        break;
    }
  }
  return Status::Ok();
}

}  // namespace

std::string_view ComplexEncoding(const TraceRows::Attr& a, std::string* scratch,
                                 otlp_common::AnyValue* parsed) {
  if (a.block_encoded) return a.bytes;
  const otlp_common::AnyValue* value = a.complex;
  if (value == nullptr) {
    parsed->ParseFromArray(a.bytes.data(), static_cast<int>(a.bytes.size()));
    value = parsed;
  }
  scratch->clear();
  EncodeAnyValue(*value, scratch);
  return *scratch;
}

bool TraceRows::IsCombined() const {
  // Two owners count as the same unless both have origins and these differ.
  auto same = [](const Owner& a, const Owner& b) {
    return a.origin == 0 || b.origin == 0 || a.origin == b.origin;
  };
  for (size_t r = 0; r < resource_spans.size(); ++r) {
    const ResourceSpans& rs = resource_spans[r];
    if (!rs.resource.present || rs.resource.attrs.size() == 0 || rs.scope_spans.size() == 0) {
      return false;
    }
    for (size_t o = 0; o < r; ++o) {
      const ResourceSpans& other = resource_spans[o];
      if (other.schema_url == rs.schema_url && same(other.resource, rs.resource)) return false;
    }
    for (uint32_t k = rs.scope_spans.begin; k < rs.scope_spans.end; ++k) {
      const ScopeSpans& ss = scope_spans[k];
      if (ss.spans.size() == 0) return false;
      for (uint32_t o = rs.scope_spans.begin; o < k; ++o) {
        const ScopeSpans& other = scope_spans[o];
        if (other.schema_url == ss.schema_url && same(other.scope, ss.scope)) return false;
      }
    }
  }
  std::vector<uint64_t> keys;
  keys.reserve(span_order.size());
  for (uint32_t i : span_order) {
    const Span& s = spans[i];
    if (!s.status_present) return false;
    uint64_t id = 0;
    if (s.span_id.size() == sizeof id) {
      std::memcpy(&id, s.span_id.data(), sizeof id);
    } else {
      id = std::hash<std::string_view>()(s.span_id);
    }
    keys.push_back(id ^ (static_cast<uint64_t>(static_cast<uint32_t>(s.kind)) * 0x9E3779B97F4A7C15u));
  }
  std::sort(keys.begin(), keys.end());
  return std::adjacent_find(keys.begin(), keys.end()) == keys.end();
}

Status TraceRows::ToMessage(tempopb::Trace* out) const {
  out->Clear();
  for (const ResourceSpans& rs : resource_spans) {
    auto* out_rs = out->add_resourcespans();
    if (rs.resource.present) {
      auto* r = out_rs->mutable_resource();
      r->set_dropped_attributes_count(rs.resource.dropped_attributes);
      TEMPO_RETURN_IF_ERROR(FillKeyValues(*this, rs.resource.attrs, r->mutable_attributes()));
    }
    SetFrom(rs.schema_url, [&](const char* p, size_t n) { out_rs->set_schema_url(p, n); });
    for (uint32_t k = rs.scope_spans.begin; k < rs.scope_spans.end; ++k) {
      const ScopeSpans& ss = scope_spans[k];
      auto* out_ss = out_rs->add_scope_spans();
      if (ss.scope.present) {
        auto* scope = out_ss->mutable_scope();
        SetFrom(ss.scope.name, [&](const char* p, size_t n) { scope->set_name(p, n); });
        SetFrom(ss.scope.version, [&](const char* p, size_t n) { scope->set_version(p, n); });
        scope->set_dropped_attributes_count(ss.scope.dropped_attributes);
        TEMPO_RETURN_IF_ERROR(FillKeyValues(*this, ss.scope.attrs, scope->mutable_attributes()));
      }
      SetFrom(ss.schema_url, [&](const char* p, size_t n) { out_ss->set_schema_url(p, n); });
      out_ss->mutable_spans()->Reserve(static_cast<int>(ss.spans.size()));
      for (uint32_t pos = ss.spans.begin; pos < ss.spans.end; ++pos) {
        const Span& in = span(pos);
        auto* s = out_ss->add_spans();
        SetFrom(in.trace_id, [&](const char* p, size_t n) { s->set_trace_id(p, n); });
        SetFrom(in.span_id, [&](const char* p, size_t n) { s->set_span_id(p, n); });
        SetFrom(in.trace_state, [&](const char* p, size_t n) { s->set_trace_state(p, n); });
        SetFrom(in.parent_span_id, [&](const char* p, size_t n) { s->set_parent_span_id(p, n); });
        SetFrom(in.name, [&](const char* p, size_t n) { s->set_name(p, n); });
        s->set_kind(static_cast<opentelemetry::proto::trace::v1::Span_SpanKind>(in.kind));
        s->set_start_time_unix_nano(in.start);
        s->set_end_time_unix_nano(in.end);
        s->set_flags(in.flags);
        if (in.status_present) {
          auto* status = s->mutable_status();
          status->set_code(static_cast<opentelemetry::proto::trace::v1::Status_StatusCode>(
              in.status_code));
          SetFrom(in.status_message, [&](const char* p, size_t n) { status->set_message(p, n); });
        }
        s->set_dropped_attributes_count(in.dropped_attributes);
        s->set_dropped_events_count(in.dropped_events);
        s->set_dropped_links_count(in.dropped_links);
        TEMPO_RETURN_IF_ERROR(FillKeyValues(*this, in.attrs, s->mutable_attributes()));
        s->mutable_events()->Reserve(static_cast<int>(in.events.size()));
        for (uint32_t e = in.events.begin; e < in.events.end; ++e) {
          const Event& ev = events[e];
          auto* out_ev = s->add_events();
          out_ev->set_time_unix_nano(ev.time);
          SetFrom(ev.name, [&](const char* p, size_t n) { out_ev->set_name(p, n); });
          out_ev->set_dropped_attributes_count(ev.dropped_attributes);
          TEMPO_RETURN_IF_ERROR(FillKeyValues(*this, ev.attrs, out_ev->mutable_attributes()));
        }
        for (uint32_t l = in.links.begin; l < in.links.end; ++l) {
          const Link& link = links[l];
          auto* out_link = s->add_links();
          SetFrom(link.trace_id, [&](const char* p, size_t n) { out_link->set_trace_id(p, n); });
          SetFrom(link.span_id, [&](const char* p, size_t n) { out_link->set_span_id(p, n); });
          SetFrom(link.trace_state,
                  [&](const char* p, size_t n) { out_link->set_trace_state(p, n); });
          out_link->set_flags(link.flags);
          out_link->set_dropped_attributes_count(link.dropped_attributes);
          TEMPO_RETURN_IF_ERROR(FillKeyValues(*this, link.attrs, out_link->mutable_attributes()));
        }
      }
    }
  }
  return Status::Ok();
}

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
