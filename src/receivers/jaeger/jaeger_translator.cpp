// Jaeger → OTLP, following the collector's translator (spec/ingest-protocols.md §7.5).

#include <cctype>
#include <charconv>
#include <string>
#include <utility>
#include <vector>

#include "receivers/jaeger/jaeger_decoder.h"
#include "receivers/jaeger/otlp_builder.h"

namespace tempo::receivers::jaeger {
namespace {

namespace ob = otlp_builder;
namespace trace = opentelemetry::proto::trace::v1;
using ob::KeyValues;

// A gRPC process with this service name stands for "no resource" (the collector's marker).
constexpr std::string_view kNoServiceName = "OTLPResourceNoServiceName";

void PutTag(const Tag& tag, Flavor flavor, KeyValues* attrs) {
  switch (tag.kind) {
    case TagKind::kString:
      ob::PutString(attrs, tag.key, tag.str);
      return;
    case TagKind::kBool:
      ob::PutBool(attrs, tag.key, tag.b);
      return;
    case TagKind::kInt:
      ob::PutInt(attrs, tag.key, tag.i);
      return;
    case TagKind::kDouble:
      ob::PutDouble(attrs, tag.key, tag.d);
      return;
    case TagKind::kBinary:
      ob::PutBytes(attrs, tag.key, tag.str);
      return;
    case TagKind::kUnknown: {
      // The text names the type as each Go enum prints an unknown value.
      std::string type_name = flavor == Flavor::kThrift ? "<UNSET>" : std::to_string(tag.raw_type);
      ob::PutString(attrs, tag.key, "<Unknown Jaeger TagType \"" + type_name + "\">");
      return;
    }
  }
}

void PutTags(const std::vector<Tag>& tags, Flavor flavor, KeyValues* attrs) {
  attrs->Reserve(attrs->size() + static_cast<int>(tags.size()));
  for (const Tag& tag : tags) PutTag(tag, flavor, attrs);
}

// Process → resource attributes; `hostname` and `jaeger.version` get their OTel names.
void FillResource(const Process* process, Flavor flavor,
                  opentelemetry::proto::resource::v1::Resource* resource) {
  if (process == nullptr) return;
  if (flavor == Flavor::kProto && process->service_name == kNoServiceName) return;
  if (process->service_name.empty() && process->tags.empty()) return;
  KeyValues* attrs = resource->mutable_attributes();
  if (!process->service_name.empty()) ob::PutString(attrs, "service.name", process->service_name);
  PutTags(process->tags, flavor, attrs);
  if (const auto* hostname = ob::Find(*attrs, "hostname");
      hostname != nullptr && ob::Find(*attrs, "host.name") == nullptr) {
    std::string value(ob::Str(*hostname));
    ob::Remove(attrs, "hostname");
    ob::PutString(attrs, "host.name", value);
  }
  if (const auto* version = ob::Find(*attrs, "jaeger.version");
      version != nullptr && ob::Find(*attrs, "opencensus.exporterversion") == nullptr) {
    std::string value = "Jaeger-" + std::string(ob::Str(*version));
    ob::Remove(attrs, "jaeger.version");
    ob::PutString(attrs, "opencensus.exporterversion", value);
  }
}

trace::Span::SpanKind KindFromTag(std::string_view value) {
  if (value == "client") return trace::Span::SPAN_KIND_CLIENT;
  if (value == "server") return trace::Span::SPAN_KIND_SERVER;
  if (value == "producer") return trace::Span::SPAN_KIND_PRODUCER;
  if (value == "consumer") return trace::Span::SPAN_KIND_CONSUMER;
  if (value == "internal") return trace::Span::SPAN_KIND_INTERNAL;
  return trace::Span::SPAN_KIND_UNSPECIFIED;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// The integer of an http.status_code attribute: an int, or a string holding a decimal integer
// (Go's strconv.Atoi). Doubles and anything else do not count.
bool HttpStatusCode(const ob::common::AnyValue& value, int64_t* out) {
  if (value.value_case() == ob::common::AnyValue::kIntValue) {
    *out = value.int_value();
    return true;
  }
  if (value.value_case() != ob::common::AnyValue::kStringValue) return false;
  std::string_view text = value.string_value();
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

// Removes otel.status_description and returns its text, if present.
bool TakeStatusDescription(KeyValues* attrs, std::string* out) {
  const auto* desc = ob::Find(*attrs, "otel.status_description");
  if (desc == nullptr) return false;
  *out = std::string(ob::Str(*desc));
  ob::Remove(attrs, "otel.status_description");
  return true;
}

// Status from the tags, in the collector's order: error=true (bool), otel.status_code,
// http.status_code (spec §7.5).
void SetStatus(KeyValues* attrs, trace::Span* span) {
  trace::Status::StatusCode code = trace::Status::STATUS_CODE_UNSET;
  std::string message;
  bool exists = false;

  if (const auto* error = ob::Find(*attrs, "error");
      error != nullptr && error->value_case() == ob::common::AnyValue::kBoolValue &&
      error->bool_value()) {
    code = trace::Status::STATUS_CODE_ERROR;
    exists = true;
    ob::Remove(attrs, "error");
    if (!TakeStatusDescription(attrs, &message)) {
      if (const auto* msg = ob::Find(*attrs, "http.status_message")) message = ob::Str(*msg);
    }
  }

  if (const auto* otel_code = ob::Find(*attrs, "otel.status_code"); otel_code != nullptr) {
    if (!exists) {
      exists = true;
      std::string_view text = ob::Str(*otel_code);
      if (EqualsIgnoreCase(text, "OK")) code = trace::Status::STATUS_CODE_OK;
      if (EqualsIgnoreCase(text, "ERROR")) code = trace::Status::STATUS_CODE_ERROR;
      TakeStatusDescription(attrs, &message);
    }
    ob::Remove(attrs, "otel.status_code");
  } else if (const auto* http = ob::Find(*attrs, "http.status_code"); !exists && http != nullptr) {
    int64_t status = 0;
    if (HttpStatusCode(*http, &status)) {
      trace::Status::StatusCode from_http;
      if (status >= 400 && status < 500 && span->kind() == trace::Span::SPAN_KIND_CLIENT) {
        from_http = trace::Status::STATUS_CODE_ERROR;
      } else if (status >= 400 && status < 500 && span->kind() == trace::Span::SPAN_KIND_SERVER) {
        from_http = trace::Status::STATUS_CODE_UNSET;
      } else if (status >= 100 && status < 399) {
        from_http = trace::Status::STATUS_CODE_UNSET;
      } else {
        from_http = trace::Status::STATUS_CODE_ERROR;
      }
      if (from_http != trace::Status::STATUS_CODE_UNSET) {
        exists = true;
        code = from_http;
      }
      if (const auto* msg = ob::Find(*attrs, "http.status_message")) message = ob::Str(*msg);
    }
  }

  if (exists) {
    span->mutable_status()->set_code(code);
    span->mutable_status()->set_message(std::move(message));
  }
}

// The parent: parentSpanId when set, else the first CHILD_OF reference of the same trace, else
// the first FOLLOWS_FROM of the same trace.
uint64_t ParentOf(const Span& span) {
  if (span.parent_span_id != 0) return span.parent_span_id;
  for (int32_t wanted : {kRefChildOf, kRefFollowsFrom}) {
    for (const SpanRef& ref : span.references) {
      if (ref.type == wanted && ref.trace_high == span.trace_high &&
          ref.trace_low == span.trace_low) {
        return ref.span_id;
      }
    }
  }
  return 0;
}

void FillSpan(const Span& in, Flavor flavor, trace::Span* out) {
  out->set_trace_id(ob::TraceIdBytes(in.trace_high, in.trace_low));
  out->set_span_id(ob::SpanIdBytes(in.span_id));
  const uint64_t parent = ParentOf(in);
  out->set_parent_span_id(ob::SpanIdBytes(parent));
  out->set_name(in.operation_name.data(), in.operation_name.size());
  out->set_start_time_unix_nano(in.start_ns);
  out->set_end_time_unix_nano(in.end_ns);
  out->mutable_status();  // present even when unset, as the collector's model always has it

  KeyValues* attrs = out->mutable_attributes();
  PutTags(in.tags, flavor, attrs);
  if (flavor == Flavor::kProto) {
    // Consumed by the scope grouping.
    if (ob::Find(*attrs, "otel.scope.name") != nullptr) {
      ob::Remove(attrs, "otel.scope.name");
      ob::Remove(attrs, "otel.scope.version");
    }
  }
  if (const auto* kind = ob::Find(*attrs, "span.kind")) {
    out->set_kind(KindFromTag(ob::Str(*kind)));
    ob::Remove(attrs, "span.kind");
  }
  SetStatus(attrs, out);
  if (flavor == Flavor::kProto) {
    if (const auto* state = ob::Find(*attrs, "w3c.tracestate")) {
      out->set_trace_state(std::string(ob::Str(*state)));
      ob::Remove(attrs, "w3c.tracestate");
    }
  }

  out->mutable_events()->Reserve(static_cast<int>(in.logs.size()));
  for (const Log& log : in.logs) {
    trace::Span::Event* event = out->add_events();
    event->set_time_unix_nano(log.time_ns);
    KeyValues* event_attrs = event->mutable_attributes();
    PutTags(log.fields, flavor, event_attrs);
    if (const auto* name = ob::Find(*event_attrs, "event");
        name != nullptr && name->value_case() == ob::common::AnyValue::kStringValue) {
      event->set_name(name->string_value());
      ob::Remove(event_attrs, "event");
    }
  }

  for (const SpanRef& ref : in.references) {
    if (ref.type == kRefChildOf && ref.span_id == parent) continue;  // that is the parent
    trace::Span::Link* link = out->add_links();
    link->set_trace_id(ob::TraceIdBytes(ref.trace_high, ref.trace_low));
    link->set_span_id(ob::SpanIdBytes(ref.span_id));
    if (ref.type == kRefChildOf)
      ob::PutString(link->mutable_attributes(), "opentracing.ref_type", "child_of");
    if (ref.type == kRefFollowsFrom) {
      ob::PutString(link->mutable_attributes(), "opentracing.ref_type", "follows_from");
    }
  }
}

bool SameTag(const Tag& a, const Tag& b) {
  return a.key == b.key && a.kind == b.kind && a.str == b.str && a.b == b.b && a.i == b.i &&
         (a.d == b.d || (a.d != a.d && b.d != b.d)) && a.raw_type == b.raw_type;
}

bool SameProcess(const Process& a, const Process& b) {
  if (a.service_name != b.service_name || a.tags.size() != b.tags.size()) return false;
  for (size_t i = 0; i < a.tags.size(); ++i) {
    if (!SameTag(a.tags[i], b.tags[i])) return false;
  }
  return true;
}

// The (name, version) scope of a protobuf span: tags otel.scope.name / otel.scope.version (the
// version only counts with a name), first occurrence, string value as sent.
std::pair<std::string_view, std::string_view> ScopeOf(const Span& span) {
  std::pair<std::string_view, std::string_view> scope;
  bool has_name = false, has_version = false;
  for (const Tag& tag : span.tags) {
    if (!has_name && tag.key == "otel.scope.name") {
      scope.first = tag.str;
      has_name = true;
    } else if (!has_version && tag.key == "otel.scope.version") {
      scope.second = tag.str;
      has_version = true;
    }
  }
  if (!has_name) scope.second = {};
  return scope;
}

void TranslateThrift(const Batch& batch, model::OtlpRequest* out) {
  if (!batch.has_process && batch.spans.empty()) return;
  trace::ResourceSpans* rs = out->add_resource_spans();
  FillResource(batch.has_process ? &batch.process : nullptr, Flavor::kThrift,
               rs->mutable_resource());
  if (batch.spans.empty()) return;
  // One scope, empty, for the whole batch.
  trace::ScopeSpans* ss = rs->add_scope_spans();
  ss->mutable_scope();
  ss->mutable_spans()->Reserve(static_cast<int>(batch.spans.size()));
  for (const Span& span : batch.spans) {
    if (span.blank) continue;
    FillSpan(span, Flavor::kThrift, ss->add_spans());
  }
}

void TranslateProto(const Batch& batch, model::OtlpRequest* out) {
  // Regroup: one resource per distinct process, in order of first appearance.
  struct Group {
    const Process* process;
    std::vector<const Span*> spans;
  };
  std::vector<Group> groups;
  const Process* batch_process = batch.has_process ? &batch.process : nullptr;
  for (const Span& span : batch.spans) {
    const Process* process = span.process != nullptr ? span.process : batch_process;
    Group* group = nullptr;
    for (Group& g : groups) {
      if (g.process == process ||
          (g.process != nullptr && process != nullptr && SameProcess(*g.process, *process))) {
        group = &g;
        break;
      }
    }
    if (group == nullptr) group = &groups.emplace_back(Group{process, {}});
    group->spans.push_back(&span);
  }
  for (const Group& group : groups) {
    trace::ResourceSpans* rs = out->add_resource_spans();
    FillResource(group.process, Flavor::kProto, rs->mutable_resource());
    // Scopes from otel.scope.* tags, in order of first appearance.
    std::vector<std::pair<std::pair<std::string_view, std::string_view>, trace::ScopeSpans*>>
        scopes;
    for (const Span* span : group.spans) {
      if (span->blank) continue;
      auto scope = ScopeOf(*span);
      trace::ScopeSpans* ss = nullptr;
      for (auto& [key, value] : scopes) {
        if (key == scope) ss = value;
      }
      if (ss == nullptr) {
        ss = rs->add_scope_spans();
        ss->mutable_scope()->set_name(scope.first.data(), scope.first.size());
        ss->mutable_scope()->set_version(scope.second.data(), scope.second.size());
        scopes.emplace_back(scope, ss);
      }
      FillSpan(*span, Flavor::kProto, ss->add_spans());
    }
  }
}

}  // namespace

void TranslateToOtlp(const Batch& batch, Flavor flavor, model::OtlpRequest* out) {
  if (flavor == Flavor::kThrift) {
    TranslateThrift(batch, out);
  } else {
    TranslateProto(batch, out);
  }
  // Thrift strings and our `bytes` proto fields may hold any bytes; OTLP strings may not.
  ob::SanitizeUtf8(out);
}

}  // namespace tempo::receivers::jaeger
