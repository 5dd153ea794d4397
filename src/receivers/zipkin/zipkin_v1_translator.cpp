// Zipkin v1 → OTLP (spec/ingest-protocols.md §6.4): kind and resource from the core annotations,
// other annotations as events, binary annotations as attributes, status from the
// census/otel/error/http tags in that order.

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

#include "receivers/jaeger/otlp_builder.h"
#include "receivers/zipkin/zipkin_decoder.h"

namespace tempo::receivers::zipkin {
namespace {

namespace ob = otlp_builder;
namespace trace = opentelemetry::proto::trace::v1;
using Type = V1BinaryAnnotation::Type;

constexpr std::string_view kUnknownService = "unknown-service";

bool IsCoreAnnotation(std::string_view value) {
  return value == "cs" || value == "cr" || value == "ss" || value == "sr" || value == "ms" ||
         value == "mr";
}

trace::Span::SpanKind KindOfCore(std::string_view value) {
  if (value == "cs" || value == "cr") return trace::Span::SPAN_KIND_CLIENT;
  if (value == "ss" || value == "sr") return trace::Span::SPAN_KIND_SERVER;
  if (value == "ms") return trace::Span::SPAN_KIND_PRODUCER;
  return trace::Span::SPAN_KIND_CONSUMER;  // "mr"
}

bool ParseInt(std::string_view text, int64_t* out) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

// The integer value of a binary annotation (an int, or a string holding one).
bool IntValue(const V1BinaryAnnotation& b, int64_t* out) {
  if (b.type == Type::kInt) {
    *out = b.i;
    return true;
  }
  return b.type == Type::kString && ParseInt(b.str, out);
}

std::string TextValue(const V1BinaryAnnotation& b) {
  switch (b.type) {
    case Type::kString:
    case Type::kBytes:
      return b.str;
    case Type::kBool:
      return b.b ? "true" : "false";
    case Type::kInt:
      return std::to_string(b.i);
    case Type::kDouble:
      return std::to_string(b.d);
  }
  return "";
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// One status source: a code once seen, and its message.
struct StatusSource {
  bool has_code = false;
  trace::Status::StatusCode code = trace::Status::STATUS_CODE_UNSET;
  std::string message;
};

// Collects status tags; Consume() returns true for tags that are status-only (not attributes).
class StatusMapper {
 public:
  bool Consume(const V1BinaryAnnotation& b) {
    const std::string& key = b.key;
    int64_t n = 0;
    if (key == "census.status_code") {
      if (!IntValue(b, &n)) return false;
      census_.has_code = true;
      census_.code = n == 0 ? trace::Status::STATUS_CODE_UNSET : trace::Status::STATUS_CODE_ERROR;
      return true;
    }
    if (key == "census.status_description" || key == "opencensus.status_description") {
      census_.message = TextValue(b);
      return true;
    }
    if (key == "otel.status_code") {
      std::string text = TextValue(b);
      if (IntValue(b, &n) && n >= 0 && n <= 2) {
        otel_.code = static_cast<trace::Status::StatusCode>(n);
      } else if (EqualsIgnoreCase(text, "OK") || EqualsIgnoreCase(text, "STATUS_CODE_OK")) {
        otel_.code = trace::Status::STATUS_CODE_OK;
      } else if (EqualsIgnoreCase(text, "ERROR") || EqualsIgnoreCase(text, "STATUS_CODE_ERROR")) {
        otel_.code = trace::Status::STATUS_CODE_ERROR;
      } else if (EqualsIgnoreCase(text, "UNSET") || EqualsIgnoreCase(text, "STATUS_CODE_UNSET")) {
        otel_.code = trace::Status::STATUS_CODE_UNSET;
      } else {
        return false;
      }
      otel_.has_code = true;
      return true;
    }
    if (key == "otel.status_description") {
      otel_.message = TextValue(b);
      return true;
    }
    if (key == "error") {
      bool is_error = b.type == Type::kBool ? b.b : TextValue(b) != "false";
      if (!is_error) return false;
      error_.has_code = true;
      error_.code = trace::Status::STATUS_CODE_ERROR;
      // A bare marker is dropped; a message stays visible as an attribute.
      return b.type == Type::kBool || TextValue(b) == "true";
    }
    if (key == "http.status_code") {
      if (IntValue(b, &n)) {
        http_.has_code = true;
        http_.code = n >= 100 && n < 400 ? trace::Status::STATUS_CODE_UNSET
                                         : trace::Status::STATUS_CODE_ERROR;
      }
      return false;
    }
    if (key == "http.status_message") http_.message = TextValue(b);
    return false;
  }

  void Apply(trace::Status* status) const {
    for (const StatusSource* source : {&census_, &otel_, &error_, &http_}) {
      if (!source->has_code) continue;
      status->set_code(source->code);
      if (source->code != trace::Status::STATUS_CODE_UNSET || source == &otel_ ||
          source == &census_) {
        status->set_message(source->message);
      }
      return;
    }
  }

 private:
  StatusSource census_, otel_, error_, http_;
};

void PutBinaryAnnotation(const V1BinaryAnnotation& b, ob::KeyValues* attrs) {
  std::string_view key = b.key == "lc" ? std::string_view("component") : std::string_view(b.key);
  switch (b.type) {
    case Type::kString:
      ob::PutString(attrs, key, b.str);
      return;
    case Type::kBytes:
      ob::PutBytes(attrs, key, b.str);
      return;
    case Type::kBool:
      ob::PutBool(attrs, key, b.b);
      return;
    case Type::kInt:
      ob::PutInt(attrs, key, b.i);
      return;
    case Type::kDouble:
      ob::PutDouble(attrs, key, b.d);
      return;
  }
}

// Converts one span; returns its resource endpoint.
V1Endpoint FillSpan(const V1Span& in, bool from_json, uint64_t now_unix_nanos, trace::Span* out) {
  out->set_trace_id(ob::TraceIdBytes(in.trace_high, in.trace_low));
  out->set_span_id(ob::SpanIdBytes(in.id));
  if (in.parent_id) out->set_parent_span_id(ob::SpanIdBytes(*in.parent_id));
  out->set_name(in.name);

  // Core annotations give the kind (first one) and the endpoint (first with a service name).
  const V1Endpoint* endpoint = nullptr;
  bool kind_set = false;
  int64_t earliest = std::numeric_limits<int64_t>::max();
  int64_t latest = std::numeric_limits<int64_t>::min();
  for (const V1Annotation& a : in.annotations) {
    if (a.value.empty()) continue;
    const bool core = IsCoreAnnotation(a.value);
    if (core && endpoint == nullptr && a.endpoint && !a.endpoint->service_name.empty()) {
      endpoint = &*a.endpoint;
    }
    if (core && !kind_set) {
      out->set_kind(KindOfCore(a.value));
      kind_set = true;
    }
    earliest = std::min(earliest, a.timestamp_us);
    latest = std::max(latest, a.timestamp_us);
    if (core) continue;
    trace::Span::Event* event = out->add_events();
    event->set_time_unix_nano(static_cast<uint64_t>(a.timestamp_us) * 1000);
    event->set_name(a.value);
  }

  ob::KeyValues* attrs = out->mutable_attributes();
  StatusMapper status;
  std::string fallback_service, local_component;
  for (const V1BinaryAnnotation& b : in.binary_annotations) {
    if (b.endpoint && !b.endpoint->service_name.empty()) {
      fallback_service = b.endpoint->service_name;
    }
    if (b.key == "lc") local_component = TextValue(b);
    if (status.Consume(b)) continue;
    PutBinaryAnnotation(b, attrs);
  }
  status.Apply(out->mutable_status());

  uint64_t start = 0, end = 0;
  if (in.timestamp_us != 0) {
    start = static_cast<uint64_t>(in.timestamp_us) * 1000;
    end = (static_cast<uint64_t>(in.timestamp_us) + static_cast<uint64_t>(in.duration_us)) * 1000;
  } else if (earliest != std::numeric_limits<int64_t>::max()) {
    start = static_cast<uint64_t>(earliest) * 1000;
    end = static_cast<uint64_t>(latest) * 1000;
  }
  if (start == 0 && from_json) {
    start = now_unix_nanos;
    end = now_unix_nanos + static_cast<uint64_t>(in.duration_us) * 1000;
    ob::PutBool(attrs, "otel.zipkin.absentField.startTime", true);
  }
  out->set_start_time_unix_nano(start);
  out->set_end_time_unix_nano(end);

  if (endpoint != nullptr) return *endpoint;
  V1Endpoint fallback;
  if (fallback_service.empty()) fallback_service = local_component;
  fallback.service_name =
      fallback_service.empty() ? std::string(kUnknownService) : fallback_service;
  return fallback;
}

void FillResource(const V1Endpoint& e, opentelemetry::proto::resource::v1::Resource* resource) {
  ob::KeyValues* attrs = resource->mutable_attributes();
  ob::PutString(attrs, "service.name", e.service_name);
  if (!e.ipv4.empty()) ob::PutString(attrs, "ipv4", e.ipv4);
  if (!e.ipv6.empty()) ob::PutString(attrs, "ipv6", e.ipv6);
  if (e.port != 0) ob::PutString(attrs, "port", std::to_string(e.port));
}

}  // namespace

void TranslateV1(const std::vector<V1Span>& spans, bool from_json, uint64_t now_unix_nanos,
                 model::OtlpRequest* out) {
  // One resource per distinct endpoint, in order of first appearance.
  std::vector<std::pair<V1Endpoint, trace::ScopeSpans*>> resources;
  for (const V1Span& in : spans) {
    trace::Span span;
    V1Endpoint endpoint = FillSpan(in, from_json, now_unix_nanos, &span);
    trace::ScopeSpans* ss = nullptr;
    for (auto& [e, scope] : resources) {
      if (e == endpoint) ss = scope;
    }
    if (ss == nullptr) {
      trace::ResourceSpans* rs = out->add_resource_spans();
      FillResource(endpoint, rs->mutable_resource());
      ss = rs->add_scope_spans();
      ss->mutable_scope();
      resources.emplace_back(std::move(endpoint), ss);
    }
    *ss->add_spans() = std::move(span);
  }
}

}  // namespace tempo::receivers::zipkin
