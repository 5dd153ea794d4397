// Zipkin v1 bodies (spec/ingest-protocols.md §6.4): JSON arrays of v1 spans, and thrift-binary
// list<zipkincore.Span> read with our own thrift reader.

#include <cstring>

#include "receivers/jaeger/otlp_builder.h"
#include "receivers/jaeger/thrift_protocol.h"
#include "receivers/zipkin/json_fields.h"
#include "receivers/zipkin/zipkin_decoder.h"

namespace tempo::receivers::zipkin {
namespace {

namespace jf = json_fields;
using jf::Json;
using thrift::FieldHeader;
using thrift::ListHeader;
using thrift::TType;

// ---- JSON ---------------------------------------------------------------------------------

Status ReadJsonEndpoint(const Json& v, std::optional<V1Endpoint>* out) {
  if (v.is_null()) return Status::Ok();
  if (!v.is_object()) return jf::TypeError(v, "endpoint", "zipkinv1.endpoint");
  V1Endpoint e;
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string key = jf::LowerKey(it.key());
    if (key == "servicename") {
      TEMPO_RETURN_IF_ERROR(jf::ReadString(it.value(), "endpoint.serviceName", &e.service_name));
    } else if (key == "ipv4") {
      TEMPO_RETURN_IF_ERROR(jf::ReadString(it.value(), "endpoint.ipv4", &e.ipv4));
    } else if (key == "ipv6") {
      TEMPO_RETURN_IF_ERROR(jf::ReadString(it.value(), "endpoint.ipv6", &e.ipv6));
    } else if (key == "port") {
      int64_t port = 0;
      TEMPO_RETURN_IF_ERROR(jf::ReadSigned(it.value(), "endpoint.port", &port));
      if (port < INT32_MIN || port > INT32_MAX) {
        return InvalidArgumentError(
            "json: cannot unmarshal number into Go struct field "
            "endpoint.port of type int32");
      }
      e.port = static_cast<int32_t>(port);
    }
  }
  *out = std::move(e);
  return Status::Ok();
}

Status ReadJsonAnnotations(const Json& v, std::vector<V1Annotation>* out) {
  if (v.is_null()) return Status::Ok();
  if (!v.is_array()) return jf::TypeError(v, "zipkinV1Span.annotations", "[]*annotation");
  for (const Json& item : v) {
    if (item.is_null()) continue;
    if (!item.is_object()) return jf::TypeError(item, "zipkinV1Span.annotations", "annotation");
    V1Annotation a;
    for (auto it = item.begin(); it != item.end(); ++it) {
      const std::string key = jf::LowerKey(it.key());
      if (key == "timestamp") {
        TEMPO_RETURN_IF_ERROR(jf::ReadSigned(it.value(), "annotation.timestamp", &a.timestamp_us));
      } else if (key == "value") {
        TEMPO_RETURN_IF_ERROR(jf::ReadString(it.value(), "annotation.value", &a.value));
      } else if (key == "endpoint") {
        TEMPO_RETURN_IF_ERROR(ReadJsonEndpoint(it.value(), &a.endpoint));
      }
    }
    out->push_back(std::move(a));
  }
  return Status::Ok();
}

// Values are strings in the v1 JSON model. Booleans (what v1 senders write for the `ca`/`sa`
// address annotations) and numbers are accepted as typed values instead of failing the request.
Status ReadJsonBinaryAnnotations(const Json& v, std::vector<V1BinaryAnnotation>* out) {
  if (v.is_null()) return Status::Ok();
  if (!v.is_array()) {
    return jf::TypeError(v, "zipkinV1Span.binaryAnnotations", "[]*binaryAnnotation");
  }
  for (const Json& item : v) {
    if (item.is_null()) continue;
    if (!item.is_object()) {
      return jf::TypeError(item, "zipkinV1Span.binaryAnnotations", "binaryAnnotation");
    }
    V1BinaryAnnotation b;
    for (auto it = item.begin(); it != item.end(); ++it) {
      const std::string key = jf::LowerKey(it.key());
      const Json& value = it.value();
      if (key == "key") {
        TEMPO_RETURN_IF_ERROR(jf::ReadString(value, "binaryAnnotation.key", &b.key));
      } else if (key == "value") {
        if (value.is_boolean()) {
          b.type = V1BinaryAnnotation::Type::kBool;
          b.b = value.get<bool>();
        } else if (value.is_number_integer()) {
          b.type = V1BinaryAnnotation::Type::kInt;
          b.i = value.is_number_unsigned() ? static_cast<int64_t>(value.get<uint64_t>())
                                           : value.get<int64_t>();
        } else if (value.is_number_float()) {
          b.type = V1BinaryAnnotation::Type::kDouble;
          b.d = value.get<double>();
        } else {
          b.type = V1BinaryAnnotation::Type::kString;
          TEMPO_RETURN_IF_ERROR(jf::ReadString(value, "binaryAnnotation.value", &b.str));
        }
      } else if (key == "endpoint") {
        TEMPO_RETURN_IF_ERROR(ReadJsonEndpoint(value, &b.endpoint));
      }
    }
    out->push_back(std::move(b));
  }
  return Status::Ok();
}

// A v1 span id: exactly 16 hex digits, not zero.
Status ParseV1SpanId(const std::string& text, const char* what, uint64_t* out) {
  if (text.size() != 16 || !ParseHex64(text, out)) {
    return InvalidArgumentError(std::string("zipkinV1 span ") + what +
                                ": span ID must be 16 hex characters");
  }
  if (*out == 0) {
    return InvalidArgumentError(std::string("zipkinV1 span ") + what + ": span ID is zero");
  }
  return Status::Ok();
}

Status ReadJsonSpan(const Json& v, V1Span* span) {
  if (!v.is_object()) return jf::TypeError(v, "", "zipkinV1Span");
  std::string trace_id, id, parent_id;
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string key = jf::LowerKey(it.key());
    const Json& value = it.value();
    if (key == "traceid") {
      TEMPO_RETURN_IF_ERROR(jf::ReadString(value, "zipkinV1Span.traceId", &trace_id));
    } else if (key == "id") {
      TEMPO_RETURN_IF_ERROR(jf::ReadString(value, "zipkinV1Span.id", &id));
    } else if (key == "parentid") {
      TEMPO_RETURN_IF_ERROR(jf::ReadString(value, "zipkinV1Span.parentId", &parent_id));
    } else if (key == "name") {
      TEMPO_RETURN_IF_ERROR(jf::ReadString(value, "zipkinV1Span.name", &span->name));
    } else if (key == "timestamp") {
      TEMPO_RETURN_IF_ERROR(jf::ReadSigned(value, "zipkinV1Span.timestamp", &span->timestamp_us));
    } else if (key == "duration") {
      TEMPO_RETURN_IF_ERROR(jf::ReadSigned(value, "zipkinV1Span.duration", &span->duration_us));
    } else if (key == "debug") {
      bool ignored = false;
      TEMPO_RETURN_IF_ERROR(jf::ReadBool(value, "zipkinV1Span.debug", &ignored));
    } else if (key == "annotations") {
      TEMPO_RETURN_IF_ERROR(ReadJsonAnnotations(value, &span->annotations));
    } else if (key == "binaryannotations") {
      TEMPO_RETURN_IF_ERROR(ReadJsonBinaryAnnotations(value, &span->binary_annotations));
    }
  }
  if ((trace_id.size() != 16 && trace_id.size() != 32) ||
      !ParseTraceIdHex(trace_id, &span->trace_high, &span->trace_low)) {
    return InvalidArgumentError("zipkinV1 span traceId: trace ID must be 16 or 32 hex characters");
  }
  if (span->trace_high == 0 && span->trace_low == 0) {
    return InvalidArgumentError("zipkinV1 span traceId: trace ID is zero");
  }
  TEMPO_RETURN_IF_ERROR(ParseV1SpanId(id, "id", &span->id));
  if (!parent_id.empty()) {
    uint64_t parent = 0;
    TEMPO_RETURN_IF_ERROR(ParseV1SpanId(parent_id, "parentId", &parent));
    span->parent_id = parent;
  }
  return Status::Ok();
}

// ---- thrift -------------------------------------------------------------------------------

// zipkincore AnnotationType values.
enum ThriftAnnotationType : int32_t {
  kBool = 0,
  kBytes = 1,
  kI16 = 2,
  kI32 = 3,
  kI64 = 4,
  kDouble = 5,
  kString = 6
};

class ThriftDecoder {
 public:
  explicit ThriftDecoder(std::string_view data) : r_(data) {}

  Status DecodeList(std::vector<V1Span>* out) {
    ListHeader list;
    r_.ReadListBegin(&list);
    if (r_.ok() && list.elem != TType::kStruct && list.size > 0) {
      r_.Fail("expected a list of structs");
    }
    for (uint32_t i = 0; i < list.size && r_.ok(); ++i) ReadSpan(&out->emplace_back());
    r_.ReadListEnd();
    return r_.status();
  }

 private:
  template <typename T, typename Fn>
  void ReadList(std::vector<T>* out, Fn read_one) {
    ListHeader list;
    r_.ReadListBegin(&list);
    if (list.elem != TType::kStruct) {
      for (uint32_t i = 0; i < list.size && r_.ok(); ++i) r_.Skip(list.elem);
    } else {
      for (uint32_t i = 0; i < list.size && r_.ok(); ++i) (this->*read_one)(&out->emplace_back());
    }
    r_.ReadListEnd();
  }

  void ReadEndpoint(std::optional<V1Endpoint>* out) {
    V1Endpoint e;
    r_.ReadStructBegin();
    FieldHeader f;
    for (r_.ReadFieldBegin(&f); f.type != TType::kStop; r_.ReadFieldBegin(&f)) {
      if (f.id == 1 && f.type == TType::kI32) {
        uint32_t ip = static_cast<uint32_t>(r_.ReadI32());
        if (ip != 0) {
          char raw[4] = {static_cast<char>(ip >> 24), static_cast<char>(ip >> 16),
                         static_cast<char>(ip >> 8), static_cast<char>(ip)};
          e.ipv4 = FormatIp(std::string_view(raw, 4));
        }
      } else if (f.id == 2 && f.type == TType::kI16) {
        e.port = static_cast<uint16_t>(r_.ReadI16());
      } else if (f.id == 3 && f.type == TType::kString) {
        e.service_name = std::string(r_.ReadBinary());
      } else if (f.id == 4 && f.type == TType::kString) {
        e.ipv6 = FormatIp(r_.ReadBinary());
      } else {
        r_.Skip(f.type);
      }
    }
    r_.ReadStructEnd();
    *out = std::move(e);
  }

  void ReadAnnotation(V1Annotation* a) {
    r_.ReadStructBegin();
    FieldHeader f;
    for (r_.ReadFieldBegin(&f); f.type != TType::kStop; r_.ReadFieldBegin(&f)) {
      if (f.id == 1 && f.type == TType::kI64) {
        a->timestamp_us = r_.ReadI64();
      } else if (f.id == 2 && f.type == TType::kString) {
        a->value = std::string(r_.ReadBinary());
      } else if (f.id == 3 && f.type == TType::kStruct) {
        ReadEndpoint(&a->endpoint);
      } else {
        r_.Skip(f.type);
      }
    }
    r_.ReadStructEnd();
  }

  static uint64_t BigEndian(std::string_view bytes) {
    uint64_t v = 0;
    for (char c : bytes) v = (v << 8) | static_cast<uint8_t>(c);
    return v;
  }

  void ReadBinaryAnnotation(V1BinaryAnnotation* b) {
    std::string_view value;
    int32_t type = kString;
    r_.ReadStructBegin();
    FieldHeader f;
    for (r_.ReadFieldBegin(&f); f.type != TType::kStop; r_.ReadFieldBegin(&f)) {
      if (f.id == 1 && f.type == TType::kString) {
        b->key = std::string(r_.ReadBinary());
      } else if (f.id == 2 && f.type == TType::kString) {
        value = r_.ReadBinary();
      } else if (f.id == 3 && f.type == TType::kI32) {
        type = r_.ReadI32();
      } else if (f.id == 4 && f.type == TType::kStruct) {
        ReadEndpoint(&b->endpoint);
      } else {
        r_.Skip(f.type);
      }
    }
    r_.ReadStructEnd();
    // The value bytes are decoded by the annotation type; a wrong size is an error.
    using Type = V1BinaryAnnotation::Type;
    auto need = [&](size_t n) {
      if (value.size() != n && r_.ok()) {
        r_.Fail("binary annotation " + b->key.substr(0, 64) + ": value of " +
                std::to_string(value.size()) + " bytes for a " + std::to_string(n) + "-byte type");
      }
      return value.size() == n;
    };
    switch (type) {
      case kBool:
        b->type = Type::kBool;
        if (need(1)) b->b = value[0] == 1;
        break;
      case kI16:
        b->type = Type::kInt;
        if (need(2)) b->i = static_cast<int16_t>(BigEndian(value));
        break;
      case kI32:
        b->type = Type::kInt;
        if (need(4)) b->i = static_cast<int32_t>(BigEndian(value));
        break;
      case kI64:
        b->type = Type::kInt;
        if (need(8)) b->i = static_cast<int64_t>(BigEndian(value));
        break;
      case kDouble:
        b->type = Type::kDouble;
        if (need(8)) {
          uint64_t bits = BigEndian(value);
          std::memcpy(&b->d, &bits, sizeof(bits));
        }
        break;
      case kBytes:
        b->type = Type::kBytes;
        b->str = std::string(value);
        break;
      default:
        b->type = Type::kString;
        b->str = std::string(value);
        break;
    }
  }

  void ReadSpan(V1Span* span) {
    r_.ReadStructBegin();
    FieldHeader f;
    for (r_.ReadFieldBegin(&f); f.type != TType::kStop; r_.ReadFieldBegin(&f)) {
      switch (f.id) {
        case 1:
        case 4:
        case 5:
        case 10:
        case 11:
        case 12: {
          if (f.type != TType::kI64) break;
          int64_t v = r_.ReadI64();
          if (f.id == 1) span->trace_low = static_cast<uint64_t>(v);
          if (f.id == 4) span->id = static_cast<uint64_t>(v);
          if (f.id == 5 && v != 0) span->parent_id = static_cast<uint64_t>(v);
          if (f.id == 10) span->timestamp_us = v;
          if (f.id == 11) span->duration_us = v;
          if (f.id == 12) span->trace_high = static_cast<uint64_t>(v);
          continue;
        }
        case 3:
          if (f.type != TType::kString) break;
          span->name = std::string(r_.ReadBinary());
          continue;
        case 6:
          if (f.type != TType::kList) break;
          ReadList(&span->annotations, &ThriftDecoder::ReadAnnotation);
          continue;
        case 8:
          if (f.type != TType::kList) break;
          ReadList(&span->binary_annotations, &ThriftDecoder::ReadBinaryAnnotation);
          continue;
        default:
          break;
      }
      r_.Skip(f.type);
    }
    r_.ReadStructEnd();
  }

  thrift::BinaryReader r_;
};

}  // namespace

Status DecodeV1Json(std::string_view body, std::vector<V1Span>* out) {
  Json doc;
  TEMPO_RETURN_IF_ERROR(jf::Parse(body, &doc));
  if (doc.is_null()) return Status::Ok();
  if (!doc.is_array()) {
    return InvalidArgumentError("json: cannot unmarshal " + std::string(doc.type_name()) +
                                " into Go value of type []*zipkinv1.zipkinV1Span");
  }
  out->reserve(doc.size());
  for (const Json& item : doc) {
    if (item.is_null()) continue;
    V1Span span;
    TEMPO_RETURN_IF_ERROR(ReadJsonSpan(item, &span));
    out->push_back(std::move(span));
  }
  return Status::Ok();
}

Status DecodeV1Thrift(std::string_view body, std::vector<V1Span>* out) {
  return ThriftDecoder(body).DecodeList(out);
}

Status V1JsonToOtlp(std::string_view body, uint64_t now_unix_nanos, model::OtlpRequest* out) {
  std::vector<V1Span> spans;
  TEMPO_RETURN_IF_ERROR(DecodeV1Json(body, &spans));
  TranslateV1(spans, /*from_json=*/true, now_unix_nanos, out);
  return Status::Ok();
}

Status V1ThriftToOtlp(std::string_view body, uint64_t now_unix_nanos, model::OtlpRequest* out) {
  std::vector<V1Span> spans;
  TEMPO_RETURN_IF_ERROR(DecodeV1Thrift(body, &spans));
  TranslateV1(spans, /*from_json=*/false, now_unix_nanos, out);
  // Thrift strings may hold any bytes; OTLP strings must be valid UTF-8.
  otlp_builder::SanitizeUtf8(out);
  return Status::Ok();
}

}  // namespace tempo::receivers::zipkin
