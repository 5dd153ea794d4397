// Building a search result entry (query-api.md §8.8, traceql.md §17.3) from the spansets a query
// produced on one trace.
#include <algorithm>

#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "tempopb/tempo.pb.h"
#include "traceql/eval/id_text.h"
#include "traceql/eval/plan.h"

namespace tempo::traceql::internal {
namespace {

using opentelemetry::proto::common::v1::AnyValue;

void SetStatic(const Static& v, AnyValue* out) {
  switch (v.type) {
    case ValueType::kString:
      out->set_string_value(v.string_value);
      return;
    case ValueType::kInt:
      out->set_int_value(v.int_value);
      return;
    case ValueType::kFloat:
      out->set_double_value(v.float_value);
      return;
    case ValueType::kBool:
      out->set_bool_value(v.bool_value);
      return;
    case ValueType::kDuration:
      out->set_string_value(FormatDuration(v.int_value));
      return;
    case ValueType::kStatus:
      out->set_string_value(std::string(StatusCodeText(v.status)));
      return;
    case ValueType::kKind:
      out->set_string_value(std::string(SpanKindText(v.kind)));
      return;
    default:
      out->set_string_value("nil");
      return;
  }
}

void SetValue(const eval::Value& v, AnyValue* out) {
  if (v.is_array) {
    if (v.array != nullptr) *out->mutable_array_value() = *v.array;
    return;
  }
  SetStatic(eval::ToStatic(v), out);
}

void FillSpan(const CompiledQuery& query, const TraceView& trace, uint32_t index,
              eval::EvalState& state, tempopb::Span* out) {
  const auto& span = *trace.spans()[index].span;
  std::string id;
  eval::SpanIdText(span.span_id(), &id);
  out->set_spanid(std::move(id));
  if (query.output_name && !span.name().empty()) out->set_name(span.name());
  out->set_starttimeunixnano(span.start_time_unix_nano());
  out->set_durationnanos(span.end_time_unix_nano() - span.start_time_unix_nano());
  state.SetSpan(index);
  for (const OutputField& field : query.outputs) {
    eval::Value v = eval::EvalValue(field.program, state);
    if (v.is_nil()) continue;  // fields the span does not have are left out
    auto* kv = out->add_attributes();
    kv->set_key(field.key);
    SetValue(v, kv->mutable_value());
  }
}

}  // namespace

void FillMetadata(const CompiledQuery& query, const TraceView& trace,
                  const std::vector<Spanset>& spansets, const SearchOptions& options,
                  eval::EvalState& state, tempopb::TraceSearchMetadata* out) {
  out->Clear();
  out->set_traceid(trace.id_text());
  if (trace.root() >= 0) {
    out->set_rootservicename(std::string(trace.root_service_name()));
    out->set_roottracename(std::string(trace.root_span_name()));
  } else {
    out->set_rootservicename("<root span not yet received>");
  }
  out->set_starttimeunixnano(trace.start_unix_nano());
  out->set_durationms(
      static_cast<uint32_t>(std::min<uint64_t>(trace.duration_nanos() / 1000000, UINT32_MAX)));
  auto& stats = *out->mutable_servicestats();
  for (const SpanRef& s : trace.spans()) {
    tempopb::ServiceStats& service = stats[std::string(s.service_name)];
    service.set_spancount(service.spancount() + 1);
    if (s.span->status().code() == opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR) {
      service.set_errorcount(service.errorcount() + 1);
    }
  }
  for (const Spanset& spanset : spansets) {
    tempopb::SpanSet* set = out->add_spansets();
    set->set_matched(static_cast<uint32_t>(spanset.spans.size()));
    size_t shown = spanset.spans.size();
    if (options.spans_per_spanset != 0) {
      shown = std::min<size_t>(shown, options.spans_per_spanset);
    }
    for (size_t i = 0; i < shown; ++i) {
      FillSpan(query, trace, spanset.spans[i], state, set->add_spans());
    }
    for (const auto& [key, value] : spanset.attributes) {
      auto* kv = set->add_attributes();
      kv->set_key(key);
      SetStatic(value, kv->mutable_value());
    }
  }
  if (out->spansets_size() > 0) *out->mutable_spanset() = out->spansets(0);
}

}  // namespace tempo::traceql::internal
