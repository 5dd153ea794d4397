// Block format (data.tcb) size and speed on realistic traces. Input: a deterministic generator
// (seed 42) of microservice traces, ~8 spans per trace across 12 services, 8-20 attributes per
// span following OTel semantic conventions (HTTP server/client, gRPC, database), with
// high-cardinality values (user IDs, session and order UUIDs, URLs with IDs, client IPs, peer
// ports), nanosecond timings, 2% errors with exception events. One block of ~1M spans.
// Benchmarks: BM_Encode (1M spans per zstd level; generation paused), BM_EncodeOnly (200k
// pre-generated spans, only encoding timed), BM_DecodeAll (ForEachTrace over the 1M-span block),
// BM_FindTrace / BM_FindTraceMiss (one lookup), BM_Open (with meta.footer_size). Before running
// them it prints bytes per span and the biggest columns (--no_summary skips that).
// Run: build-block-bench/bench/tempo_block_bench
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tempo/block/block_reader.h"
#include "tempo/block/block_writer.h"
#include "tempopb/tempo.pb.h"

namespace {

namespace otlp_common = opentelemetry::proto::common::v1;
namespace otlp_trace = opentelemetry::proto::trace::v1;

constexpr uint64_t kTargetSpans = 1'000'000;
constexpr uint64_t kBaseTime = 1'714'000'000'000'000'000ull;  // 2024-04-24

struct Service {
  std::string name, language, version, scope, scope_version;
  std::vector<std::vector<std::pair<std::string, std::string>>> pods;  // resource attrs per pod
  std::vector<std::string> routes;                                     // server endpoints
  std::string db_system;                                               // "" if it has no database
};

class Generator {
 public:
  Generator() : rng_(42) { MakeServices(); }

  // Trace number `n` (content depends only on n and the seed), with trace ID `id`.
  tempopb::Trace Make(uint64_t n, const std::string& id, uint64_t* spans) {
    rng_.seed(42 * 1'000'003 + n);
    trace_id_ = id;
    user_ = "user-" + std::to_string(Uniform(2'000'000));
    session_ = Uuid();
    client_ip_ = std::to_string(10 + Uniform(200)) + "." + std::to_string(Uniform(256)) + "." +
                 std::to_string(Uniform(256)) + "." + std::to_string(Uniform(256));
    budget_ = 3 + static_cast<int>(Uniform(15));  // 3..17 spans, ~10 on average
    batches_.clear();
    uint64_t start = kBaseTime + Uniform(600'000'000'000ull);  // a 10-minute block
    uint64_t duration = LogNormal(4e7);
    ServerSpan(0, services_[0].routes[Uniform(services_[0].routes.size())], "", start, duration);
    tempopb::Trace trace;
    *spans = 0;
    for (auto& [key, spans_of] : batches_) {
      auto* rs = trace.add_resourcespans();
      const Service& svc = services_[key.first];
      auto* res = rs->mutable_resource();
      Attr(res->mutable_attributes(), "service.name", svc.name);
      for (const auto& [k, v] : svc.pods[key.second]) Attr(res->mutable_attributes(), k, v);
      rs->set_schema_url("https://opentelemetry.io/schemas/1.21.0");
      auto* ss = rs->add_scope_spans();
      ss->mutable_scope()->set_name(svc.scope);
      ss->mutable_scope()->set_version(svc.scope_version);
      for (auto& s : spans_of) *ss->add_spans() = std::move(s);
      *spans += static_cast<uint64_t>(ss->spans_size());
    }
    return trace;
  }

 private:
  uint64_t Uniform(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  uint64_t LogNormal(double median) {
    return static_cast<uint64_t>(std::lognormal_distribution<double>(std::log(median), 1.0)(rng_));
  }
  std::string Hex(size_t n) {
    static const char* kDigits = "0123456789abcdef";
    std::string s(n, '0');
    for (char& c : s) c = kDigits[Uniform(16)];
    return s;
  }
  std::string Uuid() {
    return Hex(8) + "-" + Hex(4) + "-4" + Hex(3) + "-a" + Hex(3) + "-" + Hex(12);
  }
  std::string SpanId() {
    std::string s(8, '\0');
    for (char& c : s) c = static_cast<char>(Uniform(256));
    return s;
  }
  static void Attr(google::protobuf::RepeatedPtrField<otlp_common::KeyValue>* a,
                   const std::string& k, const std::string& v) {
    auto* kv = a->Add();
    kv->set_key(k);
    kv->mutable_value()->set_string_value(v);
  }
  static void Attr(google::protobuf::RepeatedPtrField<otlp_common::KeyValue>* a,
                   const std::string& k, int64_t v) {
    auto* kv = a->Add();
    kv->set_key(k);
    kv->mutable_value()->set_int_value(v);
  }

  void MakeServices() {
    const char* names[] = {"frontend",        "checkout", "cart",     "payment",
                           "shipping",        "email",    "currency", "recommendation",
                           "product-catalog", "ad",       "auth",     "inventory"};
    const char* langs[] = {"go", "java", "python", "nodejs", "dotnet"};
    const char* dbs[] = {"", "postgresql", "redis",      "", "mysql",      "",
                         "", "redis",      "postgresql", "", "postgresql", "mongodb"};
    for (int i = 0; i < 12; ++i) {
      Service s;
      s.name = names[i];
      s.language = langs[i % 5];
      s.version = "1." + std::to_string(i % 4) + "." + std::to_string(i * 7 % 10);
      s.scope = "io.opentelemetry." + s.language + ".instrumentation.http";
      s.scope_version = "0." + std::to_string(40 + i % 5) + ".0";
      s.db_system = dbs[i];
      std::string instance_base = Hex(10);
      for (int p = 0; p < 4; ++p) {
        std::string pod = s.name + "-" + Hex(9) + "-" + Hex(5);
        s.pods.push_back({{"service.namespace", "shop"},
                          {"service.version", s.version},
                          {"service.instance.id", Uuid()},
                          {"deployment.environment", "production"},
                          {"host.name", "ip-10-0-" + std::to_string(Uniform(256)) + "-" +
                                            std::to_string(Uniform(256)) + ".ec2.internal"},
                          {"k8s.namespace.name", "shop"},
                          {"k8s.pod.name", pod},
                          {"k8s.deployment.name", s.name},
                          {"k8s.node.name", "node-" + std::to_string(Uniform(8))},
                          {"container.id", Hex(64)},
                          {"cloud.region", "eu-west-1"},
                          {"telemetry.sdk.name", "opentelemetry"},
                          {"telemetry.sdk.language", s.language},
                          {"telemetry.sdk.version", "1.2" + std::to_string(i % 6) + ".0"}});
      }
      const char* verbs[] = {"GET", "POST", "PUT", "DELETE"};
      for (int r = 0; r < 6; ++r) {
        s.routes.push_back(std::string(verbs[r % 4]) + " /api/" + s.name + "/" +
                           (r % 2 ? "{id}" : "items") + (r > 3 ? "/details" : ""));
      }
      services_.push_back(std::move(s));
    }
  }

  otlp_trace::Span& NewSpan(int service, const std::string& parent, const std::string& name,
                            otlp_trace::Span_SpanKind kind, uint64_t start, uint64_t duration) {
    int pod = static_cast<int>(Uniform(services_[service].pods.size()));
    auto& list = batches_[{service, pod}];
    otlp_trace::Span& s = list.emplace_back();
    s.set_trace_id(trace_id_);
    s.set_span_id(SpanId());
    s.set_parent_span_id(parent);
    s.set_name(name);
    s.set_kind(kind);
    s.set_start_time_unix_nano(start);
    s.set_end_time_unix_nano(start + duration);
    s.set_flags(0x100);
    --budget_;
    return s;
  }

  void Common(otlp_trace::Span& s) {
    Attr(s.mutable_attributes(), "thread.id", static_cast<int64_t>(1 + Uniform(200)));
    Attr(s.mutable_attributes(), "thread.name", "worker-" + std::to_string(Uniform(16)));
    Attr(s.mutable_attributes(), "session.id", session_);
  }

  void Error(otlp_trace::Span& s, const std::string& type) {
    s.mutable_status()->set_code(otlp_trace::Status::STATUS_CODE_ERROR);
    s.mutable_status()->set_message(type + ": request failed");
    auto* ev = s.add_events();
    ev->set_time_unix_nano(s.end_time_unix_nano() - Uniform(1000));
    ev->set_name("exception");
    Attr(ev->mutable_attributes(), "exception.type", type);
    Attr(ev->mutable_attributes(), "exception.message",
         "deadline exceeded after " + std::to_string(Uniform(5000)) + "ms");
    Attr(ev->mutable_attributes(), "exception.stacktrace",
         type + "\n\tat com.shop.Handler.handle(Handler.java:" + std::to_string(Uniform(400)) +
             ")\n\tat io.grpc.ServerImpl.run(ServerImpl.java:812)\n\tat java.lang.Thread.run");
  }

  void ServerSpan(int service, const std::string& route, const std::string& parent, uint64_t start,
                  uint64_t duration) {
    const Service& svc = services_[service];
    bool error = Chance(0.02);
    otlp_trace::Span& s =
        NewSpan(service, parent, route, otlp_trace::Span::SPAN_KIND_SERVER, start, duration);
    std::string method = route.substr(0, route.find(' '));
    std::string path = route.substr(route.find(' ') + 1);
    std::string target = path;
    if (auto p = target.find("{id}"); p != std::string::npos) {
      target.replace(p, 4, Hex(10));
    }
    if (Chance(0.3)) target += "?currency=" + std::string(Chance(0.5) ? "USD" : "EUR");
    auto* a = s.mutable_attributes();
    Attr(a, "http.method", method);
    Attr(a, "http.route", path);
    Attr(a, "http.target", target);
    Attr(a, "http.scheme", "http");
    Attr(a, "http.status_code", static_cast<int64_t>(error ? 500 : (Chance(0.05) ? 404 : 200)));
    Attr(a, "net.host.name", svc.name);
    Attr(a, "net.host.port", static_cast<int64_t>(8080));
    Attr(a, "net.sock.peer.addr",
         service == 0 ? client_ip_
                      : "10.1." + std::to_string(Uniform(4)) + "." + std::to_string(Uniform(256)));
    Attr(a, "net.sock.peer.port", static_cast<int64_t>(30000 + Uniform(35000)));
    if (service == 0) {
      Attr(a, "http.user_agent",
           "Mozilla/5.0 (X11; Linux x86_64) Chrome/12" + std::to_string(Uniform(4)) +
               ".0.0.0 Safari/537.36");
      Attr(a, "http.client_ip", client_ip_);
      Attr(a, "enduser.id", user_);
    }
    Attr(a, "http.request_content_length",
         static_cast<int64_t>(method == "GET" ? 0 : Uniform(4000)));
    Attr(a, "http.response_content_length", static_cast<int64_t>(Uniform(20000)));
    Common(s);
    if (Chance(0.5)) Attr(a, "app.user.id", user_);
    if (error) Error(s, "java.util.concurrent.TimeoutException");
    std::string self = s.span_id();

    // Downstream work: database calls, then calls to other services, sequentially in time.
    uint64_t t = start + duration / 20;
    uint64_t slot = duration / 4;
    int calls = 0;
    while (budget_ > 0 && calls < 4 && Chance(calls == 0 ? 0.9 : 0.55)) {
      ++calls;
      uint64_t d = std::max<uint64_t>(slot / 2 + Uniform(slot / 2 + 1), 1000);
      if (!svc.db_system.empty() && Chance(0.4)) {
        DbSpan(service, self, t, d / 3 + 1);
      } else {
        int callee = 1 + static_cast<int>(Uniform(services_.size() - 1));
        if (callee == service) callee = (callee % 11) + 1;
        ClientCall(service, callee, self, t, d);
      }
      t += d + Uniform(200'000);
    }
  }

  void ClientCall(int caller, int callee, const std::string& parent, uint64_t start,
                  uint64_t duration) {
    const Service& dst = services_[callee];
    const std::string& route = dst.routes[Uniform(dst.routes.size())];
    bool grpc = callee % 3 == 1;
    std::string name = grpc ? "shop." + dst.name + ".Service/" + route.substr(route.rfind('/') + 1)
                            : route.substr(0, route.find(' '));
    otlp_trace::Span& s =
        NewSpan(caller, parent, name, otlp_trace::Span::SPAN_KIND_CLIENT, start, duration);
    auto* a = s.mutable_attributes();
    if (grpc) {
      Attr(a, "rpc.system", "grpc");
      Attr(a, "rpc.service", "shop." + dst.name + ".Service");
      Attr(a, "rpc.method", route.substr(route.rfind('/') + 1));
      Attr(a, "rpc.grpc.status_code", static_cast<int64_t>(Chance(0.02) ? 14 : 0));
    } else {
      std::string path = route.substr(route.find(' ') + 1);
      if (auto p = path.find("{id}"); p != std::string::npos) path.replace(p, 4, Hex(10));
      Attr(a, "http.method", route.substr(0, route.find(' ')));
      Attr(a, "http.url", "http://" + dst.name + ":8080" + path);
      Attr(a, "http.status_code", static_cast<int64_t>(200));
    }
    Attr(a, "net.peer.name", dst.name);
    Attr(a, "net.peer.port", static_cast<int64_t>(grpc ? 50051 : 8080));
    Common(s);
    if (Chance(0.3)) Attr(a, "app.product.id", "PRD-" + std::to_string(Uniform(1000)));
    if (Chance(0.2)) Attr(a, "app.order.id", Uuid());
    if (Chance(0.3)) Attr(a, "app.quantity", static_cast<int64_t>(1 + Uniform(10)));
    std::string self = s.span_id();
    uint64_t net = duration / 10 + 1;
    if (budget_ > 0) ServerSpan(callee, route, self, start + net / 2, duration - net);
  }

  void DbSpan(int service, const std::string& parent, uint64_t start, uint64_t duration) {
    const Service& svc = services_[service];
    static const char* kTables[] = {"orders",   "users",     "products",  "carts",
                                    "payments", "shipments", "inventory", "sessions"};
    std::string table = kTables[Uniform(8)];
    std::string op, stmt;
    if (svc.db_system == "redis") {
      op = Chance(0.7) ? "GET" : "SET";
      stmt = op + " " + table + ":" + std::to_string(Uniform(100000));
    } else {
      int kind = static_cast<int>(Uniform(4));
      op = kind == 0 ? "INSERT" : kind == 1 ? "UPDATE" : "SELECT";
      stmt = kind == 0   ? "INSERT INTO " + table + " (id, data, created_at) VALUES (?, ?, ?)"
             : kind == 1 ? "UPDATE " + table + " SET data = ?, updated_at = ? WHERE id = ?"
             : kind == 2 ? "SELECT * FROM " + table + " WHERE id = ?"
                         : "SELECT id, data FROM " + table +
                               " WHERE user_id = ? ORDER BY created_at DESC LIMIT 50";
    }
    otlp_trace::Span& s = NewSpan(service, parent, op + " " + table,
                                  otlp_trace::Span::SPAN_KIND_CLIENT, start, duration);
    auto* a = s.mutable_attributes();
    Attr(a, "db.system", svc.db_system);
    Attr(a, "db.name", "shop");
    Attr(a, "db.user", svc.name);
    Attr(a, "db.statement", stmt);
    Attr(a, "db.operation", op);
    Attr(a, "db.sql.table", table);
    Attr(a, "net.peer.name", svc.db_system + "." + svc.name + ".svc.cluster.local");
    Attr(a, "net.peer.port", static_cast<int64_t>(svc.db_system == "redis" ? 6379 : 5432));
    Common(s);
  }

  std::mt19937_64 rng_;
  std::vector<Service> services_;
  std::string trace_id_, user_, session_, client_ip_;
  int budget_ = 0;
  std::map<std::pair<int, int>, std::vector<otlp_trace::Span>> batches_;
};

// Sorted random trace IDs, enough for kTargetSpans.
std::vector<std::string> TraceIds() {
  std::mt19937_64 rng(7);
  std::vector<std::string> ids(kTargetSpans / 3);
  for (auto& id : ids) {
    id.resize(16);
    for (char& c : id) c = static_cast<char>(rng());
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

struct Built {
  std::string data;
  tempo::block::BlockMeta meta;
  std::vector<std::string> ids;
  uint64_t spans = 0;
};

// Encodes ~kTargetSpans spans; generation time is excluded when `state` is given.
Built Build(const tempo::block::WriterOptions& options, benchmark::State* state) {
  Generator gen;
  Built b;
  std::vector<std::string> ids = TraceIds();
  tempo::block::BlockWriter writer(options);
  std::vector<tempopb::Trace> batch;
  size_t next = 0;
  while (b.spans < kTargetSpans) {
    if (state) state->PauseTiming();
    for (int i = 0; i < 2000 && b.spans < kTargetSpans; ++i, ++next) {
      uint64_t spans = 0;
      batch.push_back(gen.Make(next, ids[next], &spans));
      b.spans += spans;
    }
    if (state) state->ResumeTiming();
    for (size_t i = 0; i < batch.size(); ++i) {
      const std::string& id = ids[next - batch.size() + i];
      if (!writer.Append(tempo::TraceId::FromBytes(id), batch[i]).ok()) std::abort();
    }
    if (state) state->PauseTiming();
    batch.clear();
    if (state) state->ResumeTiming();
  }
  b.ids.assign(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(next));
  auto data = writer.Finish(&b.meta);
  if (!data.ok()) std::abort();
  b.data = std::move(data).value();
  return b;
}

const Built& Shared() {
  static const Built built = Build({}, nullptr);
  return built;
}

tempo::block::ReadAtFn ReadFrom(const std::string& data) {
  return [&data](uint64_t offset, uint64_t length) -> tempo::Result<std::string> {
    return data.substr(offset, length);
  };
}

void BM_Encode(benchmark::State& state) {
  tempo::block::WriterOptions options;
  options.zstd_level = static_cast<int>(state.range(0));
  Built b;
  for (auto _ : state) b = Build(options, &state);
  state.counters["bytes_per_span"] = static_cast<double>(b.data.size()) / b.spans;
  state.counters["spans"] = static_cast<double>(b.spans);
  state.counters["spans_per_s"] = benchmark::Counter(
      static_cast<double>(b.spans) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Encode)->Arg(1)->Arg(3)->Arg(9)->Unit(benchmark::kMillisecond)->Iterations(1);

// The first 200k spans of the block, generated once, so that only encoding is timed.
struct Pregenerated {
  std::vector<std::string> ids;
  std::vector<tempopb::Trace> traces;
  uint64_t spans = 0;
};
const Pregenerated& Traces200k() {
  static const Pregenerated p = [] {
    Pregenerated out;
    Generator gen;
    std::vector<std::string> ids = TraceIds();
    for (size_t n = 0; out.spans < 200'000; ++n) {
      uint64_t spans = 0;
      out.traces.push_back(gen.Make(n, ids[n], &spans));
      out.ids.push_back(ids[n]);
      out.spans += spans;
    }
    return out;
  }();
  return p;
}

void BM_EncodeOnly(benchmark::State& state) {
  const Pregenerated& p = Traces200k();
  size_t bytes = 0;
  for (auto _ : state) {
    tempo::block::BlockWriter writer;
    for (size_t i = 0; i < p.traces.size(); ++i) {
      if (!writer.Append(tempo::TraceId::FromBytes(p.ids[i]), p.traces[i]).ok()) std::abort();
    }
    tempo::block::BlockMeta meta;
    bytes = writer.Finish(&meta).value().size();
  }
  state.counters["bytes_per_span"] = static_cast<double>(bytes) / p.spans;
  state.counters["spans_per_s"] = benchmark::Counter(
      static_cast<double>(p.spans) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EncodeOnly)->Unit(benchmark::kMillisecond);

void BM_DecodeAll(benchmark::State& state) {
  const Built& b = Shared();
  auto reader = tempo::block::BlockReader::Open(ReadFrom(b.data), b.data.size()).value();
  uint64_t spans = 0;
  for (auto _ : state) {
    auto s = reader->ForEachTrace([&](const tempo::TraceId&, tempopb::Trace&& t) {
      for (const auto& rs : t.resourcespans()) {
        for (const auto& ss : rs.scope_spans()) spans += static_cast<uint64_t>(ss.spans_size());
      }
      return tempo::Status::Ok();
    });
    if (!s.ok()) std::abort();
  }
  state.counters["spans_per_s"] =
      benchmark::Counter(static_cast<double>(spans), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecodeAll)->Unit(benchmark::kMillisecond)->MinTime(2);

void BM_FindTrace(benchmark::State& state) {
  const Built& b = Shared();
  auto reader = tempo::block::BlockReader::Open(ReadFrom(b.data), b.data.size()).value();
  std::mt19937_64 rng(1);
  tempopb::Trace t;
  for (auto _ : state) {
    const std::string& id = b.ids[rng() % b.ids.size()];
    if (!reader->FindTrace(tempo::TraceId::FromBytes(id), &t).value()) std::abort();
  }
}
BENCHMARK(BM_FindTrace)->Unit(benchmark::kMicrosecond);

void BM_FindTraceMiss(benchmark::State& state) {
  const Built& b = Shared();
  auto reader = tempo::block::BlockReader::Open(ReadFrom(b.data), b.data.size()).value();
  std::mt19937_64 rng(2);
  tempopb::Trace t;
  for (auto _ : state) {
    std::string id(16, '\0');
    for (char& c : id) c = static_cast<char>(rng());
    benchmark::DoNotOptimize(reader->FindTrace(tempo::TraceId::FromBytes(id), &t).value());
  }
}
BENCHMARK(BM_FindTraceMiss)->Unit(benchmark::kMicrosecond);

void BM_Open(benchmark::State& state) {
  const Built& b = Shared();
  for (auto _ : state) {
    auto reader =
        tempo::block::BlockReader::Open(ReadFrom(b.data), b.data.size(), b.meta.footer_size);
    if (!reader.ok()) std::abort();
  }
}
BENCHMARK(BM_Open)->Unit(benchmark::kMicrosecond);

void PrintSummary() {
  const Built& b = Shared();
  auto reader = tempo::block::BlockReader::Open(ReadFrom(b.data), b.data.size()).value();
  std::printf("block: %" PRIu64 " spans, %" PRIu64
              " traces, %u row groups, %zu bytes = %.2f "
              "bytes/span\n",
              b.spans, b.meta.total_traces, b.meta.row_groups, b.data.size(),
              static_cast<double>(b.data.size()) / b.spans);
  auto cols = reader->ColumnSizes();
  std::sort(cols.begin(), cols.end(),
            [](const auto& x, const auto& y) { return x.compressed_bytes > y.compressed_bytes; });
  std::printf("%-56s %12s %12s %10s\n", "column", "bytes", "raw", "B/span");
  for (size_t i = 0; i < cols.size() && i < 200; ++i) {
    std::printf("%-56s %12" PRIu64 " %12" PRIu64 " %10.3f\n", cols[i].name.c_str(),
                cols[i].compressed_bytes, cols[i].uncompressed_bytes,
                static_cast<double>(cols[i].compressed_bytes) / b.spans);
  }
  std::printf("(%zu columns in total)\n\n", cols.size());
}

}  // namespace

int main(int argc, char** argv) {
  // --no_summary skips building the 1M-span block up front (for profiling single benchmarks).
  bool summary = true;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--no_summary") {
      summary = false;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (summary) PrintSummary();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
