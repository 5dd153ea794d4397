// Zipkin v2 JSON (spec/ingest-protocols.md §6.2) with zipkin-go's rules: keys match
// case-insensitively, ids are hex, times are integer microseconds, tags are string → string.

#include <algorithm>

#include "receivers/zipkin/json_fields.h"
#include "receivers/zipkin/zipkin_decoder.h"

namespace tempo::receivers::zipkin {
namespace {

namespace jf = json_fields;
using jf::Json;

Status ReadEndpoint(const Json& v, std::string_view where, std::optional<Endpoint>* out) {
  if (v.is_null()) return Status::Ok();
  if (!v.is_object()) return jf::TypeError(v, where, "model.Endpoint");
  Endpoint e;
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string key = jf::LowerKey(it.key());
    const Json& value = it.value();
    if (key == "servicename") {
      TEMPO_RETURN_IF_ERROR(jf::ReadString(value, "Endpoint.serviceName", &e.service_name));
    } else if (key == "ipv4" || key == "ipv6") {
      std::string text;
      TEMPO_RETURN_IF_ERROR(jf::ReadString(value, "Endpoint." + key, &text));
      std::string* dest = key == "ipv4" ? &e.ipv4 : &e.ipv6;
      dest->clear();
      if (!text.empty() && !CanonicalIp(text, dest)) {
        return InvalidArgumentError("invalid IP address: " + text);
      }
    } else if (key == "port") {
      uint64_t port = 0;
      TEMPO_RETURN_IF_ERROR(jf::ReadUnsigned(value, "Endpoint.port", 65535, &port));
      e.port = static_cast<int32_t>(port);
    }
  }
  // An endpoint without any field counts as absent.
  if (e.service_name.empty() && e.ipv4.empty() && e.ipv6.empty() && e.port == 0) {
    out->reset();
  } else {
    *out = std::move(e);
  }
  return Status::Ok();
}

Status ReadAnnotations(const Json& v, std::vector<Annotation>* out) {
  if (v.is_null()) return Status::Ok();
  if (!v.is_array()) return jf::TypeError(v, "SpanModel.annotations", "[]model.Annotation");
  out->clear();
  for (const Json& item : v) {
    if (item.is_null()) {
      // A null element is a zero annotation, which fails the timestamp check.
      return InvalidArgumentError("valid annotation timestamp required");
    }
    if (!item.is_object()) return jf::TypeError(item, "SpanModel.annotations", "model.Annotation");
    Annotation a;
    for (auto it = item.begin(); it != item.end(); ++it) {
      const std::string key = jf::LowerKey(it.key());
      if (key == "timestamp") {
        TEMPO_RETURN_IF_ERROR(
            jf::ReadUnsigned(it.value(), "Annotation.timestamp", UINT64_MAX, &a.timestamp_us));
      } else if (key == "value") {
        TEMPO_RETURN_IF_ERROR(jf::ReadString(it.value(), "Annotation.value", &a.value));
      }
    }
    if (a.timestamp_us < 1) return InvalidArgumentError("valid annotation timestamp required");
    out->push_back(std::move(a));
  }
  return Status::Ok();
}

Status ReadTags(const Json& v, std::vector<std::pair<std::string, std::string>>* out) {
  if (v.is_null()) return Status::Ok();
  if (!v.is_object()) return jf::TypeError(v, "SpanModel.tags", "map[string]string");
  // nlohmann keeps object keys sorted and unique (the last duplicate wins, as in Go).
  for (auto it = v.begin(); it != v.end(); ++it) {
    std::string value;
    TEMPO_RETURN_IF_ERROR(jf::ReadString(it.value(), "SpanModel.tags", &value));
    auto pos = std::lower_bound(out->begin(), out->end(), it.key(),
                                [](const auto& kv, const std::string& k) { return kv.first < k; });
    if (pos != out->end() && pos->first == it.key()) {
      pos->second = std::move(value);
    } else {
      out->emplace(pos, it.key(), std::move(value));
    }
  }
  return Status::Ok();
}

Status ReadSpan(const Json& v, Span* span) {
  if (!v.is_object()) return jf::TypeError(v, "", "model.SpanModel");
  bool has_trace_id = false;
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string key = jf::LowerKey(it.key());
    const Json& value = it.value();
    if (key == "traceid") {
      if (value.is_null()) continue;
      if (!value.is_string()) return jf::TypeError(value, "SpanModel.traceId", "model.TraceID");
      const std::string& text = value.get_ref<const std::string&>();
      if (text.empty() || !ParseTraceIdHex(text, &span->trace_high, &span->trace_low)) {
        return InvalidArgumentError("valid traceId required");
      }
      has_trace_id = true;
    } else if (key == "id" || key == "parentid") {
      if (value.is_null()) continue;
      if (!value.is_string()) return jf::TypeError(value, "SpanModel." + key, "model.ID");
      const std::string& text = value.get_ref<const std::string&>();
      uint64_t id = 0;
      if (!text.empty() && !ParseHex64(text, &id)) {
        return InvalidArgumentError("strconv.ParseUint: parsing \"" + text.substr(0, 64) +
                                    "\": invalid syntax");
      }
      if (key == "id") {
        span->id = id;
      } else if (id != 0) {
        span->parent_id = id;
      }
    } else if (key == "name") {
      TEMPO_RETURN_IF_ERROR(jf::ReadString(value, "SpanModel.name", &span->name));
    } else if (key == "kind") {
      std::string kind;
      TEMPO_RETURN_IF_ERROR(jf::ReadString(value, "SpanModel.kind", &kind));
      span->kind = kind == "CLIENT"     ? Kind::kClient
                   : kind == "SERVER"   ? Kind::kServer
                   : kind == "PRODUCER" ? Kind::kProducer
                   : kind == "CONSUMER" ? Kind::kConsumer
                                        : Kind::kUnspecified;
    } else if (key == "timestamp") {
      TEMPO_RETURN_IF_ERROR(
          jf::ReadUnsigned(value, "SpanModel.timestamp", UINT64_MAX, &span->timestamp_us));
    } else if (key == "duration") {
      TEMPO_RETURN_IF_ERROR(
          jf::ReadUnsigned(value, "SpanModel.duration", UINT64_MAX, &span->duration_us));
    } else if (key == "debug" || key == "shared") {
      bool ignored = false;  // not represented in OTLP
      TEMPO_RETURN_IF_ERROR(jf::ReadBool(value, "SpanModel." + key, &ignored));
    } else if (key == "localendpoint") {
      TEMPO_RETURN_IF_ERROR(ReadEndpoint(value, "SpanModel.localEndpoint", &span->local_endpoint));
    } else if (key == "remoteendpoint") {
      TEMPO_RETURN_IF_ERROR(
          ReadEndpoint(value, "SpanModel.remoteEndpoint", &span->remote_endpoint));
    } else if (key == "annotations") {
      TEMPO_RETURN_IF_ERROR(ReadAnnotations(value, &span->annotations));
    } else if (key == "tags") {
      TEMPO_RETURN_IF_ERROR(ReadTags(value, &span->tags));
    }
  }
  if (!has_trace_id || (span->trace_high == 0 && span->trace_low == 0)) {
    return InvalidArgumentError("valid traceId required");
  }
  if (span->id == 0) return InvalidArgumentError("valid span id required");
  span->timestamp_absent = span->timestamp_us == 0;
  return Status::Ok();
}

}  // namespace

Status DecodeV2Json(std::string_view body, std::vector<Span>* out) {
  Json doc;
  TEMPO_RETURN_IF_ERROR(jf::Parse(body, &doc));
  if (doc.is_null()) return Status::Ok();
  if (!doc.is_array()) {
    return InvalidArgumentError("json: cannot unmarshal " + std::string(doc.type_name()) +
                                " into Go value of type []*model.SpanModel");
  }
  out->reserve(doc.size());
  for (const Json& item : doc) {
    if (item.is_null()) continue;  // a nil span is skipped
    Span span;
    TEMPO_RETURN_IF_ERROR(ReadSpan(item, &span));
    out->push_back(std::move(span));
  }
  return Status::Ok();
}

Status V2JsonToOtlp(std::string_view body, model::OtlpRequest* out) {
  std::vector<Span> spans;
  TEMPO_RETURN_IF_ERROR(DecodeV2Json(body, &spans));
  return TranslateV2(spans, out);
}

}  // namespace tempo::receivers::zipkin
