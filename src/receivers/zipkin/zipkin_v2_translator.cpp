// Zipkin v2 → OTLP, following the collector's translator (spec/ingest-protocols.md §6.3).

#include <algorithm>
#include <array>
#include <charconv>

#include "receivers/jaeger/otlp_builder.h"
#include "receivers/zipkin/json_fields.h"
#include "receivers/zipkin/zipkin_decoder.h"

namespace tempo::receivers::zipkin {
namespace {

namespace ob = otlp_builder;
namespace trace = opentelemetry::proto::trace::v1;
using Tags = std::vector<std::pair<std::string, std::string>>;

// Sort key of spans without a local endpoint (the collector's marker for "no service").
constexpr std::string_view kNoServiceName = "OTLPResourceNoServiceName";
constexpr std::string_view kServiceNameSource = "otlp.service.name.source";
constexpr std::string_view kLibraryName = "otel.library.name";
constexpr std::string_view kLibraryVersion = "otel.library.version";

// Tags that describe the resource, not the span: they move to the resource (taken from the first
// span of each service) and never become span attributes. Sorted for binary search.
constexpr std::array<std::string_view, 86> kResourceKeys = [] {
  std::array<std::string_view, 86> keys = {"aws.ecs.cluster.arn",
                                           "aws.ecs.container.arn",
                                           "aws.ecs.launchtype",
                                           "aws.ecs.task.arn",
                                           "aws.ecs.task.family",
                                           "aws.ecs.task.revision",
                                           "aws.eks.cluster.arn",
                                           "aws.log.group.arns",
                                           "aws.log.group.names",
                                           "aws.log.stream.arns",
                                           "aws.log.stream.names",
                                           "cloud.account.id",
                                           "cloud.availability_zone",
                                           "cloud.platform",
                                           "cloud.provider",
                                           "cloud.region",
                                           "container.id",
                                           "container.image.name",
                                           "container.image.tag",
                                           "container.name",
                                           "container.runtime",
                                           "deployment.environment",
                                           "device.id",
                                           "device.manufacturer",
                                           "device.model.identifier",
                                           "device.model.name",
                                           "faas.id",
                                           "faas.instance",
                                           "faas.max_memory",
                                           "faas.name",
                                           "faas.version",
                                           "host.arch",
                                           "host.id",
                                           "host.image.id",
                                           "host.image.name",
                                           "host.image.version",
                                           "host.name",
                                           "host.type",
                                           "k8s.cluster.name",
                                           "k8s.container.name",
                                           "k8s.container.restart_count",
                                           "k8s.cronjob.name",
                                           "k8s.cronjob.uid",
                                           "k8s.daemonset.name",
                                           "k8s.daemonset.uid",
                                           "k8s.deployment.name",
                                           "k8s.deployment.uid",
                                           "k8s.job.name",
                                           "k8s.job.uid",
                                           "k8s.namespace.name",
                                           "k8s.node.name",
                                           "k8s.node.uid",
                                           "k8s.pod.name",
                                           "k8s.pod.uid",
                                           "k8s.replicaset.name",
                                           "k8s.replicaset.uid",
                                           "k8s.statefulset.name",
                                           "k8s.statefulset.uid",
                                           "opencensus.exporterversion",
                                           "opencensus.resourcetype",
                                           "opencensus.starttime",
                                           "os.description",
                                           "os.name",
                                           "os.type",
                                           "os.version",
                                           "process.command",
                                           "process.command_args",
                                           "process.command_line",
                                           "process.executable.name",
                                           "process.executable.path",
                                           "process.owner",
                                           "process.pid",
                                           "process.runtime.description",
                                           "process.runtime.name",
                                           "process.runtime.version",
                                           "service.instance.id",
                                           "service.name",
                                           "service.namespace",
                                           "service.version",
                                           "telemetry.auto.version",
                                           "telemetry.sdk.language",
                                           "telemetry.sdk.name",
                                           "telemetry.sdk.version",
                                           "webengine.description",
                                           "webengine.name",
                                           "webengine.version"};
  std::sort(keys.begin(), keys.end());
  return keys;
}();

bool IsResourceKey(std::string_view key) {
  return std::binary_search(kResourceKeys.begin(), kResourceKeys.end(), key);
}

bool IsNonSpanKey(std::string_view key) {
  return key == kServiceNameSource || key == kLibraryName || key == kLibraryVersion ||
         IsResourceKey(key);
}

const std::string* FindTag(const Tags& tags, std::string_view key) {
  for (const auto& [k, v] : tags) {
    if (k == key) return &v;
  }
  return nullptr;
}

void EraseTag(Tags* tags, std::string_view key) {
  tags->erase(
      std::remove_if(tags->begin(), tags->end(), [&](const auto& kv) { return kv.first == key; }),
      tags->end());
}

std::string_view ServiceKey(const Span& span) {
  return span.local_endpoint ? std::string_view(span.local_endpoint->service_name) : kNoServiceName;
}

std::string_view LibraryName(const Span& span) {
  const std::string* name = FindTag(span.tags, kLibraryName);
  return name != nullptr ? std::string_view(*name) : std::string_view();
}

void FillResource(const Span& first, std::string_view service, Tags* tags,
                  opentelemetry::proto::resource::v1::Resource* resource) {
  if (!first.local_endpoint) return;
  ob::KeyValues* attrs = resource->mutable_attributes();
  const std::string* source = FindTag(*tags, kServiceNameSource);
  if (source != nullptr && !source->empty()) {
    ob::PutString(attrs, *source, service);
  } else {
    ob::PutString(attrs, "service.name", service);
  }
  EraseTag(tags, kServiceNameSource);
  for (std::string_view key : kResourceKeys) {
    if (const std::string* value = FindTag(*tags, key)) {
      ob::PutString(attrs, key, *value);
      EraseTag(tags, key);
    }
  }
}

void JsonToAnyValue(const json_fields::Json& v, ob::common::AnyValue* out, int depth) {
  using Json = json_fields::Json;
  if (depth > 32) return;
  switch (v.type()) {
    case Json::value_t::string:
      out->set_string_value(v.get_ref<const std::string&>());
      return;
    case Json::value_t::boolean:
      out->set_bool_value(v.get<bool>());
      return;
    case Json::value_t::number_integer:
      out->set_int_value(v.get<int64_t>());
      return;
    case Json::value_t::number_unsigned: {
      uint64_t u = v.get<uint64_t>();
      if (u <= static_cast<uint64_t>(INT64_MAX)) {
        out->set_int_value(static_cast<int64_t>(u));
      } else {
        out->set_double_value(static_cast<double>(u));
      }
      return;
    }
    case Json::value_t::number_float: {
      double d = v.get<double>();
      if (d == static_cast<double>(static_cast<int64_t>(d)) && d > -9.2e18 && d < 9.2e18) {
        out->set_int_value(static_cast<int64_t>(d));
      } else {
        out->set_double_value(d);
      }
      return;
    }
    case Json::value_t::array: {
      auto* array = out->mutable_array_value();
      for (const Json& e : v) JsonToAnyValue(e, array->add_values(), depth + 1);
      return;
    }
    case Json::value_t::object: {
      auto* list = out->mutable_kvlist_value();
      for (auto it = v.begin(); it != v.end(); ++it) {
        auto* kv = list->add_values();
        kv->set_key(it.key());
        JsonToAnyValue(it.value(), kv->mutable_value(), depth + 1);
      }
      return;
    }
    default:
      return;  // null: an empty value
  }
}

// Parses "{json}" into attributes; false unless it is a JSON object.
bool JsonAttributes(std::string_view text, ob::KeyValues* attrs) {
  json_fields::Json doc;
  if (!json_fields::Parse(text, &doc).ok() || !doc.is_object()) return false;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    JsonToAnyValue(it.value(), ob::Put(attrs, it.key()), 0);
  }
  return true;
}

bool ParseUint32(std::string_view text, uint32_t* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t pos = text.find(sep, start);
    parts.push_back(text.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) return parts;
    start = pos + 1;
  }
}

// The middle parts (the JSON, which may itself contain '|') joined back.
std::string_view Middle(std::string_view whole, const std::vector<std::string_view>& parts,
                        size_t first, size_t last) {
  const char* begin = parts[first].data();
  const char* end = parts[last].data() + parts[last].size();
  return whole.substr(static_cast<size_t>(begin - whole.data()), static_cast<size_t>(end - begin));
}

// Hex id of exactly `bytes` bytes; an empty text is a zero id.
bool ParseHexId(std::string_view text, size_t bytes, std::string* out) {
  out->clear();
  if (text.empty()) return true;
  if (text.size() != bytes * 2) return false;
  uint64_t high = 0, low = 0;
  if (bytes == 16) {
    if (!ParseHex64(text.substr(0, 16), &high) || !ParseHex64(text.substr(16), &low)) {
      return false;
    }
    *out = ob::TraceIdBytes(high, low);
    if (out->empty()) out->assign(16, '\0');
    return true;
  }
  if (!ParseHex64(text, &low)) return false;
  *out = ob::SpanIdBytes(low);
  if (out->empty()) out->assign(8, '\0');
  return true;
}

// Tags otlp.link.0 … otlp.link.127: "traceId|spanId|tracestate|{json attrs}|dropped".
Status TakeLinks(Tags* tags, trace::Span* span) {
  for (int i = 0; i < 128; ++i) {
    std::string key = "otlp.link." + std::to_string(i);
    const std::string* found = FindTag(*tags, key);
    if (found == nullptr) return Status::Ok();
    std::string value = *found;
    EraseTag(tags, key);
    std::vector<std::string_view> parts = Split(value, '|');
    if (parts.size() < 5) continue;
    trace::Span::Link* link = span->add_links();
    if (!ParseHexId(parts[0], 16, link->mutable_trace_id())) {
      return InvalidArgumentError("invalid trace id in tag " + key);
    }
    if (!ParseHexId(parts[1], 8, link->mutable_span_id())) {
      return InvalidArgumentError("invalid span id in tag " + key);
    }
    link->set_trace_state(std::string(parts[2]));
    if (!JsonAttributes(Middle(value, parts, 3, parts.size() - 2), link->mutable_attributes())) {
      return InvalidArgumentError("invalid attributes in tag " + key);
    }
    uint32_t dropped = 0;
    if (!ParseUint32(parts.back(), &dropped)) {
      return InvalidArgumentError("invalid dropped attributes count in tag " + key);
    }
    link->set_dropped_attributes_count(dropped);
  }
  return Status::Ok();
}

// Annotation value "name|{json attrs}|dropped" → name + attributes; anything else is the name.
void FillEvent(const Annotation& a, trace::Span::Event* event) {
  event->set_time_unix_nano(a.timestamp_us * 1000);
  std::vector<std::string_view> parts = Split(a.value, '|');
  if (parts.size() >= 3) {
    uint32_t dropped = 0;
    trace::Span::Event parsed;
    if (ParseUint32(parts.back(), &dropped) &&
        JsonAttributes(Middle(a.value, parts, 1, parts.size() - 2), parsed.mutable_attributes())) {
      event->set_name(std::string(parts[0]));
      event->mutable_attributes()->Swap(parsed.mutable_attributes());
      event->set_dropped_attributes_count(dropped);
      return;
    }
  }
  event->set_name(a.value);
}

void SetStatus(Tags* tags, trace::Status* status) {
  if (const std::string* code = FindTag(*tags, "otel.status_code")) {
    trace::Status::StatusCode value = trace::Status::STATUS_CODE_UNSET;
    if (*code == "STATUS_CODE_OK" || *code == "Ok") value = trace::Status::STATUS_CODE_OK;
    if (*code == "STATUS_CODE_ERROR" || *code == "Error") value = trace::Status::STATUS_CODE_ERROR;
    status->set_code(value);
    EraseTag(tags, "otel.status_code");
    if (const std::string* desc = FindTag(*tags, "otel.status_description")) {
      status->set_message(*desc);
      EraseTag(tags, "otel.status_description");
    }
  }
  if (const std::string* error = FindTag(*tags, "error")) {
    status->set_code(trace::Status::STATUS_CODE_ERROR);
    if (*error == "true") EraseTag(tags, "error");
  }
}

trace::Span::SpanKind KindOf(const Span& span, Tags* tags) {
  switch (span.kind) {
    case Kind::kClient:
      return trace::Span::SPAN_KIND_CLIENT;
    case Kind::kServer:
      return trace::Span::SPAN_KIND_SERVER;
    case Kind::kProducer:
      return trace::Span::SPAN_KIND_PRODUCER;
    case Kind::kConsumer:
      return trace::Span::SPAN_KIND_CONSUMER;
    case Kind::kUnspecified:
      break;
  }
  if (const std::string* tag = FindTag(*tags, "span.kind")) {
    bool internal = *tag == "internal";
    EraseTag(tags, "span.kind");
    if (internal) return trace::Span::SPAN_KIND_INTERNAL;
  }
  return trace::Span::SPAN_KIND_UNSPECIFIED;
}

Status FillSpan(const Span& in, Tags tags, trace::Span* out) {
  out->set_trace_id(ob::TraceIdBytes(in.trace_high, in.trace_low));
  out->set_span_id(ob::SpanIdBytes(in.id));
  if (const std::string* state = FindTag(tags, "w3c.tracestate")) {
    out->set_trace_state(*state);
    EraseTag(&tags, "w3c.tracestate");
  }
  if (in.parent_id && *in.parent_id != in.id)
    out->set_parent_span_id(ob::SpanIdBytes(*in.parent_id));
  out->set_name(in.name);
  out->set_kind(KindOf(in, &tags));
  SetStatus(&tags, out->mutable_status());
  TEMPO_RETURN_IF_ERROR(TakeLinks(&tags, out));

  ob::KeyValues* attrs = out->mutable_attributes();
  attrs->Reserve(static_cast<int>(tags.size()) + 4);
  for (const auto& [key, value] : tags) {
    if (!IsNonSpanKey(key)) ob::PutString(attrs, key, value);
  }
  if (in.local_endpoint) {
    const Endpoint& e = *in.local_endpoint;
    if (!e.ipv4.empty()) ob::PutString(attrs, "network.local.address", e.ipv4);
    if (!e.ipv6.empty()) ob::PutString(attrs, "network.local.address", e.ipv6);
    if (e.port > 0) ob::PutInt(attrs, "net.host.port", e.port);
  }
  if (in.remote_endpoint) {
    const Endpoint& e = *in.remote_endpoint;
    if (!e.service_name.empty()) ob::PutString(attrs, "service.peer.name", e.service_name);
    if (!e.ipv4.empty()) ob::PutString(attrs, "network.peer.address", e.ipv4);
    if (!e.ipv6.empty()) ob::PutString(attrs, "network.peer.address", e.ipv6);
    if (e.port > 0) ob::PutInt(attrs, "net.peer.port", e.port);
  }
  if (in.timestamp_absent) {
    out->set_start_time_unix_nano(0);
    out->set_end_time_unix_nano(in.duration_us * 1000);
    ob::PutBool(attrs, "otel.zipkin.absentField.startTime", true);
  } else {
    out->set_start_time_unix_nano(in.timestamp_us * 1000);
    out->set_end_time_unix_nano((in.timestamp_us + in.duration_us) * 1000);
  }
  out->mutable_events()->Reserve(static_cast<int>(in.annotations.size()));
  for (const Annotation& a : in.annotations) FillEvent(a, out->add_events());
  return Status::Ok();
}

}  // namespace

Status TranslateV2(std::vector<Span>& spans, model::OtlpRequest* out) {
  if (spans.empty()) return Status::Ok();
  // One resource per local service, one scope per library within it.
  std::stable_sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    int c = ServiceKey(a).compare(ServiceKey(b));
    if (c != 0) return c < 0;
    return LibraryName(a) < LibraryName(b);
  });
  trace::ResourceSpans* rs = nullptr;
  trace::ScopeSpans* ss = nullptr;
  std::string_view previous_service;
  std::string_view previous_library;
  for (const Span& span : spans) {
    Tags tags = span.tags;
    std::string_view service = ServiceKey(span);
    bool new_resource = rs == nullptr || service != previous_service;
    if (new_resource) {
      previous_service = service;
      rs = out->add_resource_spans();
      FillResource(span, service, &tags, rs->mutable_resource());
    }
    std::string_view library = LibraryName(span);
    if (new_resource || library != previous_library) {
      previous_library = library;
      ss = rs->add_scope_spans();
      ss->mutable_scope();
      if (!library.empty()) {
        ss->mutable_scope()->set_name(std::string(library));
        if (const std::string* version = FindTag(span.tags, kLibraryVersion)) {
          ss->mutable_scope()->set_version(*version);
        }
      }
    }
    TEMPO_RETURN_IF_ERROR(FillSpan(span, std::move(tags), ss->add_spans()));
  }
  return Status::Ok();
}

}  // namespace tempo::receivers::zipkin
