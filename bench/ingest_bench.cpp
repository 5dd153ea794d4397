// Hot paths of ingest: decoding an OTLP request (protobuf and JSON), regrouping it per trace, and
// a durable WAL group commit. Input: a 512-span request of 64 traces, 12 attributes per span, the
// shape of an OTel SDK batch.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <future>
#include <random>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/model/batch.h"
#include "tempo/model/otlp_json.h"
#include "tempo/wal/wal.h"

namespace {

using Request = opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

Request MakeRequest(int spans, int traces) {
  std::mt19937_64 rng(42);
  Request req;
  auto* rs = req.add_resource_spans();
  auto* svc = rs->mutable_resource()->add_attributes();
  svc->set_key("service.name");
  svc->mutable_value()->set_string_value("checkout");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("io.opentelemetry.http");
  for (int i = 0; i < spans; ++i) {
    auto* s = ss->add_spans();
    std::string trace(16, '\0'), span(8, '\0');
    uint64_t t = static_cast<uint64_t>(i % traces) + 1, id = rng();
    std::memcpy(trace.data() + 8, &t, 8);
    std::memcpy(span.data(), &id, 8);
    s->set_trace_id(trace);
    s->set_span_id(span);
    s->set_name("GET /api/cart/{id}");
    s->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
    s->set_start_time_unix_nano(1'700'000'000'000'000'000ull + i * 1000);
    s->set_end_time_unix_nano(1'700'000'000'000'000'000ull + i * 1000 + 900);
    for (int a = 0; a < 12; ++a) {
      auto* kv = s->add_attributes();
      kv->set_key("http.attr." + std::to_string(a));
      if (a % 3 == 0) kv->mutable_value()->set_int_value(static_cast<int64_t>(rng() % 1000));
      else kv->mutable_value()->set_string_value("value-" + std::to_string(rng() % 10000));
    }
  }
  return req;
}

void BM_DecodeProtobuf(benchmark::State& state) {
  std::string bytes = MakeRequest(512, 64).SerializeAsString();
  for (auto _ : state) {
    Request req;
    benchmark::DoNotOptimize(req.ParseFromString(bytes));
  }
  state.SetItemsProcessed(state.iterations() * 512);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes.size()));
}
BENCHMARK(BM_DecodeProtobuf);

void BM_SplitByTrace(benchmark::State& state) {
  Request req = MakeRequest(512, 64);
  for (auto _ : state) {
    auto fragments = tempo::model::SplitByTrace(req);
    benchmark::DoNotOptimize(fragments);
  }
  state.SetItemsProcessed(state.iterations() * 512);
}
BENCHMARK(BM_SplitByTrace);

void BM_DecodeOtlpJson(benchmark::State& state) {
  // A JSON body built from the same request: hex ids, string times, as OTel JS sends.
  Request req = MakeRequest(512, 64);
  std::string json = R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}}]},"scopeSpans":[{"scope":{"name":"s"},"spans":[)";
  const auto& spans = req.resource_spans(0).scope_spans(0).spans();
  for (int i = 0; i < spans.size(); ++i) {
    const auto& s = spans[i];
    if (i) json += ',';
    auto hex = [](const std::string& b) {
      static const char* d = "0123456789abcdef";
      std::string out;
      for (unsigned char c : b) { out += d[c >> 4]; out += d[c & 15]; }
      return out;
    };
    json += R"({"traceId":")" + hex(s.trace_id()) + R"(","spanId":")" + hex(s.span_id()) +
            R"(","name":")" + s.name() + R"(","kind":2,"startTimeUnixNano":")" +
            std::to_string(s.start_time_unix_nano()) + R"(","endTimeUnixNano":")" +
            std::to_string(s.end_time_unix_nano()) + R"(","attributes":[)";
    for (int a = 0; a < s.attributes_size(); ++a) {
      const auto& kv = s.attributes(a);
      if (a) json += ',';
      json += R"({"key":")" + kv.key() + R"(","value":)";
      json += kv.value().has_int_value()
                  ? R"({"intValue":)" + std::to_string(kv.value().int_value()) + "}"
                  : R"({"stringValue":")" + kv.value().string_value() + "\"}";
      json += '}';
    }
    json += R"(],"status":{"code":0}})";
  }
  json += "]}]}]}";
  for (auto _ : state) {
    Request out;
    benchmark::DoNotOptimize(tempo::model::DecodeOtlpJson(json, &out).ok());
  }
  state.SetItemsProcessed(state.iterations() * 512);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(json.size()));
}
BENCHMARK(BM_DecodeOtlpJson);

// One durable push of a 512-span request (its 64 fragments) at a time: the fsync-bound latency
// floor of an acknowledged push with no concurrency to group-commit.
void BM_WalDurableAppend(benchmark::State& state) {
  std::string dir = "/tmp/tempo-bench-wal-" + std::to_string(::getpid());
  tempo::metrics::Registry registry;
  tempo::wal::WalConfig config;
  config.path = dir;
  config.sync = state.range(0) != 0;
  auto wal = tempo::wal::Wal::Open(config, registry).value();
  auto fragments = tempo::model::SplitByTrace(MakeRequest(512, 64));
  for (auto _ : state) {
    std::vector<tempo::wal::WalRecord> records;
    for (const auto& f : fragments) records.push_back({"bench", f.trace_id, f.data});
    std::promise<void> done;
    tempo::wal::AppendCallback cb = [&done](tempo::Status) { done.set_value(); };
    if (!wal->Append(std::move(records), std::move(cb)).ok()) state.SkipWithError("refused");
    done.get_future().wait();
  }
  state.SetItemsProcessed(state.iterations() * 512);
  wal.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_WalDurableAppend)->Arg(1)->Arg(0)->ArgName("sync")->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
