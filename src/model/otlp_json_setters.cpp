#include "model/otlp_json_setters.h"

#include <cstdint>
#include <string>
#include <utility>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace tempo::model::otlp_json {
namespace {

namespace commonpb = opentelemetry::proto::common::v1;
namespace resourcepb = opentelemetry::proto::resource::v1;
namespace tracepb = opentelemetry::proto::trace::v1;

Status SetString(Msg msg, const FieldSpec& f, Scalar& v, std::string* dst) {
  if (v.kind != Scalar::Kind::kString) return BadValue(msg, f, "a string", v);
  *dst = std::move(*v.s);
  return Status::Ok();
}

Status SetU32(Msg msg, const FieldSpec& f, const Scalar& v, uint32_t* dst) {
  if (!ToUint32(v, dst)) return BadValue(msg, f, "an unsigned 32-bit integer", v);
  return Status::Ok();
}

Status SetU64(Msg msg, const FieldSpec& f, const Scalar& v, uint64_t* dst) {
  if (!ToUint64(v, dst)) return BadValue(msg, f, "an unsigned 64-bit integer", v);
  return Status::Ok();
}

}  // namespace

// Sets the scalar field `f` of `target` (a message of type `msg`) from `v` (not null).
Status SetScalar(Msg msg, void* target, const FieldSpec& f, Scalar& v) {
  uint32_t u32 = 0;
  uint64_t u64 = 0;
  switch (f.field) {
    case Field::kRsSchemaUrl:
      return SetString(msg, f, v,
                       static_cast<tracepb::ResourceSpans*>(target)->mutable_schema_url());
    case Field::kResDroppedAttributes:
      TEMPO_RETURN_IF_ERROR(SetU32(msg, f, v, &u32));
      static_cast<resourcepb::Resource*>(target)->set_dropped_attributes_count(u32);
      return Status::Ok();
    case Field::kSsSchemaUrl:
      return SetString(msg, f, v, static_cast<tracepb::ScopeSpans*>(target)->mutable_schema_url());
    case Field::kScName:
      return SetString(msg, f, v,
                       static_cast<commonpb::InstrumentationScope*>(target)->mutable_name());
    case Field::kScVersion:
      return SetString(msg, f, v,
                       static_cast<commonpb::InstrumentationScope*>(target)->mutable_version());
    case Field::kScDroppedAttributes:
      TEMPO_RETURN_IF_ERROR(SetU32(msg, f, v, &u32));
      static_cast<commonpb::InstrumentationScope*>(target)->set_dropped_attributes_count(u32);
      return Status::Ok();
    case Field::kSpTraceId:
      return DecodeHexId(msg, f, v, 16, static_cast<tracepb::Span*>(target)->mutable_trace_id());
    case Field::kSpSpanId:
      return DecodeHexId(msg, f, v, 8, static_cast<tracepb::Span*>(target)->mutable_span_id());
    case Field::kSpParentSpanId:
      return DecodeHexId(msg, f, v, 8,
                         static_cast<tracepb::Span*>(target)->mutable_parent_span_id());
    case Field::kSpTraceState:
      return SetString(msg, f, v, static_cast<tracepb::Span*>(target)->mutable_trace_state());
    case Field::kSpName:
      return SetString(msg, f, v, static_cast<tracepb::Span*>(target)->mutable_name());
    case Field::kSpFlags:
      TEMPO_RETURN_IF_ERROR(SetU32(msg, f, v, &u32));
      static_cast<tracepb::Span*>(target)->set_flags(u32);
      return Status::Ok();
    case Field::kSpKind: {
      int kind = 0;
      TEMPO_RETURN_IF_ERROR(ToEnum(msg, f, v, kSpanKindNames, &kind));
      static_cast<tracepb::Span*>(target)->set_kind(static_cast<tracepb::Span::SpanKind>(kind));
      return Status::Ok();
    }
    case Field::kSpStart:
      TEMPO_RETURN_IF_ERROR(SetU64(msg, f, v, &u64));
      static_cast<tracepb::Span*>(target)->set_start_time_unix_nano(u64);
      return Status::Ok();
    case Field::kSpEnd:
      TEMPO_RETURN_IF_ERROR(SetU64(msg, f, v, &u64));
      static_cast<tracepb::Span*>(target)->set_end_time_unix_nano(u64);
      return Status::Ok();
    case Field::kSpDroppedAttributes:
      TEMPO_RETURN_IF_ERROR(SetU32(msg, f, v, &u32));
      static_cast<tracepb::Span*>(target)->set_dropped_attributes_count(u32);
      return Status::Ok();
    case Field::kSpDroppedEvents:
      TEMPO_RETURN_IF_ERROR(SetU32(msg, f, v, &u32));
      static_cast<tracepb::Span*>(target)->set_dropped_events_count(u32);
      return Status::Ok();
    case Field::kSpDroppedLinks:
      TEMPO_RETURN_IF_ERROR(SetU32(msg, f, v, &u32));
      static_cast<tracepb::Span*>(target)->set_dropped_links_count(u32);
      return Status::Ok();
    case Field::kEvTime:
      TEMPO_RETURN_IF_ERROR(SetU64(msg, f, v, &u64));
      static_cast<tracepb::Span::Event*>(target)->set_time_unix_nano(u64);
      return Status::Ok();
    case Field::kEvName:
      return SetString(msg, f, v, static_cast<tracepb::Span::Event*>(target)->mutable_name());
    case Field::kEvDroppedAttributes:
      TEMPO_RETURN_IF_ERROR(SetU32(msg, f, v, &u32));
      static_cast<tracepb::Span::Event*>(target)->set_dropped_attributes_count(u32);
      return Status::Ok();
    case Field::kLkTraceId:
      return DecodeHexId(msg, f, v, 16,
                         static_cast<tracepb::Span::Link*>(target)->mutable_trace_id());
    case Field::kLkSpanId:
      return DecodeHexId(msg, f, v, 8,
                         static_cast<tracepb::Span::Link*>(target)->mutable_span_id());
    case Field::kLkTraceState:
      return SetString(msg, f, v, static_cast<tracepb::Span::Link*>(target)->mutable_trace_state());
    case Field::kLkDroppedAttributes:
      TEMPO_RETURN_IF_ERROR(SetU32(msg, f, v, &u32));
      static_cast<tracepb::Span::Link*>(target)->set_dropped_attributes_count(u32);
      return Status::Ok();
    case Field::kLkFlags:
      TEMPO_RETURN_IF_ERROR(SetU32(msg, f, v, &u32));
      static_cast<tracepb::Span::Link*>(target)->set_flags(u32);
      return Status::Ok();
    case Field::kStMessage:
      return SetString(msg, f, v, static_cast<tracepb::Status*>(target)->mutable_message());
    case Field::kStCode: {
      int code = 0;
      TEMPO_RETURN_IF_ERROR(ToEnum(msg, f, v, kStatusCodeNames, &code));
      static_cast<tracepb::Status*>(target)->set_code(
          static_cast<tracepb::Status::StatusCode>(code));
      return Status::Ok();
    }
    case Field::kKvKey:
      return SetString(msg, f, v, static_cast<commonpb::KeyValue*>(target)->mutable_key());
    case Field::kAvString:
      return SetString(msg, f, v, static_cast<commonpb::AnyValue*>(target)->mutable_string_value());
    case Field::kAvBool: {
      bool b = false;
      if (!ToBool(v, &b)) return BadValue(msg, f, "a boolean", v);
      static_cast<commonpb::AnyValue*>(target)->set_bool_value(b);
      return Status::Ok();
    }
    case Field::kAvInt: {
      int64_t i = 0;
      if (!ToInt64(v, &i)) return BadValue(msg, f, "a signed 64-bit integer", v);
      static_cast<commonpb::AnyValue*>(target)->set_int_value(i);
      return Status::Ok();
    }
    case Field::kAvDouble: {
      double d = 0;
      if (!ToDouble(v, &d)) return BadValue(msg, f, "a number", v);
      static_cast<commonpb::AnyValue*>(target)->set_double_value(d);
      return Status::Ok();
    }
    case Field::kAvBytes: {
      std::string bytes;
      if (v.kind != Scalar::Kind::kString || !DecodeBase64(*v.s, &bytes)) {
        return BadValue(msg, f, "a base64 string", v);
      }
      static_cast<commonpb::AnyValue*>(target)->set_bytes_value(std::move(bytes));
      return Status::Ok();
    }
    default:
      return InternalError("OTLP JSON decoder: no scalar setter for " + FieldPath(msg, f));
  }
}

// What a scalar field takes, for error messages.
std::string_view ScalarWant(Field field) {
  switch (field) {
    case Field::kSpTraceId:
    case Field::kSpSpanId:
    case Field::kSpParentSpanId:
    case Field::kLkTraceId:
    case Field::kLkSpanId:
      return "a hex string";
    case Field::kSpKind:
    case Field::kStCode:
      return "an enum name or a 32-bit integer";
    case Field::kSpStart:
    case Field::kSpEnd:
    case Field::kEvTime:
    case Field::kAvInt:
    case Field::kResDroppedAttributes:
    case Field::kScDroppedAttributes:
    case Field::kSpDroppedAttributes:
    case Field::kSpDroppedEvents:
    case Field::kSpDroppedLinks:
    case Field::kEvDroppedAttributes:
    case Field::kLkDroppedAttributes:
    case Field::kSpFlags:
    case Field::kLkFlags:
      return "an integer";
    case Field::kAvDouble:
      return "a number";
    case Field::kAvBool:
      return "a boolean";
    case Field::kAvBytes:
      return "a base64 string";
    default:
      return "a string";
  }
}

}  // namespace tempo::model::otlp_json
