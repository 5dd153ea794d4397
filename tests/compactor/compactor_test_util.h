#pragma once

// Helpers of the compactor tests: synthetic traces, blocks written straight into a backend, and
// span counts of what the store finds.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "support/trace_builder.h"
#include "tempo/backend/backend.h"
#include "tempo/block/block_meta.h"
#include "tempo/block/block_writer.h"
#include "tempo/common/ids.h"
#include "tempo/model/combine.h"
#include "tempo/store/store.h"
#include "tempopb/tempo.pb.h"

namespace tempo::compactor::testing {

inline TraceId Tid(uint64_t n) { return TraceId::FromBytes(tempo::testing::TraceIdBytes(n)); }

// A trace `n` holding spans `span_ids` of `service`, starting at `start_ns` (each 1 µs long).
inline tempopb::Trace MakeTrace(uint64_t n, const std::vector<uint64_t>& span_ids,
                                const std::string& service = "svc", int64_t start_ns = 0) {
  tempo::testing::TraceBuilder b;
  for (uint64_t s : span_ids) {
    // Span IDs are unique per trace, so a lookup that returned another trace's spans is caught.
    const uint64_t sid = n * 1000 + s;
    auto& span = b.AddSpan(service, n, sid, s > 1 && s % 4 != 1 ? sid - 1 : 0,
                           "op-" + std::to_string(s));
    if (start_ns != 0) {
      span.set_start_time_unix_nano(static_cast<uint64_t>(start_ns) + s * 1000);
      span.set_end_time_unix_nano(static_cast<uint64_t>(start_ns) + s * 1000 + 1000);
    } else {
      span.set_start_time_unix_nano(1'700'000'000'000'000'000ull + s * 1000);
      span.set_end_time_unix_nano(1'700'000'000'000'000'000ull + s * 1000 + 500);
    }
    auto* kv = span.add_attributes();
    kv->set_key("http.target");
    kv->mutable_value()->set_string_value("/api/item/" + std::to_string(n * 100 + s));
  }
  tempopb::Trace t;
  for (auto& rs : *b.request().mutable_resource_spans()) *t.add_resourcespans() = rs;
  return t;
}

inline size_t Spans(const tempopb::Trace& t) {
  size_t n = 0;
  for (const auto& rs : t.resourcespans()) {
    for (const auto& ss : rs.scope_spans()) n += static_cast<size_t>(ss.spans_size());
  }
  return n;
}

inline std::set<std::string> SpanIds(const tempopb::Trace& t) {
  std::set<std::string> out;
  for (const auto& rs : t.resourcespans()) {
    for (const auto& ss : rs.scope_spans()) {
      for (const auto& s : ss.spans()) out.insert(s.span_id());
    }
  }
  return out;
}

// Writes a committed block (data.tcb, then meta.json) of `traces` (ascending IDs) to `backend`.
inline block::BlockMeta WriteBlock(backend::Backend& backend, const std::string& tenant,
                                   const std::string& id,
                                   const std::map<TraceId, tempopb::Trace>& traces,
                                   uint32_t level = 0, uint32_t spans_per_row_group = 100'000) {
  block::WriterOptions options;
  options.spans_per_row_group = spans_per_row_group;
  block::BlockWriter writer(options);
  for (const auto& [tid, trace] : traces) {
    REQUIRE(writer.Append(tid, trace).ok());
  }
  block::BlockMeta meta;
  std::string data = writer.Finish(&meta).value();
  meta.block_id = id;
  meta.tenant_id = tenant;
  meta.compaction_level = level;
  REQUIRE(backend.Write(tenant, id, backend::kDataName, data).ok());
  REQUIRE(backend.Write(tenant, id, backend::kMetaName, block::MetaToJson(meta)).ok());
  return meta;
}

// Every span the store finds for `id`, combined (so a duplicate span counts once), and the number
// of raw spans over all fragments (a trace seen twice counts its spans twice).
struct Found {
  size_t fragments = 0;
  size_t raw_spans = 0;
  std::set<std::string> span_ids;
};

// Thread-safe (no Catch2 assertions inside).
inline Status FindAll(const store::Store& store, const std::string& tenant, const TraceId& id,
                      Found* out) {
  RequestContext ctx;
  ctx.tenant = tenant;
  std::vector<std::string> fragments;
  TEMPO_RETURN_IF_ERROR(
      store.FindTrace(ctx, id, std::nullopt, std::nullopt, &fragments, nullptr));
  Found& f = *out;
  f = Found();
  f.fragments = fragments.size();
  for (const std::string& frag : fragments) {
    tempopb::Trace t;
    t.ParseFromString(frag);
    f.raw_spans += Spans(t);
    for (const std::string& sid : SpanIds(t)) f.span_ids.insert(sid);
  }
  return Status::Ok();
}

inline Found FindAll(const store::Store& store, const std::string& tenant, const TraceId& id) {
  Found f;
  Status s = FindAll(store, tenant, id, &f);
  INFO(s.message());
  REQUIRE(s.ok());
  return f;
}

}  // namespace tempo::compactor::testing
