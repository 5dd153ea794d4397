// Hot paths of ingest: decoding an OTLP request (protobuf and JSON), regrouping it per trace, and
// a durable WAL group commit. Input: a 512-span request of 64 traces, 12 attributes per span, the
// shape of an OTel SDK batch. BM_IngestPipeline runs the whole server-side path of a push (see
// ingest_pipeline.h) over batches of the load benchmark's corpus; BM_CutFragments the block cut's
// work on them (fragments into a block); BM_PackFragments the packing of each arriving fragment.
#include <benchmark/benchmark.h>
#include <valgrind/callgrind.h>

#include <cstring>
#include <filesystem>
#include <future>
#include <iostream>
#include <map>
#include <random>

#include "ingest_pipeline.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/block/block_meta.h"
#include "tempo/block/block_writer.h"
#include "tempo/common/shared_bytes.h"
#include "tempo/model/batch.h"
#include "tempo/model/otlp_wire.h"
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
  uint64_t seq = 0;
  for (auto _ : state) {
    std::vector<tempo::wal::WalRecord> records;
    for (const auto& f : fragments) records.push_back(
        {"bench", f.trace_id, 0, ++seq, tempo::RawPiece(std::string(f.data))});
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

// Corpus batches (the first 200, ~100k spans) pushed through receiver decode -> distributor ->
// ingester -> WAL, 32 pushes in flight; process CPU time, so the WAL writer and RocksDB count.
void BM_IngestPipeline(benchmark::State& state) {
  const tempo::bench::Corpus* corpus = tempo::bench::PipelineCorpus(200);
  if (corpus == nullptr) {
    state.SkipWithError("no corpus (set TEMPO_BENCH_CORPUS)");
    return;
  }
  auto mode = static_cast<tempo::bench::DecodeMode>(state.range(1));
  tempo::bench::IngestPipeline pipeline(state.range(0) != 0);
  uint64_t spans = 0;
  for (auto _ : state) {
    auto pushed = pipeline.Run(*corpus, mode, 0, corpus->batches.size());
    if (!pushed.ok()) {
      state.SkipWithError(pushed.status().message().c_str());
      return;
    }
    spans += *pushed;
    state.PauseTiming();
    pipeline.DropLive();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(spans));
}
BENCHMARK(BM_IngestPipeline)
    ->ArgsProduct({{0, 1}, tempo::bench::kDecodeModes})
    ->ArgNames({"sync", "mode"})
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMillisecond);

// The block cut's CPU without the ingester: corpus batches (the first 400, ~200k spans) split
// per trace as the distributor splits them, each trace's fragments concatenated as the ingester
// hands them to the cut (unpacked), then timed: BlockWriter::AppendFragments over every trace in
// ID order and Finish, into a sink that only counts bytes.
void BM_CutFragments(benchmark::State& state) {
  const tempo::bench::Corpus* corpus = tempo::bench::PipelineCorpus(400);
  if (corpus == nullptr) {
    state.SkipWithError("no corpus (set TEMPO_BENCH_CORPUS)");
    return;
  }
  std::map<tempo::TraceId, std::string> traces;
  uint64_t spans = 0;
  for (const auto& batch : corpus->batches) {
    tempo::model::OtlpWireRequest wire;
    if (!wire.Parse(batch.payload).ok() || !wire.ValidateIds().ok()) {
      state.SkipWithError("corpus batch does not parse");
      return;
    }
    for (auto& f : wire.SplitByTrace()) traces[f.trace_id] += f.data;
    spans += batch.spans;
  }
  uint64_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    tempo::block::BlockWriter writer({}, [&bytes](std::string_view b) {
      bytes += b.size();
      return tempo::Status::Ok();
    });
    for (const auto& [id, data] : traces) {
      if (!writer.AppendFragments(id, data).ok()) {
        state.SkipWithError("AppendFragments failed");
        return;
      }
    }
    tempo::block::BlockMeta meta;
    if (!writer.Finish(&meta).ok()) state.SkipWithError("Finish failed");
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(spans));
  state.counters["bytes_per_span"] = static_cast<double>(bytes) / static_cast<double>(spans);
}
BENCHMARK(BM_CutFragments)->Unit(benchmark::kMillisecond);

// Packing of arriving fragments (what each receiving thread does to every fragment before the
// ingester holds it): the fragments of the first 400 corpus batches as the distributor splits
// them, packed one by one against a dictionary sampled from the first batches as the ingester
// samples it. Reports input MB/s per core and the packed ratio.
void BM_PackFragments(benchmark::State& state) {
  const tempo::bench::Corpus* corpus = tempo::bench::PipelineCorpus(400);
  if (corpus == nullptr) {
    state.SkipWithError("no corpus (set TEMPO_BENCH_CORPUS)");
    return;
  }
  std::vector<std::string> fragments;
  std::string sample;
  for (const auto& batch : corpus->batches) {
    tempo::model::OtlpWireRequest wire;
    if (!wire.Parse(batch.payload).ok() || !wire.ValidateIds().ok()) {
      state.SkipWithError("corpus batch does not parse");
      return;
    }
    for (auto& f : wire.SplitByTrace()) {
      if (sample.size() < tempo::PackDictionary::kMaxBytes) {
        sample.append(f.data, 0, std::min<size_t>(f.data.size(), 4096));
      }
      fragments.push_back(std::move(f.data));
    }
  }
  auto dict = std::make_shared<const tempo::PackDictionary>(sample, 1);
  uint64_t raw = 0;
  uint64_t stored = 0;
  for (auto _ : state) {
    raw = 0;
    stored = 0;
    for (const std::string& f : fragments) {
      tempo::BytesPiece piece = tempo::PackBytes(std::string(f), dict);
      raw += piece.raw_size;
      stored += piece.stored->size();
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(raw));
  state.counters["ratio"] = static_cast<double>(raw) / static_cast<double>(stored);
  state.counters["fragments"] = static_cast<double>(fragments.size());
}
BENCHMARK(BM_PackFragments)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

// `tempo_ingest_bench --oneshot MODE SYNC BATCHES`: pushes BATCHES corpus batches once, with
// callgrind collection (--collect-atstart=no) on only around the pushes, and prints CPU time.
int OneShot(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: tempo_ingest_bench --oneshot object|wire 0|1 BATCHES\n";
    return 2;
  }
  auto mode = std::strcmp(argv[2], "wire") == 0 ? tempo::bench::DecodeMode::kWire
                                                 : tempo::bench::DecodeMode::kObject;
  size_t batches = std::stoul(argv[4]);
  const tempo::bench::Corpus* corpus = tempo::bench::PipelineCorpus(batches);
  if (corpus == nullptr) return 1;
  tempo::bench::IngestPipeline pipeline(std::strcmp(argv[3], "1") == 0);
  double cpu = tempo::bench::ProcessCpuSeconds();
  CALLGRIND_START_INSTRUMENTATION;
  auto pushed = pipeline.Run(*corpus, mode, 0, corpus->batches.size());
  CALLGRIND_STOP_INSTRUMENTATION;
  cpu = tempo::bench::ProcessCpuSeconds() - cpu;
  if (!pushed.ok()) {
    std::cerr << pushed.status().message() << "\n";
    return 1;
  }
  std::cout << "spans " << *pushed << " cpu_s " << cpu << " cpu_s_per_M_spans "
            << cpu * 1e6 / static_cast<double>(*pushed) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--oneshot") == 0) return OneShot(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
