// Trace by ID at scale (issue "Columnar blocks", item 6): writes `--spans` realistic spans
// (bench/support/realistic_traces.h) as blocks of `--block_spans` spans into a local backend,
// exactly as the block builder lays them out (one block per 10-minute window, traces sorted by
// ID, meta.json last), then opens a Store over that backend and times lookups the way the
// querier does them (Store::FindTrace over every block: time range, ID range, bloom filter,
// directory, one row group read, the part written as protobuf bytes; several parts or one not
// yet combined then go through CombineSerializedTrace), warm, for hits and for misses.
//
// Prints the block build throughput (encode + write, spans per CPU-second of the building
// thread, generation excluded), bytes per span, and p50/p90/p99/max latency of the lookups.
// A directory that already holds the blocks (same flags) is reused: `--dir` keeps them.
//
// Run: build-bench/bench/tempo_trace_by_id_bench --spans=10000000 --dir=/tmp/tempo-tbi
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "load/flags.h"
#include "support/realistic_traces.h"
#include "tempo/backend/backend.h"
#include "tempo/block/block_meta.h"
#include "tempo/block/block_writer.h"
#include "tempo/block/trace_combine.h"
#include "tempo/common/metrics.h"
#include "tempo/model/combine.h"
#include "tempo/store/store.h"
#include "tempopb/tempo.pb.h"

namespace {

using tempo::bench::RealisticTraceGenerator;
using tempo::bench::RealisticTraceOptions;

struct Flags {
  uint64_t spans = 10'000'000;
  uint64_t block_spans = 1'000'000;
  uint64_t lookups = 20'000;
  std::string dir = "/tmp/tempo-trace-by-id-bench";
  tempo::block::WriterOptions writer;  // page sizes can be overridden to compare layouts
};

constexpr char kTenant[] = "single-tenant";
constexpr uint64_t kWindow = 600'000'000'000ull;  // 10 minutes per block

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

[[noreturn]] void Die(const std::string& what, const tempo::Status& status) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), status.ToString().c_str());
  std::exit(1);
}

std::string BlockIdOf(uint64_t b) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "00000000-0000-4000-8000-%012" PRIx64, b + 1);
  return buf;
}

struct BuildResult {
  std::vector<std::string> ids;  // every stored trace ID
  uint64_t spans = 0;
  uint64_t bytes = 0;
  double encode_cpu_seconds = 0;  // 0 when the blocks were reused
};

// Writes block `b` and appends its trace IDs to `out`.
void BuildBlock(const Flags& flags, uint64_t b, tempo::backend::Backend& backend, BuildResult* out) {
  RealisticTraceOptions options;
  options.seed = 1000 + b;
  options.base_time_unix_nano += b * kWindow;
  options.window_nanos = kWindow;
  RealisticTraceGenerator gen(options);
  // ~9.5 spans per trace on average; ask for enough IDs and stop at the span budget.
  std::vector<std::string> ids = tempo::bench::SortedRandomTraceIds(flags.block_spans / 2, 7 + b);
  // Generate first (not timed), then encode in ID order.
  std::vector<tempopb::Trace> traces;
  std::vector<size_t> picked;
  uint64_t spans = 0;
  std::mt19937_64 pick(b);
  for (uint64_t n = 0; spans < flags.block_spans && n < ids.size(); ++n) {
    if (pick() % 3 != 0) continue;  // a random third of the IDs, still ascending
    uint64_t s = 0;
    traces.push_back(gen.Make(n, ids[n], &s));
    picked.push_back(n);
    spans += s;
  }
  double cpu0 = ThreadCpuSeconds();
  tempo::block::BlockWriter writer(flags.writer);
  for (size_t i = 0; i < traces.size(); ++i) {
    tempo::Status s = writer.Append(tempo::TraceId::FromBytes(ids[picked[i]]), traces[i]);
    if (!s.ok()) Die("append", s);
  }
  tempo::block::BlockMeta meta;
  auto data = writer.Finish(&meta);
  if (!data.ok()) Die("finish", data.status());
  meta.block_id = BlockIdOf(b);
  meta.tenant_id = kTenant;
  meta.created_at_unix = 1'714'000'000;
  tempo::Status s = backend.Write(kTenant, meta.block_id, tempo::backend::kDataName, *data);
  if (!s.ok()) Die("write data", s);
  s = backend.Write(kTenant, meta.block_id, tempo::backend::kMetaName,
                    tempo::block::MetaToJson(meta));
  if (!s.ok()) Die("write meta", s);
  out->encode_cpu_seconds += ThreadCpuSeconds() - cpu0;
  out->spans += meta.total_spans;
  out->bytes += meta.size_bytes;
  for (size_t n : picked) out->ids.push_back(ids[n]);
}

// The stored trace IDs are kept beside the blocks so that a reused directory needs no generation.
void SaveIds(const std::string& path, const std::vector<std::string>& ids) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) Die("save ids", tempo::IOError(path));
  for (const std::string& id : ids) std::fwrite(id.data(), 1, id.size(), f);
  std::fclose(f);
}

std::vector<std::string> LoadIds(const std::string& path) {
  std::vector<std::string> ids;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) Die("load ids", tempo::IOError(path));
  char buf[16];
  while (std::fread(buf, 1, 16, f) == 16) ids.emplace_back(buf, 16);
  std::fclose(f);
  return ids;
}

struct Percentiles {
  double p50, p90, p99, max, mean;
};

Percentiles Summarize(std::vector<double> micros) {
  std::sort(micros.begin(), micros.end());
  auto at = [&](double q) { return micros[static_cast<size_t>(q * (micros.size() - 1))]; };
  double sum = 0;
  for (double m : micros) sum += m;
  return {at(0.50), at(0.90), at(0.99), micros.back(), sum / micros.size()};
}

void PrintRow(const char* name, const Percentiles& p, double cpu_us) {
  std::printf("%-22s %9.3f %9.3f %9.3f %9.3f %9.3f %11.3f\n", name, p.p50, p.p90, p.p99, p.max,
              p.mean, cpu_us);
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  tempo::bench::Flags args(argc, argv);
  flags.spans = args.U64("spans", flags.spans);
  flags.block_spans = args.U64("block_spans", flags.block_spans);
  flags.lookups = args.U64("lookups", flags.lookups);
  flags.dir = args.Str("dir", flags.dir);
  auto& w = flags.writer;
  w.values_per_page = static_cast<uint32_t>(args.U64("values_per_page", w.values_per_page));
  w.page_bytes = static_cast<uint32_t>(args.U64("page_bytes", w.page_bytes));
  w.dict_page_entries = static_cast<uint32_t>(args.U64("dict_page_entries", w.dict_page_entries));
  w.dict_page_bytes = static_cast<uint32_t>(args.U64("dict_page_bytes", w.dict_page_bytes));
  for (const std::string& unknown : args.Unknown()) {
    std::fprintf(stderr,
                 "unknown flag --%s (--spans --block_spans --lookups --dir --values_per_page "
                 "--page_bytes --dict_page_entries --dict_page_bytes)\n",
                 unknown.c_str());
    return 2;
  }
  const uint64_t blocks = (flags.spans + flags.block_spans - 1) / flags.block_spans;
  const std::string stamp = flags.dir + "/.complete-" + std::to_string(flags.spans) + "-" +
                            std::to_string(flags.block_spans) + "-" +
                            std::to_string(w.values_per_page) + "-" + std::to_string(w.page_bytes) +
                            "-" + std::to_string(w.dict_page_entries) + "-" +
                            std::to_string(w.dict_page_bytes);
  const bool reuse = std::filesystem::exists(stamp);
  if (!reuse) std::filesystem::remove_all(flags.dir);
  auto backend = tempo::backend::OpenLocalBackend(flags.dir);
  if (!backend.ok()) Die("backend", backend.status());

  BuildResult built;
  const std::string ids_path = flags.dir + "/.trace-ids";
  if (reuse) {
    built.ids = LoadIds(ids_path);
  } else {
    for (uint64_t b = 0; b < blocks; ++b) {
      BuildBlock(flags, b, **backend, &built);
      std::fprintf(stderr, "block %" PRIu64 "/%" PRIu64 " written\n", b + 1, blocks);
    }
    SaveIds(ids_path, built.ids);
    if (std::FILE* f = std::fopen(stamp.c_str(), "w")) std::fclose(f);
  }

  tempo::metrics::Registry registry;
  tempo::store::Store store({}, **backend, registry);
  tempo::Status started = store.Start();
  if (!started.ok()) Die("store", started);
  uint64_t stored_spans = 0, stored_bytes = 0;
  for (const auto& meta : store.Blocks(kTenant)) {
    stored_spans += meta.total_spans;
    stored_bytes += meta.size_bytes;
  }
  std::printf("blocks: %zu, traces: %zu, spans: %" PRIu64 ", bytes: %" PRIu64
              " (%.2f B/span)\n",
              store.Blocks(kTenant).size(), built.ids.size(), stored_spans, stored_bytes,
              static_cast<double>(stored_bytes) / static_cast<double>(stored_spans));
  if (built.encode_cpu_seconds > 0) {
    std::printf("block build: %.0f spans per CPU-second (encode + write + fsync, one thread)\n",
                static_cast<double>(built.spans) / built.encode_cpu_seconds);
  }

  tempo::RequestContext ctx;
  ctx.tenant = kTenant;
  auto lookup = [&](const std::string& id, bool want) {
    std::string fragments;
    size_t parts = 0;
    uint32_t combined_spans = 0;
    tempo::Status s = store.FindTrace(ctx, tempo::TraceId::FromBytes(id), std::nullopt,
                                      std::nullopt, &fragments, &parts, &combined_spans);
    if (!s.ok()) Die("find", s);
    if ((parts > 0) != want) {
      std::fprintf(stderr, "lookup %s: expected %s\n", want ? "hit" : "miss", want ? "hit" : "miss");
      std::exit(1);
    }
    // As the querier: one part already combined is the answer, anything else is combined.
    if (parts > 0 && !(parts == 1 && combined_spans > 0)) {
      std::string trace;
      tempo::model::CombineStats stats;
      s = tempo::block::CombineSerializedTrace(fragments, &trace, &stats);
      if (!s.ok() || stats.spans == 0) Die("combine", s);
    }
  };

  std::mt19937_64 rng(99);
  // Warm-up: open every reader (footer, directory, bloom) and touch the page cache.
  for (int i = 0; i < 200; ++i) lookup(built.ids[rng() % built.ids.size()], true);

  std::printf("\n%-22s %9s %9s %9s %9s %9s %11s   (microseconds)\n", "lookup", "p50", "p90", "p99",
              "max", "mean", "cpu/lookup");
  for (bool hit : {true, false}) {
    std::vector<double> micros;
    micros.reserve(flags.lookups);
    double cpu0 = ThreadCpuSeconds();
    for (uint64_t i = 0; i < flags.lookups; ++i) {
      std::string id;
      if (hit) {
        id = built.ids[rng() % built.ids.size()];
      } else {
        id.resize(16);
        for (char& c : id) c = static_cast<char>(rng());
      }
      auto t0 = std::chrono::steady_clock::now();
      lookup(id, hit);
      micros.push_back(
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    }
    double cpu_us = (ThreadCpuSeconds() - cpu0) * 1e6 / static_cast<double>(flags.lookups);
    PrintRow(hit ? "hit (random stored ID)" : "miss (random ID)", Summarize(std::move(micros)),
             cpu_us);
  }
  store.Stop();
  return 0;
}
