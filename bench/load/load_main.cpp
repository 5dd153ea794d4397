// tempo_load: replays a tempo_corpus file to a local server over OTLP/gRPC or OTLP/HTTP, as fast
// as it acknowledges or at a fixed span rate, and reports throughput, push latency, errors and
// what the server process spent (CPU, RSS, disk) while doing it. Loopback targets only.
//
//   tempo_load --corpus=FILE [--protocol=grpc|http] [--target=127.0.0.1:4317] [--path=/v1/traces]
//              [--connections=4] [--concurrency=16] [--rate=0] [--duration=60]
//              [--max-spans=N] [--timeout=30] [--tenant=ID] [--server-pid=PID | --no-server]
//              [--data-dir=DIR] [--metrics=127.0.0.1:3200] [--decode-ref=auto|0|SPANS_PER_S]
//              [--label=NAME] [--json-out=FILE] [--first-pass=0] [--data-ends-now]
//
// Span times are shifted so that the first pass sent starts now, later passes following; with
// --data-ends-now (needs --max-spans) they are shifted into the past instead, so that the last
// pass ends now: servers do not search spans "in the future" (the search end is clamped to now),
// so the query benchmark loads this way.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>

#include "corpus.h"
#include "decode_ref.h"
#include "flags.h"
#include "proc_sampler.h"
#include "report.h"
#include "senders.h"

namespace {

using namespace tempo::bench;

constexpr double kMaxDurationS = 24 * 3600;

bool SplitTarget(const std::string& target, std::string* host, uint16_t* port) {
  size_t colon = target.rfind(':');
  if (colon == std::string::npos) return false;
  *host = target.substr(0, colon);
  if (host->size() > 2 && host->front() == '[') *host = host->substr(1, host->size() - 2);
  unsigned long p = std::strtoul(target.c_str() + colon + 1, nullptr, 10);
  if (p == 0 || p > 65535) return false;
  *port = static_cast<uint16_t>(p);
  return true;
}

bool IsLoopback(const std::string& host) { return host.rfind("127.", 0) == 0 || host == "::1"; }

int Fail(const std::string& message) {
  std::cerr << "tempo_load: " << message << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags(argc, argv);
  LoadOptions o;
  std::string corpus_path = flags.Str("corpus", "");
  o.protocol = flags.Str("protocol", "grpc");
  std::string target =
      flags.Str("target", o.protocol == "http" ? "127.0.0.1:4318" : "127.0.0.1:4317");
  o.http_path = flags.Str("path", "/v1/traces");
  o.connections = static_cast<int>(flags.U64("connections", 4));
  o.concurrency = static_cast<int>(flags.U64("concurrency", 16));
  o.rate = flags.Num("rate", 0);
  o.duration_s = flags.Num("duration", 60);
  const bool flags_max_spans_given = !flags.Str("max-spans", "").empty();
  o.max_spans = flags.U64("max-spans", 1'000'000'000);
  o.timeout_s = flags.Num("timeout", 30);
  o.tenant = flags.Str("tenant", "");
  o.first_pass = static_cast<uint32_t>(flags.U64("first-pass", 0));
  bool data_ends_now = flags.Bool("data-ends-now", false);
  uint64_t server_pid = flags.U64("server-pid", 0);
  bool no_server = flags.Bool("no-server", false);
  std::string data_dir = flags.Str("data-dir", "");
  std::string metrics = flags.Str("metrics", "");
  std::string decode_ref = flags.Str("decode-ref", "auto");
  std::string label = flags.Str("label", "");
  std::string json_out = flags.Str("json-out", "");
  for (const std::string& name : flags.Unknown()) return Fail("unknown flag --" + name);
  if (corpus_path.empty()) return Fail("--corpus=FILE is required (make one with tempo_corpus)");
  if (o.protocol != "grpc" && o.protocol != "http") return Fail("--protocol is grpc or http");
  if (!SplitTarget(target, &o.host, &o.port)) return Fail("--target must be host:port");
  if (!IsLoopback(o.host)) return Fail("only loopback targets (127.0.0.0/8, ::1) are allowed");
  if (!(o.duration_s > 0 && o.duration_s <= kMaxDurationS))
    return Fail("--duration must be in (0, 86400]");
  if (o.max_spans == 0 || o.concurrency < 1 || o.connections < 1 || o.rate < 0) {
    return Fail("--max-spans, --concurrency and --connections must be positive, --rate >= 0");
  }

  std::cerr << "loading " << corpus_path << " ...\n";
  auto loaded = LoadCorpus(corpus_path, /*index_offsets=*/true);
  if (!loaded.ok()) return Fail(loaded.status().ToString());
  Corpus& corpus = **loaded;

  RunReport report;
  report.label = label.empty() ? o.protocol : label;
  report.options = o;
  report.corpus_spans = corpus.header.spans;
  report.corpus_bytes_per_span = static_cast<double>(corpus.header.payload_bytes) /
                                 static_cast<double>(std::max<uint64_t>(corpus.header.spans, 1));
  if (decode_ref == "auto") {
    std::cerr << "measuring the decode reference (3 s, one thread) ...\n";
    auto r = MeasureDecode(corpus, 3.0);
    if (!r.ok()) return Fail(r.status().ToString());
    report.decode_ref_spans_per_s = r->spans_per_s;
  } else {
    report.decode_ref_spans_per_s = std::strtod(decode_ref.c_str(), nullptr);
  }

  // Times start at "now" (the first pass sent starts now); each further pass over the corpus
  // comes after the previous one.
  int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  int64_t pass_step = PassTimeStepNs(corpus.header);
  int64_t shift = now_ns - static_cast<int64_t>(corpus.header.first_start_ns) -
                  static_cast<int64_t>(o.first_pass) * pass_step;
  if (data_ends_now) {
    if (!flags_max_spans_given) return Fail("--data-ends-now needs --max-spans");
    uint64_t passes =
        (o.max_spans + corpus.header.spans - 1) / std::max<uint64_t>(corpus.header.spans, 1);
    shift -= static_cast<int64_t>(passes) * pass_step;
  }
  for (CorpusBatch& b : corpus.batches) PatchInPlace(b, 0, shift, &b.payload);
  std::cerr << "time shift " << shift << " ns (corpus time + shift = sent time; pass k adds k * "
            << pass_step << " ns)\n";

  std::unique_ptr<ProcSampler> sampler;
  if (!no_server) {
    if (server_pid == 0) {
      auto pid = FindPidListeningOn(o.port);
      if (!pid.ok()) return Fail(pid.status().ToString() + " (give --server-pid or --no-server)");
      server_pid = static_cast<uint64_t>(*pid);
    }
    sampler = std::make_unique<ProcSampler>(static_cast<pid_t>(server_pid), data_dir);
    report.have_server = true;
    report.server_pid = static_cast<pid_t>(server_pid);
  }
  std::string metrics_host;
  uint16_t metrics_port = 0;
  if (!metrics.empty() && !SplitTarget(metrics, &metrics_host, &metrics_port)) {
    return Fail("--metrics must be host:port");
  }
  if (metrics_port != 0) {
    auto m = ScrapeMetrics(metrics_host, metrics_port);
    if (m.ok())
      report.metrics_start = *m;
    else
      std::cerr << "warning: " << m.status().ToString() << "\n";
  }
  if (sampler) {
    auto s = sampler->Start();
    if (!s.ok()) return Fail(s.status().ToString());
    report.server_start = *s;
  } else {
    report.server_start.self_cpu_s = ProcSampler(getpid(), "").Read()->self_cpu_s;
  }

  std::cerr << "sending " << o.protocol << " to " << target << " for up to " << o.duration_s
            << " s ...\n";
  Dispatcher dispatcher(corpus, o, pass_step);
  tempo::Status run = o.protocol == "grpc" ? RunGrpc(o, dispatcher) : RunHttp(o, dispatcher);
  if (!run.ok()) return Fail(run.ToString());

  report.stats = std::move(dispatcher.stats());
  report.elapsed_s =
      std::chrono::duration<double>(report.stats.last_done - report.stats.first_send).count();
  if (sampler) {
    auto s = sampler->Stop();
    if (!s.ok()) return Fail("server died during the run: " + s.status().ToString());
    report.server_end = *s;
    report.peak_rss_bytes = sampler->peak_rss_bytes();
  } else {
    report.server_end.self_cpu_s = ProcSampler(getpid(), "").Read()->self_cpu_s;
  }
  if (metrics_port != 0) {
    auto m = ScrapeMetrics(metrics_host, metrics_port);
    if (m.ok())
      report.metrics_end = *m;
    else
      std::cerr << "warning: " << m.status().ToString() << "\n";
  }

  PrintTable(report, std::cout);
  PrintJson(report, std::cout);
  std::cout << std::endl;
  if (!json_out.empty()) {
    std::ofstream out(json_out, std::ios::app);
    PrintJson(report, out);
    out << "\n";
  }
  return report.stats.requests_ok > 0 ? 0 : 1;
}
