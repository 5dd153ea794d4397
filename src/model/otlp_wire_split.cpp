// The batch operations of OtlpWireRequest: ID checks, truncation and the per-trace split.
#include <algorithm>
#include <cstring>
#include <functional>
#include <string>

#include "model/attribute_truncation.h"
#include "tempo/model/wire_format.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "tempo/model/otlp_wire.h"

namespace tempo::model {
namespace {

constexpr uint32_t kNone = UINT32_MAX;

size_t IdBits(std::string_view id) {
  // The collector's model drops an all-zero ID when it re-encodes, so Tempo sees 0 bits.
  bool all_zero = std::all_of(id.begin(), id.end(), [](char c) { return c == 0; });
  return all_zero ? 0 : id.size() * 8;
}

// Parses `data` as `Message`, lets `truncate` cut its attributes and, if anything was cut,
// re-encodes it into `owned` and points `data` there. Returns how many attributes were cut.
template <typename Message, typename Fn>
size_t Reencode(std::string_view& data, std::deque<std::string>& owned, Fn&& truncate) {
  Message message;
  // The bytes passed OtlpWireRequest::Parse, so they parse.
  if (!message.ParseFromArray(data.data(), static_cast<int>(data.size()))) return 0;
  const size_t cut = truncate(message);
  if (cut > 0) data = owned.emplace_back(message.SerializeAsString());
  return cut;
}

uint64_t HashTraceId(std::string_view id) {
  if (id.size() != 16) return std::hash<std::string_view>()(id);  // not validated: still safe
  uint64_t a, b;
  std::memcpy(&a, id.data(), 8);
  std::memcpy(&b, id.data() + 8, 8);
  uint64_t h = (a ^ (b * 0x9E3779B97F4A7C15ull)) * 0xC2B2AE3D27D4EB4Full;
  return h ^ (h >> 29);
}

}  // namespace

Status OtlpWireRequest::ValidateIds() const {
  for (const Span& span : spans_) {
    const size_t trace_bits = IdBits(span.trace_id);
    if (trace_bits != 128) {
      return InvalidArgumentError("trace ids must be 128 bit, received " +
                                  std::to_string(trace_bits) + " bits");
    }
    const size_t span_bits = IdBits(span.span_id);
    if (span_bits != 64) {
      return InvalidArgumentError("span ids must be 64 bit and not all zero, received " +
                                  std::to_string(span_bits) + " bits");
    }
  }
  return Status::Ok();
}

size_t OtlpWireRequest::TruncateAttributes(size_t max_bytes) {
  if (max_bytes == 0) return 0;
  namespace otel_common = opentelemetry::proto::common::v1;
  namespace otel_resource = opentelemetry::proto::resource::v1;
  namespace otel_trace = opentelemetry::proto::trace::v1;
  size_t cut = 0;
  for (Resource& resource : resources_) {
    if (resource.max_attribute_bytes <= max_bytes) continue;
    cut += Reencode<otel_resource::Resource>(resource.data, owned_, [&](auto& m) {
      return TruncateKeyValues(m.mutable_attributes(), max_bytes);
    });
  }
  for (Scope& scope : scopes_) {
    if (scope.max_attribute_bytes <= max_bytes) continue;
    cut += Reencode<otel_common::InstrumentationScope>(scope.data, owned_, [&](auto& m) {
      return TruncateKeyValues(m.mutable_attributes(), max_bytes);
    });
  }
  for (Span& span : spans_) {
    if (span.max_attribute_bytes <= max_bytes) continue;
    cut += Reencode<otel_trace::Span>(span.data, owned_, [&](otel_trace::Span& m) {
      size_t n = TruncateKeyValues(m.mutable_attributes(), max_bytes);
      for (auto& event : *m.mutable_events()) {
        n += TruncateKeyValues(event.mutable_attributes(), max_bytes);
      }
      for (auto& link : *m.mutable_links()) {
        n += TruncateKeyValues(link.mutable_attributes(), max_bytes);
      }
      return n;
    });
  }
  return cut;
}

std::vector<TraceFragment> OtlpWireRequest::SplitByTrace() const {
  const auto n = static_cast<uint32_t>(spans_.size());
  // Chain the spans of each trace (in request order) with an open-addressing table of trace IDs.
  struct Chain {
    uint32_t head = kNone;
    uint32_t tail = kNone;
  };
  std::vector<Chain> chains;
  std::vector<uint32_t> next(n, kNone);
  size_t capacity = 16;
  while (capacity < 2 * static_cast<size_t>(n)) capacity *= 2;
  std::vector<uint32_t> table(capacity, kNone);  // chain index
  for (uint32_t i = 0; i < n; ++i) {
    const std::string_view id = spans_[i].trace_id;
    size_t slot = HashTraceId(id) & (capacity - 1);
    while (table[slot] != kNone && spans_[chains[table[slot]].head].trace_id != id) {
      slot = (slot + 1) & (capacity - 1);
    }
    if (table[slot] == kNone) {
      table[slot] = static_cast<uint32_t>(chains.size());
      chains.push_back(Chain{i, i});
    } else {
      Chain& c = chains[table[slot]];
      next[c.tail] = i;
      c.tail = i;
    }
  }

  // Per trace: group consecutive spans of one scope (a ScopeSpans) and consecutive scopes of one
  // resource (a ResourceSpans), size everything, then write it in one allocation.
  struct Group {
    uint32_t scope;
    uint32_t first;  // index into `order`
    uint32_t count;
    size_t payload;  // ScopeSpans payload bytes
  };
  struct Run {
    uint32_t resource;
    uint32_t first_group;
    uint32_t groups;
    size_t payload;  // ResourceSpans payload bytes
  };
  std::vector<uint32_t> order;
  std::vector<Group> groups;
  std::vector<Run> runs;
  std::vector<TraceFragment> fragments;
  fragments.reserve(chains.size());
  for (const Chain& chain : chains) {
    order.clear();
    groups.clear();
    runs.clear();
    TraceFragment fragment;
    fragment.trace_id = TraceId::FromBytes(spans_[chain.head].trace_id);
    for (uint32_t i = chain.head; i != kNone; i = next[i]) {
      const Span& span = spans_[i];
      const uint64_t end = std::max(span.end_unix_nano, span.start_unix_nano);
      if (fragment.span_count == 0 || span.start_unix_nano < fragment.start_unix_nano) {
        fragment.start_unix_nano = span.start_unix_nano;
      }
      if (fragment.span_count == 0 || end > fragment.end_unix_nano) fragment.end_unix_nano = end;
      ++fragment.span_count;
      if (groups.empty() || groups.back().scope != span.scope) {
        groups.push_back(Group{span.scope, static_cast<uint32_t>(order.size()), 0, 0});
        const Scope& scope = scopes_[span.scope];
        groups.back().payload =
            wire::FieldSize(scope.data.size()) +
            (scope.schema_url.empty() ? 0 : wire::FieldSize(scope.schema_url.size()));
        const uint32_t resource = scope.resource;
        if (runs.empty() || runs.back().resource != resource) {
          const Resource& r = resources_[resource];
          runs.push_back(
              Run{resource, static_cast<uint32_t>(groups.size() - 1), 0,
                  wire::FieldSize(r.data.size()) +
                      (r.schema_url.empty() ? 0 : wire::FieldSize(r.schema_url.size()))});
        }
        ++runs.back().groups;
      }
      order.push_back(i);
      ++groups.back().count;
      groups.back().payload += wire::FieldSize(span.data.size());
    }
    size_t total = 0;
    for (Run& run : runs) {
      for (uint32_t g = run.first_group; g < run.first_group + run.groups; ++g) {
        run.payload += wire::FieldSize(groups[g].payload);
      }
      total += wire::FieldSize(run.payload);
    }

    // Field order as libprotobuf writes it: resource/scope (1), then spans (2), then schema (3).
    fragment.data.resize(total);
    char* out = fragment.data.data();
    for (const Run& run : runs) {
      const Resource& r = resources_[run.resource];
      out = wire::WriteFieldHeader(out, 0x0a, run.payload);  // Trace.resourceSpans
      out = wire::WriteField(out, 0x0a, r.data);             // ResourceSpans.resource
      for (uint32_t g = run.first_group; g < run.first_group + run.groups; ++g) {
        const Group& group = groups[g];
        const Scope& scope = scopes_[group.scope];
        out = wire::WriteFieldHeader(out, 0x12, group.payload);  // ResourceSpans.scope_spans
        out = wire::WriteField(out, 0x0a, scope.data);           // ScopeSpans.scope
        for (uint32_t k = group.first; k < group.first + group.count; ++k) {
          out = wire::WriteField(out, 0x12, spans_[order[k]].data);  // ScopeSpans.spans
        }
        if (!scope.schema_url.empty()) out = wire::WriteField(out, 0x1a, scope.schema_url);
      }
      if (!r.schema_url.empty()) out = wire::WriteField(out, 0x1a, r.schema_url);
    }
    fragments.push_back(std::move(fragment));
  }
  return fragments;
}

}  // namespace tempo::model
