// Decode + translate throughput of every Jaeger and Zipkin ingest format, from the bytes a
// receiver gets to the OTLP request it pushes (one thread; spans/s is per core). Input: one batch
// of kSpans spans of one service, each with 8 tags (strings, numbers, a bool), one log/annotation
// and, for Jaeger, a parent; UDP datagrams carry kUdpSpans spans (what fits well under 65,000
// bytes with these spans).
#include <benchmark/benchmark.h>

#include <string>

#include "jaeger/collector.pb.h"
#include "receivers/fixtures.h"
#include "receivers/jaeger/jaeger_decoder.h"
#include "receivers/zipkin/zipkin_decoder.h"
#include "zipkin/zipkin.pb.h"

namespace {

namespace jaeger = tempo::receivers::jaeger;
namespace zipkin = tempo::receivers::zipkin;
using tempo::model::OtlpRequest;
using tempo::testing::BoolTag;
using tempo::testing::DoubleTag;
using tempo::testing::JBatch;
using tempo::testing::JLog;
using tempo::testing::JSpan;
using tempo::testing::LongTag;
using tempo::testing::StrTag;

constexpr int kSpans = 500;
constexpr int kUdpSpans = 100;
constexpr uint64_t kStartUs = 1'700'000'000'000'000;

JBatch MakeJaegerBatch(int spans) {
  JBatch b;
  b.service = "checkout";
  b.process_tags = {StrTag("hostname", "host-1"), StrTag("jaeger.version", "Go-2.30.0"),
                    StrTag("ip", "10.1.2.3")};
  for (int i = 0; i < spans; ++i) {
    JSpan s;
    s.trace_low = 0x1000 + i / 10;
    s.trace_high = 0x77;
    s.span_id = 0x100000 + i;
    s.parent_span_id = i % 10 == 0 ? 0 : 0x100000 + i - 1;
    s.name = "GET /api/cart/{id}";
    s.start_us = static_cast<int64_t>(kStartUs) + i;
    s.duration_us = 900;
    s.tags = {StrTag("span.kind", "server"),
              StrTag("http.method", "GET"),
              StrTag("http.url", "/api/cart/" + std::to_string(i)),
              LongTag("http.status_code", 200),
              DoubleTag("load", 0.5),
              BoolTag("cache.hit", i % 2 == 0),
              StrTag("component", "net/http"),
              StrTag("peer.service", "cart")};
    s.logs = {JLog{static_cast<int64_t>(kStartUs) + i + 10, {StrTag("event", "cache-miss")}}};
    b.spans.push_back(std::move(s));
  }
  return b;
}

void Report(benchmark::State& state, int spans, size_t bytes) {
  state.SetItemsProcessed(state.iterations() * spans);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
  state.counters["spans/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * spans,
                                                 benchmark::Counter::kIsRate);
  state.counters["bytes/span"] = static_cast<double>(bytes) / spans;
}

void BM_JaegerAgentCompact(benchmark::State& state) {
  std::string bytes = tempo::testing::EncodeAgentMessage(MakeJaegerBatch(kUdpSpans), true);
  for (auto _ : state) {
    OtlpRequest out;
    benchmark::DoNotOptimize(
        jaeger::AgentMessageToOtlp(bytes, jaeger::ThriftProtocol::kCompact, &out));
  }
  Report(state, kUdpSpans, bytes.size());
}
BENCHMARK(BM_JaegerAgentCompact);

void BM_JaegerAgentBinary(benchmark::State& state) {
  std::string bytes = tempo::testing::EncodeAgentMessage(MakeJaegerBatch(kUdpSpans), false);
  for (auto _ : state) {
    OtlpRequest out;
    benchmark::DoNotOptimize(
        jaeger::AgentMessageToOtlp(bytes, jaeger::ThriftProtocol::kBinary, &out));
  }
  Report(state, kUdpSpans, bytes.size());
}
BENCHMARK(BM_JaegerAgentBinary);

void BM_JaegerThriftHttp(benchmark::State& state) {
  std::string bytes = tempo::testing::EncodeJaegerBatch(MakeJaegerBatch(kSpans), false);
  for (auto _ : state) {
    OtlpRequest out;
    benchmark::DoNotOptimize(jaeger::ThriftHttpBodyToOtlp(bytes, &out));
  }
  Report(state, kSpans, bytes.size());
}
BENCHMARK(BM_JaegerThriftHttp);

void BM_JaegerGrpcProto(benchmark::State& state) {
  ::jaeger::api_v2::PostSpansRequest request;
  auto* batch = request.mutable_batch();
  batch->mutable_process()->set_service_name("checkout");
  auto add = [](auto* tags, const std::string& key, const std::string& value) {
    auto* kv = tags->Add();
    kv->set_key(key);
    kv->set_v_str(value);
  };
  add(batch->mutable_process()->mutable_tags(), "hostname", "host-1");
  for (int i = 0; i < kSpans; ++i) {
    auto* s = batch->add_spans();
    std::string trace(16, '\0');
    trace[7] = 0x77;
    trace[15] = static_cast<char>(i / 10);
    s->set_trace_id(trace);
    std::string id(8, '\0');
    id[6] = static_cast<char>(i >> 8);
    id[7] = static_cast<char>(i);
    id[0] = 1;
    s->set_span_id(id);
    s->set_operation_name("GET /api/cart/{id}");
    s->mutable_start_time()->set_seconds(1'700'000'000);
    s->mutable_start_time()->set_nanos(i * 1000);
    s->mutable_duration()->set_nanos(900'000);
    add(s->mutable_tags(), "span.kind", "server");
    add(s->mutable_tags(), "http.method", "GET");
    add(s->mutable_tags(), "http.url", "/api/cart/" + std::to_string(i));
    add(s->mutable_tags(), "component", "net/http");
    add(s->mutable_tags(), "peer.service", "cart");
    auto* code = s->add_tags();
    code->set_key("http.status_code");
    code->set_v_type(::jaeger::api_v2::INT64);
    code->set_v_int64(200);
    auto* load = s->add_tags();
    load->set_key("load");
    load->set_v_type(::jaeger::api_v2::FLOAT64);
    load->set_v_float64(0.5);
    auto* hit = s->add_tags();
    hit->set_key("cache.hit");
    hit->set_v_type(::jaeger::api_v2::BOOL);
    hit->set_v_bool(i % 2 == 0);
    auto* log = s->add_logs();
    log->mutable_timestamp()->set_seconds(1'700'000'000);
    add(log->mutable_fields(), "event", "cache-miss");
    if (i % 10 != 0) {
      auto* ref = s->add_references();
      ref->set_trace_id(trace);
      std::string parent = id;
      parent[7] = static_cast<char>(i - 1);
      ref->set_span_id(parent);
    }
  }
  std::string bytes = request.SerializeAsString();
  for (auto _ : state) {
    OtlpRequest out;
    benchmark::DoNotOptimize(jaeger::PostSpansToOtlp(bytes, &out));
  }
  Report(state, kSpans, bytes.size());
}
BENCHMARK(BM_JaegerGrpcProto);

std::string ZipkinV2Json(int spans) {
  std::string out = "[";
  for (int i = 0; i < spans; ++i) {
    if (i > 0) out += ',';
    char ids[80];
    std::snprintf(ids, sizeof(ids), R"("traceId":"%032x","id":"%016x")", 0x1000 + i / 10,
                  0x100000 + i);
    out += "{" + std::string(ids) + R"(,"name":"get /api/cart/{id}","kind":"SERVER",)" +
           R"("timestamp":)" + std::to_string(kStartUs + i) + R"(,"duration":900,)" +
           R"("localEndpoint":{"serviceName":"checkout","ipv4":"10.1.2.3","port":8080},)" +
           R"("remoteEndpoint":{"serviceName":"cart","ipv4":"10.1.2.4"},)" +
           R"("annotations":[{"timestamp":)" + std::to_string(kStartUs + i + 10) +
           R"(,"value":"cache-miss"}],)" + R"("tags":{"http.method":"GET","http.url":"/api/cart/)" +
           std::to_string(i) + R"(","http.status_code":"200","load":"0.5","cache.hit":"true",)" +
           R"("component":"net/http","deployment.environment":"prod","otel.library.name":"lib"}})";
  }
  return out + "]";
}

void BM_ZipkinV2Json(benchmark::State& state) {
  std::string bytes = ZipkinV2Json(kSpans);
  for (auto _ : state) {
    OtlpRequest out;
    benchmark::DoNotOptimize(zipkin::V2JsonToOtlp(bytes, &out));
  }
  Report(state, kSpans, bytes.size());
}
BENCHMARK(BM_ZipkinV2Json);

void BM_ZipkinV2Proto(benchmark::State& state) {
  ::zipkin::proto3::ListOfSpans list;
  for (int i = 0; i < kSpans; ++i) {
    auto* s = list.add_spans();
    std::string trace(16, '\0'), id(8, '\0');
    trace[15] = static_cast<char>(i / 10);
    trace[0] = 1;
    id[0] = 1;
    id[7] = static_cast<char>(i);
    id[6] = static_cast<char>(i >> 8);
    s->set_trace_id(trace);
    s->set_id(id);
    s->set_kind(::zipkin::proto3::Span::SERVER);
    s->set_name("get /api/cart/{id}");
    s->set_timestamp(kStartUs + i);
    s->set_duration(900);
    s->mutable_local_endpoint()->set_service_name("checkout");
    s->mutable_local_endpoint()->set_ipv4(std::string("\x0a\x01\x02\x03", 4));
    s->mutable_local_endpoint()->set_port(8080);
    auto* a = s->add_annotations();
    a->set_timestamp(kStartUs + i + 10);
    a->set_value("cache-miss");
    for (const auto& [k, v] : std::initializer_list<std::pair<const char*, const char*>>{
             {"http.method", "GET"},
             {"http.url", "/api/cart/1"},
             {"http.status_code", "200"},
             {"load", "0.5"},
             {"cache.hit", "true"},
             {"component", "net/http"},
             {"deployment.environment", "prod"},
             {"otel.library.name", "lib"}}) {
      auto* tag = s->add_tags();
      tag->set_key(k);
      tag->set_value(v);
    }
  }
  std::string bytes = list.SerializeAsString();
  for (auto _ : state) {
    OtlpRequest out;
    benchmark::DoNotOptimize(zipkin::V2ProtoToOtlp(bytes, &out));
  }
  Report(state, kSpans, bytes.size());
}
BENCHMARK(BM_ZipkinV2Proto);

void BM_ZipkinV1Json(benchmark::State& state) {
  std::string out = "[";
  const std::string endpoint = R"({"serviceName":"checkout","ipv4":"10.1.2.3","port":8080})";
  for (int i = 0; i < kSpans; ++i) {
    if (i > 0) out += ',';
    char ids[96];
    std::snprintf(ids, sizeof(ids), R"("traceId":"%032x","id":"%016x")", 0x1000 + i / 10,
                  0x100000 + i);
    out += "{" + std::string(ids) + R"(,"name":"get","timestamp":)" + std::to_string(kStartUs + i) +
           R"(,"duration":900,"annotations":[)" + R"({"timestamp":)" +
           std::to_string(kStartUs + i) + R"(,"value":"sr","endpoint":)" + endpoint + "}," +
           R"({"timestamp":)" + std::to_string(kStartUs + i + 10) +
           R"(,"value":"cache-miss","endpoint":)" + endpoint + "}," + R"({"timestamp":)" +
           std::to_string(kStartUs + i + 900) + R"(,"value":"ss","endpoint":)" + endpoint + "}]," +
           R"("binaryAnnotations":[)";
    const char* keys[] = {"http.method", "http.url", "http.status_code", "load",
                          "cache.hit",   "lc",       "peer.service",     "region"};
    for (int k = 0; k < 8; ++k) {
      if (k > 0) out += ',';
      out += R"({"key":")" + std::string(keys[k]) + R"(","value":"v)" + std::to_string(k) +
             R"(","endpoint":)" + endpoint + "}";
    }
    out += "]}";
  }
  out += "]";
  for (auto _ : state) {
    OtlpRequest request;
    benchmark::DoNotOptimize(zipkin::V1JsonToOtlp(out, 1, &request));
  }
  Report(state, kSpans, out.size());
}
BENCHMARK(BM_ZipkinV1Json);

void BM_ZipkinV1Thrift(benchmark::State& state) {
  tempo::testing::ZEndpoint host{0x0a010203, 8080, "checkout", ""};
  std::vector<tempo::testing::ZSpanV1> spans;
  for (int i = 0; i < kSpans; ++i) {
    tempo::testing::ZSpanV1 s;
    s.trace_id = 0x1000 + i / 10;
    s.trace_id_high = 0x77;
    s.id = 0x100000 + i;
    s.parent_id = i % 10 == 0 ? 0 : 0x100000 + i - 1;
    s.name = "get";
    s.timestamp_us = static_cast<int64_t>(kStartUs) + i;
    s.duration_us = 900;
    s.annotations = {{s.timestamp_us, "sr", true, host},
                     {s.timestamp_us + 10, "cache-miss", true, host},
                     {s.timestamp_us + 900, "ss", true, host}};
    for (int k = 0; k < 8; ++k) {
      auto b = tempo::testing::BinAnn("key." + std::to_string(k), "value-" + std::to_string(k), 6);
      b.has_host = true;
      b.host = host;
      s.binary_annotations.push_back(b);
    }
    spans.push_back(std::move(s));
  }
  std::string bytes = tempo::testing::EncodeZipkinV1Thrift(spans);
  for (auto _ : state) {
    OtlpRequest out;
    benchmark::DoNotOptimize(zipkin::V1ThriftToOtlp(bytes, 1, &out));
  }
  Report(state, kSpans, bytes.size());
}
BENCHMARK(BM_ZipkinV1Thrift);

}  // namespace

BENCHMARK_MAIN();
