#pragma once

// A querier over a real WAL, ingester and local-backend store in a temp dir, plus helpers that
// push spans and write blocks directly with block::BlockWriter (shared by tests/querier and
// tests/api).
#include <catch2/catch.hpp>

#include <algorithm>
#include <future>
#include <map>

#include "support/temp_dir.h"
#include "support/trace_builder.h"
#include "tempo/backend/backend.h"
#include "tempo/block/block_meta.h"
#include "tempo/block/block_writer.h"
#include "tempo/common/clock.h"
#include "tempo/ingester/ingester.h"
#include "tempo/model/batch.h"
#include "tempo/overrides/overrides.h"
#include "tempo/querier/querier.h"
#include "tempo/traceql/engine.h"
#include "tempo/store/store.h"
#include "tempo/wal/wal.h"
#include "tempopb/tempo.pb.h"

namespace tempo::testing {

// A span for SearchNode: trace number, span number, service, name, start and duration.
struct TestSpan {
  uint64_t trace = 0;
  uint64_t span = 0;
  std::string service = "svc";
  std::string name = "op";
  uint64_t start_unix_nano = 0;
  uint64_t duration_nanos = 1'000'000;
  uint64_t parent = 0;
  std::map<std::string, std::string> attributes{};
};

inline OtlpRequest BuildRequest(const std::vector<TestSpan>& spans) {
  TraceBuilder builder;
  for (const TestSpan& s : spans) {
    OtlpSpan& span = builder.AddSpan(s.service, s.trace, s.span, s.parent, s.name);
    span.set_start_time_unix_nano(s.start_unix_nano);
    span.set_end_time_unix_nano(s.start_unix_nano + s.duration_nanos);
    for (const auto& [k, v] : s.attributes) {
      auto* kv = span.add_attributes();
      kv->set_key(k);
      kv->mutable_value()->set_string_value(v);
    }
  }
  return builder.Build();
}

struct SearchNode {
  explicit SearchNode(std::string tenant_name = "t") : tenant(std::move(tenant_name)) {
    wal_config.path = dir.Sub("wal");
    backend = backend::OpenLocalBackend(dir.Sub("blocks")).value();
    store = std::make_unique<store::Store>(store::StoreConfig{}, *backend, registry);
    REQUIRE(store->Poll().ok());
    wal = wal::Wal::Open(wal_config, registry).value();
    ingester = std::make_unique<ingester::Ingester>(config, *wal, overrides, registry, clock);
    REQUIRE(ingester->Start().ok());
    querier = std::make_unique<querier::Querier>(*ingester, *store);
  }

  ~SearchNode() {
    querier.reset();
    ingester->Stop();
  }

  void Push(const std::vector<TestSpan>& spans) { PushRequest(BuildRequest(spans)); }

  void PushRequest(const OtlpRequest& request) {
    std::promise<Status> done;
    RequestContext ctx;
    ctx.tenant = tenant;
    ingester->Push(ctx, model::SplitByTrace(request),
                   [&done](Status s) { done.set_value(std::move(s)); });
    REQUIRE(done.get_future().get().ok());
  }

  // Writes `spans` as one block (traces sorted by ID) and registers it with the store.
  void WriteBlock(const std::vector<TestSpan>& spans, block::WriterOptions options = {}) {
    std::map<TraceId, tempopb::Trace> traces;
    OtlpRequest request = BuildRequest(spans);
    for (const auto& rs : request.resource_spans()) {
      for (const auto& ss : rs.scope_spans()) {
        for (const auto& span : ss.spans()) {
          tempopb::Trace& trace = traces[TraceId::FromBytes(span.trace_id())];
          auto* out_rs = trace.add_resourcespans();
          *out_rs->mutable_resource() = rs.resource();
          auto* out_ss = out_rs->add_scope_spans();
          *out_ss->mutable_scope() = ss.scope();
          *out_ss->add_spans() = span;
        }
      }
    }
    block::BlockWriter writer(options);
    for (const auto& [id, trace] : traces) REQUIRE(writer.Append(id, trace).ok());
    block::BlockMeta meta;
    Result<std::string> data = writer.Finish(&meta);
    REQUIRE(data.ok());
    meta.block_id = "00000000-0000-0000-0000-00000000000" + std::to_string(++blocks_written);
    meta.tenant_id = tenant;
    REQUIRE(backend->Write(tenant, meta.block_id, backend::kDataName, *data).ok());
    REQUIRE(backend->Write(tenant, meta.block_id, backend::kMetaName, block::MetaToJson(meta))
                .ok());
    store->AddBlock(meta);
  }

  TempDir dir;
  std::string tenant;
  int blocks_written = 0;
  wal::WalConfig wal_config;
  ingester::IngesterConfig config;
  FakeClock clock;
  overrides::Overrides overrides{overrides::OverridesConfig{}};
  metrics::Registry registry;
  std::unique_ptr<backend::Backend> backend;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<wal::Wal> wal;
  std::unique_ptr<ingester::Ingester> ingester;
  std::unique_ptr<querier::Querier> querier;
};

// Runs TraceQL `text` through `node`'s querier over [start, end] (unix ns), default options
// otherwise.
inline tempopb::SearchResponse SearchWindow(const SearchNode& node, const std::string& text,
                                            uint64_t start, uint64_t end) {
  auto query = traceql::SearchQuery::Compile(text);
  REQUIRE(query.ok());
  traceql::SearchOptions options;
  options.start_unix_nano = start;
  options.end_unix_nano = end;
  RequestContext ctx;
  ctx.tenant = node.tenant;
  tempopb::SearchResponse response;
  REQUIRE(node.querier->Search(ctx, *query, options, &response).ok());
  return response;
}

// The trace IDs (hex) of a search answer, sorted.
inline std::vector<std::string> SortedIds(const tempopb::SearchResponse& response) {
  std::vector<std::string> ids;
  for (const auto& t : response.traces()) ids.push_back(t.traceid());
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace tempo::testing
