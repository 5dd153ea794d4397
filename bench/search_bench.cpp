// TraceQL search over blocks at scale (issue #4 item 6): writes `--spans` realistic spans
// (bench/support/realistic_traces.h) as blocks of `--block_spans` spans into a local backend (one
// block per 10-minute window, traces sorted by ID, meta.json last; a directory that already holds
// them is reused), then runs each query warm through Querier::Search, once with a query pool of
// one thread and once with `--threads` (default: hardware threads), and prints p50/p99 latency and
// the spans of the searched blocks per CPU-second of the process ("scanned per core": pruned row
// groups count as scanned, which is the point of pruning).
//
// Run: build-eval-bench/bench/tempo_search_bench --spans=10000000 --dir=/tmp/tempo-search-bench
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "load/flags.h"
#include "support/realistic_block.h"
#include "support/realistic_traces.h"
#include "tempo/backend/backend.h"
#include "tempo/block/block_meta.h"
#include "tempo/block/block_writer.h"
#include "tempo/common/clock.h"
#include "tempo/common/metrics.h"
#include "tempo/ingester/ingester.h"
#include "tempo/overrides/overrides.h"
#include "tempo/querier/querier.h"
#include "tempo/store/store.h"
#include "tempo/wal/wal.h"
#include "tempopb/tempo.pb.h"

namespace {

struct Flags {
  uint64_t spans = 10'000'000;
  uint64_t block_spans = 1'000'000;
  int iterations = 10;
  unsigned threads = 0;
  std::string only;  // run only the queries containing this text
  std::string most_recent = "both";  // both | off | only: which variants of each query to run
  std::string dir = "/tmp/tempo-search-bench";
};

constexpr char kTenant[] = "single-tenant";
constexpr uint64_t kWindow = 600'000'000'000ull;  // 10 minutes per block
constexpr uint64_t kBase = 1'714'000'000'000'000'000ull;

[[noreturn]] void Die(const std::string& what, const tempo::Status& status) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), status.ToString().c_str());
  std::exit(1);
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

void BuildBlock(const Flags& flags, uint64_t b, tempo::backend::Backend& backend) {
  tempo::bench::RealisticBlockSpec spec;
  spec.index = b;
  spec.spans = flags.block_spans;
  spec.seed = 2000 + b;
  spec.id_seed = 9 + b;
  spec.base_time_unix_nano = kBase + b * kWindow;
  spec.window_nanos = kWindow;
  tempo::Status s = tempo::bench::WriteRealisticBlock(backend, kTenant, spec);
  if (!s.ok()) Die("write block", s);
}

struct Timing {
  double p50_ms = 0, p99_ms = 0, spans_per_cpu_second = 0;
  int traces = 0;
};

Timing Run(const tempo::querier::Querier& querier, const std::string& text,
           const tempo::traceql::SearchOptions& options, int iterations, uint64_t spans) {
  auto query = tempo::traceql::SearchQuery::Compile(text);
  if (!query.ok()) Die("compile " + text, query.status());
  tempo::RequestContext ctx;
  ctx.tenant = kTenant;
  tempopb::SearchResponse response;
  tempo::Status s = querier.Search(ctx, *query, options, &response);  // warm-up
  if (!s.ok()) Die("search " + text, s);
  std::vector<double> ms;
  const double cpu0 = CpuSeconds();
  for (int i = 0; i < iterations; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    s = querier.Search(ctx, *query, options, &response);
    if (!s.ok()) Die("search " + text, s);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                     .count());
  }
  const double cpu = CpuSeconds() - cpu0;
  std::sort(ms.begin(), ms.end());
  Timing t;
  t.p50_ms = ms[ms.size() / 2];
  t.p99_ms = ms[std::min(ms.size() - 1, static_cast<size_t>(0.99 * static_cast<double>(ms.size())))];
  t.spans_per_cpu_second = static_cast<double>(spans) * iterations / cpu;
  t.traces = response.traces_size();
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  tempo::bench::Flags args(argc, argv);
  flags.spans = args.U64("spans", flags.spans);
  flags.block_spans = args.U64("block_spans", flags.block_spans);
  flags.iterations = static_cast<int>(args.U64("iterations", flags.iterations));
  flags.threads = static_cast<unsigned>(args.U64("threads", flags.threads));
  flags.only = args.Str("only", flags.only);
  flags.dir = args.Str("dir", flags.dir);
  flags.most_recent = args.Str("most_recent", flags.most_recent);
  for (const std::string& unknown : args.Unknown()) {
    std::fprintf(stderr,
                 "unknown flag --%s (--spans --block_spans --iterations --threads --only "
                 "--most_recent=both|off|only --dir)\n",
                 unknown.c_str());
    return 2;
  }
  if (flags.threads == 0) flags.threads = std::max(1u, std::thread::hardware_concurrency());
  const uint64_t blocks = (flags.spans + flags.block_spans - 1) / flags.block_spans;
  const std::string data_dir = flags.dir + "/blocks";
  const std::string stamp = flags.dir + "/.complete-" + std::to_string(flags.spans) + "-" +
                            std::to_string(flags.block_spans);
  const bool reuse = std::filesystem::exists(stamp);
  if (!reuse) std::filesystem::remove_all(flags.dir);
  std::filesystem::create_directories(data_dir);
  auto backend = tempo::backend::OpenLocalBackend(data_dir);
  if (!backend.ok()) Die("backend", backend.status());
  if (!reuse) {
    for (uint64_t b = 0; b < blocks; ++b) {
      BuildBlock(flags, b, **backend);
      std::fprintf(stderr, "block %" PRIu64 "/%" PRIu64 " written\n", b + 1, blocks);
    }
    if (std::FILE* f = std::fopen(stamp.c_str(), "w")) std::fclose(f);
  }

  tempo::metrics::Registry registry;
  tempo::store::Store store({}, **backend, registry);
  if (tempo::Status s = store.Poll(); !s.ok()) Die("poll", s);
  uint64_t spans = 0;
  for (const auto& meta : store.Blocks(kTenant)) spans += meta.total_spans;

  // An empty ingester: the querier always has live data to look at.
  std::filesystem::remove_all(flags.dir + "/wal");
  tempo::wal::WalConfig wal_config;
  wal_config.path = flags.dir + "/wal";
  auto wal = tempo::wal::Wal::Open(wal_config, registry);
  if (!wal.ok()) Die("wal", wal.status());
  tempo::FakeClock clock;
  tempo::overrides::Overrides overrides{tempo::overrides::OverridesConfig{}};
  tempo::ingester::Ingester ingester({}, **wal, overrides, registry, clock);
  if (tempo::Status s = ingester.Start(); !s.ok()) Die("ingester", s);

  tempo::bench::RealisticTraceGenerator names;
  const std::string service = names.ServiceNames()[1];
  const std::vector<std::string> queries = {
      "{ span.http.status_code = 500 }",
      "{ resource.service.name = \"" + service + "\" && duration > 100ms }",
      "{ status = error } >> { span.db.system = \"postgresql\" }",
      "{ name =~ \"GET.*\" } | count() > 3",
      "{ span.http.status_code = 599 }",
      // No match either, but 201 lies within every page's bounds (200..500): every value of the
      // column is scanned, nothing is materialized (the raw column-scan rate).
      "{ span.http.status_code = 201 }",
  };
  tempo::traceql::SearchOptions options;
  options.start_unix_nano = kBase;
  options.end_unix_nano = kBase + blocks * kWindow;
  std::printf("search over %" PRIu64 " spans in %" PRIu64 " blocks, limit %u, %d iterations\n",
              spans, blocks, options.limit, flags.iterations);
  std::printf("%-62s %7s %9s %9s %14s\n", "query", "threads", "p50 ms", "p99 ms",
              "Mspans/cpu-s");
  for (unsigned threads : {1u, flags.threads}) {
    tempo::querier::Querier querier(ingester, store, {.query_threads = threads});
    for (const std::string& q : queries) {
      if (q.find(flags.only) == std::string::npos) continue;
      for (bool most_recent : {false, true}) {
        if (flags.most_recent == (most_recent ? "off" : "only")) continue;
        const std::string text = most_recent ? q + " with(most_recent=true)" : q;
        Timing t = Run(querier, text, options, flags.iterations, spans);
        std::printf("%-62s %7u %9.2f %9.2f %14.1f  (%d traces)\n", text.c_str(), threads,
                    t.p50_ms, t.p99_ms, t.spans_per_cpu_second / 1e6, t.traces);
      }
    }
  }
  ingester.Stop();
  return 0;
}
