// OtlpWireRequest::Parse: a validating walk over the protobuf wire format of an OTLP trace
// request. It mirrors what libprotobuf 3.21's generated parsers accept (tests/model compares the
// two on mutated inputs): a field whose wire type differs from the schema's is an unknown field;
// unknown fields are skipped (groups are walked, length-delimited ones are not looked into); a
// tag of 0, field number 0 or an unexpected end-group tag fails the parse; known proto3
// `string` fields must be valid UTF-8; messages and groups nest at most 100 deep.
#include <cstring>

#include "tempo/model/wire_format.h"
#include "tempo/model/otlp_wire.h"

namespace tempo::model {
namespace {

// The messages of the OTLP trace schema.
enum class Msg : uint8_t {
  kRequest,
  kResourceSpans,
  kScopeSpans,
  kSpan,
  kEvent,
  kLink,
  kStatus,
  kResource,
  kScope,
  kKeyValue,
  kAnyValue,
  kArrayValue,
  kKeyValueList,
};

enum class Kind : uint8_t { kUnknown, kVarint, kFixed64, kFixed32, kBytes, kString, kMessage };

struct Field {
  Kind kind = Kind::kUnknown;
  Msg msg = Msg::kRequest;  // for kMessage
  // The child is an attribute (KeyValue) of the current part, or the value of one, or an event or
  // link whose attributes count for the span: its lengths go into the part's attribute maximum.
  bool tracks_attributes = false;
};

constexpr Field Scalar(Kind kind) { return Field{kind, Msg::kRequest, false}; }
constexpr Field Message(Msg msg, bool tracks = false) { return Field{Kind::kMessage, msg, tracks}; }

// The schema (src/proto/opentelemetry/...): what field `number` of `msg` is.
inline Field Lookup(Msg msg, uint32_t number) {
  switch (msg) {
    case Msg::kRequest:
      if (number == 1) return Message(Msg::kResourceSpans);
      break;
    case Msg::kResourceSpans:
      if (number == 1) return Message(Msg::kResource);
      if (number == 2 || number == 1000) return Message(Msg::kScopeSpans);
      if (number == 3) return Scalar(Kind::kString);
      break;
    case Msg::kScopeSpans:
      if (number == 1) return Message(Msg::kScope);
      if (number == 2) return Message(Msg::kSpan);
      if (number == 3) return Scalar(Kind::kString);
      break;
    case Msg::kSpan:
      switch (number) {
        case 1:
        case 2:
        case 4:
          return Scalar(Kind::kBytes);
        case 3:
        case 5:
          return Scalar(Kind::kString);
        case 6:
        case 10:
        case 12:
        case 14:
          return Scalar(Kind::kVarint);
        case 7:
        case 8:
          return Scalar(Kind::kFixed64);
        case 9:
          return Message(Msg::kKeyValue, true);
        case 11:
          return Message(Msg::kEvent, true);
        case 13:
          return Message(Msg::kLink, true);
        case 15:
          return Message(Msg::kStatus);
        case 16:
          return Scalar(Kind::kFixed32);
      }
      break;
    case Msg::kEvent:
      switch (number) {
        case 1:
          return Scalar(Kind::kFixed64);
        case 2:
          return Scalar(Kind::kString);
        case 3:
          return Message(Msg::kKeyValue, true);
        case 4:
          return Scalar(Kind::kVarint);
      }
      break;
    case Msg::kLink:
      switch (number) {
        case 1:
        case 2:
          return Scalar(Kind::kBytes);
        case 3:
          return Scalar(Kind::kString);
        case 4:
          return Message(Msg::kKeyValue, true);
        case 5:
          return Scalar(Kind::kVarint);
        case 6:
          return Scalar(Kind::kFixed32);
      }
      break;
    case Msg::kStatus:
      if (number == 2) return Scalar(Kind::kString);
      if (number == 3) return Scalar(Kind::kVarint);
      break;
    case Msg::kResource:
      if (number == 1) return Message(Msg::kKeyValue, true);
      if (number == 2) return Scalar(Kind::kVarint);
      break;
    case Msg::kScope:
      if (number == 1 || number == 2) return Scalar(Kind::kString);
      if (number == 3) return Message(Msg::kKeyValue, true);
      if (number == 4) return Scalar(Kind::kVarint);
      break;
    case Msg::kKeyValue:
      if (number == 1) return Scalar(Kind::kString);
      if (number == 2) return Message(Msg::kAnyValue, true);
      if (number == 3) return Scalar(Kind::kVarint);
      break;
    case Msg::kAnyValue:
      switch (number) {
        case 1:
          return Scalar(Kind::kString);
        case 2:
        case 3:
        case 8:
          return Scalar(Kind::kVarint);
        case 4:
          return Scalar(Kind::kFixed64);
        case 5:
          return Message(Msg::kArrayValue);
        case 6:
          return Message(Msg::kKeyValueList);
        case 7:
          return Scalar(Kind::kBytes);
      }
      break;
    case Msg::kArrayValue:
      if (number == 1) return Message(Msg::kAnyValue);
      break;
    case Msg::kKeyValueList:
      if (number == 1) return Message(Msg::kKeyValue);
      break;
  }
  return Field{};
}

uint32_t WireTypeOf(Kind kind) {
  switch (kind) {
    case Kind::kVarint:
      return wire::kVarint;
    case Kind::kFixed64:
      return wire::kFixed64;
    case Kind::kFixed32:
      return wire::kFixed32;
    case Kind::kBytes:
    case Kind::kString:
    case Kind::kMessage:
      return wire::kLengthDelimited;
    case Kind::kUnknown:
      break;
  }
  return 8;  // matches no wire type
}

void RaiseTo(uint32_t* max, size_t value) {
  if (max != nullptr && value > *max)
    *max = static_cast<uint32_t>(std::min<size_t>(value, UINT32_MAX));
}

}  // namespace

// The walk itself; a friend of OtlpWireRequest so that it can fill the index.
class OtlpWireScanner {
 public:
  OtlpWireScanner(OtlpWireRequest& out, bool check_utf8) : out_(out), check_utf8_(check_utf8) {}

  bool Request(std::string_view bytes) {
    wire::Reader r(bytes);
    while (!r.done()) {
      uint32_t tag;
      if (!r.ReadTag(&tag)) return false;
      if (tag == 0x0a) {
        std::string_view payload;
        if (!r.ReadLengthDelimited(&payload) || !ResourceSpans(payload)) return false;
      } else if (!Generic(r, tag, Msg::kRequest, 0, nullptr)) {
        return false;
      }
    }
    return true;
  }

 private:
  static constexpr int kMaxDepth = 100;

  // Any message of the schema, at nesting `depth` (the request is 0). `attr_max` (may be null)
  // collects attribute lengths: a KeyValue records its key, an AnyValue reached from it its
  // string value.
  bool Walk(std::string_view payload, Msg msg, int depth, uint32_t* attr_max) {
    if (depth > kMaxDepth) return false;
    if (msg == Msg::kKeyValue) return KeyValue(payload, depth, attr_max);
    if (msg == Msg::kAnyValue) return AnyValue(payload, depth, attr_max);
    wire::Reader r(payload);
    while (!r.done()) {
      uint32_t tag;
      if (!r.ReadTag(&tag) || !Generic(r, tag, msg, depth, attr_max)) return false;
    }
    return true;
  }

  // One field of `msg` whose tag was just read.
  bool Generic(wire::Reader& r, uint32_t tag, Msg msg, int depth, uint32_t* attr_max) {
    if (tag == 0 || (tag & 7) == wire::kEndGroup) return false;  // ends a message: a failure
    const Field field = Lookup(msg, tag >> 3);
    if (field.kind == Kind::kUnknown || WireTypeOf(field.kind) != (tag & 7)) {
      return SkipUnknown(r, tag, depth);
    }
    switch (field.kind) {
      case Kind::kVarint:
        return r.SkipVarint();
      case Kind::kFixed64:
        return r.Skip(8);
      case Kind::kFixed32:
        return r.Skip(4);
      case Kind::kBytes: {
        std::string_view v;
        return r.ReadLengthDelimited(&v);
      }
      case Kind::kString: {
        std::string_view v;
        if (!r.ReadLengthDelimited(&v) || !Utf8(v)) return false;
        // A KeyValue's key, or the string value of an attribute.
        if (msg == Msg::kKeyValue || msg == Msg::kAnyValue) RaiseTo(attr_max, v.size());
        return true;
      }
      case Kind::kMessage: {
        std::string_view v;
        if (!r.ReadLengthDelimited(&v)) return false;
        return Walk(v, field.msg, depth + 1, field.tracks_attributes ? attr_max : nullptr);
      }
      case Kind::kUnknown:
        break;
    }
    return false;
  }

  // The bulk of a request: attributes. Same as Walk(kKeyValue / kAnyValue), unrolled.
  bool KeyValue(std::string_view payload, int depth, uint32_t* attr_max) {
    if (depth > kMaxDepth) return false;
    if (wire::ShortAttribute a; depth < kMaxDepth && wire::ReadShortAttribute(payload, &a)) {
      if (!Utf8(a.key)) return false;
      RaiseTo(attr_max, a.key.size());
      if (a.value_tag == wire::Tag(1, wire::kLengthDelimited)) {
        if (!Utf8(a.string_value)) return false;
        RaiseTo(attr_max, a.string_value.size());
      }
      return true;
    }
    wire::Reader r(payload);
    while (!r.done()) {
      uint32_t tag;
      if (!r.ReadTag(&tag)) return false;
      std::string_view v;
      switch (tag) {
        case wire::Tag(1, wire::kLengthDelimited):  // key
          if (!r.ReadLengthDelimited(&v) || !Utf8(v)) return false;
          RaiseTo(attr_max, v.size());
          break;
        case wire::Tag(2, wire::kLengthDelimited):  // value
          if (!r.ReadLengthDelimited(&v) || !AnyValue(v, depth + 1, attr_max)) return false;
          break;
        case wire::Tag(3, wire::kVarint):  // key_strindex
          if (!r.SkipVarint()) return false;
          break;
        default:
          if (!Generic(r, tag, Msg::kKeyValue, depth, attr_max)) return false;
      }
    }
    return true;
  }

  bool AnyValue(std::string_view payload, int depth, uint32_t* attr_max) {
    if (depth > kMaxDepth) return false;
    wire::Reader r(payload);
    while (!r.done()) {
      uint32_t tag;
      if (!r.ReadTag(&tag)) return false;
      std::string_view v;
      switch (tag) {
        case wire::Tag(1, wire::kLengthDelimited):  // string_value
          if (!r.ReadLengthDelimited(&v) || !Utf8(v)) return false;
          RaiseTo(attr_max, v.size());
          break;
        case wire::Tag(2, wire::kVarint):  // bool_value
        case wire::Tag(3, wire::kVarint):  // int_value
        case wire::Tag(8, wire::kVarint):  // string_value_strindex
          if (!r.SkipVarint()) return false;
          break;
        case wire::Tag(4, wire::kFixed64):  // double_value
          if (!r.Skip(8)) return false;
          break;
        case wire::Tag(7, wire::kLengthDelimited):  // bytes_value
          if (!r.ReadLengthDelimited(&v)) return false;
          break;
        default:  // arrays, kvlists (their strings do not count), unknown fields
          if (!Generic(r, tag, Msg::kAnyValue, depth, nullptr)) return false;
      }
    }
    return true;
  }

  // An unknown field (or a known one with another wire type), as libprotobuf keeps it.
  bool SkipUnknown(wire::Reader& r, uint32_t tag, int depth) {
    return wire::SkipField(r, tag, depth, kMaxDepth);
  }

  bool Utf8(std::string_view v) const { return !check_utf8_ || wire::IsValidUtf8(v); }

  bool ResourceSpans(std::string_view payload) {
    // Spans come from field 2, or from the deprecated field 1000 if field 2 never occurs.
    bool has_scope_spans = false;
    {
      wire::Reader r(payload);
      while (!r.done() && !has_scope_spans) {
        uint32_t tag;
        if (!r.ReadTag(&tag)) return false;
        if (tag == 0x12)
          has_scope_spans = true;
        else if (tag == 0 || (tag & 7) == wire::kEndGroup || !SkipUnknown(r, tag, 1))
          return false;
      }
    }
    const uint32_t scope_spans_tag = has_scope_spans ? 0x12 : wire::Tag(1000, 2);
    const auto index = static_cast<uint32_t>(out_.resources_.size());
    out_.resources_.emplace_back();
    std::string_view first_part;
    std::string merged;
    int parts = 0;
    wire::Reader r(payload);
    while (!r.done()) {
      uint32_t tag;
      if (!r.ReadTag(&tag)) return false;
      std::string_view v;
      if (tag == 0x0a) {
        if (!r.ReadLengthDelimited(&v) ||
            !Walk(v, Msg::kResource, 2, &out_.resources_[index].max_attribute_bytes)) {
          return false;
        }
        // Several occurrences of a message field merge: their concatenation parses the same.
        if (parts++ == 0) {
          first_part = v;
        } else {
          if (parts == 2) merged.assign(first_part);
          merged.append(v);
        }
      } else if (tag == scope_spans_tag) {
        if (!r.ReadLengthDelimited(&v) || !ScopeSpans(v, index)) return false;
      } else if (tag == 0x1a) {
        if (!r.ReadLengthDelimited(&v) || !Utf8(v)) return false;
        out_.resources_[index].schema_url = v;
      } else if (!Generic(r, tag, Msg::kResourceSpans, 1, nullptr)) {
        return false;
      }
    }
    out_.resources_[index].data =
        parts > 1 ? out_.owned_.emplace_back(std::move(merged)) : first_part;
    return true;
  }

  bool ScopeSpans(std::string_view payload, uint32_t resource) {
    const auto index = static_cast<uint32_t>(out_.scopes_.size());
    out_.scopes_.emplace_back();
    out_.scopes_[index].resource = resource;
    std::string_view first_part;
    std::string merged;
    int parts = 0;
    wire::Reader r(payload);
    while (!r.done()) {
      uint32_t tag;
      if (!r.ReadTag(&tag)) return false;
      std::string_view v;
      if (tag == 0x12) {
        if (!r.ReadLengthDelimited(&v) || !Span(v, index)) return false;
      } else if (tag == 0x0a) {
        if (!r.ReadLengthDelimited(&v) ||
            !Walk(v, Msg::kScope, 3, &out_.scopes_[index].max_attribute_bytes)) {
          return false;
        }
        if (parts++ == 0) {
          first_part = v;
        } else {
          if (parts == 2) merged.assign(first_part);
          merged.append(v);
        }
      } else if (tag == 0x1a) {
        if (!r.ReadLengthDelimited(&v) || !Utf8(v)) return false;
        out_.scopes_[index].schema_url = v;
      } else if (!Generic(r, tag, Msg::kScopeSpans, 2, nullptr)) {
        return false;
      }
    }
    out_.scopes_[index].data = parts > 1 ? out_.owned_.emplace_back(std::move(merged)) : first_part;
    return true;
  }

  // A span (depth 3): the generic walk plus the fields the batch operations read.
  bool Span(std::string_view payload, uint32_t scope) {
    OtlpWireRequest::Span span;
    span.data = payload;
    span.scope = scope;
    wire::Reader r(payload);
    while (!r.done()) {
      uint32_t tag;
      if (!r.ReadTag(&tag)) return false;
      switch (tag) {
        case 0x0a:  // trace_id
          if (!r.ReadLengthDelimited(&span.trace_id)) return false;
          break;
        case 0x12:  // span_id
          if (!r.ReadLengthDelimited(&span.span_id)) return false;
          break;
        case 0x39:  // start_time_unix_nano, fixed64
          if (!r.ReadFixed64(&span.start_unix_nano)) return false;
          break;
        case 0x41:  // end_time_unix_nano
          if (!r.ReadFixed64(&span.end_unix_nano)) return false;
          break;
        case wire::Tag(9, wire::kLengthDelimited): {  // attributes
          std::string_view v;
          if (!r.ReadLengthDelimited(&v) || !KeyValue(v, 4, &span.max_attribute_bytes)) {
            return false;
          }
          break;
        }
        case wire::Tag(4, wire::kLengthDelimited): {  // parent_span_id
          std::string_view v;
          if (!r.ReadLengthDelimited(&v)) return false;
          break;
        }
        case wire::Tag(5, wire::kLengthDelimited): {  // name
          std::string_view v;
          if (!r.ReadLengthDelimited(&v) || !Utf8(v)) return false;
          break;
        }
        case wire::Tag(6, wire::kVarint):  // kind
          if (!r.SkipVarint()) return false;
          break;
        case wire::Tag(16, wire::kFixed32):  // flags
          if (!r.Skip(4)) return false;
          break;
        default:
          if (!Generic(r, tag, Msg::kSpan, 3, &span.max_attribute_bytes)) return false;
      }
    }
    out_.spans_.push_back(span);
    return true;
  }

  OtlpWireRequest& out_;
  const bool check_utf8_;
};

Status OtlpWireRequest::Parse(std::string_view bytes, bool check_utf8) {
  resources_.clear();
  scopes_.clear();
  spans_.clear();
  owned_.clear();
  bytes_ = bytes;
  if (!OtlpWireScanner(*this, check_utf8).Request(bytes)) {
    resources_.clear();
    scopes_.clear();
    spans_.clear();
    owned_.clear();
    bytes_ = {};
    return InvalidArgumentError("proto: cannot parse invalid wire-format data");
  }
  return Status::Ok();
}

}  // namespace tempo::model
