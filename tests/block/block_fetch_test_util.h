#pragma once

// Blocks, traces and comparisons shared by the block fetcher tests.
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "block/block_test_util.h"
#include "block/random_traces.h"
#include "tempo/block/block_fetcher.h"
#include "tempo/traceql/engine.h"
#include "tempo/traceql/memory_fetcher.h"
#include "traceql/search_fixture.h"

namespace tempo::block::fetch_test {

namespace otlp_common = opentelemetry::proto::common::v1;
namespace otlp_trace = opentelemetry::proto::trace::v1;

constexpr uint64_t kBase = 1'700'000'000'000'000'000ull;

// Arrays of values are generated unless `g_no_arrays` (they defeat statistics).
inline bool g_no_arrays = false;

inline void Attr(google::protobuf::RepeatedPtrField<otlp_common::KeyValue>* attrs,
                 const std::string& key, std::mt19937_64& rng) {
  auto* kv = attrs->Add();
  kv->set_key(key);
  switch (g_no_arrays ? rng() % 3 : rng() % 6) {
    case 0:
      kv->mutable_value()->set_int_value(static_cast<int64_t>(rng() % 600));
      break;
    case 1:
      kv->mutable_value()->set_double_value(static_cast<double>(rng() % 100) / 4);
      break;
    case 2:
      kv->mutable_value()->set_bool_value(rng() % 2);
      break;
    case 3: {
      auto* arr = kv->mutable_value()->mutable_array_value();
      arr->add_values()->set_int_value(static_cast<int64_t>(rng() % 600));
      arr->add_values()->set_string_value("v" + std::to_string(rng() % 5));
      break;
    }
    default:
      kv->mutable_value()->set_string_value("v" + std::to_string(rng() % 8));
      break;
  }
}

// Typed attributes in every scope, statuses, kinds, durations, events, links and span trees.
inline tempopb::Trace StructuredTrace(const TraceId& id, std::mt19937_64& rng) {
  static const char* kKeys[] = {"a", "b", "http.status_code", "service.name"};
  static const char* kNames[] = {"GET /a", "GET /b", "POST /c", "db", ""};
  tempopb::Trace trace;
  const uint64_t start = kBase + (rng() % 1000) * 1'000'000'000ull;
  std::vector<std::string> ids;
  for (int r = 0, nr = 1 + static_cast<int>(rng() % 3); r < nr; ++r) {
    auto* rs = trace.add_resourcespans();
    auto* res = rs->mutable_resource();
    auto* svc = res->add_attributes();
    svc->set_key("service.name");
    svc->mutable_value()->set_string_value("svc-" + std::to_string(rng() % 4));
    if (rng() % 2) Attr(res->mutable_attributes(), kKeys[rng() % 3], rng);
    auto* ss = rs->add_scope_spans();
    ss->mutable_scope()->set_name("lib-" + std::to_string(rng() % 3));
    if (rng() % 3 == 0) Attr(ss->mutable_scope()->mutable_attributes(), kKeys[rng() % 3], rng);
    for (int s = 0, ns = 1 + static_cast<int>(rng() % 5); s < ns; ++s) {
      otlp_trace::Span* span = ss->add_spans();
      span->set_trace_id(std::string(reinterpret_cast<const char*>(id.bytes.data()), 16));
      std::string sid(8, '\0');
      for (char& c : sid) c = static_cast<char>(rng() | 1);
      span->set_span_id(sid);
      if (!ids.empty() && rng() % 5 != 0) span->set_parent_span_id(ids[rng() % ids.size()]);
      ids.push_back(sid);
      span->set_name(kNames[rng() % std::size(kNames)]);
      span->set_kind(static_cast<otlp_trace::Span_SpanKind>(rng() % 6));
      const uint64_t s0 = start + (rng() % 1000) * 1'000'000ull;
      span->set_start_time_unix_nano(s0);
      span->set_end_time_unix_nano(s0 + (rng() % 300) * 1'000'000ull);
      if (rng() % 3 != 0)
        span->mutable_status()->set_code(static_cast<otlp_trace::Status_StatusCode>(rng() % 3));
      for (int a = 0, na = static_cast<int>(rng() % 4); a < na; ++a) {
        Attr(span->mutable_attributes(), kKeys[rng() % std::size(kKeys)], rng);
      }
      if (rng() % 4 == 0) {
        auto* ev = span->add_events();
        ev->set_name(rng() % 2 ? "exception" : "log");
        ev->set_time_unix_nano(s0 + rng() % 1000);
        Attr(ev->mutable_attributes(), kKeys[rng() % 3], rng);
      }
      if (rng() % 6 == 0) {
        auto* link = span->add_links();
        link->set_trace_id(std::string(16, '\x07'));
        link->set_span_id(std::string(8, '\x08'));
        Attr(link->mutable_attributes(), kKeys[rng() % 3], rng);
      }
    }
  }
  return trace;
}

// `n` StructuredTraces with random IDs, drawn from `rng` (left where they end); `arrays` false
// generates no array values.
inline std::map<TraceId, tempopb::Trace> StructuredTraces(std::mt19937_64& rng, int n,
                                                          bool arrays = true) {
  std::map<TraceId, tempopb::Trace> traces;
  g_no_arrays = !arrays;
  for (int i = 0; i < n; ++i) {
    TraceId id;
    for (auto& b : id.bytes) b = static_cast<uint8_t>(rng());
    traces[id] = StructuredTrace(id, rng);
  }
  g_no_arrays = false;
  return traces;
}

struct TestBlock {
  std::string data;
  std::shared_ptr<const BlockReader> reader;
  traceql::InMemoryFetcher decoded;  // every trace decoded from the block: the slow path
};

inline void WriteBlock(const std::map<TraceId, tempopb::Trace>& traces,
                       uint32_t spans_per_row_group, TestBlock* block) {
  WriterOptions options;
  options.spans_per_row_group = spans_per_row_group;
  options.values_per_page = 64;  // many pages: page statistics matter
  BlockWriter writer(options);
  for (const auto& [id, trace] : traces) REQUIRE(writer.Append(id, trace).ok());
  BlockMeta meta;
  block->data = writer.Finish(&meta).value();
  block->reader = testing::OpenString(block->data).value();
  REQUIRE(block->reader
              ->ForEachTrace([&](const TraceId& id, tempopb::Trace&& trace) {
                block->decoded.Add(id, std::move(trace));
                return Status::Ok();
              })
              .ok());
}

inline std::set<std::string> CandidateIds(const BlockFetcher& fetcher,
                                          const traceql::SearchQuery& query) {
  std::set<std::string> ids;
  REQUIRE(fetcher
              .Fetch(RequestContext{}, query.fetch_request(),
                     [&](traceql::TraceView&& view) {
                       ids.insert(view.id_text());
                       return true;
                     })
              .ok());
  return ids;
}

inline tempopb::SearchResponse RunSearch(const traceql::SpansetFetcher& fetcher,
                                         const traceql::SearchQuery& query,
                                         traceql::SearchOptions options) {
  tempopb::SearchResponse response;
  Status s = traceql::Search(RequestContext{}, query, fetcher, options, &response);
  INFO(s.ToString());
  REQUIRE(s.ok());
  response.clear_metrics();
  return response;
}

inline bool Same(const tempopb::SearchResponse& a, const tempopb::SearchResponse& b) {
  std::string report;
  google::protobuf::util::MessageDifferencer d;
  d.ReportDifferencesToString(&report);
  const bool same = d.Compare(a, b);
  if (!same) UNSCOPED_INFO(report.substr(0, 2000));
  return same;
}

// Passes requests on with FetchRequest::named_attributes_only set, as the querier's search does.
class Projecting : public traceql::SpansetFetcher {
 public:
  explicit Projecting(const BlockFetcher& inner) : inner_(inner) {}
  Status Fetch(const RequestContext& ctx, const traceql::FetchRequest& request,
               const std::function<bool(traceql::TraceView&&)>& consume) const override {
    traceql::FetchRequest projected = request;
    projected.named_attributes_only = true;
    return inner_.Fetch(ctx, projected, consume);
  }

 private:
  const BlockFetcher& inner_;
};

inline const char* const kQueries[] = {
    "{ }",
    "{ span.http.status_code = 500 }",
    "{ span.http.status_code >= 300 && span.http.status_code < 400 }",
    "{ span.http.status_code != 200 }",
    "{ .http.status_code > 550 }",
    "{ .a = \"v3\" }",
    "{ .a = 7 }",
    "{ .a > 20.5 }",
    "{ .a = true }",
    "{ .b != nil }",
    "{ span.b =~ \"v[12]\" }",
    "{ resource.a !~ \"v.*\" }",
    "{ resource.service.name = \"svc-2\" }",
    "{ resource.service.name = \"svc-2\" && duration > 100ms }",
    "{ resource.service.name = \"nope\" }",
    "{ .service.name = \"svc-1\" }",
    "{ instrumentation.a = 3 }",
    "{ instrumentation:name = \"lib-2\" }",
    "{ event.a = \"v1\" }",
    "{ event:name = \"exception\" }",
    "{ link.b < 100 }",
    "{ status = error }",
    "{ status != ok }",
    "{ kind = server }",
    "{ kind = client || kind = consumer }",
    "{ name = \"GET /a\" }",
    "{ name =~ \"GET.*\" }",
    "{ name != \"\" }",
    "{ duration > 250ms }",
    "{ duration <= 2ms }",
    "{ duration = 3ms }",
    "{ trace:duration > 900ms }",
    "{ trace:rootService = \"svc-0\" }",
    "{ trace:rootName = \"db\" }",
    "{ status = error } >> { name = \"db\" }",
    "{ status = error } && { kind = server }",
    "{ status = error } || { .a = 1 }",
    "{ name =~ \"GET.*\" } | count() > 3",
    "{ .a = \"v1\" || duration > 200ms }",
    "{ span.http.status_code = 500.0 }",
    "{ span.http.status_code = \"500\" }",
    "{ span:id != \"0\" }",
    "{ nestedSetLeft > 2 }",
    "{ duration > 1h }",
    "{ .a = nil }",
    "{ !(.a = 3) }",
    // Conditions on one span (FetchRequest::same_span), through every owner table.
    "{ event:name = \"exception\" && status = error }",
    "{ instrumentation:name = \"lib-2\" && kind = server }",
    "{ link.b < 100 && duration > 10ms }",
    "{ .a = \"v3\" && name =~ \"GET.*\" }",
    "{ trace:duration > 500ms && kind = client }",
    "{ resource.service.name = \"svc-1\" && instrumentation:name = \"lib-0\" && status = error }",
    "{ span.b != nil && resource.a != nil } | count() > 1",
    "{ .service.name = \"svc-3\" && event.a != nil && duration < 200ms }",
    "{ resource.service.name = \"svc-2\" && (duration > 100ms || kind = server) }",
};

}  // namespace tempo::block::fetch_test
