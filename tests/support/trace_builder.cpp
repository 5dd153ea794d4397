#include "support/trace_builder.h"

namespace tempo::testing {

std::string TraceIdBytes(uint64_t n) {
  std::string out(16, '\0');
  for (int i = 15; i >= 8; --i, n >>= 8) out[i] = static_cast<char>(n & 0xFF);
  return out;
}

std::string SpanIdBytes(uint64_t n) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, n >>= 8) out[i] = static_cast<char>(n & 0xFF);
  return out;
}

OtlpSpan& TraceBuilder::AddSpan(const std::string& service, uint64_t trace, uint64_t span,
                                uint64_t parent, const std::string& name) {
  if (request_.resource_spans_size() == 0 || service != last_service_) {
    auto* rs = request_.add_resource_spans();
    auto* kv = rs->mutable_resource()->add_attributes();
    kv->set_key("service.name");
    kv->mutable_value()->set_string_value(service);
    rs->add_scope_spans()->mutable_scope()->set_name("test-scope");
    last_service_ = service;
  }
  auto* ss = request_.mutable_resource_spans(request_.resource_spans_size() - 1)
                 ->mutable_scope_spans(0);
  OtlpSpan* s = ss->add_spans();
  s->set_trace_id(TraceIdBytes(trace));
  s->set_span_id(SpanIdBytes(span));
  if (parent != 0) s->set_parent_span_id(SpanIdBytes(parent));
  s->set_name(name);
  s->set_kind(OtlpSpan::SPAN_KIND_SERVER);
  s->set_start_time_unix_nano(1'700'000'000'000'000'000ull + span * 1000);
  s->set_end_time_unix_nano(1'700'000'000'000'000'000ull + span * 1000 + 500);
  return *s;
}

}  // namespace tempo::testing
