#include "tempo/model/batch.h"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "model/attribute_truncation.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempopb/tempo.pb.h"

namespace tempo::model {
namespace {

using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::ResourceSpans;
using opentelemetry::proto::trace::v1::ScopeSpans;
using opentelemetry::proto::trace::v1::Span;
using google::protobuf::RepeatedPtrField;

bool AllZero(const std::string& bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
}

}  // namespace

size_t TruncateKeyValues(RepeatedPtrField<KeyValue>* attrs, size_t max_bytes) {
  size_t cut = 0;
  for (KeyValue& kv : *attrs) {
    if (kv.key().size() > max_bytes) {
      kv.mutable_key()->resize(max_bytes);
      ++cut;
    }
    if (kv.value().value_case() == opentelemetry::proto::common::v1::AnyValue::kStringValue &&
        kv.value().string_value().size() > max_bytes) {
      kv.mutable_value()->mutable_string_value()->resize(max_bytes);
      ++cut;
    }
  }
  return cut;
}

void NormalizeRequest(OtlpRequest& request) {
  for (ResourceSpans& rs : *request.mutable_resource_spans()) {
    if (rs.scope_spans_size() == 0 && rs.deprecated_scope_spans_size() > 0) {
      rs.mutable_scope_spans()->Swap(rs.mutable_deprecated_scope_spans());
    }
    rs.clear_deprecated_scope_spans();
  }
}

size_t CountSpans(const OtlpRequest& request) {
  size_t n = 0;
  for (const ResourceSpans& rs : request.resource_spans()) {
    for (const ScopeSpans& ss : rs.scope_spans()) n += ss.spans_size();
  }
  return n;
}

Status ValidateIds(const OtlpRequest& request) {
  for (const ResourceSpans& rs : request.resource_spans()) {
    for (const ScopeSpans& ss : rs.scope_spans()) {
      for (const Span& span : ss.spans()) {
        // The collector's model drops an all-zero ID when it re-encodes, so Tempo sees 0 bits.
        size_t trace_bits = AllZero(span.trace_id()) ? 0 : span.trace_id().size() * 8;
        if (trace_bits != 128) {
          return InvalidArgumentError("trace ids must be 128 bit, received " +
                                      std::to_string(trace_bits) + " bits");
        }
        size_t span_bits = AllZero(span.span_id()) ? 0 : span.span_id().size() * 8;
        if (span_bits != 64) {
          return InvalidArgumentError("span ids must be 64 bit and not all zero, received " +
                                      std::to_string(span_bits) + " bits");
        }
      }
    }
  }
  return Status::Ok();
}

size_t TruncateAttributes(OtlpRequest& request, size_t max_bytes) {
  if (max_bytes == 0) return 0;
  size_t cut = 0;
  for (ResourceSpans& rs : *request.mutable_resource_spans()) {
    cut += TruncateKeyValues(rs.mutable_resource()->mutable_attributes(), max_bytes);
    for (ScopeSpans& ss : *rs.mutable_scope_spans()) {
      cut += TruncateKeyValues(ss.mutable_scope()->mutable_attributes(), max_bytes);
      for (Span& span : *ss.mutable_spans()) {
        cut += TruncateKeyValues(span.mutable_attributes(), max_bytes);
        for (auto& event : *span.mutable_events()) {
          cut += TruncateKeyValues(event.mutable_attributes(), max_bytes);
        }
        for (auto& link : *span.mutable_links()) {
          cut += TruncateKeyValues(link.mutable_attributes(), max_bytes);
        }
      }
    }
  }
  return cut;
}

std::vector<TraceFragment> SplitByTrace(const OtlpRequest& request) {
  // Fast path: requests usually carry one trace; still regroup generally.
  struct Building {
    tempopb::Trace trace;
    // Index of the last (resource spans, scope spans) copied into `trace`, so consecutive spans
    // of the same scope share one ScopeSpans.
    int last_rs = -1;
    int last_ss = -1;
    TraceFragment fragment;
  };
  std::vector<Building> out;
  std::unordered_map<std::string, size_t> index;

  for (int r = 0; r < request.resource_spans_size(); ++r) {
    const ResourceSpans& rs = request.resource_spans(r);
    for (int s = 0; s < rs.scope_spans_size(); ++s) {
      const ScopeSpans& ss = rs.scope_spans(s);
      for (const Span& span : ss.spans()) {
        auto [it, inserted] = index.try_emplace(span.trace_id(), out.size());
        if (inserted) {
          out.emplace_back();
          out.back().fragment.trace_id = TraceId::FromBytes(span.trace_id());
        }
        Building& b = out[it->second];
        if (b.last_rs != r) {
          ResourceSpans* copy = b.trace.add_resourcespans();
          *copy->mutable_resource() = rs.resource();
          copy->set_schema_url(rs.schema_url());
          b.last_rs = r;
          b.last_ss = -1;
        }
        ResourceSpans* cur_rs = b.trace.mutable_resourcespans(b.trace.resourcespans_size() - 1);
        if (b.last_ss != s) {
          ScopeSpans* copy = cur_rs->add_scope_spans();
          *copy->mutable_scope() = ss.scope();
          copy->set_schema_url(ss.schema_url());
          b.last_ss = s;
        }
        ScopeSpans* cur_ss = cur_rs->mutable_scope_spans(cur_rs->scope_spans_size() - 1);
        *cur_ss->add_spans() = span;

        TraceFragment& f = b.fragment;
        uint64_t start = span.start_time_unix_nano();
        uint64_t end = std::max(span.end_time_unix_nano(), start);
        if (f.span_count == 0 || start < f.start_unix_nano) f.start_unix_nano = start;
        if (f.span_count == 0 || end > f.end_unix_nano) f.end_unix_nano = end;
        ++f.span_count;
      }
    }
  }

  std::vector<TraceFragment> fragments;
  fragments.reserve(out.size());
  for (Building& b : out) {
    b.trace.SerializeToString(&b.fragment.data);
    fragments.push_back(std::move(b.fragment));
  }
  return fragments;
}

}  // namespace tempo::model
